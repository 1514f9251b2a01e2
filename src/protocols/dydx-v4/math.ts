/**
 * dYdX v4 liquidation arithmetic as small pure bigint functions: quantum conversions, margin
 * requirements, the liquidatable predicate (TNC < TMMR), the fillable price (an exact rational),
 * the bankruptcy price, the insurance fund delta with the fee cap, the position and subaccount
 * block limits, the liquidation size, and the fillable price in subticks.
 * Ported from dydxprotocol/v4-chain protocol/x/clob/keeper/liquidations.go, deleveraging.go,
 * protocol/x/perpetuals/lib/lib.go, protocol/lib/{big_math,quantums}.go and
 * protocol/x/clob/types/{liquidations_config,orderbook}.go. Go's `big.Int.Div` is Euclidean
 * (floor for a positive divisor) and `Quo` truncates toward zero; each function says which it uses.
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import { divRound, divSigned, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import {
  RAT_ONE,
  RAT_ZERO,
  type Rational,
  ratClamp,
  ratDiv,
  rational,
  ratMul,
  ratMulPpm,
  ratRound,
  ratSub,
} from './rational.js';

/** `lib.OneMillion`: ppm values are out of 1e6. */
export const ONE_MILLION = 1_000_000n;
/** `lib.QuoteCurrencyAtomicResolution`: one quote quantum is 1e-6 USDC. */
export const QUOTE_ATOMIC_RESOLUTION = -6;
/** Largest uint64 (subticks, base quantums and block limits are uint64 on chain). */
export const MAX_UINT64: bigint = (1n << 64n) - 1n;

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const sign = (x: bigint): bigint => (x > 0n ? 1n : x < 0n ? -1n : 0n);

/** Euclidean division by a positive divisor (Go `big.Int.Div`): floor. */
const floorDiv = (n: bigint, d: bigint): bigint => divSigned(n, d, Rounding.Down);
/** Truncation toward zero (Go `big.Int.Quo`). */
const truncDiv = (n: bigint, d: bigint): bigint =>
  divSigned(n, d, n < 0n === d < 0n ? Rounding.Down : Rounding.Up);

/**
 * `lib.BigIntMulPpm(x, ppm) = x · ppm / 1e6`, floor (Euclidean `Div`). Favours the payer of the
 * product when positive (the max liquidation fee and the position block limit are floored).
 */
export const bigIntMulPpm = (x: bigint, ppm: bigint): bigint => floorDiv(x * ppm, ONE_MILLION);

/** `lib.BigMulPpm(x, ppm, roundUp)`: `x · ppm / 1e6` rounded up (ceil) or down (floor). */
export const bigMulPpm = (x: bigint, ppm: bigint, roundUp: boolean): bigint =>
  divSigned(x * ppm, ONE_MILLION, roundUp ? Rounding.Up : Rounding.Down);

/**
 * `lib.BigIntRoundToMultiple`: `n` rounded to a multiple of `multiple` (floor, or ceil when
 * `roundUp`), Euclidean.
 * @throws ProtocolRevertError when `multiple` ≤ 0 (Go panics).
 */
export function bigIntRoundToMultiple(n: bigint, multiple: bigint, roundUp: boolean): bigint {
  if (multiple <= 0n) {
    throw new ProtocolRevertError(
      'BigIntRoundToMultiple: multiple must be positive',
      'the step size or subticks per tick must be > 0',
    );
  }
  return divSigned(n, multiple, roundUp ? Rounding.Up : Rounding.Down) * multiple;
}

/** 10^|e|, from the shared table (src/math/units.ts). */
const pow10Abs = (e: number): bigint => pow10(Math.abs(e));

/**
 * `lib.BaseToQuoteQuantums`: `base · price · 10^(priceExponent + atomicResolution + 6)`, the
 * net notional of `baseQuantums` (signed: longs positive). A negative exponent divides with
 * truncation toward zero (Go `Quo`), so a short's notional is rounded toward zero too.
 * @param baseQuantums signed base quantums; @param atomicResolution the perpetual's (e.g. −10 for
 *   BTC); @param priceValue the oracle price integer; @param priceExponent its exponent (e.g. −5).
 */
