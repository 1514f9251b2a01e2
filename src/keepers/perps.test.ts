/**
 * Tests of the perps keepers: the view (liquidatable positions with the model's own command, kept
 * only when a dry run accepts it, with the reward the dry run pays; GMX's ADL orders) and the
 * liquidator policy (gas cap, I > C_gas + ε, protocol-run liquidations). Numbers by hand in the
 * comments (USDC 6 decimals, perps-generic sizes in 0.001 ETH, prices USD·1e8).
 */
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../engine/machine.js';
import { perpsGenericModel } from '../engine/perps/model.js';
import type { PerpsGenericParams } from '../engine/perps/params.js';
import { FLAT_MARGIN_TIERS, testGenericMarket, testGenericParams } from '../engine/perps/testkit.js';
import { feedOracleCommand } from '../engine/testkit.js';
import { gmxV2Model } from '../protocols/gmx-v2/model.js';
import { ethPrice, MARKET, open, pid, run, setup, usd, usdc } from '../protocols/gmx-v2/testkit.js';
import { hyperliquidModel } from '../protocols/hyperliquid/model.js';
import { btcPrice, hlEngine, run as hlRun, setupCommands } from '../protocols/hyperliquid/testkit.js';
import {
  PERPS_GAS_UNITS,
  type PerpsKeeperView,
  type PerpsKind,
  perpsKeeperView,
  perpsLiquidateCommand,
  perpsLiquidator,
  perpsRewardBoundQuote,
} from './perps.js';
import type { MarketContext } from './types.js';

const E6 = 10n ** 6n;
const usdcUnits = (whole: number | bigint): bigint => BigInt(whole) * E6;
const usd8 = (whole: number): bigint => BigInt(whole) * 10n ** 8n;

type AnyState = EngineState<unknown>;
type AnyDecider = Decider<AnyState, Command, EngineEvent>;

const marketAt = (nowSeconds: number, gasPriceGwei = 20, ethPriceUsd = 2000): MarketContext => ({
  nowSeconds,
  gasPriceGwei,
  ethPriceUsd,
  collateralPriceUsdWad: BigInt(ethPriceUsd) * 10n ** 18n,
  slippageBps: 0n,
});

/** ETH-PERP: sizes 0.001 ETH, IM 10 % / MM 5 %, a book 2/5/100 ETH at 0.1/0.5/2 %, fee 0.05 %, liquidation fee 1 % split 50/50. */
const GENERIC: PerpsGenericParams = testGenericParams({
  markets: [testGenericMarket({ marginTiers: FLAT_MARGIN_TIERS })],
});

const genericEngine = createEngine(perpsGenericModel) as unknown as AnyDecider;
const genericHealth = perpsGenericModel.health as unknown as Parameters<typeof perpsKeeperView>[4]['health'];

function applyAt(decider: AnyDecider, state: AnyState, commands: readonly Command[], now: number): AnyState {
  return commands.reduce((s, c) => apply(decider, s, c, now).state, state);
}

/** alice: 2,500 USDC, long 10 ETH at $2000; bob: 5,000 USDC, long 1 ETH; then ETH at `dollars`. */
function genericState(dollars: number): AnyState {
  const s = applyAt(
    genericEngine,
    genericEngine.initial(),
    [
      { type: 'listAsset', asset: 'USDC', decimals: 6 },
      { type: 'configure', params: GENERIC },
      feedOracleCommand('ETH'),
      { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(2000) },
      { type: 'deposit', account: 'mm', amount: usdcUnits(1_000_000) },
      { type: 'deposit', account: 'alice', amount: usdcUnits(2_500) },
      { type: 'openPosition', account: 'alice', market: 'ETH-PERP', sizeBase: 10_000n },
      { type: 'deposit', account: 'bob', amount: usdcUnits(5_000) },
      { type: 'openPosition', account: 'bob', market: 'ETH-PERP', sizeBase: 1_000n },
    ],
    0,
  );
  return applyAt(
    genericEngine,
    s,
    [{ type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(dollars) }],
    10,
  );
}

const genericView = (state: AnyState, keeperId = 'liq', market = marketAt(10)) =>
  perpsKeeperView(state, 10, market, [keeperId], {
    kind: 'generic',
    decider: genericEngine,
    health: genericHealth,
    keeperId,
    accounts: ['alice', 'bob'],
    perpMarket: 'ETH-PERP',
  });

