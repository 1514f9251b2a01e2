/**
 * Tests of the five liquidation stages of liquity-v1, each called on its own on a state built
 * through the engine, with the amounts derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import { CircuitBreakerError, ProtocolRevertError } from '../../engine/errors.js';
import type { Moved } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import {
  decideLiquidation,
  type LiquityLiquidationRequest,
  liquityExecution,
  liquityIncentive,
  liquityLossWaterfall,
  liquitySizing,
  liquityTrigger,
} from './liquidation.js';
import type { Redistributed, SystemSnapshotsUpdated } from './state.js';
import { E18, LiquityMarket, liquityMarket, liquitySetup, openTrove, wei } from './testkit.js';

const moves = (events: readonly EngineEvent[]): [string, string, string, bigint][] =>
  events.filter((e): e is Moved => e.type === 'Moved').map((m) => [m.asset, m.from, m.to, m.amount]);
const eventOf = <T extends EngineEvent>(events: readonly EngineEvent[], type: string): T => {
  const found = events.find((e) => e.type === type);
  if (found === undefined) throw new Error(`no ${type}`);
  return found as T;
};

/** Alice (10 ETH, debt 10,250) and Bob (100 ETH, debt 50,450, 5,000 LUSD in the pool) at $1,100. */
function partialPool(): LiquityMarket {
  const m = liquityMarket(2_000);
  m.run(openTrove('alice', 10, 10_000));
  m.run(openTrove('bob', 100, 50_000));
  m.run({ type: 'provideToSP', account: 'bob', amount: wei(5_000) });
  m.price(1_100, 10);
  return m;
}

const request = (call: LiquityLiquidationRequest['call']): LiquityLiquidationRequest => ({
  liquidator: 'k',
  call,
  nowSeconds: 10,
});

describe('liquityTrigger', () => {
  test('default: price, pool, TCR and the walk order', () => {
    const m = partialPool();
    const t = liquityTrigger(m.state, request({ kind: 'liquidateTroves', n: 5n }));
    expect(t.priceWad).toBe(wei(1_100));
    expect(t.LUSDInSP).toBe(wei(5_000));
    // TCR = 110 · 1100 / 60,700 = 1.993410214168039538 (floor): normal mode.
    expect(t.TCR).toBe(1_993_410_214_168_039_538n);
    expect(t.recoveryModeAtStart).toBe(false);
    expect(t.candidates).toEqual(['alice', 'bob']); // ICR 1.073 before 2.18
  });
  test('error: an inactive trove, an empty array, a tripped breaker', () => {
    const m = partialPool();
    expect(() => liquityTrigger(m.state, request({ kind: 'liquidate', account: 'zed' }))).toThrow(
      ProtocolRevertError,
    );
    expect(() => liquityTrigger(m.state, request({ kind: 'batchLiquidateTroves', accounts: [] }))).toThrow(
      ProtocolRevertError,
    );
    const b = new LiquityMarket().runAll(
      liquitySetup(
        2_000,
        {},
        { breaker: { maxMoveBps: 3_000, windowSeconds: 3_600, pauses: 'liquidations' } },
      ),
      0,
    );
    b.run(openTrove('alice', 10, 10_000));
    b.run(openTrove('bob', 100, 50_000));
    b.price(1_100, 10); // a 45 % fall trips the breaker
    expect(() => liquityTrigger(b.state, request({ kind: 'liquidateTroves', n: 5n }))).toThrow(
      CircuitBreakerError,
    );
  });
});

describe('liquitySizing', () => {
  test('default: a normal-mode trove split between the pool and redistribution', () => {
    const m = partialPool();
    const req = request({ kind: 'liquidate', account: 'alice' });
    const size = liquitySizing(m.state, req, liquityTrigger(m.state, req));
    expect(size.entries).toHaveLength(1);
    // Gas 10/200 = 0.05 ETH; 9.95 ETH: 9.95 · 5000/10,250 = 4.853658536585365853… to the pool.
    expect(size.entries[0]).toMatchObject({
      account: 'alice',
      mode: 'normal',
      collGasCompensation: 5n * 10n ** 16n,
      LUSDGasCompensation: wei(200),
      debtToOffset: wei(5_000),
      collToSendToSP: 4_853_658_536_585_365_853n,
      debtToRedistribute: wei(5_250),
      collToRedistribute: 5_096_341_463_414_634_147n,
    });
    expect(size.totals.totalDebtInSequence).toBe(wei(10_250));
    expect(size.totalStakesAfter).toBe(wei(100));
  });
  test('behavior: recovery mode re-evaluates the TCR after each trove', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('w', 100, 64_000)); // debt 64,520
    m.run(openTrove('a', 12, 10_000)); // debt 10,250
    m.run(openTrove('b', 13, 10_000)); // debt 10,250
    m.run({ type: 'provideToSP', account: 'w', amount: wei(30_000) });
    m.price(1_000, 10);
    const req = request({ kind: 'batchLiquidateTroves', accounts: ['b', 'a'] });
    const size = liquitySizing(m.state, req, liquityTrigger(m.state, req));
    // TCR before b: 125,000 / 85,020; b's capped offset takes its 13 ETH and 10,250 debt out, so
    // before a: 112,000 / 74,770, still below 150 % (floors checked with plain integer arithmetic).
    expect(size.entries.map((e) => [e.account, e.branch, e.TCR])).toEqual([
      ['b', 'cappedOffset', 1_470_242_295_930_369_324n],
      ['a', 'cappedOffset', 1_497_926_976_059_917_079n],
    ]);
  });
  test('error: nothing to liquidate', () => {
    const m = partialPool();
    m.price(2_000, 20);
    const req = request({ kind: 'liquidateTroves', n: 3n });
    const t = liquityTrigger(m.state, { ...req, nowSeconds: 20 });
    expect(() => liquitySizing(m.state, req, t)).toThrow(ProtocolRevertError);
  });
});

