/**
 * Before scoring: is this teacher one whose token ids mean what the student's mean? `GET /models`
 * must list `model` with a `tokenizer_sha256` (DESIGN.md §5) equal to the sha256 of the student's
 * tokenizer.json. Anything else is refused — top-k ids over another vocabulary would train the
 * student on garbage without any error.
 */
import type { TeacherInfo } from '../shards/shard.ts';
import type { TeacherClient } from './client.ts';

export class TokenizerMismatchError extends Error {
  override name = 'TokenizerMismatchError';
}

interface ModelEntry {
  id?: unknown;
  version?: unknown;
  tokenizer_sha256?: unknown;
}

/**
 * @param expectedTokenizerSha256 sha256 of the student's tokenizer.json
 * @throws TokenizerMismatchError when the model is missing, has no tokenizer_sha256, or another one
 */
export async function checkTeacher(
  client: TeacherClient,
  model: string,
  expectedTokenizerSha256: string,
  signal?: AbortSignal,
): Promise<TeacherInfo> {
  const list = await client.get<{ data?: ModelEntry[] }>('/models', signal);
  const entries = Array.isArray(list.data) ? list.data : [];
  const entry = entries.find((e) => e.id === model);
  if (!entry) {
    const ids = entries.map((e) => String(e.id)).join(', ') || 'none';
    throw new TokenizerMismatchError(`${client.baseUrl}/models does not list "${model}" (it lists: ${ids}); pick one with --teacher-model`);
  }
  const got = entry.tokenizer_sha256;
  if (typeof got !== 'string' || got === '') {
    throw new TokenizerMismatchError(
      `teacher "${model}" at ${client.baseUrl} does not report tokenizer_sha256 in /models, so it cannot be shown to share the student's tokenizer (${expectedTokenizerSha256}); refusing to score with it`,
    );
  }
  if (got !== expectedTokenizerSha256) {
    throw new TokenizerMismatchError(
      `teacher "${model}" at ${client.baseUrl} uses tokenizer ${got}, the student uses ${expectedTokenizerSha256}: its token ids would not mean the student's; refusing to score with it`,
    );
  }
  return {
    model,
    version: typeof entry.version === 'string' ? entry.version : null,
    tokenizer_sha256: got,
    base_url: client.baseUrl,
  };
}
