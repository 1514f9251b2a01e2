/**
 * GMX v2 orders as pure functions of a market view: the liquidation check of a position
 * (`PositionUtils.isPositionLiquidatable`), an increase (`IncreasePositionUtils`) and a decrease
 * (`DecreasePositionUtils` + `DecreasePositionCollateralUtils.processCollateral`), each returning
 * the next position, the next market state and the token flows as ledger moves to emit.
 * Ported from gmx-io/gmx-synthetics contracts/position/{PositionUtils,IncreasePositionUtils,
 * DecreasePositionUtils,DecreasePositionCollateralUtils}.sol (v2.1 semantics: the increase's price
 * impact is folded into `sizeInTokens` and mirrored in the position impact pool).
 */
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { type Moved, moved } from '../../engine/ledger.js';
import {
  type MarketView,
  orderPriceImpact,
  traderCap,
  validateOpenInterest,
  validateReserve,
} from './market.js';
import {
  applyFactor,
  baseSizeDeltaInTokens,
  borrowingFeeUsd,
  capImpactForLiquidationCheck,
  capNegativeImpactUsd,
  capPositiveImpactUsd,
  type DecreasePurses,
  type LiquidationCheck,
  liquidationCheck,
  mulDivSignedTrunc,
  type PositionFees,
  payForCost,
  positionFees,
  positionPnlUsd,
  priceImpactAmount,
  roundUpDivision,
  willCollateralBeSufficient,
} from './math.js';
import type { GmxMarketParams, GmxParams, SideValues } from './params.js';
import {
  FEE_RECEIVER_BUCKET,
  type GmxMarketState,
  type GmxPosition,
  outputBucket,
  poolBucket,
  positionBucket,
  sideOf,
  tokenPrice,
  walletBucket,
} from './state.js';

/** A token movement and the liquidation stage that emits it (`execution` or `incentive`). */
export interface Flow extends Moved {
  readonly stage: 'execution' | 'incentive';
}

function flow(
  stage: Flow['stage'],
  asset: string,
  from: string,
  to: string,
  amount: bigint,
  reason: string,
): Flow[] {
  return moved(asset, from, to, amount, reason).map((m) => ({ ...m, stage }));
}

/** Ledger moves of flows (the `stage` tag dropped). */
export const movesOf = (flows: readonly Flow[]): Moved[] => flows.map(({ stage: _stage, ...m }) => m);

/** Pool token amounts after `flows` (moves into and out of `pool:<market>`). */
export function poolsAfter(mp: GmxMarketParams, pools: SideValues, flows: readonly Moved[]): SideValues {
  const bucket = poolBucket(mp.market);
  const delta = (token: string): bigint => {
    let d = 0n;
    for (const f of flows) {
      if (f.asset !== token) continue;
      if (f.to === bucket) d += f.amount;
      if (f.from === bucket) d -= f.amount;
    }
    return d;
  };
  if (mp.longToken === mp.shortToken) {
    const total = pools.long + delta(mp.longToken);
    return { long: total, short: total };
  }
  return { long: pools.long + delta(mp.longToken), short: pools.short + delta(mp.shortToken) };
}

/** Σ applyFactor(size, borrowingFactor) bookkeeping (`MarketUtils.updateTotalBorrowing`). */
function nextTotalBorrowing(
  ms: GmxMarketState,
  side: 'long' | 'short',
  prev: { readonly size: bigint; readonly factor: bigint },
  next: { readonly size: bigint; readonly factor: bigint },
): SideValues {
  const value =
    ms.totalBorrowing[side] - applyFactor(prev.size, prev.factor) + applyFactor(next.size, next.factor);
  return { ...ms.totalBorrowing, [side]: value };
}

// ---------------------------------------------------------------------------------------------
// Liquidation check
// ---------------------------------------------------------------------------------------------

/** The pieces of {@link positionLiquidation} besides the check itself (USD·1e30). */
export interface PositionLiquidationInfo extends LiquidationCheck {
  readonly collateralUsd: bigint;
  readonly positionPnlUsd: bigint;
  /** Closing impact as the check counts it (≤ 0, capped for liquidations). */
  readonly priceImpactUsd: bigint;
  /** Position fee + pending borrowing fee of closing, liquidation fee excluded. */
  readonly closingCostsUsd: bigint;
  /** The floor the position must stay above: max(MIN_COLLATERAL_USD if validated, size·factor). */
  readonly thresholdUsd: bigint;
}

