// The browser scenario of issue 9, run by tests/integration/browser.sh
// (which makes the data and turns these PASS/FAIL lines into TAP):
//  1. the board opens the reach report of the new outline (reach before);
//  2. a Khmer-reading member logs in to the reader on a phone-sized
//     screen and reads the outline in Khmer: the heading is drawn with the
//     Khmer web font we serve (Chromium's own account, through CDP);
//  3. the service worker takes over; the member goes offline, the page
//     still opens from its caches, three core points are marked read and
//     wait in the outbox; the server has none of them yet;
//  4. back online, the outbox empties and the server has sections 1-3;
//  5. the board sees the reach go up, downloads the CSV and the XLSX, and
//     the CSV's figures are the page's, unit by unit;
//  6. the board opens the outline in the editor: both texts side by side,
//     the Khmer one's translation state, the phone preview in Khmer, the
//     document's unit; saving keeps the unit, publishing is read back.
// Between them: the member takes a quiz on a document from its page and
// sees the server's score; on another browser, with the keyboard alone,
// logs in and marks a fourth core point read; a committee member of the
// district drills down the tree to the member's cell and sees the make-up
// list as GET /api/v1/reports/engagement gives it, and above the cell only
// numbers; the province's propaganda officer sees no names even at the
// cell (they read no members).
// Along the way, on every page: no script error and no Content-Security-
// Policy violation, every form field labelled, Khmer text inside
// lang="km", headings in order, no English state word or message; focus
// visible on everything the keyboard reaches. Screenshots go to $ART.

import { chromium, request as pwRequest } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const BASE = env.BASE;
const DOC = Number(env.DOC);
const ART = env.ART;
const T = 30000; // generous: the machine is small and shared

let failures = 0;
function check(cond, desc, ...diag) {
  console.log((cond ? 'PASS ' : 'FAIL ') + desc);
  if (!cond) {
    failures++;
    for (const d of diag) console.log('  ' + (typeof d === 'string' ? d : JSON.stringify(d)));
  }
  return cond;
}
async function step(desc, fn) {
  try {
    return await fn();
  } catch (e) {
    check(false, desc, String(e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : e));
    return undefined;
  }
}
const shot = (page, name) => page.screenshot({ path: path.join(ART, name), fullPage: true });

const browser = await chromium.launch({
  executablePath: env.CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run',
    `--ignore-certificate-errors-spki-list=${env.SPKI}`,
  ],
});

