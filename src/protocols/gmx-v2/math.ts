/**
 * GMX v2 (gmx-synthetics) arithmetic as small pure bigint functions: the 1e30 fixed-point helpers
 * (`Precision`, `Calc`), position PnL, price impact, position / borrowing / liquidation fees, the
 * liquidation check, the PnL-to-pool factor that drives ADL, and the `payForCost` waterfall of a
 * decrease. USD amounts and factors are scaled by FLOAT_PRECISION = 1e30; a token price is
 * USD·1e30 per smallest token unit, so `amount · price` is a USD amount.
 * Ported from gmx-io/gmx-synthetics contracts/utils/{Precision,Calc}.sol,
 * contracts/position/PositionUtils.sol, contracts/pricing/{PositionPricingUtils,PricingUtils}.sol,
 * contracts/market/MarketUtils.sol, contracts/position/DecreasePositionCollateralUtils.sol and
 * contracts/exchange/AdlHandler.sol. Solidity `/` is floor on unsigned operands and truncation
 * toward zero on signed ones; each function names the rounding it reproduces.
 */
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { DivisionByZeroError } from '../../math/errors.js';
import { divRound, Rounding, requireUnsigned } from '../../math/mulDiv.js';

/** `Precision.FLOAT_PRECISION`: USD amounts and factors are scaled by 1e30. */
export const FLOAT_PRECISION: bigint = 10n ** 30n;
/** `Precision.FLOAT_TO_WEI_DIVISOR`: 1e30 → 1e18 (the PRBMath 60x18 domain of exponents). */
export const FLOAT_TO_WEI_DIVISOR: bigint = 10n ** 12n;
/** 1e18, the fixed-point scale of the exponent arithmetic. */
const WEI: bigint = 10n ** 18n;

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** Solidity `/` on unsigned operands (floor). @throws DivisionByZeroError, NegativeValueError. */
function floorDiv(numerator: bigint, denominator: bigint): bigint {
  return divRound(numerator, denominator, Rounding.Down);
}

/**
 * `Precision.applyFactor(value, factor)`: `value · factor / 1e30`, floor (favours whoever pays
 * the result: the fee payer keeps the dust).
 * @param value unsigned amount (USD·1e30 or token units); @param factor 1e30-scaled.
 * @throws NegativeValueError on a negative operand.
 */
export function applyFactor(value: bigint, factor: bigint): bigint {
  requireUnsigned('applyFactor', value, factor);
  return floorDiv(value * factor, FLOAT_PRECISION);
}

/**
 * `Precision.mulDiv(int256 value, uint256 numerator, uint256 denominator)`: the magnitude is
 * floored and the sign restored, i.e. truncation toward zero (Solidity's signed rounding).
 * @throws DivisionByZeroError when `denominator` is 0; NegativeValueError for a negative
 *   numerator or denominator.
 */
export function mulDivSignedTrunc(value: bigint, numerator: bigint, denominator: bigint): bigint {
  requireUnsigned('mulDivSignedTrunc', numerator, denominator);
  if (denominator === 0n) throw new DivisionByZeroError('mulDivSignedTrunc');
  const magnitude = (abs(value) * numerator) / denominator;
  return value < 0n ? -magnitude : magnitude;
}

/**
 * `Calc.roundUpDivision(uint256 a, uint256 b)`: ceil(a / b) (favours whoever receives the
 * quotient: GMX uses it for amounts charged to a trader).
 * @throws DivisionByZeroError, NegativeValueError.
 */
export function roundUpDivision(a: bigint, b: bigint): bigint {
  return divRound(a, b, Rounding.Up);
}

/**
 * `Calc.roundUpMagnitudeDivision(int256 a, uint256 b)`: |a| / b rounded up, sign of `a` kept
 * (a negative price impact in tokens grows in magnitude: the trader pays the dust).
 * @throws DivisionByZeroError when `b` is 0; NegativeValueError when `b` < 0.
 */
export function roundUpMagnitudeDivision(a: bigint, b: bigint): bigint {
  const magnitude = divRound(abs(a), b, Rounding.Up);
  return a < 0n ? -magnitude : magnitude;
}

/**
 * `Precision.toFactor(value, divisor)`: `value · 1e30 / divisor` with the magnitude floored and
 * the sign of `value` kept (truncation toward zero for a signed value).
 * @throws DivisionByZeroError when `divisor` is 0; NegativeValueError when `divisor` < 0.
 */
export function toFactor(value: bigint, divisor: bigint): bigint {
  return mulDivSignedTrunc(value, FLOAT_PRECISION, divisor);
}

