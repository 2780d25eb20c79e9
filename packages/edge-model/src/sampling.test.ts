import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, chiSquareTest, lnGamma } from './chi-square.ts';
import { Xoshiro128StarStar } from './prng.ts';
import { argmax, candidates, Sampler } from './sampling.ts';

describe('xoshiro128** + SplitMix64', () => {
  it('matches the reference C (prng.di.unimi.it) for seed 42', () => {
    // Expected values: the reference splitmix64.c + xoshiro128starstar.c compiled with gcc, x = 42.
    const rng = Xoshiro128StarStar.fromSeed(42);
    expect(Array.from({ length: 5 }, () => rng.nextUint32())).toEqual([1776835114, 4165204688, 17111135, 2317295270, 2792088233]);
  });

  it('gives doubles in [0, 1) and the same stream for the same seed', () => {
    const a = Xoshiro128StarStar.fromSeed(-7);
    const b = Xoshiro128StarStar.fromSeed(-7);
    for (let i = 0; i < 1000; i++) {
      const u = a.nextFloat();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(b.nextFloat()).toBe(u);
    }
  });
});

describe('chi-square survival function (NR §6.2)', () => {
  it('matches tabulated critical values', () => {
    expect(Math.exp(lnGamma(5))).toBeCloseTo(24, 8);
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(10, 10)).toBeCloseTo(0.44049328506521257, 9);
    expect(chiSquareSurvival(0.5, 4)).toBeCloseTo(0.9735009788392561, 9);
  });
});

/** The expected sampling distribution, computed independently of sampling.ts (no shared code). */
function expectedDistribution(logits: number[], temperature: number, topK: number, topP: number): Map<number, number> {
  const scaled = logits.map((l) => l / temperature);
  const max = Math.max(...scaled);
  const z = scaled.reduce((s, v) => s + Math.exp(v - max), 0);
  let ranked = scaled.map((v, id) => ({ id, p: Math.exp(v - max) / z })).sort((a, b) => b.p - a.p || a.id - b.id);
  if (topK > 0) ranked = ranked.slice(0, topK);
  const massK = ranked.reduce((s, r) => s + r.p, 0);
  ranked = ranked.map((r) => ({ ...r, p: r.p / massK }));
  const kept: typeof ranked = [];
  let cumulative = 0;
  for (const r of ranked) {
    kept.push(r);
    cumulative += r.p;
    if (cumulative >= topP) break;
  }
  const mass = kept.reduce((s, r) => s + r.p, 0);
  return new Map(kept.map((r) => [r.id, r.p / mass]));
}

const LOGITS = [2.0, 1.5, 1.2, 1.0, 0.8, 0.5, 0.3, 0.0, -0.5, -1.0, -2.0, -3.0];

describe('Sampler', () => {
  it('is greedy at temperature 0 (ties → lowest id) and ignores the seed', () => {
    const logits = Float32Array.from([0.1, 3, 3, -1]);
    expect(argmax(logits)).toBe(1);
    for (const seed of [1, 2, 3]) expect(new Sampler({ temperature: 0, seed }).sample(logits)).toBe(1);
  });

  it.each([
    { temperature: 1, top_k: 0, top_p: 1 },
    { temperature: 0.7, top_k: 5, top_p: 1 },
    { temperature: 1.3, top_k: 0, top_p: 0.8 },
    { temperature: 0.8, top_k: 8, top_p: 0.9 },
  ])('10,000 seeded draws match softmax(logits/T) after top_k/top_p: %o', ({ temperature, top_k, top_p }) => {
    const want = expectedDistribution(LOGITS, temperature, top_k, top_p);
    const got = candidates(Float32Array.from(LOGITS), temperature, top_k, top_p);
    expect(new Set(got.ids)).toEqual(new Set(want.keys()));
    const sampler = new Sampler({ temperature, top_k, top_p, seed: 20260101 });
    const counts = new Map<number, number>();
    const logits = Float32Array.from(LOGITS);
    for (let i = 0; i < 10_000; i++) {
      const id = sampler.sample(logits);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const id of counts.keys()) expect(want.has(id), `token ${id} was cut by top_k/top_p but drawn`).toBe(true);
    const ids = [...want.keys()];
    for (const id of ids) expect(10_000 * want.get(id)!).toBeGreaterThanOrEqual(5); // chi-square validity
    const { pValue, statistic, df } = chiSquareTest(
      ids.map((id) => counts.get(id) ?? 0),
      ids.map((id) => want.get(id)!),
    );
    expect(pValue, `χ²=${statistic.toFixed(2)}, df=${df}`).toBeGreaterThan(0.001);
  });

  it('same seed → same draws; different seeds → different draws', () => {
    const logits = Float32Array.from(LOGITS);
    const draw = (seed: number) => {
      const s = new Sampler({ temperature: 1, seed });
      return Array.from({ length: 50 }, () => s.sample(logits));
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });

  it('keeps at least one token for a tiny top_p, and rejects bad parameters', () => {
    const { ids } = candidates(Float32Array.from(LOGITS), 1, 0, 1e-9);
    expect(Array.from(ids)).toEqual([0]);
    expect(() => new Sampler({ top_p: 0 })).toThrow(RangeError);
    expect(() => new Sampler({ top_k: 1.5 })).toThrow(RangeError);
    expect(() => new Sampler({ temperature: -1 })).toThrow(RangeError);
  });
});