// Script errors and CSP violations on a page (network errors while
// offline are expected and not counted).
function watch(page, label) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`${label}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) errors.push(`${label}: ${m.text()}`);
  });
  return errors;
}

// Words of the API or of an English interface that must never reach a
// member's or a board's screen: the pages map machine values to words.
const ENGLISH = /\b(draft|submitted|returned|accepted|scheduled|in_progress|held|cancelled|present|absent|made_up|unrecorded|upcoming|open|closed|expired|published|withdrawn|pending|reviewed|stale|missing|none|loading|error|submit|save|score|back|min|network|resource|forbidden|not found|invalid|resolution|directive|regulation|conclusion|study_outline|province|district|grassroots|central|null|undefined|NaN|AM|PM|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\[object /i;

// Every visible form field has a label (or an aria-label); every element
// whose own text is Khmer sits inside lang="km"; headings start at h1 and
// never skip a level going down; no English word of the list above shows.
async function a11y(page, label) {
  const r = await page.evaluate(() => {
    const unlabelled = [...document.querySelectorAll('input, select, textarea')]
      .filter((e) => e.type !== 'hidden' && e.offsetParent !== null)
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
      .map((e) => e.outerHTML.slice(0, 80));
    const khmer = /[\u1780-\u17FF]/;
    const wrongLang = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!khmer.test(n.nodeValue)) continue;
      const host = n.parentElement.closest('[lang]');
      if (!host || host.getAttribute('lang') !== 'km') wrongLang.push(n.nodeValue.slice(0, 40));
    }
    const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
      .filter((h) => h.offsetParent !== null || h.getClientRects().length)
      .map((h) => Number(h.tagName[1]));
    const skips = levels.filter((l, i) => (i === 0 ? l !== 1 : l > levels[i - 1] + 1));
    // Contrast of each visible text against the first opaque background
    // behind it (WCAG AA: 4.5:1, 3:1 for large text); disabled controls
    // are exempt, as WCAG says, and the charts' SVG text is not checked.
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const bgOf = (e) => {
      for (let n = e; n; n = n.parentElement) {
        const c = getComputedStyle(n).backgroundColor, v = rgb(c);
        if (v.length === 3 || (v.length === 4 && v[3] > 0)) return c;
      }
      return 'rgb(255, 255, 255)';
    };
    const lowContrast = [];
    let texts = 0;
    for (const e of document.body.querySelectorAll('*')) {
      if (e.closest('svg, .visually-hidden, :disabled') || !e.getClientRects().length) continue;
      if (![...e.childNodes].some((n) => n.nodeType === 3 && n.nodeValue.trim())) continue;
      texts++;
      const cs = getComputedStyle(e);
      const a = lum(cs.color), b = lum(bgOf(e));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < need) lowContrast.push(`${e.tagName.toLowerCase()}.${e.className}: ${ratio.toFixed(2)} "${e.textContent.trim().slice(0, 30)}"`);
    }
    return { unlabelled, wrongLang, levels, skips, lowContrast, texts, text: document.body.innerText };
  });
  check(r.unlabelled.length === 0, `${label}: every form field has a label`, r.unlabelled);
  check(r.wrongLang.length === 0, `${label}: Khmer text is marked lang="km"`, r.wrongLang);
  check(r.levels.length > 1 && r.skips.length === 0, `${label}: headings in order (${r.levels.join(' ')})`, r.levels);
  check(r.texts > 5 && r.lowContrast.length === 0, `${label}: each of ${r.texts} texts has a contrast of at least 4.5:1 (3:1 when large)`, r.lowContrast.slice(0, 8));
  const m = ENGLISH.exec(r.text);
  check(!m, `${label}: no English state word or message on the page`, m && r.text.slice(Math.max(0, m.index - 60), m.index + 60));
}

// Presses Tab until the focused element matches sel (at most max times),
// checking on the way that every element focused shows a visible focus
// ring (an outline of 2 px or more). Returns what it found.
async function tabTo(page, sel, max = 80) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate((s) => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const cs = getComputedStyle(e);
      return { tag: e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''), hit: e.matches(s),
        visible: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
    }, sel);
    if (!f) continue;
    seen.push(f);
    if (f.hit) break;
  }
  return { found: seen.length > 0 && seen[seen.length - 1].hit, unfocused: seen.filter((f) => !f.visible).map((f) => f.tag), count: seen.length };
}

// ---- 1. the board, before -------------------------------------------------
const boardCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
const board = await boardCtx.newPage();
const boardErrors = watch(board, 'board');

async function boardReport(page = board, unit = env.UNIT_P) {
  await page.waitForSelector('#doc-select', { timeout: T });
  if (await page.$eval('#doc-select', (s) => s.value) !== String(DOC)) {
    await page.selectOption('#doc-select', String(DOC));
  }
  await page.waitForSelector(`#report[data-document="${DOC}"][data-unit="${unit}"] #reach-table`, { timeout: T });
  return Number(await page.textContent('#head-reached'));
}

// Opens units in the board's tree, one level after another (the toggle
// beside each), then chooses the last one.
async function drillDown(page, ids) {
  for (const id of ids.slice(0, -1)) {
    const toggle = `li:has(> button[data-unit-id="${id}"]) > button[aria-expanded]`;
    await page.waitForSelector(toggle, { timeout: T });
    if (await page.getAttribute(toggle, 'aria-expanded') !== 'true') await page.click(toggle);
  }
  const last = ids[ids.length - 1];
  await page.click(`button[data-unit-id="${last}"]`, { timeout: T });
  await page.waitForSelector(`#report[data-document="${DOC}"][data-unit="${last}"] #reach-table`, { timeout: T });
}

let reachedBefore;
await step('board: logs in and opens the report', async () => {
  await board.goto(BASE + '/board/', { timeout: T });
  await board.keyboard.press('Tab');
  check(await board.evaluate(() => document.activeElement.classList.contains('skip')), 'board: the first Tab reaches the skip link');
  await board.fill('#login', env.BOARD_LOGIN);
  await board.fill('#password', env.BOARD_PASSWORD);
  await board.press('#password', 'Enter');
  reachedBefore = await boardReport();
  check(reachedBefore === 0, `board: the new outline has reached nobody yet (${reachedBefore})`);
  await a11y(board, 'board report');
});

// ---- 2. the member reads in Khmer -----------------------------------------
const phoneCtx = await browser.newContext({
  viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
});
const phone = await phoneCtx.newPage();
const phoneErrors = watch(phone, 'reader');

