/**
 * End-to-end tests of the synthetix-perps-v3 model through createEngine + apply: an order at the
 * skew-adjusted fill price, flag then liquidate window by window, keeper rewards between their
 * gas-aware caps, the LPs bearing bad debt, forfeited profits, maxLiquidationPd and the endorsed
 * liquidator, refusals. Expected numbers are derived by hand in the comments (USD, D18 in code).
 */
import { describe, expect, test } from 'vitest';
import { debtClaimAsset } from '../../engine/engine.js';
import {
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import type { SynthetixKeeperRewarded, SynthetixPositionLiquidated } from './liquidation.js';
import { synthetixPerpsV3Model, valuationOf } from './model.js';
import { DEFAULT_SYNTHETIX_PARAMS, type SynthetixParams } from './params.js';
import { aliceLong20Eth, d18, SynthetixMarket, synthetixSetup, usd8 } from './testkit.js';

const ofType = <T extends EngineEvent>(events: readonly EngineEvent[], type: string): T[] =>
  events.filter((e) => e.type === type) as T[];
const price = (m: SynthetixMarket, p: bigint, t: number) =>
  m.run({ type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(p) }, t);
const liquidate = (m: SynthetixMarket, t: number, keeper = 'kim') =>
  m.run({ type: 'liquidate', account: 'alice', keeper }, t);
const withEth = (patch: Partial<SynthetixParams['markets'][number]>): SynthetixParams => ({
  ...DEFAULT_SYNTHETIX_PARAMS,
  markets: DEFAULT_SYNTHETIX_PARAMS.markets.map((x) => (x.market === 'ETH' ? { ...x, ...patch } : x)),
});

describe('synthetix-perps-v3 trading', () => {
  test('default: 20 ETH long fills at $2,020, taker fee to the LPs, margins and possible reward', () => {
    const m = aliceLong20Eth();
    // Fill (2,000 + 2,040)/2 = 2,020; fee 5 bps of $40,400 = $20.2.
    expect(m.usd('acct:alice')).toBe(d18(3_979_8n, 10n));
    expect(m.usd('acct:lp')).toBe(d18(10_000_000n) + d18(202n, 10n));
    expect(m.size('lp')).toBe(-d18(20n));
    const v = valuationOf(m.state, 'alice', 1);
    // Available 3,979.8 − 400; IMR 2·0.02 + 0.01 = 5 % → $2,000, MM half; flag reward 0.1 % of $40,000;
    // gas $0.6 flag / $0.5 liquidate; reward 40 + 0.6 = 40.6 plus 2 extra windows (20/7 → 3) of max(5.5, 0.65).
    expect(v).toMatchObject({
      availableMarginQuote: d18(3_579_8n, 10n),
      requiredInitialMarginQuote: d18(2_000n),
      requiredMaintenanceMarginQuote: d18(1_000n),
      accumulatedFlagRewardsQuote: d18(40n),
      maxNumberOfWindows: 3n,
      possibleLiquidationRewardQuote: d18(516n, 10n),
      eligible: false,
    });
  });

  test('error: margin, withdrawals, zero sizes, unconfigured', () => {
    const m = aliceLong20Eth();
    // 20 more ETH: fill (2,040 + 2,080)/2 = 2,060, IMR 2·0.04 + 0.01 = 9 % of $82,400 = 7,416 > 3,579.8.
    expect(() => m.run({ type: 'trade', account: 'alice', market: 'ETH', sizeDelta: d18(20n) }, 2)).toThrow(
      ProtocolRevertError,
    );
    // Withdrawable 3,579.8 − 2,000 − 51.6 = 1,528.2.
    expect(() => m.run({ type: 'withdraw', account: 'alice', amount: d18(1_600n) }, 2)).toThrow(
      ProtocolRevertError,
    );
    m.run({ type: 'withdraw', account: 'alice', amount: d18(1_500n) }, 2);
    expect(m.usd('wallet:alice')).toBe(d18(1_500n));
    expect(() => m.run({ type: 'trade', account: 'alice', market: 'ETH', sizeDelta: 0n }, 2)).toThrow(
      InvalidParameterError,
    );
    // Reducing orders skip the margin check.
    m.run({ type: 'trade', account: 'alice', market: 'ETH', sizeDelta: -d18(5n) }, 2);
    expect(m.size('alice')).toBe(d18(15n));
    const fresh = new SynthetixMarket();
    fresh.run({ type: 'listAsset', asset: 'snxUSD', decimals: 18 }, 0);
    expect(() => fresh.run({ type: 'deposit', account: 'a', amount: 1n }, 0)).toThrow(NotConfiguredError);
  });
});

describe('synthetix-perps-v3 liquidation', () => {
  test('default: flag seizes the margin, the first window closes 7 ETH, the keeper gets flag reward + gas', () => {
    const m = aliceLong20Eth();
    price(m, 1_850n, 100);
    // Available 3,979.8 + 37,000 − 40,400 = 579.8 < MM 925 + reward 48.6.
    expect(synthetixPerpsV3Model.health(m.state, 'alice', 100).liquidatable).toBe(true);
    const events = liquidate(m, 100);
    // Window cap (2 + 5 bps)·1,000·1·10 s = 7 ETH. Closed at $1,850: 12,950 − 7/20 of 40,400 = −1,190, unpaid.
    expect(ofType<SynthetixPositionLiquidated>(events, 'SynthetixPositionLiquidated')[0]).toMatchObject({
      amountLiquidated: d18(7n),
      newPositionSize: d18(13n),
      pnlQuote: -d18(1_190n),
    });
    // Reward: keeperReward(flag 37, gas 0.5 + 0.6, margin 3,979.8) = min(max(6.1, 38.1), 397.98) = 38.1.
    expect(ofType<SynthetixKeeperRewarded>(events, 'SynthetixKeeperRewarded')[0]).toMatchObject({
      flagRewardQuote: d18(37n),
      costQuote: d18(11n, 10n),
      minCap: d18(61n, 10n),
      maxCap: d18(39_798n, 100n),
      rewardQuote: d18(381n, 10n),
    });
    expect(m.usd('acct:alice')).toBe(0n);
    expect(m.usd('wallet:kim')).toBe(d18(381n, 10n));
    expect(m.usd('acct:lp')).toBe(d18(10_000_000n) + d18(202n, 10n) + d18(3_979_8n, 10n) - d18(381n, 10n));
    expect(m.state.ext.flagged.get('alice')).toEqual({
      seizedMarginQuote: d18(3_979_8n, 10n),
      seizedRemainingQuote: d18(2_789_8n, 10n),
    });
    expect(m.size('alice')).toBe(d18(13n));
  });

  test('behavior: the window caps later calls; the last window unflags; leftover margin stays with the LPs', () => {
    const m = aliceLong20Eth();
    price(m, 1_850n, 100);
    liquidate(m, 100);
    // Same window (95, 105]: nothing admitted, no reward.
    const none = liquidate(m, 105);
    expect(ofType(none, 'SynthetixPositionLiquidated')).toEqual([]);
    expect(ofType(none, 'Moved')).toEqual([]);
    // t = 111: the entry at 100 is out of (101, 111]: 7 more; keeperReward(0, 0.5, 0) = 5.5.
    const second = liquidate(m, 111);
    expect(ofType<SynthetixKeeperRewarded>(second, 'SynthetixKeeperRewarded')[0]?.rewardQuote).toBe(
      d18(55n, 10n),
    );
    expect(m.size('alice')).toBe(d18(6n));
    liquidate(m, 122);
    expect(m.size('alice')).toBe(0n);
    expect(m.size('lp')).toBe(0n);
    expect(m.state.ext.flagged.toRecord()).toEqual({});
    // Losses 1,190 + 1,190 + 1,020 < 3,979.8 seized: no bad debt; the LPs keep the rest.
    expect(m.state.ext.lpBadDebtQuote).toBe(0n);
    expect(m.usd('wallet:kim')).toBe(d18(381n, 10n) + d18(11n));
    expect(m.usd('acct:lp')).toBe(
      d18(10_000_000n) + d18(202n, 10n) + d18(3_979_8n, 10n) - d18(381n, 10n) - d18(11n),
    );
    expect(() => liquidate(m, 130)).toThrow(PositionNotLiquidatableError);
  });

  test('behavior: bad debt beyond the seized margin is borne by the LPs', () => {
    const m = aliceLong20Eth();
    price(m, 1_850n, 100);
    liquidate(m, 100);
    price(m, 1_700n, 105);
    // 7 ETH at $1,700: 11,900 − 14,140 = −2,240 → 2,789.8 − 2,240 = 549.8 left.
    liquidate(m, 111);
    expect(m.state.ext.flagged.get('alice')?.seizedRemainingQuote).toBe(d18(5_498n, 10n));
    // 6 ETH: 10,200 − 12,120 = −1,920; 549.8 covered → bad debt 1,370.2.
    liquidate(m, 122);
    expect(m.state.ext.lpBadDebtQuote).toBe(d18(13_702n, 10n));
    expect(balanceOf(m.state.ledger, 'socialized', debtClaimAsset('snxUSD'))).toBe(d18(13_702n, 10n));
    // Alice lost (2,020 − 1,850)·7 + (2,020 − 1,700)·13 = 5,350 against 3,979.8 of margin: the LPs miss 1,370.2.
    expect(m.usd('acct:alice')).toBe(0n);
    expect(synthetixPerpsV3Model.invariants(m.state).every((c) => c.holds)).toBe(true);
  });

  test('behavior: a flagged position that recovers forfeits its profit to the LPs', () => {
    const m = aliceLong20Eth();
    price(m, 1_850n, 100);
    liquidate(m, 100);
    price(m, 2_100n, 105);
    const events = liquidate(m, 111);
    // 7 ETH at $2,100: 14,700 − 14,140 = +560, not paid to Alice.
    expect(ofType<SynthetixPositionLiquidated>(events, 'SynthetixPositionLiquidated')[0]?.pnlQuote).toBe(
      d18(560n),
    );
    expect(m.usd('acct:alice')).toBe(0n);
    expect(m.state.ext.flagged.get('alice')?.seizedRemainingQuote).toBe(d18(2_789_8n, 10n) + d18(560n));
  });

  test('behavior: maxLiquidationPd allows one more window once per timestamp while the skew is small', () => {
    const m = aliceLong20Eth(withEth({ maxLiquidationPdD18: d18(5n, 100n) }));
    price(m, 1_850n, 100);
    liquidate(m, 100);
    // Same timestamp: capacity 0 and the last entry is at 100 → nothing.
    expect(ofType(liquidate(m, 100), 'SynthetixPositionLiquidated')).toEqual([]);
    // t = 105: capacity 0, skew 13/1,000 = 1.3 % < 5 % → a whole window (7 ETH) more.
    liquidate(m, 105);
    expect(m.size('alice')).toBe(d18(6n));
  });

  test('behavior: the endorsed liquidator closes everything at once without a flag reward', () => {
    const m = aliceLong20Eth(withEth({ endorsedLiquidator: 'eve' }));
    price(m, 1_850n, 100);
    const events = liquidate(m, 100, 'eve');
    expect(m.size('alice')).toBe(0n);
    expect(m.state.ext.flagged.toRecord()).toEqual({});
    // keeperReward(0, 1.1, 3,979.8) = max(6.1, 1.43) = 6.1.
    expect(ofType<SynthetixKeeperRewarded>(events, 'SynthetixKeeperRewarded')[0]).toMatchObject({
      flagRewardQuote: 0n,
      rewardQuote: d18(61n, 10n),
    });
  });

  test('behavior: a gas spike makes an account liquidatable and the margin share caps the reward', () => {
    const m = aliceLong20Eth();
    price(m, 1_950n, 100);
    // Available 3,979.8 + 39,000 − 40,400 = 2,579.8 > MM 975 + 50.6.
    expect(() => liquidate(m, 100)).toThrow(PositionNotLiquidatableError);
    m.run({ type: 'setGasPrice', gasPriceUsdPerGasD18: 10n ** 15n }, 100);
    // Gas $600 flag, $500 liquidate: reward min(max(780, 639), 397.98) + 2 · max(505, 650) = 1,697.98 → 2,672.98 > 2,579.8.
    const events = liquidate(m, 100);
    // keeperReward(39, 1,100, 3,979.8): minCap max(1,105, 1,430) = 1,430 but maxCap 397.98 wins.
    expect(ofType<SynthetixKeeperRewarded>(events, 'SynthetixKeeperRewarded')[0]).toMatchObject({
      minCap: d18(1_430n),
      maxCap: d18(39_798n, 100n),
      rewardQuote: d18(39_798n, 100n),
    });
  });

  test('error: healthy accounts, the LP vault, flagged accounts cannot deposit or trade', () => {
    const m = aliceLong20Eth();
    expect(() => liquidate(m, 2)).toThrow(PositionNotLiquidatableError);
    expect(() => m.run({ type: 'liquidate', account: 'lp', keeper: 'kim' }, 2)).toThrow(
      PositionNotLiquidatableError,
    );
    price(m, 1_850n, 100);
    liquidate(m, 100);
    expect(() => m.run({ type: 'deposit', account: 'alice', amount: d18(1n) }, 101)).toThrow(
      ProtocolRevertError,
    );
    expect(() => m.run({ type: 'trade', account: 'alice', market: 'ETH', sizeDelta: -d18(1n) }, 101)).toThrow(
      ProtocolRevertError,
    );
    expect(() => m.run({ type: 'withdraw', account: 'alice', amount: d18(1n) }, 101)).toThrow(
      ProtocolRevertError,
    );
  });

  test('behavior: a position within one window is flagged, closed and unflagged in one call', () => {
    const m = new SynthetixMarket().runAll(synthetixSetup(), 0);
    m.run({ type: 'deposit', account: 'bob', amount: d18(600n) }, 1);
    // 5 ETH: fill (2,000 + 2,010)/2 = 2,005; IMR 2·0.005 + 0.01 = 2 % of $10,025 = 200.5.
    m.run({ type: 'trade', account: 'bob', market: 'ETH', sizeDelta: d18(5n) }, 1);
    m.run({ type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(1_900n) }, 50);
    m.run({ type: 'liquidate', account: 'bob', keeper: 'kim' }, 50);
    expect(m.size('bob')).toBe(0n);
    expect(m.state.ext.flagged.toRecord()).toEqual({});
  });
});
