// The report's charts as SVG, drawn by Vega-Lite (specification) and Vega (rendering, headless: no
// browser, no canvas). Pure functions of results.json, like the report.
import { median } from 'simple-statistics';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_FILES, commonRate, pathHeader, pathsOf, ratesOf, routesOf, vmEmulated } from './report.ts';
import type { Results, Window } from './results.ts';

type Row = Record<string, string | number>;

async function svg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// Legend labels are never cut (Vega's default limit truncates long path names such as
// "container (published port)"), and the titles are readable at the size the report shows them.
const base = {
  width: 520,
  height: 300,
  config: { font: 'sans-serif', legend: { labelLimit: 0, titleLimit: 0 }, axis: { labelLimit: 0 } },
} as const;

function perRate(
  results: Results,
  pick: (w: Window) => number | undefined,
): { path: string; rate: number; value: number }[] {
  return pathsOf(results).flatMap((path) =>
    ratesOf(results).flatMap((rate) => {
      const v = results.windows
        .filter((w) => w.path === path && w.rate === rate)
        .map(pick)
        .filter((x): x is number => x !== undefined && Number.isFinite(x));
      return v.length ? [{ path: pathHeader(results, path), rate, value: median(v) }] : [];
    }),
  );
}

export async function renderCharts(results: Results): Promise<Record<string, string>> {
  const latency: Row[] = (['p50', 'p95', 'p99'] as const).flatMap((q) =>
    perRate(results, (w) => w.load.latencyMs[q]).map((r) => ({ ...r, percentile: q })),
  );
  const throughput: Row[] = perRate(results, (w) => w.load.achievedRps);
  const memory: Row[] = perRate(results, (w) => w.resources?.rssMaxMiB);
  const emulated = vmEmulated(results);
  const startup: Row[] = Object.entries(results.startupMs).flatMap(([environment, ms]) =>
    (ms ?? []).map((value) => ({
      environment: environment === 'vm' && emulated ? 'vm (EMULATED)' : environment,
      value,
    })),
  );
  // Every chart that shows the VM carries the warning, not only the report's text.
  const title = (text: string) =>
    emulated
      ? { text, subtitle: 'VM under emulation (qemu TCG): its figures say nothing about a real VM' }
      : text;
  const rateAxis = { field: 'rate', type: 'quantitative', title: 'offered load (req/s)' } as const;
  const color = { field: 'path', type: 'nominal', title: 'environment' } as const;
  const out: Record<string, string> = {};
  out[CHART_FILES.latency] = await svg({
    ...base,
    title: title('Latency percentiles vs offered load (median of runs)'),
    data: { values: latency },
    mark: { type: 'line', point: true },
    encoding: {
      x: rateAxis,
      y: { field: 'value', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
      color,
      // Percentiles told apart without colour: by dash and by point shape.
      strokeDash: { field: 'percentile', type: 'nominal', title: 'percentile' },
      shape: { field: 'percentile', type: 'nominal', title: 'percentile' },
    },
  });
  out[CHART_FILES.throughput] = await svg({
    ...base,
    title: title('Achieved vs offered throughput (dashed: achieved = offered)'),
    layer: [
      {
        data: { values: throughput },
        mark: { type: 'line', point: true },
        encoding: {
          x: rateAxis,
          y: { field: 'value', type: 'quantitative', title: 'achieved (req/s)' },
          color,
        },
      },
      {
        data: { values: throughput },
        mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
        encoding: { x: rateAxis, y: { field: 'rate', type: 'quantitative' } },
      },
    ],
  });
  out[CHART_FILES.startup] = await svg({
    ...base,
    title: title('Start-up: command → first 200 on /health (each start)'),
    data: { values: startup },
    mark: { type: 'boxplot', extent: 'min-max' },
    encoding: {
      y: { field: 'environment', type: 'nominal', title: null },
      x: { field: 'value', type: 'quantitative', title: 'ms', scale: { zero: true } },
      color: { field: 'environment', type: 'nominal', legend: null },
    },
  });
  out[CHART_FILES.memory] = await svg({
    ...base,
    title: title('Largest RSS under load (median of runs)'),
    data: { values: memory },
    mark: { type: 'line', point: true },
    encoding: {
      x: rateAxis,
      y: { field: 'value', type: 'quantitative', title: 'RSS (MiB)', scale: { zero: true } },
      color,
    },
  });
  const rate = commonRate(results);
  const routes = routesOf(results);
  if (routes.length) {
    const perRoute: Row[] =
      rate === undefined
        ? []
        : pathsOf(results).flatMap((path) =>
            routes.flatMap((route) =>
              (['p50', 'p99'] as const).flatMap((percentile) => {
                const v = results.windows
                  .filter((w) => w.path === path && w.rate === rate)
                  .map((w) => w.load.breakdown?.byRoute[route]?.latencyMs[percentile])
                  .filter((x): x is number => x !== undefined && Number.isFinite(x) && x > 0);
                return v.length
                  ? [{ path: pathHeader(results, path), route, percentile, value: median(v) }]
                  : [];
              }),
            ),
          );
    out[CHART_FILES.routes] = await svg({
      ...base,
      height: 40 * routes.length,
      title: title(
        rate === undefined
          ? 'Latency per route: no rate was sustained by every path'
          : `Latency per route at ${rate} req/s (median of runs)`,
      ),
      data: { values: perRoute },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        y: { field: 'route', type: 'nominal', title: null },
        yOffset: { field: 'path', type: 'nominal' },
        x: { field: 'value', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
        color,
        // p50 and p99 told apart by shape, not by colour.
        shape: { field: 'percentile', type: 'nominal', title: 'percentile' },
      },
    });
  }
  return out;
}