describe('execution, incentive and loss waterfall', () => {
  test('default: each stage moves its share of the trove', () => {
    const m = partialPool();
    const req = request({ kind: 'liquidate', account: 'alice' });
    const t = liquityTrigger(m.state, req);
    const size = liquitySizing(m.state, req, t);
    const outcome = liquityExecution(m.state, req, size, t);
    expect(outcome.shortfall).toBe(wei(5_250));
    expect(moves(outcome.events)).toEqual([
      ['ETH', 'acct:alice', 'stabilityPool', 4_853_658_536_585_365_853n],
      ['LUSD.debt', 'debt:alice', 'mint', wei(5_000)],
      ['LUSD', 'stabilityPool', 'mint', wei(5_000)],
    ]);
    // The pool is emptied: a new epoch.
    expect(eventOf(outcome.events, 'StabilityPoolOffset')).toMatchObject({ currentEpoch: 1n, P: E18 });
    expect(eventOf<SystemSnapshotsUpdated>(outcome.events, 'SystemSnapshotsUpdated')).toEqual({
      type: 'SystemSnapshotsUpdated',
      totalStakesSnapshot: wei(100),
      totalCollateralSnapshot: wei(100) + 5_096_341_463_414_634_147n,
    });
    expect(moves(liquityIncentive(m.state, req, outcome))).toEqual([
      ['ETH', 'acct:alice', 'wallet:k', 5n * 10n ** 16n],
      ['LUSD', 'gasPool', 'wallet:k', wei(200)],
    ]);
    const loss = liquityLossWaterfall(m.state, req, outcome);
    expect(moves(loss)).toEqual([
      ['ETH', 'acct:alice', 'defaultPool', 5_096_341_463_414_634_147n],
      ['LUSD.debt', 'debt:alice', 'defaultPool', wei(5_250)],
    ]);
    // L_ETH = 5.096341463414634147e18 · 1e18 / 100e18 = 50963414634146341 r 47e18; L_LUSDDebt = 52.5e18.
    expect(eventOf<Redistributed>(loss, 'Redistributed')).toMatchObject({
      L_ETH: 50_963_414_634_146_341n,
      lastETHError_Redistribution: 47n * E18,
      L_LUSDDebt: 525n * 10n ** 17n,
      lastLUSDDebtError_Redistribution: 0n,
    });
  });

  test('behavior: a trove with pending rewards pays from its own buckets first, then the DefaultPool', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000)); // debt 10,250
    m.run(openTrove('bob', 30, 20_000)); // debt 20,300
    m.run(openTrove('carol', 10, 5_000)); // debt 5,225
    m.price(1_100, 10);
    m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' }, 10);
    // Bob now: 30 + 7.4625 ETH, 20,300 + 7,687.5 debt. At $800 his ICR is 29,970/27,987.5 = 1.0708
    // and the TCR 39,960/35,775 = 1.117: Recovery Mode, 100 % < ICR < MCR, empty pool → redistributed.
    m.price(800, 20);
    const events = decideLiquidation(m.state, {
      liquidator: 'k',
      call: { kind: 'liquidate', account: 'bob' },
      nowSeconds: 20,
    });
    // Gas 37.4625 / 200 = 0.1873125 ETH from acct:bob; the rest of his 30 ETH to the DefaultPool; his
    // pending 7.4625 ETH and 7,687.5 debt stay there.
    expect(moves(events)).toEqual([
      ['ETH', 'acct:bob', 'wallet:k', 187_312_500_000_000_000n],
      ['LUSD', 'gasPool', 'wallet:k', wei(200)],
      ['ETH', 'acct:bob', 'defaultPool', wei(30) - 187_312_500_000_000_000n],
      ['LUSD.debt', 'debt:bob', 'defaultPool', wei(20_300)],
    ]);
    // Carol's stake 10 takes it all: L_ETH += 37.2751875 / 10, L_LUSDDebt += 27,987.5 / 10.
    expect(eventOf<Redistributed>(events, 'Redistributed')).toMatchObject({
      L_ETH: 248_750_000_000_000_000n + 3_727_518_750_000_000_000n,
      L_LUSDDebt: 256_250_000_000_000_000_000n + 2_798_750_000_000_000_000_000n,
    });
    m.run({ type: 'liquidate', account: 'bob', liquidator: 'k' }, 20);
    // Carol holds the whole system: 50 − 0.05 − 0.1873125 ETH and 35,775 LUSD of debt.
    const carol = m.state.ext.troves.get('carol');
    expect(carol).toBeDefined();
    expect(m.balance('defaultPool', 'ETH')).toBe(
      wei(50) - 5n * 10n ** 16n - 187_312_500_000_000_000n - wei(10),
    );
    expect(m.balance('defaultPool', 'claims')).toBe(wei(35_775) - wei(5_225));
  });
});
