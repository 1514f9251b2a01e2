/**
 * Aave v3 liquidation arithmetic for the versions Solvent models (3.3, 3.5–3.6, 3.7), as pure
 * functions over bigints parameterised by a version's rounding table: health factor, close factor,
 * collateral to seize with the protocol fee carved out of the bonus, the leftover-dust rule and the
 * bad-debt test. Ported from aave-dao/aave-v3-origin src/contracts/protocol/libraries/logic/
 * {GenericLogic,LiquidationLogic,ValidationLogic}.sol (tags v3.3.0 … v3.6.0 and HEAD = "3.7");
 * v3.0–3.2 close factor from aave/aave-v3-core contracts/protocol/libraries/logic/LiquidationLogic.sol.
 */
import {
  percentDiv,
  percentDivCeil,
  percentDivFloor,
  percentMul,
  percentMulCeil,
  percentMulFloor,
  wadDiv,
} from '../../math/aave.js';
import { assert } from '../../math/errors.js';
import { mulDiv, Rounding } from '../../math/mulDiv.js';
import { BPS, MAX_UINT256, pow10 } from '../../math/units.js';

/** The Aave versions modelled: `3.3` (also 3.4), `3.5` (3.5 and 3.6), `3.7` (unreleased HEAD). */
export type AaveVersion = '3.3' | '3.5' | '3.7';

/** Every Aave version Solvent models, oldest first. */
export const AAVE_VERSIONS: readonly AaveVersion[] = ['3.3', '3.5', '3.7'];

/** Which health-factor formula a version uses (GenericLogic.calculateUserAccountData). */
export type HealthFactorFormula =
  /** ≤ 3.4: `wadDiv(percentMul(Σv, floor(Σv·LT / Σv)), Σd)` — threshold averaged first. */
  | 'averagedThreshold'
  /** ≥ 3.5: `wadDiv(Σ v·LT, Σd) / 1e4` — no intermediate average. */
  | 'thresholdSum';

/**
 * How one Aave version rounds (mechanisms.md §2.7, docs/3.7/liquidation-rounding.md) and which
 * version-dependent checks it has. Each rounding names who it favours in the version's source.
 */
export interface AaveVersionRules {
  readonly version: AaveVersion;
  /** Versions covered, for display (`v3.5-3.6`). */
  readonly label: string;
  readonly healthFactorFormula: HealthFactorFormula;
  /** Debt → base currency: Down ≤ 3.4 (plain `/`), Up from 3.5 (`MathUtils.mulDivCeil`, over-states debt). */
  readonly debtValueRounding: Rounding;
  /** `baseCollateral ×% bonus`: HalfUp ≤ 3.6 (`percentMul`), Down in 3.7 (`percentMulFloor`, borrower keeps the wei). */
  readonly maxCollateralRounding: Rounding;
  /** Debt needed when collateral caps the seizure: HalfUp ≤ 3.4 (`percentDiv`), Up from 3.5 (`percentDivCeil`, liquidator pays the wei). */
  readonly debtNeededRounding: Rounding;
  /** Pre-bonus part of the seized collateral: HalfUp ≤ 3.6 (`percentDiv`), Down in 3.7 (`percentDivFloor`, larger bonus → larger fee). */
  readonly bonusBaseRounding: Rounding;
  /** Protocol fee on the bonus: HalfUp ≤ 3.6 (`percentMul`), Up in 3.7 (`percentMulCeil`, protocol gets the wei). */
  readonly protocolFeeRounding: Rounding;
  /** Whether the L2 PriceOracleSentinel gates liquidations and borrows (3.0–3.6; removed in 3.7, docs/3.7/sentinel-removal.md). */
  readonly priceOracleSentinel: boolean;
  /** `borrower != liquidator` (ValidationLogic.validateLiquidationCall, from 3.4: docs/3.4/Aave-v3.4-features.md). */
  readonly selfLiquidationBanned: boolean;
  /**
   * 3.7 decides `hasNoCollateralLeft` from the collateral actually consumed (seized + fee, capped at
   * the balance) instead of the pre-fee amount `_calculateAvailableCollateralToLiquidate` returned
   * in base currency. With a liquidity index of 1 (no interest modelled) both read the same amount.
   */
  readonly noCollateralLeftFromConsumption: boolean;
}

