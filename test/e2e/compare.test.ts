// The compare command end to end, in its short mode, against the real app as a host process and in a
// real container (the VM is covered by the stack test; booting one more under emulation here would cost
// minutes for nothing new). Also: Ctrl-C keeps partial results and leaves nothing behind; bad options
// get a clear error.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processes } from '../../harness/environments/processes.ts';
import { freePort } from '../../harness/ports.ts';
import type { Results } from '../../scripts/compare/results.ts';
import { APP_IMAGE, dockerUnavailable, skipLoudly } from '../helpers/images.ts';
import { VM_ACCEL, vmUnavailable } from '../helpers/vm.ts';

const repo = resolve(import.meta.dirname, '../..');
const vegeta = join(process.env.CB_BIN_DIR ?? '/nonexistent', 'vegeta');
const skip =
  dockerUnavailable(APP_IMAGE) ??
  skipLoudly(
    'compare command',
    existsSync(vegeta) ? undefined : `vegeta is not built at ${vegeta} (run scripts/toolchain.sh)`,
  );

interface Run {
  pid: number | undefined;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compare CLI on free ports; `interruptWhen` sends SIGINT once stdout matches it. */
async function compare(args: string[], interruptWhen?: RegExp): Promise<Run> {
  const [nativePort, containerPort] = [await freePort(), await freePort()];
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        'scripts/compare/cli.ts',
        '--vegeta',
        vegeta,
        '--image',
        APP_IMAGE,
        '--native-port',
        String(nativePort),
        '--container-port',
        String(containerPort),
        ...args,
      ],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (interruptWhen && !sent && interruptWhen.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ pid: child.pid, code, stdout, stderr }));
  });
}

const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
/** The cgroup a compare process placed its native baseline in, if it is still there (v1 here; v2 at the root). */
const leftoverGroups = (pid: number | undefined) =>
  ['/sys/fs/cgroup', '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/memory']
    .filter(existsSync)
    .flatMap((d) => readdirSync(d).filter((n) => n === `cloud-benchmark-native-${pid}`));
const leftoverContainers = () =>
  execFileSync('docker', ['ps', '-a', '--filter', 'name=cb-compare-', '--format', '{{.Names}}'], {
    encoding: 'utf8',
  }).trim();

