// The report's statistics on values whose answers are known by hand.
import { describe, expect, it } from 'vitest';
import {
  compare,
  formatSummary,
  precise,
  ratioSummary,
  seededRandom,
  summarize,
  verdict,
} from '../../harness/stats.ts';

describe('summarize: median and its order-statistic confidence interval', () => {
  it('1..10: median 5.5, interval [x(2), x(9)] with 97.9 % coverage', () => {
    const s = summarize([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(s).toMatchObject({ n: 10, median: 5.5, low: 2, high: 9 });
    expect(s.coverage).toBeCloseTo(1 - 2 * (11 / 1024), 6);
  });

  it('5 values cannot reach 95 %: [min, max] with its real coverage (93.75 %)', () => {
    const s = summarize([3, 1, 2, 5, 4]);
    expect(s).toMatchObject({ n: 5, median: 3, low: 1, high: 5 });
    expect(s.coverage).toBeCloseTo(0.9375, 6);
  });

  it('one value: itself, with no coverage claimed; non-finite values are ignored; none is an error', () => {
    expect(summarize([7, Number.NaN])).toEqual({ n: 1, median: 7, low: 7, high: 7, coverage: 0 });
    expect(() => summarize([Number.NaN])).toThrow(/no finite values/);
  });
});

describe('compare: difference from the baseline and its significance', () => {
  it('clearly separated samples of 8: the difference is significant', () => {
    const base = [10, 11, 9, 10.5, 10.2, 9.8, 10.1, 9.9];
    const slower = base.map((x) => x * 1.5);
    const c = compare(slower, base);
    expect(c.differencePercent).toBeCloseTo(50, 6);
    expect(c.significant).toBe(true);
    expect(c.pValue).toBeLessThan(0.01);
    expect(c.tooFew).toBeUndefined();
  });

  it('overlapping samples: not significant', () => {
    const c = compare([10, 12, 9, 11, 10, 13], [11, 10, 12, 9, 10, 12]);
    expect(c.significant).toBe(false);
    expect(c.pValue).toBeGreaterThan(0.2);
  });

  it('3 against 3 can never reach p < 0.05 (smallest p = 2/20): says so instead of guessing', () => {
    const c = compare([100, 101, 102], [1, 2, 3]);
    expect(c.significant).toBe(false);
    expect(c.tooFew).toMatch(/3 vs 3 samples: the smallest possible p is 0.10/);
  });

  it('identical samples: p = 1, 0 %; the seeded shuffles repeat exactly', () => {
    expect(compare([5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5])).toMatchObject({
      differencePercent: 0,
      pValue: 1,
    });
    const a = seededRandom(1);
    const b = seededRandom(1);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('ratios and verdicts of the benchmarks', () => {
  it('pairs rounds, and calls a target met only when the whole interval is on its side', () => {
    const full = [50, 52, 49, 51, 50, 53, 48, 50];
    const bare = [100, 100, 100, 100, 100, 100, 100, 100];
    const r = ratioSummary(full, bare);
    expect(r.median).toBeCloseTo(0.5, 5);
    expect(r.low).toBeCloseTo(0.48, 5);
    expect(r.high).toBeCloseTo(0.53, 5);
    expect(formatSummary(r)).toBe('0.50 [0.48, 0.53]');
    expect(precise(r, 0.1)).toBe(true);
    expect(verdict(r, 0.45, 'at least')).toBe('met');
    expect(verdict(r, 0.6, 'at least')).toBe('NOT met');
    expect(verdict(r, 0.5, 'at least')).toBe('undecided (the interval straddles the target)');
    expect(verdict(r, 0.53, 'at most')).toBe('met');
    expect(verdict(r, 0.53, 'below')).toBe('undecided (the interval straddles the target)');
    expect(() => ratioSummary([1, 2], [1])).toThrow('ratioSummary: unpaired measurements');
  });

  it('does not call a handful of rounds precise: their interval has less than 95 % coverage', () => {
    const r = ratioSummary([1, 1.01, 1.02], [1, 1, 1]);
    expect(r.coverage).toBeLessThan(0.95);
    expect(precise(r, 0.1)).toBe(false);
  });
});
