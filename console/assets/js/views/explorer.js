// The recommendation explorer: recommendations with their explanations,
// re-ranked live as α, diversity, the category filter and exclude-seen
// change. Two modes: a stored user (GET /v1/users/{user}/recommendations
// and its map), or a user described by events typed in (POST
// /v1/recommend, nothing stored).

import {api, enc, query} from '../api.js';
import {announce, card, debounce, emptyState, errorBox, h, spinner, uniqueId} from '../dom.js';
import {ago, colorOf, num, when} from '../format.js';
import {mapView} from '../charts.js';
import {interestColors, recList} from '../recs.js';

export const title = 'Explorer';

// The seed's worked example, as the stateless mode's starting point.
const seedHistory = 'query: 性价比高的运动鞋\nquery: 评价好的咖啡杯\nquery: 口感好的面包';
const seedNow = 'query: 舒适的鞋垫\nview: 运动鞋\nclick: #A';

const eventTypes = ['query', 'view', 'click', 'add_to_cart', 'purchase', 'rating', 'comment', 'like', 'dislike', 'skip'];

// parseEvents reads one event per line: "type: text", "type: #item" or
// "rating: #item = 4.5"; a line without a known type is a query.
export function parseEvents(text) {
  const out = [];
  text.split('\n').forEach((line, i) => {
    const raw = line.trim();
    if (!raw) return;
    const m = raw.match(/^([a-z_]+)\s*:\s*(.*)$/);
    let type = 'query', rest = raw;
    if (m && eventTypes.includes(m[1])) {
      type = m[1];
      rest = m[2].trim();
    }
    const ev = {type};
    // Only a rating carries a value; elsewhere "= 42" is part of the text.
    const v = type === 'rating' ? rest.match(/^(.*?)\s*=\s*(-?\d+(?:\.\d+)?)$/) : null;
    if (v) {
      rest = v[1];
      ev.value = Number(v[2]);
    }
    if (rest.startsWith('#')) {
      const [id, ...words] = rest.slice(1).trim().split(/\s+/);
      ev.item = id;
      if (words.length) ev.text = words.join(' ');
    } else {
      ev.text = rest;
    }
    ev.line = i + 1;
    out.push(ev);
  });
  return out;
}

function eventLine(ev) {
  let s = `${ev.type}: `;
  s += ev.item ? `#${ev.item}${ev.text ? ' ' + ev.text : ''}` : (ev.text || '');
  if (ev.value !== undefined && ev.value !== null) s += ` = ${ev.value}`;
  return s;
}

function slider(id, label, help, value) {
  const out = h('output', {for: id, id: `${id}-value`}, num(value, 2));
  const input = h('input', {type: 'range', id, min: 0, max: 1, step: 0.05, value: String(value), 'aria-describedby': `${id}-help`});
  input.addEventListener('input', () => { out.textContent = num(Number(input.value), 2); });
  return {input, out, el: h('div', {class: 'control'},
    h('div', {class: 'control-head'}, h('label', {for: id}, label), out),
    input,
    h('p', {class: 'help', id: `${id}-help`}, help))};
}

