/**
 * The report's three charts as Vega-Lite specs (data inline, non-finite values left out), and their
 * SVG rendered by vega-svg.ts:
 *   lossSpec       kd_loss, ce_loss and the total against training tokens, validation CE dashed with dots
 *   agreementSpec  top-1 agreement with the teacher by window position, per graph (baseline dashed)
 *   fp32Int8Spec   perplexity, agreement, KL and decode speed of fp32 and int8, one panel (y scale) each
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EvalResult, VariantEval } from '../evaluate/index.ts';
import { lineSpec, SCHEMA, seriesRows } from './line-spec.ts';
import type { TrainLog } from './train-log.ts';
import { renderVegaLite } from './vega-svg.ts';

/** kd_loss, ce_loss and the total against training tokens, validation CE dashed with a dot per evaluation. */
export function lossSpec(log: TrainLog): TopLevelSpec {
  const p = log.progress;
  const rows = seriesRows([
    { name: 'total loss', points: p.map((x) => [x.tokens, x.loss] as const) },
    { name: 'kd_loss', points: p.map((x) => [x.tokens, x.kdLoss] as const) },
    { name: 'ce_loss', points: p.map((x) => [x.tokens, x.ceLoss] as const) },
    { name: 'validation CE', points: log.val.map((v) => [v.tokens ?? Number.NaN, v.valLoss] as const), dots: true },
  ]);
  const names = ['total loss', 'kd_loss', 'ce_loss', 'validation CE'];
  return lineSpec({
    title: 'Training loss',
    xTitle: 'training tokens',
    yTitle: 'loss (nats per token)',
    xFormat: '~s',
    zero: false,
    rows,
    names,
    dashed: ['validation CE'],
  });
}

const midpoints = (v: VariantEval) =>
  v.agreementByPosition.map((b) => [(b.fromPosition + b.toPosition) / 2, b.agreement === null ? null : 100 * b.agreement] as const);

/** Top-1 agreement with the teacher by position in the window, per graph (baseline fp32 dashed). */
export function agreementSpec(e: EvalResult, baseline: EvalResult | null): TopLevelSpec {
  const series = [{ name: 'student fp32', points: midpoints(e.variants.fp32), dots: true }];
  if (e.variants.int8) series.push({ name: 'student int8', points: midpoints(e.variants.int8), dots: true });
  const baseName = baseline ? `baseline ${baseline.student.id.split('@')[1] ?? ''}`.trim() : null;
  if (baseline && baseName) series.push({ name: baseName, points: midpoints(baseline.variants.fp32), dots: true });
  return lineSpec({
    title: `Top-1 agreement with ${e.teacher.id} by position`,
    xTitle: `position in the ${e.testSplit.contextLength}-token window (bucket midpoint)`,
    yTitle: 'agreement (%)',
    zero: true,
    rows: seriesRows(series),
    names: series.map((s) => s.name),
    dashed: baseName ? [baseName] : [],
  });
}

export const GRAPHS = ['fp32 model.onnx', 'int8 model.int8.onnx'];

/** fp32 against int8: one bar panel per metric, each its own y scale from 0; an unmeasured bar reads n/a. */
export function fp32Int8Spec(e: EvalResult): TopLevelSpec {
  const graphs = [e.variants.fp32, e.variants.int8];
  const panels: [string, (v: VariantEval) => number, number][] = [
    ['test perplexity', (v) => v.testPerplexity, 1],
    ['agreement (%)', (v) => 100 * v.teacherTop1Agreement, 1],
    ['KL (nats/token)', (v) => v.teacherKlNats, 3],
    ['decode tokens/s', (v) => v.decode.tokensPerS, 0],
  ];
  const rows = panels.flatMap(([metric, pick, decimals]) =>
    graphs.map((v, g) => {
      const value = v && Number.isFinite(pick(v)) ? pick(v) : null;
      return { metric, graph: GRAPHS[g], value, labelY: value ?? 0, label: value === null ? 'n/a' : value.toFixed(decimals) };
    }),
  );
  const y = (field: string, max: number) => ({ field, type: 'quantitative', title: null, scale: { domainMax: max } }) as const;
  return {
    $schema: SCHEMA,
    title: `fp32 vs int8 in ${e.variants.fp32.runtime} (1 thread)`,
    data: { values: rows },
    hconcat: panels.map(([metric]) => {
      // headroom above the tallest bar for its label
      const max = 1.15 * Math.max(0, ...rows.filter((r) => r.metric === metric).map((r) => r.value ?? 0)) || 1;
      return {
        title: { text: metric, fontSize: 12, anchor: 'middle' },
        width: 110,
        height: 220,
        transform: [{ filter: { field: 'metric', equal: metric } }],
        encoding: { x: { field: 'graph', type: 'nominal', sort: GRAPHS, axis: null } },
        layer: [
          {
            mark: 'bar',
            encoding: { y: y('value', max), color: { field: 'graph', type: 'nominal', sort: GRAPHS, scale: { domain: GRAPHS } } },
          },
          { mark: { type: 'text', dy: -7, fontSize: 11 }, encoding: { y: y('labelY', max), text: { field: 'label' } } },
        ],
      };
    }),
  };
}

/** The loss chart's SVG. */
export const lossChart = (log: TrainLog): Promise<string> => renderVegaLite(lossSpec(log));
/** The agreement-by-position chart's SVG. */
export const agreementChart = (e: EvalResult, baseline: EvalResult | null): Promise<string> => renderVegaLite(agreementSpec(e, baseline));
/** The fp32-vs-int8 chart's SVG. */
export const fp32Int8Chart = (e: EvalResult): Promise<string> => renderVegaLite(fp32Int8Spec(e));
