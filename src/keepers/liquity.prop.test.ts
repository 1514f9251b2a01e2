/**
 * Property tests of the Liquity keeper: over random books of troves opened through the model, random
 * Stability Pool deposits and random price paths (Normal and Recovery Mode alike), every command two
 * competing liquidators return is accepted by the model when applied in order at the view's time (the
 * testkit driver throws on a refusal), and the engine contract holds afterwards; and on every state
 * the view, with or without a screen of the troves, equals the reference view (every trove sorted,
 * totals read from the ledger).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../engine/contract.js';
import { computeCR } from '../protocols/liquity-v1/math.js';
import { liquityV1Model } from '../protocols/liquity-v1/model.js';
import { entireDebtAndColl } from '../protocols/liquity-v1/state.js';
import { E18, type LiquityMarket, liquityMarket, wei } from '../protocols/liquity-v1/testkit.js';
import { liquityKeeperView, liquityKeeperViewReference, liquityLiquidator } from './liquity.js';
import type { MarketContext } from './types.js';

const trove = fc.record({
  collEth: fc.integer({ min: 5, max: 60 }),
  // Collateral ratio at $2,000 in hundredths: 155 %–400 % (every open keeps TCR ≥ CCR).
  ratioPct: fc.integer({ min: 155, max: 400 }),
});

/**
 * A market at $2,000 with `troves` opened as t0, t1, … at t = 60 and `spPct` % of t0's LUSD
 * provided to the Stability Pool.
 */
function openBook(troves: readonly { collEth: number; ratioPct: number }[], spPct: number): LiquityMarket {
  const m = liquityMarket(2_000);
  troves.forEach((t, i) => {
    // lusd with ICR = ratio at $2,000: (coll · 2,000 / ratio − 200) / 1.005, whole LUSD.
    const lusd = Math.floor(((t.collEth * 2_000 * 100) / t.ratioPct - 200) / 1.005);
    m.run({ type: 'openTrove', account: `t${i}`, collDeposit: wei(t.collEth), lusdAmount: wei(lusd) }, 60);
  });
  const deposit = (m.balance('wallet:t0', 'LUSD') * BigInt(spPct)) / 100n;
  if (deposit > 0n) m.run({ type: 'provideToSP', account: 't0', amount: deposit }, 60);
  return m;
}

describe('liquityLiquidator', () => {
  test('behavior: every command returned on random states is accepted by the model', () => {
    let acted = 0;
    fc.assert(
      fc.property(
        fc.array(trove, { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 3_600 }),
            priceUsd: fc.integer({ min: 300, max: 2_000 }),
            slipBps: fc.integer({ min: 0, max: 2_000 }),
            gasGwei: fc.integer({ min: 1, max: 500 }),
            swap: fc.boolean(),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.integer({ min: 1, max: 4 }),
        (troves, spPct, steps, maxTroves) => {
          const m = openBook(troves, spPct);
          const keepers = [
            liquityLiquidator({ id: 'a', maxTrovesPerCall: maxTroves }),
            liquityLiquidator({ id: 'b', minProfitUsd: 50, maxGasPriceGwei: 200 }),
          ];
          let now = 120;
          for (const s of steps) {
            now += s.dt;
            m.price(s.priceUsd, now);
            const market: MarketContext = {
              nowSeconds: now,
              gasPriceGwei: s.gasGwei,
              ethPriceUsd: s.priceUsd,
              collateralPriceUsdWad: BigInt(s.priceUsd) * E18,
              slippageBps: BigInt(s.slipBps),
            };
            for (const k of s.swap ? [...keepers].reverse() : keepers) {
              // Each keeper decides on the state its predecessor left, as in one block applied in order.
              const actions = k.decide(liquityKeeperView(m.state, now, market, ['a', 'b']));
              for (const a of actions) m.run(a.command, now);
              acted += actions.length;
            }
            expect(engineViolations(liquityV1Model, m.state)).toEqual([]);
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(acted).toBeGreaterThan(0);
  });

  test('behavior: the view equals the reference view, with no screen, a tight one or a loose one', () => {
    let candidates = 0;
    let recovery = 0;
    fc.assert(
      fc.property(
        fc.array(trove, { minLength: 2, maxLength: 14 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 3_600 }),
            priceUsd: fc.integer({ min: 300, max: 2_000 }),
            act: fc.boolean(),
            drop: fc.array(fc.nat(13), { maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (troves, spPct, steps) => {
          const m = openBook(troves, spPct);
          const keeper = liquityLiquidator({ id: 'a', maxTrovesPerCall: 3 });
          let now = 120;
          for (const s of steps) {
            now += s.dt;
            m.price(s.priceUsd, now);
            const market: MarketContext = {
              nowSeconds: now,
              gasPriceGwei: 1,
              ethPriceUsd: s.priceUsd,
              collateralPriceUsdWad: BigInt(s.priceUsd) * E18,
              slippageBps: 0n,
            };
            const reference = liquityKeeperViewReference(m.state, now, market, ['a']);
            candidates += reference.candidates.length;
            if (reference.recoveryMode) recovery += 1;
            expect(liquityKeeperView(m.state, now, market, ['a'])).toEqual(reference);
            // Tight: exactly the troves below the ceiling, in reverse id order.
            const tight = liquityKeeperView(m.state, now, market, ['a'], {
              candidatesBelow: (ceiling, priceWad) => belowCeiling(m, ceiling, priceWad).reverse(),
            });
            expect(tight).toEqual(reference);
            // Loose: every id, repeated, with unknown ones.
            const loose = liquityKeeperView(m.state, now, market, ['a'], {
              candidatesBelow: () => ['nobody', ...m.state.ext.troves.keys(), 't0', 't0', 'ghost'],
            });
            expect(loose).toEqual(reference);
            // A screen that misses a trove below the ceiling changes the view: the screen is read.
            const missing = s.drop.map((i) => `t${i}`);
            const partial = liquityKeeperView(m.state, now, market, ['a'], {
              candidatesBelow: (ceiling, priceWad) =>
                belowCeiling(m, ceiling, priceWad).filter((id) => !missing.includes(id)),
            });
            expect(partial.candidates).toEqual(
              reference.candidates.filter((c) => !missing.includes(c.account)),
            );
            if (s.act) for (const a of keeper.decide(reference)) m.run(a.command, now);
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(candidates).toBeGreaterThan(0);
    expect(recovery).toBeGreaterThan(0);
  });
});

/** Ids of the troves whose ICR at `priceWad` is below `ceilingIcrWad` (a full scan), sorted. */
function belowCeiling(m: LiquityMarket, ceilingIcrWad: bigint, priceWad: bigint): string[] {
  return m.state.ext.troves.keys().filter((id) => {
    const t = m.state.ext.troves.get(id);
    if (t === undefined) return false;
    const entire = entireDebtAndColl(m.state.ext, t);
    return computeCR(entire.coll, entire.debt, priceWad) < ceilingIcrWad;
  });
}
