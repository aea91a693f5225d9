// /quizzes: start a quiz for the current study session (a topic, materials, how
// many questions) and the list of past quizzes.

import { h, clear } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { getSessionId, getUser } from '../lib/store.js';
import { formatDateTime } from '../lib/dates.js';
import { button, field, table, errorBox, showError, emptyState, loading, announce, pageHeader } from '../lib/ui.js';

/** The generate body from the form's values (blank topic and no materials left out). */
export function generateBody({ sessionId, topic, materialIds, count }) {
  const body = {};
  if (sessionId) body.session_id = sessionId;
  const t = (topic || '').trim();
  if (t) body.topic = t;
  if (materialIds && materialIds.length) body.material_ids = [...materialIds];
  const n = Number(count);
  body.count = Number.isInteger(n) && n >= 1 && n <= 50 ? n : 10;
  return body;
}

/**
 * The topics of a quiz list row as text (the API may give topics or topic):
 * the first `max`, then how many more.
 */
export function topicsText(q, max = 3) {
  if (!Array.isArray(q.topics)) return q.topic || '';
  const list = q.topics.filter(Boolean);
  if (list.length <= max) return list.join(', ');
  return `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}

function questionCount(q) {
  for (const k of ['question_count', 'questions_count', 'count', 'total']) {
    if (Number.isInteger(q[k])) return q[k];
  }
  return Array.isArray(q.questions) ? q.questions.length : null;
}

function when(iso) {
  const user = getUser();
  return iso ? formatDateTime(iso, (user && user.time_zone) || 'UTC') : '';
}

async function loadMaterials(signal) {
  const out = await api('GET', '/api/materials', { query: { limit: 100 }, signal });
  return (out.items || []).filter((m) => m.status === 'ready');
}

function pastList(slot, items) {
  clear(slot);
  if (!items.length) {
    slot.append(emptyState('No quizzes yet. Start one above: pick a topic or leave it blank for a mix weighted to your weak topics.'));
    return;
  }
  slot.append(table([
    { key: 'created_at', label: 'Started', render: (q) => h('a', { href: `/quizzes/${encodeURIComponent(q.id)}`, 'data-link': '' }, when(q.created_at)) },
    { key: 'topics', label: 'Topics', render: (q) => topicsText(q) || 'Mixed' },
    { key: 'n', label: 'Questions', numeric: true, hideOnPhone: true, render: (q) => String(questionCount(q) ?? '') },
    { key: 'score', label: 'Score', numeric: true, render: (q) => (q.submitted_at && q.score !== null && q.score !== undefined ? `${Math.round(q.score * 100)} %` : '') },
    { key: 'state', label: 'State', render: (q) => (q.submitted_at
      ? h('a', { href: `/quizzes/${encodeURIComponent(q.id)}`, 'data-link': '' }, 'See results')
      : h('a', { href: `/quizzes/${encodeURIComponent(q.id)}`, 'data-link': '' }, 'Continue')) },
  ], items, { caption: 'Past quizzes', captionHidden: true }));
}

export async function render(view, { query, signal }) {
  view.classList.add('room');
  const sessionId = getSessionId();
  view.append(pageHeader('Quizzes'));

  const topic = field({ label: 'Topic', name: 'topic', value: query.topic || '',
    hint: 'Leave blank for a mix weighted to your weakest topics and open misconceptions.' });
  const count = field({ label: 'Number of questions', name: 'count', type: 'number', min: 1, max: 50, step: 1,
    value: query.count || '10', required: true });
  const matBox = h('fieldset', { class: 'fieldset materials-pick' },
    h('legend', null, 'Materials'), loading('Loading your materials…'));
  const formError = h('div', { class: 'error-slot' });
  const startBtn = button('Start quiz', null, { kind: 'primary', type: 'submit' });
  const form = h('form', { class: 'card form', 'aria-labelledby': 'quiz-start-h', novalidate: true },
    h('h2', { id: 'quiz-start-h' }, 'Start a quiz'),
    h('p', { class: 'hint' }, sessionId
      ? 'The quiz draws on the current study session\'s materials unless you pick others.'
      : 'No study session is selected: the quiz draws on all your materials unless you pick some.'),
    topic, count, matBox,
    h('div', { class: 'actions' }, startBtn), formError);

  const past = h('div', null, loading('Loading your quizzes…'));
  view.append(form, h('section', { 'aria-labelledby': 'quiz-past-h' }, h('h2', { id: 'quiz-past-h' }, 'Past quizzes'), past));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(formError, null);
    const ids = [...matBox.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
    const body = generateBody({ sessionId: ids.length ? null : sessionId, topic: topic.input.value, materialIds: ids, count: count.input.value });
    startBtn.disabled = true;
    startBtn.setAttribute('aria-busy', 'true');
    announce('Making the quiz…');
    try {
      const quiz = await api('POST', '/api/quiz/generate', { body, signal });
      if (quiz.pending_review > 0) announce(`${quiz.pending_review} new questions wait for a tutor's review.`);
      await navigate(`/quizzes/${encodeURIComponent(quiz.id)}`);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      showError(formError, err, { prefix: 'No quiz was made' });
      startBtn.disabled = false;
      startBtn.removeAttribute('aria-busy');
    }
  });

  const [mats, quizzes] = await Promise.allSettled([
    loadMaterials(signal),
    api('GET', '/api/quizzes', { query: { session_id: sessionId || '', limit: 50 }, signal }),
  ]);
  if (signal && signal.aborted) return null;

  clear(matBox).append(h('legend', null, 'Materials'));
  if (mats.status === 'rejected') {
    matBox.append(errorBox(mats.reason, { prefix: 'Your materials could not be loaded' }));
  } else if (!mats.value.length) {
    matBox.append(emptyState('No material is ready yet. Upload a PDF or notes first; a quiz is written from them.',
      h('a', { class: 'btn btn-secondary', href: '/materials', 'data-link': '' }, 'Upload material')));
    startBtn.disabled = true;
  } else {
    matBox.append(h('p', { class: 'hint' }, 'Optional: pick materials to draw on.'),
      h('div', { class: 'checks' }, mats.value.map((m) => {
        const id = `mat-${m.id}`;
        return h('div', { class: 'check' },
          h('input', { type: 'checkbox', id, name: 'material_ids', value: m.id }),
          h('label', { for: id }, m.title || m.filename || 'Untitled'));
      })));
  }

  if (quizzes.status === 'rejected') {
    clear(past).append(errorBox(quizzes.reason, { prefix: 'Past quizzes could not be loaded' }));
  } else {
    pastList(past, quizzes.value.items || []);
  }
  return null;
}
