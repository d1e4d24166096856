// The baseline: the built app as a plain host process (as `npm start` runs it), placed in a cgroup with
// the container's CPU quota and memory limit. Every start reads a V8 code cache made once beforehand by
// an EXIT_WHEN_READY start with the same command, as the image's is made at its build, so start-up times
// compare like with like.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { REPO_LAUNCH_ARGS } from '../../app/launch.ts';
import { REPO_ROOT } from '../project-env.ts';
import { firstHealthy } from '../app-probe.ts';
import { assertPortFree } from '../ports.ts';
import { processCpuSeconds, processTreeFootprint } from '../footprint.ts';
import { createLimitGroup, type LimitGroup } from './cgroup.ts';
import { type AppSettings, appEnv, type Environment, type Started } from './environment.ts';

/** What the native copy runs; the default is the built app as `npm start` runs it. */
export interface NativeCommand {
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export const APP_COMMAND: NativeCommand = { args: REPO_LAUNCH_ARGS };

/**
 * A code cache for `command`, filled as the image build fills its own: the app started once with
 * EXIT_WHEN_READY (no export: the cache holds compiled modules, not what they send). Another command
 * gets the directory empty; it fills at that command's first normal exit.
 */
async function codeCache(repo: string, settings: AppSettings, command: NativeCommand): Promise<string> {
  const cache = mkdtempSync(join(tmpdir(), 'cb-compile-cache-'));
  if (command.args.join(' ') !== APP_COMMAND.args.join(' ')) return cache;
  try {
    await promisify(execFile)(process.execPath, [...command.args], {
      cwd: repo,
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '',
        ...appEnv(settings, 'native'),
        HOST: '127.0.0.1',
        PORT: '0',
        NODE_COMPILE_CACHE: cache,
        ...command.env,
        EXIT_WHEN_READY: 'true',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        LOG_LEVEL: 'warn',
      },
    });
  } catch (error) {
    rmSync(cache, { recursive: true, force: true });
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `the native app's code-cache start (EXIT_WHEN_READY) failed: ${(error as Error).message.split('\n')[0]} ${stderr ?? ''}${stdout ?? ''}`.trim(),
      { cause: error },
    );
  }
  return cache;
}

export function nativeEnvironment(
  repo: string,
  settings: AppSettings,
  port: number,
  command: NativeCommand = APP_COMMAND,
): Environment {
  let group: LimitGroup | undefined;
  let groupError: string | undefined;
  let cache: string | undefined;
  const url = `http://127.0.0.1:${port}`;
  return {
    name: 'native',
    unavailable() {
      if (!existsSync(join(repo, 'app/dist/main.mjs')))
        return Promise.resolve('app/dist is not built (run npm run build)');
      try {
        group ??= createLimitGroup(
          `cloud-benchmark-native-${process.pid}`,
          settings.cpus,
          settings.memoryMib,
        );
      } catch (error) {
        // Still measurable; the limits check then reports the difference (see --allow-unequal-limits).
        groupError = `no cgroup for the limits (${(error as Error).message})`;
      }
      return Promise.resolve(undefined);
    },
    disk() {
      // The built app and the Node.js runtime that runs it: what a host install needs.
      const dist = join(repo, 'app/dist');
      const bytes =
        readdirSync(dist).reduce((sum, f) => sum + statSync(join(dist, f)).size, 0) +
        statSync(process.execPath).size;
      // Named relative to the checkout where it lies inside it (the lockfile's `node` package).
      const node = process.execPath.startsWith(REPO_ROOT + '/')
        ? relative(REPO_ROOT, process.execPath)
        : process.execPath;
      return Promise.resolve({ what: `app/dist + ${node}`, mib: bytes / 2 ** 20 });
    },
    async cleanup() {
      if (cache) rmSync(cache, { recursive: true, force: true });
      cache = undefined;
      await group?.remove();
      group = undefined;
    },
    describe() {
      return Promise.resolve({
        command: `node ${command.args.join(' ')}`,
        limits: group
          ? `cgroup ${group.version}: ${settings.cpus} CPU, ${settings.memoryMib} MiB`
          : (groupError ?? 'none'),
      });
    },
    async start(): Promise<Started> {
      await assertPortFree(port, 'the native copy');
      cache ??= await codeCache(repo, settings, command);
      const t0 = performance.now();
      // The shell joins the cgroup, then becomes node: the app runs inside the limits from its first instruction.
      const child = spawn(
        'sh',
        [
          '-c',
          'for f in $CB_CGROUP_PROCS; do echo $$ > "$f"; done; exec "$@"',
          'sh',
          process.execPath,
          ...command.args,
        ],
        {
          cwd: repo,
          env: {
            PATH: process.env.PATH ?? '',
            ...appEnv(settings, 'native'),
            HOST: '127.0.0.1',
            PORT: String(port),
            NODE_COMPILE_CACHE: cache,
            CB_CGROUP_PROCS: group?.procsFiles.join(' ') ?? '',
            ...command.env,
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const exited = () =>
        child.exitCode !== null || child.signalCode !== null
          ? `the native app exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`
          : undefined;
      const stop = async () => {
        if (!exited()) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          // The app drains for up to SHUTDOWN_DRAIN_MS (10 s); past that, kill it and still wait for its exit,
          // so its cgroup is empty when cleanup() removes it.
          await Promise.race([gone, sleep(12_000)]);
          if (!exited()) {
            child.kill('SIGKILL');
            await gone;
          }
        }
      };
      // `sh` exec()s node, so the child's pid is the app's.
      const pid = child.pid;
      try {
        const startupMs = await firstHealthy(url, t0, settings.healthTimeoutMs, exited);
        return {
          paths: [{ label: 'native', url }],
          startupMs,
          stop,
          ...(pid ? { footprint: processTreeFootprint(pid), cpuSeconds: () => processCpuSeconds(pid) } : {}),
        };
      } catch (error) {
        await stop();
        throw error;
      }
    },
  };
}
