/**
 * Property tests of the crvUSD keepers: over random loans, oracle walks, outside markets off the
 * oracle, venue fees, gas and wallets, every command the arbitrageur and the liquidator return is
 * accepted by the model in the state they saw (each on its own, and all in order), the view's
 * candidates are exactly the loans the model's trigger accepts (its shortcut for healthy loans
 * never hides one), and the arbitrageur only trades in the direction its screen names.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { apply, type Command } from '../engine/machine.js';
import { SolventError } from '../math/errors.js';
import { ammPrice } from '../protocols/crvusd/amm.js';
import { crvusdTrigger } from '../protocols/crvusd/liquidation.js';
import {
  type CrvusdState,
  crvusdEngine,
  crvusdMarket,
  E18,
  priceCommand,
} from '../protocols/crvusd/testkit.js';
import { crvusdArbitrageur, crvusdKeeperView, crvusdLiquidator } from './crvusd.js';
import type { KeeperPolicy } from './types.js';

const loanArb = fc.record({
  collateralWeth: fc.integer({ min: 1, max: 200 }),
  ltvPct: fc.integer({ min: 20, max: 85 }),
  bands: fc.integer({ min: 4, max: 50 }),
});

const stepArb = fc.record({
  dt: fc.integer({ min: 1, max: 3_600 }),
  /** Oracle move, per mille (−250 ‰ … +200 ‰). */
  movePermille: fc.integer({ min: -250, max: 200 }),
  /** Outside market off the oracle, bps. */
  offBps: fc.integer({ min: -300, max: 300 }),
  slippageBps: fc.integer({ min: 0, max: 100 }),
  gasGwei: fc.integer({ min: 0, max: 400 }),
  liquidatorFirst: fc.boolean(),
});

/** Opens the loans the model accepts; funds the keepers. */
function setup(
  loans: readonly { collateralWeth: number; ltvPct: number; bands: number }[],
  wallets: { arbCrvusd: bigint; invWeth: bigint; liqCrvusd: bigint },
): CrvusdState {
  let s = crvusdMarket();
  loans.forEach((l, k) => {
    const collateral = BigInt(l.collateralWeth) * E18;
    const debt = (collateral * 2000n * BigInt(l.ltvPct)) / 100n;
    try {
      s = apply(
        crvusdEngine,
        s,
        { type: 'createLoan', account: `u${k}`, collateral, debt, N: l.bands },
        1,
      ).state;
    } catch (e) {
      if (!(e instanceof SolventError)) throw e; // too much debt for N bands: the book would skip it
    }
  });
  const fund = (actor: string, asset: string, amount: bigint): void => {
    if (amount > 0n) s = apply(crvusdEngine, s, { type: 'fundWallet', actor, asset, amount }, 1).state;
  };
  fund('arb', 'crvUSD', wallets.arbCrvusd);
  fund('inv', 'WETH', wallets.invWeth);
  fund('liq', 'crvUSD', wallets.liqCrvusd);
  return s;
}

describe('crvusdKeepers', () => {
  test('behavior: every command returned is accepted in the state it saw (alone and in order)', () => {
    let trades = 0;
    let liquidations = 0;
    fc.assert(
      fc.property(
        fc.array(loanArb, { minLength: 1, maxLength: 4 }),
        fc.record({
          arbCrvusd: fc.bigInt({ min: 0n, max: 1_000_000n * E18 }),
          invWeth: fc.bigInt({ min: 0n, max: 500n * E18 }),
          liqCrvusd: fc.bigInt({ min: 0n, max: 1_000_000n * E18 }),
        }),
        fc.array(stepArb, { minLength: 1, maxLength: 8 }),
        (loans, wallets, steps) => {
          let s = setup(loans, wallets);
          const arbitrageur = crvusdArbitrageur({ id: 'arb', inventoryActor: 'inv' });
          const liquidator = crvusdLiquidator({ id: 'liq' });
          let now = 1;
          let priceCents = 200_000n;
          for (const st of steps) {
            now += st.dt;
            priceCents = (priceCents * BigInt(1000 + st.movePermille)) / 1000n;
            if (priceCents < 100n) priceCents = 100n;
            s = apply(crvusdEngine, s, priceCommand('WETH', priceCents * 10n ** 6n, true), now).state;
            const marketWad = (priceCents * E18 * BigInt(10_000 + st.offBps)) / 1_000_000n;
            const market = {
              nowSeconds: now,
              gasPriceGwei: st.gasGwei,
              ethPriceUsd: Number(marketWad) / 1e18,
              collateralPriceUsdWad: marketWad,
              slippageBps: BigInt(st.slippageBps),
            };
            const order: KeeperPolicy<ReturnType<typeof crvusdKeeperView>>[] = st.liquidatorFirst
              ? [liquidator, arbitrageur]
              : [arbitrageur, liquidator];
            for (const keeper of order) {
              const view = crvusdKeeperView(s, now, market, ['arb', 'inv', 'liq']);
              // The view's candidates are exactly the loans the model's trigger accepts now.
              const triggered = s.ext.loans.keys().filter((account) => {
                try {
                  crvusdTrigger(s, { account, liquidator: 'liq', fracWad: E18, minX: 0n, nowSeconds: now });
                  return true;
                } catch (e) {
                  if (e instanceof SolventError) return false;
                  throw e;
                }
              });
              expect(view.candidates.map((c) => c.account).sort()).toEqual(triggered.sort());
              const actions = keeper.decide(view);
              // Each alone in the state it saw ...
              for (const a of actions) apply(crvusdEngine, s, a.command, now);
              // ... and all in order, as one decision lands.
              for (const a of actions) {
                const command = a.command as Command & { i?: number };
                if (command.type === 'exchange') {
                  trades += 1;
                  // It buys collateral only below the market and sells only above it.
                  const pAmm = ammPrice(view.amm, view.ammConfig, view.pOracleWad ?? 0n);
                  if (command.i === 0) expect(pAmm).toBeLessThan(marketWad);
                  else expect(pAmm).toBeGreaterThan(marketWad);
                }
                if (command.type === 'liquidate') liquidations += 1;
                s = apply(crvusdEngine, s, a.command, now).state;
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
    // Both policies were exercised.
    expect(trades).toBeGreaterThan(0);
    expect(liquidations).toBeGreaterThan(0);
  });
});
