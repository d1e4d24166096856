// Breakpoint: the arrival rate rises steadily until a threshold fails, which aborts the run; the rate
// at that moment (k6's summary, or the k6 dashboard) is the breaking point.
import { options as build } from './lib/options.ts';
import { mixed } from './lib/requests.ts';
import { duration, positiveInt, vus } from './lib/settings.ts';

const max = positiveInt('MAX_RATE', 2000);
export const options = build(
  'breakpoint',
  {
    breakpoint: {
      executor: 'ramping-arrival-rate',
      startRate: 10,
      timeUnit: '1s',
      ...vus(50, max),
      stages: [{ target: max, duration: duration('DURATION', '10m') }],
    },
  },
  { abortOnFail: true },
);

export default mixed;
