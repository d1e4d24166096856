// Container vs VM vs native: the question the project exists to answer, per environment side by side.
// Every panel is one query grouped by `environment`, so the environments share axes and colours; the
// stat row shows each environment's difference to the baseline (`native`, the bare host process).
import { droppedRate, offeredRate } from '../k6-queries.ts';
import { ENV, errorRatioExpr, labelVariable, newDashboard, prom, statPanel, timeSeries } from '../panels.ts';

const RATE = 'http_server_request_duration_seconds_count';
const BUCKET = 'http_server_request_duration_seconds_bucket';
const ROUTE = 'route=~"$route"';
const K6 = 'testid=~"$testid"';

/** p95 latency per environment, relative to native: +0.25 means 25 % slower than the bare host. */
const p95 = `histogram_quantile(0.95, sum by (environment, le) (rate(${BUCKET}{${ENV},${ROUTE}}[$__rate_interval])))`;
const p95Native = `scalar(histogram_quantile(0.95, sum by (le) (rate(${BUCKET}{environment="native",${ROUTE}}[$__rate_interval]))))`;

export const comparison = newDashboard(
  'cb-comparison',
  'cloud-benchmark / Container vs VM vs native',
  'The same app with the same CPU and memory in each environment: throughput, errors, latency, resources, start-up, and the load k6 offered. Figures from a VM under emulation (TCG) are not representative.',
)
  .withVariable(labelVariable('environment', 'Environment', RATE, 'environment'))
  .withVariable(labelVariable('route', 'Route', RATE, 'route'))
  .withVariable(labelVariable('testid', 'k6 test id', 'k6_http_reqs_total', 'testid'))
  .withPanel(
    statPanel(
      'p95 latency vs native',
      'Relative difference of the p95 latency to the bare-host baseline over the selected range: 0.25 = 25 % slower. Empty when no native run is present.',
      'percentunit',
      prom(`${p95} / ${p95Native} - 1`, '{{environment}}'),
      [
        { value: null, color: 'green' },
        { value: 0.1, color: 'orange' },
        { value: 0.5, color: 'red' },
      ],
      { w: 12 },
    ),
  )
  .withPanel(
    statPanel(
      'Throughput vs native',
      'Achieved request rate relative to the bare host under the same offered load: -0.3 = 30 % fewer requests served.',
      'percentunit',
      prom(
        `sum by (environment) (rate(${RATE}{${ENV},${ROUTE}}[$__rate_interval])) / scalar(sum(rate(${RATE}{environment="native",${ROUTE}}[$__rate_interval]))) - 1`,
        '{{environment}}',
      ),
      [
        { value: null, color: 'red' },
        { value: -0.5, color: 'orange' },
        { value: -0.1, color: 'green' },
      ],
      { w: 12 },
    ),
  )
  .withPanel(
    timeSeries('Request rate', 'User requests served per second, by environment.', 'reqps', [
      prom(`sum by (environment) (rate(${RATE}{${ENV},${ROUTE}}[$__rate_interval]))`, '{{environment}}'),
    ]),
  )
  .withPanel(
    timeSeries('Server error ratio', 'Share of requests answered with 5xx (0 when none).', 'percentunit', [
      prom(errorRatioExpr(`${ENV},${ROUTE}`), '{{environment}}'),
    ]),
  )
  .withPanel(
    timeSeries(
      'Latency p50 / p95 / p99',
      'Request duration percentiles from the app histogram; dots are exemplars that open the trace.',
      's',
      [0.5, 0.95, 0.99].map((q) =>
        prom(
          `histogram_quantile(${q}, sum by (environment, le) (rate(${BUCKET}{${ENV},${ROUTE}}[$__rate_interval])))`,
          `{{environment}} p${q * 100}`,
          { exemplar: q === 0.99 },
        ),
      ),
      { w: 24, h: 10 },
    ),
  )
  .withPanel(
    timeSeries('CPU', 'CPU seconds per second used by the app process (1 = one full core).', 'percentunit', [
      prom(
        `sum by (environment) (rate(process_cpu_seconds_total{${ENV}}[$__rate_interval]))`,
        '{{environment}}',
      ),
    ]),
  )
  .withPanel(
    timeSeries('Resident memory and heap', 'RSS of the app process, and the V8 heap in use.', 'bytes', [
      prom(`sum by (environment) (process_resident_memory_bytes{${ENV}})`, '{{environment}} RSS'),
      prom(`sum by (environment) (nodejs_heap_size_used_bytes{${ENV}})`, '{{environment}} heap used'),
    ]),
  )
  .withPanel(
    timeSeries(
      'Event-loop lag p99',
      'How late the event loop runs callbacks: queueing inside the process.',
      's',
      [prom(`max by (environment) (nodejs_eventloop_lag_p99_seconds{${ENV}})`, '{{environment}}')],
    ),
  )
  .withPanel(
    timeSeries('GC time', 'Seconds per second spent in garbage collection, by environment.', 'percentunit', [
      prom(
        `sum by (environment) (rate(nodejs_gc_duration_seconds_sum{${ENV}}[$__rate_interval]))`,
        '{{environment}}',
      ),
    ]),
  )
  .withPanel(
    statPanel(
      'Start-up duration',
      'Process start to listening, as the app measured it at its last start.',
      's',
      prom(`max by (environment) (app_startup_duration_seconds{${ENV}})`, '{{environment}}', {
        instant: true,
      }),
      [
        { value: null, color: 'green' },
        { value: 1, color: 'orange' },
        { value: 5, color: 'red' },
      ],
      { w: 12, h: 6 },
    ),
  )
  .withPanel(
    timeSeries(
      'k6: offered vs achieved rate, dropped iterations',
      'What k6 was asked to send (iterations started + dropped), what completed, and iterations it could not start in time: any dropped iteration means the target could not keep up with the open-model rate.',
      'reqps',
      [
        prom(offeredRate(K6, 'environment'), '{{environment}} offered'),
        prom(
          'sum by (environment) (rate(k6_http_reqs_total{testid=~"$testid"}[$__rate_interval]))',
          '{{environment}} achieved',
        ),
        prom(droppedRate(K6, 'environment'), '{{environment}} dropped'),
      ],
      { w: 24 },
    ),
  );
