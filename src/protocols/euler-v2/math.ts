/**
 * The integer formulas of the Euler Vault Kit's liquidation path, one small pure function each:
 * LTV ramping, oracle quotes, LTV-adjusted collateral values, the health-scaled discount capped by
 * the vault's maximum discount, the maximum repay and yield of a liquidation and their scaling to a
 * desired repay, the debt socialization rule, the cool-off, and the share conversions with the
 * virtual deposit. Every division names its rounding, which is Solidity's truncation unless said.
 * Sources: euler-xyz/euler-vault-kit src/EVault/modules/Liquidation.sol, shared/LiquidityUtils.sol,
 * shared/types/LTVConfig.sol, shared/types/{Assets,Shares}.sol, shared/lib/ConversionHelpers.sol.
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import { assert } from '../../math/errors.js';
import { divRound, mulDiv, Rounding } from '../../math/mulDiv.js';
import { pow10, WAD } from '../../math/units.js';

/** Euler `CONFIG_SCALE`: LTVs and discounts are ConfigAmounts with 1e4 = 100 %. */
export const CONFIG_SCALE = 10_000n;
/**
 * Euler `MIN_SOCIALIZATION_LIABILITY_VALUE` (Liquidation.sol): a debt whose value before the
 * liquidation is below 1e6 (in the unit of account's smallest units) is never socialized.
 */
export const MIN_SOCIALIZATION_LIABILITY_VALUE = 1_000_000n;
/** Euler `VIRTUAL_DEPOSIT_AMOUNT` (ConversionHelpers.sol): added to both totals in conversions. */
export const VIRTUAL_DEPOSIT_AMOUNT = 1_000_000n;
/** Largest uint16 (Euler LTVs, discounts and the cool-off time are uint16). */
export const MAX_UINT16 = 65_535n;
/** Largest uint32 (Euler `rampDuration`). */
export const MAX_UINT32 = 4_294_967_295;

/** The LTV configuration of one collateral (Euler `LTVConfig`). LTVs in bps (1e4 = 100 %). */
export interface LtvConfig {
  /** LTV used for the account status check when borrowing or withdrawing. */
  readonly borrowLtvBps: bigint;
  /** Fully converged (target) liquidation LTV. */
  readonly liquidationLtvBps: bigint;
  /** Liquidation LTV in force when the current configuration was set (the ramp's start). */
  readonly initialLiquidationLtvBps: bigint;
  /** When the liquidation LTV reaches its target, seconds. */
  readonly targetTimestampSeconds: number;
  /** Length of the ramp, seconds. */
  readonly rampDurationSeconds: number;
}

/** Inputs of {@link rampedLiquidationLtvBps}. */
export interface LtvRamp {
  /** LTV at the start of the ramp, bps. */
  readonly initialLiquidationLtvBps: bigint;
  /** LTV at the end of the ramp, bps. */
  readonly targetLiquidationLtvBps: bigint;
  readonly rampDurationSeconds: number;
  /** Seconds left until the ramp ends (0 once it has ended), ≤ rampDurationSeconds. */
  readonly timeRemainingSeconds: number;
}

/**
 * The liquidation LTV during a ramp (euler-vault-kit LTVConfig.sol `getLTV(liquidation = true)`):
 * the target once the ramp has ended or when the LTV was raised (raises are immediate), otherwise
 * `target + (initial − target) · timeRemaining / rampDuration`, floor (favours liquidators: the
 * LTV is never rounded above the straight line).
 * Asserts timeRemaining ≤ rampDuration while a ramp runs (setLTV makes it so).
 */
