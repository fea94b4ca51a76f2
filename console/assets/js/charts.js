// SVG charts drawn without libraries: the interest-drift line chart, the
// 2-D map of a user, and bar charts with confidence intervals. Each chart
// is an <svg role="img"> with a title and a description, and comes with a
// data table for readers who cannot see it.

import {h, s, uniqueId} from './dom.js';
import {num, pct, truncate, when} from './format.js';

function niceStep(span, target) {
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

function linearTicks(lo, hi, target = 5) {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, target);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

const DAY = 24 * 3600 * 1000;

function timeTicks(lo, hi) {
  const span = hi - lo;
  const steps = [60e3, 5 * 60e3, 15 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY];
  const step = steps.find((st) => span / st <= 6) || 365 * DAY;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push(t);
  const fmt = span < 2 * DAY
    ? (t) => new Date(t).toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit'})
    : span < 400 * DAY
      ? (t) => new Date(t).toLocaleDateString('en-GB', {day: 'numeric', month: 'short'})
      : (t) => new Date(t).toLocaleDateString('en-GB', {month: 'short', year: 'numeric'});
  return out.map((t) => ({t, label: fmt(t)}));
}

function svgFrame(title, desc, width, height, ...children) {
  const tid = uniqueId('chart-title');
  const did = uniqueId('chart-desc');
  return s('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${tid} ${did}`,
    preserveAspectRatio: 'xMidYMid meet',
  }, s('title', {id: tid}, title), s('desc', {id: did}, desc), ...children);
}

function dataTable(caption, head, rows) {
  return h('details', {class: 'chart-data'},
    h('summary', null, 'Data table'),
    h('table', {class: 'table compact'},
      h('caption', {class: 'sr-only'}, caption),
      h('thead', null, h('tr', null, head.map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c)))))));
}

// halfLifeOf estimates the decay of importance from the profile itself:
// between an interest's last event and now its importance only decays,
// I_now = I_last·2^(−Δt/h). The median over interests is used; null when
// no interest has decayed measurably.
function halfLifeOf(interests, now) {
  const hs = [];
  for (const it of interests) {
    const tr = it.trace || [];
    if (!tr.length) continue;
    const last = tr[tr.length - 1];
    const dt = now - Date.parse(last.t);
    if (dt > 3600e3 && it.importance > 0 && it.importance < last.importance * 0.999) {
      hs.push(dt * Math.LN2 / Math.log(last.importance / it.importance));
    }
  }
  if (!hs.length) return null;
  hs.sort((a, b) => a - b);
  return hs[Math.floor(hs.length / 2)];
}

