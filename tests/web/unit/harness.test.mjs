// The harness's own pure parts under node --test (no browser): the seeding
// client's errors and the test accounts' names. The UI's modules add their
// tests beside this file (ndjson.test.mjs, dates.test.mjs, ...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, testPassword, uniqueEmail } from '../lib/harness.mjs';

test('ApiError carries status, code and request id', () => {
  const e = new ApiError(422, { error: { code: 'validation_error', message: 'no' } }, 'req-1', 'POST /api/x');
  assert.equal(e.status, 422);
  assert.equal(e.code, 'validation_error');
  assert.equal(e.requestId, 'req-1');
  assert.match(e.message, /POST \/api\/x: 422 validation_error no \(request req-1\)/);
});

test('uniqueEmail gives distinct addresses of the example domain', () => {
  const a = uniqueEmail();
  const b = uniqueEmail();
  assert.notEqual(a, b);
  assert.match(a, /^student-[a-z0-9]+-[a-z0-9]+@example\.org$/);
});

test('the test password meets the policy length (10 characters at least)', () => {
  assert.ok(testPassword.length >= 10);
});
