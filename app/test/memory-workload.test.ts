// The memory workload frees its block when the hold ends instead of leaving it to the garbage collector,
// and never detaches memory it does not own (small Buffers are slices of Node's shared pool); what all
// its requests may hold at once follows the memory limit.
import { describe, expect, it } from 'vitest';
import { defaultMemoryBudgetMb, holdMemory, release } from '../src/workloads/memory.ts';

describe('memory workload', () => {
  it('holds the requested size and answers its bytes and checksum', async () => {
    const result = await holdMemory(2, 0);
    expect(result.bytes).toBe(2 * 1024 * 1024);
    expect(Number.isInteger(result.checksum)).toBe(true);
  });

  it('frees a block that owns its memory at once (its ArrayBuffer detached)', () => {
    const block = Buffer.allocUnsafe(1024 * 1024);
    release(block);
    expect(block.buffer.detached).toBe(true);
    expect(block.buffer.byteLength).toBe(0);
  });

  it('leaves a slice of the shared pool, and the pool, intact', () => {
    const small = Buffer.allocUnsafe(16);
    expect(small.byteLength).toBeLessThan(small.buffer.byteLength); // a slice: the case that must not detach
    // Another part of the same pool, outside the slice.
    const at = small.byteOffset >= 16 ? 0 : small.byteOffset + 16;
    const neighbour = new Uint8Array(small.buffer, at, 16).fill(7);
    release(small);
    expect(small.buffer.detached).toBe(false);
    expect([...neighbour]).toEqual(new Array<number>(16).fill(7));
  });

  it('may hold a quarter of the memory limit at once, at most 256 MiB, at least 1', () => {
    const MIB = 1024 * 1024;
    expect(defaultMemoryBudgetMb(512 * MIB)).toBe(128);
    expect(defaultMemoryBudgetMb(24 * 1024 * MIB)).toBe(256);
    expect(defaultMemoryBudgetMb(1023 * MIB)).toBe(255);
    expect(defaultMemoryBudgetMb(2 * MIB)).toBe(1);
  });
});
