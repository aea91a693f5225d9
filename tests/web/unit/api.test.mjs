// lib/api.js: what a failed answer without a message of its own says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackMessage } from '../../../web/lib/api.js';

test('a server error without a JSON message is said in words, with its status', () => {
  assert.equal(fallbackMessage(500), 'The server ran into a problem (HTTP 500). Try again in a moment.');
  assert.equal(fallbackMessage(502), 'The server ran into a problem (HTTP 502). Try again in a moment.');
  assert.doesNotMatch(fallbackMessage(500), /Internal Server Error/);
});

test('client errors without a message say what they mean', () => {
  assert.match(fallbackMessage(404), /not found/);
  assert.match(fallbackMessage(429), /Wait a moment/);
  assert.equal(fallbackMessage(418), 'The request failed (HTTP 418).');
});
