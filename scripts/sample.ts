/**
 * `npm run sample -- [--model distillgate-teacher] [--tokens 48] [--seed 0] [--runtime node|web]`:
 * prints a greedy and a seeded sampled continuation (temperature 0.8, top-k 40, as
 * gpu-worker/trainer/sample.py does from a checkpoint) for five fixed prompts, from the committed
 * ONNX model's live version under models/ — the same engine and files the gateway serves.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { GenerationEvent } from '@distillgate/edge-model';
import { liveVersion, loadEngineFromDir } from '@distillgate/edge-model/node';

/** One prompt per corpus register (Brown news, KJV, Jargon File, Devil's Dictionary, fiction); sample.py's list. */
const PROMPTS = [
  'The committee said on Monday that',
  'And the LORD spake unto Moses, saying,',
  'hacker n.',
  'CYNIC, n.',
  'She opened the door and',
];

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'distillgate-teacher' },
    tokens: { type: 'string', default: '48' },
    seed: { type: 'string', default: '0' },
    runtime: { type: 'string', default: 'node' },
    'models-dir': { type: 'string', default: 'models' },
  },
});

const version = await liveVersion(args['models-dir'], args.model);
if (!version) {
  console.error(`no live version of ${args.model} in ${args['models-dir']}/${args.model}/channels.json`);
  process.exit(1);
}
const engine = await loadEngineFromDir(join(args['models-dir'], args.model, version), {
  runtime: args.runtime === 'web' ? 'web' : 'node',
  maxConcurrent: 1,
  maxQueued: 0,
});

async function complete(prompt: string, sampled: boolean): Promise<string> {
  const request = {
    prompt,
    max_tokens: Number(args.tokens),
    ...(sampled ? { temperature: 0.8, top_k: 40, seed: Number(args.seed) } : { temperature: 0 }),
  };
  let text = '';
  for await (const event of engine.generate(request) as AsyncIterable<GenerationEvent>) {
    text += event.text; // token deltas, then the done event's held-back tail
  }
  return text;
}

console.log(`${args.model}@${version} (${args.runtime}), ${args.tokens} tokens`);
for (const prompt of PROMPTS) {
  console.log(`\n» ${prompt}`);
  console.log(`  greedy : ${JSON.stringify(await complete(prompt, false))}`);
  console.log(`  sampled: ${JSON.stringify(await complete(prompt, true))}`);
}
await engine.close();
