/**
 * Tests of the composed-market keeper on two hand-sized markets with alice holding 10 ETH and owing
 * 15,000 USDC: a Dutch-auction market (tab = debt + 10 %, start 110 % of the oracle, −1 % a minute)
 * where the keeper starts the auction, waits until the price is 1 % under the market and buys, and
 * resets it once it is done; and a fixed-discount market (5 % bonus, 50 % close factor above health
 * 0.95) where it repays half the debt for 4.375 ETH. Checked against hand-derived amounts and the
 * model's acceptance.
 */
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { apply, type Command } from '../engine/machine.js';
import { feedOracleCommand } from '../engine/testkit.js';
import { RAY } from '../math/units.js';
import { type ComposedLendingExt, composedLendingModelFor } from '../protocols/composed/lending.js';
import { composedKeeperView, composedLiquidator } from './composed.js';
import type { MarketContext } from './types.js';

const E18 = 10n ** 18n;
const USDC = 1_000_000n;
const E8 = 100_000_000n;

const auctionConfig = {
  kind: 'lending',
  id: 'keeper-auction',
  debtAsset: 'USDC',
  collateral: { ETH: { liquidationThresholdBps: '8000', initialLtvBps: '7500' } },
  sizing: { kind: 'whole' },
  execution: {
    kind: 'dutchAuction',
    curve: 'StairstepExponentialDecrease cut=0.99 step=60',
    bufBps: '11000',
    tailSeconds: '7200',
    cuspBps: '4000',
    penaltyBps: '1000',
  },
  incentive: { protocolShareBps: '10000', keeperTip: '0', keeperChipBps: '10' },
  lossWaterfall: ['reserves', 'insurance', 'socialize'],
};
const saleConfig = {
  ...auctionConfig,
  id: 'keeper-sale',
  sizing: { kind: 'closeFactor', closeFactorBps: '5000', fullBelowHealthWad: String((95n * E18) / 100n) },
  execution: { kind: 'fixedDiscount', bonusBps: '500' },
  incentive: { protocolShareBps: '0' },
  lossWaterfall: ['reserves', 'insurance', 'deficit'],
};

type S = EngineState<ComposedLendingExt>;

/** A market of `config` at t = 0 (ETH $2,000) with alice at 75 % LTV and `k` holding `walletUsdc`. */
function open(config: { id: string }, walletUsdc: bigint): { state: S; run(c: Command, t: number): void } {
  const engine = createEngine(composedLendingModelFor(config.id));
  let state = engine.initial() as S;
  const run = (command: Command, t: number) => {
    state = apply(engine, state, command, t).state as S;
  };
  const oracle = (asset: string): Command =>
    feedOracleCommand(asset, 86_400, { maxSpreadBps: 100, twapWindowSeconds: 600 });
  for (const c of [
    { type: 'listAsset', asset: 'ETH', decimals: 18 },
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    oracle('ETH'),
    oracle('USDC'),
    { type: 'publishPrice', asset: 'ETH', source: 'feed', price: 2_000n * E8 },
    { type: 'publishPrice', asset: 'USDC', source: 'feed', price: E8 },
    { type: 'configure', params: config },
    { type: 'supply', amount: 1_000_000n * USDC },
    { type: 'fundWallet', actor: 'k', asset: 'USDC', amount: walletUsdc * USDC },
    { type: 'deposit', account: 'alice', asset: 'ETH', amount: 10n * E18 },
    { type: 'borrow', account: 'alice', amount: 15_000n * USDC },
  ] as Command[]) {
    run(c, 0);
  }
  return {
    get state() {
      return state;
    },
    run,
  };
}

const ctx = (nowSeconds: number, ethUsd: number, over: Partial<MarketContext> = {}): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 50,
  ethPriceUsd: ethUsd,
  collateralPriceUsdWad: BigInt(ethUsd) * E18,
  collateralPricesUsdWad: { ETH: BigInt(ethUsd) * E18, USDC: E18 },
  slippageBps: 0n,
  ...over,
});
const price = (dollars: bigint): Command => ({
  type: 'publishPrice',
  asset: 'ETH',
  source: 'feed',
  price: dollars * E8,
});

