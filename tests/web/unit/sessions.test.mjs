// lib/sessions.js: the plan part of a session read with ?include=plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentPlan } from '../../../web/lib/sessions.js';

test('a session with a plan gives the plan and its verification', () => {
  const current = { plan: { id: 'p1', days: [] }, verification: { ok: true } };
  assert.deepEqual(currentPlan({ value: { id: 's1', plan_id: 'p1', current_plan: current } }), { value: current });
});

test('a session without a plan gives none, not an error', () => {
  assert.deepEqual(currentPlan({ value: { id: 's1', plan_id: null, current_plan: null } }), { none: true });
});

test('a session that could not be read passes its error on', () => {
  const error = { status: 404, code: 'not_found' };
  assert.deepEqual(currentPlan({ error }), { error });
});