/**
 * `Precision.applyExponentFactor(floatValue, exponentFactor)`: `value^exponent` in 1e30 fixed
 * point, computed (as GMX does) on the 18-decimal truncation of the value. Values below 1 (1e30)
 * give 0 and an exponent of exactly 1 returns the value unchanged, as in GMX. GMX evaluates other
 * exponents with PRBMath's `exp2(log2(x)·y)`; this model supports whole exponents (2, 3, ...) only
 * and computes them exactly (each product floored to 18 decimals), which can differ from PRBMath
 * in the last wei of the 18-decimal intermediate.
 * @param floatValue unsigned, 1e30-scaled; @param exponentFactor 1e30-scaled whole number ≥ 1.
 * @throws InvalidParameterError for an exponent that is not a whole number ≥ 1.
 */
export function applyExponentFactor(floatValue: bigint, exponentFactor: bigint): bigint {
  requireUnsigned('applyExponentFactor', floatValue, exponentFactor);
  if (floatValue < FLOAT_PRECISION) return 0n;
  if (exponentFactor === FLOAT_PRECISION) return floatValue;
  if (exponentFactor % FLOAT_PRECISION !== 0n || exponentFactor < FLOAT_PRECISION) {
    throw new InvalidParameterError(
      'exponentFactor',
      `must be a whole number ≥ 1 scaled by 1e30, got ${exponentFactor}`,
      'Fractional exponents (PRBMath pow) are not modelled; use 1e30, 2e30, ...',
    );
  }
  const exponent = exponentFactor / FLOAT_PRECISION;
  const base = floatValue / FLOAT_TO_WEI_DIVISOR; // Precision.floatToWei: floor
  let result = base;
  for (let i = 1n; i < exponent; i += 1n) result = (result * base) / WEI; // 60x18 mul: floor
  return result * FLOAT_TO_WEI_DIVISOR; // Precision.weiToFloat
}

/**
 * `PricingUtils.applyImpactFactor`: `applyFactor(diffUsd^exponent, impactFactor)`.
 * @param diffUsd open interest imbalance, USD·1e30; factors 1e30-scaled.
 * @throws InvalidParameterError for an unsupported exponent (see {@link applyExponentFactor}).
 */
export function applyImpactFactor(diffUsd: bigint, impactFactor: bigint, exponentFactor: bigint): bigint {
  return applyFactor(applyExponentFactor(diffUsd, exponentFactor), impactFactor);
}

/** Inputs of {@link priceImpactUsd}. USD amounts are 1e30-scaled, factors 1e30-scaled. */
export interface PriceImpactInput {
  readonly longOpenInterestUsd: bigint;
  readonly shortOpenInterestUsd: bigint;
  /** Side of the position being changed. */
  readonly isLong: boolean;
  /** Signed change of that side's open interest (+ increase, − decrease). */
  readonly usdDelta: bigint;
  readonly positiveImpactFactor: bigint;
  readonly negativeImpactFactor: bigint;
  readonly exponentFactor: bigint;
}

/** Result of {@link priceImpactUsd}. */
export interface PriceImpact {
  /** Signed USD·1e30: > 0 the trader gains, < 0 the trader pays. */
  readonly priceImpactUsd: bigint;
  /** Whether the long/short imbalance shrank (selects the position fee factor). */
  readonly balanceWasImproved: boolean;
}

/**
 * `PositionPricingUtils.getPriceImpactUsd` without virtual inventory: the change in the
 * (power-weighted) open interest imbalance. Same-side rebalance
 * (`PricingUtils.getPriceImpactUsdForSameSideRebalance`): ±|f(initialDiff) − f(nextDiff)| with
 * the positive factor when the imbalance shrinks, the negative one otherwise. Crossover
 * (`getPriceImpactUsdForCrossoverRebalance`): f⁺(initialDiff) − f⁻(nextDiff).
 * @throws ProtocolRevertError `UsdDeltaExceedsLongOpenInterest` / `UsdDeltaExceedsShortOpenInterest`
 *   when a decrease exceeds the side's open interest; InvalidParameterError for an unsupported
 *   exponent.
 */
export function priceImpactUsd(input: PriceImpactInput): PriceImpact {
  const { longOpenInterestUsd: long, shortOpenInterestUsd: short, usdDelta } = input;
  requireUnsigned('priceImpactUsd', long, short);
  let nextLong = long;
  let nextShort = short;
  if (input.isLong) {
    if (usdDelta < 0n && -usdDelta > long)
      throw new ProtocolRevertError(
        'UsdDeltaExceedsLongOpenInterest',
        'the decrease exceeds the long open interest',
        {
          usdDelta: usdDelta.toString(),
          longOpenInterest: long.toString(),
        },
      );
    nextLong = long + usdDelta;
  } else {
    if (usdDelta < 0n && -usdDelta > short)
      throw new ProtocolRevertError(
        'UsdDeltaExceedsShortOpenInterest',
        'the decrease exceeds the short open interest',
        { usdDelta: usdDelta.toString(), shortOpenInterest: short.toString() },
      );
    nextShort = short + usdDelta;
  }
  const initialDiff = abs(long - short);
  const nextDiff = abs(nextLong - nextShort);
  const balanceWasImproved = nextDiff < initialDiff;
  const sameSide = long <= short === nextLong <= nextShort;
  if (sameSide) {
    const factor = balanceWasImproved ? input.positiveImpactFactor : input.negativeImpactFactor;
    const delta = abs(
      applyImpactFactor(initialDiff, factor, input.exponentFactor) -
        applyImpactFactor(nextDiff, factor, input.exponentFactor),
    );
    return { priceImpactUsd: balanceWasImproved ? delta : -delta, balanceWasImproved };
  }
  const positive = applyImpactFactor(initialDiff, input.positiveImpactFactor, input.exponentFactor);
  const negative = applyImpactFactor(nextDiff, input.negativeImpactFactor, input.exponentFactor);
  return { priceImpactUsd: positive - negative, balanceWasImproved };
}

