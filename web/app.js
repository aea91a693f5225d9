// Boot: who is signed in, the routes, and the shell around the views (top bar with the
// session switcher, "What next?" and the user menu; the left navigation on desktop, a
// bottom tab bar on phones).

import { h, clear, replace } from './lib/dom.js';
import { api, onUnauthorized, hasSession, noteAccessExpiry } from './lib/api.js';
import { route, start, navigate, setGuard, onNavigated, safeNext, prefetch } from './lib/router.js';
import { getState, getUser, setUser, setSessionId, setSessions, subscribe } from './lib/store.js';
import { reloadSessions } from './lib/sessions.js';
import { whatNextControl } from './lib/nextstep.js';
import { toast, closePanel } from './lib/ui.js';
import { formatDay, localDate } from './lib/dates.js';

const STUDENT = null; // any signed-in role
const TUTOR_ROOM = ['tutor', 'admin'];
const ADMIN = ['admin'];

route('/login', () => import('./views/auth.js'), { title: 'Log in', public: true });
route('/signup', () => import('./views/auth.js'), { title: 'Sign up', public: true });
route('/account', () => import('./views/account.js'), { title: 'Account' });
route('/', () => import('./views/dashboard.js'), { title: 'Dashboard' });
route('/materials', () => import('./views/materials.js'), { title: 'Materials' });
route('/materials/:id', () => import('./views/material.js'), { title: 'Material' });
route('/search', () => import('./views/search.js'), { title: 'Search' });
route('/sessions', () => import('./views/sessions.js'), { title: 'Study sessions' });
route('/sessions/new', () => import('./views/sessions.js'), { title: 'New study session' });
route('/sessions/:id', () => import('./views/session.js'), { title: 'Study session' });
route('/tutor', () => import('./views/tutor.js'), { title: 'Tutor' });
route('/quizzes', () => import('./views/quizzes.js'), { title: 'Quizzes', roles: STUDENT });
route('/quizzes/:id', () => import('./views/quiz.js'), { title: 'Quiz' });
route('/reviews', () => import('./views/reviews.js'), { title: 'Reviews' });
route('/progress', () => import('./views/progress.js'), { title: 'Progress' });
route('/tutor-room', () => import('./views/tutor_room.js'), { title: 'Tutor room', roles: TUTOR_ROOM });
route('/tutor-room/students/:id', () => import('./views/tutor_room.js'), { title: 'Student', roles: TUTOR_ROOM });
route('/tutor-room/questions', () => import('./views/tutor_room.js'), { title: 'Questions to review', roles: TUTOR_ROOM });
route('/admin', () => import('./views/admin.js'), { title: 'Admin', roles: ADMIN });
route('/admin/users', () => import('./views/admin.js'), { title: 'Users', roles: ADMIN });
route('/admin/workers', () => import('./views/admin.js'), { title: 'Workers', roles: ADMIN });

setGuard((found, user) => {
  const here = window.location.pathname + window.location.search;
  if (!found.route.public && !user) return `/login?next=${encodeURIComponent(here)}`;
  if (found.route.public && user) {
    const next = new URLSearchParams(window.location.search).get('next');
    return safeNext(next);
  }
  return null;
});

onUnauthorized((next) => {
  setUser(null);
  if (window.location.pathname === '/login') return;
  toast('Your session has ended. Log in again to continue.', 'warning');
  navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
});

const NAV = [
  { href: '/', label: 'Dashboard', icon: '⌂' },
  { href: '/materials', label: 'Materials', icon: '▤' },
  { href: '/search', label: 'Search', icon: '⌕' },
  { href: '/sessions', label: 'Sessions', icon: '◷' },
  { href: '/tutor', label: 'Tutor', icon: '✎' },
  { href: '/quizzes', label: 'Quizzes', icon: '?' },
  { href: '/reviews', label: 'Reviews', icon: '↻' },
  { href: '/progress', label: 'Progress', icon: '↗' },
];
const ROOMS = [
  { href: '/tutor-room', label: 'Tutor room', roles: TUTOR_ROOM },
  { href: '/admin', label: 'Admin', roles: ADMIN },
];
const TABS = ['/', '/materials', '/sessions', '/tutor'];

