/**
 * Tests of the perps watch on a hand-made perps-generic book (numbers by hand in the comments:
 * USDC 6 decimals, sizes in 0.001 ETH, prices USD·1e8): which accounts it screens in at a price,
 * the accounts it leaves out as paying their liquidator nothing, the bad debt and the borrowers'
 * totals, and the price sweeps where its intervals must let go of an account in time.
 */
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { apply, type Command } from '../../engine/machine.js';
import { PERPS_GENERIC_ID, perpsGenericModel } from '../../engine/perps/model.js';
import type { PerpsGenericParams } from '../../engine/perps/params.js';
import { FLAT_MARGIN_TIERS, testGenericMarket, testGenericParams } from '../../engine/perps/testkit.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { perpsRewardBoundQuote } from '../../keepers/perps.js';
import { SolventError } from '../../math/errors.js';
import { genericRig, gmxRig, type PerpsRig, STRESS_GMX_PARAMS } from './perpsRigs.js';
import { perpsBadDebtUsd, perpsWatch } from './perpsWatch.js';

type AnyState = EngineState<unknown>;

const E6 = 10n ** 6n;
const usd8 = (dollars: number): bigint => BigInt(Math.round(dollars * 100)) * 10n ** 6n;

/** ETH-PERP: IM 10 % / MM 5 %, a book 2/5/100 ETH at 0.1/0.5/2 %, taker 0.05 %, liquidation fee 1 % split 50/50. */
const PARAMS: PerpsGenericParams = testGenericParams({
  markets: [testGenericMarket({ marginTiers: FLAT_MARGIN_TIERS })],
});

const rig: PerpsRig = genericRig(PERPS_GENERIC_ID, perpsGenericModel as unknown as PerpsRig['model'], PARAMS);
const BORROWERS = ['alice', 'bob'];

function run(state: AnyState, commands: readonly Command[], now: number): AnyState {
  return commands.reduce((s, c) => apply(rig.decider, s, c, now).state, state);
}

const price = (dollars: number): Command => ({
  type: 'publishPrice',
  asset: 'ETH',
  source: 'feed',
  price: usd8(dollars),
});

/**
 * alice: 2,500 USDC, long 10 ETH for 2×2002 + 5×2010 + 3×2040 = 20,174 (fee 10.087): equity
 * E(p) = 2,489.913 + 10p − 20,174 = 10p − 17,684.087 against MM 0.5p: liquidatable below
 * 1,861.48, paying nothing (E ≤ −1) at or below 1,768.3087. bob: 1,000 USDC, short 1 ETH for 1,998
 * (fee 0.999): E(p) = 999.001 + 1,998 − p = 2,997.001 − p against MM 0.05p: liquidatable above
 * 2,854.29, paying nothing at or above 2,998.001.
 */
function book(): AnyState {
  return run(
    rig.decider.initial(),
    [
      ...rig.configureCommands([]),
      feedOracleCommand('ETH', 3_600),
      price(2000),
      { type: 'deposit', account: 'mm', amount: 1_000_000n * E6 },
      { type: 'deposit', account: 'alice', amount: 2_500n * E6 },
      { type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n },
      { type: 'deposit', account: 'bob', amount: 1_000n * E6 },
      { type: 'openPosition', account: 'bob', market: 'ETH-PERP', sizeBase: -1_000n },
    ],
    0,
  );
}

const sorted = (ids: readonly string[] | undefined): string[] | undefined => ids && [...ids].sort();

/** The borrowers the model's health reports liquidatable, and those of them whose liquidation pays. */
function scan(state: AnyState, now: number): { liquidatable: string[]; paying: string[] } {
  const health = rig.model.health as (s: AnyState, id: string, t: number) => { liquidatable: boolean };
  const liquidatable = BORROWERS.filter((id) => health(state, id, now).liquidatable);
  const paying = liquidatable.filter((id) => (perpsRewardBoundQuote(state, id, 'ETH-PERP', now) ?? 1n) > 0n);
  return { liquidatable, paying };
}

function totals(state: AnyState) {
  let collateral = 0n;
  let debtUsd = 0;
  for (const id of BORROWERS) {
    const w = rig.worth(state, id);
    collateral += w.sizeWad;
    debtUsd += w.debtUsd;
  }
  return { collateral, debtUsd };
}