/**
 * The price impact the liquidation check counts (`PositionUtils.isPositionLiquidatable`): a
 * positive impact counts as 0, a negative one is capped at
 * `−applyFactor(sizeInUsd, maxPositionImpactFactorForLiquidations)`.
 * @param impactUsd signed USD·1e30; @param sizeInUsd USD·1e30; @param maxFactor 1e30-scaled.
 */
export function capImpactForLiquidationCheck(
  impactUsd: bigint,
  sizeInUsd: bigint,
  maxFactor: bigint,
): bigint {
  if (impactUsd >= 0n) return 0n;
  const floor = -applyFactor(sizeInUsd, maxFactor);
  return impactUsd < floor ? floor : impactUsd;
}

/**
 * `MarketUtils.getCappedPositionImpactUsd`: a positive impact is capped by the worth of the
 * position impact pool (`impactPoolAmount · indexPriceMin`) and by
 * `applyFactor(sizeDeltaUsd, maxPositiveImpactFactor)`; a negative impact is returned unchanged.
 * @param impactPoolAmount index-token smallest units; prices USD·1e30 per unit.
 */
export function capPositiveImpactUsd(input: {
  readonly impactUsd: bigint;
  readonly impactPoolAmount: bigint;
  readonly indexPriceMin: bigint;
  readonly sizeDeltaUsd: bigint;
  readonly maxPositiveImpactFactor: bigint;
}): bigint {
  if (input.impactUsd < 0n) return input.impactUsd;
  let capped = input.impactUsd;
  const byPool = input.impactPoolAmount * input.indexPriceMin;
  if (capped > byPool) capped = byPool;
  const byFactor = applyFactor(input.sizeDeltaUsd, input.maxPositiveImpactFactor);
  if (capped > byFactor) capped = byFactor;
  return capped;
}

/**
 * `DecreasePositionCollateralUtils.getExecutionPrice` cap of a negative decrease impact at
 * `−applyFactor(sizeDeltaUsd, maxNegativeImpactFactor)`; `priceImpactDiffUsd` is the part beyond
 * the cap (GMX makes it claimable by the trader).
 */
export function capNegativeImpactUsd(
  impactUsd: bigint,
  sizeDeltaUsd: bigint,
  maxNegativeImpactFactor: bigint,
): { readonly priceImpactUsd: bigint; readonly priceImpactDiffUsd: bigint } {
  if (impactUsd >= 0n) return { priceImpactUsd: impactUsd, priceImpactDiffUsd: 0n };
  const minImpact = -applyFactor(sizeDeltaUsd, maxNegativeImpactFactor);
  if (impactUsd < minImpact) return { priceImpactUsd: minImpact, priceImpactDiffUsd: minImpact - impactUsd };
  return { priceImpactUsd: impactUsd, priceImpactDiffUsd: 0n };
}

/**
 * Index-token amount of a price impact on an increase (`PositionUtils.getExecutionPriceForIncrease`,
 * gmx-synthetics v2.1): a positive impact is floored at `indexPriceMax` (fewer tokens granted), a
 * negative one rounded up in magnitude at `indexPriceMin` (more tokens charged).
 */
export function priceImpactAmount(impactUsd: bigint, indexPriceMin: bigint, indexPriceMax: bigint): bigint {
  if (impactUsd > 0n) return floorDiv(impactUsd, indexPriceMax);
  return roundUpMagnitudeDivision(impactUsd, indexPriceMin);
}

/**
 * Tokens bought or sold by an increase before impact (`baseSizeDeltaInTokens`): a long gets
 * `floor(sizeDeltaUsd / indexPriceMax)`, a short owes `ceil(sizeDeltaUsd / indexPriceMin)` (both
 * round against the trader).
 */
export function baseSizeDeltaInTokens(
  sizeDeltaUsd: bigint,
  isLong: boolean,
  indexPriceMin: bigint,
  indexPriceMax: bigint,
): bigint {
  return isLong ? floorDiv(sizeDeltaUsd, indexPriceMax) : roundUpDivision(sizeDeltaUsd, indexPriceMin);
}

