// One material: its status and counts, outline (each entry opens its section's
// text beside the page), topics, the worksheet's questions and
// a link to download the original.

import { h, replace, add } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { button, errorBox, emptyState, confirmDialog, toast, pageHeader } from '../lib/ui.js';
import { navigate } from '../lib/router.js';
import { formatDateTime } from '../lib/dates.js';
import { statusBadge, plural } from './materials.js';
import { openSection } from '../lib/passage.js';

function settle(p) {
  return p.then((value) => ({ value }), (error) => ({ error }));
}

function section(title, ...children) {
  const id = `m-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

function questionItem(q) {
  const letters = 'ABCDEFGHIJ';
  let answer = q.answer;
  if (q.options && /^[A-J]$/.test(q.answer || '')) {
    const i = letters.indexOf(q.answer);
    if (q.options[i] !== undefined) answer = `${q.answer}. ${q.options[i]}`;
  }
  return h('li', { class: 'question' },
    h('p', null, h('strong', null, q.number ? `${q.number}. ` : ''), q.stem),
    q.options && q.options.length
      ? h('ol', { class: 'options', type: 'A' }, q.options.map((o) => h('li', null, o)))
      : null,
    answer ? h('details', null, h('summary', null, 'Answer'), h('p', null, answer), q.explanation ? h('p', { class: 'muted' }, q.explanation) : null) : null,
    h('p', { class: 'meta' }, q.page ? h('span', null, `page ${q.page}`) : null, h('span', null, q.type.replace('_', ' '))));
}

export async function render(main, { params, user, signal }) {
  const id = params.id;
  const [mRes, topicsRes, questionsRes, linkRes] = await Promise.all([
    settle(api('GET', `/api/materials/${id}`, { signal })),
    settle(api('GET', `/api/materials/${id}/topics`, { signal })),
    settle(api('GET', '/api/questions', { query: { material_id: id }, signal })),
    settle(api('GET', `/api/materials/${id}/download-url`, { signal })),
  ]);
  if (mRes.error) {
    if (mRes.error.status === 404) {
      add(main, h('h1', null, 'Material not found'), emptyState('It may have been deleted.', h('a', { href: '/materials', 'data-link': '' }, 'Back to materials')));
      return undefined;
    }
    throw mRes.error;
  }
  const m = mRes.value;
  const download = linkRes.value
    ? h('a', { class: 'btn', href: linkRes.value.url, download: m.filename || '' }, 'Download original')
    : null;
  const del = button('Delete', async () => {
    const ok = await confirmDialog(`Delete "${m.title || m.filename}"? Its passages, topics and questions go with it.`, { confirmLabel: 'Delete', title: 'Delete material?' });
    if (!ok) return;
    try {
      await api('DELETE', `/api/materials/${id}`);
      toast('Material deleted.', 'success');
      navigate('/materials');
    } catch (err) {
      toast(err.message, 'danger');
    }
  }, { kind: 'danger' });
  add(main, 
    h('p', { class: 'small' }, h('a', { href: '/materials', 'data-link': '' }, '← Materials')),
    pageHeader(m.title || m.filename || 'Material', download, h('a', { class: 'btn', href: `/search?material_id=${id}`, 'data-link': '' }, 'Search in it'), del),
    h('p', { class: 'meta' },
      h('span', null, statusBadge(m)),
      h('span', null, m.filename),
      m.page_count ? h('span', null, plural(m.page_count, 'page')) : null,
      h('span', null, plural(m.section_count || 0, 'section')),
      h('span', null, plural(m.chunk_count || 0, 'passage')),
      m.is_worksheet ? h('span', null, `worksheet, ${plural(m.question_count || 0, 'question')}`) : null,
      h('span', null, `uploaded ${formatDateTime(m.created_at, user.time_zone)}`)),
    m.status === 'failed' ? errorBox({ message: m.error || 'Extraction failed.' }) : null,
  );
  const grid = h('div', { class: 'grid' });
  const sections = m.sections || [];
  add(grid, section('Outline', sections.length ? h('p', { class: 'small muted' }, 'Open a heading to read its text.') : null, sections.length
    ? h('ul', { class: 'outline' }, sections.map((s) => h('li', { class: `level-${s.level}` },
      h('button', {
        type: 'button', class: 'link-button',
        'on:click': () => openSection({ material_id: m.id, material_title: m.title || m.filename, section: s.title, page: s.page }),
      }, s.title),
      s.page ? h('span', { class: 'muted small' }, ` · p. ${s.page}`) : null)))
    : h('p', { class: 'muted' }, m.status === 'ready' ? 'No headings were found.' : 'The outline appears once extraction is done.')));
  const topics = topicsRes.value ? topicsRes.value.items || [] : [];
  add(grid, section('Topics', topicsRes.error ? errorBox(topicsRes.error) : topics.length
    ? h('ul', { class: 'topic-list' }, topics.map((t) => h('li', null, t.name, h('span', { class: 'muted small' }, ` · ${t.source === 'heading' ? 'heading' : 'key term'}${t.page ? `, p. ${t.page}` : ''}`))))
    : h('p', { class: 'muted' }, 'No topics yet.')));
  add(main, grid);
  const questions = questionsRes.value ? questionsRes.value.items || [] : [];
  const qSlot = section(m.is_worksheet ? 'Worksheet questions' : 'Questions');
  if (questionsRes.error) add(qSlot, errorBox(questionsRes.error));
  else if (!questions.length) {
    add(qSlot, h('p', { class: 'muted' }, m.is_worksheet
      ? 'No questions were found in this worksheet.'
      : 'Quizzes write questions from this material when you take them.'),
    h('a', { href: '/quizzes', 'data-link': '' }, 'Take a quiz'));
  } else add(qSlot, h('ol', { class: 'questions' }, questions.map(questionItem)));
  add(main, qSlot);
  return undefined;
}
