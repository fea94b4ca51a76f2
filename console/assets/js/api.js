// The API client of the console: JSON in, JSON out, errors as APIError
// with the server's code, message and field.

export class APIError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = 'APIError';
    this.status = status;
    this.code = code;
    this.field = field || '';
  }
}

export async function api(path, {method = 'GET', body, signal} = {}) {
  const init = {method, signal, headers: {Accept: 'application/json'}};
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new APIError(0, 'unavailable', 'The server did not answer. Is driftrec still running?');
  }
  const text = await resp.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!resp.ok) {
    const e = data && data.error;
    if (e) throw new APIError(resp.status, e.code, e.message, e.field);
    throw new APIError(resp.status, 'http_' + resp.status, text.trim() || resp.statusText);
  }
  return data;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export const enc = encodeURIComponent;

// Item texts, for events that name an item without a text. Requests are
// shared and remembered for the page's life.
const itemCache = new Map();

export function itemText(id) {
  if (!itemCache.has(id)) {
    itemCache.set(id, api(`/v1/items/${enc(id)}`).then((it) => it.text || id, () => id));
  }
  return itemCache.get(id);
}

// refText resolves an event reference ({type, item, text}) to display text.
export async function refText(ref) {
  if (ref.text) return ref.text;
  if (ref.item) return itemText(ref.item);
  return '';
}
