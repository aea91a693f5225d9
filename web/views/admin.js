// The admin room: /admin (overview), /admin/users (roles, activation, tutor
// assignments) and /admin/workers (live workers, queue figures and dead jobs,
// refreshed every 5 s while the page is open).

import { h, clear, uid } from '../lib/dom.js';
import { api } from '../lib/api.js';
import {relativeTime, formatDate, formatTime, formatDateTime} from '../lib/dates.js';
import { getUser } from '../lib/store.js';
import {
  button, field, table, confirmDialog, errorBox, showError, emptyState, loading, announce, toast, pageHeader,
} from '../lib/ui.js';

/** The account's time zone: dates are shown in it, as everywhere else. */
function zone() {
  const user = getUser();
  return (user && user.time_zone) || 'UTC';
}

const ROLES = ['student', 'tutor', 'admin'];
const PAGE = 50;
export const REFRESH_MS = 5000;

/** "12 ms" / "1.2 s" for a run time in milliseconds; "—" when there is none. */
export function msText(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The assignment body for one or several students. */
// Bytes in words: "1.4 MB".
export function sizeText(bytes)
{
    const n = Number(bytes) || 0;
    if (n < 1024)
        return `${n} B`;
    const units = [ 'KB', 'MB', 'GB', 'TB' ];
    let v = n / 1024;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
    }
    return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function assignBody(studentIds) {
  const ids = [...new Set(studentIds.filter(Boolean))];
  return ids.length === 1 ? { student_id: ids[0] } : { student_ids: ids };
}

function adminNav(current) {
  const link = (href, label) => h('a', { href, 'data-link': '', class: 'btn btn-ghost',
    'aria-current': current === href ? 'page' : null }, label);
  return h('nav', { class: 'subnav', 'aria-label': 'Admin room' },
    link('/admin', 'Overview'), link('/admin/users', 'Users'), link('/admin/workers', 'Workers and jobs'));
}

function who(u) {
  return u.display_name ? `${u.display_name} (${u.email})` : u.email;
}

// ---- overview ----

async function renderOverview(view, signal) {
  view.append(pageHeader('Admin'), adminNav('/admin'), loading('Loading…'));
  const [users, tutors, dead, stats] = await Promise.allSettled([
    api('GET', '/api/admin/users', { query: { limit: 1 }, signal }),
    api('GET', '/api/admin/users', { query: { role: 'tutor', limit: 1 }, signal }),
    api('GET', '/api/admin/jobs', { query: { state: 'dead', limit: 1 }, signal }),
    api('GET', '/api/workers/stats', { signal }),
  ]);
  if (signal && signal.aborted) return;
  const figure = (title, r, get, href, linkText) => h('div', { class: 'card' }, h('h2', null, title),
    r.status === 'fulfilled' ? h('p', { class: 'card-figure' }, String(get(r.value))) : errorBox(r.reason),
    h('a', { href, 'data-link': '' }, linkText));
  const queued = (s) => (s.queues || []).reduce((n, q) => n + (q.queued || 0) + (q.running || 0), 0);
  view.lastChild.replaceWith(h('div', { class: 'grid' },
    figure('Accounts', users, (v) => v.total ?? 0, '/admin/users', 'Manage users'),
    figure('Tutors', tutors, (v) => v.total ?? 0, '/admin/users?role=tutor', 'Assign students'),
    figure('Jobs waiting or running', stats, queued, '/admin/workers', 'See the workers'),
    figure('Dead jobs', dead, (v) => v.total ?? (v.items || []).length, '/admin/workers#dead-jobs', 'Retry or delete')));
}

// ---- users ----

async function renderUsers(view, query, signal) {
  const role = ROLES.includes(query.role) ? query.role : '';
  let offset = Math.max(0, Number.parseInt(query.offset || '0', 10) || 0);
  view.append(pageHeader('Users'), adminNav('/admin/users'));
  const filter = field({ label: 'Show', name: 'role', type: 'select', value: role,
    options: [{ value: '', label: 'Everyone' }, ...ROLES.map((r) => ({ value: r, label: `${r[0].toUpperCase()}${r.slice(1)}s` }))] });
  const listSlot = h('div', null, loading('Loading users…'));
  const assignSlot = h('section', { class: 'card', 'aria-labelledby': 'assign-h' }, h('h2', { id: 'assign-h' }, 'Tutors and their students'), loading());
  view.append(h('div', { class: 'row' }, filter), listSlot, assignSlot);

  async function loadList() {
    let out;
    try {
      out = await api('GET', '/api/admin/users', { query: { role, limit: PAGE, offset }, signal });
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      clear(listSlot).append(errorBox(err, { prefix: 'The users could not be loaded' }));
      return;
    }
    const items = out.items || [];
    clear(listSlot);
    if (!items.length) {
      listSlot.append(emptyState(role ? `No ${role}s yet. Change someone's role below, or create accounts with "exammentor users create".`
        : 'No accounts yet. People sign up on the sign-up page.'));
      return;
    }
    listSlot.append(table([
      { key: 'email', label: 'Account', render: (u) => h('div', null, h('strong', null, u.display_name || u.email), h('div', { class: 'small muted' }, u.email)) },
      { key: 'role', label: 'Role', render: (u) => roleControl(u) },
      { key: 'is_active', label: 'Active', render: (u) => activeControl(u) },
      { key: 'created_at', label: 'Joined', hideOnPhone: true, render: (u) => (u.created_at ? formatDate(u.created_at, zone()) : '') },
    ], items, { caption: `Users${role ? ` (${role}s)` : ''}: ${out.total} in all`, rowHeader: false }));
    const pager = h('div', { class: 'actions' });
    if (offset > 0) pager.append(button('Previous page', () => { offset = Math.max(0, offset - PAGE); return loadList(); }));
    if (offset + items.length < (out.total || 0)) pager.append(button('Next page', () => { offset += PAGE; return loadList(); }));
    if (pager.children.length) listSlot.append(pager);
  }

  function roleControl(u) {
    const id = uid('role');
    const slot = h('div', { class: 'error-slot' });
    const sel = h('select', { id, name: 'role' }, ROLES.map((r) => h('option', { value: r, selected: r === u.role }, r)));
    sel.addEventListener('change', async () => {
      const want = sel.value;
      const ok = await confirmDialog(`Make ${who(u)} a ${want}? A role change ends the assignments of the old role.`,
        { title: 'Change the role?', confirmLabel: `Make ${want}`, danger: false });
      if (!ok) {
        sel.value = u.role;
        return;
      }
      showError(slot, null);
      sel.disabled = true;
      try {
        const out = await api('PATCH', `/api/admin/users/${encodeURIComponent(u.id)}`, { body: { role: want }, signal });
        u.role = out.role || want;
        toast(`${u.email} is now a ${u.role}.`, 'success');
        announce(`${u.email} is now a ${u.role}.`);
        loadAssign();
      } catch (err) {
        sel.value = u.role;
        showError(slot, err, { prefix: 'The role was not changed' });
      } finally {
        sel.disabled = false;
      }
    });
    return h('div', null, h('label', { for: id, class: 'visually-hidden' }, `Role of ${u.email}`), sel, slot);
  }

  function activeControl(u) {
    const slot = h('div', { class: 'error-slot' });
    const state = h('span', null, u.is_active ? 'Active' : 'Deactivated');
    const btn = button(u.is_active ? 'Deactivate' : 'Activate', async () => {
      const want = !u.is_active;
      if (!want) {
        const ok = await confirmDialog(`Deactivate ${who(u)}? Their sessions end at once and they cannot log in until activated again.`,
          { title: 'Deactivate the account?', confirmLabel: 'Deactivate' });
        if (!ok) return;
      }
      showError(slot, null);
      try {
        const out = await api('PATCH', `/api/admin/users/${encodeURIComponent(u.id)}`, { body: { is_active: want }, signal });
        u.is_active = out.is_active ?? want;
        state.textContent = u.is_active ? 'Active' : 'Deactivated';
        btn.textContent = u.is_active ? 'Deactivate' : 'Activate';
        btn.setAttribute('aria-label', `${u.is_active ? 'Deactivate' : 'Activate'} ${u.email}`);
        announce(`${u.email} ${u.is_active ? 'activated' : 'deactivated'}.`);
      } catch (err) {
        showError(slot, err, { prefix: 'Not changed' });
      }
    }, { kind: u.is_active ? 'secondary' : 'primary', label: `${u.is_active ? 'Deactivate' : 'Activate'} ${u.email}` });
    return h('div', { class: 'row' }, state, btn, slot);
  }

  async function loadAssign() {
    const [tR, sR] = await Promise.allSettled([
      api('GET', '/api/admin/users', { query: { role: 'tutor', limit: 200 }, signal }),
      api('GET', '/api/admin/users', { query: { role: 'student', limit: 200 }, signal }),
    ]);
    if (signal && signal.aborted) return;
    clear(assignSlot).append(h('h2', { id: 'assign-h' }, 'Tutors and their students'));
    if (tR.status === 'rejected' || sR.status === 'rejected') {
      assignSlot.append(errorBox(tR.status === 'rejected' ? tR.reason : sR.reason));
      return;
    }
    const tutors = tR.value.items || [];
    const students = sR.value.items || [];
    if (!tutors.length) {
      assignSlot.append(emptyState('No tutors yet. Make an account a tutor with its Role menu above, then assign students here.'));
      return;
    }
    if (!students.length) {
      assignSlot.append(emptyState('No students yet: they appear here once they sign up.'));
      return;
    }
    const tutor = field({ label: 'Tutor', name: 'tutor', type: 'select', options: tutors.map((t) => ({ value: t.id, label: who(t) })) });
    const student = field({ label: 'Student', name: 'student', type: 'select', options: students.map((s) => ({ value: s.id, label: who(s) })) });
    const slot = h('div', { class: 'error-slot' });
    const assignedSlot = h('div', {'aria-live' : 'polite'});
    const tutorPath = () => `/api/admin/tutors/${encodeURIComponent(tutor.input.value)}/students`;
    const tutorName = () => tutor.input.selectedOptions[0]?.textContent || 'this tutor';

    // The chosen tutor's students, each with its own Unassign button.
    async function loadAssigned()
    {
        const path = tutorPath();
        clear(assignedSlot).append(loading('Loading the tutor\'s students…'));
        let out;
        try {
            out = await api('GET', path, {query : {limit : 200}, signal});
        } catch (err) {
            if (err && err.name === 'AbortError')
                return;
            clear(assignedSlot).append(errorBox(err, {prefix : 'The tutor\'s students could not be loaded'}));
            return;
        }
        if (path !== tutorPath())
            return; // another tutor was chosen meanwhile
        const items = out.items || [];
        const heading = h('h3', {id : 'assigned-h'}, `Students of ${tutorName()} (${out.total || 0})`);
        clear(assignedSlot).append(heading);
        if (!items.length) {
            assignedSlot.append(emptyState('No students assigned yet: choose one above and press Assign.'));
            return;
        }
        const list = h('ul', {class : 'assigned-students', 'aria-labelledby' : 'assigned-h'});
        for (const s of items) {
            const rowSlot = h('div', {class : 'error-slot'});
            const unassign = button('Unassign', async () => {
                const ok = await confirmDialog(
                    `End the assignment of ${who(s)}? ${tutorName()} no longer sees their work.`,
                    {title : 'Unassign the student?', confirmLabel : 'Unassign'});
                if (!ok)
                    return;
                showError(rowSlot, null);
                try {
                    await api('DELETE', `${path}/${encodeURIComponent(s.id)}`, {signal});
                    toast('Assignment ended.', 'success');
                    announce(`${s.email} unassigned.`);
                } catch (err) {
                    if (err.status !== 404) {
                        showError(rowSlot, err, {prefix : 'Not unassigned'});
                        return;
                    }
                }
                await loadAssigned();
            }, {label : `Unassign ${s.email}`});
            list.append(h('li', {class : 'row'}, h('span', null, who(s)), unassign, rowSlot));
        }
        assignedSlot.append(list);
        if ((out.total || 0) > items.length)
            assignedSlot.append(h('p', {class : 'hint'}, `The first ${items.length} are shown.`));
    }

    const assign = button('Assign', async () => {
      showError(slot, null);
      try {
          const out = await api('POST', tutorPath(), {body : assignBody([ student.input.value ]), signal});
          const text = out && out.added === 0 ? 'That student was already assigned to this tutor.'
                                              : 'Student assigned.';
          toast(text, 'success');
          announce(text);
      } catch (err) {
        showError(slot, err, { prefix: 'Not assigned' });
        return;
      }
      await loadAssigned();
    }, { kind: 'primary' });
    tutor.input.addEventListener('change', () => {
        showError(slot, null);
        loadAssigned();
    });
    assignSlot.append(
        h('p', {class : 'hint'},
          'A tutor sees the work of the students assigned to them and reviews their generated questions.'),
        h('div', {class : 'form-grid'}, tutor, student), h('div', {class : 'actions'}, assign), slot,
        assignedSlot);
    await loadAssigned();
  }

  filter.input.addEventListener('change', () => {
    const v = filter.input.value;
    const url = v ? `/admin/users?role=${encodeURIComponent(v)}` : '/admin/users';
    import('../lib/router.js').then((r) => r.navigate(url));
  });
  await Promise.all([loadList(), loadAssign()]);
}

// ---- workers and jobs ----

async function renderWorkers(view, signal) {
  view.append(pageHeader('Workers and jobs'), adminNav('/admin/workers'));
  const updated = h('p', { class: 'hint', 'aria-live': 'off' }, 'Loading…');
  const workersBox = h('section', { 'aria-labelledby': 'workers-h' }, h('h2', { id: 'workers-h' }, 'Workers'), loading());
  const queuesBox = h('section', { 'aria-labelledby': 'queues-h' }, h('h2', { id: 'queues-h' }, 'Queues'), loading());
  const deadBox = h('section', { id: 'dead-jobs', 'aria-labelledby': 'dead-h' }, h('h2', { id: 'dead-h' }, 'Dead jobs'), loading());
  const backupsBox = h('section', {id : 'backups', 'aria-labelledby' : 'backups-h'},
                       h('h2', {id : 'backups-h'}, 'Backups'), loading());
  const jobSlot = h('div', { class: 'error-slot' });
  const backupSlot = h('div', {class : 'error-slot'});
  view.append(updated, workersBox, queuesBox, deadBox, backupsBox);

  let timer = null;
  let stopped = false;
  let inFlight = false;
  const busyJobs = new Set();

  function put(box, title, id, ...content) {
    clear(box).append(h('h2', { id }, title), ...content);
  }

  async function tick() {
    if (stopped || inFlight) return;
    inFlight = true;
    const [hR, sR, dR, bR] = await Promise.allSettled([
        api('GET', '/api/workers/health', {signal}),
        api('GET', '/api/workers/stats', {signal}),
        api('GET', '/api/admin/jobs', {query : {state : 'dead', limit : 100}, signal}),
        api('GET', '/api/admin/backups', {signal}),
    ]);
    inFlight = false;
    if (stopped || (signal && signal.aborted)) return;
    // Keep focus where it was across the redraw (a retry button keeps its job id).
    const active = document.activeElement;
    const focusKey = active && active.dataset ? active.dataset.focusKey : null;

    if (hR.status === 'rejected') {
      const e = hR.reason;
      put(workersBox, 'Workers', 'workers-h', e && e.code === 'no_workers'
        ? h('div', { class: 'notice notice-warning', role: 'status' }, 'No live worker: jobs wait until one runs (',
          h('code', null, 'exammentor worker'), ' or ', h('code', null, 'serve'), ' without --no-worker).')
        : errorBox(e));
    } else {
      const ws = hR.value.workers || [];
      put(workersBox, 'Workers', 'workers-h', h('p', null, `${hR.value.alive} alive`),
        table([
          { key: 'id', label: 'Worker', render: (w) => h('code', null, w.id) },
          { key: 'queues', label: 'Queues', hideOnPhone: true },
          { key: 'concurrency', label: 'Threads', numeric: true, hideOnPhone: true, render: (w) => String(w.concurrency) },
          { key: 'heartbeat_age_s', label: 'Heartbeat', render: (w) => `${Math.max(0, Math.round(w.heartbeat_age_s))} s ago` },
          { key: 'alive', label: 'State', render: (w) => (w.alive ? 'alive' : 'silent') },
        ], ws, { caption: 'Workers', captionHidden: true }));
    }

    if (sR.status === 'rejected') put(queuesBox, 'Queues', 'queues-h', errorBox(sR.reason));
    else {
      const qs = sR.value.queues || [];
      put(queuesBox, 'Queues', 'queues-h', qs.length ? table([
        { key: 'queue', label: 'Queue' },
        { key: 'queued', label: 'Queued', numeric: true, render: (q) => String(q.queued) },
        { key: 'running', label: 'Running', numeric: true, render: (q) => String(q.running) },
        { key: 'succeeded', label: 'Done', numeric: true, hideOnPhone: true, render: (q) => String(q.succeeded) },
        { key: 'failed', label: 'Failed', numeric: true, hideOnPhone: true, render: (q) => String(q.failed) },
        { key: 'dead', label: 'Dead', numeric: true, render: (q) => String(q.dead) },
        { key: 'throughput_per_min', label: 'Per minute', numeric: true, hideOnPhone: true, render: (q) => (q.throughput_per_min || 0).toFixed(1) },
        { key: 'p50_ms', label: 'p50', numeric: true, hideOnPhone: true, render: (q) => msText(q.p50_ms) },
        { key: 'p95_ms', label: 'p95', numeric: true, hideOnPhone: true, render: (q) => msText(q.p95_ms) },
      ], qs, { caption: 'Queues', captionHidden: true }) : emptyState('No job has run yet. Jobs appear here when materials are uploaded.'));
    }

    if (dR.status === 'rejected') put(deadBox, 'Dead jobs', 'dead-h', errorBox(dR.reason), jobSlot);
    else {
      const jobs = dR.value.items || [];
      put(deadBox, 'Dead jobs', 'dead-h', jobs.length ? table([
        { key: 'kind', label: 'Job', render: (j) => h('div', { class: 'job-cell' }, h('strong', null, j.kind),
          h('div', { class: 'small muted' }, h('code', null, j.id)), jobActions(j)) },
        { key: 'attempts', label: 'Attempts', numeric: true, hideOnPhone: true, render: (j) => `${j.attempts} of ${j.max_attempts}` },
        { key: 'last_error', label: 'Last error', render: (j) => j.last_error || '—' },
        { key: 'updated_at', label: 'Died', hideOnPhone: true, render: (j) => (j.finished_at || j.updated_at ? relativeTime(j.finished_at || j.updated_at, new Date()) : '') },
        { key: 'material_id', label: 'Material', hideOnPhone: true, render: (j) => (j.material_id ? h('a', { href: `/materials/${encodeURIComponent(j.material_id)}`, 'data-link': '' }, 'Open') : '—') },
      ], jobs, { caption: 'Dead jobs', captionHidden: true })
        : emptyState('No dead jobs. A job that fails all its attempts is kept here to retry or delete.'), jobSlot);
    }
    if (bR.status === 'rejected')
        put(backupsBox, 'Backups', 'backups-h', errorBox(bR.reason), backupNow, backupSlot);
    else {
        const items = bR.value.items || [];
        put(backupsBox, 'Backups', 'backups-h',
            h('p', {class : 'hint'}, 'Made every night by a worker, and kept in ',
              h('code', null, bR.value.dir || 'BACKUP_DIR'), '. Restore one with ',
              h('code', null, 'exammentor backup restore'), ' on the server.'),
            items.length
                ? table(
                      [
                          {
                              key : 'created_at',
                              label : 'Made',
                              render : (b) => formatDateTime(b.created_at, zone())
                          },
                          {
                              key : 'database_bytes',
                              label : 'Database',
                              numeric : true,
                              render : (b) => sizeText(b.database_bytes)
                          },
                          {
                              key : 'files',
                              label : 'Files',
                              numeric : true,
                              hideOnPhone : true,
                              render : (b) => `${b.files} (${sizeText(b.file_bytes)})`
                          },
                          {
                              key : 'name',
                              label : 'Name',
                              hideOnPhone : true,
                              render : (b) => h('code', null, b.name)
                          },
                      ],
                      items, {caption : 'Backups', captionHidden : true})
                : emptyState('No backup yet. One is made every night; make one now with the button.'),
            backupNow, backupSlot);
    }
    updated.textContent = `Updated ${formatTime(new Date(), zone())}; refreshes every 5 s.`;
    if (focusKey) {
      const again = view.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
    }
  }

  const backupNow = button('Back up now', async () => {
      showError(backupSlot, null);
      try {
          await api('POST', '/api/admin/backups', {body : {}, signal});
          toast('Backup queued: it shows here once a worker has made it.', 'success');
          announce('Backup queued.');
      } catch (err) {
          showError(backupSlot, err, {prefix : 'No backup was queued'});
      }
  }, {kind : 'primary'});
  backupNow.dataset.focusKey = 'backup-now'; // the redraw every 5 s moves it: focus follows

  function jobActions(j) {
    const retry = button('Retry', async () => {
      showError(jobSlot, null);
      busyJobs.add(j.id);
      try {
        await api('POST', `/api/admin/jobs/${encodeURIComponent(j.id)}/retry`, { body: {}, signal });
        toast(`Job ${j.kind} queued again.`, 'success');
        announce(`Job ${j.kind} queued again.`);
      } catch (err) {
        showError(jobSlot, err, { prefix: `${j.kind} was not retried` });
      } finally {
        busyJobs.delete(j.id);
      }
      await tick();
    }, { kind: 'primary', label: `Retry ${j.kind} ${j.id}` });
    const del = button('Delete', async () => {
      const ok = await confirmDialog(`Delete the ${j.kind} job and its runs? It will never run again.`,
        { title: 'Delete the job?', confirmLabel: 'Delete' });
      if (!ok) return;
      showError(jobSlot, null);
      try {
        await api('DELETE', `/api/admin/jobs/${encodeURIComponent(j.id)}`, { signal });
        toast(`Job ${j.kind} deleted.`, 'success');
        announce(`Job ${j.kind} deleted.`);
      } catch (err) {
        showError(jobSlot, err, { prefix: `${j.kind} was not deleted` });
      }
      await tick();
    }, { kind: 'danger', label: `Delete ${j.kind} ${j.id}` });
    retry.dataset.focusKey = `retry-${j.id}`;
    del.dataset.focusKey = `delete-${j.id}`;
    return h('div', { class: 'actions' }, retry, del);
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(async () => {
      // No redraw under an open dialog or while a job action runs.
      if (!document.querySelector('dialog[open]') && !busyJobs.size) await tick();
      schedule();
    }, REFRESH_MS);
  }

  await tick();
  schedule();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

export async function render(view, { query, signal }) {
  view.classList.add('room');
  const path = window.location.pathname.replace(/\/+$/, '');
  if (path.endsWith('/users')) {
    await renderUsers(view, query || {}, signal);
    return null;
  }
  if (path.endsWith('/workers')) return renderWorkers(view, signal);
  await renderOverview(view, signal);
  return null;
}
