/**
 * Property test of the Liquity adapter's book index: random sequences of trove openings,
 * adjustments and closings, Stability Pool deposits and withdrawals, price moves (Normal and
 * Recovery Mode) and single, sorted and batch liquidations run through the model; one index then
 * follows the states of the run in a random order (forward, backward, repeated, as keepers' dry runs
 * and a reused index do) and at each must give the book totals of a full scan, a screen that names
 * every trove below a ceiling (and none far above it), the health buckets of the stress loop's scan
 * (one health read per book account; for a book of every account too, the binary-search path),
 * and, as the keeper view's screen, the reference view (every trove sorted, totals from the ledger).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { apply, type Command } from '../../engine/machine.js';
import { liquityKeeperView, liquityKeeperViewReference } from '../../keepers/liquity.js';
import type { MarketContext } from '../../keepers/types.js';
import { SolventError } from '../../math/errors.js';
import { computeCR } from '../../protocols/liquity-v1/math.js';
import { liquityV1Model } from '../../protocols/liquity-v1/model.js';
import { entireDebtAndColl, type LiquityExt, liquityPriceWad } from '../../protocols/liquity-v1/state.js';
import {
  borrowerTotalsByScan,
  E18,
  fundSam,
  liquityBookCommandArb,
  liquitySetup,
} from '../../protocols/liquity-v1/testkit.js';
import { healthBuckets, type OpenedStress } from './core.js';
import { liquityTroveHealth } from './liquity.js';
import { liquityBookIndex } from './liquityIndex.js';

type LiquityState = EngineState<LiquityExt>;

const ACCOUNTS = Array.from({ length: 24 }, (_, i) => `b${i}`);
/** The book: two thirds of the accounts, and one that never opens a trove. */
const BOOK = [...ACCOUNTS.filter((_, i) => i % 3 !== 2), 'never'];
const commandArb: fc.Arbitrary<Command[]> = liquityBookCommandArb(ACCOUNTS, 1);

/** The stress loop's health scan over `accounts` (core.ts healthBuckets with the adapter's reading). */
function scanBuckets(accounts: readonly string[], s: LiquityState, t: number): number[] {
  const opened = { accounts, health: liquityTroveHealth } as unknown as OpenedStress<LiquityState>;
  return healthBuckets(opened, s, t);
}

/** Every trove's exact ICR at `priceWad`. */
function icrs(s: LiquityState, priceWad: bigint): Map<string, bigint> {
  const out = new Map<string, bigint>();
  s.ext.troves.forEach((t, id) => {
    const entire = entireDebtAndColl(s.ext, t);
    out.set(id, computeCR(entire.coll, entire.debt, priceWad));
  });
  return out;
}

describe('liquityBookIndex', () => {
  test('behavior: totals, screen and keeper view equal the full scans, states in any order', () => {
    const engine = createEngine(liquityV1Model);
    const seen = { redistributed: 0, named: 0, below: 0, candidates: 0, recovery: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(commandArb, fc.nat(900)), { minLength: 60, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 100, max: 300 })), { minLength: 20, maxLength: 40 }),
        (groups, visits) => {
          let state = engine.initial();
          const states: LiquityState[] = [];
          const run = (command: Command, now: number): void => {
            try {
              state = apply(engine, state, command, now).state;
            } catch (e) {
              if (!(e instanceof SolventError)) throw e;
            }
          };
          for (const c of liquitySetup(2_000)) run(c, 0);
          run(fundSam, 0);
          let now = 1;
          for (const [group, dt] of groups) {
            now += dt;
            for (const c of group) run(c, now);
            states.push(state);
          }
          if (states.some((s) => s.ext.L_ETH > 0n)) seen.redistributed += 1;
          const index = liquityBookIndex(BOOK, 'ETH');
          const everyone = liquityBookIndex(ACCOUNTS, 'ETH');
          for (const [pick, ceilingPct] of visits) {
            const s = states[pick % states.length] as LiquityState;
            expect(index.borrowerTotals(s)).toEqual(borrowerTotalsByScan(s, BOOK));
            const t = s.timeSeconds;
            expect(index.healthCounts(s, t)).toEqual(scanBuckets(BOOK, s, t));
            expect(everyone.healthCounts(s, t)).toEqual(scanBuckets(ACCOUNTS, s, t));
            // Later, when a stale feed would refuse (not here: a year of staleness), still equal.
            expect(everyone.healthCounts(s, t + 90)).toEqual(scanBuckets(ACCOUNTS, s, t + 90));
            const priceWad = liquityPriceWad(s, t);
            // A ceiling between 100 % and 300 %: every trove below it is named, none ≥ 1.000001 × it.
            const ceiling = (BigInt(ceilingPct) * E18) / 100n;
            const named = index.below(s, ceiling, priceWad);
            expect(new Set(named).size).toBe(named.length);
            const exact = icrs(s, priceWad);
            for (const [id, icr] of exact) if (icr < ceiling) expect(named).toContain(id);
            for (const id of named) {
              const icr = exact.get(id);
              expect(icr).toBeDefined();
              expect((icr as bigint) * 1_000_000n < ceiling * 1_000_001n).toBe(true);
            }
            seen.named += named.length;
            seen.below += [...exact.values()].filter((icr) => icr < ceiling).length;
            const market: MarketContext = {
              nowSeconds: t,
              gasPriceGwei: 1,
              ethPriceUsd: Number(priceWad / E18),
              collateralPriceUsdWad: priceWad,
              slippageBps: 0n,
            };
            const reference = liquityKeeperViewReference(s, t, market, ['k1']);
            if (reference.recoveryMode) seen.recovery += 1;
            seen.candidates += reference.candidates.length;
            const view = liquityKeeperView(s, t, market, ['k1'], {
              candidatesBelow: (c, p) => index.below(s, c, p),
            });
            expect(view).toEqual(reference);
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(seen.redistributed).toBeGreaterThan(0);
    expect(seen.below).toBeGreaterThan(0);
    expect(seen.candidates).toBeGreaterThan(0);
    expect(seen.recovery).toBeGreaterThan(0);
  });
});
