/**
 * Charts drawn on the server as SVG (no client script, works under the strict CSP).
 * Every chart has a <title> and <desc>; pages also show the numbers in a table.
 */

export interface Series {
  name: string;
  values: number[];
}

/** Colours distinguishable in greyscale and with a 3:1 contrast on white. */
const PALETTE = ['#1f5fa8', '#c2410c', '#15803d', '#7e22ce', '#a16207', '#be123c', '#0e7490', '#4b5563'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function niceMax(n: number): number {
  if (n <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export interface ChartOptions {
  title: string;
  desc?: string;
  categories: string[];
  series: Series[];
  width?: number;
  height?: number;
  /** Bars stacked per category (default) or grouped side by side. */
  mode?: 'stacked' | 'grouped' | 'line';
  id?: string;
}

export function chartSvg(o: ChartOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 280;
  const left = 48;
  const right = 12;
  const top = 16;
  const legendH = 22 * Math.ceil(o.series.length / 4);
  const bottom = 40 + legendH;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const mode = o.mode ?? 'stacked';
  const n = Math.max(o.categories.length, 1);
  const totals = o.categories.map((_, i) =>
    mode === 'stacked' ? o.series.reduce((s, se) => s + (se.values[i] ?? 0), 0) : Math.max(0, ...o.series.map((se) => se.values[i] ?? 0)),
  );
  const max = niceMax(Math.max(0, ...totals));
  const yOf = (v: number) => top + plotH - (v / max) * plotH;
  const id = o.id ?? `chart-${Math.abs(hash(o.title))}`;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${id}-t ${id}-d" class="chart">`,
    `<title id="${id}-t">${esc(o.title)}</title>`,
    `<desc id="${id}-d">${esc(o.desc ?? describe(o))}</desc>`,
  );
  for (let k = 0; k <= 5; k++) {
    const v = (max / 5) * k;
    const y = yOf(v);
    parts.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${width - right}" y2="${y.toFixed(1)}" stroke="#d1d5db" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#374151">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`);
  }
  const slot = plotW / n;
  const labelEvery = Math.ceil(n / 16);
  o.categories.forEach((c, i) => {
    const x0 = left + slot * i;
    if (mode === 'stacked') {
      let acc = 0;
      o.series.forEach((se, s) => {
        const v = se.values[i] ?? 0;
        if (v > 0) {
          const y1 = yOf(acc + v);
          const h = yOf(acc) - y1;
          parts.push(`<rect x="${(x0 + slot * 0.15).toFixed(1)}" y="${y1.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[s % PALETTE.length]}"><title>${esc(`${c} ${se.name}：${v}`)}</title></rect>`);
        }
        acc += v;
      });
    } else if (mode === 'grouped') {
      const bw = (slot * 0.8) / Math.max(o.series.length, 1);
      o.series.forEach((se, s) => {
        const v = se.values[i] ?? 0;
        const y1 = yOf(v);
        parts.push(`<rect x="${(x0 + slot * 0.1 + bw * s).toFixed(1)}" y="${y1.toFixed(1)}" width="${bw.toFixed(1)}" height="${(top + plotH - y1).toFixed(1)}" fill="${PALETTE[s % PALETTE.length]}"><title>${esc(`${c} ${se.name}：${v}`)}</title></rect>`);
      });
    }
    if (i % labelEvery === 0) parts.push(`<text x="${(x0 + slot / 2).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" font-size="11" fill="#374151">${esc(c)}</text>`);
  });
  if (mode === 'line') {
    o.series.forEach((se, s) => {
      const pts = o.categories.map((_, i) => `${(left + slot * i + slot / 2).toFixed(1)},${yOf(se.values[i] ?? 0).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${pts}" fill="none" stroke="${PALETTE[s % PALETTE.length]}" stroke-width="2"/>`);
    });
  }
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}" stroke="#111827" stroke-width="1"/>`);
  o.series.forEach((se, s) => {
    const lx = left + (s % 4) * 150;
    const ly = height - legendH + Math.floor(s / 4) * 22 + 4;
    parts.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${PALETTE[s % PALETTE.length]}"/>`);
    parts.push(`<text x="${lx + 18}" y="${ly + 11}" font-size="12" fill="#111827">${esc(se.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function describe(o: ChartOptions): string {
  return o.series.map((se) => `${se.name}：${o.categories.map((c, i) => `${c} ${se.values[i] ?? 0}`).join('、')}`).join('；');
}

function hash(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}
