/**
 * Tests of the crvUSD book index on small hand-checked markets: the borrowers' totals over the book
 * only, the uncovered debt at and just below the price where a loan's collateral covers it
 * (ceil(short·1e18/y), derived by hand), and the health buckets while the oracle refuses.
 */
import { describe, expect, test } from 'vitest';
import { getSumXY } from '../../protocols/crvusd/amm.js';
import { crvusdMarket, E18, priceCommand, runAll } from '../../protocols/crvusd/testkit.js';
import { crvusdBookIndex, crvusdDeficit } from './crvusdIndex.js';

/** alice: 10 WETH for 10,000 crvUSD (10 bands); bob: 2 WETH for 1,000 crvUSD (4 bands); at $2000. */
function book() {
  return runAll(
    crvusdMarket(),
    [
      { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: 10_000n * E18, N: 10 },
      { type: 'createLoan', account: 'bob', collateral: 2n * E18, debt: 1_000n * E18, N: 4 },
      { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 1_000_000n * E18 },
    ],
    1,
  );
}

describe('crvusdBookIndex', () => {
  test('default: totals over the book; nothing uncovered at the market, everything at 0', () => {
    const s = book();
    const index = crvusdBookIndex(['alice', 'carol'], E18);
    // Only alice is in the book (carol has no loan): her 10 WETH and 10,000 crvUSD owed.
    expect(index.borrowerTotals(s)).toEqual({ collateral: 10n * E18, owed: 10_000n * E18 });
    expect(index.uncoveredDebt(s, 2000n * E18)).toBe(0n);
    // At a price of 0 no collateral counts: every loan's whole debt (x = 0 before any trade).
    expect(index.uncoveredDebt(s, 0n)).toBe(11_000n * E18);
    expect(crvusdDeficit(s)).toBe(0n);
    expect(index.healthCounts(s, 1).reduce((a, b) => a + b, 0)).toBe(1);
  });

  test('behavior: a loan is uncovered exactly below ceil(short·1e18/y)', () => {
    // A partial soft liquidation leaves alice with crvUSD and collateral.
    const s = runAll(book(), [priceCommand('WETH', 1100n), { type: 'arbitrage', arbitrageur: 'arb' }], 60);
    const m = s.ext.market;
    if (m === null) throw new Error('not configured');
    const { x, y } = getSumXY(s.ext.amm, m.amm, 'alice');
    expect(x).toBeGreaterThan(0n);
    expect(y).toBeGreaterThan(0n);
    const short = 10_000n * E18 - x;
    const cover = (short * E18 + y - 1n) / y; // ceil
    // bob's 2 WETH (untouched) cover his 1,000 at any price from $500: only alice counts here.
    expect(cover).toBeGreaterThan(500n * E18);
    const index = crvusdBookIndex(['alice', 'bob'], E18);
    expect(index.uncoveredDebt(s, cover)).toBe(0n);
    // One wei lower: short − floor(y·(cover − 1)/1e18) > 0.
    expect(index.uncoveredDebt(s, cover - 1n)).toBe(short - (y * (cover - 1n)) / E18);
    expect(index.uncoveredDebt(s, cover - 1n)).toBeGreaterThan(0n);
  });

  test('behavior: no health reading while the oracle refuses (stale after a year)', () => {
    const s = book();
    const index = crvusdBookIndex(['alice', 'bob'], E18);
    expect(index.healthCounts(s, 1).reduce((a, b) => a + b, 0)).toBe(2);
    expect(index.healthCounts(s, 400 * 86_400)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
