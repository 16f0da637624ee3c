// The board dashboard (issue 9): for propaganda boards, committees and
// secretaries at their desks. Two views, chosen by the URL's hash:
//  #/report  the unit tree, and for the chosen unit and document the reach
//            per child unit (chart and table, lagging first, target line),
//            reach over time, the make-up list at cell level, CSV and XLSX;
//  #/drafts  drafting and publishing: both texts side by side with their
//            translation states, a preview as a phone shows it, publish
//            and withdraw.
// Every figure comes from GET /api/v1/reports/engagement as it is; the page
// computes nothing of its own, so the page, the CSV and the XLSX agree.

import { makeApi, el, show, status, ApiError } from '/app/api.js';
import { barChart, lineChart, pct } from '/app/chart.js';
import { stateWord, errorText, textLang } from '/app/i18n.js';

const api = makeApi('hb-board-token');
const main = document.getElementById('main');
const state = { unit: null, unitName: '', document: null, draft: null };

function setChrome(me) {
  document.getElementById('tabs').hidden = !api.token;
  document.getElementById('logout').hidden = !api.token;
  document.getElementById('who').textContent = me ? me.full_name : '';
}

function viewLogin() {
  const msg = el('p', { class: 'status', role: 'alert' });
  const form = el('form', { novalidate: true },
    el('h2', {}, 'Đăng nhập'),
    el('label', { for: 'login' }, 'Số thẻ đảng viên hoặc số điện thoại'),
    el('input', { id: 'login', name: 'login', autocomplete: 'username', required: true }),
    el('label', { for: 'password' }, 'Mật khẩu'),
    el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    el('p', {}, el('button', { type: 'submit' }, 'Đăng nhập')), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status(msg, 'Đang đăng nhập…');
    try {
      const r = await api.login(form.login.value.trim(), form.password.value);
      localStorage.setItem('hb-board-me', JSON.stringify({ full_name: r.member.full_name, roles: r.member.roles || [] }));
      location.hash = '#/report';
      route();
    } catch (e) { status(msg, errorText(e), 'error'); }
  });
  show(main, form);
}

// ---- the unit tree --------------------------------------------------------

// A tree of buttons (keyboard: Tab to a unit, Enter to choose it, the
// arrow button to open its children), children loaded when opened.
function unitNode(u, onPick) {
  const li = el('li', {});
  const childList = el('ul', { hidden: true });
  const toggle = el('button', { type: 'button', 'aria-expanded': 'false', 'aria-label': 'Mở đơn vị cấp dưới của ' + u.name_vi, hidden: !u.children }, '▸');
  const pick = el('button', { type: 'button', 'data-unit-id': u.id, 'aria-current': String(state.unit === u.id) },
    u.name_vi, ' ', el('span', { class: 'muted', lang: 'km' }, u.name_km || ''));
  pick.addEventListener('click', () => {
    for (const b of document.querySelectorAll('.tree button[aria-current]')) b.setAttribute('aria-current', 'false');
    pick.setAttribute('aria-current', 'true');
    onPick(u);
  });
  let loaded = false;
  toggle.addEventListener('click', async () => {
    const open = toggle.getAttribute('aria-expanded') === 'true';
    toggle.setAttribute('aria-expanded', String(!open));
    toggle.textContent = open ? '▸' : '▾';
    childList.hidden = open;
    if (!loaded) {
      loaded = true;
      const kids = await listAll('/api/v1/units?parent=' + u.id);
      childList.replaceChildren(...kids.map((k) => unitNode(k, onPick)));
    }
  });
  li.append(toggle, pick, childList);
  return li;
}

