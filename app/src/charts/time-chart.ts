// One time-series chart: uPlot (about 50 kB minified, canvas, draws thousands of points in a few
// milliseconds, which matters on a tablet with a year of daily readings) inside a figure that says
// what it shows in words too: an aria-label summary, a legend with line styles (not colour alone),
// threshold and band labels drawn as text, a keyboard cursor (arrow keys, Home, End) read out
// through the live region, and the values as a table. Data attributes carry what was drawn, so
// tests check the chart's data rather than pixels.
import uPlot from 'uplot';
import type { Band, Threshold } from '../clinical';
import { announce, h } from '../dom';

export interface SeriesSpec {
  label: string;
  values: Array<number | null>;
  stroke: string;
  dash?: number[];
  width?: number;
}

export interface Marker {
  /** Index into x. */
  index: number;
  label: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  /** Times in milliseconds, ascending. */
  x: number[];
  series: SeriesSpec[];
  bands?: Band[];
  thresholds?: Threshold[];
  markers?: Marker[];
  yRange?: [number, number];
  /** The window shown, in milliseconds (every chart of a page shares it). */
  xRange?: [number, number];
  /** One sentence read by screen readers: what the chart shows. */
  describe: string;
  /** The values as a table (dates first column). */
  table: { headers: string[]; rows: Array<Array<string | number>> };
  emptyText?: string;
  height?: number;
}

const FONT = '14px system-ui, sans-serif';

export function timeChart(spec: ChartSpec): HTMLElement {
  const titleId = `${spec.id}-title`;
  const figure = h('figure', {
    class: 'chart',
    id: `chart-${spec.id}`,
    'data-chart': spec.id,
    'data-points': spec.x.length,
    'data-series': JSON.stringify(Object.fromEntries(spec.series.map((s) => [s.label, s.values]))),
    'data-thresholds': JSON.stringify((spec.thresholds ?? []).map((t) => t.value)),
    'data-bands': JSON.stringify((spec.bands ?? []).map((b) => b.label)),
    'data-markers': (spec.markers ?? []).length,
    'aria-labelledby': titleId,
  });
  figure.appendChild(
    h('figcaption', { id: titleId }, h('span', { class: 'chart-title' }, spec.title), h('span', { class: 'chart-unit' }, spec.unit ? ` (${spec.unit})` : '')),
  );
  if (spec.x.length === 0) {
    figure.appendChild(h('p', { class: 'empty' }, spec.emptyText ?? 'No readings in this window.'));
    figure.dataset.drawn = 'true';
    return figure;
  }
  const legend = h('ul', { class: 'chart-key', 'aria-label': 'Key' });
  for (const s of spec.series) {
    const swatch = h('span', { class: `swatch ${s.dash ? 'dashed' : 'solid'}`, 'aria-hidden': 'true' });
    swatch.style.borderTopColor = s.stroke; // through the CSSOM: the CSP allows no style attributes
    legend.appendChild(h('li', {}, swatch, `${s.label}${s.dash ? ' (dashed line)' : ' (solid line)'}`));
  }
  for (const t of spec.thresholds ?? [])
    legend.appendChild(h('li', {}, h('span', { class: 'swatch threshold', 'aria-hidden': 'true' }), `alert limit ${t.label}`));
  if (spec.markers?.length)
    legend.appendChild(h('li', {}, h('span', { class: 'swatch marker', 'aria-hidden': 'true' }, '▲'), 'item 9 (thoughts of self-harm) answered above 0'));
  const plot = h('div', {
    class: 'chart-plot',
    tabindex: 0,
    role: 'img',
    'aria-label': `${spec.describe} Use the left and right arrow keys to read each value.`,
  });
  figure.append(legend, plot);
  const details = h('details', { class: 'chart-data' }, h('summary', {}, `${spec.title}: the values`));
  const table = h('table', {}, h('caption', { class: 'sr-only' }, `${spec.title} values`));
  table.appendChild(h('thead', {}, h('tr', {}, ...spec.table.headers.map((header) => h('th', { scope: 'col' }, header)))));
  const body = h('tbody');
  for (const row of spec.table.rows)
    body.appendChild(h('tr', {}, ...row.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, String(cell)) : h('td', {}, String(cell))))));
  table.appendChild(body);
  details.appendChild(table);
  figure.appendChild(details);
  mountWhenSized(plot, figure, spec);
  return figure;
}

function mountWhenSized(plot: HTMLElement, figure: HTMLElement, spec: ChartSpec): void {
  let chart: uPlot | undefined;
  const observer = new ResizeObserver(() => {
    const width = Math.max(280, Math.floor(plot.clientWidth));
    if (!plot.isConnected) return observer.disconnect();
    if (chart) return chart.setSize({ width, height: spec.height ?? 240 });
    chart = draw(plot, figure, spec, width);
    keyboardCursor(plot, chart, spec);
  });
  observer.observe(plot);
}

