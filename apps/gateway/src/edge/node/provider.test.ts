/**
 * The Node EdgeProvider with a real worker thread and the test model (onnxruntime-web): the shared
 * conformance suite, plus what is Node's own (channels.json reload, errors logged once).
 */
import { silentLogger } from '@distillgate/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS } from '../../../../../packages/edge-model/src/test-model.ts';
import { type EdgeModelsDir, edgeSkipReason, makeEdgeModelsDir, STUDENT } from '../../../../../tests/e2e/edge-models.ts';
import { edgeProviderConformance } from '../provider-conformance.ts';
import { NodeEdgeProvider } from './provider.ts';

const skipReason = edgeSkipReason();

const limits = { maxConcurrent: 1, maxQueued: 0, runtime: 'web' as const, channelsCheckMs: 50 };

describe.skipIf(skipReason !== null)('NodeEdgeProvider', () => {
  edgeProviderConformance(
    'Node (worker thread, onnxruntime-web)',
    async () => {
      const models = await makeEdgeModelsDir();
      models.addBroken('broken', 'onnx');
      const provider = new NodeEdgeProvider({ ...limits, modelsDir: models.dir, models: [STUDENT, 'broken'], logger: silentLogger });
      return {
        provider,
        model: STUDENT,
        broken: 'broken',
        close: async () => {
          await provider.close();
          models.remove();
        },
      };
    },
    BUILD_TIMEOUT_MS,
  );

  describe('channels.json and logging', () => {
    let models: EdgeModelsDir;
    let provider: NodeEdgeProvider;
    const logged: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
    const logger = { ...silentLogger, error: (msg: string, fields?: Record<string, unknown>) => logged.push({ msg, fields }) };
    const generate = async () => {
      const g = await provider.generate(
        STUDENT,
        { prompt: 'In the beginning', max_tokens: 2, temperature: 0 },
        AbortSignal.timeout(60_000),
      );
      for await (const _ of g.events);
      return g.version;
    };
    const until = async (what: () => boolean | Promise<boolean>, ms = 10_000) => {
      const deadline = Date.now() + ms;
      while (!(await what())) {
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    beforeAll(async () => {
      models = await makeEdgeModelsDir();
      provider = new NodeEdgeProvider({ ...limits, maxConcurrent: 2, modelsDir: models.dir, models: [STUDENT, 'absent'], logger });
    }, BUILD_TIMEOUT_MS);
    afterAll(async () => {
      await provider?.close();
      models?.remove();
    });

    it('the version is known before loading; after a switch new generations use the new version', async () => {
      await until(() => provider.models()[0]?.version === models.versions.a);
      expect(provider.models()[0]).toMatchObject({ status: 'not_loaded', version: models.versions.a });
      expect(await generate()).toBe(models.versions.a);
      models.setLive(models.versions.b);
      await until(async () => (await generate()) === models.versions.b);
      expect(provider.models()[0]).toMatchObject({ status: 'ready', version: models.versions.b });
    }, 60_000);

    it('a canary gets its share of generations; share 1 → all, removed → none; no restart', async () => {
      const { a, b } = models.versions;
      const draws = [0.05, 0.5, 0.15, 0.95]; // share 0.2: the 1st and 3rd go to the canary
      let i = 0;
      const split = new NodeEdgeProvider({
        ...limits,
        modelsDir: models.dir,
        models: [STUDENT],
        logger,
        random: () => draws[i++ % draws.length]!,
      });
      try {
        models.setChannels(a, { version: b, share: 0.2 });
        const g = async () => {
          const r = await split.generate(STUDENT, { prompt: 'x', max_tokens: 1, temperature: 0 }, AbortSignal.timeout(60_000));
          for await (const _ of r.events);
          return r.version;
        };
        await until(async () => (await g()) === b);
        i = 0;
        expect([await g(), await g(), await g(), await g()]).toEqual([b, a, b, a]);
        models.setChannels(a, { version: b, share: 1 });
        await until(async () => (await g()) === b && (await g()) === b);
        models.setChannels(a, { version: 'missing-version', share: 1 }); // unreadable canary: live serves
        await until(async () => (await g()) === a);
        expect(logged.some((l) => String(l.fields?.problem).includes('canary ignored'))).toBe(true);
        models.setLive(a);
        await until(async () => (await g()) === a);
      } finally {
        await split.close();
        logged.length = 0; // the next test counts its own log lines
      }
    }, 60_000);

    it('a missing channels.json: unavailable, logged once however many requests hit it', async () => {
      for (let i = 0; i < 3; i++)
        await expect(provider.generate('absent', { prompt: 'x' }, AbortSignal.timeout(5_000))).rejects.toThrow(/unavailable/);
      expect(provider.models()[1]).toMatchObject({ id: 'absent', status: 'unavailable', version: null });
      expect(logged.filter((l) => l.fields?.model === 'absent')).toHaveLength(1);
      expect(String(logged[0]?.fields?.problem)).toMatch(/channels\.json not found/);
    });
  });
});
