/**
 * The worker's route table (Hono). Middleware order: drain gate (503 once SIGTERM came) → route.
 *
 *   POST /v1/completions, /v1/chat/completions   OpenAI-compatible, stream or not (completion.ts)
 *   GET  /v1/models                              the served model, with `tokenizer_sha256`
 *   GET  /health                                 status, execution provider, model@version, load
 *   GET  /metrics                                Prometheus text, vLLM's names (metrics.ts)
 */
import { randomUUID } from 'node:crypto';
import type { EdgeEngine } from '@distillgate/edge-model';
import { errorResponse, errors, GatewayError, parseChatCompletionRequest, parseCompletionRequest } from '@distillgate/protocol';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { completeJson, completeStream } from './completion.ts';
import type { ExecutionProvider } from './execution-provider.ts';
import { WorkerMetrics } from './metrics.ts';
import { type Endpoint, toWorkerRequest } from './request.ts';

export interface WorkerState {
  engine: EdgeEngine;
  executionProvider: ExecutionProvider;
  /** Requests whose response is not finished (the drain waits for 0). */
  inFlight: number;
  draining: boolean;
  /** Called each time a request ends (the drain's wake-up). */
  onRequestEnd?: () => void;
  /** Larger request bodies get 413. @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number;
}

/** 4 MiB: a 256-token context needs far less; token-id prompts of a full context are ~2 KB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Unix seconds reported as the model's `created` (the process start). */
const CREATED = Math.floor(Date.now() / 1000);

export function createWorkerApp(state: WorkerState): { app: Hono; metrics: WorkerMetrics } {
  const { engine } = state;
  const model = engine.manifest.name;
  const version = engine.manifest.version;
  const metrics = new WorkerMetrics(model, () => ({ running: engine.load.active, waiting: engine.load.queued, runs: engine.batchStats }));
  const app = new Hono();

  app.use('/v1/*', async function drainGate(_c, next) {
    if (state.draining) return errorResponse(unavailable('The server is shutting down.'));
    await next();
  });
  const maxBodyBytes = state.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  app.post(
    '/v1/*',
    async function jsonOnly(c, next) {
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/json\b/i.test(type)) return errorResponse(errors.unsupportedMediaType(type || null));
      await next();
    },
    bodyLimit({ maxSize: maxBodyBytes, onError: () => errorResponse(errors.requestTooLarge(maxBodyBytes)) }),
  );

  const completion = (endpoint: Endpoint) =>
    async function completionHandler(c: import('hono').Context) {
      const body = await readJson(c.req.raw);
      const parsed = endpoint === 'completions' ? parseCompletionRequest(body) : parseChatCompletionRequest(body);
      if (parsed.model !== model && parsed.model !== `${model}@${version}`) throw errors.modelNotFound(parsed.model);
      const request = toWorkerRequest(endpoint, parsed);
      const id = `${endpoint === 'completions' ? 'cmpl' : 'chatcmpl'}-${randomUUID().replaceAll('-', '')}`;
      const headers = { 'x-request-id': c.req.header('x-request-id') ?? randomUUID(), 'x-distillgate-model': `${model}@${version}` };
      state.inFlight++;
      let ended = false;
      const onEnd = () => {
        if (ended) return;
        ended = true;
        state.inFlight--;
        state.onRequestEnd?.();
      };
      const input = { engine, metrics, endpoint, request, model, id, signal: c.req.raw.signal, onEnd };
      if (!request.stream) return c.json(await completeJson(input), 200, headers);
      return new Response(completeStream(input), {
        headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
      });
    };
  app.post('/v1/completions', completion('completions'));
  app.post('/v1/chat/completions', completion('chat.completions'));

  app.get('/v1/models', function modelsHandler(c) {
    return c.json({
      object: 'list',
      data: [
        {
          id: model,
          object: 'model',
          created: CREATED,
          owned_by: 'distillgate',
          version,
          tokenizer_sha256: engine.manifest.tokenizer_sha256 ?? null,
          max_model_len: engine.shape.contextLength,
        },
      ],
    });
  });

  app.get('/health', function healthHandler(c) {
    const status = state.draining ? 'draining' : 'ok';
    return c.json(
      {
        status,
        execution_provider: state.executionProvider,
        model: `${model}@${version}`,
        running: engine.load.active,
        waiting: engine.load.queued,
      },
      state.draining ? 503 : 200,
    );
  });

  app.get('/metrics', function metricsHandler(c) {
    return c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  app.notFound(() =>
    errorResponse(new GatewayError({ status: 404, type: 'invalid_request_error', code: 'invalid_value', message: 'Unknown URL.' })),
  );
  app.onError((err) => {
    if (err instanceof GatewayError) return errorResponse(err);
    console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', error: err instanceof Error ? err.message : String(err) }));
    return errorResponse(errors.upstreamError('Internal error.', 500));
  });
  return { app, metrics };
}

function unavailable(message: string): GatewayError {
  return new GatewayError({ status: 503, type: 'server_error', code: 'model_unavailable', message, headers: { 'retry-after': '1' } });
}

/** @throws GatewayError 400 invalid_json */
async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw errors.invalidJson('The request body is not valid JSON.');
  }
}
