/**
 * Node's upstream transport: undici's fetch over one keep-alive Agent per member, so the member's
 * `timeouts.connectMs` bounds TCP/TLS connect (Web fetch has no connect timeout).
 */
import type { UpstreamConfig } from '@distillgate/config';
import type { FetchLike } from '@distillgate/router';
import { Agent, fetch as undiciFetch } from 'undici';

export function nodeFetchFor(upstream: UpstreamConfig): FetchLike {
  const dispatcher = new Agent({
    connect: { timeout: upstream.timeouts.connectMs },
    // the first-byte and idle budgets are enforced by timedFetch; keep undici's own out of the way
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 30_000,
  });
  return (input, init) => undiciFetch(input, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
}
