/** Tests of the Euler parameter validator, its defaults and its JSON form. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { DEFAULT_EULER_PARAMS, eulerParamsToJson, parseEulerParams } from './params.js';

function fieldOf(raw: unknown): string | undefined {
  try {
    parseEulerParams(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParameterError);
    return (error as InvalidParameterError).field;
  }
  return undefined;
}

describe('parseEulerParams', () => {
  test('default: the Prime USDC vault defaults parse to themselves, also from JSON', () => {
    expect(parseEulerParams(DEFAULT_EULER_PARAMS)).toEqual(DEFAULT_EULER_PARAMS);
    const json = JSON.parse(JSON.stringify(eulerParamsToJson(DEFAULT_EULER_PARAMS)));
    expect(parseEulerParams(json)).toEqual(DEFAULT_EULER_PARAMS);
    // 15 % max discount, 1 s cool-off, WETH 83 % / 85 % (spread 2 %).
    expect(DEFAULT_EULER_PARAMS.maxLiquidationDiscountBps).toBe(1_500n);
    expect(DEFAULT_EULER_PARAMS.collaterals.WETH).toEqual({
      borrowLtvBps: 8_300n,
      liquidationLtvBps: 8_500n,
    });
  });

  test('behavior: collaterals may be an array of entries with an asset field', () => {
    const parsed = parseEulerParams({
      ...eulerParamsToJson(DEFAULT_EULER_PARAMS),
      collaterals: [{ asset: 'WETH', borrowLtvBps: 8000, liquidationLtvBps: '8500' }],
    });
    expect(parsed.collaterals).toEqual({ WETH: { borrowLtvBps: 8_000n, liquidationLtvBps: 8_500n } });
  });

  test('error: each refusal names its field', () => {
    const base = eulerParamsToJson(DEFAULT_EULER_PARAMS);
    const c = (entry: unknown) => ({ ...base, collaterals: { WETH: entry } });
    expect(fieldOf(null)).toBe('params');
    expect(fieldOf({ ...base, extra: 1 })).toBe('params.extra');
    expect(fieldOf({ ...base, asset: '' })).toBe('params.asset');
    expect(fieldOf({ ...base, maxLiquidationDiscountBps: '10000' })).toBe('params.maxLiquidationDiscountBps');
    expect(fieldOf({ ...base, liquidationCoolOffSeconds: 65_536 })).toBe('params.liquidationCoolOffSeconds');
    expect(fieldOf({ ...base, dontSocializeDebt: 'no' })).toBe('params.dontSocializeDebt');
    expect(fieldOf({ ...base, unitOfAccountDecimals: 37 })).toBe('params.unitOfAccountDecimals');
    expect(fieldOf(c({ borrowLtvBps: 9_000, liquidationLtvBps: 8_500 }))).toBe(
      'params.collaterals.WETH.borrowLtvBps',
    );
    expect(fieldOf(c({ borrowLtvBps: 9_000, liquidationLtvBps: 10_001 }))).toBe(
      'params.collaterals.WETH.liquidationLtvBps',
    );
    expect(fieldOf(c({ borrowLtvBps: 1, liquidationLtvBps: 2, bonus: 3 }))).toBe(
      'params.collaterals.WETH.bonus',
    );
    expect(fieldOf({ ...base, collaterals: { USDC: { borrowLtvBps: 1, liquidationLtvBps: 2 } } })).toBe(
      'params.collaterals.USDC',
    );
    expect(
      fieldOf({
        ...base,
        collaterals: [
          { asset: 'WETH', borrowLtvBps: 1, liquidationLtvBps: 2 },
          { asset: 'WETH', borrowLtvBps: 1, liquidationLtvBps: 2 },
        ],
      }),
    ).toBe('params.collaterals.1');
  });
});
