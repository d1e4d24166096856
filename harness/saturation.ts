// The highest constant arrival rate a copy of the app sustains: after a discarded warm-up at the start
// rate (a cold process compiles its code on the event loop, and one refusal in a step counts as
// saturated), rates rise by `factor` until a run drops or fails requests (results.ts isSaturated),
// then `bisect` halving steps between the last good and the first bad rate. A step judged saturated is
// run once more and counts only if that run is saturated too: a lone refusal far below capacity (one
// of 452 at 113 req/s, seen once) otherwise ended a search at a quarter of the real rate. Used by the
// overhead and soak benchmarks and the overload test.
import type { MixEntry } from '../loadtests/lib/mix.ts';
import { attack, type AttackOptions, type LoadResult } from './load-driver.ts';
import { isSaturated } from '../scripts/compare/results.ts';

export interface SaturationOptions {
  readonly vegeta: string;
  readonly baseUrl: string;
  readonly mix: readonly MixEntry[];
  readonly startRate: number;
  readonly factor?: number;
  readonly stepSeconds?: number;
  readonly bisect?: number;
  /** Seconds of load at the start rate before the search, not judged; default one step. */
  readonly warmupSeconds?: number;
  readonly maxWorkers: number;
  readonly maxRate?: number;
  /** Repeat a step judged saturated, and believe it only when the repeat agrees (default true). */
  readonly confirm?: boolean;
  /** The load driver; vegeta's `attack` unless a test gives a model of an app. */
  readonly attack?: (o: AttackOptions) => Promise<LoadResult>;
  /** Called after every step; `repeat` is true for the confirming run of a step judged saturated. */
  readonly log?: (rate: number, result: LoadResult, saturated: boolean, repeat: boolean) => void;
}

export interface Saturation {
  /** Highest rate sustained; 0 when even the start rate was too much. */
  readonly sustained: number;
  /** Lowest rate that saturated; undefined when maxRate was reached first. */
  readonly saturatedAt: number | undefined;
}

export async function findSaturation(o: SaturationOptions): Promise<Saturation> {
  const load = (rate: number, durationSeconds: number) =>
    (o.attack ?? attack)({
      vegeta: o.vegeta,
      baseUrl: o.baseUrl,
      mix: o.mix,
      rate,
      durationSeconds,
      maxWorkers: o.maxWorkers,
      timeoutSeconds: 10,
    });
  const warmup = o.warmupSeconds ?? o.stepSeconds ?? 5;
  if (warmup > 0) await load(o.startRate, warmup);
  const once = async (rate: number, repeat: boolean) => {
    const result = await load(rate, o.stepSeconds ?? 5);
    const saturated = isSaturated(result);
    o.log?.(rate, result, saturated, repeat);
    return saturated;
  };
  const run = async (rate: number) =>
    (await once(rate, false)) && (o.confirm === false || (await once(rate, true)));
  let sustained = 0;
  let saturatedAt: number | undefined;
  for (let rate = o.startRate; rate <= (o.maxRate ?? Infinity); rate = Math.ceil(rate * (o.factor ?? 1.5))) {
    if (await run(rate)) {
      saturatedAt = rate;
      break;
    }
    sustained = rate;
  }
  for (let i = 0; i < (o.bisect ?? 2) && saturatedAt !== undefined && saturatedAt - sustained > 1; i++) {
    const mid = Math.round((sustained + saturatedAt) / 2);
    if (await run(mid)) saturatedAt = mid;
    else sustained = mid;
  }
  return { sustained, saturatedAt };
}

/**
 * The most an instance can keep serving, as a share of its capacity S, when offered `factor`×S and
 * every request it does not serve still costs `refusalUs` of CPU: with admitted work filling one CPU at
 * S, g/S + (factor·S − g)·c ≤ 1, so g ≤ S·(1 − factor·S·c)/(1 − S·c). No admission rule inside the
 * process beats it (bench/refusal.ts measures c; docs/reliability.md). S is the capacity, not what
 * findSaturation returns: that search stops at the first refusals, below it.
 */
export function refusalGoodputBound(capacity: number, refusalUs: number, factor: number): number {
  if (!(capacity > 0 && refusalUs >= 0 && factor >= 1))
    throw new RangeError(
      `refusalGoodputBound: needs capacity > 0, refusalUs ≥ 0, factor ≥ 1 (got ${capacity}, ${refusalUs}, ${factor})`,
    );
  const sc = capacity * refusalUs * 1e-6;
  if (sc >= 1) return 0; // a refusal costs as much as serving: nothing is left
  return Math.max(0, (1 - factor * sc) / (1 - sc));
}