/** The rounding table of every modelled version (mechanisms.md §2.7). */
export const AAVE_VERSION_RULES: Readonly<Record<AaveVersion, AaveVersionRules>> = {
  '3.3': {
    version: '3.3',
    label: 'v3.3',
    healthFactorFormula: 'averagedThreshold',
    debtValueRounding: Rounding.Down,
    maxCollateralRounding: Rounding.HalfUp,
    debtNeededRounding: Rounding.HalfUp,
    bonusBaseRounding: Rounding.HalfUp,
    protocolFeeRounding: Rounding.HalfUp,
    priceOracleSentinel: true,
    selfLiquidationBanned: false,
    noCollateralLeftFromConsumption: false,
  },
  '3.5': {
    version: '3.5',
    label: 'v3.5-3.6',
    healthFactorFormula: 'thresholdSum',
    debtValueRounding: Rounding.Up,
    maxCollateralRounding: Rounding.HalfUp,
    debtNeededRounding: Rounding.Up,
    bonusBaseRounding: Rounding.HalfUp,
    protocolFeeRounding: Rounding.HalfUp,
    priceOracleSentinel: true,
    selfLiquidationBanned: true,
    noCollateralLeftFromConsumption: false,
  },
  '3.7': {
    version: '3.7',
    label: 'v3.7',
    healthFactorFormula: 'thresholdSum',
    debtValueRounding: Rounding.Up,
    maxCollateralRounding: Rounding.Down,
    debtNeededRounding: Rounding.Up,
    bonusBaseRounding: Rounding.Down,
    protocolFeeRounding: Rounding.Up,
    priceOracleSentinel: false,
    selfLiquidationBanned: true,
    noCollateralLeftFromConsumption: true,
  },
};

/** LiquidationLogic.DEFAULT_LIQUIDATION_CLOSE_FACTOR: 50 % in bps. */
export const DEFAULT_LIQUIDATION_CLOSE_FACTOR_BPS = 5_000n;
/** LiquidationLogic.CLOSE_FACTOR_HF_THRESHOLD: at or below 0.95 the close factor is 100 % (WAD). */
export const CLOSE_FACTOR_HF_THRESHOLD_WAD = 950_000_000_000_000_000n;
/** LiquidationLogic.MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: $2,000 in base currency (USD·1e8). */
export const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = 2_000n * 10n ** 8n;
/** LiquidationLogic.MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2: $1,000 (USD·1e8). */
export const MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2n;
/** ValidationLogic.HEALTH_FACTOR_LIQUIDATION_THRESHOLD: liquidatable iff HF < 1e18 (WAD). */
export const HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD = 10n ** 18n;
/** ValidationLogic.MINIMUM_HEALTH_FACTOR_LIQUIDATION_THRESHOLD: the sentinel's bypass, 0.95 (WAD). */
export const MINIMUM_HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD = 950_000_000_000_000_000n;
/** Decimals of Aave's base currency (USD·1e8). */
export const BASE_CURRENCY_DECIMALS = 8;

/** `value ×% bps` with the rounding a version uses (PercentageMath.percentMul / Floor / Ceil). */
export function percentMulRounded(value: bigint, percentageBps: bigint, rounding: Rounding): bigint {
  if (rounding === Rounding.HalfUp) return percentMul(value, percentageBps);
  return rounding === Rounding.Down
    ? percentMulFloor(value, percentageBps)
    : percentMulCeil(value, percentageBps);
}

/** `value ÷% bps` with the rounding a version uses (PercentageMath.percentDiv / Floor / Ceil). */
export function percentDivRounded(value: bigint, percentageBps: bigint, rounding: Rounding): bigint {
  if (rounding === Rounding.HalfUp) return percentDiv(value, percentageBps);
  return rounding === Rounding.Down
    ? percentDivFloor(value, percentageBps)
    : percentDivCeil(value, percentageBps);
}

/**
 * Value of `amount` smallest units in base currency: `amount · priceBase / 10^decimals`.
 * @param amount token smallest units; @param priceBase USD·1e8 per whole token; @param decimals token decimals.
 * @param rounding Down for collateral (under-states it), Up for debt from v3.5 (over-states it).
 * @throws NegativeValueError, InvalidDecimalsError.
 */
export function valueInBase(amount: bigint, priceBase: bigint, decimals: number, rounding: Rounding): bigint {
  return mulDiv(amount, priceBase, pow10(decimals), rounding);
}

