// The autopilot's decisions mapped to the pages that carry them out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepFor, whatNext, NO_SESSION } from '../../../web/lib/autopilot.js';

const SID = '0190c0de-0000-7000-8000-000000000001';

test('a review goes to the review page', () => {
  const s = stepFor({ activity: 'review', topic: null, reason: '3 reviews are overdue', next: { method: 'GET', path: '/api/reviews/due', body: null } });
  assert.equal(s.action, 'review');
  assert.equal(s.href, '/reviews');
  assert.equal(s.reason, '3 reviews are overdue');
  assert.equal(s.quiz, null);
});

test('a quiz carries the autopilot body for generate and falls back to the prefilled form', () => {
  const s = stepFor({
    activity: 'quiz', topic: 'Photosynthesis', reason: 'weakest topic',
    next: { method: 'POST', path: '/api/quiz/generate', body: { session_id: SID, topic: 'Photosynthesis', count: 5 } },
  });
  assert.deepEqual(s.quiz, { session_id: SID, topic: 'Photosynthesis', count: 5 });
  assert.equal(s.href, '/quizzes?topic=Photosynthesis&count=5');
  assert.equal(s.label, 'Take a quiz on Photosynthesis');
});

test('a misconception is a short quiz on its topic', () => {
  const s = stepFor({
    activity: 'misconception', topic: 'Cell wall', reason: 'you swapped two terms',
    next: { method: 'POST', path: '/api/quiz/generate', body: { session_id: SID, topic: 'Cell wall', count: 3 } },
  });
  assert.equal(s.quiz.count, 3);
  // URLSearchParams writes a space as +
  assert.equal(s.href, '/quizzes?topic=Cell+wall&count=3');
  assert.match(s.label, /misconception/);
});

test('a quiz without a topic (null in the body) still has a count and no topic key', () => {
  const s = stepFor({ activity: 'quiz', topic: null, reason: 'r', next: { body: { session_id: SID, topic: null, count: 5 } } });
  assert.equal(s.href, '/quizzes?count=5');
  assert.equal(s.quiz.topic, null);
});

test('learning goes to the tutor with the topic', () => {
  const s = stepFor({ activity: 'learn', topic: 'Krebs cycle & ATP', reason: 'planned today' });
  assert.equal(s.href, '/tutor?topic=Krebs%20cycle%20%26%20ATP');
});

test('break and done point at progress; unknown answers at sessions', () => {
  assert.equal(stepFor({ activity: 'break', reason: 'minutes spent' }).href, '/progress');
  assert.equal(stepFor({ activity: 'done', reason: 'exam over' }).href, '/progress');
  const u = stepFor({ activity: 'dance' });
  assert.equal(u.action, 'none');
  assert.equal(u.href, '/sessions');
  assert.ok(u.reason.length > 0);
  assert.equal(stepFor(null).action, 'none');
});

test('without a session whatNext asks for one and calls nothing', async () => {
  const r = await whatNext(null);
  assert.equal(r.href, NO_SESSION.href);
  assert.equal(r.action, 'none');
});

test('a quiz step makes the quiz and points at it; a refusal leaves the prefilled form and says why', async (t) => {
  const calls = [];
  let refuse = false;
  const decision = {
    activity: 'quiz', topic: 'Inodes', reason: 'Inodes is your weakest topic.',
    next: { method: 'POST', path: '/api/quiz/generate', body: { session_id: SID, topic: 'Inodes', count: 5 } },
  };
  const realFetch = globalThis.fetch;
  globalThis.document = { cookie: 'em_csrf=tok' };
  globalThis.fetch = async (url, init) => {
    calls.push({ url, method: init.method, body: init.body && JSON.parse(init.body), csrf: init.headers['X-CSRF-Token'] });
    const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    if (url.endsWith('/autopilot/next')) return json(200, decision);
    if (refuse) return json(422, { error: { code: 'validation_error', message: 'no questions are ready yet' } });
    return json(201, { id: 'q-1', questions: [] });
  };
  t.after(() => { globalThis.fetch = realFetch; delete globalThis.document; });

  const made = await whatNext(SID);
  assert.equal(made.href, '/quizzes/q-1');
  assert.equal(made.reason, 'Inodes is your weakest topic.');
  assert.equal(calls[0].url, `/api/sessions/${SID}/autopilot/next`);
  assert.equal(calls[0].csrf, 'tok');
  assert.deepEqual(calls[1].body, { session_id: SID, topic: 'Inodes', count: 5 });

  refuse = true;
  const refused = await whatNext(SID);
  assert.equal(refused.href, '/quizzes?topic=Inodes&count=5');
  assert.equal(refused.note, 'no questions are ready yet');
  assert.match(refused.reason, /^Inodes is your weakest topic\. The quiz could not be made yet \(no questions are ready yet\)/);

  const plain = await whatNext(SID, { makeQuiz: false });
  assert.equal(plain.href, '/quizzes?topic=Inodes&count=5');
  assert.equal(calls.length, 5); // two calls each for the first two, one for the last
});