export function baseToQuoteQuantums(
  baseQuantums: bigint,
  atomicResolution: number,
  priceValue: bigint,
  priceExponent: number,
): bigint {
  const exponent = priceExponent + atomicResolution - QUOTE_ATOMIC_RESOLUTION;
  const product = baseQuantums * priceValue;
  return exponent >= 0 ? product * pow10Abs(exponent) : truncDiv(product, pow10Abs(exponent));
}

/**
 * `lib.QuoteToBaseQuantums`: the base quantums worth `quoteQuantums` at the price, magnitude
 * rounded down and the sign kept (a position size is never overstated).
 * @throws ProtocolRevertError when the price is 0 (Go panics on the division).
 */
export function quoteToBaseQuantums(
  quoteQuantums: bigint,
  atomicResolution: number,
  priceValue: bigint,
  priceExponent: number,
): bigint {
  if (priceValue <= 0n) throw new ProtocolRevertError('division by zero', 'the oracle price must be > 0');
  const exponent = priceExponent + atomicResolution - QUOTE_ATOMIC_RESOLUTION;
  const magnitude = abs(quoteQuantums);
  // Floor of the magnitude: a size is never overstated.
  const base =
    exponent >= 0
      ? divRound(magnitude, priceValue * pow10Abs(exponent), Rounding.Down)
      : divRound(magnitude * pow10Abs(exponent), priceValue, Rounding.Down);
  return quoteQuantums < 0n ? -base : base;
}

/** A position's margin requirements in quote quantums. */
export interface MarginRequirements {
  /** Initial margin requirement (IMR). */
  readonly initialQuoteQuantums: bigint;
  /** Maintenance margin requirement (MMR). */
  readonly maintenanceQuoteQuantums: bigint;
}

/**
 * `perplib.GetMarginRequirementsInQuoteQuantums` without the open-interest IMF scaling:
 * `IMR = ceil(|notional| · initialMarginPpm / 1e6)`, `MMR = ceil(IMR · maintenanceFractionPpm /
 * 1e6)` (both rounded up: requirements are never understated, which favours the protocol).
 * @param absNotionalQuoteQuantums |size| at the oracle price in quote quantums.
 */
export function marginRequirements(
  absNotionalQuoteQuantums: bigint,
  initialMarginPpm: bigint,
  maintenanceFractionPpm: bigint,
): MarginRequirements {
  const initial = bigMulPpm(abs(absNotionalQuoteQuantums), initialMarginPpm, true);
  return {
    initialQuoteQuantums: initial,
    maintenanceQuoteQuantums: bigMulPpm(initial, maintenanceFractionPpm, true),
  };
}

/**
 * `margin.Risk.IsLiquidatable`: a subaccount is liquidatable iff its total maintenance margin
 * requirement is positive and its total net collateral is strictly below it (TNC < TMMR).
 */
export const isLiquidatable = (tncQuoteQuantums: bigint, tmmrQuoteQuantums: bigint): boolean =>
  tmmrQuoteQuantums > 0n && tncQuoteQuantums < tmmrQuoteQuantums;

/**
 * The adjusted bankruptcy rating `ABR = clamp(BA · (1 − TNC/TMMR), 0, 1)` of `GetFillablePrice`.
 * @param bankruptcyAdjustmentPpm BA in ppm (≥ 1e6 on chain).
 * @throws ProtocolRevertError when TMMR = 0 (Go `SetFrac` panics on a zero denominator).
 */
export function adjustedBankruptcyRating(
  tncQuoteQuantums: bigint,
  tmmrQuoteQuantums: bigint,
  bankruptcyAdjustmentPpm: bigint,
): Rational {
  if (tmmrQuoteQuantums === 0n)
    throw new ProtocolRevertError('division by zero', 'TMMR must be non-zero to price a liquidation');
  const unbounded = ratMulPpm(
    ratSub(RAT_ONE, rational(tncQuoteQuantums, tmmrQuoteQuantums)),
    bankruptcyAdjustmentPpm,
  );
  return ratClamp(unbounded, RAT_ZERO, RAT_ONE);
}

