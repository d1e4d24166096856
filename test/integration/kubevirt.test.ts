// The KubeVirt VM (deploy/kubevirt/virtualmachine.yaml), which cannot run here: checked against KubeVirt
// v1.9.0's own API schema with kubeconform -strict (a misspelt field fails), its size held equal to the
// compared size, and its bundle disk built for real and read back (scripts/vm/kubevirt-bundle.sh).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { schemaLocation } from '../../harness/kube-schemas.ts';
import { benchLimits, REPO_ROOT, toolchainCache, versions } from '../../harness/project-env.ts';
import { APP_IMAGE, dockerUnavailable, skipLoudly } from '../helpers/images.ts';

const MANIFEST = resolve(REPO_ROOT, 'deploy/kubevirt/virtualmachine.yaml');
const kubeconform = join(process.env.CB_BIN_DIR ?? join(toolchainCache(), 'bin'), 'kubeconform');
const skip = skipLoudly(
  'KubeVirt manifest tests',
  existsSync(kubeconform) ? undefined : `no ${kubeconform} (run scripts/toolchain.sh)`,
);

/** kubeconform -strict against the schemas in deploy/schemas (the Service is the core API's: skipped). */
function validate(file: string) {
  const r = spawnSync(
    kubeconform,
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-skip',
      'Service',
      '-schema-location',
      schemaLocation(resolve(REPO_ROOT, 'deploy/schemas')),
      file,
    ],
    { encoding: 'utf8' },
  );
  return z
    .object({
      resources: z.array(z.object({ kind: z.string(), status: z.string(), msg: z.string() })),
      summary: z.object({ valid: z.number(), invalid: z.number(), errors: z.number(), skipped: z.number() }),
    })
    .parse(JSON.parse(r.stdout));
}

const Vm = z.object({
  kind: z.literal('VirtualMachine'),
  spec: z.object({
    template: z.object({
      spec: z.object({
        domain: z.object({ cpu: z.object({ cores: z.number() }), memory: z.object({ guest: z.string() }) }),
        volumes: z.array(z.looseObject({ name: z.string() })),
      }),
    }),
  }),
});

describe.skipIf(skip)('deploy/kubevirt/virtualmachine.yaml', () => {
  it('is a valid kubevirt.io/v1 VirtualMachine by KubeVirt v1.9.0’s own schema, strictly', () => {
    const out = validate(MANIFEST);
    expect(out.resources.filter((r) => r.status !== 'statusSkipped')).toEqual([]);
    expect(out.summary).toEqual({ valid: 1, invalid: 0, errors: 0, skipped: 1 });
  });

  it('refuses a misspelt field, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-kubevirt-'));
    try {
      const bad = join(dir, 'vm.yaml');
      writeFileSync(bad, readFileSync(MANIFEST, 'utf8').replace('cpu: { cores: 1,', 'cpu: { core: 1,'));
      const out = validate(bad);
      expect(out.summary.invalid).toBe(1);
      expect(out.resources[0]?.msg).toContain("additional properties 'core' not allowed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has the compared size: as many cores as BENCH_CPUS, BENCH_MEMORY_MIB of guest memory', () => {
    const [vm] = parseAllDocuments(readFileSync(MANIFEST, 'utf8')).map((d) => d.toJS() as unknown);
    const { domain, volumes } = Vm.parse(vm).spec.template.spec;
    expect(domain.cpu.cores).toBe(benchLimits.cpus);
    expect(domain.memory.guest).toBe(`${benchLimits.memoryMib}Mi`);
    expect(volumes.map((v) => v.name)).toEqual(['root', 'bundle', 'cloudinit']);
  });
});

describe.skipIf(skip ?? dockerUnavailable(APP_IMAGE))('scripts/vm/kubevirt-bundle.sh', () => {
  it('builds a containerDisk whose ext4 disk holds the app build, provision.sh and versions.env’s inputs', () => {
    const image = `cloud-benchmark/vm-bundle:test-${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), 'cb-bundle-'));
    try {
      execFileSync('bash', [resolve(REPO_ROOT, 'scripts/vm/kubevirt-bundle.sh')], {
        env: { ...process.env, VM_BUNDLE_IMAGE: image },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const id = execFileSync('docker', ['create', image, 'none'], { encoding: 'utf8' }).trim();
      execFileSync('docker', ['cp', `${id}:/disk/bundle.img`, join(dir, 'bundle.img')]);
      execFileSync('docker', ['rm', id]);
      const read = (path: string) =>
        execFileSync('debugfs', ['-R', `cat ${path}`, join(dir, 'bundle.img')], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      const label = execFileSync('e2label', [join(dir, 'bundle.img')], { encoding: 'utf8' }).trim();
      expect(label).toBe('CBBUNDLE');
      expect(read('/provision.sh')).toBe(readFileSync(resolve(REPO_ROOT, 'vagrant/provision.sh'), 'utf8'));
      expect(read('/dist/main.mjs')).toBe(readFileSync(resolve(REPO_ROOT, 'app/dist/main.mjs'), 'utf8'));
      expect(read('/provision.env')).toContain(`NODE_VERSION=${versions.NODE_VERSION}\n`);
      expect(read('/provision.env')).toContain(
        `BENCH_CPUS=${versions.BENCH_CPUS}\nBENCH_MEMORY_MIB=${versions.BENCH_MEMORY_MIB}\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      spawnSync('docker', ['rmi', image], { stdio: 'ignore' });
    }
  }, 120_000);
});
