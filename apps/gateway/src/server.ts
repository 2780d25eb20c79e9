/**
 * Node entry: `npm start` → loads the config, serves the app with @hono/node-server, prints a
 * ready-to-paste curl, drains on SIGTERM/SIGINT.
 */

import { type Config, ConfigError } from '@distillgate/config';
import { loadConfig } from '@distillgate/config/node';
import { UpstreamRegistry } from '@distillgate/router';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { NodeEdgeProvider } from './edge/node/provider.ts';
import { createJsonLogger } from './log.ts';
import { batchedStdioSink } from './node-log-sink.ts';
import { nodeFetchFor } from './node-transport.ts';

/** A running gateway. */
export interface RunningGateway {
  /** e.g. `http://127.0.0.1:8787` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the gateway on `config.server.host:port` (port 0 → a free port). Edge models (if any are
 * configured) run in a worker thread, each loaded on its first request.
 */
export async function startGateway(config: Config, logLevel: 'debug' | 'info' | 'warn' | 'error' = 'info'): Promise<RunningGateway> {
  const logger = createJsonLogger(logLevel, batchedStdioSink());
  const registry = new UpstreamRegistry(config, nodeFetchFor);
  const edge = config.edge.models.length > 0 ? new NodeEdgeProvider({ ...config.edge, logger }) : undefined;
  const app = createApp({ config, registry, logger, ...(edge ? { edge } : {}) });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, (info) => {
      const url = `http://${config.server.host}:${info.port}`;
      resolve({
        url,
        port: info.port,
        close: async () => {
          await new Promise<void>((done) => server.close(() => done()));
          await edge?.close();
        },
      });
    });
  });
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
  const gateway = await startGateway(config, level);
  const model = Object.keys(config.models)[0] ?? config.upstreams[0]?.models[0] ?? 'MODEL';
  console.log(`distillgate listening on ${gateway.url}`);
  console.log(
    `try:\n  curl -s ${gateway.url}/v1/chat/completions -H 'content-type: application/json' \\\n    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`,
  );
  const shutdown = () => {
    gateway.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
