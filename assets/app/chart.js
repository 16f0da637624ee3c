// Two small SVG charts for the board, drawn with DOM calls (no library, no
// inline style, so the page's Content-Security-Policy stays strict): a
// horizontal bar per child unit with the target as a dashed line, and a
// line chart of cumulative figures per day. Each chart has a <title> and
// <desc> for screen readers; the table next to it carries the same numbers.

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function pct(x) { return x === null || x === undefined ? '—' : (x * 100).toFixed(1) + '%'; }

// rows: [{label, value (0..1 or null), lagging}], target: 0..1
export function barChart(rows, target, title) {
  const rowH = 26, left = 190, right = 60, width = 640, top = 24;
  const height = top + rows.length * rowH + 24;
  const plot = width - left - right;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'bc-title bc-desc' });
  svg.append(s('title', { id: 'bc-title' }, title));
  svg.append(s('desc', { id: 'bc-desc' }, rows.map((r) => `${r.label}: ${pct(r.value)}`).join('; ') +
    `. Mục tiêu ${pct(target)}.`));
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const label = r.label.length > 28 ? r.label.slice(0, 27) + '…' : r.label;
    svg.append(s('text', { x: left - 6, y: y + 17, 'text-anchor': 'end' }, label));
    const w = Math.max(0, Math.min(1, r.value || 0)) * plot;
    svg.append(s('rect', { class: r.lagging ? 'bar lagging' : 'bar', x: left, y: y + 4, width: w, height: rowH - 8 }));
    svg.append(s('text', { x: left + w + 4, y: y + 17 }, pct(r.value)));
  });
  svg.append(s('line', { class: 'axis', x1: left, y1: top - 4, x2: left, y2: height - 20 }));
  const tx = left + target * plot;
  svg.append(s('line', { class: 'target', x1: tx, y1: top - 10, x2: tx, y2: height - 20 }));
  svg.append(s('text', { x: tx, y: top - 12, 'text-anchor': 'middle' }, 'Mục tiêu ' + pct(target)));
  return svg;
}

// days: [{day, a, b}], names: [label a, label b], total: the denominator
export function lineChart(days, names, total, title) {
  const width = 640, height = 220, left = 48, right = 16, top = 16, bottom = 36;
  const plotW = width - left - right, plotH = height - top - bottom;
  const max = Math.max(1, total || 0, ...days.map((d) => Math.max(d.a, d.b)));
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'lc-title lc-desc' });
  svg.append(s('title', { id: 'lc-title' }, title));
  const last = days[days.length - 1];
  svg.append(s('desc', { id: 'lc-desc' }, last ? `${last.day}: ${names[0]} ${last.a}, ${names[1]} ${last.b} / ${total}` : ''));
  const x = (i) => left + (days.length < 2 ? plotW / 2 : (i * plotW) / (days.length - 1));
  const y = (v) => top + plotH - (v / max) * plotH;
  svg.append(s('line', { class: 'axis', x1: left, y1: top, x2: left, y2: top + plotH }));
  svg.append(s('line', { class: 'axis', x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH }));
  svg.append(s('text', { x: left - 4, y: top + 10, 'text-anchor': 'end' }, String(max)));
  svg.append(s('text', { x: left - 4, y: top + plotH, 'text-anchor': 'end' }, '0'));
  if (days.length) {
    svg.append(s('text', { x: left, y: height - 12 }, days[0].day));
    svg.append(s('text', { x: left + plotW, y: height - 12, 'text-anchor': 'end' }, last.day));
  }
  const path = (key) => days.map((d, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(d[key]).toFixed(1)}`).join(' ');
  if (days.length) {
    svg.append(s('path', { class: 'line', d: path('a') }));
    svg.append(s('path', { class: 'line2', d: path('b') }));
    // Points too: a single day is a point, not a line.
    days.forEach((d, i) => {
      svg.append(s('circle', { class: 'dot', cx: x(i).toFixed(1), cy: y(d.a).toFixed(1), r: 3 }));
      svg.append(s('circle', { class: 'dot2', cx: x(i).toFixed(1), cy: y(d.b).toFixed(1), r: 3 }));
    });
  }
  svg.append(s('text', { x: left + 8, y: top + 12 }, '— ' + names[0]));
  svg.append(s('text', { x: left + 8, y: top + 28, class: 'legend2' }, '- - ' + names[1]));
  return svg;
}

export { pct };
