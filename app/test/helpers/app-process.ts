// Runs the production build (app/dist, with the telemetry preload) as a child process, the way the
// image and `npm start` do, and reads its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_LAUNCH_ARGS } from '../../launch.ts';

const repo = resolve(import.meta.dirname, '../../..');

export interface AppProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
/** Kills whatever a test left running (call from afterEach/afterAll). */
export function killStrayApps(): void {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  running.clear();
}

export async function spawnApp(env: Record<string, string>, timeoutMs = 15_000): Promise<AppProcess> {
  const child = spawn(process.execPath, REPO_LAUNCH_ARGS, {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', APP_ENVIRONMENT: 'native', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const ready = new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`app not ready in ${timeoutMs} ms; stderr: ${stderr.join('\n')}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'ready') {
          clearTimeout(timer);
          resolvePromise(String(line.url));
        }
      } catch {
        stderr.push(`(stdout, not JSON) ${text}`);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code} before ready; stderr: ${stderr.join('\n')}`));
    });
  });
  return { child, url: await ready, lines, stderr, exited };
}
