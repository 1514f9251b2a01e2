/**
 * Shared fixtures of the gmx-v2 tests: an ETH/USD [WETH-USDC] market with round parameters (no
 * impact, no borrowing unless asked), oracle and price commands, a funded engine, and alice's
 * 10x long that most tests start from.
 */
import { createEngine, type EngineState } from '../../engine/engine.js';
import { apply, type Command } from '../../engine/machine.js';
import { feedOracleCommand } from '../../engine/testkit.js';
import { gmxV2Model } from './model.js';
import { DEFAULT_GMX_PARAMS, type GmxMarketParams, type GmxParams } from './params.js';
import type { GmxExt } from './state.js';

/** An engine state of the GMX model. */
export type S = EngineState<GmxExt>;
/** The engine running `gmx-v2`. */
export const engine = createEngine(gmxV2Model);
/** FLOAT_PRECISION (1e30). */
export const F = 10n ** 30n;
/** Powers of ten for token and price scales. */
export const E18 = 10n ** 18n;
/** 1e8: oracle prices (USD·1e8). */
export const E8 = 10n ** 8n;
/** 1e6: USDC units. */
export const E6 = 10n ** 6n;
/** USD·1e30. */
export const usd = (dollars: bigint): bigint => dollars * F;
/** A 1e30 factor of `bps` basis points. */
export const bps = (n: bigint): bigint => (n * F) / 10_000n;
/** `n` whole USDC in units. */
export const usdc = (n: bigint): bigint => n * E6;
/** `n` whole WETH in wei. */
export const weth = (n: bigint): bigint => n * E18;
/** The test market id. */
export const MARKET = 'ETH-USD';

/** ETH/USD [WETH-USDC]: 0.1 % position fee, 0.2 % liquidation fee, 1 % / 0.5 % collateral floors. */
export const TEST_MARKET: GmxMarketParams = {
  market: MARKET,
  indexToken: 'ETH',
  longToken: 'WETH',
  shortToken: 'USDC',
  positionFeeFactorForPositiveImpact: bps(10n),
  positionFeeFactorForNegativeImpact: bps(10n),
  positivePositionImpactFactor: 0n,
  negativePositionImpactFactor: 0n,
  positionImpactExponentFactor: 2n * F,
  positiveMaxPositionImpactFactor: bps(50n),
  negativeMaxPositionImpactFactor: bps(50n),
  maxPositionImpactFactorForLiquidations: 0n,
  minCollateralFactor: bps(100n),
  minCollateralFactorForLiquidation: bps(50n),
  liquidationFeeFactor: bps(20n),
  borrowingFactor: { long: 0n, short: 0n },
  borrowingExponentFactor: { long: F, short: F },
  reserveFactor: { long: bps(20_000n), short: bps(20_000n) },
  maxOpenInterest: { long: usd(100_000_000n), short: usd(100_000_000n) },
  maxPnlFactorForTraders: { long: F, short: F },
  maxPnlFactorForAdl: { long: bps(5000n), short: bps(5000n) },
  maxPnlFactorForDeposits: { long: F, short: F },
  maxPnlFactorForWithdrawals: { long: bps(9000n), short: bps(9000n) },
  minPnlFactorAfterAdl: { long: bps(4000n), short: bps(4000n) },
};

/** Global settings: $5 MIN_COLLATERAL_USD, $10 MIN_POSITION_SIZE_USD, 37 % receiver shares. */
export const TEST_PARAMS: GmxParams = {
  ...DEFAULT_GMX_PARAMS,
  minCollateralUsd: usd(5n),
  minPositionSizeUsd: usd(10n),
  liquidationKeepers: ['keeper'],
  adlKeepers: ['adl'],
  markets: [TEST_MARKET],
};

/** A `publishPrice` of `dollars.cents` (USD·1e8) from source `feed`. */
export const price = (asset: string, dollars: bigint, cents = 0n): Command => ({
  type: 'publishPrice',
  asset,
  source: 'feed',
  price: dollars * E8 + cents * 10n ** 6n,
});

/** A one-source oracle with 8 price decimals that stays fresh for 10,000,000 s. */
export const oracle = (asset: string): Command => feedOracleCommand(asset, 10_000_000, { maxSpreadBps: 100 });

/** ETH at `ethDollars` for both the index and the long token. */
export const ethPrice = (dollars: bigint, cents = 0n): Command[] => [
  price('ETH', dollars, cents),
  price('WETH', dollars, cents),
];

/** Applies commands in order at `now`. */
export function run(state: S, commands: readonly Command[], now = 1_000): S {
  return commands.reduce((s, c) => apply(engine, s, c, now).state, state);
}

/** Listed assets and oracles, ETH $2000, USDC $1, `params` configured, and `lp` deposits. */
export function setup(
  params: unknown = TEST_PARAMS,
  liquidity: { readonly weth: bigint; readonly usdc: bigint } = { weth: weth(100n), usdc: usdc(200_000n) },
): S {
  return run(engine.initial(), [
    { type: 'listAsset', asset: 'ETH', decimals: 18 },
    { type: 'listAsset', asset: 'WETH', decimals: 18 },
    { type: 'listAsset', asset: 'USDC', decimals: 6 },
    oracle('ETH'),
    oracle('WETH'),
    oracle('USDC'),
    ...ethPrice(2000n),
    price('USDC', 1n),
    { type: 'configure', params },
    { type: 'fundWallet', actor: 'lp', asset: 'WETH', amount: liquidity.weth },
    { type: 'fundWallet', actor: 'lp', asset: 'USDC', amount: liquidity.usdc },
    { type: 'depositLiquidity', lp: 'lp', market: MARKET, token: 'WETH', amount: liquidity.weth },
    { type: 'depositLiquidity', lp: 'lp', market: MARKET, token: 'USDC', amount: liquidity.usdc },
  ]);
}

/** `account` opens a position with `collateral` of `token` (funded first). */
export function open(
  state: S,
  args: {
    readonly account: string;
    readonly isLong: boolean;
    readonly token: string;
    readonly collateral: bigint;
    readonly sizeUsd: bigint;
  },
  now = 1_000,
): S {
  return run(
    state,
    [
      { type: 'fundWallet', actor: args.account, asset: args.token, amount: args.collateral },
      {
        type: 'increasePosition',
        account: args.account,
        market: MARKET,
        collateralToken: args.token,
        isLong: args.isLong,
        collateralAmount: args.collateral,
        sizeDeltaUsd: args.sizeUsd,
      },
    ],
    now,
  );
}

/** alice opens a $10,000 long (10x at $2000) on 1,000 USDC of collateral in `state` (default {@link setup}). */
export const withAlice = (state: S = setup()): S =>
  open(state, {
    account: 'alice',
    isLong: true,
    token: 'USDC',
    collateral: usdc(1000n),
    sizeUsd: usd(10_000n),
  });

/** The position key of `account`'s position. */
export const pid = (account: string, token: string, isLong: boolean): string =>
  `${account}:${MARKET}:${token}:${isLong ? 'long' : 'short'}`;