async function listAll(path) {
  const out = [];
  let cursor = null;
  do {
    const r = await api.get(path + (path.includes('?') ? '&' : '?') + 'limit=200' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    out.push(...r.items);
    cursor = r.next_cursor;
  } while (cursor && out.length < 2000);
  return out;
}

// ---- the report -----------------------------------------------------------

const COLS = [
  ['members', 'Đảng viên'], ['readers', 'Đã đọc'], ['completers', 'Đọc hết'],
  ['attended', 'Dự học tập'], ['at_meeting', 'Dự sinh hoạt'], ['reached', 'Đã tiếp cận'],
];

async function viewReport() {
  const roots = await api.get('/api/v1/units');
  const docs = await listAll('/api/v1/documents?lang=vi');
  // First the unit of the caller's widest role (the one a board watches),
  // else their cell (a secretary's is both), else the top of the tree.
  if (!state.unit) {
    const me = JSON.parse(localStorage.getItem('hb-board-me') || 'null');
    const roles = (me && me.roles) || [];
    const board = roles.find((x) => x.role !== 'member') || roles.find((x) => x.role === 'member');
    state.unit = board ? board.unit_id : (roots.items.length ? roots.items[0].id : null);
  }
  if (!state.document && docs.length) state.document = docs[0].id;

  const report = el('div', { id: 'report', 'aria-live': 'polite' });
  const docSel = el('select', { id: 'doc-select' }, docs.map((d) =>
    el('option', { value: d.id, selected: d.id === state.document }, `${d.number} — ${d.title}`)));
  docSel.addEventListener('change', () => { state.document = Number(docSel.value); loadReport(report); });
  const tree = el('ul', {}, roots.items.map((u) => unitNode(u, (picked) => { state.unit = picked.id; loadReport(report); })));

  show(main,
    el('h2', {}, 'Mức độ lan tỏa tài liệu'),
    el('div', { class: 'grid side' },
      el('nav', { class: 'panel tree', 'aria-label': 'Cây đơn vị' }, el('h3', {}, 'Đơn vị'), tree),
      el('div', {},
        el('label', { for: 'doc-select' }, 'Tài liệu'), docSel,
        report)));
  if (state.unit && state.document) await loadReport(report);
  else report.replaceChildren(el('p', {}, 'Chưa có đơn vị hoặc tài liệu nào trong phạm vi của bạn.'));
}

// Only the latest request paints: a slow answer for a unit or document
// chosen earlier must not replace the one chosen since.
let reportSeq = 0;

async function loadReport(box) {
  const mine = ++reportSeq;
  box.replaceChildren(el('p', { class: 'muted' }, 'Đang tải…'));
  box.removeAttribute('data-document');
  const q = `unit=${state.unit}&document=${state.document}`;
  let r;
  try {
    r = await api.get('/api/v1/reports/engagement?' + q);
  } catch (e) {
    if (mine === reportSeq) box.replaceChildren(el('p', { class: 'status error', role: 'alert' }, errorText(e)));
    return;
  }
  if (mine !== reportSeq) return;
  box.dataset.document = String(state.document);
  box.dataset.unit = String(state.unit);
  const u = r.unit;
  const head = el('div', { class: 'panel', id: 'headline' },
    el('h3', {}, u.name_vi, ' ', el('span', { lang: 'km', class: 'muted' }, u.name_km || '')),
    el('p', {}, 'Đã tiếp cận ', el('strong', { id: 'head-reached' }, String(u.reached)), ' / ',
      el('span', { id: 'head-members' }, String(u.members)), ' đảng viên — ',
      el('strong', { id: 'head-rate' }, pct(u.reach_rate)), ' (mục tiêu ', pct(u.target), ') ',
      el('span', { class: u.target_met ? 'badge ok' : 'badge warn' }, u.target_met ? 'Đạt' : 'Chưa đạt')),
    el('p', { class: 'muted' }, 'Qua ứng dụng ', String(r.channels.app), ' · hội nghị học tập ',
      String(r.channels.study_session), ' · sinh hoạt chi bộ ', String(r.channels.cell_meeting)));

  const exports = el('p', {},
    exportButton('Tải CSV', q + '&format=csv', 'text/csv'), ' ',
    exportButton('Tải XLSX', q + '&format=xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'));

  const kids = r.children || [];
  const chart = kids.length ? barChart(kids.map((c) => ({ label: c.name_vi, value: c.reach_rate, lagging: !c.target_met })),
    u.target, 'Tỷ lệ tiếp cận theo đơn vị trực thuộc') : null;

  const row = (c, isUnit) => el('tr', { class: c.target_met ? '' : 'lagging', 'data-code': c.code },
    el('th', { scope: 'row' }, isUnit ? el('strong', {}, c.name_vi) : c.name_vi),
    COLS.map(([k]) => el('td', { class: 'num', 'data-field': k }, String(c[k]))),
    el('td', { class: 'num', 'data-field': 'reach_rate' }, pct(c.reach_rate)),
    el('td', { class: 'num' }, pct(c.target)),
    el('td', {}, c.target_met ? 'Đạt' : 'Chưa đạt'));
  const table = el('table', { id: 'reach-table' },
    el('caption', { class: 'visually-hidden' }, 'Mức độ tiếp cận theo đơn vị, đơn vị chưa đạt trước'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Đơn vị'),
      COLS.map(([, label]) => el('th', { scope: 'col', class: 'num' }, label)),
      el('th', { scope: 'col', class: 'num' }, 'Tỷ lệ tiếp cận'), el('th', { scope: 'col', class: 'num' }, 'Mục tiêu'),
      el('th', { scope: 'col' }, 'Kết quả'))),
    el('tbody', {}, row(u, true), kids.map((c) => row(c, false))));

  const days = (r.days || []).map((d) => ({ day: d.day, a: d.readers, b: d.completers }));
  const line = lineChart(days, ['Đã đọc (lũy kế)', 'Đọc hết (lũy kế)'], u.members, 'Số người đọc theo ngày');

  // The make-up list: only at cell level and only for those who read the
  // cell's members (the API sends "members" to them alone); those not
  // reached first, as the API orders them. Marks are words for screen
  // readers (the ✓ is hidden from them).
  const yes = (b) => b ? [el('span', { 'aria-hidden': 'true' }, '✓ '), 'Có'] : [el('span', { 'aria-hidden': 'true' }, '— '), 'Chưa'];
  const makeup = r.members ? el('section', { 'aria-labelledby': 'makeup-h', id: 'makeup-section' },
    el('h3', { id: 'makeup-h' }, 'Danh sách cần học bù (chưa được tiếp cận trước)'),
    el('table', { id: 'makeup' },
      el('caption', { class: 'visually-hidden' }, 'Từng đảng viên của chi bộ: đã đọc, đã dự học tập, bài thu hoạch'),
      el('thead', {}, el('tr', {}, ['Họ tên', 'Số thẻ', 'Đã đọc', 'Đọc hết', 'Dự học tập', 'Dự sinh hoạt', 'Bài thu hoạch', 'Điểm thi cao nhất']
        .map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, r.members.map((m) => el('tr', { class: m.reached ? '' : 'lagging', 'data-card': m.card_number },
        el('th', { scope: 'row', lang: textLang(m.full_name) }, m.full_name), el('td', {}, m.card_number),
        [['read', m.read], ['completed', m.completed], ['attended_session', m.attended_session], ['at_meeting', m.at_meeting]]
          .map(([k, b]) => el('td', { 'data-field': k, 'data-value': String(!!b) }, yes(b))),
        el('td', { 'data-field': 'essay_state', 'data-value': m.essay_state },
          stateWord('essay', m.essay_state), m.essay_late ? ' (nộp muộn)' : ''),
        el('td', { class: 'num', 'data-field': 'quiz_best_score', 'data-value': m.quiz_best_score == null ? '' : String(m.quiz_best_score) },
          m.quiz_best_score == null ? '—' : pct(m.quiz_best_score))))))) : null;

  box.replaceChildren(...[head, exports,
    chart ? el('section', { 'aria-labelledby': 'bars-h' }, el('h3', { id: 'bars-h' }, 'Theo đơn vị trực thuộc (chưa đạt trước)'), chart) : null,
    table,
    el('section', { 'aria-labelledby': 'days-h' }, el('h3', { id: 'days-h' }, 'Theo thời gian'), line),
    makeup].filter(Boolean));
}

// The export is fetched with the token (never put in a URL) and handed to
// the browser as a download under the name the server gives.
function exportButton(label, query, accept) {
  const b = el('button', { type: 'button', class: 'secondary', 'data-format': query.split('format=')[1] }, label);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      const res = await api.raw('/api/v1/reports/engagement?' + query, accept);
      const cd = res.headers.get('content-disposition') || '';
      const m = /filename="([^"]+)"/.exec(cd);
      const blob = await res.blob();
      const a = el('a', { href: URL.createObjectURL(blob), download: m ? m[1] : 'bao-cao' });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    } catch (e) {
      alert(errorText(e));
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

// ---- drafting and publishing ---------------------------------------------

// The API's values, shown as words.
const KINDS = { resolution: 'Nghị quyết', directive: 'Chỉ thị', regulation: 'Quy định', conclusion: 'Kết luận', study_outline: 'Đề cương học tập' };
const LEVELS = { central: 'Trung ương', province: 'Tỉnh', district: 'Huyện', grassroots: 'Cơ sở' };
const TSTATE = { current: 'Đã dịch (khớp bản Việt)', pending: 'Chờ duyệt', stale: 'Lạc hậu so với bản Việt', reviewed: 'Đã duyệt', missing: 'Chưa có' };

function emptyDraft() {
  return {
    id: null, state: 'new', unit_id: state.unit, slug: '', number: '', kind: 'study_outline', issuer: '',
    level: 'province', issued: new Date().toISOString().slice(0, 10), tags: [], audience: ['members'],
    texts: { vi: { title: '', intro: '', sections: [{ title: '', summary: '', details: '' }] }, km: null },
  };
}

async function viewDrafts() {
  const docs = await listAll('/api/v1/documents?lang=vi');
  const openId = el('input', { id: 'open-id', inputmode: 'numeric', class: 'inline', size: 6 });
  const msg = el('p', { class: 'status', role: 'status' });
  const editor = el('div', { id: 'editor' });
  // The draft API answers for every document its editors may open: the
  // draft under way, or the latest version (with its unit and the
  // translation states) that saving turns into the next version.
  const open = async (id) => {
    try {
      state.draft = await api.get(`/api/v1/documents/${id}/draft`);
      await unitName(state.draft.unit_id);
      renderEditor(editor);
      status(msg, state.draft.state === 'draft' ? '' : stateWord('document', state.draft.state) + ': lưu sẽ tạo phiên bản mới.');
    } catch (e) { status(msg, errorText(e), 'error'); }
  };
  const form = el('form', { class: 'panel' },
    el('label', { for: 'doc-pick' }, 'Tài liệu'),
    el('select', { id: 'doc-pick' }, el('option', { value: '' }, '— Tài liệu mới —'),
      docs.map((d) => el('option', { value: d.id }, `${d.number} — ${d.title}`))),
    el('label', { for: 'open-id' }, 'hoặc mở tài liệu số'), openId, ' ',
    el('button', { type: 'submit' }, 'Mở'), msg);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = openId.value.trim() || form.querySelector('#doc-pick').value;
    if (id) open(id); else { state.draft = emptyDraft(); renderEditor(editor); }
  });
  show(main, el('h2', {}, 'Soạn thảo và xuất bản'), form, editor);
  if (state.draft) renderEditor(editor);
}

