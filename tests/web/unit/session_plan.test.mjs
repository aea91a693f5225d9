// views/session.js: what a plan that does not fit needs, said once and readably;
// a long list of topics split for the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planNeeds, splitTopics, TOPICS_SHOWN } from '../../../web/views/session.js';

test('a plan that does not fit says the minutes and the exam date it needs, with the year when it is another', () => {
  assert.equal(planNeeds({ code: 'plan_infeasible', min_daily_minutes: 317, earliest_exam_date: '2027-01-26' }, 2026),
    'Your topics do not fit before the exam: the plan needs at least 317 minutes a day, or an exam on Tue 26 Jan 2027 or later.');
  assert.equal(planNeeds({ min_daily_minutes: 90 }, 2026),
    'Your topics do not fit before the exam: the plan needs at least 90 minutes a day.');
  assert.equal(planNeeds({ earliest_exam_date: '2026-12-30' }, 2026),
    'Your topics do not fit before the exam: the plan needs an exam on Wed 30 Dec or later.');
});

test('an error without those details needs no sentence of its own', () => {
  assert.equal(planNeeds({ code: 'no_ready_material', message: 'x' }, 2026), null);
  assert.equal(planNeeds(undefined, 2026), null);
});

test('a session with hundreds of topics shows the first ones and keeps the rest behind a disclosure', () => {
  const topics = Array.from({ length: 483 }, (_, i) => ({ name: `T${i}`, mastery: 0 }));
  const { first, rest } = splitTopics(topics);
  assert.equal(first.length, TOPICS_SHOWN);
  assert.equal(rest.length, 483 - TOPICS_SHOWN);
  assert.equal(rest[0].name, `T${TOPICS_SHOWN}`);
  assert.deepEqual(splitTopics(topics.slice(0, 5)), { first: topics.slice(0, 5), rest: [] });
  assert.deepEqual(splitTopics(undefined), { first: [], rest: [] });
});