export function rampedLiquidationLtvBps(ramp: LtvRamp): bigint {
  const initial = ramp.initialLiquidationLtvBps;
  const target = ramp.targetLiquidationLtvBps;
  if (ramp.timeRemainingSeconds <= 0 || target >= initial) return target;
  assert(
    ramp.timeRemainingSeconds <= ramp.rampDurationSeconds,
    `time remaining ${ramp.timeRemainingSeconds} exceeds the ramp ${ramp.rampDurationSeconds}`,
  );
  return (
    target +
    mulDiv(
      initial - target,
      BigInt(ramp.timeRemainingSeconds),
      BigInt(ramp.rampDurationSeconds),
      Rounding.Down,
    )
  );
}

/**
 * Euler `LTVConfig.getLTV(liquidation)` at `nowSeconds`: the borrow LTV, or the (possibly ramping)
 * liquidation LTV, bps.
 */
export function currentLtvBps(config: LtvConfig, liquidation: boolean, nowSeconds: number): bigint {
  if (!liquidation) return config.borrowLtvBps;
  return rampedLiquidationLtvBps({
    initialLiquidationLtvBps: config.initialLiquidationLtvBps,
    targetLiquidationLtvBps: config.liquidationLtvBps,
    rampDurationSeconds: config.rampDurationSeconds,
    timeRemainingSeconds: Math.max(0, config.targetTimestampSeconds - nowSeconds),
  });
}

/** A new LTV setting, as given to Euler Governance `setLTV`. */
export interface LtvSetting {
  readonly borrowLtvBps: bigint;
  readonly liquidationLtvBps: bigint;
  readonly rampDurationSeconds: number;
}

/**
 * Euler `LTVConfigLib.setLTV`: the new configuration starts its ramp from the liquidation LTV in
 * force now (0 for a collateral never configured) and converges at `now + rampDuration`. The
 * governance checks (E_LTVBorrow, E_LTVLiquidation) are the caller's ({@link setLtvRevert}).
 */
export function nextLtvConfig(
  current: LtvConfig | undefined,
  setting: LtvSetting,
  nowSeconds: number,
): LtvConfig {
  return {
    borrowLtvBps: setting.borrowLtvBps,
    liquidationLtvBps: setting.liquidationLtvBps,
    initialLiquidationLtvBps: current === undefined ? 0n : currentLtvBps(current, true, nowSeconds),
    targetTimestampSeconds: nowSeconds + setting.rampDurationSeconds,
    rampDurationSeconds: setting.rampDurationSeconds,
  };
}

/**
 * The revert of Euler Governance `setLTV` for this setting, or undefined when it is accepted:
 * `E_ConfigAmountTooLargeToEncode` for an LTV above 1e4, `E_LTVBorrow` when the borrow LTV exceeds
 * the liquidation LTV, `E_LTVLiquidation` for a ramp that does not lower the current liquidation LTV.
 */
export function setLtvRevert(
  current: LtvConfig | undefined,
  setting: LtvSetting,
  nowSeconds: number,
): 'E_ConfigAmountTooLargeToEncode' | 'E_LTVBorrow' | 'E_LTVLiquidation' | undefined {
  if (setting.borrowLtvBps > CONFIG_SCALE || setting.liquidationLtvBps > CONFIG_SCALE) {
    return 'E_ConfigAmountTooLargeToEncode';
  }
  if (setting.borrowLtvBps > setting.liquidationLtvBps) return 'E_LTVBorrow';
  const inForce = current === undefined ? 0n : currentLtvBps(current, true, nowSeconds);
  if (setting.liquidationLtvBps >= inForce && setting.rampDurationSeconds > 0) return 'E_LTVLiquidation';
  return undefined;
}

/** An amount and the oracle price it is quoted at. */
export interface Quote {
  /** Smallest units of the token. */
  readonly amount: bigint;
  /** Token decimals. */
  readonly decimals: number;
  /** Unit-of-account per whole token, scaled by 10^priceDecimals. */
  readonly price: bigint;
  readonly priceDecimals: number;
  /** Decimals of the unit of account (18 for Euler's USD). */
  readonly unitDecimals: number;
}

