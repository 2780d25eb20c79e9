/**
 * Prompt identity, deduplication and the train/test split.
 *
 * Two prompts are the same when their normalised text is: Unicode NFC, lower case, runs of
 * whitespace as one space, trimmed. A prompt's id is the first 16 hex digits of sha256 of that
 * text. The split is a pure function of the id (so it never changes between runs, machines, or
 * the order prompts were given in): the prompt is `test` when the id's first 8 hex digits, read as
 * an unsigned 32-bit number, fall below testShare × 2³². A prompt whose origin fixes its split
 * (`pin`: a prompt derived from a corpus test document) keeps it. The test split never enters
 * training: the teacher stage generates continuations for `train` prompts only.
 */
import { createHash } from 'node:crypto';

export type PromptSplit = 'train' | 'test';

export interface PromptCandidate {
  text: string;
  /** Where it came from: `file:<path>`, `captured:<path>`, `corpus:<doc id>`. */
  source: string;
  /** Chat messages when the prompt came as `{"messages"}` (text is then the rendered chat prompt). */
  messages?: Array<{ role: string; content: string }>;
  /** A split the prompt must take regardless of its hash. */
  pin?: PromptSplit;
}

export interface Prompt extends PromptCandidate {
  id: string;
  split: PromptSplit;
}

export function normalizePrompt(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

export function promptId(text: string): string {
  return createHash('sha256').update(normalizePrompt(text)).digest('hex').slice(0, 16);
}

export function splitOf(id: string, testShare: number): PromptSplit {
  return Number.parseInt(id.slice(0, 8), 16) < testShare * 2 ** 32 ? 'test' : 'train';
}

export interface DedupeResult {
  prompts: Prompt[];
  duplicates: number;
  empty: number;
}

/**
 * Dedupes `candidates` (the first one of a normalised text wins; a pin to `test` is kept if any
 * copy has it) and assigns splits. Output is sorted by id: a stable order that mixes sources.
 */
export function dedupeAndSplit(candidates: Iterable<PromptCandidate>, testShare: number): DedupeResult {
  const byId = new Map<string, Prompt>();
  let duplicates = 0;
  let empty = 0;
  for (const c of candidates) {
    if (normalizePrompt(c.text) === '') {
      empty++;
      continue;
    }
    const id = promptId(c.text);
    const seen = byId.get(id);
    if (seen) {
      duplicates++;
      if (c.pin === 'test') seen.split = 'test';
      continue;
    }
    byId.set(id, { ...c, id, split: c.pin ?? splitOf(id, testShare) });
  }
  const prompts = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { prompts, duplicates, empty };
}
