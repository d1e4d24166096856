// versions.env is validated where it is read: a malformed pin stops every script, naming the key.
import { describe, expect, it } from 'vitest';
import { benchLimits, parseVersions, versions } from '../../harness/project-env.ts';

const GOOD = [
  'NODE_VERSION=24.21.0',
  'NODE_EXPORTER_MODULE_VERSION=v1.12.1',
  'PROMETHEUS_IMAGE=prom/prometheus:v3.16.0',
  'K6_IMAGE=grafana/k6:2.2.0',
  'BENCH_CPUS=1.5',
  'BENCH_MEMORY_MIB=512',
].join('\n');

describe('versions.env', () => {
  it('is valid as committed, with the fair-comparison limits as numbers', () => {
    expect(versions.NODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(benchLimits.cpus).toBeGreaterThan(0);
    expect(Number.isInteger(benchLimits.memoryMib)).toBe(true);
  });

  it('accepts a well-formed file and keeps keys it does not check', () => {
    expect(parseVersions(`${GOOD}\n# a comment\nEXTRA=x\n`)).toMatchObject({ BENCH_CPUS: '1.5', EXTRA: 'x' });
  });

  it.each([
    ['BENCH_CPUS=two', /BENCH_CPUS/],
    ['BENCH_CPUS=0', /BENCH_CPUS/],
    ['BENCH_MEMORY_MIB=512.5', /BENCH_MEMORY_MIB/],
    ['NODE_VERSION=24', /NODE_VERSION/],
  ])('refuses %s, naming the key', (line, key) => {
    const key0 = line.split('=')[0]!;
    const text = GOOD.split('\n')
      .filter((l) => !l.startsWith(`${key0}=`))
      .concat(line)
      .join('\n');
    expect(() => parseVersions(text, 'v.env')).toThrow(key);
    expect(() => parseVersions(text, 'v.env')).toThrow(/^v\.env: /);
  });

  it('refuses a file without a key the project reads', () => {
    expect(() => parseVersions(GOOD.replace(/^K6_IMAGE=.*$/m, ''), 'v.env')).toThrow(/K6_IMAGE/);
  });
});
