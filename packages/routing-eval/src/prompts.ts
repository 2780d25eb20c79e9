/**
 * The held-out routing prompt set. Built from the corpus **validation** split
 * (`<cache>/corpus/validation.jsonl`, models/DATA.md), which never entered distillation (the
 * distillation job reads train and test only), so no prompt here was seen by the student in training.
 *
 * Per document, the candidates are the openings of its successive lines (paragraphs, verses,
 * entries): distill's `firstSentences(line, 40, 300)` — whole sentences until ≥ 40 characters, cut
 * at ≤ 300 — keeping openings of ≥ 40 characters. Candidates are deduplicated over the whole set
 * (normalised text: NFC, lower case, collapsed whitespace), then taken round-robin over documents
 * (round r takes every document's r-th candidate, documents in file order) until the `eval` split
 * holds `evalTarget` prompts, so long documents do not crowd out short ones.
 *
 * Split per **document** (prompts of one document never straddle the splits): `train` when the first
 * 8 hex digits of sha256(document id), read as an unsigned 32-bit number, fall below
 * trainShare · 2³², else `eval`. `train` fits the learned router and calibrates thresholds; `eval`
 * measures every curve.
 */
import { createHash } from 'node:crypto';
import { firstSentences } from '@distillgate/distill';

export type EvalSplit = 'train' | 'eval';

export interface RoutingPrompt {
  /** First 16 hex digits of sha256 of the normalised text. */
  id: string;
  /** The document it came from (`corpus:<doc id>` or `file:<path>`). */
  doc: string;
  split: EvalSplit;
  text: string;
}

export interface CorpusDocument {
  id: string;
  text: string;
}

export interface BuildOptions {
  /** Prompts wanted in the eval split. @default 600 */
  evalTarget?: number;
  /** Share of documents in the train split, in [0, 1). @default 0.4 */
  trainShare?: number;
  /** Shortest prompt kept, characters. @default 40 */
  minChars?: number;
  /** Longest prompt, characters (cut at a word boundary). @default 300 */
  maxChars?: number;
}

export const normalizePrompt = (text: string) => text.normalize('NFC').toLowerCase().replace(/\s+/gu, ' ').trim();

export const promptId = (text: string) => createHash('sha256').update(normalizePrompt(text)).digest('hex').slice(0, 16);

/** `train` when sha256(key)'s first 32 bits < trainShare · 2³², else `eval` (a pure function of the key). */
export function splitOfDocument(key: string, trainShare: number): EvalSplit {
  const h = Number.parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16);
  return h < trainShare * 2 ** 32 ? 'train' : 'eval';
}

/** Openings of a document's successive non-empty lines, each ≥ minChars after `firstSentences`. */
export function documentCandidates(text: string, minChars = 40, maxChars = 300): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => firstSentences(line, minChars, maxChars))
    .filter((p) => p.length >= minChars);
}

/**
 * The held-out set from corpus documents (see the module comment for the rules).
 * @throws RangeError for evalTarget < 1 or trainShare outside [0, 1)
 */
export function buildHeldOutPrompts(docs: readonly CorpusDocument[], options: BuildOptions = {}): RoutingPrompt[] {
  const evalTarget = options.evalTarget ?? 600;
  const trainShare = options.trainShare ?? 0.4;
  if (!(Number.isInteger(evalTarget) && evalTarget >= 1)) throw new RangeError(`evalTarget must be an integer ≥ 1, got ${evalTarget}`);
  if (!(trainShare >= 0 && trainShare < 1)) throw new RangeError(`trainShare must be in [0, 1), got ${trainShare}`);
  const seen = new Set<string>();
  const perDoc = docs.map((d) => {
    const split = splitOfDocument(d.id, trainShare);
    const prompts: RoutingPrompt[] = [];
    for (const text of documentCandidates(d.text, options.minChars, options.maxChars)) {
      const id = promptId(text);
      if (seen.has(id)) continue;
      seen.add(id);
      prompts.push({ id, doc: `corpus:${d.id}`, split, text });
    }
    return prompts;
  });
  const out: RoutingPrompt[] = [];
  let evalCount = 0;
  const rounds = Math.max(0, ...perDoc.map((p) => p.length));
  for (let r = 0; r < rounds && evalCount < evalTarget; r++) {
    for (const prompts of perDoc) {
      const p = prompts[r];
      if (!p) continue;
      if (p.split === 'eval') {
        if (evalCount >= evalTarget) continue;
        evalCount++;
      }
      out.push(p);
    }
  }
  return out;
}

/** Parses corpus JSONL (`{"id","source","text"}` per line). @throws Error naming the line for bad JSON */
export function parseCorpusJsonl(text: string, name = 'corpus'): CorpusDocument[] {
  const docs: CorpusDocument[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let doc: { id?: unknown; text?: unknown };
    try {
      doc = JSON.parse(line) as typeof doc;
    } catch (error) {
      throw new Error(`${name}:${i + 1}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof doc.id !== 'string' || typeof doc.text !== 'string') throw new Error(`${name}:${i + 1}: needs string "id" and "text"`);
    docs.push({ id: doc.id, text: doc.text });
  }
  return docs;
}

/**
 * A prompt file (`--prompts FILE`, for tests and ad-hoc sets): one prompt per non-empty line, each
 * line its own document for the split; duplicates dropped.
 */
export function promptsFromLines(text: string, source: string, trainShare = 0.4): RoutingPrompt[] {
  const seen = new Set<string>();
  const out: RoutingPrompt[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const id = promptId(line);
    if (seen.has(id)) continue;
    seen.add(id);
    const doc = `file:${source}:${i + 1}`;
    out.push({ id, doc, split: splitOfDocument(doc, trainShare), text: line });
  }
  return out;
}

/** sha256 of the set as the report records it: `id split text` lines in order, newline-joined. */
export function promptSetSha256(prompts: readonly RoutingPrompt[]): string {
  const lines = prompts.map((p) => `${p.id}\t${p.split}\t${p.text}`).join('\n');
  return createHash('sha256').update(lines).digest('hex');
}
