// The k6 scripts' options as k6 would read them in the init stage, evaluated here with k6's modules
// replaced (k6 itself cannot run on the project's machines): for every script and small or large rates,
// each arrival-rate scenario must pass k6's own validation of its VU pool (maxVUs >= preAllocatedVUs,
// lib/executor/constant_arrival_rate.go and ramping_arrival_rate.go at the pinned k6 release).
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('k6', () => ({ check: () => true }));
vi.mock('k6/http', () => ({ default: { get: () => ({}), post: () => ({}) } }));

const DIR = resolve(import.meta.dirname, '../../loadtests');
const SCRIPTS = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

interface Scenario {
  executor: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
}

async function scenarios(script: string, env: Record<string, string>): Promise<Record<string, Scenario>> {
  vi.resetModules();
  (globalThis as { __ENV?: Record<string, string> }).__ENV = env;
  const mod = (await import(resolve(DIR, script))) as { options: { scenarios: Record<string, Scenario> } };
  return mod.options.scenarios;
}

afterEach(() => {
  delete (globalThis as { __ENV?: unknown }).__ENV;
});

describe('k6 scripts: VU pools that k6 accepts', () => {
  it('covers every script in loadtests/', () => {
    expect(SCRIPTS).toEqual(
      expect.arrayContaining([
        'smoke.ts',
        'load.ts',
        'stress.ts',
        'spike.ts',
        'soak.ts',
        'breakpoint.ts',
        'endpoints.ts',
      ]),
    );
  });

  const cases = SCRIPTS.flatMap((script) =>
    (
      [
        { RATE: '1', MAX_RATE: '1' },
        { RATE: '3', MAX_RATE: '5' },
        { RATE: '2000', MAX_RATE: '5000' },
        { RATE: '10', MAX_RATE: '10', MAX_VUS: '2' },
      ] as Record<string, string>[]
    ).map((env) => [script, env] as const),
  );
  it.each(cases)('%s with %o: every scenario has 1 <= preAllocatedVUs <= maxVUs', async (script, env) => {
    const all = Object.entries(await scenarios(script, env));
    expect(all.length).toBeGreaterThan(0);
    for (const [name, s] of all) {
      expect(s.executor, name).toMatch(/arrival-rate$/);
      expect(s.preAllocatedVUs, name).toBeGreaterThanOrEqual(1);
      expect(s.maxVUs, name).toBeGreaterThanOrEqual(s.preAllocatedVUs!);
      if (env.MAX_VUS) expect(s.maxVUs, name).toBe(Number(env.MAX_VUS));
    }
  });

  it('refuses a MAX_VUS that is not a positive whole number, naming the variable', async () => {
    await expect(scenarios('load.ts', { MAX_VUS: '0' })).rejects.toThrow(
      'MAX_VUS must be a positive whole number, got "0"',
    );
  });
});

describe('k6 scripts: the environments', () => {
  it('are the app’s own list (loadtests/ keeps a copy because k6 cannot import outside it)', async () => {
    const { ENVIRONMENTS: app } = await import('../../app/src/config/environments.ts');
    // By path, like the scripts above: settings.ts reads k6's globals, which this project's types lack.
    const { ENVIRONMENTS: k6 } = (await import(resolve(DIR, 'lib/settings.ts'))) as {
      ENVIRONMENTS: readonly string[];
    };
    expect(k6).toEqual(app);
  });
});