/** Inputs of {@link fillablePrice}: the position and subaccount risk in quote quantums. */
export interface FillablePriceInput {
  /** PNNV: the position's net notional at the oracle price (signed). */
  readonly pnnvQuoteQuantums: bigint;
  /** PMMR: the position's maintenance margin requirement. */
  readonly pmmrQuoteQuantums: bigint;
  /** TNC: the subaccount's total net collateral. */
  readonly tncQuoteQuantums: bigint;
  /** TMMR: the subaccount's total maintenance margin requirement. */
  readonly tmmrQuoteQuantums: bigint;
  /** PS: the position size in base quantums (signed). */
  readonly positionBaseQuantums: bigint;
  /** `FillablePriceConfig.BankruptcyAdjustmentPpm` (BA). */
  readonly bankruptcyAdjustmentPpm: bigint;
  /** `FillablePriceConfig.SpreadToMaintenanceMarginRatioPpm` (SMMR). */
  readonly spreadToMaintenanceMarginRatioPpm: bigint;
}

/**
 * `Keeper.GetFillablePrice`: the worst price, in quote quantums per base quantum, at which the
 * liquidation order may fill: `(PNNV − ABR · SMMR · PMMR) / PS`, exact (a `big.Rat`). A long sells
 * at or above it, a short buys at or below it.
 * @throws ProtocolRevertError when TMMR or PS is 0 (Go panics on the division) or the result is
 *   negative ("GetFillablePrice: Calculated fillable price is negative").
 */
export function fillablePrice(input: FillablePriceInput): Rational {
  const abr = adjustedBankruptcyRating(
    input.tncQuoteQuantums,
    input.tmmrQuoteQuantums,
    input.bankruptcyAdjustmentPpm,
  );
  // SMMR · PMMR: the largest spread from the oracle price the liquidation may pay, exact.
  const maxSpread = ratMulPpm(rational(input.pmmrQuoteQuantums), input.spreadToMaintenanceMarginRatioPpm);
  const quote = ratSub(rational(input.pnnvQuoteQuantums), ratMul(abr, maxSpread));
  if (input.positionBaseQuantums === 0n)
    throw new ProtocolRevertError('division by zero', 'the position size PS must be non-zero');
  const price = ratDiv(quote, rational(input.positionBaseQuantums));
  if (price.num < 0n) {
    throw new ProtocolRevertError(
      'GetFillablePrice: Calculated fillable price is negative',
      'PNNV − ABR·SMMR·PMMR must have the sign of PS',
      { fillablePrice: `${price.num}/${price.den}` },
    );
  }
  return price;
}

/** Inputs of {@link bankruptcyPriceQuoteQuantums}, in quote quantums. */
export interface BankruptcyPriceInput {
  /** DNNV = PNNV(after delta) − PNNV(before): the change of the position's net notional. */
  readonly dnnvQuoteQuantums: bigint;
  /** DMMR = PMMR(after) − PMMR(before) (≤ 0 when the position shrinks). */
  readonly dmmrQuoteQuantums: bigint;
  readonly tncQuoteQuantums: bigint;
  readonly tmmrQuoteQuantums: bigint;
}

/**
 * `Keeper.GetBankruptcyPriceInQuoteQuantums`: the quote the subaccount receives (positive) or pays
 * (negative) for closing `delta` at its bankruptcy price, `−DNNV − floor(TNC · |DMMR| / TMMR)`.
 * The only division is Euclidean (floor), so the result rounds toward +∞ and the insurance fund
 * never pays for the rounding.
 * @throws ProtocolRevertError "GetBankruptcyPriceInQuoteQuantums: DMMR is positive" (Go panics), or
 *   on TMMR = 0 (division by zero).
 */
export function bankruptcyPriceQuoteQuantums(input: BankruptcyPriceInput): bigint {
  if (input.dmmrQuoteQuantums > 0n) {
    throw new ProtocolRevertError(
      'GetBankruptcyPriceInQuoteQuantums: DMMR is positive',
      'the delta must reduce the position, so its maintenance requirement cannot grow',
    );
  }
  if (input.tmmrQuoteQuantums === 0n)
    throw new ProtocolRevertError('division by zero', 'TMMR must be non-zero to price a bankruptcy');
  const beforeBankruptcy = floorDiv(
    input.tncQuoteQuantums * abs(input.dmmrQuoteQuantums),
    input.tmmrQuoteQuantums,
  );
  return -input.dnnvQuoteQuantums - beforeBankruptcy;
}