describe.skipIf(skip)('npm run compare -- --quick (native and container, real load)', () => {
  const out = mkdtempSync(join(tmpdir(), 'cb-compare-'));
  let run: Run;
  let results: Results;

  it('runs, prints progress and writes results.json, report.md and four SVG charts', async () => {
    run = await compare(['--quick', '--out', out]);
    console.log(run.stdout);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/start-up 5\/5 native: \d+ ms/);
    expect(run.stdout).toMatch(/20 req\/s, run 3\/3, container \(published port\): p50 [\d.]+ ms/);
    for (const f of [
      'results.json',
      'report.md',
      'latency-vs-load.svg',
      'throughput.svg',
      'startup.svg',
      'memory.svg',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    results = readResults(out);
    expect(results.complete).toBe(true);
  }, 600_000);

  it('verified equal limits from each copy’s /status: 1 CPU, 512 MiB, native in its own cgroup', () => {
    const byName = Object.fromEntries(results.environments.map((e) => [e.name, e]));
    for (const name of ['native', 'container'] as const) {
      expect(byName[name]?.status?.environment).toBe(name);
      expect(byName[name]?.status?.limits).toMatchObject({ cpus: 1, memory_bytes: 512 * 2 ** 20 });
    }
  });

  it('measured start-up 5 times per environment and every run of every path, interleaved', () => {
    expect(results.startupMs.native).toHaveLength(5);
    expect(results.startupMs.container).toHaveLength(5);
    // The stopped container started again (`docker start`), next to `docker run`.
    expect(results.restartMs?.container).toHaveLength(5);
    expect(results.restartMs?.native).toBeUndefined();
    const paths = [...new Set(results.windows.map((w) => w.path))];
    expect(paths).toContain('native');
    expect(paths).toContain('container (published port)');
    for (const p of paths) expect(results.windows.filter((w) => w.path === p)).toHaveLength(3);
    // Interleaved: the first three windows are three different paths, not one path three times.
    expect(new Set(results.windows.slice(0, paths.length).map((w) => w.path)).size).toBe(paths.length);
    for (const w of results.windows) {
      expect(w.load.expected).toBe(200); // 20 req/s × 10 s
      expect(w.load.ok, `${w.path} run ${w.repetition}`).toBe(200);
      expect(w.load.latencyMs.p99).toBeGreaterThan(0);
      expect(w.resources?.rssMaxMiB).toBeGreaterThan(20);
    }
  });

  it('read what each environment costs the host: idle, under load (with its parts), and on disk', () => {
    const byName = Object.fromEntries(results.environments.map((e) => [e.name, e]));
    expect(Object.keys(byName.native?.idleFootprint?.parts ?? {})).toEqual(['process tree']);
    expect(Object.keys(byName.container?.idleFootprint?.parts ?? {}).sort()).toEqual([
      'cgroup',
      'containerd-shim',
      'docker-proxy',
    ]);
    for (const name of ['native', 'container'] as const) {
      // An idle Node.js app is tens of MiB resident; a reading of 0 or of gigabytes is a wrong source.
      expect(byName[name]?.idleFootprint?.maxMiB, name).toBeGreaterThan(20);
      expect(byName[name]?.idleFootprint?.maxMiB, name).toBeLessThan(512);
      expect(byName[name]?.disk?.mib, name).toBeGreaterThan(10);
    }
    for (const w of results.windows) {
      expect(w.hostMemory?.maxMiB, `${w.path} run ${w.repetition}`).toBeGreaterThan(20);
      // The route-by-route record of every request is kept for the per-route table.
      expect(Object.keys(w.load.breakdown?.byRoute ?? {})).toContain('/api/cpu');
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain("## The seed's table");
    expect(report).toMatch(/\| host memory, largest under load at 20 req\/s \(MiB\) \| \d/);
    expect(report).toContain('## Per route, at 20 req/s');
    expect(report).toMatch(/\| `\/api\/cpu` \| [\d.]+ \/ [\d.]+ \|/);
    expect(existsSync(join(out, 'latency-per-route.svg'))).toBe(true);
  });

  it('--baseline writes the two runs side by side (here the run against itself: no difference)', () => {
    const file = join(out, 'results.json');
    execFileSync(process.execPath, ['scripts/compare/cli.ts', '--report-only', out, '--baseline', file], {
      cwd: repo,
    });
    const diff = readFileSync(join(out, 'baseline.md'), 'utf8');
    expect(diff).toContain('# Two compare runs side by side');
    expect(diff).toMatch(
      /\| start-up \(ms\) \| native \| [^|]+\| [^|]+\| 0\.0 % \(not significant, p=1\.00\) \|/,
    );
    expect(diff).not.toContain('different settings');
  });

  it('records the machine and the userland-proxy setting of the published path', () => {
    expect(results.machine['Docker engine']).toMatch(/^\d+\./);
    const published = results.windows.find((w) => w.path === 'container (published port)');
    expect(published?.pathNote).toMatch(/^userland proxy (on|off)$/);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('| start-up: command → first 200 on /health (ms) |');
    expect(report).toContain('**quick mode**');
    expect(leftoverContainers()).toBe('');
    expect(leftoverGroups(run.pid)).toEqual([]);
  });
});

describe.skipIf(skip)('npm run compare: interruption and bad input', () => {
  it('Ctrl-C during the load keeps what was measured, marks it incomplete, and removes its container', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cb-compare-int-'));
    const run = await compare(
      ['--quick', '--startups', '1', '--warmup', '0', '--out', out],
      /run 1\/3, [^\n]+\n/,
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.stdout).toContain('Ctrl-C: stopping the current run');
    const results = readResults(out);
    expect(results.complete).toBe(false);
    expect(results.interruption).toMatch(/interrupted/);
    expect(results.windows.length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('> **Incomplete run**');
    expect(leftoverContainers()).toBe('');
    expect(leftoverGroups(run.pid)).toEqual([]);
  }, 300_000);

  it.each([
    [['--rates', '10,abc'], /rates must be positive whole numbers/],
    [['--environments', 'native,cloud'], /unknown environment cloud/],
    [['--duration', '-5'], /--duration must be a positive whole number/],
    [['--vm-url', 'ftp://x'], /--vm-url must be an http\(s\) URL/],
    [['--mix', 'heavy'], /Allowed choices are default, trivial/],
  ])('%j is refused with a clear message, nothing run', async (args, message) => {
    const run = await compare(args);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });

  it('an environment that cannot run is skipped with the reason; none left is an error', async () => {
    const run = await compare(['--environments', 'vm', '--startups', '0']);
    expect(run.stdout).toMatch(/SKIP vm: no --vm-url given/);
    expect(run.code).toBe(1);
  });
});

describe.skipIf(skip ?? vmUnavailable())(
  `npm run compare -- --vm qemu (the VM booted by the command, ${VM_ACCEL})`,
  () => {
    it('powers the provisioned VM on for every start, times it to the first 200, and reads the guest’s timeline', async () => {
      const out = mkdtempSync(join(tmpdir(), 'cb-compare-vm-'));
      const run = await compare([
        '--environments',
        'vm',
        '--vm',
        'qemu',
        '--startups',
        '1',
        '--rates',
        '2',
        '--step-factor',
        '0',
        '--repetitions',
        '1',
        '--duration',
        '10',
        '--warmup',
        '5',
        // The subject is the power-on and the guest's timeline, not the emulated guest's capacity: the
        // default mix's heavier routes take about a second each under TCG on a busy host, where two of them
        // in a row are a real standing queue that admission control answers 503 (as designed).
        '--mix',
        'trivial',
        '--out',
        out,
      ]);
      console.log(run.stdout);
      expect(run.code, run.stderr).toBe(0);
      const results = readResults(out);
      const vm = results.environments.find((e) => e.name === 'vm');
      const kvm = process.env.CB_VM_ACCEL === 'kvm';
      expect(vm?.facts.acceleration).toMatch(
        kvm
          ? /^hardware virtualization \(KVM, booted by the compare\)/
          : /^EMULATED \(qemu TCG, booted by the compare\)/,
      );
      // Power-on → first 200: a boot takes seconds (tens under TCG); under one would be a copy left running.
      expect(results.startupMs.vm).toHaveLength(1);
      for (const ms of results.startupMs.vm!) expect(ms).toBeGreaterThan(kvm ? 1000 : 5000);
      expect(results.startupPhases?.vm?.kernel).toHaveLength(1);
      expect(results.startupPhases?.vm?.['app unit active (since kernel start)']).toHaveLength(1);
      // The whole qemu process is the VM's cost to the host: more than its 512 MiB guest is not unusual.
      expect(vm?.idleFootprint?.parts.qemu).toBeGreaterThan(100);
      expect(vm?.disk?.what).toMatch(/^VM disk .*provisioned-[0-9a-f]{12}\.img$/);
      const [w] = results.windows;
      expect(w?.load.ok, JSON.stringify(w?.load.breakdown?.byRoute)).toBe(20);
      expect(w?.hostMemory?.parts.qemu).toBeGreaterThan(100);
      const report = readFileSync(join(out, 'report.md'), 'utf8');
      if (!kvm) expect(report).toContain('| vm (EMULATED) |');
      expect(report).toMatch(
        /Where the vm's start-up went, as the guest tells it \(medians over the starts, seconds\): kernel [\d.]+/,
      );
      // Nothing left running: the next VM test needs the forwarded ports.
      expect(
        processes().filter(
          (p) => /^\S*qemu-system/.test(p.cmdline) && p.cmdline.includes('cloud-benchmark-vm'),
        ),
      ).toEqual([]);
    }, 1_500_000);
  },
);
