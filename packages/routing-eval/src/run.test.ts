/**
 * End to end on the committed models: 4 prompts from a fixture file, M = 8, into temp folders —
 * collection, throughput, analysis, report; then a rerun that resumes without measuring again.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readRecords } from './collect.ts';
import { runRoutingEval } from './run.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('runRoutingEval (real models)', () => {
  it('measures, reports and resumes', { timeout: 60_000 }, async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'routing-eval-'));
    try {
      const options = {
        promptsFile: fileURLToPath(new URL('./fixtures/prompts.txt', import.meta.url)),
        maxTokens: 8,
        probeTokens: 4,
        run: 'test',
        runsDir: join(tmp, 'runs'),
        outDir: join(tmp, 'out'),
        modelsDir: join(ROOT, 'models'),
        resamples: 100,
        throughputPrompts: 4,
        quiet: true,
      };
      await runRoutingEval(options);
      const records = await readRecords(join(tmp, 'runs', 'test', 'records.jsonl'));
      expect(records).toHaveLength(4);
      for (const r of records) {
        expect(r.student.tokens).toBeLessThanOrEqual(8);
        expect(r.student.steps).toHaveLength(r.student.tokens);
        expect(r.student.cpuMsAtToken).toHaveLength(r.student.tokens);
        expect(r.quality.q).toBeGreaterThanOrEqual(0);
        expect(r.quality.q).toBeLessThanOrEqual(1);
        expect(r.student.cpuMs).toBeGreaterThan(0);
      }
      const report = await readFile(join(tmp, 'out', 'REPORT.md'), 'utf8');
      expect(report).toMatch(/\*\*Target (met|not met)\.\*\*/);
      const throughput = JSON.parse(await readFile(join(tmp, 'runs', 'test', 'throughput.json'), 'utf8'));
      expect(throughput.tokensPerS).toBeGreaterThan(0);

      await runRoutingEval(options); // resumes: nothing new to measure
      expect(await readRecords(join(tmp, 'runs', 'test', 'records.jsonl'))).toEqual(records);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
