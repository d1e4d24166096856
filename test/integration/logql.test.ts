// Every LogQL expression the project ships — dashboard panels and the Jaeger → Loki link of the
// provisioned datasources (and any ```logql block in the docs) — parsed with @grafana/lezer-logql, the
// LogQL grammar Grafana's own query editor uses (Apache-2.0). Loki itself may not run on the project's
// machines (AGPL); its parser's acceptance of the same grammar is cited in docs/upstream-evidence.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { panelQueries } from '../helpers/dashboards.ts';
import { interpolateTracesToLogs, logqlErrors, spanTagKeys, tracesToLogsQuery } from '../helpers/logql.ts';

const repo = resolve(import.meta.dirname, '../..');

/** The traces → logs query with every variable replaced by a value of its kind (the stack test checks
 * that Jaeger's spans really carry the tags it reads). */
function tracesToLogsQueries(): { where: string; expr: string }[] {
  const query = tracesToLogsQuery();
  const tags = Object.fromEntries(spanTagKeys(query).map((k) => [k, 'container']));
  return [
    {
      where: 'datasources.yaml: jaeger tracesToLogsV2.query',
      expr: interpolateTracesToLogs(query, tags, '0af7651916cd43dd8448eb211c80319c'),
    },
  ];
}

function docQueries(): { where: string; expr: string }[] {
  const files = ['README.md', ...readdirSync(join(repo, 'docs')).map((f) => join('docs', f))].filter((f) =>
    f.endsWith('.md'),
  );
  return files.flatMap((f) =>
    [...readFileSync(join(repo, f), 'utf8').matchAll(/```logql\n([\s\S]*?)```/g)].map((m) => ({
      where: f,
      expr: m[1]!.trim(),
    })),
  );
}

describe('LogQL, parsed with Grafana’s LogQL grammar', () => {
  it('finds a syntax error where there is one (the parser is not a no-op)', () => {
    expect(logqlErrors('{service_name=} | trace_id="x"')).not.toEqual([]);
    expect(logqlErrors('sum by (a) (rate({a="b"} [5m]')).not.toEqual([]);
    expect(logqlErrors('{a="b"} |= "x" | json | level="error"')).toEqual([]);
  });

  const all = [
    ...panelQueries()
      .filter((q) => q.datasource === 'loki')
      .map((q) => ({ where: `${q.dashboard} / ${q.panel}`, expr: q.expr })),
    ...tracesToLogsQueries(),
    ...docQueries(),
  ];

  it('covers the dashboards’ Loki panels and the traces → logs link', () => {
    expect(all.filter((q) => q.where.includes('tracesToLogsV2'))).toHaveLength(1);
    expect(all.length).toBeGreaterThanOrEqual(4);
  });

  it.each(all)('$where: $expr', ({ expr }) => {
    expect(logqlErrors(expr)).toEqual([]);
  });
});
