/**
 * One generation as a scheduler job: step 1 is the prefill plus the first sampled token, each later
 * step feeds the previous token through the KV cache and samples the next. Every sampled token but
 * end-of-text yields a `token` event; the last step yields `done`.
 *
 * Text path per token: token bytes → Utf8Stream (whole characters only) → StopMatcher (holds a
 * possible stop prefix) → `text`. The concatenation of every event's `text` (token events, then
 * `done.text`) is the completion.
 */
import { type Decoder, type KvSequence, type Logits, lastRow } from './decoder.ts';
import { confidence, logSoftmax, type TokenConfidence, type TokenDisplay, type TokenLogprob, tokenLogprob } from './logprobs.ts';
import { type PromptLogprob, promptLogprobs, tokenIdDisplay } from './prompt-logprobs.ts';
import type { PreparedRequest } from './request.ts';
import { Sampler } from './sampling.ts';
import type { JobOutcome, StepJob } from './scheduler.ts';
import { StopMatcher } from './stop.ts';
import type { ModelTokenizer } from './tokenizer.ts';
import { Utf8Stream } from './utf8-stream.ts';

export interface TokenEvent {
  type: 'token';
  /** 0-based position in the completion. */
  index: number;
  tokenId: number;
  /** Completion text this token releases; '' while bytes or a possible stop prefix are held. */
  text: string;
  /** OpenAI logprob entry (raw logits, T = 1) when the request asked for logprobs, else null. */
  logprobs: TokenLogprob | null;
  /** From the raw distribution at this step, for the router's cascade gate. */
  confidence: TokenConfidence;
}

export interface DoneEvent {
  type: 'done';
  /** 'stop': end-of-text token or a stop sequence; 'length': max_tokens reached. */
  finish_reason: 'stop' | 'length';
  /** What ended it: 'eos', 'max_tokens', or the stop sequence that matched. */
  stop_reason: string;
  /** Text held back until the end (a possible stop prefix, an unfinished character as U+FFFD). */
  text: string;
  /** Counted with the model's own tokenizer; completion_tokens includes an end-of-text token. */
  usage: { prompt_tokens: number; completion_tokens: number };
  timings: { queueMs: number; prefillMs: number; decodeMs: number };
  /** One entry per prompt token (the first one's logprob null) when the request set `prompt_logprobs`. */
  prompt_logprobs?: PromptLogprob[];
  /** The prompt as the model saw it (chat template applied), when the request set `return_token_ids`. */
  prompt_token_ids?: number[];
}

export type GenerationEvent = TokenEvent | DoneEvent;

type Ending = { by: 'eos' } | { by: 'max_tokens' } | { by: 'stop'; matched: string };

export class Generation implements StepJob {
  private readonly seq: KvSequence;
  private readonly sampler: Sampler;
  private readonly utf8 = new Utf8Stream();
  private readonly stop: StopMatcher;
  private lastToken = -1;
  private completionTokens = 0;
  private readonly submittedMs = performance.now();
  private readonly timings = { queueMs: 0, prefillMs: 0, decodeMs: 0 };
  private readonly display: TokenDisplay;
  private scoredPrompt: PromptLogprob[] | undefined;

  constructor(
    private readonly decoder: Decoder,
    private readonly tokenizer: ModelTokenizer,
    private readonly request: PreparedRequest,
    private readonly emit: (event: GenerationEvent) => void,
    private readonly onFinish: (outcome: JobOutcome) => void,
  ) {
    this.seq = decoder.newSequence();
    this.sampler = new Sampler(request.sampling);
    this.stop = new StopMatcher(request.stop);
    this.display = request.tokensAsIds ? tokenIdDisplay(tokenizer) : tokenizer;
  }

  /** True once the prompt has run (the first step); later steps feed one token each. */
  get prefilled(): boolean {
    return this.seq.length > 0;
  }

  /** What the next step feeds: the whole prompt first, then the last sampled token. */
  nextInput(): { seq: KvSequence; ids: readonly number[] } {
    return { seq: this.seq, ids: this.prefilled ? [this.lastToken] : this.request.promptIds };
  }

