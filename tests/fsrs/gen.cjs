#!/usr/bin/env node
// Deterministic review logs for tests/fsrs/compare.sh: CARDS cards (default
// 400), each a sequence of reviews of its own kind, all interleaved in time
// order, as JSON lines {"card","review_at","grade"}.
//
//   node gen.cjs [CARDS] [SEED]
//
// Kinds: random grades and gaps; same-day repeats (minutes apart, and across
// midnight UTC); lapse runs (again after long gaps); easy streaks with long
// gaps (up to the 36500-day cap); early reviews (well before due) and late
// ones (long after); every first grade. Times carry milliseconds and a few a
// zone offset.
'use strict';

const cards = Number(process.argv[2] || 400);
let seed = Number(process.argv[3] || 20261207) >>> 0;

// mulberry32: a small, fixed PRNG so the same arguments give the same log.
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[int(0, xs.length - 1)];
const MIN = 60 * 1000, HOUR = 60 * MIN, DAY = 24 * HOUR;

function gap(kind) {
  switch (kind) {
    case 'same-day': return pick([int(1, 30) * MIN, int(1, 5) * HOUR, 0]);
    case 'midnight': return pick([int(1, 4) * HOUR, int(20, 28) * HOUR]);
    case 'long': return int(100, 12000) * DAY + int(0, DAY - 1);
    case 'early': return int(0, 2) * DAY + int(0, DAY - 1);
    case 'late': return int(30, 900) * DAY + int(0, DAY - 1);
    default: return pick([int(0, 600) * MIN, int(1, 10) * DAY, int(10, 120) * DAY, int(120, 2000) * DAY]) + int(0, 999);
  }
}

function grade(kind, k) {
  switch (kind) {
    case 'lapses': return k % 3 === 2 ? 3 : 1;
    case 'easy': return 4;
    case 'hard': return pick([2, 2, 2, 3]);
    default: return pick([1, 2, 3, 3, 3, 4]);
  }
}

function iso(ms, offsetMin) {
  if (offsetMin === 0) return new Date(ms).toISOString();
  const local = new Date(ms + offsetMin * MIN).toISOString().slice(0, 23);
  const a = Math.abs(offsetMin);
  const hh = String(Math.floor(a / 60)).padStart(2, '0'), mm = String(a % 60).padStart(2, '0');
  return `${local}${offsetMin < 0 ? '-' : '+'}${hh}:${mm}`;
}

const kinds = ['random', 'same-day', 'midnight', 'lapses', 'easy', 'hard', 'long', 'early', 'late', 'mixed'];
const reviews = [];
const start = Date.UTC(2020, 0, 1);
for (let c = 0; c < cards; c++) {
  const kind = kinds[c % kinds.length];
  const n = kind === 'easy' ? int(5, 14) : int(1, 24);
  let t = start + int(0, 3 * 365) * DAY + int(0, DAY - 1);
  for (let k = 0; k < n; k++) {
    const g = k === 0 ? (c % 4) + 1 : grade(kind, k);
    const offset = rand() < 0.05 ? pick([120, -300, 330]) : 0;
    reviews.push({ t, order: reviews.length, line: JSON.stringify({ card: `c${c}-${kind}`, review_at: iso(t, offset), grade: g }) });
    const gk = kind === 'mixed' ? pick(kinds) : kind === 'easy' ? 'long' : kind;
    t += gap(gk);
  }
}
reviews.sort((a, b) => a.t - b.t || a.order - b.order);
process.stdout.write(reviews.map((r) => r.line).join('\n') + '\n');
