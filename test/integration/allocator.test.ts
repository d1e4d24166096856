// The launch's GLIBC_TUNABLES (app/launch.ts) must really change what glibc does, not only be written
// down: a process that allocates, touches and frees four 8 MiB blocks at a time — the memory route's
// pattern — faults every page in again on each cycle with glibc's defaults (it trims the freed heap top
// back to the kernel), and almost none with the setting. Counted in the process's own minor page faults.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { APP_GLIBC_TUNABLES } from '../../app/launch.ts';

const run = promisify(execFile);

// The probe parses /proc/self/stat itself, as statFields (harness/environments/processes.ts) does:
// importing that module (TypeScript, stripped at load) allocates enough to change the heap the probe
// measures: with the import, glibc's defaults faulted 2.8 pages a cycle instead of ~8 170.
const PROBE = `
import { readFileSync } from 'node:fs';
const minflt = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
};
const cycle = () => {
  const blocks = [];
  for (let i = 0; i < 4; i++) {
    const block = Buffer.allocUnsafe(8 << 20);
    for (let offset = 0; offset < block.length; offset += 4096) block[offset] = 1;
    blocks.push(block);
  }
  for (const block of blocks) block.buffer.transfer(0);
};
for (let i = 0; i < 3; i++) cycle();
const before = minflt();
for (let i = 0; i < 20; i++) cycle();
console.log(JSON.stringify({ faultsPerCycle: (minflt() - before) / 20 }));
`;
const PAGES_PER_CYCLE = (4 * 8 * 2 ** 20) / 4096;

async function faultsPerCycle(tunables: string | undefined): Promise<number> {
  const env = { ...process.env };
  delete env.GLIBC_TUNABLES;
  if (tunables !== undefined) env.GLIBC_TUNABLES = tunables;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE], { env });
  return z.object({ faultsPerCycle: z.number() }).parse(JSON.parse(stdout)).faultsPerCycle;
}

const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
  ?.glibcVersionRuntime;
if (!glibc)
  console.warn(
    `!!! SKIPPED allocator.test.ts: this Node (${process.platform}) does not run on glibc, so GLIBC_TUNABLES means nothing here`,
  );

describe.skipIf(!glibc)(`GLIBC_TUNABLES of the launch (glibc ${glibc})`, () => {
  it('keeps freed 8 MiB blocks for reuse: almost no page faults per cycle, against every page without it', async () => {
    const [without, withTunables] = [
      await faultsPerCycle(undefined),
      await faultsPerCycle(APP_GLIBC_TUNABLES),
    ];
    console.log(
      `page faults per cycle of 4 × 8 MiB (${PAGES_PER_CYCLE} pages): glibc defaults ${without}, launch's GLIBC_TUNABLES ${withTunables}`,
    );
    // The defaults fault (nearly) every page in again: the probe measures what the setting changes.
    expect(without).toBeGreaterThan(PAGES_PER_CYCLE / 2);
    expect(withTunables).toBeLessThan(PAGES_PER_CYCLE / 20);
  });
});
