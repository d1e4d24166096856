// How the built service is started: one definition. Node programs (the compare command's native copy,
// the benchmarks, the tests) import it; the formats that cannot import it — the image's CMD and ENV,
// `npm start`, the VM's systemd unit — state the same and test/integration/launch.test.ts holds them to it.

/** Node's flags, relative to the directory that holds dist/ (the repository's app/, the image's /app). */
export function launchArgs(appDir: string): string[] {
  return ['--enable-source-maps', '--import', `${appDir}/dist/preload.mjs`, `${appDir}/dist/main.mjs`];
}

/**
 * NODE_OPTIONS of every copy: a 4 MiB young-generation semi-space keeps the RSS at full load near
 * 140 MiB instead of ~220 MiB, for ~8 % less peak throughput (docs/telemetry-overhead.md).
 */
export const APP_NODE_OPTIONS = '--max-semi-space-size=4';

/** The launch from the repository root (npm start, the native copy, the tests). */
export const REPO_LAUNCH_ARGS = launchArgs('./app');
