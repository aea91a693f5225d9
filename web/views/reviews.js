// /reviews: the due cards one at a time, Anki-like. Space shows the answer; the
// four grade buttons (keys 1-4) each say when the card would come back.

import { h, clear, replace } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { relativeTime } from '../lib/dates.js';
import { button, errorBox, showError, emptyState, loading, announce, pageHeader } from '../lib/ui.js';
import { openPassage } from '../lib/passage.js';

export const GRADES = [
  { grade: 'again', label: 'Again', key: '1' },
  { grade: 'hard', label: 'Hard', key: '2' },
  { grade: 'good', label: 'Good', key: '3' },
  { grade: 'easy', label: 'Easy', key: '4' },
];

/**
 * What each grade button says under its name: "in 10 min", "in 3 d", from the
 * card's `next` ({again: {due_at, scheduled_days}, ...}) at time now. A grade
 * the server gave no preview for says nothing.
 */
export function intervalLabels(next, now = new Date()) {
  const out = {};
  for (const { grade } of GRADES) {
    const p = next && next[grade];
    if (!p) {
      out[grade] = '';
    } else if (Number.isInteger(p.scheduled_days) && p.scheduled_days > 0) {
      out[grade] = `in ${p.scheduled_days} d`;
    } else if (p.due_at) {
      const r = relativeTime(p.due_at, now);
      out[grade] = r === 'now' || r.endsWith('ago') ? 'now' : r;
    } else {
      out[grade] = '';
    }
  }
  return out;
}

/** Cards to show now: due by now, not graded in this sitting unless due again. */
export function dueNow(cards, graded, now = Date.now()) {
  return cards.filter((c) => {
    const at = graded.get(c.id);
    if (at === undefined) return true;
    return new Date(c.due_at).getTime() <= now;
  });
}

async function loadDue(signal) {
  return api('GET', '/api/reviews/due', { query: { limit: 100 }, signal });
}

