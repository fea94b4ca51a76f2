// The Evaluation view: the latest report written by "driftrec eval"
// (GET /v1/eval/report), as tables, a bar chart with 95% intervals, the
// per-slice results and the plots beside the report. The report's
// contract: {dataset, protocol, methods: {name: {test, valid, ci95,
// params}}, best_by_validation}; method_order, slices, timing, command
// and environment are shown when present.

import {api, enc, imageURL} from '../api.js';
import {card, emptyState, errorBox, h, spinner} from '../dom.js';
import {ago, num, when} from '../format.js';
import {barChart} from '../charts.js';

export const title = 'Evaluation';

const preferred = ['ndcg@10', 'hr@10', 'ndcg@20', 'hr@20', 'mrr'];

function metricOrder(names, protocolMetrics) {
  const order = [...(protocolMetrics || []).map((m) => m.toLowerCase()), ...preferred];
  const rank = (m) => {
    const i = order.indexOf(m.toLowerCase());
    return i < 0 ? 1000 : i;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

// interval reads a 95% interval given as [lo, hi], {lo, hi} or {low, high}.
function interval(v) {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isFinite(x))) return v;
  if (v && typeof v === 'object') {
    const lo = v.lo ?? v.low ?? v.lower, hi = v.hi ?? v.high ?? v.upper;
    if (Number.isFinite(lo) && Number.isFinite(hi)) return [lo, hi];
  }
  return null;
}

// ciOf finds a method's interval for a metric of a phase: ci95 is either
// {phase: {metric: iv}} or {metric: iv} (test only).
function ciOf(method, phase, metric) {
  const ci = (method || {}).ci95 || {};
  if (ci[phase] && typeof ci[phase] === 'object' && !Array.isArray(ci[phase])) return interval(ci[phase][metric]);
  return phase === 'test' ? interval(ci[metric]) : null;
}

function fmt(v, digits = 4) {
  return Number.isFinite(v) ? num(v, digits) : '–';
}

function valueNode(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return String(Math.round(v * 1e6) / 1e6);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return Array.isArray(v) ? v.join(', ') : h('dl', {class: 'kv nested'}, Object.entries(v).flatMap(([k, x]) => [h('dt', null, k), h('dd', null, valueNode(x))]));
  return String(v);
}

function kvList(obj, cls) {
  if (obj === null || obj === undefined) return h('p', {class: 'muted'}, '–');
  if (typeof obj !== 'object') return h('p', null, String(obj));
  return h('dl', {class: ['kv', cls]}, Object.entries(obj).flatMap(([k, v]) => [h('dt', null, k.replaceAll('_', ' ')), h('dd', null, valueNode(v))]));
}

function metricTable(caption, names, methods, phase, best, metrics) {
  if (!metrics.length) return h('p', {class: 'muted'}, `No ${phase} metrics in the report.`);
  const top = {};
  for (const mt of metrics) {
    const vals = names.map((m) => ((methods[m] || {})[phase] || {})[mt]).filter(Number.isFinite);
    top[mt] = vals.length ? Math.max(...vals) : NaN;
  }
  return h('div', {class: 'table-wrap'}, h('table', {class: 'table metrics'},
    h('caption', null, caption),
    h('thead', null, h('tr', null, h('th', {scope: 'col'}, 'method'), metrics.map((mt) => h('th', {scope: 'col', class: 'num'}, mt)))),
    h('tbody', null, names.map((m) => {
      const row = (methods[m] || {})[phase] || {};
      return h('tr', {class: m === best ? 'best' : null},
        h('th', {scope: 'row'}, m, (methods[m] || {}).baseline ? h('span', {class: 'badge'}, 'baseline') : null,
          m === best ? h('span', {class: 'badge now'}, 'best by validation') : null),
        metrics.map((mt) => {
          const v = row[mt];
          const iv = ciOf(methods[m], phase, mt);
          return h('td', {class: ['num', Number.isFinite(v) && v === top[mt] ? 'top' : null]},
            fmt(v), iv ? h('span', {class: 'ci'}, h('br'), `${num(iv[0], 3)}–${num(iv[1], 3)}`) : null);
        }));
    }))));
}

function slicesTable(names, methods) {
  const sliceNames = [...new Set(names.flatMap((m) => Object.keys((methods[m] || {}).slices || {})))];
  if (!sliceNames.length) return null;
  const def = {};
  for (const m of names) for (const [k, sl] of Object.entries((methods[m] || {}).slices || {})) def[k] = def[k] || sl;
  return card('Slices', null,
    h('p', {class: 'muted small'}, 'Test NDCG@10 on subsets of users, with 95% intervals.'),
    h('div', {class: 'table-wrap'}, h('table', {class: 'table metrics'},
      h('caption', {class: 'sr-only'}, 'Test NDCG@10 by slice'),
      h('thead', null, h('tr', null, h('th', {scope: 'col'}, 'method'),
        sliceNames.map((k) => h('th', {scope: 'col', class: 'num', title: def[k].definition || ''}, k.replaceAll('_', ' '), h('br'),
          h('span', {class: 'ci'}, `${def[k].users ?? '?'} users`))))),
      h('tbody', null, names.map((m) => h('tr', null, h('th', {scope: 'row'}, m),
        sliceNames.map((k) => {
          const sl = ((methods[m] || {}).slices || {})[k];
          if (!sl) return h('td', {class: 'num'}, '–');
          const v = (sl.test || {})['NDCG@10'] ?? (sl.test || {})['ndcg@10'];
          const iv = interval(sl.ci95_ndcg10);
          return h('td', {class: 'num'}, fmt(v), iv ? h('span', {class: 'ci'}, h('br'), `${num(iv[0], 3)}–${num(iv[1], 3)}`) : null);
        })))))),
    h('ul', {class: 'muted small defs'}, sliceNames.map((k) => h('li', null, h('strong', null, k.replaceAll('_', ' ')), `: ${def[k].definition || ''}`))));
}

