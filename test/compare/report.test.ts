// The report and charts on a fixed results file: the Markdown is compared with a golden file
// (UPDATE_GOLDEN=1 rewrites it; review the diff), the charts by their content.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCharts } from '../../scripts/compare/charts.ts';
import { commonRate, renderReport, sustained } from '../../scripts/compare/report.ts';
import { parseResults } from '../../scripts/compare/results.ts';
import { fixtureResults } from './fixtures/make-results.ts';

const golden = join(import.meta.dirname, 'fixtures/report.golden.md');

describe('compare report', () => {
  const results = fixtureResults();

  it('matches the golden report', () => {
    const report = renderReport(results);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, report);
    expect(report).toBe(readFileSync(golden, 'utf8'));
  });

  it('compares latency at the highest rate both paths sustained, and finds each path’s sustained rate', () => {
    expect(commonRate(results)).toBe(50);
    expect(sustained(results, 'native')).toEqual({ rate: 100, saturatedAbove: false });
    expect(sustained(results, 'container (published port)')).toEqual({ rate: 50, saturatedAbove: true });
    const report = renderReport(results);
    expect(report).toContain(
      '| response time p50 at 50 req/s (ms) | 1.00 [0.90–1.10] (n=5) | 1.32 [1.25–1.40] (n=5) +32.0 % (**significant**',
    );
    expect(report).toContain('- **vm skipped**: no --vm-url given');
    expect(report).toContain('Throughput is a lower bound for native');
  });

  it('says loudly when a run is incomplete or the VM was emulated', () => {
    const partial = { ...fixtureResults(), complete: false, interruption: 'interrupted (Ctrl-C)' };
    partial.environments[2] = { name: 'vm', facts: { acceleration: 'EMULATED (qemu TCG)' } };
    const report = renderReport(partial);
    expect(report).toContain('> **Incomplete run** (interrupted (Ctrl-C))');
    expect(report).toContain('**The VM ran under emulation (qemu TCG), not hardware virtualization**');
  });

  it('draws four SVG charts with every path and environment in them', async () => {
    const charts = await renderCharts(results);
    expect(Object.keys(charts).sort()).toEqual([
      'latency-vs-load.svg',
      'memory.svg',
      'startup.svg',
      'throughput.svg',
    ]);
    for (const svg of Object.values(charts))
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(charts['latency-vs-load.svg']).toContain('container (published port)');
    expect(charts['latency-vs-load.svg']).toContain('p99');
    expect(charts['startup.svg']).toContain('native');
  });

  it('rejects a file that is not a results file, naming it', () => {
    expect(() => parseResults('{nope', 'x.json')).toThrow(/x.json is not JSON/);
    expect(() => parseResults('{"version":2}', 'y.json')).toThrow(/y.json is not a compare results file/);
    expect(parseResults(JSON.stringify(results), 'ok.json').windows).toHaveLength(20);
    const broken = { ...results, windows: [{ ...results.windows[0]!, rate: -5 }] };
    expect(() => parseResults(JSON.stringify(broken), 'z.json')).toThrow(
      /z.json is not a valid compare results file:\n[\s\S]*windows\[0\]\.rate/,
    );
  });
});
