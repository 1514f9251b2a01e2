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
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { liquityKeeperView, liquityKeeperViewReference } from '../../keepers/liquity.js';
import type { MarketContext } from '../../keepers/types.js';
import { SolventError } from '../../math/errors.js';
import { computeCR } from '../../protocols/liquity-v1/math.js';
import { liquityV1Model } from '../../protocols/liquity-v1/model.js';
import {
  entireDebtAndColl,
  type LiquityExt,
  liquityPriceWad,
  surplusBucket,
} from '../../protocols/liquity-v1/state.js';
import { E18, liquitySetup, usd8 } from '../../protocols/liquity-v1/testkit.js';
import { healthBuckets, type OpenedStress } from './core.js';
import { liquityTroveHealth } from './liquity.js';
import { liquityBookIndex } from './liquityIndex.js';

type LiquityState = EngineState<LiquityExt>;

const ACCOUNTS = Array.from({ length: 24 }, (_, i) => `b${i}`);
/** The book: two thirds of the accounts, and one that never opens a trove. */
const BOOK = [...ACCOUNTS.filter((_, i) => i % 3 !== 2), 'never'];
const account = fc.constantFrom(...ACCOUNTS);
const halfEth = (n: number): bigint => (BigInt(n) * E18) / 2n;
const lusd = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => BigInt(n) * E18);
const keeper = fc.constantFrom('k1', 'k2');

const commandArb: fc.Arbitrary<Command[]> = fc.oneof(
  {
    arbitrary: fc
      .tuple(account, fc.integer({ min: 3, max: 60 }), fc.integer({ min: 35, max: 85 }))
      .map(([a, n, pct]): Command[] => [
        {
          type: 'openTrove',
          account: a,
          collDeposit: halfEth(n),
          lusdAmount: (halfEth(n) * 2_000n * BigInt(pct)) / 100n,
        },
      ]),
    weight: 14,
  },
  {
    arbitrary: fc
      .tuple(account, fc.integer({ min: 1, max: 10 }), fc.boolean())
      .map(([a, n, add]): Command[] => [
        add
          ? { type: 'adjustTrove', account: a, collDeposit: halfEth(n) }
          : { type: 'adjustTrove', account: a, collWithdrawal: halfEth(n) },
      ]),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(account, lusd(100, 6_000), fc.boolean())
      .map(([a, amount, draw]): Command[] => [
        { type: 'adjustTrove', account: a, lusdChange: amount, isDebtIncrease: draw },
      ]),
    weight: 3,
  },
  {
    arbitrary: fc.tuple(account, lusd(0, 30_000)).map(([a, amount]): Command[] => [
      { type: 'fundWallet', actor: a, asset: 'LUSD', amount: amount + 1n },
      { type: 'closeTrove', account: a },
    ]),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom<string>(...ACCOUNTS, 'sam', 'sam'), lusd(1, 25_000))
      .map(([a, amount]): Command[] => [{ type: 'provideToSP', account: a, amount }]),
    weight: 4,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom<string>('sam', 'b0', 'b1'), fc.oneof(lusd(1, 20_000), fc.constant(10n ** 30n)))
      .map(([a, amount]): Command[] => [{ type: 'withdrawFromSP', account: a, amount }]),
    weight: 2,
  },
  {
    arbitrary: fc
      .integer({ min: 600, max: 2_600 })
      .map((dollars): Command[] => [
        { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(dollars) },
      ]),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(account, keeper)
      .map(([a, liquidator]): Command[] => [{ type: 'liquidate', account: a, liquidator }]),
    weight: 4,
  },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 14 }), keeper)
      .map(([n, liquidator]): Command[] => [{ type: 'liquidateTroves', n, liquidator }]),
    weight: 4,
  },
  {
    arbitrary: fc
      .tuple(fc.uniqueArray(account, { minLength: 1, maxLength: 5 }), keeper)
      .map(([accounts, liquidator]): Command[] => [{ type: 'batchLiquidateTroves', accounts, liquidator }]),
    weight: 3,
  },
  {
    arbitrary: account.map((a): Command[] => [{ type: 'claimCollateral', account: a }]),
    weight: 1,
  },
);

/** The stress loop's health scan over `accounts` (core.ts healthBuckets with the adapter's reading). */
function scanBuckets(accounts: readonly string[], s: LiquityState, t: number): number[] {
  const opened = { accounts, health: liquityTroveHealth } as unknown as OpenedStress<LiquityState>;
  return healthBuckets(opened, s, t);
}

/** The book totals by a scan of every book id (the adapter's reading as first written). */
function scanTotals(s: LiquityState): { collateralWei: bigint; debtWei: bigint } {
  let collateralWei = 0n;
  let debtWei = 0n;
  for (const id of BOOK) {
    collateralWei += balanceOf(s.ledger, surplusBucket(id), 'ETH');
    const trove = s.ext.troves.get(id);
    if (trove === undefined) continue;
    const entire = entireDebtAndColl(s.ext, trove);
    collateralWei += entire.coll;
    debtWei += entire.debt;
  }
  return { collateralWei, debtWei };
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
          run({ type: 'fundWallet', actor: 'sam', asset: 'LUSD', amount: 1_000_000n * E18 }, 0);
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
            expect(index.borrowerTotals(s)).toEqual(scanTotals(s));
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
