/**
 * Drift v2 perpetual liquidation arithmetic as small pure bigint functions: the liquidator-fee ramp,
 * the insurance-fund fee, the base amount that covers a margin shortage, the share of the shortage
 * that may be freed so far, the funding-rate delta that socializes a bankrupt position's loss, the
 * funding payment, and the margin requirement with the liquidation buffer. Every division is Rust's
 * `/` on unsigned operands (floor) unless the function says otherwise.
 * Ported from drift-labs/protocol-v2 programs/drift/src/math/liquidation.rs, math/margin.rs,
 * math/funding.rs, math/constants.rs and controller/liquidation.rs (`liquidate_perp`,
 * `resolve_perp_bankruptcy`).
 */
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';

/** `PRICE_PRECISION`: oracle prices are USD·1e6. */
export const PRICE_PRECISION = 1_000_000n;
/** `QUOTE_PRECISION`: quote (USDC) amounts have 6 decimals. */
export const QUOTE_PRECISION = 1_000_000n;
/** `BASE_PRECISION` = `AMM_RESERVE_PRECISION`: perp base amounts have 9 decimals. */
export const BASE_PRECISION = 1_000_000_000n;
/** `MARGIN_PRECISION`: margin ratios are 1e4 = 100 % (e.g. 500 = 5 %, 20x). */
export const MARGIN_PRECISION = 10_000n;
/** `LIQUIDATION_FEE_PRECISION` (= `PERCENTAGE_PRECISION`): fees are 1e6 = 100 %. */
export const LIQUIDATION_FEE_PRECISION = 1_000_000n;
/** `LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO` = 1e6 / 1e4 = 100. */
export const LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO = 100n;
/** `LIQUIDATION_PCT_PRECISION`: the gradual-liquidation percentage, 1e4 = 100 %. */
export const LIQUIDATION_PCT_PRECISION = 10_000n;
/** `PRICE_TIMES_AMM_TO_QUOTE_PRECISION_RATIO` = 1e6 · (1e9 / 1e6) = 1e9. */
export const PRICE_TIMES_AMM_TO_QUOTE_PRECISION_RATIO = 1_000_000_000n;
/** `FUNDING_RATE_PRECISION` = PRICE_PRECISION · FUNDING_RATE_BUFFER = 1e9 (quote per base, ·1e9). */
export const FUNDING_RATE_PRECISION = 1_000_000_000n;
/** `FUNDING_RATE_BUFFER` = 1e3. */
export const FUNDING_RATE_BUFFER = 1_000n;
/** `FUNDING_RATE_TO_QUOTE_PRECISION_PRECISION_RATIO` = 1e9 / 1e6 = 1e3. */
export const FUNDING_RATE_TO_QUOTE_PRECISION_PRECISION_RATIO = 1_000n;
/** `AMM_TO_QUOTE_PRECISION_RATIO` = 1e9 / 1e6 = 1e3. */
export const AMM_TO_QUOTE_PRECISION_RATIO = 1_000n;
/** `LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS`: 1,500 slots (~10 minutes) before the fee ramps. */
export const LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS = 1_500n;
/** `LIQUIDATION_FEE_INCREASE_PER_SLOT`: 1e-6 (0.01 bp) per slot elapsed since last activity. */
export const LIQUIDATION_FEE_INCREASE_PER_SLOT = 1n;
/** `DEFAULT_LIQUIDATION_MARGIN_BUFFER_RATIO` = MARGIN_PRECISION / 50: 2 %. */
export const DEFAULT_LIQUIDATION_MARGIN_BUFFER_RATIO = 200n;
/** A shortage below $50 (`50 · QUOTE_PRECISION`) may be liquidated whole at once. */
export const SMALL_MARGIN_SHORTAGE_QUOTE = 50n * QUOTE_PRECISION;
/** A position worth at most $50 may be taken over whole (`liquidate_perp`). */
export const SMALL_POSITION_VALUE_QUOTE = 50n * QUOTE_PRECISION;
/** Largest u64: what `calculate_base_asset_amount_to_cover_margin_shortage` returns when unbounded. */
export const U64_MAX: bigint = (1n << 64n) - 1n;
/** Largest u32: the cap of the `cast::<u32>().unwrap_or(u32::MAX)` in `calculate_perp_if_fee`. */
export const U32_MAX: bigint = (1n << 32n) - 1n;

