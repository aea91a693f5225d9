// Loads the signed-in user's study sessions into the store (for the top bar's
// switcher and the pages that follow the current session).

import { api } from './api.js';
import { setSessions } from './store.js';

/** Fetches the user's sessions (newest first) and stores them; returns the list. */
export async function reloadSessions() {
  const res = await api('GET', '/api/sessions', { query: { limit: 100 } });
  const items = (res && res.items) || [];
  setSessions(items);
  return items;
}

/**
 * The plan part of GET /api/sessions/{id}?include=plan, settled ({value} or
 * {error}), as the plan views read it: {value: {plan, verification}} for the
 * current plan, {none: true} before the first, {error} when the session
 * itself could not be read. One request answers both, and a session without
 * a plan is no failed request.
 */
export function currentPlan(sessionResult) {
  if (sessionResult.error) return { error: sessionResult.error };
  const current = sessionResult.value && sessionResult.value.current_plan;
  return current ? { value: current } : { none: true };
}
