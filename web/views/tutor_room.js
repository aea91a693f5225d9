// The tutor room (tutors and admins): /tutor-room lists the students with their
// mastery, activity and at-risk flags; /tutor-room/students/:id is one student;
// /tutor-room/questions is the queue of generated questions awaiting review
// (approve, edit then approve, reject; earlier versions on demand).

import { h, clear, replace, uid } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { bars } from '../lib/chart.js';
import { relativeTime, formatDateTime } from '../lib/dates.js';
import { getUser } from '../lib/store.js';
import {
  button, field, table, errorBox, showError, setFieldError, emptyState, loading, announce, toast, pageHeader,
} from '../lib/ui.js';
import { openPassage } from '../lib/passage.js';

/** The account's time zone: dates are shown in it, as everywhere else. */
function zone() {
  const user = getUser();
  return (user && user.time_zone) || 'UTC';
}

const RISK_TEXT = {
  idle_before_exam: 'No activity lately, with an exam coming',
  low_mastery_before_exam: 'Low mastery with an exam within days',
  many_misconceptions: 'Many open misconceptions',
};

/** The reasons a student is flagged, as sentences (the API's message, else a default per code). */
export function riskReasons(student) {
  const list = Array.isArray(student && student.risk_reasons) ? student.risk_reasons : [];
  return list.map((r) => (typeof r === 'string' ? RISK_TEXT[r] || r : r.message || RISK_TEXT[r.code] || r.code))
    .filter(Boolean);
}

/**
 * Options from the edit form's text area: one per line, blanks dropped; none
 * gives null (the question keeps no options).
 */
export function parseOptions(text) {
  const lines = String(text || '').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines : null;
}

/** The review body for an edit: only the fields that changed from q. */
export function editBody(q, values) {
  const body = { decision: 'edit' };
  if (values.stem !== undefined && values.stem.trim() !== (q.stem || '')) body.stem = values.stem.trim();
  if (values.answer !== undefined && values.answer.trim() !== (q.answer || '')) body.answer = values.answer.trim();
  if (values.explanation !== undefined && values.explanation.trim() !== (q.explanation || '')) {
    body.explanation = values.explanation.trim();
  }
  if (values.options !== undefined) {
    const opts = parseOptions(values.options);
    const before = Array.isArray(q.options) ? q.options : [];
    if (opts && JSON.stringify(opts) !== JSON.stringify(before)) body.options = opts;
  }
  return body;
}

/** Students at risk first (by how many reasons), then as the API listed them. */
export function byRisk(students) {
  return students.map((s, i) => ({ s, i }))
    .sort((a, b) => (Number(Boolean(b.s.at_risk)) - Number(Boolean(a.s.at_risk)))
      || ((b.s.risk_reasons || []).length - (a.s.risk_reasons || []).length) || a.i - b.i)
    .map((x) => x.s);
}

function pct(v) {
  return v === null || v === undefined ? '—' : `${Math.round(Number(v) * 100)} %`;
}

function name(s) {
  return s.full_name || s.display_name || s.email || 'Student';
}

function ago(iso) {
  return iso ? relativeTime(iso, new Date()) : 'never';
}

function roomNav(current) {
  const link = (href, label) => h('a', { href, 'data-link': '', class: 'btn btn-ghost',
    'aria-current': current === href ? 'page' : null }, label);
  return h('nav', { class: 'subnav', 'aria-label': 'Tutor room' },
    link('/tutor-room', 'Students'), link('/tutor-room/questions', 'Questions to review'));
}

function riskCell(s) {
  if (!s.at_risk) return h('span', null, 'No');
  const reasons = riskReasons(s);
  return h('div', null, h('span', { class: 'badge badge-warning' }, '⚠ At risk'),
    reasons.length ? h('ul', { class: 'risk-reasons' }, reasons.map((r) => h('li', null, r))) : null);
}

// ---- students ----

