/**
 * Property test of the reads that scale with the book: over random sequences of trove openings,
 * adjustments and closings, Stability Pool deposits and withdrawals, price moves (deep enough for
 * Recovery Mode) and single, sorted and batch liquidations on twenty accounts, after every command
 * the ActivePool totals the fold carries equal the ledger's sums (systemTotalsFromLedger) and a
 * fresh sum of a rebuilt map; the first k rows of the risk order equal those of a full sort of a
 * plain record of the troves (the order as first written); and the state hashes as it would with
 * that plain record. The runs must liquidate, redistribute and reach Recovery Mode.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { apply, type Command, stateHash } from '../../engine/machine.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { SolventError } from '../../math/errors.js';
import { liquityV1Model } from './model.js';
import {
  activePoolTotals,
  entireDebtAndColl,
  type LiquityExt,
  type RiskRow,
  riskiestTroves,
  systemTotals,
  systemTotalsFromLedger,
  type Trove,
  type TroveLiquidated,
  trovesByRisk,
} from './state.js';
import { E18, liquitySetup, usd8 } from './testkit.js';

const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `a${i}`);
const account = fc.constantFrom(...ACCOUNTS);
const halfEth = (n: number): bigint => (BigInt(n) * E18) / 2n;
const lusd = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => BigInt(n) * E18);
const keeper = fc.constantFrom('k1', 'k2');

const commandArb: fc.Arbitrary<Command[]> = fc.oneof(
  {
    // A trove worth 2000 $/ETH × coll, borrowing 35–85 % of that value.
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
      .tuple(fc.constantFrom<string>('sam', 'a0', 'a1'), fc.oneof(lusd(1, 20_000), fc.constant(10n ** 30n)))
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
);

const sequenceArb = fc.tuple(
  fc.constantFrom(0n, 60n, 300n),
  fc.array(fc.tuple(commandArb, fc.nat(900)), { minLength: 80, maxLength: 80 }),
);

/** The risk order as first written: a plain record's sorted keys, then sorted by exact ratio. */
function plainRiskOrder(ext: LiquityExt, record: Readonly<Record<string, Trove>>): RiskRow[] {
  const rows = Object.keys(record)
    .sort()
    .map((id) => ({ id, entire: entireDebtAndColl(ext, record[id] as Trove) }));
  return rows.sort((a, b) => {
    const left = a.entire.coll * b.entire.debt;
    const right = b.entire.coll * a.entire.debt;
    if (left !== right) return left < right ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/** Every fast read against its full-scan oracle. */
function checkReads(state: EngineState<LiquityExt>): void {
  const ext = state.ext;
  if (ext.params === null) return;
  expect(systemTotals(state, ext.params)).toEqual(systemTotalsFromLedger(state, ext.params));
  const record = ext.troves.toRecord();
  expect(activePoolTotals(PersistentMap.fromRecord(record))).toEqual(activePoolTotals(ext.troves));
  const oracle = plainRiskOrder(ext, record);
  expect(trovesByRisk(ext)).toEqual(oracle);
  for (const k of [1, 2, 3, 5, oracle.length]) expect(riskiestTroves(ext, k)).toEqual(oracle.slice(0, k));
  expect(stateHash(state)).toBe(stateHash({ ...state, ext: { ...ext, troves: record } }));
}

describe('liquity-v1 fast reads', () => {
  test('behavior: totals, risk order and state hash equal the full scans on random sequences', () => {
    const engine = createEngine(liquityV1Model);
    const seen = { liquidated: 0, redistributions: 0, recovery: 0, partial: 0 };
    fc.assert(
      fc.property(sequenceArb, ([whaleEth, groups]) => {
        let state = engine.initial();
        const run = (command: Command, now: number): void => {
          try {
            const applied = apply(engine, state, command, now);
            state = applied.state;
            for (const { event } of applied.events) {
              if (event.type === 'TroveLiquidated') {
                seen.liquidated += 1;
                if ((event as TroveLiquidated).mode === 'recovery') seen.recovery += 1;
              }
              if (event.type === 'Redistributed') seen.redistributions += 1;
            }
          } catch (e) {
            if (!(e instanceof SolventError)) throw e;
          }
          checkReads(state);
          // k = 1 reads the one-pass selection once the book exceeds PARTIAL_SHARE troves.
          if (state.ext.troves.size > 8) seen.partial += 1;
        };
        for (const c of liquitySetup(2_000)) run(c, 0);
        run({ type: 'fundWallet', actor: 'sam', asset: 'LUSD', amount: 1_000_000n * E18 }, 0);
        if (whaleEth > 0n) {
          run(
            {
              type: 'openTrove',
              account: 'whale',
              collDeposit: whaleEth * E18,
              lusdAmount: whaleEth * 500n * E18,
            },
            0,
          );
        }
        let now = 1;
        for (const [group, dt] of groups) {
          now += dt;
          for (const c of group) run(c, now);
        }
      }),
      { numRuns: 30 },
    );
    expect(seen.liquidated).toBeGreaterThan(0);
    expect(seen.redistributions).toBeGreaterThan(0);
    expect(seen.recovery).toBeGreaterThan(0);
    expect(seen.partial).toBeGreaterThan(0);
  });
});
