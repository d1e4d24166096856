// What the compare command needs from each place the app can run: a reason it cannot run here, and a
// way to start a fresh copy that reports how long it took to answer /health.
import { APP_GLIBC_TUNABLES, APP_NODE_OPTIONS } from '../../app/launch.ts';
import type { FootprintReader } from '../footprint.ts';
export const ENVIRONMENT_NAMES = ['native', 'container', 'vm', 'kubernetes'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** One way the load reaches a copy of the app (a container has two: published port, bridge IP). */
export interface LoadPath {
  /** Row label in the report, e.g. "container (published port)". */
  readonly label: string;
  readonly url: string;
  readonly note?: string;
}

export interface Started {
  readonly paths: readonly LoadPath[];
  /** Start command → first 200 on /health, ms; undefined where the copy was started outside the compare. */
  readonly startupMs: number | undefined;
  readonly stop: () => Promise<void>;
  /** Where the start's time went, as the copy itself tells it (a VM guest's boot phases, seconds). */
  readonly phases?: Readonly<Record<string, number>>;
  /** What the copy costs the host in memory (harness/footprint.ts); undefined where it cannot be read here. */
  readonly footprint?: FootprintReader;
  /** CPU seconds the copy has used so far (the host process); undefined where it cannot be read here. */
  readonly cpuSeconds?: () => number | undefined;
}

export interface Environment {
  readonly name: EnvironmentName;
  /** Why it cannot be measured on this machine, or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  start(): Promise<Started>;
  /** Start-up of a copy that ran before and was stopped (`docker start`), ms to the first 200 on /health. */
  startExisting?(): Promise<number>;
  /** Removes what unavailable()/start() set up (groups, containers); safe to call twice. */
  cleanup(): Promise<void>;
  /** Facts for the report (image, hypervisor, proxy setting …), read once. */
  describe(): Promise<Record<string, string>>;
  /** What the environment stores on the host's disk to run the app (image, VM disk, build + runtime). */
  disk?(): Promise<DiskUse | undefined>;
}

export interface DiskUse {
  readonly what: string;
  readonly mib: number;
}

/** The same telemetry for every environment, so none pays for work another skips. */
export interface AppSettings {
  readonly cpus: number;
  readonly memoryMib: number;
  /** OTLP endpoint the copies export to; undefined: exporters off (metrics and stdout logs stay). */
  readonly otlpEndpoint: string | undefined;
  readonly healthTimeoutMs: number;
}

/** The app's environment variables common to every copy (the image's own ENV, repeated for the host process). */
export function appEnv(settings: AppSettings, environment: EnvironmentName): Record<string, string> {
  return {
    APP_ENVIRONMENT: environment,
    NODE_ENV: 'production',
    NODE_OPTIONS: APP_NODE_OPTIONS,
    GLIBC_TUNABLES: APP_GLIBC_TUNABLES,
    ...(settings.otlpEndpoint
      ? { OTEL_EXPORTER_OTLP_ENDPOINT: settings.otlpEndpoint }
      : { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' }),
  };
}