/**
 * The oracle's `getQuote(amount, token, unitOfAccount)`: the value of `amount` in the unit of
 * account's smallest units, `amount · price · 10^unit / 10^(decimals + priceDecimals)`, floor (as
 * Euler's adapters scale: the quote is never above the exact value).
 */
export function quoteValue(q: Quote): bigint {
  return mulDiv(
    q.amount,
    q.price * pow10(q.unitDecimals),
    pow10(q.decimals + q.priceDecimals),
    Rounding.Down,
  );
}

/**
 * Euler LiquidityUtils `getCollateralValue`: `value · ltv / CONFIG_SCALE`, floor (favours the
 * protocol: collateral is never over-credited). 0 when the LTV is 0.
 */
export function adjustedCollateralValue(valueUnits: bigint, ltvBps: bigint): bigint {
  if (ltvBps === 0n) return 0n;
  return mulDiv(valueUnits, ltvBps, CONFIG_SCALE, Rounding.Down);
}

/**
 * Whether the account is in violation (Liquidation.sol `calculateMaxLiquidation`: no violation
 * when `collateralAdjustedValue > liabilityValue` or the liability is worth 0): liquidatable at
 * equality.
 */
export function isInViolation(collateralAdjustedValue: bigint, liabilityValue: bigint): boolean {
  return liabilityValue > 0n && collateralAdjustedValue <= liabilityValue;
}

/** Inputs of {@link violationPriceCeiling}: one collateral line and the liability's value. */
export interface OneCollateralLine {
  /** Value of the liability, unit-of-account units (LiquidityUtils `getLiabilityValue`). */
  readonly liabilityValue: bigint;
  /** Balance of the collateral, its smallest units (> 0). */
  readonly balance: bigint;
  /** Token decimals of the collateral. */
  readonly decimals: number;
  /** Decimals of the collateral's oracle price. */
  readonly priceDecimals: number;
  /** Decimals of the unit of account. */
  readonly unitDecimals: number;
  /** Liquidation LTV in force, bps (> 0). */
  readonly ltvBps: bigint;
}

/**
 * The highest oracle price of its collateral (scaled by 10^priceDecimals) at which an account
 * whose only valued collateral is this line is in violation: with V(p) = {@link quoteValue} of the
 * balance at p and A(p) = {@link adjustedCollateralValue}(V(p), ltv), both non-decreasing in p,
 * `isInViolation(A(p), liabilityValue)` holds iff p ≤ the result. −1 when the liability is worth 0
 * (never in violation). Exact inversion of the floors, not an estimate (so it rounds neither way
 * in anyone's favour): A ≤ L ⟺ V·ltv < (L + 1)·1e4 ⟺ V ≤ ⌈(L + 1)·1e4 / ltv⌉ − 1 =: Vmax, and
 * V ≤ Vmax ⟺ balance·p·10^unit < (Vmax + 1)·10^(decimals + priceDecimals) ⟺ p ≤
 * ⌈(Vmax + 1)·10^(decimals + priceDecimals) / (balance·10^unit)⌉ − 1.
 * Asserts balance > 0 and ltvBps > 0 (a line without either is worth 0 at every price).
 */
export function violationPriceCeiling(line: OneCollateralLine): bigint {
  assert(line.balance > 0n && line.ltvBps > 0n, 'violationPriceCeiling of a line worth 0 at every price');
  if (line.liabilityValue <= 0n) return -1n;
  // Ceil then −1: the largest integer strictly below the exact quotient (see above).
  const maxValue = divRound((line.liabilityValue + 1n) * CONFIG_SCALE, line.ltvBps, Rounding.Up) - 1n;
  return (
    divRound(
      (maxValue + 1n) * pow10(line.decimals + line.priceDecimals),
      line.balance * pow10(line.unitDecimals),
      Rounding.Up,
    ) - 1n
  );
}

