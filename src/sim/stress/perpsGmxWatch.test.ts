/**
 * Tests of the GMX watch on the gmx-v2 test market (numbers by hand in the comments, USD):
 * alice long $10,000 on 1,000 USDC at $2000 (fee $10: 990 collateral), floor max($5, 0.5 % ×
 * 10,000) = $50. Which positions it screens in as the price and time move (borrowing fees alone
 * make a position liquidatable), the bad debt, the totals, and the refusals.
 */
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { gmxHealth } from '../../protocols/gmx-v2/model.js';
import {
  bps,
  ethPrice,
  MARKET,
  open,
  pid,
  run,
  type S,
  setup,
  TEST_MARKET,
  TEST_PARAMS,
  usd,
  usdc,
  withAlice,
} from '../../protocols/gmx-v2/testkit.js';
import { gmxWatch } from './perpsGmxWatch.js';
import { genericRig, gmxRig, STRESS_PERPS_GENERIC_PARAMS } from './perpsRigs.js';
import { perpsBadDebtUsd } from './perpsWatch.js';

type AnyState = EngineState<unknown>;

const ALICE = pid('alice', 'USDC', true);
const BOB = pid('bob', 'USDC', false);
const NOW = 1_000;

/** Borrowing on the long side: 1e-7 per second at full use; 5 % used (reserve $10k of $200k) → 5e-9/s. */
const PARAMS = {
  ...TEST_PARAMS,
  markets: [{ ...TEST_MARKET, borrowingFactor: { long: bps(1n) / 1000n, short: 0n } }],
};
const rig = gmxRig(PARAMS);

/** alice long $10,000 on 1,000 USDC; bob short $2,000 on 1,000 USDC (far from his edge). */
function book(): S {
  let s = withAlice(setup(PARAMS));
  s = open(s, {
    account: 'bob',
    isLong: false,
    token: 'USDC',
    collateral: usdc(1000n),
    sizeUsd: usd(2_000n),
  });
  return s;
}

const at = (s: S, dollars: bigint, now: number): AnyState =>
  run(s, ethPrice(dollars), now) as unknown as AnyState;
const liquidatable = (s: AnyState, id: string, now: number) =>
  gmxHealth(s as unknown as S, id, now).liquidatable;

describe('gmxWatch', () => {
  test('default: a position is screened in as the price takes it past its floor', () => {
    const watch = gmxWatch(rig, [ALICE, BOB])!;
    const base = book();
    // $1820: 990 − 900 − 10 = 80 ≥ 50 (and the bound, less 6 h of borrowing, ≈ 78.9 as well).
    let s = at(base, 1820n, NOW);
    expect(liquidatable(s, ALICE, NOW)).toBe(false);
    expect(watch.liquidatable(s, NOW)).toEqual([]);
    // $1811: 5 ETH worth 9,055: 990 − 945 − 10 = 35 < 50.
    s = at(base, 1811n, NOW);
    expect(liquidatable(s, ALICE, NOW)).toBe(true);
    expect(watch.liquidatable(s, NOW)).toEqual([ALICE]);
    // Back at $1900 it is let go again.
    s = at(base, 1900n, NOW);
    expect(watch.liquidatable(s, NOW)).toEqual([]);
  });

  test('behavior: borrowing fees alone make it liquidatable: the budget is renewed in time', () => {
    const watch = gmxWatch(rig, [ALICE, BOB])!;
    const s = at(book(), 1820n, NOW);
    expect(watch.liquidatable(s, NOW)).toEqual([]);
    // 1,000,000 s later at the same price: 5e-9 × 1e6 = 0.005 → $50 of borrowing: 80 − 50 = 30 < 50.
    const later = NOW + 1_000_000;
    const aged = at(s as unknown as S, 1820n, later);
    expect(liquidatable(aged, ALICE, later)).toBe(true);
    expect(watch.liquidatable(aged, later)).toEqual([ALICE]);
  });

  test('behavior: bad debt and the borrowers totals, by hand and as the scans read them', () => {
    const watch = gmxWatch(rig, [ALICE, BOB])!;
    // $1700: alice 990 − 1,500 − 10 = −520 below zero; bob and the pool are solvent.
    const s = at(book(), 1700n, NOW);
    expect(watch.badDebtUsd(s)).toBe(520);
    expect(watch.badDebtUsd(s)).toBe(perpsBadDebtUsd(rig, s, [ALICE, BOB]));
    const totals = (state: AnyState) => {
      let collateral = 0n;
      let debtUsd = 0;
      for (const id of [ALICE, BOB]) {
        const w = rig.worth(state, id);
        collateral += w.sizeWad;
        debtUsd += w.debtUsd;
      }
      return { collateral, debtUsd };
    };
    expect(watch.borrowerTotals(s)).toEqual(totals(s));
    // A liquidation closes alice and pays her wallet what is left: both readings follow.
    const after = run(
      s as unknown as S,
      [{ type: 'liquidate', keeper: 'keeper', position: ALICE }],
      NOW,
    ) as unknown as AnyState;
    expect(watch.badDebtUsd(after)).toBe(perpsBadDebtUsd(rig, after, [ALICE, BOB]));
    expect(watch.borrowerTotals(after)).toEqual(totals(after));
    expect(watch.liquidatable(after, NOW)).toEqual([]);
    expect(MARKET).toBe(rig.market);
  });

  test('error: no GMX watch for another rig or a repeated id', () => {
    expect(
      gmxWatch(genericRig('perps-generic', rig.model, STRESS_PERPS_GENERIC_PARAMS), [ALICE]),
    ).toBeUndefined();
    expect(gmxWatch(rig, [ALICE, ALICE])).toBeUndefined();
  });
});