await step('reader: logs in', async () => {
  await phone.goto(BASE + '/', { timeout: T });
  await phone.waitForSelector('#login', { timeout: T });
  await shot(phone, 'reader-login.png');
  await phone.fill('#login', env.MEMBER_LOGIN);
  await phone.fill('#password', env.MEMBER_PASSWORD);
  await phone.click('form button[type="submit"]');
  await phone.waitForSelector(`a[href="#/doc/${DOC}"]`, { timeout: T });
  check(await phone.getAttribute('html', 'lang') === 'km', 'reader: the interface is in Khmer for a Khmer-reading member');
  await shot(phone, 'reader-documents.png');
  await a11y(phone, 'reader documents');
});

const KM_TITLE = 'គម្រោងសិក្សាសេចក្តីសម្រេចស្តីពីការផ្លាស់ប្តូរឌីជីថល';
await step('reader: opens the outline in Khmer', async () => {
  await phone.click(`a[href="#/doc/${DOC}"]`);
  await phone.waitForSelector('article[lang="km"] h2', { timeout: T });
  check(await phone.textContent('article h2') === KM_TITLE, 'reader: the outline shows its Khmer title');
  check(await phone.$$eval('section.section', (s) => s.length) === 5, 'reader: five core points');
  await phone.evaluate(() => document.fonts.ready);
  await shot(phone, 'reader-document-km.png');

  // Which font Chromium really drew the heading with: the web font we
  // serve (a custom font named Noto Sans Khmer), not a system fallback.
  const cdp = await phoneCtx.newCDPSession(phone);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'article h2' });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  const khmer = fonts.find((f) => /Khmer/i.test(f.familyName) || /Khmer/i.test(f.postScriptName || ''));
  check(khmer && khmer.isCustomFont && khmer.glyphCount > 20,
    'reader: the Khmer heading is drawn with the served web font (Noto Sans Khmer)', fonts);
  const { nodeId: p1 } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'section.section p' });
  const f2 = (await cdp.send('CSS.getPlatformFontsForNode', { nodeId: p1 })).fonts;
  check(f2.some((f) => f.isCustomFont && /Khmer/i.test(f.familyName)), 'reader: ... and so is a core point', f2);
  // Detached at once: while a CDP session of our own is attached, a reload
  // under network emulation leaves navigator.onLine true (seen with
  // Chromium 156), which would hide the offline state from the page.
  await cdp.detach();
  await a11y(phone, 'reader document');
});

// ---- 3. offline ----------------------------------------------------------------
const api = await pwRequest.newContext({ baseURL: BASE, ignoreHTTPSErrors: true });
const memberToken = await phone.evaluate(() => localStorage.getItem('hb-reader-token'));
async function sectionsRead() {
  const r = await api.get(`/api/v1/me/progress?document=${DOC}`, { headers: { Authorization: 'Bearer ' + memberToken } });
  const j = await r.json();
  return j.items.length ? j.items[0].sections_read : null;
}

await step('reader: the service worker takes over', async () => {
  await phone.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  if (!(await phone.evaluate(() => !!navigator.serviceWorker.controller))) await phone.reload();
  await phone.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: T });
  // Opened once more under the worker, so that the outline is in its cache.
  await phone.reload();
  await phone.waitForSelector('article[lang="km"] h2', { timeout: T });
  await phone.waitForSelector('#outbox[data-pending="0"]', { state: 'attached', timeout: T });
  check(true, 'reader: a service worker controls the page and the "opened" events went out');
});

await step('reader: offline, marks three core points read', async () => {
  await phoneCtx.setOffline(true);
  await phone.reload();
  await phone.waitForSelector('article[lang="km"] h2', { timeout: T });
  check(true, 'reader: offline, the page and the outline open from the service worker\'s caches');
  check(await phone.isVisible('#offline'), 'reader: the offline banner shows',
    await phone.evaluate(() => ({ onLine: navigator.onLine, hidden: document.getElementById('offline').hidden })));
  for (const n of [1, 2, 3]) {
    await phone.click(`button[data-section="${n}"]`);
    await phone.waitForSelector(`button[data-section="${n}"]:disabled`, { timeout: T });
  }
  // Opening the page offline queued an "opened" event too: 1 + 3.
  await phone.waitForSelector('#outbox[data-pending="4"]', { state: 'attached', timeout: T });
  check(true, 'reader: the events wait in the outbox (opened offline, three sections read)');
  await shot(phone, 'reader-offline-marked.png');
  const before = await sectionsRead();
  check(Array.isArray(before) && before.length === 0, 'server: nothing read yet while the phone is offline', before);
});