/**
 * The lowest oracle price of its collateral (scaled by 10^priceDecimals, ≥ 0) at which an account
 * whose only valued collateral is this line has a health score ({@link healthScoreWad}: ⌊A·1e18 /
 * liabilityValue⌋) of at least `healthWad`; the score is non-decreasing in the price, so it is at
 * least `healthWad` exactly from there up. Exact inversion of the floors: ⌊A·1e18 / L⌋ ≥ T ⟺ A ≥
 * ⌈T·L / 1e18⌉ =: Amin; ⌊V·ltv / 1e4⌋ ≥ Amin ⟺ V ≥ ⌈Amin·1e4 / ltv⌉ =: Vmin; and V ≥ Vmin ⟺ p ≥
 * ⌈Vmin·10^(decimals + priceDecimals) / (balance·10^unit)⌉.
 * Asserts balance > 0, ltvBps > 0 and liabilityValue > 0 (the score is then a fixed maximum).
 */
export function healthPriceFloor(line: OneCollateralLine, healthWad: bigint): bigint {
  assert(
    line.balance > 0n && line.ltvBps > 0n && line.liabilityValue > 0n,
    'healthPriceFloor of a line whose score does not depend on its price',
  );
  if (healthWad <= 0n) return 0n;
  // Ceil at each step: the least integer meeting each bound (see above).
  const minAdjusted = divRound(healthWad * line.liabilityValue, WAD, Rounding.Up);
  const minValue = divRound(minAdjusted * CONFIG_SCALE, line.ltvBps, Rounding.Up);
  return divRound(
    minValue * pow10(line.decimals + line.priceDecimals),
    line.balance * pow10(line.unitDecimals),
    Rounding.Up,
  );
}

/**
 * Euler's health score, WAD: `collateralAdjustedValue · 1e18 / liabilityValue`, floor
 * (Liquidation.sol "discountFactor = health score = 1 − discount"). `max` for no liability.
 */
export function healthScoreWad(collateralAdjustedValue: bigint, liabilityValue: bigint, max: bigint): bigint {
  if (liabilityValue === 0n) return max;
  return mulDiv(collateralAdjustedValue, WAD, liabilityValue, Rounding.Down);
}

/**
 * The discount factor (1 − discount), WAD (Liquidation.sol `calculateMaxLiquidation`): the health
 * score, floor (favours the liquidator by at most 1e-18), raised to the floor
 * `1e18 − 1e18 · maxLiquidationDiscount / 1e4` (exact: 1e18 is a multiple of 1e4) so the discount
 * never exceeds the vault's maximum.
 * @param maxLiquidationDiscountBps 0 ≤ d < 1e4.
 */
export function discountFactorWad(input: {
  readonly collateralAdjustedValue: bigint;
  readonly liabilityValue: bigint;
  readonly maxLiquidationDiscountBps: bigint;
}): bigint {
  assert(input.liabilityValue > 0n, 'discount factor of an account without liability');
  const health = mulDiv(input.collateralAdjustedValue, WAD, input.liabilityValue, Rounding.Down);
  // Floor, exact: 1e18 is a multiple of CONFIG_SCALE.
  const minDiscountFactor = WAD - mulDiv(WAD, input.maxLiquidationDiscountBps, CONFIG_SCALE, Rounding.Down);
  return health < minDiscountFactor ? minDiscountFactor : health;
}

/** Inputs of {@link maxLiquidation}. Values are in the unit of account's smallest units. */
export interface MaxLiquidationInput {
  /** Σ collateral value · liquidation LTV over the violator's collaterals (mid prices). */
  readonly collateralAdjustedValue: bigint;
  /** Value of the whole liability at the mid price. */
  readonly liabilityValue: bigint;
  /** The liability in the controller vault's asset units (rounded up, Euler `toAssetsUp`). */
  readonly liability: bigint;
  /** The violator's balance of the collateral being liquidated. */
  readonly collateralBalance: bigint;
  /** Value of that balance at the mid price. */
  readonly collateralValue: bigint;
  /** Vault's maximum liquidation discount, bps < 1e4. */
  readonly maxLiquidationDiscountBps: bigint;
}

