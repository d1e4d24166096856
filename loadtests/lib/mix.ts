// The default request mix, as plain data: the k6 scripts (lib/requests.ts) and the compare command's
// load driver both read it, so "the default mix" means one thing. Parameters are the app's defaults.
export interface MixEntry {
  readonly method: 'GET' | 'POST';
  /** Route template; also the `name` tag of k6's metrics. */
  readonly route: string;
  readonly query: string;
  /** Share of the mix; the weights add up to 100. */
  readonly weight: number;
  readonly body?: string;
}

export const REQUEST_MIX: readonly MixEntry[] = [
  { method: 'GET', route: '/api/json', query: 'items=10', weight: 30 },
  { method: 'GET', route: '/api/cpu', query: 'iterations=100000', weight: 20 },
  { method: 'GET', route: '/api/delay', query: 'ms=50', weight: 15 },
  { method: 'GET', route: '/api/io', query: 'kb=64', weight: 10 },
  { method: 'GET', route: '/api/memory', query: 'mb=8&holdMs=100', weight: 10 },
  { method: 'GET', route: '/api/fanout', query: 'calls=2&ms=10', weight: 5 },
  { method: 'POST', route: '/api/echo', query: '', weight: 10, body: '{"hello":"cloud-benchmark","n":42}' },
];

/** The trivial route of the overhead benchmark: the least work per request, so overhead shows most. */
export const TRIVIAL: MixEntry = { method: 'GET', route: '/api/json', query: 'items=1', weight: 100 };