/**
 * The position-delta check of `GetBankruptcyPriceInQuoteQuantums` and `GetFillablePrice`: the
 * delta must be on the opposite side of the position and no larger than it.
 * @throws ProtocolRevertError `ErrInvalidPerpetualPositionSizeDelta`.
 */
export function requireReducingDelta(positionBaseQuantums: bigint, deltaBaseQuantums: bigint): void {
  if (
    sign(positionBaseQuantums) * sign(deltaBaseQuantums) !== -1n ||
    abs(positionBaseQuantums) < abs(deltaBaseQuantums)
  ) {
    throw new ProtocolRevertError(
      'ErrInvalidPerpetualPositionSizeDelta',
      `delta ${deltaBaseQuantums} does not reduce position ${positionBaseQuantums}`,
    );
  }
}

/** Inputs of {@link liquidationInsuranceFundDelta}. */
export interface InsuranceFundDeltaInput {
  /** Quote the liquidated subaccount receives for the fill (negative for a buy), quote quantums. */
  readonly fillQuoteQuantums: bigint;
  /** {@link bankruptcyPriceQuoteQuantums} of the same delta. */
  readonly bankruptcyQuoteQuantums: bigint;
  /** `LiquidationsConfig.MaxLiquidationFeePpm`. */
  readonly maxLiquidationFeePpm: bigint;
}

/**
 * `Keeper.GetLiquidationInsuranceFundDelta`: `d = fillQuote − bankruptcyQuote`; when `d ≤ 0` the
 * insurance fund pays `|d|` (negative delta), else the subaccount pays
 * `min(floor(|fillQuote| · maxLiquidationFeePpm / 1e6), d)` into it (the liquidation fee, capped).
 */
export function liquidationInsuranceFundDelta(input: InsuranceFundDeltaInput): bigint {
  const delta = input.fillQuoteQuantums - input.bankruptcyQuoteQuantums;
  if (delta <= 0n) return delta;
  const maxFee = bigIntMulPpm(abs(input.fillQuoteQuantums), input.maxLiquidationFeePpm);
  return maxFee < delta ? maxFee : delta;
}

/**
 * `Keeper.IsValidInsuranceFundDelta`: a non-negative delta is always valid; a negative one only
 * while the fund stays ≥ 0 after it.
 */
export const isValidInsuranceFundDelta = (
  insuranceFundBalance: bigint,
  insuranceFundDelta: bigint,
): boolean => insuranceFundDelta >= 0n || insuranceFundBalance + insuranceFundDelta >= 0n;

/** The notional bounds of one position's liquidation in a block, quote quantums. */
export interface PositionNotionalBounds {
  readonly minNotionalLiquidatable: bigint;
  readonly maxNotionalLiquidatable: bigint;
}

/**
 * `Keeper.GetMaxAndMinPositionNotionalLiquidatable`: `min = min(minPositionNotionalLiquidated,
 * |notional|)`, `max = max(min, floor(|notional| · maxPositionPortionLiquidatedPpm / 1e6))`.
 */
export function positionNotionalBounds(input: {
  readonly positionNotionalQuoteQuantums: bigint;
  readonly minPositionNotionalLiquidated: bigint;
  readonly maxPositionPortionLiquidatedPpm: bigint;
}): PositionNotionalBounds {
  const notional = abs(input.positionNotionalQuoteQuantums);
  const min = input.minPositionNotionalLiquidated < notional ? input.minPositionNotionalLiquidated : notional;
  const portion = bigIntMulPpm(notional, input.maxPositionPortionLiquidatedPpm);
  return { minNotionalLiquidatable: min, maxNotionalLiquidatable: portion > min ? portion : min };
}

/**
 * `Keeper.GetSubaccountMaxNotionalLiquidatable` / `GetSubaccountMaxInsuranceLost`: what is left of
 * a per-block subaccount limit, `limit − used`.
 * @throws ProtocolRevertError when `used` already exceeds the limit (the chain panics:
 *   ErrLiquidationExceedsSubaccountMaxNotionalLiquidated / ...MaxInsuranceLost).
 */
export function remainingBlockLimit(limit: bigint, used: bigint, reason: string): bigint {
  if (used > limit) throw new ProtocolRevertError(reason, `${used} used of a per-block limit of ${limit}`);
  return limit - used;
}

