// Options every scenario shares: tags on every metric, and thresholds that fail the run.
import type { Options, Scenario } from 'k6/options';
import { environment, millis, testId } from './settings.ts';

/**
 * Thresholds (override with -e P95_MS=… -e P99_MS=… -e MAX_ERROR_RATE=…). dropped_iterations must stay 0:
 * in an open model a dropped iteration is a request the target was too slow to let k6 send, and hiding
 * it is how a closed-model tool flatters a slow server.
 */
export function thresholds(abortOnFail = false): NonNullable<Options['thresholds']> {
  const t = (threshold: string) => ({ threshold, abortOnFail, delayAbortEval: '10s' });
  const maxErrorRate = Number(__ENV.MAX_ERROR_RATE ?? '0.01');
  if (!(maxErrorRate >= 0 && maxErrorRate <= 1))
    throw new Error(`MAX_ERROR_RATE must be between 0 and 1, got "${__ENV.MAX_ERROR_RATE}"`);
  return {
    http_req_duration: [t(`p(95)<${millis('P95_MS', 500)}`), t(`p(99)<${millis('P99_MS', 1000)}`)],
    http_req_failed: [t(`rate<=${maxErrorRate}`)],
    checks: [t(`rate>=${1 - maxErrorRate}`)],
    dropped_iterations: [t('count<1')],
  };
}

/** Options for a script: its scenarios, the shared thresholds and tags. */
export function options(
  name: string,
  scenarios: Record<string, Scenario>,
  opts: { abortOnFail?: boolean } = {},
): Options {
  return {
    scenarios,
    thresholds: thresholds(opts.abortOnFail),
    tags: { environment: environment(), testid: testId(name) },
    // Percentiles the compare report and the end-of-test summary both show.
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  };
}
