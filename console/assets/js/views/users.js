// The Users view: a paged list of users, and a user's profile — the
// long-term interests as labelled clusters, their importance over time,
// the current session, rejections, recent events and a 2-D map.

import {api, enc, query, refText} from '../api.js';
import {announce, card, clear, emptyState, errorBox, h, spinner} from '../dom.js';
import {ago, colorOf, eventVerbs, num, pct, when} from '../format.js';
import {driftView, mapView} from '../charts.js';
import {interestColors} from '../recs.js';

export const title = 'Users';

const PAGE = 50;

// A profile whose last event is older than this is shown as of that
// event by default: decayed to now, a replayed dataset says little.
const STALE_MS = 7 * 24 * 3600e3;

export function render(main, route, ctx) {
  const listEl = h('ul', {class: 'user-list', id: 'user-list'});
  const more = h('button', {type: 'button', class: 'button secondary', hidden: true}, 'Load more users');
  const filter = h('input', {type: 'search', id: 'user-filter', autocomplete: 'off', placeholder: 'user id', spellcheck: false});
  const detail = h('div', {class: 'detail', id: 'user-detail'});
  let users = [];
  let next = '';
  let selected = route.segments[0] || '';
  let loadToken = 0;

  function drawList() {
    const f = filter.value.trim().toLowerCase();
    const shown = users.filter((u) => !f || u.toLowerCase().includes(f));
    clear(listEl);
    for (const u of shown) {
      listEl.append(h('li', null, h('a', {
        href: `#/users/${enc(u)}`, class: 'user-link', 'aria-current': u === selected ? 'page' : false,
      }, u)));
    }
    if (!shown.length) listEl.append(h('li', {class: 'muted'}, users.length ? 'No loaded user matches.' : 'No users yet.'));
  }

  async function loadPage() {
    more.disabled = true;
    try {
      const page = await api('/v1/users' + query({limit: PAGE, after: next}));
      users = users.concat(page.users);
      next = page.next;
      more.hidden = !next;
      drawList();
    } catch (e) {
      listEl.replaceChildren(h('li', null, errorBox(e)));
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener('click', loadPage);
  filter.addEventListener('input', drawList);
  const findForm = h('form', {
    class: 'find', role: 'search',
    onsubmit: (ev) => {
      ev.preventDefault();
      const u = filter.value.trim();
      if (u) ctx.navigate(`#/users/${enc(u)}`);
    },
  }, h('label', {for: 'user-filter'}, 'Find or open a user'), h('div', {class: 'row'}, filter, h('button', {type: 'submit', class: 'button'}, 'Open')));

  main.append(
    h('div', {class: 'page-head'}, h('h2', null, 'Users'),
      h('p', {class: 'lede'}, 'What each user cares about, how it drifts, and what they are doing now.')),
    h('div', {class: 'split'},
      h('aside', {class: 'sidebar', 'aria-label': 'User list'}, findForm, listEl, more),
      detail));

  // asOf is 'now', 'last' (the user's last activity) or '' (decide: the
  // last activity when it is over a week old, as in a replayed dataset).
  async function show(user, asOf = '') {
    selected = user;
    drawList();
    const token = ++loadToken;
    if (!user) {
      detail.replaceChildren(emptyState('Choose a user',
        h('p', null, 'Pick a user on the left to see their interests, their drift over time and their current session.')));
      return;
    }
    detail.replaceChildren(spinner(`Loading ${user}…`));
    const base = `/v1/users/${enc(user)}`;
    try {
      const [now, events] = await Promise.all([api(`${base}/profile`), api(`${base}/events?limit=50`)]);
      if (token !== loadToken) return;
      const stale = Date.now() - Date.parse(now.updated) > STALE_MS;
      const mode = asOf || (stale ? 'last' : 'now');
      const at = mode === 'last' ? now.updated : undefined;
      const [profile, summary, map] = await Promise.all([
        at ? api(`${base}/profile` + query({at})) : now,
        api(`${base}/summary` + query({at})).catch((e) => ({error: e})),
        api(`${base}/map` + query({n: 10, at})).catch((e) => ({error: e})),
      ]);
      if (token !== loadToken) return;
      const switchTo = mode === 'last' ? 'now' : 'last';
      const asOfNote = h('p', {class: 'as-of'},
        mode === 'last'
          ? [`As of the last activity, ${when(now.updated)} (${ago(now.updated)}). `]
          : ['As of now. '],
        h('button', {type: 'button', class: 'link-button', onclick: () => show(user, switchTo)},
          switchTo === 'now' ? 'Show as of now' : 'Show as of the last activity'));
      detail.replaceChildren(...profileView(profile, events.events, summary, map, asOfNote));
      announce(`Showing user ${user}`);
    } catch (e) {
      if (token !== loadToken) return;
      detail.replaceChildren(e.status === 404
        ? emptyState(`No profile for “${user}”`, h('p', null, 'This user has no events yet. Send events to POST /v1/events and the profile appears at once.'))
        : errorBox(e));
    }
  }

  loadPage();
  show(selected);
  return {
    update(r) {
      const u = r.segments[0] || '';
      if (u !== selected) show(u);
      return true;
    },
  };
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// eventChip renders a remembered event as "verb text", resolving item texts.
function eventChip(ref, extraClass) {
  const text = h('span', {class: 'text'}, ref.text || ref.item || '');
  if (!ref.text && ref.item) refText(ref).then((t) => { text.textContent = t; });
  return h('li', {class: ['event-chip', extraClass]},
    h('span', {class: 'event-type'}, eventVerbs[ref.type] || ref.type), ' ', text);
}

function profileView(p, events, summary, map, asOfNote) {
  const colors = interestColors(p.interests);
  const head = h('div', {class: 'user-head'},
    h('div', null,
      h('h3', {class: 'user-name'}, p.user),
      h('p', {class: 'muted'},
        `${plural(p.events, 'event')} · ${plural(p.seen_items, 'item')} seen · last active `,
        h('time', {datetime: p.updated, title: when(p.updated)}, ago(p.updated))),
      asOfNote),
    h('a', {class: 'button', href: `#/explore?user=${enc(p.user)}`}, 'Explore recommendations →'));

  const summaryCard = card('Summary', {badge: summary.error ? null : h('span', {class: 'badge', title: summary.fallback || ''}, summary.source === 'model' ? `written by ${summary.model}` : 'template')},
    summary.error ? errorBox(summary.error) : h('p', {class: 'summary', lang: summary.language}, summary.text));

  const interests = card(`Long-term interests (${p.interests.length})`, null,
    p.interests.length
      ? h('ol', {class: 'interests'}, p.interests.map((it) => h('li', {class: 'interest', style: {'--c': colors.get(String(it.id))}},
        h('div', {class: 'interest-head'},
          h('span', {class: 'swatch', 'aria-hidden': 'true'}),
          h('span', {class: 'label'}, it.label),
          h('span', {class: 'share', title: 'share of the recommendation list'}, pct(it.share))),
        h('span', {class: 'sharebar', 'aria-hidden': 'true'}, h('span', {style: {width: `${(100 * it.share).toFixed(1)}%`}})),
        h('p', {class: 'muted small'},
          `importance ${num(it.importance, 2)} · ${it.count} event${it.count === 1 ? '' : 's'} · formed `,
          h('time', {datetime: it.created, title: when(it.created)}, ago(it.created)), ' · last ',
          h('time', {datetime: it.updated, title: when(it.updated)}, ago(it.updated))),
        h('ul', {class: 'chips', 'aria-label': 'Exemplar events'}, it.exemplars.map((ex) => eventChip(ex))))))
      : h('p', {class: 'muted'}, 'No long-term interests yet.'));

  const drift = card('Interest drift', null,
    driftView(p.interests, p.at, (i) => colors.get(String(p.interests[i].id))),
    h('ul', {class: 'legend'}, p.interests.map((it) => h('li', {style: {'--c': colors.get(String(it.id))}}, h('span', {class: 'swatch', 'aria-hidden': 'true'}), it.label))));

  const st = p.short_term;
  const session = card('Current session', {badge: h('span', {class: st.active ? 'badge now' : 'badge'}, st.active ? 'active' : 'ended')},
    st.active
      ? h('p', {class: 'muted small'}, st.session ? `session “${st.session}” · ` : '', `weight ${num(st.weight, 2)} · updated `,
        h('time', {datetime: st.updated, title: when(st.updated)}, ago(st.updated)), ` · α ${num(p.alpha, 2)}`)
      : h('p', {class: 'muted small'}, 'No current session: recommendations follow the long-term interests alone until the next event.'),
    st.events.length ? h('ul', {class: 'chips'}, st.events.map((ev) => eventChip(ev, st.active ? 'current' : ''))) : null);

  const neg = p.negative;
  const rejections = card('Rejections', {badge: h('span', {class: 'badge'}, `strength ${num(neg.strength, 2)}`)},
    neg.events.length
      ? h('ul', {class: 'chips'}, neg.events.map((ev) => eventChip(ev, 'rejected')))
      : h('p', {class: 'muted small'}, 'Nothing rejected: no dislikes, skips or low ratings.'));

  const mapCard = card('Map', null,
    h('p', {class: 'muted small'}, 'Interests, session, θ_dynamic and the top 10 recommendations, projected on their two principal components.'),
    map.error ? errorBox(map.error) : [
      mapView(map, (i, pt) => colors.get(String(pt.id)) || colorOf(i)),
      h('ol', {class: 'map-legend'}, map.points.filter((pt) => pt.kind === 'item').map((pt) => h('li', {value: pt.rank, style: {'--c': pt.interest !== undefined ? (colors.get(String(pt.interest)) || '#6A6A6A') : '#6A6A6A'}},
        h('span', {class: 'swatch', 'aria-hidden': 'true'}), pt.label))),
    ]);

  const recent = card(`Recent events (${events.length})`, null, events.length
    ? h('div', {class: 'table-wrap'}, h('table', {class: 'table'},
      h('thead', null, h('tr', null, ['when', 'type', 'item', 'text', 'value', 'session'].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', null, events.slice().reverse().map((ev) => {
        const itemCell = h('td', null, ev.item || '');
        if (ev.item) refText({item: ev.item}).then((t) => { if (t !== ev.item) itemCell.replaceChildren(h('span', {class: 'id'}, ev.item), ' ', t); });
        return h('tr', null,
          h('td', null, h('time', {datetime: ev.ts, title: when(ev.ts)}, ago(ev.ts))),
          h('td', null, h('span', {class: `event-type t-${ev.type}`}, ev.type)),
          itemCell,
          h('td', null, ev.text || ''),
          h('td', {class: 'num'}, ev.value !== undefined ? String(ev.value) : ''),
          h('td', {class: 'muted'}, ev.session || ''));
      }))))
    : h('p', {class: 'muted'}, 'No events.'));

  return [head, summaryCard,
    h('div', {class: 'grid two'}, interests, drift),
    h('div', {class: 'grid two'}, h('div', {class: 'stack'}, session, rejections), mapCard),
    recent];
}
