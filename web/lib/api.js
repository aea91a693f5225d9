// The one place that talks to the server: JSON in and out, the CSRF header, the
// refresh-then-login dance on 401, and errors as ApiError.

export class ApiError extends Error {
  constructor(status, code, message, requestId, body) {
    super(message || `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || 'error';
    this.requestId = requestId || null;
    this.body = body || null;
  }
}

const NO_REFRESH = ['/api/auth/login', '/api/auth/register', '/api/auth/refresh', '/api/auth/logout'];
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

let unauthorizedHandler = (next) => {
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
};

/** fn(nextPath) runs when the session is over (after a failed refresh). */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

/** The readable em_csrf cookie, echoed on state-changing requests. */
export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)em_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

export function buildUrl(path, query) {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined || v === '') continue;
    qs.set(k, String(v));
  }
  const text = qs.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/** Whether this browser holds a session at all (the em_csrf cookie lives with it). */
export function hasSession() {
  return csrfToken() !== '';
}

const EXPIRY_KEY = 'exammentor.access_until';

/** Notes when the access cookie lapses (expires_in seconds from now). */
export function noteAccessExpiry(expiresIn) {
  try {
    if (expiresIn > 0) window.localStorage.setItem(EXPIRY_KEY, String(Date.now() + expiresIn * 1000));
    else window.localStorage.removeItem(EXPIRY_KEY);
  } catch {
    // without storage the 401 path still refreshes
  }
}

function accessLapsed() {
  try {
    const until = Number(window.localStorage.getItem(EXPIRY_KEY));
    return until > 0 && Date.now() > until - 20000;
  } catch {
    return false;
  }
}

let refreshing = null;
function refreshSession() {
  if (!refreshing) {
    refreshing = fetch('/api/auth/refresh', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: '{}',
    })
      .then(async (r) => {
        if (!r.ok) {
          noteAccessExpiry(0);
          return false;
        }
        const body = await r.json().catch(() => null);
        if (body && body.expires_in) noteAccessExpiry(body.expires_in);
        return true;
      })
      .catch(() => false)
      .finally(() => {
        setTimeout(() => { refreshing = null; }, 0);
      });
  }
  return refreshing;
}

/**
 * What to say about a failed answer that brought no message of its own (a proxy's
 * HTML page, an empty body): words, never a bare "500 Internal Server Error".
 */
export function fallbackMessage(status) {
  if (status >= 500) return `The server ran into a problem (HTTP ${status}). Try again in a moment.`;
  if (status === 404) return 'This was not found. It may have been deleted.';
  if (status === 401) return 'Your session has ended. Log in again to continue.';
  if (status === 403) return 'Your account may not do this.';
  if (status === 413) return 'This is too large for the server.';
  if (status === 429) return 'Too many requests at once. Wait a moment and try again.';
  return `The request failed (HTTP ${status}).`;
}

async function errorFrom(res) {
  const requestId = res.headers.get('X-Request-Id');
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const e = body && body.error ? body.error : {};
  return new ApiError(res.status, e.code, e.message || fallbackMessage(res.status), requestId, body);
}

function currentPath() {
  return window.location.pathname + window.location.search;
}

/**
 * fetch with the session's conventions; returns the Response when it is ok.
 * opts: {body, query, signal, form, headers, redirect401 (default true)}.
 */
export async function apiFetch(method, path, opts = {}) {
  const { body, query, signal, form, redirect401 = true } = opts;
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  if (!SAFE.has(method)) headers['X-CSRF-Token'] = csrfToken();
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const url = buildUrl(path, query);
  if (!NO_REFRESH.includes(path) && hasSession() && accessLapsed()) await refreshSession();
  const send = () => fetch(url, { method, headers, body: payload, signal, credentials: 'same-origin' });
  let res;
  try {
    res = await send();
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  if (res.status === 401 && !NO_REFRESH.includes(path)) {
    if (await refreshSession()) {
      headers['X-CSRF-Token'] = csrfToken();
      res = await send();
    }
    if (res.status === 401) {
      const err = await errorFrom(res);
      if (redirect401) unauthorizedHandler(currentPath());
      throw err;
    }
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

/** JSON request -> parsed JSON (null for 204). Throws ApiError. */
export async function api(method, path, opts = {}) {
  const res = await apiFetch(method, path, opts);
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  if (!type.includes('json')) return res.text();
  const data = await res.json();
  if (data && data.expires_in && NO_REFRESH.includes(path)) noteAccessExpiry(data.expires_in);
  return data;
}

/**
 * Upload with byte progress (XMLHttpRequest): onProgress(loaded, total).
 * Resolves with the parsed JSON answer, rejects with ApiError.
 */
export async function uploadWithProgress(path, formData, onProgress) {
  if (hasSession() && accessLapsed()) await refreshSession();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('X-CSRF-Token', csrfToken());
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'text';
    if (onProgress) {
      xhr.upload.addEventListener('progress', (e) => {
        onProgress(e.loaded, e.lengthComputable ? e.total : 0);
      });
    }
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const e = body && body.error ? body.error : {};
      const err = new ApiError(xhr.status, e.code, e.message || `The upload failed. ${fallbackMessage(xhr.status)}`,
        xhr.getResponseHeader('X-Request-Id'), body);
      if (xhr.status === 401) unauthorizedHandler(currentPath());
      reject(err);
    });
    xhr.addEventListener('error', () => {
      reject(new ApiError(0, 'network', 'The upload was interrupted. Check your connection and try again.'));
    });
    xhr.addEventListener('abort', () => {
      reject(new ApiError(0, 'aborted', 'The upload was cancelled.'));
    });
    xhr.send(formData);
  });
}
