// Review buttons' intervals and which cards are shown again in one sitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intervalLabels, dueNow } from '../../../web/views/reviews.js';
import { accuracySeries, masteryItems, searchTerms } from '../../../web/views/progress.js';

const now = new Date('2026-12-07T10:00:00Z');

test('whole days say "in N d"; same-day steps say minutes or hours', () => {
  const next = {
    again: { due_at: '2026-12-07T10:01:00Z', scheduled_days: 0 },
    hard: { due_at: '2026-12-07T10:10:00Z', scheduled_days: 0 },
    good: { due_at: '2026-12-07T15:00:00Z', scheduled_days: 0 },
    easy: { due_at: '2026-12-15T10:00:00Z', scheduled_days: 8 },
  };
  assert.deepEqual(intervalLabels(next, now), { again: 'in 1 min', hard: 'in 10 min', good: 'in 5 h', easy: 'in 8 d' });
});

test('a missing preview says nothing; a past due time says now', () => {
  const l = intervalLabels({ good: { due_at: '2026-12-07T09:00:00Z', scheduled_days: 0 } }, now);
  assert.equal(l.again, '');
  assert.equal(l.good, 'now');
});

test('a card graded in this sitting comes back only once it is due', () => {
  const t = now.getTime();
  const cards = [
    { id: '1', due_at: '2026-12-07T09:00:00Z' },
    { id: '2', due_at: '2026-12-07T10:05:00Z' },
    { id: '3', due_at: '2026-12-07T09:59:00Z' },
  ];
  const graded = new Map([['2', t - 1000], ['3', t - 1000]]);
  assert.deepEqual(dueNow(cards, graded, t).map((c) => c.id), ['1', '3']);
});

test('accuracy per day: correct/answered, sorted, empty days dropped', () => {
  const s = accuracySeries({ accuracy_over_time: [
    { date: '2026-12-06', answered: 4, correct: 3 },
    { date: '2026-12-05', answered: 0, correct: 0 },
    { date: '2026-12-04', answered: 5, correct: 1 },
  ] });
  assert.deepEqual(s, [
    { label: '2026-12-04', value: 0.2, answered: 5 },
    { label: '2026-12-06', value: 0.75, answered: 4 },
  ]);
  assert.deepEqual(accuracySeries({}), []);
});

test('mastery bars: weakest first', () => {
  const items = masteryItems([{ topic: 'B', mastery: 0.9 }, { topic: 'A', mastery: 0.2, mastered: false }, { mastery: 1 }]);
  assert.deepEqual(items.map((i) => i.label), ['A', 'B']);
});

test('search words for a topic: numbering and punctuation dropped', () => {
  assert.equal(searchTerms('1.2.8. Named pipes (FIFOs)'), 'Named pipes FIFOs');
  assert.equal(searchTerms('Control of permissions: umask'), 'Control of permissions umask');
  assert.equal(searchTerms('2024 elections'), '2024 elections');
  assert.equal(searchTerms('Évolution & sélection'), 'Évolution sélection');
  assert.equal(searchTerms(''), '');
});