function textColumn(lang, text, onChange) {
  const t = text || { title: '', intro: '', sections: [] };
  const label = lang === 'vi' ? 'Tiếng Việt' : [el('span', { lang: 'km' }, 'ភាសាខ្មែរ'), ' (tiếng Khmer)'];
  const col = el('fieldset', { lang, class: 'editor', 'data-lang': lang },
    el('legend', { lang: 'vi' }, label, ' ', lang === 'km'
      ? el('span', { class: 'badge ' + (t.translation === 'stale' ? 'warn' : ''), 'data-translation': t.translation || 'missing' },
        TSTATE[t.translation || 'missing'] || t.translation) : null));
  const field = (id, name, value, area) => {
    const input = el(area ? 'textarea' : 'input', { id, name, lang });
    input.value = value || '';
    input.addEventListener('input', () => onChange(name, input.value));
    return input;
  };
  col.append(el('label', { for: `${lang}-title`, lang: 'vi' }, 'Tiêu đề'), field(`${lang}-title`, 'title', t.title));
  col.append(el('label', { for: `${lang}-intro`, lang: 'vi' }, 'Mở đầu'), field(`${lang}-intro`, 'intro', t.intro, true));
  if (lang === 'km') {
    const rev = el('select', { id: 'km-review' }, el('option', { value: 'pending' }, 'Chờ duyệt'), el('option', { value: 'reviewed' }, 'Đã duyệt'));
    rev.value = t.translation === 'reviewed' ? 'reviewed' : 'pending';
    rev.addEventListener('change', () => onChange('review', rev.value));
    col.append(el('label', { for: 'km-review', lang: 'vi' }, 'Bản dịch'), rev);
  }
  return col;
}

