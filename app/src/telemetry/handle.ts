// The preloaded SDK hands its handle to the app through this slot. It lives on globalThis so that the
// preload (--import) and the app agree even if a bundler or loader duplicates this module.
import type { TelemetryHandle } from './sdk.ts';

const SLOT = Symbol.for('cloud-benchmark.telemetry');
type Slot = { [SLOT]?: TelemetryHandle };

export function setTelemetry(handle: TelemetryHandle): void {
  (globalThis as Slot)[SLOT] = handle;
}

export function getTelemetry(): TelemetryHandle | undefined {
  return (globalThis as Slot)[SLOT];
}
