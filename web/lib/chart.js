// Charts as inline SVG built with createElementNS: horizontal bars (mastery per topic),
// a line (accuracy over time) and a timeline (minutes per plan day). Colours come from
// classes in styles.css; every chart has a text alternative.

import { s, h } from './dom.js';

function clamp01(v) {
  return Math.max(0, Math.min(1, Number(v) || 0));
}

/** Which step of the sequential mastery scale a value in [0,1] falls in (0..4). */
export function scaleStep(value) {
  return Math.min(4, Math.floor(clamp01(value) * 5));
}

const LABEL_CHARS = 18;

/**
 * Horizontal bars: items [{label, value (0..1), note?}], opts {title, format(v)}.
 * Returns a <figure> with the SVG and a caption.
 */
export function bars(items, opts = {}) {
  const format = opts.format || ((v) => `${Math.round(clamp01(v) * 100)} %`);
  // Sized near a phone's width, so the text stays legible there; wider screens
  // scale it up a little (styles.css caps the width).
  const rowH = 24;
  // Room for LABEL_CHARS characters of DejaVu Sans at 12px (about 7.5px each
  // for lowercase, wider for capitals): a longer label is cut with "…" and
  // told whole in its <title>, never clipped at the left edge.
  const labelW = 152;
  const barW = 160;
  const width = labelW + barW + 48;
  const height = Math.max(rowH, items.length * rowH);
  const summary = items.map((it) => `${it.label}: ${format(it.value)}`).join('; ');
  const svg = s('svg', {
    class: 'chart chart-bars', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${opts.title || 'Bar chart'}: ${summary}`, preserveAspectRatio: 'xMinYMin meet',
  }, s('title', null, opts.title || 'Bar chart'));
  items.forEach((it, i) => {
    const y = i * rowH;
    const v = clamp01(it.value);
    const label = it.label.length > LABEL_CHARS ? `${it.label.slice(0, LABEL_CHARS - 1)}…` : it.label;
    svg.append(
      s('text', { x: labelW - 8, y: y + rowH / 2 + 4, class: 'chart-label', 'text-anchor': 'end' }, label, s('title', null, it.label)),
      s('rect', { x: labelW, y: y + 6, width: barW, height: rowH - 12, rx: 3, class: 'chart-track' }),
      s('rect', { x: labelW, y: y + 6, width: Math.max(v * barW, v > 0 ? 2 : 0), height: rowH - 12, rx: 3, class: `chart-bar scale-${scaleStep(v)}` }),
      s('text', { x: labelW + barW + 6, y: y + rowH / 2 + 4, class: 'chart-value' }, format(it.value)),
    );
  });
  return h('figure', { class: 'chart-figure' }, svg, opts.caption ? h('figcaption', null, opts.caption) : null);
}

/**
 * A line over points [{label, value}] (value 0..1 unless opts.max), opts {title}.
 */
export function line(points, opts = {}) {
  const max = opts.max || 1;
  const width = 480;
  const height = 180;
  const pad = { l: 40, r: 12, t: 12, b: 28 };
  const iw = width - pad.l - pad.r;
  const ih = height - pad.t - pad.b;
  const format = opts.format || ((v) => `${Math.round((v / max) * 100)} %`);
  const summary = points.map((p) => `${p.label}: ${format(p.value)}`).join('; ');
  const svg = s('svg', {
    class: 'chart chart-line', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${opts.title || 'Line chart'}: ${summary || 'no data yet'}`,
  }, s('title', null, opts.title || 'Line chart'));
  for (const frac of [0, 0.5, 1]) {
    const y = pad.t + ih * (1 - frac);
    svg.append(
      s('line', { x1: pad.l, x2: width - pad.r, y1: y, y2: y, class: 'chart-grid' }),
      s('text', { x: pad.l - 6, y: y + 4, 'text-anchor': 'end', class: 'chart-axis' }, format(frac * max)),
    );
  }
  const n = points.length;
  const xy = points.map((p, i) => [
    pad.l + (n === 1 ? iw / 2 : (iw * i) / (n - 1)),
    pad.t + ih * (1 - Math.max(0, Math.min(max, Number(p.value) || 0)) / max),
  ]);
  if (n > 1) svg.append(s('polyline', { points: xy.map((p) => p.join(',')).join(' '), class: 'chart-path' }));
  xy.forEach(([x, y], i) => {
    svg.append(s('circle', { cx: x, cy: y, r: 3.5, class: 'chart-dot' }, s('title', null, `${points[i].label}: ${format(points[i].value)}`)));
  });
  if (n) {
    svg.append(s('text', { x: xy[0][0], y: height - 8, class: 'chart-axis', 'text-anchor': n === 1 ? 'middle' : 'start' }, points[0].label));
    if (n > 1) svg.append(s('text', { x: xy[n - 1][0], y: height - 8, class: 'chart-axis', 'text-anchor': 'end' }, points[n - 1].label));
  }
  return h('figure', { class: 'chart-figure' }, svg, opts.caption ? h('figcaption', null, opts.caption) : null);
}

/**
 * A timeline of plan days: days [{date, minutes}] as columns, today's marked,
 * opts {today, title, budget (minutes a day)}.
 */
export function timeline(days, opts = {}) {
  const colW = 22;
  const gap = 4;
  const height = 120;
  const base = height - 22;
  const max = Math.max(opts.budget || 0, ...days.map((d) => d.minutes || 0), 1);
  const width = Math.max(colW, days.length * (colW + gap));
  const summary = days.map((d) => `${d.date}: ${d.minutes} min${d.date === opts.today ? ' (today)' : ''}`).join('; ');
  const svg = s('svg', {
    class: 'chart chart-timeline', viewBox: `0 0 ${width} ${height}`, role: 'img', preserveAspectRatio: 'xMinYMax meet',
    'aria-label': `${opts.title || 'Plan'}: ${summary}`,
  }, s('title', null, opts.title || 'Plan'));
  days.forEach((d, i) => {
    const x = i * (colW + gap);
    const bh = Math.max(2, ((d.minutes || 0) / max) * (base - 8));
    const isToday = d.date === opts.today;
    const past = opts.today && d.date < opts.today;
    svg.append(
      s('rect', { x, y: base - bh, width: colW, height: bh, rx: 3, class: ['chart-day', isToday ? 'is-today' : '', past ? 'is-past' : ''].join(' ').trim() },
        s('title', null, `${d.date}: ${d.minutes} min`)),
      s('text', { x: x + colW / 2, y: height - 6, 'text-anchor': 'middle', class: isToday ? 'chart-axis is-today' : 'chart-axis' }, String(Number(d.date.slice(8, 10)))),
    );
  });
  return h('figure', { class: 'chart-figure chart-scroll' }, svg, opts.caption ? h('figcaption', null, opts.caption) : null);
}
