// Formatting helpers shared by the views.

const rtf = new Intl.RelativeTimeFormat('en', {numeric: 'auto'});
const units = [
  ['year', 365 * 24 * 3600], ['month', 30 * 24 * 3600], ['week', 7 * 24 * 3600],
  ['day', 24 * 3600], ['hour', 3600], ['minute', 60], ['second', 1],
];

export function ago(ts, now = Date.now()) {
  const t = typeof ts === 'string' ? Date.parse(ts) : ts;
  if (!Number.isFinite(t)) return '';
  const secs = (t - now) / 1000;
  for (const [unit, size] of units) {
    if (Math.abs(secs) >= size || unit === 'second') {
      return rtf.format(Math.round(secs / size), unit);
    }
  }
  return '';
}

export function when(ts) {
  const t = new Date(ts);
  if (Number.isNaN(t.getTime())) return '';
  return t.toLocaleString('en-GB', {year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit'});
}

export function num(x, digits = 3) {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

export function pct(x) {
  return Number.isFinite(x) ? Math.round(100 * x) + '%' : '–';
}

export function truncate(s, n) {
  const chars = Array.from(s || '');
  return chars.length > n ? chars.slice(0, n - 1).join('') + '…' : s;
}

// Okabe–Ito colours: distinguishable with the common colour-vision
// deficiencies, and dark enough for marks on white.
export const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#8C564B', '#6A6A6A'];

export function colorOf(index) {
  return palette[((index % palette.length) + palette.length) % palette.length];
}

export const eventVerbs = {
  query: 'searched', view: 'viewed', click: 'clicked', add_to_cart: 'added to cart', purchase: 'bought',
  rating: 'rated', comment: 'commented', like: 'liked', dislike: 'disliked', skip: 'skipped',
};
