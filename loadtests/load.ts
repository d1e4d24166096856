// Load: the default request mix at a constant arrival rate (open model: requests arrive whether or not
// the previous ones finished, as users do).
// k6 run -e TARGET_URL=… -e ENVIRONMENT=container -e RATE=100 -e DURATION=5m loadtests/load.ts
import { options as build } from './lib/options.ts';
import { mixed } from './lib/requests.ts';
import { duration, positiveInt, vus } from './lib/settings.ts';

const rate = positiveInt('RATE', 50);
export const options = build('load', {
  load: {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration: duration('DURATION', '5m'),
    ...vus(Math.max(10, rate), Math.max(50, rate * 4)),
  },
});

export default mixed;
