/**
 * Tests of the venues: an order book walked level by level (with the unfilled rest) and a
 * constant-product AMM, hand-derived fills with the rounding against the taker, the slippage in the
 * average price, and AMM re-pegging. Scales: sizes in 0.001 ETH, prices ×1e8, USDC 6 decimals.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { price8, testMarket, usdcUnits } from './testkit.js';
import type { AmmVenue, Venue } from './types.js';
import { quoteMarketClose, quoteMarketOrder, recenterAmm, validateVenue } from './venue.js';

const market = testMarket();
const book = market.venue;
const amm: AmmVenue = { kind: 'amm', baseReserve: 100_000n, quoteReserve: usdcUnits(200_000) };

describe('quoteMarketOrder', () => {
  test('default: a buy walks the asks (0.1 %, 0.5 %, 2 % above the reference)', () => {
    // 10 ETH at 2000: 2 @ 2002 + 5 @ 2010 + 3 @ 2040 = 20,174 USDC; average 2017.4.
    const q = quoteMarketOrder(book, 'buy', 10_000n, price8(2_000), market);
    expect(q).toEqual({
      filledBase: 10_000n,
      unfilledBase: 0n,
      quoteAmount: usdcUnits(20_174),
      averagePrice: 201_740_000_000n,
      venueAfter: { kind: 'book', levels: [{ priceOffsetPpm: 20_000n, sizeBase: 97_000n }] },
    });
  });

  test('behavior: what the book cannot fill stays unfilled', () => {
    // 107 ETH of bids: 2 @ 1998 + 5 @ 1990 + 100 @ 1960 = 209,946 USDC.
    const q = quoteMarketOrder(book, 'sell', 200_000n, price8(2_000), market);
    expect(q).toMatchObject({ filledBase: 107_000n, unfilledBase: 93_000n, quoteAmount: usdcUnits(209_946) });
    expect(q.venueAfter).toEqual({ kind: 'book', levels: [] });
  });

  test('behavior: rounding goes against the taker', () => {
    const ref = 123_456_789_012n; // 1234.56789012
    // Sell 0.001 at ref·0.999 = 1233.33332222988 → 1.23333332… USDC → 1,233,333 (floor).
    expect(quoteMarketOrder(book, 'sell', 1n, ref, market).quoteAmount).toBe(1_233_333n);
    // Buy 0.001 at ref·1.001 = 1235.80245801012 → 1.23580245… USDC → 1,235,803 (ceil).
    expect(quoteMarketOrder(book, 'buy', 1n, ref, market).quoteAmount).toBe(1_235_803n);
    expect(quoteMarketOrder(book, 'sell', 0n, ref, market)).toMatchObject({
      filledBase: 0n,
      averagePrice: null,
    });
  });

  test('behavior: a constant-product AMM (x = 100 ETH, y = 200,000 USDC, k = 2e16)', () => {
    // Sell 10 ETH: y' = ceil(2e16 / 110,000) = 181,818,181,819 → out 18,181.818181 (mid 2000 → avg 1818.18).
    const sell = quoteMarketOrder(amm, 'sell', 10_000n, price8(2_000), market);
    expect(sell).toMatchObject({
      filledBase: 10_000n,
      quoteAmount: 18_181_818_181n,
      averagePrice: 181_818_181_810n,
    });
    expect(sell.venueAfter).toEqual({ kind: 'amm', baseReserve: 110_000n, quoteReserve: 181_818_181_819n });
    // Buy 10 ETH: y' = ceil(2e16 / 90,000) = 222,222,222,223 → in 22,222.222223.
    expect(quoteMarketOrder(amm, 'buy', 10_000n, price8(2_000), market).quoteAmount).toBe(22_222_222_223n);
    // A buy of the whole reserve fills all but one unit: y' = 2e16.
    expect(quoteMarketOrder(amm, 'buy', 100_000n, price8(2_000), market)).toMatchObject({
      filledBase: 99_999n,
      unfilledBase: 1n,
      quoteAmount: 2n * 10n ** 16n - usdcUnits(200_000),
    });
  });

  test('error: negative size or non-positive reference price', () => {
    expect(() => quoteMarketOrder(book, 'buy', -1n, price8(1), market)).toThrow(InvalidParameterError);
    expect(() => quoteMarketOrder(book, 'buy', 1n, 0n, market)).toThrow(InvalidParameterError);
  });
});

describe('quoteMarketClose', () => {
  test('default: closing a long sells, closing a short buys', () => {
    expect(quoteMarketClose(book, 'long', 2_000n, price8(1_800), market).quoteAmount).toBe(3_596_400_000n); // 2 @ 1798.2
    expect(quoteMarketClose(book, 'short', 2_000n, price8(1_800), market).quoteAmount).toBe(3_603_600_000n); // 2 @ 1801.8
  });
});

describe('recenterAmm', () => {
  test('default: the quote reserve follows the reference price at the same base depth', () => {
    expect(recenterAmm(amm, price8(1_800), market)).toEqual({
      kind: 'amm',
      baseReserve: 100_000n,
      quoteReserve: usdcUnits(180_000),
    });
    expect(recenterAmm(book, price8(1_800), market)).toBe(book);
  });

  test('error: a pool too small for a quote reserve', () => {
    expect(() => recenterAmm({ kind: 'amm', baseReserve: 1n, quoteReserve: 1n }, 1n, market)).toThrow(
      InvalidParameterError,
    );
  });
});

describe('validateVenue', () => {
  test('default: valid venues pass', () => {
    expect(() => validateVenue(book, 'v')).not.toThrow();
    expect(() => validateVenue(amm, 'v')).not.toThrow();
  });

  test('error: each broken rule names its field', () => {
    const cases: [Venue, string][] = [
      [{ kind: 'book', levels: [] }, 'v.levels'],
      [
        {
          kind: 'book',
          levels: [
            { priceOffsetPpm: 5n, sizeBase: 1n },
            { priceOffsetPpm: 4n, sizeBase: 1n },
          ],
        },
        'v.levels.1.priceOffsetPpm',
      ],
      [{ kind: 'book', levels: [{ priceOffsetPpm: 1_000_000n, sizeBase: 1n }] }, 'v.levels.0.priceOffsetPpm'],
      [{ kind: 'book', levels: [{ priceOffsetPpm: 0n, sizeBase: 0n }] }, 'v.levels.0.sizeBase'],
      [{ kind: 'amm', baseReserve: 0n, quoteReserve: 1n }, 'v.baseReserve'],
      [{ kind: 'amm', baseReserve: 1n, quoteReserve: 0n }, 'v.quoteReserve'],
    ];
    for (const [venue, field] of cases) {
      let caught: unknown;
      try {
        validateVenue(venue, 'v');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InvalidParameterError);
      expect((caught as InvalidParameterError).field).toBe(field);
    }
  });
});
