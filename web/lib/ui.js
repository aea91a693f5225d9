// Small components shared by the views: buttons, fields, tables, dialogs, toasts,
// error boxes, empty and loading states, the live region and the side panel.

import { h, clear, uid } from './dom.js';

/**
 * button('Save', onClick, {kind: 'primary'|'secondary'|'danger'|'ghost', type, disabled, label})
 * While a promise returned by onClick is pending the button is disabled and aria-busy.
 */
export function button(label, onClick, opts = {}) {
  const { kind = 'secondary', type = 'button', disabled = false } = opts;
  const el = h('button', {
    type,
    class: ['btn', `btn-${kind}`, opts.class],
    disabled,
    'aria-label': opts.label || null,
    'data-testid': opts.testid || null,
  }, label);
  if (onClick) {
    el.addEventListener('click', async (e) => {
      const result = onClick(e);
      if (result && typeof result.then === 'function') {
        el.disabled = true;
        el.setAttribute('aria-busy', 'true');
        try {
          await result;
        } finally {
          el.disabled = false;
          el.removeAttribute('aria-busy');
        }
      }
    });
  }
  return el;
}

/**
 * A labelled control: field({label, name, type, value, required, hint, options,
 * autocomplete, min, max, step, multiple, rows, placeholder}). type 'select' takes
 * options [{value, label}] (or strings); 'textarea' a text area. Returns the wrapper;
 * wrapper.input is the control.
 */
export function field(opts) {
  const id = opts.id || uid(opts.name || 'field');
  const hintId = opts.hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const common = {
    id,
    name: opts.name,
    required: opts.required,
    'aria-describedby': hintId,
    autocomplete: opts.autocomplete || null,
    placeholder: opts.placeholder || null,
    disabled: opts.disabled,
  };
  let input;
  if (opts.type === 'select') {
    input = h('select', { ...common, multiple: opts.multiple },
      (opts.options || []).map((o) => {
        const value = typeof o === 'string' ? o : o.value;
        const label = typeof o === 'string' ? o : o.label;
        return h('option', { value, selected: opts.multiple ? (opts.value || []).includes(value) : value === opts.value }, label);
      }));
  } else if (opts.type === 'textarea') {
    input = h('textarea', { ...common, rows: opts.rows || 3 });
    if (opts.value !== undefined && opts.value !== null) input.value = opts.value;
  } else {
    input = h('input', {
      ...common,
      type: opts.type || 'text',
      min: opts.min, max: opts.max, step: opts.step,
      minlength: opts.minlength || null,
      list: opts.list || null,
    });
    if (opts.value !== undefined && opts.value !== null) input.value = opts.value;
  }
  const wrapper = h('div', { class: ['field', opts.class] },
    h('label', { for: id }, opts.label),
    input,
    opts.hint ? h('p', { class: 'hint', id: hintId }, opts.hint) : null,
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
  wrapper.input = input;
  return wrapper;
}

/** Shows (or with null clears) an error under a field made by field(). */
export function setFieldError(wrapper, message) {
  const p = wrapper.querySelector('.field-error');
  const input = wrapper.input;
  const hint = wrapper.querySelector('.hint');
  if (message) {
    p.textContent = message;
    p.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [hint && hint.id, p.id].filter(Boolean).join(' '));
  } else {
    p.textContent = '';
    p.hidden = true;
    input.removeAttribute('aria-invalid');
    if (hint) input.setAttribute('aria-describedby', hint.id);
    else input.removeAttribute('aria-describedby');
  }
}

/**
 * table(columns, rows, {caption}): columns [{key, label, render?(row) -> Node|string,
 * numeric?, hideOnPhone?}], a scrollable wrapper around a <table>.
 */
export function table(columns, rows, opts = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table' },
      opts.caption ? h('caption', { class: opts.captionHidden ? 'visually-hidden' : null }, opts.caption) : null,
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: [c.numeric ? 'num' : null, c.hideOnPhone ? 'hide-phone' : null] }, c.label)))),
      h('tbody', null, rows.map((row) => h('tr', null, columns.map((c, i) => {
        const value = c.render ? c.render(row) : row[c.key];
        const props = { class: [c.numeric ? 'num' : null, c.hideOnPhone ? 'hide-phone' : null] };
        return i === 0 && opts.rowHeader ? h('th', { ...props, scope: 'row' }, value) : h('td', props, value);
      })))),
    ));
}

