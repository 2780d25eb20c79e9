/**
 * TEST-ONLY: an OrtBinding whose "model" emits a fixed script of token ids (one-hot logits), in the
 * Optimum decoder-with-past layout (1 layer, 1 head, head size 2). Lets engine tests force exact
 * token sequences (split UTF-8 characters, special tokens) through the real engine code.
 */
import type { OrtBinding, OrtSessionLike, OrtTensorLike } from './binding.ts';

export interface Script {
  /** Prompt length the script was written for: the token at position promptLength + i is script[i]. */
  promptLength: number;
  tokens: readonly number[];
  /** Emitted once the script is exhausted. */
  after: number;
  vocabSize: number;
}

const tensor = (type: string, data: BigInt64Array | Float32Array, dims: readonly number[]): OrtTensorLike => ({ type, data, dims });

export function scriptedBinding(script: Script): OrtBinding {
  const session: OrtSessionLike = {
    inputNames: ['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'past_key_values.0.value'],
    outputNames: ['logits', 'present.0.key', 'present.0.value'],
    inputMetadata: [
      { name: 'past_key_values.0.key', isTensor: true, type: 'float32', shape: ['batch_size', 1, 'past_sequence_length', 2] },
    ],
    outputMetadata: [{ name: 'logits', isTensor: true, type: 'float32', shape: ['batch_size', 'sequence_length', script.vocabSize] }],
    async run(feeds) {
      const [B, S] = feeds.input_ids!.dims as [number, number];
      const P = feeds['past_key_values.0.key']!.dims[2]!;
      const positions = feeds.position_ids!.data as BigInt64Array;
      const logits = new Float32Array(B * S * script.vocabSize);
      for (let b = 0; b < B; b++) {
        const seen = Number(positions[b * S + S - 1]!) + 1; // this row's tokens so far (padding excluded)
        const next = script.tokens[seen - script.promptLength] ?? script.after;
        logits[(b * S + S - 1) * script.vocabSize + next] = 20;
      }
      const present = () => tensor('float32', new Float32Array(B * (P + S) * 2), [B, 1, P + S, 2]);
      return { logits: tensor('float32', logits, [B, S, script.vocabSize]), 'present.0.key': present(), 'present.0.value': present() };
    },
    release: async () => {},
  };
  return {
    runtime: 'scripted',
    createSession: async () => session,
    int64: (data, dims) => tensor('int64', data, dims),
    float32: (data, dims) => tensor('float32', data, dims),
  };
}
