// One study session: the exam and its countdown, "What next?", the verified plan as a
// timeline with today marked (days in the student's time zone), the verification
// report, regenerate, the .ics download, and mastery per topic.

import { h, add, replace } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { button, errorBox, emptyState, confirmDialog, toast, announce, pageHeader } from '../lib/ui.js';
import { navigate, refresh } from '../lib/router.js';
import { sessionForm, makePlanFor } from './sessions.js';
import { setSessionId } from '../lib/store.js';
import { reloadSessions, currentPlan } from '../lib/sessions.js';
import { whatNextControl } from '../lib/nextstep.js';
import { localDate, countdownDays, formatDay, relativeDays } from '../lib/dates.js';
import { timeline, bars } from '../lib/chart.js';

// A plan made just before this page opened (by the create form), so it is not asked
// for again: sessionId -> {value} | {error}.
const primed = new Map();

export function primePlan(sessionId, result) {
  primed.set(sessionId, result);
}

const RULES = {
  coverage: 'Every topic is studied before the exam',
  budget: 'No day goes over the daily minutes',
  calendar: 'Only study days, no free dates, nothing after the exam',
  reviews: 'Reviews are spaced after each topic',
  revision: 'Time is kept for revision before the exam',
  order: 'Topics follow the order of the material',
};

function settle(p) {
  return p.then((value) => ({ value }), (error) => ({ error }));
}

function verificationReport(v) {
  if (!v) return null;
  const constraints = v.constraints || [];
  return h('section', { class: 'card', 'aria-labelledby': 'verify-h' },
    h('h2', { id: 'verify-h' }, 'Verification ', v.ok ? h('span', { class: 'badge badge-success' }, 'all checks pass') : h('span', { class: 'badge badge-danger' }, 'problems found')),
    h('ul', { class: 'checks' }, constraints.map((c) => h('li', { class: c.ok ? 'check-ok' : 'check-bad' },
      RULES[c.rule] || c.rule, h('span', { class: 'muted small' }, ` (${c.rule})`),
      c.violations && c.violations.length
        ? h('ul', null, c.violations.map((x) => h('li', { class: 'small' }, x.day ? `${formatDay(x.day)}: ` : '', x.message)))
        : null))));
}

function planDays(plan, today, materialTitles) {
  const refYear = Number(today.slice(0, 4));
  return h('ol', { class: 'plan-days', 'aria-label': 'Plan by day' }, (plan.days || []).map((d) => {
    const isToday = d.date === today;
    return h('li', {
      class: ['plan-day', isToday ? 'is-today' : '', d.date < today ? 'is-past' : ''],
      'aria-current': isToday ? 'date' : null,
    },
    h('div', { class: 'plan-date' }, h('time', { datetime: d.date }, formatDay(d.date, { refYear })), isToday ? h('div', null, h('span', { class: 'badge badge-accent' }, 'Today')) : null),
    h('ul', null, (d.items || []).map((it) => h('li', null,
      h('span', { class: it.kind === 'review' ? 'badge badge-warning' : it.kind === 'revision' ? 'badge' : 'badge badge-accent' },
        it.kind === 'review' ? 'Review' : it.kind === 'revision' ? 'Revision' : 'Study'),
      ' ', it.topic || 'Revision', it.part && it.part > 1 ? ` (part ${it.part})` : '',
      h('span', { class: 'muted small' }, ` · ${it.minutes} min${materialTitles.get(it.material_id) ? ` · ${materialTitles.get(it.material_id)}` : ''}`)))),
    h('div', { class: 'num small muted' }, `${d.minutes} min`));
  }));
}

/**
 * What a refused plan needs, in one sentence, from the error's details
 * (min_daily_minutes, earliest_exam_date); null when it gives none. Dates in
 * another year than refYear say their year.
 */