/** One collateral position as GenericLogic reads it. */
export interface HfCollateral {
  /** Token smallest units (aToken balance). */
  readonly amount: bigint;
  /** USD·1e8 per whole token. */
  readonly priceBase: bigint;
  readonly decimals: number;
  /** Effective liquidation threshold in bps (eMode LT when the asset is in the user's category). */
  readonly liquidationThresholdBps: bigint;
  /** Effective LTV in bps (eMode LTV when applicable); 0 when absent. */
  readonly ltvBps?: bigint;
}

/** One debt position as GenericLogic reads it. */
export interface HfDebt {
  /** Token smallest units (variable debt balance). */
  readonly amount: bigint;
  /** USD·1e8 per whole token. */
  readonly priceBase: bigint;
  readonly decimals: number;
}

/** What GenericLogic.calculateUserAccountData returns. */
export interface UserAccountData {
  /** Σ collateral value, USD·1e8 (each line floored). */
  readonly totalCollateralBase: bigint;
  /** Σ debt value, USD·1e8 (each line floored ≤ 3.4, ceiled ≥ 3.5). */
  readonly totalDebtBase: bigint;
  /** floor(Σ v·LTV / Σ v), bps. */
  readonly avgLtvBps: bigint;
  /** floor(Σ v·LT / Σ v), bps. */
  readonly avgLiquidationThresholdBps: bigint;
  /** Health factor, WAD; `type(uint256).max` without debt. */
  readonly healthFactorWad: bigint;
  /** Some collateral (LT ≠ 0) has LTV 0. */
  readonly hasZeroLtvCollateral: boolean;
}

/**
 * The user's account data and health factor (GenericLogic.calculateUserAccountData). Collateral
 * lines with LT = 0 are ignored, as the contract skips them.
 * @throws NegativeValueError, InvalidDecimalsError on malformed lines.
 */
export function healthFactor(
  rules: AaveVersionRules,
  position: { readonly collaterals: readonly HfCollateral[]; readonly debts: readonly HfDebt[] },
): UserAccountData {
  let totalCollateralBase = 0n;
  let weightedLtv = 0n;
  let weightedThreshold = 0n;
  let hasZeroLtvCollateral = false;
  for (const c of position.collaterals) {
    if (c.liquidationThresholdBps === 0n) continue;
    // GenericLogic._getUserBalanceInBaseCurrency: plain division, under-states collateral.
    const v = valueInBase(c.amount, c.priceBase, c.decimals, Rounding.Down);
    totalCollateralBase += v;
    const ltv = c.ltvBps ?? 0n;
    if (ltv === 0n) hasZeroLtvCollateral = true;
    weightedLtv += v * ltv;
    weightedThreshold += v * c.liquidationThresholdBps;
  }
  let totalDebtBase = 0n;
  for (const d of position.debts) {
    totalDebtBase += valueInBase(d.amount, d.priceBase, d.decimals, rules.debtValueRounding);
  }
  // Averages are plain divisions (floor), as the contract's unchecked `/`.
  const avgLtvBps = totalCollateralBase === 0n ? 0n : weightedLtv / totalCollateralBase;
  const avgLiquidationThresholdBps =
    totalCollateralBase === 0n ? 0n : weightedThreshold / totalCollateralBase;
  let healthFactorWad: bigint;
  if (totalDebtBase === 0n) healthFactorWad = MAX_UINT256;
  else if (rules.healthFactorFormula === 'averagedThreshold') {
    // ≤ 3.4: percentMul and wadDiv both half-up (favour no one).
    healthFactorWad = wadDiv(percentMul(totalCollateralBase, avgLiquidationThresholdBps), totalDebtBase);
  } else {
    // ≥ 3.5: wadDiv half-up, then `/ 100_00` floors (under-states health).
    healthFactorWad = wadDiv(weightedThreshold, totalDebtBase) / BPS;
  }
  return {
    totalCollateralBase,
    totalDebtBase,
    avgLtvBps,
    avgLiquidationThresholdBps,
    healthFactorWad,
    hasZeroLtvCollateral,
  };
}

/** Whether ValidationLogic.validateLiquidationCall's health check passes: HF < 1e18, strictly. */
export function isLiquidatableHealth(healthFactorWad: bigint): boolean {
  return healthFactorWad < HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD;
}

