/**
 * Tests of the model state's reads that scale with the book: the ActivePool totals carried by the
 * fold (against the ledger's sums and hand-derived figures), the risk order and its first rows
 * (against the full sort, and exactly where floats could not tell two troves apart), and the
 * troves map's canonical JSON (the state hash of a plain record of troves).
 */
import { describe, expect, test } from 'vitest';
import { balanceOf } from '../../engine/ledger.js';
import { stateHash } from '../../engine/machine.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { DEFAULT_LIQUITY_PARAMS } from './params.js';
import {
  activePoolTotals,
  compareRisk,
  entireDebtAndColl,
  type LiquityExt,
  type RiskRow,
  riskiestTroves,
  systemTotals,
  systemTotalsFromLedger,
  type Trove,
  trovesByRisk,
} from './state.js';
import { type LiquityMarket, liquityMarket, openTrove, wei } from './testkit.js';

const params = DEFAULT_LIQUITY_PARAMS;

/** Alice 10 ETH / 10,250 LUSD of debt, bob 30 / 20,300, carol 10 / 5,225 (fee 0.5 % + 200). */
function threeTroves(): LiquityMarket {
  const m = liquityMarket(2_000);
  m.run(openTrove('alice', 10, 10_000));
  m.run(openTrove('bob', 30, 20_000));
  m.run(openTrove('carol', 10, 5_000));
  return m;
}

/** A trove with no stake in redistributions. */
const trove = (coll: bigint, debt: bigint): Trove => ({
  coll,
  debt,
  stake: 0n,
  snapshotETH: 0n,
  snapshotLUSDDebt: 0n,
});
const row = (id: string, coll: bigint, debt: bigint): RiskRow => ({
  id,
  entire: { coll, debt, pendingColl: 0n, pendingDebt: 0n },
});

describe('activePoolTotals', () => {
  test('default: the troves’ recorded collateral and debt, summed by hand', () => {
    const m = threeTroves();
    // 10 + 30 + 10 ETH; 10,250 + 20,300 + 5,225 LUSD.
    expect(activePoolTotals(m.state.ext.troves)).toEqual({ coll: wei(50), debt: wei(35_775) });
    expect(activePoolTotals(PersistentMap.empty<Trove>())).toEqual({ coll: 0n, debt: 0n });
  });

  test('behavior: carried through adjust, close and liquidation; a map built elsewhere is summed once', () => {
    const m = threeTroves();
    m.run({ type: 'adjustTrove', account: 'bob', collWithdrawal: wei(5) });
    expect(activePoolTotals(m.state.ext.troves)).toEqual({ coll: wei(45), debt: wei(35_775) });
    m.run({ type: 'fundWallet', actor: 'carol', asset: 'LUSD', amount: wei(25) });
    m.run({ type: 'closeTrove', account: 'carol' }); // repays 5,225 − 200 from her wallet
    expect(activePoolTotals(m.state.ext.troves)).toEqual({ coll: wei(35), debt: wei(30_550) });
    m.price(1_100, 10);
    m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' }, 10); // redistributed to bob
    expect(activePoolTotals(m.state.ext.troves)).toEqual({ coll: wei(25), debt: wei(20_300) });
    const rebuilt = PersistentMap.fromRecord(m.state.ext.troves.toRecord());
    expect(activePoolTotals(rebuilt)).toEqual({ coll: wei(25), debt: wei(20_300) });
  });
});

describe('systemTotals', () => {
  test('default: equals the ledger’s Σ acct:* and Σ debt:* with the DefaultPool', () => {
    const m = threeTroves();
    m.price(1_100, 10);
    m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' }, 10);
    const totals = systemTotals(m.state, params);
    expect(totals).toEqual(systemTotalsFromLedger(m.state, params));
    // Alice's 9.95 ETH and 10,250 LUSD wait in the DefaultPool; bob and carol hold 40 / 25,525.
    expect(totals).toEqual({
      activeColl: wei(40),
      activeDebt: wei(25_525),
      defaultColl: 995n * 10n ** 16n,
      defaultDebt: wei(10_250),
      entireSystemColl: wei(40) + 995n * 10n ** 16n,
      entireSystemDebt: wei(35_775),
    });
    expect(balanceOf(m.state.ledger, 'defaultPool', 'ETH')).toBe(995n * 10n ** 16n);
  });
});

