/**
 * The report's charts, as Vega-Lite specs rendered to SVG by distill's `renderVegaLite`:
 * - one quality–share chart per measure (every policy a line, random and oracle dashed, the
 *   best cascade's 95 % bootstrap band shaded);
 * - cost per 1,000 requests against q (each policy's curve traced over edge share).
 */
import { lineSpec, renderVegaLite, type SeriesRow, seriesRows } from '@distillgate/distill';
import type { TopLevelSpec } from 'vega-lite';
import type { Metric, PolicyCurves } from './curves.ts';

export const MEASURE_TITLES: Record<Exclude<Metric, 'cost'>, string> = {
  q: 'teacher-judged quality q',
  rouge_l: 'ROUGE-L F1 vs teacher',
  agreement: 'strict agreement (first 16 tokens)',
};

const DASHED = ['random', 'oracle'];

/** Quality of `measure` against edge share, every policy; the band is `bandPolicy`'s interval. */
export function qualitySpec(curves: readonly PolicyCurves[], measure: Exclude<Metric, 'cost'>, bandPolicy: string): TopLevelSpec {
  const names = curves.map((c) => c.name);
  const rows = seriesRows(
    curves.map((c) => ({ name: c.name, points: c.curve[measure].map((e, g) => [c.achieved[g]!, e.value] as const) })),
  );
  const base = lineSpec({
    title: `${MEASURE_TITLES[measure]} vs edge share (eval split)`,
    xTitle: 'share of requests served on the edge',
    yTitle: `${MEASURE_TITLES[measure]} (teacher-only = 1)`,
    xFormat: '.0%',
    zero: false,
    rows,
    names,
    dashed: DASHED,
  }) as TopLevelSpec & { layer: unknown[] };
  const band = curves.find((c) => c.name === bandPolicy);
  if (!band) return base;
  const bandRows = band.curve[measure]
    .map((e, g) => ({ x: band.achieved[g]!, lo: e.lo, hi: e.hi, series: band.name }))
    .filter((r) => Number.isFinite(r.lo) && Number.isFinite(r.hi));
  return {
    ...base,
    layer: [
      {
        data: { values: bandRows },
        mark: { type: 'area', opacity: 0.18 },
        encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      ...base.layer,
    ],
  } as TopLevelSpec;
}

/** Cost per 1,000 requests (x) against q (y), each policy traced over edge share. */
export function costSpec(curves: readonly PolicyCurves[]): TopLevelSpec {
  // `i` keeps each series in share order (x is not monotone in share for every policy)
  const rows = seriesRows(
    curves.map((c) => ({ name: c.name, points: c.curve.q.map((e, g) => [c.curve.cost[g]!.value / 1e6, e.value] as const) })),
  ).map((r, i) => ({ ...r, i })) as (SeriesRow & { i: number })[];
  const spec = lineSpec({
    title: 'quality q vs cost per 1,000 requests (eval split)',
    xTitle: 'USD per 1,000 requests',
    yTitle: 'teacher-judged quality q',
    zero: false,
    rows,
    names: curves.map((c) => c.name),
    dashed: DASHED,
  }) as TopLevelSpec & { layer: { mark: object }[] };
  return {
    ...spec,
    layer: spec.layer.map((l, i) =>
      i === 0 ? { ...l, encoding: { ...(l as { encoding?: object }).encoding, order: { field: 'i' } } } : l,
    ),
  } as TopLevelSpec;
}

export async function renderCharts(curves: readonly PolicyCurves[], bandPolicy: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const m of ['q', 'rouge_l', 'agreement'] as const)
    out[`quality-${m.replace('_', '-')}.svg`] = await renderVegaLite(qualitySpec(curves, m, bandPolicy));
  out['cost-quality.svg'] = await renderVegaLite(costSpec(curves));
  return out;
}
