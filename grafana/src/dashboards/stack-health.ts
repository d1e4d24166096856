// Stack health: is telemetry arriving complete? The Collector's accepted, refused, failed and dropped
// items and its queues, and whether each backend answers.
import { newDashboard, prom, statPanel, timeSeries } from '../panels.ts';

const COLLECTOR = 'job="otel-collector"';

/** Spans plus log records per second of a Collector counter; 0 when neither has a series yet. (Not one
 * {__name__=~…} selector: its rate fails when the two series differ only by name.) */
const both = (counter: string) =>
  `(sum(rate(${counter}_spans_total{${COLLECTOR}}[$__rate_interval])) or vector(0)) + (sum(rate(${counter}_log_records_total{${COLLECTOR}}[$__rate_interval])) or vector(0))`;

export const stackHealth = newDashboard(
  'cb-stack-health',
  'cloud-benchmark / Stack health',
  'Whether the observability stack itself is healthy: the Collector accepting and delivering every span and log record, its sending queues, and each backend up.',
)
  .withPanel(
    statPanel(
      'Backends up',
      'Targets answering their scrape, of the stack components (1 = up).',
      'none',
      prom('up{job=~"otel-collector|prometheus|loki|jaeger|grafana|node-exporter|cadvisor"}', '{{job}}', {
        instant: true,
      }),
      [
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ],
      { w: 24 },
    ),
  )
  .withPanel(
    timeSeries(
      'Accepted by the Collector',
      'Spans and log records accepted per second by its OTLP receiver.',
      'short',
      [
        prom(`sum(rate(otelcol_receiver_accepted_spans_total{${COLLECTOR}}[$__rate_interval]))`, 'spans'),
        prom(
          `sum(rate(otelcol_receiver_accepted_log_records_total{${COLLECTOR}}[$__rate_interval]))`,
          'log records',
        ),
      ],
    ),
  )
  .withPanel(
    timeSeries(
      'Delivered by the Collector',
      'Spans sent to Jaeger and log records sent to Loki per second.',
      'short',
      [
        prom(
          `sum by (exporter) (rate(otelcol_exporter_sent_spans_total{${COLLECTOR}}[$__rate_interval]))`,
          '{{exporter}} spans',
        ),
        prom(
          `sum by (exporter) (rate(otelcol_exporter_sent_log_records_total{${COLLECTOR}}[$__rate_interval]))`,
          '{{exporter}} log records',
        ),
      ],
    ),
  )
  .withPanel(
    timeSeries(
      'Refused, failed, dropped',
      'Refused: the memory limiter pushed back (senders retry). Failed: a send to a backend failed (retried from the queue). Dropped: the queue was full — data lost. All should stay at 0.',
      'short',
      [
        prom(both('otelcol_receiver_refused'), 'refused'),
        prom(both('otelcol_exporter_send_failed'), 'failed sends'),
        prom(both('otelcol_exporter_enqueue_failed'), 'dropped'),
      ],
    ),
  )
  .withPanel(
    timeSeries(
      'Sending queues',
      'Items waiting in each exporter queue (kept on disk), against its capacity. A growing queue means its backend is away or slow.',
      'short',
      [
        prom(`max by (exporter) (otelcol_exporter_queue_size{${COLLECTOR}})`, '{{exporter}} size'),
        prom(`max by (exporter) (otelcol_exporter_queue_capacity{${COLLECTOR}})`, '{{exporter}} capacity'),
      ],
    ),
  )
  .withPanel(
    timeSeries(
      'App exporters',
      "What each app's own OTLP exporters delivered or failed to deliver, per environment.",
      'short',
      [
        prom(
          'sum by (environment, signal, outcome) (rate(telemetry_export_items_total[$__rate_interval]))',
          '{{environment}} {{signal}} {{outcome}}',
        ),
      ],
    ),
  )
  .withPanel(
    timeSeries('Collector memory', 'Resident memory of the Collector process.', 'bytes', [
      prom(`max(otelcol_process_memory_rss_bytes{${COLLECTOR}})`, 'RSS'),
    ]),
  );
