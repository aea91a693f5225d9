// /progress: mastery per topic, accuracy over time, the weakest topics and the
// open misconceptions, each with what to do about it.

import { h, clear } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { getSessionId } from '../lib/store.js';
import { bars, line } from '../lib/chart.js';
import {percent, trendText} from '../lib/figures.js';
import { button, table, errorBox, showError, emptyState, loading, pageHeader } from '../lib/ui.js';

/**
 * Accuracy per day from the analysis: the series the API gives (any of
 * `accuracy_over_time`, `daily`, `timeline`, `history`: [{date|day, answered|
 * attempts, correct, accuracy?}]) as chart points [{label, value, answered}],
 * in date order, days without answers left out.
 */
export function accuracySeries(perf) {
  const raw = perf && (perf.accuracy_over_time || perf.daily || perf.timeline || perf.history || perf.accuracy_by_day);
  if (!Array.isArray(raw)) return [];
  const out = [];
  for (const d of raw) {
    const date = d.date || d.day;
    const answered = Number(d.answered ?? d.attempts ?? d.total ?? 0);
    const correct = Number(d.correct ?? 0);
    let value = d.accuracy;
    if (typeof value !== 'number') value = answered > 0 ? correct / answered : null;
    if (!date || value === null || !(answered > 0 || typeof d.accuracy === 'number')) continue;
    out.push({ label: String(date), value: Math.max(0, Math.min(1, value)), answered });
  }
  out.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return out;
}

/** Topics by mastery, weakest first, as bar items. */
export function masteryItems(topics) {
  return (topics || [])
    .filter((t) => t && t.topic)
    .map((t) => ({ label: t.topic, value: Number(t.mastery) || 0, mastered: Boolean(t.mastered) }))
    .sort((a, b) => a.value - b.value || a.label.localeCompare(b.label));
}

const pct = percent;

async function startQuiz(topic, count, slot, signal) {
  showError(slot, null);
  const body = { topic, count };
  const sid = getSessionId();
  if (sid) body.session_id = sid;
  try {
    const quiz = await api('POST', '/api/quiz/generate', { body, signal });
    await navigate(`/quizzes/${encodeURIComponent(quiz.id)}`);
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    showError(slot, err, { prefix: `No quiz on ${topic} could be made` });
  }
}

/**
 * Search words for a topic: its heading numbering dropped ("1.2.8. Named pipes
 * (FIFOs)" -> "Named pipes FIFOs"), punctuation as spaces; every word must match.
 */