function activeHref(path, items) {
  let best = null;
  for (const it of items) {
    const hit = it.href === '/' ? path === '/' : path === it.href || path.startsWith(`${it.href}/`);
    if (hit && (!best || it.href.length > best.length)) best = it.href;
  }
  return best;
}

const navEl = document.getElementById('nav');
const tabbarEl = document.getElementById('tabbar');
const userEl = document.getElementById('user-menu');
const switcherEl = document.getElementById('session-switcher');
const nextEl = document.getElementById('topbar-next');

function closeSheets() {
  navEl.classList.remove('is-open');
  const more = tabbarEl.querySelector('[aria-controls="nav"]');
  if (more) more.setAttribute('aria-expanded', 'false');
  const menu = userEl.querySelector('.menu-body');
  if (menu && !menu.hidden) {
    menu.hidden = true;
    userEl.querySelector('[aria-controls="user-menu-body"]').setAttribute('aria-expanded', 'false');
  }
}

let lastNavKey = '';
function renderNav() {
  const user = getUser();
  const path = window.location.pathname;
  // Drawn again only when what it shows changes (focus in it stays put otherwise).
  const key = user ? `${user.id}|${user.role}|${path}` : '';
  if (key === lastNavKey) return;
  lastNavKey = key;
  if (!user) {
    clear(navEl);
    clear(tabbarEl);
    return;
  }
  const rooms = ROOMS.filter((r) => r.roles.includes(user.role));
  const current = activeHref(path, [...NAV, ...rooms, { href: '/account' }]);
  const link = (it, cls) => h('a', {
    class: cls, href: it.href, 'data-link': '', 'aria-current': it.href === current ? 'page' : null,
  }, cls === 'tab' ? [h('span', { class: 'tab-icon', 'aria-hidden': 'true' }, it.icon), h('span', null, it.label === 'Dashboard' ? 'Home' : it.label)] : it.label);
  replace(navEl, h('div', { class: 'nav-inner' },
    h('ul', null, NAV.map((it) => h('li', null, link(it, 'nav-link')))),
    rooms.length ? h('p', { class: 'nav-group', id: 'nav-rooms' }, 'Rooms') : null,
    rooms.length ? h('ul', { 'aria-labelledby': 'nav-rooms' }, rooms.map((it) => h('li', null, link(it, 'nav-link')))) : null,
    h('ul', { class: 'nav-account' }, h('li', null, link({ href: '/account', label: 'Account' }, 'nav-link')))));
  const more = h('button', {
    type: 'button', class: 'tab', 'aria-controls': 'nav', 'aria-expanded': navEl.classList.contains('is-open') ? 'true' : 'false',
    'on:click': () => {
      const open = !navEl.classList.contains('is-open');
      navEl.classList.toggle('is-open', open);
      more.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) {
        const first = navEl.querySelector('a');
        if (first) first.focus();
      }
    },
  }, h('span', { class: 'tab-icon', 'aria-hidden': 'true' }, '☰'), h('span', null, 'More'));
  replace(tabbarEl, TABS.map((href) => link(NAV.find((it) => it.href === href), 'tab')), more);
}

let lastMenuKey = '';
function renderUserMenu() {
  const user = getUser();
  const key = user ? `${user.id}|${user.display_name}|${user.email}|${user.role}` : `out|${window.location.pathname}`;
  if (key === lastMenuKey) return;
  lastMenuKey = key;
  if (!user) {
    const path = window.location.pathname;
    replace(userEl, path === '/signup'
      ? h('a', { href: '/login', 'data-link': '' }, 'Log in')
      : h('a', { href: '/signup', 'data-link': '' }, 'Sign up'));
    return;
  }
  const body = h('div', { class: 'menu-body', id: 'user-menu-body', hidden: true },
    h('p', { class: 'menu-who' }, user.email, h('br'), `Role: ${user.role}`),
    h('a', { class: 'btn btn-ghost', href: '/account', 'data-link': '' }, 'Account settings'),
    h('button', { type: 'button', class: 'btn btn-ghost', 'on:click': logout }, 'Log out'));
  const toggle = h('button', {
    type: 'button', class: 'btn btn-ghost', 'aria-expanded': 'false', 'aria-controls': 'user-menu-body',
    'aria-label': `Account menu for ${user.display_name || user.email}`,
    'on:click': () => {
      const open = body.hidden;
      body.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      if (open) body.querySelector('a').focus();
    },
  }, user.display_name || user.email, h('span', { 'aria-hidden': 'true' }, ' ▾'));
  replace(userEl, h('div', { class: 'menu' }, toggle, body));
}

