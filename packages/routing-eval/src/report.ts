/**
 * Writes the evaluation's outputs into one folder (docs/routing-eval by default): REPORT.md, the
 * chart SVGs, summary.json (every number of the report) and learned-router.json (the trained model,
 * for config `routing.aliases.<alias>.learned.model`). Every figure in the text comes from the
 * analysis passed in; nothing here is a measured value.
 */
import { join } from 'node:path';
import { cell, quoted, table, writeFileAtomic, writeJsonAtomic } from '@distillgate/distill';
import type { Analysis } from './analyze.ts';
import { REPORT_SHARES } from './analyze.ts';
import { MEASURE_TITLES, renderCharts } from './charts.ts';
import { PRICE_SOURCES, type Prices } from './costs.ts';
import { type Estimate, gridIndex, type Metric, QUALITY_METRICS } from './curves.ts';
import { cascadeName } from './policies.ts';
import type { PairRecord } from './record.ts';
import type { ThroughputResult } from './throughput.ts';

export interface RunInfo {
  command: string;
  runDir: string;
  startedAt: string;
  elapsedMs: number;
  /** Wall time spent measuring (models running), summed over every stretch of the run. */
  measureMs: number;
  promptSource: string;
  promptSetSha256: string;
  studentModel: string;
  teacherModel: string;
  maxTokens: number;
  probeTokens: number;
  resamples: number;
  seed: number;
  prices: Prices;
  throughput: ThroughputResult;
}

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const est = (e: Estimate, f = f3) => `${f(e.value)} [${f(e.lo)}, ${f(e.hi)}]`;
const usd = (microUsd: number) => `$${(microUsd / 1e6).toFixed(microUsd < 1e4 ? 5 : 4)}`;
const minutes = (ms: number) => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

function shareTable(a: Analysis, metric: Metric): string {
  const fmt = metric === 'cost' ? (e: Estimate) => `${usd(e.value)} [${usd(e.lo)}, ${usd(e.hi)}]` : (e: Estimate) => est(e);
  const rows = a.curves.map((c) => [
    cell(c.name === cascadeName(a.bestSignal.signal) ? `**${c.name}** (best)` : c.name),
    ...REPORT_SHARES.map((s) => {
      const g = gridIndex(c.grid, s);
      const short = c.achieved[g]! < s - 1e-6 ? ` (share ${c.achieved[g]!.toFixed(2)})` : '';
      return `${fmt(c.curve[metric][g]!)}${short}`;
    }),
  ]);
  return table(['policy', ...REPORT_SHARES.map((s) => `s = ${s.toFixed(1)}`)], rows);
}

function aucTable(a: Analysis): string {
  return table(
    ['policy', ...QUALITY_METRICS.map((m) => `AUC ${MEASURE_TITLES[m]}`), `max share with q ≥ ${a.target.target}`],
    a.curves.map((c) => [cell(c.name), ...QUALITY_METRICS.map((m) => est(c.auc[m])), pct(a.target.maxShareAtTarget[c.name] ?? 0)]),
  );
}

function operatingTable(a: Analysis): string {
  return table(
    [
      'policy',
      'threshold',
      'train: edge share / q',
      'eval edge share',
      'eval q',
      'eval ROUGE-L',
      'eval agreement',
      'cost / 1,000',
      'vs teacher-only',
    ],
    a.operatingPoints.map((p) => [
      cell(p.policy),
      Number.isFinite(p.threshold) ? p.threshold.toPrecision(4) : '+∞ (all to teacher)',
      `${pct(p.train.edgeShare)} / ${f3(p.train.q)}`,
      est(p.eval.edgeShare),
      est(p.eval.q),
      est(p.eval.rouge_l),
      est(p.eval.agreement),
      `${usd(p.eval.cost.value)} [${usd(p.eval.cost.lo)}, ${usd(p.eval.cost.hi)}]`,
      pct(p.eval.cost.value / a.cost.teacherOnlyPer1kMicroUsd),
    ]),
  );
}

function kSweepTable(a: Analysis): string {
  const { ks, eval: aucs, bestOnTrain } = a.kSweep;
  return table(
    ['signal', ...ks.map((k) => `K = ${k}`)],
    Object.entries(aucs).map(([signal, row]) => [
      signal,
      ...row.map((v, i) => (signal === bestOnTrain.signal && ks[i] === bestOnTrain.probeTokens ? `**${f3(v)}**` : f3(v))),
    ]),
  );
}

