/**
 * EdgeEngine: one model (decoder session + tokenizer + manifest) behind an injected ORT binding,
 * serving concurrent generations through the step scheduler. Wiring only; the work is in
 * decoder.ts, generation.ts, scheduler.ts, batching.ts.
 *
 *   const engine = await EdgeEngine.load(createWebBinding(), { model, tokenizer, manifest });
 *   for await (const event of engine.generate({ messages, max_tokens: 64, seed: 1 }, signal)) …
 */
import { type BatchStats, batchingPlanner } from './batching.ts';
import type { OrtBinding } from './binding.ts';
import { Decoder, type DecoderShape } from './decoder.ts';
import { EventChannel } from './event-channel.ts';
import { Generation, type GenerationEvent } from './generation.ts';
import { type ModelManifest, parseManifest } from './manifest.ts';
import { type GenerationRequest, type PreparedRequest, prepareRequest } from './request.ts';
import { type SchedulerOptions, StepScheduler } from './scheduler.ts';
import { loadTokenizer, type ModelTokenizer } from './tokenizer.ts';

/** What a loader provides: the three files of `models/<name>/<version>/`, already read. */
export interface EdgeModelFiles {
  /** Bytes of model.onnx (or model.int8.onnx). */
  model: Uint8Array;
  /** tokenizer.json, as text or parsed. */
  tokenizer: string | object;
  /** manifest.json, parsed (checked by parseManifest). */
  manifest: unknown;
}

export interface EdgeEngineOptions extends SchedulerOptions {
  /**
   * Most generations advanced by one batched decoder run (step-level batching, batching.ts).
   * 1 = one sequence per run, round robin (the edge default: ORT-web has one thread and the
   * interleaving bounds time to first token); the gpu-worker sets it to its maxConcurrent.
   * @default 1
   */
  maxBatch?: number;
}

export class EdgeEngine {
  private readonly scheduler: StepScheduler<Generation>;
  /** Decoder runs since load: prefills, batched decode runs and the rows they advanced. */
  readonly batchStats: BatchStats = { prefillRuns: 0, decodeRuns: 0, decodeRows: 0 };
  private closed = false;

  private constructor(
    readonly binding: OrtBinding,
    readonly manifest: ModelManifest,
    readonly tokenizer: ModelTokenizer,
    private readonly decoder: Decoder,
    options: EdgeEngineOptions,
  ) {
    this.scheduler = new StepScheduler<Generation>(options, batchingPlanner(decoder, options.maxBatch ?? 1, this.batchStats));
  }

  /**
   * Parses the manifest, loads the tokenizer and creates the session.
   * @throws Error for a malformed manifest or tokenizer, or a graph not in the Optimum layout
   */
  static async load(binding: OrtBinding, files: EdgeModelFiles, options: EdgeEngineOptions = {}): Promise<EdgeEngine> {
    const manifest = parseManifest(files.manifest);
    const tokenizer = loadTokenizer(files.tokenizer, manifest.eos_token_id);
    const decoder = await Decoder.create(binding, files.model, manifest);
    if (tokenizer.size > decoder.shape.vocabSize) {
      await decoder.release();
      throw new Error(`tokenizer has ${tokenizer.size} ids, the model only ${decoder.shape.vocabSize} logits`);
    }
    return new EdgeEngine(binding, manifest, tokenizer, decoder, options);
  }

  /** `<name>@<version>`, as in the `x-distillgate-model` header. */
  get modelId(): string {
    return `${this.manifest.name}@${this.manifest.version}`;
  }

  get shape(): DecoderShape {
    return this.decoder.shape;
  }

  /** Running and waiting generations now. */
  get load(): { active: number; queued: number } {
    return this.scheduler.counts;
  }

  /**
   * Checks and tokenizes a request without running it (the gateway's prompt_tokens / 400s).
   * @throws InvalidGenerationRequestError | ContextLengthExceededError
   */
  prepare(request: GenerationRequest): PreparedRequest {
    return prepareRequest(request, this.tokenizer, this.decoder.shape.contextLength, this.manifest.chat_template);
  }

  /**
   * Starts (or queues) a generation. Validation and admission happen now, synchronously; decoding
   * happens while the returned iterable is iterated (iterate it once, promptly: consumers that wait
   * drive every active generation, see scheduler.ts).
   * Aborting `signal` or leaving the loop early cancels the generation and frees its slot; after an
   * abort the iterator throws `signal.reason`.
   * @throws InvalidGenerationRequestError | ContextLengthExceededError (400)
   * @throws EdgeOverloadedError (429, with `retryAfterMs`) when maxConcurrent run and maxQueued wait
   * @throws signal.reason when `signal` is already aborted
   */
  generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    if (this.closed) throw new Error('EdgeEngine is closed');
    signal?.throwIfAborted();
    const prepared = this.prepare(request);
    let cancel: (reason?: unknown) => void = () => {};
    const channel = new EventChannel<GenerationEvent>(
      (ready) => this.scheduler.pump(ready),
      () => cancel(new Error('generation iterator closed early')),
    );
    const onAbort = () => {
      channel.fail(signal!.reason);
      cancel(signal!.reason);
    };
    const generation = new Generation(
      this.decoder,
      this.tokenizer,
      prepared,
      (event) => channel.push(event),
      (outcome) => {
        signal?.removeEventListener('abort', onAbort);
        if (outcome.kind === 'error') channel.fail(outcome.error);
        else if (outcome.kind === 'done') channel.close();
      },
    );
    cancel = this.scheduler.submit(generation); // throws EdgeOverloadedError
    signal?.addEventListener('abort', onAbort, { once: true });
    return channel;
  }

  /** Releases the session. Generations still running fail; call when draining is done. */
  async close(): Promise<void> {
    this.closed = true;
    await this.decoder.release();
  }
}
