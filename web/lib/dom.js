// Element builders. Text is always set as text nodes; nothing here writes HTML.

const BOOL_PROPS = new Set([
  'disabled', 'checked', 'required', 'hidden', 'multiple', 'open', 'selected',
  'readOnly', 'autofocus', 'indeterminate',
]);
const VALUE_PROPS = new Set(['value', 'textContent', 'tabIndex', 'id', 'name', 'href']);

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on:')) {
      el.addEventListener(key.slice(3), value);
    } else if (key === 'class') {
      el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else if (key === 'for') {
      el.setAttribute('for', value);
    } else if (BOOL_PROPS.has(key)) {
      el[key] = Boolean(value);
    } else if (VALUE_PROPS.has(key) && !(el instanceof SVGElement)) {
      el[key] = value;
    } else if (key === 'ref' && typeof value === 'function') {
      value(el);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** h('button', {class: 'btn', 'on:click': fn}, 'Save') -> HTMLButtonElement. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG elements (createElementNS); attributes only. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on:')) el.addEventListener(key.slice(3), value);
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children to el, skipping null, undefined and booleans (Element.append would write "null"). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Removes every child of el; returns el. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces el's children with the given ones. */
export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

let nextId = 0;
/** A document-unique id with a readable prefix. */
export function uid(prefix = 'id') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
