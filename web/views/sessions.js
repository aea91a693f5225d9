// Study sessions: the list (/sessions) and the form that creates one (/sessions/new):
// exam, type, date, daily minutes, study days, free dates and materials. Creating one
// makes its verified plan at once and opens it.

import { h, add, replace } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { button, field, table, errorBox, emptyState, loading, setFieldError, showError, pageHeader, announce } from '../lib/ui.js';
import { navigate } from '../lib/router.js';
import { setSessionId } from '../lib/store.js';
import { reloadSessions } from '../lib/sessions.js';
import { localDate, countdownDays, formatDay, relativeDays } from '../lib/dates.js';
import { primePlan } from './session.js';

const DAYS = [['mon', 'Mon'], ['tue', 'Tue'], ['wed', 'Wed'], ['thu', 'Thu'], ['fri', 'Fri'], ['sat', 'Sat'], ['sun', 'Sun']];
const EXAM_TYPES = [
  { value: 'written', label: 'Written' },
  { value: 'multiple_choice', label: 'Multiple choice' },
  { value: 'oral', label: 'Oral' },
  { value: 'practical', label: 'Practical' },
  { value: 'other', label: 'Other' },
];

async function renderList(main, { user, signal }) {
  const today = localDate(new Date(), user.time_zone);
  add(main, pageHeader('Study sessions', h('a', { class: 'btn btn-primary', href: '/sessions/new', 'data-link': '' }, 'New session')));
  const slot = h('div', null, loading('Loading sessions…'));
  add(main, slot);
  const items = await reloadSessions();
  if (signal.aborted) return;
  if (!items.length) {
    replace(slot, emptyState('No study sessions yet. Create one: pick your exam date, the days you study and your materials, and a verified plan follows.',
      h('a', { class: 'btn', href: '/sessions/new', 'data-link': '' }, 'Create your first session')));
    return;
  }
  replace(slot, table([
    { key: 'title', label: 'Session', render: (x) => h('a', { href: `/sessions/${x.id}`, 'data-link': '' }, x.title) },
    { key: 'exam_date', label: 'Exam', render: (x) => `${formatDay(x.exam_date, { refYear: Number(today.slice(0, 4)) })} (${relativeDays(countdownDays(x.exam_date, today))})` },
    { key: 'exam_type', label: 'Type', hideOnPhone: true, render: (x) => (EXAM_TYPES.find((t) => t.value === x.exam_type) || { label: x.exam_type || '' }).label },
    { key: 'daily_minutes', label: 'Daily minutes', numeric: true },
    { key: 'materials', label: 'Materials', numeric: true, hideOnPhone: true, render: (x) => (x.material_ids || []).length },
  ], items, { caption: 'Your study sessions', captionHidden: true }));
}

function freeDatesControl(today, initial) {
  const dates = new Set(initial || []);
  const list = h('ul', { class: 'chips', 'aria-label': 'Free dates' });
  const input = field({ label: 'Day off (no study)', name: 'free_date', type: 'date', min: today });
  const draw = () => {
    replace(list, [...dates].sort().map((d) => h('li', null, h('button', {
      type: 'button', class: 'chip', 'aria-label': `Remove ${formatDay(d)}`,
      'on:click': () => { dates.delete(d); draw(); },
    }, `${formatDay(d)} ✕`))));
  };
  const addBtn = button('Add day off', () => {
    const v = input.input.value;
    setFieldError(input, null);
    if (!v) { setFieldError(input, 'Pick a date first.'); return; }
    dates.add(v);
    input.input.value = '';
    draw();
  });
  draw();
  const el = h('fieldset', { class: 'fieldset' }, h('legend', null, 'Free dates'),
    h('p', { class: 'hint' }, 'Days you cannot study (holidays, other exams).'),
    h('div', { class: 'composer' }, input, addBtn), list);
  return { el, values: () => [...dates].sort() };
}

/**
 * The session form, for a new session and for changing one:
 * sessionForm({today, materialsRes ({value}|{error}), initial (a session or null),
 * submitLabel, cancel (a Node), onSubmit(body) -> Promise}). Checks what it can
 * before sending; errors of onSubmit appear above its buttons.
 */
