// The one polling helper: a value ends the wait, errors are "not yet", a reason aborts, a deadline throws.
import { describe, expect, it } from 'vitest';
import { eventually, poll, PollTimeout, settle } from '../../harness/poll.ts';

describe('poll', () => {
  it('returns the first value that is not undefined, treating errors as "not yet"', async () => {
    let calls = 0;
    const value = await poll(
      () => {
        calls++;
        if (calls === 1) throw new Error('not listening');
        return calls === 3 ? 'ready' : undefined;
      },
      { what: 'thing', timeoutMs: 5000, intervalMs: 1 },
    );
    expect([value, calls]).toEqual(['ready', 3]);
  });

  it('stops at once with the abort reason', async () => {
    await expect(
      poll(() => undefined, { what: 'app ready', timeoutMs: 5000, abortIf: () => 'process exited with 1' }),
    ).rejects.toThrow('app ready: process exited with 1');
  });

  it('throws PollTimeout naming what and the last error when the deadline passes', async () => {
    const failing = poll(
      () => {
        throw new Error('connection refused');
      },
      { what: 'health', timeoutMs: 20, intervalMs: 5 },
    );
    await expect(failing).rejects.toBeInstanceOf(PollTimeout);
    await expect(failing).rejects.toThrow('health: not reached within 20 ms; last error: connection refused');
  });
});

describe('eventually and settle', () => {
  it('eventually names the last value it saw', async () => {
    await expect(
      eventually(
        'count',
        () => Promise.resolve(3),
        (v) => v === 4,
        10,
      ),
    ).rejects.toThrow('count: not reached within 10 ms; last value 3');
  });

  it('settle reports a shortfall instead of throwing', async () => {
    expect(
      await settle(
        () => Promise.resolve(7),
        (v) => v > 10,
        10,
      ),
    ).toEqual({
      reached: false,
      last: 7,
      lastError: undefined,
    });
    expect(
      await settle(
        () => Promise.resolve(11),
        (v) => v > 10,
        10,
      ),
    ).toMatchObject({ reached: true, last: 11 });
  });
});
