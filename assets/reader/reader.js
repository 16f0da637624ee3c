// The member reader (issue 9): one small module, no framework, views chosen
// by the URL's hash (#/docs, #/doc/ID, #/essay/ID, #/sessions, #/quizzes,
// #/quiz/ID) so that the back button and bookmarks work and the page itself
// is one cached file. Everything is built with el() (text nodes, never
// innerHTML), so no text from the server can become markup.
//
// Offline: the service worker (sw.js) answers the shell and the documents
// already opened; marking a core point read always goes through the outbox
// (queue.js), which is sent at once when online and otherwise when the
// browser says the network is back.

import { makeApi, uuid, el, show, status, ApiError } from '/app/api.js';
import { setUiLang, uiLang, t, stateWord, errorText, textLang } from '/app/i18n.js';
import { enqueue, pending, flush } from '/reader/queue.js';

const api = makeApi('hb-reader-token');
const main = document.getElementById('main');
const outboxBadge = document.getElementById('outbox');
const offlineBanner = document.getElementById('offline');
let member = JSON.parse(localStorage.getItem('hb-reader-member') || 'null');

// Which language documents are read in: the member's choice on a document
// page, remembered; at first the member's own language.
function docLang() {
  return localStorage.getItem('hb-doc-lang') || (member && member.lang) || 'vi';
}

function setChrome() {
  setUiLang(localStorage.getItem('hb-ui-lang') || (member && member.lang) || 'vi');
  document.getElementById('ui-lang').value = uiLang();
  document.getElementById('app-title').textContent = t('app');
  document.title = t('app');
  const out = document.getElementById('logout');
  out.textContent = t('logout');
  out.hidden = !api.token;
  const tabs = document.getElementById('tabs');
  tabs.hidden = !api.token;
  for (const a of tabs.querySelectorAll('a')) a.textContent = t(a.dataset.tab);
  offlineBanner.textContent = t('offline');
  document.getElementById('skip').textContent = t('skip');
  tabs.setAttribute('aria-label', t('sections'));
  offlineBanner.hidden = navigator.onLine;
}

async function refreshOutbox() {
  if (!member) { outboxBadge.textContent = ''; return; }
  const n = (await pending(member.id)).length;
  outboxBadge.textContent = n ? `${n} ${t('queued')}` : '';
  outboxBadge.dataset.pending = String(n);
}

// Sends the outbox when there is a network; quietly waits otherwise.
async function trySend() {
  if (!member || !api.token) return;
  if (navigator.onLine) {
    try { await flush(api, member.id); } catch (e) { /* next time */ }
  }
  await refreshOutbox();
}

function readingEvent(kind, doc, section) {
  const e = {
    id: uuid(), kind, document_id: doc.id, version: doc.version, lang: doc.lang,
    occurred_at: new Date().toISOString(),
  };
  if (section) e.section = section;
  return e;
}

async function record(kind, doc, section) {
  await enqueue(member.id, readingEvent(kind, doc, section));
  await trySend();
}

// ---- views --------------------------------------------------------------

function viewLogin() {
  const msg = el('p', { class: 'status', role: 'alert' });
  const form = el('form', { novalidate: true },
    el('h2', {}, t('login')),
    el('label', { for: 'login' }, t('loginField')),
    el('input', { id: 'login', name: 'login', autocomplete: 'username', required: true, inputmode: 'text' }),
    el('label', { for: 'password' }, t('password')),
    el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    el('p', {}, el('button', { type: 'submit' }, t('login'))),
    msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status(msg, t('loading'));
    try {
      const r = await api.login(form.login.value.trim(), form.password.value);
      member = { id: r.member.id, lang: r.member.lang, full_name: r.member.full_name };
      localStorage.setItem('hb-reader-member', JSON.stringify(member));
      setChrome();
      location.hash = '#/docs';
      route();
    } catch (e) {
      status(msg, errorText(e), 'error');
    }
  });
  show(main, form);
}

async function viewDocs() {
  const lang = docLang();
  const [list, prog] = await Promise.all([
    api.get('/api/v1/documents?lang=' + lang),
    api.get('/api/v1/me/progress').catch(() => ({ items: [] })),
  ]);
  const byDoc = new Map(prog.items.map((p) => [p.document_id, p]));
  const items = list.items.map((d) => {
    const p = byDoc.get(d.id);
    return el('li', {},
      el('a', { href: '#/doc/' + d.id, lang: d.lang }, d.title),
      el('div', { class: 'muted' }, d.number, ' · ', d.issued,
        p ? el('span', { class: 'badge ok' }, ' ', t('progressOf', { a: p.sections_read.length, b: p.sections_total })) : null));
  });
  show(main, el('h2', {}, t('documents')),
    items.length ? el('ul', { class: 'list' }, items) : el('p', {}, t('none')));
}

