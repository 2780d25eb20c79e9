/**
 * The learned router: logistic regression on prompt features (prompt-features.ts) predicting the
 * quality the student's answer will have relative to the teacher's (quality.ts, in [0, 1]), trained
 * from records where both models' answers are known (shadow records, or the routing evaluation's
 * training split). Soft labels: the target of each example is its quality itself, so the loss is
 * the binary cross-entropy between σ(w·z + b) and q (well defined for q in [0, 1]), plus L2 on w.
 * RouteLLM trains classifiers of the same kind on preference labels; here the label is measured.
 *
 * The model is plain JSON (config `routing.aliases.<alias>.learned.model`), so Node and Workers
 * run the same numbers with no file to load.
 */
import { DEFAULT_HASH_BUCKETS, DENSE_FEATURES, type PromptFeatureInput, promptFeatures } from './prompt-features.ts';

/** A trained model, as stored in config. */
export interface LearnedRouterModel {
  /** Feature layout version (prompt-features.ts); 1 = DENSE_FEATURES + hashed words. */
  featureVersion: 1;
  hashBuckets: number;
  /** Per dense feature: mean and standard deviation on the training set (z = (x − mean) / scale). */
  mean: number[];
  scale: number[];
  /** One weight per feature (dense, then buckets). */
  weights: number[];
  bias: number;
}

export interface TrainingExample {
  features: PromptFeatureInput;
  /** Measured quality of the student's answer, in [0, 1]. */
  quality: number;
}

export interface TrainOptions {
  /** @default DEFAULT_HASH_BUCKETS (64) */
  hashBuckets?: number;
  /** L2 strength λ (loss + λ/2·‖w‖² per example). @default 0.01 */
  l2?: number;
  /** Full-batch gradient steps. @default 400 */
  steps?: number;
  /** Step size. @default 0.5 */
  learningRate?: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Standardised vector: dense features z-scored with the model's statistics, buckets as they are. */
function standardise(raw: readonly number[], mean: readonly number[], scale: readonly number[]): number[] {
  return raw.map((x, i) => (i < mean.length ? (x - mean[i]!) / scale[i]! : x));
}

/**
 * Deterministic full-batch gradient descent (same data → same model, bit for bit).
 * @throws RangeError for no examples or a quality outside [0, 1]
 */
export function trainLearnedRouter(examples: readonly TrainingExample[], options: TrainOptions = {}): LearnedRouterModel {
  const hashBuckets = options.hashBuckets ?? DEFAULT_HASH_BUCKETS;
  return trainOnVectors(
    examples.map((e) => ({ features: promptFeatures(e.features, hashBuckets), quality: e.quality })),
    { ...options, hashBuckets },
  );
}

/**
 * The same training on raw feature vectors already computed with `promptFeatures(…, hashBuckets)`
 * (shadow records store them, never the prompt text).
 * @param examples each `features` of length DENSE_FEATURES.length + options.hashBuckets
 * @throws RangeError for no examples, a vector of the wrong length, or a quality outside [0, 1]
 */
export function trainOnVectors(
  examples: readonly { features: readonly number[]; quality: number }[],
  options: TrainOptions = {},
): LearnedRouterModel {
  if (examples.length === 0) throw new RangeError('the learned router needs at least one training example');
  const hashBuckets = options.hashBuckets ?? DEFAULT_HASH_BUCKETS;
  const l2 = options.l2 ?? 0.01;
  const steps = options.steps ?? 400;
  const lr = options.learningRate ?? 0.5;
  const d = DENSE_FEATURES.length;
  const dim = d + hashBuckets;
  const raw = examples.map((e) => {
    if (!(e.quality >= 0 && e.quality <= 1)) throw new RangeError(`quality must be in [0, 1], got ${e.quality}`);
    if (e.features.length !== dim)
      throw new RangeError(`a feature vector has ${e.features.length} entries, layout 1 with ${hashBuckets} buckets has ${dim}`);
    return e.features;
  });
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const x of raw) for (let i = 0; i < d; i++) mean[i]! += x[i]! / raw.length;
  for (const x of raw) for (let i = 0; i < d; i++) scale[i]! += (x[i]! - mean[i]!) ** 2 / raw.length;
  for (let i = 0; i < d; i++) scale[i] = Math.sqrt(scale[i]!) || 1;
  const xs = raw.map((x) => standardise(x, mean, scale));
  const ys = examples.map((e) => e.quality);
  const w = new Array<number>(dim).fill(0);
  // start at the mean label: the model before any feature is the base rate
  const base = Math.min(1 - 1e-6, Math.max(1e-6, ys.reduce((s, y) => s + y, 0) / ys.length));
  let b = Math.log(base / (1 - base));
  for (let step = 0; step < steps; step++) {
    const gw = w.map((wi) => l2 * wi);
    let gb = 0;
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k]!;
      let z = b;
      for (let i = 0; i < dim; i++) z += w[i]! * x[i]!;
      const err = (sigmoid(z) - ys[k]!) / xs.length;
      for (let i = 0; i < dim; i++) gw[i]! += err * x[i]!;
      gb += err;
    }
    for (let i = 0; i < dim; i++) w[i]! -= lr * gw[i]!;
    b -= lr * gb;
  }
  return { featureVersion: 1, hashBuckets, mean, scale, weights: w, bias: b };
}

/**
 * Predicted quality of the student's answer, in (0, 1).
 * @throws RangeError when the model's vector lengths do not match its feature layout
 */
export function predictQuality(model: LearnedRouterModel, input: PromptFeatureInput): number {
  return predictVector(model, promptFeatures(input, model.hashBuckets));
}

/**
 * The same from a raw feature vector (`promptFeatures(…, model.hashBuckets)`, e.g. a shadow record's).
 * @throws RangeError when the model or the vector does not match the feature layout
 */
export function predictVector(model: LearnedRouterModel, raw: readonly number[]): number {
  const d = DENSE_FEATURES.length;
  const dim = d + model.hashBuckets;
  if (model.mean.length !== d || model.scale.length !== d || model.weights.length !== dim || raw.length !== dim) {
    throw new RangeError(
      `learned router model or vector does not match feature layout ${model.featureVersion} (${d} dense + ${model.hashBuckets} buckets)`,
    );
  }
  const x = standardise(raw, model.mean, model.scale);
  let z = model.bias;
  for (let i = 0; i < x.length; i++) z += model.weights[i]! * x[i]!;
  return sigmoid(z);
}
