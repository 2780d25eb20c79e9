/**
 * Step-level batching for the scheduler (the gpu-worker's mode): one turn either runs ONE waiting
 * prompt (its prefill, alone) or ONE decoder run that advances up to `maxBatch` decoding
 * generations by a token each (Decoder.forwardBatch). When prompts wait while others decode, the
 * turns alternate, so a new request's time to first token stays bounded by one batched step and
 * running streams never stall behind a queue of prefills. Continuous in the sense of Orca (Yu et
 * al., OSDI 2022, "iteration-level scheduling"): generations join and leave the batch between any
 * two steps; prefills are not packed together (prompts differ in length).
 */
import type { Decoder } from './decoder.ts';
import type { Generation } from './generation.ts';
import type { Turn, TurnPlanner } from './scheduler.ts';

/** Counters since start: decode runs and the sequences they advanced (mean batch = rows / runs). */
export interface BatchStats {
  prefillRuns: number;
  decodeRuns: number;
  decodeRows: number;
}

/**
 * A planner for StepScheduler<Generation>.
 * @param maxBatch most sequences in one decode run (≥ 1); 1 gives one-at-a-time steps
 * @param stats counters this planner increments
 */
export function batchingPlanner(decoder: Decoder, maxBatch: number, stats?: BatchStats): TurnPlanner<Generation> {
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new RangeError('maxBatch must be an integer ≥ 1');
  let lastWasPrefill = false;
  return (active) => {
    const waiting = active.find((g) => !g.prefilled);
    const decoding = active.filter((g) => g.prefilled).slice(0, decoder.canBatch ? maxBatch : 1);
    if (waiting && (!lastWasPrefill || decoding.length === 0)) {
      lastWasPrefill = true;
      if (stats) stats.prefillRuns++;
      return { jobs: [waiting], run: async () => [await waiting.step()] };
    }
    lastWasPrefill = false;
    if (stats) {
      stats.decodeRuns++;
      stats.decodeRows += decoding.length;
    }
    return decodeTurn(decoder, decoding);
  };
}

/** One batched run feeding each generation's last token; each absorbs its own row of logits. */
function decodeTurn(decoder: Decoder, generations: Generation[]): Turn<Generation> {
  return {
    jobs: generations,
    async run() {
      const startedMs = performance.now();
      const inputs = generations.map((g) => g.nextInput());
      const logits = await decoder.forwardBatch(
        inputs.map((i) => i.seq),
        inputs.map((i) => i.ids),
      );
      return generations.map((g, b) => {
        try {
          return g.absorb(logits[b]!, startedMs);
        } catch (error) {
          return { error };
        }
      });
    },
  };
}
