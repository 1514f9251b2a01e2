/**
 * Property test of the Euler book index against the full scans it replaces: over random books
 * (WETH, WBTC or both as collateral, some accounts left without debt) opened through the model and
 * random paths (prices of WETH, WBTC and the debt asset, WETH left to go stale, a governance ramp
 * of the WETH liquidation LTV, the cool-off, borrowers repaying or withdrawing, two competing
 * keepers liquidating), at every step and at earlier states revisited out of order:
 * - the keeper view on the index's screen, with the memo, equals the full scan's view, and so do
 *   the keepers' decisions (also on an empty view when no keeper `couldAct`);
 * - every screened account is in violation or one the view must decide itself (several valued
 *   collaterals or one at LTV 0), and every account the full view lists is screened;
 * - the health buckets equal one `health` read per book account (core.ts healthBuckets' count);
 * - the borrowers' totals and the bad debt equal the naive scans (`eulerBorrowerTotals`,
 *   `eulerBadDebtUsd`).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { apply, type Command } from '../../engine/machine.js';
import { createEulerViewMemo, eulerKeeperView, eulerLiquidator } from '../../keepers/euler.js';
import type { MarketContext } from '../../keepers/types.js';
import { SolventError } from '../../math/errors.js';
import { currentLtvBps, isInViolation } from '../../protocols/euler-v2/math.js';
import { eulerV2Model } from '../../protocols/euler-v2/model.js';
import { liquidationLiquidity, own } from '../../protocols/euler-v2/state.js';
import {
  borrowerCommands,
  E8,
  E18,
  type EulerBorrower,
  engine,
  market,
  oracle,
  priceRaw,
  type S,
  usdc,
} from '../../protocols/euler-v2/testkit.js';
import { eulerBadDebtUsd, eulerBorrowerTotals } from './euler.js';
import { eulerBookIndex } from './eulerIndex.js';
import { scanHealthCounts } from './testkit.js';

/** Applies a command, ignoring a refusal (random paths ask for things the model refuses). */
function tryStep(state: S, command: Command, now: number): S {
  try {
    return apply(engine, state, command, now).state;
  } catch (e) {
    if (e instanceof SolventError) return state;
    throw e;
  }
}

const borrower: fc.Arbitrary<EulerBorrower> = fc.record({
  wethTenths: fc.integer({ min: 0, max: 200 }),
  wbtcHundredths: fc.integer({ min: 0, max: 100 }),
  // Share of the borrow limit drawn, percent (0: a depositor without debt).
  drawPct: fc.oneof(fc.constant(0), fc.integer({ min: 30, max: 99 })),
});

const pathStep = fc.record({
  dt: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 5_000 })),
  // WETH price in cents; undefined: no publication (after an hour without one it is stale, and
  // until then the reading does not move: the memo's case).
  wethCents: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.integer({ min: 20_000, max: 230_000 }), weight: 3 },
  ),
  wbtcUsd: fc.option(fc.integer({ min: 15_000, max: 70_000 }), { nil: undefined }),
  // USDC at $0.90–$1.10 now and then (moves every liability value).
  usdcMicros: fc.oneof(
    { arbitrary: fc.constant(1_000_000), weight: 3 },
    { arbitrary: fc.integer({ min: 900_000, max: 1_100_000 }), weight: 1 },
  ),
  action: fc.constantFrom(
    'keepers',
    'keepers',
    'keepers',
    'repay',
    'withdraw',
    'deposit',
    'borrow',
    'ramp',
    'coolOff',
    'none',
  ),
  who: fc.nat(),
  gasGwei: fc.integer({ min: 1, max: 300 }),
  slipBps: fc.integer({ min: 0, max: 800 }),
  // Revisit an earlier state (the index must follow any state, not only the next one).
  back: fc.option(fc.nat(), { nil: undefined }),
});

/** The series' health buckets by one `health` read per book account (as src/sim/stress/core.ts counts). */
function scanCounts(s: S, accounts: readonly string[], t: number): number[] {
  return scanHealthCounts(accounts, (id) => {
    const a = s.ext.accounts.get(id);
    // The adapter's health: no reading without debt.
    return a === undefined || a.owed === 0n ? undefined : eulerV2Model.health(s, id, t);
  });
}

