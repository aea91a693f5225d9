import { test } from 'node:test';
import assert from 'node:assert/strict';
import { route, match, safeNext } from '../../../web/lib/router.js';

const load = () => Promise.resolve({});
route('/sessions', load, { title: 'Study sessions' });
route('/sessions/new', load, { title: 'New study session' });
route('/sessions/:id', load, { title: 'Study session' });
route('/tutor-room/students/:id', load, { roles: ['tutor', 'admin'] });

test('patterns match whole paths and name their parameters', () => {
  assert.equal(match('/sessions').route.title, 'Study sessions');
  assert.equal(match('/sessions/').route.title, 'Study sessions');
  // the literal route registered first wins over the parameter
  assert.equal(match('/sessions/new').route.title, 'New study session');
  const m = match('/sessions/01a2-b3');
  assert.equal(m.route.title, 'Study session');
  assert.deepEqual(m.params, { id: '01a2-b3' });
  assert.deepEqual(match('/tutor-room/students/a%20b').params, { id: 'a b' });
  assert.deepEqual(match('/tutor-room/students/7').route.roles, ['tutor', 'admin']);
  assert.equal(match('/sessions/1/extra'), null);
  assert.equal(match('/nowhere'), null);
});

test('safeNext follows same-site paths only, never back to the auth pages', () => {
  assert.equal(safeNext('/sessions/1?tab=plan'), '/sessions/1?tab=plan');
  assert.equal(safeNext(''), '/');
  assert.equal(safeNext(null), '/');
  assert.equal(safeNext('https://evil.example/'), '/');
  assert.equal(safeNext('//evil.example/'), '/');
  assert.equal(safeNext('/\\evil.example/'), '/'); // browsers read /\ as //
  assert.equal(safeNext('/login?next=/x'), '/');
  assert.equal(safeNext('/signup'), '/');
});