/** The verdict and, when not met, what limits it — every clause computed from the numbers. */
function verdict(a: Analysis): string {
  const t = a.target;
  const lines: string[] = [];
  lines.push(`**Target ${t.met ? 'met' : 'not met'}.**`);
  for (const p of t.operatingPoints) {
    lines.push(
      `- ${p.policy} at its calibrated threshold: eval q ${est(p.q)} (${p.q.value >= t.target ? '≥' : '<'} ${t.target}), edge share ${pct(p.edgeShare.value)} (${p.edgeShare.value >= t.edgeShare ? '≥' : '<'} ${pct(t.edgeShare)}), cost ${pct(p.costRatio)} of teacher-only (${p.costRatio <= t.costRatio ? '≤' : '>'} ${pct(t.costRatio)}) → ${p.met ? 'met' : 'not met'}.`,
    );
  }
  const fails = QUALITY_METRICS.filter((m) => t.cascadeVsRandomFailures[m].length > 0);
  lines.push(
    fails.length === 0
      ? `- ${cascadeName(a.bestSignal.signal)}: at every share 0.1…0.9 its 95 % interval lies above the random baseline's mean on all three measures.`
      : `- ${cascadeName(a.bestSignal.signal)} vs random: its interval does not lie above the random mean at ${fails.map((m) => `${MEASURE_TITLES[m]}: s = ${t.cascadeVsRandomFailures[m].map((s) => s.toFixed(1)).join(', ')}`).join('; ')}.`,
  );
  if (t.met) return lines.join('\n');
  const oracleShare = t.maxShareAtTarget.oracle ?? 0;
  const cascadeShare = t.maxShareAtTarget[cascadeName(a.bestSignal.signal)] ?? 0;
  const costAtTargetShare = t.edgeShare * a.cost.edgeOnlyPer1kMicroUsd + (1 - t.edgeShare) * a.cost.teacherOnlyPer1kMicroUsd;
  lines.push('', '**What limits it.**');
  lines.push(
    `- Student quality: mean q of the student's own answers is ${f3(a.means.q)} (ROUGE-L ${f3(a.means.rouge_l)}, strict agreement ${pct(a.means.agreement)}). Even the oracle, which knows each answer's q, keeps q ≥ ${t.target} only up to ${pct(oracleShare)} of requests on the edge${oracleShare < t.edgeShare ? ' — below the target share, so no router can meet it with this student' : ''}.`,
  );
  lines.push(
    `- Confidence signal: the best cascade (${a.bestSignal.signal}, K = ${a.bestSignal.probeTokens}) reaches q ≥ ${t.target} up to ${pct(cascadeShare)} (oracle ${pct(oracleShare)}); its q-AUC is ${f3(a.curves.find((c) => c.name === cascadeName(a.bestSignal.signal))!.auc.q.value)} against random ${f3(a.curves.find((c) => c.name === 'random')!.auc.q.value)} and oracle ${f3(a.curves.find((c) => c.name === 'oracle')!.auc.q.value)}.`,
  );
  lines.push(
    `- Cost: with the measured prices an edge request costs ${pct(a.cost.edgeOnlyPer1kMicroUsd / a.cost.teacherOnlyPer1kMicroUsd)} of a teacher request, so ${pct(t.edgeShare)} on the edge costs at least ${pct(costAtTargetShare / a.cost.teacherOnlyPer1kMicroUsd)} of teacher-only (cascade drafts add to it); the ${pct(t.costRatio)} bound needs roughly ${pct(Math.min(1, (1 - t.costRatio) / Math.max(1e-9, 1 - a.cost.edgeOnlyPer1kMicroUsd / a.cost.teacherOnlyPer1kMicroUsd)))} on the edge.`,
  );
  lines.push(
    '- What would move it: a stronger student (more distillation tokens, a larger d or more layers, distilling on prompts like these), which raises the oracle share first; a better confidence signal (a calibrated probe trained on student hidden states or on the draft plus prompt features, or a longer K where drafts are long); and a cheaper edge request (fewer CPU-ms: int8 through MatMulInteger, shorter drafts) for the cost bound.',
  );
  return lines.join('\n');
}

