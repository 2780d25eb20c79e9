/**
 * @distillgate/edge-model: the decoding engine over an injected ONNX Runtime binding.
 * Edge-safe (no Node built-ins). Node-only loading from disk and the onnxruntime-node binding live
 * in `@distillgate/edge-model/node` (src/node/).
 */

export type { BatchStats } from './batching.ts';
export type { OrtBinding, OrtSessionLike, OrtTensorLike, OrtValueMetadataLike } from './binding.ts';
export { createWebBinding, type WebBindingOptions } from './binding-web.ts';
export { CHAT_TEMPLATE, type ChatMessageLike, renderChatPrompt } from './chat-template.ts';
export { Decoder, type DecoderShape, KvSequence, type Logits, lastRow } from './decoder.ts';
export { EdgeEngine, type EdgeEngineOptions, type EdgeModelFiles } from './engine.ts';
export { ContextLengthExceededError, EdgeModelError, EdgeOverloadedError, InvalidGenerationRequestError } from './errors.ts';
export type { DoneEvent, GenerationEvent, TokenEvent } from './generation.ts';
export {
  confidence,
  logSoftmax,
  MAX_TOP_LOGPROBS,
  type TokenConfidence,
  type TokenLogprob,
  type TopLogprob,
  tokenLogprob,
  topIds,
} from './logprobs.ts';
export { type ModelManifest, parseManifest } from './manifest.ts';
export { Xoshiro128StarStar } from './prng.ts';
export { type PromptLogprob, promptLogprobs, tokenIdDisplay } from './prompt-logprobs.ts';
export type { GenerationRequest, PreparedRequest } from './request.ts';
export { argmax, type Candidates, candidates, Sampler, type SamplingParams } from './sampling.ts';
export type { SchedulerOptions } from './scheduler.ts';
export { StopMatcher, type StopResult } from './stop.ts';
export { loadTokenizer, type ModelTokenizer } from './tokenizer.ts';
export { tokenString, Utf8Stream } from './utf8-stream.ts';
export { EdgeWire, type EdgeWireOptions, type LogprobsShape, type WireEndpoint } from './wire.ts';
