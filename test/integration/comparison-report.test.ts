// The "Comparison report" dashboard on the real Prometheus: the compare command's own publishing code
// (scripts/compare/publish.ts) remote-writes the fixture run's summary into a Prometheus started for
// this test, and every panel of the committed dashboard JSON must return exactly the fixture's figures
// (the medians report.md shows), each in the row and column Grafana's "Grouping to matrix" pivots by.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishSummary, runIdOf, summarySeries } from '../../scripts/compare/publish.ts';
import { fixtureResults } from '../compare/fixtures/make-results.ts';
import { panelQueries } from '../helpers/dashboards.ts';
import { skipLoudly } from '../helpers/images.ts';
import { prometheusMissing, startPrometheus, type TestPrometheus } from '../helpers/prometheus.ts';

const skip = skipLoudly('Comparison report panels on Prometheus', prometheusMissing());
const results = fixtureResults();
const report = panelQueries().filter((q) => q.dashboard === 'cloud-benchmark / Comparison report');

let prometheus: TestPrometheus | undefined;
beforeAll(async () => {
  if (skip) return;
  prometheus = await startPrometheus();
  expect(await publishSummary(prometheus.url, results)).toBe(summarySeries(results).length);
}, 90_000);
afterAll(async () => {
  await prometheus?.[Symbol.asyncDispose]();
});

/** A panel's rows as { row: { column: value } }, the way the dashboard's transformation pivots them. */
async function matrix(
  panel: string,
  row: string,
  column = 'path',
): Promise<Record<string, Record<string, number>>> {
  const q = report.find((x) => x.panel === panel);
  if (!q) throw new Error(`no panel "${panel}" on the Comparison report`);
  const out: Record<string, Record<string, number>> = {};
  for (const s of await prometheus!.query(q.expr))
    (out[s.metric[row]!] ??= {})[s.metric[column]!] = Math.round(Number(s.value[1]) * 1000) / 1000;
  return out;
}

describe.skipIf(skip)('the Comparison report dashboard on a published compare run', () => {
  it('has its panels, every one returning data', async () => {
    expect(report.map((q) => q.panel)).toEqual([
      "The seed's table",
      'Per route: p99 (ms)',
      'Per route: p50 (ms)',
      'Per route: answers that were not 200',
      'Runs published',
    ]);
    for (const q of report) expect((await prometheus!.query(q.expr)).length, q.panel).toBeGreaterThan(0);
  });

  it("shows the seed's table: the report's medians, in the units each row names", async () => {
    const native = 'native';
    const container = 'container (published port)';
    expect(await matrix("The seed's table", 'measure')).toEqual({
      '1 start-up (ms)': { [native]: 303.5, [container]: 930 },
      '2 start-up, stopped copy started again (ms)': { [container]: 625 },
      '3 host memory, idle (MiB)': { [native]: 80.5, [container]: 98.3 },
      '4 host memory, under load (MiB)': { [native]: 102, [container]: 122 },
      '5 disk on the host (MiB)': { [native]: 126.4, [container]: 210.2 },
      '6 highest rate sustained (req/s)': { [native]: 100, [container]: 50 },
      '7 lowest rate that saturated (req/s)': { [container]: 100 },
      '8 response time p50 (ms)': { [native]: 1, [container]: 1.32 },
      '9 response time p99 (ms)': { [native]: 10, [container]: 13.2 },
    });
  });

  it('shows each route on its own, and the answers that were not 200', async () => {
    expect(await matrix('Per route: p99 (ms)', 'route')).toEqual({
      '/api/cpu': { native: 5, 'container (published port)': 9.9 },
      '/api/json': { native: 2.5, 'container (published port)': 3.3 },
    });
    expect(await matrix('Per route: answers that were not 200', 'route')).toEqual({
      '/api/cpu': { native: 0, 'container (published port)': 0 },
      '/api/json': { native: 0, 'container (published port)': 5 },
    });
  });

  it('lists the run, with its id, in "Runs published"', async () => {
    const q = report.find((x) => x.panel === 'Runs published')!;
    const [run] = await prometheus!.query(q.expr);
    expect(run?.metric).toMatchObject({ run_id: runIdOf(results), complete: 'true', mix: 'default' });
  });

  it('names the Prometheus that refused the summary, and why', async () => {
    await expect(publishSummary('http://127.0.0.1:9', results)).rejects.toThrow(
      /^remote write to http:\/\/127\.0\.0\.1:9\/api\/v1\/write failed: /,
    );
  });
});
