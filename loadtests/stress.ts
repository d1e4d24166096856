// Stress: the arrival rate climbs in steps to MAX_RATE, then holds; where latency and dropped
// iterations take off is the saturation point.
import { options as build } from './lib/options.ts';
import { mixed } from './lib/requests.ts';
import { duration, positiveInt, vus } from './lib/settings.ts';

const max = positiveInt('MAX_RATE', 400);
const step = duration('STEP', '1m');
export const options = build('stress', {
  stress: {
    executor: 'ramping-arrival-rate',
    startRate: Math.ceil(max / 8),
    timeUnit: '1s',
    ...vus(50, max * 2),
    stages: [1, 2, 3, 4].flatMap((k) => [
      { target: Math.ceil((max * k) / 4), duration: '30s' },
      { target: Math.ceil((max * k) / 4), duration: step },
    ]),
  },
});

export default mixed;
