#!/usr/bin/env node
// bench/fsrs_bench.cjs: the workload of bench/fsrs_bench.c on ts-fsrs
// (long-term scheduler, fuzz off): N cards in review, each with its own
// stability, difficulty and elapsed time, scheduled with the same grades,
// REVIEWS times. Prints the same JSON line.
//
//   NODE_PATH=build/fsrs-ref/node_modules node bench/fsrs_bench.cjs [CARDS] [REVIEWS]
'use strict';
const { fsrs, FSRSVersion } = require('ts-fsrs');

const cards = Number(process.argv[2] || 1000000);
const reviews = Number(process.argv[3] || 1);
const f = fsrs({ enable_fuzz: false, enable_short_term: false });
const t0 = Date.UTC(2024, 0, 1, 10);
const DAY = 86400000;
let checksum = 0;
const start = process.hrtime.bigint();
for (let c = 0; c < cards; c++) {
  let card = {
    due: new Date(t0), stability: 0.5 + (c % 1000) * 0.37, difficulty: 1 + (c % 91) * 0.1,
    elapsed_days: 0, scheduled_days: 0, reps: 1, lapses: 0, learning_steps: 0, state: 2,
    last_review: new Date(t0),
  };
  let at = new Date(t0 + (c % 400) * DAY + (c % 1440) * 60000);
  for (let k = 0; k < reviews; k++) {
    const g = 1 + ((c * 7 + k * 3) % 4);
    card = f.next(card, at, g).card;
    checksum += card.scheduled_days;
    at = card.due;
  }
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({
  impl: `ts-fsrs ${FSRSVersion} on node ${process.versions.node}`,
  cards, reviews: cards * reviews, seconds: +secs.toFixed(3),
  cards_per_s: Math.round(cards / secs), reviews_per_s: Math.round((cards * reviews) / secs), checksum,
}));
