/**
 * Tests of the Liquity adapter's book index on hand-sized books: the screen against hand ICRs, the
 * borrowers' totals through an offset, a redistribution (every trove's pending rewards move) and a
 * capped offset's collateral surplus, states visited out of order, a book large enough to be
 * placed in bulk, and the health buckets at an exact MCR boundary. Expected figures are derived by hand in the comments or from the full scan.
 */
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { liquityKeeperView, liquityKeeperViewReference } from '../../keepers/liquity.js';
import type { MarketContext } from '../../keepers/types.js';
import { DEFAULT_LIQUITY_PARAMS } from '../../protocols/liquity-v1/params.js';
import type { LiquityExt } from '../../protocols/liquity-v1/state.js';
import {
  borrowerTotalsByScan,
  E18,
  liquityMarket,
  openTrove,
  wei,
} from '../../protocols/liquity-v1/testkit.js';
import { healthBuckets, type OpenedStress } from './core.js';
import { liquityTroveHealth } from './liquity.js';
import { liquityBookIndex } from './liquityIndex.js';

const MCR = DEFAULT_LIQUITY_PARAMS.mcrWad;
type LiquityState = EngineState<LiquityExt>;

const market = (nowSeconds: number, ethUsd: number): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 1,
  ethPriceUsd: ethUsd,
  collateralPriceUsdWad: BigInt(ethUsd) * E18,
  slippageBps: 0n,
});

