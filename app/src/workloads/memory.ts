// Allocates `mb` MiB, touches every page so it is really resident, holds it for `holdMs`, releases it.
import { setTimeout as sleep } from 'node:timers/promises';

const MIB = 1024 * 1024;
const PAGE = 4096;

export async function holdMemory(mb: number, holdMs: number): Promise<{ bytes: number; checksum: number }> {
  const block = Buffer.allocUnsafe(mb * MIB);
  for (let offset = 0; offset < block.length; offset += PAGE) block[offset] = offset & 0xff;
  await sleep(holdMs);
  let checksum = 0;
  for (let offset = 0; offset < block.length; offset += PAGE * 64)
    checksum = (checksum + (block[offset] ?? 0)) & 0xffff;
  // `block` goes out of scope here; the next GC returns it.
  return { bytes: block.length, checksum };
}
