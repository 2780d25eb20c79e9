/**
 * Live canary decisions for a new student version from shadow records (issue 8 §2): both the live
 * and the canary version answer sampled requests (the canary gets its channels.json share of them),
 * and each shadow record says how good that version's answer was (quality.ts, one measure). The
 * canary is promoted when it is not worse than live by more than `maxQualityDrop` with 95 %
 * confidence, rolled back when it is worse by more than that with 95 % confidence, and kept
 * running otherwise.
 *
 * The interval is Welch's normal approximation for a difference of means:
 *   d = mean(c) − mean(l),  se = sqrt(var(c)/n_c + var(l)/n_l),  95 % CI = d ± 1.96·se
 * (B. L. Welch, "The generalization of Student's problem when several different population
 * variances are involved", Biometrika 34, 1947; the large-sample z form). Both sides need
 * `minRecords` records first.
 */

export interface CanaryPolicy {
  /** Records each version needs before any decision. */
  minRecords: number;
  /** Largest acceptable loss of mean quality, in the measure's units (0..1). */
  maxQualityDrop: number;
}

export interface CanaryVerdict {
  decision: 'promote' | 'rollback' | 'wait';
  /** mean(canary) − mean(live); null before both have records. */
  difference: number | null;
  /** 95 % interval of the difference; null before both have ≥ 2 records. */
  interval: [number, number] | null;
  liveRecords: number;
  canaryRecords: number;
}

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

function meanVar(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, variance };
}

/**
 * @param live qualities of the live version's shadow answers, each in [0, 1]
 * @param canary qualities of the canary's
 */
export function canaryVerdict(live: readonly number[], canary: readonly number[], policy: CanaryPolicy): CanaryVerdict {
  const counts = { liveRecords: live.length, canaryRecords: canary.length };
  if (live.length === 0 || canary.length === 0) return { decision: 'wait', difference: null, interval: null, ...counts };
  const l = meanVar(live);
  const c = meanVar(canary);
  const difference = c.mean - l.mean;
  if (live.length < 2 || canary.length < 2) return { decision: 'wait', difference, interval: null, ...counts };
  const se = Math.sqrt(c.variance / canary.length + l.variance / live.length);
  const interval: [number, number] = [difference - Z95 * se, difference + Z95 * se];
  if (live.length < policy.minRecords || canary.length < policy.minRecords) return { decision: 'wait', difference, interval, ...counts };
  const decision = interval[0] >= -policy.maxQualityDrop ? 'promote' : interval[1] < -policy.maxQualityDrop ? 'rollback' : 'wait';
  return { decision, difference, interval, ...counts };
}
