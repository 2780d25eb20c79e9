/**
 * Collection: every prompt through both models at T = 0 (router `measurePair`), one JSON line per
 * prompt appended to `records.jsonl` as soon as it is measured. A rerun reads the file, keeps the
 * records of prompts still in the set, drops a torn last line, and measures only what is missing:
 * the job can stop at any point and resume. Sequential, one prompt at a time, so the student's
 * process CPU time is its own.
 */
import { appendFile } from 'node:fs/promises';
import { createProgress, printLine, readJsonLines } from '@distillgate/distill';
import { measurePair } from '@distillgate/router';
import { type Engines, meteredPair } from './engines.ts';
import type { RoutingPrompt } from './prompts.ts';
import { type PairRecord, parseRecord } from './record.ts';

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Measures one prompt. */
export async function measurePrompt(engines: Engines, prompt: RoutingPrompt, maxTokens: number): Promise<PairRecord> {
  const pair = meteredPair(engines, prompt.text);
  // the cascade score is recomputed offline for every signal and K; measurePair's own is not kept
  const m = await measurePair(pair.models, { maxTokens, probeTokens: 1, signal: 'mean_logprob' });
  const s = pair.studentCost!;
  const t = pair.teacherCost!;
  const lp = m.teacher.logprobs;
  return {
    id: prompt.id,
    doc: prompt.doc,
    split: prompt.split,
    prompt: prompt.text,
    promptTokens: m.student.promptIds.length,
    student: {
      tokens: m.student.ids.length,
      text: m.student.text,
      steps: m.student.steps.map((c) => [c.maxProb, round(c.entropyNats, 6), c.top1Top2Margin]),
      prefillMs: round(s.prefillMs, 3),
      decodeMs: round(s.decodeMs, 3),
      cpuMs: round(s.cpuMs, 3),
      cpuMsAtToken: s.cpuMsAtToken.map((x) => round(x, 3)),
    },
    teacher: {
      tokens: m.teacher.ids.length,
      completionTokens: t.completionTokens,
      text: m.teacher.text,
      meanLogprob: lp.length ? lp.reduce((a, b) => a + b, 0) / lp.length : null,
    },
    quality: m.quality,
  };
}

/** Records already in `path` (missing file: none); a torn last line is dropped and the file truncated without it. */
export function readRecords(path: string): Promise<PairRecord[]> {
  return readJsonLines(path, parseRecord);
}

export interface CollectOptions {
  /** records.jsonl of the run. */
  path: string;
  maxTokens: number;
  /** Quiet progress (tests). @default false */
  quiet?: boolean;
}

/** Measures every prompt of `prompts` not yet in `path`; returns the records in prompt order. */
export async function collectRecords(engines: Engines, prompts: readonly RoutingPrompt[], options: CollectOptions): Promise<PairRecord[]> {
  const have = new Map((await readRecords(options.path)).map((r) => [r.id, r]));
  const todo = prompts.filter((p) => !have.has(p.id));
  const progress = createProgress({
    label: 'measure',
    total: prompts.length,
    unit: 'prompts',
    initial: prompts.length - todo.length,
    ...(options.quiet
      ? { stream: { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream }
      : {
          every: {
            ms: 15_000,
            call: (done, total, rate) => {
              if (!process.stderr.isTTY)
                printLine(
                  JSON.stringify({
                    event: 'routing_eval.progress',
                    done,
                    total,
                    ratePerS: round(rate, 3),
                    etaS: rate > 0 ? Math.round((total - done) / rate) : null,
                  }),
                );
            },
          },
        }),
  });
  if (!options.quiet && todo.length < prompts.length)
    printLine(`resuming: ${prompts.length - todo.length} of ${prompts.length} prompts already measured`);
  for (const prompt of todo) {
    const record = await measurePrompt(engines, prompt, options.maxTokens);
    await appendFile(options.path, `${JSON.stringify(record)}\n`);
    have.set(prompt.id, record);
    progress.tick();
  }
  progress.finish();
  return prompts.map((p) => have.get(p.id)!);
}
