/**
 * TEST-ONLY: Pearson's chi-square goodness-of-fit test, for checking sampled token frequencies.
 *
 * The p-value is the chi-square survival function sf(x; k) = Q(k/2, x/2), the regularised upper
 * incomplete gamma function, computed as in Press et al., "Numerical Recipes in C", 2nd ed.
 * (1992): §6.1 `gammln` (Lanczos approximation, g = 5, six coefficients, |ε| < 2e-10) and §6.2
 * `gser` (series for P(a, x), used when x < a + 1) and `gcf` (continued fraction for Q(a, x) by the
 * modified Lentz method, otherwise).
 */

// NR's coefficients; -86.50532032941677 is written as the double it parses to.
const LANCZOS = [76.18009172947146, -86.50532032941678, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
const EPS = 3e-16;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 1000;

/** ln Γ(x) for x > 0 (NR §6.1 `gammln`). */
export function lnGamma(x: number): number {
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const c of LANCZOS) ser += c / ++y;
  return -tmp + Math.log((Math.sqrt(2 * Math.PI) * ser) / x);
}

/** Q(a, x) = Γ(a, x) / Γ(a), a > 0, x ≥ 0 (NR §6.2 `gammq`). */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPrefactor = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    // series: P(a, x) = e^{-x} x^a / Γ(a) · Σ_n x^n / (a (a+1) … (a+n))
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < MAX_ITERATIONS && Math.abs(del) > Math.abs(sum) * EPS; n++) {
      del *= x / ++ap;
      sum += del;
    }
    return 1 - sum * Math.exp(lnPrefactor);
  }
  // continued fraction: Q(a, x) = e^{-x} x^a / Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …)))
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(lnPrefactor) * h;
}

/** P(X ≥ x) for X ~ χ²(k). */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  return regularizedGammaQ(degreesOfFreedom / 2, x / 2);
}

/**
 * Pearson's statistic Σ (O − E)² / E over categories, and its p-value with k − 1 degrees of freedom.
 * @param observed counts per category
 * @param expectedProbs probabilities per category (sum 1), all > 0
 */
export function chiSquareTest(
  observed: readonly number[],
  expectedProbs: readonly number[],
): { statistic: number; pValue: number; df: number } {
  const n = observed.reduce((s, v) => s + v, 0);
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = n * expectedProbs[i]!;
    statistic += (observed[i]! - e) ** 2 / e;
  }
  const df = observed.length - 1;
  return { statistic, pValue: chiSquareSurvival(statistic, df), df };
}
