// Writes `kb` KiB to a fresh file, fsyncs it, reads it back, verifies it and deletes it, timing each
// phase. The file is removed even when a phase fails.
import { randomBytes, randomUUID } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface IoResult {
  readonly bytes: number;
  readonly writeMs: number;
  readonly fsyncMs: number;
  readonly readMs: number;
}

export async function writeSyncReadDelete(dir: string, kb: number): Promise<IoResult> {
  const path = join(dir, `cloud-benchmark-io-${randomUUID()}.bin`);
  const data = randomBytes(kb * 1024);
  try {
    let t = performance.now();
    const file = await open(path, 'wx', 0o600);
    let writeMs: number;
    let fsyncMs: number;
    try {
      await file.writeFile(data);
      writeMs = performance.now() - t;
      t = performance.now();
      await file.sync();
      fsyncMs = performance.now() - t;
    } finally {
      await file.close();
    }
    t = performance.now();
    const back = await readFile(path);
    const readMs = performance.now() - t;
    if (!back.equals(data)) throw new Error('file read back differs from what was written');
    return { bytes: data.length, writeMs, fsyncMs, readMs };
  } finally {
    await rm(path, { force: true });
  }
}
