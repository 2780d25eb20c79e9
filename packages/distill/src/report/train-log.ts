/**
 * The trainer's JSON-line log (gpu-worker/trainer/distill.py `<out>/log.jsonl`; train.py's has the
 * same shape with `tokens_seen`):
 *   progress  {"event": "distill.progress", step, tokens, loss, kd_loss, ce_loss, agreement, lr, tokens_per_s, …}
 *   val       {"event": "distill.eval", step, tokens, val_loss, train_loss}
 * Losses are nats per token. A resumed run appends again and may repeat steps after its last
 * checkpoint: the last entry for a step wins. Lines that are not JSON objects are counted, not fatal.
 */
import { readFile } from 'node:fs/promises';

export interface TrainPoint {
  step: number;
  /** Training tokens seen at this step. */
  tokens: number;
  /** Total loss (the objective), nats. */
  loss: number | null;
  kdLoss: number | null;
  ceLoss: number | null;
  /** Top-1 agreement with the teacher on the training batch, 0..1. */
  agreement: number | null;
  lr: number | null;
  tokensPerS: number | null;
}

export interface ValPoint {
  step: number;
  /** null when the entry had no token count and no progress entry gives one. */
  tokens: number | null;
  valLoss: number;
}

export interface TrainLog {
  progress: TrainPoint[];
  val: ValPoint[];
  /** Lines that were not JSON objects. */
  badLines: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function parseTrainLog(text: string): TrainLog {
  const progress = new Map<number, TrainPoint>();
  const val = new Map<number, { step: number; tokens: number | null; valLoss: number }>();
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
      if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new Error('not an object');
    } catch {
      badLines++;
      continue;
    }
    const event = typeof e.event === 'string' ? e.event : '';
    const step = num(e.step);
    const tokens = num(e.tokens) ?? num(e.tokens_seen);
    if (step === null) continue;
    if (event.endsWith('.progress') || (event === '' && num(e.loss) !== null)) {
      progress.set(step, {
        step,
        tokens: tokens ?? Number.NaN,
        loss: num(e.loss),
        kdLoss: num(e.kd_loss),
        ceLoss: num(e.ce_loss),
        agreement: num(e.agreement),
        lr: num(e.lr),
        tokensPerS: num(e.tokens_per_s),
      });
    } else if (num(e.val_loss) !== null && (event.endsWith('.eval') || event === '')) {
      val.set(step, { step, tokens, valLoss: num(e.val_loss)! });
    }
  }
  const sortedProgress = [...progress.values()].sort((a, b) => a.step - b.step);
  return {
    progress: sortedProgress,
    val: [...val.values()].sort((a, b) => a.step - b.step).map((v) => withTokens(v, sortedProgress)),
    badLines,
  };
}

/** A val entry without tokens takes them from the progress entry of its step (or scales the nearest). */
function withTokens(v: ValPoint, progress: readonly TrainPoint[]): ValPoint {
  if (v.tokens !== null) return v;
  if (v.step === 0) return { ...v, tokens: 0 };
  const near = progress
    .filter((p) => Number.isFinite(p.tokens) && p.step > 0)
    .sort((a, b) => Math.abs(a.step - v.step) - Math.abs(b.step - v.step))[0];
  return { ...v, tokens: near ? Math.round((near.tokens / near.step) * v.step) : null };
}

/** Reads and parses a log; a missing file is an empty log. */
export async function readTrainLog(path: string): Promise<TrainLog> {
  try {
    return parseTrainLog(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { progress: [], val: [], badLines: 0 };
    throw error;
  }
}