/**
 * `MarketUtils.getCappedPnl`: a positive PnL is capped at `applyFactor(poolUsd, maxPnlFactor)`; a
 * negative one is returned unchanged.
 */
export function cappedPnl(pnlUsd: bigint, poolUsd: bigint, maxPnlFactor: bigint): bigint {
  if (pnlUsd < 0n) return pnlUsd;
  const maxPnl = applyFactor(poolUsd, maxPnlFactor);
  return pnlUsd > maxPnl ? maxPnl : pnlUsd;
}

/** A position as PnL formulas read it (`Position.Props`). */
export interface PositionSize {
  readonly isLong: boolean;
  /** Cost of the position, USD·1e30. */
  readonly sizeInUsd: bigint;
  /** Index tokens held (long) or owed (short), smallest units. */
  readonly sizeInTokens: bigint;
}

/**
 * `PositionUtils.getPositionPnlUsd`: the PnL realised by closing `sizeDeltaUsd` of the position at
 * `indexPrice`. Total PnL = ±(sizeInTokens·price − sizeInUsd); a positive total is scaled by
 * `cappedPoolPnl / poolPnl` when the side's pool PnL exceeds MAX_PNL_FACTOR_FOR_TRADERS
 * (`traderCap`, optional). Tokens closed: all of them for a full close, else
 * `ceil(sizeInTokens·Δ/size)` for a long and `floor(...)` for a short (against the trader); the
 * PnL is `totalPnl · Δtokens / sizeInTokens` truncated toward zero.
 * @returns `positionPnlUsd` (capped), `uncappedPositionPnlUsd` and `sizeDeltaInTokens`.
 * @throws InvalidParameterError when `sizeDeltaUsd` exceeds the size or the position is empty.
 */
export function positionPnlUsd(
  position: PositionSize,
  indexPrice: bigint,
  sizeDeltaUsd: bigint,
  traderCap?: { readonly poolPnlUsd: bigint; readonly cappedPoolPnlUsd: bigint },
): {
  readonly positionPnlUsd: bigint;
  readonly uncappedPositionPnlUsd: bigint;
  readonly sizeDeltaInTokens: bigint;
} {
  requireUnsigned('positionPnlUsd', position.sizeInUsd, position.sizeInTokens, indexPrice, sizeDeltaUsd);
  if (position.sizeInUsd === 0n || position.sizeInTokens === 0n)
    throw new InvalidParameterError('position', 'has no size');
  if (sizeDeltaUsd > position.sizeInUsd)
    throw new InvalidParameterError('sizeDeltaUsd', `exceeds the position size ${position.sizeInUsd}`);
  const value = position.sizeInTokens * indexPrice;
  const uncappedTotal = position.isLong ? value - position.sizeInUsd : position.sizeInUsd - value;
  let total = uncappedTotal;
  if (
    total > 0n &&
    traderCap !== undefined &&
    traderCap.cappedPoolPnlUsd !== traderCap.poolPnlUsd &&
    traderCap.cappedPoolPnlUsd > 0n &&
    traderCap.poolPnlUsd > 0n
  ) {
    total = mulDivSignedTrunc(total, traderCap.cappedPoolPnlUsd, traderCap.poolPnlUsd);
  }
  let sizeDeltaInTokens: bigint;
  if (sizeDeltaUsd === position.sizeInUsd) sizeDeltaInTokens = position.sizeInTokens;
  else if (position.isLong)
    sizeDeltaInTokens = roundUpDivision(position.sizeInTokens * sizeDeltaUsd, position.sizeInUsd);
  else sizeDeltaInTokens = floorDiv(position.sizeInTokens * sizeDeltaUsd, position.sizeInUsd);
  return {
    positionPnlUsd: mulDivSignedTrunc(total, sizeDeltaInTokens, position.sizeInTokens),
    uncappedPositionPnlUsd: mulDivSignedTrunc(uncappedTotal, sizeDeltaInTokens, position.sizeInTokens),
    sizeDeltaInTokens,
  };
}

/**
 * `MarketUtils.getPnl`: the PnL of one side's open interest at `indexPrice`,
 * ±(openInterestInTokens·price − openInterestUsd); 0 when either is 0.
 */
export function marketPnlUsd(
  isLong: boolean,
  openInterestUsd: bigint,
  openInterestInTokens: bigint,
  indexPrice: bigint,
): bigint {
  if (openInterestUsd === 0n || openInterestInTokens === 0n) return 0n;
  const value = openInterestInTokens * indexPrice;
  return isLong ? value - openInterestUsd : openInterestUsd - value;
}

/**
 * `MarketUtils.getPoolUsdWithoutPnl`: the USD worth of one side's pool token. In a single-token
 * market (long token = short token) each side counts half the pool (`getPoolDivisor` = 2, floor).
 * @param poolAmount token smallest units; @param tokenPriceMin USD·1e30 per unit.
 */
