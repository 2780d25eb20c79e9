/**
 * Greedy continuations of the held-out prompts by the teacher and every student graph, the
 * student's metrics against the teacher (generation.ts), and a few samples for the report.
 */
import { greedyContinuation, greedyMetrics, promptIds } from './generation.ts';
import type { LoadedModels } from './models.ts';
import type { GenerationSample } from './result.ts';

export interface PromptComparison {
  /** Per student graph (LoadedModels.students order). */
  metrics: ReturnType<typeof greedyMetrics>[];
  samples: GenerationSample[];
}

const MAX_SAMPLES = 5;
const MAX_SAMPLE_PROMPT_CHARS = 200;

export async function comparePrompts(
  m: LoadedModels,
  prompts: readonly string[],
  contextLength: number,
  tokens: number,
  progress: (done: number) => void,
): Promise<PromptComparison> {
  const tok = m.students[0]!.model.tokenizer;
  const eos = tok.eosTokenId ?? m.teacher.tokenizer.eosTokenId ?? 0;
  const teacher: number[][] = [];
  const students: number[][][] = m.students.map(() => []);
  for (const [i, text] of prompts.entries()) {
    const ids = promptIds(tok.encode(text), contextLength, tokens, eos);
    teacher.push((await greedyContinuation(m.teacher.decoder, ids, tokens, eos)).ids);
    for (const [k, s] of m.students.entries()) students[k]!.push((await greedyContinuation(s.model.decoder, ids, tokens, eos)).ids);
    progress(i + 1);
  }
  // text as the edge returns it: special tokens (the EOS that ended a continuation) are not text
  const decode = (ids: readonly number[]) => {
    const text = ids.filter((id) => !tok.isSpecial(id));
    return text.length === 0 ? '' : tok.decode(text); // the tokenizer library refuses an empty list
  };
  const samples = prompts.slice(0, MAX_SAMPLES).map((prompt, i) => ({
    prompt: prompt.length > MAX_SAMPLE_PROMPT_CHARS ? `${prompt.slice(0, MAX_SAMPLE_PROMPT_CHARS)}…` : prompt,
    teacher: decode(teacher[i]!),
    student: decode(students[0]![i]!),
    ...(students[1] ? { studentInt8: decode(students[1][i]!) } : {}),
  }));
  return { metrics: students.map((s) => greedyMetrics(s, teacher, decode, tokens)), samples };
}