export function sessionForm({ today, materialsRes, initial, submitLabel, cancel, onSubmit }) {
  const init = initial || {};
  const title = field({ label: 'Exam', name: 'title', required: true, value: init.title || '', placeholder: 'e.g. Python 101 final', hint: 'What you are studying for.' });
  const type = field({ label: 'Exam type', name: 'exam_type', type: 'select', value: init.exam_type || 'written', options: EXAM_TYPES });
  const date = field({ label: 'Exam date', name: 'exam_date', type: 'date', required: true, min: today, value: init.exam_date || '' });
  const minutes = field({ label: 'Minutes a day', name: 'daily_minutes', type: 'number', min: 1, max: 1440, step: 1, value: init.daily_minutes || 60, required: true });
  const chosenDays = init.study_days ? new Set(init.study_days) : new Set(['mon', 'tue', 'wed', 'thu', 'fri']);
  const dayBoxes = DAYS.map(([value]) => h('input', { type: 'checkbox', name: 'study_days', value, id: `day-${value}`, checked: chosenDays.has(value) }));
  const daysError = h('p', { class: 'field-error', id: 'days-error', hidden: true });
  const daysSet = h('fieldset', { class: 'fieldset' }, h('legend', null, 'Study days'),
    DAYS.map(([value, label], i) => h('label', { class: 'check', for: `day-${value}` }, dayBoxes[i], label)),
    daysError);
  const free = freeDatesControl(today, init.free_dates);
  let materialBoxes = [];
  let materialsSet;
  if (materialsRes.error) {
    materialsSet = errorBox(materialsRes.error);
  } else {
    const items = materialsRes.value.items || [];
    const chosen = init.material_ids ? new Set(init.material_ids) : null;
    materialBoxes = items.map((m) => h('input', {
      type: 'checkbox', name: 'material_ids', value: m.id, id: `mat-${m.id}`,
      checked: chosen ? chosen.has(m.id) : m.status === 'ready', disabled: m.status === 'failed',
    }));
    materialsSet = h('fieldset', { class: 'fieldset' }, h('legend', null, 'Materials'),
      items.length
        ? items.map((m, i) => h('div', null, h('label', { class: 'check', for: `mat-${m.id}` }, materialBoxes[i], m.title || m.filename,
          m.status !== 'ready' ? h('span', { class: 'muted small' }, ` (${m.status})`) : null)))
        : emptyState('No materials yet: the plan is made from them.', h('a', { href: '/materials', 'data-link': '' }, 'Upload materials first')));
  }
  const errors = h('div');
  const submit = button(submitLabel, null, { kind: 'primary', type: 'submit' });
  const form = h('form', { class: 'card', novalidate: true },
    h('div', { class: 'form-grid' }, title, type, date, minutes),
    daysSet, free.el, materialsSet, errors,
    h('div', { class: 'actions' }, submit, cancel || null));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(errors, null);
    [title, date, minutes].forEach((f) => setFieldError(f, null));
    daysError.hidden = true;
    const studyDays = dayBoxes.filter((b) => b.checked).map((b) => b.value);
    const mins = Number(minutes.input.value);
    let bad = null;
    if (!title.input.value.trim()) { setFieldError(title, 'Name the exam.'); bad = bad || title.input; }
    if (!date.input.value) { setFieldError(date, 'Pick the exam date.'); bad = bad || date.input; } else if (date.input.value < today) { setFieldError(date, 'The exam date is in the past.'); bad = bad || date.input; }
    if (!Number.isInteger(mins) || mins < 1 || mins > 1440) { setFieldError(minutes, 'A whole number of minutes from 1 to 1440.'); bad = bad || minutes.input; }
    if (!studyDays.length) { daysError.textContent = 'Pick at least one study day.'; daysError.hidden = false; bad = bad || dayBoxes[0]; }
    if (bad) { bad.focus(); return; }
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    try {
      await onSubmit({
        title: title.input.value.trim(), exam_type: type.input.value, exam_date: date.input.value,
        daily_minutes: mins, study_days: studyDays, free_dates: free.values(),
        material_ids: materialBoxes.filter((b) => b.checked).map((b) => b.value),
      });
    } catch (err) {
      showError(errors, err);
    } finally {
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
    }
  });
  return form;
}

/** Makes the session's plan and keeps it for the session page about to open. */
export async function makePlanFor(sessionId) {
  try {
    primePlan(sessionId, { value: await api('POST', '/api/plan/generate-verified', { body: { session_id: sessionId } }) });
  } catch (err) {
    primePlan(sessionId, { error: err });
  }
}

async function renderNew(main, { user, signal }) {
  const today = localDate(new Date(), user.time_zone);
  add(main, h('p', { class: 'small' }, h('a', { href: '/sessions', 'data-link': '' }, '← Study sessions')), h('h1', null, 'New study session'));
  const materialsRes = await api('GET', '/api/materials', { query: { limit: 100 }, signal }).then((v) => ({ value: v }), (error) => ({ error }));
  add(main, sessionForm({
    today,
    materialsRes,
    initial: null,
    submitLabel: 'Create session',
    cancel: h('a', { class: 'btn btn-ghost', href: '/sessions', 'data-link': '' }, 'Cancel'),
    onSubmit: async (body) => {
      const session = await api('POST', '/api/sessions', { body });
      setSessionId(session.id);
      reloadSessions().catch(() => {});
      announce('Session created; making the plan.');
      await makePlanFor(session.id);
      navigate(`/sessions/${session.id}`);
    },
  }));
}

export async function render(main, ctx) {
  if (window.location.pathname === '/sessions/new') return renderNew(main, ctx);
  return renderList(main, ctx);
}
