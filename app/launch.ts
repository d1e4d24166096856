// How the built service is started: one definition. Node programs (the compare command's native copy,
// the benchmarks, the tests) import it; the formats that cannot import it — the image's CMD and ENV,
// `npm start`, the VM's systemd unit — state the same and test/integration/launch.test.ts holds them to it.

/**
 * Node's flags, relative to the directory that holds dist/ (the repository's app/, the image's /app).
 * --single-threaded-gc: V8 collects garbage on the main thread only. Under a CPU quota (every compared
 * copy runs with 1 CPU) its parallel GC helpers use the quota up and the whole process is throttled for
 * the rest of each 100 ms period; measured in a 1-CPU cgroup at 2× overload: throttled in 95 of 117
 * periods (~50 ms each) with them, ~7 ms each without, and about twice the goodput (docs/reliability.md).
 * A V8 flag: NODE_OPTIONS does not accept it, so it is part of the command line.
 * Not --enable-source-maps: it parsed the bundle's maps at every start (~70 ms); the preload maps stack
 * traces on demand instead (app/src/runtime/stack-traces.ts).
 */
export function launchArgs(appDir: string): string[] {
  return ['--single-threaded-gc', '--import', `${appDir}/dist/preload.mjs`, `${appDir}/dist/main.mjs`];
}

/**
 * NODE_OPTIONS of every copy: a 4 MiB young-generation semi-space keeps the RSS at full load near
 * 140 MiB instead of ~220 MiB, for ~8 % less peak throughput (docs/telemetry-overhead.md).
 */
export const APP_NODE_OPTIONS = '--max-semi-space-size=4';

/** The launch from the repository root (npm start, the native copy, the tests). */
export const REPO_LAUNCH_ARGS = launchArgs('./app');