describe('liquityBookIndex', () => {
  test('default: names the troves below the ceiling; totals of the book', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000)); // debt 10,250
    m.run(openTrove('bob', 30, 20_000)); // debt 20,300
    m.run(openTrove('carol', 10, 5_000)); // debt 5,225
    const index = liquityBookIndex(['alice', 'bob'], 'ETH');
    // At $1,100: alice 11,000 / 10,250 = 1.073, bob 33,000 / 20,300 = 1.626, carol 11,000 / 5,225 = 2.1.
    expect(index.below(m.state, MCR, 1_100n * E18)).toEqual(['alice']);
    // Below 1.7 at $1,100: alice and bob (carol is not in the book but is screened all the same).
    expect(index.below(m.state, 17n * 10n ** 17n, 1_100n * E18).sort()).toEqual(['alice', 'bob']);
    expect(index.below(m.state, 3n * E18, 1_100n * E18).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(index.below(m.state, MCR, 2_000n * E18)).toEqual([]);
    expect(index.borrowerTotals(m.state)).toEqual({ collateralWei: wei(40), debtWei: wei(30_550) });
  });

  test('behavior: a redistribution moves every trove’s pending rewards into the totals', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000));
    m.run(openTrove('bob', 30, 20_000));
    m.run(openTrove('carol', 10, 5_000));
    const book = ['alice', 'bob', 'carol', 'nobody'];
    const index = liquityBookIndex(book, 'ETH');
    expect(index.borrowerTotals(m.state)).toEqual({ collateralWei: wei(50), debtWei: wei(35_775) });
    m.price(1_100, 10);
    m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' }, 10);
    // Empty pool: 9.95 ETH and 10,250 LUSD go to bob and carol by stake (30 : 10), so the book holds
    // 50 − 0.05 (the keeper's) = 49.95 ETH and still owes 35,775 LUSD.
    expect(index.borrowerTotals(m.state)).toEqual({
      collateralWei: 4_995n * 10n ** 16n,
      debtWei: wei(35_775),
    });
    expect(index.borrowerTotals(m.state)).toEqual(borrowerTotalsByScan(m.state, book));
    // Bob now: 37.4625 ETH against 27,987.5 LUSD: ICR at $1,100 = 41,208.75 / 27,987.5 = 1.472.
    expect(index.below(m.state, 15n * 10n ** 17n, 1_100n * E18)).toEqual(['bob']);
  });

  test('behavior: a capped offset’s collateral surplus counts for book borrowers only', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000)); // debt 10,250
    m.run(openTrove('bob', 12, 15_000)); // debt 15,275
    m.run(openTrove('carol', 20, 12_000)); // debt 12,260
    m.run({ type: 'provideToSP', account: 'carol', amount: wei(12_000) });
    const withAlice = liquityBookIndex(['alice'], 'ETH');
    const withoutAlice = liquityBookIndex(['bob'], 'ETH');
    expect(withAlice.borrowerTotals(m.state)).toEqual({ collateralWei: wei(10), debtWei: wei(10_250) });
    m.price(1_200, 10);
    // Recovery Mode (TCR 1.334): alice's capped offset leaves her 10 − 9.395833… ETH of surplus.
    m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' }, 10);
    expect(withAlice.borrowerTotals(m.state)).toEqual({
      collateralWei: 604_166_666_666_666_667n,
      debtWei: 0n,
    });
    expect(withoutAlice.borrowerTotals(m.state)).toEqual({ collateralWei: wei(12), debtWei: wei(15_275) });
    m.run({ type: 'claimCollateral', account: 'alice' }, 20);
    expect(withAlice.borrowerTotals(m.state)).toEqual({ collateralWei: 0n, debtWei: 0n });
  });

  test('behavior: states visited out of order, and a book placed in bulk', () => {
    const m = liquityMarket(2_000);
    const book: string[] = [];
    for (let i = 0; i < 100; i++) {
      const id = `t${String(i).padStart(3, '0')}`;
      book.push(id);
      m.run(openTrove(id, 5 + (i % 9), 3_000 + 350 * (i % 13)));
    }
    const opened = m.state;
    m.price(1_100, 10);
    m.run({ type: 'liquidateTroves', n: 20, liquidator: 'k' }, 10);
    const liquidated = m.state;
    m.price(900, 20);
    m.run({ type: 'liquidateTroves', n: 70, liquidator: 'k' }, 20);
    const later = m.state;
    expect(later.ext.troves.size).toBeLessThan(opened.ext.troves.size);
    expect(later.ext.L_ETH).toBeGreaterThan(liquidated.ext.L_ETH);
    const index = liquityBookIndex(book, 'ETH');
    for (const s of [later, opened, liquidated, later, opened, later, liquidated]) {
      expect(index.borrowerTotals(s)).toEqual(borrowerTotalsByScan(s, book));
      const t = s.timeSeconds;
      const price = t >= 20 ? 900 : t >= 10 ? 1_100 : 2_000;
      const view = liquityKeeperView(s, t, market(t, price), [], {
        candidatesBelow: (ceiling, priceWad) => index.below(s, ceiling, priceWad),
      });
      expect(view).toEqual(liquityKeeperViewReference(s, t, market(t, price), []));
    }
  });

  test('behavior: health buckets exactly at the MCR boundary, in one pass or by binary search', () => {
    const m = liquityMarket(2_000);
    // lusd + ⌊lusd / 200⌋ + 200 LUSD = 10,000 LUSD exactly for a; one wei more for b. At $1,000,
    // a's ICR is 11 · 1,000 / 10,000 = 1.1 = MCR exactly (health 1: bucket 1), b's is 1.1 − 1e-18
    // (liquidatable: bucket 0); w's is 100,000 / 20,300 = 4.93 (bucket 5, ≥ 2).
    const lusd = 9_751_243_781_094_527_363_185n;
    m.run({ type: 'openTrove', account: 'a', collDeposit: wei(11), lusdAmount: lusd });
    m.run({ type: 'openTrove', account: 'b', collDeposit: wei(11), lusdAmount: lusd + 1n });
    m.run(openTrove('w', 100, 20_000));
    expect(m.state.ext.troves.get('a')?.debt).toBe(wei(10_000));
    expect(m.state.ext.troves.get('b')?.debt).toBe(wei(10_000) + 1n);
    m.price(1_000, 10);
    const scan = (book: readonly string[]) => {
      const opened = { accounts: book, health: liquityTroveHealth } as unknown as OpenedStress<LiquityState>;
      return healthBuckets(opened, m.state, 10);
    };
    // Every trove in the book once: the binary-search path; without w: the one-pass path.
    expect(liquityBookIndex(['a', 'b', 'w'], 'ETH').healthCounts(m.state, 10)).toEqual([1, 1, 0, 0, 0, 1]);
    expect(liquityBookIndex(['a', 'b'], 'ETH').healthCounts(m.state, 10)).toEqual([1, 1, 0, 0, 0, 0]);
    expect(liquityBookIndex(['a', 'b', 'w', 'w'], 'ETH').healthCounts(m.state, 10)).toEqual([
      1, 1, 0, 0, 0, 2,
    ]);
    for (const book of [
      ['a', 'b', 'w'],
      ['a', 'b'],
      ['a', 'b', 'w', 'w'],
    ]) {
      expect(liquityBookIndex(book, 'ETH').healthCounts(m.state, 10)).toEqual(scan(book));
    }
    // A year and a day later the feed is stale: no reading, nothing counted (as the scan).
    const late = 366 * 86_400;
    expect(liquityBookIndex(['a', 'b', 'w'], 'ETH').healthCounts(m.state, late)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(scan(['a', 'b', 'w'])).toEqual([1, 1, 0, 0, 0, 1]);
  });
});
