/**
 * The fields of `manifest.json` (written by gpu-worker/trainer/manifest.py, DESIGN.md §3) that the
 * engine reads, and their check at load. Unknown fields are kept untouched.
 */

export interface ModelManifest {
  name: string;
  version: string;
  /** Tokens the model attends over (prompt + completion), from learned positions. */
  context_length: number;
  vocab_size?: number;
  /** `<|endoftext|>`: ends a completion (finish_reason 'stop'). */
  eos_token_id?: number;
  architecture?: { n_layer?: number; n_head?: number; head_dim?: number; [key: string]: unknown };
  /** Hugging Face Jinja chat template; see chat-template.ts for the one we render. */
  chat_template?: string | null;
  tokenizer_sha256?: string;
  files?: Record<string, { sha256: string; bytes: number }>;
  [key: string]: unknown;
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/**
 * Checks what the engine relies on.
 * @throws Error naming the first missing or malformed field
 */
export function parseManifest(json: unknown): ModelManifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('manifest.json: not an object');
  const m = json as Record<string, unknown>;
  for (const key of ['name', 'version'] as const) {
    if (typeof m[key] !== 'string' || m[key] === '') throw new Error(`manifest.json: '${key}' must be a non-empty string`);
  }
  if (!isPositiveInt(m.context_length)) throw new Error("manifest.json: 'context_length' must be a positive integer");
  for (const key of ['vocab_size', 'eos_token_id'] as const) {
    if (m[key] !== undefined && !(isPositiveInt(m[key]) || m[key] === 0)) throw new Error(`manifest.json: '${key}' must be an integer`);
  }
  return m as ModelManifest;
}