/** What {@link maxLiquidation} decided. */
export interface MaxLiquidation {
  /** False when the account is healthy: Euler returns repay 0, yield 0 and nothing happens. */
  readonly violation: boolean;
  /** 1 − discount, WAD (0 when there is no violation). */
  readonly discountFactorWad: bigint;
  /** Value the liquidator may repay (capped by the collateral's value · discountFactor). */
  readonly maxRepayValue: bigint;
  /** Value the liquidator receives (capped at the collateral's value). */
  readonly maxYieldValue: bigint;
  /** Debt taken over, asset units. */
  readonly repay: bigint;
  /** Collateral received, collateral units. */
  readonly yieldBalance: bigint;
}

/**
 * Euler Liquidation.sol `calculateMaxLiquidation`:
 * - no violation → repay 0, yield 0;
 * - discountFactor from {@link discountFactorWad};
 * - worthless collateral (value 0) → the whole balance for no repay;
 * - maxRepayValue = liabilityValue, maxYieldValue = maxRepayValue · 1e18 / discountFactor, floor;
 *   when the collateral is worth less, maxRepayValue = collateralValue · discountFactor / 1e18,
 *   floor, and maxYieldValue = collateralValue;
 * - repay = maxRepayValue · liability / liabilityValue, floor; yield = maxYieldValue ·
 *   collateralBalance / collateralValue, floor.
 * Every floor favours the violator's remaining position (less debt moved, less collateral taken).
 */
export function maxLiquidation(input: MaxLiquidationInput): MaxLiquidation {
  const none = { discountFactorWad: 0n, maxRepayValue: 0n, maxYieldValue: 0n, repay: 0n, yieldBalance: 0n };
  if (!isInViolation(input.collateralAdjustedValue, input.liabilityValue))
    return { violation: false, ...none };
  const factor = discountFactorWad(input);
  if (input.collateralValue === 0n) {
    return { violation: true, ...none, discountFactorWad: factor, yieldBalance: input.collateralBalance };
  }
  let maxRepayValue = input.liabilityValue;
  let maxYieldValue = mulDiv(maxRepayValue, WAD, factor, Rounding.Down);
  if (input.collateralValue < maxYieldValue) {
    maxRepayValue = mulDiv(input.collateralValue, factor, WAD, Rounding.Down);
    maxYieldValue = input.collateralValue;
  }
  return {
    violation: true,
    discountFactorWad: factor,
    maxRepayValue,
    maxYieldValue,
    repay: mulDiv(maxRepayValue, input.liability, input.liabilityValue, Rounding.Down),
    yieldBalance: mulDiv(maxYieldValue, input.collateralBalance, input.collateralValue, Rounding.Down),
  };
}

/**
 * Euler Liquidation.sol `calculateLiquidation`, the adjustment for a desired repay: `max` keeps
 * the maxima; a desired repay above the maximum reverts `E_ExcessiveRepayAmount`; otherwise, when
 * the maximum repay is non-zero, the yield scales linearly, `desired · maxYield / maxRepay`, floor
 * (favours the violator), and a zero maximum keeps the yield as it is (worthless collateral).
 * @throws ProtocolRevertError `E_ExcessiveRepayAmount` (computed: maxRepay, maxYield).
 */
