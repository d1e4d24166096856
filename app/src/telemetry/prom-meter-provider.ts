// The trace and log SDKs report their own health (items processed, dropped with error.type=queue_full,
// queue size and capacity) through an OpenTelemetry MeterProvider. Metrics in this service are served
// by prom-client, so this bridge turns the few instruments the SDKs create into prom-client metrics:
// one mechanism per signal, and dropped telemetry becomes visible on /metrics.
import {
  createNoopMeter,
  type Attributes,
  type Meter,
  type MeterProvider,
  type MetricOptions,
  type ObservableCallback,
  type ObservableResult,
} from '@opentelemetry/api';
import { Counter, Gauge, type Metric } from 'prom-client';

const LABELS = ['otel_component_type', 'otel_component_name', 'error_type'] as const;
type Label = (typeof LABELS)[number];

function toLabels(attributes: Attributes | undefined): Partial<Record<Label, string>> {
  const labels: Partial<Record<Label, string>> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) {
    const name = key.replaceAll('.', '_') as Label;
    if ((LABELS as readonly string[]).includes(name) && value !== undefined) {
      // The SDKs only put strings here (component type/name, error.type); anything else is serialised.
      labels[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return labels;
}

const promName = (otelName: string) => otelName.replaceAll('.', '_');

export class PromMeterProvider implements MeterProvider {
  /** Created unregistered; the app registers them in its registry once it has one. */
  readonly metrics: Metric[] = [];
  private readonly byName = new Map<string, Metric>();
  private readonly callbacks = new Map<string, Set<ObservableCallback>>();
  private readonly meter: Meter;

  constructor() {
    const noop = createNoopMeter();
    const counter = (name: string, options?: MetricOptions) => {
      const metric = this.counter(promName(name), options?.description ?? name);
      return { add: (value: number, attributes?: Attributes) => metric.inc(toLabels(attributes), value) };
    };
    const gauge = (name: string, options?: MetricOptions) => {
      const metric = this.gauge(promName(name), options?.description ?? name);
      return { add: (value: number, attributes?: Attributes) => metric.inc(toLabels(attributes), value) };
    };
    const observableGauge = (name: string, options?: MetricOptions) => {
      let callbacks = this.callbacks.get(name);
      if (!callbacks) {
        const all = new Set<ObservableCallback>();
        callbacks = all;
        this.callbacks.set(name, all);
        this.gauge(promName(name), options?.description ?? name, function collect(this: Gauge) {
          const result: ObservableResult = {
            observe: (value: number, attributes?: Attributes) => this.set(toLabels(attributes), value),
          };
          for (const callback of all) void callback(result);
        });
      }
      const registered = callbacks;
      return {
        addCallback: (callback: ObservableCallback) => void registered.add(callback),
        removeCallback: (callback: ObservableCallback) => void registered.delete(callback),
      };
    };
    // Everything the SDKs do not use stays a no-op.
    this.meter = Object.assign(Object.create(noop) as Meter, {
      createCounter: counter,
      createUpDownCounter: gauge,
      createObservableUpDownCounter: observableGauge,
      createObservableGauge: observableGauge,
    });
  }

  getMeter(): Meter {
    return this.meter;
  }

  private counter(name: string, help: string): Counter<Label> {
    const existing = this.byName.get(name);
    if (existing) return existing as Counter<Label>;
    const metric = new Counter({ name, help, labelNames: LABELS, registers: [] });
    this.remember(name, metric);
    return metric;
  }

  private gauge(name: string, help: string, collect?: (this: Gauge) => void): Gauge<Label> {
    const existing = this.byName.get(name);
    if (existing) return existing as Gauge<Label>;
    const metric = new Gauge({
      name,
      help,
      labelNames: LABELS,
      registers: [],
      ...(collect ? { collect } : {}),
    });
    this.remember(name, metric);
    return metric;
  }

  private remember(name: string, metric: Metric): void {
    this.byName.set(name, metric);
    this.metrics.push(metric);
  }
}