// ---- 4. back online ------------------------------------------------------------
await step('reader: back online, the events arrive', async () => {
  await phoneCtx.setOffline(false);
  await phone.waitForSelector('#outbox[data-pending="0"]', { state: 'attached', timeout: T });
  check(true, 'reader: the outbox empties once the network is back');
  const after = await sectionsRead();
  check(JSON.stringify(after) === '[1,2,3]', 'server: GET /api/v1/me/progress has sections 1, 2 and 3 read', after);
});

// ---- 4b. the rest of the reader: notes, the essay, the sessions ----------------
const KM_NOTE = 'សាខាបក្សយើងនឹងពិភាក្សាចំណុចនេះនៅខែក្រោយ។';
await step('reader: a note, the essay, the sessions', async () => {
  await phone.selectOption('#note-section', '2');
  await phone.fill('#note-text', KM_NOTE);
  await phone.check('#note-share');
  await phone.click('#notes ~ form button[type="submit"]');
  await phone.waitForFunction((t) => document.querySelector('#notes').textContent.includes(t), KM_NOTE, { timeout: T });
  check(true, 'reader: a Khmer note shared with the cell is saved and listed');

  await phone.click(`a[href="#/essay/${DOC}"]`);
  await phone.waitForSelector('#essay-content', { timeout: T });
  await phone.fill('#essay-content', 'ខ្ញុំយល់ថាការផ្លាស់ប្តូរឌីជីថលជួយឱ្យសមាជិកបក្សសិក្សាបានគ្រប់ទីកន្លែង។\nខ្ញុំនឹងអនុវត្តនៅក្នុងការងារប្រចាំថ្ងៃ។');
  await phone.click('button[value="draft"]');
  await phone.waitForFunction(() => document.querySelector('#essay-state .badge')?.dataset.state === 'draft', null, { timeout: T })
    .catch(async (e) => { throw new Error(e.message + ' status: ' + await phone.textContent('main form .status')); });
  check(await phone.textContent('#essay-state .badge') === 'សេចក្តីព្រាង', 'reader: the essay is saved as a draft (its state in Khmer words)');
  await phone.click('button[value="submit"]');
  await phone.waitForFunction(() => document.querySelector('#essay-state .badge')?.dataset.state === 'submitted', null, { timeout: T });
  check(await phone.isDisabled('button[value="submit"]'), 'reader: submitted, the essay waits for review (no more saving)');
  await shot(phone, 'reader-essay.png');
  await a11y(phone, 'reader essay');

  await phone.click('a[data-tab="sessions"]');
  await phone.waitForFunction(() => /quán triệt/.test(document.querySelector('main').textContent), null, { timeout: T });
  check(await phone.isVisible(`main a[href="#/doc/${DOC}"]`), 'reader: the upcoming study session is listed with its document');
  await shot(phone, 'reader-sessions.png');
  await a11y(phone, 'reader sessions');
});

