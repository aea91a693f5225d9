// History API router. A view module exports
//   async function render(main, {params, query, user, signal}) -> optional cleanup
// and the router swaps views, sets document.title and moves focus to the view's h1.

import { h, clear, add } from './dom.js';
import { getUser } from './store.js';

const routes = [];
let outlet = null;
let current = null; // {container, cleanup, controller}
let renderSeq = 0;
let guard = null;
let afterRender = null;

function compile(pattern) {
  const keys = [];
  const source = pattern
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}/?$`), keys };
}

/**
 * route('/sessions/:id', () => import('../views/session.js'), {title, roles, public})
 * roles: the roles that may open it (default: any signed-in user); public: no sign-in.
 */
export function route(pattern, loader, opts = {}) {
  routes.push({ pattern, loader, ...compile(pattern), title: opts.title || '', roles: opts.roles || null, public: Boolean(opts.public) });
}

/** guardFn(match, user) -> a path to go to instead, or null. */
export function setGuard(fn) {
  guard = fn;
}

/** fn(path) after each view has rendered. */
export function onNavigated(fn) {
  afterRender = fn;
}

export function match(pathname) {
  for (const r of routes) {
    const m = r.regex.exec(pathname);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

/** Starts loading the view module of pathname (to overlap it with other work). */
export function prefetch(pathname) {
  const found = match(pathname);
  if (found) found.route.loader().catch(() => {});
}

/** Go to path (pushState unless replace), then render it. */
export function navigate(path, { replace = false } = {}) {
  const here = window.location.pathname + window.location.search;
  if (path !== here) {
    if (replace) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
  }
  return renderCurrent();
}

function focusHeading(container) {
  const h1 = container.querySelector('h1');
  if (!h1) return;
  if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
  h1.focus({ preventScroll: true });
}

function notFound(container) {
  add(container, 
    h('h1', null, 'Page not found'),
    h('p', null, 'There is nothing at this address. ', h('a', { href: '/', 'data-link': '' }, 'Go to the dashboard'), '.'),
  );
}

async function renderCurrent() {
  const seq = ++renderSeq;
  const path = window.location.pathname;
  const query = Object.fromEntries(new URLSearchParams(window.location.search));
  const found = match(path);
  const user = getUser();
  if (found && guard) {
    const redirect = guard(found, user);
    if (redirect) {
      window.history.replaceState(null, '', redirect);
      return renderCurrent();
    }
  }
  if (current) {
    current.controller.abort();
    if (typeof current.cleanup === 'function') {
      try { current.cleanup(); } catch (err) { console.warn(err); }
    }
  }
  const controller = new AbortController();
  const container = h('div', { class: 'view' });
  clear(outlet).appendChild(container);
  current = { container, cleanup: null, controller };
  let title = 'Page not found';
  if (!found) {
    notFound(container);
  } else if (found.route.roles && (!user || !found.route.roles.includes(user.role))) {
    add(container, h('h1', null, 'Not available'), h('p', null, 'Your account cannot open this page.'));
    title = 'Not available';
  } else {
    container.classList.add('is-loading');
    try {
      const mod = await found.route.loader();
      if (seq !== renderSeq) return;
      const cleanup = await mod.render(container, { params: found.params, query, user, signal: controller.signal });
      if (seq !== renderSeq) {
        if (typeof cleanup === 'function') cleanup();
        return;
      }
      current.cleanup = cleanup;
    } catch (err) {
      if (seq !== renderSeq || (err && err.name === 'AbortError')) return;
      console.warn(err);
      clear(container).append(
        h('h1', null, found.route.title || 'Something went wrong'),
        h('p', { class: 'error-text', role: 'alert' }, 'This page could not be shown: ', String(err && err.message ? err.message : err)),
      );
    }
    container.classList.remove('is-loading');
    // A page of one thing (/sessions/:id) is named by its heading, others by the route.
    const h1 = container.querySelector('h1');
    const heading = h1 ? h1.textContent.trim() : '';
    title = (found.route.keys.length && heading) || found.route.title || heading;
  }
  document.title = title ? `${title} · exammentor` : 'exammentor';
  focusHeading(container);
  if (window.performance && performance.mark) performance.mark('view-rendered', { detail: path });
  if (afterRender) afterRender(path);
}

function onClick(e) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest && e.target.closest('a[data-link]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}

/** The path to follow after login: only same-site paths, never the auth pages. */
export function safeNext(next) {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/login') || next.startsWith('/signup')) return '/';
  return next;
}

/** Starts routing: renders the current URL into outletEl and listens for changes. */
export function start(outletEl) {
  outlet = outletEl;
  document.addEventListener('click', onClick);
  window.addEventListener('popstate', () => renderCurrent());
  return renderCurrent();
}

/** Renders the current URL again (after sign-in or a role change). */
export function refresh() {
  return renderCurrent();
}