describe('perpsKeeperView', () => {
  test('default: a liquidatable perps-generic account with the model command and the fee share it pays', () => {
    // alice paid 2×2002 + 5×2010 + 3×2040 = 20,174 for 10 ETH, fee 10.087: equity at $1800 is
    // 2,500 − 10.087 + 18,000 − 20,174 = 315.913 < MM 5 % × 18,000 = 900. bob (1 ETH, $5k) is fine.
    const s = genericState(1800);
    const view = genericView(s);
    expect(view.kind).toBe('generic');
    expect(view.protocolRun).toBe(false);
    expect(view.gasUnits).toBe(PERPS_GAS_UNITS.generic);
    expect(view.candidates.map((c) => c.account)).toEqual(['alice']);
    const c = view.candidates[0]!;
    expect(c.command).toEqual({ type: 'liquidate', account: 'alice', liquidator: 'liq', market: 'ETH-PERP' });
    expect(c.sizeBase).toBe(10_000n);
    expect(c.notionalUsd).toBeCloseTo(18_000, 6);
    expect(c.healthWad < 10n ** 18n).toBe(true);
    // The fee is ceil(closed notional at the mark × 1 %), half to the liquidator, floored.
    const applied = apply(genericEngine, s, c.command, 10);
    const liquidated = applied.events.find((r) => r.event.type === 'PerpLiquidated')?.event as
      | (EngineEvent & { filledBase: bigint })
      | undefined;
    expect(liquidated).toBeDefined();
    const notional = (liquidated!.filledBase * usd8(1800) * E6) / 10n ** 11n; // size·price·1e6 / 1e(3+8)
    const fee = (notional * 10_000n + 999_999n) / 1_000_000n;
    expect(balanceOf(applied.state.ledger, 'wallet:liq', 'USDC')).toBe(fee / 2n);
    expect(c.rewardUsd).toBeCloseTo(Number(fee / 2n) / 1e6, 9);
  });

  test('behavior: anyMarket reads every leg of a cross account and leaves the leg to the model', () => {
    // Two markets on the same settings; carol holds only BTC-PERP: 1 BTC bought at 20,000 × 1.001
    // = 20,020 (fee 10.01) with 2,500 USDC; at $18,000 her equity 2,500 − 10.01 − 2,020 = 469.99
    // is below 5 % × 18,000 = 900. Reading ETH-PERP only, she is no candidate; with anyMarket she
    // is, with her BTC notional and a `liquidate` the trigger resolves (no market named).
    const eth = GENERIC.markets[0]!;
    const params = { ...GENERIC, markets: [eth, { ...eth, market: 'BTC-PERP', oracleAsset: 'BTC' }] };
    const s = applyAt(
      genericEngine,
      genericEngine.initial(),
      [
        { type: 'listAsset', asset: 'USDC', decimals: 6 },
        { type: 'configure', params },
        feedOracleCommand('ETH'),
        feedOracleCommand('BTC'),
        { type: 'publishPrice', asset: 'ETH', source: 'feed', price: usd8(2000) },
        { type: 'publishPrice', asset: 'BTC', source: 'feed', price: usd8(20_000) },
        { type: 'deposit', account: 'mm', amount: usdcUnits(1_000_000) },
        { type: 'deposit', account: 'carol', amount: usdcUnits(2_500) },
        { type: 'openPosition', account: 'carol', market: 'BTC-PERP', sizeBase: 1_000n },
        { type: 'publishPrice', asset: 'BTC', source: 'feed', price: usd8(18_000) },
      ],
      0,
    );
    const options = {
      kind: 'generic' as const,
      decider: genericEngine,
      health: genericHealth,
      keeperId: 'liq',
      accounts: ['carol'],
      perpMarket: 'ETH-PERP',
    };
    expect(perpsKeeperView(s, 10, marketAt(10), ['liq'], options).candidates).toEqual([]);
    const view = perpsKeeperView(s, 10, marketAt(10), ['liq'], { ...options, anyMarket: true });
    expect(view.candidates.map((c) => [c.account, c.market, c.sizeBase])).toEqual([
      ['carol', 'BTC-PERP', 1_000n],
    ]);
    expect(view.candidates[0]!.notionalUsd).toBeCloseTo(18_000, 6);
    expect(view.candidates[0]!.command).toEqual({ type: 'liquidate', account: 'carol', liquidator: 'liq' });
    expect(view.candidates[0]!.rewardUsd).toBeGreaterThan(0);
  });

  test('behavior: healthy accounts and accounts of the keepers themselves are not candidates', () => {
    expect(genericView(genericState(1990)).candidates).toEqual([]);
    const s = genericState(1800);
    const view = perpsKeeperView(s, 10, marketAt(10), ['alice'], {
      kind: 'generic',
      decider: genericEngine,
      health: genericHealth,
      keeperId: 'alice',
      accounts: ['alice', 'bob'],
      perpMarket: 'ETH-PERP',
    });
    expect(view.candidates).toEqual([]);
  });

  test('behavior: Hyperliquid is protocol-run: a candidate pays nothing and costs no gas', () => {
    // alice: $3,000, long 1 BTC at $100,000 (IM 2.5 %); at $98,000 equity 1,000 < MM 1.25 % × 98,000 = 1,225.
    const start = hlRun(
      hlEngine.initial(),
      [
        ...setupCommands(),
        { type: 'deposit', account: 'alice', amount: usdcUnits(3_000) },
        { type: 'openPosition', account: 'alice', market: 'BTC-PERP', sizeBase: 1_000n },
      ],
      0,
    );
    const s = hlRun(start, [btcPrice(98_000)], 10) as unknown as AnyState;
    const view = perpsKeeperView(s, 10, marketAt(10), ['engine'], {
      kind: 'hyperliquid',
      decider: hlEngine as unknown as AnyDecider,
      health: hyperliquidModel.health as unknown as Parameters<typeof perpsKeeperView>[4]['health'],
      keeperId: 'engine',
      accounts: ['alice'],
      perpMarket: 'BTC-PERP',
    });
    expect(view.protocolRun).toBe(true);
    expect(view.gasUnits).toBe(0n);
    expect(view.candidates).toHaveLength(1);
    expect(view.candidates[0]?.rewardUsd).toBe(0);
    expect(view.candidates[0]?.notionalUsd).toBeCloseTo(98_000, 6);
    // Gas at 1,000 gwei does not stop the protocol.
    const actions = perpsLiquidator({ id: 'engine' }).decide({ ...view, market: marketAt(10, 1_000) });
    expect(actions.map((a) => a.command)).toEqual([
      { type: 'liquidate', account: 'alice', liquidator: 'engine', market: 'BTC-PERP' },
    ]);
  });

  test('behavior: GMX ADL orders: flag the side, then reduce the most profitable position within the model', () => {
    // whale: long $300k (150 ETH at $2000) on $50k; at $3200 its PnL is 150 × 1200 = $180k against a
    // long pool of 100 WETH × 3200 = $320k: 56 % > MAX_PNL_FACTOR_FOR_ADL 50 %.
    let s = setup();
    s = open(s, {
      account: 'whale',
      isLong: true,
      token: 'USDC',
      collateral: usdc(50_000n),
      sizeUsd: usd(300_000n),
    });
    s = run(s, ethPrice(3200n), 2_000);
    const gmxEngine = createEngine(gmxV2Model) as unknown as AnyDecider;
    const options = {
      kind: 'gmx' as const,
      decider: gmxEngine,
      health: gmxV2Model.health as unknown as Parameters<typeof perpsKeeperView>[4]['health'],
      keeperId: 'adl',
      accounts: [pid('whale', 'USDC', true)],
      perpMarket: MARKET,
    };
    const first = perpsKeeperView(s as unknown as AnyState, 2_000, marketAt(2_000), ['adl'], options);
    expect(first.adl.map((c) => c.command.type)).toEqual(['updateAdlState']);
    expect(first.adl[0]?.command).toMatchObject({ keeper: 'adl', market: MARKET, isLong: true });
    const flagged = apply(gmxEngine, s as unknown as AnyState, first.adl[0]!.command, 2_000).state;
    const second = perpsKeeperView(flagged, 2_000, marketAt(2_000), ['adl'], options);
    expect(second.adl.map((c) => c.command.type)).toEqual(['executeAdl']);
    expect(second.adl[0]?.command).toMatchObject({ position: pid('whale', 'USDC', true) });
    // The order the view offers is accepted in that state.
    expect(() => apply(gmxEngine, flagged, second.adl[0]!.command, 2_000)).not.toThrow();
  });

  test('behavior: rewardAboveUsd lists only candidates paying more, without the dry runs the bound rules out', () => {
    let decides = 0;
    const counting: AnyDecider = {
      ...genericEngine,
      decide: (state, command, now) => {
        decides += 1;
        return genericEngine.decide(state, command, now);
      },
    };
    const view = (s: AnyState, rewardAboveUsd?: number) =>
      perpsKeeperView(s, 10, marketAt(10), ['liq'], {
        kind: 'generic',
        decider: counting,
        health: genericHealth,
        keeperId: 'liq',
        accounts: ['alice', 'bob'],
        perpMarket: 'ETH-PERP',
        ...(rewardAboveUsd === undefined ? {} : { rewardAboveUsd }),
      });
    const s = genericState(1800);
    const reward = view(s).candidates[0]!.rewardUsd;
    expect(view(s, reward - 0.01).candidates.map((c) => c.account)).toEqual(['alice']);
    expect(view(s, reward).candidates).toEqual([]); // strict, as I > C_gas + ε
    // At $1700 alice pays nothing: listed without a floor, left out with one, and not dry-run.
    const broke = genericState(1700);
    expect(view(broke).candidates.map((c) => c.rewardUsd)).toEqual([0]);
    decides = 0;
    expect(view(broke, 0).candidates).toEqual([]);
    expect(decides).toBe(0);
    // Above the bound ($90), no dry run either.
    decides = 0;
    expect(view(s, 90).candidates).toEqual([]);
    expect(decides).toBe(0);
  });

  test('error: a market at another time, or an unconfigured model', () => {
    const s = genericState(1800);
    expect(() => genericView(s, 'liq', marketAt(11))).toThrow(InvalidParameterError);
    expect(() =>
      perpsKeeperView(genericEngine.initial(), 0, marketAt(0), [], {
        kind: 'generic',
        decider: genericEngine,
        health: genericHealth,
        keeperId: 'liq',
        accounts: [],
        perpMarket: 'ETH-PERP',
      }),
    ).toThrow(InvalidParameterError);
  });
});