// ---- 4c. a quiz on a document, from its page ------------------------------------
// The bank's right answers in Khmer (browser.sh's quiz.yaml): the member
// answers the first three questions right and the fourth wrong, whatever
// order they are drawn and shuffled in, so the server must say 3 of 4.
const KM_RIGHT = ['ចំណងជើង និងសេចក្តីសង្ខេប', 'ប្រធាន', 'ម្តង', 'នៅសន្និសីទសិក្សា'];
await step('reader: takes the quiz on a document and sees the server\'s score', async () => {
  await phone.goto(`${BASE}/#/doc/${env.DOC_Q}`, { timeout: T });
  await phone.waitForSelector(`#doc-quizzes a[href="#/quiz/${env.QUIZ}"]`, { timeout: T });
  check(true, 'reader: the document\'s page lists its quiz');
  await phone.click(`#doc-quizzes a[href="#/quiz/${env.QUIZ}"]`);
  await phone.waitForSelector('#quiz-start:enabled', { timeout: T });
  await phone.click('#quiz-start');
  await phone.waitForSelector('#quiz-form fieldset', { timeout: T });
  const fieldsets = await phone.$$('#quiz-form fieldset');
  check(fieldsets.length === 4, `reader: the attempt has 4 questions (${fieldsets.length})`);
  check(await phone.$$eval('#quiz-form fieldset', (fs) => fs.every((f) => f.lang === 'km')), 'reader: the questions are in Khmer (lang="km")');
  for (const fs of fieldsets) {
    const pos = Number(await fs.getAttribute('data-position'));
    const labels = await fs.$$('label');
    let chosen = null;
    for (const l of labels) {
      const right = KM_RIGHT.includes((await l.textContent()).trim());
      if ((pos <= 3) === right) { chosen = l; break; }
    }
    await chosen.click();
  }
  check(/^\d\d:\d\d \d\d\/\d\d\/\d{4}$/.test(await phone.$eval('#quiz-form .muted span', (e) => e.textContent)),
    'reader: the deadline is written in numbers, in Vietnam\'s time');
  await shot(phone, 'reader-quiz.png');
  await a11y(phone, 'reader quiz');
  await phone.click('#quiz-submit');
  await phone.waitForSelector('#quiz-score', { timeout: T });
  const shown = await phone.$eval('#quiz-score', (h) => ({ id: h.dataset.attempt, score: Number(h.dataset.score), max: Number(h.dataset.max), text: h.textContent }));
  const r = await api.get(`/api/v1/quiz-attempts/${shown.id}`, { headers: { Authorization: 'Bearer ' + memberToken } });
  const a = await r.json();
  check(r.status() === 200 && a.state === 'submitted', `server: GET /api/v1/quiz-attempts/${shown.id} is the submitted attempt`, a.state);
  check(shown.score === a.score && shown.max === a.max_score && shown.text.includes(`${a.score}/${a.max_score}`),
    `reader: the score shown (${shown.text}) is the server's (${a.score}/${a.max_score})`);
  check(a.score === 3 && a.max_score === 4, `server: three right answers of four score 3/4 (${a.score}/${a.max_score})`);
  const marks = await phone.$$eval('#quiz-review li', (li) => li.map((x) => x.dataset.right === 'true'));
  check(JSON.stringify(marks) === JSON.stringify(a.questions.map((q) => !!q.right)),
    'reader: each answer is marked right or wrong as the server says', marks);
  check(!(await phone.isVisible('#quiz-start')), 'reader: the start button is gone once the attempt is under way');
  await shot(phone, 'reader-quiz-result.png');
  await a11y(phone, 'reader quiz result');
  await phone.click('a[data-tab="quizzes"]');
  await phone.waitForSelector(`main a[href="#/quiz/${env.QUIZ}"]`, { timeout: T });
  check((await phone.textContent('main')).includes('ពិន្ទុខ្ពស់បំផុត: 3'), 'reader: the quiz list shows the best score (in Khmer words)');
  await a11y(phone, 'reader quizzes');
});