describe('eulerBookIndex', () => {
  test('behavior: the screen, the health buckets, the totals and the bad debt equal the full scans', () => {
    let listed = 0;
    let revisited = 0;
    let bucketed = 0;
    let idleChecked = 0;
    fc.assert(
      fc.property(
        fc.array(borrower, { minLength: 1, maxLength: 8 }),
        fc.array(pathStep, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (borrowers, steps, socialize) => {
          const book = borrowers.map((_, i) => `u${i}`);
          const opening: Command[] = [
            // A WETH feed that goes stale after an hour without a publication.
            oracle('WETH', 3_600),
            priceRaw('WETH', 2_000n * E8),
            { type: 'setConfigFlags', dontSocializeDebt: !socialize },
            { type: 'supply', account: 'lena', amount: usdc(10_000_000n) },
            { type: 'fundWallet', actor: 'a', asset: 'USDC', amount: usdc(10_000_000n) },
            { type: 'fundWallet', actor: 'b', asset: 'USDC', amount: usdc(30_000n) },
            ...borrowers.flatMap((b, i) => borrowerCommands(`u${i}`, b)),
          ];
          let s = market(0);
          for (const c of opening) s = tryStep(s, c, 0);
          const index = eulerBookIndex(book, { collateral: 'WETH', debt: 'USDC' });
          const memo = createEulerViewMemo();
          const keepers = [
            eulerLiquidator({ id: 'a', maxGasPriceGwei: 250 }),
            eulerLiquidator({ id: 'b', minProfitUsd: 20, maxGasPriceGwei: 150 }),
          ];
          const history: { state: S; now: number }[] = [];
          let wethUsd = 2_000;

          const ctxAt = (now: number, gasGwei: number, slipBps: number): MarketContext => ({
            nowSeconds: now,
            gasPriceGwei: gasGwei,
            ethPriceUsd: wethUsd,
            collateralPriceUsdWad: BigInt(Math.round(wethUsd * 100)) * 10n ** 16n,
            collateralPricesUsdWad: {
              WETH: BigInt(Math.round(wethUsd * 100)) * 10n ** 16n,
              USDC: E18,
            },
            slippageBps: BigInt(slipBps),
          });

          /** Every reading of the index on `state` at `now` against its full scan. */
          const check = (state: S, now: number, ctx: MarketContext) => {
            const screened = index.screen(state, now);
            const narrow = eulerKeeperView(state, now, ctx, ['a', 'b'], { accounts: screened, memo });
            const full = eulerKeeperView(state, now, ctx, ['a', 'b']);
            expect(narrow).toEqual(full);
            for (const k of keepers) expect(k.decide(narrow)).toEqual(k.decide(full));
            // The adapter lists nothing when no keeper could act: they decide the same on that view.
            if (keepers.every((k) => !k.couldAct(ctx, full.wallets[k.id]?.USDC ?? 0n))) {
              const none = eulerKeeperView(state, now, ctx, ['a', 'b'], { accounts: [] });
              for (const k of keepers) expect(k.decide(none)).toEqual(k.decide(full));
              idleChecked += 1;
            }
            listed += full.candidates.length;
            const inScreen = new Set(screened);
            for (const c of full.candidates) expect(inScreen.has(c.violator)).toBe(true);
            const vault = state.ext.vault;
            for (const id of screened) {
              const a = state.ext.accounts.get(id);
              expect(a !== undefined && a.owed > 0n).toBe(true);
              if (a === undefined || vault === null) continue;
              const valued = a.enabledCollaterals.filter(
                (c) => own(vault.ltv, c) !== undefined && (own(a.collateral, c) ?? 0n) > 0n,
              );
              expect(valued.length).toBeGreaterThan(0);
              if (valued.length > 1) continue; // the view decides these itself
              const config = own(vault.ltv, valued[0] as string);
              if (config !== undefined && currentLtvBps(config, true, now) === 0n) continue; // likewise
              let violated = false;
              try {
                const l = liquidationLiquidity(state, a, now);
                violated = isInViolation(l.collateralAdjustedValue, l.liabilityValue);
              } catch (e) {
                if (!(e instanceof SolventError)) throw e;
              }
              expect(violated).toBe(true);
            }
            const counts = index.healthCounts(state, now);
            expect(counts).toEqual(scanCounts(state, book, now));
            bucketed += counts.reduce((x, y) => x + y, 0);
            const totals = index.borrowerTotals(state);
            expect(totals).toEqual(eulerBorrowerTotals(state, book, { collateral: 'WETH', debt: 'USDC' }));
            const units = index.badDebtUnits(state);
            expect(vault === null ? 0 : Number(units) / 10 ** vault.assetDecimals).toBe(
              eulerBadDebtUsd(state, book),
            );
          };
          let now = 0;
          for (const st of steps) {
            now += st.dt;
            if (st.wethCents !== undefined) {
              wethUsd = st.wethCents / 100;
              s = tryStep(s, priceRaw('WETH', BigInt(st.wethCents) * 10n ** 6n), now);
            }
            if (st.wbtcUsd !== undefined) s = tryStep(s, priceRaw('WBTC', BigInt(st.wbtcUsd) * E8), now);
            s = tryStep(s, priceRaw('USDC', BigInt(st.usdcMicros) * 100n), now);
            const who = book[st.who % book.length] as string;
            if (st.action === 'repay') {
              const owed = s.ext.accounts.get(who)?.owed ?? 0n;
              s = tryStep(s, { type: 'repay', account: who, amount: owed / 3n + 1n }, now);
            } else if (st.action === 'withdraw') {
              const held = own(s.ext.accounts.get(who)?.collateral ?? {}, 'WETH') ?? 0n;
              s = tryStep(s, { type: 'withdraw', account: who, asset: 'WETH', amount: held / 50n + 1n }, now);
            } else if (st.action === 'deposit') {
              const asset = st.who % 2 === 0 ? 'WETH' : 'WBTC';
              s = tryStep(
                s,
                { type: 'deposit', account: who, asset, amount: 10n ** 7n * BigInt(1 + (st.who % 50)) },
                now,
              );
            } else if (st.action === 'borrow') {
              s = tryStep(
                s,
                { type: 'borrow', account: who, amount: usdc(BigInt(1 + (st.who % 2_000))) },
                now,
              );
            } else if (st.action === 'ramp') {
              // Lowers WETH's liquidation LTV over an hour (or to 0 at once: LTV-0 accounts).
              const to = st.who % 4 === 0 ? 0n : BigInt(4_000 + (st.who % 3_000));
              s = tryStep(
                s,
                {
                  type: 'setLTV',
                  collateral: 'WETH',
                  borrowLTV: to === 0n ? 0n : to - 500n,
                  liquidationLTV: to,
                  rampDuration: to === 0n ? 0 : 3_600,
                },
                now,
              );
            } else if (st.action === 'coolOff') {
              // A cool-off that ends a few steps ahead for accounts checked at the opening.
              const seconds = Math.min(65_535, now + 1 + (st.who % 1_500));
              s = tryStep(s, { type: 'setLiquidationCoolOffTime', seconds }, now);
            }
            const ctx = ctxAt(now, st.gasGwei, st.slipBps);
            check(s, now, ctx);
            if (st.action === 'keepers') {
              for (const k of keepers) {
                const view = eulerKeeperView(s, now, ctx, ['a', 'b'], {
                  accounts: index.screen(s, now),
                  memo,
                });
                for (const action of k.decide(view)) s = tryStep(s, action.command, now);
                check(s, now, ctx);
              }
            }
            history.push({ state: s, now });
            if (st.back !== undefined) {
              const old = history[st.back % history.length] as { state: S; now: number };
              check(old.state, old.now, ctxAt(old.now, st.gasGwei, st.slipBps));
              check(s, now, ctx);
              revisited += 1;
            }
          }
        },
      ),
      { numRuns: 60 },
    );
    // The paths reached liquidatable accounts and revisited states.
    expect(listed).toBeGreaterThan(0);
    expect(bucketed).toBeGreaterThan(0);
    expect(idleChecked).toBeGreaterThan(0);
    expect(revisited).toBeGreaterThan(0);
  });
});
