/**
 * End-to-end tests of `perps-generic` through createEngine/apply: configure, deposits, trades with
 * slippage and fees, a price move, a partial liquidation into the book, the insurance fund paying a
 * bankruptcy, ADL against the most profitable short at the bankruptcy price once the fund is short,
 * the socialized-loss alternative, a backstop takeover, isolated margin, funding and refusals.
 * Every expected number is derived by hand in the comments (USDC 6 decimals, sizes in 0.001 ETH,
 * prices USD·1e8, so value = size·price / 1e5 USDC units).
 */
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState } from '../engine.js';
import {
  CircuitBreakerError,
  InsufficientMarginError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../errors.js';
import { balanceOf } from '../ledger.js';
import { apply, type Command, type Recorded, replay, stateHash } from '../machine.js';
import { feedOracleCommand } from '../testkit.js';
import { type PerpsGenericExt, perpsGenericModel } from './model.js';
import type { PerpsGenericParams } from './params.js';
import { testGenericParams } from './testkit.js';
import { positionOf } from './types.js';

const E6 = 10n ** 6n;
const E8 = 10n ** 8n;
const usdc = (whole: number | bigint): bigint => BigInt(whole) * E6;
const usd8 = (whole: number): bigint => BigInt(whole) * E8;

/** ETH-PERP on testkit.ts's market (two tiers, the three-level book) and liquidation policy. */
const TEST_PARAMS: PerpsGenericParams = testGenericParams();

const engine = createEngine(perpsGenericModel);
type S = EngineState<PerpsGenericExt>;

class Run {
  state: S = engine.initial();
  log: Recorded[] = [];
  t = 0;
  do(command: Command): readonly Recorded[] {
    this.t += 1;
    const r = apply(engine, this.state, command, this.t);
    this.state = r.state;
    this.log.push(...r.events);
    return r.events;
  }
  price(dollars: number): void {
    this.do({ type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(dollars) });
  }
  bal(bucket: string): bigint {
    return balanceOf(this.state.ledger, bucket, 'USDC');
  }
  pos(account: string) {
    return positionOf(this.state.ext.book!, account, 'ETH-PERP');
  }
  events(type: string) {
    return this.log.map((r) => r.event).filter((e) => e.type === type);
  }
}

function setup(params: PerpsGenericParams = TEST_PARAMS, breaker?: object): Run {
  const run = new Run();
  run.do({ type: 'listAsset', asset: 'USDC', decimals: 6 });
  run.do({ type: 'configure', params });
  run.do(feedOracleCommand('ETH', 86_400, breaker === undefined ? {} : { breaker }));
  run.price(2000);
  run.do({ type: 'deposit', account: 'mm', amount: usdc(1_000_000) });
  return run;
}

describe('perps-generic', () => {
  test('default: open, price move, partial liquidation into the book with slippage', () => {
    const run = setup();
    run.do({ type: 'deposit', account: 'alice', amount: usdc(2_500) });
    // Buy 10 ETH at 2000: 2 @ 2002 + 5 @ 2010 + 3 @ 2040 = 20,174 USDC; fee 0.05 % = 10.087.
    run.do({ type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n });
    expect(run.pos('alice')).toEqual({
      sizeBase: 10_000n,
      entryQuote: 20_174_000_000n,
      fundingIndexSettled: 0n,
      marginMode: 'cross',
    });
    expect(run.pos('mm')).toMatchObject({ sizeBase: -10_000n, entryQuote: -20_174_000_000n });
    expect(run.bal('acct:alice')).toBe(2_489_913_000n);
    expect(run.bal('protocol')).toBe(10_087_000n);
    // Healthy at 2000: equity 2489.913 − 174 = 2315.913 ≥ MM 1000.
    expect(() => run.do({ type: 'liquidate', account: 'alice', liquidator: 'liq' })).toThrow(
      PositionNotLiquidatableError,
    );

    run.price(1800);
    // Equity 2489.913 + (18,000 − 20,174) = 315.913 < MM 5 % · 18,000 = 900.
    const health = perpsGenericModel.health(run.state, 'alice', run.t);
    expect(health.liquidatable).toBe(true);
    // 315.913 / 900 = 0.351014444… → floor to WAD.
    expect(health.healthWad).toBe(351_014_444_444_444_444n);

    run.do({ type: 'liquidate', account: 'alice', liquidator: 'liq' });
    // Least x (0.001 ETH) with 315.913 − 1 %·1800·x ≥ 5 %·1800·(10 − x): 72x ≥ 584.087 → x = 8.113.
    // Sold into bids at 1800: 2 @ 1798.2 + 5 @ 1791 + 1.113 @ 1764 = 14,514.732 USDC.
    // Removed entry 20,174 · 0.8113 = 16,367.1662 → realized −1,852.4342 paid to the maker.
    const [liq] = run.events('PerpLiquidated');
    expect(liq).toMatchObject({
      kind: 'venue',
      closeBase: 8_113n,
      filledBase: 8_113n,
      quoteAmount: 14_514_732_000n,
    });
    // Average 14,514.732 / 8.113 = 1789.07087390607… (vs the mark 1800: the slippage), floored at 1e8.
    expect(liq).toMatchObject({ averagePrice: 178_907_087_390n });
    expect(run.pos('alice')).toMatchObject({ sizeBase: 1_887n, entryQuote: 3_806_833_800n });
    expect(run.pos('mm')).toMatchObject({ sizeBase: -1_887n, entryQuote: -3_806_833_800n });
    // Fee 1 % of 8.113 · 1800 = 146.034, half to the liquidator, half to the insurance fund.
    expect(run.bal('wallet:liq')).toBe(73_017_000n);
    expect(run.bal('insurance')).toBe(73_017_000n);
    expect(run.bal('acct:alice')).toBe(2_489_913_000n - 1_852_434_200n - 146_034_000n);
    expect(run.bal('acct:mm')).toBe(usdc(1_000_000) + 1_852_434_200n);
    // The slippage (88.668) leaves alice below maintenance still: 81.211 < 169.83.
    expect(perpsGenericModel.health(run.state, 'alice', run.t).liquidatable).toBe(true);
    expect(perpsGenericModel.invariants(run.state).every((c) => c.holds)).toBe(true);
    expect(stateHash(replay(engine, run.log))).toBe(stateHash(run.state));
  });

  /** alice long 3 at 2000, bob short 4 at 2000, carol short 4 at 1900, then ETH at 1700. */
  function bankruptAlice(params: PerpsGenericParams, insuranceUsdc: number): Run {
    const run = setup(params);
    for (const [account, amount] of [
      ['alice', 700],
      ['bob', 1_000],
      ['carol', 1_000],
    ] as const) {
      run.do({ type: 'deposit', account, amount: usdc(amount) });
    }
    // 2 @ 2002 + 1 @ 2010 = 6014; fee 3.007 → cash 696.993.
    run.do({ type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 3_000n });
    // Sells 4 at 2000: 2 @ 1998 + 2 @ 1990 = 7976; fee 3.988 → cash 996.012.
    run.do({ type: 'openPosition', account: 'bob', market: 'ETH-PERP', sizeBase: -4_000n });
    run.price(1900);
    // Sells 4 at 1900: 2 @ 1898.1 + 2 @ 1890.5 = 7577.2; fee 3.7886 → cash 996.2114.
    run.do({ type: 'openPosition', account: 'carol', market: 'ETH-PERP', sizeBase: -4_000n });
    run.do({ type: 'fundInsurance', asset: 'USDC', amount: usdc(insuranceUsdc) });
    run.price(1700);
    return run;
  }

  test('behavior: the insurance fund pays a bankruptcy left by the venue close', () => {
    const run = bankruptAlice(TEST_PARAMS, 1_000);
    expect(run.bal('acct:alice')).toBe(696_993_000n);
    // Equity 696.993 + 5100 − 6014 = −217.007 ≤ 0: the whole position is closed.
    // Sold at 1700: 2 @ 1698.3 + 1 @ 1691.5 = 5088.1; realized −925.9, alice pays all 696.993,
    // the maker is owed 228.907, which the fund pays.
    run.do({ type: 'liquidate', account: 'alice', liquidator: 'liq' });
    expect(run.pos('alice')).toBeUndefined();
    expect(run.bal('acct:alice')).toBe(0n);
    expect(run.bal('insurance')).toBe(usdc(1_000) - 228_907_000n);
    expect(run.events('PerpShortfallCovered')).toMatchObject([
      { shortfallQuote: 228_907_000n, fromInsuranceQuote: 228_907_000n, uncoveredQuote: 0n },
    ]);
    // No fee out of a bankruptcy.
    expect(run.bal('wallet:liq')).toBe(0n);
    // The maker got alice's loss in full: 925.9 (696.993 from her, 228.907 from the fund).
    expect(run.bal('acct:mm')).toBe(usdc(1_000_000) + 925_900_000n);
    expect(perpsGenericModel.invariants(run.state).every((c) => c.holds)).toBe(true);
  });

  test('behavior: insurance exhausted → ADL against the most profitable short at the bankruptcy price', () => {
    const run = bankruptAlice(TEST_PARAMS, 10);
    // The venue close would leave 228.907 owed, the fund holds 10: no venue fill, ADL instead.
    // Bankruptcy quote = entry − collateral = 6014 − 696.993 = 5317.007 for 3 ETH (1772.34 each).
    // Ranking at 1700 by PnL% × leverage: bob (1176/7976 × 6800/2172.012 ≈ 0.4616) before
    // carol (777.2/7577.2 × 6800/1773.4114 ≈ 0.3933): bob's 4 ETH take all 3.
    run.do({ type: 'liquidate', account: 'alice', liquidator: 'liq' });
    expect(run.events('PerpLiquidated')).toMatchObject([
      { kind: 'adl', filledBase: 0n, shortfallQuote: 217_007_000n },
    ]);
    expect(run.events('PerpDeleveraged')).toEqual([
      {
        type: 'PerpDeleveraged',
        market: 'ETH-PERP',
        bankruptAccount: 'alice',
        counterparty: 'bob',
        sizeBase: 3_000n,
        quoteAmount: 5_317_007_000n,
        // Bob buys back 3 of his 4 (basis 5982) for 5317.007: +664.993.
        counterpartyRealizedQuote: 664_993_000n,
      },
    ]);
    expect(run.pos('alice')).toBeUndefined();
    expect(run.bal('acct:alice')).toBe(0n);
    expect(run.pos('bob')).toMatchObject({ sizeBase: -1_000n, entryQuote: -1_994_000_000n });
    expect(run.bal('acct:bob')).toBe(996_012_000n + 664_993_000n);
    expect(run.pos('carol')).toMatchObject({ sizeBase: -4_000n, entryQuote: -7_577_200_000n });
    // Alice realized −696.993, bob +664.993: the maker (settlement account) takes the 32 left and
    // the claim in its entry (it sold alice 3 at 6014 and bought bob's 4 at 7976 earlier).
    expect(run.pos('mm')).toMatchObject({ sizeBase: 5_000n, entryQuote: 9_571_200_000n });
    expect(run.bal('acct:mm')).toBe(usdc(1_000_000) + 32_000_000n);
    expect(run.bal('insurance')).toBe(usdc(10));
    expect(perpsGenericModel.invariants(run.state).every((c) => c.holds)).toBe(true);
    expect(stateHash(replay(engine, run.log))).toBe(stateHash(run.state));
  });

  test('behavior: the socialize alternative spreads what the fund cannot pay over every position', () => {
    const params = {
      ...TEST_PARAMS,
      liquidation: { ...TEST_PARAMS.liquidation, lossSteps: ['insurance', 'socialize'] },
    };
    const run = bankruptAlice(params as PerpsGenericParams, 10);
    run.do({ type: 'liquidate', account: 'alice', liquidator: 'liq' });
    // Shortfall 228.907: the fund pays 10, 218.907 is socialized over OI 8 long + 8 short ETH:
    // d = 218,907,000 · 1e18 / 16,000 = 13,681.6875e18 per base unit (exact), 4 ETH pay 54.72675.
    expect(run.events('PerpShortfallCovered')).toMatchObject([
      { fromInsuranceQuote: 10_000_000n, socializedQuote: 218_907_000n, uncoveredQuote: 0n },
    ]);
    expect(run.events('PerpLossSocialized')).toMatchObject([
      { indexDelta: 13_681_687_500_000_000_000_000n, chargedQuote: 218_907_000n },
    ]);
    expect(run.bal('insurance')).toBe(0n);
    expect(balanceOf(run.state.ledger, 'socialized', 'USDC.debt')).toBe(218_907_000n);
    expect(run.pos('bob')).toMatchObject({ sizeBase: -4_000n, entryQuote: -7_976_000_000n + 54_726_750n });
    expect(run.pos('carol')).toMatchObject({ sizeBase: -4_000n, entryQuote: -7_577_200_000n + 54_726_750n });
    // Maker: long 5 (basis 9539.2) + alice's 3 taking her basis 6014, pays its own share
    // 109.4535 and is credited the 218.907 charged.
    expect(run.pos('mm')).toMatchObject({
      sizeBase: 8_000n,
      entryQuote: 9_539_200_000n + 6_014_000_000n + 109_453_500n - 218_907_000n,
    });
    expect(run.bal('acct:mm')).toBe(usdc(1_000_000) + 696_993_000n + 10_000_000n);
    expect(perpsGenericModel.invariants(run.state).every((c) => c.holds)).toBe(true);
  });

  test('behavior: a backstop vault takes over positions and margin below ⅔ of maintenance', () => {
    const params: PerpsGenericParams = {
      ...TEST_PARAMS,
      liquidation: {
        ...TEST_PARAMS.liquidation,
        backstop: { account: 'hlp', takeoverBelowMaintenancePpm: 666_667n },
      },
    };
    const run = setup(params);
    run.do({ type: 'deposit', account: 'alice', amount: usdc(2_500) });
    run.do({ type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n });
    run.price(1800);
    // Equity 315.913 < ⅔ · 900 = 600.0003: the vault takes the 10 ETH at basis 20,174 and 2489.913.
    run.do({ type: 'liquidate', account: 'alice', liquidator: 'liq' });
    expect(run.pos('alice')).toBeUndefined();
    expect(run.bal('acct:alice')).toBe(0n);
    expect(run.pos('hlp')).toMatchObject({
      sizeBase: 10_000n,
      entryQuote: 20_174_000_000n,
      marginMode: 'cross',
    });
    expect(run.bal('acct:hlp')).toBe(2_489_913_000n);
    expect(perpsGenericModel.health(run.state, 'hlp', run.t).liquidatable).toBe(false);
    expect(perpsGenericModel.invariants(run.state).every((c) => c.holds)).toBe(true);
  });

  test('behavior: isolated margin is liquidated on its own, then released to cross on close', () => {
    const run = setup();
    run.do({ type: 'deposit', account: 'bob', amount: usdc(1_000) });
    // 1 ETH @ 2002, fee 1.001 from the isolated 300 → 298.999.
    run.do({
      type: 'openPosition',
      account: 'bob',
      market: 'ETH-PERP',
      sizeBase: 1_000n,
      marginMode: 'isolated',
      isolatedMargin: usdc(300),
    });
    expect(run.bal('iso:bob:ETH-PERP')).toBe(298_999_000n);
    expect(run.bal('acct:bob')).toBe(usdc(700));
    run.price(1750);
    // Isolated equity 298.999 + 1750 − 2002 = 46.999 < 87.5; 70x ≥ 40.501 → x = 0.579 ETH.
    // Sold @ 1748.25: 1012.23675; removed basis 1159.158 → −146.92125.
    // Fee 1 % of 1013.25 = 10.1325.
    run.do({ type: 'liquidate', account: 'bob', liquidator: 'liq', market: 'ETH-PERP' });
    expect(run.pos('bob')).toMatchObject({
      sizeBase: 421n,
      entryQuote: 842_842_000n,
      marginMode: 'isolated',
    });
    expect(run.bal('iso:bob:ETH-PERP')).toBe(298_999_000n - 146_921_250n - 10_132_500n);
    expect(run.bal('acct:bob')).toBe(usdc(700));
    expect(run.bal('wallet:liq')).toBe(5_066_250n);
    // Closing the rest: 0.421 @ 1748.25 = 736.01325, realized −106.82875, fee ceil(0.368006625) USDC.
    run.do({ type: 'closePosition', account: 'bob', market: 'ETH-PERP' });
    expect(run.pos('bob')).toBeUndefined();
    expect(run.bal('iso:bob:ETH-PERP')).toBe(0n);
    expect(run.bal('acct:bob')).toBe(usdc(700) + 141_945_250n - 106_828_750n - 368_007n);
    expect(perpsGenericModel.invariants(run.state).every((c) => c.holds)).toBe(true);
  });

  test('behavior: funding settles into every position at once, the rounding unit to the maker', () => {
    const run = setup();
    run.do({ type: 'deposit', account: 'alice', amount: usdc(2_500) });
    run.do({ type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n });
    // $1 per ETH = 1000 USDC units per base unit = 1e21 index, plus 1: alice owes ceil(10,000,000.00…01).
    run.do({ type: 'accrueFunding', market: 'ETH-PERP', indexDelta: 10n ** 21n + 1n });
    expect(run.pos('alice')).toMatchObject({
      entryQuote: 20_174_000_000n + 10_000_001n,
      fundingIndexSettled: 10n ** 21n + 1n,
    });
    // mm owes ceil(−10,000,000.00…) = −10,000,000 and is credited the 1-unit rounding.
    expect(run.pos('mm')).toMatchObject({ entryQuote: -20_174_000_000n - 10_000_000n - 1n });
    // 0.01 % of the 2000 mark per ETH: 2000e8 · 1e6 · 1e18 · 100 / (1e11 · 1e6) = 2e20.
    run.do({ type: 'accrueFunding', market: 'ETH-PERP', ratePpm: 100n });
    expect(run.events('PerpFundingAccrued')).toMatchObject([
      { indexDelta: 10n ** 21n + 1n },
      { indexDelta: 2n * 10n ** 20n },
    ]);
    expect(run.pos('alice')).toMatchObject({ entryQuote: 20_174_000_000n + 10_000_001n + 2_000_000n });
    expect(run.bal('acct:alice')).toBe(2_489_913_000n);
    expect(perpsGenericModel.invariants(run.state).every((c) => c.holds)).toBe(true);
  });

  test('behavior: a tripped breaker on the market price pauses liquidations and opens', () => {
    const run = setup(TEST_PARAMS, { maxMoveBps: 1_000n, windowSeconds: 3_600, pauses: 'both' });
    run.do({ type: 'deposit', account: 'alice', amount: usdc(2_500) });
    run.do({ type: 'deposit', account: 'bob', amount: usdc(2_500) });
    run.do({ type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n });
    run.price(1800); // −10 %: within the breaker
    run.price(1700); // −15 % from the window's high: trips it
    expect(() => run.do({ type: 'liquidate', account: 'alice', liquidator: 'liq' })).toThrow(
      CircuitBreakerError,
    );
    expect(() =>
      run.do({ type: 'openPosition', account: 'bob', market: 'ETH-PERP', sizeBase: 1_000n }),
    ).toThrow(CircuitBreakerError);
    run.do({ type: 'resetBreaker', asset: 'ETH' });
    run.do({ type: 'liquidate', account: 'alice', liquidator: 'liq' });
    expect(run.events('PerpLiquidated')).toHaveLength(1);
  });

  test('error: refusals are typed and change nothing', () => {
    const fresh = new Run();
    fresh.do({ type: 'listAsset', asset: 'USDC', decimals: 6 });
    expect(() => fresh.do({ type: 'deposit', account: 'a', amount: 1n })).toThrow(NotConfiguredError);
    expect(() => fresh.do({ type: 'configure', params: { ...TEST_PARAMS, quoteAsset: 7 } })).toThrow(
      InvalidParameterError,
    );

    const run = setup();
    expect(() => run.do({ type: 'configure', params: TEST_PARAMS })).toThrow(ProtocolRevertError);
    run.do({ type: 'deposit', account: 'alice', amount: usdc(1_000) });
    const before = stateHash(run.state);
    // 10 ETH needs 2000 of initial margin.
    expect(() =>
      run.do({ type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n }),
    ).toThrow(InsufficientMarginError);
    // The book holds 107 ETH a side.
    expect(() =>
      run.do({ type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 200_000n }),
    ).toThrow(ProtocolRevertError);
    expect(() => run.do({ type: 'openPosition', account: 'mm', market: 'ETH-PERP', sizeBase: 1n })).toThrow(
      InvalidParameterError,
    );
    expect(() => run.do({ type: 'closePosition', account: 'alice', market: 'ETH-PERP' })).toThrow(
      ProtocolRevertError,
    );
    expect(() =>
      run.do({ type: 'openPosition', account: 'alice', market: 'BTC-PERP', sizeBase: 1n }),
    ).toThrow(InvalidParameterError);
    expect(() => run.do({ type: 'liquidate', account: 'mm', liquidator: 'liq' })).toThrow(
      PositionNotLiquidatableError,
    );
    expect(() => run.do({ type: 'liquidate', account: 'nobody', liquidator: 'liq' })).toThrow(
      UnknownAccountError,
    );
    expect(stateHash(run.state)).toBe(before);
    run.do({ type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 1_000n });
    // Equity 998.999 − 2 = 996.999 (after the 1.001 fee and 2 of slippage); IM 200: 796.999 may go.
    expect(() => run.do({ type: 'withdraw', account: 'alice', amount: 796_999_001n })).toThrow(
      InsufficientMarginError,
    );
    run.do({ type: 'withdraw', account: 'alice', amount: 796_999_000n });
    expect(run.bal('acct:alice')).toBe(202_000_000n);
  });
});