describe('compareRisk', () => {
  test('default: lower collateral ratio first, ties by id', () => {
    expect(compareRisk(row('b', 1n, 2n), row('a', 1n, 1n))).toBeLessThan(0);
    expect(compareRisk(row('b', 2n, 4n), row('a', 1n, 2n))).toBeGreaterThan(0); // equal ratios
    expect(compareRisk(row('a', 1n, 2n), row('a', 1n, 2n))).toBe(0);
  });

  test('behavior: exact where float ratios are equal', () => {
    const big = 10n ** 30n;
    // Number(10^30 + 1) / Number(10^30) === 1 === Number(10^30) / Number(10^30).
    expect(Number(big + 1n) / Number(big)).toBe(Number(big) / Number(big));
    expect(compareRisk(row('z', big, big), row('a', big + 1n, big))).toBeLessThan(0);
  });
});

describe('riskiestTroves', () => {
  test('default: the riskiest trove first, as the full sort lists it', () => {
    const m = threeTroves();
    // ICRs at $2,000: alice 20,000 / 10,250 = 1.95; bob 60,000 / 20,300 = 2.96; carol 20,000 / 5,225 = 3.83.
    expect(trovesByRisk(m.state.ext).map((r) => r.id)).toEqual(['alice', 'bob', 'carol']);
    expect(riskiestTroves(m.state.ext, 1).map((r) => r.id)).toEqual(['alice']);
    expect(riskiestTroves(m.state.ext, 0)).toEqual([]);
    expect(riskiestTroves(m.state.ext, -1)).toEqual([]);
    expect(riskiestTroves(m.state.ext, 10)).toEqual(trovesByRisk(m.state.ext));
  });

  test('behavior: the first k rows of the full sort on a book of 40 with pending rewards and ties', () => {
    const m = liquityMarket(2_000);
    for (let i = 0; i < 40; i++) {
      // Collateral 10–14 ETH, debt 6,000–12,000 LUSD; pairs repeat so some ratios tie exactly.
      m.run(openTrove(`t${String(i).padStart(2, '0')}`, 10 + (i % 5), 6_000 + 1_000 * (i % 7)));
    }
    m.price(1_300, 10);
    // TCR 480 · 1,300 / 364,775 = 1.71: Normal Mode. Only t20 (10 ETH, 12,260 LUSD: ICR 1.06) is
    // below MCR; the empty pool sends it to redistribution, so every other trove has pending rewards.
    m.run({ type: 'liquidateTroves', n: 3, liquidator: 'k' }, 10);
    expect(m.state.ext.troves.has('t20')).toBe(false);
    const ext: LiquityExt = m.state.ext;
    expect(ext.L_ETH).toBeGreaterThan(0n);
    const full = trovesByRisk(ext);
    for (const k of [1, 2, 3, 4, 5, 9, full.length - 1, full.length, full.length + 3]) {
      expect(riskiestTroves(ext, k)).toEqual(full.slice(0, k));
    }
    // The full sort is the exact order of entire collateral / entire debt.
    for (let i = 1; i < full.length; i++) {
      const a = full[i - 1] as RiskRow;
      const b = full[i] as RiskRow;
      expect(a.entire.coll * b.entire.debt <= b.entire.coll * a.entire.debt).toBe(true);
      const t = ext.troves.get(b.id) as Trove;
      expect(b.entire).toEqual(entireDebtAndColl(ext, t));
    }
  });

  test('behavior: a hand-made book where float ratios tie and the exact order does not', () => {
    const big = 10n ** 30n;
    const troves = PersistentMap.fromRecord({
      a: trove(big + 2n, big),
      b: trove(big + 1n, big),
      c: trove(big, big),
      d: trove(3n * big, big),
      e: trove(2n * big, big),
      f: trove(5n * big, big),
      g: trove(4n * big, big),
      h: trove(6n * big, big),
      i: trove(7n * big, big),
      j: trove(8n * big, big),
    });
    const ext: LiquityExt = { ...liquityMarket(2_000).state.ext, troves };
    // 10 troves, k = 1 (k·8 < 10): the one-pass selection, which must see c < b < a exactly.
    expect(riskiestTroves(ext, 1).map((r) => r.id)).toEqual(['c']);
    expect(trovesByRisk(ext).map((r) => r.id)).toEqual(['c', 'b', 'a', 'e', 'd', 'g', 'f', 'h', 'i', 'j']);
  });
});

describe('LiquityExt.troves', () => {
  test('default: a state hashes as it would with the troves as a plain record', () => {
    const m = threeTroves();
    m.price(1_100, 10);
    m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' }, 10);
    const asRecord = { ...m.state, ext: { ...m.state.ext, troves: m.state.ext.troves.toRecord() } };
    expect(stateHash(m.state)).toBe(stateHash(asRecord));
    expect(Object.keys(asRecord.ext.troves)).toEqual(['bob', 'carol']);
  });
});
