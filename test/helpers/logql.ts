// LogQL as Grafana parses it (@grafana/lezer-logql, Grafana's own Apache-2.0 grammar), and the traces →
// logs query of the provisioned Jaeger datasource.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parser } from '@grafana/lezer-logql';
import { parse as parseYaml } from 'yaml';

/** Syntax errors of one expression: where each error node of the parse tree starts, with context. */
export function logqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: "${expr.slice(node.from, node.to + 10)}"`);
    },
  });
  return errors;
}

interface Datasource {
  type: string;
  jsonData?: { tracesToLogsV2?: { customQuery?: boolean; query?: string } };
}

/** The Jaeger datasource's custom traces → logs query as Grafana reads it (provisioning's `$$` unescaped). */
export function tracesToLogsQuery(): string {
  const file = resolve(import.meta.dirname, '../../grafana/provisioning/datasources/datasources.yaml');
  const yaml = parseYaml(readFileSync(file, 'utf8')) as { datasources: Datasource[] };
  const q = yaml.datasources.find((d) => d.type === 'jaeger')?.jsonData?.tracesToLogsV2;
  if (!q?.customQuery || !q.query) throw new Error('the Jaeger datasource has no custom traces → logs query');
  return q.query.replaceAll('$$', '$');
}

/** The span tag keys the query reads (`${__span.tags["key"]}`): each must resolve, or Grafana drops the link. */
export function spanTagKeys(query: string): string[] {
  return [...query.matchAll(/\$\{__span\.tags\["([^"]+)"\]\}/g)].map((m) => m[1]!);
}

/** The query with Grafana's variables replaced: span tags from `tags`, the trace id given. */
export function interpolateTracesToLogs(
  query: string,
  tags: Record<string, string>,
  traceId: string,
): string {
  return query
    .replace(/\$\{__span\.tags\["([^"]+)"\]\}/g, (_m, key: string) => {
      const value = tags[key];
      if (value === undefined) throw new Error(`span tag ${key} does not resolve`);
      return value;
    })
    .replaceAll('${__trace.traceId}', traceId);
}
