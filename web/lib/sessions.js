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