/**
 * `PositionUtils.isPositionLiquidatable` for a position in `view` (borrowing accrued to now):
 * collateral at the collateral price + the whole position's (trader-capped) PnL + the closing
 * impact (gains count 0, losses capped at `maxPositionImpactFactorForLiquidations`) − the closing
 * position fee and pending borrowing fee (not the liquidation fee). `mode` `liquidation` uses
 * MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION, `order` (validatePosition) MIN_COLLATERAL_FACTOR.
 */
export function positionLiquidation(
  params: GmxParams,
  view: MarketView,
  position: GmxPosition,
  mode: 'liquidation' | 'order',
  shouldValidateMinCollateralUsd: boolean,
): PositionLiquidationInfo {
  const { mp, ms, prices } = view;
  const side = sideOf(position.isLong);
  const positionPnl = positionPnlUsd(
    position,
    prices.index,
    position.sizeInUsd,
    traderCap(view, side),
  ).positionPnlUsd;
  const collateralPrice = tokenPrice(mp, prices, position.collateralToken);
  const collateralUsd = position.collateralAmount * collateralPrice;
  const impact = orderPriceImpact(view, position.isLong, -position.sizeInUsd);
  const priceImpactUsd = capImpactForLiquidationCheck(
    impact.priceImpactUsd,
    position.sizeInUsd,
    mp.maxPositionImpactFactorForLiquidations,
  );
  const fees = positionFees({
    sizeDeltaUsd: position.sizeInUsd,
    positionFeeFactor: impact.balanceWasImproved
      ? mp.positionFeeFactorForPositiveImpact
      : mp.positionFeeFactorForNegativeImpact,
    positionFeeReceiverFactor: params.positionFeeReceiverFactor,
    borrowingFeeUsd: borrowingFeeUsd(
      position.sizeInUsd,
      ms.cumulativeBorrowingFactor[side],
      position.borrowingFactor,
    ),
    borrowingFeeReceiverFactor: params.borrowingFeeReceiverFactor,
    collateralTokenPriceMin: collateralPrice,
  });
  const closingCostsUsd = fees.totalCostAmount * collateralPrice;
  const check = liquidationCheck({
    collateralUsd,
    positionPnlUsd: positionPnl,
    priceImpactUsd,
    closingCostsUsd,
    sizeInUsd: position.sizeInUsd,
    minCollateralFactor:
      mode === 'liquidation' ? mp.minCollateralFactorForLiquidation : mp.minCollateralFactor,
    minCollateralUsd: params.minCollateralUsd,
    shouldValidateMinCollateralUsd,
  });
  const floor = shouldValidateMinCollateralUsd ? params.minCollateralUsd : 0n;
  return {
    ...check,
    collateralUsd,
    positionPnlUsd: positionPnl,
    priceImpactUsd,
    closingCostsUsd,
    thresholdUsd: check.minCollateralUsdForLeverage > floor ? check.minCollateralUsdForLeverage : floor,
  };
}

/**
 * `PositionUtils.validatePosition`.
 * @throws ProtocolRevertError `InvalidPositionSizeValues`, `MinPositionSize`, `LiquidatablePosition`
 *   (with GMX's reason in `computed.reason`).
 */
export function validatePosition(
  params: GmxParams,
  view: MarketView,
  position: GmxPosition,
  options: {
    readonly shouldValidateMinPositionSize: boolean;
    readonly shouldValidateMinCollateralUsd: boolean;
  },
): void {
  if (position.sizeInUsd === 0n || position.sizeInTokens === 0n)
    throw new ProtocolRevertError(
      'InvalidPositionSizeValues',
      'a position needs both a USD size and a token size',
      {
        sizeInUsd: position.sizeInUsd.toString(),
        sizeInTokens: position.sizeInTokens.toString(),
      },
    );
  if (options.shouldValidateMinPositionSize && position.sizeInUsd < params.minPositionSizeUsd)
    throw new ProtocolRevertError('MinPositionSize', 'the position is below MIN_POSITION_SIZE_USD', {
      sizeInUsd: position.sizeInUsd.toString(),
      minPositionSizeUsd: params.minPositionSizeUsd.toString(),
    });
  const info = positionLiquidation(params, view, position, 'order', options.shouldValidateMinCollateralUsd);
  if (info.liquidatable)
    throw new ProtocolRevertError('LiquidatablePosition', 'the order would leave the position liquidatable', {
      reason: info.reason,
      remainingCollateralUsd: info.remainingCollateralUsd.toString(),
      minCollateralUsdForLeverage: info.minCollateralUsdForLeverage.toString(),
    });
}

