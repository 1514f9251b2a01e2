/**
 * Tests of the Book → perps positions mapping: notional from the collateral, one short in four,
 * margin at the lending account's distance to liquidation, the initial-margin floor, skips.
 * Expected margins derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import type { Book } from '../book.js';
import {
  PERPS_HEDGE_EVERY,
  PERPS_HEDGE_RATIO,
  PERPS_SHORT_EVERY,
  perpsBookPlan,
  perpsHedgePlan,
} from './perpsBook.js';

const rates = () => ({ initial: 0.04, maintenance: 0.02 });

/** Four accounts of 3 ETH at $2000 ($6000) with $2000 of debt: collateral ratio 3. */
function book(debtUsd = 2000, n = 4): Book {
  return {
    description: 'test',
    accounts: Array.from({ length: n }, (_, i) => ({
      id: `a${i}`,
      collateral: [{ asset: 'ETH', amountWhole: 3 }],
      debtUsd,
    })),
  };
}

describe('perpsBookPlan', () => {
  test('default: notional = collateral value, every fourth short, margin at the same distance', () => {
    // r = 6000 / 2000 = 3 → the lending account is liquidated after a fall d = 1 − 1.5/3 = 0.5.
    // Long: M = 6000·(1 − 0.5·0.98) = 3060; short: M = 6000·(0.5 + 0.02·1.5) = 3180.
    const plan = perpsBookPlan(book(), { priceUsd: 2000, rates, openingCost: 0.001 });
    expect(plan.positions.map((p) => p.side)).toEqual(['long', 'long', 'long', 'short']);
    expect(PERPS_SHORT_EVERY).toBe(4);
    for (const p of plan.positions) {
      expect(p.notionalUsd).toBeCloseTo(6000, 9);
      expect(p.collateralRatio).toBeCloseTo(3, 12);
      expect(p.distanceToLiquidation).toBeCloseTo(0.5, 12);
      expect(p.marginUsd).toBeCloseTo(p.side === 'long' ? 3060 : 3180, 9);
      expect(p.clamped).toBe(false);
    }
    expect(plan.longUsd).toBeCloseTo(18_000, 9);
    expect(plan.shortUsd).toBeCloseTo(6000, 9);
    expect(plan.skipped).toEqual([]);
  });

  test('behavior: the long reaches maintenance exactly after the fall d', () => {
    for (const debt of [2500, 3200, 3900]) {
      const p = perpsBookPlan(book(debt, 1), { priceUsd: 2000, rates, openingCost: 0 }).positions[0]!;
      const d = p.distanceToLiquidation;
      // equity after the fall / notional after the fall = maintenance rate.
      expect((p.marginUsd - p.notionalUsd * d) / (p.notionalUsd * (1 - d))).toBeCloseTo(0.02, 12);
    }
  });

  test('behavior: below the initial margin the margin is raised to it (clamped); no debt is 1x', () => {
    // r = 6000 / 4000 = 1.5: d = 0 → wanted M = 6000·0.02 = 120 < 6000·(0.04·1.1 + 0.001) = 270.
    const tight = perpsBookPlan(book(4000, 1), { priceUsd: 2000, rates, openingCost: 0.001 }).positions[0]!;
    expect(tight.clamped).toBe(true);
    expect(tight.marginUsd).toBeCloseTo(270, 9);
    // No debt: d = 1, a long holds its whole notional; a short 6000·(1 + 0.02·2) = 6240.
    const free = perpsBookPlan(book(0, 4), { priceUsd: 2000, rates, openingCost: 0.001 }).positions;
    expect(free[0]?.marginUsd).toBeCloseTo(6000, 9);
    expect(free[3]?.marginUsd).toBeCloseTo(6240, 9);
    expect(free[0]?.collateralRatio).toBe(Number.POSITIVE_INFINITY);
  });

  test('error: accounts without ETH or with none are skipped with the reason, not thrown', () => {
    const odd: Book = {
      description: 'test',
      accounts: [
        { id: 'btc', collateral: [{ asset: 'WBTC', amountWhole: 1 }], debtUsd: 10 },
        { id: 'zero', collateral: [{ asset: 'ETH', amountWhole: 0 }], debtUsd: 10 },
      ],
    };
    const plan = perpsBookPlan(odd, { priceUsd: 2000, rates, openingCost: 0 });
    expect(plan.positions).toEqual([]);
    expect(plan.skipped.map((s) => [s.account, s.reason])).toEqual([
      ['btc', 'unsupported-collateral'],
      ['zero', 'zero-collateral'],
    ]);
  });
});

describe('perpsHedgePlan', () => {
  const hedges = [
    { market: 'ETH-B', rates: () => ({ initial: 0.04, maintenance: 0.02 }), openingCost: 0.005 },
    { market: 'BTC', rates: () => ({ initial: 0.1, maintenance: 0.05 }), openingCost: 0.005 },
  ];

  test('default: every second account hedges half its notional on the other side, markets in turn', () => {
    // Accounts 1 and 3 (long, short) hedge $3,000: short on ETH-B, then long on BTC. Margin added:
    // 3,000·(0.04·1.1 + 0.005) = 147 and 3,000·(0.1·1.1 + 0.005) = 345.
    const plan = perpsBookPlan(book(), { priceUsd: 2000, rates, openingCost: 0.001 });
    const hedged = perpsHedgePlan(plan, hedges);
    expect(PERPS_HEDGE_EVERY).toBe(2);
    expect(PERPS_HEDGE_RATIO).toBe(0.5);
    expect(hedged.positions.map((p) => p.hedge?.market)).toEqual([undefined, 'ETH-B', undefined, 'BTC']);
    expect(hedged.positions[1]?.hedge).toMatchObject({ side: 'short', notionalUsd: 3000 });
    expect(hedged.positions[3]?.hedge).toMatchObject({ side: 'long', notionalUsd: 3000 });
    expect(hedged.positions[1]!.hedge!.marginUsd).toBeCloseTo(147, 9);
    expect(hedged.positions[3]!.hedge!.marginUsd).toBeCloseTo(345, 9);
    expect(hedged.positions[1]!.marginUsd).toBeCloseTo(3060 + 147, 9);
    expect(hedged.positions[3]!.marginUsd).toBeCloseTo(3180 + 345, 9);
    expect(hedged.positions[0]).toEqual(plan.positions[0]);
    // Totals: longs 18,000 + 3,000 (BTC), shorts 6,000 + 3,000 (ETH-B).
    expect(hedged.longUsd).toBeCloseTo(21_000, 9);
    expect(hedged.shortUsd).toBeCloseTo(9_000, 9);
  });

  test('behavior: without hedge markets the plan is unchanged (the same object)', () => {
    const plan = perpsBookPlan(book(), { priceUsd: 2000, rates, openingCost: 0.001 });
    expect(perpsHedgePlan(plan, [])).toBe(plan);
  });
});