/**
 * v3.0–3.2 close factor (aave/aave-v3-core LiquidationLogic._calculateDebt): 50 % of this
 * reserve's debt while HF > 0.95, else 100 %, applied with half-up `percentMul`.
 * @param reserveDebt the user's debt in the debt reserve (smallest units); @param healthFactorWad WAD.
 */
export function maxLiquidatableDebtV30(reserveDebt: bigint, healthFactorWad: bigint): bigint {
  const closeFactorBps =
    healthFactorWad > CLOSE_FACTOR_HF_THRESHOLD_WAD ? DEFAULT_LIQUIDATION_CLOSE_FACTOR_BPS : BPS;
  return percentMul(reserveDebt, closeFactorBps);
}

/** Input of {@link maxLiquidatableDebt}. */
export interface CloseFactorInput {
  /** User's debt in the debt reserve, smallest units. */
  readonly reserveDebt: bigint;
  /** That debt in base currency (version rounding), USD·1e8. */
  readonly reserveDebtBase: bigint;
  /** User's balance of the collateral reserve in base currency (floor), USD·1e8. */
  readonly reserveCollateralBase: bigint;
  /** User's total debt in base currency, USD·1e8. */
  readonly totalDebtBase: bigint;
  readonly healthFactorWad: bigint;
  /** Debt asset price, USD·1e8; and decimals. */
  readonly debtPriceBase: bigint;
  readonly debtDecimals: number;
}

/** What the v3.3+ close factor decided. */
export interface CloseFactorOutcome {
  /** Most debt (smallest units) one call may repay. */
  readonly maxLiquidatableDebt: bigint;
  /** `half`: the 50 %-of-total-debt rule applies (≥ $2,000 both sides and HF > 0.95); `full`: 100 %. */
  readonly closeFactor: 'half' | 'full';
  /** Whether the 50 % rule actually cut the reserve's debt. */
  readonly capped: boolean;
}

/**
 * v3.3+ close factor (LiquidationLogic.executeLiquidationCall): 100 % of the reserve's debt unless
 * both the reserve's collateral and debt are worth ≥ $2,000 and HF > 0.95, in which case at most
 * 50 % of the user's TOTAL debt (half-up `percentMul`, then converted to tokens with floor).
 * @throws DivisionByZeroError when the debt price is 0 and the cap applies.
 */
export function maxLiquidatableDebt(input: CloseFactorInput): CloseFactorOutcome {
  const half =
    input.reserveCollateralBase >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD &&
    input.reserveDebtBase >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD &&
    input.healthFactorWad > CLOSE_FACTOR_HF_THRESHOLD_WAD;
  if (!half) return { maxLiquidatableDebt: input.reserveDebt, closeFactor: 'full', capped: false };
  // percentMul is half-up in every version (docs/3.7 changelog keeps it).
  const totalDefaultLiquidatableBase = percentMul(input.totalDebtBase, DEFAULT_LIQUIDATION_CLOSE_FACTOR_BPS);
  if (input.reserveDebtBase <= totalDefaultLiquidatableBase) {
    return { maxLiquidatableDebt: input.reserveDebt, closeFactor: 'half', capped: false };
  }
  // Base → tokens with plain division: the liquidator may repay at most the floor.
  const capDebt = mulDiv(
    totalDefaultLiquidatableBase,
    pow10(input.debtDecimals),
    input.debtPriceBase,
    Rounding.Down,
  );
  return { maxLiquidatableDebt: capDebt, closeFactor: 'half', capped: true };
}

/** Input of {@link calculateAvailableCollateralToLiquidate}. */
export interface CollateralToLiquidateInput {
  /** USD·1e8 per whole collateral token; decimals of the collateral. */
  readonly collateralPriceBase: bigint;
  readonly collateralDecimals: number;
  /** USD·1e8 per whole debt token; decimals of the debt. */
  readonly debtPriceBase: bigint;
  readonly debtDecimals: number;
  /** Debt the liquidator covers after the close factor, smallest units. */
  readonly debtToCover: bigint;
  /** The borrower's balance of the collateral, smallest units. */
  readonly borrowerCollateralBalance: bigint;
  /** 1e4 + bonus (10500 = 5 %), bps. */
  readonly liquidationBonusBps: bigint;
  /** Protocol's share of the bonus, bps. */
  readonly liquidationProtocolFeeBps: bigint;
}