export function poolUsdWithoutPnl(
  poolAmount: bigint,
  tokenPriceMin: bigint,
  singleTokenMarket: boolean,
): bigint {
  requireUnsigned('poolUsdWithoutPnl', poolAmount, tokenPriceMin);
  return (singleTokenMarket ? poolAmount / 2n : poolAmount) * tokenPriceMin;
}

/**
 * `MarketUtils.getPnlToPoolFactor`: `toFactor(pnl, poolUsd)`, 0 for an empty pool (signed,
 * truncated toward zero).
 */
export function pnlToPoolFactor(pnlUsd: bigint, poolUsd: bigint): bigint {
  if (poolUsd === 0n) return 0n;
  return toFactor(pnlUsd, poolUsd);
}

/** `MarketUtils.isPnlFactorExceeded`: `factor > 0 && factor > maxPnlFactor` (strict). */
export function isPnlFactorExceeded(factor: bigint, maxPnlFactor: bigint): boolean {
  return factor > 0n && factor > maxPnlFactor;
}

/**
 * `MarketUtils.getReservedUsd`: longs reserve `openInterestInTokens · indexPriceMax` (scales with
 * the index price), shorts their open interest in USD.
 */
export function reservedUsd(
  isLong: boolean,
  openInterestUsd: bigint,
  openInterestInTokens: bigint,
  indexPriceMax: bigint,
): bigint {
  return isLong ? openInterestInTokens * indexPriceMax : openInterestUsd;
}

/**
 * `MarketUtils.getBorrowingFactorPerSecond` (utilisation curve without the optimal-usage kink):
 * `applyFactor(toFactor(reservedUsd^exponent, poolUsd), borrowingFactor)`; 0 when nothing is
 * reserved.
 * @throws ProtocolRevertError `UnableToGetBorrowingFactorEmptyPoolUsd` when the pool is empty but
 *   positions are open.
 */
export function borrowingFactorPerSecond(input: {
  readonly reservedUsd: bigint;
  readonly poolUsd: bigint;
  readonly borrowingFactor: bigint;
  readonly borrowingExponentFactor: bigint;
}): bigint {
  if (input.reservedUsd === 0n) return 0n;
  if (input.poolUsd === 0n)
    throw new ProtocolRevertError(
      'UnableToGetBorrowingFactorEmptyPoolUsd',
      'the side has no pool to borrow from',
    );
  const afterExponent = applyExponentFactor(input.reservedUsd, input.borrowingExponentFactor);
  return applyFactor(toFactor(afterExponent, input.poolUsd), input.borrowingFactor);
}

/**
 * `MarketUtils.getBorrowingFees`: `applyFactor(sizeInUsd, cumulative − positionBorrowingFactor)`.
 * @throws InvalidParameterError when the position's factor exceeds the cumulative one
 *   (GMX: `UnexpectedBorrowingFactor`).
 */
export function borrowingFeeUsd(sizeInUsd: bigint, cumulativeFactor: bigint, positionFactor: bigint): bigint {
  if (positionFactor > cumulativeFactor)
    throw new InvalidParameterError('borrowingFactor', 'exceeds the cumulative borrowing factor');
  return applyFactor(sizeInUsd, cumulativeFactor - positionFactor);
}

/** `PositionPricingUtils.PositionLiquidationFees`. */
export interface LiquidationFees {
  /** USD·1e30. */
  readonly liquidationFeeUsd: bigint;
  /** Collateral token units. */
  readonly liquidationFeeAmount: bigint;
  /** Collateral token units for the fee receiver; the rest goes to the pool. */
  readonly liquidationFeeAmountForFeeReceiver: bigint;
}

/**
 * `PositionPricingUtils.getLiquidationFees`: `feeUsd = applyFactor(sizeInUsd, liquidationFeeFactor)`
 * (floor), `amount = ceil(feeUsd / collateralTokenPriceMin)` (`Calc.roundUpDivision`: the
 * liquidated trader pays the dust), receiver share `applyFactor(amount, receiverFactor)` (floor:
 * the pool keeps the dust). All zero when the fee factor is 0.
 * @throws DivisionByZeroError for a zero collateral price; NegativeValueError on negatives.
 */
export function liquidationFees(input: {
  readonly sizeInUsd: bigint;
  readonly liquidationFeeFactor: bigint;
  readonly collateralTokenPriceMin: bigint;
  readonly liquidationFeeReceiverFactor: bigint;
}): LiquidationFees {
  if (input.liquidationFeeFactor === 0n)
    return { liquidationFeeUsd: 0n, liquidationFeeAmount: 0n, liquidationFeeAmountForFeeReceiver: 0n };
  const liquidationFeeUsd = applyFactor(input.sizeInUsd, input.liquidationFeeFactor);
  const liquidationFeeAmount = roundUpDivision(liquidationFeeUsd, input.collateralTokenPriceMin);
  return {
    liquidationFeeUsd,
    liquidationFeeAmount,
    liquidationFeeAmountForFeeReceiver: applyFactor(liquidationFeeAmount, input.liquidationFeeReceiverFactor),
  };
}

