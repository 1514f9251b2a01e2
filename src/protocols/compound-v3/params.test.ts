/** Tests of the Comet parameter validator, the defaults and the market Comet derives from them. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { buildMarket, DEFAULT_COMPOUND_PARAMS, parseCompoundParams } from './params.js';

const E18 = 10n ** 18n;
const raw = () => ({
  baseAsset: 'USDC',
  governor: 'gov',
  storeFrontPriceFactor: '500000000000000000',
  targetReserves: 5_000_000_000_000,
  baseBorrowMin: '100000000',
  assets: {
    WETH: {
      borrowCollateralFactor: '825000000000000000',
      liquidateCollateralFactor: '895000000000000000',
      liquidationFactor: '950000000000000000',
    },
  },
});

/** The InvalidParameterError's field (fails the test when something else is thrown). */
function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidParameterError);
    return (error as InvalidParameterError).field;
  }
  throw new Error('expected an InvalidParameterError');
}

describe('parseCompoundParams', () => {
  test('default: JSON-style input becomes bigints; the defaults parse to themselves', () => {
    const p = parseCompoundParams(raw());
    expect(p.storeFrontPriceFactor).toBe(E18 / 2n);
    expect(p.targetReserves).toBe(5_000_000n * 10n ** 6n);
    expect(p.assets).toEqual([
      {
        asset: 'WETH',
        borrowCollateralFactor: 825n * 10n ** 15n,
        liquidateCollateralFactor: 895n * 10n ** 15n,
        liquidationFactor: 950n * 10n ** 15n,
      },
    ]);
    expect(parseCompoundParams(DEFAULT_COMPOUND_PARAMS)).toEqual(DEFAULT_COMPOUND_PARAMS);
  });

  test('behavior: defaults are cUSDCv3 at launch (mechanisms.md §3)', () => {
    const d = DEFAULT_COMPOUND_PARAMS;
    expect([d.baseAsset, d.storeFrontPriceFactor, d.targetReserves, d.baseBorrowMin]).toEqual([
      'USDC',
      5n * 10n ** 17n,
      5_000_000_000_000n,
      100_000_000n,
    ]);
    const factors = Object.fromEntries(
      d.assets.map((a) => [
        a.asset,
        [a.borrowCollateralFactor, a.liquidateCollateralFactor, a.liquidationFactor],
      ]),
    );
    expect(factors).toEqual({
      WETH: [825n * 10n ** 15n, 895n * 10n ** 15n, 950n * 10n ** 15n],
      WBTC: [700n * 10n ** 15n, 770n * 10n ** 15n, 950n * 10n ** 15n],
      COMP: [650n * 10n ** 15n, 700n * 10n ** 15n, 930n * 10n ** 15n],
    });
  });

  test('error: each invalid parameter names its field', () => {
    const withAsset = (patch: Record<string, unknown>) => ({
      ...raw(),
      assets: { WETH: { ...raw().assets.WETH, ...patch } },
    });
    // liquidateCF ≤ borrowCF (Comet BorrowCFTooLarge)
    expect(
      fieldOf(() => parseCompoundParams(withAsset({ liquidateCollateralFactor: '825000000000000000' }))),
    ).toBe('params.assets.WETH.borrowCollateralFactor');
    // equal once 4 decimals are kept: 0.80001 vs 0.80009
    expect(
      fieldOf(() =>
        parseCompoundParams(
          withAsset({
            borrowCollateralFactor: '800010000000000000',
            liquidateCollateralFactor: '800090000000000000',
          }),
        ),
      ),
    ).toBe('params.assets.WETH.borrowCollateralFactor');
    // a factor above 1 (Comet LiquidateCFTooLarge; liquidationFactor likewise)
    expect(
      fieldOf(() => parseCompoundParams(withAsset({ liquidateCollateralFactor: '1000000000000000001' }))),
    ).toBe('params.assets.WETH.liquidateCollateralFactor');
    expect(fieldOf(() => parseCompoundParams(withAsset({ liquidationFactor: '1000000000000000001' })))).toBe(
      'params.assets.WETH.liquidationFactor',
    );
    // storeFrontPriceFactor > 1 (Comet BadDiscount)
    expect(
      fieldOf(() => parseCompoundParams({ ...raw(), storeFrontPriceFactor: '1000000000000000001' })),
    ).toBe('params.storeFrontPriceFactor');
    expect(fieldOf(() => parseCompoundParams({ ...raw(), targetReserves: -1 }))).toBe(
      'params.targetReserves',
    );
    expect(fieldOf(() => parseCompoundParams({ ...raw(), colour: 'blue' }))).toBe('params.colour');
    expect(fieldOf(() => parseCompoundParams(withAsset({ ltv: 1 })))).toBe('params.assets.WETH.ltv');
    expect(fieldOf(() => parseCompoundParams({ ...raw(), assets: { USDC: raw().assets.WETH } }))).toBe(
      'params.assets.USDC',
    );
    const many = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`A${i}`, raw().assets.WETH]));
    expect(fieldOf(() => parseCompoundParams({ ...raw(), assets: many }))).toBe('params.assets'); // TooManyAssets
    expect(fieldOf(() => parseCompoundParams(null))).toBe('params');
  });
});

describe('buildMarket', () => {
  test('default: scales from decimals, factors kept with 4 decimals', () => {
    const params = parseCompoundParams({
      ...raw(),
      assets: {
        WETH: {
          ...raw().assets.WETH,
          liquidateCollateralFactor: '895000000012345678',
          supplyCap: '1500000000000000000',
        },
      },
    });
    const market = buildMarket(params, (a) => (a === 'USDC' ? 6 : 18));
    expect(market.baseScale).toBe(10n ** 6n);
    expect(market.assets).toEqual([
      {
        asset: 'WETH',
        offset: 0,
        scale: E18,
        borrowCollateralFactor: 825n * 10n ** 15n,
        liquidateCollateralFactor: 895n * 10n ** 15n,
        liquidationFactor: 950n * 10n ** 15n,
        supplyCap: E18, // 1.5 WETH kept as whole tokens: 1
      },
    ]);
  });
  test('error: a base token outside 6..18 decimals (Comet BadDecimals)', () => {
    const params = parseCompoundParams(raw());
    expect(fieldOf(() => buildMarket(params, (a) => (a === 'USDC' ? 19 : 18)))).toBe('params.baseAsset');
    expect(fieldOf(() => buildMarket(params, (a) => (a === 'USDC' ? 5 : 18)))).toBe('params.baseAsset');
  });
});
