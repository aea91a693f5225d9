#!/usr/bin/env node
// Compares two replay outputs field by field: card, review_at, grade,
// scheduled_days, due and state exactly, stability and difficulty within
// 1e-6. Prints the largest differences found; exits 1 on any mismatch.
//
//   node diff.cjs OURS REFERENCE
'use strict';
const fs = require('node:fs');

const [oursPath, refPath] = process.argv.slice(2);
const ours = fs.readFileSync(oursPath, 'utf8').split('\n').filter((l) => l.length > 0);
const ref = fs.readFileSync(refPath, 'utf8').split('\n').filter((l) => l.length > 0);
const TOL = 1e-6;
let bad = 0, maxS = 0, maxD = 0;
function fail(i, msg) {
  if (bad++ < 10) console.error(`line ${i + 1}: ${msg}`);
}
if (ours.length !== ref.length) fail(Math.min(ours.length, ref.length), `${ours.length} lines against ${ref.length}`);
for (let i = 0; i < Math.min(ours.length, ref.length); i++) {
  const a = JSON.parse(ours[i]), b = JSON.parse(ref[i]);
  for (const k of ['card', 'review_at', 'grade', 'scheduled_days', 'due', 'state'])
    if (a[k] !== b[k]) fail(i, `${k}: ${JSON.stringify(a[k])} against ${JSON.stringify(b[k])}`);
  const ds = Math.abs(a.stability - b.stability), dd = Math.abs(a.difficulty - b.difficulty);
  if (!(ds <= TOL)) fail(i, `stability: ${a.stability} against ${b.stability}`);
  if (!(dd <= TOL)) fail(i, `difficulty: ${a.difficulty} against ${b.difficulty}`);
  if (ds > maxS) maxS = ds;
  if (dd > maxD) maxD = dd;
}
console.log(`${ref.length} reviews: max |stability diff| ${maxS}, max |difficulty diff| ${maxD}, ${bad} mismatches`);
process.exit(bad === 0 ? 0 : 1);
