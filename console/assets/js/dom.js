// Small DOM builders. Everything the console shows is built with these,
// never with innerHTML, so text from the API (item titles, queries) is
// always text, and the Content-Security-Policy needs no exceptions.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'style' && typeof v === 'object') {
      // CSSOM, which the policy allows (style attributes it does not).
      for (const [p, val] of Object.entries(v)) el.style.setProperty(p, val);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else if (k in el && !(el instanceof SVGElement) && typeof v !== 'string') {
      el[k] = v;
    } else {
      el.setAttribute(k, String(v));
    }
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// h('button', {class: 'x', onclick: fn}, 'text', child, [more]) builds an
// HTML element.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

// s('circle', {cx: 1}) builds an SVG element.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// announce tells screen-reader users what changed.
export function announce(text) {
  const el = document.getElementById('announcer');
  if (!el) return;
  el.textContent = '';
  // A new text node after a tick is announced even when the text repeats.
  setTimeout(() => { el.textContent = text; }, 30);
}

let uid = 0;
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// card wraps content in a titled section.
export function card(title, attrs, ...children) {
  const id = uniqueId('card');
  return h('section', {class: ['card', attrs && attrs.class], 'aria-labelledby': id},
    h('h3', {id}, title, attrs && attrs.badge ? [' ', attrs.badge] : null),
    ...children);
}

export function emptyState(title, ...body) {
  return h('div', {class: 'empty'}, h('p', {class: 'empty-title'}, title), ...body);
}

export function errorBox(err) {
  const field = err && err.field ? h('span', {class: 'muted'}, ` (field ${err.field})`) : null;
  return h('div', {class: 'error', role: 'alert'}, h('strong', null, 'Error: '), err && err.message ? err.message : String(err), field);
}

export function spinner(label) {
  return h('p', {class: 'loading', role: 'status'}, h('span', {class: 'spinner', 'aria-hidden': 'true'}), label || 'Loading…');
}
