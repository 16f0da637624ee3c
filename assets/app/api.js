// The API client shared by the reader and the board: one fetch wrapper that
// sends the session token, reads the JSON error envelope, and turns every
// failure into an ApiError with the server's stable code (or "offline").
// The token lives in localStorage under a key per page (reader, board) so
// that a member and a board officer can use one browser without mixing;
// it is never logged nor put in a URL.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

export function makeApi(storageKey) {
  let token = localStorage.getItem(storageKey) || null;

  async function call(method, path, body, opts = {}) {
    const headers = { Accept: opts.accept || 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'offline', 'Không có mạng.');
    }
    if (res.status === 401 && token) {
      // Expired or revoked: forget it; the page shows the login again.
      token = null;
      localStorage.removeItem(storageKey);
      window.dispatchEvent(new CustomEvent('hb-logged-out'));
    }
    if (opts.raw) {
      if (!res.ok) throw await errorOf(res);
      return res;
    }
    if (!res.ok) throw await errorOf(res);
    if (res.status === 204) return null;
    return res.json();
  }

  return {
    get token() { return token; },
    async login(login, password) {
      const r = await call('POST', '/api/v1/auth/login', { login, password });
      token = r.token;
      localStorage.setItem(storageKey, token);
      return r;
    },
    async logout() {
      try { await call('POST', '/api/v1/auth/logout'); } catch (e) { /* gone anyway */ }
      token = null;
      localStorage.removeItem(storageKey);
    },
    get: (path, opts) => call('GET', path, undefined, opts),
    post: (path, body) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
    raw: (path, accept) => call('GET', path, undefined, { raw: true, accept }),
  };
}

async function errorOf(res) {
  let code = 'http_' + res.status, message = res.statusText;
  try {
    const j = await res.json();
    if (j && j.error) { code = j.error.code; message = j.error.message; }
  } catch (e) { /* not JSON */ }
  return new ApiError(res.status, code, message);
}

// A random (version 4) UUID for client ids: events, notes, essays and
// attempts are sent with one so that a retry is stored once.
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Builds DOM without innerHTML, so that no text from the server can become
// markup: el('p', {class: 'x', lang: 'km'}, 'text', child, ...).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Replaces the children of a container and moves focus to its heading, so
// that keyboard and screen-reader users land on the new view; not for the
// first view of a page load, where focus stays at the top (skip link first).
let firstView = true;
export function show(container, ...children) {
  container.replaceChildren(...children.flat().filter(Boolean));
  const h = container.querySelector('h1, h2');
  if (h && !firstView) { h.setAttribute('tabindex', '-1'); h.focus({ preventScroll: false }); }
  firstView = false;
}

export function status(node, text, kind) {
  node.textContent = text || '';
  node.className = 'status' + (kind ? ' ' + kind : '');
}