async function viewDoc(id) {
  const lang = docLang();
  let doc;
  try {
    doc = await api.get(`/api/v1/documents/${id}?lang=${lang}`);
  } catch (e) {
    if (e.code === 'offline') { show(main, el('h2', {}, t('documents')), el('p', { class: 'status error' }, t('errorOffline'))); return; }
    throw e;
  }
  const prog = await api.get('/api/v1/me/progress?document=' + id).catch(() => ({ items: [] }));
  const read = new Set();
  const p = prog.items.find((x) => x.document_id === doc.id);
  if (p && p.version === doc.version) p.sections_read.forEach((s) => read.add(s));
  // What waits in the outbox counts as read here too (offline marks).
  for (const e of await pending(member.id)) {
    if (e.document_id === doc.id && e.version === doc.version && e.kind === 'section_read') read.add(e.section);
  }

  const total = doc.sections.length;
  const progress = el('p', { class: 'muted', id: 'doc-progress', 'aria-live': 'polite' });
  const updateProgress = () => { progress.textContent = t('progressOf', { a: read.size, b: total }); };
  updateProgress();

  const switchBtn = (l, label) => el('button', {
    type: 'button', lang: l, 'aria-pressed': String(lang === l),
    onclick: () => { localStorage.setItem('hb-doc-lang', l); route(); },
  }, label);

  const sections = doc.sections.map((s) => {
    const btn = el('button', { type: 'button', class: 'secondary', 'data-section': s.position });
    const box = el('section', { class: 'section', 'aria-labelledby': 'sec-' + s.position, 'data-position': s.position },
      el('h3', { id: 'sec-' + s.position }, `${s.position}. ${s.title}`),
      el('p', {}, s.summary),
      s.details ? el('details', {}, el('summary', {}, t('details')), el('p', {}, s.details)) : null,
      btn);
    const paint = () => {
      const done = read.has(s.position);
      box.classList.toggle('read', done);
      btn.textContent = done ? '✓ ' + t('read') : t('markRead');
      btn.disabled = done;
    };
    btn.addEventListener('click', async () => {
      read.add(s.position);
      paint();
      updateProgress();
      await record('section_read', doc, s.position);
      if (read.size === total) await record('completed', doc);
    });
    paint();
    return box;
  });

  show(main,
    el('p', {}, el('a', { href: '#/docs' }, '← ', t('back'))),
    el('article', { lang: doc.lang },
      el('h2', {}, doc.title),
      el('p', { class: 'muted', lang: 'vi' }, doc.number, ' · ', doc.issuer, ' · ', doc.issued),
      el('div', { class: 'langswitch', role: 'group', 'aria-label': t('docLang') },
        switchBtn('vi', 'Tiếng Việt'), switchBtn('km', 'ខ្មែរ')),
      doc.fallback ? el('p', { class: 'badge warn', lang: uiLang() }, t('fallback')) : null,
      doc.lang === 'km' && doc.translation && doc.translation !== 'reviewed'
        ? el('p', { class: 'badge warn', lang: uiLang() }, t('translationPending')) : null,
      doc.intro ? el('p', {}, doc.intro) : null,
      el('h3', { lang: uiLang() }, t('corePoints')),
      progress,
      sections),
    el('p', {}, el('a', { href: '#/essay/' + doc.id, class: 'button' }, t('essay'))),
    await docQuizzes(doc),
    notesBlock(doc));

  await record('opened', doc);
}

