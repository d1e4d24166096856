// Health checks, entrypoints and one-shot commands use only programs that each official image contains
// (test/helpers/image-facts.ts, each fact with its upstream evidence), checked on compose.yaml as Docker
// Compose resolves it for a user; and the local stand-in images carry no program their official image
// lacks, so a test that passes here cannot rely on one (a wget the distroless Loki image does not have).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolchainCache } from '../../app/test/helpers/go-tool.ts';
import { resolvedCompose, type ComposeService } from '../helpers/compose.ts';
import { BUSYBOX_PROGRAMS_USED, IMAGE_FACTS, imageHas, type ImageFacts } from '../helpers/image-facts.ts';
import { skipLoudly, versions } from '../helpers/images.ts';

const repo = resolve(import.meta.dirname, '../..');

function composeMissing(): string | undefined {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 30_000 });
    return undefined;
  } catch {
    return 'docker compose is not available (run scripts/toolchain.sh)';
  }
}

/** Programs a shell script line list starts (first word of each command, `exec` skipped). */
function shellPrograms(script: string): string[] {
  return script
    .split(/&&|\|\||;|\|/)
    .map((c) => c.trim().replace(/^exec\s+/, ''))
    .map((c) => c.split(/\s+/)[0] ?? '')
    .filter((w) => w && !w.includes('=') && w !== 'echo');
}

/** The programs grafana/docker-entrypoint.sh runs (besides shell builtins), each named in the script. */
const GRAFANA_ENTRYPOINT_PROGRAMS = ['rm', 'cat', 'od', 'tr', 'sha256sum', 'cut', 'grafana', '/run.sh'];

/** What a service runs inside its image: health check, entrypoint and the scripts they start. */
function programsOf(name: string, s: ComposeService): string[] {
  const out: string[] = [];
  const test = s.healthcheck?.disable ? undefined : s.healthcheck?.test;
  if (test?.[0] === 'CMD' && test[1]) out.push(test[1]);
  if (test?.[0] === 'CMD-SHELL' && test[1]) out.push('sh', ...shellPrograms(test[1]));
  const [first, ...rest] = s.entrypoint ?? [];
  if (first) {
    out.push(first);
    if (/\/?sh$/.test(first) && rest[0] === '-c' && rest[1]) out.push(...shellPrograms(rest[1]));
    if (name === 'grafana') out.push(...GRAFANA_ENTRYPOINT_PROGRAMS);
  }
  return out;
}

const noCompose = skipLoudly('image facts against the compose file', composeMissing());

describe('image facts', () => {
  it('cover every pinned image that compose runs, each with its evidence', () => {
    for (const f of IMAGE_FACTS) {
      expect(versions[f.key], f.key).toBeTruthy();
      expect(f.evidence, f.key).toMatch(/\S/);
    }
  });

  it('name BusyBox programs that BusyBox really has (Debian’s busybox-static, the stand-ins’ own)', () => {
    const busybox = join(toolchainCache(), 'busybox-static/bin/busybox');
    if (
      !existsSync(busybox) &&
      skipLoudly('BusyBox applet check', `no ${busybox} (run scripts/toolchain.sh)`)
    )
      return;
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n');
    for (const p of BUSYBOX_PROGRAMS_USED) expect(applets, p).toContain(p);
  });

  it('list every program the Grafana entrypoint runs', () => {
    const script = readFileSync(resolve(repo, 'grafana/docker-entrypoint.sh'), 'utf8');
    for (const p of GRAFANA_ENTRYPOINT_PROGRAMS.filter((x) => x !== '/run.sh'))
      expect(script, p).toMatch(new RegExp(`(^|[|(\\s])${p}\\s`, 'm'));
    expect(script).toContain('/run.sh');
  });
});

describe.skipIf(noCompose)('compose.yaml (as users run it) calls only programs its images contain', () => {
  const services = noCompose ? {} : resolvedCompose();
  const factsFor = (image: string): ImageFacts | undefined =>
    IMAGE_FACTS.find((f) => versions[f.key] === image);

  it('knows the image of every service but the app (built from this repository)', () => {
    const unknown = Object.entries(services)
      .filter(([name, s]) => name !== 'app' && !factsFor(s.image))
      .map(([name, s]) => `${name}: ${s.image}`);
    expect(unknown).toEqual([]);
  });

  it.each(Object.entries(services).filter(([name]) => name !== 'app'))('%s', (name, s) => {
    const facts = factsFor(s.image)!;
    const missing = programsOf(name, s).filter((p) => !imageHas(facts, p));
    expect(missing, `${name} (${s.image}, ${facts.base}) runs programs its image lacks`).toEqual([]);
  });

  it('gives Loki the health check of its own binary (its image has no shell and no wget)', () => {
    expect(services.loki?.healthcheck?.test).toEqual([
      'CMD',
      '/usr/bin/loki',
      '-health',
      '-health.url=http://127.0.0.1:3100/ready',
    ]);
  });
});

/** Files of an image, from `docker export` of a created (never started) container: path → tar type line. */
function imageFiles(image: string): { path: string; line: string }[] {
  const id = execFileSync('docker', ['create', image], { encoding: 'utf8' }).trim();
  try {
    const listing = execFileSync('bash', ['-c', `docker export ${id} | tar -tvf -`], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return listing
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ line, path: '/' + (/ (\S+?)\/?(?: -> .*)?$/.exec(line)?.[1] ?? '') }));
  } finally {
    execFileSync('docker', ['rm', id], { stdio: 'ignore' });
  }
}

const STAND_IN_VARS: Record<string, string | undefined> = {
  prometheus: process.env.CB_PROMETHEUS_IMAGE,
  'node-exporter': process.env.CB_NODE_EXPORTER_IMAGE,
  jaeger: process.env.CB_JAEGER_IMAGE,
  otelcol: process.env.CB_OTELCOL_IMAGE,
};
const noStandIns = skipLoudly(
  'backend image contents',
  Object.values(STAND_IN_VARS).every(Boolean)
    ? undefined
    : 'no backend images named (run scripts/toolchain.sh)',
);

// Here the images are the local stand-ins, which must carry no program their official image lacks; where
// scripts/toolchain.sh pulled the official images (CB_IMAGES=official, on GitHub), the same check holds
// the facts themselves against the official image.
describe.skipIf(noStandIns)('the backend images in use carry exactly the programs of the image facts', () => {
  const PROGRAM_DIRS = /^\/(usr\/)?(local\/)?s?bin\/[^/]+$/;
  it.each(IMAGE_FACTS.filter((f) => f.standIn))('$standIn', (facts) => {
    const files = imageFiles(STAND_IN_VARS[facts.standIn!]!);
    expect(files.length).toBeGreaterThan(0);
    const extra = files
      .filter((f) => PROGRAM_DIRS.test(f.path) || f.path === '/bin/sh')
      .filter((f) => {
        if (facts.programs.includes(f.path)) return false;
        // BusyBox itself, and its programs as links to it, where the official image is built on BusyBox.
        const busyboxBased = facts.base === 'busybox' || facts.base === 'alpine';
        return !(busyboxBased && (f.path === '/bin/busybox' || / -> (\/bin\/)?busybox$/.test(f.line)));
      })
      .map((f) => f.path);
    expect(extra).toEqual([]);
    for (const p of facts.programs.filter((x) => x.startsWith('/')))
      expect(files.map((f) => f.path)).toContain(p);
    if (facts.base === 'scratch') expect(files.map((f) => f.path)).not.toContain('/bin/sh');
  });
});
