// Logs and traces: the app's log lines from Loki (their trace_id opens the trace in Jaeger, through the
// datasource's derived field) and log volume by environment and level.
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { LOKI } from '../datasources.ts';
import { labelVariable, logQuery, logsPanel, newDashboard } from '../panels.ts';

const SELECTOR = '{service_name="cloud-benchmark", deployment_environment_name=~"$environment"}';

export const logsTraces = newDashboard(
  'cb-logs-traces',
  'cloud-benchmark / Logs and traces',
  "The app's log lines in every environment. Expand a line and follow its trace_id to the trace in Jaeger; from a span, Jaeger links back to its log lines.",
)
  .withVariable(
    labelVariable('environment', 'Environment', 'http_server_request_duration_seconds_count', 'environment'),
  )
  .withPanel(
    new timeseries.PanelBuilder()
      .title('Log lines per second')
      .description('Log volume by environment and level, from Loki.')
      .datasource(LOKI)
      .unit('short')
      .withTarget(
        logQuery(`sum by (deployment_environment_name, severity_text) (rate(${SELECTOR} [$__auto]))`)
          .legendFormat('{{deployment_environment_name}} {{severity_text}}')
          .refId('A'),
      )
      .span(24)
      .height(7),
  )
  .withPanel(
    logsPanel(
      'Errors and warnings',
      'Log lines of level warn and above.',
      `${SELECTOR} | severity_text=~"(?i)warn|error|fatal"`,
      { h: 8 },
    ),
  )
  .withPanel(logsPanel('All log lines', 'Newest first. trace_id links open Jaeger.', SELECTOR, { h: 14 }));
