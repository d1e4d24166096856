// The compare command's results, as `npm run compare -- --prometheus-url …` remote-writes them
// (scripts/compare/publish.ts): the seed's table and the per-route tables of one run, chosen by run id,
// next to the live dashboards. Each query turns one gauge into a row with `label_replace`, in the unit
// its row names, so one table can hold start-up, memory, throughput and latency.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PROMETHEUS } from '../datasources.ts';
import { labelsTable, matrixTable, newDashboard, prom } from '../panels.ts';

const P = 'cloud_benchmark_compare_';
const RUN = 'run_id=~"$run_id"';

/** One row of the seed's table: the gauge's medians, scaled, labelled `measure`. */
const row = (measure: string, metric: string, matchers: string, scale: string) =>
  `label_replace(${P}${metric}{${[RUN, matchers].filter(Boolean).join(',')}} ${scale}, "measure", "${measure}", "", "")`;

export const SEED_TABLE_EXPR = [
  row('1 start-up (ms)', 'startup_seconds', 'kind="start",stat="median"', '* 1000'),
  row(
    '2 start-up, stopped copy started again (ms)',
    'startup_seconds',
    'kind="restart",stat="median"',
    '* 1000',
  ),
  row('3 host memory, idle (MiB)', 'host_memory_bytes', 'state="idle",stat="median"', '/ 1048576'),
  row('4 host memory, under load (MiB)', 'host_memory_bytes', 'state="load",stat="median"', '/ 1048576'),
  row('5 disk on the host (MiB)', 'disk_bytes', '', '/ 1048576'),
  row('6 highest rate sustained (req/s)', 'throughput_requests_per_second', 'bound="sustained"', '* 1'),
  row('7 lowest rate that saturated (req/s)', 'throughput_requests_per_second', 'bound="saturated"', '* 1'),
  row('8 response time p50 (ms)', 'latency_seconds', 'quantile="0.5",stat="median"', '* 1000'),
  row('9 response time p99 (ms)', 'latency_seconds', 'quantile="0.99",stat="median"', '* 1000'),
].join(' or ');

const runVariable = new dashboard.QueryVariableBuilder('run_id')
  .label('Run')
  .datasource(PROMETHEUS)
  .query({ query: `label_values(${P}run_info, run_id)`, refId: 'run_id' })
  .definition(`label_values(${P}run_info, run_id)`)
  .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
  // Run ids are start times: the newest first, and one run at a time (a table of two runs would mix them).
  .sort(dashboard.VariableSort.AlphabeticalDesc)
  .multi(false)
  .includeAll(false);

export const comparisonReport = newDashboard(
  'cb-comparison-report',
  'cloud-benchmark / Comparison report',
  "One run of `npm run compare`, as it remote-wrote its summary with --prometheus-url: the seed's table (start-up, host footprint, throughput, response time) and each route of the mix, per environment. Medians over the run's repetitions; the report.md of the run has the confidence intervals and significance tests.",
)
  .time({ from: 'now-7d', to: 'now' })
  .refresh('1m')
  .withVariable(runVariable)
  .withPanel(
    matrixTable(
      "The seed's table",
      'Per environment (columns): start-up, what the environment costs the host in memory (process tree; cgroup + shim + proxy; the whole qemu process) and on disk, the highest rate it sustained and the lowest that saturated it, and response time at the highest rate every environment sustained. Each row names its unit. A VM under emulation has emulated="true" on its series.',
      'none',
      prom(SEED_TABLE_EXPR, '', { instant: true }),
      'measure',
      'path',
      { h: 10 },
    ),
  )
  .withPanel(
    matrixTable(
      'Per route: p99 (ms)',
      "Each route of the mix (rows) per environment (columns): the 99th percentile of its latency, median over the run's repetitions, at the common rate.",
      'ms',
      prom(`${P}route_latency_seconds{${RUN},quantile="0.99",stat="median"} * 1000`, '', { instant: true }),
      'route',
      'path',
      { w: 12 },
    ),
  )
  .withPanel(
    matrixTable(
      'Per route: p50 (ms)',
      "Each route of the mix (rows) per environment (columns): the median latency, median over the run's repetitions, at the common rate.",
      'ms',
      prom(`${P}route_latency_seconds{${RUN},quantile="0.5",stat="median"} * 1000`, '', { instant: true }),
      'route',
      'path',
      { w: 12 },
    ),
  )
  .withPanel(
    matrixTable(
      'Per route: answers that were not 200',
      'Each route of the mix per environment: answers other than 200 (status codes, or no answer at all), summed over the repetitions at the common rate.',
      'short',
      prom(`${P}route_not_ok_responses{${RUN}}`, '', { instant: true }),
      'route',
      'path',
      { w: 12, h: 8 },
    ),
  )
  .withPanel(
    labelsTable(
      'Runs published',
      'Every compare run remote-written in the time range: its id (start time), whether it completed, quick mode, the request mix, and the machine it ran on.',
      prom(`${P}run_info`, '', { instant: true }),
      { w: 12, h: 8 },
    ),
  );
