/**
 * The shapes every keeper shares: the actions a policy returns (engine commands with their gas),
 * the policy interface itself (a pure `decide(view)`), the market a keeper sees beside the engine
 * state, and the float screens (gas cost and DAI value in USD) that policies compare.
 */
import { InvalidParameterError } from '../engine/errors.js';
import type { Command } from '../engine/machine.js';
import { BPS, RAD } from '../math/units.js';

/** One transaction a keeper wants sent: an engine command (the model's own shape) and its gas. */
export interface KeeperAction {
  /** The command, exactly as the protocol model accepts it. */
  readonly command: Command;
  /** Gas units the transaction is assumed to use (see the protocol's gas table). */
  readonly gasUnits: bigint;
  /** Why the keeper acts, for traces and reports (one line). */
  readonly reason: string;
  /**
   * What the keeper expects to earn from it before gas, USD (a float screen), when it knows: what it
   * bids from in a priority gas auction.
   */
  readonly expectedProfitUsd?: number;
}

/**
 * A keeper: a pure policy from what it sees to what it sends. `id` is also the actor the commands
 * name (`keeper`, `bidder`), so its wallet is `wallet:<id>`. `decide` never reads the clock,
 * randomness, files or the network: everything it knows is in `view`.
 */
export interface KeeperPolicy<V> {
  readonly id: string;
  /** The actions to send now, in order (may be empty). Throws only on a malformed view. */
  decide(view: V): readonly KeeperAction[];
}

/**
 * The market a keeper sees beside the engine state. Gas and ETH prices are floats: they only screen
 * (is it worth the gas?), they never decide an amount on chain. The collateral price is exact
 * because a flash take sells at it.
 */
export interface MarketContext {
  /** The time of the decision, whole seconds (the engine's `nowSeconds`). */
  readonly nowSeconds: number;
  /** Gas price the keeper would pay, gwei (finite, ≥ 0). */
  readonly gasPriceGwei: number;
  /** ETH price, USD per ETH (finite, ≥ 0): prices the gas. */
  readonly ethPriceUsd: number;
  /**
   * Market price the keeper can sell collateral at before slippage, USD per unit, WAD (≥ 0). Used
   * for every collateral unless `collateralPricesUsdWad` names the asset.
   */
  readonly collateralPriceUsdWad: bigint;
  /**
   * Maker: DAI's market price, USD per DAI, WAD (> 0); absent: DAI at $1. A keeper pays in DAI and
   * sells collateral for USD, so a DAI premium lowers what it bids in DAI and raises what a DAI
   * reward is worth against gas.
   */
  readonly daiPriceUsdWad?: bigint;
  /** Per-asset overrides of `collateralPriceUsdWad` (ledger asset → USD per unit, WAD). */
  readonly collateralPricesUsdWad?: Readonly<Record<string, bigint>>;
  /** Price impact of selling the collateral, bps (0–10,000): the keeper nets price·(1 − slippage). */
  readonly slippageBps: bigint;
}

/**
 * Checks a market context.
 * @throws InvalidParameterError naming the field (`market.gasPriceGwei`, ...) for a non-integer
 * time, a negative or non-finite float, a negative price or slippage outside 0–10,000 bps.
 */
export function validateMarket(market: MarketContext): void {
  if (!Number.isSafeInteger(market.nowSeconds) || market.nowSeconds < 0) {
    throw new InvalidParameterError('market.nowSeconds', 'must be a whole number of seconds ≥ 0');
  }
  for (const field of ['gasPriceGwei', 'ethPriceUsd'] as const) {
    const v = market[field];
    if (!Number.isFinite(v) || v < 0)
      throw new InvalidParameterError(`market.${field}`, 'must be finite and ≥ 0');
  }
  if (market.collateralPriceUsdWad < 0n)
    throw new InvalidParameterError('market.collateralPriceUsdWad', 'must be ≥ 0');
  for (const [asset, price] of Object.entries(market.collateralPricesUsdWad ?? {})) {
    if (price < 0n) throw new InvalidParameterError(`market.collateralPricesUsdWad.${asset}`, 'must be ≥ 0');
  }
  if (market.daiPriceUsdWad !== undefined && market.daiPriceUsdWad <= 0n)
    throw new InvalidParameterError('market.daiPriceUsdWad', 'must be > 0');
  if (market.slippageBps < 0n || market.slippageBps > BPS) {
    throw new InvalidParameterError('market.slippageBps', 'must be between 0 and 10000');
  }
}

/** ETH per gwei. */
const ETH_PER_GWEI = 1e-9;

/**
 * USD cost of a transaction: `gasUnits × gasPriceGwei × 1e-9 × ethPriceUsd` (float64: a screen,
 * never an amount on chain).
 * @param gasUnits gas units (≥ 0). @param market gas price (gwei) and ETH price (USD).
 */
export function gasCostUsd(
  gasUnits: bigint,
  market: Pick<MarketContext, 'gasPriceGwei' | 'ethPriceUsd'>,
): number {
  return Number(gasUnits) * market.gasPriceGwei * ETH_PER_GWEI * market.ethPriceUsd;
}

/** 1e27: RAD → WAD. */
const RAD_PER_WAD = RAD / 10n ** 18n;

/**
 * A DAI amount in RAD as USD (float64, DAI = 1 USD), for screens only: the RAD is first truncated
 * to a WAD (sub-1e-18 DAI dropped), then divided by 1e18.
 * @param rad DAI, RAD (may be negative: a loss).
 */
export function radToUsd(rad: bigint): number {
  return Number(rad / RAD_PER_WAD) / 1e18;
}
