// Small builders shared by the dashboards: Prometheus and Loki queries, time series and stat panels
// with units and descriptions, and the template variables every dashboard uses.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { LOKI, PROMETHEUS } from './datasources.ts';

/** The environment filter every app query carries. */
export const ENV = 'environment=~"$environment"';

/**
 * Share of requests answered with 5xx per environment, for a label selector. An environment with no
 * 5xx series gets 0, not a gap (`or … * 0`), as in the recording rule.
 */
export function errorRatioExpr(selector: string): string {
  const rate = (extra: string) =>
    `sum by (environment) (rate(http_server_request_duration_seconds_count{${selector}${extra}}[$__rate_interval]))`;
  return `(${rate(',status_code=~"5.."')} or ${rate('')} * 0) / ${rate('')}`;
}

export function prom(expr: string, legend: string, options: { exemplar?: boolean; instant?: boolean } = {}) {
  const q = new prometheus.DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legend);
  if (options.exemplar) q.exemplar(true);
  if (options.instant) q.instant();
  else q.range();
  return q;
}

export function logQuery(expr: string) {
  return new loki.DataqueryBuilder().datasource(LOKI).expr(expr);
}

interface Size {
  w?: number;
  h?: number;
}

export function timeSeries(
  title: string,
  description: string,
  unit: string,
  queries: prometheus.DataqueryBuilder[],
  size: Size = {},
) {
  const panel = new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .lineWidth(1)
    .fillOpacity(0)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['mean', 'max']),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    )
    .span(size.w ?? 12)
    .height(size.h ?? 8);
  queries.forEach((q, i) => panel.withTarget(q.refId(String.fromCharCode(65 + i))));
  return panel;
}

/** A single figure, coloured by thresholds (green below the first step). */
export function statPanel(
  title: string,
  description: string,
  unit: string,
  query: prometheus.DataqueryBuilder,
  steps: { value: number | null; color: string }[],
  size: Size = {},
) {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .decimals(1)
    .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .withTarget(query.refId('A'))
    .span(size.w ?? 6)
    .height(size.h ?? 4);
}

export function logsPanel(title: string, description: string, expr: string, size: Size = {}) {
  return new logs.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(LOKI)
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .withTarget(logQuery(expr).refId('A'))
    .span(size.w ?? 24)
    .height(size.h ?? 12);
}

/** Template variable over the values of a label of a metric, multi-select with "All". */
export function labelVariable(name: string, label: string, metric: string, labelName: string) {
  const query = `label_values(${metric}, ${labelName})`;
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query({ query, refId: name })
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' });
}

/** A dashboard with the project's defaults: read-only, UTC-independent, refreshed every 10 s. */
export function newDashboard(uid: string, title: string, description: string) {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['cloud-benchmark'])
    .readonly()
    .timezone('browser')
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
}

/**
 * A table of instant values pivoted by Grafana's "Grouping to matrix" transformation: one row per
 * value of `rowLabel`, one column per value of `columnLabel`.
 */
export function matrixTable(
  title: string,
  description: string,
  unit: string,
  query: prometheus.DataqueryBuilder,
  rowLabel: string,
  columnLabel: string,
  size: Size = {},
) {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .decimals(1)
    .withTarget(query.format(prometheus.PromQueryFormat.Table).refId('A'))
    .withTransformation({
      id: 'groupingToMatrix',
      options: { rowField: rowLabel, columnField: columnLabel, valueField: 'Value' },
    })
    .span(size.w ?? 24)
    .height(size.h ?? 8);
}

/** A table of instant series' labels (one row per series), the value and time columns left out. */
export function labelsTable(
  title: string,
  description: string,
  query: prometheus.DataqueryBuilder,
  size: Size = {},
) {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit('none')
    .withTarget(query.format(prometheus.PromQueryFormat.Table).refId('A'))
    .withTransformation({
      id: 'organize',
      options: { excludeByName: { Time: true, Value: true, __name__: true } },
    })
    .span(size.w ?? 24)
    .height(size.h ?? 6);
}