/** Rust `/` on unsigned operands: floor. */
function floorDiv(numerator: bigint, denominator: bigint): bigint {
  return divRound(numerator, denominator, Rounding.Down);
}

function requireNonNegative(field: string, value: bigint): void {
  if (value < 0n) throw new InvalidParameterError(field, `expected a non-negative integer, got ${value}`);
}

/** Inputs of {@link liquidationFeePpm}. */
export interface LiquidationFeeInput {
  /** The market's base liquidator fee (`liquidator_fee`), ppm. */
  readonly baseFeePpm: bigint;
  /** The market's maximum liquidator fee, ppm. */
  readonly maxFeePpm: bigint;
  /** The user's `last_active_slot` (set when the liquidation began). */
  readonly lastActiveSlot: bigint;
  /** The current slot. */
  readonly currentSlot: bigint;
}

/**
 * The liquidator fee ramp (drift-labs/protocol-v2 math/liquidation.rs `get_liquidation_fee`): the
 * base fee during the first 1,500 slots after the user's last activity, then base + 1e-6 per slot
 * elapsed (counted from the last activity, not from the end of the grace period), capped at the max.
 * @returns the fee, ppm.
 * @throws ProtocolRevertError `MathError` when currentSlot < lastActiveSlot (the contract's
 *   `safe_sub` underflow); InvalidParameterError on negative fees.
 */
export function liquidationFeePpm(input: LiquidationFeeInput): bigint {
  requireNonNegative('baseFeePpm', input.baseFeePpm);
  requireNonNegative('maxFeePpm', input.maxFeePpm);
  if (input.currentSlot < input.lastActiveSlot) {
    throw new ProtocolRevertError('MathError', 'the current slot is before the last active slot', {
      slots_elapsed: (input.currentSlot - input.lastActiveSlot).toString(),
    });
  }
  const slotsElapsed = input.currentSlot - input.lastActiveSlot;
  if (slotsElapsed < LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS) return input.baseFeePpm;
  // u32 saturating_add: the fee cannot wrap; the cap below applies anyway.
  const ramped = input.baseFeePpm + slotsElapsed * LIQUIDATION_FEE_INCREASE_PER_SLOT;
  const saturated = ramped > U32_MAX ? U32_MAX : ramped;
  return saturated < input.maxFeePpm ? saturated : input.maxFeePpm;
}

/** Inputs of {@link perpIfFeePpm}. */
export interface PerpIfFeeInput {
  /** Margin shortage of the tracked market (requirement plus buffer − total collateral), quote 1e6. */
  readonly marginShortageQuote: bigint;
  /** |base asset amount| of the user's position, 1e9. */
  readonly userBaseAssetAmount: bigint;
  /** Maintenance margin ratio plus the liquidation buffer, 1e4. */
  readonly marginRatio: bigint;
  /** The liquidator fee in force, ppm. */
  readonly liquidatorFeePpm: bigint;
  /** Oracle price, 1e6. */
  readonly oraclePrice: bigint;
  /** Quote asset oracle price, 1e6 (1e6 = $1). */
  readonly quoteOraclePrice: bigint;
  /** The market's `if_liquidation_fee` cap, ppm. */
  readonly maxIfFeePpm: bigint;
}

