// App RED overview: rate, errors and duration per environment, exemplars linking to Jaeger.
import { ENV, errorRatioExpr, labelVariable, newDashboard, prom, timeSeries } from '../panels.ts';

const COUNT = 'http_server_request_duration_seconds_count';
const BUCKET = 'http_server_request_duration_seconds_bucket';

export const red = newDashboard(
  'cb-red',
  'cloud-benchmark / App RED by environment',
  "Rate, errors and duration of the app's user requests in each environment. Click an exemplar dot to open its trace in Jaeger.",
)
  .withVariable(labelVariable('environment', 'Environment', COUNT, 'environment'))
  .withPanel(
    timeSeries(
      'Request rate',
      'User requests per second (probes and /metrics excluded), by environment.',
      'reqps',
      [prom(`sum by (environment) (rate(${COUNT}{${ENV}}[$__rate_interval]))`, '{{environment}}')],
    ),
  )
  .withPanel(
    timeSeries(
      'Server error ratio',
      'Share of requests answered with 5xx (0 when an environment has none). 4xx are client errors and not counted.',
      'percentunit',
      [prom(errorRatioExpr(ENV), '{{environment}}')],
    ),
  )
  .withPanel(
    timeSeries(
      'Latency p50 / p95 / p99',
      "Request duration percentiles from the app's histogram. Dots are exemplars: each opens its trace.",
      's',
      [0.5, 0.95, 0.99].map((q) =>
        prom(
          `histogram_quantile(${q}, sum by (environment, le) (rate(${BUCKET}{${ENV}}[$__rate_interval])))`,
          `{{environment}} p${q * 100}`,
          { exemplar: true },
        ),
      ),
      { w: 24, h: 10 },
    ),
  )
  .withPanel(
    timeSeries('Latency p95 by route', '95th percentile per route template and environment.', 's', [
      prom(
        `histogram_quantile(0.95, sum by (environment, route, le) (rate(${BUCKET}{${ENV}}[$__rate_interval])))`,
        '{{environment}} {{route}}',
      ),
    ]),
  )
  .withPanel(
    timeSeries('In-flight requests', 'Requests being handled right now.', 'short', [
      prom(`sum by (environment) (http_server_active_requests{${ENV}})`, '{{environment}}'),
    ]),
  );
