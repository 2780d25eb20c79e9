/**
 * Two small static SVG charts for the report — a line chart and a row of bar panels — written as
 * plain SVG 1.1 text (no DOM, no canvas, no fonts to load). No chart library is installed in this
 * repository (vega / vega-lite are not), and these two shapes are all the report draws.
 *
 * Axis ticks: "nice numbers" (P. Heckbert, "Nice Numbers for Graph Labels", Graphics Gems, 1990):
 * a step of 1, 2 or 5 × 10^k giving about `count` ticks. Colours: Vega's default categorical scheme
 * `tableau10`, in order.
 */

export const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

const W = 720;
const H = 380;
const M = { top: 40, right: 170, bottom: 50, left: 70 }; // the right margin holds the legend

/** Escapes text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** About `count` round ticks covering [min, max] (Heckbert 1990). */
export function niceTicks(min: number, max: number, count = 5): { ticks: number[]; step: number } {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return { ticks: [0, 1], step: 1 };
  if (max === min) [min, max] = min === 0 ? [0, 1] : [Math.min(0, min * 0.9), Math.max(0, max * 1.1)];
  const nice = (x: number, round: boolean) => {
    const e = 10 ** Math.floor(Math.log10(x));
    const f = x / e;
    const n = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return n * e;
  };
  const step = nice(nice(max - min, false) / Math.max(1, count - 1), true);
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= Math.ceil(max / step) * step + step / 2; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return { ticks, step };
}

/** A tick label: M when the step is ≥ 100,000, k when ≥ 1,000; decimals from the step. */
export function formatTick(v: number, step: number): string {
  const abs = Math.abs(step) || 1;
  const [unit, suffix] = abs >= 1e5 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  const decimals = Math.max(0, -Math.floor(Math.log10(abs / unit)));
  const n = Number((v / unit).toFixed(decimals));
  return n === 0 ? '0' : `${n.toFixed(decimals)}${suffix}`;
}

const text = (x: number, y: number, s: string, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(s)}</text>`;

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    text(M.left, 22, title, 'font-size="15" font-weight="bold"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(names: readonly string[], dashed: readonly boolean[] = []): string[] {
  return names.flatMap((name, i) => {
    const y = M.top + 10 + i * 20;
    const x = W - M.right + 16;
    const dash = dashed[i] ? ' stroke-dasharray="6 4"' : '';
    return [
      `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="3"${dash}/>`,
      text(x + 28, y + 4, name.length > 20 ? `${name.slice(0, 19)}…` : name),
    ];
  });
}

export interface LineSeries {
  name: string;
  /** [x, y] pairs; non-finite values are skipped. */
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
  /** Draw a dot at every point (for sparse series such as validation loss). */
  markers?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Force the y axis to start at this value (e.g. 0 for shares). */
  yMin?: number;
  yMax?: number;
}

export function lineChart(spec: LineChartSpec): string {
  const pts = spec.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const xs = niceTicks(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])), 6);
  const ys = niceTicks(spec.yMin ?? Math.min(...pts.map((p) => p[1])), spec.yMax ?? Math.max(...pts.map((p) => p[1])), 6);
  const [x0, x1] = [xs.ticks[0]!, xs.ticks.at(-1)!];
  const [y0, y1] = [ys.ticks[0]!, ys.ticks.at(-1)!];
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const body: string[] = [];
  for (const t of ys.ticks) {
    body.push(`<line x1="${M.left}" y1="${py(t).toFixed(1)}" x2="${W - M.right}" y2="${py(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    body.push(text(M.left - 6, py(t) + 4, formatTick(t, ys.step), 'text-anchor="end"'));
  }
  for (const t of xs.ticks) body.push(text(px(t), H - M.bottom + 16, formatTick(t, xs.step), 'text-anchor="middle"'));
  body.push(`<path d="M${M.left},${M.top}V${H - M.bottom}H${W - M.right}" fill="none" stroke="#888"/>`);
  body.push(text((M.left + W - M.right) / 2, H - 12, spec.xLabel, 'text-anchor="middle"'));
  body.push(
    text(16, (M.top + H - M.bottom) / 2, spec.yLabel, `text-anchor="middle" transform="rotate(-90 16 ${(M.top + H - M.bottom) / 2})"`),
  );
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const valid = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (valid.length > 1) {
      const d = valid.map(([x, y], k) => `${k ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
      body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    if (s.markers || valid.length === 1) {
      for (const [x, y] of valid) body.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
  });
  body.push(
    ...legend(
      spec.series.map((s) => s.name),
      spec.series.map((s) => !!s.dashed),
    ),
  );
  if (pts.length === 0) body.push(text(W / 2, H / 2, 'no data', 'text-anchor="middle" fill="#888"'));
  return frame(spec.title, body);
}

export interface BarPanel {
  title: string;
  /** One value per group, in `groups` order; null = not measured (no bar). */
  values: readonly (number | null)[];
  /** Label printed above each bar. */
  format: (v: number) => string;
}

export interface BarPanelsSpec {
  title: string;
  /** Legend names, one colour each (e.g. fp32, int8). */
  groups: readonly string[];
  panels: readonly BarPanel[];
}

/** Side-by-side panels, each with its own y scale from 0, one bar per group. */
export function barPanels(spec: BarPanelsSpec): string {
  const body: string[] = [];
  const panelW = (W - M.left - M.right + 40) / Math.max(1, spec.panels.length);
  const plotH = H - M.top - M.bottom - 40; // headroom for the value labels under the panel titles
  spec.panels.forEach((panel, p) => {
    const left = M.left - 40 + p * panelW;
    const max = Math.max(0, ...panel.values.filter((v): v is number => v !== null && Number.isFinite(v)));
    const barW = Math.min(40, (panelW - 30) / Math.max(1, spec.groups.length));
    const base = H - M.bottom;
    body.push(text(left + panelW / 2, M.top + 4, panel.title, 'text-anchor="middle" font-weight="bold"'));
    body.push(`<line x1="${left + 8}" y1="${base}" x2="${left + panelW - 8}" y2="${base}" stroke="#888"/>`);
    panel.values.forEach((v, g) => {
      const x = left + (panelW - barW * spec.groups.length) / 2 + g * barW;
      if (v === null || !Number.isFinite(v)) {
        body.push(text(x + barW / 2, base - 4, 'n/a', 'text-anchor="middle" fill="#888" font-size="10"'));
        return;
      }
      const h = max > 0 ? (v / max) * plotH : 0;
      body.push(
        `<rect x="${(x + 2).toFixed(1)}" y="${(base - h).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[g % PALETTE.length]}"/>`,
      );
      body.push(text(x + barW / 2, base - h - 4, panel.format(v), 'text-anchor="middle" font-size="10"'));
    });
  });
  body.push(...legend(spec.groups));
  return frame(spec.title, body);
}
