/**
 * Tests of the perps margin calculus: hand-derived tables for tiered requirements, value and PnL
 * rounding, pending funding, account margin (cross and isolated), leverage, and the least size to
 * close toward a target. Scales: USDC 6 decimals, sizes in 0.001 ETH, prices ×1e8, so
 * value = size·price / 1e5 USDC units.
 */
import { describe, expect, test } from 'vitest';
import { Rounding } from '../../math/mulDiv.js';
import { InvalidParameterError } from '../errors.js';
import {
  accountMargin,
  isLiquidatable,
  leverageWad,
  liquidatableScopes,
  marginRequirementQuote,
  notionalQuote,
  pendingFundingQuote,
  sizeToCloseForTarget,
  unrealizedPnlQuote,
  validateMarginTiers,
  valueQuote,
} from './margin.js';
import { price8, testMarket, testView, usdcUnits } from './testkit.js';
import type { MarginTier } from './types.js';

const market = testMarket();
const tiers = market.marginTiers;

describe('marginRequirementQuote', () => {
  test('default: tier table (10 %/5 % up to 50,000; 20 %/10 % − 2,500 above)', () => {
    const rows: [bigint, bigint, bigint][] = [
      // notional, IM, MM (USDC units)
      [0n, 0n, 0n],
      [1n, 1n, 1n], // ceil(0.1), ceil(0.05)
      [usdcUnits(20_000), usdcUnits(2_000), usdcUnits(1_000)],
      [usdcUnits(50_000), usdcUnits(5_000), usdcUnits(2_500)], // the cap is inclusive
      // 50,000.000001: tier 2, IM ceil(10,000,000,000.2), MM ceil(5,000,000,000.1) − 2,500,000,000
      [usdcUnits(50_000) + 1n, 10_000_000_001n, 2_500_000_001n],
      [usdcUnits(100_000), usdcUnits(20_000), usdcUnits(7_500)],
    ];
    for (const [notional, im, mm] of rows) {
      expect(marginRequirementQuote(notional, tiers, 'initial')).toBe(im);
      expect(marginRequirementQuote(notional, tiers, 'maintenance')).toBe(mm);
    }
  });

  test('behavior: a deduction larger than the gross margin floors at 0', () => {
    const t: MarginTier[] = [
      {
        upToNotionalQuote: null,
        initialMarginPpm: 100_000n,
        maintenanceMarginPpm: 10_000n,
        maintenanceDeductionQuote: 100n,
      },
    ];
    expect(marginRequirementQuote(500n, t, 'maintenance')).toBe(0n); // 5 − 100
    expect(marginRequirementQuote(20_000n, t, 'maintenance')).toBe(100n); // 200 − 100
  });

  test('error: no tiers', () => {
    expect(() => marginRequirementQuote(1n, [], 'initial')).toThrow(InvalidParameterError);
  });
});

