// Search across the student's materials: words, "exact phrases", OR, -word, prefix*.
// Hits show their snippet with the matches marked; opening one shows the passage in
// the side panel (a sheet on phones).

import { h, replace, add } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { button, field, errorBox, emptyState, loading, announce } from '../lib/ui.js';
import { snippetNodes, openPassage } from '../lib/passage.js';

const PAGE = 20;

function pages(hit) {
  if (!hit.page) return null;
  return hit.page_end && hit.page_end !== hit.page ? `pages ${hit.page}–${hit.page_end}` : `page ${hit.page}`;
}

function hitItem(hit) {
  const label = [hit.material_title, hit.section].filter(Boolean).join(': ') || 'Passage';
  return h('li', { class: 'hit' },
    h('button', { type: 'button', class: 'hit-open', 'on:click': () => openPassage({ ...hit }) }, label),
    h('p', { class: 'meta' }, h('span', null, hit.material_title), pages(hit) ? h('span', null, pages(hit)) : null),
    h('p', { class: 'snippet' }, snippetNodes(hit.snippet)));
}

export async function render(main, { query, signal }) {
  const q = field({ label: 'Search your materials', name: 'q', type: 'search', value: query.q || '', hint: 'Words (all must match), "exact phrases", OR, -word to exclude, word* for prefixes.' });
  const results = h('div', { class: 'search-results' });
  const form = h('form', { role: 'search', class: 'search-form' }, h('div', { class: 'composer' }, q, button('Search', null, { kind: 'primary', type: 'submit' })));
  const materialId = query.material_id || '';
  let offset = 0;
  let list = null;

  async function run(append) {
    const text = q.input.value.trim();
    if (!text) {
      replace(results, emptyState('Type a few words from your materials, then press Search.'));
      return;
    }
    if (!append) {
      offset = 0;
      replace(results, loading('Searching…'));
      const params = new URLSearchParams({ q: text });
      if (materialId) params.set('material_id', materialId);
      window.history.replaceState(null, '', `/search?${params}`);
    }
    try {
      const res = await api('GET', '/api/search', { query: { q: text, material_id: materialId, limit: PAGE, offset }, signal });
      const items = res.items || [];
      if (!append) {
        if (!items.length) {
          replace(results, emptyState(`Nothing matches "${text}". Try fewer or other words, or word* for prefixes.`));
          announce('No results.');
          return;
        }
        list = h('ol', { class: 'hits', 'aria-label': 'Results' });
        replace(results, h('p', { class: 'muted small' }, res.total !== undefined ? `${res.total} passages` : ''), list);
      }
      items.forEach((hit) => list.appendChild(hitItem(hit)));
      offset += items.length;
      const more = results.querySelector('.more');
      if (more) more.remove();
      const total = res.total;
      if (items.length === PAGE && (total === undefined || offset < total)) {
        results.appendChild(h('div', { class: 'more' }, button('More results', () => run(true))));
      }
      announce(append ? `${items.length} more results.` : `${total ?? items.length} results.`);
    } catch (err) {
      if (err.name === 'AbortError') return;
      const box = err.code === 'invalid_query' ? errorBox({ message: `That search cannot be read: ${err.message}`, requestId: err.requestId }) : errorBox(err);
      if (append) results.appendChild(box);
      else replace(results, box);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(false);
  });
  add(main, h('h1', null, 'Search'),
    materialId ? h('p', { class: 'small' }, 'In one material only. ', h('a', { href: '/search', 'data-link': '' }, 'Search all materials')) : null,
    form, results);
  if (query.q) await run(false);
  else add(results, emptyState('Type a few words from your materials, then press Search.'));
}
