// The Prometheus text format that /metrics serves to text-only scrapers, derived from the OpenMetrics
// exposition: counter names, exemplars, UNIT and EOF lines, and label values that look like exemplars.
import { describe, expect, it } from 'vitest';
import { toPrometheusText } from '../src/metrics/app-metrics.ts';

describe('toPrometheusText', () => {
  it('keeps counter names, drops exemplars, UNIT and EOF, and names unknown types untyped', () => {
    const openMetrics = [
      '# HELP jobs Jobs done.',
      '# TYPE jobs counter',
      'jobs_total{kind="a"} 3',
      '# HELP latency_seconds Latency.',
      '# TYPE latency_seconds histogram',
      '# UNIT latency_seconds seconds',
      'latency_seconds_bucket{le="0.1"} 2 # {trace_id="0af7651916cd43dd8448eb211c80319c"} 0.05 1700000000.123',
      'latency_seconds_bucket{le="+Inf"} 2',
      '# HELP odd Odd.',
      '# TYPE odd unknown',
      'odd{path="/a # {b=\\"c\\"} 1"} 1',
      '# EOF',
      '',
    ].join('\n');
    expect(toPrometheusText(openMetrics)).toBe(
      [
        '# HELP jobs_total Jobs done.',
        '# TYPE jobs_total counter',
        'jobs_total{kind="a"} 3',
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{le="0.1"} 2',
        'latency_seconds_bucket{le="+Inf"} 2',
        '# HELP odd Odd.',
        '# TYPE odd untyped',
        'odd{path="/a # {b=\\"c\\"} 1"} 1',
        '',
      ].join('\n'),
    );
  });
});