describe('validateMarginTiers', () => {
  test('default: the test tiers are valid', () => {
    expect(() => validateMarginTiers(tiers, 't')).not.toThrow();
  });

  test('error: each broken rule names its field', () => {
    const t1 = tiers[0]!;
    const t2 = tiers[1]!;
    const cases: [MarginTier[], string][] = [
      [[], 't'],
      [[t1], 't.0.upToNotionalQuote'],
      [[{ ...t2, maintenanceMarginPpm: 300_000n }], 't.0.maintenanceMarginPpm'],
      [[{ ...t2, initialMarginPpm: 0n }], 't.0.initialMarginPpm'],
      [[t1, { ...t2, maintenanceDeductionQuote: usdcUnits(3_000) }], 't.1.maintenanceDeductionQuote'],
      [[t1, { ...t1, upToNotionalQuote: usdcUnits(40_000) }, t2], 't.1.upToNotionalQuote'],
      [[t1, { ...t2, maintenanceMarginPpm: 40_000n, maintenanceDeductionQuote: 0n }], 't.1'],
    ];
    for (const [bad, field] of cases) {
      expect(() => validateMarginTiers(bad, 't')).toThrow(InvalidParameterError);
      try {
        validateMarginTiers(bad, 't');
      } catch (e) {
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});

describe('valueQuote / notionalQuote / unrealizedPnlQuote', () => {
  const odd = 123_456_789_012n; // 1234.56789012
  test('default: exact values', () => {
    // 10 ETH at 2000 = 20,000 USDC.
    expect(valueQuote(10_000n, price8(2_000), market, Rounding.Down)).toBe(usdcUnits(20_000));
    expect(notionalQuote(-10_000n, price8(2_000), market)).toBe(usdcUnits(20_000));
    expect(
      unrealizedPnlQuote(
        { sizeBase: 1_000n, entryQuote: usdcUnits(2_000), fundingIndexSettled: 0n, marginMode: 'cross' },
        price8(2_000),
        market,
      ),
    ).toBe(0n);
  });

  test('behavior: PnL rounds toward −∞ on both sides, notional rounds up', () => {
    // 0.001 ETH at 1234.56789012 = 1.23456789012 USDC.
    const long = {
      sizeBase: 1n,
      entryQuote: 1_000_000n,
      fundingIndexSettled: 0n,
      marginMode: 'cross' as const,
    };
    const short = { ...long, sizeBase: -1n, entryQuote: -1_000_000n };
    expect(unrealizedPnlQuote(long, odd, market)).toBe(234_567n); // 1,234,567.89012 → 1,234,567
    expect(unrealizedPnlQuote(short, odd, market)).toBe(-234_568n); // −1,234,567.89012 → −1,234,568
    expect(notionalQuote(-1n, odd, market)).toBe(1_234_568n);
    expect(valueQuote(1n, odd, market, Rounding.Up)).toBe(1_234_568n);
  });
});

describe('pendingFundingQuote', () => {
  test('default: owed rounds toward +∞ for payers and receivers', () => {
    const view = testView({
      positions: [
        { account: 'l', sizeBase: 3n, entryQuote: 0n },
        { account: 's', sizeBase: -3n, entryQuote: 0n },
      ],
    });
    const m = {
      ...view.book.markets['ETH-PERP']!,
      fundingIndexLong: 7n * 10n ** 17n,
      fundingIndexShort: 7n * 10n ** 17n,
    };
    expect(pendingFundingQuote(m.positions.get('l')!, m)).toBe(3n); // 2.1 → 3 (pays)
    expect(pendingFundingQuote(m.positions.get('s')!, m)).toBe(-2n); // −2.1 → −2 (receives)
  });
});

describe('accountMargin', () => {
  const btc = testMarket({ market: 'BTC-PERP', oracleAsset: 'BTC' });
  const view = testView({
    markets: [testMarket(), btc],
    positions: [
      { account: 'a', sizeBase: 10_000n, entryQuote: usdcUnits(20_174) },
      {
        account: 'a',
        market: 'BTC-PERP',
        sizeBase: -1_000n,
        entryQuote: -usdcUnits(30_000),
        marginMode: 'isolated',
      },
    ],
    balances: { 'acct:a': 2_489_913_000n, 'iso:a:BTC-PERP': usdcUnits(2_000) },
  });
  const marks = { 'ETH-PERP': price8(1_800), 'BTC-PERP': price8(31_000) };

  test('default: cross and isolated scopes', () => {
    const m = accountMargin(view, 'a', marks);
    // Cross: 2489.913 + 18,000 − 20,174 = 315.913 vs IM 1,800 / MM 900.
    expect(m).toMatchObject({
      collateralQuote: 2_489_913_000n,
      unrealizedPnlQuote: -usdcUnits(2_174),
      equityQuote: 315_913_000n,
      notionalQuote: usdcUnits(18_000),
      initialQuote: usdcUnits(1_800),
      maintenanceQuote: usdcUnits(900),
    });
    // Isolated short 1 BTC from 30,000 at 31,000: 2,000 − 1,000 = 1,000 vs IM 3,100 / MM 1,550.
    expect(m.isolated['BTC-PERP']).toMatchObject({
      equityQuote: usdcUnits(1_000),
      maintenanceQuote: usdcUnits(1_550),
    });
    expect(isLiquidatable(m)).toBe(true);
    expect(liquidatableScopes(m)).toEqual(['cross', 'BTC-PERP']);
  });

  test('error: a missing mark names the market', () => {
    expect(() => accountMargin(view, 'a', { 'ETH-PERP': price8(1) })).toThrow(InvalidParameterError);
  });
});

describe('leverageWad', () => {
  test('default: notional / equity, rounded up; null when equity ≤ 0', () => {
    expect(leverageWad(usdcUnits(20_000), usdcUnits(2_000))).toBe(10n * 10n ** 18n);
    expect(leverageWad(usdcUnits(20_000), usdcUnits(3_000))).toBe(6_666_666_666_666_666_667n);
    expect(leverageWad(1n, 0n)).toBeNull();
  });
});

describe('sizeToCloseForTarget', () => {
  // Long 10 ETH from 20,174 with 2489.913 at 1800: equity 315.913, MM 900 (5 %).
  const view = testView({
    positions: [{ account: 'a', sizeBase: 10_000n, entryQuote: usdcUnits(20_174) }],
    balances: { 'acct:a': 2_489_913_000n },
  });
  const marks = { 'ETH-PERP': price8(1_800) };

  test('default: back to maintenance at the mark', () => {
    // 315.913 ≥ 90·(10 − x) → x ≥ 6.48985… → 6.490 (rest 3.51 ETH: MM 315.9 ≤ 315.913; 6.489 fails).
    expect(sizeToCloseForTarget(view, 'a', 'ETH-PERP', { marks, targetRatioPpm: 1_000_000n })).toBe(6_490n);
  });

  test('behavior: closing cost, buffer and target ratio', () => {
    // 315.913 − 18x ≥ 900 − 90x → x ≥ 8.11232… → 8.113.
    expect(
      sizeToCloseForTarget(view, 'a', 'ETH-PERP', {
        marks,
        targetRatioPpm: 1_000_000n,
        closingCostPpm: 10_000n,
      }),
    ).toBe(8_113n);
    // 2 % buffer: 315.913 ≥ 126·(10 − x) → x ≥ 7.49276… → 7.493.
    expect(
      sizeToCloseForTarget(view, 'a', 'ETH-PERP', { marks, targetRatioPpm: 1_000_000n, bufferPpm: 20_000n }),
    ).toBe(7_493n);
    // 150 %: 315.913 ≥ 135·(10 − x) → x ≥ 7.65990… → 7.660.
    expect(sizeToCloseForTarget(view, 'a', 'ETH-PERP', { marks, targetRatioPpm: 1_500_000n })).toBe(7_660n);
    // Healthy at 2000 (equity 2315.913 ≥ 1000): nothing.
    expect(
      sizeToCloseForTarget(view, 'a', 'ETH-PERP', {
        marks: { 'ETH-PERP': price8(2_000) },
        targetRatioPpm: 1_000_000n,
      }),
    ).toBe(0n);
    // Bankrupt at 1700 (equity −684.087): everything.
    expect(
      sizeToCloseForTarget(view, 'a', 'ETH-PERP', {
        marks: { 'ETH-PERP': price8(1_700) },
        targetRatioPpm: 1_000_000n,
      }),
    ).toBe(10_000n);
    // No position: nothing.
    expect(sizeToCloseForTarget(view, 'b', 'ETH-PERP', { marks, targetRatioPpm: 1_000_000n })).toBe(0n);
  });
});