/** What `_calculateAvailableCollateralToLiquidate` computes. */
export interface CollateralToLiquidate {
  /** Collateral worth `debtToCover` at oracle prices (floor). */
  readonly baseCollateral: bigint;
  /** `baseCollateral` plus the bonus (version rounding). */
  readonly maxCollateralToLiquidate: bigint;
  /** Whether the borrower's balance capped the seizure (then the debt repaid shrinks). */
  readonly cappedByBalance: boolean;
  /** Total collateral leaving the borrower: liquidator's part + protocol fee. */
  readonly collateralSeized: bigint;
  /** Part sent to the liquidator. */
  readonly collateralToLiquidator: bigint;
  /** Part sent to the treasury. */
  readonly protocolFee: bigint;
  /** Bonus part of `collateralSeized` the fee is taken from. */
  readonly bonusCollateral: bigint;
  /** Debt the liquidator repays, smallest units. */
  readonly debtToRepay: bigint;
  /** `collateralSeized` in base currency (floor): v3.3–3.6's 4th return value. */
  readonly collateralToLiquidateInBase: bigint;
}

/**
 * The protocol fee carved out of the bonus (LiquidationLogic._calculateAvailableCollateralToLiquidate,
 * last step): `bonus = seized − seized ÷% bonusBps`, `fee = bonus ×% feeBps`, liquidator gets the rest.
 * @param collateralSeized smallest units; @param liquidationBonusBps 1e4 + bonus; @param protocolFeeBps bps of the bonus.
 * @throws DivisionByZeroError when the bonus is 0 bps and the fee is not.
 */
export function protocolFeeSplit(
  rules: AaveVersionRules,
  input: {
    readonly collateralSeized: bigint;
    readonly liquidationBonusBps: bigint;
    readonly protocolFeeBps: bigint;
  },
): {
  readonly bonusCollateral: bigint;
  readonly protocolFee: bigint;
  readonly collateralToLiquidator: bigint;
} {
  if (input.protocolFeeBps === 0n) {
    return { bonusCollateral: 0n, protocolFee: 0n, collateralToLiquidator: input.collateralSeized };
  }
  const bonusCollateral =
    input.collateralSeized -
    percentDivRounded(input.collateralSeized, input.liquidationBonusBps, rules.bonusBaseRounding);
  const protocolFee = percentMulRounded(bonusCollateral, input.protocolFeeBps, rules.protocolFeeRounding);
  return { bonusCollateral, protocolFee, collateralToLiquidator: input.collateralSeized - protocolFee };
}

/**
 * Collateral to seize and debt to repay for `debtToCover` (LiquidationLogic.
 * _calculateAvailableCollateralToLiquidate), with the version's rounding at each of its sites.
 * @throws DivisionByZeroError on a zero price or bonus; NegativeValueError on negative input.
 */
export function calculateAvailableCollateralToLiquidate(
  rules: AaveVersionRules,
  input: CollateralToLiquidateInput,
): CollateralToLiquidate {
  const collateralUnit = pow10(input.collateralDecimals);
  const debtUnit = pow10(input.debtDecimals);
  // Equal value of collateral, plain division: the liquidator gets the floor.
  const baseCollateral = mulDiv(
    input.debtPriceBase * input.debtToCover,
    collateralUnit,
    input.collateralPriceBase * debtUnit,
    Rounding.Down,
  );
  const maxCollateralToLiquidate = percentMulRounded(
    baseCollateral,
    input.liquidationBonusBps,
    rules.maxCollateralRounding,
  );
  let collateralSeized: bigint;
  let debtToRepay: bigint;
  const cappedByBalance = maxCollateralToLiquidate > input.borrowerCollateralBalance;
  if (cappedByBalance) {
    collateralSeized = input.borrowerCollateralBalance;
    // Value of the whole balance in debt tokens (floor), then less the bonus (version rounding).
    const debtValueOfBalance = mulDiv(
      input.collateralPriceBase * collateralSeized,
      debtUnit,
      input.debtPriceBase * collateralUnit,
      Rounding.Down,
    );
    debtToRepay = percentDivRounded(debtValueOfBalance, input.liquidationBonusBps, rules.debtNeededRounding);
  } else {
    collateralSeized = maxCollateralToLiquidate;
    debtToRepay = input.debtToCover;
  }
  // 4th return value of v3.3–3.6: floor (under-states what is seized).
  const collateralToLiquidateInBase = mulDiv(
    collateralSeized,
    input.collateralPriceBase,
    collateralUnit,
    Rounding.Down,
  );
  const split = protocolFeeSplit(rules, {
    collateralSeized,
    liquidationBonusBps: input.liquidationBonusBps,
    protocolFeeBps: input.liquidationProtocolFeeBps,
  });
  return {
    baseCollateral,
    maxCollateralToLiquidate,
    cappedByBalance,
    collateralSeized,
    collateralToLiquidator: split.collateralToLiquidator,
    protocolFee: split.protocolFee,
    bonusCollateral: split.bonusCollateral,
    debtToRepay,
    collateralToLiquidateInBase,
  };
}

