// The option parsers every command-line program shares: what each accepts, and the exact refusal.
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  httpUrl,
  positiveInt,
  positiveIntList,
  positiveNumber,
  wholeOrZero,
} from '../../harness/cli-options.ts';

describe('option parsers', () => {
  it('accept what they promise', () => {
    expect(positiveInt('--n')('12')).toBe(12);
    expect(wholeOrZero('--n')('0')).toBe(0);
    expect(positiveNumber('--s')('0.5')).toBe(0.5);
    expect(positiveIntList('--rates')('20, 5,20')).toEqual([5, 20]);
    expect(httpUrl('--url')('http://127.0.0.1:8081/')).toBe('http://127.0.0.1:8081');
  });

  it.each([
    [() => positiveInt('--n')('0'), '--n must be a positive whole number, got "0"'],
    [() => positiveInt('--n')('1.5'), '--n must be a positive whole number, got "1.5"'],
    [() => positiveInt('--n')('1e3'), '--n must be a positive whole number, got "1e3"'],
    [() => positiveInt('--n')(''), '--n must be a positive whole number, got ""'],
    [() => wholeOrZero('--n')('-1'), '--n must be 0 or a positive whole number, got "-1"'],
    [() => positiveNumber('--s')('abc'), '--s must be a positive number, got "abc"'],
    [() => positiveNumber('--s')(' '), '--s must be a positive number, got " "'],
    [
      () => positiveIntList('--rates')('10,abc'),
      '--rates must be positive whole numbers separated by commas, got "10,abc"',
    ],
    [() => httpUrl('--url')('nope'), '--url must be a URL, got "nope"'],
    [() => httpUrl('--url')('ftp://x'), '--url must be an http(s) URL, got "ftp://x"'],
  ])('refuses with a message naming the option (%#)', (parse, message) => {
    expect(parse).toThrow(InvalidArgumentError);
    expect(parse).toThrow(message);
  });
});
