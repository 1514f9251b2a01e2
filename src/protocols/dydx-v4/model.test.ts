/**
 * End-to-end tests of the dydx-v4 model through createEngine + apply: trading against the book,
 * a partial liquidation with the capped fee, the block limits, the insurance fund paying a fill
 * below the bankruptcy price, deleveraging when the fund is empty, withdrawal gating, refusals.
 * Every expected number is derived by hand in the comments (USDC amounts in quote quantums).
 */
import { describe, expect, test } from 'vitest';
import {
  InsufficientMarginError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/machine.js';
import type { DydxDeleveraged, DydxLiquidationMatch, DydxLiquidationOrderPlaced } from './liquidation.js';
import { dydxV4Model, riskOf } from './model.js';
import { DEFAULT_DYDX_PARAMS, type DydxParams } from './params.js';
import { aliceAndBob, btc, DydxMarket, dydxSetup, usd8, usdc } from './testkit.js';

const byType = <T extends EngineEvent>(events: readonly EngineEvent[], type: string): T[] =>
  events.filter((e) => e.type === type) as T[];

const withLimits = (patch: Partial<DydxParams['liquidations']>): DydxParams => ({
  ...DEFAULT_DYDX_PARAMS,
  liquidations: { ...DEFAULT_DYDX_PARAMS.liquidations, ...patch },
});

/** Alice alone: $6,000, long 1 BTC at the $50,010 ask (taker fee 5 bps = $25.005). */
function alice(params: DydxParams = DEFAULT_DYDX_PARAMS): DydxMarket {
  const m = new DydxMarket().runAll(dydxSetup(params), 0);
  m.run({ type: 'deposit', account: 'alice', amount: usdc(6_000n) }, 1);
  m.run({ type: 'placeOrder', account: 'alice', market: 'BTC-USD', sizeBase: btc(10_000n) }, 1);
  return m;
}

const price = (m: DydxMarket, asset: string, p: bigint, t: number) =>
  m.run({ type: 'publishPrice', asset, source: 'feed', price: p }, t);

describe('dydx-v4 trading', () => {
  test('default: a buy walks the book at the ask, pays the taker fee, TNC and margins', () => {
    const m = alice();
    // Ask 0.02 % above $50,000 = $50,010 = 5.001e9 subticks; 1 BTC → $50,010; fee ceil(50,010 · 5 bps) = $25.005.
    expect(m.size('alice')).toBe(btc(10_000n));
    expect(m.size('makers')).toBe(-btc(10_000n));
    expect(m.usdc('acct:alice')).toBe(usdc(6_000n) - 25_005_000n);
    expect(m.usdc('protocol')).toBe(25_005_000n);
    // TNC = 5,974.995 − 50,010 + 50,000 = 5,964.995; IMR 5 % of $50,000, MMR 60 % of it.
    expect(riskOf(m.state, 'alice', 1)).toEqual({
      tncQuote: 5_964_995_000n,
      timrQuote: usdc(2_500n),
      tmmrQuote: usdc(1_500n),
    });
    expect(dydxV4Model.health(m.state, 'alice', 1)).toMatchObject({
      liquidatable: false,
      healthWad: 3_976_663_333_333_333_333n,
    });
  });

  test('error: an order beyond the initial margin, off the step, and a too-large withdrawal', () => {
    const m = alice();
    // Another 2 BTC needs IMR $7,500 against TNC ≈ $5,900: NewlyUndercollateralized.
    expect(() =>
      m.run({ type: 'placeOrder', account: 'alice', market: 'BTC-USD', sizeBase: btc(20_000n) }, 2),
    ).toThrow(InsufficientMarginError);
    expect(() =>
      m.run({ type: 'placeOrder', account: 'alice', market: 'BTC-USD', sizeBase: 1_500_000n }, 2),
    ).toThrow(InvalidParameterError);
    // TNC 5,964.995 − 3,500 < TIMR 2,500.
    expect(() => m.run({ type: 'withdraw', account: 'alice', amount: usdc(3_500n) }, 2)).toThrow(
      InsufficientMarginError,
    );
    m.run({ type: 'withdraw', account: 'alice', amount: usdc(3_000n) }, 2);
    expect(m.usdc('wallet:alice')).toBe(usdc(3_000n));
  });

  test('error: commands before configure', () => {
    const m = new DydxMarket();
    m.run({ type: 'listAsset', asset: 'USDC', decimals: 6 }, 0);
    expect(() => m.run({ type: 'deposit', account: 'a', amount: 1n }, 0)).toThrow(NotConfiguredError);
    expect(() =>
      m.run({ type: 'configure', params: { ...DEFAULT_DYDX_PARAMS, quoteAsset: 'DAI' } }, 0),
    ).toThrow();
  });
});

describe('dydx-v4 liquidation', () => {
  test('default: TNC < TMMR → 10 % of the position sold at the best bid, fee capped at 1.5 % to the fund', () => {
    const m = alice();
    price(m, 'BTC', usd8(45_000n), 3);
    // TNC = 5,974.995 − 50,010 + 45,000 = 964.995 < TMMR = 3 % of 45,000 = 1,350.
    expect(dydxV4Model.health(m.state, 'alice', 3).liquidatable).toBe(true);
    const events = m.run({ type: 'liquidate', account: 'alice' }, 3);
    const [order] = byType<DydxLiquidationOrderPlaced>(events, 'DydxLiquidationOrderPlaced');
    // Position limit max($1,000, 10 % of $45,000) = $4,500 → 0.1 BTC. ABR = 1 − 964.995/1,350;
    // spread = ABR · 1.5 · 1,350 = 577.5075 → fillable (45,000 − 577.5075)/1e10 per quantum.
    expect(order).toMatchObject({
      deltaBase: -btc(1_000n),
      fillablePrice: '17768997/4000000',
      orderSubticks: 4_442_300_000n, // $44,422.4925 rounded up to the $1 tick
      filledBase: btc(1_000n),
      stopReason: 'filled',
    });
    const [match] = byType<DydxLiquidationMatch>(events, 'DydxLiquidationMatch');
    // Bid $44,991; 0.1 BTC → $4,499.10. DNNV −4,500, DMMR −135: B = 4,500 − floor(964.995·135/1,350) = 4,403.5005.
    // d = 95.5995 > 0; cap floor(4,499.1 · 1.5 %) = 67.4865.
    expect(match).toMatchObject({
      fillQuote: 4_499_100_000n,
      bankruptcyQuote: 4_403_500_500n,
      insuranceFundDelta: 67_486_500n,
    });
    // Realized: 4,499.1 − 5,001 (a tenth of the entry) = −501.9 to the makers; fee 67.4865 to the fund.
    expect(m.usdc('acct:alice')).toBe(5_974_995_000n - 501_900_000n - 67_486_500n);
    expect(m.usdc('acct:makers')).toBe(usdc(100_000_000n) + 501_900_000n);
    expect(m.usdc('insurance')).toBe(67_486_500n);
    expect(m.size('alice')).toBe(btc(9_000n));
    expect(m.state.ext.liquidationInfo.get('alice')).toEqual({
      perpetualsLiquidated: ['BTC-USD'],
      notionalLiquidated: usdc(4_500n),
      quantumsInsuranceLost: 0n,
    });
    // TNC = 5,405.6085 − 45,009 + 40,500 = 896.6085 < TMMR 1,215: still liquidatable, next block.
    expect(riskOf(m.state, 'alice', 3)).toMatchObject({ tncQuote: 896_608_500n, tmmrQuote: usdc(1_215n) });
  });

  test('behavior: one liquidation of a (subaccount, perpetual) per block; the next block goes on', () => {
    const m = alice();
    price(m, 'BTC', usd8(45_000n), 3);
    m.run({ type: 'liquidate', account: 'alice' }, 3);
    expect(() => m.run({ type: 'liquidate', account: 'alice' }, 3)).toThrow(ProtocolRevertError);
    expect(() => m.run({ type: 'liquidate', account: 'alice', market: 'BTC-USD' }, 3)).toThrow(
      ProtocolRevertError,
    );
    const events = m.run({ type: 'liquidate', account: 'alice' }, 4);
    // 10 % of 0.9 BTC · $45,000 = $4,050 → 0.09 BTC.
    expect(byType<DydxLiquidationOrderPlaced>(events, 'DydxLiquidationOrderPlaced')[0]?.deltaBase).toBe(
      -btc(900n),
    );
    expect(m.state.ext.block).toBe(4);
    expect(m.state.ext.liquidationInfo.get('alice')?.notionalLiquidated).toBe(usdc(4_050n));
  });

  test('behavior: the subaccount notional limit is shared by its perpetuals within a block', () => {
    const m = new DydxMarket().runAll(dydxSetup(withLimits({ maxNotionalLiquidated: usdc(6_000n) })), 0);
    m.run({ type: 'deposit', account: 'alice', amount: usdc(9_000n) }, 1);
    m.run({ type: 'placeOrder', account: 'alice', market: 'BTC-USD', sizeBase: btc(10_000n) }, 1);
    // 10 ETH at the $3,000.6 ask.
    m.run({ type: 'placeOrder', account: 'alice', market: 'ETH-USD', sizeBase: 10_000_000_000n }, 1);
    price(m, 'BTC', usd8(45_000n), 5);
    price(m, 'ETH', usd8(2_700n), 5);
    m.run({ type: 'liquidate', account: 'alice' }, 5);
    expect(m.state.ext.liquidationInfo.get('alice')?.notionalLiquidated).toBe(usdc(4_500n));
    const events = m.run({ type: 'liquidate', account: 'alice' }, 5);
    // ETH: position limit max($1,000, $2,700) but only $1,500 left → 1,500/2,700 ETH = 0.5555… → 0.555 ETH (step 0.001).
    const [order] = byType<DydxLiquidationOrderPlaced>(events, 'DydxLiquidationOrderPlaced');
    expect(order).toMatchObject({ market: 'ETH-USD', deltaBase: -555_000_000n, filledBase: 555_000_000n });
    // 0.555 ETH at $2,700 = $1,498.5 of notional.
    expect(m.state.ext.liquidationInfo.get('alice')).toMatchObject({
      perpetualsLiquidated: ['BTC-USD', 'ETH-USD'],
      notionalLiquidated: usdc(4_500n) + 1_498_500_000n,
    });
  });

  test('behavior: a fill below the bankruptcy price is paid by the insurance fund', () => {
    const m = alice();
    m.run({ type: 'fundInsurance', asset: 'USDC', amount: usdc(1_000n) }, 2);
    price(m, 'BTC', usd8(43_500n), 3);
    // TNC = 5,974.995 − 50,010 + 43,500 = −535.005 < 0.
    const events = m.run({ type: 'liquidate', account: 'alice' }, 3);
    const [match] = byType<DydxLiquidationMatch>(events, 'DydxLiquidationMatch');
    // The bid $43,491.3 is rounded down to the $1 tick: 0.1 BTC at $43,491 = $4,349.10;
    // B = 4,350 − floor(−535.005 · 130.5/1,305) = 4,403.5005; d = −54.4005.
    expect(match).toMatchObject({
      fillQuote: 4_349_100_000n,
      bankruptcyQuote: 4_403_500_500n,
      insuranceFundDelta: -54_400_500n,
    });
    expect(m.usdc('insurance')).toBe(usdc(1_000n) - 54_400_500n);
    // Alice: −(5,001 − 4,349.1) + 54.4005 = −597.4995; the makers receive 651.9.
    expect(m.usdc('acct:alice')).toBe(5_974_995_000n - 597_499_500n);
    expect(m.usdc('acct:makers')).toBe(usdc(100_000_000n) + 651_900_000n);
    expect(m.state.ext.liquidationInfo.get('alice')?.quantumsInsuranceLost).toBe(54_400_500n);
    // The fund paid exactly the bankruptcy shortfall: TNC/TMMR stays at −535.005/1,305 (−481.5045/1,174.5).
    expect(riskOf(m.state, 'alice', 3)).toMatchObject({ tncQuote: -481_504_500n, tmmrQuote: 1_174_500_000n });
    expect(m.state.ext.negativeTncSeenAtBlock).toBe(3);
  });

  test('behavior: bad debt with an empty fund → deleveraging against the short at the bankruptcy price', () => {
    const m = aliceAndBob();
    // Bob sold 1 BTC at the $49,990 bid: fee $24.995.
    expect(m.usdc('acct:bob')).toBe(usdc(20_000n) - 24_995_000n);
    price(m, 'BTC', usd8(43_500n), 10);
    const events = m.run({ type: 'liquidate', account: 'alice' }, 10);
    expect(byType<DydxLiquidationOrderPlaced>(events, 'DydxLiquidationOrderPlaced')[0]).toMatchObject({
      filledBase: 0n,
      stopReason: 'insuranceFundInsufficient',
    });
    // Whole position: B = 43,500 − floor(−535.005 · 1,305/1,305) = 44,035.005.
    const [adl] = byType<DydxDeleveraged>(events, 'DydxDeleveraged');
    expect(adl).toEqual({
      type: 'DydxDeleveraged',
      account: 'alice',
      offsettingAccount: 'bob',
      market: 'BTC-USD',
      sizeBase: btc(10_000n),
      bankruptcyQuote: 44_035_005_000n,
    });
    // Alice pays 50,010 − 44,035.005 = 5,974.995: all she had. Bob gains 49,990 − 44,035.005 = 5,954.995;
    // the makers' $20 claim from Bob's fill at the bid is settled back in cash.
    expect(m.usdc('acct:alice')).toBe(0n);
    expect(m.usdc('acct:bob')).toBe(usdc(20_000n) - 24_995_000n + 5_954_995_000n);
    expect(m.usdc('acct:makers')).toBe(usdc(100_000_000n) + usdc(20n));
    expect(m.usdc('insurance')).toBe(0n);
    expect(m.size('alice')).toBe(0n);
    expect(m.size('bob')).toBe(0n);
    expect(dydxV4Model.invariants(m.state).every((c) => c.holds)).toBe(true);
  });

  test('behavior: the insurance-lost block limit stops the order, then deleveraging takes over', () => {
    const m = aliceAndBob(withLimits({ maxQuantumsInsuranceLost: usdc(50n) }));
    m.run({ type: 'fundInsurance', asset: 'USDC', amount: usdc(1_000n) }, 2);
    price(m, 'BTC', usd8(43_500n), 10);
    const events = m.run({ type: 'liquidate', account: 'alice' }, 10);
    // The first match would cost the fund 54.4005 > 50.
    expect(byType<DydxLiquidationOrderPlaced>(events, 'DydxLiquidationOrderPlaced')[0]?.stopReason).toBe(
      'subaccountInsuranceLimit',
    );
    expect(byType<DydxDeleveraged>(events, 'DydxDeleveraged')).toHaveLength(1);
    expect(m.usdc('insurance')).toBe(usdc(1_000n));
  });

  test('behavior: withdrawals are gated for 50 blocks after a negative TNC is seen', () => {
    const m = aliceAndBob();
    price(m, 'BTC', usd8(43_500n), 10);
    m.run({ type: 'liquidate', account: 'alice' }, 10);
    expect(() => m.run({ type: 'withdraw', account: 'bob', amount: usdc(1n) }, 59)).toThrow(
      ProtocolRevertError,
    );
    m.run({ type: 'withdraw', account: 'bob', amount: usdc(1n) }, 60);
    expect(m.usdc('wallet:bob')).toBe(usdc(1n));
  });

  test('error: a healthy subaccount, the makers, an unknown account', () => {
    const m = alice();
    expect(() => m.run({ type: 'liquidate', account: 'alice' }, 2)).toThrow(PositionNotLiquidatableError);
    expect(() => m.run({ type: 'liquidate', account: 'makers' }, 2)).toThrow(PositionNotLiquidatableError);
    expect(() => m.run({ type: 'liquidate', account: 'nobody' }, 2)).toThrow();
    price(m, 'BTC', usd8(45_000n), 3);
    expect(() => m.run({ type: 'liquidate', account: 'alice', market: 'ETH-USD' }, 3)).toThrow(
      ProtocolRevertError,
    );
  });
});
