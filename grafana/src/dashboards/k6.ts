// k6 results by test id, from k6's own metrics (Prometheus remote write, native histograms).
import { droppedRate, failedShare, worstCheck } from '../k6-queries.ts';
import { labelVariable, newDashboard, prom, timeSeries } from '../panels.ts';

const T = 'testid=~"$testid"';

export const k6 = newDashboard(
  'cb-k6',
  'cloud-benchmark / k6 results',
  "k6's own view of each load test: request rate, latency percentiles from its native histograms, failures, checks, virtual users and dropped iterations, by test id and environment.",
)
  .withVariable(labelVariable('testid', 'Test id', 'k6_http_reqs_total', 'testid'))
  .withPanel(
    timeSeries('HTTP requests', 'Requests per second k6 completed.', 'reqps', [
      prom(
        `sum by (testid, environment) (rate(k6_http_reqs_total{${T}}[$__rate_interval]))`,
        '{{testid}} {{environment}}',
      ),
    ]),
  )
  .withPanel(
    timeSeries('Request duration p95 / p99', "k6's http_req_duration, from native histograms.", 's', [
      prom(
        `histogram_quantile(0.95, sum by (testid, environment) (rate(k6_http_req_duration_seconds{${T}}[$__rate_interval])))`,
        '{{testid}} {{environment}} p95',
      ),
      prom(
        `histogram_quantile(0.99, sum by (testid, environment) (rate(k6_http_req_duration_seconds{${T}}[$__rate_interval])))`,
        '{{testid}} {{environment}} p99',
      ),
    ]),
  )
  .withPanel(
    timeSeries(
      'Failed requests',
      'Share of requests k6 counted as failed (expected_response="false") since the test started: the figure its http_req_failed threshold judges.',
      'percentunit',
      [prom(failedShare(T, 'testid, environment'), '{{testid}} {{environment}}')],
    ),
  )
  .withPanel(
    timeSeries(
      'Checks passing (worst check)',
      'Pass share since the test started of the check that passes least. k6 exports each check as its own ratio without counts, so no exact overall share exists; the worst one is exact.',
      'percentunit',
      [prom(worstCheck(T, 'testid, environment'), '{{testid}} {{environment}}')],
    ),
  )
  .withPanel(
    timeSeries(
      'Virtual users and dropped iterations',
      'VUs k6 had allocated, and iterations per second it could not start on schedule (open model).',
      'short',
      [
        prom(`sum by (testid) (k6_vus{${T}})`, '{{testid}} VUs'),
        prom(droppedRate(T, 'testid'), '{{testid}} dropped/s'),
      ],
      { w: 24 },
    ),
  );
