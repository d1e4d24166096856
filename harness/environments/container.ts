// The app image under Docker with the compared limits (--cpus, --memory), published on 127.0.0.1.
// Two load paths: the published port (through docker-proxy when the daemon's userland proxy is on, as it
// is by default) and the container's bridge address (no proxy). Both are measured: the proxy is part of
// what a user of `-p` gets, and hiding either would bias the comparison.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { firstHealthy } from '../app-probe.ts';
import { containerFootprint } from '../footprint.ts';
import { commandLines } from './processes.ts';
import { type AppSettings, appEnv, type Environment, type Started } from './environment.ts';

const run = promisify(execFile);
const docker = async (...args: string[]) => (await run('docker', args, { timeout: 120_000 })).stdout.trim();

/**
 * Whether a docker-proxy process serves this host port: that is the userland proxy at work. Read from
 * /proc, so it works whatever the daemon's flags or daemon.json say; 'unknown' when the daemon is remote.
 */
export function userlandProxyFor(port: number): 'on' | 'off' | 'unknown' {
  let sawDockerd = false;
  for (const cmd of commandLines()) {
    if (/(^|\/)dockerd( |$)/.test(cmd.split(' ')[0] ?? '')) sawDockerd = true;
    if (cmd.includes('docker-proxy') && cmd.includes(`-host-port ${port} `)) return 'on';
  }
  return sawDockerd ? 'off' : 'unknown';
}

export function containerEnvironment(image: string, settings: AppSettings, port: number): Environment {
  const url = `http://127.0.0.1:${port}`;
  const names = new Set<string>();
  let count = 0;
  const remove = async (name: string) => {
    await docker('rm', '-f', '-v', name).catch(() => undefined);
    names.delete(name);
  };
  const newName = () => {
    const name = `cb-compare-${process.pid}-${++count}`;
    names.add(name);
    return name;
  };
  /** `docker run -d` with the compared limits; returns the container id. */
  const runContainer = (name: string) =>
    docker(
      'run',
      '-d',
      '--name',
      name,
      '--cpus',
      String(settings.cpus),
      '--memory',
      `${settings.memoryMib}m`,
      '--memory-swap',
      `${settings.memoryMib}m`,
      '--security-opt',
      'no-new-privileges:true',
      '--cap-drop',
      'ALL',
      '-p',
      `127.0.0.1:${port}:8080`,
      ...Object.entries(appEnv(settings, 'container')).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      image,
    );
  return {
    name: 'container',
    async unavailable() {
      try {
        await docker('info', '--format', '{{.ServerVersion}}');
      } catch {
        return 'no Docker engine answers (start dockerd, or run scripts/toolchain.sh)';
      }
      try {
        await docker('image', 'inspect', '--format', '{{.Id}}', image);
      } catch {
        return `image ${image} is not present (build it: bash scripts/images/app-image.sh, or pass --image)`;
      }
      return undefined;
    },
    async describe() {
      return {
        image,
        'image id': (await docker('image', 'inspect', '--format', '{{.Id}}', image)).slice(0, 19),
        limits: `--cpus ${settings.cpus} --memory ${settings.memoryMib}m`,
        'docker engine': await docker('version', '--format', '{{.Server.Version}}'),
        'cgroup driver / version': await docker(
          'info',
          '--format',
          '{{.CgroupDriver}} / v{{.CgroupVersion}}',
        ),
      };
    },
    async disk() {
      const bytes = Number(await docker('image', 'inspect', '--format', '{{.Size}}', image));
      return Number.isFinite(bytes) ? { what: `image ${image}`, mib: bytes / 2 ** 20 } : undefined;
    },
    async cleanup() {
      await Promise.all([...names].map(remove));
    },
    async startExisting() {
      // A stopped container started again: its writable layer (and the compile cache in it) kept, as
      // `docker start` or a restart policy finds it. The first run is not timed.
      const name = newName();
      try {
        await runContainer(name);
        await firstHealthy(url, performance.now(), settings.healthTimeoutMs);
        await docker('stop', name);
        const t0 = performance.now();
        await docker('start', name);
        return await firstHealthy(url, t0, settings.healthTimeoutMs);
      } finally {
        await remove(name);
      }
    },
    async start(): Promise<Started> {
      const name = newName();
      const t0 = performance.now();
      const id = await runContainer(name);
      const stop = () => remove(name);
      try {
        const startupMs = await firstHealthy(url, t0, settings.healthTimeoutMs);
        const ip = await docker(
          'inspect',
          '--format',
          '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
          name,
        );
        const proxy = userlandProxyFor(port);
        const paths = [{ label: 'container (published port)', url, note: `userland proxy ${proxy}` }];
        // The bridge address is reachable where the engine runs on this host (not through Docker Desktop's VM).
        const direct = ip ? `http://${ip}:8080` : undefined;
        if (
          direct &&
          (await firstHealthy(direct, performance.now(), 2000).then(
            () => true,
            () => false,
          ))
        )
          paths.push({ label: 'container (bridge IP)', url: direct, note: 'no proxy' });
        return { paths, startupMs, stop, footprint: containerFootprint(id, port) };
      } catch (error) {
        await stop();
        throw error;
      }
    },
  };
}
