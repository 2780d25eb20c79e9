/** Markdown pieces of the report: the metric table beside the baseline, stages, samples. */
import type { EvalResult, VariantEval } from '../evaluate/index.ts';

/** A table cell: pipes escaped (GFM tables), newlines shown as ⏎. */
export const cell = (s: string) => s.replaceAll('|', '\\|').replace(/\r?\n/g, ' ⏎ ');

/** Model text as a code span (quotes show leading/trailing spaces; backticks replaced). */
export const quoted = (s: string) => `\`${cell(JSON.stringify(s).replaceAll('`', "'"))}\``;

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (r: readonly string[]) => `| ${r.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

interface MetricRow {
  label: string;
  value: (v: VariantEval) => number;
  format: (n: number) => string;
  /** How a difference reads: 'pp' for shares (percentage points), else the metric's own unit. */
  delta: (d: number) => string;
}

const pct = (n: number) => `${(100 * n).toFixed(1)} %`;
const signed = (s: string) => (s.startsWith('-') ? s.replace('-', '−') : `+${s}`);
const pp = (d: number) => `${signed((100 * d).toFixed(1))} pp`;

export const METRIC_ROWS: readonly MetricRow[] = [
  { label: 'test perplexity', value: (v) => v.testPerplexity, format: (n) => n.toFixed(2), delta: (d) => signed(d.toFixed(2)) },
  { label: 'top-1 accuracy (corpus)', value: (v) => v.testTop1Accuracy, format: pct, delta: pp },
  { label: 'top-1 agreement with teacher', value: (v) => v.teacherTop1Agreement, format: pct, delta: pp },
  {
    label: 'KL(teacher ‖ student), nats/token',
    value: (v) => v.teacherKlNats,
    format: (n) => n.toFixed(4),
    delta: (d) => signed(d.toFixed(4)),
  },
  { label: 'greedy continuations: exact match', value: (v) => v.greedy.exactMatch, format: pct, delta: pp },
  {
    label: 'greedy continuations: matching prefix, tokens',
    value: (v) => v.greedy.meanMatchingPrefixTokens,
    format: (n) => n.toFixed(2),
    delta: (d) => signed(d.toFixed(2)),
  },
  {
    label: 'BLEU-4 vs teacher (corpus)',
    value: (v) => v.greedy.bleu4,
    format: (n) => (100 * n).toFixed(1),
    delta: (d) => signed((100 * d).toFixed(1)),
  },
  {
    label: 'ROUGE-L F1 vs teacher',
    value: (v) => v.greedy.rougeLF1,
    format: (n) => (100 * n).toFixed(1),
    delta: (d) => signed((100 * d).toFixed(1)),
  },
  {
    label: 'decode tokens/s (1 thread)',
    value: (v) => v.decode.tokensPerS,
    format: (n) => n.toFixed(0),
    delta: (d) => signed(d.toFixed(0)),
  },
];

/** Every metric for fp32 and int8, with the baseline's beside them and the fp32 difference. */
export function metricsTable(e: EvalResult, baseline: EvalResult | null): string {
  const cols: [string, VariantEval | null][] = [
    ['student fp32', e.variants.fp32],
    ['student int8', e.variants.int8],
  ];
  if (baseline) cols.push([`baseline fp32 (${baseline.student.id})`, baseline.variants.fp32], ['baseline int8', baseline.variants.int8]);
  const head = ['metric', ...cols.map(([name]) => cell(name)), ...(baseline ? ['Δ fp32 vs baseline'] : [])];
  const rows = METRIC_ROWS.map((r) => [
    r.label,
    ...cols.map(([, v]) => (v ? r.format(r.value(v)) : '—')),
    ...(baseline ? [r.delta(r.value(e.variants.fp32) - r.value(baseline.variants.fp32))] : []),
  ]);
  return table(head, rows);
}

/** A stage as the stage runner records it (runner/stage-runner.ts `StageRecord`), or a plain status. */
export interface ReportStage {
  stage: string;
  complete?: boolean;
  /** Shown instead of complete/incomplete when given (e.g. 'skipped'). */
  status?: string;
  attempts?: number;
  elapsedMs?: number;
  finishedAt?: string;
}

const duration = (ms: number | undefined) =>
  ms === undefined
    ? '—'
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

export function stagesTable(stages: readonly ReportStage[]): string {
  return table(
    ['stage', 'status', 'attempts', 'time', 'finished'],
    stages.map((s) => [
      cell(s.stage),
      cell(s.status ?? (s.complete ? 'complete' : 'incomplete')),
      s.attempts === undefined ? '—' : String(s.attempts),
      duration(s.elapsedMs),
      s.finishedAt ?? '—',
    ]),
  );
}

export function samplesTable(e: EvalResult): string {
  const int8 = e.samples.some((s) => s.studentInt8 !== undefined);
  return table(
    ['prompt', 'teacher', 'student fp32', ...(int8 ? ['student int8'] : [])],
    e.samples.map((s) => [quoted(s.prompt), quoted(s.teacher), quoted(s.student), ...(int8 ? [quoted(s.studentInt8 ?? '')] : [])]),
  );
}