function sectionRows(draft, onChange) {
  const vi = draft.texts.vi.sections;
  const km = draft.texts.km ? draft.texts.km.sections : null;
  return vi.map((s, i) => el('div', { class: 'sidebyside section', 'data-position': i + 1 },
    ['vi', 'km'].map((lang) => {
      const arr = lang === 'vi' ? vi : km;
      if (!arr) return el('div', {});
      const cur = arr[i] || (arr[i] = { title: '', summary: '', details: '' });
      const f = (name, label, area) => {
        const id = `${lang}-s${i + 1}-${name}`;
        const input = el(area ? 'textarea' : 'input', { id, lang });
        input.value = cur[name] || '';
        input.addEventListener('input', () => { cur[name] = input.value; onChange(); });
        return [el('label', { for: id, lang: 'vi' }, `Điểm ${i + 1}: ${label}`), input];
      };
      return el('div', { lang }, f('title', 'tiêu đề'), f('summary', 'tóm tắt', true), f('details', 'chi tiết', true));
    })));
}

// Names of units by id, for the editor's unit line (GET /api/v1/units/{id}).
const unitNames = new Map();
async function unitName(id) {
  if (!id || unitNames.has(id)) return;
  try { const u = await api.get('/api/v1/units/' + id); unitNames.set(id, u.name_vi); } catch (e) { unitNames.set(id, null); }
}

