// The pure parts of the quiz pages: what is submitted, how a source reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answersFor, sourceLabel, scoreText, isChoice } from '../../../web/views/quiz.js';
import { generateBody, topicsText } from '../../../web/views/quizzes.js';

const qs = [{ id: 'a', type: 'cloze' }, { id: 'b', type: 'multiple_choice', options: ['x', 'y'] }, { id: 'c', type: 'cloze' }];

test('blank and missing answers are left out, text is trimmed, quiz order kept', () => {
  const answers = new Map([['c', '  inode '], ['a', '   '], ['b', 'y']]);
  assert.deepEqual(answersFor(qs, answers), [
    { question_id: 'b', answer: 'y' },
    { question_id: 'c', answer: 'inode' },
  ]);
});

test('seconds are rounded to tenths and capped at a day', () => {
  const out = answersFor(qs, new Map([['a', 'x'], ['b', 'y']]), new Map([['a', 12.345], ['b', 90000]]));
  assert.equal(out[0].seconds, 12.3);
  assert.equal(out[1].seconds, 86400);
});

test('a source names material, section and page; page 0 is kept', () => {
  assert.equal(sourceLabel({ section: '2.1 Inodes', page: 4 }, 'Unix notes'), 'Unix notes, section 2.1 Inodes, page 4');
  assert.equal(sourceLabel({ section: null, page: 0 }, null), 'Material, page 0');
  assert.equal(sourceLabel(null, 'x'), '');
});

test('score text: 7 of 10 is 70 %, 2 of 3 rounds to 67 %, none of none is 0 %', () => {
  assert.equal(scoreText(7, 10), '7 of 10 correct (70 %)');
  assert.equal(scoreText(2, 3), '2 of 3 correct (67 %)');
  assert.equal(scoreText(0, 0), '0 of 0 correct (0 %)');
});

test('choice questions are the typed ones or any with options', () => {
  assert.equal(isChoice({ type: 'true_false' }), true);
  assert.equal(isChoice({ type: 'cloze' }), false);
  assert.equal(isChoice({ type: 'worksheet', options: ['a'] }), true);
});

test('generate body: blank topic dropped, count defaults to 10 outside 1-50', () => {
  assert.deepEqual(generateBody({ sessionId: 's', topic: '  ', materialIds: [], count: '7' }), { session_id: 's', count: 7 });
  assert.deepEqual(generateBody({ topic: 'Inodes', materialIds: ['m1'], count: '99' }), { topic: 'Inodes', material_ids: ['m1'], count: 10 });
  assert.equal(generateBody({ count: '2.5' }).count, 10);
});

test('topics of a list row', () => {
  assert.equal(topicsText({ topics: ['A', null, 'B'] }), 'A, B');
  assert.equal(topicsText({ topic: 'C' }), 'C');
  assert.equal(topicsText({}), '');
  assert.equal(topicsText({ topics: ['A', 'B', 'C', 'D', 'E'] }), 'A, B, C and 2 more');
});
