import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unescapeHtml, snippetSegments, quoteRanges, wordRanges } from '../../../web/lib/passage.js';

test('unescapeHtml undoes the escaping the API applies to snippets', () => {
  assert.equal(unescapeHtml('a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39; &#x41;'), 'a <b> & "c" \'d\' A');
  assert.equal(unescapeHtml('&unknown; stays'), '&unknown; stays');
});

test('snippetSegments splits on <mark> and keeps other tags as text', () => {
  assert.deepEqual(snippetSegments('<mark>Class</mark> attributes &lt;b&gt; in the <mark>class</mark> body'), [
    { text: 'Class', marked: true },
    { text: ' attributes <b> in the ', marked: false },
    { text: 'class', marked: true },
    { text: ' body', marked: false },
  ]);
  assert.deepEqual(snippetSegments('<script>x</script>'), [{ text: '<script>x</script>', marked: false }]);
  assert.deepEqual(snippetSegments(null), []);
});

test('quoteRanges finds the whole quote, else its sentences', () => {
  const text = 'Intro. A class is a template. Methods share state. End.';
  // 'A class is a template.' starts at 7 and is 22 characters long
  assert.deepEqual(quoteRanges(text, 'A class is a template.'), [[7, 29]]);
  // two sentences joined differently than in the text: found one by one
  assert.deepEqual(quoteRanges(text, 'A class is a template.\n\nMethods share state.'), [[7, 29], [30, 50]]);
  assert.deepEqual(quoteRanges(text, ''), []);
  // paragraphs and sentences of the quote are found one after the other:
  // 'class Counter:' is 0-14; then '\n' + '  n = 0' + '\n\n' (10) puts 'Note' at 24-28;
  // '\n\n' puts 'A list is shared.' (17 characters) at 30-47
  const code = 'class Counter:\n  n = 0\n\nNote\n\nA list is shared. Later text.';
  assert.deepEqual(quoteRanges(code, 'class Counter: Note\n\nA list is shared.'), [[0, 14], [24, 28], [30, 47]]);
});

test('wordRanges marks every occurrence, case-insensitively', () => {
  assert.deepEqual(wordRanges('Class and class', ['class']), [[0, 5], [10, 15]]);
});

test('wordRanges marks whole words that start with a match, never the inside of a word', () => {
  // "compression" found by a search is not in "decompression"; "block" marks "blocks" whole.
  const text = 'Decompression of blocks: compression and recompression';
  assert.deepEqual(wordRanges(text, ['compression']), [[25, 36]]);
  assert.deepEqual(wordRanges(text, ['block']), [[17, 23]]);
  assert.deepEqual(wordRanges('état et État', ['état']), [[0, 4], [8, 12]]);
});
