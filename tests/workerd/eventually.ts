/**
 * Polls until a check passes: usage rows and settlements are written after the response, inside
 * the request's `waitUntil`, so a test waits for them instead of reading once.
 */

/**
 * Calls `check` every `intervalMs` until it returns a value other than undefined.
 * @throws Error naming `what` after `timeoutMs`
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
