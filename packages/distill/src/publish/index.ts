/**
 * Publishes an exported, evaluated student into `models/<name>/` (DESIGN.md §3) as a canary, and
 * optionally decides at once whether it replaces the live version.
 *
 * 1. Check the export: every file against manifest.json's sha256s and sizes (refused otherwise),
 *    its `name`, and that the evaluation was of these very graphs (EvalResult.student.modelSha256).
 * 2. Install `<modelsDir>/<name>/<version>/` atomically (temporary folder + rename) with the
 *    evaluation's metrics added to its manifest, each with the command that measured it.
 * 3. Write channels.json atomically: `canary: {version, share}`, `live` kept. With no live version
 *    yet (first publish), the new version goes live directly.
 * 4. `decide: true`: the rule of decision.ts against the live version's evaluation (`baseline`, or
 *    the edge_* metrics recorded in its manifest): promote (canary → live, canary null), roll back
 *    (canary null, then its folder removed), or leave it canary when the two are not comparable.
 * 5. Prune: only the live and canary folders stay.
 * Single writer: two publishes of one model must not run at once.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvalResult } from '../evaluate/index.ts';
import { type Channels, isShare, isVersionFolder, readChannels, writeChannels } from './channels.ts';
import { type ComparableScores, judge, type Verdict } from './decision.ts';
import { manifestMetrics, scoresOfEvaluation, scoresOfManifest } from './manifest-metrics.ts';
import { filesToCopy, installVersion, pruneVersions, readManifest, verifyFiles } from './version-folder.ts';

export { type Channels, readChannels } from './channels.ts';
export { type ComparableScores, judge, PERPLEXITY_TOLERANCE, type Verdict } from './decision.ts';
export { manifestMetrics } from './manifest-metrics.ts';

export interface PublishOptions {
  /** The exported student: model.onnx, model.int8.onnx?, tokenizer.json, tokenizer_config.json?, manifest.json. */
  studentDir: string;
  /** e.g. `<repo>/models`. */
  modelsDir: string;
  /** @default 'distillgate-student' */
  name?: string;
  /** The version folder to create (must not exist; written into the manifest's `version`). */
  version: string;
  /** Fraction of the model's requests the canary gets, 0 < share ≤ 1. */
  canaryShare: number;
  /** `evaluateStudent`'s result for `studentDir`. */
  evaluation: EvalResult;
  /** The live version's EvalResult measured the same way; else its manifest's edge_* metrics are used. */
  baseline?: EvalResult | null;
  /** Promote or roll back now (true), or leave the version as canary (false). */
  decide: boolean;
}

export type PublishOutcome = 'live' | 'canary' | 'promoted' | 'rolled_back';

export interface PublishResult {
  name: string;
  version: string;
  /** `<modelsDir>/<name>/<version>`; removed again when rolled back. */
  dir: string;
  /** 'live' (first publish), 'canary' (no decision, or undecided), 'promoted', 'rolled_back'. */
  outcome: PublishOutcome;
  /** One sentence: why this outcome. */
  reason: string;
  /** The rule's verdict when `decide` was asked and a live version existed. */
  verdict: Verdict | null;
  /** What was compared (candidate, then live), when the rule ran. */
  compared: { candidate: ComparableScores; live: ComparableScores | null } | null;
  /** channels.json before and after. */
  channelsBefore: Channels | null;
  channels: Channels;
  /** Folders removed from `<modelsDir>/<name>/`. */
  pruned: string[];
  /** Everything done, in order. */
  actions: string[];
}

