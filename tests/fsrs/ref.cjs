#!/usr/bin/env node
// The reference side of tests/fsrs/compare.sh: replays a review log on stdin
// with ts-fsrs (long-term scheduler, no fuzz) and writes what it computes, one
// JSON line per review, in the format of `exammentor fsrs replay`.
//
//   node ref.cjs [--retention R] [--weights w0,...,w20] < log.jsonl
//
// ts-fsrs is found through NODE_PATH (compare.sh installs it with npm ci).
'use strict';
const readline = require('node:readline');
const { fsrs, createEmptyCard } = require('ts-fsrs');

function options(argv) {
  const o = { request_retention: 0.9, enable_fuzz: false, enable_short_term: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--retention') o.request_retention = Number(argv[++i]);
    else if (argv[i] === '--weights') o.w = argv[++i].split(',').map(Number);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

const f = fsrs(options(process.argv.slice(2)));
const cards = new Map();
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
rl.on('line', (line) => {
  if (line.length === 0) return;
  const e = JSON.parse(line);
  const at = new Date(e.review_at);
  let card = cards.get(e.card);
  if (card === undefined) card = createEmptyCard(at);
  const next = f.next(card, at, e.grade).card;
  cards.set(e.card, next);
  out.push(JSON.stringify({
    card: e.card,
    review_at: at.toISOString(),
    grade: e.grade,
    stability: next.stability,
    difficulty: next.difficulty,
    scheduled_days: next.scheduled_days,
    due: next.due.toISOString(),
    state: next.state,
  }));
  if (out.length >= 4096) process.stdout.write(out.splice(0).join('\n') + '\n');
});
rl.on('close', () => {
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
});
