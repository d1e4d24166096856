// results.json: everything a report is made from. The report and charts are pure functions of it, so
// a run can be re-rendered (npm run compare -- --report-only DIR) and the generator tested on fixtures.
import type { AppStatus, ResourceUse } from '../../harness/app-probe.ts';
import type { EnvironmentName } from '../../harness/environments/environment.ts';
import type { LoadResult } from '../../harness/load-driver.ts';

export const RESULTS_VERSION = 1;

export interface RunSettings {
  readonly quick: boolean;
  readonly rates: readonly number[];
  /** Keep stepping beyond `rates` by this factor until every path saturates (0: only the given rates). */
  readonly stepFactor: number;
  readonly maxRate: number;
  readonly repetitions: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly startups: number;
  readonly mix: 'default' | 'trivial';
  readonly cpus: number;
  readonly memoryMib: number;
  readonly telemetry: string;
  readonly loadDriver: string;
}

export interface EnvironmentRecord {
  readonly name: EnvironmentName;
  /** Why it was skipped; absent when it ran. */
  readonly skipped?: string;
  readonly facts: Readonly<Record<string, string>>;
  readonly status?: AppStatus;
}

export interface Window {
  readonly environment: EnvironmentName;
  readonly path: string;
  readonly pathNote?: string;
  readonly rate: number;
  readonly repetition: number;
  readonly load: LoadResult;
  readonly resources?: ResourceUse;
  /** The environment could not keep up: requests dropped, more than 1 % failed, or late. */
  readonly saturated: boolean;
}

export interface Results {
  readonly version: typeof RESULTS_VERSION;
  readonly startedAt: string;
  finishedAt?: string;
  /** False when the run was interrupted (Ctrl-C) or failed part-way: the report says so. */
  complete: boolean;
  interruption?: string;
  readonly settings: RunSettings;
  readonly machine: Readonly<Record<string, string>>;
  readonly environments: EnvironmentRecord[];
  readonly startupMs: Partial<Record<EnvironmentName, number[]>>;
  readonly windows: Window[];
}

/**
 * A window is saturated when more than 0.1 % of the offered requests were dropped (not sent on time) or
 * failed, or fewer than 99 % were sent. Not "any drop": a single late tick, one request in thousands, is
 * a scheduling hiccup of a 2-core machine shared by server and load driver, not a limit of the server.
 */
export function isSaturated(load: LoadResult): boolean {
  const tolerated = 0.001 * load.expected;
  return load.dropped > tolerated || load.failed > tolerated || load.sent < 0.99 * load.expected;
}

export function parseResults(text: string, source: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const r = data as Partial<Results>;
  if (
    r.version !== RESULTS_VERSION ||
    !Array.isArray(r.windows) ||
    !Array.isArray(r.environments) ||
    !r.settings
  )
    throw new Error(`${source} is not a compare results file (version ${RESULTS_VERSION})`);
  return r as Results;
}
