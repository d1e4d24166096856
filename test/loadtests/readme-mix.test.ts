// The README documents the default request mix once; it must say what loadtests/lib/mix.ts sends.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUEST_MIX } from '../../loadtests/lib/mix.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

function readmeMix(): { weight: number; request: string }[] {
  const section = readme.split('\n### Default request mix\n')[1]?.split('\n#')[0] ?? '';
  return [...section.matchAll(/^\| (\d+) +\| `([^`]+)` +\|$/gm)].map((m) => ({
    weight: Number(m[1]),
    request: m[2]!,
  }));
}

describe('the README’s default request mix', () => {
  it('lists exactly the requests and weights of loadtests/lib/mix.ts', () => {
    const expected = REQUEST_MIX.map((e) => ({
      weight: e.weight,
      request: `${e.method} ${e.route}${e.query ? `?${e.query}` : ''}`,
    }));
    expect(readmeMix()).toEqual(expected);
  });

  it('adds up to 100', () => {
    expect(readmeMix().reduce((sum, e) => sum + e.weight, 0)).toBe(100);
  });
});
