import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReader, readStream, NdjsonError } from '../../../web/lib/ndjson.js';

test('complete lines are parsed in order', () => {
  const r = createReader();
  assert.deepEqual(r.push('{"type":"start"}\n{"type":"delta","text":"a"}\n'), [
    { type: 'start' },
    { type: 'delta', text: 'a' },
  ]);
  assert.equal(r.pending(), 0);
});

test('a line split across chunks waits for its end', () => {
  const r = createReader();
  assert.deepEqual(r.push('{"type":"del'), []);
  assert.equal(r.pending(), 12); // '{"type":"del' is 12 characters
  assert.deepEqual(r.push('ta","text":"x"}'), []);
  assert.deepEqual(r.push('\n{"n":1'), [{ type: 'delta', text: 'x' }]);
  assert.deepEqual(r.push('}\n'), [{ n: 1 }]);
});

test('one character at a time gives the same objects', () => {
  const text = '{"a":1}\n{"b":"line\\nbreak"}\n\n{"c":[1,2]}\n';
  const r = createReader();
  const out = [];
  for (const ch of text) out.push(...r.push(ch));
  assert.deepEqual(out, [{ a: 1 }, { b: 'line\nbreak' }, { c: [1, 2] }]);
});

test('blank lines and CRLF endings are accepted', () => {
  const r = createReader();
  assert.deepEqual(r.push('\n\r\n{"x":true}\r\n   \n'), [{ x: true }]);
});

test('end() returns a last line without newline, once', () => {
  const r = createReader();
  assert.deepEqual(r.push('{"type":"done"}'), []);
  assert.deepEqual(r.end(), [{ type: 'done' }]);
  assert.deepEqual(r.end(), []);
});

test('a line that is not JSON throws NdjsonError naming it', () => {
  const r = createReader();
  assert.throws(() => r.push('{"ok":1}\nnot json\n'), (err) => err instanceof NdjsonError && err.line === 'not json');
});

test('readStream decodes UTF-8 split inside a character and yields each object', async () => {
  const bytes = new TextEncoder().encode('{"text":"café ✓"}\n{"type":"done"}');
  // split inside the two bytes of "é" (offset 13: '{"text":"caf' is 12 bytes, é starts at 12)
  const chunks = [bytes.slice(0, 13), bytes.slice(13, 20), bytes.slice(20)];
  const body = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
  const out = [];
  for await (const obj of readStream(body)) out.push(obj);
  assert.deepEqual(out, [{ text: 'café ✓' }, { type: 'done' }]);
});