describe('composedKeeperView', () => {
  test('default: at $1,500 alice (health 0.8) would start an auction of her 10 ETH', () => {
    const m = open(auctionConfig, 100_000n);
    m.run(price(1_500n), 100);
    const view = composedKeeperView(m.state, 100, ctx(100, 1_500), ['k']);
    expect(view.debtAsset).toBe('USDC');
    expect(view.debtDecimals).toBe(6);
    expect(view.auctions).toEqual([]);
    // Health = 10 · 1,500 · 0.8 / 15,000 = 0.8; reserves are empty, so the chip pays nothing yet.
    expect(view.candidates).toEqual([
      {
        account: 'alice',
        healthWad: (8n * E18) / 10n,
        kind: 'auction',
        asset: 'ETH',
        assetDecimals: 18,
        repay: 0n,
        collateral: 10n * E18,
        keeperReward: 0n,
      },
    ]);
    expect(view.wallets.k).toEqual({ USDC: 100_000n * USDC });
  });

  test('error: a market at another time, an unconfigured model', () => {
    const m = open(auctionConfig, 1n);
    expect(() => composedKeeperView(m.state, 1, ctx(0, 2_000))).toThrow(InvalidParameterError);
    const bare = createEngine(composedLendingModelFor('keeper-bare')).initial() as S;
    expect(() => composedKeeperView(bare, 0, ctx(0, 2_000))).toThrow(InvalidParameterError);
  });
});