// driftChart draws each interest's importance over time: it rises at each
// of its events (the trace's samples) and decays in between, down to its
// importance now (at).
export function driftChart(interests, at, colorOf) {
  const W = 640, H = 250, L = 44, R = 14, T = 12, B = 30;
  const now = Date.parse(at);
  const half = halfLifeOf(interests, now);
  const series = interests.map((it, i) => {
    const pts = (it.trace || []).map((p) => ({t: Date.parse(p.t), v: p.importance})).filter((p) => Number.isFinite(p.t));
    return {label: it.label, color: colorOf(i), pts, now: {t: now, v: it.importance}};
  });
  const ts = series.flatMap((se) => [...se.pts.map((p) => p.t), se.now.t]).filter(Number.isFinite);
  const vs = series.flatMap((se) => [...se.pts.map((p) => p.v), se.now.v]);
  if (!ts.length) return h('p', {class: 'muted'}, 'No importance samples yet.');
  let t0 = Math.min(...ts), t1 = Math.max(...ts);
  if (t1 - t0 < 60e3) { t0 -= 30e3; t1 += 30e3; }
  const vmax = Math.max(1e-9, ...vs) * 1.1;
  const x = (t) => L + (W - L - R) * (t - t0) / (t1 - t0);
  const y = (v) => T + (H - T - B) * (1 - v / vmax);
  const grid = [];
  for (const v of linearTicks(0, vmax, 4)) {
    grid.push(s('line', {class: 'gridline', x1: L, x2: W - R, y1: y(v), y2: y(v)}));
    grid.push(s('text', {class: 'tick', x: L - 6, y: y(v) + 4, 'text-anchor': 'end'}, v.toFixed(v < 1 && v > 0 ? 1 : 0)));
  }
  for (const tk of timeTicks(t0, t1)) {
    grid.push(s('line', {class: 'gridline', x1: x(tk.t), x2: x(tk.t), y1: T, y2: H - B}));
    grid.push(s('text', {class: 'tick', x: x(tk.t), y: H - B + 16, 'text-anchor': 'middle'}, tk.label));
  }
  // decayTo appends the path from (ta, va) decaying until tb.
  const decayTo = (d, ta, va, tb) => {
    // Without a half-life the next point is joined by a straight line.
    if (!half || tb <= ta) return d;
    const steps = Math.max(2, Math.ceil(24 * (x(tb) - x(ta)) / (W - L - R)));
    for (let k = 1; k <= steps; k++) {
      const t = ta + (tb - ta) * k / steps;
      d += ` L${x(t).toFixed(1)},${y(va * 2 ** (-(t - ta) / half)).toFixed(1)}`;
    }
    return d;
  };
  const lines = series.map((se) => {
    const g = s('g', {class: 'series'});
    if (se.pts.length) {
      let d = `M${x(se.pts[0].t).toFixed(1)},${y(se.pts[0].v).toFixed(1)}`;
      for (let i = 1; i < se.pts.length; i++) {
        d = decayTo(d, se.pts[i - 1].t, se.pts[i - 1].v, se.pts[i].t);
        d += ` L${x(se.pts[i].t).toFixed(1)},${y(se.pts[i].v).toFixed(1)}`;
      }
      const last = se.pts[se.pts.length - 1];
      let tail = `M${x(last.t).toFixed(1)},${y(last.v).toFixed(1)}`;
      if (Number.isFinite(se.now.t) && se.now.t > last.t) {
        tail = decayTo(tail, last.t, last.v, se.now.t) + ` L${x(se.now.t).toFixed(1)},${y(se.now.v).toFixed(1)}`;
      }
      g.append(s('path', {d, fill: 'none', stroke: se.color, 'stroke-width': 2.5, 'stroke-linejoin': 'round'}));
      g.append(s('path', {d: tail, fill: 'none', stroke: se.color, 'stroke-width': 2, 'stroke-dasharray': '5 4'}));
      for (const p of se.pts) {
        g.append(s('circle', {cx: x(p.t), cy: y(p.v), r: 3.5, fill: se.color},
          s('title', null, `${se.label}: ${num(p.v, 2)} after an event on ${when(p.t)}`)));
      }
    }
    if (Number.isFinite(se.now.t)) {
      g.append(s('circle', {cx: x(se.now.t), cy: y(se.now.v), r: 4.5, fill: 'var(--surface)', stroke: se.color, 'stroke-width': 2},
        s('title', null, `${se.label}: ${num(se.now.v, 2)} now`)));
    }
    return g;
  });
  const midY = T + (H - T - B) / 2;
  const axisLabel = s('text', {class: 'axis-label', x: 12, y: midY, transform: `rotate(-90 12 ${midY})`, 'text-anchor': 'middle'}, 'importance');
  const halfText = half ? `Between events importance halves every ${fmtDuration(half)}.` : '';
  const svg = svgFrame('Importance of each interest over time',
    `Line chart of ${series.length} interests from ${when(t0)} to ${when(t1)}. Dots mark the importance right after each event; ${halfText} Dashed: since the last event, until now.`,
    W, H, ...grid, axisLabel, ...lines);
  const rows = series.flatMap((se) => [...se.pts.map((p) => [se.label, when(p.t), num(p.v, 2)]), [se.label, 'now', num(se.now.v, 2)]]);
  return h('figure', {class: 'figure'}, svg,
    half ? h('figcaption', {class: 'muted small'}, `Each event adds to its interest; between events importance halves every ${fmtDuration(half)} (estimated from the profile). Dashed: decay since the last event.`) : null,
    dataTable('Importance samples', ['interest', 'time', 'importance'], rows));
}

