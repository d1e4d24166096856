// What can be held about the GitHub workflows without GitHub: every action pinned to a commit that
// docs/github-workflows.md records as verified upstream, every path and npm script a step calls present,
// every image a workflow runs pinned by digest, versions read from versions.env rather than repeated,
// Renovate covering every pin, and actionlint clean. What the runner must provide is in the same doc.
import { execFileSync } from 'node:child_process';
import { existsSync, globSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT, versions } from '../../harness/project-env.ts';

const dir = resolve(REPO_ROOT, '.github/workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
const Step = z.object({
  uses: z.string().optional(),
  run: z.string().optional(),
  with: z.record(z.string(), z.unknown()).optional(),
});
const Workflow = z.object({
  jobs: z.record(z.string(), z.object({ uses: z.string().optional(), steps: z.array(Step).optional() })),
});
const workflows = files.map((file) => {
  const text = readFileSync(resolve(dir, file), 'utf8');
  return { file, text, doc: Workflow.parse(parse(text)) };
});
const steps = workflows.flatMap((w) =>
  Object.values(w.doc.jobs).flatMap((job) => (job.steps ?? []).map((step) => ({ file: w.file, step }))),
);
const runs = steps.flatMap(({ file, step }) => (step.run ? [{ file, run: step.run }] : []));
const uses = workflows.flatMap((w) =>
  [...w.text.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].map((m) => ({
    file: w.file,
    ref: m[1]!,
    comment: m[2]!.trim(),
  })),
);

/** docs/github-workflows.md's table of actions: repository, tag, the commit verified to be that tag. */
const evidence = readFileSync(resolve(REPO_ROOT, 'docs/github-workflows.md'), 'utf8');
const verified = new Set(
  [...evidence.matchAll(/^\| `([\w.-]+\/[\w.-]+)` +\| `(v[\d.]+)` +\| `([0-9a-f]{40})` +\|/gm)].map(
    (m) => `${m[1]}@${m[3]} # ${m[2]}`,
  ),
);

describe('GitHub workflows', () => {
  it('exist, and every job has steps or calls a workflow', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'ci.yml',
        'e2e.yml',
        'image.yml',
        'release.yml',
        'security.yml',
        'codeql.yml',
        'scorecard.yml',
      ]),
    );
    for (const w of workflows)
      for (const [name, job] of Object.entries(w.doc.jobs))
        expect(job.steps?.length || job.uses, `${w.file} ${name}`).toBeTruthy();
  });

  it('pin every action to a 40-hex commit with its version in a comment, verified upstream (docs/github-workflows.md)', () => {
    expect(uses.length).toBeGreaterThan(10);
    for (const u of uses) {
      if (u.ref.startsWith('./')) {
        expect(existsSync(resolve(REPO_ROOT, u.ref)), `${u.file}: ${u.ref}`).toBe(true);
        continue;
      }
      const m = /^([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40})$/.exec(u.ref);
      expect(m, `${u.file}: ${u.ref} is not pinned to a commit`).not.toBeNull();
      expect(u.comment, `${u.file}: ${u.ref}`).toMatch(/^# v\d+\.\d+\.\d+$/);
      expect(verified, `${u.file}: ${m![1]}@${m![2]} ${u.comment} is not in the verified table`).toContain(
        `${m![1]}@${m![2]} ${u.comment}`,
      );
    }
  });

  it('call only scripts, files and npm scripts that exist', () => {
    const pkg = z
      .object({ scripts: z.record(z.string(), z.string()) })
      .parse(JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')));
    const projects = [
      ...readFileSync(resolve(REPO_ROOT, 'vitest.config.ts'), 'utf8').matchAll(/name: '([\w-]+)'/g),
    ].map((m) => m[1]);
    let checked = 0;
    for (const { file, run } of runs) {
      for (const [path] of run.matchAll(
        /(?:\.ci\/run|(?:scripts|app|test)\/[\w./-]+\.(?:sh|ts|mjs|yaml|json)|deploy\/[\w./-]*\w)/g,
      )) {
        expect(existsSync(resolve(REPO_ROOT, path)), `${file}: ${path}`).toBe(true);
        checked++;
      }
      for (const [, script] of run.matchAll(/npm run ([\w:-]+)/g)) {
        expect(pkg.scripts, `${file}: npm run ${script}`).toHaveProperty([script!]);
        checked++;
      }
      for (const [, project] of run.matchAll(/--project ([\w-]+)/g)) {
        expect(projects, `${file}: --project ${project}`).toContain(project);
        checked++;
      }
      for (const [, keys] of run.matchAll(/grep -E '\^\(?([A-Z0-9_|]+)\)?=' versions\.env/g))
        for (const key of keys!.split('|')) {
          expect(versions, `${file}: ${key} read from versions.env`).toHaveProperty([key]);
          checked++;
        }
    }
    for (const { file, step } of steps) {
      for (const key of ['go-version-file', 'file'] as const) {
        const path = step.with?.[key];
        if (typeof path === 'string') {
          expect(existsSync(resolve(REPO_ROOT, path)), `${file}: ${key} ${path}`).toBe(true);
          checked++;
        }
      }
      const glob = step.with?.['cache-dependency-path'];
      if (typeof glob === 'string')
        expect(globSync(glob, { cwd: REPO_ROOT }), `${file}: ${glob}`).not.toEqual([]);
      for (const [, args] of JSON.stringify(step.with ?? {}).matchAll(/hashFiles\(([^)]*)\)/g))
        for (const [, path] of args!.matchAll(/'([^']+)'/g)) {
          expect(existsSync(resolve(REPO_ROOT, path!)), `${file}: hashFiles ${path}`).toBe(true);
          checked++;
        }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('run only images pinned by digest (versions.env), besides the app image they build', () => {
    const byDigest = /@sha256:[0-9a-f]{64}$/;
    // npm scripts that run a pinned image: the k6 runner falls back to K6_IMAGE where k6 is not installed.
    const scriptImages: Record<string, string> = { loadtest: 'K6_IMAGE' };
    const ran: string[] = [];
    for (const { file, run } of runs) {
      for (const [, image] of run.matchAll(/docker run [^\n]*?"?\$\{?([A-Z0-9_]+_IMAGE)\}?"?/g)) {
        expect(versions[image!], `${file}: ${image}`).toMatch(byDigest);
        ran.push(image!);
      }
      for (const [, script] of run.matchAll(/npm run ([\w:-]+)/g))
        if (scriptImages[script!]) {
          expect(versions[scriptImages[script!]!], `${file}: npm run ${script}`).toMatch(byDigest);
          ran.push(scriptImages[script!]!);
        }
      // A literal image in `docker run`: only the app image the workflow itself built.
      for (const [line] of run.matchAll(/docker run [^\n]*/g))
        for (const [, image] of line.matchAll(/\s([a-z0-9.-]+\/[\w./-]+:[\w.-]+)(?:\s|$)/g))
          expect(image, `${file}: ${line}`).toMatch(/^cloud-benchmark\/app:/);
    }
    expect(new Set(ran)).toEqual(new Set(['TRIVY_IMAGE', 'K6_IMAGE']));
  });

  it('take versions from versions.env instead of repeating them', () => {
    for (const w of workflows) {
      for (const [key, value] of Object.entries(versions)) {
        if (!/_IMAGE$/.test(key) || !value) continue;
        const repository = value.split('@')[0]!.replace(/:[^:/]+$/, '');
        expect(w.text, `${w.file} names ${repository}: read ${key} from versions.env`).not.toContain(
          `${repository}:`,
        );
      }
      expect(w.text, w.file).not.toMatch(/node-version: ['"]?\d/);
      // The Debian mirror is the repository's own setting, never a host written here.
      for (const [, value] of w.text.matchAll(/CB_DEBIAN_MIRROR: (.*)/g))
        expect(value, w.file).toBe('${{ vars.CB_DEBIAN_MIRROR }}');
    }
    // The Go the workflows install is the one the Go tools' modules name.
    const goMod = readFileSync(resolve(REPO_ROOT, 'test/tools/promql-parse/go.mod'), 'utf8');
    expect(goMod).toMatch(/^go 1\.2[6-9]\.\d+$/m);
  });

  it('are clean under actionlint (with shellcheck on every run: script)', () => {
    const out = execFileSync('bash', [resolve(REPO_ROOT, 'scripts/lint-workflows.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toContain('actionlint: .github/workflows clean');
  });
});

describe('Renovate (.github/renovate.json5)', () => {
  const Config = z.object({
    customManagers: z.array(
      z.object({
        customType: z.literal('regex'),
        managerFilePatterns: z.array(z.string()),
        matchStrings: z.array(z.string()),
      }),
    ),
    packageRules: z.array(z.record(z.string(), z.unknown())),
  });
  const config = Config.parse(
    JSON5.parse(readFileSync(resolve(REPO_ROOT, '.github/renovate.json5'), 'utf8')),
  );
  const text = readFileSync(resolve(REPO_ROOT, 'versions.env'), 'utf8');
  // Renovate's regex managers, applied as Renovate does: every match of every string in the file.
  const deps = config.customManagers
    .filter((m) => m.managerFilePatterns.includes('/^versions\\.env$/'))
    .flatMap((m) => m.matchStrings.flatMap((s) => [...text.matchAll(new RegExp(s, 'g'))]))
    .map((m) => ({ line: m[0].trim().split('\n').pop()!, groups: m.groups! }));
  // Keys that pin nothing an upstream releases: the suite, the comparison's size, names, an empty pin.
  const NOT_VERSIONS = [
    'DEBIAN_SUITE',
    'LOCAL_IMAGE_PREFIX',
    'VAGRANT_BOX',
    'VAGRANT_BOX_VERSION',
    'BENCH_CPUS',
    'BENCH_MEMORY_MIB',
  ];

  it('finds every pin in versions.env, once', () => {
    const pinned = Object.keys(versions).filter((k) => !NOT_VERSIONS.includes(k));
    const found = deps.map((d) => d.line.split('=')[0]);
    expect(found.sort()).toEqual(pinned.sort());
  });

  it('reads each pin as upstream names it: the tag without the digest, the value as written', () => {
    for (const d of deps) {
      const value = d.line.split('=')[1]!;
      expect(d.groups.depName, d.line).toMatch(/\S/);
      const image = d.line.split('=')[0]!.endsWith('_IMAGE');
      expect(value.split('@')[0], d.line).toBe(
        image ? `${d.groups.depName}:${d.groups.currentValue}` : d.groups.currentValue,
      );
      expect(d.groups.currentValue, d.line).not.toContain('@');
      if (value.includes('@sha256:')) expect(d.groups.currentDigest, d.line).toBe(value.split('@')[1]);
    }
  });

  it('keeps Node within the supported major (package.json engines)', () => {
    const engines = z
      .object({ engines: z.object({ node: z.string() }) })
      .parse(JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8'))).engines.node;
    const rule = config.packageRules.find(
      (r) => JSON.stringify(r.matchPackageNames) === '["node","@types/node"]',
    );
    expect(engines).toBe('>=24 <25');
    expect(rule?.allowedVersions).toBe('<25');
  });
});
