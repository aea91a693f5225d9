// /quizzes/:id: take a quiz by keyboard, one question at a time or all on one
// page, submit it, then read the feedback per question with the quoted source.
// A quiz already submitted opens on its results.

import { h, clear, uid } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { button, confirmDialog, errorBox, showError, emptyState, loading, announce, pageHeader } from '../lib/ui.js';
import { openPassage } from '../lib/passage.js';
import { formatDateTime } from '../lib/dates.js';
import { getUser } from '../lib/store.js';

const CHOICE_TYPES = new Set(['multiple_choice', 'true_false', 'definition']);
const LETTERS = 'ABCDEFGHIJKLMNOP';

/** Whether a question is answered by picking one of its options. */
export function isChoice(q) {
  return CHOICE_TYPES.has(q.type) || (Array.isArray(q.options) && q.options.length > 0);
}

/**
 * The submit body's answers: questions in quiz order, answers a Map question_id
 * -> text, seconds a Map question_id -> seconds spent (optional). Blank answers
 * are left out (the server refuses empty ones; a missing one counts as not
 * answered).
 */
export function answersFor(questions, answers, seconds = new Map()) {
  const out = [];
  for (const q of questions) {
    const text = (answers.get(q.id) || '').trim();
    if (!text) continue;
    const a = { question_id: q.id, answer: text };
    const s = seconds.get(q.id);
    if (Number.isFinite(s) && s >= 0) a.seconds = Math.min(86400, Math.round(s * 10) / 10);
    out.push(a);
  }
  return out;
}

/** "Biology notes, section 2.1 Cells, page 4" from a result's source and its material title. */
export function sourceLabel(source, title) {
  if (!source) return '';
  const parts = [];
  parts.push(title || 'Material');
  if (source.section) parts.push(`section ${source.section}`);
  if (source.page !== null && source.page !== undefined) parts.push(`page ${source.page}`);
  return parts.join(', ');
}

/** "7 of 10 correct (70 %)". */
export function scoreText(correct, total) {
  const pct = total > 0 ? Math.round((correct / total) * 100) : 0;
  return `${correct} of ${total} correct (${pct} %)`;
}

function pct(v) {
  return `${Math.round((Number(v) || 0) * 100)} %`;
}

function typeName(q) {
  switch (q.type) {
    case 'multiple_choice': return 'Multiple choice';
    case 'true_false': return 'True or false';
    case 'definition': return 'Match the definition';
    case 'cloze': return 'Fill in the blank';
    default: return 'Short answer';
  }
}

async function materialTitles(ids, signal) {
  const titles = new Map();
  await Promise.all([...ids].map(async (id) => {
    try {
      const m = await api('GET', `/api/materials/${encodeURIComponent(id)}`, { signal });
      titles.set(id, m.title || m.filename || 'Material');
    } catch {
      titles.set(id, 'Material');
    }
  }));
  return titles;
}

// ---- results ----

/** The account's time zone: dates are shown in it, as everywhere else. */
function zone() {
  const user = getUser();
  return (user && user.time_zone) || 'UTC';
}