// ---------------------------------------------------------------------------------------------
// Increase
// ---------------------------------------------------------------------------------------------

/** An increase order. */
export interface IncreaseOrder {
  readonly account: string;
  readonly collateralToken: string;
  readonly isLong: boolean;
  /** Collateral sent with the order (from the account's wallet), token units. */
  readonly collateralAmount: bigint;
  /** USD·1e30 (0 = collateral deposit only). */
  readonly sizeDeltaUsd: bigint;
}

/** What an increase does. */
export interface IncreaseResult {
  readonly position: GmxPosition;
  readonly marketState: GmxMarketState;
  readonly flows: readonly Flow[];
  readonly sizeDeltaInTokens: bigint;
  /** Impact applied (positive capped by the impact pool and factor), USD·1e30. */
  readonly priceImpactUsd: bigint;
  readonly fees: PositionFees;
}

/**
 * `IncreasePositionUtils.increasePosition`: the impact (`getPriceImpactUsd(+size)`, gains capped
 * by `getCappedPositionImpactUsd`) becomes an index-token amount added to (long) or subtracted
 * from (short) `baseSizeDeltaInTokens`; fees (position fee + the position's pending borrowing fee)
 * come out of the new collateral first; then the position and the market are validated.
 * @param view the market with borrowing accrued to now.
 * @param positionIdValue the position key; `existing` its current value, if any.
 * @throws ProtocolRevertError `PriceImpactLargerThanOrderSize`, `InsufficientCollateralAmount`,
 *   `InvalidPositionSizeValues`, `MinPositionSize`, `InsufficientCollateralUsd`,
 *   `LiquidatablePosition`, `MaxOpenInterestExceeded`, `InsufficientReserve`.
 */
