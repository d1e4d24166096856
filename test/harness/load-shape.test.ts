// The load driver's target list, the saturation rule and the fairness check, with hand-computed answers.
import { describe, expect, it } from 'vitest';
import { targetLines, type AttackOptions, type LoadResult } from '../../harness/load-driver.ts';
import { REQUEST_MIX } from '../../loadtests/lib/mix.ts';
import { isSaturated } from '../../scripts/compare/results.ts';
import { findSaturation, refusalGoodputBound } from '../../harness/saturation.ts';
import { unfairness } from '../../scripts/compare/run-comparison.ts';

describe('targetLines (vegeta targets for a mix)', () => {
  const lines = targetLines('http://127.0.0.1:8080', REQUEST_MIX).map(
    (l) => JSON.parse(l) as { method: string; url: string; body?: string; header?: Record<string, string[]> },
  );

  it('spells the mix out per 5 %: 20 targets, each route as often as its weight says', () => {
    expect(lines).toHaveLength(20);
    const count = (path: string) => lines.filter((l) => new URL(l.url).pathname === path).length;
    for (const e of REQUEST_MIX) expect(count(e.route), e.route).toBe(e.weight / 5);
  });

  it('interleaves the routes: the heaviest never comes twice in a row', () => {
    const paths = lines.map((l) => new URL(l.url).pathname);
    for (let i = 1; i < paths.length; i++)
      if (paths[i] === '/api/json') expect(paths[i - 1], `position ${i}`).not.toBe('/api/json');
  });

  it('sends the query, and the POST body base64-encoded with its content type', () => {
    expect(lines.find((l) => l.url.includes('/api/cpu'))?.url).toBe(
      'http://127.0.0.1:8080/api/cpu?iterations=100000',
    );
    const echo = lines.find((l) => l.method === 'POST')!;
    expect(Buffer.from(echo.body!, 'base64').toString()).toBe('{"hello":"cloud-benchmark","n":42}');
    expect(echo.header).toEqual({ 'Content-Type': ['application/json'] });
  });

  it('gives a route lighter than 5 % one slot', () => {
    const one = targetLines('http://h', [
      { method: 'GET', route: '/a', query: '', weight: 99 },
      { method: 'GET', route: '/b', query: '', weight: 1 },
    ]);
    expect(one.filter((l) => l.includes('/b'))).toHaveLength(1);
  });
});

function base(): LoadResult {
  return {
    offeredRate: 100,
    durationSeconds: 10,
    expected: 1000,
    sent: 1000,
    dropped: 0,
    ok: 1000,
    failed: 0,
    achievedRps: 100,
    latencyMs: { p50: 1, p90: 1, p95: 1, p99: 1, max: 1, mean: 1 },
    statusCodes: { '200': 1000 },
    errors: [],
  };
}

describe('isSaturated (0.1 % tolerance)', () => {
  it.each([
    ['a clean run', {}, false],
    ['one drop in 1000 (exactly the tolerance)', { dropped: 1 }, false],
    ['two drops in 1000', { dropped: 2 }, true],
    ['one failure in 1000', { failed: 1 }, false],
    ['two failures in 1000', { failed: 2 }, true],
    ['99 % sent', { sent: 990 }, false],
    ['under 99 % sent', { sent: 989 }, true],
  ] as const)('%s', (_what, change, saturated) => {
    expect(isSaturated({ ...base(), ...change })).toBe(saturated);
  });
});

