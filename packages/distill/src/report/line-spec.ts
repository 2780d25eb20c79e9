/**
 * The report's line charts as one Vega-Lite spec shape: a colour per series, chosen series dashed,
 * dots on sparse series (and on any series with a single point, which draws no line). Points whose x
 * or y is missing or not finite are left out of the data, so Vega never sees NaN.
 */
import type { TopLevelSpec } from 'vega-lite';

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const SOLID = [1, 0];
const DASHED = [6, 4];

/** One point of a line series; `dot` marks it (sparse series, or one with a single point). */
export interface SeriesRow {
  x: number;
  y: number;
  series: string;
  dot: boolean;
}

/** Rows from [x, y] pairs per series, dropping non-finite pairs. */
export function seriesRows(series: readonly { name: string; points: readonly (readonly [number, number | null])[]; dots?: boolean }[]) {
  return series.flatMap((s) => {
    const valid = s.points.filter((p): p is [number, number] => Number.isFinite(p[0]) && p[1] !== null && Number.isFinite(p[1]));
    return valid.map(([x, y]) => ({ x, y, series: s.name, dot: !!s.dots || valid.length === 1 }) satisfies SeriesRow);
  });
}

/** A line chart of `rows`: one colour per series (in `names` order), the `dashed` ones dashed, dots where `dot`. */
export function lineSpec(o: {
  title: string;
  xTitle: string;
  yTitle: string;
  xFormat?: string;
  zero: boolean;
  rows: SeriesRow[];
  names: string[];
  dashed: string[];
}): TopLevelSpec {
  const names = o.names.filter((n) => o.rows.some((r) => r.series === n));
  const domain = names.length ? { domain: names } : {};
  const unit = o.rows.length ? {} : { domain: [0, 1] }; // no data: still a readable, finite frame
  return {
    $schema: SCHEMA,
    title: o.rows.length ? o.title : { text: o.title, subtitle: 'no data' },
    width: 520,
    height: 280,
    data: { values: o.rows },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle, scale: unit, axis: o.xFormat ? { format: o.xFormat } : {} },
      y: { field: 'y', type: 'quantitative', title: o.yTitle, scale: { zero: o.zero, ...unit } },
      color: { field: 'series', type: 'nominal', sort: names, scale: domain, legend: { symbolType: 'stroke', symbolStrokeWidth: 3 } },
    },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          strokeDash: {
            field: 'series',
            type: 'nominal',
            sort: names,
            scale: { ...domain, range: names.map((n) => (o.dashed.includes(n) ? DASHED : SOLID)) },
          },
        },
      },
      { transform: [{ filter: { field: 'dot', equal: true } }], mark: { type: 'point', filled: true, size: 36, opacity: 1 } },
    ],
  };
}
