/**
 * Readers for command and config fields. Each returns a typed value or throws an
 * InvalidParameterError that names the field, so bad input never reaches the math.
 */
import { InvalidParameterError } from './errors.js';
import type { PriceReading } from './oracle.js';

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

// ---------------------------------------------------------------------------------------------
// Shapes the protocol parameter readers share

/**
 * Refuses a key of `record` that is not in `known` (a misspelt setting must not pass silently).
 * @param path dotted prefix of the record (`params`); the error names `<path>.<key>`.
 * @throws InvalidParameterError on the first unknown key, listing the known ones in its hint.
 */
export function rejectUnknownKeys(
  record: Readonly<Record<string, unknown>>,
  known: readonly string[],
  path: string,
): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new InvalidParameterError(
        `${path}.${key}`,
        'is not a known setting',
        `Known: ${known.join(', ')}.`,
      );
    }
  }
}

/** One entry of a per-asset table read by {@link readKeyedEntries}. */
export interface KeyedEntry {
  /** The entry's id (the object key, or the entry's own id field in the array form). */
  readonly id: string;
  /** The entry as given (not yet checked beyond its id). */
  readonly raw: unknown;
  /** Dotted path of the entry for errors (`params.assets.WETH` or `params.assets.0`). */
  readonly path: string;
}

/**
 * Reads a per-asset table given either as an object keyed by id (key order kept) or as an array
 * of entries that carry their id in `idKey` (the parsed, JSON-friendly form, so a parser that
 * uses this accepts its own output). Entries are returned in order and not otherwise checked:
 * reserved ids, duplicates (possible only in the array form) and the entries' fields are the
 * caller's.
 * @param path dotted path of the table (`params.assets`).
 * @param idKey the id field of an array entry (default `asset`).
 * @throws InvalidParameterError naming the table when it is neither an object nor an array, an
 *   array entry that is not an object, or an array entry without a non-empty string id.
 */
export function readKeyedEntries(raw: unknown, path: string, idKey = 'asset'): KeyedEntry[] {
  const out: KeyedEntry[] = [];
  if (Array.isArray(raw)) {
    for (const [i, entry] of (raw as readonly unknown[]).entries()) {
      const e = readObject(entry, `${path}.${i}`);
      out.push({ id: readString(e, idKey, `${path}.${i}.${idKey}`), raw: entry, path: `${path}.${i}` });
    }
    return out;
  }
  for (const [id, entry] of Object.entries(readObject(raw, path))) {
    out.push({ id, raw: entry, path: `${path}.${id}` });
  }
  return out;
}

/**
 * Refuses an entry whose own id field names another id than the one it is filed under
 * (`{ WETH: { asset: 'WBTC', ... } }`). An absent id field is fine.
 * @param path dotted path of the entry; the error names `<path>.<idKey>`.
 * @throws InvalidParameterError on a mismatch.
 */
export function requireEntryId(
  entry: Readonly<Record<string, unknown>>,
  id: string,
  path: string,
  idKey = 'asset',
): void {
  const named = entry[idKey];
  if (named !== undefined && named !== id) {
    throw new InvalidParameterError(`${path}.${idKey}`, `names ${String(named)} inside the entry of ${id}`);
  }
}

/** Decimals a protocol supports for a token, for {@link requireTokenDecimals}. */
export interface DecimalsRule {
  /** Fewest decimals allowed (inclusive); default no lower limit (listing already refuses < 0). */
  readonly min?: number;
  /** Most decimals allowed (inclusive); default no limit. */
  readonly max?: number;
  /** The protocol's rule in words, after "<asset> has <n> decimals; " (e.g. "LLAMMA takes at most 18"). */
  readonly rule: string;
}

/**
 * Checks a listed token's decimals against what a protocol supports.
 * @param path the parameter that names the token (`params.baseAsset`).
 * @param asset engine asset id; @param decimals its listed decimals.
 * @throws InvalidParameterError (`path`: "<asset> has <n> decimals; <rule>") outside the range.
 */
export function requireTokenDecimals(
  path: string,
  asset: string,
  decimals: number,
  rule: DecimalsRule,
): void {
  if ((rule.min !== undefined && decimals < rule.min) || (rule.max !== undefined && decimals > rule.max)) {
    throw new InvalidParameterError(path, `${asset} has ${decimals} decimals; ${rule.rule}`);
  }
}

/**
 * A flat record of bigints and strings as JSON-friendly strings (bigints as decimal strings),
 * which the readers above accept back. Absent (undefined) values are left out.
 * @param keys the keys to write, in this order (default: the record's own keys in order).
 */
export function stringifyFields(
  record: Readonly<Record<string, bigint | string | undefined>>,
  keys: readonly string[] = Object.keys(record),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = record[key];
    if (value !== undefined) out[key] = value.toString();
  }
  return out;
}

/** The price scale a protocol reads an oracle in, for {@link priceInDecimals}. */
export interface PriceDecimalsRule {
  /** Decimals the protocol's price feed answers in (8 for USD·1e8). */
  readonly priceDecimals: number;
  /** The error's words given the oracle's decimals (e.g. `Aave reads prices in USD·1e8, got …`). */
  readonly explain: (gotDecimals: number) => string;
}

/**
 * The price of an oracle reading when the asset's oracle publishes in the decimals the protocol
 * reads (no silent rescaling: a feed at another scale is a configuration error).
 * @param reading the engine oracle's reading of `asset` (spot, TWAP or delayed).
 * @returns the reading's price, scaled by 10^rule.priceDecimals (not checked for sign).
 * @throws InvalidParameterError (`oracle.<asset>.priceDecimals`) when the decimals differ.
 */
export function priceInDecimals(reading: PriceReading, asset: string, rule: PriceDecimalsRule): bigint {
  if (reading.priceDecimals !== rule.priceDecimals) {
    throw new InvalidParameterError(
      `oracle.${asset}.priceDecimals`,
      rule.explain(reading.priceDecimals),
      `Configure the asset oracle with priceDecimals ${rule.priceDecimals}.`,
    );
  }
  return reading.price;
}
