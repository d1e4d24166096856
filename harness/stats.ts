// The statistics of the report: medians with distribution-free confidence intervals, and whether two
// environments differ by more than run-to-run noise. Deterministic (seeded), so reports are reproducible
// from results.json and the generator can be tested against golden files.
import { binomialDistribution, median, permutationTest } from 'simple-statistics';

export const CONFIDENCE = 0.95;
export const ALPHA = 0.05;

export interface Summary {
  readonly n: number;
  readonly median: number;
  /** Interval around the median from order statistics; `coverage` is its actual confidence (≤ 1). */
  readonly low: number;
  readonly high: number;
  readonly coverage: number;
}

/**
 * Median and its confidence interval [x(j), x(n−j+1)], with j the largest rank whose binomial coverage
 * 1 − 2·P(K ≤ j−1), K ~ Bin(n, ½), still reaches `level`. No normality assumed: latencies are skewed.
 * Below 6 values no pair reaches 95 %; then the interval is [min, max] and `coverage` says how much less.
 */
export function summarize(values: readonly number[], level = CONFIDENCE): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) throw new Error('summarize: no finite values');
  const sorted = [...finite].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 1) return { n, median: sorted[0]!, low: sorted[0]!, high: sorted[0]!, coverage: 0 };
  const p = binomialDistribution(n, 0.5) ?? [];
  const coverageOf = (j: number) => 1 - 2 * p.slice(0, j).reduce((s, x) => s + x, 0);
  let j = 1;
  while (j + 1 <= Math.floor(n / 2) && coverageOf(j) >= level) {
    if (coverageOf(j + 1) < level) break;
    j++;
  }
  return { n, median: median(sorted), low: sorted[j - 1]!, high: sorted[n - j]!, coverage: coverageOf(j) };
}

/** A small seeded PRNG (mulberry32): the permutation test's shuffles repeat exactly run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function binomialCoefficient(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

export interface Comparison {
  /** Difference of medians relative to the baseline's median, in percent. */
  readonly differencePercent: number;
  /** Two-sided permutation test of the means, 10 000 seeded shuffles. */
  readonly pValue: number;
  readonly significant: boolean;
  /** Set when the samples are too small for any difference to reach ALPHA (e.g. 3 vs 3 runs: p ≥ 0.1). */
  readonly tooFew?: string;
}

export function compare(values: readonly number[], baseline: readonly number[]): Comparison {
  const a = values.filter(Number.isFinite);
  const b = baseline.filter(Number.isFinite);
  if (a.length === 0 || b.length === 0) throw new Error('compare: both samples need finite values');
  const mb = median(b);
  const differencePercent = mb === 0 ? Number.NaN : ((median(a) - mb) / Math.abs(mb)) * 100;
  const smallestP = 2 / binomialCoefficient(a.length + b.length, a.length);
  const allEqual = [...a, ...b].every((v) => v === a[0]);
  const pValue = allEqual
    ? 1
    : Math.min(1, permutationTest(a, b, 'two_side', 10_000, seededRandom(20261126)));
  const tooFew =
    smallestP > ALPHA
      ? `${a.length} vs ${b.length} samples: the smallest possible p is ${smallestP.toFixed(2)}, so no difference can be significant`
      : undefined;
  return { differencePercent, pValue, significant: !tooFew && pValue < ALPHA, ...(tooFew ? { tooFew } : {}) };
}

/** `0.62 [0.58, 0.66]`: a summary's median and confidence interval. */
export function formatSummary(s: Summary, digits = 2, unit = ''): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(s.median)}${unit} [${f(s.low)}, ${f(s.high)}]`;
}

/**
 * Ratios of paired measurements (round i of A over round i of B, the rounds interleaved so that the
 * machine's drift affects both alike), summarised as median with its order-statistics interval.
 */
export function ratioSummary(numerators: readonly number[], denominators: readonly number[]): Summary {
  if (numerators.length !== denominators.length) throw new Error('ratioSummary: unpaired measurements');
  return summarize(numerators.map((n, i) => n / denominators[i]!));
}

/** Whether an interval is narrow enough and really has the asked confidence (not [min, max] of a few). */
export function precise(s: Summary, maxWidth: number, level = CONFIDENCE): boolean {
  return s.coverage >= level && s.high - s.low <= maxWidth;
}

/** Whether a benchmark may stop after `round`: enough rounds, and every ratio precise enough. */
export function enoughRounds(
  round: number,
  ratios: readonly Summary[],
  o: { readonly minRounds: number; readonly ciWidth: number },
): boolean {
  return round >= o.minRounds && ratios.every((r) => precise(r, o.ciWidth));
}

export type Verdict = 'met' | 'NOT met' | 'undecided (the interval straddles the target)';

/** A target is met only when the whole confidence interval is on its right side. */
export function verdict(s: Summary, target: number, want: 'at least' | 'at most' | 'below'): Verdict {
  const [good, bad] =
    want === 'at least'
      ? [s.low >= target, s.high < target]
      : want === 'at most'
        ? [s.high <= target, s.low > target]
        : [s.high < target, s.low >= target];
  return good ? 'met' : bad ? 'NOT met' : 'undecided (the interval straddles the target)';
}