// ---- 4d. the keyboard alone ------------------------------------------------------
await step('reader: logs in and marks a core point read with the keyboard alone', async () => {
  const kbCtx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const kb = await kbCtx.newPage();
  const kbErrors = watch(kb, 'reader (keyboard)');
  // Every POST of reading events takes 2 s more here, so that the
  // "opened" batch is still in flight when core point 4 is marked: the
  // outbox must send the second event when the first batch is answered
  // (it used to wait for the next minute's retry).
  await kbCtx.route('**/api/v1/events', async (route) => {
    await new Promise((r) => setTimeout(r, 2000));
    await route.continue();
  });
  await kb.goto(BASE + '/', { timeout: T });
  await kb.waitForSelector('#login', { timeout: T });
  let t = await tabTo(kb, '#login');
  check(t.found, `keyboard: Tab reaches the login field (${t.count} presses)`);
  const focusMisses = [...t.unfocused];
  await kb.keyboard.type(env.MEMBER_LOGIN);
  await kb.keyboard.press('Tab');
  check(await kb.evaluate(() => document.activeElement.id) === 'password', 'keyboard: the next Tab is the password');
  await kb.keyboard.type(env.MEMBER_PASSWORD);
  await kb.keyboard.press('Enter');
  await kb.waitForSelector(`a[href="#/doc/${DOC}"]`, { timeout: T });
  t = await tabTo(kb, `a[href="#/doc/${DOC}"]`);
  focusMisses.push(...t.unfocused);
  check(t.found, 'keyboard: Tab reaches the outline in the list');
  await kb.keyboard.press('Enter');
  await kb.waitForSelector('article h2', { timeout: T });
  check(await kb.evaluate(() => document.activeElement.tagName) === 'H2', 'keyboard: the new view puts focus on its heading');
  t = await tabTo(kb, 'button[data-section="4"]');
  focusMisses.push(...t.unfocused);
  check(t.found, `keyboard: Tab reaches "mark read" of core point 4, past the three already read (${t.count} presses)`);
  await kb.keyboard.press('Enter');
  await kb.waitForSelector('button[data-section="4"]:disabled', { timeout: T });
  // The server must have it well before the minute's retry.
  const sentAt = Date.now();
  let after = await sectionsRead();
  while (JSON.stringify(after) !== '[1,2,3,4]' && Date.now() - sentAt < 15000) {
    await new Promise((r) => setTimeout(r, 250));
    after = await sectionsRead();
  }
  check(JSON.stringify(after) === '[1,2,3,4]',
    `server: core point 4, marked while the "opened" batch was in flight, arrived as soon as that batch was answered (${Date.now() - sentAt} ms)`, after);
  await kb.waitForSelector('#outbox[data-pending="0"]', { state: 'attached', timeout: T });
  check(focusMisses.length === 0, 'keyboard: every element Tab reached showed a visible focus ring', focusMisses);
  await shot(kb, 'reader-keyboard.png');
  // The same page with the interface in Vietnamese: the Khmer outline, the
  // core points in the note form and the member's Khmer note in the
  // cell's notes still sit inside lang="km" (text people write is marked
  // by its script, not by the interface's language).
  await kb.selectOption('#ui-lang', 'vi');
  await kb.waitForFunction(() => document.documentElement.lang === 'vi' && /Ghi chú/.test(document.querySelector('main').textContent), null, { timeout: T });
  await kb.waitForFunction((n) => document.querySelector('#notes')?.textContent.includes(n), KM_NOTE, { timeout: T });
  await a11y(kb, 'reader document, Vietnamese interface');
  check(kbErrors.length === 0, 'reader (keyboard): no script error, no CSP violation', kbErrors);
  await kbCtx.close();
});

// ---- 5. the board sees it ------------------------------------------------------
await step('board: sees the reach go up and exports', async () => {
  await board.reload();
  const reachedAfter = await boardReport();
  check(reachedAfter === reachedBefore + 1, `board: reach went up by one (${reachedBefore} → ${reachedAfter})`);
  check(await board.$eval('#reach-table tbody tr', (r) => r.classList.contains('lagging')), 'board: a unit under its target is marked lagging');
  check(await board.$('svg.chart line.target') !== null, 'board: the chart shows the target line');
  await shot(board, 'board-report.png');

  const [csv] = await Promise.all([board.waitForEvent('download', { timeout: T }), board.click('button[data-format="csv"]')]);
  const csvPath = path.join(ART, csv.suggestedFilename());
  await csv.saveAs(csvPath);
  check(/^bao-cao-.*\.csv$/.test(csv.suggestedFilename()), `board: the CSV downloads as ${csv.suggestedFilename()}`);
  const rows = parseCsv(fs.readFileSync(csvPath, 'utf8').replace(/^\uFEFF/, ''));
  const byCode = new Map(rows.slice(1).filter((r) => r.length > 8).map((r) => [r[0], r]));
  const page = await board.$$eval('#reach-table tbody tr', (trs) => trs.map((tr) => ({
    code: tr.dataset.code,
    v: ['members', 'readers', 'completers', 'attended', 'at_meeting', 'reached']
      .map((f) => Number(tr.querySelector(`[data-field="${f}"]`).textContent)),
  })));
  const mismatches = page.filter((p) => {
    const r = byCode.get(p.code);
    return !r || r.slice(3, 9).map(Number).join() !== p.v.join();
  });
  check(page.length >= 3 && mismatches.length === 0,
    `board: the CSV's figures match the page's, for all ${page.length} units`, mismatches, rows.slice(0, 4));
  const reachedCol = rows[0].indexOf('Đã tiếp cận');
  check(reachedCol > 0 && Number(byCode.get(env.CODE_P)[reachedCol]) === reachedBefore + 1, 'board: ... and the CSV has the new reach');

  const [xlsx] = await Promise.all([board.waitForEvent('download', { timeout: T }), board.click('button[data-format="xlsx"]')]);
  const xPath = path.join(ART, xlsx.suggestedFilename());
  await xlsx.saveAs(xPath);
  check(fs.readFileSync(xPath).subarray(0, 2).toString() === 'PK' && /\.xlsx$/.test(xPath), 'board: the XLSX downloads (a zip file)');
});

