// The tutor: a chat over POST /api/tutor/stream. The NDJSON answer is read as it
// arrives (fetch + ReadableStream + lib/ndjson.js) and appended to a live region;
// citations become chips that open the passage beside the chat; the history is the
// current study session's; Stop aborts the stream.

import { h, add, replace, clear } from '../lib/dom.js';
import { api, apiFetch } from '../lib/api.js';
import { button, field, errorBox, emptyState, loading, announce, setFieldError } from '../lib/ui.js';
import { readStream } from '../lib/ndjson.js';
import { openPassage } from '../lib/passage.js';
import { getState, subscribe } from '../lib/store.js';
import { formatDateTime } from '../lib/dates.js';

function citationLabel(c) {
  const pages = c.page_start ? (c.page_end && c.page_end !== c.page_start ? `pp. ${c.page_start}–${c.page_end}` : `p. ${c.page_start}`) : null;
  return `[${c.n}] ${[c.material_title, c.section, pages].filter(Boolean).join(' · ')}`;
}

function chip(c) {
  return h('li', null, h('button', {
    type: 'button', class: 'chip',
    'on:click': () => openPassage(c),
  }, citationLabel(c)));
}

function userMessage(text, when, zone) {
  return h('div', { class: 'msg msg-user' },
    h('p', { class: 'msg-who' }, 'You', when ? ` · ${formatDateTime(when, zone)}` : ''),
    h('p', { class: 'msg-text' }, text));
}

function assistantMessage(text, citations, opts = {}) {
  const textEl = h('p', { class: 'msg-text' }, text || '');
  const chips = h('ul', { class: 'chips', 'aria-label': 'Sources' }, (citations || []).map(chip));
  const note = h('div', { class: 'msg-note' });
  const el = h('div', { class: 'msg msg-assistant' },
    h('p', { class: 'msg-who' }, 'Tutor', opts.when ? ` · ${formatDateTime(opts.when, opts.zone)}` : ''),
    textEl, chips, note);
  return { el, textEl, chips, note };
}

