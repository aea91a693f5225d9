// The web UI's first load, per page, in headless chromium (run by bench/web.sh
// through tests/web/run.sh, as a journey): for /, /materials, /sessions,
// /quizzes and /progress, as a signed-in student with one material, each
// load in a fresh browser context (empty cache):
//   - the bytes of the first load's HTML, CSS and JavaScript: as sent
//     (Content-Length: gzip where the server compressed) and as decoded;
//     the JSON of API calls apart;
//   - DOMContentLoaded, load, and "interactive": the later of the moment the
//     view's h1 is in <main> and the end of the last request of the load
//     (scripts, styles and the view's API calls), read after the network
//     has been idle for 500 ms. Loopback, no throttling.
// REPS loads per page (default 5); the medians are printed and every load
// is written to OUT_DIR/web-bench.jsonl.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient, newPage, signIn, testPassword, uniqueEmail } from '../tests/web/lib/harness.mjs';

const PAGES = (process.env.WEB_BENCH_PAGES || '/,/materials,/sessions,/quizzes,/progress').split(',');
const REPS = Number(process.env.REPS || 5);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

async function loadOnce(browser, who, path) {
  const page = await newPage(browser);
  await signIn(page, who);
  await page.addInitScript(() => {
    window.__emH1 = null;
    const seen = () => {
      if (window.__emH1 === null && document.querySelector('main h1')) window.__emH1 = performance.now();
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true });
  });
  const responses = [];
  page.on('response', (res) => responses.push(res));
  await page.goto(path, { waitUntil: 'networkidle' });
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const ends = performance.getEntriesByType('resource').map((r) => r.responseEnd);
    return {
      dcl: nav.domContentLoadedEventEnd,
      load: nav.loadEventEnd,
      h1: window.__emH1,
      lastResponse: Math.max(nav.responseEnd, ...ends),
    };
  });
  const bytes = { html: [0, 0], css: [0, 0], js: [0, 0], json: [0, 0], requests: 0 };
  for (const res of responses) {
    if (res.status() !== 200) continue;
    const type = (res.headers()['content-type'] || '').split(';')[0];
    const kind = type === 'text/html' ? 'html' : type === 'text/css' ? 'css'
      : type === 'text/javascript' ? 'js' : type === 'application/json' ? 'json' : null;
    if (!kind) continue;
    const body = await res.body().catch(() => null);
    if (body === null) continue;
    const sent = Number(res.headers()['content-length'] || body.length);
    bytes[kind][0] += sent;
    bytes[kind][1] += body.length;
    bytes.requests += 1;
  }
  await page.context().close();
  return {
    path,
    h1: t.h1 !== null,
    dcl_ms: t.dcl,
    load_ms: t.load,
    interactive_ms: Math.max(t.h1 ?? t.load, t.lastResponse),
    sent_bytes: bytes.html[0] + bytes.css[0] + bytes.js[0],
    decoded_bytes: bytes.html[1] + bytes.css[1] + bytes.js[1],
    json_bytes: bytes.json[1],
    html: bytes.html, css: bytes.css, js: bytes.js,
    requests: bytes.requests,
  };
}

export default async function webBench({ browser, outDir }) {
  // A student with one extracted material, so the pages have something to show.
  const api = apiClient();
  const who = { email: uniqueEmail('bench'), password: testPassword };
  await api.register(who.email, who.password, 'Bench Student');
  await api.uploadText('Cells', '# Cells\n\nThe mitochondria is the powerhouse of the cell. '.repeat(20));
  await new Promise((r) => setTimeout(r, 1500)); // the in-process worker extracts it

  mkdirSync(outDir, { recursive: true });
  const jsonl = join(outDir, 'web-bench.jsonl');
  writeFileSync(jsonl, '');
  await loadOnce(browser, who, '/'); // chromium's own first start is not the page's
  const rows = [];
  for (const path of PAGES) {
    const runs = [];
    for (let i = 0; i < REPS; i++) {
      const r = await loadOnce(browser, who, path);
      runs.push(r);
      appendFileSync(jsonl, `${JSON.stringify(r)}\n`);
    }
    rows.push({
      path,
      h1: runs.every((r) => r.h1),
      sent: median(runs.map((r) => r.sent_bytes)),
      decoded: median(runs.map((r) => r.decoded_bytes)),
      json: median(runs.map((r) => r.json_bytes)),
      requests: median(runs.map((r) => r.requests)),
      dcl: median(runs.map((r) => r.dcl_ms)),
      load: median(runs.map((r) => r.load_ms)),
      interactive: median(runs.map((r) => r.interactive_ms)),
    });
  }
  const kb = (n) => (n / 1024).toFixed(1);
  const ms = (n) => n.toFixed(0);
  const lines = [
    `web first load, headless chromium on loopback, median of ${REPS} (cold cache each)`,
    'page          HTML+CSS+JS sent KiB  decoded KiB  API JSON KiB  requests  DCL ms  load ms  interactive ms  h1',
  ];
  for (const r of rows) {
    lines.push(`${r.path.padEnd(14)}${kb(r.sent).padStart(20)}${kb(r.decoded).padStart(13)}` +
      `${kb(r.json).padStart(14)}${String(r.requests).padStart(10)}${ms(r.dcl).padStart(8)}` +
      `${ms(r.load).padStart(9)}${ms(r.interactive).padStart(16)}  ${r.h1 ? 'yes' : 'NO'}`);
  }
  const text = lines.join('\n');
  console.log(text);
  writeFileSync(join(outDir, 'summary.txt'), `${text}\n`);
}
