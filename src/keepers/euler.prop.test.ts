/**
 * Property test of the Euler keeper: over random borrowers (WETH and WBTC collateral, debt up to
 * 98 % of the borrow limit) opened through the model, random price paths, gas and keeper wallets,
 * every command two competing liquidators return is accepted by the model when applied in order at
 * the view's time, with the engine contract checked after each (the testkit's `run` throws on either);
 * and a keeper that `couldAct` says cannot act sends nothing.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Command } from '../engine/machine.js';
import {
  borrowerCommands,
  E18,
  type EulerBorrower,
  market,
  price,
  run,
  usdc,
} from '../protocols/euler-v2/testkit.js';
import { eulerKeeperView, eulerLiquidator } from './euler.js';
import type { MarketContext } from './types.js';

const borrower: fc.Arbitrary<EulerBorrower> = fc.record({
  wethTenths: fc.integer({ min: 10, max: 200 }),
  wbtcHundredths: fc.integer({ min: 0, max: 100 }),
  // Share of the borrow limit drawn, percent.
  drawPct: fc.integer({ min: 30, max: 98 }),
});

describe('eulerLiquidator', () => {
  test('behavior: every command returned on random states is accepted by the model', () => {
    let acted = 0;
    let idle = 0;
    fc.assert(
      fc.property(
        fc.array(borrower, { minLength: 1, maxLength: 5 }),
        fc.array(
          fc.record({
            dt: fc.integer({ min: 1, max: 3_600 }),
            wethUsd: fc.integer({ min: 500, max: 2_200 }),
            wbtcUsd: fc.integer({ min: 20_000, max: 65_000 }),
            slipBps: fc.integer({ min: 0, max: 1_500 }),
            gasGwei: fc.integer({ min: 1, max: 400 }),
            swap: fc.boolean(),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.bigInt({ min: 0n, max: 200_000n }),
        (borrowers, steps, walletB) => {
          const opening: Command[] = [
            { type: 'supply', account: 'lena', amount: usdc(1_000_000n) },
            { type: 'fundWallet', actor: 'a', asset: 'USDC', amount: usdc(1_000_000n) },
            ...(walletB > 0n
              ? [{ type: 'fundWallet', actor: 'b', asset: 'USDC', amount: usdc(walletB) }]
              : []),
            ...borrowers.flatMap((b, i) => borrowerCommands(`u${i}`, b)),
          ];
          let s = run(market(0), opening, 0);
          const keepers = [
            eulerLiquidator({ id: 'a' }),
            eulerLiquidator({ id: 'b', minProfitUsd: 20, maxGasPriceGwei: 150 }),
          ];
          let now = 0;
          for (const step of steps) {
            now += step.dt;
            s = run(s, [price('WETH', BigInt(step.wethUsd)), price('WBTC', BigInt(step.wbtcUsd))], now);
            const ctx: MarketContext = {
              nowSeconds: now,
              gasPriceGwei: step.gasGwei,
              ethPriceUsd: step.wethUsd,
              collateralPriceUsdWad: BigInt(step.wethUsd) * E18,
              collateralPricesUsdWad: {
                WETH: BigInt(step.wethUsd) * E18,
                WBTC: BigInt(step.wbtcUsd) * E18,
                USDC: E18,
              },
              slippageBps: BigInt(step.slipBps),
            };
            for (const k of step.swap ? [...keepers].reverse() : keepers) {
              const view = eulerKeeperView(s, now, ctx, ['a', 'b']);
              const actions = k.decide(view);
              // A keeper that could not act (gas above its cap, an empty wallet) sends nothing.
              if (!k.couldAct(ctx, view.wallets[k.id]?.USDC ?? 0n)) {
                expect(actions).toEqual([]);
                idle += 1;
              }
              s = run(
                s,
                actions.map((a) => a.command),
                now,
              );
              acted += actions.length;
            }
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(acted).toBeGreaterThan(0);
    expect(idle).toBeGreaterThan(0);
  });
});
