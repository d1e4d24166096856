// What every scenario takes from `-e NAME=value` (or the environment). A bad value stops the run in the
// init stage, before any request, with a message naming the variable.
// A copy of app/src/config/environments.ts (k6 cannot import outside loadtests/); test/loadtests holds them equal.
export const ENVIRONMENTS = ['native', 'container', 'vm', 'kubernetes'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

function text(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

/** The app's base URL, scheme and authority only (e.g. http://127.0.0.1:8080). */
export function targetUrl(): string {
  const value = text('TARGET_URL', 'http://127.0.0.1:8080').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s?#]+$/.test(value))
    throw new Error(`TARGET_URL must look like http://host:port (no path), got "${value}"`);
  return value;
}

export function environment(): Environment {
  const value = text('ENVIRONMENT', 'native');
  if (!(ENVIRONMENTS as readonly string[]).includes(value))
    throw new Error(`ENVIRONMENT must be one of ${ENVIRONMENTS.join(', ')}, got "${value}"`);
  return value as Environment;
}

/** A positive whole number of requests per second (or VUs). */
export function positiveInt(name: string, fallback: number): number {
  const raw = text(name, String(fallback));
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

/**
 * The VU pool of an arrival-rate scenario: at most MAX_VUS (default `maxFallback`), pre-allocating
 * `preAllocated` but never more than that cap — k6 refuses a scenario whose maxVUs is below its
 * preAllocatedVUs ("maxVUs can't be less than preAllocatedVUs"), which small rates would otherwise give.
 */
export function vus(preAllocated: number, maxFallback: number): { preAllocatedVUs: number; maxVUs: number } {
  const maxVUs = positiveInt('MAX_VUS', Math.max(1, Math.ceil(maxFallback)));
  return { preAllocatedVUs: Math.max(1, Math.min(preAllocated, maxVUs)), maxVUs };
}

/** A k6 duration such as 30s, 5m, 1h30m. */
export function duration(name: string, fallback: string): string {
  const value = text(name, fallback);
  if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(value) || value === '')
    throw new Error(`${name} must be a duration like 30s, 5m or 1h30m, got "${value}"`);
  return value;
}

/** Milliseconds for a latency threshold. */
export function millis(name: string, fallback: number): number {
  const raw = text(name, String(fallback));
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number of ms, got "${raw}"`);
  return value;
}

/**
 * The test id that tags every metric (and the Grafana k6 dashboard's `testid` variable): given, or the
 * scenario, environment and start time.
 */
export function testId(scenario: string): string {
  const value = text('TESTID', `${scenario}-${environment()}-${new Date().toISOString().slice(0, 19)}`);
  if (!/^[\w.:-]{1,100}$/.test(value))
    throw new Error(`TESTID may hold letters, digits, _ . : - (at most 100), got "${value}"`);
  return value;
}