async function renderResults(view, quiz, results, extra, signal) {
  const byId = new Map(results.map((r) => [r.question_id, r]));
  const correct = results.filter((r) => r.correct).length;
  const total = quiz.questions.length;
  const ids = new Set(results.map((r) => r.source && r.source.material_id).filter(Boolean));
  const titles = await materialTitles(ids, signal);
  clear(view);
  view.append(
    pageHeader('Quiz results',
      h('a', { class: 'btn btn-primary', href: '/quizzes', 'data-link': '' }, 'Start another quiz'),
      h('a', { class: 'btn btn-secondary', href: '/reviews', 'data-link': '' }, 'Review due cards')),
    h('p', { class: 'quiz-score' }, h('strong', null, scoreText(correct, total)),
      quiz.submitted_at ? ` · submitted ${formatDateTime(quiz.submitted_at, zone())}` : ''),
  );
  if (extra && Array.isArray(extra.mastery) && extra.mastery.length) {
    view.append(h('section', { class: 'quiz-mastery', 'aria-labelledby': 'quiz-mastery-h' },
      h('h2', { id: 'quiz-mastery-h' }, 'Mastery'),
      h('ul', null, extra.mastery.map((m) => h('li', null,
        h('strong', null, m.topic), `: ${pct(m.before)} → ${pct(m.after)}`, m.mastered ? ' (mastered)' : '')))));
  }
  const detected = extra && extra.misconceptions && Array.isArray(extra.misconceptions.detected)
    ? extra.misconceptions.detected : [];
  if (detected.length) {
    view.append(h('section', { class: 'quiz-misconceptions', 'aria-labelledby': 'quiz-mis-h' },
      h('h2', { id: 'quiz-mis-h' }, 'Misconceptions found'),
      h('ul', null, detected.map((m) => h('li', null, h('strong', null, m.topic), `: ${m.description}`,
        m.advice ? h('p', { class: 'hint' }, m.advice) : null))),
      h('p', null, h('a', { href: '/progress', 'data-link': '' }, 'See what to do about them on Progress'))));
  }
  const list = h('ol', { class: 'quiz-results' });
  quiz.questions.forEach((q, i) => {
    const r = byId.get(q.id) || { correct: false, given: null, expected: '', feedback: 'Not answered.' };
    const src = r.source || {};
    const label = sourceLabel(src, titles.get(src.material_id));
    list.append(h('li', { class: ['result', r.correct ? 'is-correct' : 'is-wrong'] },
      h('article', { 'aria-labelledby': `res-${i}` },
        h('h2', { id: `res-${i}`, class: 'result-head' },
          h('span', { class: 'result-mark', 'aria-hidden': 'true' }, r.correct ? '✓' : '✗'),
          `Question ${i + 1}: `, h('span', { class: 'result-verdict' }, r.correct ? 'Correct' : 'Incorrect')),
        h('p', { class: 'result-stem' }, q.stem),
        h('dl', { class: 'result-answers' },
          h('dt', null, 'Your answer'), h('dd', null, r.given ? r.given : h('em', null, 'not answered')),
          h('dt', null, 'Expected'), h('dd', null, r.expected || '—')),
        r.feedback ? h('p', { class: 'result-feedback' }, r.feedback) : null,
        src.quote ? h('figure', { class: 'result-source' },
          h('blockquote', null, src.quote),
          h('figcaption', null, 'Source: ', label, ' ',
            src.material_id ? button('Open the passage', () => openPassage({
              material_id: src.material_id, material_title: titles.get(src.material_id), section: src.section,
              page: src.page, quote: src.quote,
            }), { kind: 'ghost', label: `Open the passage of question ${i + 1}` }) : null))
          : null)));
  });
  view.append(list);
}

// ---- taking ----

function questionBlock(q, i, n, state) {
  const legendId = uid('q');
  const fs = h('fieldset', { class: 'question', 'data-qid': q.id });
  fs.append(h('legend', { id: legendId },
    h('span', { class: 'question-num' }, `Question ${i + 1} of ${n}`),
    h('span', { class: 'question-type' }, ` · ${typeName(q)}${q.topic ? ` · ${q.topic}` : ''}`),
    h('span', { class: 'question-stem' }, q.stem)));
  const current = state.answers.get(q.id) || '';
  if (isChoice(q)) {
    const name = `answer-${q.id}`;
    const list = h('div', { class: 'options' });
    (q.options || []).forEach((opt, k) => {
      const id = uid('opt');
      const input = h('input', { type: 'radio', id, name, value: opt, checked: current === opt,
        'on:change': () => { state.answers.set(q.id, opt); state.onChange(); } });
      list.append(h('div', { class: 'option' }, input,
        h('label', { for: id }, h('span', { class: 'option-letter' }, `${LETTERS[k] || k + 1}.`), ' ', opt)));
    });
    fs.append(list);
  } else {
    const id = uid('ans');
    const input = h('input', { type: 'text', id, name: `answer-${q.id}`, autocomplete: 'off', spellcheck: 'false',
      maxlength: 1000, 'on:input': (e) => { state.answers.set(q.id, e.target.value); state.onChange(); } });
    input.value = current;
    fs.append(h('div', { class: 'field' }, h('label', { for: id }, 'Your answer'), input));
  }
  return fs;
}

