/**
 * Node entry: `npm start` → loads the config, serves the app with @hono/node-server, prints a
 * ready-to-paste curl, drains on SIGTERM/SIGINT.
 */

import type { Duplex } from 'node:stream';
import { type Config, ConfigError } from '@distillgate/config';
import { loadConfig } from '@distillgate/config/node';
import { UpstreamRegistry } from '@distillgate/router';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { NodeEdgeProvider } from './edge/node/provider.ts';
import { createJsonLogger } from './log.ts';
import { type DevKey, ensureDevKey } from './metering/dev-key.ts';
import { type NodeMetering, openNodeMetering } from './metering/node.ts';
import { batchedStdioSink } from './node-log-sink.ts';
import { nodeFetchFor } from './node-transport.ts';

/** A running gateway. */
export interface RunningGateway {
  /** e.g. `http://127.0.0.1:8787` */
  url: string;
  port: number;
  /** Keys, limits and usage rows (the SQLite file of `metering.database`). */
  metering: NodeMetering;
  /** Stops accepting, finishes usage writes, closes the database. */
  close(): Promise<void>;
}

/**
 * Starts the gateway on `config.server.host:port` (port 0 → a free port). Edge models (if any are
 * configured) run in a worker thread, each loaded on its first request. Opens (creating and
 * migrating) the metering database first.
 * @throws better-sqlite3's SqliteError when the database cannot be opened; the listen error (EADDRINUSE…)
 */
export async function startGateway(config: Config, logLevel: 'debug' | 'info' | 'warn' | 'error' = 'info'): Promise<RunningGateway> {
  const logger = createJsonLogger(logLevel, batchedStdioSink());
  const registry = new UpstreamRegistry(config, nodeFetchFor);
  // active health checks of `pool` members run on Node only (Workers rely on the passive checks)
  registry.pool.startHealthChecks(registry.poolMembers());
  const metering = await openNodeMetering(config);
  const edge = config.edge.models.length > 0 ? new NodeEdgeProvider({ ...config.edge, logger }) : undefined;
  const adminToken = process.env.DISTILLGATE_ADMIN_TOKEN;
  const app = createApp({ config, registry, logger, metering, ...(adminToken ? { adminToken } : {}), ...(edge ? { edge } : {}) });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, (info) => {
      const url = `http://${config.server.host}:${info.port}`;
      resolve({
        url,
        port: info.port,
        metering,
        close: async () => {
          registry.pool.stopHealthChecks();
          await new Promise<void>((done) => server.close(() => done()));
          await edge?.close();
          await metering.close();
        },
      });
    });
    server.once('error', reject);
    server.on('clientError', answerClientError);
  });
}

/**
 * Requests Node's HTTP parser rejects before the app sees them (oversized headers, malformed
 * framing) still get OpenAI's error envelope instead of a bare status line.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const body = JSON.stringify({
    error: {
      message: tooLarge ? 'Request headers are too large.' : 'Malformed HTTP request.',
      type: 'invalid_request_error',
      param: null,
      code: tooLarge ? 'request_too_large' : 'invalid_value',
    },
  });
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** CLI entry: load config (exit 2 with one line per bad field), start, print a curl, drain on signals. */
export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const level = (process.env.DISTILLGATE_LOG_LEVEL ?? 'info') as 'info';
  const gateway = await startGateway(config, level).catch((err: NodeJS.ErrnoException) => {
    console.error(
      err.code === 'EADDRINUSE'
        ? `port ${config.server.port} is in use: set DISTILLGATE__SERVER__PORT to another port`
        : `gateway failed to start: ${err.message}`,
    );
    process.exit(1);
  });
  let devKey: DevKey = null;
  try {
    devKey = config.metering.requireApiKey ? await ensureDevKey(gateway.metering.db, process.env.DISTILLGATE_DEV_KEY) : null;
  } catch (err) {
    console.error(`DISTILLGATE_DEV_KEY: ${(err as Error).message}`);
    process.exit(2);
  }
  const model = Object.keys(config.models)[0] ?? config.upstreams[0]?.models[0] ?? 'MODEL';
  console.log(`distillgate listening on ${gateway.url}`);
  if (devKey?.created && !process.env.DISTILLGATE_DEV_KEY) {
    console.log(`created a development API key (shown once, only its hash is stored): ${devKey.secret}`);
  }
  const auth = !config.metering.requireApiKey
    ? ''
    : ` -H "authorization: Bearer ${devKey && !process.env.DISTILLGATE_DEV_KEY ? devKey.secret : '$DISTILLGATE_API_KEY'}"`;
  console.log(
    `try:\n  curl -s ${gateway.url}/v1/chat/completions -H 'content-type: application/json'${auth} \\\n    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`,
  );
  const shutdown = () => {
    gateway.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