function samplesTable(records: readonly PairRecord[]): string {
  const picks = [...records].sort((x, y) => x.quality.q - y.quality.q);
  const chosen = [picks[0], picks[Math.floor(picks.length / 2)], picks.at(-1)].filter((r): r is PairRecord => !!r);
  return table(
    ['prompt', 'student', 'teacher', 'q', 'ROUGE-L', 'agree'],
    chosen.map((r) => [
      quoted(r.prompt.slice(0, 120)),
      quoted(r.student.text),
      quoted(r.teacher.text),
      f3(r.quality.q),
      f3(r.quality.rougeL),
      String(r.quality.agreement),
    ]),
  );
}

export function renderReport(a: Analysis, run: RunInfo, evalRecords: readonly PairRecord[]): string {
  const tp = run.throughput;
  return `# Routing evaluation

Produced by \`${run.command}\` on ${run.startedAt} (run folder \`${run.runDir}\`). Measuring (both models over every prompt, then the teacher's throughput) took ${minutes(run.measureMs)} of wall time in total; this invocation took ${minutes(run.elapsedMs)}. Every number below is measured by that command; rerun it to reproduce (collection resumes from the run folder).

- Models: student \`${run.studentModel}\` (onnxruntime-web, WASM, 1 thread, as the edge runs it), teacher \`${run.teacherModel}\` (onnxruntime-node, CPU, 1 intra-op thread). T = 0, M = ${run.maxTokens} tokens, K = ${run.probeTokens}.
- Prompts: ${run.promptSource}; ${a.counts.train} train (learned router, calibration, signal choice) + ${a.counts.eval} eval prompts, split per document by hash. Set sha256 \`${run.promptSetSha256}\`.${a.splitsOverlap ? ' **The train split was empty: train = eval (a tiny prompt file); fitted numbers are in-sample.**' : ''}
- Quality relative to teacher-only answers (teacher = 1): strict agreement (first 16 tokens identical), ROUGE-L F1 on words, teacher-judged q = exp(mean teacher logprob of the served answer) / exp(mean teacher logprob of its own greedy answer), capped at 1. At edge share s the s·n highest-scored eval requests are served by the student, the rest by the teacher.
- Intervals: 95 % percentile bootstrap over eval prompts, ${run.resamples} resamples, seed ${run.seed}, paired across policies.

## Target check
Target: at q ≥ ${a.target.target}, ≥ ${pct(a.target.edgeShare)} of requests on the edge and cost per 1,000 ≤ ${pct(a.target.costRatio)} of teacher-only; at shares 0.1–0.9 the cascade's interval above the random baseline's mean on all three measures.

${verdict(a)}

## Quality at edge shares (eval, ${a.counts.eval} prompts)
Value [95 % interval]. Best cascade signal (chosen on the train split by q-AUC at K = ${a.bestSignal.probeTokens}): **${a.bestSignal.signal}**. A policy whose scores cover fewer requests (empty drafts always escalate) shows the share it reached.

### ${MEASURE_TITLES.q}
${shareTable(a, 'q')}

![q vs edge share](quality-q.svg)

### ${MEASURE_TITLES.rouge_l}
${shareTable(a, 'rouge_l')}

![ROUGE-L vs edge share](quality-rouge-l.svg)

### ${MEASURE_TITLES.agreement}
${shareTable(a, 'agreement')}

![agreement vs edge share](quality-agreement.svg)

### Cost per 1,000 requests
${shareTable(a, 'cost')}

![q vs cost](cost-quality.svg)

## Area under the quality–share curve
Trapezoid over shares 0, 0.01, …, 1 (teacher-only = 1.0; random = (1 + mean)/2).

${aucTable(a)}

## Operating point chosen by calibration
Router \`calibrateThreshold\` on the train split (weights 1, measure q, target ${a.target.target}); the threshold is applied unchanged to the eval split.

${operatingTable(a)}

## Costs
| quantity | value |
|---|---|
| Workers Standard, per million requests | $${run.prices.workersUsdPerMillionRequests} ([source](${PRICE_SOURCES.workers})) |
| Workers Standard, per million CPU-ms | $${run.prices.workersUsdPerMillionCpuMs} (same source) |
| GPU pool, per GPU-hour | $${run.prices.gpuUsdPerHour} (${PRICE_SOURCES.gpu}) |
| teacher throughput, batched (maxBatch 16, ${tp.concurrency} concurrent, ${tp.requests} requests of ≤ ${tp.maxTokens} tokens) | ${tp.tokensPerS.toFixed(0)} tokens/s (${tp.completionTokens} tokens in ${(tp.wallMs / 1000).toFixed(1)} s, **measured on this 2-core CPU with onnxruntime-node, not on a GPU**) |
| student CPU per request (process CPU time around the sequential generation) | ${a.cost.studentCpuMsPerRequest.toFixed(1)} ms |
| teacher per request | ${a.cost.teacherTokensPerRequest.toFixed(1)} tokens = ${(a.cost.teacherSecondsPerRequest * 1000).toFixed(1)} ms at the measured throughput |
| **compute ratio** teacher ms / student CPU-ms per request | **${a.cost.computeRatio.toFixed(2)}** |
| teacher-only, per 1,000 requests | ${usd(a.cost.teacherOnlyPer1kMicroUsd)} |
| edge-only, per 1,000 requests | ${usd(a.cost.edgeOnlyPer1kMicroUsd)} |

Per request: edge = request fee + student CPU-ms × CPU price; teacher = request fee + teacher tokens / throughput × GPU price; a cascade escalation pays the request fee, the K-token draft's CPU-ms and the teacher. The teacher's throughput is a CPU figure priced at a GPU-hour: a real GPU serves this 6M-parameter teacher far faster, which makes teacher requests cheaper and the edge's saving smaller. To re-price, scale the teacher's share of each cost by (this throughput / your pool's tokens/s) × (your $/GPU-hour / $${run.prices.gpuUsdPerHour}); flags \`--gpu-usd-per-hour\` and \`--teacher-tokens-per-s\` recompute the report from the stored records.

## Cascade signals and K
q-AUC on the eval split per signal and K (recomputed offline from the stored per-step confidences); bold: the (signal, K) with the best q-AUC on the train split (${a.kSweep.bestOnTrain.signal}, K = ${a.kSweep.bestOnTrain.probeTokens}). The curves above use K = ${a.bestSignal.probeTokens} (config \`routing.aliases.<alias>.cascade.probeTokens\`).

${kSweepTable(a)}

## Learned router
Logistic regression on prompt features (router \`trainLearnedRouter\`, soft labels q) fitted on the ${a.counts.train} train prompts; the model is \`learned-router.json\` beside this report (paste it into config \`routing.aliases.auto.learned.model\`). Its curve is the \`learned\` row above; compare with \`rules\` (prompt length alone) and \`random\`.

## Examples (eval: lowest, median and highest q)
${samplesTable(evalRecords)}

## Notes
- q rewards whatever the teacher finds likely, repetitive text included: a student answer that loops on a phrase the teacher also favours can score q = 1 while ROUGE-L and agreement are low. Read the three measures together.
- Ties in a score (many prompts share a length) keep input order; at a share boundary inside a record the record is split (randomised routing), so curves are exact at every share.
- The best signal is chosen on the train split, the operating points are calibrated on it, and every reported number comes from the eval split. The \`max share with q ≥ target\` column reads the eval curve itself (in-sample, optimistic); the operating-point table is the out-of-sample figure.
`;
}

