// One scenario per endpoint, each at its own constant rate and run in parallel, so each route's latency
// is measured under the same total load (metrics carry the `scenario` and `name` tags).
import type { Scenario } from 'k6/options';
import { options as build } from './lib/options.ts';
import { ENDPOINTS, endpoint, hit } from './lib/requests.ts';
import { duration, positiveInt, vus } from './lib/settings.ts';

const rate = positiveInt('RATE', 10);
const scenarioName = (route: string) => route.replace(/^\/api\//, '');

export const options = build(
  'endpoints',
  Object.fromEntries(
    ENDPOINTS.map((e): [string, Scenario] => [
      scenarioName(e.name),
      {
        executor: 'constant-arrival-rate',
        exec: 'one',
        env: { ENDPOINT: e.name },
        rate,
        timeUnit: '1s',
        duration: duration('DURATION', '2m'),
        ...vus(5, rate * 4),
      },
    ]),
  ),
);

export function one(): void {
  hit(endpoint(__ENV.ENDPOINT ?? ''));
}
