// A Prometheus of the toolchain's build, started for one test file on a free port with the
// remote-write receiver on, and queried at a given time: the real program behind the panel tests.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poll } from '../../harness/poll.ts';
import { freePort } from '../../harness/ports.ts';
import { toolchainCache } from '../../app/test/helpers/go-tool.ts';

export const prometheusBin = join(process.env.CB_BIN_DIR ?? join(toolchainCache(), 'bin'), 'prometheus');

/** Why Prometheus cannot run here, or undefined. */
export const prometheusMissing = () =>
  existsSync(prometheusBin) ? undefined : `${prometheusBin} is not built (run scripts/toolchain.sh)`;

export interface InstantSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface TestPrometheus extends AsyncDisposable {
  readonly url: string;
  query(expr: string, timeMs?: number): Promise<InstantSample[]>;
}

export async function startPrometheus(): Promise<TestPrometheus> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'cb-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  const child = spawn(
    prometheusBin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
    ],
    { stdio: 'ignore' },
  );
  const dispose = async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await poll(
      async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200 ? true : undefined),
      {
        what: `Prometheus at ${url} ready`,
        timeoutMs: 60_000,
        intervalMs: 200,
        abortIf: () => (child.exitCode !== null ? `prometheus exited with ${child.exitCode}` : undefined),
      },
    );
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    url,
    async query(expr, timeMs = Date.now()) {
      const params = new URLSearchParams({ query: expr, time: String(timeMs / 1000) });
      const res = await fetch(`${url}/api/v1/query?${params.toString()}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data: { result: InstantSample[] };
      };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
      return body.data.result;
    },
    [Symbol.asyncDispose]: dispose,
  };
}
