// Spike: a steady base rate, a sudden SPIKE_FACTOR× burst, and back; shows recovery after the burst.
import { options as build } from './lib/options.ts';
import { mixed } from './lib/requests.ts';
import { positiveInt, vus } from './lib/settings.ts';

const base = positiveInt('RATE', 20);
const peak = base * positiveInt('SPIKE_FACTOR', 10);
export const options = build('spike', {
  spike: {
    executor: 'ramping-arrival-rate',
    startRate: base,
    timeUnit: '1s',
    ...vus(20, peak * 2),
    stages: [
      { target: base, duration: '1m' },
      { target: peak, duration: '10s' },
      { target: peak, duration: '1m' },
      { target: base, duration: '10s' },
      { target: base, duration: '2m' },
    ],
  },
});

export default mixed;