export function planNeeds(details, refYear) {
  const d = details || {};
  const parts = [];
  if (d.min_daily_minutes) parts.push(`at least ${d.min_daily_minutes} minutes a day`);
  if (d.earliest_exam_date) parts.push(`an exam on ${formatDay(d.earliest_exam_date, { refYear })} or later`);
  if (!parts.length) return null;
  return `Your topics do not fit before the exam: the plan needs ${parts.join(', or ')}.`;
}

function planError(err, refYear, onEdit) {
  const details = err.body && err.body.error ? err.body.error : {};
  const needs = planNeeds(details, refYear);
  let hint = null;
  if (err.code === 'no_ready_material') hint = h('p', null, h('a', { href: '/materials', 'data-link': '' }, 'Upload or wait for a material'), ', then make the plan again.');
  else if (needs && onEdit) hint = h('p', null, 'Give it more minutes a day, more study days or a later exam date, or fewer materials. ', button('Change the session', onEdit));
  return h('div', null,
    errorBox(needs ? { message: needs, requestId: err.requestId } : err, { prefix: needs ? null : 'The plan could not be made' }),
    hint);
}

export const TOPICS_SHOWN = 12;

/**
 * The session's topics in document order, split for the page: the first
 * TOPICS_SHOWN, and the rest (a long manual has hundreds) behind a disclosure.
 */
export function splitTopics(topics, shown = TOPICS_SHOWN) {
  const all = topics || [];
  return { first: all.slice(0, shown), rest: all.slice(shown) };
}

function topicBars(topics) {
  const { first, rest } = splitTopics(topics);
  const item = (t) => ({ label: t.name, value: t.mastery || 0 });
  return h('div', null,
    bars(first.map(item), { title: rest.length ? `Mastery of the first ${first.length} topics` : 'Mastery by topic' }),
    rest.length ? h('details', null, h('summary', null, `The other ${rest.length} topics`),
      bars(rest.map(item), { title: `Mastery of the other ${rest.length} topics` })) : null);
}