export function searchTerms(topic) {
  return String(topic || '').replace(/^(?:\d+\.)+\d*\s*(?=\p{L})/u, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function readLink(topic) {
  const q = searchTerms(topic);
  return q ? h('a', { class: 'btn btn-ghost', href: `/search?q=${encodeURIComponent(q)}`, 'data-link': '',
    'aria-label': `Read about it: ${topic}` }, 'Read about it') : null;
}

function tutorLink(topic) {
  return h('a', { class: 'btn btn-secondary', href: `/tutor?topic=${encodeURIComponent(topic)}`, 'data-link': '',
    'aria-label': `Ask the tutor about ${topic}` },
    'Ask the tutor');
}

export async function render(view, { signal }) {
  view.classList.add('room');
  const sessionId = getSessionId();
  view.append(pageHeader('Progress'), loading('Analysing your answers…'));
  const body = sessionId ? { session_id: sessionId } : {};
  const [perfR, misR] = await Promise.allSettled([
    api('POST', '/api/analyze/performance', { body, signal }),
    api('GET', '/api/misconceptions', { query: { status: 'open', limit: 50 }, signal }),
  ]);
  if (signal && signal.aborted) return null;
  clear(view).append(pageHeader('Progress',
    h('a', { class: 'btn btn-primary', href: '/quizzes', 'data-link': '' }, 'Take a quiz')));

  // Mastery
  const mastery = h('section', { class: 'card', 'aria-labelledby': 'prog-mastery-h' },
    h('h2', { id: 'prog-mastery-h' }, 'Mastery per topic'));
  const accuracy = h('section', { class: 'card', 'aria-labelledby': 'prog-acc-h' },
    h('h2', { id: 'prog-acc-h' }, 'Accuracy over time'));
  const weakest = h('section', { class: 'card', 'aria-labelledby': 'prog-weak-h' },
    h('h2', { id: 'prog-weak-h' }, 'Weakest topics'));
  const mis = h('section', { class: 'card', 'aria-labelledby': 'prog-mis-h' },
    h('h2', { id: 'prog-mis-h' }, 'Misconceptions'));
  view.append(h('div', { class: 'progress-grid' }, mastery, accuracy, weakest), mis);

  if (perfR.status === 'rejected') {
    const err = errorBox(perfR.reason, { prefix: 'Your answers could not be analysed' });
    mastery.append(err);
    accuracy.append(emptyState('No figures without the analysis.'));
    weakest.append(emptyState('No figures without the analysis.'));
  } else {
    const perf = perfR.value;
    const items = masteryItems(perf.topics);
    if (!items.length) {
      mastery.append(emptyState('No topic has answers yet. Take a quiz: each answer moves the mastery of its topic.',
        h('a', { class: 'btn btn-secondary', href: '/quizzes', 'data-link': '' }, 'Take a quiz')));
    } else {
      const mastered = items.filter((i) => i.mastered || i.value >= 0.95).length;
      mastery.append(
        h('p', { class: 'hint' }, `${mastered} of ${items.length} topics mastered (95 % or more). Darker bars: higher mastery.`),
        bars(items, { title: 'Mastery per topic' }),
        h('details', null, h('summary', null, 'Mastery as a table'),
          table([
            { key: 'label', label: 'Topic' },
            { key: 'value', label: 'Mastery', numeric: true, render: (r) => pct(r.value) },
            { key: 'mastered', label: 'Mastered', render: (r) => (r.mastered || r.value >= 0.95 ? 'yes' : 'no') },
          ], items, { caption: 'Mastery per topic', captionHidden: true })));
    }
    const series = accuracySeries(perf);
    const overall = typeof perf.accuracy === 'number'
                        ? h('p', null, h('strong', {class : 'figure'}, pct(perf.accuracy)),
                            ` of ${perf.attempts || 0} answers correct · ${
                                trendText(perf.accuracy_trend, perf.attempts)}`)
                        : null;
    if (!perf.attempts) {
      accuracy.append(emptyState('No answers yet. Your accuracy shows here day by day once you take quizzes and reviews.'));
    } else {
      if (overall) accuracy.append(overall);
      if (series.length) {
        accuracy.append(line(series, { title: 'Accuracy per day' }));
      } else {
        accuracy.append(h('p', { class: 'hint' }, 'The day-by-day line appears after answers on more than one day.'));
      }
    }
    const weak = (perf.weakest || []).map((w) => (typeof w === 'string' ? w : w.topic)).filter(Boolean);
    if (!weak.length) {
      weakest.append(emptyState('No weak topic found yet: answer a few quizzes first.'));
    } else {
      const byTopic = new Map((perf.topics || []).map((t) => [t.topic, t]));
      weakest.append(h('ul', { class: 'next-steps' }, weak.map((topic) => {
        const slot = h('div', { class: 'error-slot' });
        const t = byTopic.get(topic);
        return h('li', null,
          h('p', null, h('strong', null, topic), t ? ` · mastery ${pct(t.mastery)}` : ''),
          h('div', { class: 'actions' },
            button('Practise', () => startQuiz(topic, 5, slot, signal), { label: `Practise ${topic} in a quiz` }),
            tutorLink(topic), readLink(topic)),
          slot);
      })));
    }
  }

  if (misR.status === 'rejected') {
    mis.append(errorBox(misR.reason, { prefix: 'The misconceptions could not be loaded' }));
  } else {
    const items = misR.value.items || [];
    if (!items.length) {
      mis.append(emptyState('No open misconception. When your answers show the same confusion twice, it is listed here with what to do.'));
    } else {
      mis.append(h('ul', { class: 'next-steps' }, items.map((m) => {
        const slot = h('div', { class: 'error-slot' });
        return h('li', null,
          h('p', null, h('strong', null, m.topic), m.kind ? h('span', { class: 'badge badge-warning' }, m.kind.replaceAll('_', ' ')) : null),
          h('p', null, m.description),
          m.advice ? h('p', { class: 'hint' }, 'What to do: ', m.advice) : null,
          h('div', { class: 'actions' },
            button('Quiz on this', () => startQuiz(m.topic, 3, slot, signal), { label: `Quiz on this: ${m.topic}` }),
            tutorLink(m.topic), readLink(m.topic)),
          slot);
      })));
    }
  }
  return null;
}
