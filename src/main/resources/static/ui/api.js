// The API as the page uses it: same-origin fetches carrying the session cookie; writes echo the XSRF-TOKEN
// cookie as X-XSRF-TOKEN; a 401 asks for a login once and repeats the call.

export class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.type = (this.body.type || '').replace('https://adagio.dev/problems/', '');
  }
}

let loginWaiter = null;
let onLogin = () => {};

/** Set by the app: asks the user for a token, resolves once a session is open. */
export function setLoginHandler(fn) {
  onLogin = fn;
}

function xsrf() {
  const m = document.cookie.match(/(?:^|; )XSRF-TOKEN=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : null;
}

export async function call(method, path, body, { loggedIn = false, refreshed = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    const t = xsrf();
    if (t) headers['X-XSRF-TOKEN'] = t;
  }
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && !loggedIn && path !== '/v0/session') {
    // one login for every call refused meanwhile; a login given up on fails them all (see the app's handler)
    if (!loginWaiter) loginWaiter = onLogin().finally(() => { loginWaiter = null; });
    await loginWaiter;
    return call(method, path, body, { loggedIn: true, refreshed });
  }
  if (res.status === 403 && !refreshed && method !== 'GET') {
    const p = await res.clone().json().catch(() => ({}));
    if ((p.type || '').endsWith('/csrf')) {
      await call('GET', '/v0/session'); // sets the XSRF-TOKEN cookie
      return call(method, path, body, { loggedIn, refreshed: true });
    }
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!res.ok) throw new Problem(res.status, json);
  return json;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);
export const del = (path) => call('DELETE', path);

export async function login(token) {
  const res = await fetch('/v0/session', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ token }),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Problem(res.status, json);
  return json;
}

/** Bytes (base64) as text when printable UTF-8, else hex; with the size. */
export function decode(b64) {
  if (b64 === undefined || b64 === null) return null;
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  let text = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) text = null;
  } catch { text = null; }
  const size = `${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
  if (text !== null) return { kind: 'text', value: text, size };
  const hex = Array.from(bytes.slice(0, 4096), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return { kind: 'hex', value: hex + (bytes.length > 4096 ? ' …' : ''), size };
}