// ---- 5b. the make-up list at cell level -------------------------------------------
async function reportApi(token, unit) {
  const r = await api.get(`/api/v1/reports/engagement?unit=${unit}&document=${DOC}`, { headers: { Authorization: 'Bearer ' + token } });
  return { status: r.status(), body: await r.json() };
}
await step('board: a committee member drills down to the cell and sees the make-up list', async () => {
  const cmCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const cm = await cmCtx.newPage();
  const cmErrors = watch(cm, 'board (committee)');
  await cm.goto(BASE + '/board/', { timeout: T });
  await cm.fill('#login', env.COMMITTEE_LOGIN);
  await cm.fill('#password', env.COMMITTEE_PASSWORD);
  await cm.press('#password', 'Enter');
  // The report opens on the unit of the caller's role: the district D2.
  await boardReport(cm, env.UNIT_D2);
  const cmToken = await cm.evaluate(() => localStorage.getItem('hb-board-token'));
  const d2 = await reportApi(cmToken, env.UNIT_D2);
  check(d2.status === 200 && d2.body.members == null, 'server: above the cell the report has figures and no members');
  check(await cm.$('#makeup') === null && !(await cm.textContent('main')).includes(env.MEMBER_NAME),
    'board: at the district only numbers show, no member\'s name');
  check(Number(await cm.textContent('#head-reached')) === d2.body.unit.reached, 'board: ... the district\'s reach as the API gives it');
  await a11y(cm, 'board report (district)');

  await drillDown(cm, [env.UNIT_P, env.UNIT_D2, env.UNIT_G2, env.UNIT_C2]);
  await cm.waitForSelector('#makeup tbody tr', { timeout: T });
  const c2 = await reportApi(cmToken, env.UNIT_C2);
  const rows = await cm.$$eval('#makeup tbody tr', (trs) => trs.map((tr) => {
    const v = (f) => tr.querySelector(`[data-field="${f}"]`);
    return { card: tr.dataset.card, name: tr.querySelector('th').textContent,
      read: v('read').dataset.value === 'true', completed: v('completed').dataset.value === 'true',
      attended_session: v('attended_session').dataset.value === 'true', at_meeting: v('at_meeting').dataset.value === 'true',
      essay_state: v('essay_state').dataset.value, essay_word: v('essay_state').textContent };
  }));
  const api2 = (c2.body.members || []).map((m) => ({ card: m.card_number, name: m.full_name, read: m.read, completed: m.completed,
    attended_session: m.attended_session, at_meeting: m.at_meeting, essay_state: m.essay_state }));
  const strip = (r) => ({ card: r.card, name: r.name, read: r.read, completed: r.completed,
    attended_session: r.attended_session, at_meeting: r.at_meeting, essay_state: r.essay_state });
  check(api2.length >= 3 && JSON.stringify(rows.map(strip)) === JSON.stringify(api2),
    `board: the make-up list of the cell is the API's, member by member and in its order (${rows.length} members)`, rows.map(strip), api2);
  const me = rows.find((r) => r.card === env.MEMBER_CARD);
  check(me && me.read && me.essay_state === 'submitted' && me.essay_word === 'Đã nộp, chờ duyệt',
    'board: the member who read shows read, and the essay state in words (Đã nộp, chờ duyệt)', me);
  check(await cm.$eval('#makeup tbody tr', (tr) => tr.classList.contains('lagging')) === (api2.length > 0 && !c2.body.members[0].reached),
    'board: those not reached come first, marked');
  await shot(cm, 'board-makeup.png');
  await a11y(cm, 'board make-up list');
  check(cmErrors.length === 0, 'board (committee): no script error, no CSP violation', cmErrors);
  await cmCtx.close();
});

await step('board: the province\'s propaganda officer sees no names, even at the cell', async () => {
  await drillDown(board, [env.UNIT_P, env.UNIT_D2, env.UNIT_G2, env.UNIT_C2]);
  const token = await board.evaluate(() => localStorage.getItem('hb-board-token'));
  const c2 = await reportApi(token, env.UNIT_C2);
  check(c2.status === 200 && c2.body.members == null, 'server: the propaganda officer\'s report of the cell has no members');
  check(await board.$('#makeup') === null && !(await board.textContent('main')).includes(env.MEMBER_NAME),
    'board: ... and the page shows none');
});