async function renderStudents(view, signal) {
  view.append(pageHeader('Tutor room'), roomNav('/tutor-room'), loading('Loading your students…'));
  let out;
  try {
    out = await api('GET', '/api/tutor/students', { query: { limit: 200 }, signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    view.lastChild.replaceWith(errorBox(err, { prefix: 'Your students could not be loaded' }));
    return;
  }
  const items = byRisk(out.items || []);
  const body = items.length
    ? h('div', null,
      h('p', { class: 'hint' }, `${items.length} student${items.length === 1 ? '' : 's'}; ${items.filter((s) => s.at_risk).length} at risk.`),
      table([
        { key: 'name', label: 'Student', render: (s) => h('div', null,
          h('a', { href: `/tutor-room/students/${encodeURIComponent(s.id)}`, 'data-link': '' }, name(s)),
          h('div', { class: 'small muted' }, s.email)) },
        { key: 'mean_mastery', label: 'Mastery', render: (s) => h('div', null, h('span', { class: 'figure' }, pct(s.mean_mastery)),
          (s.weakest_topics || []).length ? h('div', { class: 'small muted' }, 'weakest: ',
            s.weakest_topics.map((t) => `${t.name} ${pct(t.mastery)}`).join(', ')) : null) },
        { key: 'last_activity', label: 'Last active', hideOnPhone: true, render: (s) => ago(s.last_activity) },
        { key: 'next_exam_date', label: 'Next exam', hideOnPhone: true, render: (s) => (s.next_exam_date
          ? h('span', null, h('span', { class: 'nowrap' }, s.next_exam_date),
            Number.isInteger(s.days_to_exam) ? ` (in ${s.days_to_exam} d)` : '') : '—') },
        { key: 'open_misconceptions', label: 'Misconceptions', numeric: true, hideOnPhone: true, render: (s) => String(s.open_misconceptions ?? 0) },
        { key: 'due_reviews', label: 'Due reviews', numeric: true, hideOnPhone: true, render: (s) => String(s.due_reviews ?? 0) },
        { key: 'at_risk', label: 'At risk', render: riskCell },
      ], items, { caption: 'Your students', captionHidden: true }))
    : emptyState('No students are assigned to you yet. An admin assigns students to tutors on the Users page of the admin room.');
  view.lastChild.replaceWith(body);
}

// ---- one student ----

async function renderStudent(view, id, signal) {
  view.append(pageHeader('Student'), roomNav(null), loading('Loading the student…'));
  const [stR, matR, misR, quizR] = await Promise.allSettled([
    api('GET', `/api/tutor/students/${encodeURIComponent(id)}`, { signal }),
    api('GET', '/api/materials', { query: { user_id: id, limit: 100 }, signal }),
    api('GET', '/api/misconceptions', { query: { user_id: id, status: 'open', limit: 50 }, signal }),
    api('GET', '/api/quizzes', { query: { user_id: id, limit: 10 }, signal }),
  ]);
  if (signal && signal.aborted) return;
  if (stR.status === 'rejected') {
    clear(view).append(pageHeader('Student'), roomNav(null), errorBox(stR.reason, { prefix: 'The student could not be loaded' }),
      h('p', null, h('a', { href: '/tutor-room', 'data-link': '' }, 'Back to your students')));
    return;
  }
  const s = stR.value;
  clear(view).append(pageHeader(name(s)), roomNav(null),
    h('p', { class: 'meta' }, h('span', null, s.email), h('span', null, `last active ${ago(s.last_activity)}`),
      h('span', null, s.next_exam_date ? `next exam ${s.next_exam_date}` : 'no exam ahead')));
  if (s.at_risk) {
    view.append(h('div', { class: 'notice notice-warning', role: 'note' }, h('strong', null, '⚠ At risk: '),
      h('ul', { class: 'risk-reasons' }, riskReasons(s).map((r) => h('li', null, r)))));
  }
  const figures = h('div', { class: 'grid' },
    h('div', { class: 'card' }, h('h2', null, 'Mean mastery'), h('p', { class: 'card-figure' }, pct(s.mean_mastery))),
    h('div', { class: 'card' }, h('h2', null, 'Open misconceptions'), h('p', { class: 'card-figure' }, String(s.open_misconceptions ?? 0))),
    h('div', { class: 'card' }, h('h2', null, 'Due reviews'), h('p', { class: 'card-figure' }, String(s.due_reviews ?? 0))),
    h('div', { class: 'card' }, h('h2', null, 'Sessions'), h('p', { class: 'card-figure' }, String(s.session_count ?? (s.sessions || []).length))));
  view.append(figures);

  const topics = (s.topics || []).map((t) => ({ label: t.name || t.topic, value: Number(t.mastery) || 0 }));
  view.append(h('section', { class: 'card', 'aria-labelledby': 'st-topics-h' }, h('h2', { id: 'st-topics-h' }, 'Mastery per topic'),
    topics.length ? bars(topics, { title: `Mastery per topic of ${name(s)}` })
      : emptyState('No topics yet: the student has no ready material in a session.')));

  const sessions = s.sessions || [];
  view.append(h('section', { 'aria-labelledby': 'st-sessions-h' }, h('h2', { id: 'st-sessions-h' }, 'Study sessions'),
    sessions.length ? table([
      { key: 'title', label: 'Session' },
      { key: 'exam_type', label: 'Exam', render: (x) => x.exam_type || '—' },
      { key: 'exam_date', label: 'Exam date' },
    ], sessions, { caption: 'Study sessions', captionHidden: true })
      : emptyState('No study session yet. The student creates one from their Sessions page.')));

  const quizBox = h('section', { 'aria-labelledby': 'st-quiz-h' }, h('h2', { id: 'st-quiz-h' }, 'Recent quizzes'));
  if (quizR.status === 'rejected') quizBox.append(errorBox(quizR.reason));
  else if (!(quizR.value.items || []).length) quizBox.append(emptyState('No quiz yet.'));
  else {
    quizBox.append(table([
      { key: 'created_at', label: 'Started', render: (x) => h('a', { href: `/quizzes/${encodeURIComponent(x.id)}`, 'data-link': '' },
        formatDateTime(x.created_at, zone())) },
      { key: 'topics', label: 'Topics', hideOnPhone: true, render: (x) => (x.topics || []).slice(0, 3).join(', ') || 'Mixed' },
      { key: 'score', label: 'Score', numeric: true, render: (x) => (x.submitted_at && x.score !== null && x.score !== undefined ? pct(x.score) : 'not submitted') },
    ], quizR.value.items, { caption: 'Recent quizzes', captionHidden: true }));
  }
  view.append(quizBox);

  const misBox = h('section', { 'aria-labelledby': 'st-mis-h' }, h('h2', { id: 'st-mis-h' }, 'Open misconceptions'));
  if (misR.status === 'rejected') misBox.append(errorBox(misR.reason));
  else if (!(misR.value.items || []).length) misBox.append(emptyState('No open misconception.'));
  else {
    misBox.append(h('ul', { class: 'next-steps' }, misR.value.items.map((m) => h('li', null,
      h('strong', null, m.topic), `: ${m.description}`, m.advice ? h('p', { class: 'hint' }, m.advice) : null))));
  }
  view.append(misBox);

  const matBox = h('section', { 'aria-labelledby': 'st-mat-h' }, h('h2', { id: 'st-mat-h' }, 'Materials'),
    h('p', { class: 'hint' }, 'With review on, questions written from a material wait for your approval before the student sees them.'));
  if (matR.status === 'rejected') matBox.append(errorBox(matR.reason));
  else if (!(matR.value.items || []).length) matBox.append(emptyState('The student has not uploaded any material yet.'));
  else {
    matBox.append(table([
      { key: 'title', label: 'Material', render: (m) => m.title || m.filename },
      { key: 'status', label: 'Status' },
      { key: 'review_generated', label: 'Review generated questions', render: (m) => reviewToggle(m, signal) },
    ], matR.value.items, { caption: 'Materials', captionHidden: true }));
  }
  view.append(matBox, h('p', null, h('a', { class: 'btn btn-secondary', href: '/tutor-room/questions', 'data-link': '' }, 'Questions to review')));
}

function reviewToggle(m, signal) {
  const id = uid('rev');
  const slot = h('div', { class: 'error-slot' });
  const box = h('input', { type: 'checkbox', id, checked: Boolean(m.review_generated) });
  box.addEventListener('change', async () => {
    const want = box.checked;
    box.disabled = true;
    showError(slot, null);
    try {
      await api('PATCH', `/api/materials/${encodeURIComponent(m.id)}`, { body: { review_generated: want }, signal });
      announce(want ? 'Generated questions now wait for review.' : 'Generated questions no longer wait for review.');
    } catch (err) {
      box.checked = !want;
      showError(slot, err, { prefix: 'Not changed' });
    } finally {
      box.disabled = false;
    }
  });
  return h('div', null, h('div', { class: 'check' }, box,
    h('label', { for: id }, `Review questions from ${m.title || m.filename}`)), slot);
}

// ---- question review ----

function optionsList(q) {
  return Array.isArray(q.options) && q.options.length
    ? h('ol', { class: 'review-options', type: 'A' }, q.options.map((o) => h('li', null, o))) : null;
}

function questionCard(q, ctx) {
  const headId = uid('qh');
  const slot = h('div', { class: 'error-slot' });
  const history = h('div', { class: 'versions' });
  const card = h('article', { class: 'card question-review', 'aria-labelledby': headId });
  const owner = ctx.students.get(q.owner_id);
  const matTitle = ctx.materials.get(q.material_id);

  function show() {
    replace(card,
      h('h2', { id: headId, class: 'question-review-stem' }, q.stem),
      h('p', { class: 'meta' },
        h('span', null, owner ? name(owner) : 'Student'),
        h('span', null, matTitle || 'Material'),
        q.topic ? h('span', null, q.topic) : null,
        q.format || q.type ? h('span', null, (q.format || q.type).replaceAll('_', ' ')) : null,
        h('span', null, `version ${q.version ?? 1}`)),
      optionsList(q),
      h('dl', { class: 'result-answers' },
        h('dt', null, 'Answer'), h('dd', null, q.answer || '—'),
        q.explanation ? h('dt', null, 'Explanation') : null, q.explanation ? h('dd', null, q.explanation) : null),
      q.quote ? h('figure', { class: 'result-source' }, h('blockquote', null, q.quote),
        h('figcaption', null, 'Source: ', [matTitle || 'Material', q.section ? `section ${q.section}` : null,
          q.page !== null && q.page !== undefined ? `page ${q.page}` : null].filter(Boolean).join(', '), ' ',
        button('Open the passage', () => openPassage({ material_id: q.material_id, material_title: matTitle, section: q.section,
          page: q.page, quote: q.quote }), { kind: 'ghost', label: `Open the passage of: ${q.stem}` }))) : null,
      h('div', { class: 'actions' },
        button('Approve', () => decide({ decision: 'approve' }, 'Approved'), { kind: 'primary', label: `Approve: ${q.stem}` }),
        button('Edit', () => edit(), { label: `Edit: ${q.stem}` }),
        button('Reject', () => decide({ decision: 'reject' }, 'Rejected'), { kind: 'danger', label: `Reject: ${q.stem}` }),
        button('Versions', () => versions(), { kind: 'ghost', label: `Versions of: ${q.stem}` })),
      slot, history);
  }

  async function decide(body, done) {
    showError(slot, null);
    try {
      await api('POST', `/api/questions/${encodeURIComponent(q.id)}/review`, { body, signal: ctx.signal });
      toast(`${done}: ${q.stem}`, 'success');
      announce(`${done}.`);
      const next = card.closest('li') && card.closest('li').nextElementSibling;
      card.closest('li').remove();
      ctx.onRemoved(next);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      showError(slot, err, { prefix: 'The review was not saved' });
    }
  }

  function edit() {
    const stem = field({ label: 'Question', name: 'stem', type: 'textarea', value: q.stem, required: true, rows: 3 });
    const options = field({ label: 'Options', name: 'options', type: 'textarea', rows: 4,
      value: Array.isArray(q.options) ? q.options.join('\n') : '', hint: 'One per line; leave empty for a question answered in words.' });
    const answer = field({ label: 'Answer', name: 'answer', value: q.answer, required: true });
    const explanation = field({ label: 'Explanation', name: 'explanation', type: 'textarea', value: q.explanation || '', rows: 2 });
    const formSlot = h('div', { class: 'error-slot' });
    const form = h('form', { class: 'form', 'aria-labelledby': headId, novalidate: true },
      h('h2', { id: headId }, 'Edit the question'),
      stem, options, answer, explanation,
      h('div', { class: 'actions' },
        button('Save and approve', null, { kind: 'primary', type: 'submit' }),
        button('Cancel', () => {
          show();
          const again = [...card.querySelectorAll('button')].find((b) => b.textContent === 'Edit');
          (again || card.querySelector('button')).focus();
        })),
      formSlot);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showError(formSlot, null);
      // Each empty field says so under itself, and the first one takes the focus.
      setFieldError(stem, stem.input.value.trim() ? null : 'Write the question.');
      setFieldError(answer, answer.input.value.trim() ? null : 'Write its answer.');
      const empty = [stem, answer].find((f) => !f.input.value.trim());
      if (empty) {
        empty.input.focus();
        return;
      }
      const body = editBody(q, { stem: stem.input.value, options: options.input.value, answer: answer.input.value,
        explanation: explanation.input.value });
      try {
        await api('POST', `/api/questions/${encodeURIComponent(q.id)}/review`, { body, signal: ctx.signal });
        toast('Saved and approved.', 'success');
        announce('Saved and approved.');
        const li = card.closest('li');
        const next = li && li.nextElementSibling;
        li.remove();
        ctx.onRemoved(next);
      } catch (err) {
        if (err && err.name === 'AbortError') return;
        showError(formSlot, err, { prefix: 'Not saved' });
      }
    });
    clear(card).append(form);
    stem.input.focus();
  }

  async function versions() {
    clear(history).append(loading('Loading earlier versions…'));
    try {
      const out = await api('GET', `/api/questions/${encodeURIComponent(q.id)}/versions`, { query: { limit: 20 }, signal: ctx.signal });
      const items = out.items || [];
      clear(history).append(h('h3', null, 'Earlier versions'), items.length
        ? h('ol', { class: 'version-list' }, items.map((v) => h('li', null,
          h('p', { class: 'meta' }, h('span', null, `version ${v.version}`), h('span', null, v.edited_at ? formatDateTime(v.edited_at, zone()) : ''),
            v.edited_by ? h('span', null, ctx.students.get(v.edited_by) ? name(ctx.students.get(v.edited_by)) : 'edited by a tutor') : null),
          h('p', null, v.stem), v.answer ? h('p', { class: 'hint' }, `Answer: ${v.answer}`) : null)))
        : h('p', { class: 'hint' }, 'No earlier version: the question is as it was written.'));
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      clear(history).append(errorBox(err, { prefix: 'The versions could not be loaded' }));
    }
  }

  show();
  return card;
}

