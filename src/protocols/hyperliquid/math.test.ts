/** Hyperliquid formulas against hand-derived values from the docs' definitions. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import {
  adlSortKey,
  isolatedMarginAvailable,
  liquidationOrderSizeBase,
  liquidationPrice,
  liquidationTriggers,
  liquidationTriggersQuote,
  maintenanceMarginRate,
  maintenanceMarginRatePpm,
} from './math.js';
import { addR, mulR, rational, subR } from './rational.js';

describe('maintenanceMarginRate', () => {
  test('default: half the initial margin at max leverage (docs: 1 % at 50x … 16.7 % at 3x)', () => {
    expect(maintenanceMarginRate(rational(50n))).toEqual(rational(1n, 100n));
    expect(maintenanceMarginRate(rational(40n))).toEqual(rational(1n, 80n));
    expect(maintenanceMarginRate(rational(3n))).toEqual(rational(1n, 6n));
    expect(maintenanceMarginRatePpm(50n)).toBe(10_000n);
    expect(maintenanceMarginRatePpm(40n)).toBe(12_500n);
    expect(maintenanceMarginRatePpm(3n)).toBe(166_667n); // ceil of 166,666.67
  });
  test('error: non-positive leverage', () => {
    expect(() => maintenanceMarginRate(rational(0n))).toThrow(InvalidParameterError);
    expect(() => maintenanceMarginRatePpm(0n)).toThrow(InvalidParameterError);
  });
});

describe('liquidationPrice', () => {
  test('default: equity equals maintenance margin at the liquidation price', () => {
    for (const side of [1n, -1n] as const) {
      const price = rational(100_000n);
      const size = rational(3n, 2n);
      const l = rational(1n, 80n);
      const isolatedMargin = rational(9_000n);
      const available = isolatedMarginAvailable({
        isolatedMargin,
        positionSize: size,
        price,
        maintenanceRate: l,
      });
      const liq = liquidationPrice({
        price,
        side,
        positionSize: size,
        marginAvailable: available,
        maintenanceRate: l,
      });
      // equity at liq = margin + side·size·(liq − price); MM at liq = size·liq·l
      const equity = addR(isolatedMargin, mulR(mulR(rational(side), size), subR(liq, price)));
      expect(equity).toEqual(mulR(mulR(size, liq), l));
    }
  });
  test('behavior: the vector numbers (40x, 1 BTC @ 100k, 10k margin)', () => {
    const args = {
      price: rational(100_000n),
      positionSize: rational(1n),
      marginAvailable: rational(8_750n),
      maintenanceRate: rational(1n, 80n),
    };
    expect(liquidationPrice({ ...args, side: 1n })).toEqual(rational(7_200_000n, 79n));
    expect(liquidationPrice({ ...args, side: -1n })).toEqual(rational(8_800_000n, 81n));
  });
  test('error: zero size or l·side = 1', () => {
    const args = { price: rational(1n), marginAvailable: rational(1n), side: 1n as const };
    expect(() =>
      liquidationPrice({ ...args, positionSize: rational(0n), maintenanceRate: rational(1n, 2n) }),
    ).toThrow(InvalidParameterError);
    expect(() =>
      liquidationPrice({ ...args, positionSize: rational(1n), maintenanceRate: rational(1n) }),
    ).toThrow(InvalidParameterError);
  });
});

describe('liquidationTriggers', () => {
  test('default: strict below MM and below ⅔ MM', () => {
    expect(liquidationTriggers(rational(800n), rational(1_250n))).toEqual({
      orderbookLiquidation: true,
      backstopLiquidation: true,
    });
    expect(liquidationTriggers(rational(1_000n), rational(1_250n))).toEqual({
      orderbookLiquidation: true,
      backstopLiquidation: false,
    });
    expect(liquidationTriggers(rational(2_500n, 3n), rational(1_250n))).toEqual({
      orderbookLiquidation: true,
      backstopLiquidation: false,
    });
    expect(liquidationTriggersQuote(833n, 1_250n)).toEqual({
      orderbookLiquidation: true,
      backstopLiquidation: true,
    });
    expect(liquidationTriggersQuote(834n, 1_251n)).toEqual({
      orderbookLiquidation: true,
      backstopLiquidation: false,
    });
    expect(liquidationTriggersQuote(1_250n, 1_250n)).toEqual({
      orderbookLiquidation: false,
      backstopLiquidation: false,
    });
  });
});

describe('liquidationOrderSizeBase', () => {
  const threshold = 100_000_000_000n; // $100k at 6 decimals
  test('default: whole position at or below $100k, 20 % above', () => {
    expect(
      liquidationOrderSizeBase({
        sizeBase: 10n,
        notionalQuote: threshold,
        thresholdQuote: threshold,
        inCooldown: false,
      }),
    ).toBe(10n);
    expect(
      liquidationOrderSizeBase({
        sizeBase: 10n,
        notionalQuote: threshold + 1n,
        thresholdQuote: threshold,
        inCooldown: false,
      }),
    ).toBe(2n);
    expect(
      liquidationOrderSizeBase({
        sizeBase: 11n,
        notionalQuote: threshold + 1n,
        thresholdQuote: threshold,
        inCooldown: false,
      }),
    ).toBe(3n); // ceil 2.2
  });
  test('behavior: the whole position during the cooldown; nothing for an empty position', () => {
    expect(
      liquidationOrderSizeBase({
        sizeBase: 10n,
        notionalQuote: 10n * threshold,
        thresholdQuote: threshold,
        inCooldown: true,
      }),
    ).toBe(10n);
    expect(
      liquidationOrderSizeBase({
        sizeBase: 0n,
        notionalQuote: 0n,
        thresholdQuote: threshold,
        inCooldown: false,
      }),
    ).toBe(0n);
  });
});

describe('adlSortKey', () => {
  test('default: (mark/entry)·(notional/accountValue) for longs, entry/mark for shorts', () => {
    expect(
      adlSortKey({
        side: 1n,
        markPrice: rational(120n),
        entryPrice: rational(100n),
        notional: rational(1_200n),
        accountValue: rational(300n),
      }),
    ).toEqual(rational(24n, 5n));
    expect(
      adlSortKey({
        side: -1n,
        markPrice: rational(80n),
        entryPrice: rational(100n),
        notional: rational(800n),
        accountValue: rational(400n),
      }),
    ).toEqual(rational(5n, 2n));
  });
  test('behavior: no key for a non-positive account value', () => {
    expect(
      adlSortKey({
        side: 1n,
        markPrice: rational(1n),
        entryPrice: rational(1n),
        notional: rational(1n),
        accountValue: rational(0n),
      }),
    ).toBeNull();
  });
});
