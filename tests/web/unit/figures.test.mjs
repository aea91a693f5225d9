import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percent, trendText, TREND_MIN_ANSWERS } from '../../../web/lib/figures.js';

test('percent rounds a fraction', () => {
  assert.equal(percent(0.456), '46 %');
  assert.equal(percent(undefined), '0 %');
});

test('no trend from a handful of answers', () => {
  // one quiz: the later five against the earlier five is noise, not a trend
  assert.equal(trendText(0.5, 10), `trend after ${TREND_MIN_ANSWERS} answers`);
  assert.equal(trendText(0.5, undefined), `trend after ${TREND_MIN_ANSWERS} answers`);
});

test('a trend once there are enough answers', () => {
  assert.equal(trendText(0.25, 40), 'trend up 25 %');
  assert.equal(trendText(-0.1, 40), 'trend down 10 %');
  assert.equal(trendText(0.001, 40), 'trend steady');
  assert.equal(trendText(Number.NaN, 40), 'trend steady');
});
