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
//     the Khmer one's translation state, the phone preview in Khmer.
// Along the way: no script error and no Content-Security-Policy violation
// on any page, every form field labelled, Khmer text inside lang="km".
// Screenshots go to $ART.

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

// Every visible form field has a label (or an aria-label); every element
// whose own text is Khmer sits inside lang="km".
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
    return { unlabelled, wrongLang };
  });
  check(r.unlabelled.length === 0, `${label}: every form field has a label`, r.unlabelled);
  check(r.wrongLang.length === 0, `${label}: Khmer text is marked lang="km"`, r.wrongLang);
}

// ---- 1. the board, before -------------------------------------------------
const boardCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
const board = await boardCtx.newPage();
const boardErrors = watch(board, 'board');

async function boardReport() {
  await board.waitForSelector('#doc-select', { timeout: T });
  if (await board.$eval('#doc-select', (s) => s.value) !== String(DOC)) {
    await board.selectOption('#doc-select', String(DOC));
  }
  await board.waitForSelector(`#report[data-document="${DOC}"][data-unit="${env.UNIT_P}"] #reach-table`, { timeout: T });
  return Number(await board.textContent('#head-reached'));
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
  await phone.waitForFunction(() => document.querySelector('#essay-state .badge')?.textContent === 'draft', null, { timeout: T })
    .catch(async (e) => { throw new Error(e.message + ' status: ' + await phone.textContent('main form .status')); });
  check(true, 'reader: the essay is saved as a draft');
  await phone.click('button[value="submit"]');
  await phone.waitForFunction(() => document.querySelector('#essay-state .badge')?.textContent === 'submitted', null, { timeout: T });
  check(await phone.isDisabled('button[value="submit"]'), 'reader: submitted, the essay waits for review (no more saving)');
  await shot(phone, 'reader-essay.png');

  await phone.click('a[data-tab="sessions"]');
  await phone.waitForFunction(() => /quán triệt/.test(document.querySelector('main').textContent), null, { timeout: T });
  check(await phone.isVisible(`main a[href="#/doc/${DOC}"]`), 'reader: the upcoming study session is listed with its document');
  await shot(phone, 'reader-sessions.png');
  await a11y(phone, 'reader sessions');
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
  await shot(board, 'board-drafts.png');
  await a11y(board, 'board editor');
  await board.click('#publish');
  await board.waitForFunction(() => /Đã xuất bản|published/.test(document.querySelector('#draft-status, .status.ok')?.textContent || ''), null, { timeout: T }).catch(() => {});
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