async function renderQuestions(view, signal) {
  view.append(pageHeader('Questions to review'), roomNav('/tutor-room/questions'), loading('Loading questions awaiting review…'));
  const [qR, stR] = await Promise.allSettled([
    api('GET', '/api/questions', { query: { review_status: 'pending', limit: 100 }, signal }),
    api('GET', '/api/tutor/students', { query: { limit: 200 }, signal }),
  ]);
  if (signal && signal.aborted) return;
  if (qR.status === 'rejected') {
    view.lastChild.replaceWith(errorBox(qR.reason, { prefix: 'The questions could not be loaded' }));
    return;
  }
  const students = new Map(stR.status === 'fulfilled' ? (stR.value.items || []).map((s) => [s.id, s]) : []);
  const items = qR.value.items || [];
  const materials = new Map();
  await Promise.all([...new Set(items.map((q) => q.material_id).filter(Boolean))].map(async (mid) => {
    try {
      const m = await api('GET', `/api/materials/${encodeURIComponent(mid)}`, { signal });
      materials.set(mid, m.title || m.filename);
    } catch {
      // the title is a nicety; the card says "Material"
    }
  }));
  const empty = () => emptyState('No questions are waiting for review. They arrive here when a student\'s material has review turned on (on the student\'s page) and a quiz writes new questions from it.',
    h('a', { class: 'btn btn-secondary', href: '/tutor-room', 'data-link': '' }, 'Your students'));
  const status = h('p', { class: 'hint', role: 'status' });
  const list = h('ol', { class: 'question-queue' });
  const setStatus = () => {
    const n = list.children.length;
    status.textContent = `${n} question${n === 1 ? '' : 's'} awaiting review.`;
  };
  const ctx = {
    signal,
    students,
    materials,
    onRemoved(next) {
      setStatus();
      if (!list.children.length) list.replaceWith(empty());
      else if (next) {
        const b = next.querySelector('button');
        if (b) b.focus();
      }
    },
  };
  if (!items.length) {
    view.lastChild.replaceWith(empty());
    return;
  }
  for (const q of items) list.append(h('li', null, questionCard(q, ctx)));
  view.lastChild.replaceWith(h('div', null, status, list));
  setStatus();
}

export async function render(view, { params, signal }) {
  view.classList.add('room');
  const path = window.location.pathname.replace(/\/+$/, '');
  if (params && params.id) await renderStudent(view, params.id, signal);
  else if (path.endsWith('/questions')) await renderQuestions(view, signal);
  else await renderStudents(view, signal);
  return null;
}
