/** Tests of the Aave v3 parameter validator: defaults, JSON round trip, and each refusal's field. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { aaveParamsToJson, DEFAULT_AAVE_PARAMS, parseAaveParams } from './params.js';

const WETH = {
  ltvBps: 8000,
  liquidationThresholdBps: 8250,
  liquidationBonusBps: 10500,
  liquidationProtocolFeeBps: 1000,
};

function fieldOf(raw: unknown): string | undefined {
  try {
    parseAaveParams(raw);
  } catch (error) {
    if (error instanceof InvalidParameterError) return error.field;
    throw error;
  }
  return undefined;
}

describe('parseAaveParams', () => {
  test('default: JSON numbers and strings become bigints; borrowing on by default', () => {
    expect(parseAaveParams({ reserves: { WETH: { ...WETH, liquidationProtocolFeeBps: '1000' } } })).toEqual({
      reserves: {
        WETH: {
          ltvBps: 8_000n,
          liquidationThresholdBps: 8_250n,
          liquidationBonusBps: 10_500n,
          liquidationProtocolFeeBps: 1_000n,
          borrowingEnabled: true,
        },
      },
      eModeCategories: {},
    });
  });

  test('behavior: DEFAULT_AAVE_PARAMS is valid and survives a JSON round trip', () => {
    expect(parseAaveParams(DEFAULT_AAVE_PARAMS)).toEqual(DEFAULT_AAVE_PARAMS);
    expect(parseAaveParams(JSON.parse(JSON.stringify(aaveParamsToJson(DEFAULT_AAVE_PARAMS))))).toEqual(
      DEFAULT_AAVE_PARAMS,
    );
    // The test market of aave-v3-core: WETH LT 82.5 %, 5 % bonus, 10 % of it to the treasury.
    expect(DEFAULT_AAVE_PARAMS.reserves.WETH).toMatchObject({
      liquidationThresholdBps: 8_250n,
      liquidationBonusBps: 10_500n,
    });
  });

  test('behavior: a reserve that is not collateral (LT 0) needs bonus 0', () => {
    const raw = {
      reserves: {
        GHO: { ltvBps: 0, liquidationThresholdBps: 0, liquidationBonusBps: 0, liquidationProtocolFeeBps: 0 },
      },
    };
    expect(parseAaveParams(raw).reserves.GHO?.liquidationThresholdBps).toBe(0n);
  });

  test('behavior: eMode lists are deduplicated and sorted; id may be repeated inside', () => {
    const raw = {
      reserves: { WETH, wstETH: WETH },
      eModeCategories: {
        '1': {
          id: 1,
          ltvBps: 9300,
          liquidationThresholdBps: 9500,
          liquidationBonusBps: 10100,
          collateralAssets: ['wstETH', 'WETH', 'WETH'],
        },
      },
    };
    expect(parseAaveParams(raw).eModeCategories['1']).toMatchObject({
      id: 1,
      collateralAssets: ['WETH', 'wstETH'],
      borrowableAssets: [],
    });
  });

  const bad: ReadonlyArray<readonly [string, unknown, string]> = [
    [
      'LT above 100 %',
      { reserves: { WETH: { ...WETH, liquidationThresholdBps: 10_001 } } },
      'params.reserves.WETH.liquidationThresholdBps',
    ],
    [
      'bonus below 100 %',
      { reserves: { WETH: { ...WETH, liquidationBonusBps: 9_999 } } },
      'params.reserves.WETH.liquidationBonusBps',
    ],
    [
      'bonus exactly 100 %',
      { reserves: { WETH: { ...WETH, liquidationBonusBps: 10_000 } } },
      'params.reserves.WETH.liquidationBonusBps',
    ],
    ['LTV above LT', { reserves: { WETH: { ...WETH, ltvBps: 8_300 } } }, 'params.reserves.WETH.ltvBps'],
    [
      'protocol fee above 100 %',
      { reserves: { WETH: { ...WETH, liquidationProtocolFeeBps: 10_001 } } },
      'params.reserves.WETH.liquidationProtocolFeeBps',
    ],
    // 96 % × 105 % = 100.8 %: the bonus could not be paid.
    [
      'LT × bonus above 100 %',
      { reserves: { WETH: { ...WETH, liquidationThresholdBps: 9_600, ltvBps: 9_000 } } },
      'params.reserves.WETH.liquidationBonusBps',
    ],
    [
      'bonus with LT 0',
      { reserves: { WETH: { ...WETH, ltvBps: 0, liquidationThresholdBps: 0 } } },
      'params.reserves.WETH.liquidationBonusBps',
    ],
    ['negative LTV', { reserves: { WETH: { ...WETH, ltvBps: -1 } } }, 'params.reserves.WETH.ltvBps'],
    [
      'unknown reserve field',
      { reserves: { WETH: { ...WETH, supplyCap: 1 } } },
      'params.reserves.WETH.supplyCap',
    ],
    ['no reserves', { reserves: {} }, 'params.reserves'],
    ['reserves not an object', { reserves: [] }, 'params.reserves'],
    ['unknown top-level field', { reserves: { WETH }, closeFactor: 5000 }, 'params.closeFactor'],
    [
      'eMode id 0',
      {
        reserves: { WETH },
        eModeCategories: { '0': { ltvBps: 1, liquidationThresholdBps: 1, liquidationBonusBps: 10001 } },
      },
      'params.eModeCategories.0',
    ],
    [
      'eMode LT 0',
      {
        reserves: { WETH },
        eModeCategories: { '1': { ltvBps: 0, liquidationThresholdBps: 0, liquidationBonusBps: 0 } },
      },
      'params.eModeCategories.1.liquidationThresholdBps',
    ],
    [
      'eMode LTV above LT',
      {
        reserves: { WETH },
        eModeCategories: { '1': { ltvBps: 9600, liquidationThresholdBps: 9500, liquidationBonusBps: 10100 } },
      },
      'params.eModeCategories.1.ltvBps',
    ],
    [
      'eMode asset not a reserve',
      {
        reserves: { WETH },
        eModeCategories: {
          '1': {
            ltvBps: 9300,
            liquidationThresholdBps: 9500,
            liquidationBonusBps: 10100,
            collateralAssets: ['stETH'],
          },
        },
      },
      'params.eModeCategories.1.collateralAssets[0]',
    ],
    [
      'eMode id field disagrees with its key',
      {
        reserves: { WETH },
        eModeCategories: {
          '1': { id: 2, ltvBps: 9300, liquidationThresholdBps: 9500, liquidationBonusBps: 10100 },
        },
      },
      'params.eModeCategories.1.id',
    ],
  ];
  for (const [name, raw, field] of bad) {
    test(`error: ${name}`, () => {
      expect(() => parseAaveParams(raw)).toThrow(InvalidParameterError);
      expect(fieldOf(raw)).toBe(field);
    });
  }

  test('error: not an object', () => {
    expect(() => parseAaveParams(null)).toThrow(InvalidParameterError);
    expect(fieldOf('x')).toBe('params');
  });
});