export async function render(main, { params, user, signal }) {
  const id = params.id;
  const today = localDate(new Date(), user.time_zone);
  const sessionPromise = settle(api('GET', `/api/sessions/${id}`, { query: { include: 'plan' }, signal }));
  const planPromise = primed.has(id) ? Promise.resolve(primed.get(id)) : sessionPromise.then(currentPlan);
  primed.delete(id);
  const [sRes, planRes, mRes] = await Promise.all([
    sessionPromise,
    planPromise,
    settle(api('GET', '/api/materials', { query: { limit: 100 }, signal })),
  ]);
  if (sRes.error) {
    if (sRes.error.status === 404) {
      add(main, h('h1', null, 'Session not found'), emptyState('It may have been deleted.', h('a', { href: '/sessions', 'data-link': '' }, 'All sessions')));
      return;
    }
    throw sRes.error;
  }
  const s = sRes.value;
  if (s.user_id === user.id) setSessionId(s.id);
  const materialTitles = new Map(((mRes.value && mRes.value.items) || []).map((m) => [m.id, m.title || m.filename]));
  const days = countdownDays(s.exam_date, today);

  const ics = h('a', { class: 'btn', href: `/api/sessions/${id}/plan.ics`, download: `${s.title.replace(/[^\w.-]+/g, '_')}.ics` }, 'Download .ics');
  const planSlot = h('div', { class: 'plan-slot' });
  const verifySlot = h('div');

  function showPlan(result) {
    replace(verifySlot);
    ics.hidden = Boolean(result.error || result.none); // the calendar is the plan's
    if (result.error || result.none) {
      if (result.none || result.error.status === 404) {
        replace(planSlot, emptyState('No plan yet. Make one: it spreads your topics over your study days and checks itself.',
          button('Make the plan', regenerate, { kind: 'primary' })));
      } else replace(planSlot, planError(result.error, Number(today.slice(0, 4)), () => editBtn.click()));
      return;
    }
    const data = result.value;
    const plan = data.plan || data;
    const studyDays = (plan.days || []).filter((d) => d.minutes > 0);
    replace(planSlot,
      h('p', { class: 'meta' },
        h('span', null, `${studyDays.length} study day${studyDays.length === 1 ? '' : 's'}`),
        plan.study_minutes !== undefined ? h('span', null, `${plan.study_minutes} min study`) : null,
        plan.review_minutes !== undefined ? h('span', null, `${plan.review_minutes} min reviews`) : null,
        plan.revision_minutes !== undefined ? h('span', null, `${plan.revision_minutes} min revision`) : null,
        plan.created_at ? h('span', null, `made ${formatDay(localDate(new Date(plan.created_at), user.time_zone))}`) : null),
      timeline(plan.days || [], { today, budget: s.daily_minutes, title: 'Minutes planned per day' }),
      planDays(plan, today, materialTitles));
    replace(verifySlot, verificationReport(data.verification));
  }

  async function regenerate() {
    try {
      const res = await api('POST', '/api/plan/generate-verified', { body: { session_id: id } });
      showPlan({ value: res });
      const msg = res.cached ? 'The plan is unchanged (same inputs as the last one).' : 'A new plan is ready.';
      toast(msg, 'success');
      announce(msg);
    } catch (err) {
      showPlan({ error: err.status === 404 ? Object.assign(err, { status: 422 }) : err });
    }
  }

  async function remove() {
    const ok = await confirmDialog(`Delete "${s.title}" with its plans and tutor chat?`, { confirmLabel: 'Delete', title: 'Delete session?' });
    if (!ok) return;
    try {
      await api('DELETE', `/api/sessions/${id}`);
      await reloadSessions();
      toast('Session deleted.', 'success');
      navigate('/sessions');
    } catch (err) {
      toast(err.message, 'danger');
    }
  }

  // Changing the session: the same form, then a new plan for the new inputs.
  const editSlot = h('div');
  const editBtn = button('Edit session', () => {
    editBtn.hidden = true;
    const cancel = button('Cancel', () => {
      replace(editSlot);
      editBtn.hidden = false;
      editBtn.focus();
    }, { kind: 'ghost' });
    replace(editSlot, h('section', { 'aria-labelledby': 'edit-h' }, h('h2', { id: 'edit-h' }, 'Edit session'),
      sessionForm({
        today,
        materialsRes: mRes,
        initial: s,
        submitLabel: 'Save and make a new plan',
        cancel,
        onSubmit: async (body) => {
          await api('PATCH', `/api/sessions/${id}`, { body });
          reloadSessions().catch(() => {});
          await makePlanFor(id);
          toast('Session saved.', 'success');
          refresh();
        },
      })));
    const first = editSlot.querySelector('input');
    if (first) first.focus();
  });
  add(main,
    h('p', { class: 'small' }, h('a', { href: '/sessions', 'data-link': '' }, '← Study sessions')),
    pageHeader(s.title, button('Regenerate plan', regenerate), ics, editBtn, button('Delete', remove, { kind: 'ghost', label: `Delete session ${s.title}` })),
    editSlot,
    h('p', { class: 'meta' },
      h('span', null, `Exam ${formatDay(s.exam_date, { refYear: Number(today.slice(0, 4)) })} (${relativeDays(days)})`),
      s.exam_type ? h('span', null, s.exam_type.replace('_', ' ')) : null,
      h('span', null, `${s.daily_minutes} min a day`),
      h('span', null, (s.study_days || []).join(', ')),
      s.free_dates && s.free_dates.length ? h('span', null, `${s.free_dates.length} day${s.free_dates.length === 1 ? '' : 's'} off`) : null),
    whatNextControl({ getSessionId: () => id, mode: 'inline', large: true }),
    h('section', { class: 'card', 'aria-labelledby': 'plan-h' }, h('h2', { id: 'plan-h' }, 'Plan'), planSlot),
    verifySlot);
  if (s.topics && s.topics.length) {
    add(main, h('section', { class: 'card', 'aria-labelledby': 'topics-h' },
      h('h2', { id: 'topics-h' }, 'Mastery by topic'),
      topicBars(s.topics)));
  }
  showPlan(planRes);
}
