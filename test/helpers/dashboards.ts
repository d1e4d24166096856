// The provisioned dashboards as data: every panel's queries, with Grafana's variables interpolated the
// way Grafana would for "All", so they can be parsed and run against the real Prometheus.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DASHBOARD_DIR = resolve(import.meta.dirname, '../../grafana/dashboards');

export interface PanelQuery {
  dashboard: string;
  panel: string;
  /** The datasource type: prometheus or loki. */
  datasource: string;
  expr: string;
  /** The legend format, e.g. `{{environment}} offered`. */
  legend: string;
  instant: boolean;
}

interface Panel {
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr?: string; legendFormat?: string; instant?: boolean; datasource?: { type: string } }[];
}

export function loadDashboards(): { file: string; json: { uid: string; title: string; panels: Panel[] } }[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as never }));
}

/** Grafana's interpolation for the "All" value of every variable, and a fixed rate interval. */
export function interpolate(expr: string, interval = '1m'): string {
  return expr
    .replaceAll('$__rate_interval', interval)
    .replaceAll('$__interval', interval)
    .replaceAll('$__auto', interval)
    .replace(/\$(environment|route|testid|run_id)\b/g, '.*');
}

export function panelQueries(): PanelQuery[] {
  return loadDashboards().flatMap(({ json }) =>
    json.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        dashboard: json.title,
        panel: p.title,
        datasource: t.datasource?.type ?? p.datasource?.type ?? '',
        expr: interpolate(t.expr ?? ''),
        legend: t.legendFormat ?? '',
        instant: t.instant === true,
      })),
    ),
  );
}
