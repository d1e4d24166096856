// The stack's configuration, checked by the real programs where they can run here and by inspection
// where a rule is ours: compose as Docker Compose resolves it (pins, limits, loopback ports, health
// checks, log rotation, no default password), Prometheus' config and rule unit tests by promtool,
// Jaeger's config by Jaeger, and the Grafana provisioning's datasource references. (The Grafana
// entrypoint: test/grafana/entrypoint.test.ts; the programs each image must contain: image-facts.test.ts.)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toolchainCache } from '../../app/test/helpers/go-tool.ts';
import { skipLoudly, versions } from '../helpers/images.ts';
import { resolvedCompose } from '../helpers/compose.ts';

const repo = resolve(import.meta.dirname, '../..');
const bin = (name: string) => join(process.env.CB_BIN_DIR ?? join(toolchainCache(), 'bin'), name);

/** Why a tool cannot be used here (it does not run `command args`), or undefined. */
function toolMissing(what: string, command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 60_000 });
    return undefined;
  } catch {
    return `${what} is not available (run scripts/toolchain.sh)`;
  }
}

const noCompose = skipLoudly(
  'compose configuration tests',
  toolMissing('docker compose', 'docker', ['compose', 'version']),
);

describe.skipIf(noCompose)('compose.yaml as users run it (no variables set)', () => {
  const services = noCompose ? {} : resolvedCompose();
  const longRunning = Object.entries(services).filter(([n, s]) => n !== 'volume-init' && !s.profiles?.length);

  it('has the whole stack: app, Collector, Prometheus, Loki, Jaeger, Grafana, node_exporter, cAdvisor, k6', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'app',
        'cadvisor',
        'grafana',
        'host-scraper',
        'jaeger',
        'k6',
        'loki',
        'node-exporter',
        'otel-collector',
        'prometheus',
        'volume-init',
      ].sort(),
    );
    expect(services.k6!.profiles).toEqual(['k6']);
    expect(services['host-scraper']!.profiles).toEqual(['host']);
  });

  it('uses the official images at the versions pinned in versions.env, never latest', () => {
    const pinned: Record<string, string> = {
      'otel-collector': versions.OTELCOL_IMAGE!,
      prometheus: versions.PROMETHEUS_IMAGE!,
      loki: versions.LOKI_IMAGE!,
      jaeger: versions.JAEGER_IMAGE!,
      grafana: versions.GRAFANA_IMAGE!,
      'node-exporter': versions.NODE_EXPORTER_IMAGE!,
      'host-scraper': versions.PROMETHEUS_IMAGE!,
      cadvisor: versions.CADVISOR_IMAGE!,
      k6: versions.K6_IMAGE!,
    };
    for (const [name, image] of Object.entries(pinned)) expect(services[name]!.image, name).toBe(image);
    for (const [name, s] of Object.entries(services)) expect(s.image, name).toMatch(/:(?!latest$)[\w.-]+$/);
  });

  it('gives the app exactly the VM-equal limits from versions.env, read-only and without capabilities', () => {
    const app = services.app!;
    expect(app.cpus).toBe(Number(versions.BENCH_CPUS));
    expect(Number(app.mem_limit)).toBe(Number(versions.BENCH_MEMORY_MIB) * 1024 * 1024);
    expect(app.read_only).toBe(true);
    expect(app.cap_drop).toEqual(['ALL']);
    expect(app.pids_limit).toBeGreaterThan(0);
    expect(app.environment?.APP_ENVIRONMENT).toBe('container');
  });

  it('gives every service a restart policy, rotated logs, memory and CPU limits and no-new-privileges', () => {
    for (const [name, s] of longRunning) {
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.logging?.driver, name).toBe('json-file');
      expect(s.logging?.options?.['max-size'], name).toBeDefined();
      expect(Number(s.mem_limit), name).toBeGreaterThan(0);
      expect(s.cpus, name).toBeGreaterThan(0);
      expect(s.security_opt, name).toContain('no-new-privileges:true');
    }
  });

  it('gives every long-running service (the host scraper too) a read-only root, but privileged cAdvisor', () => {
    for (const [name, s] of [...longRunning, ['host-scraper', services['host-scraper']!] as const]) {
      if (name === 'cadvisor') expect(s.privileged, name).toBe(true);
      else expect(s.read_only, name).toBe(true);
    }
  });

  it('health-checks every service (but the Collector, whose official image has no program to run one)', () => {
    for (const [name, s] of longRunning) {
      if (name === 'otel-collector') expect(s.healthcheck, name).toBeUndefined();
      // The app's check is its image's HEALTHCHECK, so any build of the image carries it.
      else if (name === 'app')
        expect(readFileSync(resolve(repo, 'app/Dockerfile'), 'utf8')).toMatch(/^HEALTHCHECK /m);
      else expect(s.healthcheck?.test.length, name).toBeGreaterThan(0);
    }
    expect(services.grafana!.depends_on).toMatchObject({
      prometheus: { condition: 'service_healthy' },
      loki: { condition: 'service_healthy' },
      jaeger: { condition: 'service_healthy' },
    });
  });

  it('publishes every port on 127.0.0.1 only, unless BIND_ADDRESS says otherwise', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThanOrEqual(7);
    for (const p of published) expect(p.host_ip, `port ${p.published}`).toBe('127.0.0.1');
    const opened = Object.values(resolvedCompose({ BIND_ADDRESS: '0.0.0.0' })).flatMap((s) => s.ports ?? []);
    expect(new Set(opened.map((p) => p.host_ip))).toEqual(new Set(['0.0.0.0']));
  });

  it('keeps every backend’s data in a named volume', () => {
    const dataPaths: Record<string, string> = {
      prometheus: '/prometheus',
      loki: '/loki',
      jaeger: '/badger',
      grafana: '/var/lib/grafana',
      'otel-collector': '/var/lib/otelcol/queue',
    };
    for (const [name, target] of Object.entries(dataPaths)) {
      const volume = services[name]!.volumes?.find((v) => v.target === target);
      expect(volume?.type, `${name} ${target}`).toBe('volume');
    }
  });

  it('sets no Grafana admin password, and lets anonymous users only view', () => {
    const env = services.grafana!.environment ?? {};
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBeUndefined();
    expect(env.GRAFANA_ADMIN_PASSWORD ?? '').toBe('');
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('true');
    expect(env.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    expect(env.GF_USERS_ALLOW_SIGN_UP).toBe('false');
  });
});

