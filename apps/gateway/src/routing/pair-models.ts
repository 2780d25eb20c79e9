/**
 * `PairModels` (packages/router `routing/pair.ts`) over the gateway's own parts: the student through
 * the edge provider (greedy, prompt token ids returned), the teacher through a pool member's
 * `/v1/completions` under the teacher-scoring contract of DESIGN.md §5 (token-id prompts,
 * `return_tokens_as_token_ids`, `echo` + `logprobs: 0`, `max_tokens: 1` so servers that refuse 0
 * answer too). Student and teacher share one tokenizer (the distillation job checks
 * `tokenizer_sha256`), so the student's ids are the teacher's.
 */
import type { GenerationEvent } from '@distillgate/edge-model';
import type { Endpoint, JsonObject, PairModels, PoolTarget, StepConfidence, TeacherAnswer } from '@distillgate/router';
import type { EdgeProvider } from '../edge/provider.ts';
import { toEdgeRequest } from '../edge/request.ts';

export interface GatewayPairInput {
  edge: EdgeProvider;
  studentModel: string;
  teacher: PoolTarget;
  endpoint: Endpoint;
  /** The client's validated body: only its `messages` / `prompt` are used. */
  request: JsonObject;
  requestId: string;
  signal: AbortSignal;
  /** Set once the student ran: the version that answered. */
  onStudentVersion?: (version: string) => void;
}

export function gatewayPairModels(input: GatewayPairInput): PairModels {
  return {
    async student(maxTokens) {
      const prompt = input.endpoint === 'chat.completions' ? { messages: input.request.messages } : { prompt: input.request.prompt };
      const { generation } = toEdgeRequest(input.endpoint, { ...prompt, temperature: 0, max_tokens: maxTokens });
      const started = await input.edge.generate(input.studentModel, { ...generation, return_token_ids: true }, input.signal);
      input.onStudentVersion?.(started.version);
      const ids: number[] = [];
      const steps: StepConfidence[] = [];
      let text = '';
      let promptIds: number[] | undefined;
      for await (const event of started.events as AsyncIterable<GenerationEvent>) {
        if (event.type === 'token') {
          ids.push(event.tokenId);
          steps.push(event.confidence);
          text += event.text;
        } else {
          text += event.text;
          promptIds = event.prompt_token_ids;
        }
      }
      if (!promptIds) throw new Error('the edge generation did not report its prompt token ids');
      return { promptIds, ids, text, steps };
    },

    async teacherGreedy(promptIds, maxTokens): Promise<TeacherAnswer> {
      const choice = await complete(input, { prompt: [...promptIds], max_tokens: maxTokens, temperature: 0, logprobs: 0 });
      const logprobs = choice.logprobs as JsonObject | null | undefined;
      const tokens = Array.isArray(logprobs?.tokens) ? (logprobs.tokens as unknown[]) : [];
      const values = Array.isArray(logprobs?.token_logprobs) ? (logprobs.token_logprobs as unknown[]) : [];
      if (tokens.length !== values.length) throw new Error('teacher logprobs: tokens and token_logprobs differ in length');
      return {
        ids: tokens.map(tokenId),
        logprobs: values.map((v) => finite(v, 'token_logprobs')),
        text: typeof choice.text === 'string' ? choice.text : '',
      };
    },

    async teacherScore(promptIds, answerIds) {
      const ids = [...promptIds, ...answerIds];
      const choice = await complete(input, { prompt: ids, max_tokens: 1, temperature: 0, logprobs: 0, echo: true });
      const values = (choice.logprobs as JsonObject | null | undefined)?.token_logprobs;
      if (!Array.isArray(values) || values.length < ids.length) throw new Error('teacher scoring: the echo is shorter than the prompt');
      return values.slice(promptIds.length, ids.length).map((v) => finite(v, 'token_logprobs'));
    },
  };
}

/** One `/v1/completions` call to the teacher; its first choice. */
async function complete(input: GatewayPairInput, body: JsonObject): Promise<JsonObject> {
  const outcome = await input.teacher.upstream.createJson(
    'completions',
    { model: input.teacher.model, return_tokens_as_token_ids: true, ...body },
    { signal: input.signal, requestId: input.requestId },
  );
  if (!outcome.ok) throw new Error(`teacher call failed: ${outcome.failure.message}`);
  const choice = (outcome.value.choices as JsonObject[] | undefined)?.[0];
  if (!choice) throw new Error('teacher answered without a choice');
  return choice;
}

/** `"token_id:<n>"` → n (vLLM's `return_tokens_as_token_ids` form). */
function tokenId(token: unknown): number {
  const m = typeof token === 'string' ? /^token_id:(\d+)$/.exec(token) : null;
  if (!m) throw new Error(`teacher token ${JSON.stringify(token)} is not "token_id:<n>"`);
  return Number(m[1]);
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`teacher ${field}: ${JSON.stringify(value)} is not a finite number`);
  return value;
}
