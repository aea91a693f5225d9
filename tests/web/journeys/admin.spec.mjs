// The admin journey: the first superuser logs in, makes an account a tutor and
// assigns a student to it, deactivates and reactivates an account, watches the
// workers, and retries one dead job and deletes another. Every page is checked
// and shot at desktop and phone widths.
//
// Dead jobs are made the way README's "Background jobs" and `exammentor jobs
// enqueue --help` document: a debug.flaky job that fails its first attempts,
// enqueued with --max-attempts 1 by the jobs command on the server's database.
// tests/web/run.sh names the binary and the server's database and files
// (EM_WEB_BIN, EM_WEB_DATABASE_URL, EM_WEB_DATA_DIR).
import { execFileSync } from 'node:child_process';
import {
  apiClient, assert, checkPage, newPage, shot, testPassword, uniqueEmail,
} from '../lib/harness.mjs';

/** {bin, env} to run the CLI on the server's database (tests/web/run.sh exports them). */
function serverCli() {
  const { EM_WEB_BIN: bin, EM_WEB_DATABASE_URL: url, EM_WEB_DATA_DIR: dataDir } = process.env;
  if (!bin || !url) throw new Error('admin journey: EM_WEB_BIN and EM_WEB_DATABASE_URL are not set (run it with tests/web/run.sh)');
  return { bin, env: { DATABASE_URL: url, DATA_DIR: dataDir || '' } };
}

/** Enqueue a job that fails its first attempt and may make only one: it dies. Returns its id. */
function deadJob(cli) {
  const out = execFileSync(cli.bin, ['jobs', 'enqueue', 'debug.flaky', '--payload', '{"fail_times":1}', '--max-attempts', '1'], {
    env: { PATH: process.env.PATH, ENVIRONMENT: 'local', LOG_LEVEL: 'error', ...cli.env },
    encoding: 'utf8',
  });
  const id = (out.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) || [])[0];
  assert(id, `jobs enqueue printed no id: ${out}`);
  return id;
}

