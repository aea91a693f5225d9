// Smoke: the server serves the UI (whatever web/index.html is there) and the
// harness's checks catch what they promise to. Every check is first shown to
// pass on the clean page and then to fail on a page where the problem is
// provoked on purpose: a console error, a CSP violation (an inline script, an
// inline style, and the fixture page bad/inline.html when the bundle is
// tests/fixtures/web), a failed request (an unexpected 404, an aborted
// request) and an axe-core critical finding.
import {
  assert,
  checkPage,
  clearProblems,
  expectHttpError,
  newPage,
  problems,
  shot,
  waitFor,
} from '../lib/harness.mjs';

/** checkPage must throw, and its message must mention `what`. */
async function mustFail(page, name, what) {
  let message = null;
  try {
    await checkPage(page, name);
  } catch (e) {
    message = e.message;
  }
  assert(message !== null, `checkPage(${name}) passed; it must fail on ${what}`);
  assert(message.includes(what), `checkPage(${name}) failed without naming ${what}:\n${message}`);
  clearProblems(page);
}

async function until(page, pred, what) {
  for (let i = 0; i < 100; i++) {
    if (pred(problems(page))) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`the harness never recorded ${what}`);
}

export default async function smoke({ baseUrl, outDir, browser }) {
  // ---- the server side, without a browser ----
  const home = await fetch(`${baseUrl}/`);
  if (home.status === 404 && /no web UI/.test(await home.clone().text())) {
    // A build without web/: nothing to open (scripts/test.sh also runs this
    // journey on tests/fixtures/web, so the harness's checks are still proven).
    console.log('smoke: this build serves no web UI (web/ was empty): skipped');
    return;
  }
  assert(home.status === 200, `GET / answered ${home.status}`);
  assert(home.headers.get('cache-control') === 'no-cache', `GET / Cache-Control: ${home.headers.get('cache-control')}`);
  const html = await home.text();
  const m = html.match(/\/assets\/([0-9a-f]{12}|dev)\//);
  assert(m, 'index.html names no /assets/<hash>/ URL');
  const prefix = `/assets/${m[1]}/`;
  assert(!/["']\/assets\/(?![0-9a-f]{12}\/|dev\/)/.test(html), 'index.html still has an unrewritten /assets/ URL');
  const deep = await fetch(`${baseUrl}/materials/12`);
  assert(deep.status === 200 && (await deep.text()) === html, 'GET /materials/12 is not index.html');
  const nope = await fetch(`${baseUrl}/api/nope`);
  assert(nope.status === 404 && (nope.headers.get('content-type') || '').startsWith('application/json'),
    `GET /api/nope answered ${nope.status} ${nope.headers.get('content-type')}`);
  const stale = await fetch(`${baseUrl}/assets/000000000000/app.js`);
  assert(stale.status === 404, `a wrong bundle hash answered ${stale.status}`);

  // ---- the clean page ----
  const page = await newPage(browser);
  const res = await page.goto('/');
  assert(res.status() === 200, `the browser got ${res.status()} for /`);
  await page.waitForLoadState('networkidle');
  assert((await page.title()).trim() !== '', 'the page has no title');
  await checkPage(page, 'home');
  await shot(page, outDir, 'smoke-home');

  // ---- a console error ----
  const p1 = await newPage(browser);
  await p1.goto('/');
  await p1.waitForLoadState('networkidle');
  await checkPage(p1, 'before a console error');
  await p1.evaluate(() => console.error('smoke: a provoked console error'));
  await until(p1, (p) => p.consoleErrors.length > 0, 'the console error');
  await mustFail(p1, 'console error', 'console error: smoke: a provoked console error');
  await p1.evaluate(() => setTimeout(() => { throw new Error('smoke: a provoked uncaught error'); }, 0));
  await until(p1, (p) => p.consoleErrors.length > 0, 'the uncaught error');
  await mustFail(p1, 'uncaught error', 'uncaught: smoke: a provoked uncaught error');

  // ---- CSP violations: an inline script (it must not run) and an inline style ----
  await p1.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__smokeInlineRan = true;';
    document.body.append(s);
  });
  await until(p1, (p) => p.cspViolations.length > 0, 'the inline script\'s CSP violation');
  assert(!(await p1.evaluate(() => window.__smokeInlineRan === true)), 'the inline script ran despite the CSP');
  await mustFail(p1, 'inline script', 'CSP violation');
  await p1.evaluate(() => {
    const d = document.createElement('div');
    d.setAttribute('style', 'color: red');
    document.body.append(d);
  });
  await until(p1, (p) => p.cspViolations.length > 0, 'the inline style\'s CSP violation');
  await mustFail(p1, 'inline style', 'CSP violation');

  // The fixture bundle's page with an inline script, when it is served.
  const bad = await fetch(`${baseUrl}${prefix}bad/inline.html`);
  if (bad.status === 200) {
    const p2 = await newPage(browser);
    await p2.goto(`${prefix}bad/inline.html`);
    await until(p2, (p) => p.cspViolations.length > 0, 'bad/inline.html\'s CSP violation');
    assert((await p2.title()) !== 'ran', 'bad/inline.html\'s inline script ran');
    await mustFail(p2, 'bad/inline.html', 'CSP violation');
    await p2.context().close();
  }

  // ---- failed requests: an unexpected 404, an aborted request; a declared 404 passes ----
  await p1.evaluate((u) => fetch(u).catch(() => {}), `${prefix}smoke-no-such-file.js`);
  await until(p1, (p) => p.failedRequests.length > 0, 'the 404');
  await mustFail(p1, 'unexpected 404', 'failed request: GET');
  await p1.route('**/smoke-aborted', (route) => route.abort('failed'));
  await p1.evaluate(() => fetch('/smoke-aborted').catch(() => {}));
  await until(p1, (p) => p.failedRequests.length > 0, 'the aborted request');
  await mustFail(p1, 'aborted request', 'net::ERR_FAILED');
  expectHttpError(p1, `${prefix}smoke-declared.js`, 404);
  await p1.evaluate((u) => fetch(u).catch(() => {}), `${prefix}smoke-declared.js`);
  await p1.waitForTimeout(300);
  await checkPage(p1, 'a declared 404');

  // ---- axe-core: a button without a name is critical ----
  await p1.evaluate(() => {
    const b = document.createElement('button');
    b.id = 'smoke-unnamed';
    document.body.append(b);
  });
  await mustFail(p1, 'unnamed button', 'axe critical: button-name');
  await p1.evaluate(() => document.getElementById('smoke-unnamed').remove());
  await checkPage(p1, 'after the button is gone');

  await waitFor(page, () => document.readyState === 'complete', 'the home page to be complete');
  await checkPage(page, 'home, at the end');
}