export async function publishStudent(o: PublishOptions): Promise<PublishResult> {
  const name = o.name ?? 'distillgate-student';
  if (!isVersionFolder(o.version)) throw new Error(`version '${o.version}' is not a valid folder name`);
  if (!isShare(o.canaryShare)) throw new Error(`canaryShare ${o.canaryShare} must be in (0, 1]`);
  const modelDir = join(o.modelsDir, name);
  const actions: string[] = [];
  const manifest = await checkedExport(o, name, actions);

  await mkdir(modelDir, { recursive: true });
  const before = await readChannels(modelDir);
  if (before && [before.live, before.canary?.version].includes(o.version)) {
    throw new Error(`${name}@${o.version} is already ${before.live === o.version ? 'live' : 'canary'}`);
  }
  const dir = join(modelDir, o.version);
  if (await stat(dir).catch(() => null)) {
    await rm(dir, { recursive: true, force: true }); // not named by channels.json: left by an interrupted publish
    actions.push(`removed ${dir}: a leftover no channel names`);
  }
  const files = await filesToCopy(o.studentDir);
  const published = { ...manifest, version: o.version, metrics: { ...manifest.metrics, ...manifestMetrics(o.evaluation) } };
  await installVersion(o.studentDir, files, published, modelDir, o.version);
  actions.push(`installed ${dir} (${files.join(', ')}) with ${Object.keys(manifestMetrics(o.evaluation)).length} metrics`);

  let channels: Channels = before
    ? { live: before.live, canary: { version: o.version, share: o.canaryShare } }
    : { live: o.version, canary: null };
  await writeChannels(modelDir, channels);
  actions.push(`channels.json ← ${JSON.stringify(channels)}`);
  let outcome: PublishOutcome = before ? 'canary' : 'live';
  let reason = before ? `canary at share ${o.canaryShare}; no decision asked` : 'no live version yet: the first version goes live';
  let verdict: Verdict | null = null;
  let compared: PublishResult['compared'] = null;

  if (o.decide && before) {
    const candidate = scoresOfEvaluation(o.evaluation, 'evaluation');
    const live = await liveScores(modelDir, before.live, o.baseline ?? null);
    compared = { candidate, live };
    verdict = judge(candidate, live);
    reason = verdict.reason;
    if (verdict.verdict === 'promote') {
      channels = { live: o.version, canary: null };
      outcome = 'promoted';
    } else if (verdict.verdict === 'rollback') {
      channels = { live: before.live, canary: null };
      outcome = 'rolled_back';
    } else reason = `stays canary: ${verdict.reason}`;
    if (verdict.verdict !== 'undecided') {
      await writeChannels(modelDir, channels);
      actions.push(`${outcome}: channels.json ← ${JSON.stringify(channels)}`);
    }
  }
  const pruned = await pruneVersions(modelDir, channels);
  if (pruned.length) actions.push(`pruned ${pruned.join(', ')}`);
  return { name, version: o.version, dir, outcome, reason, verdict, compared, channelsBefore: before, channels, pruned, actions };
}

/** Reads and verifies the export; checks it is `name` and the graphs `evaluation` measured. */
async function checkedExport(o: PublishOptions, name: string, actions: string[]) {
  const manifest = await readManifest(o.studentDir);
  if (manifest.name !== name) throw new Error(`${o.studentDir}: manifest name '${manifest.name}', publishing as '${name}'`);
  await verifyFiles(o.studentDir, await filesToCopy(o.studentDir), manifest);
  actions.push(`verified ${o.studentDir} against its manifest`);
  for (const [file, sha] of Object.entries(o.evaluation.student.modelSha256)) {
    if (manifest.files[file]?.sha256 !== sha)
      throw new Error(`the evaluation measured another ${file} (sha256 ${sha}) than ${o.studentDir}`);
  }
  return manifest;
}

/**
 * The live version's scores: from `baseline` when given (it must be the live version), else from
 * its manifest's recorded edge_* metrics; null when neither exists.
 * @throws Error when `baseline` is of another model than the live version
 */
async function liveScores(modelDir: string, live: string, baseline: EvalResult | null): Promise<ComparableScores | null> {
  const manifest = JSON.parse(await readFile(join(modelDir, live, 'manifest.json'), 'utf8')) as {
    name?: unknown;
    version?: unknown;
    files?: Record<string, { sha256?: string }>;
    metrics?: unknown;
  };
  if (baseline) {
    const sha = baseline.student.modelSha256['model.onnx'];
    if (sha !== manifest.files?.['model.onnx']?.sha256) throw new Error(`baseline ${baseline.student.id} is not the live ${live}`);
    return scoresOfEvaluation(baseline, 'baseline');
  }
  return scoresOfManifest(manifest);
}