describe('perpsRewardBoundQuote', () => {
  test('default: the fee share on the whole position, capped by the equity', () => {
    // alice at $1800: notional 10 × 1,800 = 18,000; fee 1 % = 180 ≤ equity + 1 = 316.913; half = 90.
    const s = genericState(1800);
    expect(perpsRewardBoundQuote(s, 'alice', 'ETH-PERP', 10)).toBe(usdcUnits(90));
    // The liquidation closes part of it: what it pays is below the bound.
    const paid = balanceOf(
      apply(
        genericEngine,
        s,
        { type: 'liquidate', account: 'alice', liquidator: 'liq', market: 'ETH-PERP' },
        10,
      ).state.ledger,
      'wallet:liq',
      'USDC',
    );
    expect(paid).toBeGreaterThan(0n);
    expect(paid).toBeLessThanOrEqual(usdcUnits(90));
  });

  test('behavior: an account below zero equity pays nothing, and its liquidation pays nothing', () => {
    // alice at $1700: equity 2,500 − 10.087 + 17,000 − 20,174 = −684.087: min(170, −683.087) < 0.
    const s = genericState(1700);
    expect(perpsRewardBoundQuote(s, 'alice', 'ETH-PERP', 10)).toBe(0n);
    const after = apply(
      genericEngine,
      s,
      { type: 'liquidate', account: 'alice', liquidator: 'liq', market: 'ETH-PERP' },
      10,
    );
    expect(after.events.some((r) => r.event.type === 'PerpLiquidated')).toBe(true);
    expect(balanceOf(after.state.ledger, 'wallet:liq', 'USDC')).toBe(0n);
    // No position: nothing to pay.
    expect(perpsRewardBoundQuote(s, 'nobody', 'ETH-PERP', 10)).toBe(0n);
  });

  test('error: no bound outside perps-generic (undefined: nothing may be left out)', () => {
    const s = hlRun(hlEngine.initial(), setupCommands(), 0) as unknown as AnyState;
    expect(perpsRewardBoundQuote(s, 'alice', 'BTC-PERP', 0)).toBeUndefined();
  });
});