describe('perpsWatch', () => {
  test('default: the accounts liquidatable at a price, and those that pay their liquidator', () => {
    const watch = perpsWatch(rig, BORROWERS)!;
    const base = book();
    const at = (dollars: number, now: number) => run(base, [price(dollars)], now);
    // 1,900: alice E 1,315.913 ≥ 950, bob E 1,097.001 ≥ 95.
    expect(watch.liquidatable(at(1900, 10), 10)).toEqual([]);
    // 1,850: alice E 815.913 < 925 and pays.
    let s = at(1850, 20);
    expect(sorted(watch.liquidatable(s, 20))).toEqual(['alice']);
    expect(sorted(watch.liquidatable(s, 20, true))).toEqual(['alice']);
    // 1,750: alice E −184.087: liquidatable, paying nothing.
    s = at(1750, 30);
    expect(sorted(watch.liquidatable(s, 30))).toEqual(['alice']);
    expect(watch.liquidatable(s, 30, true)).toEqual([]);
    // 2,900: bob E 97.001 < 145 and pays; 3,000: bob E −2.999, paying nothing.
    s = at(2900, 40);
    expect(sorted(watch.liquidatable(s, 40, true))).toEqual(['bob']);
    s = at(3000, 50);
    expect(sorted(watch.liquidatable(s, 50))).toEqual(['bob']);
    expect(watch.liquidatable(s, 50, true)).toEqual([]);
  });

  test('behavior: bad debt and the borrowers totals, by hand and as the scans read them', () => {
    const watch = perpsWatch(rig, BORROWERS)!;
    let s = run(book(), [price(1750)], 10);
    // alice is 184.087 below zero; the maker holds the other side and is solvent.
    expect(watch.badDebtUsd(s)).toBe(184.087);
    expect(watch.badDebtUsd(s)).toBe(perpsBadDebtUsd(rig, s, BORROWERS));
    // Sizes 10 − 1 ETH; debts: alice 20,174 − 2,489.913, bob −1,998 − 999.001.
    expect(watch.borrowerTotals(s)).toEqual({
      collateral: 9n * 10n ** 18n,
      debtUsd: 17_684.087 + -2_997.001,
    });
    // A deposit, a funding payment (every position settles) and a close change what they read.
    s = run(s, [{ type: 'deposit', account: 'alice', amount: 500n * E6 }], 20);
    expect(watch.badDebtUsd(s)).toBe(perpsBadDebtUsd(rig, s, BORROWERS));
    expect(watch.borrowerTotals(s)).toEqual(totals(s));
    s = run(s, [{ type: 'accrueFunding', market: 'ETH-PERP', ratePpm: 100 }], 30);
    expect(watch.badDebtUsd(s)).toBe(perpsBadDebtUsd(rig, s, BORROWERS));
    expect(watch.borrowerTotals(s)).toEqual(totals(s));
    s = run(s, [price(2000), { type: 'closePosition', account: 'bob', market: 'ETH-PERP' }], 40);
    expect(watch.badDebtUsd(s)).toBe(perpsBadDebtUsd(rig, s, BORROWERS));
    expect(watch.borrowerTotals(s)).toEqual(totals(s));
    expect(watch.liquidatable(s, 40)).toEqual([]);
  });

  test('behavior: fine price sweeps down and up keep every liquidatable (and every paying) account in', () => {
    // Steps of $2.5 from $1,600 to $3,200 and back cross each of the four edges above.
    const watch = perpsWatch(rig, BORROWERS)!;
    let s = book();
    let now = 0;
    const path: number[] = [];
    for (let p = 2000; p >= 1600; p -= 2.5) path.push(p);
    for (let p = 1600; p <= 3200; p += 2.5) path.push(p);
    for (let p = 3200; p >= 2000; p -= 2.5) path.push(p);
    let seen = 0;
    for (const dollars of path) {
      now += 10;
      s = run(s, [price(dollars)], now);
      const want = scan(s, now);
      seen += want.liquidatable.length;
      const all = new Set(watch.liquidatable(s, now));
      const paying = new Set(watch.liquidatable(s, now, true));
      for (const id of want.liquidatable) expect(all.has(id), `${id} at ${dollars}`).toBe(true);
      for (const id of want.paying) expect(paying.has(id), `${id} pays at ${dollars}`).toBe(true);
      expect(watch.badDebtUsd(s)).toBe(perpsBadDebtUsd(rig, s, BORROWERS));
    }
    expect(seen).toBeGreaterThan(100);
  });

  test('error: no watch for GMX (no probe) or a repeated id; no screen while the price is stale', () => {
    expect(perpsWatch(gmxRig(STRESS_GMX_PARAMS), ['a'])).toBeUndefined();
    expect(perpsWatch(rig, ['alice', 'alice'])).toBeUndefined();
    const watch = perpsWatch(rig, BORROWERS)!;
    const s = book();
    // The feed's last price is an hour and a second old: the model's health refuses every account.
    expect(watch.liquidatable(s, 3_601)).toBeUndefined();
    const health = rig.model.health as (st: AnyState, id: string, t: number) => unknown;
    expect(() => health(s, 'alice', 3_601)).toThrow(SolventError);
  });
});
