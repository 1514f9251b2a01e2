/**
 * Readers for the parameter objects of perpetuals protocol models (`configure {params}`): unknown
 * keys, bounded integers and the list of markets, each refusal naming the offending field.
 */
import { InvalidParameterError } from '../errors.js';
import { rejectUnknownKeys } from '../fields.js';

/** Refuses a setting the reader does not know (see rejectUnknownKeys in engine/fields.ts). */
export const rejectUnknownSettings = rejectUnknownKeys;

/**
 * `r[key]` as an integer within [min, max]: a bigint, a safe-integer number or a string of
 * decimal digits with an optional leading minus (no trailing `n`, no fraction, no spaces).
 * @param path the field path errors name.
 * @throws InvalidParameterError when it is missing, not such an integer, or out of bounds.
 */
export function readIntegerSetting(
  r: Readonly<Record<string, unknown>>,
  key: string,
  path: string,
  min: bigint,
  max: bigint,
): bigint {
  const v = r[key];
  let out: bigint;
  if (typeof v === 'bigint') out = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) out = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) out = BigInt(v);
  else
    throw new InvalidParameterError(
      path,
      `expected an integer, got ${v === undefined ? 'nothing' : JSON.stringify(String(v))}`,
    );
  if (out < min || out > max)
    throw new InvalidParameterError(path, `expected an integer in [${min}, ${max}], got ${out}`);
  return out;
}

/**
 * Parses `raw`, a non-empty list of markets, each with `parse(item, '<path>.<i>')`, and refuses a
 * market id given twice.
 * @param path the list's field path (e.g. `params.markets`).
 * @throws InvalidParameterError naming the list, or `<path>.<i>.market` for a duplicate; whatever
 *   `parse` throws.
 */
export function parseUniqueMarkets<M extends { readonly market: string }>(
  raw: unknown,
  path: string,
  parse: (item: unknown, itemPath: string) => M,
): M[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidParameterError(path, 'expected a non-empty list of markets');
  }
  const markets = raw.map((m: unknown, i) => parse(m, `${path}.${i}`));
  const seen = new Set<string>();
  for (const [i, m] of markets.entries()) {
    if (seen.has(m.market)) throw new InvalidParameterError(`${path}.${i}.market`, `duplicate ${m.market}`);
    seen.add(m.market);
  }
  return markets;
}
