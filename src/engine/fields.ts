/**
 * Readers for command and config fields. Each returns a typed value or throws an
 * InvalidParameterError that names the field, so bad input never reaches the math.
 */
import { InvalidParameterError } from './errors.js';

const INTEGER = /^-?\d+$/;

/** Reads an object field (`path` names it in errors). */
export function readObject(value: unknown, path: string): Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParameterError(path, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Reads a non-empty string field. */
export function readString(obj: Readonly<Record<string, unknown>>, key: string, path = key): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0) {
    throw new InvalidParameterError(path, `expected a non-empty string, got ${describe(v)}`);
  }
  return v;
}

/** Reads an optional string field. */
export function readOptionalString(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  path = key,
): string | undefined {
  return obj[key] === undefined ? undefined : readString(obj, key, path);
}

/** Options of {@link readBigint}. */
export interface BigintBounds {
  /** Smallest value allowed (inclusive); default 0. */
  readonly min?: bigint;
  /** Largest value allowed (inclusive). */
  readonly max?: bigint;
  /** Words for the error, e.g. "a WAD ≥ 1e18 (chop ≥ 1)". */
  readonly expect?: string;
}

/**
 * Reads an integer field given as a bigint, a safe-integer number or a decimal integer string.
 * Default bounds: ≥ 0.
 */
export function readBigint(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  path = key,
  bounds: BigintBounds = {},
): bigint {
  const v = obj[key];
  let out: bigint;
  if (typeof v === 'bigint') out = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) out = BigInt(v);
  else if (typeof v === 'string' && INTEGER.test(v)) out = BigInt(v);
  else throw new InvalidParameterError(path, `expected an integer, got ${describe(v)}`);
  const lo = bounds.min ?? 0n;
  if (out < lo || (bounds.max !== undefined && out > bounds.max)) {
    const range = bounds.expect ?? `an integer in [${lo}, ${bounds.max ?? '∞'})`;
    throw new InvalidParameterError(path, `expected ${range}, got ${out}`);
  }
  return out;
}

/** Reads an optional integer field; `fallback` when absent. */
export function readBigintOr(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  fallback: bigint,
  path = key,
  bounds: BigintBounds = {},
): bigint {
  return obj[key] === undefined ? fallback : readBigint(obj, key, path, bounds);
}

/** Reads a whole-number field (seconds, counts, decimals) as a JS number within bounds. */
export function readInt(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  path = key,
  bounds: { readonly min?: number; readonly max?: number } = {},
): number {
  const v = obj[key];
  const n = typeof v === 'string' && INTEGER.test(v) ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new InvalidParameterError(path, `expected a whole number, got ${describe(v)}`);
  }
  const lo = bounds.min ?? 0;
  if (n < lo || (bounds.max !== undefined && n > bounds.max)) {
    throw new InvalidParameterError(
      path,
      `expected a whole number in [${lo}, ${bounds.max ?? '∞'}], got ${n}`,
    );
  }
  return n;
}

/** Reads an optional whole-number field; `fallback` when absent. */
export function readIntOr(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  fallback: number,
  path = key,
  bounds: { readonly min?: number; readonly max?: number } = {},
): number {
  return obj[key] === undefined ? fallback : readInt(obj, key, path, bounds);
}

/** Reads a boolean field. */
export function readBoolean(obj: Readonly<Record<string, unknown>>, key: string, path = key): boolean {
  const v = obj[key];
  if (typeof v !== 'boolean')
    throw new InvalidParameterError(path, `expected true or false, got ${describe(v)}`);
  return v;
}

/** Reads one of a fixed set of strings. */
export function readEnum<T extends string>(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  allowed: readonly T[],
  path = key,
): T {
  const v = obj[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InvalidParameterError(path, `expected one of ${allowed.join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
