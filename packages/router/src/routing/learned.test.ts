import { describe, expect, it } from 'vitest';
import { predictQuality, trainLearnedRouter } from './learned.ts';
import { DENSE_FEATURES, promptFeatures } from './prompt-features.ts';

describe('prompt features', () => {
  it('has the documented layout and is deterministic', () => {
    const x = promptFeatures({ text: 'The LORD spake unto Moses', maxTokens: 16 }, 8);
    expect(x).toHaveLength(DENSE_FEATURES.length + 8);
    expect(x).toEqual(promptFeatures({ text: 'The LORD spake unto Moses', maxTokens: 16 }, 8));
    expect(x.slice(DENSE_FEATURES.length).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12); // word shares sum to 1
    expect(promptFeatures({ text: '' }, 4).every(Number.isFinite)).toBe(true);
    expect(() => promptFeatures({ text: 'x' }, -1)).toThrow(RangeError);
  });
});

describe('learned router', () => {
  // the student does well on scripture, badly on noise: the model must learn to tell them apart
  const good = ['And the LORD spake unto Moses', 'And God said unto Noah', 'unto the children of Israel', 'the LORD thy God'];
  const bad = ['zq xv 93 ##@ qqq', '7 4 9 ?? %%', 'kkk vvv 0x1f ###', '@@ 12 99 qq zz'];
  const examples = [
    ...good.map((text) => ({ features: { text }, quality: 0.95 })),
    ...bad.map((text) => ({ features: { text }, quality: 0.1 })),
  ];

  it('learns to rank the prompts it was trained on, deterministically', () => {
    const model = trainLearnedRouter(examples, { hashBuckets: 16 });
    expect(model.weights).toHaveLength(DENSE_FEATURES.length + 16);
    expect(trainLearnedRouter(examples, { hashBuckets: 16 })).toEqual(model);
    const p = (text: string) => predictQuality(model, { text });
    for (const g of good) for (const b of bad) expect(p(g)).toBeGreaterThan(p(b));
    expect(p('And the LORD said unto Aaron')).toBeGreaterThan(p('qq 99 ## zz'));
    expect(p(good[0]!)).toBeGreaterThan(0);
    expect(p(good[0]!)).toBeLessThan(1);
  });

  it('refuses no examples, bad labels and a model that does not fit its layout', () => {
    expect(() => trainLearnedRouter([])).toThrow(RangeError);
    expect(() => trainLearnedRouter([{ features: { text: 'a' }, quality: 2 }])).toThrow(/quality/);
    const model = trainLearnedRouter(examples, { hashBuckets: 4 });
    expect(() => predictQuality({ ...model, weights: model.weights.slice(1) }, { text: 'a' })).toThrow(RangeError);
  });
});

describe('learned router model in config', () => {
  it('the config schema accepts a trained model and refuses one whose vectors do not fit layout 1', async () => {
    const { learnedRouterModelSchema } = await import('@distillgate/config');
    const model = trainLearnedRouter([{ features: { text: 'a b' }, quality: 0.5 }], { hashBuckets: 4 });
    expect(learnedRouterModelSchema.parse(model)).toEqual(model);
    expect(learnedRouterModelSchema.safeParse({ ...model, weights: [1] }).success).toBe(false);
    expect(DENSE_FEATURES).toHaveLength(learnedRouterModelSchema.parse(model).mean.length);
  });
});