function notesBlock(doc) {
  const list = el('ul', { class: 'list', id: 'notes' });
  const msg = el('p', { class: 'status', role: 'status' });
  const text = el('textarea', { id: 'note-text', name: 'text', required: true });
  const section = el('select', { id: 'note-section', name: 'section', lang: doc.lang },
    el('option', { value: '' }, '—'),
    doc.sections.map((s) => el('option', { value: s.position }, `${s.position}. ${s.title}`)));
  const share = el('input', { type: 'checkbox', id: 'note-share' });
  const load = async () => {
    try {
      const r = await api.get(`/api/v1/notes?document=${doc.id}&scope=cell`);
      list.replaceChildren(...r.items.map((n) => el('li', {},
        el('div', { class: 'muted' }, n.author ? el('span', { lang: textLang(n.author.full_name) }, n.author.full_name) : '', ' ', n.section ? '· ' + n.section : '',
          ' ', el('span', { class: 'badge' }, n.visibility === 'cell' ? t('shareCell') : t('private'))),
        el('p', { lang: textLang(n.text) }, n.text))));
      if (!r.items.length) list.replaceChildren(el('li', { class: 'muted' }, t('none')));
    } catch (e) { status(msg, errorText(e), 'error'); }
  };
  const form = el('form', {},
    el('label', { for: 'note-section' }, t('corePoints')), section,
    el('label', { for: 'note-text' }, t('noteText')), text,
    el('label', { class: 'choice', for: 'note-share' }, share, t('shareCell')),
    el('p', {}, el('button', { type: 'submit' }, t('save'))), msg);
  const clientId = { value: uuid() };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { client_id: clientId.value, document_id: doc.id, text: text.value, visibility: share.checked ? 'cell' : 'private' };
    if (section.value) body.section = Number(section.value);
    try {
      await api.post('/api/v1/notes', body);
      clientId.value = uuid();
      text.value = '';
      status(msg, t('sent'), 'ok');
      load();
    } catch (e) { status(msg, errorText(e), 'error'); }
  });
  load();
  return el('section', { 'aria-labelledby': 'notes-h', lang: uiLang() },
    el('h3', { id: 'notes-h' }, t('notes')), list, el('h3', {}, t('addNote')), form);
}

async function viewEssay(docId) {
  const doc = await api.get(`/api/v1/documents/${docId}?lang=${docLang()}`);
  const mine = await api.get(`/api/v1/essays?document=${docId}&scope=mine`);
  let essay = mine.items[0] ? await api.get('/api/v1/essays/' + mine.items[0].id) : null;
  const msg = el('p', { class: 'status', role: 'status' });
  const field = (name, label) => [
    el('label', { for: 'essay-' + name }, label),
    el('textarea', { id: 'essay-' + name, name, lang: essay ? essay.lang : docLang() },
      essay && essay.sections && essay.sections[name] ? essay.sections[name] : ''),
  ];
  const state = el('p', { id: 'essay-state' });
  const paintState = () => {
    state.replaceChildren(t('state'), ': ', el('span', { class: 'badge', 'data-state': essay ? essay.state : 'none' },
      stateWord('essay', essay ? essay.state : 'none')));
    if (essay && essay.last_review && essay.last_review.comment) state.append(' ', el('q', {}, essay.last_review.comment));
    const locked = essay && (essay.state === 'submitted' || essay.state === 'accepted');
    for (const b of form.querySelectorAll('button')) b.disabled = !!locked;
  };
  const form = el('form', {},
    field('content', t('essayContent')), field('duties', t('essayDuties')), field('action_plan', t('essayPlan')),
    el('p', {}, el('button', { type: 'submit', value: 'draft', class: 'secondary' }, t('saveDraft')), ' ',
      el('button', { type: 'submit', value: 'submit' }, t('submit'))), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const sections = {};
    for (const n of ['content', 'duties', 'action_plan']) if (form[n].value.trim()) sections[n] = form[n].value;
    try {
      // The answer is the version saved; the essay's state is read back.
      const saved = await api.post('/api/v1/essays', {
        client_id: uuid(), document_id: doc.id, lang: docLang(), sections,
        submit: ev.submitter && ev.submitter.value === 'submit',
      });
      essay = await api.get('/api/v1/essays/' + saved.essay_id);
      status(msg, t('sent'), 'ok');
      paintState();
    } catch (e) { status(msg, errorText(e), 'error'); }
  });
  show(main, el('p', {}, el('a', { href: '#/doc/' + doc.id }, '← ', t('back'))),
    el('h2', {}, t('essay'), ': ', el('span', { lang: doc.lang }, doc.title)), state, form);
  paintState();
}

