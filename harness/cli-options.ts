// Option parsers shared by every command-line program of the project (the compare command, the load
// test runner, the VM, the benchmarks), for commander: a bad value stops the program before it does
// anything, with a message naming the option and what it accepts.
import { type Command, InvalidArgumentError, Option } from 'commander';

/** A positive whole number (a rate, a count, a port). */
export const positiveInt = (name: string) => (raw: string) => {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError(`${name} must be a positive whole number, got "${raw}"`);
  return n;
};

/** 0 or a positive whole number (0 usually means "off"). */
export const wholeOrZero = (name: string) => (raw: string) => {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`${name} must be 0 or a positive whole number, got "${raw}"`);
  return n;
};

/** A positive number, fractions allowed (seconds, a CPU count). */
export const positiveNumber = (name: string) => (raw: string) => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`${name} must be a positive number, got "${raw}"`);
  return n;
};

/** Positive whole numbers separated by commas, returned sorted and without repeats. */
export const positiveIntList = (name: string) => (raw: string) => {
  const values = raw.split(',').map((x) => Number(x.trim()));
  if (!values.length || values.some((r) => !Number.isSafeInteger(r) || r <= 0))
    throw new InvalidArgumentError(
      `${name} must be positive whole numbers separated by commas, got "${raw}"`,
    );
  return [...new Set(values)].sort((a, b) => a - b);
};

/** An http(s) URL, without a trailing slash. */
export const httpUrl = (name: string) => (raw: string) => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InvalidArgumentError(`${name} must be a URL, got "${raw}"`);
  }
  if (!/^https?:$/.test(u.protocol))
    throw new InvalidArgumentError(`${name} must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
};

/** What `withRoundOptions` adds, parsed. */
export interface RoundOptions {
  readonly minRounds: number;
  readonly maxRounds: number;
  readonly ciWidth: number;
}

/**
 * The options of a benchmark that repeats interleaved rounds until its ratios' 95 % intervals are
 * narrow enough (harness/stats.ts `enoughRounds`).
 */
export function withRoundOptions(command: Command, defaultMaxRounds: number): Command {
  return command
    .addOption(
      new Option('--min-rounds <n>', 'rounds before the intervals are looked at')
        .default(6)
        .argParser(positiveInt('--min-rounds')),
    )
    .addOption(
      new Option('--max-rounds <n>', 'give up narrowing the intervals after this many rounds')
        .default(defaultMaxRounds)
        .argParser(positiveInt('--max-rounds')),
    )
    .addOption(
      new Option('--ci-width <w>', 'widest acceptable 95 % interval of a ratio')
        .default(0.1)
        .argParser(positiveNumber('--ci-width')),
    );
}
