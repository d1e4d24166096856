// What the HTTP layer needs from the rest of the service, assembled by server.ts.
import type { Config } from '../config/config.ts';
import type { CapacityBudget } from '../lib/capacity-budget.ts';
import type { Readiness } from '../lifecycle/readiness.ts';
import type { AccessLog, Logger } from '../logging/logger.ts';
import type { AppMetrics } from '../metrics/app-metrics.ts';
import type { DetectedEnvironment } from '../runtime/detect-environment.ts';

export interface AppContext {
  readonly config: Config;
  readonly environment: DetectedEnvironment;
  readonly logger: Logger;
  /** Where each request's access line goes (stdout and/or OTLP, ACCESS_LOG_STDOUT). */
  readonly accessLog: AccessLog;
  readonly metrics: AppMetrics;
  readonly readiness: Readiness;
  readonly budgets: { readonly memoryMb: CapacityBudget; readonly ioKb: CapacityBudget };
  /** Seconds from process start to ready; null until then. */
  startupSeconds(): number | null;
  /** Base URL on which this very server answers (for /api/fanout's calls to itself). */
  selfUrl(): string;
  /**
   * A header /api/fanout puts on its calls to itself, with a secret made at start: those calls are part
   * of a request already admitted, so admission control lets them through (refusing them would waste
   * the work done for it). No client can know the value.
   */
  readonly selfCallHeader: Readonly<{ name: string; value: string }>;
  /** Whether a trace SDK is running (false when telemetry is off or not preloaded). */
  readonly tracing: boolean;
}