/** Inputs of {@link positionFees}. */
export interface PositionFeesInput {
  /** Size changed by the order, USD·1e30. */
  readonly sizeDeltaUsd: bigint;
  /** Position fee factor chosen by `balanceWasImproved`, 1e30-scaled. */
  readonly positionFeeFactor: bigint;
  readonly positionFeeReceiverFactor: bigint;
  /** Pending borrowing fee of the position, USD·1e30. */
  readonly borrowingFeeUsd: bigint;
  readonly borrowingFeeReceiverFactor: bigint;
  /** USD·1e30 per collateral token unit. */
  readonly collateralTokenPriceMin: bigint;
  /** Liquidation fee terms, for a liquidation order only. */
  readonly liquidation?: {
    readonly liquidationFeeFactor: bigint;
    readonly liquidationFeeReceiverFactor: bigint;
  };
}

/** `PositionPricingUtils.PositionFees` (no referral, UI fee or funding). Token amounts in collateral units. */
export interface PositionFees {
  readonly positionFeeAmount: bigint;
  readonly positionFeeAmountForPool: bigint;
  readonly borrowingFeeAmount: bigint;
  readonly borrowingFeeAmountForFeeReceiver: bigint;
  readonly liquidation: LiquidationFees;
  /** Everything the fee receiver gets. */
  readonly feeReceiverAmount: bigint;
  /** Everything the pool gets. */
  readonly feeAmountForPool: bigint;
  /** `totalCostAmountExcludingFunding` = position + borrowing + liquidation fee (funding is 0 here). */
  readonly totalCostAmount: bigint;
}

/**
 * `PositionPricingUtils.getPositionFees` without referrals, pro tiers, UI fees or funding:
 * position fee `applyFactor(sizeDeltaUsd, factor) / priceMin` (floor), its receiver share
 * `applyFactor(fee, positionFeeReceiverFactor)`; borrowing fee `borrowingFeeUsd / priceMin`
 * (floor) with `applyFactor(amount, borrowingFeeReceiverFactor)` to the receiver; the
 * liquidation fee of {@link liquidationFees} for a liquidation. The pool gets the rest.
 * @throws DivisionByZeroError for a zero collateral price.
 */
export function positionFees(input: PositionFeesInput): PositionFees {
  const price = input.collateralTokenPriceMin;
  const positionFeeAmount = floorDiv(applyFactor(input.sizeDeltaUsd, input.positionFeeFactor), price);
  const positionFeeForReceiver = applyFactor(positionFeeAmount, input.positionFeeReceiverFactor);
  const positionFeeAmountForPool = positionFeeAmount - positionFeeForReceiver;
  const borrowingFeeAmount = floorDiv(input.borrowingFeeUsd, price);
  const borrowingFeeAmountForFeeReceiver = applyFactor(borrowingFeeAmount, input.borrowingFeeReceiverFactor);
  const liquidation =
    input.liquidation === undefined
      ? { liquidationFeeUsd: 0n, liquidationFeeAmount: 0n, liquidationFeeAmountForFeeReceiver: 0n }
      : liquidationFees({
          sizeInUsd: input.sizeDeltaUsd,
          liquidationFeeFactor: input.liquidation.liquidationFeeFactor,
          collateralTokenPriceMin: price,
          liquidationFeeReceiverFactor: input.liquidation.liquidationFeeReceiverFactor,
        });
  return {
    positionFeeAmount,
    positionFeeAmountForPool,
    borrowingFeeAmount,
    borrowingFeeAmountForFeeReceiver,
    liquidation,
    feeReceiverAmount:
      positionFeeForReceiver +
      borrowingFeeAmountForFeeReceiver +
      liquidation.liquidationFeeAmountForFeeReceiver,
    feeAmountForPool:
      positionFeeAmountForPool +
      borrowingFeeAmount -
      borrowingFeeAmountForFeeReceiver +
      liquidation.liquidationFeeAmount -
      liquidation.liquidationFeeAmountForFeeReceiver,
    totalCostAmount: positionFeeAmount + borrowingFeeAmount + liquidation.liquidationFeeAmount,
  };
}

/** Why {@link liquidationCheck} says a position is liquidatable (GMX's own reason strings). */
export type LiquidationReason = '' | 'min collateral' | '< 0' | 'min collateral for leverage';