/** Writes REPORT.md, the charts, summary.json and learned-router.json into `outDir`. */
export async function writeReport(outDir: string, a: Analysis, run: RunInfo, evalRecords: readonly PairRecord[]): Promise<void> {
  const charts = await renderCharts(a.curves, cascadeName(a.bestSignal.signal));
  for (const [name, svg] of Object.entries(charts)) await writeFileAtomic(join(outDir, name), svg);
  await writeFileAtomic(join(outDir, 'REPORT.md'), renderReport(a, run, evalRecords));
  await writeJsonAtomic(join(outDir, 'learned-router.json'), a.learnedModel);
  const round = (_k: string, v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(6)) : String(v)) : v);
  // curves at shares 0, 0.05, …, 1 (the full 0.01 grid is what the charts and AUCs use)
  const curves = a.curves.map((c) => {
    const at = c.grid.flatMap((s, g) => (Math.round(s * 100) % 5 === 0 ? [g] : []));
    return {
      name: c.name,
      auc: c.auc,
      points: at.map((g) => ({
        share: c.grid[g],
        achievedShare: c.achieved[g],
        ...Object.fromEntries(Object.entries(c.curve).map(([m, e]) => [m, e[g]])),
      })),
    };
  });
  const summary = { run, analysis: { ...a, curves, learnedModel: 'learned-router.json' } };
  await writeFileAtomic(join(outDir, 'summary.json'), `${JSON.stringify(summary, round, 1)}\n`);
}
