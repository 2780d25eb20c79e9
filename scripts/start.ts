/**
 * `npm start`: the embedded default on one machine. Starts the local OpenAI-compatible demo
 * upstream on 127.0.0.1:8000 (an echo model, until the gpu-worker with the bundled teacher takes
 * its place) and then the gateway with `distillgate.config.json`.
 * Set DISTILLGATE_DEMO_UPSTREAM=0 to start the gateway alone.
 */
import { main } from '../apps/gateway/src/server.ts';
import { startMockUpstream } from '../tests/support/mock-upstream.ts';

if (process.env.DISTILLGATE_DEMO_UPSTREAM !== '0') {
  const demo = await startMockUpstream(Number(process.env.DISTILLGATE_DEMO_PORT ?? 8000));
  console.log(`demo upstream (echo model "demo-echo") on ${demo.baseUrl}`);
}
await main();