// The unit whose members read the document: chosen when it is created
// (its id; empty for everyone), then fixed and shown by name.
function unitField(d, meta) {
  if (!d.id) return meta('f-unit', 'unit_id', 'Đơn vị đọc tài liệu (mã số; để trống: toàn bộ)');
  const name = d.unit_id ? (unitNames.get(d.unit_id) || 'đơn vị số ' + d.unit_id) : 'Tất cả đảng viên';
  return el('div', {}, el('p', { class: 'label' }, 'Đơn vị đọc tài liệu'),
    el('p', { id: 'f-unit', 'data-unit-id': d.unit_id == null ? '' : String(d.unit_id) }, name));
}

function renderEditor(box) {
  const d = state.draft;
  const msg = el('p', { class: 'status', role: 'status', id: 'draft-status' });
  const phone = el('div', { class: 'phone', id: 'preview', 'aria-label': 'Xem trước trên điện thoại' });
  const previewLang = el('select', { id: 'preview-lang', class: 'inline' }, el('option', { value: 'vi' }, 'Tiếng Việt'), el('option', { value: 'km', lang: 'km' }, 'ខ្មែរ'));
  const paintPreview = () => {
    const t = previewLang.value === 'km' && d.texts.km ? d.texts.km : d.texts.vi;
    const lang = previewLang.value === 'km' && d.texts.km ? 'km' : 'vi';
    phone.replaceChildren(el('article', { lang },
      el('h2', {}, t.title || '…'), t.intro ? el('p', {}, t.intro) : null,
      (t.sections || []).map((s, i) => el('section', { class: 'section' },
        el('h3', {}, `${i + 1}. ${s.title}`), el('p', {}, s.summary),
        s.details ? el('details', {}, el('summary', {}, 'Chi tiết'), el('p', {}, s.details)) : null))));
  };
  previewLang.addEventListener('change', paintPreview);
  const onText = (lang) => (name, value) => {
    if (name === 'review') d.texts.km.review = value;
    else d.texts[lang][name] = value;
    paintPreview();
  };
  const meta = (id, name, label, opts) => {
    const input = opts ? el('select', { id }, Object.entries(opts).map(([v, w]) => el('option', { value: v }, w)))
      : el('input', { id, type: name === 'issued' ? 'date' : 'text' });
    input.value = Array.isArray(d[name]) ? d[name].join(', ') : (d[name] ?? '');
    input.addEventListener('input', () => {
      d[name] = name === 'tags' ? input.value.split(',').map((x) => x.trim()).filter(Boolean)
        : name === 'unit_id' ? (input.value ? Number(input.value) : null) : input.value;
    });
    return el('div', {}, el('label', { for: id }, label), input);
  };
  const sections = el('div', { id: 'sections' });
  const paintSections = () => sections.replaceChildren(...sectionRows(d, paintPreview));
  const addKm = el('button', { type: 'button', class: 'secondary', hidden: !!d.texts.km }, 'Thêm bản tiếng Khmer');
  addKm.addEventListener('click', () => {
    d.texts.km = { title: '', intro: '', sections: d.texts.vi.sections.map(() => ({ title: '', summary: '', details: '' })), translation: 'missing' };
    renderEditor(box);
  });
  const addSec = el('button', { type: 'button', class: 'secondary' }, 'Thêm điểm cốt lõi');
  addSec.addEventListener('click', () => {
    if (d.texts.vi.sections.length >= 12) return;
    d.texts.vi.sections.push({ title: '', summary: '', details: '' });
    if (d.texts.km) d.texts.km.sections.push({ title: '', summary: '', details: '' });
    paintSections(); paintPreview();
  });
  const delSec = el('button', { type: 'button', class: 'secondary' }, 'Bỏ điểm cuối');
  delSec.addEventListener('click', () => {
    if (d.texts.vi.sections.length <= 1) return;
    d.texts.vi.sections.pop();
    if (d.texts.km) d.texts.km.sections.pop();
    paintSections(); paintPreview();
  });

  const save = el('button', { type: 'button', id: 'save-draft' }, 'Lưu bản nháp');
  const publish = el('button', { type: 'button', id: 'publish', disabled: !d.id }, 'Xuất bản');
  const withdraw = el('button', { type: 'button', id: 'withdraw', class: 'secondary', disabled: !d.id }, 'Thu hồi');
  save.addEventListener('click', async () => {
    try {
      const body = draftBody(d);
      const saved = d.id ? await api.put(`/api/v1/documents/${d.id}/draft`, body) : await api.post('/api/v1/documents', body);
      state.draft = saved;
      await unitName(saved.unit_id);
      renderEditor(box);
      status(document.getElementById('draft-status'), `Đã lưu: tài liệu số ${saved.id}, phiên bản ${saved.version} (${stateWord('document', saved.state).toLowerCase()}).`, 'ok');
    } catch (e) { status(msg, errorText(e), 'error'); }
  });
  const act = (verb, done) => async () => {
    try {
      await api.post(`/api/v1/documents/${d.id}/${verb}`);
      // Read back: the heading shows the state the server now has.
      state.draft = await api.get(`/api/v1/documents/${d.id}/draft`);
      renderEditor(box);
      status(document.getElementById('draft-status'), done, 'ok');
    } catch (e) { status(msg, errorText(e), 'error'); }
  };
  publish.addEventListener('click', act('publish', 'Đã xuất bản.'));
  withdraw.addEventListener('click', act('withdraw', 'Đã thu hồi.'));

  box.replaceChildren(
    el('h3', { id: 'editor-h', 'data-state': d.state }, d.id ? `Tài liệu số ${d.id}, phiên bản ${d.version || ''} — ${stateWord('document', d.state)}` : 'Tài liệu mới'),
    el('div', { class: 'grid two' },
      el('div', {},
        el('div', { class: 'grid two' },
          d.id ? null : meta('f-slug', 'slug', 'Mã định danh (chữ thường không dấu, số, gạch ngang)'),
          meta('f-number', 'number', 'Số hiệu'), meta('f-kind', 'kind', 'Loại', KINDS),
          meta('f-level', 'level', 'Cấp', LEVELS), meta('f-issuer', 'issuer', 'Cơ quan ban hành'),
          meta('f-issued', 'issued', 'Ngày ban hành'), unitField(d, meta),
          meta('f-tags', 'tags', 'Thẻ (cách nhau bởi dấu phẩy)')),
        el('div', { class: 'sidebyside' },
          textColumn('vi', d.texts.vi, onText('vi')),
          d.texts.km ? textColumn('km', d.texts.km, onText('km')) : el('div', {}, addKm)),
        sections,
        el('p', {}, addSec, ' ', delSec),
        el('p', {}, save, ' ', publish, ' ', withdraw), msg),
      el('div', {}, el('h3', {}, 'Xem trước trên điện thoại ', el('label', { for: 'preview-lang', class: 'visually-hidden' }, 'Ngôn ngữ xem trước'), previewLang), phone)));
  paintSections();
  paintPreview();
}

