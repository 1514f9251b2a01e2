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
import { fundSam, liquityBookCommandArb, liquitySetup, whaleTrove } from './testkit.js';

const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `a${i}`);

const commandArb: fc.Arbitrary<Command[]> = liquityBookCommandArb(ACCOUNTS);

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
        run(fundSam, 0);
        if (whaleEth > 0n) run(whaleTrove(whaleEth), 0);
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
