// Pure helpers of the tutor and admin rooms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { riskReasons, parseOptions, editBody, byRisk } from '../../../web/views/tutor_room.js';
import { msText, assignBody, sizeText } from '../../../web/views/admin.js';

test('risk reasons: the message when given, a sentence per known code otherwise', () => {
  assert.deepEqual(riskReasons({ risk_reasons: [{ code: 'many_misconceptions', message: '6 open misconceptions' }, { code: 'idle_before_exam' }] }),
    ['6 open misconceptions', 'No activity lately, with an exam coming']);
  assert.deepEqual(riskReasons({}), []);
});

test('options: one per line, blank lines dropped, none is null', () => {
  assert.deepEqual(parseOptions(' inode \n\n block\n'), ['inode', 'block']);
  assert.equal(parseOptions('  \n '), null);
});

test('an edit sends only what changed', () => {
  const q = { stem: 'What holds metadata?', options: ['inode', 'block'], answer: 'inode', explanation: '' };
  assert.deepEqual(editBody(q, { stem: 'What holds metadata?', options: 'inode\nblock', answer: 'inode', explanation: '' }), { decision: 'edit' });
  assert.deepEqual(editBody(q, { stem: 'Which structure holds file metadata? ', options: 'inode\nblock\nsuperblock', answer: 'inode', explanation: 'x' }),
    { decision: 'edit', stem: 'Which structure holds file metadata?', options: ['inode', 'block', 'superblock'], explanation: 'x' });
});

test('run times: ms below a second, tenths of seconds above, a dash for none', () => {
  assert.equal(msText(12.4), '12 ms');
  assert.equal(msText(1250), '1.3 s');
  assert.equal(msText(0), '—');
  assert.equal(msText(null), '—');
});

test('assignment body: one id, or the set without repeats', () => {
  assert.deepEqual(assignBody(['a']), { student_id: 'a' });
  assert.deepEqual(assignBody(['a', 'b', 'a', '']), { student_ids: ['a', 'b'] });
});

test('students at risk come first, more reasons first, the rest in the API order', () => {
  const list = [
    { id: 'a' }, { id: 'b', at_risk: true, risk_reasons: [{ code: 'x' }] }, { id: 'c' },
    { id: 'd', at_risk: true, risk_reasons: [{ code: 'x' }, { code: 'y' }] },
  ];
  assert.deepEqual(byRisk(list).map((s) => s.id), ['d', 'b', 'a', 'c']);
});

test('backup sizes in words', () => {
  assert.equal(sizeText(512), '512 B');
  assert.equal(sizeText(1536), '1.5 KB');
  assert.equal(sizeText(24989696), '24 MB');
  assert.equal(sizeText(undefined), '0 B');
});