/**
 * The insurance-fund liquidation fee (drift-labs/protocol-v2 math/liquidation.rs
 * `calculate_perp_if_fee`): `min(max, 95 % · (marginRatio − liquidatorFee − shortage/notional))`,
 * each step floored, the subtractions saturating at 0 and the shortage/notional term capped at
 * u32::MAX. Zero when a price or the base is 0 or when the margin ratio does not exceed the
 * liquidator fee. The 95 % keeps a fee from turning a solvent user bankrupt.
 * @returns the fee, ppm.
 * @throws InvalidParameterError on negative inputs.
 */
export function perpIfFeePpm(input: PerpIfFeeInput): bigint {
  for (const [k, v] of Object.entries(input)) requireNonNegative(k, v as bigint);
  const marginRatioPpm = input.marginRatio * LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO;
  if (
    input.oraclePrice === 0n ||
    input.quoteOraclePrice === 0n ||
    marginRatioPpm <= input.liquidatorFeePpm ||
    input.userBaseAssetAmount === 0n
  ) {
    return 0n;
  }
  // price in quote terms, floor
  const price = floorDiv(input.oraclePrice * input.quoteOraclePrice, PRICE_PRECISION);
  if (price === 0n) return 0n;
  // shortage per unit of notional, ppm: shortage · 1e9 / base (floor), · 1e6 / price (floor)
  const perBase = floorDiv(input.marginShortageQuote * BASE_PRECISION, input.userBaseAssetAmount);
  const shortageRatioRaw = floorDiv(perBase * PRICE_PRECISION, price);
  const shortageRatio = shortageRatioRaw > U32_MAX ? U32_MAX : shortageRatioRaw;
  const afterLiquidatorFee = marginRatioPpm - input.liquidatorFeePpm; // > 0 here
  const implied = afterLiquidatorFee > shortageRatio ? afterLiquidatorFee - shortageRatio : 0n;
  // · 19 / 20 (95 %), floor: the IF takes slightly less, which favours the user.
  const implied95 = floorDiv(implied * 19n, 20n);
  return implied95 < input.maxIfFeePpm ? implied95 : input.maxIfFeePpm;
}

/** Inputs of {@link baseAssetAmountToCoverMarginShortage}. */
export interface CoverShortageInput {
  /** Margin shortage (requirement plus buffer − total collateral), quote 1e6. */
  readonly marginShortageQuote: bigint;
  /** Maintenance margin ratio plus the liquidation buffer, 1e4. */
  readonly marginRatio: bigint;
  /** Liquidator fee, ppm. */
  readonly liquidatorFeePpm: bigint;
  /** Insurance-fund fee, ppm. */
  readonly ifLiquidationFeePpm: bigint;
  /** Oracle price, 1e6. */
  readonly oraclePrice: bigint;
  /** Quote asset oracle price, 1e6. */
  readonly quoteOraclePrice: bigint;
}

/**
 * The base amount whose transfer restores margin plus buffer (drift-labs/protocol-v2
 * math/liquidation.rs `calculate_base_asset_amount_to_cover_margin_shortage`):
 * `shortage · 1e9 / (price·quote/1e6 · (marginRatio·100 − liqFee)/1e6 − price · ifFee/1e6)`, every
 * step floored (the final floor transfers slightly less base, which favours the user). Returns
 * u64::MAX (no bound) when the price is 0 or the margin ratio does not exceed the liquidator fee.
 * @returns base amount, 1e9.
 * @throws ProtocolRevertError `MathError` when the IF fee term exceeds the freed-margin term or
 *   the divisor is 0 (the contract's checked u128 arithmetic), `CastingFailure` when the result
 *   exceeds u64; InvalidParameterError on negative inputs.
 */
