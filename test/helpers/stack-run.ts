// The compose stack for one end-to-end test file: started (with the VM booting beside it, where the file
// asks for it) before the file's tests, torn down after them, and checked to leave nothing behind.
// Each file gets a stack of its own (its own compose project and ports): no file depends on another.
import { join } from 'node:path';
import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, expect } from 'vitest';
import type { AppProcess } from '../../app/test/helpers/app-process.ts';
import {
  announceLeftOut,
  downStack,
  leftovers,
  RUNNABLE_SERVICES,
  stackUnavailable,
  startStack,
  TARGETS_DIR,
} from './stack.ts';
import { Vm, vmImage, vmUnavailable } from './vm.ts';

export interface StackRun {
  /** Why the stack cannot run here (the file's tests skip, loudly), or undefined. */
  readonly skip: string | undefined;
  /** Why the VM cannot run here, or undefined (only where the file asked for the VM). */
  readonly noVm: string | undefined;
  vm: Vm | undefined;
  /** A host process of the app the file started; stopped with the stack. */
  native: AppProcess | undefined;
}

export function useStack(options: { vm?: boolean } = {}): StackRun {
  const skip = stackUnavailable();
  const run: StackRun = {
    skip,
    noVm: options.vm ? (skip ?? vmUnavailable()) : 'not asked for',
    vm: undefined,
    native: undefined,
  };
  let stack: StartedDockerComposeEnvironment | undefined;

  beforeAll(async () => {
    if (skip) return;
    announceLeftOut();
    // The VM boots (tens of seconds under emulation) while the stack starts.
    if (options.vm && !run.noVm) run.vm = new Vm(vmImage(), join(TARGETS_DIR, 'vm-console.log'));
    const t0 = performance.now();
    stack = await startStack();
    console.log(
      `stack (${RUNNABLE_SERVICES.join(', ')}) up and healthy in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 300_000);

  afterAll(async () => {
    if (skip) return;
    run.native?.child.kill('SIGTERM');
    run.vm?.stop();
    // testcontainers removes what it started; a start that failed half-way leaves the rest to compose.
    if (stack) await stack.down({ removeVolumes: true, timeout: 10_000 });
    else downStack();
    expect(leftovers(), 'containers, networks or volumes left behind').toEqual([]);
  }, 120_000);

  return run;
}
