// The chart's load Job as the harness reads it back: each pod's log (its summary, then its vegeta
// results, gzip and base64) parsed, and several pods' real vegeta results merged into one result whose
// counts and routes are the sum of theirs. The pods' results here come from real vegeta runs against a
// local server on 127.0.0.1; the cluster test reads a real Job's logs.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLoadPodLog } from '../../harness/kubernetes.ts';
import { summarize, targetLines } from '../../harness/load-driver.ts';
import { toolchainCache } from '../../harness/project-env.ts';
import { REQUEST_MIX } from '../../loadtests/lib/mix.ts';
import { skipLoudly } from '../helpers/images.ts';

const vegeta = join(process.env.CB_BIN_DIR ?? join(toolchainCache(), 'bin'), 'vegeta');
const skip = skipLoudly(
  'load Job merge tests',
  existsSync(vegeta) ? undefined : `no ${vegeta} (run scripts/toolchain.sh)`,
);

/** A pod's log as templates/load.yaml's script prints it. */
function podLog(index: number, node: string, rate: number, results: Buffer): string {
  const base64 = gzipSync(results).toString('base64').replace(/.{76}/g, '$&\n');
  return [
    `cloud-benchmark load: index=${index} node=${node} rate=${rate}/s duration=2s`,
    'Requests      [total, rate, throughput]  4, 2.00, 2.00',
    '-----BEGIN VEGETA RESULTS (gzip, base64)-----',
    base64,
    '-----END VEGETA RESULTS-----',
    '',
  ].join('\n');
}

describe('parseLoadPodLog', () => {
  it('reads the index, node, rate and the results bytes', () => {
    const bytes = Buffer.from('not really gob, but bytes all the same');
    const out = parseLoadPodLog(podLog(2, 'cb-node2', 5, bytes));
    expect(out).toMatchObject({ index: 2, node: 'cb-node2', rate: 5, durationSeconds: 2 });
    expect(out.results.equals(bytes)).toBe(true);
  });

  it('says which pod did not finish, with the end of its log', () => {
    expect(() => parseLoadPodLog('vegeta: dial tcp: connection refused\n', 'bench-load-1-x')).toThrow(
      'bench-load-1-x: no complete results in its log (last lines: vegeta: dial tcp: connection refused)',
    );
    const cut = podLog(0, 'n', 1, Buffer.from('x')).split('-----END')[0]!;
    expect(() => parseLoadPodLog(cut, 'p')).toThrow(/^p: no complete results in its log/);
  });
});

describe.skipIf(skip)('merging load pods’ real vegeta results', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-load-job-test-'));
  const server = createServer((req, res) => {
    // Every route answers, except /api/io, which refuses: the merge must keep both kinds apart.
    res.statusCode = req.url?.startsWith('/api/io') ? 503 : 200;
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  /** One pod's run: vegeta at `rate` for 2 s, its binary results as the pod would print them. (Not a
   * synchronous child: the server that answers it runs in this process.) */
  async function pod(index: number, rate: number): Promise<string> {
    const targets = join(dir, 'targets.jsonl');
    writeFileSync(targets, targetLines(base, REQUEST_MIX).join('\n') + '\n');
    const out = join(dir, `pod-${index}.bin`);
    await promisify(execFile)(vegeta, [
      'attack',
      '-format=json',
      `-targets=${targets}`,
      `-rate=${rate}/1s`,
      '-duration=2s',
      `-output=${out}`,
    ]);
    return podLog(index, `node-${index % 2}`, rate, readFileSync(out));
  }

  it('gives one result whose counts, codes and routes are the pods’ together', async () => {
    const logs = [await pod(0, 10), await pod(1, 10), await pod(2, 5)];
    const parsed = logs.map((l) => parseLoadPodLog(l));
    const files = parsed.map((p, i) => {
      const f = join(dir, `merged-${i}.bin`);
      writeFileSync(f, p.results);
      return f;
    });
    const each = await Promise.all(files.map((f, i) => summarize(vegeta, [f], parsed[i]!.rate, 2)));
    const merged = await summarize(vegeta, files, 25, 2);
    expect(each.map((r) => r.sent)).toEqual([20, 20, 10]);
    expect(merged.expected).toBe(50);
    expect(merged.sent).toBe(50);
    expect(merged.ok).toBe(each.reduce((s, r) => s + r.ok, 0));
    expect(merged.statusCodes['503']).toBe(each.reduce((s, r) => s + (r.statusCodes['503'] ?? 0), 0));
    expect(merged.statusCodes['503']).toBeGreaterThan(0);
    for (const route of new Set(REQUEST_MIX.map((e) => e.route)))
      expect(merged.breakdown!.byRoute[route]?.count, route).toBe(
        each.reduce((s, r) => s + (r.breakdown!.byRoute[route]?.count ?? 0), 0),
      );
    // Percentiles over every request: within the pods' own extremes, not an average of them.
    expect(merged.latencyMs.max).toBe(Math.max(...each.map((r) => r.latencyMs.max)));
  });
});
