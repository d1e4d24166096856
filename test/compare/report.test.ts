// The report and charts on a fixed results file: the Markdown is compared with a golden file
// (UPDATE_GOLDEN=1 rewrites it; review the diff), the charts by their content.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCharts } from '../../scripts/compare/charts.ts';
import { commonRate, renderReport, sustained } from '../../scripts/compare/report.ts';
import { renderDiff, settingDifferences, sharedRate } from '../../scripts/compare/diff.ts';
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

  it("puts the seed's table first: start-up, host memory idle and under load, disk, throughput, p50/p99", () => {
    const report = renderReport(results);
    const seed = report.indexOf("## The seed's table");
    expect(seed).toBeGreaterThan(0);
    expect(seed).toBeLessThan(report.indexOf('## All measures'));
    const table = report.slice(seed, report.indexOf('## All measures'));
    expect(table).toContain('| start-up: start command → first 200 on /health (ms) | 304 [298–320] (n=6) |');
    expect(table).toContain(
      '| start-up of a stopped copy (`docker start`) → first 200 (ms) | — | 625 [600–660] (n=6) |',
    );
    expect(table).toContain(
      '| host memory, started and idle (MiB) | 80.5 (process tree 80.5) | 98.3 (cgroup 82.1, containerd-shim 9.1, docker-proxy 7.1) |',
    );
    expect(table).toContain(
      '| host memory, largest under load at 50 req/s (MiB) | 102.0 [100.0–104.0] (n=5) | 122.0 [120.0–124.0] (n=5) +19.6 % (**significant**',
    );
    expect(table).toContain(
      '| disk on the host (MiB) | 126 (app/dist + node) | 210 (image cloud-benchmark/app:fixture) |',
    );
    expect(table).toContain(
      '| highest rate sustained in every run (req/s) | ≥ 100 (not saturated) | 50; saturated at 100 (within 100 %) |',
    );
    expect(table).toMatch(/\| response time p99 at 50 req\/s \(ms\) \| 10\.00 /);
  });

  it('reports each route on its own at the common rate, with the answers that were not 200', () => {
    const report = renderReport(results);
    expect(report).toContain('## Per route, at 50 req/s');
    expect(report).toContain('| `/api/cpu` | 1.00 / 5.00 | 1.98 / 9.90 | none |');
    expect(report).toContain('| `/api/json` | 0.50 / 2.50 | 0.66 / 3.30 | container (published port): 5 |');
  });

  it('labels the VM emulated in headers, and reads a version-1 file as version 2 without the new fields', () => {
    const withVm = fixtureResults();
    withVm.environments[2] = { name: 'vm', facts: { acceleration: 'EMULATED (qemu TCG)' } };
    withVm.windows.push({ ...withVm.windows[0]!, environment: 'vm', path: 'vm' });
    expect(renderReport(withVm)).toContain('| vm (EMULATED) |');
    const v1 = JSON.parse(JSON.stringify(results)) as Record<string, unknown> & { settings: object };
    v1.version = 1;
    delete (v1.settings as { precision?: number }).precision;
    const read = parseResults(JSON.stringify(v1), 'old.json');
    expect(read.version).toBe(2);
    expect(read.settings.precision).toBe(0);
  });

  it('puts two runs side by side: each difference tested, differing settings and machine facts named', () => {
    const after = fixtureResults();
    after.settings.telemetry = 'full';
    after.machine.kernel = '6.1.0-fixture';
    after.windows = after.windows.map((w) =>
      w.path === 'native'
        ? { ...w, load: { ...w.load, latencyMs: { ...w.load.latencyMs, p50: w.load.latencyMs.p50 * 2 } } }
        : w,
    );
    expect(sharedRate(results, after, ['native', 'container (published port)'])).toBe(50);
    expect(settingDifferences(results, after)).toEqual(['telemetry: off (fixture) → full']);
    const diff = renderDiff(results, after, { baseline: 'a/results.json', current: 'b/results.json' });
    expect(diff).toContain('> **The runs were made with different settings**');
    expect(diff).toContain(
      '| response time p50 (ms) | native | 1.00 [0.90–1.10] (n=5) | 2.00 [1.80–2.20] (n=5) | +100.0 % (**significant**, p=0.008) |',
    );
    expect(diff).toMatch(
      /\| response time p50 \(ms\) \| container \(published port\) \| [^|]+\| [^|]+\| 0\.0 % \(not significant, p=[\d.]+\) \|/,
    );
    expect(diff).toContain('| container (published port) | 50–100 req/s | 50–100 req/s |');
    expect(diff).toContain('| **kernel** (differs) | 6.0.0-fixture | 6.1.0-fixture |');
  });

  it('draws five SVG charts with every path and environment in them, legends uncut', async () => {
    const charts = await renderCharts(results);
    expect(Object.keys(charts).sort()).toEqual([
      'latency-per-route.svg',
      'latency-vs-load.svg',
      'memory.svg',
      'startup.svg',
      'throughput.svg',
    ]);
    expect(charts['latency-per-route.svg']).toContain('/api/cpu');
    expect(charts['latency-per-route.svg']).not.toContain('…');
    for (const svg of Object.values(charts))
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(charts['latency-vs-load.svg']).toContain('container (published port)');
    expect(charts['latency-vs-load.svg']).toContain('p99');
    expect(charts['startup.svg']).toContain('native');
  });

  it('rejects a file that is not a results file, naming it', () => {
    expect(() => parseResults('{nope', 'x.json')).toThrow(/x.json is not JSON/);
    expect(() => parseResults('{"version":3}', 'y.json')).toThrow(
      /y.json is not a compare results file of version 1 or 2 \(its version: 3\)/,
    );
    expect(parseResults(JSON.stringify(results), 'ok.json').windows).toHaveLength(20);
    const broken = { ...results, windows: [{ ...results.windows[0]!, rate: -5 }] };
    expect(() => parseResults(JSON.stringify(broken), 'z.json')).toThrow(
      /z.json is not a valid compare results file:\n[\s\S]*windows\[0\]\.rate/,
    );
  });
});