export function baseAssetAmountToCoverMarginShortage(input: CoverShortageInput): bigint {
  for (const [k, v] of Object.entries(input)) requireNonNegative(k, v as bigint);
  const marginRatioPpm = input.marginRatio * LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO;
  if (input.oraclePrice === 0n || marginRatioPpm <= input.liquidatorFeePpm) return U64_MAX;
  const quotePrice = floorDiv(input.oraclePrice * input.quoteOraclePrice, PRICE_PRECISION);
  const freedPerBase = floorDiv(
    quotePrice * (marginRatioPpm - input.liquidatorFeePpm),
    LIQUIDATION_FEE_PRECISION,
  );
  const ifPerBase = floorDiv(input.oraclePrice * input.ifLiquidationFeePpm, LIQUIDATION_FEE_PRECISION);
  const divisor = freedPerBase - ifPerBase;
  if (divisor <= 0n) {
    throw new ProtocolRevertError('MathError', 'the insurance fee consumes all the margin a transfer frees', {
      freed_per_base: freedPerBase.toString(),
      if_fee_per_base: ifPerBase.toString(),
    });
  }
  const base = floorDiv(input.marginShortageQuote * PRICE_TIMES_AMM_TO_QUOTE_PRECISION_RATIO, divisor);
  if (base > U64_MAX) {
    throw new ProtocolRevertError('CastingFailure', 'the base amount does not fit u64', {
      base_asset_amount_1e9: base.toString(),
    });
  }
  return base;
}

/** Inputs of {@link maxPctToLiquidate}. */
export interface MaxPctInput {
  /** Current margin shortage, quote 1e6. */
  readonly marginShortageQuote: bigint;
  /** Slots since the user's `last_active_slot` (the start of the liquidation). */
  readonly slotsElapsed: bigint;
  /** `initial_pct_to_liquidate`, 1e4 = 100 %. */
  readonly initialPctToLiquidate: bigint;
  /** `liquidation_duration`, slots over which the allowance grows to 100 %. */
  readonly liquidationDurationSlots: bigint;
  /** `liquidation_margin_freed` so far in this liquidation, quote 1e6. */
  readonly liquidationMarginFreedQuote: bigint;
}

/**
 * The share of the current shortage that may be freed now (drift-labs/protocol-v2
 * math/liquidation.rs `calculate_max_pct_to_liquidate`): 100 % when the shortage is under $50;
 * otherwise `pct = min(1, initial + slots/duration)` of the total shortage (current + already
 * freed) may have been freed by now, and what is left of that allowance is returned as a fraction
 * of the current shortage. A zero duration means 100 %. Floors favour the user (less liquidated).
 * @returns percentage, 1e4 = 100 % (may exceed 1e4 when much was freed earlier).
 * @throws InvalidParameterError on negative inputs.
 */
export function maxPctToLiquidate(input: MaxPctInput): bigint {
  for (const [k, v] of Object.entries(input)) requireNonNegative(k, v as bigint);
  if (input.marginShortageQuote < SMALL_MARGIN_SHORTAGE_QUOTE) return LIQUIDATION_PCT_PRECISION;
  const ramp =
    input.liquidationDurationSlots === 0n
      ? LIQUIDATION_PCT_PRECISION
      : floorDiv(input.slotsElapsed * LIQUIDATION_PCT_PRECISION, input.liquidationDurationSlots);
  const pctFreeable =
    ramp + input.initialPctToLiquidate < LIQUIDATION_PCT_PRECISION
      ? ramp + input.initialPctToLiquidate
      : LIQUIDATION_PCT_PRECISION;
  const totalShortage = input.marginShortageQuote + input.liquidationMarginFreedQuote;
  const maxMarginFreed = floorDiv(totalShortage * pctFreeable, LIQUIDATION_PCT_PRECISION);
  const freeable =
    maxMarginFreed > input.liquidationMarginFreedQuote
      ? maxMarginFreed - input.liquidationMarginFreedQuote
      : 0n;
  return floorDiv(freeable * LIQUIDATION_PCT_PRECISION, input.marginShortageQuote);
}