/** Inputs of {@link liquidatablePositionSizeDelta}. */
export interface SizeDeltaInput {
  /** The position in base quantums (signed). */
  readonly positionBaseQuantums: bigint;
  /** Its net notional at the oracle price (signed), quote quantums. */
  readonly positionNotionalQuoteQuantums: bigint;
  /** Position block limit (the max of {@link positionNotionalBounds}). */
  readonly maxPositionNotionalLiquidatable: bigint;
  /** What is left of the subaccount's per-block notional limit. */
  readonly maxSubaccountNotionalLiquidatable: bigint;
  /** The clob pair's `StepBaseQuantums`. */
  readonly stepBaseQuantums: bigint;
  /** Converts a notional to base quantums at the oracle price (`GetNotionalInBaseQuantums`). */
  readonly notionalToBase: (quoteQuantums: bigint) => bigint;
}

/**
 * `Keeper.GetLiquidatablePositionSizeDelta`: the signed delta (opposite to the position) that
 * closes as much as the block limits allow: the whole position when its notional fits the
 * smaller limit or it is no larger than one step; else the limit in base quantums, rounded down
 * to a step and clamped to `[step, |position|]`.
 */
export function liquidatablePositionSizeDelta(input: SizeDeltaInput): bigint {
  const limit =
    input.maxPositionNotionalLiquidatable < input.maxSubaccountNotionalLiquidatable
      ? input.maxPositionNotionalLiquidatable
      : input.maxSubaccountNotionalLiquidatable;
  const size = input.positionBaseQuantums;
  if (abs(input.positionNotionalQuoteQuantums) <= abs(limit) || abs(size) <= input.stepBaseQuantums)
    return -size;
  let absDelta = bigIntRoundToMultiple(abs(input.notionalToBase(limit)), input.stepBaseQuantums, false);
  if (absDelta < input.stepBaseQuantums) absDelta = input.stepBaseQuantums;
  if (absDelta > abs(size)) absDelta = abs(size);
  return size > 0n ? -absDelta : absDelta;
}

/**
 * `Keeper.ConvertFillablePriceToSubticks`: the fillable price (quote quantums per base quantum)
 * in subticks, `price / 10^quantumConversionExponent`, rounded up for a sell that closes a long
 * and down for a buy that closes a short (never worse for the liquidated subaccount than the
 * fillable price), aligned to `subticksPerTick` in the same direction and bounded to
 * `[subticksPerTick, maxUint64 − maxUint64 mod subticksPerTick]`.
 * @throws ProtocolRevertError on a negative price or `subticksPerTick` ≤ 0.
 */
export function fillablePriceToSubticks(input: {
  readonly fillablePrice: Rational;
  readonly isLiquidatingLong: boolean;
  readonly quantumConversionExponent: number;
  readonly subticksPerTick: bigint;
}): bigint {
  if (input.fillablePrice.num < 0n)
    throw new ProtocolRevertError('ConvertFillablePriceToSubticks: FillablePrice should not be negative', '');
  const e = input.quantumConversionExponent;
  const p = input.fillablePrice;
  const subticks = e < 0 ? rational(p.num * pow10Abs(e), p.den) : rational(p.num, p.den * pow10Abs(e));
  const rounded = ratRound(subticks, input.isLiquidatingLong);
  const aligned = bigIntRoundToMultiple(rounded, input.subticksPerTick, input.isLiquidatingLong);
  const lo = input.subticksPerTick;
  const hi = MAX_UINT64 - (MAX_UINT64 % input.subticksPerTick);
  return aligned < lo ? lo : aligned > hi ? hi : aligned;
}

/**
 * `types.FillAmountToQuoteQuantums`: `subticks · baseQuantums · 10^quantumConversionExponent`,
 * rounded down (Euclidean), the quote a fill of `baseQuantums` at `subticks` moves.
 */
export function fillAmountToQuoteQuantums(
  subticks: bigint,
  baseQuantums: bigint,
  quantumConversionExponent: number,
): bigint {
  const product = subticks * baseQuantums;
  const e = quantumConversionExponent;
  return e >= 0 ? product * pow10Abs(e) : floorDiv(product, pow10Abs(e));
}