export async function render(main, { user, signal, query }) {
  let sessionId = getState().sessionId;
  let controller = null;
  let nextBefore = null;
  const log = h('div', { class: 'chat', role: 'region', 'aria-label': 'Conversation' });
  const older = h('div');
  const live = h('div', { class: 'visually-hidden', 'aria-live': 'polite', id: 'tutor-live' });
  const question = field({ label: 'Your question', name: 'question', type: 'textarea', rows: 2, required: true, hint: 'Answers quote your materials; Enter sends, Shift+Enter starts a new line.' });
  const ask = button('Ask', null, { kind: 'primary', type: 'submit' });
  const stop = button('Stop', () => { if (controller) controller.abort(); }, { kind: 'danger', disabled: true });
  const form = h('form', { class: 'composer-form', novalidate: true }, h('div', { class: 'composer' }, question, h('div', { class: 'actions' }, ask, stop)));
  const context = h('p', { class: 'muted small' });

  function describeSession() {
    const s = getState().sessions.find((x) => x.id === sessionId);
    replace(context, sessionId
      ? ['Answers come from your materials and are kept with ', s ? h('a', { href: `/sessions/${s.id}`, 'data-link': '' }, s.title) : 'the current session', '.']
      : ['Answers come from all your materials. ', h('a', { href: '/sessions/new', 'data-link': '' }, 'Create a study session'), ' to keep the conversation.']);
  }

  function scrollDown() {
    const last = log.lastElementChild;
    if (last && last.scrollIntoView) last.scrollIntoView({ block: 'end' });
  }

  async function loadHistory(before) {
    if (!sessionId) {
      replace(log, emptyState('Ask about anything in your materials. The answer quotes them, with the sources to open.'));
      return;
    }
    if (!before) replace(log, loading('Loading the conversation…'));
    try {
      const res = await api('GET', `/api/sessions/${sessionId}/chat`, { query: { limit: 50, before }, signal });
      const items = res.items || [];
      const nodes = items.map((m) => (m.role === 'user'
        ? userMessage(m.content, m.created_at, user.time_zone)
        : assistantMessage(m.content, m.citations, { when: m.created_at, zone: user.time_zone }).el));
      if (before) log.prepend(...nodes);
      else if (items.length) replace(log, nodes);
      else replace(log, emptyState('No questions yet in this session. Ask about anything in your materials: the answer quotes them, with the sources to open.'));
      nextBefore = res.has_more ? res.next_before : null;
      replace(older, nextBefore ? button('Earlier messages', () => loadHistory(nextBefore), { kind: 'ghost' }) : null);
      if (!before) scrollDown();
    } catch (err) {
      if (err.name === 'AbortError') return;
      replace(log, errorBox(err));
    }
  }

  async function send(text, topic) {
    const empty = log.querySelector('.empty');
    if (empty) empty.remove();
    add(log, userMessage(text));
    const msg = assistantMessage('', []);
    msg.textEl.setAttribute('aria-busy', 'true');
    add(log, msg.el);
    add(msg.note, loading('Looking through your materials…'));
    scrollDown();
    controller = new AbortController();
    ask.disabled = true;
    stop.disabled = false;
    let answer = '';
    let gotDone = false;
    const body = topic ? { topic } : { question: text };
    if (sessionId) body.session_id = sessionId;
    try {
      const res = await apiFetch('POST', '/api/tutor/stream', { body, signal: controller.signal, headers: { Accept: 'application/x-ndjson' } });
      for await (const ev of readStream(res.body)) {
        if (ev.type === 'delta') {
          if (!answer) clear(msg.note);
          answer += ev.text;
          msg.textEl.appendChild(document.createTextNode(ev.text));
          live.appendChild(document.createTextNode(ev.text));
        } else if (ev.type === 'citation') {
          msg.chips.appendChild(chip(ev));
        } else if (ev.type === 'done') {
          gotDone = true;
          clear(msg.note);
          if (ev.answerable === false) add(msg.note, h('p', { class: 'small muted' }, 'Your materials do not answer this directly.'));
        } else if (ev.type === 'error') {
          clear(msg.note);
          add(msg.note, errorBox({ message: (ev.error && ev.error.message) || 'The answer stopped.', requestId: null }));
        }
      }
      if (!gotDone && !msg.note.querySelector('.error-box')) {
        clear(msg.note);
        add(msg.note, h('p', { class: 'small muted' }, 'The answer ended early.'));
      }
      announce('The answer is complete.');
    } catch (err) {
      clear(msg.note);
      if (err.name === 'AbortError') {
        add(msg.note, h('p', { class: 'small muted' }, 'Stopped.'));
        announce('Stopped.');
      } else {
        add(msg.note, errorBox(err));
      }
    } finally {
      msg.textEl.removeAttribute('aria-busy');
      if (!answer && !msg.textEl.textContent) msg.textEl.remove();
      controller = null;
      ask.disabled = false;
      stop.disabled = true;
      clear(live);
      scrollDown();
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = question.input.value.trim();
    setFieldError(question, null);
    if (!text) {
      setFieldError(question, 'Type a question first.');
      question.input.focus();
      return;
    }
    if (new TextEncoder().encode(text).length > 2000) {
      setFieldError(question, 'Keep the question under 2,000 characters.');
      return;
    }
    if (controller) return;
    question.input.value = '';
    send(text);
  });
  question.input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  add(main, h('h1', null, 'Tutor'), context, older, log, live, form);
  describeSession();
  await loadHistory();
  if (query.q) question.input.value = query.q;
  if (query.topic) {
    const topic = query.topic;
    form.before(h('div', { class: 'actions topic-start' },
      button(`Explain ${topic}`, () => { if (!controller) send(`Explain ${topic}`, topic); }, { kind: 'primary' })));
  }

  const unsubscribe = subscribe((state) => {
    if (state.sessionId !== sessionId) {
      sessionId = state.sessionId;
      describeSession();
      loadHistory();
    } else describeSession();
  });
  return () => {
    unsubscribe();
    if (controller) controller.abort();
  };
}
