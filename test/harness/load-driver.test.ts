// The load driver's reading of every request's record: Go's net/http failure wordings sorted into
// timeouts, resets and other, as vegeta writes them into its results.
import { describe, expect, it } from 'vitest';
import { transportCause } from '../../harness/load-driver.ts';

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