// shareChart stacks each interest's share of the total importance over
// time: the drift itself, as one interest grows and the others decay.
// Between events an interest's importance decays with the half-life
// estimated from the profile (none when it cannot be estimated).
export function shareChart(interests, at, colorOf) {
  const W = 640, H = 250, L = 44, R = 14, T = 12, B = 30;
  const now = Date.parse(at);
  const half = halfLifeOf(interests, now);
  const series = interests.map((it, i) => ({
    label: it.label, color: colorOf(i),
    pts: (it.trace || []).map((p) => ({t: Date.parse(p.t), v: p.importance})).filter((p) => Number.isFinite(p.t)),
  })).filter((se) => se.pts.length);
  if (!series.length || !Number.isFinite(now)) return h('p', {class: 'muted'}, 'No importance samples yet.');
  const t0 = Math.min(...series.map((se) => se.pts[0].t));
  const t1 = Math.max(now, t0 + 60e3);
  // Sample on a grid plus just before and at every event, so jumps stay
  // sharp.
  const times = new Set();
  for (let k = 0; k <= 160; k++) times.add(t0 + (t1 - t0) * k / 160);
  for (const se of series) for (const p of se.pts) { times.add(p.t - 1); times.add(p.t); }
  const ts = [...times].filter((t) => t >= t0 && t <= t1).sort((a, b) => a - b);
  const valueAt = (se, t) => {
    let last = null;
    for (const p of se.pts) { if (p.t <= t) last = p; else break; }
    if (!last) return 0;
    return half ? last.v * 2 ** (-(t - last.t) / half) : last.v;
  };
  const shares = ts.map((t) => {
    const vs = series.map((se) => valueAt(se, t));
    const sum = vs.reduce((a, b) => a + b, 0);
    return vs.map((v) => (sum > 0 ? v / sum : 0));
  });
  const x = (t) => L + (W - L - R) * (t - t0) / (t1 - t0);
  const y = (v) => T + (H - T - B) * (1 - v);
  const layers = [];
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    layers.push(s('line', {class: 'gridline', x1: L, x2: W - R, y1: y(v), y2: y(v)}));
    layers.push(s('text', {class: 'tick', x: L - 6, y: y(v) + 4, 'text-anchor': 'end'}, pct(v)));
  }
  for (const tk of timeTicks(t0, t1)) {
    layers.push(s('text', {class: 'tick', x: x(tk.t), y: H - B + 16, 'text-anchor': 'middle'}, tk.label));
  }
  const below = ts.map(() => 0);
  series.forEach((se, i) => {
    const upper = ts.map((t, k) => below[k] + shares[k][i]);
    const d = 'M' + ts.map((t, k) => `${x(t).toFixed(1)},${y(upper[k]).toFixed(1)}`).join(' L') +
      ' L' + ts.map((t, k) => `${x(t).toFixed(1)},${y(below[k]).toFixed(1)}`).reverse().join(' L') + ' Z';
    layers.push(s('path', {d, fill: se.color, 'fill-opacity': 0.75, stroke: 'var(--surface)', 'stroke-width': 0.5},
      s('title', null, `${se.label}: ${pct(shares[shares.length - 1][i])} now`)));
    ts.forEach((t, k) => { below[k] = upper[k]; });
  });
  const svg = svgFrame('Share of each interest over time',
    `Stacked area chart of ${series.length} interests from ${when(t0)} to ${when(t1)}: each interest's part of the total importance.`,
    W, H, ...layers);
  const rows = series.map((se, i) => [se.label, pct(shares[0][i]), pct(shares[shares.length - 1][i])]);
  return h('figure', {class: 'figure'}, svg, dataTable('Shares at the start and now', ['interest', 'start', 'now'], rows));
}

// driftView switches between importance and share of each interest.
export function driftView(interests, at, colorOf) {
  const name = uniqueId('drift');
  const holder = h('div', null, driftChart(interests, at, colorOf));
  const choice = (value, label, checked) => {
    const id = `${name}-${value}`;
    const input = h('input', {type: 'radio', name, id, value, checked});
    input.addEventListener('change', () => holder.replaceChildren(value === 'share' ? shareChart(interests, at, colorOf) : driftChart(interests, at, colorOf)));
    return [input, h('label', {for: id}, label)];
  };
  return h('div', {class: 'drift-view'},
    h('div', {class: 'segmented small', role: 'group', 'aria-label': 'Drift chart'}, choice('importance', 'importance', true), choice('share', 'share of total', false)),
    holder);
}

function fmtDuration(ms) {
  const d = ms / (24 * 3600e3);
  if (d >= 1.5) return `${Math.round(d)} days`;
  const hrs = ms / 3600e3;
  return hrs >= 1.5 ? `${Math.round(hrs)} hours` : `${Math.round(ms / 60e3)} minutes`;
}

function diamond(cx, cy, r) {
  return `M${cx},${cy - r} L${cx + r},${cy} L${cx},${cy + r} L${cx - r},${cy} Z`;
}

function star(cx, cy, r) {
  const pts = [];
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + i * Math.PI / 5;
    const rr = i % 2 ? r * 0.45 : r;
    pts.push(`${(cx + rr * Math.cos(a)).toFixed(1)},${(cy + rr * Math.sin(a)).toFixed(1)}`);
  }
  return 'M' + pts.join(' L') + ' Z';
}

