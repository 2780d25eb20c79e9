/**
 * Stage `prompts`: prompt files + captured traffic (or the built-in corpus set), deduplicated and
 * split. Writes `prompts/train.jsonl` and `prompts/test.jsonl` (`{"id","split","source","text",
 * "messages"?}`, sorted by id). The texts stay in these files; logs carry counts only.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../runner/files.ts';
import type { Stage } from '../runner/stage-runner.ts';
import { corpusPrompts, readPromptFile } from './sources.ts';
import { dedupeAndSplit, type Prompt, type PromptCandidate } from './split.ts';

export interface PromptsStageOptions {
  promptFiles: string[];
  capturedFiles: string[];
  /** Share of prompts held out for evaluation, 0 < x < 1. */
  testShare: number;
  /** `<cache>/corpus`: the built-in set when no files are given. */
  corpusDir: string;
}

const toJsonl = (prompts: Prompt[]) => prompts.map((p) => JSON.stringify(p)).join('\n') + (prompts.length ? '\n' : '');

export function promptsStage(opts: PromptsStageOptions): Stage {
  const builtIn = opts.promptFiles.length === 0 && opts.capturedFiles.length === 0;
  const corpusFiles = { train: join(opts.corpusDir, 'train.jsonl'), test: join(opts.corpusDir, 'test.jsonl') };
  return {
    name: 'prompts',
    description: 'collect prompts (files, captured traffic or the corpus), dedupe, split train/test by hash',
    inputs: () => ({
      files: builtIn ? [corpusFiles.train, corpusFiles.test] : [...opts.promptFiles, ...opts.capturedFiles],
      params: { testShare: opts.testShare, builtIn, promptFiles: opts.promptFiles, capturedFiles: opts.capturedFiles },
    }),
    async run(ctx) {
      const candidates: PromptCandidate[] = [];
      const perSource: Record<string, number> = {};
      let skippedLines = 0;
      if (builtIn) {
        for (const split of ['train', 'test'] as const) {
          const found = await corpusPrompts(corpusFiles[split], split);
          perSource[`corpus-${split}`] = found.length;
          candidates.push(...found);
        }
      }
      for (const [kind, files] of [
        ['file', opts.promptFiles],
        ['captured', opts.capturedFiles],
      ] as const) {
        for (const path of files) {
          const { prompts, skipped } = await readPromptFile(path, kind);
          perSource[`${kind}:${path}`] = prompts.length;
          skippedLines += skipped;
          candidates.push(...prompts);
        }
      }
      const { prompts, duplicates, empty } = dedupeAndSplit(candidates, opts.testShare);
      const train = prompts.filter((p) => p.split === 'train');
      const test = prompts.filter((p) => p.split === 'test');
      await writeFileAtomic(join(ctx.dir, 'train.jsonl'), toJsonl(train));
      await writeFileAtomic(join(ctx.dir, 'test.jsonl'), toJsonl(test));
      const summary = {
        builtIn,
        candidates: candidates.length,
        perSource,
        duplicates,
        empty,
        skippedLines,
        train: train.length,
        test: test.length,
        testShare: opts.testShare,
        files: { train: join(ctx.dir, 'train.jsonl'), test: join(ctx.dir, 'test.jsonl') },
      };
      ctx.log('prompts.done', summary);
      if (train.length === 0)
        ctx.log('prompts.warning', { message: 'no training prompts: the teacher stage will generate no continuations' });
      return summary;
    },
  };
}

/** Reads a prompts JSONL written by this stage. */
export function parsePromptsJsonl(text: string): Prompt[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Prompt);
}
