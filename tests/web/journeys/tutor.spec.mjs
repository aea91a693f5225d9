// The tutor journey: an admin makes an account a tutor and assigns a student to
// it; the student's material asks for review of generated questions and a quiz
// writes some; the tutor logs in, sees the student, and reviews a question:
// edits it, then approves it. The student then gets it in a quiz and takes the
// quiz with the keyboard alone. Every page is checked and shot at desktop and
// phone widths.
import { readFileSync } from 'node:fs';
import {
  apiClient, assert, checkPage, newPage, shot, testPassword, uniqueEmail,
} from '../lib/harness.mjs';

const fixture = readFileSync(new URL('../../fixtures/qgen/unix_filesystem.md', import.meta.url), 'utf8');

async function waitReady(client, id) {
  for (let i = 0; i < 200; i++) {
    const m = await client.get(`/api/materials/${id}`);
    if (m.status === 'ready') return m;
    if (m.status === 'failed') throw new Error(`material ${id} failed: ${m.error}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`material ${id} was not ready after 20 s`);
}

async function logIn(page, email, password) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

export default async function tutor({ outDir, admin, browser }) {
  // ---- accounts and data, over the API ----
  const adminApi = apiClient();
  await adminApi.login(admin.email, admin.password);
  const tutorEmail = uniqueEmail('tutor');
  const tutorApi = apiClient();
  const tutorUser = await tutorApi.register(tutorEmail, testPassword, 'Tess Tutor');
  const studentEmail = uniqueEmail('student');
  const studentApi = apiClient();
  const student = await studentApi.register(studentEmail, testPassword, 'Stan Student');

  const up = await studentApi.uploadText('Unix filesystem', fixture);
  await waitReady(studentApi, up.id);
  // The student's material: generated questions wait for a tutor.
  const patched = await studentApi.patch(`/api/materials/${up.id}`, { review_generated: true });
  assert(patched.review_generated === true, 'the material did not keep review_generated');
  // A quiz writes questions from it; none can be served before review (422).
  const q = await studentApi.post('/api/quiz/generate', { count: 5 }, { expect: [201, 422] });
  assert(q.id || /review/.test(q.error && q.error.message), `quiz/generate: ${JSON.stringify(q).slice(0, 200)}`);

  // ---- the admin makes the tutor and assigns the student, in the UI ----
  const ap = await newPage(browser);
  await logIn(ap, admin.email, admin.password);
  await ap.goto('/admin/users');
  const roleSelect = ap.getByLabel(`Role of ${tutorEmail}`);
  await roleSelect.waitFor();
  await checkPage(ap, 'admin users');
  await roleSelect.selectOption('tutor');
  await ap.getByRole('dialog').getByRole('button', { name: 'Make tutor' }).click();
  await ap.getByText(`${tutorEmail} is now a tutor.`).first().waitFor();
  const afterRole = await adminApi.get(`/api/admin/users?role=tutor&limit=200`);
  assert(afterRole.items.some((u) => u.id === tutorUser.id), 'the account did not become a tutor');
  // The assignment form lists tutors once there is one (it reloads after a role change).
  const tutorPick = ap.getByLabel('Tutor', { exact: true });
  await tutorPick.waitFor();
  await tutorPick.selectOption({ value: tutorUser.id });
  await ap.getByLabel('Student', { exact: true }).selectOption({ value: student.id });
  await ap.getByRole('button', { name: 'Assign', exact: true }).click();
  await ap.getByText('Student assigned.').first().waitFor();
  await checkPage(ap, 'admin users after assigning');
  await shot(ap, outDir, 'tutor-01-admin-assigns');

  // ---- the tutor ----
  const tp = await newPage(browser);
  await logIn(tp, tutorEmail, testPassword);
  await tp.goto('/tutor-room');
  const studentLink = tp.getByRole('link', { name: 'Stan Student' });
  await studentLink.waitFor();
  await checkPage(tp, 'tutor room');
  await shot(tp, outDir, 'tutor-02-students');
  // At phone width the students' table fits: nothing is cut off at its edge.
  await tp.setViewportSize({ width: 360, height: 740 });
  const cut = await tp.locator('main .table-wrap').first().evaluate((wrap) => wrap.scrollWidth - wrap.clientWidth);
  assert(cut <= 0, `the students' table is ${cut} px wider than a phone's screen`);
  await tp.setViewportSize({ width: 1280, height: 800 });

  await studentLink.click();
  await tp.getByRole('heading', { level: 1, name: 'Stan Student' }).waitFor();
  const reviewSwitch = tp.getByLabel('Review questions from Unix filesystem');
  await reviewSwitch.waitFor();
  assert(await reviewSwitch.isChecked(), 'the student page does not show review as on');
  await checkPage(tp, 'tutor: one student');
  await shot(tp, outDir, 'tutor-03-student');

  await tp.getByRole('link', { name: 'Questions to review' }).first().click();
  await tp.getByRole('heading', { level: 1, name: 'Questions to review' }).waitFor();
  const first = tp.locator('.question-queue > li').first();
  await first.waitFor();
  const countText = async () => (await tp.locator('.view [role=status]').first().textContent()) || '';
  const before = Number((await countText()).match(/\d+/)[0]);
  assert(before > 0, 'no question awaits review');
  await checkPage(tp, 'question review queue');
  await shot(tp, outDir, 'tutor-04-queue');

  // Edit, then approve: the form saves the correction and approves it.
  const stem = (await first.getByRole('heading', { level: 2 }).textContent()).trim();
  const pending = await tutorApi.get('/api/questions?review_status=pending&limit=100');
  const target = pending.items.find((x) => x.stem === stem);
  assert(target, 'the first card is not a pending question of the API');
  await first.getByRole('button', { name: 'Edit' }).click();
  const stemBox = tp.getByRole('textbox', { name: 'Question' });
  await stemBox.waitFor();
  // An emptied question is refused under its own field, which takes the focus.
  await stemBox.fill('');
  await tp.getByRole('button', { name: 'Save and approve' }).click();
  await tp.getByText('Write the question.').waitFor();
  assert(await stemBox.getAttribute('aria-invalid') === 'true', 'the emptied question is not marked invalid');
  assert(await stemBox.evaluate((el) => el === document.activeElement), 'the emptied question does not take the focus');
  const edited = `${stem} (reworded by the tutor)`;
  await stemBox.fill(edited);
  await checkPage(tp, 'question edit form');
  await shot(tp, outDir, 'tutor-05-edit');
  await tp.getByRole('button', { name: 'Save and approve' }).click();
  await tp.getByText('Saved and approved.').first().waitFor();
  const after = Number((await countText()).match(/\d+/)?.[0] ?? 0);
  assert(after === before - 1 || (before === 1 && after === 0), `the queue went from ${before} to ${after}`);

  const done = await tutorApi.get(`/api/questions/${target.id}`);
  assert(done.review_status === 'approved', `the question is ${done.review_status}, not approved`);
  assert(done.stem === edited, `the stem is "${done.stem}", not the edit`);
  const versions = await tutorApi.get(`/api/questions/${target.id}/versions`);
  assert((versions.items || []).some((v) => v.stem === stem), 'the earlier text is not among the versions');

  // Approve the next one as it is, and reject another when there is one.
  if (before > 1) {
    const next = tp.locator('.question-queue > li').first();
    await next.getByRole('button', { name: 'Approve' }).click();
    await tp.getByText(/^Approved: /).first().waitFor();
  }
  if (before > 2) {
    const next = tp.locator('.question-queue > li').first();
    await next.getByRole('button', { name: 'Reject' }).click();
    await tp.getByText(/^Rejected: /).first().waitFor();
  }
  await checkPage(tp, 'question review queue after review');
  await shot(tp, outDir, 'tutor-06-reviewed');

  // The student now gets the approved questions in a quiz (only approved ones:
  // the rest still wait), and takes it with the keyboard alone.
  const quiz = await studentApi.post('/api/quiz/generate', { count: 5 });
  assert(quiz.questions.length > 0, 'the student gets no approved question');
  assert(quiz.questions.some((x) => x.id === target.id), 'the edited and approved question is not served');
  const sp = await newPage(browser);
  await logIn(sp, studentEmail, testPassword);
  await sp.goto(`/quizzes/${quiz.id}`);
  await sp.getByText(`Question 1 of ${quiz.questions.length} · 0 of ${quiz.questions.length} answered`).waitFor();
  const focusIs = (pred) => sp.evaluate(pred);
  async function tabTo(pred, what) {
    for (let i = 0; i < 40; i += 1) {
      if (await focusIs(pred)) return;
      await sp.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${what}`);
  }
  for (let i = 0; i < quiz.questions.length; i += 1) {
    const q = quiz.questions[i];
    if (Array.isArray(q.options) && q.options.length) {
      await sp.keyboard.press('1'); // the first option
    } else {
      await tabTo(() => document.activeElement && document.activeElement.matches('input[type=text]'), 'the answer box');
      await sp.keyboard.type('inode');
    }
    if (i < quiz.questions.length - 1) {
      if (Array.isArray(q.options) && q.options.length) await sp.keyboard.press('n');
      else await sp.keyboard.press('Enter');
      await sp.getByText(`Question ${i + 2} of ${quiz.questions.length}`, { exact: false }).first().waitFor();
    }
  }
  const n = quiz.questions.length;
  await sp.getByText(`${n} of ${n} answered`, { exact: false }).first().waitFor();
  await tabTo(() => document.activeElement && document.activeElement.textContent === 'Submit answers', 'Submit answers');
  await checkPage(sp, 'quiz taken by keyboard');
  await shot(sp, outDir, 'tutor-07-student-quiz-keyboard');
  await sp.keyboard.press('Enter');
  await sp.getByRole('heading', { level: 1, name: 'Quiz results' }).waitFor();
  const verdicts = await sp.locator('.result-verdict').allTextContents();
  assert(verdicts.length === n && verdicts.every((v) => v === 'Correct' || v === 'Incorrect'),
    `the results say ${JSON.stringify(verdicts)}`);
  await checkPage(sp, 'quiz results');
  await shot(sp, outDir, 'tutor-08-student-results');

  // A student has no tutor room (the route guard says so without calling the API).
  await sp.goto('/tutor-room');
  await sp.getByRole('heading', { level: 1, name: 'Not available' }).waitFor();
  await checkPage(sp, 'tutor room as a student');
}