describe('composedLiquidator', () => {
  test('default: starts the auction, waits for 1 % under the market, then buys the whole lot', () => {
    const m = open(auctionConfig, 100_000n);
    m.run(price(1_500n), 100);
    const k = composedLiquidator({ id: 'k' });
    // Kick: I = reward 0 + 10 ETH · $1,500 · 1 % = $150 > 450k gas · 50 gwei · $1,500 = $33.75.
    const [kick, ...none] = k.decide(composedKeeperView(m.state, 100, ctx(100, 1_500), ['k']));
    expect(none).toEqual([]);
    expect(kick?.command).toEqual({
      type: 'liquidate',
      account: 'alice',
      liquidator: 'k',
      collateralAsset: 'ETH',
    });
    expect(kick?.expectedProfitUsd).toBeCloseTo(150, 9);
    m.run(kick?.command as Command, 100);
    expect(m.state.ext.auctions['1']?.tab).toBe(16_500n * USDC); // 15,000 + 10 %

    // Ten minutes in: 1,650 · 0.99^10 = 1,492.2 > 1,500 · 0.99 = 1,485 → nothing.
    const early = composedKeeperView(m.state, 700, ctx(700, 1_500), ['k']);
    expect(Number(early.auctions[0]?.priceRay) / Number(RAY)).toBeCloseTo(1_650 * 0.99 ** 10, 6);
    expect(k.decide(early)).toEqual([]);
    // Eleven: 1,650 · 0.99^11 = 1,477.3 ≤ 1,485 → take all 10 ETH for ⌈10 · price⌉ USDC.
    const late = composedKeeperView(m.state, 760, ctx(760, 1_500), ['k']);
    const priceRay = late.auctions[0]?.priceRay ?? 0n;
    expect(Number(priceRay) / Number(RAY)).toBeCloseTo(1_650 * 0.99 ** 11, 6);
    const [take] = k.decide(late);
    expect(take?.command).toEqual({
      type: 'take',
      id: 1,
      buyer: 'k',
      amount: 10n * E18,
      maxPriceRay: priceRay,
    });
    expect(take?.expectedProfitUsd).toBeCloseTo(15_000 - 1_650 * 0.99 ** 11 * 10, 4);
    m.run(take?.command as Command, 760);
    expect(balanceOf(m.state.ledger, 'wallet:k', 'ETH')).toBe(10n * E18);
    expect(m.state.ext.auctions).toEqual({});
  });

  test('behavior: a done auction is reset when the expected margin beats the redo gas; ε and cap', () => {
    const m = open(auctionConfig, 100_000n);
    m.run(price(1_500n), 100);
    m.run({ type: 'liquidate', account: 'alice', liquidator: 'x', collateralAsset: 'ETH' }, 100);
    // 0.99^92 < 40 %: past the cusp 92 minutes in.
    const view = composedKeeperView(m.state, 100 + 93 * 60, ctx(100 + 93 * 60, 1_500), ['k']);
    expect(view.auctions[0]?.needsRedo).toBe(true);
    const [redo, ...rest] = composedLiquidator({ id: 'k' }).decide(view);
    expect(rest).toEqual([]);
    expect(redo?.command).toEqual({ type: 'redo', id: 1, keeper: 'k' });
    m.run(redo?.command as Command, 100 + 93 * 60);
    // $150 of expected margin vs 150k gas · 50 gwei · $1,500 = $11.25: not with ε = 139, nor above the cap.
    expect(composedLiquidator({ id: 'k', minProfitUsd: 139 }).decide(view)).toEqual([]);
    expect(composedLiquidator({ id: 'k', minProfitUsd: 138 }).decide(view)).toHaveLength(1);
    expect(composedLiquidator({ id: 'k', maxGasPriceGwei: 49 }).decide(view)).toEqual([]);
  });

  test('behavior: a fixed-discount sale repays half the debt for 4.375 ETH, within its wallet', () => {
    const m = open(saleConfig, 10_000n);
    m.run(price(1_800n), 100);
    // Health 10 · 1,800 · 0.8 / 15,000 = 0.96 ≥ 0.95: half the debt, 7,500 · 1.05 / 1,800 = 4.375 ETH.
    const view = composedKeeperView(m.state, 100, ctx(100, 1_800), ['k']);
    expect(view.candidates).toMatchObject([
      { kind: 'sale', repay: 7_500n * USDC, collateral: 4_375n * 10n ** 15n },
    ]);
    const [sale] = composedLiquidator({ id: 'k' }).decide(view);
    // I = 4.375 · 1,800 − 7,500 = $375 > 400k gas · 50 gwei · $1,800 = $36.
    expect(sale?.expectedProfitUsd).toBeCloseTo(375, 6);
    expect(composedLiquidator({ id: 'k', minProfitUsd: 340 }).decide(view)).toEqual([]);
    m.run(sale?.command as Command, 100);
    expect(balanceOf(m.state.ledger, 'wallet:k', 'ETH')).toBe(4_375n * 10n ** 15n);
    // A wallet short of the repay sends nothing.
    const poor = open({ ...saleConfig, id: 'keeper-sale-poor' }, 7_000n);
    poor.run(price(1_800n), 100);
    expect(
      composedLiquidator({ id: 'k' }).decide(composedKeeperView(poor.state, 100, ctx(100, 1_800), ['k'])),
    ).toEqual([]);
  });

  test('behavior: on a predictive market it de-leverages a soft-called account for 25 % of its debt', () => {
    const predictiveConfig = {
      ...saleConfig,
      id: 'keeper-predictive',
      volatility: {
        model: 'ewma',
        lambdaWad: '940000000000000000',
        initialSigmaWad: '800000000000000000',
        minSampleSeconds: 300,
      },
      predictive: {
        horizonSeconds: 3600,
        softCallProbabilityWad: '50000000000000000',
        preHealthWad: String(E18),
        stepBps: 2500,
        preBonusBps: 200,
        cooldownSeconds: 900,
      },
    };
    const m = open(predictiveConfig, 100_000n);
    // Health 1.0667 at $2,000 is above H* ≈ 1.017 (σ 80 %, 1 h): nothing to do.
    expect(composedKeeperView(m.state, 10, ctx(10, 2_000), ['k']).deleverages).toEqual([]);
    m.run(price(1_900n), 100);
    // Health 15,200 / 15,000 = 1.0133 ≤ H*: a step of ⌊15,000 × 25 %⌋ for 3,750 × 1.02 / 1,900 ETH.
    const view = composedKeeperView(m.state, 100, ctx(100, 1_900), ['k']);
    const seized = (3_750n * 102n * E18) / (1_900n * 100n);
    expect(view.deleverages).toEqual([
      {
        account: 'alice',
        healthWad: (15_200n * E18) / 15_000n,
        reason: 'softCall',
        asset: 'ETH',
        assetDecimals: 18,
        repay: 3_750n * USDC,
        collateral: seized,
      },
    ]);
    expect(view.candidates).toEqual([]);
    const [step, ...rest] = composedLiquidator({ id: 'k' }).decide(view);
    expect(rest).toEqual([]);
    expect(step?.command).toEqual({
      type: 'deleverage',
      account: 'alice',
      keeper: 'k',
      collateralAsset: 'ETH',
    });
    // I = 3,750 × 2 % = $75 > 400k gas × 50 gwei × $1,900 = $38; not with ε = $38
    expect(step?.expectedProfitUsd).toBeCloseTo(75, 6);
    expect(composedLiquidator({ id: 'k', minProfitUsd: 38 }).decide(view)).toEqual([]);
    m.run(step?.command as Command, 100);
    expect(balanceOf(m.state.ledger, 'wallet:k', 'ETH')).toBe(seized);
    // Cooling down: the view lists nothing until 900 s have passed.
    expect(composedKeeperView(m.state, 200, ctx(200, 1_900), ['k']).deleverages).toEqual([]);
  });

  test('error: a negative ε or cap, a discount above 100 %, a view without the keeper wallet', () => {
    expect(() => composedLiquidator({ id: 'k', minProfitUsd: -1 })).toThrow(InvalidParameterError);
    expect(() => composedLiquidator({ id: 'k', maxGasPriceGwei: -1 })).toThrow(InvalidParameterError);
    expect(() => composedLiquidator({ id: 'k', minDiscountBps: 10_001n })).toThrow(InvalidParameterError);
    const m = open(auctionConfig, 1n);
    expect(() =>
      composedLiquidator({ id: 'k' }).decide(composedKeeperView(m.state, 0, ctx(0, 2_000))),
    ).toThrow(InvalidParameterError);
  });
});