export function scaleToDesiredRepay(input: {
  readonly maxRepay: bigint;
  readonly maxYield: bigint;
  readonly desiredRepay: bigint | 'max';
}): { readonly repay: bigint; readonly yieldBalance: bigint } {
  const { maxRepay, maxYield, desiredRepay } = input;
  if (desiredRepay === 'max') return { repay: maxRepay, yieldBalance: maxYield };
  if (desiredRepay > maxRepay) {
    throw new ProtocolRevertError(
      'E_ExcessiveRepayAmount',
      `At most ${maxRepay} may be repaid in this liquidation; ask for less or pass "max".`,
      { maxRepay: maxRepay.toString(), maxYield: maxYield.toString() },
    );
  }
  if (maxRepay === 0n) return { repay: 0n, yieldBalance: maxYield };
  return { repay: desiredRepay, yieldBalance: mulDiv(desiredRepay, maxYield, maxRepay, Rounding.Down) };
}

/** Inputs of {@link socializedDebt}. */
export interface SocializationInput {
  /** Value of the liability before the liquidation (mid price), unit-of-account units. */
  readonly liabilityValue: bigint;
  /** The liability before the liquidation, asset units. */
  readonly liability: bigint;
  /** Debt taken over by the liquidator, asset units. */
  readonly repay: bigint;
  /** No recognized collateral balance is left after the yield transfer (`checkNoCollateral`). */
  readonly noCollateralLeft: boolean;
  /** Config flag `CFG_DONT_SOCIALIZE_DEBT`. */
  readonly dontSocializeDebt: boolean;
}

/**
 * Debt written off against the vault's depositors (Liquidation.sol `executeLiquidation`):
 * `liability − repay` when the liability was worth at least MIN_SOCIALIZATION_LIABILITY_VALUE,
 * socialization is not disabled, something is left and the violator holds no collateral; else 0.
 */
export function socializedDebt(input: SocializationInput): bigint {
  if (
    input.liabilityValue >= MIN_SOCIALIZATION_LIABILITY_VALUE &&
    !input.dontSocializeDebt &&
    input.liability > input.repay &&
    input.noCollateralLeft
  ) {
    return input.liability - input.repay;
  }
  return 0n;
}

/**
 * Euler Liquidation.sol `isInLiquidationCoolOff`: `now < lastAccountStatusCheck + coolOff`.
 */
export function isInLiquidationCoolOff(input: {
  readonly nowSeconds: number;
  readonly lastStatusCheckSeconds: number;
  readonly coolOffSeconds: number;
}): boolean {
  return input.nowSeconds < input.lastStatusCheckSeconds + input.coolOffSeconds;
}

/** The controller vault's totals used by share conversions (Euler `conversionTotals` inputs). */
export interface VaultTotals {
  /** Assets held by the vault (Euler `cash`). */
  readonly cash: bigint;
  /** Σ debts, asset units (Euler `totalBorrows.toAssetsUp()`; exact here: no interest accrues). */
  readonly totalBorrows: bigint;
  /** Shares outstanding. */
  readonly totalShares: bigint;
}

function conversionTotals(t: VaultTotals): { readonly assets: bigint; readonly shares: bigint } {
  return {
    assets: t.cash + t.totalBorrows + VIRTUAL_DEPOSIT_AMOUNT,
    shares: t.totalShares + VIRTUAL_DEPOSIT_AMOUNT,
  };
}

/** Euler Assets.sol `toSharesDown` (deposit): `assets · totalShares / totalAssets`, floor (favours the vault). */
export function toSharesDown(assets: bigint, totals: VaultTotals): bigint {
  const t = conversionTotals(totals);
  return mulDiv(assets, t.shares, t.assets, Rounding.Down);
}

/** Euler Assets.sol `toSharesUp` (withdraw): shares burned for `assets`, ceil (favours the vault). */
export function toSharesUp(assets: bigint, totals: VaultTotals): bigint {
  const t = conversionTotals(totals);
  return mulDiv(assets, t.shares, t.assets, Rounding.Up);
}

/** Euler Shares.sol `toAssetsDown` (redeem): assets paid for `shares`, floor (favours the vault). */
export function toAssetsDown(shares: bigint, totals: VaultTotals): bigint {
  const t = conversionTotals(totals);
  return mulDiv(shares, t.assets, t.shares, Rounding.Down);
}
