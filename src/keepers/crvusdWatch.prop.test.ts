/**
 * Property tests of the crvUSD watch against the full scan: over random books, oracle walks and
 * commands (trades, arbitrage, hard and partial self-liquidations, repayments, added collateral,
 * loans opened mid-way), every loan with health(full=True) < 0 is screened in, the watch's health
 * of every loan is the Controller's, and the keeper view's candidates are the loans the model's
 * trigger accepts — for a watch that follows the states in order and for one that jumps between
 * them in a random order.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../engine/engine.js';
import { SolventError } from '../math/errors.js';
import { controllerHealth } from '../protocols/crvusd/controller.js';
import { crvusdTrigger } from '../protocols/crvusd/liquidation.js';
import { type CrvusdExt, oraclePriceWad } from '../protocols/crvusd/state.js';
import { crvusdWalk, E18, walkLoanArb, walkOpArb } from '../protocols/crvusd/testkit.js';
import { crvusdKeeperView } from './crvusd.js';
import { CrvusdWatch } from './crvusdWatch.js';

type State = EngineState<CrvusdExt>;

/** Loans with health(full=True) < 0 at `pOracleWad`, by the Controller's own function (the full scan). */
function unhealthy(s: State, pOracleWad: bigint): string[] {
  const m = s.ext.market;
  if (m === null) return [];
  return s.ext.loans.keys().filter(
    (account) =>
      controllerHealth(s.ext.amm, m.amm, {
        user: account,
        debt: s.ext.loans.get(account)?.debt ?? 0n,
        full: true,
        liquidationDiscountWad: s.ext.loans.get(account)?.liquidationDiscountWad ?? 0n,
        pOracleWad,
      }) < 0n,
  );
}

describe('CrvusdWatch', () => {
  test('behavior: the screen keeps every unhealthy loan, health is the Controller’s, candidates are exact', () => {
    let unhealthySeen = 0;
    let skippedSeen = 0;
    fc.assert(
      fc.property(
        fc.array(walkLoanArb, { minLength: 1, maxLength: 12 }),
        fc.array(walkOpArb, { minLength: 1, maxLength: 40 }),
        fc.infiniteStream(fc.nat()),
        (loans, ops, order) => {
          const points = crvusdWalk(loans, ops);
          const inOrder = new CrvusdWatch();
          const jumping = new CrvusdWatch();
          const visits = [
            ...points.map((_, i) => i),
            ...points.map(() => order.next().value % points.length),
          ];
          visits.forEach((i, k) => {
            const { state: s, nowSeconds } = points[i] as (typeof points)[number];
            const m = s.ext.market;
            if (m === null) return;
            let pO: bigint;
            try {
              pO = oraclePriceWad(s, m, nowSeconds);
            } catch (e) {
              if (e instanceof SolventError) return;
              throw e;
            }
            const watch = k < points.length ? inOrder : jumping;
            const screened = watch.screen(s, pO);
            expect(screened).toEqual([...screened].sort());
            const bad = unhealthy(s, pO);
            unhealthySeen += bad.length;
            skippedSeen += s.ext.loans.size - screened.length;
            for (const account of bad) expect(screened).toContain(account);
            for (const account of s.ext.loans.keys()) {
              const loan = s.ext.loans.get(account);
              if (loan === undefined) continue;
              expect(watch.health(s, account, pO)).toBe(
                controllerHealth(s.ext.amm, m.amm, {
                  user: account,
                  debt: loan.debt,
                  full: true,
                  liquidationDiscountWad: loan.liquidationDiscountWad,
                  pOracleWad: pO,
                }),
              );
            }
            expect(watch.health(s, 'nobody', pO)).toBeUndefined();
            // The view over this watch lists exactly the loans the model lets others liquidate.
            const market = {
              nowSeconds,
              gasPriceGwei: 1,
              ethPriceUsd: Number(pO) / 1e18,
              collateralPriceUsdWad: pO,
              slippageBps: 0n,
            };
            const view = crvusdKeeperView(s, nowSeconds, market, [], { watch });
            const triggered = s.ext.loans.keys().filter((account) => {
              try {
                crvusdTrigger(s, { account, liquidator: 'liq', fracWad: E18, minX: 0n, nowSeconds });
                return true;
              } catch (e) {
                if (e instanceof SolventError) return false;
                throw e;
              }
            });
            expect(view.candidates.map((c) => c.account).sort()).toEqual(triggered);
          });
        },
      ),
      { numRuns: 120 },
    );
    // Both sides were exercised: unhealthy loans screened in, healthy ones left out.
    expect(unhealthySeen).toBeGreaterThan(0);
    expect(skippedSeen).toBeGreaterThan(0);
  });
});
