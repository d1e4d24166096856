// The app's workload endpoints (lib/mix.ts) as k6 requests. Every request is tagged with its route
// template (`name`), so k6's metrics group by endpoint, not by query string.
import { check } from 'k6';
import http from 'k6/http';
import { type MixEntry, REQUEST_MIX } from './mix.ts';
import { targetUrl } from './settings.ts';

const BASE = targetUrl();

export interface Endpoint {
  readonly name: string;
  readonly weight: number;
  readonly send: () => http.RefinedResponse<'text'>;
}

function toEndpoint(entry: MixEntry): Endpoint {
  const url = `${BASE}${entry.route}${entry.query ? `?${entry.query}` : ''}`;
  const params = { tags: { name: entry.route }, headers: { 'Content-Type': 'application/json' } };
  return {
    name: entry.route,
    weight: entry.weight,
    send:
      entry.method === 'POST'
        ? () => http.post(url, entry.body ?? null, params)
        : () => http.get(url, params),
  };
}

export const ENDPOINTS: readonly Endpoint[] = REQUEST_MIX.map(toEndpoint);

/** Sends one request to an endpoint and checks it (200, JSON body). */
export function hit(endpoint: Endpoint): void {
  const res = endpoint.send();
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is JSON': (r) => String(r.headers['Content-Type'] ?? '').startsWith('application/json'),
  });
}

const TOTAL_WEIGHT = ENDPOINTS.reduce((sum, e) => sum + e.weight, 0);

/** One request from the default mix, chosen by weight. */
export function mixed(): void {
  let pick = Math.random() * TOTAL_WEIGHT;
  for (const endpoint of ENDPOINTS) {
    pick -= endpoint.weight;
    if (pick < 0) return hit(endpoint);
  }
  hit(ENDPOINTS[ENDPOINTS.length - 1]!);
}

/** The endpoint with this name (for scripts that drive one route). */
export function endpoint(name: string): Endpoint {
  const found = ENDPOINTS.find((e) => e.name === name);
  if (!found)
    throw new Error(`unknown endpoint "${name}" (known: ${ENDPOINTS.map((e) => e.name).join(', ')})`);
  return found;
}
