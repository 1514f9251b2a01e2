/**
 * End-to-end tests of the liquity-v1 model through `createEngine` + `apply`: troves opened with the
 * borrowing fee and the 200 LUSD reserve, a price drop, liquidations against the Stability Pool, by
 * redistribution with an empty pool (the bad-debt path), in Recovery Mode with a capped offset and
 * its collateral surplus, `liquidateTroves` re-evaluating the TCR, the last-trove rule, and
 * refusals by error class. Every expected number is derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../../engine/contract.js';
import {
  InsufficientBalanceError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  StaleOraclePriceError,
} from '../../engine/errors.js';
import { liquityV1Model } from './model.js';
import { DEFAULT_LIQUITY_PARAMS } from './params.js';
import { E18, LiquityMarket, liquityMarket, liquitySetup, openTrove, wei } from './testkit.js';

/** The contract reason of a ProtocolRevertError thrown by `run` (fails otherwise). */
function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolRevertError);
    return (error as ProtocolRevertError).reason;
  }
  throw new Error('expected a ProtocolRevertError');
}

const noViolations = (m: LiquityMarket) => expect(engineViolations(liquityV1Model, m.state)).toEqual([]);

describe('liquityV1Model', () => {
  test('default: open a trove — fee, gas reserve, debt and collateral land in their buckets', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000));
    // Fee 0.5 % of 10,000 = 50; debt = 10,000 + 50 + 200 = 10,250.
    expect(m.balance('acct:alice', 'ETH')).toBe(wei(10));
    expect(m.balance('wallet:alice', 'LUSD')).toBe(wei(10_000));
    expect(m.balance('protocol', 'LUSD')).toBe(wei(50));
    expect(m.balance('gasPool', 'LUSD')).toBe(wei(200));
    expect(m.balance('debt:alice', 'claims')).toBe(wei(10_250));
    expect(m.state.ext.troves.get('alice')).toEqual({
      debt: wei(10_250),
      coll: wei(10),
      stake: wei(10), // no liquidation yet: stake = collateral
      snapshotETH: 0n,
      snapshotLUSDDebt: 0n,
    });
    // ICR = 10 · 2000 / 10,250 = 1.951219512195121951 (floor).
    const h = liquityV1Model.health(m.state, 'alice', 0);
    expect(h.debtValueWad).toBe(wei(10_250));
    expect(h.collateralValueWad).toBe(wei(20_000));
    expect(h.healthWad).toBe((((wei(20_000) * E18) / wei(10_250)) * E18) / (11n * 10n ** 17n));
    expect(h.liquidatable).toBe(false);
    noViolations(m);
  });

  test('behavior: normal mode, the Stability Pool absorbs the whole trove (every balance to the wei)', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000)); // debt 10,250
    m.run(openTrove('bob', 100, 50_000)); // fee 250, debt 50,450
    m.run({ type: 'provideToSP', account: 'bob', amount: wei(40_000) });
    m.price(1_100, 10);
    // Alice: ICR = 11,000 / 10,250 = 1.0731 < 1.1; TCR = 121,000 / 60,700 = 1.99: normal mode.
    expect(liquityV1Model.health(m.state, 'alice', 10).liquidatable).toBe(true);
    m.run({ type: 'liquidate', account: 'alice', liquidator: 'keeper' }, 10);
    // Gas: 10 / 200 = 0.05 ETH and 200 LUSD; offset 10,250, all 9.95 ETH to the pool.
    expect(m.balance('wallet:keeper', 'ETH')).toBe(5n * 10n ** 16n);
    expect(m.balance('wallet:keeper', 'LUSD')).toBe(wei(200));
    expect(m.balance('stabilityPool', 'LUSD')).toBe(wei(29_750));
    expect(m.balance('stabilityPool', 'ETH')).toBe(995n * 10n ** 16n);
    expect(m.balance('acct:alice', 'ETH')).toBe(0n);
    expect(m.balance('debt:alice', 'claims')).toBe(0n);
    expect(m.balance('gasPool', 'LUSD')).toBe(wei(200));
    expect(m.balance('defaultPool', 'claims')).toBe(0n);
    expect(m.balance('wallet:alice', 'LUSD')).toBe(wei(10_000)); // she keeps what she borrowed
    // Loss per unit = floor(10,250 / 40,000 · 1e18) + 1 = 256250000000000001; P = 1e18 − that.
    expect(m.state.ext.sp.P).toBe(743_749_999_999_999_999n);
    expect(m.state.ext.sp.lastLUSDLossError_Offset).toBe(wei(40_000)); // 1 · 40,000e18 overshoot
    expect(m.state.ext.sp.sums['0:0']).toBe(248_750_000_000_000n * E18); // gain/unit 9.95/40,000 · 1e18, × P=1e18
    // Bob withdraws: 40,000e18 · P / 1e18 = 40,000 · 743749999999999999 wei (40,000 wei of dust stay).
    m.run({ type: 'withdrawFromSP', account: 'bob', amount: wei(1_000_000) }, 20);
    expect(m.balance('wallet:bob', 'LUSD')).toBe(wei(10_000) + 40_000n * 743_749_999_999_999_999n);
    expect(m.balance('wallet:bob', 'ETH')).toBe(995n * 10n ** 16n);
    expect(m.balance('stabilityPool', 'LUSD')).toBe(40_000n);
    expect(m.balance('stabilityPool', 'ETH')).toBe(0n);
    expect(m.state.ext.sp.deposits).toEqual({});
    noViolations(m);
  });

  test('behavior: bad debt with an empty Stability Pool is redistributed to every trove by stake', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000)); // debt 10,250
    m.run(openTrove('bob', 30, 20_000)); // fee 100, debt 20,300
    m.run(openTrove('carol', 10, 5_000)); // fee 25, debt 5,225
    m.price(1_100, 10);
    // TCR = 55,000 / 35,775 = 1.537: normal mode. Alice ICR 1.073 < MCR.
    const events = m.run({ type: 'liquidate', account: 'alice', liquidator: 'keeper' }, 10);
    expect(events.some((e) => e.type === 'StabilityPoolOffset')).toBe(false);
    // Redistributed: 10,250 LUSD and 9.95 ETH over stakes 30 + 10 = 40 ETH:
    // L_ETH = 9.95e18·1e18/40e18 = 0.24875e18; L_LUSDDebt = 10,250e18·1e18/40e18 = 256.25e18, both exact.
    expect(m.state.ext.L_ETH).toBe(248_750_000_000_000_000n);
    expect(m.state.ext.L_LUSDDebt).toBe(256_250_000_000_000_000_000n);
    expect(m.state.ext.lastETHError_Redistribution).toBe(0n);
    expect(m.state.ext.lastLUSDDebtError_Redistribution).toBe(0n);
    expect(m.balance('defaultPool', 'ETH')).toBe(995n * 10n ** 16n);
    expect(m.balance('defaultPool', 'claims')).toBe(wei(10_250));
    expect(m.balance('wallet:keeper', 'ETH')).toBe(5n * 10n ** 16n);
    expect(m.balance('wallet:keeper', 'LUSD')).toBe(wei(200));
    // Snapshots: stakes 40 ETH; collateral 40 active + 9.95 default.
    expect(m.state.ext.totalStakesSnapshot).toBe(wei(40));
    expect(m.state.ext.totalCollateralSnapshot).toBe(4_995n * 10n ** 16n);
    // Bob's pending share: 30 · 0.24875 = 7.4625 ETH and 30 · 256.25 = 7,687.5 LUSD of debt.
    const bob = liquityV1Model.health(m.state, 'bob', 10);
    expect(bob.debtValueWad).toBe(wei(20_300) + 7_687_500n * 10n ** 15n);
    expect(bob.collateralValueWad).toBe((wei(30) + 74_625n * 10n ** 14n) * 1_100n);
    // Bob adds 1 ETH: his pending rewards move from the DefaultPool into his trove.
    m.run({ type: 'adjustTrove', account: 'bob', collDeposit: wei(1) }, 20);
    expect(m.balance('acct:bob', 'ETH')).toBe(wei(31) + 74_625n * 10n ** 14n);
    expect(m.balance('debt:bob', 'claims')).toBe(wei(20_300) + 7_687_500n * 10n ** 15n);
    expect(m.balance('defaultPool', 'ETH')).toBe(24_875n * 10n ** 14n); // Carol's 2.4875 ETH
    expect(m.balance('defaultPool', 'claims')).toBe(2_562_500n * 10n ** 15n); // and 2,562.5 LUSD
    // New stake = 38.4625 ETH · 40 / 49.95 (floor).
    expect(m.state.ext.troves.get('bob')?.stake).toBe(
      (384_625n * 10n ** 14n * wei(40)) / (4_995n * 10n ** 16n),
    );
    noViolations(m);
  });

  test('behavior: Recovery Mode capped offset at 110 %, surplus claimable by the borrower', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000)); // debt 10,250
    m.run(openTrove('bob', 12, 15_000)); // fee 75, debt 15,275
    m.run(openTrove('carol', 20, 12_000)); // fee 60, debt 12,260
    m.run({ type: 'provideToSP', account: 'carol', amount: wei(12_000) });
    m.price(1_200, 10);
    // TCR = 42 · 1200 / 37,785 = 1.3338 < 1.5: Recovery Mode. Alice ICR = 12,000/10,250 = 1.1707:
    // MCR ≤ ICR < TCR and 10,250 ≤ 12,000 in the pool → capped offset.
    const h = liquityV1Model.health(m.state, 'alice', 10);
    expect(h.liquidatable).toBe(true);
    const events = m.run({ type: 'liquidate', account: 'alice', liquidator: 'keeper' }, 10);
    const liquidated = events.find((e) => e.type === 'TroveLiquidated');
    expect(liquidated).toMatchObject({ mode: 'recovery', branch: 'cappedOffset' });
    // capped = 10,250 · 1.1 / 1200 = 9.395833… → 9395833333333333333; gas = capped / 200 (floor).
    const capped = 9_395_833_333_333_333_333n;
    const gas = 46_979_166_666_666_666n;
    expect(m.balance('wallet:keeper', 'ETH')).toBe(gas);
    expect(m.balance('wallet:keeper', 'LUSD')).toBe(wei(200));
    expect(m.balance('stabilityPool', 'ETH')).toBe(capped - gas);
    expect(m.balance('stabilityPool', 'LUSD')).toBe(wei(1_750));
    expect(m.balance('surplus:alice', 'ETH')).toBe(wei(10) - capped); // 0.604166666666666667
    expect(m.balance('defaultPool', 'ETH')).toBe(0n);
    m.run({ type: 'claimCollateral', account: 'alice' }, 20);
    expect(m.balance('wallet:alice', 'ETH')).toBe(604_166_666_666_666_667n);
    expect(m.balance('surplus:alice', 'ETH')).toBe(0n);
    expect(() => m.run({ type: 'claimCollateral', account: 'alice' }, 20)).toThrow(ProtocolRevertError);
    noViolations(m);
  });

  test('behavior: Recovery Mode, ICR ≤ 100 % is purely redistributed even with a full pool', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000));
    m.run(openTrove('bob', 12, 15_000)); // debt 15,275
    m.run(openTrove('carol', 20, 12_000));
    m.run({ type: 'provideToSP', account: 'carol', amount: wei(12_000) });
    m.price(1_200, 10);
    // Bob ICR = 14,400 / 15,275 = 0.9427 ≤ 100 %.
    const events = m.run({ type: 'liquidate', account: 'bob', liquidator: 'keeper' }, 10);
    expect(events.find((e) => e.type === 'TroveLiquidated')).toMatchObject({
      branch: 'redistribute',
      debtToOffset: 0n,
    });
    expect(m.balance('stabilityPool', 'LUSD')).toBe(wei(12_000));
    expect(m.balance('defaultPool', 'claims')).toBe(wei(15_275));
    expect(m.balance('defaultPool', 'ETH')).toBe(wei(12) - wei(12) / 200n);
    noViolations(m);
  });

  test('behavior: liquidateTroves walks by ICR and stops once the system is back in normal mode', () => {
    const setup = () => {
      const m = liquityMarket(2_000);
      m.run(openTrove('w', 100, 64_000)); // fee 320, debt 64,520
      m.run(openTrove('a', 12, 10_000)); // debt 10,250
      m.run(openTrove('b', 13, 10_000)); // debt 10,250
      m.run({ type: 'provideToSP', account: 'w', amount: wei(30_000) });
      m.price(1_000, 10);
      return m;
    };
    // TCR = 125,000 / 85,020 = 1.4702: recovery. ICRs: a 1.1707 < b 1.2683 < w 1.5499.
    const m = setup();
    const events = m.run({ type: 'liquidateTroves', n: 10, liquidator: 'keeper' }, 10);
    // After a (capped: 10,250 debt and 12 ETH leave): TCR = 113,000 / 74,770 = 1.5113 ≥ 1.5 →
    // normal rules; b has ICR ≥ MCR → the walk stops. Without the re-evaluation b would go too.
    expect(
      events.filter((e) => e.type === 'TroveLiquidated').map((e) => (e as { account?: string }).account),
    ).toEqual(['a']);
    expect(m.state.ext.troves.keys()).toEqual(['b', 'w']);
    noViolations(m);
    // A batch in the order [b, a]: after b, TCR = 112,000 / 74,770 = 1.4979 < 1.5, so a goes too.
    const n = setup();
    const batch = n.run({ type: 'batchLiquidateTroves', accounts: ['b', 'a'], liquidator: 'keeper' }, 10);
    expect(
      batch.filter((e) => e.type === 'TroveLiquidated').map((e) => (e as { account?: string }).account),
    ).toEqual(['b', 'a']);
    expect(n.state.ext.troves.keys()).toEqual(['w']);
    // Two capped offsets: 2 × 200 LUSD and both gas compensations to the keeper.
    expect(n.balance('wallet:keeper', 'LUSD')).toBe(wei(400));
    noViolations(n);
  });

  test('behavior: the last trove is never liquidated or closed', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000));
    m.price(1_000, 10);
    // ICR = TCR = 10,000 / 10,250 < 1.5: Recovery Mode, where `_liquidateRecoveryMode` skips the
    // last trove, so the call finds nothing to liquidate.
    expect(liquityV1Model.health(m.state, 'alice', 10).liquidatable).toBe(false);
    expect(() => m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' }, 10)).toThrow(
      PositionNotLiquidatableError,
    );
    expect(reasonOf(() => m.run({ type: 'liquidateTroves', n: 5, liquidator: 'k' }, 10))).toBe(
      'TroveManager: nothing to liquidate',
    );
    // With a second trove below MCR too, liquidateTroves in Recovery Mode stops below the top trove.
    m.price(2_000, 15);
    m.run(openTrove('bob', 10, 10_000), 15);
    m.price(1_000, 16);
    const events = m.run({ type: 'liquidateTroves', n: 5, liquidator: 'k' }, 16);
    expect(events.filter((e) => e.type === 'TroveLiquidated')).toHaveLength(1);
    expect(m.state.ext.troves.keys()).toHaveLength(1);
    const [last] = m.state.ext.troves.keys();
    m.price(3_000, 20);
    // It carries the redistributed debt: 20,500 − 200 to repay; it holds 10,000.
    m.run({ type: 'fundWallet', actor: last ?? '', asset: 'LUSD', amount: wei(10_300) }, 20);
    expect(reasonOf(() => m.run({ type: 'closeTrove', account: last ?? '' }, 20))).toBe(
      'TroveManager: Only one trove in the system',
    );
  });

  test('behavior: adjust, repay and close return every token', () => {
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000));
    m.run(openTrove('bob', 10, 5_000));
    m.run({ type: 'adjustTrove', account: 'alice', lusdChange: wei(1_000), isDebtIncrease: true }, 120);
    // Fee 0.5 % of 1,000 = 5: debt 10,250 + 1,005.
    expect(m.balance('debt:alice', 'claims')).toBe(wei(11_255));
    m.run({ type: 'adjustTrove', account: 'alice', lusdChange: wei(2_000), collWithdrawal: wei(1) }, 130);
    expect(m.balance('debt:alice', 'claims')).toBe(wei(9_255));
    expect(m.balance('wallet:alice', 'ETH')).toBe(wei(1));
    // Closing needs debt − 200 = 9,055 LUSD; she holds 9,000: fund 55 more.
    expect(reasonOf(() => m.run({ type: 'closeTrove', account: 'alice' }, 140))).toBe(
      'BorrowerOps: Caller doesnt have enough LUSD to make repayment',
    );
    m.run({ type: 'fundWallet', actor: 'alice', asset: 'LUSD', amount: wei(55) }, 140);
    m.run({ type: 'closeTrove', account: 'alice' }, 140);
    expect(m.balance('wallet:alice', 'ETH')).toBe(wei(10));
    expect(m.balance('wallet:alice', 'LUSD')).toBe(0n);
    expect(m.balance('gasPool', 'LUSD')).toBe(wei(200)); // bob's reserve only
    expect(m.state.ext.troves.get('alice')).toBeUndefined();
    noViolations(m);
  });

  test('behavior: the borrowing fee follows the decaying base rate', () => {
    // Base rate 1 % at t = 0; after 720 minutes it has halved (12 h half-life): 0.5 % + ~0.5 %.
    const m = liquityMarket(2_000, { initialBaseRateWad: 10n ** 16n });
    m.run(openTrove('alice', 10, 10_000), 720 * 60);
    const fee = m.balance('protocol', 'LUSD');
    expect(fee > wei(99) && fee < wei(101)).toBe(true);
    expect(m.state.ext.lastFeeOperationTime).toBe(720 * 60);
    expect(m.state.ext.baseRate > 49n * 10n ** 14n && m.state.ext.baseRate < 51n * 10n ** 14n).toBe(true);
  });

  test('error: refusals by class', () => {
    const fresh = new LiquityMarket();
    fresh.runAll(liquitySetup(2_000).slice(0, 4), 0);
    expect(() => fresh.run(openTrove('alice', 10, 10_000))).toThrow(NotConfiguredError);
    const m = liquityMarket(2_000);
    expect(reasonOf(() => m.run(openTrove('alice', 10, 1_000)))).toBe(
      "BorrowerOps: Trove's net debt must be greater than minimum",
    ); // 1,000 + 5 < 1,800
    expect(reasonOf(() => m.run(openTrove('alice', 1, 10_000)))).toBe(
      'BorrowerOps: An operation that would result in ICR < MCR is not permitted',
    ); // 2,000 / 10,250
    expect(() => m.run({ type: 'openTrove', account: 'alice', collDeposit: 'ten', lusdAmount: 1 })).toThrow(
      InvalidParameterError,
    );
    expect(() => m.run({ ...openTrove('alice', 10, 10_000), source: 'wallet' })).toThrow(
      InsufficientBalanceError,
    );
    m.run(openTrove('alice', 10, 10_000));
    m.run(openTrove('bob', 100, 50_000));
    expect(() => m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' })).toThrow(
      PositionNotLiquidatableError,
    );
    expect(() => m.run({ type: 'liquidate', account: 'nobody', liquidator: 'k' })).toThrow(
      ProtocolRevertError,
    );
    expect(reasonOf(() => m.run({ type: 'withdrawFromSP', account: 'bob', amount: 1 }))).toBe(
      'StabilityPool: User must have a non-zero deposit',
    );
    m.run({ type: 'provideToSP', account: 'bob', amount: wei(1_000) });
    m.price(1_000, 10);
    // Alice below MCR: no SP withdrawal until she is liquidated.
    expect(reasonOf(() => m.run({ type: 'withdrawFromSP', account: 'bob', amount: 1 }))).toBe(
      'StabilityPool: Cannot withdraw while there are troves with ICR < MCR',
    );
    expect(() => m.run({ type: 'configure', params: DEFAULT_LIQUITY_PARAMS })).toThrow(ProtocolRevertError);
    expect(() => m.run({ type: 'liquidate', account: 'alice', liquidator: 'k' }, 365 * 86_400 + 11)).toThrow(
      StaleOraclePriceError,
    );
    noViolations(m);
  });
});