export function render(main, route, ctx) {
  const params = route.params;
  let mode = params.get('mode') === 'events' ? 'events' : 'user';
  let user = params.get('user') || '';
  let prevItems = null;
  let lastKey = '';
  let profile = null;
  let seq = 0;
  let controller = null;
  // atChosen is set once the evaluation time was asked for explicitly.
  let atChosen = params.has('at');

  // --- controls -----------------------------------------------------
  const alpha = slider('alpha', 'α — weight of the current session',
    'θ_dynamic = α·θ_now + (1−α)·θ_history. 0 follows the long-term interests only; 1 the session only.', Number(params.get('alpha') || 0.5));
  const diversity = slider('diversity', 'Diversity λ', 'Maximal marginal relevance: trade relevance for variety in the list.', Number(params.get('diversity') || 0));
  const category = h('input', {type: 'text', id: 'category', list: 'category-options', autocomplete: 'off', placeholder: 'any', spellcheck: false, value: params.get('category') || ''});
  const categoryOptions = h('datalist', {id: 'category-options'});
  const excludeSeen = h('input', {type: 'checkbox', id: 'exclude-seen', checked: params.get('exclude_seen') !== 'false'});
  const sentences = h('input', {type: 'checkbox', id: 'sentences', checked: params.get('sentences') === 'true'});
  const nInput = h('select', {id: 'n'}, [5, 10, 20, 50].map((n) => h('option', {value: String(n), selected: String(n) === (params.get('n') || '10')}, String(n))));
  const metric = h('select', {id: 'metric'}, ['cosine', 'dot', 'euclidean'].map((m) => h('option', {value: m, selected: m === (params.get('metric') || 'cosine')}, m)));
  const atSelect = h('select', {id: 'at', 'aria-describedby': 'at-help'},
    h('option', {value: 'now'}, 'now'),
    h('option', {value: 'last', selected: params.get('at') === 'last'}, "the user's last activity"));

  const userInput = h('input', {type: 'text', id: 'explore-user', list: 'explore-users', autocomplete: 'off', spellcheck: false, value: user, placeholder: 'user id'});
  const userOptions = h('datalist', {id: 'explore-users'});
  const historyArea = h('textarea', {id: 'history', rows: 5, spellcheck: false, 'aria-describedby': 'events-help'}, seedHistory);
  const nowArea = h('textarea', {id: 'now', rows: 4, spellcheck: false, 'aria-describedby': 'events-help'}, seedNow);
  const copyFrom = h('input', {type: 'text', id: 'copy-user', list: 'explore-users', autocomplete: 'off', spellcheck: false, placeholder: 'user id'});

  const notice = h('div', {class: 'notice', hidden: true, role: 'status'});
  const results = h('div', {class: 'results', id: 'results', 'aria-live': 'polite', 'aria-busy': 'false'});
  const mapBox = h('div', {class: 'map-box'});
  const meta = h('p', {class: 'muted small', id: 'results-meta'});

  const modeName = uniqueId('mode');
  const modeUser = h('input', {type: 'radio', name: modeName, id: 'mode-user', value: 'user', checked: mode === 'user'});
  const modeEvents = h('input', {type: 'radio', name: modeName, id: 'mode-events', value: 'events', checked: mode === 'events'});

  const userPanel = h('div', {class: 'mode-panel', id: 'panel-user'},
    h('div', {class: 'control'},
      h('label', {for: 'explore-user'}, 'User'),
      h('div', {class: 'row'}, userInput, h('button', {type: 'submit', class: 'button'}, 'Show'))),
    h('div', {class: 'control'},
      h('label', {for: 'at'}, 'Evaluate the profile at'), atSelect,
      h('p', {class: 'help', id: 'at-help'}, 'A session older than the session gap has ended, and α then has no effect; evaluate at the last activity to replay it.')));

  const eventsPanel = h('div', {class: 'mode-panel', id: 'panel-events'},
    h('p', {class: 'help', id: 'events-help'}, 'One event per line: ', h('code', null, 'type: text'), ', ', h('code', null, 'type: #item-id'),
      ' or ', h('code', null, 'rating: #item-id = 4.5'), '. Types: ', eventTypes.join(', '), '. Nothing is stored.'),
    h('div', {class: 'control'}, h('label', {for: 'history'}, 'History (long-term)'), historyArea),
    h('div', {class: 'control'}, h('label', {for: 'now'}, 'Now (the current session)'), nowArea),
    h('div', {class: 'control'}, h('label', {for: 'copy-user'}, "Start from a stored user's events"),
      h('div', {class: 'row'}, copyFrom, h('button', {type: 'button', class: 'button secondary', onclick: () => copyEvents()}, 'Copy'))));

  const form = h('form', {class: 'controls', 'aria-label': 'Recommendation settings', onsubmit: (ev) => { ev.preventDefault(); user = userInput.value.trim(); refresh(true); }},
    h('fieldset', {class: 'modes'}, h('legend', null, 'Recommend for'),
      h('div', {class: 'segmented'},
        modeUser, h('label', {for: 'mode-user'}, 'a stored user'),
        modeEvents, h('label', {for: 'mode-events'}, 'events typed in'))),
    userPanel, eventsPanel,
    h('fieldset', null, h('legend', null, 'Ranking'),
      alpha.el, diversity.el,
      h('div', {class: 'control'}, h('label', {for: 'category'}, 'Category'), category, categoryOptions,
        h('p', {class: 'help'}, 'Only items in this category (comma-separate several).')),
      h('div', {class: 'control inline'}, excludeSeen, h('label', {for: 'exclude-seen'}, 'Exclude items the user has seen')),
      h('div', {class: 'control inline'}, sentences, h('label', {for: 'sentences'}, 'Explain in sentences')),
      h('div', {class: 'control pair'},
        h('div', null, h('label', {for: 'n'}, 'Items'), nInput),
        h('div', null, h('label', {for: 'metric'}, 'Similarity'), metric))),
    userOptions);

  main.append(
    h('div', {class: 'page-head'}, h('h2', null, 'Recommendation explorer'),
      h('p', {class: 'lede'}, 'Move the controls: the list re-ranks at once, and every item says why it is there.')),
    h('div', {class: 'explorer'},
      h('aside', {class: 'sidebar wide'}, form),
      h('div', {class: 'explorer-main'},
        notice,
        h('div', {class: 'grid explorer-grid'},
          card('Recommendations', null, meta, results),
          h('div', {class: 'map-col'}, card('Map', null, h('p', {class: 'muted small'}, 'Interests, session, θ_dynamic and the listed items on two principal components; it moves with α.'), mapBox))))));

  function syncMode() {
    mode = modeEvents.checked ? 'events' : 'user';
    userPanel.hidden = mode !== 'user';
    eventsPanel.hidden = mode !== 'events';
    mapBox.closest('.map-col').hidden = mode !== 'user';
    mapBox.closest('.explorer-grid').classList.toggle('no-map', mode !== 'user');
    excludeSeen.closest('.control').hidden = false;
  }

  function settings() {
    return {
      alpha: Number(alpha.input.value), diversity: Number(diversity.input.value),
      category: category.value.trim(), excludeSeen: excludeSeen.checked, n: Number(nInput.value),
      metric: metric.value, sentences: sentences.checked,
    };
  }

  function updateHash(st) {
    const q = {alpha: st.alpha, diversity: st.diversity || undefined, category: st.category || undefined,
      exclude_seen: st.excludeSeen ? undefined : 'false', n: st.n !== 10 ? st.n : undefined, metric: st.metric !== 'cosine' ? st.metric : undefined,
      sentences: st.sentences ? 'true' : undefined};
    if (mode === 'events') q.mode = 'events';
    else { q.user = user || undefined; q.at = atChosen ? atSelect.value : undefined; }
    ctx.navigate('#/explore' + query(q), {replace: true});
  }

  function noteCategories(items) {
    const have = new Set(Array.from(categoryOptions.options).map((o) => o.value));
    for (const it of items) for (const c of it.categories || []) {
      if (!have.has(c)) { have.add(c); categoryOptions.append(h('option', {value: c})); }
    }
  }

  async function loadProfile() {
    profile = null;
    if (!user) return;
    try {
      profile = await api(`/v1/users/${enc(user)}/profile`);
      // A user last active over a week ago (a replayed dataset) is shown
      // as of that activity unless the address says otherwise.
      if (!atChosen && Date.now() - Date.parse(profile.updated) > 7 * 24 * 3600e3) atSelect.value = 'last';
    } catch (e) {
      profile = {error: e};
    }
  }

  async function refresh(userChanged) {
    const st = settings();
    updateHash(st);
    const key = JSON.stringify([mode, user, st, atSelect.value, historyArea.value, nowArea.value]);
    if (key === lastKey && !userChanged) return;
    lastKey = key;
    if (controller) controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const my = ++seq;
    results.setAttribute('aria-busy', 'true');
    notice.hidden = true;
    try {
      if (mode === 'user') {
        if (!user) {
          results.replaceChildren(emptyState('Choose a user', h('p', null, 'Type a user id above, or open one from the Users view.')));
          mapBox.replaceChildren();
          meta.textContent = '';
          return;
        }
        if (userChanged || !profile) {
          prevItems = null;
          await loadProfile();
          if (my !== seq) return;
        }
        if (profile && profile.error) throw profile.error;
        const common = {alpha: st.alpha, diversity: st.diversity, category: st.category, exclude_seen: st.excludeSeen, metric: st.metric,
          at: atSelect.value === 'last' && profile ? profile.updated : undefined};
        const recPath = st.sentences ? 'recommendations/phrased' : 'recommendations';
        const [rec, map] = await Promise.all([
          api(`/v1/users/${enc(user)}/${recPath}` + query({...common, n: st.n}), {signal}),
          api(`/v1/users/${enc(user)}/map` + query({...common, n: Math.min(st.n, 100)}), {signal}).catch((e) => (e.name === 'AbortError' ? Promise.reject(e) : {error: e})),
        ]);
        if (my !== seq) return;
        const colors = interestColors(profile.interests);
        show(rec, colors);
        mapBox.replaceChildren(map.error ? errorBox(map.error) : mapView(map, (i, pt) => colors.get(String(pt.id)) || colorOf(i)));
        const sessionOver = profile && !rec.cold_start && rec.alpha === 0 && st.alpha > 0;
        if (sessionOver) {
          notice.replaceChildren(
            h('strong', null, 'No current session at this time. '),
            `${user}'s last event was ${ago(profile.updated)} (${when(profile.updated)}), so α has no effect. `,
            h('button', {type: 'button', class: 'button small', onclick: () => { atSelect.value = 'last'; atChosen = true; refresh(); }}, 'Evaluate at the last activity'));
          notice.hidden = false;
        }
      } else {
        const history = parseEvents(historyArea.value), now = parseEvents(nowArea.value);
        const strip = (evs) => evs.map(({line, ...ev}) => ev);
        const body = {history: strip(history), now: strip(now), alpha: st.alpha, diversity: st.diversity, n: st.n,
          exclude_seen: st.excludeSeen, metric: st.metric, explain: true};
        if (st.category) body.categories = st.category.split(',').map((c) => c.trim()).filter(Boolean);
        let rec;
        try {
          rec = await api('/v1/recommend', {method: 'POST', body, signal});
        } catch (e) {
          // Point at the line of a bad event: "now[2].type" → Now, line 3.
          const m = e.field && e.field.match(/^(history|now)\[(\d+)\]/);
          if (m) {
            const list = m[1] === 'history' ? history : now;
            const ev = list[Number(m[2])];
            if (ev) e.message = `${m[1] === 'history' ? 'History' : 'Now'}, line ${ev.line}: ${e.message}`;
          }
          throw e;
        }
        if (my !== seq) return;
        show(rec, null);
      }
    } catch (e) {
      if (e.name === 'AbortError' || my !== seq) return;
      results.replaceChildren(e.status === 404 && mode === 'user'
        ? emptyState(`No profile for “${user}”`, h('p', null, 'Users appear once they have events. The list below the search is empty until then.'))
        : errorBox(e));
      mapBox.replaceChildren();
      meta.textContent = '';
      prevItems = null;
    } finally {
      if (my === seq) results.setAttribute('aria-busy', 'false');
    }
  }

  function show(rec, colors) {
    noteCategories(rec.items);
    results.replaceChildren(rec.items.length
      ? recList(rec.items, {prev: prevItems, colors})
      : emptyState('No items', h('p', null, 'Nothing matches these settings: clear the category, or include seen items.')));
    const bits = [`α used ${num(rec.alpha, 2)}`, `at ${when(rec.at)}`];
    if (rec.cold_start) bits.push('no profile: popular items');
    if (rec.source) bits.push(`reasons by ${rec.source === 'model' ? rec.model : 'templates'}`);
    meta.textContent = bits.join(' · ');
    prevItems = rec.items;
    announce(`${rec.items.length} recommendations, α ${num(rec.alpha, 2)}`);
  }

  async function copyEvents() {
    const u = copyFrom.value.trim();
    if (!u) return;
    try {
      const data = await api(`/v1/users/${enc(u)}/events?limit=200`);
      const evs = data.events;
      if (!evs.length) throw new Error(`${u} has no events`);
      const last = evs[evs.length - 1].session || '';
      let cut = evs.length;
      while (cut > 0 && (evs[cut - 1].session || '') === last && last !== '') cut--;
      if (cut === evs.length) cut = evs.length - 1;
      historyArea.value = evs.slice(0, cut).map(eventLine).join('\n');
      nowArea.value = evs.slice(cut).map(eventLine).join('\n');
      refresh();
    } catch (e) {
      results.replaceChildren(errorBox(e));
    }
  }

  const live = debounce(() => refresh(), 150);
  for (const el of [alpha.input, diversity.input, category, historyArea, nowArea]) el.addEventListener('input', live);
  for (const el of [excludeSeen, sentences, nInput, metric]) el.addEventListener('change', () => refresh());
  atSelect.addEventListener('change', () => { atChosen = true; refresh(); });
  for (const el of [modeUser, modeEvents]) el.addEventListener('change', () => { syncMode(); prevItems = null; refresh(true); });
  userInput.addEventListener('change', () => { const u = userInput.value.trim(); if (u !== user) { user = u; refresh(true); } });

  api('/v1/users' + query({limit: 500})).then((page) => {
    for (const u of page.users) userOptions.append(h('option', {value: u}));
  }).catch(() => {});

  syncMode();
  results.replaceChildren(spinner());
  refresh(true);
  return {
    update(r) {
      const u = r.params.get('user') || '';
      const m = r.params.get('mode') === 'events' ? 'events' : 'user';
      if (m !== mode) return false;
      if (mode === 'user' && u !== user) {
        user = u;
        userInput.value = u;
        refresh(true);
      }
      return true;
    },
    cleanup() { if (controller) controller.abort(); },
  };
}
