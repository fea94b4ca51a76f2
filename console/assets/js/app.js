// The console's shell: a hash router over four views, and the server
// status in the top bar. Routes:
//   #/catalogue?q=…&item=…     search and nearest neighbours
//   #/users  #/users/{user}      the user list and a user's profile
//   #/explore?user=…  #/explore?mode=events   the recommendation explorer
//   #/eval                       the latest evaluation report

import {api, apiKey, setApiKey} from './api.js';
import {clear, h} from './dom.js';
import * as catalogue from './views/catalogue.js';
import * as users from './views/users.js';
import * as explorer from './views/explorer.js';
import * as evaluation from './views/evaluation.js';

const views = {catalogue, users, explore: explorer, eval: evaluation};

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart] = raw.split('?');
  const segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const section = views[segments[0]] ? segments[0] : 'users';
  return {section, segments: segments.slice(1), params: new URLSearchParams(queryPart || '')};
}

// navigate changes the hash without adding a history entry when replace
// is set (for state such as a search text).
export function navigate(hash, {replace = false} = {}) {
  if (replace) {
    history.replaceState(null, '', hash);
  } else {
    location.hash = hash;
  }
}

let current = {section: null, cleanup: null, update: null};
let first = true;

function route() {
  const r = parseHash();
  const main = document.getElementById('main');
  for (const a of document.querySelectorAll('.tabs a')) {
    if (a.dataset.section === r.section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const view = views[r.section];
  // A view that can follow its own parameters (a new user, a new search)
  // updates in place; otherwise the view is rebuilt.
  if (current.section === r.section && current.update && current.update(r) !== false) return;
  if (current.cleanup) current.cleanup();
  clear(main);
  const ctx = {navigate};
  const handle = view.render(main, r, ctx) || {};
  current = {section: r.section, cleanup: handle.cleanup, update: handle.update};
  document.title = `${view.title} · driftrec console`;
  const wasFirst = first;
  first = false;
  // After a navigation (not on the first load, which starts at the top
  // with the skip link), move focus to the new view's heading, so keyboard
  // and screen-reader users land where the content changed.
  const heading = main.querySelector('h2');
  if (!wasFirst && heading && document.activeElement && !main.contains(document.activeElement)) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({preventScroll: true});
  }
}

async function status() {
  const el = document.getElementById('server-status');
  try {
    const [health, ready] = await Promise.all([api('/healthz'), api('/readyz')]);
    const encoder = String(ready.encoder || '').replace(/\(.*/, '');
    el.replaceChildren(
      h('span', {class: 'dot ok', 'aria-hidden': 'true'}),
      `${ready.items.toLocaleString('en')} items · ${encoder || 'encoder'} · ${health.version || 'dev'}`);
    el.title = `encoder ${ready.encoder}`;
  } catch (e) {
    el.replaceChildren(h('span', {class: 'dot bad', 'aria-hidden': 'true'}), 'Server not ready');
    el.title = e.message;
  }
}

// keyPrompt asks for an API key when the server refuses a request, once
// per refusal spell, above the current view.
function keyPrompt(ev) {
  if (document.getElementById('key-prompt')) return;
  const input = h('input', {type: 'password', id: 'api-key', autocomplete: 'off', spellcheck: false, placeholder: 'drk_…'});
  const hadKey = !!apiKey();
  const box = h('form', {
    id: 'key-prompt', class: 'notice key-prompt', role: 'alert',
    onsubmit: (e) => {
      e.preventDefault();
      setApiKey(input.value.trim());
      location.reload();
    },
  },
  h('strong', null, ev.detail.status === 403 ? 'This API key may not do that. ' : hadKey ? 'The API key was refused. ' : 'This server needs an API key. '),
  h('label', {for: 'api-key'}, 'API key (read scope)'), input,
  h('button', {type: 'submit', class: 'button small'}, 'Use'),
  hadKey ? h('button', {type: 'button', class: 'button small secondary', onclick: () => { setApiKey(''); location.reload(); }}, 'Forget the key') : null,
  h('span', {class: 'muted small'}, 'Kept in this tab only.'));
  document.getElementById('main').prepend(box);
  input.focus();
}

window.addEventListener('driftrec:unauthorized', keyPrompt);
window.addEventListener('hashchange', route);
if (!location.hash) history.replaceState(null, '', '#/users');
route();
status();