/** Input of {@link dustCheck}. */
export interface DustCheckInput {
  /** Borrower's debt in the debt reserve before, and the part repaid (smallest units). */
  readonly reserveDebt: bigint;
  readonly debtToRepay: bigint;
  readonly debtPriceBase: bigint;
  readonly debtDecimals: number;
  /** Borrower's collateral balance before, and what leaves it (liquidator part + fee). */
  readonly collateralBalance: bigint;
  readonly collateralSeized: bigint;
  readonly collateralPriceBase: bigint;
  readonly collateralDecimals: number;
}

/** Outcome of {@link dustCheck}. */
export interface DustCheckOutcome {
  /** The rule applies: neither the whole debt nor the whole collateral of the pair is cleared. */
  readonly applies: boolean;
  /** Debt left in base currency (floor ≤ 3.4, ceil ≥ 3.5), USD·1e8. */
  readonly leftoverDebtBase: bigint;
  /** Collateral left, after the fee too, in base currency (floor), USD·1e8. */
  readonly leftoverCollateralBase: bigint;
  /** False exactly when the contract reverts `MUST_NOT_LEAVE_DUST` / `MustNotLeaveDust()`. */
  readonly passes: boolean;
}

/**
 * The v3.3+ leftover-dust rule (LiquidationLogic.executeLiquidationCall): unless all the debt or
 * all the collateral of the pair is cleared, both leftovers must be worth ≥ $1,000. The collateral
 * leftover subtracts the protocol fee too (fix 57411c9 of the v3.3 audit, shipped in 3.3.0).
 * @throws NegativeValueError when more is repaid or seized than there is.
 */
export function dustCheck(rules: AaveVersionRules, input: DustCheckInput): DustCheckOutcome {
  const debtLeft = input.reserveDebt - input.debtToRepay;
  const collateralLeft = input.collateralBalance - input.collateralSeized;
  const leftoverDebtBase = valueInBase(
    debtLeft,
    input.debtPriceBase,
    input.debtDecimals,
    rules.debtValueRounding,
  );
  // Collateral leftover is floored in every version (under-states it: stricter check).
  const leftoverCollateralBase = valueInBase(
    collateralLeft,
    input.collateralPriceBase,
    input.collateralDecimals,
    Rounding.Down,
  );
  const applies = input.debtToRepay < input.reserveDebt && input.collateralSeized < input.collateralBalance;
  const passes =
    !applies || (leftoverDebtBase >= MIN_LEFTOVER_BASE && leftoverCollateralBase >= MIN_LEFTOVER_BASE);
  return { applies, leftoverDebtBase, leftoverCollateralBase, passes };
}

/**
 * Whether the liquidation leaves the user without collateral value (v3.3+ bad-debt trigger):
 * the seized collateral (liquidator part + fee, capped at the balance in 3.7) in base currency
 * equals the user's total collateral in base currency.
 * @param totalCollateralBase from calculateUserAccountData, USD·1e8.
 */
export function hasNoCollateralLeft(
  rules: AaveVersionRules,
  input: {
    readonly totalCollateralBase: bigint;
    readonly collateralSeized: bigint;
    readonly collateralBalance: bigint;
    readonly collateralPriceBase: bigint;
    readonly collateralDecimals: number;
  },
): boolean {
  const consumed =
    rules.noCollateralLeftFromConsumption && input.collateralSeized > input.collateralBalance
      ? input.collateralBalance
      : input.collateralSeized;
  assert(consumed <= input.collateralBalance, 'seized more collateral than the balance');
  return (
    valueInBase(consumed, input.collateralPriceBase, input.collateralDecimals, Rounding.Down) ===
    input.totalCollateralBase
  );
}
