/**
 * Captured prompts for the distillation job (schema `captured_prompts`): the gateway writes the
 * prompt of each request the pool served when `distill.capturePrompts` is on; `npm run distill --
 * --captured <database file>` reads them back.
 */
import { asc, gt } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { capturedPrompts } from '../schema.ts';

export type CapturedPrompt = typeof capturedPrompts.$inferSelect;

/**
 * Stores one request's prompt; a second write for the same request id is ignored.
 * @param row.body JSON text `{"messages": […]}` or `{"prompt": …}`
 */
export async function capturePrompt(
  db: Database,
  row: { requestId: string; keyId: string | null; servedModel: string; endpoint: 'chat.completions' | 'completions'; body: string },
  nowMs: number = Date.now(),
): Promise<void> {
  await db
    .insert(capturedPrompts)
    .values({ ...row, createdAtMs: nowMs })
    .onConflictDoNothing({ target: capturedPrompts.requestId });
}

/** Captured prompts in id order, after `afterId`, at most `limit` (default 100,000). */
export async function listCapturedPrompts(db: Database, options: { afterId?: number; limit?: number } = {}): Promise<CapturedPrompt[]> {
  return db
    .select()
    .from(capturedPrompts)
    .where(gt(capturedPrompts.id, options.afterId ?? 0))
    .orderBy(asc(capturedPrompts.id))
    .limit(options.limit ?? 100_000);
}
