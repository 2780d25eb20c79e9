/** The report's three charts, from the training log and the evaluations (svg-chart.ts draws them). */
import type { EvalResult, VariantEval } from '../evaluate/index.ts';
import { barPanels, type LineSeries, lineChart } from './svg-chart.ts';
import type { TrainLog } from './train-log.ts';

/** kd_loss, ce_loss and the total against training tokens, validation CE as dots. */
export function lossChart(log: TrainLog): string {
  const p = log.progress;
  const series: LineSeries[] = [
    { name: 'total loss', points: p.map((x) => [x.tokens, x.loss ?? Number.NaN] as const) },
    { name: 'kd_loss', points: p.map((x) => [x.tokens, x.kdLoss ?? Number.NaN] as const) },
    { name: 'ce_loss', points: p.map((x) => [x.tokens, x.ceLoss ?? Number.NaN] as const) },
    { name: 'validation CE', points: log.val.map((v) => [v.tokens ?? Number.NaN, v.valLoss] as const), markers: true, dashed: true },
  ];
  return lineChart({
    title: 'Training loss',
    xLabel: 'training tokens',
    yLabel: 'loss (nats per token)',
    series: series.filter((s) => s.points.some(([x, y]) => Number.isFinite(x) && Number.isFinite(y))),
  });
}

const midpoints = (v: VariantEval) =>
  v.agreementByPosition.map((b) => [(b.fromPosition + b.toPosition) / 2, b.agreement === null ? Number.NaN : 100 * b.agreement] as const);

/** Top-1 agreement with the teacher by position in the window, per graph (baseline dashed). */
export function agreementChart(e: EvalResult, baseline: EvalResult | null): string {
  const series: LineSeries[] = [{ name: 'student fp32', points: midpoints(e.variants.fp32), markers: true }];
  if (e.variants.int8) series.push({ name: 'student int8', points: midpoints(e.variants.int8), markers: true });
  if (baseline)
    series.push({
      name: `baseline ${baseline.student.id.split('@')[1] ?? ''}`.trim(),
      points: midpoints(baseline.variants.fp32),
      dashed: true,
      markers: true,
    });
  return lineChart({
    title: `Top-1 agreement with ${e.teacher.id} by position`,
    xLabel: `position in the ${e.testSplit.contextLength}-token window (bucket midpoint)`,
    yLabel: 'agreement (%)',
    series,
    yMin: 0,
  });
}

/** fp32 against int8: perplexity, agreement, KL, decode speed (each its own scale). */
export function fp32Int8Chart(e: EvalResult): string {
  const v = [e.variants.fp32, e.variants.int8];
  const pick = (f: (x: VariantEval) => number) => v.map((x) => (x ? f(x) : null));
  return barPanels({
    title: `fp32 vs int8 in ${e.variants.fp32.runtime} (1 thread)`,
    groups: ['fp32 model.onnx', 'int8 model.int8.onnx'],
    panels: [
      { title: 'test perplexity', values: pick((x) => x.testPerplexity), format: (n) => n.toFixed(1) },
      { title: 'agreement (%)', values: pick((x) => 100 * x.teacherTop1Agreement), format: (n) => n.toFixed(1) },
      { title: 'KL (nats/token)', values: pick((x) => x.teacherKlNats), format: (n) => n.toFixed(3) },
      { title: 'decode tokens/s', values: pick((x) => x.decode.tokensPerS), format: (n) => n.toFixed(0) },
    ],
  });
}
