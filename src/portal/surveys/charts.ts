import { chartSvg } from '../../platform/svgChart';

/** A bar chart of counts per option (or score), drawn on the server; the page shows the numbers in a table too. */
export function countsChart(o: { id: string; title: string; labels: string[]; counts: number[]; unit: string }): string {
  const total = o.counts.reduce((s, n) => s + n, 0);
  return chartSvg({
    id: o.id,
    title: o.title,
    desc: `${o.labels.map((l, i) => `${l}：${o.counts[i] ?? 0} ${o.unit}`).join('；')}（共 ${total} ${o.unit}）`,
    categories: o.labels.map((l) => ([...l].length > 12 ? `${[...l].slice(0, 11).join('')}…` : l)),
    series: [{ name: o.unit === '票' ? '票數' : '人數', values: o.counts }],
    height: 240,
  });
}
