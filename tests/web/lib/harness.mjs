// The browser-test harness: Debian's chromium driven by playwright-core, every
// page watched for console errors, Content-Security-Policy violations and
// failed requests, and checked with axe-core.
//
// tests/web/run.sh starts the server and sets the environment this module reads
// (EM_WEB_BASE_URL, EM_WEB_ADMIN_EMAIL, EM_WEB_ADMIN_PASSWORD, EM_WEB_OUT_DIR);
// lib/runner.mjs then runs each journeys/*.spec.mjs's default export with
// ctx = {baseUrl, outDir, admin, browser}.
//
// What a page records (newPage), and checkPage fails on:
//   - console messages of type "error", and uncaught exceptions (pageerror);
//   - CSP violations: `securitypolicyviolation` events (reported from inside
//     the page by an init script, which CSP does not govern) and the console
//     messages chromium prints for them;
//   - failed requests: `requestfailed` (net::ERR_ABORTED aside: a view that
//     aborts its fetches when the user navigates away is not a failure),
//     responses >= 500, and 4xx responses the test did not declare with
//     expectHttpError (by default only the signed-out probes: 401 from
//     GET /api/users/me and POST /api/auth/refresh). Chromium's console line
//     "Failed to load resource" for a declared 4xx is not an error either.
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const baseUrl = (process.env.EM_WEB_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '');
export const outDir = process.env.EM_WEB_OUT_DIR || 'web-test-output';
export const admin = {
  email: process.env.EM_WEB_ADMIN_EMAIL || 'admin@example.org',
  password: process.env.EM_WEB_ADMIN_PASSWORD || '',
};
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

// The per-page record, kept beside the page (pages are playwright objects).
const records = new WeakMap();
// Pages made by newPage and not yet closed, for the runner's last look.
const openPages = new Set();

const DEFAULT_EXPECTED = [
  { method: 'GET', path: '/api/users/me', status: 401 },
  { method: 'POST', path: '/api/auth/refresh', status: 401 },
];

/** Launch headless chromium (close it with browser.close(); the runner does). */
export async function startBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--font-render-hinting=none'],
  });
}

function recordOf(page) {
  const r = records.get(page);
  if (!r) throw new Error('harness: this page was not made by newPage()');
  return r;
}

function pathOf(url) {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function matches(rule, method, url, status) {
  if (rule.status !== undefined && rule.status !== status) return false;
  if (rule.method && rule.method !== method) return false;
  const path = pathOf(url);
  if (rule.path instanceof RegExp) return rule.path.test(path);
  return rule.path === path;
}

function expected(rec, method, url, status) {
  return rec.expected.some((rule) => matches(rule, method, url, status));
}

/**
 * A page in a context of its own (own cookies), with a viewport
 * (default DESKTOP), recording what checkPage fails on.
 * Options: {width, height, expect4xx: [{method?, path (string | RegExp), status?}]}.
 */
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({
    viewport: { width: opts.width || DESKTOP.width, height: opts.height || DESKTOP.height },
    baseURL: baseUrl,
    locale: 'en-GB',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const rec = {
    consoleErrors: [],
    cspViolations: [],
    failedRequests: [],
    expected: [...DEFAULT_EXPECTED, ...(opts.expect4xx || [])],
    lateStatuses: new Map(), // url -> status of 4xx responses, to judge console lines
  };
  records.set(page, rec);
  openPages.add(page);
  page.on('close', () => openPages.delete(page));

  await page.exposeBinding('__emCspViolation', (_source, v) => {
    rec.cspViolations.push(`${v.directive} blocked ${v.blocked || '(inline)'} in ${v.source || v.doc}` +
      (v.line ? `:${v.line}` : '') + (v.sample ? ` "${v.sample}"` : ''));
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__emCspViolation({
        directive: e.effectiveDirective || e.violatedDirective,
        blocked: e.blockedURI,
        source: e.sourceFile,
        doc: e.documentURI,
        line: e.lineNumber,
        sample: e.sample,
      });
    });
  });

  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) {
      rec.cspViolations.push(`console: ${text}`);
      return;
    }
    const loc = msg.location();
    if (/^Failed to load resource/.test(text) && loc && loc.url) {
      const status = Number((text.match(/status of (\d{3})/) || [])[1]);
      const method = rec.lateStatuses.get(loc.url);
      if (status >= 400 && status < 500 && method && expected(rec, method, loc.url, status)) return;
    }
    rec.consoleErrors.push(loc && loc.url ? `${text} (${loc.url}:${loc.lineNumber})` : text);
  });
  page.on('pageerror', (err) => rec.consoleErrors.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) => {
    const why = req.failure() ? req.failure().errorText : 'failed';
    if (why === 'net::ERR_ABORTED') return;
    rec.failedRequests.push(`${req.method()} ${req.url()}: ${why}`);
  });
  page.on('response', (res) => {
    const status = res.status();
    const method = res.request().method();
    if (status >= 500) {
      rec.failedRequests.push(`${method} ${res.url()}: ${status}`);
    } else if (status >= 400) {
      rec.lateStatuses.set(res.url(), method);
      if (!expected(rec, method, res.url(), status)) rec.failedRequests.push(`${method} ${res.url()}: ${status}`);
    }
  });
  return page;
}

/**
 * Declare that `path` (string: exact pathname; RegExp: tested on it) may
 * answer `status` (any 4xx when omitted) on this page, e.g. a form that
 * shows a 422. Call before the request happens.
 */
export function expectHttpError(page, path, status, method) {
  recordOf(page).expected.push({ path, status, method });
}

/** What the page has recorded so far (copies). */
export function problems(page) {
  const r = recordOf(page);
  return {
    consoleErrors: [...r.consoleErrors],
    cspViolations: [...r.cspViolations],
    failedRequests: [...r.failedRequests],
  };
}

