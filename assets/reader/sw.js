// The reader's service worker, served at /sw.js so that its scope (/)
// covers the reader. It keeps two caches:
//  - the app shell (page, scripts, styles, Khmer font): answered from the
//    cache at once and refreshed behind (stale-while-revalidate), so the
//    reader opens on a slow or absent network;
//  - the documents the member has opened, and the list: network first
//    (a new edition shows at once when online), the cached copy when the
//    network fails. Cleared at logout (the page posts "clear").
// Reading events are not the worker's business: the page queues them in
// IndexedDB (queue.js) and sends them when the network is back. The board
// (/board/) and every other API path go straight to the network.

const SHELL = 'hb-shell-v1';
const DOCS = 'hb-docs-v1';
const SHELL_FILES = [
  '/',
  '/reader/reader.js',
  '/reader/queue.js',
  '/reader/manifest.webmanifest',
  '/reader/icon.svg',
  '/app/api.js',
  '/app/i18n.js',
  '/app/app.css',
  '/fonts/NotoSansKhmer-Regular.ttf',
  '/fonts/NotoSansKhmer-Bold.ttf',
];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (k !== SHELL && k !== DOCS) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener('message', (e) => {
  if (e.data === 'clear') e.waitUntil(caches.delete(DOCS));
});

function isShell(url) {
  return url.pathname === '/' || url.pathname.startsWith('/reader/') ||
    url.pathname.startsWith('/app/') || url.pathname.startsWith('/fonts/');
}
// The document list and single documents (both languages), and the
// member's own progress: what the reader needs to show a document offline.
function isDoc(url) {
  return /^\/api\/v1\/documents(\/\d+)?$/.test(url.pathname) || url.pathname === '/api/v1/me/progress';
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;

  if (isShell(url)) {
    e.respondWith((async () => {
      const cache = await caches.open(SHELL);
      const key = req.mode === 'navigate' ? '/' : req;
      const hit = await cache.match(key, { ignoreSearch: req.mode === 'navigate' });
      const fresh = fetch(req).then((res) => {
        if (res.ok) cache.put(key, res.clone());
        return res;
      });
      if (hit) { e.waitUntil(fresh.catch(() => {})); return hit; }
      return fresh;
    })());
    return;
  }

  if (isDoc(url)) {
    e.respondWith((async () => {
      const cache = await caches.open(DOCS);
      try {
        const res = await fetch(req);
        if (res.ok) await cache.put(req, res.clone());
        return res;
      } catch (err) {
        const hit = await cache.match(req);
        if (hit) return hit;
        throw err;
      }
    })());
  }
});