  /** One step on its own: a run of the decoder for this sequence alone. */
  async step(): Promise<boolean> {
    const startedMs = performance.now();
    const { seq, ids } = this.nextInput();
    return this.absorb(await this.decoder.forward(seq, ids), startedMs);
  }

  /**
   * Finishes a step from the logits of the tokens `nextInput()` fed ([ids.length, V]), whether
   * the run was this sequence's alone or a batch's. Returns true when the generation ended.
   * @param startedMs performance.now() when the step began, for the timings
   */
  absorb(all: Logits, startedMs: number): boolean {
    const prefill = this.completionTokens === 0; // every later step has sampled a token
    if (prefill) this.timings.queueMs = startedMs - this.submittedMs;
    if (prefill && this.request.promptLogprobs !== null)
      this.scoredPrompt = promptLogprobs(all, this.request.promptIds, this.request.promptLogprobs, this.display);
    // max_tokens 0 (scoring only): the prefill was the whole job
    const ending = this.request.maxTokens === 0 ? { by: 'max_tokens' as const } : this.sampleAndEmit(this.maskUnknownIds(lastRow(all)));
    this.timings[prefill ? 'prefillMs' : 'decodeMs'] += performance.now() - startedMs;
    if (ending) this.emit(this.doneEvent(ending));
    return ending !== null;
  }

  finish(outcome: JobOutcome): void {
    this.seq.dispose();
    this.onFinish(outcome);
  }

  /** Samples one token and emits its event; returns how the generation ended, or null to go on. */
  private sampleAndEmit(logits: Float32Array): Ending | null {
    const token = this.sampler.sample(logits);
    const index = this.completionTokens++;
    this.lastToken = token;
    if (token === this.tokenizer.eosTokenId) return { by: 'eos' };
    const lp = logSoftmax(logits);
    const bytes = this.tokenizer.isSpecial(token) ? new Uint8Array(0) : this.tokenizer.tokenBytes(token);
    const released = this.stop.push(this.utf8.push(bytes));
    this.emit({
      type: 'token',
      index,
      tokenId: token,
      text: released.text,
      logprobs: this.request.topLogprobs === null ? null : tokenLogprob(lp, token, this.request.topLogprobs, this.display),
      confidence: confidence(lp),
    });
    if (released.stopped) return { by: 'stop', matched: released.matched! };
    if (this.completionTokens >= this.request.maxTokens) return { by: 'max_tokens' };
    return null;
  }

  /**
   * The final event. Unless a stop sequence already ended it, the held bytes and text are flushed
   * through the stop matcher (they could still complete a stop).
   */
  private doneEvent(ending: Ending): DoneEvent {
    let finish: DoneEvent['finish_reason'] = ending.by === 'max_tokens' ? 'length' : 'stop';
    let stopReason = ending.by === 'stop' ? ending.matched : ending.by;
    let text = '';
    if (ending.by !== 'stop') {
      const tail = this.stop.push(this.utf8.flush());
      text = tail.stopped ? tail.text : tail.text + this.stop.flush();
      if (tail.stopped) [finish, stopReason] = ['stop', tail.matched!];
    }
    return {
      type: 'done',
      finish_reason: finish,
      stop_reason: stopReason,
      text,
      usage: { prompt_tokens: this.request.promptIds.length, completion_tokens: this.completionTokens },
      timings: { ...this.timings },
      ...(this.scoredPrompt ? { prompt_logprobs: this.scoredPrompt } : {}),
      ...(this.request.returnTokenIds ? { prompt_token_ids: [...this.request.promptIds] } : {}),
    };
  }

  /** Logit columns past the tokenizer (padded embeddings) can never be sampled. */
  private maskUnknownIds(logits: Float32Array): Float32Array {
    if (logits.length <= this.tokenizer.size) return logits;
    const masked = logits.slice();
    masked.fill(Number.NEGATIVE_INFINITY, this.tokenizer.size);
    return masked;
  }
}
