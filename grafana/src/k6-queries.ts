// PromQL over the series k6 writes with its Prometheus remote-write output (experimental-prometheus-rw),
// shared by the k6 and comparison dashboards. The shapes these rely on are k6's, at the pinned release
// (docs/upstream-evidence.md, k6): a Counter becomes `k6_<name>_total` holding the running total since
// the test started; a Rate becomes `k6_<name>_rate` holding the share of non-zero samples since the start
// *per series*; http_reqs carries `status` and `expected_response` tags; dropped_iterations is written
// only once an iteration was dropped.

/**
 * Share of failed requests since the test started, per group: requests k6 counted with
 * expected_response="false" over all requests. Not an average of k6_http_req_failed_rate: each of its
 * series holds one status, so each is all 0 or all 1, and averaging them weighs a single 503 like the
 * thousands of 200s. Running totals, not rate(): a failure series that appears with the value 1 and
 * never grows has no increase for rate() to see. 0, not a gap, when nothing failed.
 */
export function failedShare(selector: string, by: string): string {
  const total = (extra: string) => `sum by (${by}) (k6_http_reqs_total{${selector}${extra}})`;
  return `(${total(',expected_response="false"')} or ${total('')} * 0) / ${total('')}`;
}

/**
 * The worst check's pass share since the test started. k6 writes each check (per tag set) as its own
 * ratio and no counts, so the ratios cannot be weighed into one exact share: the lowest is exact.
 */
export function worstCheck(selector: string, by: string): string {
  return `min by (${by}) (k6_checks_rate{${selector}})`;
}

/** Iterations per second k6 could not start on schedule; 0, not a gap, while none was dropped. */
export function droppedRate(selector: string, by: string): string {
  const r = (metric: string) => `sum by (${by}) (rate(${metric}{${selector}}[$__rate_interval]))`;
  return `(${r('k6_dropped_iterations_total')} or ${r('k6_iterations_total')} * 0)`;
}

/** The rate k6 was asked for: iterations started plus iterations dropped (open model). */
export function offeredRate(selector: string, by: string): string {
  return `sum by (${by}) (rate(k6_iterations_total{${selector}}[$__rate_interval])) + ${droppedRate(selector, by)}`;
}
