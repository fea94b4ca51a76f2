// The Catalogue view: semantic search (optionally through a generated
// query expansion), and an item's nearest neighbours.

import {api, enc, query} from '../api.js';
import {announce, card, emptyState, errorBox, h, spinner} from '../dom.js';
import {num, when} from '../format.js';

export const title = 'Catalogue';

const examples = ['跑步鞋', '舒适的鞋垫', 'coffee for the morning', 'camping in the cold', 'noise cancelling'];

export function render(main, route, ctx) {
  const q = h('input', {type: 'search', id: 'search-q', name: 'q', autocomplete: 'off', required: true, value: route.params.get('q') || '',
    placeholder: 'e.g. 跑步鞋, or comfortable insoles for running', 'aria-describedby': 'search-help'});
  const category = h('input', {type: 'text', id: 'search-category', autocomplete: 'off', spellcheck: false, placeholder: 'any', value: route.params.get('category') || ''});
  const expand = h('input', {type: 'checkbox', id: 'search-expand', checked: route.params.get('expand') === 'true'});
  const results = h('div', {class: 'results', id: 'search-results', 'aria-live': 'polite'});
  const detail = h('div', {class: 'detail', id: 'item-detail'});
  let selected = route.params.get('item') || '';
  let lastQ = null;
  let seq = 0;

  const form = h('form', {class: 'search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); search(); }},
    h('div', {class: 'control grow'}, h('label', {for: 'search-q'}, 'Search by meaning'),
      h('div', {class: 'row'}, q, h('button', {type: 'submit', class: 'button'}, 'Search'))),
    h('div', {class: 'control'}, h('label', {for: 'search-category'}, 'Category'), category),
    h('div', {class: 'control inline'}, expand, h('label', {for: 'search-expand'}, 'Expand the query first')),
    h('p', {class: 'help', id: 'search-help'}, 'The text is embedded with the same encoder as the catalogue, in any language it reads. ',
      'Expansion rewrites a short query into a fuller description before searching (a chat model when one is configured, else the nearest items’ titles).'));

  main.append(
    h('div', {class: 'page-head'}, h('h2', null, 'Catalogue'),
      h('p', {class: 'lede'}, 'Search the catalogue by meaning; open an item to see its nearest neighbours.')),
    form,
    h('div', {class: 'split wide-left'}, results, detail));

  function state() {
    const p = {q: q.value.trim() || undefined, category: category.value.trim() || undefined, expand: expand.checked ? 'true' : undefined, item: selected || undefined};
    ctx.navigate('#/catalogue' + query(p), {replace: true});
  }

  async function search() {
    const text = q.value.trim();
    state();
    if (!text) {
      results.replaceChildren(emptyState('Search the catalogue',
        h('p', null, 'Try one of these:'),
        h('ul', {class: 'chips'}, examples.map((ex) => h('li', null, h('button', {type: 'button', class: 'chip-button', onclick: () => { q.value = ex; search(); }}, ex))))));
      return;
    }
    const my = ++seq;
    results.replaceChildren(spinner('Searching…'));
    try {
      let items, expansion = null;
      const cats = category.value.split(',').map((c) => c.trim()).filter(Boolean);
      if (expand.checked) {
        const res = await api('/v1/expand', {method: 'POST', body: {query: text, search: true, n: 20, categories: cats.length ? cats : undefined}});
        items = res.items;
        expansion = res.expansion;
      } else {
        const params = new URLSearchParams({q: text, n: '20'});
        for (const c of cats) params.append('category', c);
        items = (await api('/v1/search?' + params.toString())).items;
      }
      if (my !== seq) return;
      lastQ = text;
      const top = Math.max(1e-9, ...items.map((it) => it.score));
      results.replaceChildren(...[
        expansion ? h('div', {class: 'expansion'}, h('span', {class: 'badge'}, expansion.source === 'model' ? `expanded by ${expansion.model}` : 'expanded by template'),
          ' ', h('span', {lang: expansion.language}, expansion.text),
          expansion.fallback ? h('p', {class: 'muted small'}, `Model unavailable: ${expansion.fallback}`) : null) : null,
        items.length
          ? h('ol', {class: 'hits', 'aria-label': `Results for ${text}`}, items.map((it, i) => h('li', null,
            h('button', {type: 'button', class: 'hit', 'aria-pressed': it.id === selected ? 'true' : 'false', dataset: {id: it.id}, onclick: () => select(it.id)},
              h('span', {class: 'rank'}, String(i + 1)),
              h('span', {class: 'hit-body'}, h('span', {class: 'title'}, it.text || it.id), h('span', {class: 'id'}, it.id),
                (it.categories || []).map((c) => h('span', {class: 'chip'}, c))),
              h('span', {class: 'score'}, h('span', {class: 'score-num'}, num(it.score)),
                h('span', {class: 'scorebar', 'aria-hidden': 'true'}, h('span', {style: {width: `${Math.max(2, 100 * it.score / top).toFixed(1)}%`}})))))))
          : emptyState('No results', h('p', null, cats.length ? 'Nothing in that category is close; clear the category.' : 'The catalogue is empty.')),
      ].filter(Boolean));
      announce(`${items.length} results for ${text}`);
      if (!selected && items.length) select(items[0].id, {focus: false});
    } catch (e) {
      if (my === seq) results.replaceChildren(errorBox(e));
    }
  }

  async function select(id, {focus = true} = {}) {
    selected = id;
    state();
    for (const b of results.querySelectorAll('button.hit')) b.setAttribute('aria-pressed', b.dataset.id === id ? 'true' : 'false');
    detail.replaceChildren(spinner());
    try {
      const [item, sim] = await Promise.all([api(`/v1/items/${enc(id)}`), api(`/v1/items/${enc(id)}/similar?n=10`)]);
      if (selected !== id) return;
      const attrs = Object.entries(item.attributes || {});
      const heading = h('h3', {tabindex: '-1'}, item.text || item.id);
      detail.replaceChildren(card('Item', null,
        heading,
        h('dl', {class: 'kv'},
          h('dt', null, 'id'), h('dd', null, h('code', null, item.id)),
          h('dt', null, 'categories'), h('dd', null, (item.categories || []).length ? item.categories.map((c) => h('span', {class: 'chip'}, c)) : '–'),
          attrs.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, typeof v === 'object' ? JSON.stringify(v) : String(v))]),
          h('dt', null, 'updated'), h('dd', null, when(item.updated_at))),
        h('h4', null, 'Nearest neighbours'),
        sim.items.length
          ? h('ol', {class: 'neighbours'}, sim.items.map((it) => h('li', null,
            h('button', {type: 'button', class: 'link-button', onclick: () => select(it.id)}, it.text || it.id),
            ' ', h('span', {class: 'muted small'}, `${it.id} · ${num(it.score)}`))))
          : h('p', {class: 'muted'}, 'No other items.')));
      if (focus) heading.focus({preventScroll: false});
    } catch (e) {
      detail.replaceChildren(errorBox(e));
    }
  }

  search();
  if (selected) select(selected, {focus: false});
  else detail.replaceChildren(emptyState('No item selected', h('p', null, 'Choose a result to see the item and its nearest neighbours.')));
  return {
    update(r) {
      const nq = r.params.get('q') || '';
      if (nq !== (lastQ || '')) { q.value = nq; search(); }
      const it = r.params.get('item') || '';
      if (it && it !== selected) select(it, {focus: false});
      return true;
    },
  };
}