// ---- 6. drafting ------------------------------------------------------------------
await step('board: opens the outline in the editor', async () => {
  await board.click('a[data-tab="drafts"]');
  await board.waitForSelector('#open-id', { timeout: T });
  await board.fill('#open-id', String(DOC));
  await board.press('#open-id', 'Enter');
  await board.waitForSelector('fieldset[data-lang="km"]', { timeout: T });
  check(await board.inputValue('#km-title') === KM_TITLE && (await board.inputValue('#vi-title')).startsWith('Đề cương'),
    'board: the Vietnamese and Khmer texts side by side');
  const tstate = await board.getAttribute('fieldset[data-lang="km"] [data-translation]', 'data-translation');
  check(!!tstate && tstate !== 'missing', `board: the Khmer text shows its translation state (${tstate})`);
  await board.selectOption('#preview-lang', 'km');
  check(await board.textContent('#preview article[lang="km"] h2') === KM_TITLE, 'board: the phone preview shows the Khmer text');
  await board.fill('#km-s1-summary', 'ជំរុញការផ្លាស់ប្តូរឌីជីថលឱ្យបានខ្លាំងក្លា។');
  check((await board.textContent('#preview')).includes('ឱ្យបានខ្លាំងក្លា'), 'board: the preview follows the editing');
  // The editor knows the document's unit (GET .../draft gives it, the
  // readers' JSON does not) and shows it by name.
  check(await board.getAttribute('#f-unit', 'data-unit-id') === env.UNIT_P && (await board.textContent('#f-unit')).includes('Tỉnh Thử Nghiệm'),
    'board: the editor shows the published document\'s unit (the province, by name)', await board.textContent('#f-unit'));
  check(await board.getAttribute('#editor-h', 'data-state') === 'published' && (await board.textContent('#editor-h')).includes('Đã xuất bản'),
    'board: ... and its state in words (Đã xuất bản)');
  await shot(board, 'board-drafts.png');
  await a11y(board, 'board editor');
  await board.click('#save-draft');
  await board.waitForFunction(() => /Đã lưu/.test(document.querySelector('#draft-status')?.textContent || ''), null, { timeout: T });
  const token = await board.evaluate(() => localStorage.getItem('hb-board-token'));
  const dr = await (await api.get(`/api/v1/documents/${DOC}/draft`, { headers: { Authorization: 'Bearer ' + token } })).json();
  check(dr.state === 'draft' && dr.version === 2 && String(dr.unit_id) === env.UNIT_P &&
    dr.texts.km.sections[0].summary.includes('ឱ្យបានខ្លាំងក្លា'),
    'server: saving makes version 2, a draft, with the Khmer edit and the same unit', { state: dr.state, version: dr.version, unit: dr.unit_id });
  await board.click('#publish');
  await board.waitForFunction(() => /Đã xuất bản/.test(document.querySelector('#draft-status')?.textContent || ''), null, { timeout: T });
  check(await board.getAttribute('#editor-h', 'data-state') === 'published', 'board: publishing is read back (version 2 published)');
  await a11y(board, 'board editor after publishing');
  await board.click('#withdraw');
  await board.waitForFunction(() => /Đã thu hồi/.test(document.querySelector('#draft-status')?.textContent || ''), null, { timeout: T });
  check(await board.getAttribute('#editor-h', 'data-state') === 'withdrawn', 'board: withdrawing is read back (Đã thu hồi)');
  const gone = await api.get(`/api/v1/documents/${DOC}`, { headers: { Authorization: 'Bearer ' + memberToken } });
  check(gone.status() === 404, `server: members no longer read the withdrawn outline (${gone.status()})`);
  await board.click('#publish');
  await board.waitForFunction(() => /Đã xuất bản/.test(document.querySelector('#draft-status')?.textContent || ''), null, { timeout: T });
  const back = await api.get(`/api/v1/documents/${DOC}`, { headers: { Authorization: 'Bearer ' + memberToken } });
  check(back.status() === 200 && (await back.json()).version === 2, 'board: published again, members read version 2');
});

check(boardErrors.length === 0, 'board: no script error, no CSP violation', boardErrors);
check(phoneErrors.length === 0, 'reader: no script error, no CSP violation', phoneErrors);

console.log('screenshots in ' + ART);
await api.dispose();
await browser.close();
process.exit(failures ? 1 : 0);

// A CSV parser for our export (RFC 4180 quotes; tables separated by blank
// lines: the first table is the units').
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') q = false; else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.length === 1 && row[0] === '') return rows; // end of the first table
      rows.push(row); row = [];
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}
