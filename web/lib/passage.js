// Opening a passage (a search hit or a tutor citation) in the side panel: the
// material, section and pages, then the passage's full text with the match marked.
// The API's highlighted snippets are turned into <mark> elements here, never HTML.

import { h, replace, add } from './dom.js';
import { api } from './api.js';
import { openPanel, loading, errorBox } from './ui.js';

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'", '#34': '"' };

/** Undoes the HTML escaping of a snippet's text (&amp; &lt; &gt; &quot; &#39; &#NN;). */
export function unescapeHtml(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, name) => {
    if (ENTITIES[name] !== undefined) return ENTITIES[name];
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (Number.isFinite(code) && code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
    }
    return m;
  });
}

/**
 * A snippet with <mark>...</mark> around matches -> [{text, marked}] segments (the
 * text unescaped). Any other tag is kept as text.
 */
export function snippetSegments(snippet) {
  const out = [];
  let marked = false;
  for (const part of String(snippet || '').split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part) out.push({ text: unescapeHtml(part), marked });
  }
  return out;
}

/** Snippet -> DOM nodes (text nodes and <mark> elements). */
export function snippetNodes(snippet) {
  return snippetSegments(snippet).map((s) => (s.marked ? h('mark', null, s.text) : document.createTextNode(s.text)));
}

/** Text -> nodes with the given [start, end) ranges in <mark>. */
export function markRanges(text, ranges) {
  const sorted = ranges.filter((r) => r[1] > r[0]).sort((a, b) => a[0] - b[0]);
  const nodes = [];
  let at = 0;
  for (const [start, end] of sorted) {
    if (start < at) continue;
    if (start > at) nodes.push(document.createTextNode(text.slice(at, start)));
    nodes.push(h('mark', null, text.slice(start, end)));
    at = end;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/**
 * Ranges of text where a word starts with any of words (case-insensitive), each
 * running to the end of that word: "block" marks "blocks" whole, never the
 * "compression" inside "decompression" (search matches words, not parts of them).
 */
export function wordRanges(text, words) {
  const ranges = [];
  const lower = text.toLowerCase();
  for (const w of new Set(words.map((x) => x.toLowerCase().trim()).filter((x) => x.length > 1))) {
    let i = lower.indexOf(w);
    while (i !== -1) {
      if (i === 0 || !WORD_CHAR.test(lower[i - 1])) {
        let end = i + w.length;
        while (end < lower.length && WORD_CHAR.test(lower[end])) end += 1;
        ranges.push([i, end]);
      }
      i = lower.indexOf(w, i + w.length);
    }
  }
  return ranges;
}

/**
 * Ranges of text covered by a quote: the whole quote, else its paragraphs and
 * sentences found in order (a quote joins sentences of a passage by spaces and
 * leaves out what lies between them).
 */
export function quoteRanges(text, quote) {
  if (!quote) return [];
  const whole = text.indexOf(quote);
  if (whole !== -1) return [[whole, whole + quote.length]];
  const ranges = [];
  let from = 0;
  for (const paragraph of quote.split(/\n\s*\n/)) {
    for (const raw of paragraph.split(/(?<=[.!?:])\s+/)) {
      const sentence = raw.trim();
      if (sentence.length < 4) continue;
      const i = text.indexOf(sentence, from);
      if (i !== -1) {
        ranges.push([i, i + sentence.length]);
        from = i + sentence.length;
      }
    }
  }
  return ranges;
}

function pagesText(p) {
  const a = p.page_start ?? p.page;
  const b = p.page_end;
  if (!a) return null;
  return b && b !== a ? `pages ${a}–${b}` : `page ${a}`;
}

async function fullText(info) {
  if (info.position !== undefined && info.position !== null) {
    return api('GET', `/api/materials/${info.material_id}/passages/${info.position}`);
  }
  const page = info.page_start ?? info.page;
  const res = await api('GET', `/api/materials/${info.material_id}/passages`, { query: { page, section: info.section, limit: 50 } });
  const items = (res && res.items) || [];
  const quote = info.quote || '';
  const head = quote.slice(0, 40);
  return items.find((p) => head && p.text.includes(head))
    || items.find((p) => info.section && p.section === info.section)
    || items[0] || null;
}

/**
 * Opens the passage: info {material_id, material_title, section, page|page_start,
 * page_end, position?, quote?, snippet?}.
 */
export function openPassage(info) {
  const body = h('div', { class: 'passage-wrap' });
  const meta = h('p', { class: 'meta' },
    info.section ? h('span', null, info.section) : null,
    pagesText(info) ? h('span', null, pagesText(info)) : null);
  const preview = info.quote
    ? h('blockquote', { class: 'passage' }, info.quote)
    : info.snippet ? h('p', { class: 'passage' }, snippetNodes(info.snippet)) : null;
  add(body, loading('Loading the passage…'));
  openPanel(info.material_title || 'Passage', h('div', null, meta, body,
    h('p', null, h('a', { href: `/materials/${info.material_id}`, 'data-link': '' }, 'Open the material'))));
  fullText(info).then((p) => {
    if (!p || !p.text) {
      replace(body, preview || h('p', { class: 'muted' }, 'The passage text is not available.'));
      return;
    }
    let ranges = [];
    if (info.quote) ranges = quoteRanges(p.text, info.quote);
    if (!ranges.length && info.snippet) {
      ranges = wordRanges(p.text, snippetSegments(info.snippet).filter((s) => s.marked).map((s) => s.text));
    }
    replace(body, h('div', { class: 'passage', tabindex: '0', role: 'region', 'aria-label': 'Passage text' }, markRanges(p.text, ranges)));
    const first = body.querySelector('mark');
    if (first && first.scrollIntoView) first.scrollIntoView({ block: 'center' });
  }).catch((err) => {
    if (err.status === 404) replace(body, preview || h('p', { class: 'muted' }, 'The passage text is not available.'));
    else replace(body, errorBox(err), preview);
  });
}

/**
 * Opens a section of a material (an outline entry): info {material_id,
 * material_title, section, page}; its passages in order, in the side panel.
 */
export function openSection(info) {
  const body = h('div', { class: 'passage-wrap' }, loading('Loading the section…'));
  openPanel(info.material_title || 'Section', h('div', null,
    h('p', { class: 'meta' }, h('span', null, info.section), info.page ? h('span', null, `page ${info.page}`) : null),
    body));
  api('GET', `/api/materials/${info.material_id}/passages`, { query: { section: info.section, limit: 50 } }).then((res) => {
    const items = (res && res.items) || [];
    if (!items.length) {
      replace(body, h('p', { class: 'muted' }, 'This heading has no text of its own: open the one under it.'));
      return;
    }
    replace(body, h('div', { class: 'passage', tabindex: '0', role: 'region', 'aria-label': `Text of ${info.section}` },
      items.map((p) => p.text).join('\n\n')),
    res.total > items.length ? h('p', { class: 'small muted' }, `The first ${items.length} of ${res.total} passages of this section.`) : null);
  }).catch((err) => replace(body, errorBox(err)));
}
