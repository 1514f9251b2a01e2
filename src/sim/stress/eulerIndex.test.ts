/**
 * Tests of the Euler book index on the model's testkit market (alice: 10 WETH, 16,000 USDC owed;
 * liquidation LTV 85 %, USD·1e8 prices). Her collateral's adjusted value is p · 8.5e10 at a WETH
 * price p (USD·1e8): 10e18 · p · 1e18 / 1e26 = p · 1e11, times 0.85; her liability is worth
 * 16,000e18 at $1. So she is in violation exactly up to p = 188,235,294,117 ($1,882.35294117).
 * Each context the screen's keys depend on (the WETH price, the debt's price, a ramping LTV, a
 * stale feed) is moved on its own, with the expected screen derived by hand.
 */
import { describe, expect, test } from 'vitest';
import type { Command } from '../../engine/machine.js';
import { eulerKeeperView } from '../../keepers/euler.js';
import type { MarketContext } from '../../keepers/types.js';
import {
  E8,
  E18,
  market,
  oracle,
  price,
  priceRaw,
  run,
  type S,
  step,
  usdc,
  withBorrower,
} from '../../protocols/euler-v2/testkit.js';
import { eulerBookIndex } from './eulerIndex.js';

const ctx = (nowSeconds: number): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 1,
  ethPriceUsd: 2_000,
  collateralPriceUsdWad: 2_000n * E18,
  slippageBps: 0n,
});

/** A fresh index over alice and bob (bob: 1 WBTC and 1 WETH, 20,000 USDC owed). */
const indexOf = () => eulerBookIndex(['alice', 'bob'], { collateral: 'WETH', debt: 'USDC' });

/** alice at t = 0, bob too when `withBob`. */
function book(withBob = false): S {
  const s = withBorrower(market(0), 0);
  if (!withBob) return s;
  return run(
    s,
    [
      { type: 'deposit', account: 'bob', asset: 'WBTC', amount: E8 },
      { type: 'deposit', account: 'bob', asset: 'WETH', amount: E18 },
      { type: 'borrow', account: 'bob', amount: usdc(20_000n) },
    ],
    0,
  );
}

/** WETH to $1,000, then `k` (funded with 20,000 USDC) liquidates all of alice's WETH from its wallet. */
const CRASH_AND_LIQUIDATE_ALICE: readonly Command[] = [
  price('WETH', 1_000n),
  { type: 'fundWallet', actor: 'k', asset: 'USDC', amount: usdc(20_000n) },
  {
    type: 'liquidate',
    violator: 'alice',
    liquidator: 'k',
    collateral: 'WETH',
    repayAssets: 'max',
    minYieldBalance: 0n,
    repayFromWallet: true,
  },
];