export function processIncrease(
  params: GmxParams,
  view: MarketView,
  positionIdValue: string,
  existing: GmxPosition | undefined,
  order: IncreaseOrder,
): IncreaseResult {
  const { mp, ms, prices } = view;
  const side = sideOf(order.isLong);
  const cumulative = ms.cumulativeBorrowingFactor[side];
  const collateralPrice = tokenPrice(mp, prices, order.collateralToken);
  const impact = orderPriceImpact(view, order.isLong, order.sizeDeltaUsd);
  const impactUsd = capPositiveImpactUsd({
    impactUsd: impact.priceImpactUsd,
    impactPoolAmount: ms.positionImpactPoolAmount,
    indexPriceMin: prices.index,
    sizeDeltaUsd: order.sizeDeltaUsd,
    maxPositiveImpactFactor: mp.positiveMaxPositionImpactFactor,
  });
  const impactAmount = priceImpactAmount(impactUsd, prices.index, prices.index);
  const base = baseSizeDeltaInTokens(order.sizeDeltaUsd, order.isLong, prices.index, prices.index);
  const sizeDeltaInTokens = order.isLong ? base + impactAmount : base - impactAmount;
  if (sizeDeltaInTokens < 0n)
    throw new ProtocolRevertError(
      'PriceImpactLargerThanOrderSize',
      'the negative impact exceeds the order size',
      {
        priceImpactUsd: impactUsd.toString(),
        sizeDeltaUsd: order.sizeDeltaUsd.toString(),
      },
    );
  const prev: GmxPosition = existing ?? {
    id: positionIdValue,
    account: order.account,
    market: mp.market,
    collateralToken: order.collateralToken,
    isLong: order.isLong,
    sizeInUsd: 0n,
    sizeInTokens: 0n,
    collateralAmount: 0n,
    borrowingFactor: cumulative,
  };
  const fees = positionFees({
    sizeDeltaUsd: order.sizeDeltaUsd,
    positionFeeFactor: impact.balanceWasImproved
      ? mp.positionFeeFactorForPositiveImpact
      : mp.positionFeeFactorForNegativeImpact,
    positionFeeReceiverFactor: params.positionFeeReceiverFactor,
    borrowingFeeUsd: borrowingFeeUsd(prev.sizeInUsd, cumulative, prev.borrowingFactor),
    borrowingFeeReceiverFactor: params.borrowingFeeReceiverFactor,
    collateralTokenPriceMin: collateralPrice,
  });
  const collateralDelta = order.collateralAmount - fees.totalCostAmount;
  if (collateralDelta < 0n && prev.collateralAmount < -collateralDelta)
    throw new ProtocolRevertError(
      'InsufficientCollateralAmount',
      'the collateral cannot pay the order’s fees',
      {
        collateralAmount: (prev.collateralAmount + order.collateralAmount).toString(),
        totalCostAmount: fees.totalCostAmount.toString(),
      },
    );
  const position: GmxPosition = {
    ...prev,
    collateralAmount: prev.collateralAmount + collateralDelta,
    sizeInUsd: prev.sizeInUsd + order.sizeDeltaUsd,
    sizeInTokens: prev.sizeInTokens + sizeDeltaInTokens,
    borrowingFactor: cumulative,
  };
  const marketState: GmxMarketState = {
    ...ms,
    positionImpactPoolAmount: ms.positionImpactPoolAmount - impactAmount,
    openInterestUsd: { ...ms.openInterestUsd, [side]: ms.openInterestUsd[side] + order.sizeDeltaUsd },
    openInterestInTokens: {
      ...ms.openInterestInTokens,
      [side]: ms.openInterestInTokens[side] + sizeDeltaInTokens,
    },
    totalBorrowing: nextTotalBorrowing(
      ms,
      side,
      { size: prev.sizeInUsd, factor: prev.borrowingFactor },
      { size: position.sizeInUsd, factor: cumulative },
    ),
  };
  const acct = positionBucket(positionIdValue);
  const pool = poolBucket(mp.market);
  const token = order.collateralToken;
  const flows: Flow[] = [
    ...flow(
      'execution',
      token,
      walletBucket(order.account),
      acct,
      order.collateralAmount,
      'increaseCollateral',
    ),
    ...feeFlows(fees, [{ bucket: acct, amount: fees.totalCostAmount }], token, pool),
  ];
  const next: MarketView = { ...view, ms: marketState, pools: poolsAfter(mp, view.pools, flows) };
  const sufficient = willCollateralBeSufficient({
    collateralAmount: position.collateralAmount,
    collateralTokenPriceMin: collateralPrice,
    realizedPnlUsd: 0n,
    sizeInUsd: position.sizeInUsd,
    minCollateralFactor: mp.minCollateralFactor,
  });
  if (!sufficient.sufficient)
    throw new ProtocolRevertError(
      'InsufficientCollateralUsd',
      'the collateral is below the max-leverage floor',
      {
        remainingCollateralUsd: sufficient.remainingCollateralUsd.toString(),
      },
    );
  validatePosition(params, next, position, {
    shouldValidateMinPositionSize: true,
    shouldValidateMinCollateralUsd: true,
  });
  validateOpenInterest(next, side);
  validateReserve(next, side);
  return { position, marketState, flows, sizeDeltaInTokens, priceImpactUsd: impactUsd, fees };
}

/**
 * The fee flows of fully paid fees (`FeeUtils.incrementClaimableFeeAmount` + the pool's share),
 * taken from `sources` in order: receiver shares to the fee receiver, the rest to the pool.
 */