/** Loss and open interest of {@link fundingRateDeltaToResolveBankruptcy}. */
export interface BankruptcyDeltaInput {
  /** The loss to socialize, quote 1e6 (its sign is ignored, as the contract takes `abs`). */
  readonly lossQuote: bigint;
  /** Σ base of long positions (`base_asset_amount_long`), 1e9. */
  readonly baseAssetAmountLong: bigint;
  /** Σ base of short positions (`base_asset_amount_short`, ≤ 0), 1e9. */
  readonly baseAssetAmountShort: bigint;
}

/**
 * The cumulative funding-rate delta that makes every open position pay its share of a bankrupt
 * position's loss (drift-labs/protocol-v2 math/liquidation.rs
 * `calculate_funding_rate_deltas_to_resolve_bankruptcy`): `ceil(|loss| · 1e9 / (|long| + |short|))
 * · 1e3`; the ceil makes the surviving positions cover at least the whole loss (favours the
 * protocol). The long rate goes up by the delta and the short rate down by it.
 * @returns funding-rate delta, `FUNDING_RATE_PRECISION` (1e9) quote per base unit.
 * @throws ProtocolRevertError `CantResolvePerpBankruptcy` when there is no open interest.
 */
export function fundingRateDeltaToResolveBankruptcy(input: BankruptcyDeltaInput): bigint {
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  const total = abs(input.baseAssetAmountLong) + abs(input.baseAssetAmountShort);
  if (total === 0n) {
    throw new ProtocolRevertError(
      'CantResolvePerpBankruptcy',
      'there is no open interest to socialize the loss over',
      {},
    );
  }
  return (
    divRound(abs(input.lossQuote) * BASE_PRECISION, total, Rounding.Up) *
    FUNDING_RATE_TO_QUOTE_PRECISION_PRECISION_RATIO
  );
}

/**
 * The funding a position settles (drift-labs/protocol-v2 math/funding.rs
 * `calculate_funding_payment_in_quote_precision`): magnitude `floor(|Δrate| · |base| / 1e6 / 1e3)`,
 * then truncated toward zero by 1e3 to quote units; a positive Δrate makes longs pay and shorts
 * receive (each side uses its own cumulative rate, so a social-loss delta makes both pay).
 * @param rateDelta the side's cumulative funding rate now minus at the last settlement, 1e9.
 * @param baseAssetAmount the signed position size, 1e9.
 * @returns the signed quote amount credited to the position (negative = it pays), 1e6.
 */
export function fundingPaymentQuote(rateDelta: bigint, baseAssetAmount: bigint): bigint {
  if (rateDelta === 0n || baseAssetAmount === 0n) return 0n;
  const absDelta = rateDelta < 0n ? -rateDelta : rateDelta;
  const absBase = baseAssetAmount < 0n ? -baseAssetAmount : baseAssetAmount;
  const magnitude = floorDiv(floorDiv(absDelta * absBase, PRICE_PRECISION), FUNDING_RATE_BUFFER);
  const paymentSign = baseAssetAmount > 0n ? -1n : 1n;
  const deltaSign = rateDelta > 0n ? 1n : -1n;
  const payment = magnitude * paymentSign * deltaSign; // in 1e9 quote units
  // Rust signed `/` truncates toward zero.
  return payment / AMM_TO_QUOTE_PRECISION_RATIO;
}

/**
 * The quote value of a base amount at the oracle price (drift-labs/protocol-v2 math/position.rs
 * `calculate_base_asset_value_with_oracle_price`): `|base| · price / 1e9`, floor.
 * @param baseAssetAmount signed base, 1e9; @param oraclePrice 1e6.
 * @returns quote 1e6, ≥ 0.
 */
export function baseAssetValueQuote(baseAssetAmount: bigint, oraclePrice: bigint): bigint {
  const absBase = baseAssetAmount < 0n ? -baseAssetAmount : baseAssetAmount;
  const absPrice = oraclePrice < 0n ? -oraclePrice : oraclePrice;
  return floorDiv(absBase * absPrice, BASE_PRECISION);
}

