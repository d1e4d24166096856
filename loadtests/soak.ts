// Soak: a moderate constant rate for a long time (default 1 h); memory growth and slow leaks show in
// the app's RSS panel next to k6's latency.
import { options as build } from './lib/options.ts';
import { mixed } from './lib/requests.ts';
import { duration, positiveInt, vus } from './lib/settings.ts';

const rate = positiveInt('RATE', 50);
export const options = build('soak', {
  soak: {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration: duration('DURATION', '1h'),
    ...vus(Math.max(10, rate), rate * 4),
  },
});

export default mixed;
