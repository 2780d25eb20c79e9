/**
 * wrangler.toml's deployed environments (staging, production), read by wrangler's own config reader:
 * each names every binding the Worker needs (D1 `DB`, R2 `MODELS`, Durable Object `KEY_LIMITS`, the
 * Queue producer `USAGE_QUEUE` and its consumer with a dead-letter queue), none shares a resource with
 * the other, and `wrangler deploy --dry-run --env <env>` bundles each one offline (~3 s each).
 * The top-level Worker (local development, tests/workerd) keeps the direct D1 sink: no queue.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = join(ROOT, 'wrangler.toml');
const ENVS = ['staging', 'production'] as const;
const OFFLINE = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' };

/** The part of wrangler's resolved config checked here. */
interface ResolvedConfig {
  name: string;
  main: string;
  vars: Record<string, unknown>;
  d1_databases: { binding: string; database_name: string; database_id: string; migrations_dir?: string }[];
  r2_buckets: { binding: string; bucket_name: string }[];
  durable_objects: { bindings: { name: string; class_name: string }[] };
  migrations: unknown[];
  queues: {
    producers?: { binding: string; queue: string }[];
    consumers?: { queue: string; max_batch_size?: number; max_batch_timeout?: number; max_retries?: number; dead_letter_queue?: string }[];
  };
  assets?: { directory?: string };
}

const read = (env?: string) => unstable_readConfig({ config: CONFIG, ...(env ? { env } : {}) }) as unknown as ResolvedConfig;

/** Every external resource an environment points at, as "kind:name". */
function resources(env: string): string[] {
  const c = read(env);
  return [
    ...c.d1_databases.flatMap((d) => [`d1:${d.database_name}`, `d1id:${d.database_id}`]),
    ...c.r2_buckets.map((b) => `r2:${b.bucket_name}`),
    ...(c.queues.producers ?? []).map((q) => `queue:${q.queue}`),
    ...(c.queues.consumers ?? []).map((q) => `dlq:${q.dead_letter_queue}`),
  ];
}

describe('wrangler environments', () => {
  for (const name of ENVS) {
    it(`${name}: its own Worker with DB, MODELS, KEY_LIMITS, USAGE_QUEUE and the queue's consumer`, () => {
      const c = read(name);
      expect(c.name).toBe(`distillgate-${name}`);
      expect(c.main).toBe(join(ROOT, 'apps/gateway/src/worker.ts'));
      expect(c.d1_databases).toEqual([
        expect.objectContaining({ binding: 'DB', database_name: `distillgate-${name}`, migrations_dir: 'packages/db/migrations' }),
      ]);
      expect(c.d1_databases[0]!.database_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(c.r2_buckets).toEqual([{ binding: 'MODELS', bucket_name: `distillgate-models-${name}` }]);
      expect(c.durable_objects.bindings).toEqual([{ name: 'KEY_LIMITS', class_name: 'KeyLimitsObject' }]);
      expect(c.migrations).toEqual(read().migrations); // the same Durable Object class history as the top level
      const queue = `distillgate-usage-${name}`;
      expect(c.queues.producers).toEqual([{ binding: 'USAGE_QUEUE', queue }]);
      expect(c.queues.consumers).toEqual([
        expect.objectContaining({ queue, dead_letter_queue: `distillgate-usage-dlq-${name}`, max_batch_size: 100, max_batch_timeout: 5 }),
      ]);
      expect(c.queues.consumers![0]!.max_retries).toBeGreaterThanOrEqual(1);
      expect(c.vars).toMatchObject({ DISTILLGATE_LOG_LEVEL: 'info' });
      expect(c.assets?.directory).toBe(read().assets?.directory); // inherited: the dashboard
    });
  }

  it('staging and production share no database, bucket or queue', () => {
    const [staging, production] = ENVS.map(resources);
    expect(staging!.filter((r) => production!.includes(r))).toEqual([]);
  });

  it('the top-level Worker (wrangler dev, tests/workerd) has no queue: usage rows go straight to D1', () => {
    const c = read();
    expect(c.queues.producers ?? []).toEqual([]);
    expect(c.d1_databases.map((d) => d.binding)).toEqual(['DB']);
  });

  it('`wrangler deploy --dry-run` bundles both environments offline and lists every binding', { timeout: 120_000 }, async () => {
    const outputs = await Promise.all(
      ENVS.map(async (name) => {
        const outdir = mkdtempSync(join(tmpdir(), `distillgate-dry-run-${name}-`));
        try {
          return await new Promise<string>((resolve, reject) => {
            execFile(
              process.execPath,
              [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--env', name, '--outdir', outdir],
              { cwd: ROOT, env: OFFLINE, timeout: 110_000 },
              (error, stdout, stderr) => (error ? reject(new Error(`${name}: ${error.message}\n${stderr}`)) : resolve(stdout + stderr)),
            );
          });
        } finally {
          rmSync(outdir, { recursive: true, force: true });
        }
      }),
    );
    for (const [i, name] of ENVS.entries()) {
      const out = outputs[i]!;
      expect(out).toContain('--dry-run: exiting now.');
      expect(out).not.toMatch(/\bWARNING\b|\bERROR\b/);
      expect(out).toMatch(/env\.KEY_LIMITS \(KeyLimitsObject\)\s+Durable Object/);
      expect(out).toContain(`env.USAGE_QUEUE (distillgate-usage-${name})`);
      expect(out).toContain(`env.DB (distillgate-${name})`);
      expect(out).toContain(`env.MODELS (distillgate-models-${name})`);
    }
  });
});