async function jobState(adminApi, id) {
  for (const state of ['dead', 'queued', 'running', 'failed', 'done']) {
    const r = await adminApi.get(`/api/admin/jobs?state=${state}&limit=200`);
    const j = (r.items || []).find((x) => x.id === id);
    if (j) return j;
  }
  return null;
}

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export default async function adminJourney({ outDir, admin, browser }) {
  const adminApi = apiClient();
  await adminApi.login(admin.email, admin.password);
  const tutorEmail = uniqueEmail('tutor');
  const tutorApi = apiClient();
  const tutorUser = await tutorApi.register(tutorEmail, testPassword, 'Theo Tutor');
  const studentEmail = uniqueEmail('student');
  const student = await apiClient().register(studentEmail, testPassword, 'Sara Student');

  // ---- the first superuser logs in through the form ----
  const page = await newPage(browser);
  await page.goto('/login');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));

  await page.goto('/admin');
  await page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Dead jobs' }).waitFor();
  await checkPage(page, 'admin overview');
  await shot(page, outDir, 'admin-01-overview');

  // ---- users: make a tutor, assign a student ----
  await page.getByRole('link', { name: 'Users' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  const roleSelect = page.getByLabel(`Role of ${tutorEmail}`);
  await roleSelect.waitFor();
  await checkPage(page, 'users');
  await shot(page, outDir, 'admin-02-users');
  await roleSelect.selectOption('tutor');
  const dlg = page.getByRole('dialog');
  await dlg.getByRole('button', { name: 'Make tutor' }).waitFor();
  await checkPage(page, 'role change dialog');
  await dlg.getByRole('button', { name: 'Make tutor' }).click();
  await page.getByText(`${tutorEmail} is now a tutor.`).first().waitFor();

  const tutorPick = page.getByLabel('Tutor', { exact: true });
  await tutorPick.waitFor();
  await tutorPick.selectOption({ value: tutorUser.id });
  await page.getByLabel('Student', { exact: true }).selectOption({ value: student.id });
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await page.getByText('Student assigned.').first().waitFor();
  // The tutor now sees the student (the tutor's token carries the old role: sign in again).
  await tutorApi.login(tutorEmail, testPassword);
  const roster = await tutorApi.get('/api/tutor/students');
  assert((roster.items || []).some((s) => s.id === student.id), 'the tutor does not see the assigned student');
  // The tutor's students are listed under the form, each with its Unassign button:
  // ending the assignment there empties the list (and the API's), assigning again fills it.
  const unassign = page.getByRole('button', { name: `Unassign ${studentEmail}`, exact: true });
  await unassign.waitFor();
  await page.getByRole('heading', { level: 3, name: /^Students of .*\(1\)$/ }).waitFor();
  await checkPage(page, 'users after assigning');
  await unassign.click();
  await page.getByRole('dialog').getByRole('button', { name: 'Unassign', exact: true }).click();
  await page.getByText('No students assigned yet').first().waitFor();
  let assigned = await adminApi.get(`/api/admin/tutors/${tutorUser.id}/students`);
  assert(assigned.total === 0, `the assignment did not end: ${assigned.total} students`);
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await unassign.waitFor();
  assigned = await adminApi.get(`/api/admin/tutors/${tutorUser.id}/students`);
  assert(assigned.total === 1 && assigned.items[0].id === student.id, 'the student is not assigned again');
  await shot(page, outDir, 'admin-03-assigned');

  // Deactivate the student (confirmed in a dialog), then activate again.
  await page.getByRole('button', { name: `Deactivate ${studentEmail}`, exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Deactivate', exact: true }).click();
  await page.getByRole('button', { name: `Activate ${studentEmail}`, exact: true }).waitFor();
  let users = await adminApi.get('/api/admin/users?role=student&limit=200');
  assert(users.items.find((u) => u.id === student.id).is_active === false, 'the student is still active');
  await page.getByRole('button', { name: `Activate ${studentEmail}`, exact: true }).click();
  await page.getByRole('button', { name: `Deactivate ${studentEmail}`, exact: true }).waitFor();
  users = await adminApi.get('/api/admin/users?role=student&limit=200');
  assert(users.items.find((u) => u.id === student.id).is_active === true, 'the student was not activated again');

  // ---- workers and dead jobs ----
  // The in-process worker has sent its first heartbeat (else health is 503).
  await until('a live worker', async () => adminApi.get('/api/workers/health').then(() => true, () => false));
  const cli = serverCli();
  const retryId = deadJob(cli);
  const deleteId = deadJob(cli);
  const died = await until('both jobs to die', async () => {
    const a = await jobState(adminApi, retryId);
    const b = await jobState(adminApi, deleteId);
    return a && b && a.state === 'dead' && b.state === 'dead' ? a : null;
  });

  await page.getByRole('link', { name: 'Workers and jobs' }).click();
  await page.getByRole('heading', { level: 1, name: 'Workers and jobs' }).waitFor();
  const retryBtn = page.getByRole('button', { name: `Retry debug.flaky ${retryId}` });
  await retryBtn.waitFor();
  await page.getByText(/alive/).first().waitFor();
  await checkPage(page, 'workers and dead jobs');
  await shot(page, outDir, 'admin-04-workers');

  // The page refreshes itself every 5 s: the figures' time stamp moves on.
  const stamp = await page.getByText(/^Updated /).textContent();
  await page.waitForFunction((s) => {
    const p = [...document.querySelectorAll('p')].find((x) => x.textContent.startsWith('Updated '));
    return p && p.textContent !== s;
  }, stamp, { timeout: 12000 });

  // Retry: the job runs again (and, failing its first attempt once more, dies again later).
  await retryBtn.click();
  await page.getByText('Job debug.flaky queued again.').first().waitFor();
  await until('the retried job to run again', async () => {
    const j = await jobState(adminApi, retryId);
    return j && (j.state !== 'dead' || (j.finished_at || j.updated_at) !== (died.finished_at || died.updated_at));
  });

  // Delete: asked first, then gone.
  await page.getByRole('button', { name: `Delete debug.flaky ${deleteId}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Job debug.flaky deleted.').first().waitFor();
  await until('the deleted job to be gone', async () => (await jobState(adminApi, deleteId)) === null);
  await page.getByRole('button', { name: `Delete debug.flaky ${deleteId}` }).waitFor({ state: 'detached' });
  await checkPage(page, 'workers after retry and delete');
  await shot(page, outDir, 'admin-05-jobs-handled');

  // Back up now: a worker makes it, and the page lists it at its next refresh.
  const backups = page.getByRole('region', { name: 'Backups' });
  await backups.getByText('No backup yet.').waitFor();
  await backups.getByRole('button', { name: 'Back up now' }).click();
  await page.getByText('Backup queued: it shows here once a worker has made it.').first().waitFor();
  await backups.getByRole('table', { name: 'Backups' }).waitFor({ timeout: 20000 });
  const listed = await adminApi.get('/api/admin/backups');
  assert(listed.items.length === 1 && listed.items[0].dialect === 'sqlite', 'the backup was not made');
  await checkPage(page, 'workers with a backup');
  await shot(page, outDir, 'admin-06-backup');
}
