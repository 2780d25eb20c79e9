/**
 * The distillation run's report: `<runDir>/report.md` and its charts `<runDir>/charts/*.svg`
 * (referenced relatively, so the folder can be moved or committed as is):
 *   charts/loss.svg                   kd_loss, ce_loss, total and validation CE vs training tokens
 *   charts/agreement-by-position.svg  top-1 agreement with the teacher by window position
 *   charts/fp32-vs-int8.svg           perplexity, agreement, KL and decode speed of both graphs
 * and Markdown tables of every metric beside the baseline's (e.g. the cross-entropy student or the
 * live version), the stages, and sample continuations. The charts are Vega-Lite specs (charts.ts)
 * rendered headlessly to SVG by Vega (vega-svg.ts). All files are written atomically.
 */
import { join } from 'node:path';
import type { EvalResult } from '../evaluate/index.ts';
import { writeFileAtomic } from '../runner/files.ts';
import { agreementChart, fp32Int8Chart, lossChart } from './charts.ts';
import { metricsTable, type ReportStage, samplesTable, stagesTable } from './tables.ts';
import { readTrainLog, type TrainLog } from './train-log.ts';

export type { ReportStage } from './tables.ts';
export { parseTrainLog, type TrainLog } from './train-log.ts';

export interface ReportOptions {
  runDir: string;
  evaluation: EvalResult;
  /** Shown beside the evaluation (same test slice and prompts for the numbers to compare). */
  baseline?: EvalResult | null;
  /** The trainer's JSON-line log (distill.py `<out>/log.jsonl`); missing → no loss chart. */
  trainLogPath: string;
  /** The job's stages in order (the stage runner's records fit). */
  stages: readonly ReportStage[];
}

export const CHART_FILES = {
  loss: 'charts/loss.svg',
  agreement: 'charts/agreement-by-position.svg',
  fp32Int8: 'charts/fp32-vs-int8.svg',
} as const;

/** Writes the report and its charts. @returns the path of report.md */
export async function writeReport(o: ReportOptions): Promise<string> {
  const e = o.evaluation;
  const baseline = o.baseline ?? null;
  const log = await readTrainLog(o.trainLogPath);
  const hasLoss = log.progress.length > 0 || log.val.length > 0;
  if (hasLoss) await writeFileAtomic(join(o.runDir, CHART_FILES.loss), await lossChart(log));
  await writeFileAtomic(join(o.runDir, CHART_FILES.agreement), await agreementChart(e, baseline));
  await writeFileAtomic(join(o.runDir, CHART_FILES.fp32Int8), await fp32Int8Chart(e));
  const path = join(o.runDir, 'report.md');
  await writeFileAtomic(path, markdown(o, log, hasLoss));
  return path;
}

function markdown(o: ReportOptions, log: TrainLog, hasLoss: boolean): string {
  const e = o.evaluation;
  const b = o.baseline ?? null;
  const t = e.testSplit;
  const f = e.variants.fp32;
  const i8 = e.variants.int8;
  const speed = i8
    ? `Fastest decoding in ${f.runtime}: **${e.fastest}** (fp32 ${f.decode.tokensPerS.toFixed(0)} tokens/s, int8 ${i8.decode.tokensPerS.toFixed(0)} tokens/s, ${f.decode.rounds} rounds of ${f.decode.stepsPerRound} steps, median).`
    : `No int8 graph; fp32 decodes at ${f.decode.tokensPerS.toFixed(0)} tokens/s in ${f.runtime}.`;
  return [
    `# Distillation report: ${e.student.id}`,
    '',
    `Teacher \`${e.teacher.id}\` (${e.teacher.runtime}); student run as the edge runs it (${f.runtime}, 1 thread). ` +
      `Evaluated ${e.finishedAt} in ${(e.elapsedMs / 1000).toFixed(1)} s by \`${e.command}\`.`,
    '',
    '## Stages',
    '',
    o.stages.length ? stagesTable(o.stages) : '_No stages recorded._',
    '',
    '## Student against teacher',
    '',
    `Test split: the first ${t.tokens.toLocaleString('en-US')} of ${t.fileTokens.toLocaleString('en-US')} tokens of \`${t.path}\` ` +
      `(sha256 \`${t.sha256.slice(0, 12)}…\`), ${t.predictedTokens.toLocaleString('en-US')} predicted in ${t.windows} windows of ${t.contextLength}. ` +
      `Greedy continuations: ${f.greedy.prompts} held-out prompts, ${f.greedy.continuationTokens} tokens each (cut at end of text); ` +
      'BLEU-4 and ROUGE-L on words, ×100. KL in nats over the full vocabulary.',
    '',
    metricsTable(e, b),
    '',
    `The teacher on the same tokens: perplexity ${e.teacherScores.testPerplexity.toFixed(2)}, top-1 accuracy ${(100 * e.teacherScores.testTop1Accuracy).toFixed(1)} %.`,
    speed,
    ...(b && b.testSplit.sha256 !== t.sha256
      ? ['', '**Note:** the baseline was measured on other test tokens: its numbers do not compare.']
      : []),
    '',
    '## Training',
    '',
    hasLoss ? `![Training loss](${CHART_FILES.loss})` : `_No training log entries in \`${o.trainLogPath}\`._`,
    '',
    trainingSummary(log),
    '',
    '## Agreement by position',
    '',
    `![Agreement by position](${CHART_FILES.agreement})`,
    '',
    '## fp32 against int8',
    '',
    `![fp32 vs int8](${CHART_FILES.fp32Int8})`,
    '',
    '## Sample continuations',
    '',
    e.samples.length ? samplesTable(e) : '_No prompts._',
    '',
  ].join('\n');
}

function trainingSummary(log: TrainLog): string {
  const last = log.progress.at(-1);
  const val = log.val.at(-1);
  const parts: string[] = [];
  if (last) {
    const fmt = (v: number | null, d = 4) => (v === null ? '—' : v.toFixed(d));
    parts.push(
      `Last progress entry: step ${last.step}, ${Number.isFinite(last.tokens) ? last.tokens.toLocaleString('en-US') : '?'} tokens, ` +
        `loss ${fmt(last.loss)} (kd ${fmt(last.kdLoss)}, ce ${fmt(last.ceLoss)}), lr ${fmt(last.lr, 6)}, ${fmt(last.tokensPerS, 0)} tokens/s.`,
    );
  }
  if (val) parts.push(`Last validation CE: ${val.valLoss.toFixed(4)} at step ${val.step}.`);
  if (log.badLines) parts.push(`${log.badLines} log lines were not JSON and were skipped.`);
  return parts.join(' ');
}
