// Every provisioned dashboard, by the file it is written to.
import { comparison } from './dashboards/comparison.ts';
import { comparisonReport } from './dashboards/comparison-report.ts';
import { k6 } from './dashboards/k6.ts';
import { logsTraces } from './dashboards/logs-traces.ts';
import { red } from './dashboards/red.ts';
import { stackHealth } from './dashboards/stack-health.ts';

export const dashboards = {
  'comparison.json': comparison,
  'comparison-report.json': comparisonReport,
  'red.json': red,
  'k6.json': k6,
  'logs-traces.json': logsTraces,
  'stack-health.json': stackHealth,
};
