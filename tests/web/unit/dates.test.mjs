import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  localDate, parseYmd, daysBetween, addDays, countdownDays, relativeDays, relativeTime,
  weekday, formatDay, isValidTimeZone, formatDate, formatTime, formatDateTime,
} from '../../../web/lib/dates.js';
import { readdirSync, readFileSync } from 'node:fs';

test('localDate gives the calendar day in the named zone', () => {
  // 2026-12-07T10:30Z is 23:30 the same day in Auckland (UTC+13 in December)
  const t = new Date('2026-12-07T10:30:00Z');
  assert.equal(localDate(t, 'UTC'), '2026-12-07');
  assert.equal(localDate(t, 'Pacific/Auckland'), '2026-12-07');
  // 11:30Z is 00:30 on the 8th in Auckland, still the 7th in UTC
  const u = new Date('2026-12-07T11:30:00Z');
  assert.equal(localDate(u, 'Pacific/Auckland'), '2026-12-08');
  // 03:00Z is 22:00 on the 6th in New York (UTC-5 in December)
  assert.equal(localDate(new Date('2026-12-07T03:00:00Z'), 'America/New_York'), '2026-12-06');
});

test('an unknown zone falls back to UTC', () => {
  assert.equal(isValidTimeZone('Mars/Olympus'), false);
  assert.equal(isValidTimeZone('Europe/Paris'), true);
  assert.equal(localDate(new Date('2026-12-07T23:30:00Z'), 'Mars/Olympus'), '2026-12-07');
});

test('parseYmd refuses impossible dates', () => {
  assert.ok(Number.isNaN(parseYmd('2026-02-30')));
  assert.ok(Number.isNaN(parseYmd('7/12/2026')));
  assert.equal(parseYmd('2026-12-07'), Date.UTC(2026, 11, 7));
});

test('day arithmetic crosses months, years and DST changes', () => {
  assert.equal(daysBetween('2026-12-07', '2026-12-20'), 13);
  assert.equal(daysBetween('2026-12-20', '2026-12-07'), -13);
  assert.equal(addDays('2026-12-30', 3), '2027-01-02');
  assert.equal(addDays('2028-02-28', 1), '2028-02-29'); // 2028 is a leap year
  // 2026-03-29 is the EU switch to summer time; calendar days stay whole
  assert.equal(daysBetween('2026-03-28', '2026-03-30'), 2);
});

test('countdown counts local days to the exam', () => {
  assert.equal(countdownDays('2026-12-20', '2026-12-07'), 13);
  assert.equal(countdownDays('2026-12-07', '2026-12-07'), 0);
  assert.equal(countdownDays('2026-12-01', '2026-12-07'), -6);
});

test('relativeDays reads like the review buttons', () => {
  assert.equal(relativeDays(0), 'today');
  assert.equal(relativeDays(1), 'tomorrow');
  assert.equal(relativeDays(-1), 'yesterday');
  assert.equal(relativeDays(3), 'in 3 d');
  assert.equal(relativeDays(-4), '4 d ago');
});

test('relativeTime picks the unit', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  assert.equal(relativeTime('2026-12-07T12:00:20Z', now), 'now');
  assert.equal(relativeTime('2026-12-07T12:10:00Z', now), 'in 10 min');
  assert.equal(relativeTime('2026-12-07T17:00:00Z', now), 'in 5 h');
  assert.equal(relativeTime('2026-12-10T12:00:00Z', now), 'in 3 d');
  assert.equal(relativeTime('2027-02-05T12:00:00Z', now), 'in 2 mo'); // 60 d / 30
  assert.equal(relativeTime('2026-12-06T12:00:00Z', now), '1 d ago');
});

test('weekday and formatDay', () => {
  assert.equal(weekday('2026-12-07'), 'mon');
  assert.equal(weekday('2026-12-13'), 'sun');
  assert.equal(formatDay('2026-12-07', { refYear: 2026 }), 'Mon 7 Dec');
  assert.equal(formatDay('2027-01-04', { refYear: 2026 }), 'Mon 4 Jan 2027');
});

test('formatDate and formatTime speak of the account\'s zone, not the browser\'s', () => {
  const t = new Date('2026-12-07T11:30:05Z');
  assert.equal(formatDate(t, 'UTC'), '7 Dec 2026');
  assert.equal(formatDate(t, 'Pacific/Auckland'), '8 Dec 2026');
  assert.equal(formatTime(t, 'Pacific/Auckland'), '00:30:05');
  assert.equal(formatDateTime(t, 'America/New_York'), '7 Dec 2026, 06:30');
  assert.equal(formatDate('not a date', 'UTC'), '');
});

test('no view writes a date in the browser\'s locale and zone (toLocale*String)', () => {
  // Every date on screen goes through lib/dates.js in the account's time zone:
  // "07/12/2026" is ambiguous, and a zone other than the account's shows other days.
  const dir = new URL('../../../web/views/', import.meta.url);
  const offenders = [];
  for (const f of readdirSync(dir)) {
    const text = readFileSync(new URL(f, dir), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (/\.toLocale(Date|Time)?String\(/.test(line)) offenders.push(`${f}:${i + 1}`);
    });
  }
  assert.deepEqual(offenders, []);
});