/** Inputs of {@link liquidationCheck}, all USD·1e30 except the factor (1e30-scaled). */
export interface LiquidationCheckInput {
  /** `collateralAmount · collateralTokenPriceMin`. */
  readonly collateralUsd: bigint;
  /** PnL of closing the whole position (capped for traders). */
  readonly positionPnlUsd: bigint;
  /** Impact of closing the whole position, already capped (≤ 0). */
  readonly priceImpactUsd: bigint;
  /** `totalCostAmount · collateralTokenPriceMin` of closing, liquidation fee excluded. */
  readonly closingCostsUsd: bigint;
  readonly sizeInUsd: bigint;
  /** `minCollateralFactorForLiquidation` (liquidations) or `minCollateralFactor` (order validation). */
  readonly minCollateralFactor: bigint;
  /** `MIN_COLLATERAL_USD`. */
  readonly minCollateralUsd: bigint;
  /** GMX `shouldValidateMinCollateralUsd` (true for liquidations and increases). */
  readonly shouldValidateMinCollateralUsd: boolean;
}

/** Outcome of {@link liquidationCheck} (`IsPositionLiquidatableInfo`). */
export interface LiquidationCheck {
  readonly liquidatable: boolean;
  readonly reason: LiquidationReason;
  /** Signed USD·1e30. */
  readonly remainingCollateralUsd: bigint;
  /** `applyFactor(sizeInUsd, minCollateralFactor)`. */
  readonly minCollateralUsdForLeverage: bigint;
}

/**
 * `PositionUtils.isPositionLiquidatable` once its pieces are known:
 * `remaining = collateralUsd + pnl + impact − closingCosts`; liquidatable (in this order) if
 * `remaining < MIN_COLLATERAL_USD` (when validated), `remaining ≤ 0`, or
 * `remaining < applyFactor(size, minCollateralFactor)` — all strict except `≤ 0`.
 */
export function liquidationCheck(input: LiquidationCheckInput): LiquidationCheck {
  const remainingCollateralUsd =
    input.collateralUsd + input.positionPnlUsd + input.priceImpactUsd - input.closingCostsUsd;
  const minCollateralUsdForLeverage = applyFactor(input.sizeInUsd, input.minCollateralFactor);
  const out = (liquidatable: boolean, reason: LiquidationReason): LiquidationCheck => ({
    liquidatable,
    reason,
    remainingCollateralUsd,
    minCollateralUsdForLeverage,
  });
  if (input.shouldValidateMinCollateralUsd && remainingCollateralUsd < input.minCollateralUsd)
    return out(true, 'min collateral');
  if (remainingCollateralUsd <= 0n) return out(true, '< 0');
  if (remainingCollateralUsd < minCollateralUsdForLeverage) return out(true, 'min collateral for leverage');
  return out(false, '');
}

/**
 * `PositionUtils.willPositionCollateralBeSufficient` (collateral withdrawals): collateral after a
 * negative realised PnL must stay ≥ 0 and ≥ `applyFactor(size, minCollateralFactor)`.
 * @returns whether it is sufficient and the remaining collateral in USD·1e30.
 */
export function willCollateralBeSufficient(input: {
  readonly collateralAmount: bigint;
  readonly collateralTokenPriceMin: bigint;
  readonly realizedPnlUsd: bigint;
  readonly sizeInUsd: bigint;
  readonly minCollateralFactor: bigint;
}): { readonly sufficient: boolean; readonly remainingCollateralUsd: bigint } {
  let remaining = input.collateralAmount * input.collateralTokenPriceMin;
  if (input.realizedPnlUsd < 0n) remaining += input.realizedPnlUsd;
  if (remaining < 0n) return { sufficient: false, remainingCollateralUsd: remaining };
  return {
    sufficient: remaining >= applyFactor(input.sizeInUsd, input.minCollateralFactor),
    remainingCollateralUsd: remaining,
  };
}

/** The three purses a decrease pays costs from (`DecreasePositionCollateralValues`). */
export interface DecreasePurses {
  /** Output in the collateral token (profit already added), token units. */
  readonly outputAmount: bigint;
  /** Collateral left in the position, token units. */
  readonly remainingCollateralAmount: bigint;
  /** Output in the PnL token when it differs from the collateral token, token units. */
  readonly secondaryOutputAmount: bigint;
}

/** Result of {@link payForCost}. */
export interface PayForCostResult {
  readonly purses: DecreasePurses;
  readonly amountPaidInCollateralToken: bigint;
  readonly amountPaidInSecondaryOutputToken: bigint;
  /** USD·1e30 that could not be paid (0 when fully paid). */
  readonly remainingCostUsd: bigint;
}

/**
 * `DecreasePositionCollateralUtils.payForCost`: converts `costUsd` to collateral tokens rounding up
 * (`Calc.roundUpDivision` at `collateralTokenPriceMin`: the trader pays the dust), takes it from
 * the output, then from the remaining collateral, then (converted at
 * `remaining · collateralPriceMin / secondaryPriceMin`, floor) from the secondary output; what is
 * still missing is returned as `remainingCostUsd` = tokens short · secondaryPriceMin.
 * @throws DivisionByZeroError for a zero price.
 */