describe('findSaturation (against a model app that serves up to 300 req/s)', () => {
  // Each step's result: clean up to the capacity, 10 % refused above it; `stray` rates refuse one
  // request once (the first time they are run), as a fresh process now and then does far below capacity.
  function model(stray: number[]) {
    const runs: number[] = [];
    const attack = ({ rate, durationSeconds }: AttackOptions): Promise<LoadResult> => {
      const expected = rate * durationSeconds;
      const firstTime = !runs.includes(rate);
      runs.push(rate);
      const failed = rate > 300 ? Math.ceil(expected / 10) : firstTime && stray.includes(rate) ? 1 : 0;
      return Promise.resolve({
        ...clean,
        offeredRate: rate,
        durationSeconds,
        expected,
        sent: expected,
        ok: expected - failed,
        failed,
        statusCodes: { '200': expected - failed, ...(failed ? { '503': failed } : {}) },
      });
    };
    return { attack, runs };
  }
  const clean = base();
  const search = (attack: ReturnType<typeof model>['attack'], confirm?: boolean) =>
    findSaturation({
      vegeta: '',
      baseUrl: '',
      mix: REQUEST_MIX,
      startRate: 50,
      stepSeconds: 4,
      bisect: 2,
      maxWorkers: 1,
      attack,
      confirm,
    });

  it('climbs by 1.5× and bisects twice: 50, 75, 113, 170, 255, 383 (saturated), 319, 287', async () => {
    const m = model([]);
    expect(await search(m.attack)).toEqual({ sustained: 287, saturatedAt: 319 });
    // The warm-up at the start rate, then every saturated step run twice.
    expect(m.runs).toEqual([50, 50, 75, 113, 170, 255, 383, 383, 319, 319, 287]);
  });

  it('is not stopped by one stray refusal far below capacity: the repeat clears it', async () => {
    const m = model([113]);
    expect(await search(m.attack)).toEqual({ sustained: 287, saturatedAt: 319 });
    expect(m.runs.filter((r) => r === 113)).toHaveLength(2);
  });

  it('without confirmation, believed it: 104 req/s, a third of capacity (as one CI run did)', async () => {
    expect(await search(model([113]).attack, false)).toEqual({ sustained: 104, saturatedAt: 113 });
  });
});

describe('unfairness (limits and telemetry must match)', () => {
  const copy = { name: 'native', cpus: 1, memory: 512 * 2 ** 20, tracing: true };
  it('is nothing when every copy matches, or there is none', () => {
    expect(unfairness([copy, { ...copy, name: 'container' }])).toBeUndefined();
    expect(unfairness([])).toBeUndefined();
  });
  it('names every copy with its limits when one differs', () => {
    expect(unfairness([copy, { ...copy, name: 'vm', cpus: null, tracing: false }])).toBe(
      'native: cpus 1, memory 512 MiB, tracing true; vm: cpus unlimited, memory 512 MiB, tracing false',
    );
  });
  it('catches a memory difference alone', () => {
    expect(unfairness([copy, { ...copy, name: 'container', memory: null }])).toContain('memory unlimited');
  });
});

describe('refusalGoodputBound (what refusals leave of the capacity)', () => {
  it('at a capacity of 1 457 req/s and 46 µs a refusal keeps 78 % at 4× and 93 % at 2×', () => {
    // 4×: S·c = 0.067022, (1 − 0.268088) / (1 − 0.067022) = 0.78449; 2×: 0.865956 / 0.932978 = 0.92816
    expect(refusalGoodputBound(1457, 46, 4)).toBeCloseTo(0.78449, 4);
    expect(refusalGoodputBound(1457, 46, 2)).toBeCloseTo(0.92816, 4);
  });

  it('free refusals leave all of it; refusals as costly as the work leave nothing', () => {
    expect(refusalGoodputBound(1000, 0, 4)).toBe(1);
    expect(refusalGoodputBound(1000, 1000, 4)).toBe(0);
    expect(refusalGoodputBound(1000, 400, 4)).toBe(0);
  });

  it('refuses inputs that mean nothing, naming them', () => {
    expect(() => refusalGoodputBound(0, 46, 4)).toThrow(
      'refusalGoodputBound: needs capacity > 0, refusalUs ≥ 0, factor ≥ 1 (got 0, 46, 4)',
    );
    expect(() => refusalGoodputBound(1457, 46, 0.5)).toThrow('(got 1457, 46, 0.5)');
  });
});
