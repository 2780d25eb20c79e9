/**
 * @distillgate/distill — the distillation job's orchestration (DESIGN.md §1, §5): prompts, teacher
 * scoring into KD shards, training/export/quantize through gpu-worker/trainer, then evaluation,
 * publishing and the report. CLI: `npm run distill -- --help` (src/cli.ts).
 */
export { distillStages } from './job.ts';
export { type DistillOptions, parseOptions, SEQ_LEN, STAGE_NAMES, type StageName, USAGE } from './options.ts';
export { cacheDir, liveDir, liveVersion, nextPatch, pythonPath, ROOT, STUDENT_NAME, TEACHER_NAME } from './paths.ts';
export { firstSentences } from './prompts/sources.ts';
export { type Prompt, type PromptSplit, promptId, splitOf } from './prompts/split.ts';
export { parsePromptsJsonl } from './prompts/stage.ts';
export { lineSpec, SCHEMA as VEGA_LITE_SCHEMA, type SeriesRow, seriesRows } from './report/line-spec.ts';
export { cell, quoted, table } from './report/tables.ts';
export { renderVegaLite } from './report/vega-svg.ts';
export { canonicalJson, sha256File, writeFileAtomic, writeJsonAtomic } from './runner/files.ts';
export { readJsonLines } from './runner/jsonl.ts';
export { createProgress, type Progress, printLine } from './runner/progress.ts';
export { readStageRecord, runStages, type Stage, type StageContext, type StageInputs, type StageRecord } from './runner/stage-runner.ts';
export { FLOAT16_MAX, float16Bits, float16Value, toFloat16 } from './shards/float16.ts';
export {
  decodeShard,
  readShard,
  SHARD_FORMAT,
  type ShardColumns,
  type ShardHeader,
  type ShardSource,
  type TeacherInfo,
} from './shards/shard.ts';
export { type ShardEntry, ShardSet } from './shards/shard-set.ts';
export { TeacherClient, type TeacherClientOptions, TeacherHttpError } from './teacher/client.ts';
export { checkTeacher, TokenizerMismatchError } from './teacher/identity.ts';
export { type LocalWorker, startLocalWorker } from './teacher/local-worker.ts';
export { probeScoringMaxTokens, scorePlan, scoreSequence } from './teacher/score.ts';
export { PAD_LOGPROB, parseScoringResponse, type ScoredSequence, scoringBody } from './teacher/scoring-response.ts';
export { corpusPlan, readTokenFile, type SequencePlan, splitBudget } from './teacher/sequences.ts';
