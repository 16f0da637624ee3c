// The reader's outbox of reading events, in IndexedDB so that it survives
// a closed tab, a dead battery and days without network. Each event gets
// its UUID when it happens (not when it is sent): POST /api/v1/events
// stores an event once per member and id, so sending a batch again after a
// lost answer is harmless. An event leaves the outbox only when the server
// has answered for it (accepted, duplicate, or rejected for good).

const DB = 'handbook-reader';
const STORE = 'outbox';
const BATCH = 500; // the server's limit per request

function open() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore(STORE, { keyPath: 'id' });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function tx(mode, fn) {
  return open().then((db) => new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const out = fn(t.objectStore(STORE));
    t.oncomplete = () => { db.close(); resolve(out && out.result !== undefined ? out.result : out); };
    t.onerror = () => { db.close(); reject(t.error); };
  }));
}

// Events carry the member they belong to (owner), so a shared phone never
// sends one member's reading under another's session.
export function enqueue(owner, event) {
  return tx('readwrite', (s) => s.put({ ...event, owner }));
}

export function pending(owner) {
  return tx('readonly', (s) => s.getAll()).then((all) => all.filter((e) => e.owner === owner));
}

function remove(ids) {
  return tx('readwrite', (s) => { for (const id of ids) s.delete(id); });
}

let flushing = null;
let again = false;

// Sends what waits, in batches; returns how many were answered. Errors of
// the network leave everything in place for the next try; a 401 (logged
// out) too. Only one flush runs at a time; a flush asked for while one
// runs makes that one look again when it is done, so an event queued
// while a batch was in flight (a core point marked just after the page
// opened) goes out at once, not at the next minute's retry. The caller
// gets the running flush's promise, which ends after that second look.
export function flush(api, owner) {
  if (flushing) { again = true; return flushing; }
  flushing = (async () => {
    let answered = 0;
    try {
      do {
        again = false;
        for (;;) {
          const events = (await pending(owner)).slice(0, BATCH);
          if (events.length === 0) break;
          const body = { events: events.map(({ owner: _o, ...e }) => e) };
          const r = await api.post('/api/v1/events', body);
          // Verdicts come in the order sent; each one ends that event's wait.
          const done = events.map((e) => e.id);
          const rejected = (r.results || []).filter((x) => x.status === 'rejected');
          if (rejected.length) console.warn('handbook: events rejected', rejected);
          await remove(done);
          answered += done.length;
          if (events.length < BATCH) break;
        }
      } while (again);
    } finally {
      flushing = null;
      again = false;
    }
    return answered;
  })();
  return flushing;
}
