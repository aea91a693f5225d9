// The dashboard: today's planned topics, due reviews, open misconceptions, the exam
// countdown and one primary button, "What next?". Its requests go out together.

import { h, add } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { emptyState, errorBox } from '../lib/ui.js';
import { getState, subscribe } from '../lib/store.js';
import { refresh } from '../lib/router.js';
import { reloadSessions, currentPlan } from '../lib/sessions.js';
import { whatNextControl } from '../lib/nextstep.js';
import { localDate, countdownDays, formatDay, relativeDays } from '../lib/dates.js';
import { bars } from '../lib/chart.js';

function settle(promise) {
  return promise.then((value) => ({ value }), (error) => ({ error }));
}

function card(title, ...children) {
  const id = `card-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

function countdownCard(session, today) {
  const days = countdownDays(session.exam_date, today);
  const when = formatDay(session.exam_date, { refYear: Number(today.slice(0, 4)) });
  let figure;
  if (days > 1) figure = `${days} days`;
  else if (days === 1) figure = '1 day';
  else if (days === 0) figure = 'Today';
  else figure = 'Over';
  return card('Exam countdown',
    h('p', { class: 'card-figure' }, figure),
    h('p', { class: 'muted small' }, `${session.title}${session.exam_type ? ` (${session.exam_type})` : ''}: ${when}`,
      days >= 0 ? '' : ` (${relativeDays(days)})`));
}

function todayCard(planRes, session, today) {
  if (planRes.error || planRes.none) {
    if (planRes.none || planRes.error.status === 404) {
      return card('Today\'s plan', emptyState('No plan yet for this session.',
        h('a', { class: 'btn btn-primary', href: `/sessions/${session.id}`, 'data-link': '' }, 'Make the plan')));
    }
    return card('Today\'s plan', errorBox(planRes.error));
  }
  const plan = planRes.value.plan || planRes.value;
  const day = (plan.days || []).find((d) => d.date === today);
  if (!day || !day.items || !day.items.length) {
    const next = (plan.days || []).find((d) => d.date > today);
    return card('Today\'s plan', h('p', null, 'Nothing planned today.'),
      next ? h('p', { class: 'small muted' }, `Next study day: ${formatDay(next.date)} (${next.minutes} min).`) : null);
  }
  return card('Today\'s plan',
    h('p', { class: 'small muted' }, `${day.minutes} min planned`),
    h('ul', { class: 'today-items' }, day.items.map((it) => h('li', null,
      h('span', { class: it.kind === 'review' ? 'badge badge-warning' : 'badge badge-accent' }, it.kind === 'review' ? 'Review' : 'Study'),
      ' ', it.topic, h('span', { class: 'muted small' }, ` · ${it.minutes} min`)))),
    h('a', { href: `/sessions/${session.id}`, 'data-link': '' }, 'See the whole plan'));
}

function reviewsCard(res) {
  if (res.error) return card('Due reviews', errorBox(res.error));
  const due = res.value.due_count ?? (res.value.cards || []).length;
  const overdue = res.value.overdue_count || 0;
  return card('Due reviews',
    h('p', { class: 'card-figure' }, String(due)),
    h('p', { class: 'small muted' }, due ? `${overdue} overdue` : 'Nothing due today. Cards appear here after quizzes.'),
    due ? h('a', { class: 'btn', href: '/reviews', 'data-link': '' }, 'Review now') : null);
}

function misconceptionsCard(res) {
  if (res.error) return card('Open misconceptions', errorBox(res.error));
  const items = res.value.items || [];
  if (!items.length) return card('Open misconceptions', h('p', { class: 'muted small' }, 'None open. Quizzes find them when answers show a pattern.'));
  return card('Open misconceptions',
    h('ul', null, items.slice(0, 3).map((m) => h('li', null, h('strong', null, m.topic || 'General'), ': ', m.description || m.kind,
      m.advice ? h('div', { class: 'small muted' }, m.advice) : null))),
    h('a', { href: '/progress', 'data-link': '' }, `See all ${items.length}`));
}

export async function render(main, { user, signal }) {
  // The requests go out first; the local date (Intl) is worked out while they run.
  let sessionId = getState().sessionId;
  const reviews = settle(api('GET', '/api/reviews/due', { query: { limit: 50 }, signal }));
  const misconceptions = settle(api('GET', '/api/misconceptions', { query: { status: 'open', limit: 20 }, signal }));
  if (!sessionId) {
    const list = await reloadSessions();
    sessionId = list.length ? list[0].id : null;
  }
  const pending = Promise.all([
    sessionId ? settle(api('GET', `/api/sessions/${sessionId}`, { query: { include: 'plan' }, signal })) : Promise.resolve({ value: null }),
    reviews,
    misconceptions,
  ]);
  const today = localDate(new Date(), user.time_zone);
  const [sessionRes, reviewsRes, miscRes] = await pending;
  const planRes = currentPlan(sessionRes);
  const name = user.display_name ? `, ${user.display_name.split(' ')[0]}` : '';
  add(main, h('h1', null, `Today${name}`));
  const session = sessionRes.value;
  add(main, whatNextControl({ getSessionId: () => getState().sessionId || sessionId, mode: 'inline', large: true }));
  const grid = h('div', { class: 'grid dashboard-grid' });
  if (sessionRes.error) {
    add(grid, card('Study session', errorBox(sessionRes.error)));
  } else if (!session) {
    add(grid, card('Study session', emptyState('Create a study session: your exam date, the days you study and your materials. The plan follows.',
      h('a', { class: 'btn btn-primary', href: '/sessions/new', 'data-link': '' }, 'New study session'))));
  } else {
    add(grid, countdownCard(session, today), todayCard(planRes, session, today));
  }
  add(grid, reviewsCard(reviewsRes), misconceptionsCard(miscRes));
  add(main, grid);
  if (session && session.topics && session.topics.length) {
    add(main, h('section', { class: 'card', 'aria-labelledby': 'mastery-h' },
      h('h2', { id: 'mastery-h' }, 'Mastery by topic'),
      bars(session.topics.slice(0, 12).map((t) => ({ label: t.name, value: t.mastery || 0 })), { title: 'Mastery by topic' }),
      h('a', { href: '/progress', 'data-link': '' }, 'All topics and accuracy')));
  }
  // Another session picked in the top bar: show its day instead.
  return subscribe((state) => {
    if (state.sessionId && state.sessionId !== sessionId) refresh();
  });
}