function focusFirstControl(el) {
  const checked = el.querySelector('input[type=radio]:checked');
  const first = checked || el.querySelector('input');
  if (first) first.focus();
}

function takeQuiz(view, quiz, signal, onSubmitted) {
  const qs = quiz.questions;
  const n = qs.length;
  const state = {
    answers: new Map(),
    seconds: new Map(),
    index: 0,
    all: false,
    shownAt: performance.now(),
    onChange: () => updateStatus(),
  };
  const status = h('p', { class: 'quiz-status', 'aria-live': 'off' });
  const body = h('div', { class: 'quiz-body' });
  const errorSlot = h('div', { class: 'error-slot' });
  const prevBtn = button('Previous', () => go(state.index - 1), { label: 'Previous question' });
  const nextBtn = button('Next', () => go(state.index + 1), { label: 'Next question' });
  const pager = h('div', { class: 'quiz-pager' }, prevBtn, nextBtn);
  const toggle = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-pressed': 'false',
    'on:click': () => setAll(!state.all) }, 'Show all questions on one page');
  const submitBtn = button('Submit answers', () => submit(), { kind: 'primary' });

  function countTime() {
    if (state.all) return;
    const q = qs[state.index];
    const now = performance.now();
    state.seconds.set(q.id, (state.seconds.get(q.id) || 0) + (now - state.shownAt) / 1000);
    state.shownAt = now;
  }

  function updateStatus() {
    const answered = qs.filter((q) => (state.answers.get(q.id) || '').trim()).length;
    status.textContent = state.all
      ? `${answered} of ${n} answered`
      : `Question ${state.index + 1} of ${n} · ${answered} of ${n} answered`;
    prevBtn.disabled = state.all || state.index === 0;
    nextBtn.disabled = state.all || state.index >= n - 1;
  }

  function draw(focus) {
    clear(body);
    if (state.all) {
      qs.forEach((q, i) => body.append(questionBlock(q, i, n, state)));
      pager.hidden = true;
    } else {
      const block = questionBlock(qs[state.index], state.index, n, state);
      body.append(block);
      pager.hidden = false;
      if (focus) focusFirstControl(block);
    }
    updateStatus();
  }

  function go(i) {
    if (state.all || i < 0 || i >= n || i === state.index) return;
    countTime();
    state.index = i;
    draw(true);
    announce(`Question ${i + 1} of ${n}`);
  }

  function setAll(all) {
    countTime();
    state.all = all;
    toggle.setAttribute('aria-pressed', String(all));
    draw(false);
    announce(all ? 'All questions are shown' : `Question ${state.index + 1} of ${n}`);
  }

  async function submit() {
    countTime();
    showError(errorSlot, null);
    const answers = answersFor(qs, state.answers, state.seconds);
    const missing = n - answers.length;
    if (missing > 0) {
      const ok = await confirmDialog(
        missing === n ? 'No question is answered yet. Submit anyway? Each one will count as wrong.'
          : `${missing} of ${n} questions are not answered and will count as wrong. Submit anyway?`,
        { title: 'Submit the quiz?', confirmLabel: 'Submit', danger: false });
      if (!ok) return;
    }
    try {
      const out = await api('POST', `/api/quiz/${encodeURIComponent(quiz.id)}/submit`, { body: { answers }, signal });
      announce(`Submitted: ${scoreText(out.correct, out.total)}`);
      await onSubmitted(out);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      showError(errorSlot, err, { prefix: 'The answers were not submitted' });
    }
  }

  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    const typing = t && (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && t.type === 'text'));
    if (document.querySelector('dialog[open]')) return;
    // Keys typed in another control (the session switcher, a checkbox) are its own.
    if (t && !typing && (t.tagName === 'SELECT' || (t.tagName === 'INPUT' && t.type !== 'radio'))) return;
    if (typing) {
      if (e.key !== 'Enter') return;
      // Enter goes on to the next question (never submits the whole quiz).
      e.preventDefault();
      if (!state.all) {
        if (state.index < n - 1) go(state.index + 1);
        else submitBtn.focus();
      } else {
        const blocks = [...body.querySelectorAll('fieldset.question')];
        const at = blocks.findIndex((b) => b.contains(t));
        if (at >= 0 && at < blocks.length - 1) focusFirstControl(blocks[at + 1]);
        else submitBtn.focus();
      }
      return;
    }
    if (state.all) return;
    const key = e.key.toLowerCase();
    if (key === 'n' || key === ']') { e.preventDefault(); go(state.index + 1); return; }
    if (key === 'p' || key === '[') { e.preventDefault(); go(state.index - 1); return; }
    const k = Number(e.key);
    const q = qs[state.index];
    if (Number.isInteger(k) && k >= 1 && isChoice(q) && k <= (q.options || []).length) {
      const radios = body.querySelectorAll('input[type=radio]');
      const r = radios[k - 1];
      if (r) {
        e.preventDefault();
        r.checked = true;
        r.focus();
        r.dispatchEvent(new Event('change', { bubbles: true }));
      }
    }
  }

  clear(view);
  view.append(
    pageHeader('Quiz', toggle),
    h('p', { class: 'hint' }, 'Keys: 1–9 pick an option, N or ] next, P or [ previous, Enter in a text answer goes on.'),
    status,
    h('form', { class: 'quiz-form', 'aria-label': 'Quiz answers', novalidate: true,
      'on:submit': (e) => { e.preventDefault(); submit(); } }, body),
    pager,
    h('div', { class: 'quiz-submit' }, submitBtn, errorSlot),
  );
  draw(false);
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}