/** A modal question; resolves true when confirmed. */
export function confirmDialog(text, opts = {}) {
  const { confirmLabel = 'Confirm', cancelLabel = 'Cancel', danger = true, title = 'Are you sure?' } = opts;
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    let result = false;
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('p', null, text),
      h('div', { class: 'actions' },
        button(cancelLabel, () => { result = false; dlg.close(); }),
        button(confirmLabel, () => { result = true; dlg.close(); }, { kind: danger ? 'danger' : 'primary' }),
      ));
    const opener = document.activeElement;
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(result);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
  });
}

// Toasts shown at once: older ones give way, so a burst of them never covers the
// page (on a phone four toasts hid the form they were about).
export const MAX_TOASTS = 2;

/** A short message in the corner: kind 'info'|'success'|'warning'|'danger'. */
export function toast(text, kind = 'info', opts = {}) {
  let region = document.getElementById('toasts');
  if (!region) {
    region = h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(region);
  }
  const item = h('div', { class: ['toast', `toast-${kind}`] }, text, opts.action || null);
  region.appendChild(item);
  while (region.children.length > MAX_TOASTS) region.firstElementChild.remove();
  setTimeout(() => item.remove(), opts.ms || 6000);
  return item;
}

/** A readable error with the request id in small print. */
export function errorBox(err, opts = {}) {
  const message = err && err.message ? err.message : String(err);
  const requestId = err && err.requestId;
  return h('div', { class: 'error-box', role: 'alert' },
    h('p', null, opts.prefix ? `${opts.prefix}: ${message}` : message),
    requestId ? h('p', { class: 'request-id' }, 'Request id: ', h('code', null, requestId)) : null);
}

/** Replaces slot's content by errorBox(err) (or clears it with null). */
export function showError(slot, err, opts) {
  clear(slot);
  if (err) slot.appendChild(errorBox(err, opts));
}

/** What to do when a list is empty: text and an optional action (a Node). */
export function emptyState(text, action) {
  return h('div', { class: 'empty' }, h('p', null, text), action || null);
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** Says text in the polite live region (#announcer). */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  window.requestAnimationFrame(() => { region.textContent = text; });
}

let panelState = null;

/** Closes the side panel if one is open. */
export function closePanel() {
  if (panelState) panelState.dialog.close();
}

/**
 * A side panel (a bottom sheet on narrow screens) with a title and content; closes on
 * Escape or its Close button and gives focus back to what opened it.
 */
export function openPanel(title, content) {
  closePanel();
  const titleId = uid('panel');
  const opener = document.activeElement;
  const closeBtn = button('Close', () => dlg.close(), { kind: 'ghost', label: 'Close panel' });
  const dlg = h('dialog', { class: 'panel', 'aria-labelledby': titleId },
    h('div', { class: 'panel-head' }, h('h2', { id: titleId }, title), closeBtn),
    h('div', { class: 'panel-body' }, content));
  const onKey = (e) => { if (e.key === 'Escape') dlg.close(); };
  dlg.addEventListener('keydown', onKey);
  dlg.addEventListener('close', () => {
    dlg.remove();
    document.body.classList.remove('has-panel');
    if (panelState && panelState.dialog === dlg) panelState = null;
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.appendChild(dlg);
  panelState = { dialog: dlg };
  if (window.matchMedia('(min-width: 900px)').matches) {
    // Beside the page: the page narrows so nothing hides under the panel.
    document.body.classList.add('has-panel');
    dlg.show();
  } else dlg.showModal();
  closeBtn.focus();
  return dlg;
}

/** A <progress> with a visible label; returns {el, set(value, max, text)}. */
export function progress(label) {
  const id = uid('progress');
  const bar = h('progress', { id, max: 1, value: 0 });
  const text = h('span', { class: 'progress-text' }, label);
  const el = h('div', { class: 'progress' }, h('label', { for: id, class: 'visually-hidden' }, label), bar, text);
  return {
    el,
    set(value, max, caption) {
      if (max > 0) {
        bar.max = max;
        bar.value = value;
      } else {
        bar.removeAttribute('value');
      }
      if (caption !== undefined) text.textContent = caption;
    },
  };
}

/** A page heading row: h1 plus optional actions. */
export function pageHeader(title, ...actions) {
  return h('div', { class: 'page-head' }, h('h1', null, title), actions.length ? h('div', { class: 'actions' }, actions) : null);
}
