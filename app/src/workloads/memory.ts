// Allocates `mb` MiB, touches every page so it is really resident, holds it for `holdMs`, releases it.
// The release is explicit: detaching the block's ArrayBuffer frees its memory at once. Left to the
// garbage collector, V8 answers the external memory with full mark-compacts, each costing in proportion
// to the whole live heap: measured with a 30 MB heap, 6–9 ms of CPU per 8 MiB block against 0.7–1 ms
// released at once (docs/telemetry-overhead.md), so the route measured the heap, not the allocation.
import { setTimeout as sleep } from 'node:timers/promises';

const MIB = 1024 * 1024;
const PAGE = 4096;

/**
 * What all /api/memory requests may hold at once unless MEMORY_BUDGET_MB says: a quarter of the
 * process's memory limit, at most 256 MiB. The rest of the process grows under overload too
 * (thousands of connections, their requests and buffers: 126–268 MiB of RSS besides the blocks at 4×
 * in a 512 MiB cgroup), and with a fixed 256 MiB the blocks took the peak RSS to 411–490 MiB of the
 * 512; with 128 MiB, 311–335 (docs/reliability.md).
 */
export function defaultMemoryBudgetMb(memoryLimitBytes: number): number {
  return Math.max(1, Math.min(256, Math.floor(memoryLimitBytes / MIB / 4)));
}

export async function holdMemory(mb: number, holdMs: number): Promise<{ bytes: number; checksum: number }> {
  const block = Buffer.allocUnsafe(mb * MIB);
  for (let offset = 0; offset < block.length; offset += PAGE) block[offset] = offset & 0xff;
  await sleep(holdMs);
  let checksum = 0;
  for (let offset = 0; offset < block.length; offset += PAGE * 64)
    checksum = (checksum + (block[offset] ?? 0)) & 0xffff;
  const bytes = block.length;
  release(block);
  return { bytes, checksum };
}

/** Frees a buffer's memory now, when it owns its ArrayBuffer (never a slice of Node's shared pool). */
export function release(block: Buffer): void {
  if (block.byteOffset === 0 && block.byteLength === block.buffer.byteLength)
    (block.buffer as ArrayBuffer).transfer(0);
}
