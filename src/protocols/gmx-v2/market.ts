/**
 * GMX `MarketUtils` over the model state: the USD worth of each side's pool, each side's pending
 * PnL and its PnL-to-pool factor, the trader PnL cap, borrowing accrual, the pool value behind the
 * GM token price, reserve and open-interest validation, and the price impact of an order.
 * Ported from gmx-io/gmx-synthetics contracts/market/MarketUtils.sol.
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import {
  applyFactor,
  borrowingFactorPerSecond,
  cappedPnl,
  marketPnlUsd,
  type PriceImpact,
  pnlToPoolFactor,
  poolUsdWithoutPnl,
  priceImpactUsd,
  reservedUsd,
} from './math.js';
import type { GmxMarketParams, GmxParams, SideValues } from './params.js';
import type { GmxMarketState, GmxPrices, Side } from './state.js';

/** What every market formula reads: parameters, state, pool token amounts and prices. */
export interface MarketView {
  readonly mp: GmxMarketParams;
  readonly ms: GmxMarketState;
  /** Pool token amounts (ledger `pool:<market>`), smallest units. */
  readonly pools: SideValues;
  readonly prices: GmxPrices;
}

const FLOAT_PRECISION = 10n ** 30n;

/** Whether the market's long and short tokens are the same (a single-token market). */
export const isSingleToken = (mp: GmxMarketParams): boolean => mp.longToken === mp.shortToken;

/** `getPoolUsdWithoutPnl`: USD worth of the side's pool token. */
export function poolUsd(view: MarketView, side: Side): bigint {
  return poolUsdWithoutPnl(view.pools[side], view.prices[side], isSingleToken(view.mp));
}

/** `getPnl`: the pending PnL of one side's open interest at the index price. */
export function sidePnl(view: MarketView, side: Side): bigint {
  return marketPnlUsd(
    side === 'long',
    view.ms.openInterestUsd[side],
    view.ms.openInterestInTokens[side],
    view.prices.index,
  );
}

/** `getPnlToPoolFactor(..., maximize = true)`: side PnL over side pool USD (one price: min = max). */
export function sidePnlToPoolFactor(view: MarketView, side: Side): bigint {
  return pnlToPoolFactor(sidePnl(view, side), poolUsd(view, side));
}

/** The MAX_PNL_FACTOR_FOR_TRADERS cap of `getPositionPnlUsd`: the side's PnL and its capped value. */
export function traderCap(
  view: MarketView,
  side: Side,
): { readonly poolPnlUsd: bigint; readonly cappedPoolPnlUsd: bigint } {
  const poolPnlUsd = sidePnl(view, side);
  return {
    poolPnlUsd,
    cappedPoolPnlUsd: cappedPnl(poolPnlUsd, poolUsd(view, side), view.mp.maxPnlFactorForTraders[side]),
  };
}

/** `getReservedUsd` of one side. */
export function sideReservedUsd(view: MarketView, side: Side): bigint {
  return reservedUsd(
    side === 'long',
    view.ms.openInterestUsd[side],
    view.ms.openInterestInTokens[side],
    view.prices.index,
  );
}

/**
 * `updateCumulativeBorrowingFactor` for both sides at `nowSeconds`:
 * `cumulative += elapsed · borrowingFactorPerSecond` (per-second rate at the current prices and
 * open interest).
 * @throws ProtocolRevertError `UnableToGetBorrowingFactorEmptyPoolUsd` (see math.ts).
 */
export function accrueBorrowing(view: MarketView, nowSeconds: number): GmxMarketState {
  const elapsed = BigInt(Math.max(0, nowSeconds - view.ms.borrowingUpdatedAtSeconds));
  if (elapsed === 0n) return view.ms;
  const next = (side: Side): bigint =>
    view.ms.cumulativeBorrowingFactor[side] +
    elapsed *
      borrowingFactorPerSecond({
        reservedUsd: sideReservedUsd(view, side),
        poolUsd: poolUsd(view, side),
        borrowingFactor: view.mp.borrowingFactor[side],
        borrowingExponentFactor: view.mp.borrowingExponentFactor[side],
      });
  return {
    ...view.ms,
    cumulativeBorrowingFactor: { long: next('long'), short: next('short') },
    borrowingUpdatedAtSeconds: nowSeconds,
  };
}

