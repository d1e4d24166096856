// The dashboards as code: the committed JSON is what grafana/src builds, every panel is described and
// has a unit, and every PromQL expression parses with Prometheus' own parser. (LogQL: logql.test.ts. That
// every panel returns data is checked against the running stack in test/e2e/stack-environments.test.ts, and the k6
// panels against k6-shaped series in k6-panels.test.ts.)
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGoTool, runWithInput } from '../../app/test/helpers/go-tool.ts';
import { loadDashboards, panelQueries } from '../helpers/dashboards.ts';

const repo = resolve(import.meta.dirname, '../..');

describe('Grafana dashboards (grafana/src → grafana/dashboards)', () => {
  it('are up to date with the code that builds them', () => {
    const out = execFileSync(
      resolve(repo, 'node_modules/.bin/node'),
      ['grafana/src/generate.ts', '--check'],
      {
        cwd: repo,
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/dashboards: 6 up to date/);
  });

  it('have unique UIDs, and every panel a title, a description, a unit and queries', () => {
    const dashboards = loadDashboards();
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { file, json } of dashboards) {
      for (const panel of json.panels as {
        title?: string;
        description?: string;
        type: string;
        fieldConfig?: { defaults?: { unit?: string } };
        targets?: unknown[];
      }[]) {
        const where = `${file}: ${panel.title}`;
        expect(panel.title, where).toBeTruthy();
        expect(panel.description, where).toBeTruthy();
        if (panel.type !== 'logs') expect(panel.fieldConfig?.defaults?.unit, where).toBeTruthy();
        expect(panel.targets?.length, where).toBeGreaterThan(0);
      }
    }
  });

  it('offer environment, route and test-id variables on the comparison dashboard', () => {
    const comparison = loadDashboards().find((d) => d.file === 'comparison.json')!.json as unknown as {
      templating: { list: { name: string }[] };
    };
    expect(comparison.templating.list.map((v) => v.name)).toEqual(['environment', 'route', 'testid']);
  });
});

describe('dashboard queries, parsed by the real parsers', () => {
  let parse: string;
  beforeAll(async () => {
    parse = await buildGoTool('promql-parse');
  }, 300_000);

  it("parse every PromQL expression with Prometheus' parser", async () => {
    const queries = panelQueries().filter((q) => q.datasource === 'prometheus');
    expect(queries.length).toBeGreaterThan(30);
    const { code, stdout } = await runWithInput(
      parse,
      queries.map((q) => JSON.stringify(q.expr)).join('\n') + '\n',
    );
    const results = stdout.trim().split('\n');
    const failures = queries
      .map((q, i) => ({ where: `${q.dashboard} / ${q.panel}: ${q.expr}`, result: results[i] }))
      .filter((r) => r.result !== 'ok');
    expect(failures).toEqual([]);
    expect(code).toBe(0);
  });
});
