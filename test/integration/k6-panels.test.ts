// The k6 panels' arithmetic, on the real Prometheus: series shaped exactly as k6's remote-write output
// writes them (names, suffixes and tags at the pinned k6 release: docs/upstream-evidence.md, k6) are
// remote-written into a Prometheus started for this test, and the dashboards' own expressions (from the
// committed JSON) must give exact answers: one 503 among 10 000 requests is 0.0001 failed, not the ≈0.5
// an average of k6's per-series rates gives; the offered rate exists while nothing was dropped.
import { pushTimeseries } from 'prometheus-remote-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { panelQueries } from '../helpers/dashboards.ts';
import { skipLoudly } from '../helpers/images.ts';
import { prometheusMissing, startPrometheus, type TestPrometheus } from '../helpers/prometheus.ts';

const skip = skipLoudly('k6 panel arithmetic on Prometheus', prometheusMissing());

const STEP_MS = 5000; // k6's default remote-write push interval
const END = Math.floor(Date.now() / STEP_MS) * STEP_MS;
const START = END - 5 * 60_000;
const times = Array.from({ length: (END - START) / STEP_MS + 1 }, (_, i) => START + i * STEP_MS);

// Tags k6 puts on http_reqs by default (system tags, empty ones left out), and the scripts' own.
const TEST = { environment: 'container', testid: 'arith-1' };
const HTTP = {
  method: 'GET',
  name: '/api/json',
  proto: 'HTTP/1.1',
  scenario: 'load',
  url: 'http://app:8080/api/json',
};

type Labels = Record<string, string>;
interface Series {
  labels: Labels & { __name__: string };
  samples: { value: number; timestamp: number }[];
}

/** A series with its labels sorted, as the remote-write specification requires (__name__ sorts first). */
function series(name: string, labels: Labels, value: (t: number, i: number) => number, from = 0): Series {
  const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
  return {
    labels: { __name__: name, ...sorted },
    samples: times.slice(from).map((t, i) => ({ value: value(t, i + from), timestamp: t })),
  };
}

const last = times.length - 1;
const K6_SERIES: Series[] = [
  // 9 999 requests answered 200, counted up evenly to the end; one 503, appearing halfway with the
  // value 1 and never growing (the shape a rare failure has).
  series('k6_http_reqs_total', { ...TEST, ...HTTP, status: '200', expected_response: 'true' }, (_t, i) =>
    Math.round((9999 * i) / last),
  ),
  series(
    'k6_http_reqs_total',
    { ...TEST, ...HTTP, status: '503', expected_response: 'false' },
    () => 1,
    last / 2,
  ),
  // k6's own Rate for the same: per series, so all 0 or all 1.
  series('k6_http_req_failed_rate', { ...TEST, ...HTTP, status: '200', expected_response: 'true' }, () => 0),
  series(
    'k6_http_req_failed_rate',
    { ...TEST, ...HTTP, status: '503', expected_response: 'false' },
    () => 1,
    last / 2,
  ),
  // Two checks: one failed once in 10 000, one never.
  series('k6_checks_rate', { ...TEST, scenario: 'load', check: 'status is 200' }, () => 0.9999),
  series('k6_checks_rate', { ...TEST, scenario: 'load', check: 'body is JSON' }, () => 1),
  // 10 iterations a second, none dropped: k6 writes no dropped_iterations series at all.
  series('k6_iterations_total', { ...TEST, scenario: 'load' }, (t) => ((t - START) / 1000) * 10),
  series('k6_vus', TEST, () => 5),
  // A second test that did drop: 8 started and 2 dropped a second, 10 offered.
  series(
    'k6_iterations_total',
    { environment: 'vm', testid: 'arith-2', scenario: 'load' },
    (t) => ((t - START) / 1000) * 8,
  ),
  series(
    'k6_dropped_iterations_total',
    { environment: 'vm', testid: 'arith-2', scenario: 'load' },
    (t) => ((t - START) / 1000) * 2,
  ),
];

