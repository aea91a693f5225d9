// The one piece of shared mutable state: the signed-in user and the current study
// session (its id kept in localStorage so a reload keeps it).

const SESSION_KEY = 'exammentor.session';
const state = { user: null, sessionId: null, sessions: [] };
const listeners = new Set();

try {
  state.sessionId = window.localStorage.getItem(SESSION_KEY);
} catch {
  state.sessionId = null;
}

function notify() {
  for (const fn of listeners) fn(state);
}

/** A read-only view of the state. */
export function getState() {
  return state;
}

export function getUser() {
  return state.user;
}

export function setUser(user) {
  state.user = user;
  notify();
}

export function getSessionId() {
  return state.sessionId;
}

export function setSessionId(id) {
  if (state.sessionId === id) return;
  state.sessionId = id || null;
  try {
    if (id) window.localStorage.setItem(SESSION_KEY, id);
    else window.localStorage.removeItem(SESSION_KEY);
  } catch {
    // storage may be disabled; the id still lives for this page
  }
  notify();
}

/** The user's study sessions as last loaded (for the switcher). */
export function setSessions(list) {
  state.sessions = list || [];
  if (state.sessionId && !state.sessions.some((x) => x.id === state.sessionId)) {
    state.sessionId = null;
  }
  if (!state.sessionId && state.sessions.length) state.sessionId = state.sessions[0].id;
  try {
    if (state.sessionId) window.localStorage.setItem(SESSION_KEY, state.sessionId);
  } catch {
    // see setSessionId
  }
  notify();
}

/** fn(state) after every change; returns the function that unsubscribes. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
