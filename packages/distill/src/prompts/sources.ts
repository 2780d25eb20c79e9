/**
 * Where prompts come from:
 * - prompt files (`--prompts FILE`): one prompt per line, or JSON lines `{"prompt": "…"}` /
 *   `{"messages": [{"role", "content"}…]}` (a line starting with `{` must be valid JSON);
 * - captured traffic (`--captured FILE`): the gateway's database (`*.sqlite`, `*.db`: table
 *   `captured_prompts`, filled when config `distill.capturePrompts` is on), or a JSONL export of
 *   request bodies — the same shapes, also wrapped as `{"body": {…}}` or `{"request": {…}}`;
 * - when neither is given, a built-in set: the first sentence(s) of every corpus train and test
 *   document (`<cache>/corpus/{train,test}.jsonl`, gpu-worker/trainer/corpus.py), pinned to their
 *   document's split so corpus test text never reaches training.
 * Chat prompts are rendered with the models' one chat template (edge-model `renderChatPrompt`).
 */
import { readFile } from 'node:fs/promises';
import { renderChatPrompt } from '@distillgate/edge-model';
import type { PromptCandidate } from './split.ts';

type Json = Record<string, unknown>;
type Message = { role: string; content: string };

function asMessages(value: unknown): Message[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const out: Message[] = [];
  for (const m of value) {
    if (typeof m !== 'object' || m === null || typeof (m as Json).role !== 'string') return null;
    const content = (m as Json).content;
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? content
              .filter((p) => (p as Json)?.type === 'text' && typeof (p as Json).text === 'string')
              .map((p) => (p as Json).text as string)
              .join('\n')
          : '';
    out.push({ role: (m as Json).role as string, content: text });
  }
  return out;
}

/** Prompts in one JSON object: `prompt` (a string or strings), `messages`, or either inside `body`/`request`. */
export function promptsFromObject(obj: Json, source: string): PromptCandidate[] {
  for (const wrapper of ['body', 'request']) {
    const inner = obj[wrapper];
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) return promptsFromObject(inner as Json, source);
  }
  const messages = asMessages(obj.messages);
  if (messages) return [{ text: renderChatPrompt(messages), messages, source }];
  const p = obj.prompt;
  if (typeof p === 'string') return [{ text: p, source }];
  if (Array.isArray(p) && p.every((x) => typeof x === 'string')) return p.map((text) => ({ text, source }));
  return [];
}

/**
 * @throws Error naming file and line for a malformed JSON line
 */
export async function readPromptFile(path: string, kind: 'file' | 'captured'): Promise<{ prompts: PromptCandidate[]; skipped: number }> {
  const source = `${kind}:${path}`;
  if (kind === 'captured' && /\.(sqlite3?|db)$/i.test(path)) return readCapturedDatabase(path, source);
  const prompts: PromptCandidate[] = [];
  let skipped = 0;
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('{')) {
      if (kind === 'captured') throw new Error(`${path}:${i + 1}: captured traffic must be JSON lines`);
      prompts.push({ text: line, source });
      continue;
    }
    let obj: Json;
    try {
      obj = JSON.parse(line) as Json;
    } catch (error) {
      throw new Error(`${path}:${i + 1}: not valid JSON (${(error as Error).message})`);
    }
    const found = promptsFromObject(obj, source);
    if (found.length === 0) skipped++;
    prompts.push(...found);
  }
  return { prompts, skipped };
}

/** The `captured_prompts` rows of a gateway database (opened read-only in effect: no migration). */
async function readCapturedDatabase(path: string, source: string): Promise<{ prompts: PromptCandidate[]; skipped: number }> {
  const { listCapturedPrompts } = await import('@distillgate/db');
  const { openNodeDatabase } = await import('@distillgate/db/node');
  const database = openNodeDatabase({ file: path, migrate: false });
  try {
    const prompts: PromptCandidate[] = [];
    let skipped = 0;
    const rows = [];
    for (
      let page = await listCapturedPrompts(database.db);
      page.length > 0;
      page = await listCapturedPrompts(database.db, { afterId: page.at(-1)!.id })
    ) {
      rows.push(...page); // every row, page by page (the store's default page is 100,000)
    }
    for (const row of rows) {
      let found: PromptCandidate[] = [];
      try {
        found = promptsFromObject(JSON.parse(row.body) as Json, source);
      } catch {
        // a row this job cannot read is counted, not fatal
      }
      if (found.length === 0) skipped++;
      prompts.push(...found);
    }
    return { prompts, skipped };
  } finally {
    database.close();
  }
}

/**
 * The opening of a document: whole sentences (ending in . ! ? with closing quotes/brackets)
 * until at least `minChars`, whitespace collapsed, at most `maxChars` (cut at a word boundary).
 */
export function firstSentences(text: string, minChars = 40, maxChars = 300): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  const sentence = /[^.!?]*[.!?]+["'”’)\]]*(?=\s|$)/gu;
  let out = '';
  for (const m of flat.matchAll(sentence)) {
    out = flat.slice(0, (m.index ?? 0) + m[0].length);
    if (out.length >= minChars) break;
  }
  if (out.length < minChars) out = flat;
  if (out.length > maxChars) {
    const cut = out.lastIndexOf(' ', maxChars);
    out = out.slice(0, cut > minChars ? cut : maxChars);
  }
  return out.trim();
}

/** First sentences of the corpus documents of `split` (JSONL `{"id","source","text"}`). */
export async function corpusPrompts(path: string, split: 'train' | 'test'): Promise<PromptCandidate[]> {
  const out: PromptCandidate[] = [];
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    const doc = JSON.parse(line) as { id: string; text: string };
    out.push({ text: firstSentences(doc.text), source: `corpus:${doc.id}`, pin: split });
  }
  return out;
}