let lastSwitcherKey = '';
function renderSwitcher() {
  const { user, sessions, sessionId } = getState();
  const key = user ? `${sessionId}|${sessions.map((x) => `${x.id}:${x.title}:${x.exam_date}`).join(',')}` : '';
  if (key === lastSwitcherKey && switcherEl.firstChild) return;
  lastSwitcherKey = key;
  if (!user) {
    clear(switcherEl);
    clear(nextEl);
    return;
  }
  if (!sessions.length) {
    replace(switcherEl, h('a', { href: '/sessions/new', 'data-link': '', class: 'small' }, 'Create a study session'));
  } else {
    // The exam's day as the pages write it ("Mon 21 Dec"), the year when it is another.
    const refYear = Number(localDate(new Date(), user.time_zone).slice(0, 4));
    const select = h('select', {
      id: 'session-select', 'aria-label': 'Current study session',
      'on:change': (e) => setSessionId(e.target.value),
    }, sessions.map((x) => h('option', { value: x.id, selected: x.id === sessionId }, `${x.title} (exam ${formatDay(x.exam_date, { refYear })})`)));
    replace(switcherEl, select);
  }
  if (!nextEl.firstChild) {
    nextEl.appendChild(whatNextControl({ getSessionId: () => getState().sessionId, mode: 'go', kind: 'primary' }));
  }
}

function renderShell() {
  const user = getUser();
  document.body.classList.toggle('signed-out', !user);
  renderNav();
  renderUserMenu();
  renderSwitcher();
}

async function logout() {
  closeSheets();
  try {
    await api('POST', '/api/auth/logout', { body: {}, redirect401: false });
  } catch {
    // the cookies are cleared by the server when it can; the page forgets the user anyway
  }
  noteAccessExpiry(0);
  setUser(null);
  setSessions([]);
  navigate('/login');
  toast('You are logged out.', 'info');
}

let sessionsFor = null;
subscribe((state) => {
  if (state.user && sessionsFor !== state.user.id) {
    sessionsFor = state.user.id;
    reloadSessions().catch(() => {});
  } else if (!state.user) {
    sessionsFor = null;
  }
  renderShell();
});

onNavigated(() => {
  closeSheets();
  closePanel();
  renderNav();
  renderUserMenu();
});

document.getElementById('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  const target = document.querySelector('#main h1') || document.getElementById('main');
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
});

document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  // Focus goes back to the control that opened the sheet or menu it was in.
  const active = document.activeElement;
  let back = null;
  if (navEl.classList.contains('is-open') && navEl.contains(active)) back = tabbarEl.querySelector('[aria-controls="nav"]');
  else if (userEl.querySelector('.menu-body') && userEl.querySelector('.menu-body').contains(active)) back = userEl.querySelector('[aria-controls="user-menu-body"]');
  closeSheets();
  if (back) back.focus();
});
document.addEventListener('click', (e) => {
  if (!userEl.contains(e.target) && !navEl.contains(e.target) && !tabbarEl.contains(e.target)) closeSheets();
});

async function boot() {
  let user = null;
  // The view's module loads while the account is asked for.
  prefetch(window.location.pathname);
  if (hasSession()) {
    try {
      user = await api('GET', '/api/users/me', { redirect401: false });
    } catch {
      user = null;
    }
  }
  setUser(user); // draws the shell (subscribe above)
  await start(document.getElementById('main'));
}

boot();
