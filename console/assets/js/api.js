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

// The API key, when the server asks for one, lives in the tab's session
// storage: gone when the tab closes, never in a cookie or the address.
const KEY_STORE = 'driftrec-api-key';

export function apiKey() {
  try {
    return sessionStorage.getItem(KEY_STORE) || '';
  } catch {
    return '';
  }
}

export function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORE, key);
    else sessionStorage.removeItem(KEY_STORE);
  } catch {
    // Storage disabled: the key lasts until the page reloads.
  }
}

function authHeaders(headers) {
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  return headers;
}

export async function api(path, {method = 'GET', body, signal} = {}) {
  const init = {method, signal, headers: authHeaders({Accept: 'application/json'})};
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
    if (resp.status === 401 || resp.status === 403) {
      window.dispatchEvent(new CustomEvent('driftrec:unauthorized', {detail: {status: resp.status}}));
    }
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

// imageURL returns an address for an image of the API: the path itself,
// or, when requests need the API key (which an <img> cannot send), a
// data: URL of the image fetched with it.
export async function imageURL(path) {
  if (!apiKey()) return path;
  const resp = await fetch(path, {headers: authHeaders({})});
  if (!resp.ok) throw new APIError(resp.status, 'http_' + resp.status, `${path}: ${resp.statusText}`);
  const blob = await resp.blob();
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}
