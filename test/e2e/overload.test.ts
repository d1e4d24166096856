// Overload: the built app as a host process in the compared limits (1 CPU, 512 MiB cgroup), driven at
// twice the rate it sustains, with up to 4000 requests in flight. It must stay alive, answer its probes,
// answer only 200 or 503 (load shedding, capacity budgets) — never another 5xx —, keep its memory under
// the limit, and serve a normal load cleanly once the overload stops. Client-side timeouts during the
// overload are printed, not bounded (see docs/reliability.md).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUEST_MIX } from '../../loadtests/lib/mix.ts';
import { firstHealthy, readStatus, sampleProcess } from '../../harness/app-probe.ts';
import type { Started } from '../../harness/environments/environment.ts';
import { nativeEnvironment } from '../../harness/environments/native.ts';
import { freePort } from '../../harness/ports.ts';
import { attack } from '../../harness/load-driver.ts';
import { findSaturation } from '../../harness/saturation.ts';
import { skipLoudly, versions } from '../helpers/images.ts';

const repo = resolve(import.meta.dirname, '../..');
const vegeta = join(process.env.CB_BIN_DIR ?? '/nonexistent', 'vegeta');
const skip = skipLoudly(
  'overload test',
  existsSync(vegeta) ? undefined : `vegeta is not built at ${vegeta} (run scripts/toolchain.sh)`,
);
const MEMORY_MIB = Number(versions.BENCH_MEMORY_MIB);

describe.skipIf(skip)('the app at twice its saturation rate (real load, 1 CPU / 512 MiB)', () => {
  it('stays up, sheds instead of failing, keeps memory bounded and recovers', async () => {
    const env = nativeEnvironment(
      repo,
      {
        cpus: Number(versions.BENCH_CPUS),
        memoryMib: MEMORY_MIB,
        otlpEndpoint: undefined,
        healthTimeoutMs: 30_000,
      },
      await freePort(),
    );
    expect(await env.unavailable()).toBeUndefined();
    let started: Started | undefined;
    try {
      started = await env.start();
      const url = started.paths[0]!.url;
      const { sustained } = await findSaturation({
        vegeta,
        baseUrl: url,
        mix: REQUEST_MIX,
        startRate: 50,
        stepSeconds: 4,
        bisect: 1,
        maxWorkers: 200,
      });
      expect(sustained).toBeGreaterThan(0);
      const overload = sustained * 2;
      const pidBefore = (await readStatus(url)).pid;

      // Probes during the overload: the instance must still say it is alive.
      const probes: number[] = [];
      let peakRss = 0;
      let probing = true;
      const prober = (async () => {
        while (probing) {
          probes.push(
            await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) }).then(
              (r) => r.status,
              () => 0,
            ),
          );
          peakRss = Math.max(
            peakRss,
            await sampleProcess(url).then(
              (s) => s.rssBytes / 2 ** 20,
              () => 0,
            ),
          );
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      const hard = await attack({
        vegeta,
        baseUrl: url,
        mix: REQUEST_MIX,
        rate: overload,
        durationSeconds: 20,
        maxWorkers: 4000,
        timeoutSeconds: 10,
      });
      probing = false;
      await prober;
      console.log(
        `overload: sustained ${sustained} req/s; at ${overload} req/s for 20 s: status codes ${JSON.stringify(hard.statusCodes)}, ` +
          `dropped ${hard.dropped}, p99 ${hard.latencyMs.p99.toFixed(0)} ms; /health during it: ${probes.join(',')}; peak RSS ${peakRss.toFixed(0)} MiB`,
      );
      const codes = Object.keys(hard.statusCodes);
      expect(
        codes.filter((c) => c !== '200' && c !== '503' && c !== '0'),
        'no 5xx other than 503',
      ).toEqual([]);
      // The same process survived (connection resets alone prove nothing: under overload the server's
      // 5 s keep-alive timeout races clients reusing idle connections). Client timeouts (code 0) are
      // recorded, not bounded: shedding does not yet turn all of a 2x overload into quick 503s.
      expect(await readStatus(url).then((st) => st.pid)).toBe(pidBefore);
      expect(probes.length).toBeGreaterThan(0);
      expect(
        probes.filter((s) => s === 200).length,
        'probes answered during the overload',
      ).toBeGreaterThanOrEqual(probes.length - 1);
      expect(peakRss).toBeLessThan(MEMORY_MIB);

      // Recovery: a load the instance sustains is served without a failure right after.
      await firstHealthy(url, performance.now(), 15_000);
      const after = await attack({
        vegeta,
        baseUrl: url,
        mix: REQUEST_MIX,
        rate: Math.max(1, Math.floor(sustained / 2)),
        durationSeconds: 10,
        maxWorkers: 200,
        timeoutSeconds: 10,
      });
      console.log(
        `after the overload, at ${after.offeredRate} req/s: ${after.ok}/${after.expected} ok, p99 ${after.latencyMs.p99.toFixed(0)} ms`,
      );
      // Served again, without a 5xx other than 503: the memory workload may still refuse (503) while the
      // RSS the overload left behind stays above its ceiling (allocators return memory slowly).
      console.log(`after the overload, status codes ${JSON.stringify(after.statusCodes)}`);
      expect(Object.keys(after.statusCodes).filter((c) => c !== '200' && c !== '503')).toEqual([]);
      expect(after.statusCodes['200'] ?? 0).toBeGreaterThanOrEqual(0.85 * after.expected);
      expect(after.dropped).toBe(0);
    } finally {
      await started?.stop();
      await env.cleanup();
    }
  }, 300_000);
});
