// The reader of the Collector debug exporter's output that the Loki wire-path test relies on, on output
// captured from the real Collector (test/e2e/fixtures/debug-exporter-sample.txt).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDebugLogs } from '../helpers/collector-debug.ts';

const sample = readFileSync(
  resolve(import.meta.dirname, '../e2e/fixtures/debug-exporter-sample.txt'),
  'utf8',
);

describe('parseDebugLogs', () => {
  it('reads every record of a captured output, with its resource, body, attributes and ids', () => {
    const records = parseDebugLogs(sample);
    expect(records.map((r) => [r.body, r.traceId])).toEqual([
      ['ready', ''],
      ['request completed', '0af7651916cd43dd8448eb211c803111'],
      ['request completed', '0af7651916cd43dd8448eb211c803122'],
    ]);
    const [, access] = records;
    expect(access!.resource).toMatchObject({
      'service.name': 'cloud-benchmark',
      'deployment.environment.name': 'container',
      'service.namespace': 'cloud-benchmark',
    });
    expect(access!.severityText).toBe('INFO');
    expect(access!.attributes).toMatchObject({
      'http.route': '/api/json',
      'http.response.status_code': '200',
    });
    expect(access!.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reads nothing from a log without exports', () => {
    expect(parseDebugLogs('2026-12-01T16:51:43.425Z\tinfo\tEverything is ready.\n')).toEqual([]);
  });
});
