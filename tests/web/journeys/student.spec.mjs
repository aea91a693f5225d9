// The student's journey on a fresh server: sign up, upload a PDF and wait for its
// extraction, create a study session and see its verified plan, ask the tutor and
// see the streamed answer with a citation, take and submit a quiz, see mastery move
// on /progress, grade a due review, and press "What next?". Every step is checked
// (axe, console, CSP, failed requests) and shot at desktop and phone width.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  assert, checkPage, clearProblems, expectHttpError, newPage, shot, testPassword, uniqueEmail,
} from '../lib/harness.mjs';

const FIXTURE = fileURLToPath(new URL('../../fixtures/print/manual_short.pdf', import.meta.url));

function isoDaysFromNow(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

/**
 * A card answered today is first due tomorrow at the earliest (FSRS never
 * schedules under a day), so on a fresh server nothing is due yet. The journey
 * moves this student's cards a day on, as the next morning would find them, in
 * the server's SQLite database (EM_WEB_DATABASE_URL, which tests/web/run.sh
 * exports), with python3's sqlite3. Returns how many cards it moved.
 */
function makeCardsDue(email) {
  const url = process.env.EM_WEB_DATABASE_URL || '';
  const m = /^sqlite:\/\/(\/.+)$/.exec(url);
  if (!m) throw new Error('student journey: EM_WEB_DATABASE_URL names no SQLite file (run it with tests/web/run.sh)');
  const script = [
    'import sqlite3, sys',
    'paths = [sys.argv[2]]',
    'moved = 0',
    'for path in paths:',
    '    db = sqlite3.connect(path, timeout=10)',
    '    try:',
    '        user = db.execute("SELECT id FROM users WHERE email = ?", (sys.argv[1],)).fetchone()',
    '        if user:',
    '            due = db.execute("SELECT strftime(\'%Y-%m-%dT%H:%M:%fZ\', \'now\', \'-1 minute\')").fetchone()[0]',
    '            moved += db.execute("UPDATE review_cards SET due_at = ? WHERE user_id = ?", (due, user[0])).rowcount',
    '            db.commit()',
    '    except sqlite3.Error:',
    '        pass',
    '    finally:',
    '        db.close()',
    'print(moved)',
  ].join('\n');
  return Number(execFileSync('python3', ['-c', script, email, m[1]], { encoding: 'utf8' }).trim()) || 0;
}


export default async function studentJourney({ baseUrl, outDir, browser }) {
  const page = await newPage(browser, { width: 1280, height: 800 });
  const main = page.locator('main');
  const nav = page.getByRole('navigation', { name: 'Main' });
  let step = 0;
  const done = async (name) => {
    step += 1;
    const tag = `student-${String(step).padStart(2, '0')}-${name}`;
    await checkPage(page, tag);
    await shot(page, outDir, tag);
  };

  // 1. A visitor is sent to log in, and signs up from there.
  await page.goto(`${baseUrl}/`);
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await done('login');
  await main.getByRole('link', { name: 'Sign up' }).click();
  await page.getByRole('heading', { level: 1, name: 'Create your account' }).waitFor();
  const email = uniqueEmail('student');
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  // A short password is refused next to its field, before anything is sent.
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await main.getByText('The password needs at least 10 characters.').waitFor();
  assert(await page.getByLabel('Password').getAttribute('aria-invalid') === 'true', 'the password field is not marked invalid');
  await page.getByLabel('Password').fill(testPassword);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { level: 1, name: 'Today, Ada' }).waitFor();
  await main.getByRole('link', { name: 'New study session' }).waitFor();
  await done('dashboard-empty');

  // 2. Upload the PDF and watch its extraction end.
  await nav.getByRole('link', { name: 'Materials' }).click();
  await page.getByRole('heading', { level: 1, name: 'Materials' }).waitFor();
  await main.getByText('No materials yet').waitFor();
  await page.getByLabel('Files to upload').setInputFiles(FIXTURE);
  await main.getByRole('link', { name: 'Open manual_short' }).waitFor({ timeout: 60000 });
  const row = main.getByRole('row', { name: /manual_short/ });
  await row.getByText('Ready').waitFor();
  assert((await row.textContent()).includes('Ready'), 'the material is not listed as ready');
  await done('materials');
  // At phone width the table fits: its Delete buttons are not cut off at the edge.
  await page.setViewportSize({ width: 360, height: 740 });
  const cut = await main.locator('.table-wrap').first().evaluate((wrap) => wrap.scrollWidth - wrap.clientWidth);
  assert(cut <= 0, `the materials table is ${cut} px wider than a phone's screen`);
  await page.setViewportSize({ width: 1280, height: 800 });

  // A file dropped on the zone uploads too; deleting it asks first.
  await page.locator('.dropzone').evaluate((zone) => {
    const data = new DataTransfer();
    data.items.add(new File(['# Scratch notes\n\nA scratch note about loops and lists.\n'], 'scratch.md', { type: 'text/markdown' }));
    zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
  });
  await main.getByRole('link', { name: 'Open scratch' }).waitFor({ timeout: 60000 });
  await main.getByRole('button', { name: 'Delete scratch' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete material?' });
  await confirm.waitFor();
  await done('materials-delete-confirm');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await main.getByRole('row', { name: /scratch/ }).waitFor({ state: 'detached' });
  assert(await main.getByRole('row', { name: /manual_short/ }).count() === 1, 'the other material went too');

  // The material's page: its outline and topics.
  await main.getByRole('link', { name: 'manual_short', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: 'Topics' }).waitFor();
  await main.getByText('Defining a class').first().waitFor();
  await done('material');
  // An outline entry opens its section's text beside the page.
  await main.getByRole('button', { name: 'Defining a class' }).first().click();
  const sectionPanel = page.getByRole('dialog', { name: 'manual_short' });
  await sectionPanel.getByRole('region', { name: /^Text of .*Defining a class/ }).waitFor();
  assert(/class/i.test(await sectionPanel.getByRole('region').textContent()), 'the section\'s text is not shown');
  await done('material-section');
  await sectionPanel.getByRole('button', { name: 'Close panel' }).click();

  // Search: highlighted snippets, a hit opens its passage beside the list.
  await nav.getByRole('link', { name: 'Search' }).click();
  await page.getByLabel('Search your materials').fill('class attribute');
  await main.getByRole('button', { name: 'Search', exact: true }).click();
  const hit = main.getByRole('listitem').filter({ has: page.locator('mark') }).first();
  await hit.waitFor();
  await hit.getByRole('button').click();
  const panel = page.getByRole('dialog', { name: 'manual_short' });
  await panel.waitFor();
  // The passage's full text, the query's words marked in it.
  await panel.getByLabel('Passage text').locator('mark').first().waitFor();
  await done('search-passage');
  await panel.getByRole('button', { name: 'Close panel' }).click();

  // 3. A study session, and its verified plan with today marked.
  await nav.getByRole('link', { name: 'Sessions' }).click();
  await main.getByRole('link', { name: 'New session' }).click();
  await page.getByRole('heading', { level: 1, name: 'New study session' }).waitFor();
  await page.getByLabel('Exam', { exact: true }).fill('Python classes');
  await page.getByLabel('Exam date').fill(isoDaysFromNow(21));
  await page.getByLabel('Minutes a day').fill('45');
  await page.getByLabel('Sat').check();
  await page.getByLabel('Sun').check();
  await page.getByLabel('manual_short').check();
  await page.getByRole('button', { name: 'Create session' }).click();
  await page.getByRole('heading', { level: 1, name: 'Python classes' }).waitFor();
  await main.getByRole('heading', { name: 'Plan', exact: true }).waitFor();
  const today = main.locator('.plan-day[aria-current="date"]');
  await today.waitFor();
  assert((await today.textContent()).includes('Today'), 'today is not marked in the plan');
  await main.getByText('all checks pass').waitFor();
  // The switcher in the top bar names the exam's day as the pages do.
  const switcher = await page.locator('#session-select option:checked').textContent();
  assert(/^Python classes \(exam [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}( \d{4})?\)$/.test(switcher), `the session switcher reads ${switcher}`);
  await main.getByRole('link', { name: 'Download .ics' }).waitFor();
  await done('session-plan');
  // The same inputs give the same plan back.
  await main.getByRole('button', { name: 'Regenerate plan' }).click();
  await page.getByRole('status').getByText(/plan is unchanged|new plan is ready/).first().waitFor();
  // Changing the session makes a new plan for it.
  await main.getByRole('button', { name: 'Edit session' }).click();
  assert(await page.getByLabel('Minutes a day').inputValue() === '45', 'the form does not show the session');
  await page.getByLabel('Minutes a day').fill('50');
  await done('session-edit');
  await main.getByRole('button', { name: 'Save and make a new plan' }).click();
  await page.getByRole('status').getByText('Session saved.').first().waitFor();
  await main.getByText('50 min a day').waitFor();
  await main.locator('.plan-day[aria-current="date"]').waitFor();
  // Too few minutes a day: the plan says once what it needs, and the session is
  // changed from there.
  expectHttpError(page, '/api/plan/generate-verified', 422, 'POST');
  await main.getByRole('button', { name: 'Edit session' }).click();
  await page.getByLabel('Minutes a day').fill('1');
  await main.getByRole('button', { name: 'Save and make a new plan' }).click();
  await main.getByText(/^Your topics do not fit before the exam: the plan needs at least \d+ minutes a day/).waitFor();
  assert(await main.getByText(/could not be made/).count() === 0, 'the plan\'s refusal is said twice');
  await done('session-plan-too-small');
  // A burst of toasts (saved, unchanged, deleted...) never piles up over the page:
  // the newest two stay.
  const toasts = await page.evaluate(async () => {
    const { toast } = await import(document.querySelector('link[rel="modulepreload"][href$="/lib/ui.js"]').href);
    for (let i = 1; i <= 4; i += 1) toast(`Burst ${i}`);
    return [...document.querySelectorAll('#toasts .toast')].map((t) => t.textContent);
  });
  assert(toasts.length <= 2 && toasts[toasts.length - 1] === 'Burst 4', `toasts on screen: ${toasts.join(' | ')}`);
  await main.getByRole('button', { name: 'Change the session' }).click();
  await page.getByLabel('Minutes a day').fill('50');
  await main.getByRole('button', { name: 'Save and make a new plan' }).click();
  await main.locator('.plan-day[aria-current="date"]').waitFor();

  // The dashboard now has today's plan and the countdown.
  await nav.getByRole('link', { name: 'Dashboard' }).click();
  await main.getByRole('heading', { name: 'Exam countdown' }).waitFor();
  await main.getByText('21 days').waitFor();
  await done('dashboard-plan');
  // The dark scheme passes the same checks (axe's contrast among them).
  await page.emulateMedia({ colorScheme: 'dark' });
  await done('dashboard-dark');
  await nav.getByRole('link', { name: 'Sessions' }).click();
  await main.getByRole('link', { name: 'Python classes' }).click();
  await main.getByRole('heading', { name: 'Plan', exact: true }).waitFor();
  await done('session-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // 4. The tutor: the answer streams in, with a citation that opens its passage.
  await nav.getByRole('link', { name: 'Tutor' }).click();
  await page.getByLabel('Your question').fill('What is a class attribute?');
  await main.getByRole('button', { name: 'Ask' }).click();
  const chip = main.getByRole('list', { name: 'Sources' }).getByRole('button', { name: /^\[1\] manual_short/ });
  await chip.waitFor({ timeout: 30000 });
  await page.waitForFunction(() => {
    const ask = [...document.querySelectorAll('main button')].find((b) => b.textContent === 'Ask');
    return ask && !ask.disabled;
  });
  const answer = await main.locator('.msg-assistant .msg-text').last().textContent();
  assert(/class/i.test(answer), `the answer does not quote the material: ${answer}`);
  await chip.click();
  const citation = page.getByRole('dialog', { name: 'manual_short' });
  await citation.waitFor();
  await citation.getByText('Class attributes').first().waitFor();
  // The quote is marked in the passage's full text.
  const quoted = citation.getByLabel('Passage text').locator('mark').first();
  await quoted.waitFor();
  assert(/class/i.test(await quoted.textContent()), 'the citation\'s quote is not marked in its passage');
  await done('tutor');
  await citation.getByRole('button', { name: 'Close panel' }).click();

  // 5. A quiz, every question answered, submitted.
  await nav.getByRole('link', { name: 'Quizzes' }).click();
  await page.getByRole('heading', { level: 1, name: 'Quizzes' }).waitFor();
  await page.getByLabel('Number of questions').fill('4');
  await main.getByRole('button', { name: 'Start quiz' }).click();
  await page.waitForURL(/\/quizzes\/[^/]+$/, { timeout: 60000 });
  // A key typed in the session switcher is the switcher's, not a quiz shortcut.
  await main.locator('.quiz-status').getByText(/^Question 1 of /).waitFor();
  await page.locator('#session-select').focus();
  await page.keyboard.press('n');
  assert(/^Question 1 of /.test(await main.locator('.quiz-status').textContent()), 'N in the session switcher went to the next question');
  await main.getByRole('button', { name: 'Show all questions on one page' }).click();
  // The first option of each choice and a made-up word for each written answer:
  // some answers are wrong, so their cards come due today.
  const questions = main.getByRole('group', { name: /^Question \d+ of \d+/ });
  const count = await questions.count();
  assert(count > 0, 'the quiz shows no questions');
  for (let i = 0; i < count; i += 1) {
    const q = questions.nth(i);
    if (await q.getByRole('radio').count()) await q.getByRole('radio').first().check();
    else await q.getByLabel('Your answer').fill('zebra');
  }
  await main.getByText(`${count} of ${count} answered`).waitFor();
  await done('quiz-taking');
  await main.getByRole('button', { name: 'Submit answers' }).click();
  await main.getByRole('heading', { name: /mastery/i }).first().waitFor({ timeout: 30000 });
  // When it was submitted, as every date in the app: "7 Dec 2026, 14:05" in the
  // account's zone (not the browser's "07/12/2026, 14:05:09").
  const score = await main.locator('.quiz-score').textContent();
  assert(/submitted \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/.test(score.trim()), `the quiz's submission time reads ${score}`);
  await done('quiz-results');

  // 6. Mastery moved off zero on /progress.
  await nav.getByRole('link', { name: 'Progress' }).click();
  await page.getByRole('heading', { level: 1, name: 'Progress' }).waitFor();
  await main.getByRole('heading', { name: /mastery/i }).first().waitFor();
  await page.waitForFunction(() => /\b[1-9]\d* %/.test(document.querySelector('main').textContent), null, { timeout: 15000 });
  await done('progress');
  // At phone width, each control reached by Tab scrolls clear of the sticky top
  // bar and the bottom tab bar instead of stopping under one of them.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.evaluate(() => {
    const toasts = document.getElementById('toasts');
    if (toasts) toasts.replaceChildren();
    window.scrollTo(0, 0);
  });
  await page.locator('#main h1').focus();
  for (let i = 0; i < 25; i += 1) {
    await page.keyboard.press('Tab');
    const under = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body || !document.getElementById('main').contains(el)) return null;
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!hit || el.contains(hit) || (el.labels && [...el.labels].some((l) => l.contains(hit)))) return null;
      const bar = hit.closest('nav, header');
      return `${el.textContent.trim().slice(0, 40)} under ${bar ? `#${bar.id}` : hit.tagName}`;
    });
    assert(under === null, `a focused control is hidden: ${under}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // 7. A due review, graded (the next day: the cards are moved there).
  assert(makeCardsDue(email) > 0, 'the quiz made no review card');
  await nav.getByRole('link', { name: 'Reviews' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reviews' }).waitFor();
  await main.getByRole('button', { name: 'Show answer' }).click();
  const grades = main.getByRole('group', { name: 'How well did you recall it?' });
  await grades.waitFor();
  await done('review-answer');
  const graded = page.waitForResponse((r) => /\/api\/reviews\/[^/]+\/grade$/.test(r.url()) && r.request().method() === 'POST');
  await grades.getByRole('button', { name: /^Good/ }).click();
  assert((await graded).status() === 200, 'grading the card failed');
  await done('review-graded');

  // 8. "What next?" on the dashboard says what and why.
  await nav.getByRole('link', { name: 'Dashboard' }).click();
  await main.getByRole('heading', { name: 'Exam countdown' }).waitFor();
  await main.getByRole('button', { name: 'What next?' }).click();
  const reason = main.locator('.next-result .reason');
  await reason.waitFor({ timeout: 30000 });
  assert((await reason.textContent()).trim().length > 0, 'What next? gave no reason');
  await done('what-next');

  // A failed answer that brings no message of its own (a proxy's HTML page) is
  // said in words, and a quiz that is not there says so as the other pages do.
  await page.route('**/api/materials?*', (r) => r.fulfill({ status: 500, contentType: 'text/html', body: '<html><body>Internal Server Error</body></html>' }));
  await nav.getByRole('link', { name: 'Materials' }).click();
  await main.getByText('The server ran into a problem (HTTP 500). Try again in a moment.').waitFor();
  await page.unroute('**/api/materials?*');
  clearProblems(page); // the 500 above was made on purpose
  expectHttpError(page, /^\/api\/quiz\/[^/]+$/, 404, 'GET');
  await page.goto('/quizzes/no-such-quiz');
  await page.getByRole('heading', { level: 1, name: 'Quiz not found' }).waitFor();
  await main.getByRole('link', { name: 'Back to your quizzes' }).waitFor();
  await done('quiz-not-found');

  // 9. Account settings, then log out; a page asked for while signed out comes
  // back after logging in.
  await page.getByRole('button', { name: /^Account menu for Ada Lovelace/ }).click();
  await page.getByRole('link', { name: 'Account settings' }).click();
  await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
  assert(await page.getByLabel('Time zone').inputValue() === 'UTC', 'the time zone is not the account\'s');
  await page.getByLabel('Desired retention').fill('0.85');
  await main.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('status').getByText('Settings saved.').first().waitFor();
  await done('account');
  await page.getByRole('button', { name: /^Account menu for/ }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await page.goto('/sessions');
  await page.waitForURL(/\/login\?next=%2Fsessions$/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(testPassword);
  await main.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Study sessions' }).waitFor();
  await main.getByRole('link', { name: 'Python classes' }).waitFor();
  await done('back-after-login');

  await page.context().close();
}
