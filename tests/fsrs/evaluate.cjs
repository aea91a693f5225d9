#!/usr/bin/env node
// A second computation of `exammentor fsrs evaluate`, for tests/fsrs/compare.sh:
// the predicted recall at each review after a card's first comes from ts-fsrs
// (its scheduler's state and forgetting_curve at whole UTC calendar days), the
// metrics are written here the way the srs-benchmark computes them (utils.py
// rmse_matrix with its rounded bin values, sklearn log_loss and roc_auc_score).
//
//   node evaluate.cjs [--retention R] [--weights w0,...,w20] < log.jsonl
'use strict';
const readline = require('node:readline');
const { fsrs, createEmptyCard, forgetting_curve } = require('ts-fsrs');

const o = { request_retention: 0.9, enable_fuzz: false, enable_short_term: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--retention') o.request_retention = Number(argv[++i]);
  else if (argv[i] === '--weights') o.w = argv[++i].split(',').map(Number);
  else throw new Error(`unknown argument ${argv[i]}`);
}
const f = fsrs(o);
const w = f.parameters.w;
const DAY = 86400000;
const utcDay = (d) => Math.floor(d.getTime() / DAY);
const cards = new Map();
const preds = [];
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (line.length === 0) return;
  const e = JSON.parse(line);
  const at = new Date(e.review_at);
  let c = cards.get(e.card);
  if (c === undefined) {
    c = { card: f.next(createEmptyCard(at), at, e.grade).card, dayReviews: 0, dayLapses: 0 };
    cards.set(e.card, c);
    return;
  }
  const t = utcDay(at) - utcDay(c.card.last_review);
  const gap = t > 0;
  preds.push({
    p: forgetting_curve(w, t, c.card.stability),
    y: e.grade > 1 ? 1 : 0,
    elapsed: t,
    i: 1 + c.dayReviews + (gap ? 1 : 0),
    lapse: c.dayLapses,
  });
  if (gap) {
    c.dayReviews++;
    if (e.grade === 1) c.dayLapses++;
  }
  c.card = f.next(c.card, at, e.grade).card;
});
rl.on('close', () => {
  const n = preds.length;
  if (n === 0) {
    console.log(JSON.stringify({ count: 0, log_loss: null, rmse_bins: null, auc: null }));
    return;
  }
  const eps = Number.EPSILON;
  let ll = 0;
  for (const q of preds) {
    const p = Math.min(Math.max(q.p, eps), 1 - eps);
    ll += q.y ? -Math.log(p) : -Math.log(1 - p);
  }
  // The benchmark's bin values: round(2.48 * 3.62^k, 2), round(1.99 * 1.89^k), round(1.65 * 1.73^k).
  const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;
  const bins = new Map();
  for (const q of preds) {
    const dt = round(2.48 * Math.pow(3.62, Math.floor(Math.log(Math.max(q.elapsed, 1e-6)) / Math.log(3.62))), 2);
    const i = round(1.99 * Math.pow(1.89, Math.floor(Math.log(q.i) / Math.log(1.89))), 0);
    const l = q.lapse === 0 ? 0 : round(1.65 * Math.pow(1.73, Math.floor(Math.log(q.lapse) / Math.log(1.73))), 0);
    const k = `${dt}/${i}/${l}`;
    const b = bins.get(k) || { y: 0, p: 0, n: 0 };
    b.y += q.y; b.p += q.p; b.n += 1;
    bins.set(k, b);
  }
  let sq = 0;
  for (const b of bins.values()) sq += b.n * (b.y / b.n - b.p / b.n) ** 2;
  const sorted = preds.slice().sort((a, b) => a.p - b.p);
  let pos = 0, rankSum = 0;
  for (let lo = 0; lo < n;) {
    let hi = lo + 1;
    while (hi < n && sorted[hi].p === sorted[lo].p) hi++;
    const mean = (lo + 1 + hi) / 2;
    for (let k = lo; k < hi; k++) if (sorted[k].y) { pos++; rankSum += mean; }
    lo = hi;
  }
  const neg = n - pos;
  const auc = pos > 0 && neg > 0 ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : null;
  console.log(JSON.stringify({ count: n, log_loss: ll / n, rmse_bins: Math.sqrt(sq / n), auc }));
});
