// The one way the project waits for state: ask again until the answer is there, or a deadline passes, or
// the thing asked about is gone. Never a fixed sleep standing in for the state itself.
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** What is awaited, for the error message. */
  readonly what: string;
  readonly timeoutMs: number;
  /** Pause between attempts (default 100 ms). */
  readonly intervalMs?: number;
  /** Checked before each attempt: a reason stops the wait at once (a process that exited, say). */
  readonly abortIf?: () => string | undefined;
}

export class PollTimeout<T> extends Error {
  readonly last: T | undefined;
  readonly lastError: Error | undefined;
  constructor(message: string, last: T | undefined, lastError: Error | undefined) {
    super(message);
    this.name = 'PollTimeout';
    this.last = last;
    this.lastError = lastError;
  }
}

/**
 * Calls `attempt` until it returns a value other than undefined, and returns that value. An attempt
 * that throws counts as "not yet". Throws PollTimeout (with the last value and error seen) when the
 * deadline passes, or an Error with `abortIf`'s reason.
 */
export async function poll<T>(
  attempt: () => T | undefined | Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let lastError: Error | undefined;
  for (;;) {
    const gone = options.abortIf?.();
    if (gone) throw new Error(`${options.what}: ${gone}`);
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
    }
    if (performance.now() >= deadline)
      throw new PollTimeout(
        `${options.what}: not reached within ${options.timeoutMs} ms${lastError ? `; last error: ${lastError.message}` : ''}`,
        undefined,
        lastError,
      );
    await sleep(options.intervalMs ?? 100);
  }
}

/**
 * Polls `fn` until `ok(value)`; returns the value, or throws naming the last value seen. The form the
 * end-to-end tests use against backends (Prometheus, Jaeger) that answer before they have the data.
 */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  let last: T | undefined;
  try {
    return await poll(
      async () => {
        last = await fn();
        return ok(last) ? last : undefined;
      },
      { what, timeoutMs, intervalMs: 1000 },
    );
  } catch (error) {
    if (error instanceof PollTimeout)
      throw new PollTimeout(`${error.message}; last value ${JSON.stringify(last)}`, last, error.lastError);
    throw error;
  }
}

/**
 * Like eventually, but reports a shortfall instead of failing on it (the benchmarks print what they
 * reached).
 */
export async function settle<T>(
  fn: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<{ reached: boolean; last: T | undefined; lastError: Error | undefined }> {
  try {
    const last = await eventually('settle', fn, ok, timeoutMs);
    return { reached: true, last, lastError: undefined };
  } catch (error) {
    if (error instanceof PollTimeout)
      return { reached: false, last: error.last as T | undefined, lastError: error.lastError };
    throw error;
  }
}