function feeFlows(
  fees: PositionFees,
  sources: readonly { readonly bucket: string; readonly amount: bigint }[],
  token: string,
  pool: string,
): Flow[] {
  const left = sources.map((s) => ({ ...s }));
  const out: Flow[] = [];
  const pay = (to: string, amount: bigint, reason: string): void => {
    let due = amount;
    for (const s of left) {
      if (due === 0n) break;
      const take = s.amount < due ? s.amount : due;
      s.amount -= take;
      due -= take;
      out.push(...flow('incentive', token, s.bucket, to, take, reason));
    }
  };
  const positionFeeForReceiver = fees.positionFeeAmount - fees.positionFeeAmountForPool;
  pay(FEE_RECEIVER_BUCKET, positionFeeForReceiver, 'positionFee');
  pay(pool, fees.positionFeeAmountForPool, 'positionFee');
  pay(FEE_RECEIVER_BUCKET, fees.borrowingFeeAmountForFeeReceiver, 'borrowingFee');
  pay(pool, fees.borrowingFeeAmount - fees.borrowingFeeAmountForFeeReceiver, 'borrowingFee');
  pay(FEE_RECEIVER_BUCKET, fees.liquidation.liquidationFeeAmountForFeeReceiver, 'liquidationFee');
  pay(
    pool,
    fees.liquidation.liquidationFeeAmount - fees.liquidation.liquidationFeeAmountForFeeReceiver,
    'liquidationFee',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decrease
// ---------------------------------------------------------------------------------------------

/** Who sends a decrease: the trader, a liquidation keeper, or an ADL keeper. */
export type DecreaseKind = 'user' | 'liquidation' | 'adl';

/** A decrease order. */
export interface DecreaseOrder {
  /** USD·1e30 (may be raised to the whole size by GMX's auto-close rules). */
  readonly sizeDeltaUsd: bigint;
  /** Collateral to withdraw, token units (user orders). */
  readonly collateralDeltaAmount: bigint;
  readonly kind: DecreaseKind;
}

/** A cost an insolvent close left unpaid (`InsolventClose` event). */
export interface InsolventClose {
  /** Where `processCollateral` stopped: `pnl`, `fees` or `impact`. */
  readonly step: 'pnl' | 'fees' | 'impact';
  /** USD·1e30 not paid: absorbed by the pool. */
  readonly remainingCostUsd: bigint;
}

/** What a decrease does. */
export interface DecreaseResult {
  /** The position's market. */
  readonly market: string;
  /** The size actually closed (after the auto-close rules). */
  readonly sizeDeltaUsd: bigint;
  readonly sizeDeltaInTokens: bigint;
  /** Realised PnL (trader-capped), USD·1e30. */
  readonly basePnlUsd: bigint;
  /** Impact applied (capped both ways), USD·1e30. */
  readonly priceImpactUsd: bigint;
  /** The negative impact beyond the cap, not charged (GMX makes it claimable). */
  readonly priceImpactDiffUsd: bigint;
  /** Fees charged in full (null when they could not be: what was paid went to the pool). */
  readonly fees: PositionFees | null;
  readonly insolvent: InsolventClose | null;
  /** Collateral-token units and PnL-token units paid to the trader's wallet. */
  readonly outputAmount: bigint;
  readonly secondaryOutputAmount: bigint;
  /** null when the position is closed. */
  readonly position: GmxPosition | null;
  readonly marketState: GmxMarketState;
  readonly flows: readonly Flow[];
}

/** The size and collateral delta after `DecreasePositionUtils`' auto-adjustments of a partial close. */
function adjustDecrease(
  params: GmxParams,
  view: MarketView,
  position: GmxPosition,
  order: DecreaseOrder,
): { readonly sizeDeltaUsd: bigint; readonly collateralDeltaAmount: bigint } {
  let { sizeDeltaUsd, collateralDeltaAmount } = order;
  if (sizeDeltaUsd >= position.sizeInUsd) return { sizeDeltaUsd, collateralDeltaAmount };
  const side = sideOf(position.isLong);
  const collateralPrice = tokenPrice(view.mp, view.prices, position.collateralToken);
  const estimatedPnl = positionPnlUsd(
    position,
    view.prices.index,
    position.sizeInUsd,
    traderCap(view, side),
  ).positionPnlUsd;
  const estimatedRealized = mulDivSignedTrunc(estimatedPnl, sizeDeltaUsd, position.sizeInUsd);
  const estimatedRemainingPnl = estimatedPnl - estimatedRealized;
  const check = willCollateralBeSufficient({
    collateralAmount: position.collateralAmount - collateralDeltaAmount,
    collateralTokenPriceMin: collateralPrice,
    realizedPnlUsd: estimatedRealized,
    sizeInUsd: position.sizeInUsd - sizeDeltaUsd,
    minCollateralFactor: view.mp.minCollateralFactor,
  });
  let estimatedRemainingCollateralUsd = check.remainingCollateralUsd;
  if (!check.sufficient) {
    if (sizeDeltaUsd === 0n)
      throw new ProtocolRevertError(
        'UnableToWithdrawCollateral',
        'the withdrawal would leave too little collateral',
        {
          estimatedRemainingCollateralUsd: estimatedRemainingCollateralUsd.toString(),
        },
      );
    // GMX drops the withdrawal (OrderCollateralDeltaAmountAutoUpdated) and closes the size only
    estimatedRemainingCollateralUsd += collateralDeltaAmount * collateralPrice;
    collateralDeltaAmount = 0n;
  }
  // close everything when what would remain is below MIN_COLLATERAL_USD or MIN_POSITION_SIZE_USD
  if (estimatedRemainingCollateralUsd + estimatedRemainingPnl < params.minCollateralUsd)
    sizeDeltaUsd = position.sizeInUsd;
  if (position.sizeInUsd > sizeDeltaUsd && position.sizeInUsd - sizeDeltaUsd < params.minPositionSizeUsd)
    sizeDeltaUsd = position.sizeInUsd;
  return { sizeDeltaUsd, collateralDeltaAmount };
}

/**
 * `DecreasePositionUtils.decreasePosition` with `processCollateral`: profit and any gain from the
 * impact are paid out of the pool (in the PnL token) into the order's output; then the loss, the
 * fees (position, pending borrowing and, for a liquidation, liquidation fee) and the negative
 * impact are paid, each through `payForCost` (output first, then collateral, then the PnL-token
 * output). A cost that cannot be paid reverts `InsufficientFundsToPayForCosts`, except for a full
 * close by a liquidation or ADL (an insolvent close: the rest is not charged and the pool absorbs
 * it). Fees not paid in full are credited to the pool instead. A full close returns the remaining
 * collateral; a partial one keeps it (less any withdrawal) and must leave a valid position.
 * @param view the market with borrowing accrued to now.
 * @throws ProtocolRevertError `InvalidDecreaseOrderSize`, `InsufficientCollateralAmount`,
 *   `UnableToWithdrawCollateral`, `InsufficientFundsToPayForCosts`, `LiquidatablePosition`,
 *   `InvalidPositionSizeValues`; InvalidParameterError for an empty order.
 */
export function processDecrease(
  params: GmxParams,
  view: MarketView,
  position: GmxPosition,
  order: DecreaseOrder,
): DecreaseResult {
  const { mp, ms, prices } = view;
  if (order.sizeDeltaUsd === 0n && order.collateralDeltaAmount === 0n)
    throw new InvalidParameterError(
      'sizeDeltaUsd',
      'a decrease must close some size or withdraw some collateral',
    );
  if (order.sizeDeltaUsd > position.sizeInUsd)
    throw new ProtocolRevertError('InvalidDecreaseOrderSize', 'the order closes more than the position', {
      sizeDeltaUsd: order.sizeDeltaUsd.toString(),
      sizeInUsd: position.sizeInUsd.toString(),
    });
  if (order.collateralDeltaAmount > position.collateralAmount)
    throw new ProtocolRevertError(
      'InsufficientCollateralAmount',
      'the order withdraws more than the collateral',
      {
        collateralAmount: position.collateralAmount.toString(),
        collateralDeltaAmount: order.collateralDeltaAmount.toString(),
      },
    );
  const { sizeDeltaUsd, collateralDeltaAmount } = adjustDecrease(params, view, position, order);
  const side = sideOf(position.isLong);
  const isFull = sizeDeltaUsd === position.sizeInUsd;
  const insolventCloseAllowed = isFull && (order.kind === 'liquidation' || order.kind === 'adl');
  const cumulative = ms.cumulativeBorrowingFactor[side];
  const collateralToken = position.collateralToken;
  const pnlToken = position.isLong ? mp.longToken : mp.shortToken;
  const collateralPrice = tokenPrice(mp, prices, collateralToken);
  const pnlTokenPrice = tokenPrice(mp, prices, pnlToken);
  const sameToken = collateralToken === pnlToken;
  const acct = positionBucket(position.id);
  const out = outputBucket(position.id);
  const pool = poolBucket(mp.market);
  const wallet = walletBucket(position.account);

  // getExecutionPrice: impact of −sizeDelta, gains capped by the impact pool, losses by the factor
  const impact = orderPriceImpact(view, position.isLong, -sizeDeltaUsd);
  const cappedGain = capPositiveImpactUsd({
    impactUsd: impact.priceImpactUsd,
    impactPoolAmount: ms.positionImpactPoolAmount,
    indexPriceMin: prices.index,
    sizeDeltaUsd,
    maxPositiveImpactFactor: mp.positiveMaxPositionImpactFactor,
  });
  const { priceImpactUsd, priceImpactDiffUsd } = capNegativeImpactUsd(
    cappedGain,
    sizeDeltaUsd,
    mp.negativeMaxPositionImpactFactor,
  );
  const pnl =
    sizeDeltaUsd === 0n
      ? { positionPnlUsd: 0n, sizeDeltaInTokens: 0n }
      : positionPnlUsd(position, prices.index, sizeDeltaUsd, traderCap(view, side));
  const basePnlUsd = pnl.positionPnlUsd;
  const fees = positionFees({
    sizeDeltaUsd,
    positionFeeFactor: impact.balanceWasImproved
      ? mp.positionFeeFactorForPositiveImpact
      : mp.positionFeeFactorForNegativeImpact,
    positionFeeReceiverFactor: params.positionFeeReceiverFactor,
    borrowingFeeUsd: borrowingFeeUsd(position.sizeInUsd, cumulative, position.borrowingFactor),
    borrowingFeeReceiverFactor: params.borrowingFeeReceiverFactor,
    collateralTokenPriceMin: collateralPrice,
    ...(order.kind === 'liquidation'
      ? {
          liquidation: {
            liquidationFeeFactor: mp.liquidationFeeFactor,
            liquidationFeeReceiverFactor: params.liquidationFeeReceiverFactor,
          },
        }
      : {}),
  });

  const flows: Flow[] = [];
  let purses: DecreasePurses = {
    outputAmount: 0n,
    remainingCollateralAmount: position.collateralAmount,
    secondaryOutputAmount: 0n,
  };
  let impactPoolAmount = ms.positionImpactPoolAmount;
  const credit = (amount: bigint): void => {
    purses = sameToken
      ? { ...purses, outputAmount: purses.outputAmount + amount }
      : { ...purses, secondaryOutputAmount: purses.secondaryOutputAmount + amount };
  };
  if (basePnlUsd > 0n) {
    // pnlTokenPrice.max minimises the tokens paid out (floor)
    const amount = basePnlUsd / pnlTokenPrice;
    flows.push(...flow('execution', pnlToken, pool, out, amount, 'pnl'));
    credit(amount);
  }
  if (priceImpactUsd > 0n) {
    impactPoolAmount -= roundUpDivision(priceImpactUsd, prices.index);
    const amount = priceImpactUsd / pnlTokenPrice;
    flows.push(...flow('execution', pnlToken, pool, out, amount, 'priceImpact'));
    credit(amount);
  }

  /** payForCost, returning what each purse paid. */
  const pay = (costUsd: bigint) => {
    const before = purses;
    const r = payForCost(purses, costUsd, {
      collateralTokenPriceMin: collateralPrice,
      secondaryTokenPriceMin: pnlTokenPrice,
    });
    purses = r.purses;
    return {
      fromOutput: before.outputAmount - r.purses.outputAmount,
      fromCollateral: before.remainingCollateralAmount - r.purses.remainingCollateralAmount,
      fromSecondary: before.secondaryOutputAmount - r.purses.secondaryOutputAmount,
      remainingCostUsd: r.remainingCostUsd,
    };
  };
  const toPool = (paid: ReturnType<typeof pay>, reason: string, stage: Flow['stage']): void => {
    flows.push(
      ...flow(stage, collateralToken, out, pool, paid.fromOutput, reason),
      ...flow(stage, collateralToken, acct, pool, paid.fromCollateral, reason),
      ...flow(stage, pnlToken, out, pool, paid.fromSecondary, reason),
    );
  };

  let insolvent: InsolventClose | null = null;
  let feesCharged: PositionFees | null = null;
  const stop = (step: InsolventClose['step'], remainingCostUsd: bigint): void => {
    if (!insolventCloseAllowed)
      throw new ProtocolRevertError(
        'InsufficientFundsToPayForCosts',
        'the collateral cannot pay the decrease’s costs',
        {
          remainingCostUsd: remainingCostUsd.toString(),
          step,
        },
      );
    insolvent = { step, remainingCostUsd };
  };

  if (basePnlUsd < 0n) {
    const paid = pay(-basePnlUsd);
    toPool(paid, 'pnl', 'execution');
    if (paid.remainingCostUsd > 0n) stop('pnl', paid.remainingCostUsd);
  }
  if (insolvent === null) {
    const paid = pay(fees.totalCostAmount * collateralPrice);
    if (paid.remainingCostUsd === 0n && paid.fromSecondary === 0n) {
      feesCharged = fees;
      flows.push(
        ...feeFlows(
          fees,
          [
            { bucket: out, amount: paid.fromOutput },
            { bucket: acct, amount: paid.fromCollateral },
          ],
          collateralToken,
          pool,
        ),
      );
    } else {
      // not payable entirely in the collateral token: whatever was paid goes to the pool
      toPool(paid, 'feesToPool', 'incentive');
      if (paid.remainingCostUsd > 0n) stop('fees', paid.remainingCostUsd);
    }
  }
  if (insolvent === null && priceImpactUsd < 0n) {
    const paid = pay(-priceImpactUsd);
    toPool(paid, 'priceImpact', 'execution');
    // the tokens paid are mirrored in the impact pool at the index price (floor)
    impactPoolAmount +=
      ((paid.fromOutput + paid.fromCollateral) * collateralPrice) / prices.index +
      (paid.fromSecondary * pnlTokenPrice) / prices.index;
    if (paid.remainingCostUsd > 0n) stop('impact', paid.remainingCostUsd);
  }

  let withdrawn = 0n;
  if (insolvent === null && collateralDeltaAmount > 0n) {
    withdrawn =
      collateralDeltaAmount > purses.remainingCollateralAmount
        ? purses.remainingCollateralAmount
        : collateralDeltaAmount;
    purses = { ...purses, remainingCollateralAmount: purses.remainingCollateralAmount - withdrawn };
  }
  const returned = isFull ? purses.remainingCollateralAmount : 0n;
  if (isFull) purses = { ...purses, remainingCollateralAmount: 0n };
  flows.push(
    ...flow(
      'execution',
      collateralToken,
      acct,
      wallet,
      withdrawn + returned,
      isFull ? 'closeCollateral' : 'withdrawCollateral',
    ),
    ...flow('execution', collateralToken, out, wallet, purses.outputAmount, 'output'),
    ...flow('execution', pnlToken, out, wallet, purses.secondaryOutputAmount, 'output'),
  );

  const next: GmxPosition | null = isFull
    ? null
    : {
        ...position,
        sizeInUsd: position.sizeInUsd - sizeDeltaUsd,
        sizeInTokens: position.sizeInTokens - pnl.sizeDeltaInTokens,
        collateralAmount: purses.remainingCollateralAmount,
        borrowingFactor: cumulative,
      };
  const unpaid: InsolventClose | null = insolvent;
  const marketState: GmxMarketState = {
    ...ms,
    positionImpactPoolAmount: impactPoolAmount,
    openInterestUsd: { ...ms.openInterestUsd, [side]: ms.openInterestUsd[side] - sizeDeltaUsd },
    openInterestInTokens: {
      ...ms.openInterestInTokens,
      [side]: ms.openInterestInTokens[side] - pnl.sizeDeltaInTokens,
    },
    totalBorrowing: nextTotalBorrowing(
      ms,
      side,
      { size: position.sizeInUsd, factor: position.borrowingFactor },
      { size: next?.sizeInUsd ?? 0n, factor: cumulative },
    ),
    insolventCloseUsd:
      ms.insolventCloseUsd + (unpaid === null ? 0n : (unpaid as InsolventClose).remainingCostUsd),
  };
  if (next !== null) {
    const after: MarketView = { ...view, ms: marketState, pools: poolsAfter(mp, view.pools, flows) };
    validatePosition(params, after, next, {
      shouldValidateMinPositionSize: false,
      shouldValidateMinCollateralUsd: false,
    });
  }
  return {
    market: mp.market,
    sizeDeltaUsd,
    sizeDeltaInTokens: pnl.sizeDeltaInTokens,
    basePnlUsd,
    priceImpactUsd,
    priceImpactDiffUsd,
    fees: feesCharged,
    insolvent: unpaid,
    outputAmount: purses.outputAmount,
    secondaryOutputAmount: purses.secondaryOutputAmount,
    position: next,
    marketState,
    flows,
  };
}
