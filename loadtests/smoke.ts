// Smoke: every endpoint a few times at a low constant rate; the thresholds are the pass/fail.
// k6 run -e TARGET_URL=http://127.0.0.1:8080 -e ENVIRONMENT=native loadtests/smoke.ts
import { options as build } from './lib/options.ts';
import { ENDPOINTS, hit } from './lib/requests.ts';
import { duration, positiveInt, vus } from './lib/settings.ts';

export const options = build('smoke', {
  smoke: {
    executor: 'constant-arrival-rate',
    rate: positiveInt('RATE', 7),
    timeUnit: '1s',
    duration: duration('DURATION', '20s'),
    ...vus(5, 20),
  },
});

// Round-robin over the endpoints, so even a short run touches each one.
let next = 0;
export default function (): void {
  hit(ENDPOINTS[next++ % ENDPOINTS.length]!);
}
