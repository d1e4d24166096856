// The load driver's reading of every request's record: Go's net/http failure wordings sorted into
// timeouts, resets and other, as vegeta writes them into its results; its send times, and from them how
// many requests were in flight at once.
import { describe, expect, it } from 'vitest';
import { epochMicros, peakOverlap, transportCause } from '../../harness/load-driver.ts';

describe('transportCause', () => {
  it.each([
    [
      'Get "http://127.0.0.1:8080/api/json": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
      'timeouts',
    ],
    ['Get "http://127.0.0.1:8080/api/json": dial tcp 127.0.0.1:8080: i/o timeout', 'timeouts'],
    [
      'Post "http://127.0.0.1:8080/api/echo": read tcp 127.0.0.1:5000->127.0.0.1:8080: read: connection reset by peer',
      'resets',
    ],
    ['Post "http://127.0.0.1:8080/api/echo": http: server closed idle connection', 'resets'],
    ['Get "http://127.0.0.1:8080/api/json": EOF', 'resets'],
    ['Get "http://127.0.0.1:8080/api/json": dial tcp 127.0.0.1:8080: connect: connection refused', 'other'],
  ])('%s → %s', (error, cause) => {
    expect(transportCause(error)).toBe(cause);
  });
});

describe('epochMicros', () => {
  it('keeps the microseconds that Date.parse drops, in any offset', () => {
    expect(epochMicros('2026-12-03T15:39:06.758048408Z')).toBe(
      Date.UTC(2026, 11, 3, 15, 39, 6, 758) * 1000 + 48,
    );
    expect(epochMicros('2026-12-03T16:39:06.7580484+01:00')).toBe(epochMicros('2026-12-03T15:39:06.758048Z'));
    expect(epochMicros('2026-12-03T15:39:06Z')).toBe(Date.UTC(2026, 11, 3, 15, 39, 6) * 1000);
  });

  it('refuses what is not a time, naming it', () => {
    expect(() => epochMicros('yesterday')).toThrow('not an RFC 3339 time: "yesterday"');
  });
});

describe('peakOverlap', () => {
  it('counts the most intervals open at once; one ending as another starts does not overlap it', () => {
    // [0,10) [10,20) [5,15) [6,7): at 6 three are open.
    expect(peakOverlap(Float64Array.of(0, 10, 5, 6), Float64Array.of(10, 20, 15, 7))).toBe(3);
    expect(peakOverlap(Float64Array.of(0, 10), Float64Array.of(10, 20))).toBe(1);
    expect(peakOverlap(new Float64Array(0), new Float64Array(0))).toBe(0);
  });
});