/** A hand-made view with one candidate paying `rewardUsd`. */
function viewWith(rewardUsd: number, over: Partial<PerpsKeeperView> = {}): PerpsKeeperView {
  return {
    kind: 'generic',
    keeperId: 'k',
    nowSeconds: 10,
    market: marketAt(10),
    protocolRun: false,
    gasUnits: 500_000n,
    candidates: [
      {
        account: 'alice',
        market: 'ETH-PERP',
        sizeBase: 1n,
        notionalUsd: 10_000,
        healthWad: 9n * 10n ** 17n,
        rewardUsd,
        command: { type: 'liquidate', account: 'alice', liquidator: 'k', market: 'ETH-PERP' },
      },
    ],
    unwinds: [],
    adl: [],
    ...over,
  };
}

describe('perpsLiquidator', () => {
  test('default: acts when the reward beats gas, with the expected profit', () => {
    // gas: 500,000 × 20 gwei × 1e-9 × $2000 = $20; reward $50 → profit $30.
    const actions = perpsLiquidator({ id: 'k' }).decide(viewWith(50));
    expect(actions).toHaveLength(1);
    expect(actions[0]?.gasUnits).toBe(500_000n);
    expect(actions[0]?.expectedProfitUsd).toBeCloseTo(30, 9);
  });

  test('behavior: I > C_gas + ε is strict, and ε counts', () => {
    expect(perpsLiquidator({ id: 'k' }).decide(viewWith(20))).toEqual([]);
    expect(perpsLiquidator({ id: 'k', minProfitUsd: 30 }).decide(viewWith(50))).toEqual([]);
    expect(perpsLiquidator({ id: 'k', minProfitUsd: 29 }).decide(viewWith(50))).toHaveLength(1);
  });

  test('behavior: above the gas cap nothing is sent, unwinds included', () => {
    const unwind = {
      command: { type: 'closePosition', account: 'k', market: 'ETH-PERP' },
      reason: 'u',
      notionalUsd: 1,
    };
    const view = viewWith(1_000, { unwinds: [unwind], market: marketAt(10, 150) });
    expect(perpsLiquidator({ id: 'k', maxGasPriceGwei: 100 }).decide(view)).toEqual([]);
    const sent = perpsLiquidator({ id: 'k', maxGasPriceGwei: 200 }).decide(view);
    expect(sent.map((a) => a.command.type)).toEqual(['closePosition', 'liquidate']);
  });

  test('behavior: protocol-run views liquidate whatever the reward', () => {
    const view = viewWith(0, { protocolRun: true, gasUnits: 0n });
    const actions = perpsLiquidator({ id: 'k', minProfitUsd: 1_000 }).decide(view);
    expect(actions).toHaveLength(1);
    expect(actions[0]?.expectedProfitUsd).toBeUndefined();
  });

  test('behavior: screen: nothing above the cap, all where the protocol liquidates, else the gas-plus-ε floor', () => {
    const k = perpsLiquidator({ id: 'k', minProfitUsd: 5, maxGasPriceGwei: 100 });
    expect(k.screen(marketAt(10, 150), 'generic')).toEqual({ sends: false });
    expect(k.screen(marketAt(10, 150), 'hyperliquid')).toEqual({ sends: false });
    expect(k.screen(marketAt(10, 20), 'hyperliquid')).toEqual({ sends: true });
    // 500,000 gas × 20 gwei × 1e-9 × $2000 = $20, plus ε $5.
    const generic = k.screen(marketAt(10, 20), 'generic');
    expect(generic.sends && generic.rewardAboveUsd).toBeCloseTo(25, 9);
    // Drift pays no Ethereum gas: the floor is ε alone.
    expect(k.screen(marketAt(10, 20), 'drift')).toEqual({ sends: true, rewardAboveUsd: 5 });
    // The floor is the one its decisions compare with: a reward just above it is sent, at it not.
    const floor = generic.sends ? (generic.rewardAboveUsd ?? 0) : 0;
    expect(k.decide(viewWith(floor))).toEqual([]);
    expect(k.decide(viewWith(floor + 1e-9))).toHaveLength(1);
  });

  test('error: a view built for another keeper, a negative ε or cap', () => {
    expect(() => perpsLiquidator({ id: 'other' }).decide(viewWith(50))).toThrow(InvalidParameterError);
    expect(() => perpsLiquidator({ id: 'k', minProfitUsd: -1 })).toThrow(InvalidParameterError);
    expect(() => perpsLiquidator({ id: 'k', maxGasPriceGwei: Number.NaN })).toThrow(InvalidParameterError);
  });
});

describe('perpsLiquidateCommand', () => {
  test('default: each model’s own command shape', () => {
    const shapes: Record<PerpsKind, Command> = {
      generic: { type: 'liquidate', account: 'a', liquidator: 'k', market: 'M' },
      hyperliquid: { type: 'liquidate', account: 'a', liquidator: 'k', market: 'M' },
      drift: { type: 'liquidate', account: 'a', liquidator: 'k', market: 'M' },
      dydx: { type: 'liquidate', account: 'a', market: 'M' },
      synthetix: { type: 'liquidate', account: 'a', keeper: 'k' },
      gmx: { type: 'liquidate', keeper: 'k', position: 'a' },
    };
    for (const [kind, command] of Object.entries(shapes)) {
      expect(perpsLiquidateCommand(kind as PerpsKind, 'a', 'M', 'k')).toEqual(command);
    }
  });
});