/** `getTotalPendingBorrowingFees`: applyFactor(openInterest, cumulative) − totalBorrowing. */
export function pendingBorrowingFees(ms: GmxMarketState, side: Side): bigint {
  return applyFactor(ms.openInterestUsd[side], ms.cumulativeBorrowingFactor[side]) - ms.totalBorrowing[side];
}

/** Which MAX_PNL_FACTOR caps the PnL in a pool valuation. */
export type PoolValueKind = 'deposits' | 'withdrawals';

/**
 * `getPoolValueInfo`: pool tokens' worth + the pool's share of pending borrowing fees − the side
 * PnLs (each capped by the deposit or withdrawal PnL factor) − the position impact pool's worth.
 * May be negative when traders' PnL exceeds the pool.
 */
export function poolValue(params: GmxParams, view: MarketView, kind: PoolValueKind): bigint {
  const { mp, ms, prices } = view;
  // getPoolAmount halves a single-token market's one amount for each side (floor), as GMX does
  const tokensUsd = poolUsd(view, 'long') + poolUsd(view, 'short');
  const borrowing = pendingBorrowingFees(ms, 'long') + pendingBorrowingFees(ms, 'short');
  const borrowingForPool = applyFactor(borrowing, FLOAT_PRECISION - params.borrowingFeeReceiverFactor);
  const factor = kind === 'deposits' ? mp.maxPnlFactorForDeposits : mp.maxPnlFactorForWithdrawals;
  const longPnl = cappedPnl(sidePnl(view, 'long'), poolUsd(view, 'long'), factor.long);
  const shortPnl = cappedPnl(sidePnl(view, 'short'), poolUsd(view, 'short'), factor.short);
  return tokensUsd + borrowingForPool - (longPnl + shortPnl) - ms.positionImpactPoolAmount * prices.index;
}

/**
 * `validateReserve`: the side's reserved USD may not exceed `applyFactor(poolUsd, reserveFactor)`.
 * @throws ProtocolRevertError `InsufficientReserve`.
 */
export function validateReserve(view: MarketView, side: Side): void {
  const reserved = sideReservedUsd(view, side);
  const max = applyFactor(poolUsd(view, side), view.mp.reserveFactor[side]);
  if (reserved > max)
    throw new ProtocolRevertError(
      'InsufficientReserve',
      `the ${side} pool cannot back this much open interest`,
      {
        reservedUsd: reserved.toString(),
        maxReservedUsd: max.toString(),
      },
    );
}

/** `validateOpenInterest`. @throws ProtocolRevertError `MaxOpenInterestExceeded`. */
export function validateOpenInterest(view: MarketView, side: Side): void {
  const oi = view.ms.openInterestUsd[side];
  if (oi > view.mp.maxOpenInterest[side])
    throw new ProtocolRevertError('MaxOpenInterestExceeded', `the ${side} open interest cap is reached`, {
      openInterest: oi.toString(),
      maxOpenInterest: view.mp.maxOpenInterest[side].toString(),
    });
}

/**
 * `validateMaxPnl` (withdrawals): each side's PnL-to-pool factor must not exceed its
 * MAX_PNL_FACTOR_FOR_WITHDRAWALS.
 * @throws ProtocolRevertError `PnlFactorExceededForLongs` / `PnlFactorExceededForShorts`.
 */
export function validateMaxPnlForWithdrawals(view: MarketView): void {
  for (const side of ['long', 'short'] as const) {
    const factor = sidePnlToPoolFactor(view, side);
    const max = view.mp.maxPnlFactorForWithdrawals[side];
    if (factor > 0n && factor > max)
      throw new ProtocolRevertError(
        side === 'long' ? 'PnlFactorExceededForLongs' : 'PnlFactorExceededForShorts',
        'traders’ pending profit is too large a share of the pool to withdraw now',
        { pnlToPoolFactor: factor.toString(), maxPnlFactor: max.toString() },
      );
  }
}

/** Price impact of changing the `isLong` side's open interest by `usdDelta` (signed). */
export function orderPriceImpact(view: MarketView, isLong: boolean, usdDelta: bigint): PriceImpact {
  return priceImpactUsd({
    longOpenInterestUsd: view.ms.openInterestUsd.long,
    shortOpenInterestUsd: view.ms.openInterestUsd.short,
    isLong,
    usdDelta,
    positiveImpactFactor: view.mp.positivePositionImpactFactor,
    negativeImpactFactor: view.mp.negativePositionImpactFactor,
    exponentFactor: view.mp.positionImpactExponentFactor,
  });
}
