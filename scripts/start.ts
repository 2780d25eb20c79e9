/**
 * `npm start`: the embedded default on one machine. Starts the local OpenAI-compatible demo
 * upstream (an echo model, until the gpu-worker with the bundled teacher takes its place) on the
 * loopback address that the config's `local` upstream points at — so overriding
 * `DISTILLGATE__UPSTREAMS__0__BASE_URL` moves both — then the gateway.
 * Set DISTILLGATE_DEMO_UPSTREAM=0 to start the gateway alone.
 */
import { ConfigError } from '@distillgate/config';
import { loadConfig } from '@distillgate/config/node';
import { main } from '../apps/gateway/src/server.ts';
import { startMockUpstream } from '../tests/support/mock-upstream.ts';

/** The port of the `local` upstream when it is on this machine's loopback, else undefined. */
function demoPort(): number | undefined {
  try {
    const local = loadConfig().upstreams.find((u) => u.name === 'local');
    if (!local) return undefined;
    const url = new URL(local.baseUrl);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
    return Number(url.port || 80);
  } catch (err) {
    if (err instanceof ConfigError) return undefined; // main() reports it
    throw err;
  }
}

const port = process.env.DISTILLGATE_DEMO_UPSTREAM === '0' ? undefined : demoPort();
if (port !== undefined) {
  try {
    const demo = await startMockUpstream(port);
    console.log(`demo upstream (echo model "demo-echo") on ${demo.baseUrl}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(
      code === 'EADDRINUSE'
        ? `port ${port} (the "local" upstream) is in use: stop what holds it, point DISTILLGATE__UPSTREAMS__0__BASE_URL elsewhere, or set DISTILLGATE_DEMO_UPSTREAM=0`
        : `demo upstream failed to start: ${(err as Error).message}`,
    );
    process.exit(1);
  }
}
await main();
