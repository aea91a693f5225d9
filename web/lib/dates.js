// Dates in the student's time zone. Plans and reviews speak of local calendar days
// ("YYYY-MM-DD"); these helpers turn instants into such days for an IANA zone and do
// day arithmetic on them. Pure (Intl only), tested under node.

const DAY_MS = 86400000;
const formatters = new Map();
const displayFormatters = new Map();

/** Intl.DateTimeFormat is slow to make: one per locale and options, kept. */
function displayFormatter(locale, opts) {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = displayFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, opts);
    displayFormatters.set(key, f);
  }
  return f;
}

function ymdFormatter(timeZone) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether timeZone is an IANA name this runtime knows. */
export function isValidTimeZone(timeZone) {
  if (!timeZone || typeof timeZone !== 'string') return false;
  try {
    ymdFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT']);

/** The local calendar date ("YYYY-MM-DD") of an instant in an IANA zone (default UTC). */
export function localDate(instant = new Date(), timeZone = 'UTC') {
  const d = instant instanceof Date ? instant : new Date(instant);
  // UTC needs no Intl (whose first time-zone formatter costs tens of milliseconds).
  if (!timeZone || UTC_NAMES.has(timeZone)) return d.toISOString().slice(0, 10);
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  const parts = {};
  for (const p of ymdFormatter(zone).formatToParts(d)) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** "YYYY-MM-DD" -> UTC midnight milliseconds; NaN when malformed. */
export function parseYmd(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  if (!m) return NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN;
  return t;
}

function ymdOf(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Calendar days from a to b (both "YYYY-MM-DD"): b - a. */
export function daysBetween(a, b) {
  return Math.round((parseYmd(b) - parseYmd(a)) / DAY_MS);
}

/** ymd plus n days. */
export function addDays(ymd, n) {
  return ymdOf(parseYmd(ymd) + n * DAY_MS);
}

/** Days left until the exam, counted from today (both local dates); 0 on exam day. */
export function countdownDays(examDate, today) {
  return daysBetween(today, examDate);
}

/** "today", "tomorrow", "yesterday", "in 3 d", "3 d ago" for a day difference. */
export function relativeDays(days) {
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${days} d` : `${-days} d ago`;
}

/**
 * How far an instant is from now, in the short form the review buttons show:
 * "now", "in 10 min", "in 5 h", "in 3 d", "in 2 mo", "in 1.2 y" (or "... ago").
 */
export function relativeTime(instant, now = new Date()) {
  const t = instant instanceof Date ? instant.getTime() : new Date(instant).getTime();
  const n = now instanceof Date ? now.getTime() : new Date(now).getTime();
  const diff = t - n;
  const abs = Math.abs(diff);
  const min = 60000;
  let text;
  if (abs < min) return 'now';
  if (abs < 60 * min) text = `${Math.round(abs / min)} min`;
  else if (abs < DAY_MS) text = `${Math.round(abs / (60 * min))} h`;
  else if (abs < 30 * DAY_MS) text = `${Math.round(abs / DAY_MS)} d`;
  else if (abs < 365 * DAY_MS) text = `${Math.round(abs / (30 * DAY_MS))} mo`;
  else text = `${(abs / (365 * DAY_MS)).toFixed(1)} y`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The weekday of a local date as the API names it: "mon" ... "sun". */
export function weekday(ymd) {
  return WEEKDAYS[new Date(parseYmd(ymd)).getUTCDay()];
}

const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A local date for people: "Mon 7 Dec" (with the year when it differs from
 * refYear). English names, no Intl: the dashboard draws these on first load.
 */
export function formatDay(ymd, { refYear } = {}) {
  const t = parseYmd(ymd);
  if (Number.isNaN(t)) return ymd || '';
  const d = new Date(t);
  const text = `${WEEKDAY_NAMES[d.getUTCDay()]} ${d.getUTCDate()} ${MONTH_NAMES[d.getUTCMonth()]}`;
  return refYear !== undefined && d.getUTCFullYear() !== refYear ? `${text} ${d.getUTCFullYear()}` : text;
}

/** An instant for people, in the zone: "7 Dec 2026, 14:05". */
export function formatDateTime(instant, timeZone = 'UTC', locale = 'en-GB') {
  const d = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(d.getTime())) return '';
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  return displayFormatter(locale, { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d);
}

/** The day of an instant for people, in the zone: "7 Dec 2026". */
export function formatDate(instant, timeZone = 'UTC', locale = 'en-GB') {
  const d = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(d.getTime())) return '';
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  return displayFormatter(locale, { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}

/** The time of day of an instant, in the zone: "14:05:09". */
export function formatTime(instant, timeZone = 'UTC', locale = 'en-GB') {
  const d = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(d.getTime())) return '';
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  return displayFormatter(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d);
}
