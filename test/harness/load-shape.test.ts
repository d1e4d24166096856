// The load driver's target list, the saturation rule and the fairness check, with hand-computed answers.
import { describe, expect, it } from 'vitest';
import { targetLines, type LoadResult } from '../../harness/load-driver.ts';
import { REQUEST_MIX } from '../../loadtests/lib/mix.ts';
import { isSaturated } from '../../scripts/compare/results.ts';
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

describe('isSaturated (0.1 % tolerance)', () => {
  const base: LoadResult = {
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
  it.each([
    ['a clean run', {}, false],
    ['one drop in 1000 (exactly the tolerance)', { dropped: 1 }, false],
    ['two drops in 1000', { dropped: 2 }, true],
    ['one failure in 1000', { failed: 1 }, false],
    ['two failures in 1000', { failed: 2 }, true],
    ['99 % sent', { sent: 990 }, false],
    ['under 99 % sent', { sent: 989 }, true],
  ] as const)('%s', (_what, change, saturated) => {
    expect(isSaturated({ ...base, ...change })).toBe(saturated);
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