describe('eulerBookIndex', () => {
  test('default: alice is screened exactly up to $1,882.35294117', () => {
    const index = indexOf();
    const s = book();
    expect(index.screen(s, 10)).toEqual([]); // $2,000
    const above = step(s, priceRaw('WETH', 188_235_294_118n), 10);
    expect(index.screen(above, 10)).toEqual([]);
    const at = step(above, priceRaw('WETH', 188_235_294_117n), 11);
    expect(index.screen(at, 11)).toEqual(['alice']);
    expect(eulerKeeperView(at, 11, ctx(11)).candidates.map((c) => c.violator)).toEqual(['alice']);
  });

  test('behavior: an account with two valued collaterals is always screened; one without debt never', () => {
    const index = indexOf();
    // bob: WBTC $60,000 · 0.75 + WETH $2,000 · 0.85 = 46,700 > 20,000: healthy, but screened.
    const s = run(book(true), [{ type: 'deposit', account: 'carl', asset: 'WETH', amount: E18 }], 0);
    expect(index.screen(s, 10)).toEqual(['bob']);
    expect(eulerKeeperView(s, 10, ctx(10), [], { accounts: index.screen(s, 10) }).candidates).toEqual([]);
  });

  test('behavior: the debt price moves every liability (USDC at $1.0625: 17,000 = A at $2,000)', () => {
    const index = indexOf();
    const s = book();
    expect(index.screen(s, 10)).toEqual([]);
    // A = 2e11 · 8.5e10 = 17,000e18 at $2,000; L = 16,000 · 1.0625 = 17,000e18: equality violates.
    const dear = step(s, priceRaw('USDC', 106_250_000n), 20);
    expect(index.screen(dear, 20)).toEqual(['alice']);
    const lessDear = step(dear, priceRaw('USDC', 106_249_999n), 30);
    expect(index.screen(lessDear, 30)).toEqual([]);
  });

  test('behavior: a ramping liquidation LTV screens alice at $2,000 halfway down (80 %: A = 16,000 = L)', () => {
    const index = indexOf();
    const ramp: Command = {
      type: 'setLTV',
      collateral: 'WETH',
      borrowLTV: 7_000n,
      liquidationLTV: 7_500n,
      rampDuration: 3_600,
    };
    const s = step(book(), ramp, 10);
    expect(index.screen(s, 10)).toEqual([]); // 85 % in force at the start of the ramp
    // LTV = 7,500 + ⌊1,000 · remaining / 3,600⌋ with remaining = 3,610 − t: 8,000 bps from
    // remaining 1,803 (t = 1,807; ⌊500.8⌋), where A = 2e11 · 8e10 = 16,000e18 = L; at t = 1,806 it is
    // 8,001 bps (⌊501.1⌋) and A = 16,002e18 > L.
    expect(index.screen(s, 1_806)).toEqual([]);
    expect(index.screen(s, 1_807)).toEqual(['alice']);
  });

  test('behavior: an unpriced collateral leaves its accounts out, as the view does', () => {
    const index = indexOf();
    // A WETH feed that goes stale after an hour without a publication.
    const s = run(book(), [oracle('WETH', 3_600), price('WETH', 1_800n)], 10);
    expect(index.screen(s, 10)).toEqual(['alice']);
    expect(index.screen(s, 3_611)).toEqual([]); // the last round is over an hour old
    expect(eulerKeeperView(s, 3_611, ctx(3_611)).candidates).toEqual([]);
  });

  test('behavior: health buckets — alice’s score is p · 5,312,500 (1.0625 at $2,000), bob’s 2.335', () => {
    const index = indexOf();
    const s = book(true);
    // Buckets [<1, 1–1.1, 1.1–1.25, 1.25–1.5, 1.5–2, ≥2]. bob: (60,000 · 0.75 + 2,000 · 0.85) /
    // 20,000 = 2.335, read one by one (two collaterals).
    expect(index.healthCounts(s, 10)).toEqual([0, 1, 0, 0, 0, 1]);
    // 1.1e18 / 5,312,500 = 207,058,823,529.4…: bucket 2 from 207,058,823,530 up.
    const below = step(s, priceRaw('WETH', 207_058_823_529n), 10);
    expect(index.healthCounts(below, 10)).toEqual([0, 1, 0, 0, 0, 1]);
    const at = step(below, priceRaw('WETH', 207_058_823_530n), 11);
    expect(index.healthCounts(at, 11)).toEqual([0, 0, 1, 0, 0, 1]);
    // At the violation ceiling she is liquidatable: bucket 0 (bob: 45,000 + 1,600 > 2 · 20,000).
    const liquidatable = step(at, priceRaw('WETH', 188_235_294_117n), 12);
    expect(index.healthCounts(liquidatable, 12)).toEqual([1, 0, 0, 0, 0, 1]);
    // Nothing to read before configure.
    const unpriced = { ...liquidatable, ext: { ...liquidatable.ext, vault: null } };
    expect(index.healthCounts(unpriced, 12)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('behavior: borrowers’ totals and bad debt follow a liquidation that leaves debt without collateral', () => {
    const index = indexOf();
    const s = book(true);
    // alice 10 WETH + bob 1 WETH; 16,000 + 20,000 USDC owed; nothing socialized yet.
    expect(index.borrowerTotals(s)).toEqual({ collateral: 11n * E18, owed: usdc(36_000n) });
    expect(index.badDebtUnits(s)).toBe(0n);
    // WETH at $1,000: alice's health 0.85 · 10,000 / 16,000 = 0.53125, the discount capped at 15 %;
    // her 10 WETH ($10,000) are worth less than 16,000 / 0.85, so k repays 10,000 · 0.85 = 8,500 for
    // all of them and the 7,500 left is socialized.
    const crashed = run(s, CRASH_AND_LIQUIDATE_ALICE, 10);
    expect(index.borrowerTotals(crashed)).toEqual({ collateral: E18, owed: usdc(20_000n) });
    expect(index.badDebtUnits(crashed)).toBe(usdc(7_500n));
    // With socialization off the 7,500 stay with alice, who holds no collateral: bad debt all the same.
    const kept = run(
      step(s, { type: 'setConfigFlags', dontSocializeDebt: true }, 5),
      CRASH_AND_LIQUIDATE_ALICE,
      10,
    );
    expect(index.borrowerTotals(kept)).toEqual({ collateral: E18, owed: usdc(27_500n) });
    expect(index.badDebtUnits(kept)).toBe(usdc(7_500n));
    // Back to the first state: the index follows any state it is given.
    expect(index.borrowerTotals(s)).toEqual({ collateral: 11n * E18, owed: usdc(36_000n) });
    expect(index.badDebtUnits(s)).toBe(0n);
  });

  test('error: nothing to read before configure (no throw, empty readings)', () => {
    const index = indexOf();
    const s = book();
    const unconfigured = { ...s, ext: { ...s.ext, vault: null } };
    expect(index.screen(unconfigured, 10)).toEqual([]);
    expect(index.badDebtUnits(unconfigured)).toBe(0n);
  });
});
