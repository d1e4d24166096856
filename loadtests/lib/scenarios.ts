// The k6 scripts of loadtests/, by name: what `npm run loadtest` accepts and what the Helm chart ships
// for the k6-operator. Not imported by the scripts themselves.
export const SCENARIOS = ['smoke', 'load', 'stress', 'spike', 'soak', 'breakpoint', 'endpoints'] as const;
export type Scenario = (typeof SCENARIOS)[number];