// placeLabel moves a label down until it overlaps no earlier one.
function placeLabel(placed, x, y, text) {
  const w = Array.from(text).reduce((a, ch) => a + (ch.charCodeAt(0) > 0x2e80 ? 12 : 6.6), 0);
  let yy = y;
  for (let tries = 0; tries < 6; tries++) {
    const box = {x0: x - w / 2, x1: x + w / 2, y0: yy - 11, y1: yy + 3};
    if (!placed.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) {
      placed.push(box);
      return yy;
    }
    yy += 14;
  }
  return yy;
}

// mapChart draws a user's map: interests as discs sized by their share,
// the session and θ_dynamic as symbols, recommended items as numbered
// dots in the colour of the interest they serve. With spread, distances
// from θ_dynamic are square-rooted: the principal axes are dominated by
// the interests farthest apart, which otherwise crowd the session and the
// items retrieved around it into a corner.
export function mapChart(data, colorOfInterest, {spread = false} = {}) {
  const W = 560, H = 420, P = 36;
  const raw = data.points || [];
  if (!raw.length) return h('p', {class: 'muted'}, 'Nothing to map yet.');
  // The spread is a fisheye centred on θ_dynamic (the point the list is
  // retrieved around) or, without one, on the centroid.
  const focus = raw.find((p) => p.kind === 'dynamic') || {x: 0, y: 0};
  const pts = raw.map((p) => {
    if (!spread) return {...p, px: p.x, py: p.y};
    const dx = p.x - focus.x, dy = p.y - focus.y;
    const r = Math.hypot(dx, dy);
    const f = r > 0 ? Math.sqrt(r) / r : 0;
    return {...p, px: focus.x + dx * f, py: focus.y + dy * f};
  });
  const xs = pts.map((p) => p.px), ys = pts.map((p) => p.py);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const span = Math.max(x1 - x0, y1 - y0, 1e-6);
  // One scale for both axes: distances on the map mean the same in both
  // directions.
  const k = Math.min((W - 2 * P) / Math.max(x1 - x0, span * 0.2), (H - 2 * P) / Math.max(y1 - y0, span * 0.2));
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const X = (v) => W / 2 + (v - cx) * k;
  const Y = (v) => H / 2 - (v - cy) * k;
  const ex = data.explained || [0, 0];
  const layers = [
    s('line', {class: 'axis', x1: P / 2, x2: W - P / 2, y1: Y(0), y2: Y(0)}),
    s('line', {class: 'axis', x1: X(0), x2: X(0), y1: P / 2, y2: H - P / 2}),
    s('text', {class: 'axis-label', x: W - 6, y: H - 6, 'text-anchor': 'end'},
      `PC1 ${pct(ex[0])} · PC2 ${pct(ex[1])} of variance${spread ? ' · √ distance from θ dynamic' : ''}`),
  ];
  const placed = [];
  const labels = [];
  const interestColor = new Map();
  pts.filter((p) => p.kind === 'interest').forEach((p, i) => interestColor.set(String(p.id), colorOfInterest(i, p)));
  for (const p of pts.filter((q) => q.kind === 'interest')) {
    const color = interestColor.get(String(p.id));
    const r = 7 + 12 * Math.sqrt(Math.max(0, p.share || 0));
    layers.push(s('g', {class: 'map-interest'},
      s('circle', {cx: X(p.px), cy: Y(p.py), r, fill: color, 'fill-opacity': 0.16, stroke: color, 'stroke-width': 2.5}),
      s('title', null, `Interest “${p.label}”, ${pct(p.share)} of the list`)));
    const text = truncate(p.label, 14);
    labels.push(s('text', {class: 'map-label', x: X(p.px), y: placeLabel(placed, X(p.px), Y(p.py) - r - 4, text), 'text-anchor': 'middle', fill: color}, text));
  }
  for (const p of pts.filter((q) => q.kind === 'item').reverse()) {
    const color = p.interest !== undefined && interestColor.has(String(p.interest)) ? interestColor.get(String(p.interest)) : '#6A6A6A';
    layers.push(s('g', {class: 'map-item'},
      s('circle', {cx: X(p.px), cy: Y(p.py), r: 6, fill: color, stroke: 'var(--surface)', 'stroke-width': 1.5}),
      s('title', null, `#${p.rank} ${p.label} (score ${num(p.score)})`)));
    labels.push(s('text', {class: 'rank', x: X(p.px) + 8, y: Y(p.py) + 4}, String(p.rank)));
  }
  for (const p of pts.filter((q) => q.kind === 'session' || q.kind === 'dynamic')) {
    const isSession = p.kind === 'session';
    const d = isSession ? diamond(X(p.px), Y(p.py), 9) : star(X(p.px), Y(p.py), 11);
    layers.push(s('path', {class: isSession ? 'map-session' : 'map-dynamic', d},
      s('title', null, isSession ? 'The current session (short-term state)' : 'θ_dynamic = α·session + (1−α)·history')));
    const text = isSession ? 'session' : 'θ dynamic';
    labels.push(s('text', {class: 'map-label strong', x: X(p.px), y: placeLabel(placed, X(p.px), Y(p.py) + 24, text), 'text-anchor': 'middle'}, text));
  }
  const items = pts.filter((p) => p.kind === 'item').length;
  const svg = svgFrame('Map of interests and recommendations',
    `The first two principal components of ${pts.length - items} profile vectors and ${items} recommended items${spread ? ', with distances from θ_dynamic square-rooted' : ''}. Interests are discs sized by their share of the list; the session is a diamond; θ_dynamic is a star; items are numbered by rank.`,
    W, H, ...layers, ...labels);
  const rows = raw.map((p) => [p.kind, p.kind === 'item' ? `#${p.rank} ${p.label}` : p.label, num(p.x, 3), num(p.y, 3)]);
  return h('figure', {class: 'figure'}, svg, dataTable('Map coordinates (principal components)', ['kind', 'label', 'PC1', 'PC2'], rows));
}

