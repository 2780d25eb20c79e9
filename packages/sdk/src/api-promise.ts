/** The promise every SDK call returns: awaits to the decoded body, and `.withResponse()` adds the rest. */
import type { GatewayMeta } from './gateway-meta.ts';

/** A decoded answer with its raw Response and the gateway's headers. */
export interface WithResponse<T> {
  data: T;
  response: Response;
  /** The gateway's headers: request id, route, model@version, cost. */
  gateway: GatewayMeta;
}

/** Awaiting it yields the body; `withResponse()` yields {@link WithResponse}. Rejects with a DistillgateError. */
export class APIPromise<T> implements PromiseLike<T> {
  constructor(private readonly result: Promise<WithResponse<T>>) {}

  /** The body, the Response and the gateway's headers. */
  withResponse(): Promise<WithResponse<T>> {
    return this.result;
  }

  // biome-ignore lint/suspicious/noThenProperty: this class is a promise on purpose
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then((r) => r.data).then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onFinally);
  }
}
