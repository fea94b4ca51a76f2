// Rendering of recommendation lists with their explanations, shared by
// the explorer and the user page.

import {h} from './dom.js';
import {colorOf, eventVerbs, num, pct} from './format.js';

const scoreNames = [
  ['relevance', 'relevance', 'the score the list is ranked by'],
  ['fused', 'fused', 'similarity to the interest fused with the session by α'],
  ['long_term', 'long-term', 'similarity to the interest centroid'],
  ['short_term', 'short-term', 'similarity to the current session'],
  ['negative', 'rejection', 'similarity to what the user rejected (subtracted)'],
  ['redundancy', 'redundancy', 'similarity to items placed above (diversity)'],
  ['popularity', 'popularity', 'recent popularity (cold start)'],
];

// interestColors maps interest IDs to colours in the order the interests
// formed, so an interest keeps its colour whatever its rank at the time
// the profile is evaluated.
export function interestColors(interests) {
  const m = new Map();
  [...(interests || [])].sort((a, b) => a.id - b.id).forEach((it, i) => m.set(String(it.id), colorOf(i)));
  return m;
}

function movement(prevRanks, id, rank) {
  if (!prevRanks) return null;
  if (!prevRanks.has(id)) return h('span', {class: 'move new', title: 'new in the list'}, 'new');
  const d = prevRanks.get(id) - rank;
  if (d > 0) return h('span', {class: 'move up', title: `up ${d}`}, `▲${d}`);
  if (d < 0) return h('span', {class: 'move down', title: `down ${-d}`}, `▼${-d}`);
  return null;
}

// because renders one past event the item resembles. A Chinese text's
// English gloss (what the encoder read) is its tooltip.
function because(b) {
  const text = b.text || b.item || '';
  return h('li', null,
    h('span', {class: 'event-type'}, eventVerbs[b.type] || b.type), ' ',
    h('q', {title: b.gloss ? `read as: ${b.gloss}` : null}, text), ' ',
    h('span', {class: 'because-meta'},
      h('span', {class: 'sim', title: 'cosine similarity to the item'}, `sim ${num(b.similarity, 2)}`),
      b.current ? h('span', {class: 'badge now'}, 'this session') : null));
}

// becauseList shows the two most similar past events; the rest fold away.
function becauseList(list) {
  const shown = list.slice(0, 2), rest = list.slice(2);
  return h('div', {class: 'because-wrap'},
    h('ul', {class: 'because', 'aria-label': 'Past events it resembles'}, shown.map(because)),
    rest.length ? h('details', {class: 'more'}, h('summary', null, `${rest.length} more`), h('ul', {class: 'because'}, rest.map(because))) : null);
}

function scoresTable(sc) {
  return h('details', {class: 'scores'},
    h('summary', null, 'Scores'),
    h('dl', {class: 'kv'}, scoreNames
      .filter(([k]) => sc[k] !== undefined && sc[k] !== null)
      .flatMap(([k, label, help]) => [h('dt', {title: help}, label), h('dd', null, num(sc[k]))]),
    h('dt', null, 'α'), h('dd', null, num(sc.alpha, 2))));
}

// recList renders items as an ordered list. prev is the previous list
// (for ▲▼ movement), colors maps interest IDs to colours.
export function recList(items, {prev, colors, maxScore} = {}) {
  if (!colors) {
    // Without a stored profile, colour interests in order of appearance.
    colors = new Map();
    for (const it of items) {
      const id = it.explanation && it.explanation.interest ? String(it.explanation.interest.id) : null;
      if (id !== null && !colors.has(id)) colors.set(id, colorOf(colors.size));
    }
  }
  const prevRanks = prev ? new Map(prev.map((it, i) => [it.id, i + 1])) : null;
  const top = maxScore || Math.max(1e-9, ...items.map((it) => it.score));
  return h('ol', {class: 'recs', 'aria-label': 'Recommended items'}, items.map((it, i) => {
    const e = it.explanation || {};
    const color = e.interest && colors && colors.has(String(e.interest.id)) ? colors.get(String(e.interest.id)) : '#6A6A6A';
    const bar = h('span', {class: 'scorebar', 'aria-hidden': 'true'}, h('span', {style: {width: `${Math.max(2, 100 * it.score / top).toFixed(1)}%`, background: color}}));
    return h('li', {class: 'rec', dataset: {id: it.id}},
      h('div', {class: 'rank'}, String(i + 1), movement(prevRanks, it.id, i + 1)),
      h('div', {class: 'rec-body'},
        h('div', {class: 'rec-title'},
          h('span', {class: 'title'}, it.text || it.id),
          h('span', {class: 'id'}, it.id),
          (it.categories || []).map((c) => h('span', {class: 'chip'}, c))),
        it.gloss ? h('div', {class: 'gloss', title: `read as: ${it.gloss}`}, h('span', {class: 'sr-only'}, 'read as: '), it.gloss) : null,
        it.reason ? h('p', {class: 'reason'}, it.reason) : null,
        h('div', {class: 'why'},
          e.source === 'popular' ? h('span', {class: 'chip'}, 'popular') : null,
          e.interest ? h('span', {class: 'interest-chip', style: {'--c': color}, title: `${e.interest.label} — importance ${num(e.interest.importance, 2)}`},
            h('span', {class: 'swatch', 'aria-hidden': 'true'}), h('span', {class: 'chip-label'}, e.interest.label),
            h('span', {class: 'muted'}, ` · ${pct(e.interest.share)} of list`)) : null,
          e.because && e.because.length ? becauseList(e.because) : null,
          e.scores ? scoresTable(e.scores) : null)),
      h('div', {class: 'score'}, h('span', {class: 'score-num'}, num(it.score)), bar));
  }));
}