function readOnly(view, quiz) {
  clear(view).append(pageHeader('Quiz'),
    h('p', { class: 'notice', role: 'note' }, 'This quiz belongs to a student and is not submitted yet: its questions are shown as they were served.'),
    h('ol', { class: 'quiz-results' }, quiz.questions.map((q) => h('li', { class: 'result' },
      h('p', { class: 'meta' }, h('span', null, typeName(q)), q.topic ? h('span', null, q.topic) : null),
      h('p', { class: 'result-stem' }, q.stem),
      isChoice(q) ? h('ol', { type: 'A' }, (q.options || []).map((o) => h('li', null, o))) : null))));
}

export async function render(view, { params, user, signal }) {
  view.classList.add('room');
  view.append(h('h1', null, 'Quiz'), loading('Loading the quiz…'));
  let quiz;
  try {
    quiz = await api('GET', `/api/quiz/${encodeURIComponent(params.id)}`, { signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    if (err && err.status === 404) {
      clear(view).append(h('h1', null, 'Quiz not found'),
        emptyState('It may have been deleted, or it is not yours.', h('a', { href: '/quizzes', 'data-link': '' }, 'Back to your quizzes')));
      return null;
    }
    clear(view).append(h('h1', null, 'Quiz'), errorBox(err),
      h('p', null, h('a', { href: '/quizzes', 'data-link': '' }, 'Back to your quizzes')));
    return null;
  }
  if (!quiz.questions || quiz.questions.length === 0) {
    clear(view).append(h('h1', null, 'Quiz'), h('p', null, 'This quiz has no questions.'),
      h('a', { href: '/quizzes', 'data-link': '' }, 'Start another quiz'));
    return null;
  }
  if (quiz.submitted_at) {
    await renderResults(view, quiz, quiz.results || [], null, signal);
    return null;
  }
  if (user && quiz.user_id && quiz.user_id !== user.id) {
    readOnly(view, quiz);
    return null;
  }
  let cleanup = null;
  cleanup = takeQuiz(view, quiz, signal, async (out) => {
    if (cleanup) cleanup();
    cleanup = null;
    await renderResults(view, { ...quiz, submitted_at: new Date().toISOString() }, out.results || [], out, signal);
    const h1 = view.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus();
    }
  });
  return () => { if (cleanup) cleanup(); };
}
