/**
 * Puts the client's abort signal on the context (`c.get('clientSignal')`): it fires when the
 * client disconnects before the response finished, and relays pass it on to cancel upstream calls
 * and edge generations.
 *
 * On Node, `c.req.raw.signal` would make @hono/node-server build a full Web `Request` (headers
 * conversion, an AbortController made transferable): ~4 % of the gateway's CPU per request in
 * the bench/gateway.ts profile. The Node response's `close` event gives the same signal for the
 * price of one listener. On Workers the runtime's own `request.signal` is used.
 */
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../../env.ts';

/** The part of Node's ServerResponse this needs (kept structural: this file also runs on Workers). */
interface NodeOutgoing {
  once(event: 'close', listener: () => void): unknown;
  readonly writableFinished: boolean;
}

function isNodeOutgoing(value: unknown): value is NodeOutgoing {
  return typeof value === 'object' && value !== null && typeof (value as NodeOutgoing).once === 'function' && 'writableFinished' in value;
}

export function clientSignal(): MiddlewareHandler<GatewayEnv> {
  return async function clientSignalMiddleware(c, next) {
    const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
    if (isNodeOutgoing(outgoing)) {
      const controller = new AbortController();
      outgoing.once('close', () => {
        if (!outgoing.writableFinished) controller.abort(new Error('client closed the connection'));
      });
      c.set('clientSignal', controller.signal);
    } else {
      c.set('clientSignal', c.req.raw.signal);
    }
    await next();
  };
}