// Sessions are held in Vietnam: their times are shown in Vietnam's time,
// whatever zone the phone is set to, as numbers ("19:30 28/11/2026"), the
// way both languages write them: browsers without Khmer locale data
// (Debian's Chromium among them) would otherwise name the month in English.
function when(s) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(s))) p[x.type] = x.value;
  return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year}`;
}

async function viewSessions() {
  const r = await api.get('/api/v1/me/sessions');
  const mode = { online: t('online'), in_person: t('inPerson'), both: t('both') };
  show(main, el('h2', {}, t('sessions')),
    r.items.length ? el('ul', { class: 'list' }, r.items.map((s) => el('li', {},
      el('strong', { lang: textLang(s.title) }, s.title),
      el('div', {}, when(s.starts_at), ' – ', when(s.ends_at), ' · ', mode[s.mode] || s.mode,
        ' ', el('span', { class: 'badge', 'data-status': s.status }, stateWord('session', s.status))),
      s.bridge_point ? el('div', { class: 'muted' }, t('where'), ': ', el('span', { lang: textLang(s.bridge_point.name + (s.bridge_point.address || '')) },
        s.bridge_point.name, s.bridge_point.address ? ', ' + s.bridge_point.address : '')) : null,
      s.attendance ? el('div', {}, t('attendance'), ': ', el('span', { class: 'badge', 'data-state': s.attendance.state },
        stateWord('attendance', s.attendance.state))) : null,
      (s.documents || []).map((d) => el('div', {}, el('a', { href: '#/doc/' + d.id, lang: d.lang || textLang(d.title || '') }, d.title || d.number || ('#' + d.id))))))) :
      el('p', {}, t('none')));
}

// "10 câu hỏi · 10 phút": what an attempt asks, in the interface's words.
function quizFacts(q) {
  return t('questionsN', { n: q.questions_per_attempt }) + ' · ' + t('minutesN', { n: Math.round(q.time_limit_seconds / 60) });
}

async function viewQuizzes() {
  const r = await api.get('/api/v1/quizzes?lang=' + docLang());
  show(main, el('h2', {}, t('quizzes')),
    r.items.length ? el('ul', { class: 'list' }, r.items.map((q) => el('li', {},
      q.status === 'open' && q.in_audience
        ? el('a', { href: '#/quiz/' + q.id, lang: q.title_km && docLang() === 'km' ? 'km' : 'vi' }, q.title)
        : el('strong', { lang: q.title_km && docLang() === 'km' ? 'km' : 'vi' }, q.title),
      el('div', { class: 'muted' }, el('span', { class: 'badge', 'data-status': q.status }, stateWord('quiz', q.status)), ' ',
        quizFacts(q), q.mine && q.mine.best_score != null ? ` · ${t('bestScore')}: ${q.mine.best_score}` : '')))) :
      el('p', {}, t('none')));
}

// The quizzes on one document, for its page: the first page of the
// member's quizzes, those that draw on this document (the list has no
// document filter; a member has few quizzes at a time).
async function docQuizzes(doc) {
  const box = el('section', { 'aria-labelledby': 'doc-quizzes-h', lang: uiLang(), id: 'doc-quizzes' });
  try {
    const r = await api.get('/api/v1/quizzes?lang=' + docLang());
    const mine = r.items.filter((q) => q.in_audience && (q.documents || []).some((d) => d.id === doc.id));
    if (!mine.length) return null;
    box.append(el('h3', { id: 'doc-quizzes-h' }, t('quizzesOnDoc')), el('ul', { class: 'list' }, mine.map((q) => el('li', {},
      el('a', { href: '#/quiz/' + q.id, lang: q.title_km && docLang() === 'km' ? 'km' : 'vi' }, q.title), ' ',
      el('span', { class: 'badge', 'data-status': q.status }, stateWord('quiz', q.status))))));
    return box;
  } catch (e) { return null; }
}

async function viewQuiz(id) {
  const lang = docLang();
  const quiz = await api.get(`/api/v1/quizzes/${id}?lang=${lang}`);
  const msg = el('p', { class: 'status', role: 'status' });
  const startBtn = el('button', { type: 'button', id: 'quiz-start' }, quiz.mine && quiz.mine.in_progress ? t('resume') : t('start'));
  const canStart = quiz.status === 'open' && quiz.in_audience && quiz.mine && (quiz.mine.in_progress || quiz.mine.remaining > 0);
  startBtn.disabled = !canStart;
  const area = el('div', { id: 'quiz-area' });
  startBtn.addEventListener('click', async () => {
    try {
      // An attempt already under way (one at a time) is taken up again.
      const a = quiz.mine && quiz.mine.in_progress
        ? await api.get(`/api/v1/quiz-attempts/${quiz.mine.in_progress}?lang=${lang}`)
        : await api.post(`/api/v1/quizzes/${id}/attempts?lang=${lang}`, { client_id: uuid() });
      startBtn.hidden = true;
      renderAttempt(a);
    } catch (e) { status(msg, errorText(e), 'error'); }
  });
  function renderAttempt(a) {
    const submitId = uuid();
    const form = el('form', { id: 'quiz-form', 'data-attempt': a.id },
      el('p', { class: 'muted' }, t('deadline'), ': ', el('span', {}, when(a.deadline))),
      a.questions.map((q) => el('fieldset', { lang: q.lang, 'data-position': q.position },
        el('legend', {}, `${q.position}. ${q.text}`),
        q.fallback ? el('p', { class: 'badge warn', lang: uiLang() }, t('fallback')) : null,
        q.choices.map((c) => {
          const rid = `q${q.position}-c${c.id}`;
          return el('div', { class: 'choice' },
            el('input', { type: 'radio', id: rid, name: 'q' + q.position, value: c.id }),
            el('label', { for: rid }, c.text));
        }))),
      el('p', {}, el('button', { type: 'submit', id: 'quiz-submit' }, t('submitQuiz'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const answers = [];
      for (const q of a.questions) {
        const c = form.querySelector(`input[name="q${q.position}"]:checked`);
        if (c) answers.push({ position: q.position, choice: Number(c.value) });
      }
      try {
        renderResult(await api.post(`/api/v1/quiz-attempts/${a.id}/submit`, { client_id: submitId, answers }));
      } catch (e) { status(msg, errorText(e), 'error'); }
    });
    area.replaceChildren(form);
    const first = form.querySelector('input');
    if (first) first.focus();
  }
  // The score is the server's (the page scores nothing itself).
  function renderResult(a) {
    startBtn.hidden = true;
    area.replaceChildren(...[
      el('h3', { id: 'quiz-score', tabindex: '-1', 'data-attempt': a.id, 'data-score': a.score, 'data-max': a.max_score },
        t('scoreOf', { a: a.score, b: a.max_score })),
      a.all_right ? el('p', { class: 'badge ok' }, t('allRight')) : null,
      el('ol', { id: 'quiz-review' }, a.questions.map((q) => el('li', { lang: q.lang, 'data-right': String(!!q.right) },
        q.text, ' — ', el('span', { class: q.right ? 'badge ok' : 'badge warn', lang: uiLang() }, q.right ? t('right') : t('wrong')),
        q.right ? null : el('div', { class: 'muted' }, '→ ', (q.choices.find((c) => c.id === q.correct_choice) || {}).text)))),
      el('p', {}, el('a', { href: '#/quizzes' }, t('backToQuizzes')))].filter(Boolean));
    area.querySelector('#quiz-score').focus();
  }
  show(main, el('p', {}, el('a', { href: '#/quizzes' }, '← ', t('back'))),
    el('h2', { lang: quiz.title_km && lang === 'km' ? 'km' : 'vi' }, quiz.title),
    el('p', { class: 'muted' }, el('span', { class: 'badge', 'data-status': quiz.status }, stateWord('quiz', quiz.status)), ' ', quizFacts(quiz),
      quiz.mine ? ' · ' + t('attemptsLeft', { n: quiz.mine.remaining }) : '',
      quiz.mine && quiz.mine.best_score != null ? ` · ${t('bestScore')}: ${quiz.mine.best_score}` : ''),
    (quiz.documents || []).map((d) => el('p', {}, el('a', { href: '#/doc/' + d.id, lang: d.lang }, d.title))),
    startBtn, msg, area);
}

// ---- routing ------------------------------------------------------------

async function route() {
  setChrome();
  if (!api.token) { viewLogin(); return; }
  const h = location.hash.replace(/^#\/?/, '');
  const [name, arg] = h.split('/');
  for (const a of document.querySelectorAll('#tabs a')) {
    const tab = name === 'doc' || name === 'essay' || name === 'docs' || !name ? 'documents' : name === 'quiz' ? 'quizzes' : name;
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (name === 'doc' && /^\d+$/.test(arg)) await viewDoc(Number(arg));
    else if (name === 'essay' && /^\d+$/.test(arg)) await viewEssay(Number(arg));
    else if (name === 'sessions') await viewSessions();
    else if (name === 'quizzes') await viewQuizzes();
    else if (name === 'quiz' && /^\d+$/.test(arg)) await viewQuiz(Number(arg));
    else await viewDocs();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { viewLogin(); return; }
    show(main, el('h2', {}, t('app')), el('p', { class: 'status error', role: 'alert' }, errorText(e)));
  }
  refreshOutbox();
}

document.getElementById('logout').addEventListener('click', async () => {
  await api.logout();
  member = null;
  localStorage.removeItem('hb-reader-member');
  if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage('clear');
  location.hash = '';
  route();
});
document.getElementById('ui-lang').addEventListener('change', (e) => {
  localStorage.setItem('hb-ui-lang', e.target.value);
  route();
});
window.addEventListener('hashchange', route);
window.addEventListener('hb-logged-out', () => { member = null; route(); });
window.addEventListener('online', () => { offlineBanner.hidden = true; trySend(); });
window.addEventListener('offline', () => { offlineBanner.hidden = false; });
// A phone may be online without the browser saying so again: retry now
// and then, cheaply (an empty outbox sends nothing).
setInterval(trySend, 60000);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((e) => console.warn('service worker', e));
}

route().then(trySend);