export function payForCost(
  purses: DecreasePurses,
  costUsd: bigint,
  prices: { readonly collateralTokenPriceMin: bigint; readonly secondaryTokenPriceMin: bigint },
): PayForCostResult {
  if (costUsd === 0n)
    return {
      purses,
      amountPaidInCollateralToken: 0n,
      amountPaidInSecondaryOutputToken: 0n,
      remainingCostUsd: 0n,
    };
  let { outputAmount, remainingCollateralAmount, secondaryOutputAmount } = purses;
  let remaining = roundUpDivision(costUsd, prices.collateralTokenPriceMin);
  let paidCollateral = 0n;
  const take = (available: bigint): bigint => {
    const paid = available > remaining ? remaining : available;
    remaining -= paid;
    return paid;
  };
  const fromOutput = take(outputAmount);
  outputAmount -= fromOutput;
  paidCollateral += fromOutput;
  const fromCollateral = take(remainingCollateralAmount);
  remainingCollateralAmount -= fromCollateral;
  paidCollateral += fromCollateral;
  let paidSecondary = 0n;
  let remainingCostUsd = 0n;
  if (remaining > 0n) {
    let remainingSecondary = floorDiv(
      remaining * prices.collateralTokenPriceMin,
      prices.secondaryTokenPriceMin,
    );
    paidSecondary = secondaryOutputAmount > remainingSecondary ? remainingSecondary : secondaryOutputAmount;
    secondaryOutputAmount -= paidSecondary;
    remainingSecondary -= paidSecondary;
    remainingCostUsd = remainingSecondary * prices.secondaryTokenPriceMin;
  }
  return {
    purses: { outputAmount, remainingCollateralAmount, secondaryOutputAmount },
    amountPaidInCollateralToken: paidCollateral,
    amountPaidInSecondaryOutputToken: paidSecondary,
    remainingCostUsd,
  };
}

/**
 * The checks `AdlHandler.executeAdl` makes after the ADL order ran: the side's PnL-to-pool factor
 * must strictly decrease and must not fall below MIN_PNL_FACTOR_AFTER_ADL.
 * @throws ProtocolRevertError `InvalidAdl` when `next ≥ before`; `PnlOvercorrected` when
 *   `next < minPnlFactorAfterAdl`.
 */
export function validateAdlOutcome(input: {
  readonly pnlToPoolFactor: bigint;
  readonly nextPnlToPoolFactor: bigint;
  readonly minPnlFactorAfterAdl: bigint;
}): void {
  const computed = {
    pnlToPoolFactor: input.pnlToPoolFactor.toString(),
    nextPnlToPoolFactor: input.nextPnlToPoolFactor.toString(),
  };
  if (input.nextPnlToPoolFactor >= input.pnlToPoolFactor)
    throw new ProtocolRevertError(
      'InvalidAdl',
      'the ADL order did not lower the PnL-to-pool factor',
      computed,
    );
  if (input.nextPnlToPoolFactor < input.minPnlFactorAfterAdl)
    throw new ProtocolRevertError(
      'PnlOvercorrected',
      'the ADL order pushed the PnL-to-pool factor below MIN_PNL_FACTOR_AFTER_ADL; reduce less',
      { ...computed, minPnlFactorAfterAdl: input.minPnlFactorAfterAdl.toString() },
    );
}

/**
 * `MarketUtils.usdToMarketTokenAmount` (GM tokens minted for a deposit, 18 decimals): with no
 * supply and no value, 1 USD mints 1 GM (`floatToWei`); with value but no supply, the existing
 * value is minted too; otherwise `supply · usdValue / poolValue` (floor: the depositor gets the
 * dust rounded away).
 * @throws ProtocolRevertError `InvalidPoolValueForDeposit` when the pool value is negative.
 */
export function usdToMarketTokenAmount(usdValue: bigint, poolValue: bigint, supply: bigint): bigint {
  if (poolValue < 0n)
    throw new ProtocolRevertError('InvalidPoolValueForDeposit', 'the pool value is negative');
  if (supply === 0n && poolValue === 0n) return usdValue / FLOAT_TO_WEI_DIVISOR;
  if (supply === 0n) return (poolValue + usdValue) / FLOAT_TO_WEI_DIVISOR;
  if (poolValue === 0n)
    throw new ProtocolRevertError('InvalidPoolValueForDeposit', 'GM supply exists but the pool is worth 0');
  return floorDiv(supply * usdValue, poolValue);
}

/**
 * `MarketUtils.marketTokenAmountToUsd`: `poolValue · amount / supply` (floor: the withdrawer gets
 * the dust rounded away).
 * @throws ProtocolRevertError `EmptyMarketTokenSupply` when nothing is minted.
 */
export function marketTokenAmountToUsd(amount: bigint, poolValue: bigint, supply: bigint): bigint {
  if (supply === 0n) throw new ProtocolRevertError('EmptyMarketTokenSupply', 'no GM tokens exist');
  if (poolValue <= 0n) return 0n;
  return floorDiv(poolValue * amount, supply);
}
