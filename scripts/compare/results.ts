// results.json: everything a report is made from. The report and charts are pure functions of it, so
// a run can be re-rendered (npm run compare -- --report-only DIR) and the generator tested on fixtures.
import { z } from 'zod';
import { AppStatusSchema, ResourceUseSchema } from '../../harness/app-probe.ts';
import { HostMemorySchema } from '../../harness/footprint.ts';
import { ENVIRONMENT_NAMES } from '../../harness/environments/environment.ts';
import { LoadResultSchema, type LoadResult } from '../../harness/load-driver.ts';

/**
 * The schema version of results.json: a file of another version is refused, not misread. Version 2
 * added only optional fields (host footprint, disk, saturation precision), so a version-1 file is read
 * as a version-2 file without them.
 */
export const RESULTS_VERSION = 2;
const READABLE_VERSIONS: readonly unknown[] = [1, 2];

const EnvironmentNameSchema = z.enum(ENVIRONMENT_NAMES);

export const RunSettingsSchema = z.object({
  quick: z.boolean(),
  rates: z.array(z.number().positive()),
  /** Keep stepping beyond `rates` by this factor until every path saturates (0: only the given rates). */
  stepFactor: z.number().nonnegative(),
  /** Bisect each path's saturation bracket until (first saturated − highest sustained) / sustained ≤ this (0: off). */
  precision: z.number().nonnegative().default(0),
  maxRate: z.number().positive(),
  repetitions: z.number().int().positive(),
  durationSeconds: z.number().positive(),
  warmupSeconds: z.number().nonnegative(),
  startups: z.number().int().nonnegative(),
  mix: z.enum(['default', 'trivial']),
  cpus: z.number().positive(),
  memoryMib: z.number().int().positive(),
  telemetry: z.string(),
  loadDriver: z.string(),
});
export type RunSettings = z.infer<typeof RunSettingsSchema>;

export const EnvironmentRecordSchema = z.object({
  name: EnvironmentNameSchema,
  /** Why it was skipped; absent when it ran. */
  skipped: z.string().optional(),
  facts: z.record(z.string(), z.string()),
  status: AppStatusSchema.optional(),
  /** What it stores on the host's disk to run the app. */
  disk: z.object({ what: z.string(), mib: z.number().nonnegative() }).optional(),
  /** What it costs the host in memory, started and idle, before any load. */
  idleFootprint: HostMemorySchema.optional(),
});
export type EnvironmentRecord = z.infer<typeof EnvironmentRecordSchema>;

export const WindowSchema = z.object({
  environment: EnvironmentNameSchema,
  path: z.string(),
  pathNote: z.string().optional(),
  rate: z.number().positive(),
  repetition: z.number().int().nonnegative(),
  load: LoadResultSchema,
  resources: ResourceUseSchema.optional(),
  /** What the environment cost the host in memory during the window (harness/footprint.ts). */
  hostMemory: HostMemorySchema.optional(),
  /** The environment could not keep up: requests dropped or failed beyond the tolerance, or late. */
  saturated: z.boolean(),
});
export type Window = z.infer<typeof WindowSchema>;

export const ResultsSchema = z.object({
  version: z.literal(RESULTS_VERSION),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** False when the run was interrupted (Ctrl-C) or failed part-way: the report says so. */
  complete: z.boolean(),
  interruption: z.string().optional(),
  settings: RunSettingsSchema,
  machine: z.record(z.string(), z.string()),
  environments: z.array(EnvironmentRecordSchema),
  startupMs: z.partialRecord(EnvironmentNameSchema, z.array(z.number().nonnegative())),
  /** Where each start's time went, as the copy tells it (a VM guest's boot phases, seconds), per start. */
  startupPhases: z
    .partialRecord(EnvironmentNameSchema, z.record(z.string(), z.array(z.number().nonnegative())))
    .optional(),
  /** Start-up of a stopped copy started again (`docker start`), where the environment has one. */
  restartMs: z.partialRecord(EnvironmentNameSchema, z.array(z.number().nonnegative())).optional(),
  windows: z.array(WindowSchema),
});
export type Results = z.infer<typeof ResultsSchema>;

/**
 * A window is saturated when more than 0.1 % of the offered requests were dropped (not sent on time) or
 * failed, or fewer than 99 % were sent. Not "any drop": a single late tick, one request in thousands, is
 * a scheduling hiccup of a 2-core machine shared by server and load driver, not a limit of the server.
 */
export function isSaturated(load: LoadResult): boolean {
  const tolerated = 0.001 * load.expected;
  return load.dropped > tolerated || load.failed > tolerated || load.sent < 0.99 * load.expected;
}

/** results.json read back and validated: anything else is refused with the first problems named. */
export function parseResults(text: string, source: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (!READABLE_VERSIONS.includes(version))
    throw new Error(
      `${source} is not a compare results file of version ${READABLE_VERSIONS.join(' or ')} (its version: ${JSON.stringify(version)})`,
    );
  const parsed = ResultsSchema.safeParse({ ...(data as object), version: RESULTS_VERSION });
  if (!parsed.success)
    throw new Error(`${source} is not a valid compare results file:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
