// CPU-bound work in plain JavaScript: a data-dependent integer hash loop whose cost is linear in
// `iterations` and which the JIT cannot skip, because its result is returned.
export function burnCpu(iterations: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < iterations; i++) {
    h ^= i & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 13;
  }
  return h >>> 0;
}