// The PUT/POST body: only the fields the API takes (unknown fields are 422).
function draftBody(d) {
  const text = (t, km) => {
    const o = { title: t.title, sections: t.sections.map((s) => ({ title: s.title, summary: s.summary, details: s.details || '' })) };
    if (t.intro) o.intro = t.intro;
    if (km) o.review = t.review || (t.translation === 'reviewed' ? 'reviewed' : 'pending');
    return o;
  };
  const b = { number: d.number, kind: d.kind, issuer: d.issuer, level: d.level, issued: d.issued, tags: d.tags || [],
    audience: d.audience && d.audience.length ? d.audience : ['members'], texts: { vi: text(d.texts.vi, false) } };
  if (!d.id && d.slug) b.slug = d.slug;
  // A document keeps the unit it was made for: only a new one sends it.
  if (!d.id && d.unit_id) b.unit_id = d.unit_id;
  if (d.sources && d.sources.length) b.sources = d.sources;
  if (d.texts.km) b.texts.km = text(d.texts.km, true);
  return b;
}

// ---- routing ----------------------------------------------------------------

async function route() {
  const me = JSON.parse(localStorage.getItem('hb-board-me') || 'null');
  setChrome(api.token ? me : null);
  if (!api.token) { viewLogin(); return; }
  const name = location.hash.replace(/^#\/?/, '') || 'report';
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.tab === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  try {
    if (name === 'drafts') await viewDrafts();
    else await viewReport();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { viewLogin(); return; }
    show(main, el('h2', {}, 'Lỗi'), el('p', { class: 'status error', role: 'alert' }, errorText(e)));
  }
}

document.getElementById('logout').addEventListener('click', async () => {
  await api.logout();
  localStorage.removeItem('hb-board-me');
  location.hash = '';
  route();
});
window.addEventListener('hashchange', route);
window.addEventListener('hb-logged-out', route);
route();