/** Forget what the page has recorded (after a test that provoked it on purpose). */
export function clearProblems(page) {
  const r = recordOf(page);
  r.consoleErrors.length = 0;
  r.cspViolations.length = 0;
  r.failedRequests.length = 0;
}

function describeProblems(p) {
  const lines = [];
  for (const e of p.consoleErrors) lines.push(`  console error: ${e}`);
  for (const e of p.cspViolations) lines.push(`  CSP violation: ${e}`);
  for (const e of p.failedRequests) lines.push(`  failed request: ${e}`);
  return lines;
}

/** axe-core's violations on the page as it is now. */
export async function axeViolations(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(`${axeSource}\n;0`);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
}

/**
 * Fail (throw) when axe-core finds a serious or critical violation, or the
 * page has recorded a console error, a CSP violation or a failed request.
 * `name` names the page in the message. Returns the minor axe findings.
 */
export async function checkPage(page, name) {
  const violations = await axeViolations(page);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lines = describeProblems(problems(page));
  for (const v of bad) lines.push(`  axe ${v.impact}: ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
  if (lines.length > 0) throw new Error(`checkPage(${name}) at ${page.url()}:\n${lines.join('\n')}`);
  return violations.filter((v) => !bad.includes(v));
}

/**
 * Screenshots of the whole page at desktop (1280x800) and phone (360x740)
 * widths: OUT_DIR/<name>-desktop.png and -phone.png. The viewport is put
 * back afterwards.
 */
export async function shot(page, dir, name) {
  mkdirSync(dir, { recursive: true });
  const before = page.viewportSize();
  const files = [];
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    const file = join(dir, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  if (before) await page.setViewportSize(before);
  return files;
}

/** Pages made by newPage that are still open and have unreported problems. */
export function leftoverProblems() {
  const out = [];
  for (const page of openPages) {
    const lines = describeProblems(problems(page));
    if (lines.length > 0) out.push(`${page.url()}:\n${lines.join('\n')}`);
  }
  return out;
}

/** Close every page newPage made (their contexts too). */
export async function closePages() {
  for (const page of [...openPages]) await page.context().close().catch(() => {});
  openPages.clear();
}

// ---- seeding over HTTP (no browser) ----

/** An error of the API: status, code, message, requestId. */
export class ApiError extends Error {
  constructor(status, body, requestId, what) {
    const e = (body && body.error) || {};
    super(`${what}: ${status} ${e.code || ''} ${e.message || ''} (request ${requestId})`);
    this.status = status;
    this.code = e.code;
    this.requestId = requestId;
  }
}

/**
 * A client of the API with a Bearer token once signed in.
 *   const c = apiClient(); await c.login(admin.email, admin.password);
 *   await c.post('/api/topics', {name: 'x'});
 */
export function apiClient(base = baseUrl) {
  let token = null;
  const c = {
    get token() {
      return token;
    },
    async call(method, path, body, { form, expect } = {}) {
      const headers = {};
      if (token) headers.Authorization = `Bearer ${token}`;
      let payload;
      if (form) payload = form;
      else if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        payload = JSON.stringify(body);
      }
      const res = await fetch(base + path, { method, headers, body: payload });
      const text = await res.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      const ok = expect ? [].concat(expect).includes(res.status) : res.ok;
      if (!ok) throw new ApiError(res.status, json, res.headers.get('x-request-id'), `${method} ${path}`);
      return json;
    },
    get: (path, opts) => c.call('GET', path, undefined, opts),
    post: (path, body, opts) => c.call('POST', path, body, opts),
    patch: (path, body, opts) => c.call('PATCH', path, body, opts),
    del: (path, opts) => c.call('DELETE', path, undefined, opts),
    /** Sign in; returns the user. */
    async login(email, password) {
      const r = await c.post('/api/auth/login', { email, password });
      token = r.access_token;
      return r.user;
    },
    /** Make a student account and sign in as it; returns the user. */
    async register(email, password, displayName = 'Test Student') {
      await c.post('/api/auth/register', { email, password, display_name: displayName }, { expect: [200, 201] });
      return c.login(email, password);
    },
    /** Upload a file as material: {id, status, job_id}. */
    async upload(filename, bytes, mime = 'application/octet-stream', fields = {}) {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: mime }), filename);
      for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
      return c.call('POST', '/api/materials', undefined, { form, expect: [200, 201, 202] });
    },
    /** Material from text (Markdown or plain): {id, status, job_id}. */
    async uploadText(title, text, format = 'markdown') {
      return c.post('/api/materials', { title, text, format }, { expect: [200, 201, 202] });
    },
  };
  return c;
}

/** A fresh e-mail address for a test account. */
export function uniqueEmail(prefix = 'student') {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.org`;
}

/** A password the server's policy accepts. */
export const testPassword = 'Correct-Horse-Battery-9';

/**
 * Sign a page's context in over the API (the session cookies land in the
 * browser context, as a login through the UI leaves them).
 */
export async function signIn(page, { email, password }) {
  const res = await page.request.post(`${baseUrl}/api/auth/login`, { data: { email, password } });
  if (!res.ok()) throw new Error(`signIn ${email}: ${res.status()} ${await res.text()}`);
  return (await res.json()).user;
}

/** Wait until a condition on the page holds (polls; throws with `what` after timeoutMs). */
export async function waitFor(page, fn, what, timeoutMs = 10000) {
  try {
    await page.waitForFunction(fn, null, { timeout: timeoutMs });
  } catch (e) {
    throw new Error(`waited ${timeoutMs} ms for ${what}: ${e.message.split('\n')[0]}`);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}
