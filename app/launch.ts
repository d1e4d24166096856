// How the built service is started: one definition. Node programs (the compare command's native copy,
// the benchmarks, the tests) import it; the formats that cannot import it — the image's CMD and ENV,
// `npm start`, the VM's systemd unit — state the same and test/integration/launch.test.ts holds them to it.

/**
 * Node's flags (RUNTIME_FLAGS, which the benchmarks' minimal server shares) and the entry points,
 * relative to the directory that holds dist/ (the repository's app/, the image's /app).
 * --single-threaded-gc: V8 collects garbage on the main thread only. Under a CPU quota (every compared
 * copy runs with 1 CPU) its parallel GC helpers use the quota up and the whole process is throttled for
 * the rest of each 100 ms period; measured in a 1-CPU cgroup at 2× overload: throttled in 95 of 117
 * periods (~50 ms each) with them, ~7 ms each without, and about twice the goodput (docs/reliability.md).
 * A V8 flag: NODE_OPTIONS does not accept it, so it is part of the command line.
 * Not --enable-source-maps: it parsed the bundle's maps at every start (~70 ms); the preload maps stack
 * traces on demand instead (app/src/runtime/stack-traces.ts).
 * --heap-growing-percent=100: after each full collection the old generation may grow to twice its live
 * size. V8 picks that factor from the memory it detects: 1.1 in a 512 MiB cgroup, up to 4 on the host, so
 * each environment would run a different GC policy. At 1.1 the memory route's 8 MiB blocks set off a
 * full mark-compact every few requests: at 700 req/s of the default mix, 104-138 in 10 s, throttled in
 * 14-92 of 103 periods, 1.2-1.4 ms CPU per request; with 2 (the top of V8's range for small heaps),
 * 11-22, 2-14 periods, 0.76-1.1 ms (docs/telemetry-overhead.md). The cost: a larger heap on the trivial
 * route where V8 would have kept it tighter.
 */
export const RUNTIME_FLAGS: readonly string[] = ['--single-threaded-gc', '--heap-growing-percent=100'];

export function launchArgs(appDir: string): string[] {
  return [...RUNTIME_FLAGS, '--import', `${appDir}/dist/preload.mjs`, `${appDir}/dist/main.mjs`];
}

/**
 * NODE_OPTIONS of every copy: a 4 MiB young-generation semi-space kept the RSS at full load near
 * 140 MiB instead of ~220 MiB, for ~8 % less peak throughput (docs/telemetry-overhead.md); with the
 * heap's growth factor above it is ~164 MiB (bench:app, 2026-12-03).
 */
export const APP_NODE_OPTIONS = '--max-semi-space-size=4';

/**
 * GLIBC_TUNABLES of every copy: glibc keeps freed heap (up to 512 MiB) for reuse instead of handing it
 * back to the kernel. By default it serves large allocations with mmap and then, after the first is
 * freed, from the heap, trimming the heap's top whenever more than twice the block is free there: the
 * memory route's 8 MiB blocks were returned and faulted in again page by page, over and over. In a
 * 1-CPU cgroup on the default mix (10 s fixed rates, five interleaved rounds; docs/reliability.md): CPU
 * per answer at 700 req/s 0.73× [0.69, 0.80], goodput at 2× capacity 1.9× [1.1, 4.4], peak RSS +5 %.
 * At 128 MiB kept, the heap was still trimmed whenever that much lay free at its top (164 → 43 MiB
 * within a second at 2× overload) and the next ones faulted in again: 512 MiB, above the memory route's
 * largest default budget (256 MiB), halved the faults at 2× (0.47× [0.31, 0.76], six rounds).
 * The cost: RSS stays near its peak after a burst (the memory route's guard counts live memory too).
 * mmap_threshold is glibc's largest (32 MiB); larger requests are still mapped and unmapped each time.
 */
export const APP_GLIBC_TUNABLES =
  'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912';

/** The launch from the repository root (npm start, the native copy, the tests). */
export const REPO_LAUNCH_ARGS = launchArgs('./app');
