// views/session.js: what a plan that does not fit needs, said once and readably.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planNeeds } from '../../../web/views/session.js';

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
