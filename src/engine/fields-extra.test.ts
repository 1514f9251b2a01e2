import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from './errors.js';
import {
  priceInDecimals,
  readKeyedEntries,
  rejectUnknownKeys,
  requireEntryId,
  requireTokenDecimals,
  stringifyFields,
} from './fields.js';
import type { PriceReading } from './oracle.js';

/** The InvalidParameterError `run` throws (fails the test when it throws none or another). */
function errorOf(run: () => unknown): InvalidParameterError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return e as InvalidParameterError;
  }
  return expect.unreachable('expected an InvalidParameterError');
}

/** The field an InvalidParameterError names. */
const fieldOf = (run: () => unknown): string => errorOf(run).field;

describe('rejectUnknownKeys', () => {
  test('default: known keys (and a subset of them) pass', () => {
    expect(() => rejectUnknownKeys({ a: 1, b: 2 }, ['a', 'b', 'c'], 'params')).not.toThrow();
    expect(() => rejectUnknownKeys({}, ['a'], 'params')).not.toThrow();
  });
  test('error: an unknown key is named under the path', () => {
    expect(() => rejectUnknownKeys({ a: 1, typo: 2 }, ['a'], 'params')).toThrow(InvalidParameterError);
    expect(fieldOf(() => rejectUnknownKeys({ a: 1, typo: 2 }, ['a'], 'params.assets.WETH'))).toBe(
      'params.assets.WETH.typo',
    );
  });
});

describe('readKeyedEntries', () => {
  test('default: an object keyed by id keeps its key order', () => {
    const weth = { factor: 1 };
    const wbtc = { factor: 2 };
    expect(readKeyedEntries({ WETH: weth, WBTC: wbtc }, 'params.assets')).toEqual([
      { id: 'WETH', raw: weth, path: 'params.assets.WETH' },
      { id: 'WBTC', raw: wbtc, path: 'params.assets.WBTC' },
    ]);
  });
  test('behavior: the array form reads each id from the entry and paths by index', () => {
    const a = { asset: 'WETH', factor: 1 };
    const b = { asset: 'WETH', factor: 2 };
    // Duplicates are the caller's to refuse: both entries come back.
    expect(readKeyedEntries([a, b], 'params.collaterals')).toEqual([
      { id: 'WETH', raw: a, path: 'params.collaterals.0' },
      { id: 'WETH', raw: b, path: 'params.collaterals.1' },
    ]);
  });
  test('behavior: another id key can be named', () => {
    expect(readKeyedEntries([{ ilk: 'ETH-A' }], 'params.ilks', 'ilk')[0]?.id).toBe('ETH-A');
  });
  test('error: neither an object nor an array, a non-object entry, a missing id', () => {
    expect(fieldOf(() => readKeyedEntries('WETH', 'params.assets'))).toBe('params.assets');
    expect(fieldOf(() => readKeyedEntries(undefined, 'params.assets'))).toBe('params.assets');
    expect(fieldOf(() => readKeyedEntries([{ asset: 'A' }, 7], 'params.assets'))).toBe('params.assets.1');
    expect(fieldOf(() => readKeyedEntries([{ factor: 1 }], 'params.assets'))).toBe('params.assets.0.asset');
    expect(fieldOf(() => readKeyedEntries([{ asset: '' }], 'params.assets'))).toBe('params.assets.0.asset');
  });
});

describe('requireEntryId', () => {
  test('default: no id field, or the same id, passes', () => {
    expect(() => requireEntryId({ factor: 1 }, 'WETH', 'params.assets.WETH')).not.toThrow();
    expect(() => requireEntryId({ asset: 'WETH' }, 'WETH', 'params.assets.WETH')).not.toThrow();
  });
  test('error: an entry filed under one id that names another', () => {
    expect(fieldOf(() => requireEntryId({ asset: 'WBTC' }, 'WETH', 'params.assets.WETH'))).toBe(
      'params.assets.WETH.asset',
    );
    expect(fieldOf(() => requireEntryId({ ilk: 'ETH-B' }, 'ETH-A', 'params.ilks.ETH-A', 'ilk'))).toBe(
      'params.ilks.ETH-A.ilk',
    );
  });
});

describe('requireTokenDecimals', () => {
  test('default: the bounds are inclusive', () => {
    const rule = { min: 6, max: 18, rule: 'needs 6 to 18' };
    expect(() => requireTokenDecimals('params.baseAsset', 'USDC', 6, rule)).not.toThrow();
    expect(() => requireTokenDecimals('params.baseAsset', 'DAI', 18, rule)).not.toThrow();
    expect(() =>
      requireTokenDecimals('params.collateralAsset', 'X', 0, { max: 18, rule: 'at most 18' }),
    ).not.toThrow();
  });
  test('error: below the minimum or above the maximum names the parameter and the rule', () => {
    const rule = { min: 6, max: 18, rule: 'needs 6 to 18' };
    expect(fieldOf(() => requireTokenDecimals('params.baseAsset', 'WBTC', 5, rule))).toBe('params.baseAsset');
    expect(() => requireTokenDecimals('params.baseAsset', 'X', 19, rule)).toThrow(InvalidParameterError);
    expect(() => requireTokenDecimals('p', 'X', 17, { min: 18, max: 18, rule: 'exactly 18' })).toThrow(
      InvalidParameterError,
    );
    const e = errorOf(() =>
      requireTokenDecimals('params.stablecoin', 'crvUSD', 6, { min: 18, max: 18, rule: 'exactly 18' }),
    );
    expect(e.message).toContain('crvUSD has 6 decimals; exactly 18');
  });
});

describe('stringifyFields', () => {
  test('default: bigints become decimal strings, strings stay, absent values are left out', () => {
    expect(stringifyFields({ a: 10n ** 20n, b: 'x', c: undefined, d: -3n })).toEqual({
      a: '100000000000000000000',
      b: 'x',
      d: '-3',
    });
  });
  test('behavior: `keys` chooses which keys are written and their order', () => {
    const out = stringifyFields({ a: 1n, b: 2n, extra: 'e' }, ['b', 'a']);
    expect(out).toEqual({ b: '2', a: '1' });
    expect(Object.keys(out)).toEqual(['b', 'a']);
  });
});

describe('priceInDecimals', () => {
  const reading = (price: bigint, priceDecimals: number): PriceReading => ({
    price,
    priceDecimals,
    observedAtSeconds: 0,
    freshSources: 1,
  });
  const usd8 = { priceDecimals: 8, explain: (d: number) => `reads USD·1e8, got ${d}` };
  test('default: the price of a reading at the expected decimals, unchanged', () => {
    expect(priceInDecimals(reading(2_000n * 10n ** 8n, 8), 'WETH', usd8)).toBe(200_000_000_000n);
    // Not checked for sign: that refusal is the protocol's own (Comet BadPrice, ...).
    expect(priceInDecimals(reading(0n, 8), 'WETH', usd8)).toBe(0n);
  });
  test('error: another scale is refused, naming the asset oracle, never rescaled', () => {
    expect(fieldOf(() => priceInDecimals(reading(2_000n * 10n ** 18n, 18), 'WETH', usd8))).toBe(
      'oracle.WETH.priceDecimals',
    );
    expect(errorOf(() => priceInDecimals(reading(1n, 6), 'USDC', usd8)).message).toContain(
      'reads USD·1e8, got 6',
    );
  });
});
