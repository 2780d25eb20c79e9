/**
 * The part of workerd's `cloudflare:workers` module this folder and worker.ts use, for the root
 * tsconfig (Node types only). Not referenced from any source file on purpose: tests/workerd's
 * tsconfig gets the full module from @cloudflare/workers-types, and the two must not merge.
 */
declare module 'cloudflare:workers' {
  type SqlStorageValue = ArrayBuffer | string | number | null;

  interface SqlStorageCursor<T> {
    toArray(): T[];
  }

  interface DurableObjectStorage {
    readonly sql: {
      exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T>;
    };
    transactionSync<T>(closure: () => T): T;
  }

  interface DurableObjectState {
    readonly storage: DurableObjectStorage;
  }

  /** Base class of an RPC-capable Durable Object. */
  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }

  /** Keeps `promise` alive after the response, in the current request's context (its `ctx.waitUntil`). */
  export function waitUntil(promise: Promise<unknown>): void;
}
