// Query-string validation for the workload endpoints. Each parameter states its type and range once, as
// a zod schema: the same statement validates the value, explains a rejection ("integer from 1 to 10000")
// and describes the parameter in the OpenAPI document (/openapi.json).
import { z } from 'zod';
import { invalidParameters, type InvalidParam } from './problem.ts';

export interface IntParam {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly description: string;
  /** The value's rule: an integer in [min, max], `default` when absent. */
  readonly schema: z.ZodDefault<z.ZodInt>;
}

export const intParam = (min: number, max: number, fallback: number, description: string): IntParam => {
  const value = Math.min(Math.max(fallback, min), max);
  return {
    kind: 'int',
    min,
    max,
    default: value,
    description,
    schema: z.int().min(min).max(max).default(value).describe(description),
  };
};

export type Spec = Record<string, IntParam>;
type Parsed<S extends Spec> = { [K in keyof S]: number };

const INTEGER = /^[+-]?\d{1,16}$/;

/** Validates `query` against `spec`: unknown names, repeats, non-integers and out-of-range values all fail. */
export function parseQuery<S extends Spec>(query: unknown, spec: S): Parsed<S> {
  const input = (query ?? {}) as Record<string, unknown>;
  const errors: InvalidParam[] = [];
  const out: Record<string, number> = {};
  const names = Object.keys(spec);

  for (const name of Object.keys(input)) {
    if (!(name in spec)) {
      errors.push({
        parameter: name,
        detail: 'unknown parameter',
        allowed: names.length ? `one of: ${names.join(', ')}` : 'no parameters',
      });
    }
  }
  for (const [name, p] of Object.entries(spec)) {
    const allowed = `integer from ${p.min} to ${p.max}`;
    const raw = input[name];
    if (raw === undefined) {
      out[name] = p.default;
      continue;
    }
    if (typeof raw !== 'string') {
      errors.push({ parameter: name, detail: 'must be given once, as a single value', allowed });
      continue;
    }
    const value = INTEGER.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value)) {
      errors.push({
        parameter: name,
        detail: `must be an integer, got ${JSON.stringify(raw.slice(0, 64))}`,
        allowed,
      });
    } else if (!p.schema.safeParse(value).success) {
      errors.push({ parameter: name, detail: `out of range: ${value}`, allowed });
    } else {
      out[name] = value;
    }
  }
  if (errors.length) throw invalidParameters(errors);
  return out as Parsed<S>;
}