export function render(main) {
  const body = h('div', {class: 'eval'}, spinner('Loading the report…'));
  main.append(h('div', {class: 'page-head'}, h('h2', null, 'Evaluation'),
    h('p', {class: 'lede'}, 'The latest offline evaluation: every user’s held-out item ranked against the whole catalogue.')), body);
  api('/v1/eval/report').then((res) => {
    const r = res.report || {};
    const methods = r.methods && typeof r.methods === 'object' ? r.methods : {};
    const names = Array.isArray(r.method_order) ? r.method_order.filter((m) => methods[m]).concat(Object.keys(methods).filter((m) => !r.method_order.includes(m))) : Object.keys(methods);
    const best = typeof r.best_by_validation === 'string' ? r.best_by_validation : '';
    const protocolMetrics = r.protocol && Array.isArray(r.protocol.metrics) ? r.protocol.metrics : [];
    const metricsOf = (phase) => metricOrder([...new Set(names.flatMap((m) => Object.keys((methods[m] || {})[phase] || {})))], protocolMetrics);
    const testMetrics = metricsOf('test'), validMetrics = metricsOf('valid');
    const headline = testMetrics.find((m) => m.toLowerCase() === 'ndcg@10') || testMetrics[0];
    const ds = r.dataset;
    const dsName = ds && typeof ds === 'object' ? ds.name : ds;
    const parts = [
      h('p', {class: 'muted'}, `${res.file} · written `, h('time', {datetime: res.modified, title: when(res.modified)}, ago(res.modified)),
        r.timing && Number.isFinite(r.timing.wall_s) ? ` · took ${Math.round(r.timing.wall_s)} s` : ''),
    ];
    if (best) {
      const bm = methods[best] || {};
      parts.push(h('div', {class: 'notice good'}, h('strong', null, 'Chosen on validation: '), best,
        headline && bm.test ? ` — test ${headline} ${fmt(bm.test[headline])}` : '',
        headline && ciOf(bm, 'test', headline) ? ` (95% ${ciOf(bm, 'test', headline).map((x) => num(x, 3)).join('–')})` : ''));
    }
    if (headline) {
      const rows = names.map((m) => {
        const iv = ciOf(methods[m], 'test', headline);
        return {label: m, value: Number(((methods[m] || {}).test || {})[headline]) || 0, lo: iv ? iv[0] : NaN, hi: iv ? iv[1] : NaN, highlight: m === best};
      }).sort((a, b) => b.value - a.value);
      parts.push(h('div', {class: 'grid two'},
        card(`Test ${headline}`, null, barChart(`Test ${headline} by method`, rows, {format: (v) => num(v, 3)})),
        card(`Dataset: ${dsName ?? '–'}`, null, kvList(ds && typeof ds === 'object' ? ds : {name: ds}))));
    }
    parts.push(card('Test metrics', null, metricTable('Test phase; 95% bootstrap intervals below each value. Bold: the best value of a column.', names, methods, 'test', best, testMetrics)));
    parts.push(card('Validation metrics', null, metricTable('Validation phase, on which parameters are chosen', names, methods, 'valid', best, validMetrics)));
    const slices = slicesTable(names, methods);
    if (slices) parts.push(slices);
    if (res.plots.length) {
      parts.push(card('Plots', null, h('div', {class: 'plots'}, res.plots.map((p) => {
        const img = h('img', {alt: `Plot: ${p.replace(/\.(svg|png)$/, '').replace(/[-_]/g, ' ')}`, loading: 'lazy'});
        imageURL(`/v1/eval/files/${enc(p)}`).then((u) => { img.src = u; }, () => { img.alt += ' (could not be loaded)'; });
        return h('figure', {class: 'plot'}, img, h('figcaption', null, p));
      }))));
    }
    parts.push(card('Protocol', null, kvList(r.protocol, 'prose')));
    parts.push(card('Methods and parameters', null, names.length
      ? names.map((m) => h('details', {class: 'params'}, h('summary', null, m, (methods[m] || {}).kind ? h('span', {class: 'muted small'}, ` · ${methods[m].kind}${methods[m].encoder ? ' · ' + methods[m].encoder : ''}`) : null),
        kvList((methods[m] || {}).params)))
      : h('p', {class: 'muted'}, 'No methods in the report.')));
    if (r.command || r.environment || r.timing) {
      parts.push(card('Reproduce', null,
        r.command ? h('pre', {class: 'command'}, h('code', null, r.command)) : null,
        r.environment ? kvList(r.environment) : null,
        r.timing ? h('details', {class: 'params'}, h('summary', null, 'Timing'), kvList(r.timing)) : null));
    }
    body.replaceChildren(...parts);
  }, (e) => {
    body.replaceChildren(e.status === 404
      ? emptyState('No evaluation report yet',
        h('p', null, 'Run an evaluation with ', h('code', null, 'driftrec eval'), ' (see ', h('code', null, 'driftrec eval -h'),
          '), then reload this page. The server reads the report named by ', h('code', null, 'serve -eval-report'),
          ' (default ', h('code', null, 'docs/eval/report.json'), ') on every request.'),
        h('p', {class: 'muted small'}, `The server says: ${e.message}`))
      : errorBox(e));
  });
}