let prometheus: TestPrometheus | undefined;
let url = '';

const query = (expr: string) => prometheus!.query(expr, END);

/**
 * The expression of one panel of the committed dashboard JSON (the query whose legend ends with
 * `legend`, where the panel has several), variables interpolated as for "All".
 */
function panelExpr(dashboard: string, panel: string, legend?: string): string {
  const found = panelQueries().filter((q) => q.dashboard.endsWith(dashboard) && q.panel === panel);
  const q = legend ? found.find((f) => f.legend.endsWith(legend)) : found[0];
  if (!q) throw new Error(`no panel "${panel}" on ${dashboard}`);
  return q.expr;
}

beforeAll(async () => {
  if (skip) return;
  prometheus = await startPrometheus();
  url = prometheus.url;
  const res = await pushTimeseries(K6_SERIES, {
    url: `${url}/api/v1/write`,
    fetch: globalThis.fetch as never,
  });
  expect(res.status, res.errorMessage).toBeLessThan(300);
}, 90_000);

afterAll(async () => {
  await prometheus?.[Symbol.asyncDispose]();
});

describe.skipIf(skip)('k6 panels on k6-shaped series in the real Prometheus', () => {
  it('"Failed requests": one 503 among 10 000 requests is exactly 0.0001', async () => {
    const result = await query(panelExpr('k6 results', 'Failed requests'));
    expect(result).toEqual([{ metric: TEST, value: [END / 1000, '0.0001'] }]);
  });

  it('…where averaging k6_http_req_failed_rate, as the panel did, gives 0.5', async () => {
    const [avg] = await query('avg by (testid, environment) (k6_http_req_failed_rate{testid="arith-1"})');
    expect(avg?.value[1]).toBe('0.5');
  });

  it('"Failed requests" is 0, not empty, for a test without failures', async () => {
    await pushTimeseries(
      [
        series(
          'k6_http_reqs_total',
          { ...TEST, testid: 'clean', ...HTTP, status: '200', expected_response: 'true' },
          (_t, i) => i,
        ),
      ],
      { url: `${url}/api/v1/write`, fetch: globalThis.fetch as never },
    );
    const result = await query(panelExpr('k6 results', 'Failed requests'));
    expect(result.find((r) => r.metric.testid === 'clean')?.value[1]).toBe('0');
  });

  it('"Checks passing" is the worst check, exactly: 0.9999', async () => {
    const result = await query(panelExpr('k6 results', 'Checks passing (worst check)'));
    expect(result).toEqual([{ metric: TEST, value: [END / 1000, '0.9999'] }]);
  });

  it('offered rate = started + dropped: 10/s with nothing dropped (no dropped series), and 8 + 2 with drops', async () => {
    const offered = await query(
      panelExpr('Container vs VM vs native', 'k6: offered vs achieved rate, dropped iterations', 'offered'),
    );
    const byEnv: Record<string, number> = Object.fromEntries(
      offered.map((r) => [r.metric.environment ?? '', Number(r.value[1])]),
    );
    expect(byEnv.container).toBeCloseTo(10, 9);
    expect(byEnv.vm).toBeCloseTo(10, 9);
    const dropped = (
      await query(panelExpr('k6 results', 'Virtual users and dropped iterations', 'dropped/s'))
    ).map((r) => [r.metric.testid, Number(r.value[1])]);
    expect(Object.fromEntries(dropped)).toEqual({ 'arith-1': 0, 'arith-2': expect.closeTo(2, 9) as number });
  });

  it('"Virtual users" reads k6_vus', async () => {
    const vus = await query(panelExpr('k6 results', 'Virtual users and dropped iterations', 'VUs'));
    expect(vus).toEqual([{ metric: { testid: 'arith-1' }, value: [END / 1000, '5'] }]);
  });
});