export async function render(view, { signal }) {
  view.classList.add('room');
  view.append(pageHeader('Reviews'), loading('Loading due cards…'));
  const graded = new Map(); // card id -> when graded (this sitting)
  let queue = [];
  let card = null;
  let revealed = false;
  let busy = false;
  let doneCount = 0;
  let due = null;
  const answers = new Map(); // question id -> Promise<question>

  const counter = h('p', { class: 'review-count' });
  const stage = h('section', { class: 'review-stage', 'aria-live': 'off' });
  const errorSlot = h('div', { class: 'error-slot' });

  function questionOf(c) {
    if (!answers.has(c.question_id)) {
      const p = api('GET', `/api/questions/${encodeURIComponent(c.question_id)}`, { signal });
      p.catch(() => {});
      answers.set(c.question_id, p);
    }
    return answers.get(c.question_id);
  }

  function updateCounter() {
    const left = queue.length;
    counter.textContent = `${left} card${left === 1 ? '' : 's'} to review now${doneCount ? ` · ${doneCount} done` : ''}`
      + (due && due.overdue_count ? ` · ${due.overdue_count} overdue` : '');
  }

  function finished() {
    const later = due && Array.isArray(due.cards) ? due.cards.filter((c) => graded.has(c.id)).length : 0;
    clear(stage).append(emptyState(
      doneCount
        ? `All done for now: ${doneCount} card${doneCount === 1 ? '' : 's'} reviewed.${later ? ' Cards you found hard come back later today.' : ''}`
        : 'No cards are due. Cards come from the quizzes you take: each question you answer is scheduled for review.',
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: '/quizzes', 'data-link': '' }, 'Take a quiz'),
        h('a', { class: 'btn btn-secondary', href: '/progress', 'data-link': '' }, 'See your progress'))));
    const first = stage.querySelector('a');
    if (doneCount && first) first.focus();
    announce(doneCount ? 'All due cards are reviewed.' : 'No cards are due.');
  }

  function showCard(focus) {
    revealed = false;
    showError(errorSlot, null);
    updateCounter();
    if (!queue.length) {
      finished();
      return;
    }
    card = queue[0];
    questionOf(card);
    const revealBtn = button('Show answer', () => reveal(), { kind: 'primary' });
    revealBtn.setAttribute('aria-keyshortcuts', 'Space');
    stage.replaceChildren(
      h('article', { class: 'review-card card', 'aria-labelledby': 'review-stem' },
        h('p', { class: 'review-meta' }, card.topic || 'Card', card.overdue ? ' · overdue' : ''),
        h('h2', { id: 'review-stem', class: 'review-stem' }, card.stem),
        card.options && card.options.length
          ? h('ol', { class: 'review-options', type: 'A' }, card.options.map((o) => h('li', null, o))) : null,
        h('div', { class: 'review-answer', id: 'review-answer' }),
        h('div', { class: 'review-actions' }, revealBtn, h('span', { class: 'hint' }, ' Space'))),
    );
    if (focus) revealBtn.focus();
  }

  async function reveal() {
    if (!card || revealed) return;
    revealed = true;
    const slot = stage.querySelector('#review-answer');
    const actions = stage.querySelector('.review-actions');
    const labels = intervalLabels(card.next, new Date());
    const buttons = GRADES.map((g) => {
      const b = h('button', { type: 'button', class: ['btn', 'grade', `grade-${g.grade}`], 'aria-keyshortcuts': g.key,
        'on:click': () => grade(g.grade) },
      h('span', { class: 'grade-name' }, g.label), ' ',
      h('span', { class: 'grade-when' }, labels[g.grade] || ''),
      h('span', { class: 'grade-key', 'aria-hidden': 'true' }, g.key));
      return b;
    });
    clear(actions).append(h('div', { class: 'grades', role: 'group', 'aria-label': 'How well did you recall it?' }, buttons));
    slot.setAttribute('tabindex', '-1');
    slot.focus();
    slot.append(loading('Loading the answer…'));
    try {
      const q = await questionOf(card);
      replace(slot, h('p', { class: 'review-key' }, h('strong', null, 'Answer: '), q.answer || '—'),
        q.explanation ? h('p', { class: 'hint' }, q.explanation) : null,
        q.quote ? h('blockquote', { class: 'review-quote' }, q.quote) : null,
        q.quote && q.material_id ? button('Open the passage', () => openPassage({
          material_id: q.material_id, section: q.section, page: q.page, quote: q.quote,
        }), { kind: 'ghost' }) : null);
      announce(`Answer: ${q.answer || 'none given'}`);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      clear(slot).append(errorBox(err, { prefix: 'The answer could not be loaded' }));
    }
  }

  async function grade(g) {
    if (!card || !revealed || busy) return;
    busy = true;
    const c = card;
    stage.querySelectorAll('.grades button').forEach((b) => { b.disabled = true; });
    try {
      const out = await api('POST', `/api/reviews/${encodeURIComponent(c.id)}/grade`, { body: { grade: g }, signal });
      graded.set(c.id, Date.now());
      doneCount += 1;
      queue.shift();
      const when = out.due_at ? relativeTime(out.due_at, new Date()) : '';
      announce(`Graded ${g}. ${when && when !== 'now' ? `Back ${when}.` : ''}`);
      if (!queue.length) await reload();
      showCard(true);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      stage.querySelectorAll('.grades button').forEach((b) => { b.disabled = false; });
      showError(errorSlot, err, { prefix: 'The grade was not saved' });
    } finally {
      busy = false;
    }
  }

  async function reload() {
    due = await loadDue(signal);
    queue = dueNow(due.cards || [], graded, Date.now());
  }

  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || !card) return;
    if (document.querySelector('dialog[open]')) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
    if ((e.key === ' ' || e.code === 'Space') && !revealed) {
      e.preventDefault();
      reveal();
      return;
    }
    const g = GRADES.find((x) => x.key === e.key);
    if (g && revealed) {
      e.preventDefault();
      grade(g.grade);
    }
  }

  try {
    await reload();
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    clear(view).append(pageHeader('Reviews'), errorBox(err, { prefix: 'The due cards could not be loaded' }));
    return null;
  }
  clear(view).append(pageHeader('Reviews'),
    h('p', { class: 'hint' }, 'Space shows the answer; 1 Again, 2 Hard, 3 Good, 4 Easy.'),
    counter, stage, errorSlot);
  showCard(false);
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