const noPromtool = skipLoudly(
  'Prometheus config tests',
  toolMissing('promtool', bin('promtool'), ['--version']),
);

describe.skipIf(noPromtool)('Prometheus configuration, checked by promtool', () => {
  it('accepts prometheus.yml and its rule files', () => {
    const out = execFileSync(
      bin('promtool'),
      ['check', 'config', 'observability/prometheus/prometheus.yml'],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/SUCCESS: 2 rule files found/);
  });

  it('passes the rule unit tests (RED recording rules, alerts)', () => {
    const out = execFileSync(
      bin('promtool'),
      ['test', 'rules', 'observability/prometheus/rules/tests/rules.test.yml'],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    );
    expect(out).toContain('SUCCESS');
  });
});

describe.skipIf(noPromtool)('Jaeger configuration, checked by Jaeger', () => {
  it('is accepted by Jaeger itself', () => {
    // `jaeger validate` exits non-zero on an invalid configuration.
    execFileSync(bin('jaeger'), ['validate', '--config', 'observability/jaeger/jaeger.yaml'], {
      cwd: repo,
      stdio: 'pipe',
    });
  });
});

describe('Grafana provisioning', () => {
  const datasources = parse(
    readFileSync(resolve(repo, 'grafana/provisioning/datasources/datasources.yaml'), 'utf8'),
  ) as {
    datasources: { uid: string; type: string; jsonData?: Record<string, unknown> }[];
  };
  const uids = new Set(datasources.datasources.map((d) => d.uid));

  it('links exemplars and log lines to Jaeger, and traces to Loki and Prometheus, by UID', () => {
    const byType = Object.fromEntries(datasources.datasources.map((d) => [d.type, d]));
    const prom = byType.prometheus!.jsonData as { exemplarTraceIdDestinations: { datasourceUid: string }[] };
    const loki = byType.loki!.jsonData as { derivedFields: { datasourceUid: string; matcherType: string }[] };
    const jaeger = byType.jaeger!.jsonData as {
      tracesToLogsV2: { datasourceUid: string };
      tracesToMetrics: { datasourceUid: string };
    };
    expect(prom.exemplarTraceIdDestinations[0]!.datasourceUid).toBe(byType.jaeger!.uid);
    expect(loki.derivedFields[0]).toMatchObject({ datasourceUid: byType.jaeger!.uid, matcherType: 'label' });
    expect(jaeger.tracesToLogsV2.datasourceUid).toBe(byType.loki!.uid);
    expect(jaeger.tracesToMetrics.datasourceUid).toBe(byType.prometheus!.uid);
  });

  it('has dashboards that reference datasources only by a provisioned UID', () => {
    const dir = resolve(repo, 'grafana/dashboards');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const refs: unknown[] = [];
      JSON.stringify(JSON.parse(readFileSync(join(dir, file), 'utf8')), (key, value: unknown) => {
        if (key === 'datasource') refs.push(value);
        return value;
      });
      expect(refs.length, file).toBeGreaterThan(0);
      for (const ref of refs) {
        expect(typeof ref, `${file}: datasource given by name`).toBe('object');
        expect(uids.has((ref as { uid: string }).uid), `${file}: ${JSON.stringify(ref)}`).toBe(true);
      }
    }
  });
});

const noVagrant = skipLoudly('Vagrantfile validation', toolMissing('vagrant', 'vagrant', ['--version']));

describe.skipIf(noVagrant)('vagrant/Vagrantfile', () => {
  it('passes `vagrant validate` (provider plugins are not installed here, so their blocks are ignored)', () => {
    const out = execFileSync('vagrant', ['validate', '--ignore-provider'], {
      cwd: resolve(repo, 'vagrant'),
      env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(out).toContain('Vagrantfile validated successfully');
  }, 150_000);
});