// mapView is a map with a switch between true and spread distances.
// The choice is remembered while the page lives, so a map redrawn as α
// moves keeps it.
const mapPrefs = {spread: true};

export function mapView(data, colorOfInterest) {
  const id = uniqueId('spread');
  const box = h('input', {type: 'checkbox', id, checked: mapPrefs.spread});
  const holder = h('div', null, mapChart(data, colorOfInterest, {spread: mapPrefs.spread}));
  box.addEventListener('change', () => {
    mapPrefs.spread = box.checked;
    holder.replaceChildren(mapChart(data, colorOfInterest, {spread: box.checked}));
  });
  return h('div', {class: 'map-view'}, holder,
    h('div', {class: 'control inline'}, box, h('label', {for: id}, 'Magnify around θ dynamic (√ distance)')));
}

// barChart draws horizontal bars with optional [lo, hi] whiskers.
export function barChart(title, rows, {format = (v) => num(v)} = {}) {
  const W = 640, rowH = 30, L = 170, R = 70, T = 8, B = 26;
  const H = T + B + rowH * rows.length;
  const vmax = Math.max(1e-9, ...rows.map((r) => Math.max(r.value || 0, r.hi || 0))) * 1.05;
  const x = (v) => L + (W - L - R) * v / vmax;
  const layers = [];
  for (const v of linearTicks(0, vmax, 5)) {
    layers.push(s('line', {class: 'gridline', x1: x(v), x2: x(v), y1: T, y2: H - B}));
    layers.push(s('text', {class: 'tick', x: x(v), y: H - B + 16, 'text-anchor': 'middle'}, format(v)));
  }
  rows.forEach((r, i) => {
    const yc = T + rowH * i + rowH / 2;
    layers.push(s('text', {class: 'bar-label', x: L - 8, y: yc + 4, 'text-anchor': 'end'}, truncate(r.label, 24)));
    layers.push(s('rect', {class: r.highlight ? 'bar best' : 'bar', x: L, y: yc - 9, width: Math.max(0, x(r.value) - L), height: 18, rx: 3},
      s('title', null, `${r.label}: ${format(r.value)}`)));
    if (Number.isFinite(r.lo) && Number.isFinite(r.hi)) {
      layers.push(s('path', {class: 'whisker', d: `M${x(r.lo)},${yc - 6} v12 M${x(r.lo)},${yc} H${x(r.hi)} M${x(r.hi)},${yc - 6} v12`}));
    }
    layers.push(s('text', {class: 'bar-value', x: x(Math.max(r.value, r.hi || 0)) + 6, y: yc + 4}, format(r.value)));
  });
  const svg = svgFrame(title, `Bar chart of ${rows.length} methods; whiskers show 95% intervals where known.`, W, H, ...layers);
  return h('figure', {class: 'figure'}, svg);
}