function draw(plot: HTMLElement, figure: HTMLElement, spec: ChartSpec, width: number): uPlot {
  const x = spec.x.map((t) => t / 1000);
  const data = [x, ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
  const opts: uPlot.Options = {
    width,
    height: spec.height ?? 240,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 10 } },
    scales: {
      x: {
        time: true,
        range: (): uPlot.Range.MinMax =>
          spec.xRange ? [spec.xRange[0] / 1000, spec.xRange[1] / 1000] : x.length === 1 ? [x[0] - 86400, x[0] + 86400] : [x[0], x[x.length - 1]],
      },
      y: spec.yRange ? { range: spec.yRange } : { range: (_u, min, max) => padRange(min, max, spec.thresholds) },
    },
    axes: [
      { font: FONT, stroke: '#1f2933', grid: { stroke: '#e4e7eb' } },
      { font: FONT, stroke: '#1f2933', grid: { stroke: '#e4e7eb' }, size: 52 },
    ],
    series: [
      {},
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: s.width ?? 2,
        dash: s.dash,
        spanGaps: true,
        points: { show: true, size: 6, fill: s.stroke, stroke: s.stroke },
      })),
    ],
    hooks: {
      drawClear: [(u) => drawBands(u, spec.bands ?? [])],
      draw: [
        (u) => {
          drawThresholds(u, spec.thresholds ?? []);
          drawMarkers(u, spec);
          figure.dataset.drawn = 'true';
        },
      ],
    },
  };
  return new uPlot(opts, data, plot);
}

/** The y range covers the values and every limit drawn, with a little room. */
function padRange(min: number | null, max: number | null, thresholds: Threshold[] = []): uPlot.Range.MinMax {
  const values = [min, max, ...thresholds.map((t) => t.value)].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max(1, (hi - lo) * 0.08);
  return [Math.floor(lo - pad), Math.ceil(hi + pad)];
}

function drawBands(u: uPlot, bands: Band[]): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.font = `${13 * devicePixelRatio}px system-ui, sans-serif`;
  for (const band of bands) {
    const top = u.valToPos(band.to + 1, 'y', true);
    const bottom = u.valToPos(band.from, 'y', true);
    const y0 = Math.max(bbox.top, top);
    const y1 = Math.min(bbox.top + bbox.height, bottom);
    if (y1 <= y0) continue;
    ctx.fillStyle = band.shade;
    ctx.fillRect(bbox.left, y0, bbox.width, y1 - y0);
    // The band's name in words at the right edge: the shading is never the only cue.
    ctx.fillStyle = '#3e4c59';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.fillText(`${band.label} ${band.from}–${band.to}`, bbox.left + bbox.width - 6 * devicePixelRatio, y0 + 3 * devicePixelRatio);
  }
  ctx.restore();
}

function drawThresholds(u: uPlot, thresholds: Threshold[]): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.strokeStyle = '#b00020';
  ctx.fillStyle = '#8a0019';
  ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.setLineDash([8 * devicePixelRatio, 5 * devicePixelRatio]);
  ctx.font = `${13 * devicePixelRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  for (const t of thresholds) {
    const y = u.valToPos(t.value, 'y', true);
    if (y < bbox.top || y > bbox.top + bbox.height) continue;
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    ctx.fillText(t.label, bbox.left + 6 * devicePixelRatio, y - 2 * devicePixelRatio);
  }
  ctx.restore();
}

/** Item-9 answers above 0: a triangle with its answer above the point, in words as well as shape. */
function drawMarkers(u: uPlot, spec: ChartSpec): void {
  const { ctx } = u;
  const values = spec.series[0]?.values ?? [];
  ctx.save();
  ctx.fillStyle = '#7b1fa2';
  ctx.font = `bold ${12 * devicePixelRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  const r = 7 * devicePixelRatio;
  for (const marker of spec.markers ?? []) {
    const value = values[marker.index];
    if (value === null || value === undefined) continue;
    const cx = u.valToPos(spec.x[marker.index] / 1000, 'x', true);
    const cy = u.valToPos(value, 'y', true) - 10 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(cx, cy - r);
    ctx.lineTo(cx - r, cy + r * 0.7);
    ctx.lineTo(cx + r, cy + r * 0.7);
    ctx.closePath();
    ctx.fill();
    ctx.fillText(marker.label, cx, cy - r - 2 * devicePixelRatio);
  }
  ctx.restore();
}

function keyboardCursor(plot: HTMLElement, chart: uPlot, spec: ChartSpec): void {
  let index = spec.x.length - 1;
  const show = () => {
    const left = chart.valToPos(spec.x[index] / 1000, 'x');
    const first = spec.series.find((s) => s.values[index] !== null);
    const top = first ? chart.valToPos(first.values[index] as number, 'y') : 0;
    chart.setCursor({ left, top });
    const row = spec.table.rows[index];
    const words = row ? spec.table.headers.map((header, i) => `${header}: ${row[i]}`).join(', ') : '';
    announce(words);
  };
  plot.addEventListener('keydown', (event) => {
    const key = (event as KeyboardEvent).key;
    if (key === 'ArrowRight') index = Math.min(spec.x.length - 1, index + 1);
    else if (key === 'ArrowLeft') index = Math.max(0, index - 1);
    else if (key === 'Home') index = 0;
    else if (key === 'End') index = spec.x.length - 1;
    else return;
    event.preventDefault();
    show();
  });
  plot.addEventListener('focus', show);
}