/**
 * A perp position's margin requirement and the requirement plus the liquidation buffer
 * (drift-labs/protocol-v2 math/margin.rs `calculate_perp_position_value_and_pnl` and
 * `MarginCalculation::add_cross_margin_margin_requirement`): `value · ratio / 1e4` and
 * `value · buffer / 1e4` added on top, each floored as the contract does.
 * @param liabilityValueQuote the position's base value, 1e6; @param marginRatio 1e4;
 * @param bufferRatio the liquidation margin buffer, 1e4 (0 outside liquidation).
 */
export function marginRequirementQuote(
  liabilityValueQuote: bigint,
  marginRatio: bigint,
  bufferRatio: bigint,
): { readonly requirement: bigint; readonly requirementPlusBuffer: bigint } {
  const requirement = floorDiv(liabilityValueQuote * marginRatio, MARGIN_PRECISION);
  const buffer = floorDiv(liabilityValueQuote * bufferRatio, MARGIN_PRECISION);
  return { requirement, requirementPlusBuffer: requirement + buffer };
}

/**
 * `standardize_base_asset_amount` (math/orders.rs): rounds a base amount down to the step size.
 * @throws InvalidParameterError when the step is not positive.
 */
export function standardizeBaseAssetAmount(baseAssetAmount: bigint, stepSize: bigint): bigint {
  if (stepSize <= 0n) throw new InvalidParameterError('stepSize', 'must be positive');
  return baseAssetAmount - (baseAssetAmount % stepSize);
}

/**
 * `standardize_base_asset_amount_ceil` (math/orders.rs): rounds a base amount up to the step size.
 * @throws InvalidParameterError when the step is not positive.
 */
export function standardizeBaseAssetAmountCeil(baseAssetAmount: bigint, stepSize: bigint): bigint {
  if (stepSize <= 0n) throw new InvalidParameterError('stepSize', 'must be positive');
  const r = baseAssetAmount % stepSize;
  return r === 0n ? baseAssetAmount : baseAssetAmount + (stepSize - r);
}

/** The fee amounts of one `liquidate_perp` transfer. */
export interface TransferFees {
  /** Quote value of the transferred base at the oracle price, 1e6. */
  readonly baseAssetValueQuote: bigint;
  /** Paid by the user to the liquidator, 1e6. */
  readonly liquidatorFeeQuote: bigint;
  /** Paid by the user to the insurance fund, 1e6. */
  readonly ifFeeQuote: bigint;
}

/**
 * The fees of one perp liquidation transfer (controller/liquidation.rs `liquidate_perp`):
 * `value · liquidatorFee / 1e6` and `value · ifFee / 1e6`, floors (the user pays slightly less).
 * @param baseAssetAmount |base| transferred, 1e9; @param oraclePrice 1e6; fees ppm.
 */
export function transferFees(
  baseAssetAmount: bigint,
  oraclePrice: bigint,
  fees: { readonly liquidatorFeePpm: bigint; readonly ifFeePpm: bigint },
): TransferFees {
  const value = baseAssetValueQuote(baseAssetAmount, oraclePrice);
  return {
    baseAssetValueQuote: value,
    liquidatorFeeQuote: floorDiv(value * fees.liquidatorFeePpm, LIQUIDATION_FEE_PRECISION),
    ifFeeQuote: floorDiv(value * fees.ifFeePpm, LIQUIDATION_FEE_PRECISION),
  };
}

/**
 * Slots from engine seconds: a 400 ms Solana slot, so `slot = floor(seconds · 5 / 2)` (floor: a
 * slot counts only once it is complete, which delays the fee ramp slightly in the user's favour).
 * @param seconds whole seconds since the engine's epoch, ≥ 0.
 * @throws InvalidParameterError on a negative or non-integer time.
 */
export function slotFromSeconds(seconds: number): bigint {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new InvalidParameterError('seconds', `expected a whole number of seconds ≥ 0, got ${seconds}`);
  }
  return (BigInt(seconds) * 5n) / 2n;
}
