// Materials: drop several files (a progress bar each while they upload, then their
// extraction's pages n/N, polled every second), the list with status and counts, and
// delete with confirmation.

import { h, replace, add } from '../lib/dom.js';
import { api, uploadWithProgress } from '../lib/api.js';
import { button, table, confirmDialog, toast, errorBox, emptyState, loading, announce, progress, pageHeader } from '../lib/ui.js';
import { formatDateTime } from '../lib/dates.js';

const FINAL = new Set(['ready', 'failed']);

export function statusBadge(m) {
  switch (m.status) {
    case 'ready': return h('span', { class: 'badge badge-success' }, 'Ready');
    case 'failed': return h('span', { class: 'badge badge-danger' }, 'Failed');
    case 'processing': return h('span', { class: 'badge badge-warning' },
      m.page_count ? `Extracting ${m.pages_done || 0}/${m.page_count}` : 'Extracting');
    default: return h('span', { class: 'badge' }, 'Waiting');
  }
}

function rowKey(m) {
  return [m.status, m.pages_done, m.page_count, m.section_count, m.question_count, m.title, m.error].join('|');
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function sizeText(bytes) {
  if (!bytes && bytes !== 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export async function render(main, { user, signal }) {
  const materials = new Map(); // id -> material
  const timers = new Set();
  let stopped = false;
  const listSlot = h('div', { 'aria-live': 'off' });
  const uploads = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
  const worksheet = h('input', { type: 'checkbox', id: 'upload-worksheet', name: 'worksheet' });
  const fileInput = h('input', {
      type : 'file',
      multiple : true,
      hidden : true,
      id : 'upload-files',
      'aria-label' : 'Files to upload',
      accept : '.pdf,.txt,.md,.markdown,.html,.htm,application/pdf,text/plain,text/markdown,text/html'
  });

  function renderList() {
    const focused = document.activeElement && listSlot.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') || document.activeElement.textContent : null;
    drawList();
    if (focused) {
      const again = [...listSlot.querySelectorAll('a, button')].find((el) => (el.getAttribute('aria-label') || el.textContent) === focused);
      if (again) again.focus();
    }
  }

  function drawList() {
    const rows = [...materials.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    if (!rows.length) {
      replace(listSlot, emptyState('No materials yet. Upload your first PDF: drop it above or choose files.'));
      return;
    }
    replace(listSlot, table([
      { key: 'title', label: 'Title', render: (m) => h('a', { href: `/materials/${m.id}`, 'data-link': '' }, m.title || m.filename || 'Untitled') },
      { key: 'status', label: 'Status', render: (m) => h('span', null, statusBadge(m), m.status === 'failed' && m.error ? h('div', { class: 'small error-text' }, m.error) : null) },
      { key: 'page_count', label: 'Pages', numeric: true, hideOnPhone: true, render: (m) => (m.page_count ?? '') },
      { key: 'section_count', label: 'Sections', numeric: true, hideOnPhone: true, render: (m) => (m.section_count ?? '') },
      { key: 'question_count', label: 'Questions', numeric: true, hideOnPhone: true, render: (m) => (m.question_count ?? '') },
      { key: 'size_bytes', label: 'Size', numeric: true, hideOnPhone: true, render: (m) => sizeText(m.size_bytes) },
      { key: 'created_at', label: 'Uploaded', hideOnPhone: true, render: (m) => formatDateTime(m.created_at, user.time_zone) },
      { key: 'actions', label: 'Actions', render: (m) => button('Delete', () => remove(m), { kind: 'ghost', label: `Delete ${m.title || m.filename}` }) },
    ], rows, { caption: 'Your materials', captionHidden: true }));
  }

  async function remove(m) {
    const ok = await confirmDialog(`Delete "${m.title || m.filename}"? Its passages, topics and questions go with it.`, { confirmLabel: 'Delete', title: 'Delete material?' });
    if (!ok) return;
    try {
      await api('DELETE', `/api/materials/${m.id}`);
      materials.delete(m.id);
      renderList();
      toast(`Deleted "${m.title || m.filename}".`, 'success');
      announce('Material deleted.');
    } catch (err) {
      toast(err.message, 'danger');
    }
  }

  function poll(id, onUpdate) {
    const tick = async () => {
      if (stopped) return;
      try {
        const m = await api('GET', `/api/materials/${id}`);
        if (stopped) return;
        const before = materials.get(id);
        materials.set(id, m);
        // The table is drawn again only when a row changed, so focus in it stays put.
        if (!before || rowKey(before) !== rowKey(m)) renderList();
        if (onUpdate) onUpdate(m);
        if (FINAL.has(m.status)) return;
      } catch (err) {
        if (err.status === 404) return;
      }
      const t = setTimeout(() => { timers.delete(t); tick(); }, 1000);
      timers.add(t);
    };
    tick();
  }

  function uploadOne(file) {
    const bar = progress(`Uploading ${file.name}`);
    const status = h('div', { class: 'small', 'aria-live': 'polite' });
    const item = h('li', null, h('div', { class: 'upload-name' }, file.name, h('span', { class: 'muted' }, ` · ${sizeText(file.size)}`)), bar.el, status);
    uploads.appendChild(item);
    const form = new FormData();
    form.append('file', file, file.name);
    form.append('title', file.name.replace(/\.[^.]+$/, ''));
    if (worksheet.checked) form.append('worksheet', 'true');
    return uploadWithProgress('/api/materials', form, (loaded, total) => {
      bar.set(loaded, total, total ? `${Math.round((loaded / total) * 100)} % uploaded` : `${sizeText(loaded)} sent`);
    }).then((res) => {
      bar.set(1, 1, 'Uploaded; waiting for extraction');
      poll(res.id, (m) => {
        if (m.status === 'processing' && m.page_count) {
          bar.set(m.pages_done || 0, m.page_count, `Extracting: page ${m.pages_done || 0} of ${m.page_count}`);
        } else if (m.status === 'ready') {
          bar.set(1, 1, `Ready: ${plural(m.page_count || 0, 'page')}, ${plural(m.section_count || 0, 'section')}`);
          replace(status, h('a', { href: `/materials/${m.id}`, 'data-link': '' }, `Open ${m.title || file.name}`));
          announce(`${file.name} is ready.`);
        } else if (m.status === 'failed') {
          bar.set(0, 1, 'Extraction failed');
          replace(status, h('p', { class: 'error-text' }, m.error || 'Extraction failed.'));
          announce(`${file.name} failed: ${m.error || 'extraction failed'}.`);
        }
      });
    }).catch((err) => {
      bar.set(0, 1, 'Not uploaded');
      replace(status, errorBox(err));
      announce(`${file.name} was not uploaded: ${err.message}`);
    });
  }

  function takeFiles(files) {
    const list = [...files];
    if (!list.length) return;
    announce(`Uploading ${list.length} file${list.length > 1 ? 's' : ''}.`);
    list.forEach(uploadOne);
  }

  fileInput.addEventListener('change', () => {
    takeFiles(fileInput.files);
    fileInput.value = '';
  });
  const zone = h('div', { class: 'dropzone' },
    h('p', null, 'Drop PDF, text, Markdown or HTML files here, several at once.'),
    h('div', { class: 'actions row' },
      button('Choose files', () => fileInput.click(), { kind: 'primary' }),
      h('label', { class: 'check', for: 'upload-worksheet' }, worksheet, 'These are worksheets (questions with answers)')),
    fileInput);
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('is-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('is-over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('is-over');
    if (e.dataTransfer && e.dataTransfer.files) takeFiles(e.dataTransfer.files);
  });
  // Files dropped anywhere on the page go to the zone rather than replacing the page.
  const stopDrop = (e) => { if (e.dataTransfer && [...e.dataTransfer.types].includes('Files')) e.preventDefault(); };
  window.addEventListener('dragover', stopDrop);
  window.addEventListener('drop', stopDrop);

  add(main, 
    pageHeader('Materials', h('a', { class: 'btn', href: '/search', 'data-link': '' }, 'Search materials')),
    h('section', { 'aria-label': 'Upload' }, zone, uploads),
    h('h2', null, 'Your materials'),
    listSlot,
  );
  listSlot.appendChild(loading('Loading materials…'));
  try {
    const res = await api('GET', '/api/materials', { query: { limit: 100 }, signal });
    for (const m of res.items || []) materials.set(m.id, m);
    renderList();
    for (const m of materials.values()) if (!FINAL.has(m.status)) poll(m.id);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    replace(listSlot, errorBox(err));
  }

  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    window.removeEventListener('dragover', stopDrop);
    window.removeEventListener('drop', stopDrop);
  };
}
