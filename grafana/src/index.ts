// Every provisioned dashboard, by the file it is written to.
import { comparison } from './dashboards/comparison.ts';
import { k6 } from './dashboards/k6.ts';
import { logsTraces } from './dashboards/logs-traces.ts';
import { red } from './dashboards/red.ts';
import { stackHealth } from './dashboards/stack-health.ts';

export const dashboards = {
  'comparison.json': comparison,
  'red.json': red,
  'k6.json': k6,
  'logs-traces.json': logsTraces,
  'stack-health.json': stackHealth,
};
