/**
 * The engine's protocol-agnostic margin calculus: values an account that holds several collaterals
 * and owes several debts, and derives from those values its collateral ratio, health factor,
 * required margins, the liquidation price of each collateral and its distance to liquidation.
 *
 * Definitions (all exact rationals, each reported number rounded once, in the protocol's favour):
 * - value of a line (USD) = amount / 10^decimals × price / 10^priceDecimals;
 * - C = Σ collateral values, W = Σ value·LT (weighted collateral), B = Σ value·LTV (borrow capacity),
 *   D = Σ debt values; C, W, B are floored and D is ceiled, in WAD (1e18 = 1 USD), after summing
 *   the exact line values (not line by line);
 * - health = W / D floored to WAD; an account is liquidatable iff health < 1 (strict), which is
 *   exactly W < D on the rounded sums. So health, {@link isLiquidatable}, `excessMaintenanceWad`,
 *   the liquidation price and the distances all agree bit for bit.
 */
import { assert } from '../math/errors.js';
import { divRound, min, mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, MAX_UINT256, WAD } from '../math/units.js';
import { CollateralIsAlsoDebtError, InvalidParameterError } from './errors.js';

/** One collateral holding of an account, priced in USD. */
export interface CollateralLine {
  /** Asset symbol or id; lines with the same asset are summed. */
  readonly asset: string;
  /** Smallest token units (≥ 0). */
  readonly amount: bigint;
  /** Token decimals, 0..77. */
  readonly decimals: number;
  /** USD per whole token, scaled by 10^priceDecimals (≥ 0). */
  readonly price: bigint;
  /** Scale of `price`, 0..77 (8 for Chainlink/Aave, 18 for WAD prices). */
  readonly priceDecimals: number;
  /** Liquidation threshold in bps (Aave LT, Comet liquidateCollateralFactor), 0..10000. */
  readonly liquidationThresholdBps: bigint;
  /** Initial (borrowing) loan-to-value in bps (Aave LTV, Comet borrowCollateralFactor), 0..LT. */
  readonly initialLtvBps: bigint;
}

/** One debt of an account, priced in USD. */
export interface DebtLine {
  /** Asset symbol or id. */
  readonly asset: string;
  /** Smallest token units owed (≥ 0). */
  readonly amount: bigint;
  /** Token decimals, 0..77. */
  readonly decimals: number;
  /** USD per whole token, scaled by 10^priceDecimals (≥ 0). */
  readonly price: bigint;
  /** Scale of `price`, 0..77. */
  readonly priceDecimals: number;
}

/** A cross-margined account: every collateral backs every debt. */
export interface MarginAccount {
  readonly collateral: readonly CollateralLine[];
  readonly debt: readonly DebtLine[];
}

/** The four sums everything else is derived from, each in USD WAD (1e18 = $1). */
export interface AccountValues {
  /** C = Σ collateral values, floored (favours the protocol). */
  readonly collateralValueWad: bigint;
  /** D = Σ debt values, ceiled (favours the protocol). */
  readonly debtValueWad: bigint;
  /** W = Σ value·liquidationThreshold, floored. */
  readonly weightedCollateralWad: bigint;
  /** B = Σ value·initialLtv, floored. */
  readonly borrowCapacityWad: bigint;
}

/** Margin requirements and excesses of an account, in USD WAD. */
export interface RequiredMargins {
  /**
   * Collateral value the debt requires at the account's initial LTV, with the same mix of
   * collateral: ceil(D / avgLTV), avgLTV = Σ value·LTV / Σ value (exact). 0 with no debt; `null`
   * when the account has debt but no borrowing power (Σ value·LTV = 0): no amount of that mix is
   * enough.
   */
  readonly initialWad: bigint | null;
  /**
   * Collateral value at which, with the same mix of collateral (every holding scaled by one
   * factor), the account reaches health 1: ceil(D / avgLT), avgLT = Σ value·LT / Σ value (exact).
   * 0 with no debt; `null` when the account has debt but no weighted collateral.
   */
  readonly maintenanceWad: bigint | null;
  /** B − D (signed): borrowing room left (≥ 0) or the shortfall below initial margin (< 0). */
  readonly excessInitialWad: bigint;
  /** W − D (signed): negative exactly when the account is liquidatable. */
  readonly excessMaintenanceWad: bigint;
}

/** Health of an account without debt: 2^256 − 1, as Aave's `type(uint256).max`. */
export const MAX_HEALTH = MAX_UINT256;
/** Largest token or price decimals accepted: 10^77 is the largest power of ten below 2^256. */
export const MAX_DECIMALS = 77;

// 10^0 … 10^(2·77): every exponent a pair (decimals + priceDecimals) can need.
const POW10: readonly bigint[] = Array.from({ length: 2 * MAX_DECIMALS + 1 }, (_, k) => 10n ** BigInt(k));

function pow10(exponent: number): bigint {
  const p = POW10[exponent];
  assert(p !== undefined, `10^${exponent} is outside the precomputed range`);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Validation

function requireUnsignedInt(field: string, value: unknown): void {
  if (typeof value !== 'bigint') throw new InvalidParameterError(field, 'must be a bigint');
  if (value < 0n) throw new InvalidParameterError(field, `must not be negative, got ${value}`);
  if (value > MAX_UINT256) throw new InvalidParameterError(field, 'must fit uint256');
}

function requireDecimals(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DECIMALS) {
    throw new InvalidParameterError(field, `must be an integer in 0..${MAX_DECIMALS}, got ${String(value)}`);
  }
}

function requireAsset(field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    throw new InvalidParameterError(field, 'must be a non-empty string');
}

function requireLine(field: string, line: DebtLine): void {
  requireAsset(`${field}.asset`, line.asset);
  requireUnsignedInt(`${field}.amount`, line.amount);
  requireDecimals(`${field}.decimals`, line.decimals);
  requireUnsignedInt(`${field}.price`, line.price);
  requireDecimals(`${field}.priceDecimals`, line.priceDecimals);
}

/**
 * Checks an account and names the first offending field (`collateral[1].liquidationThresholdBps`):
 * amounts and prices are bigints in 0..2^256−1, decimals and priceDecimals integers in 0..77,
 * liquidationThresholdBps in 0..10000 and initialLtvBps in 0..liquidationThresholdBps.
 * @throws InvalidParameterError naming the field.
 */
export function validateMarginAccount(account: MarginAccount): void {
  if (!Array.isArray(account.collateral)) throw new InvalidParameterError('collateral', 'must be an array');
  if (!Array.isArray(account.debt)) throw new InvalidParameterError('debt', 'must be an array');
  account.collateral.forEach((line, i) => {
    const field = `collateral[${i}]`;
    requireLine(field, line);
    const lt = line.liquidationThresholdBps;
    if (typeof lt !== 'bigint' || lt < 0n || lt > BPS) {
      throw new InvalidParameterError(`${field}.liquidationThresholdBps`, `must be a bigint in 0..10000 bps`);
    }
    const ltv = line.initialLtvBps;
    if (typeof ltv !== 'bigint' || ltv < 0n) {
      throw new InvalidParameterError(`${field}.initialLtvBps`, 'must be a non-negative bigint (bps)');
    }
    if (ltv > lt) {
      throw new InvalidParameterError(
        `${field}.initialLtvBps`,
        `${ltv} bps exceeds the liquidation threshold ${lt} bps`,
        'A position must stop borrowing before it can be liquidated: keep initialLtvBps ≤ liquidationThresholdBps.',
      );
    }
  });
  account.debt.forEach((line, i) => {
    requireLine(`debt[${i}]`, line);
  });
}

function requireDropBps(dropBps: bigint): void {
  if (typeof dropBps !== 'bigint' || dropBps < 0n || dropBps > BPS) {
    throw new InvalidParameterError('dropBps', 'must be a bigint in 0..10000 bps');
  }
}

// ---------------------------------------------------------------------------------------------
// Exact sums. Every line's USD value is amount·price / 10^(decimals + priceDecimals); over a set of
// lines we bring them to the common denominator 10^exp (exp = the largest decimals + priceDecimals)
// so that a sum is one exact integer numerator and is rounded once.

type Priced = Pick<DebtLine, 'amount' | 'decimals' | 'price' | 'priceDecimals'>;

function commonExponent(lines: readonly Priced[]): number {
  let exp = 0;
  for (const line of lines) exp = Math.max(exp, line.decimals + line.priceDecimals);
  return exp;
}

/** USD value of a line times 10^exp, exact (exp ≥ decimals + priceDecimals). */
function scaledValue(line: Priced, exp: number): bigint {
  return line.amount * line.price * pow10(exp - line.decimals - line.priceDecimals);
}

function debtValueOf(debt: readonly DebtLine[]): bigint {
  const exp = commonExponent(debt);
  let scaled = 0n;
  for (const line of debt) scaled += scaledValue(line, exp);
  // ceil: a debt is never under-counted, which favours the protocol.
  return mulDiv(scaled, WAD, pow10(exp), Rounding.Up);
}

interface CollateralSums {
  readonly exp: number;
  /** Σ value · 10^exp. */
  readonly valueScaled: bigint;
  /** Σ value · LT(bps) · 10^exp. */
  readonly weightedScaled: bigint;
  /** Σ value · LTV(bps) · 10^exp. */
  readonly capacityScaled: bigint;
}

function collateralSums(collateral: readonly CollateralLine[]): CollateralSums {
  const exp = commonExponent(collateral);
  let valueScaled = 0n;
  let weightedScaled = 0n;
  let capacityScaled = 0n;
  for (const line of collateral) {
    const s = scaledValue(line, exp);
    valueScaled += s;
    weightedScaled += s * line.liquidationThresholdBps;
    capacityScaled += s * line.initialLtvBps;
  }
  return { exp, valueScaled, weightedScaled, capacityScaled };
}

function valuesOf(account: MarginAccount): AccountValues {
  const sums = collateralSums(account.collateral);
  const unit = pow10(sums.exp);
  return {
    // floor: collateral is never over-counted, which favours the protocol.
    collateralValueWad: mulDiv(sums.valueScaled, WAD, unit, Rounding.Down),
    debtValueWad: debtValueOf(account.debt),
    // floor (favours the protocol): the bps factor is divided out in the same single rounding.
    weightedCollateralWad: mulDiv(sums.weightedScaled, WAD, unit * BPS, Rounding.Down),
    borrowCapacityWad: mulDiv(sums.capacityScaled, WAD, unit * BPS, Rounding.Down),
  };
}

// ---------------------------------------------------------------------------------------------
// Public calculus

/**
 * USD value of `amount` tokens at `price`, scaled by 1e18 (WAD), with one exact rounding:
 * amount · price · 1e18 / 10^(decimals + priceDecimals).
 * @param amount smallest token units (≥ 0)
 * @param decimals token decimals, 0..77
 * @param price USD per whole token scaled by 10^priceDecimals (≥ 0)
 * @param priceDecimals 0..77
 * @param rounding Down for what the protocol holds (collateral), Up for what it is owed (debt)
 * @throws InvalidParameterError on a negative amount or price or decimals out of range;
 *   OverflowError when the value exceeds 2^256 − 1.
 */
export function valueWad(
  amount: bigint,
  decimals: number,
  price: bigint,
  priceDecimals: number,
  rounding: Rounding,
): bigint {
  requireUnsignedInt('amount', amount);
  requireDecimals('decimals', decimals);
  requireUnsignedInt('price', price);
  requireDecimals('priceDecimals', priceDecimals);
  // The caller names the rounding, and with it who it favours.
  return mulDiv(amount * price, WAD, pow10(decimals + priceDecimals), rounding);
}

/**
 * The account's four sums in USD WAD. Each is the exact sum of the exact line values, rounded
 * once: collateral, weighted collateral (Σ value·LT) and borrow capacity (Σ value·LTV) down, debt
 * up, all in the protocol's favour. Because the rounding happens after the sum, a sum can exceed
 * the sum of the individually rounded {@link valueWad}s by less than one unit per line.
 * @throws InvalidParameterError (see {@link validateMarginAccount}); OverflowError when a sum
 *   exceeds 2^256 − 1.
 */
export function accountValues(account: MarginAccount): AccountValues {
  validateMarginAccount(account);
  return valuesOf(account);
}

/**
 * Collateral value over debt value, C·1e18 / D floored (WAD; 1.5e18 = 150 %), capped at 2^256 − 1.
 * `null` when the debt value is 0 (no debt, or debt priced at 0).
 * @throws InvalidParameterError; OverflowError (see {@link accountValues}).
 */
export function collateralRatioWad(account: MarginAccount): bigint | null {
  const { collateralValueWad, debtValueWad } = accountValues(account);
  if (debtValueWad === 0n) return null;
  // floor: the ratio is never overstated, which favours the protocol.
  const ratio = divRound(collateralValueWad * WAD, debtValueWad, Rounding.Down);
  return min(ratio, MAX_UINT256);
}

/** W alone (as {@link valuesOf} computes it), for the health checks that need nothing else. */
function weightedCollateralOf(collateral: readonly CollateralLine[]): bigint {
  const exp = commonExponent(collateral);
  let weightedScaled = 0n;
  for (const line of collateral) weightedScaled += scaledValue(line, exp) * line.liquidationThresholdBps;
  // floor: collateral is never over-counted, which favours the protocol.
  return mulDiv(weightedScaled, WAD, pow10(exp) * BPS, Rounding.Down);
}

function healthOf(account: MarginAccount): bigint {
  validateMarginAccount(account);
  const debtValueWad = debtValueOf(account.debt);
  if (debtValueWad === 0n) return MAX_HEALTH;
  // floor: health is never overstated, which favours the protocol.
  const health = divRound(weightedCollateralOf(account.collateral) * WAD, debtValueWad, Rounding.Down);
  return min(health, MAX_HEALTH);
}

/**
 * Health factor in WAD: W·1e18 / D floored, where W = Σ value·LT (floored) and D = Σ debt value
 * (ceiled), as Aave's GenericLogic.calculateUserAccountData defines it (aave-dao/aave-v3-origin
 * src/contracts/protocol/libraries/logic/GenericLogic.sol) but with one rounding per sum.
 * {@link MAX_HEALTH} when the debt value is 0; capped at MAX_HEALTH otherwise.
 * @throws InvalidParameterError; OverflowError (see {@link accountValues}).
 */
export function healthFactorWad(account: MarginAccount): bigint {
  return healthOf(account);
}

/**
 * Whether the account can be liquidated: health < 1e18, strictly; equality is safe, as in Aave
 * (ValidationLogic.validateLiquidationCall, HF < HEALTH_FACTOR_LIQUIDATION_THRESHOLD) and Maker
 * (makerdao/dss dog.sol bark: ink·spot < art·rate). Since health is floored, this is exactly
 * W < D on the rounded sums.
 * @throws InvalidParameterError; OverflowError (see {@link accountValues}).
 */
export function isLiquidatable(account: MarginAccount): boolean {
  return healthOf(account) < WAD;
}

/**
 * Initial and maintenance margin of the account, as collateral values in USD WAD, and the signed
 * excess over each. The requirement is expressed for the account's own collateral mix:
 * - maintenanceWad = ceil(D · Σ value / Σ value·LT) = ceil(D / avgLT),
 * - initialWad = ceil(D · Σ value / Σ value·LTV) = ceil(D / avgLTV),
 * with D the rounded debt value and the value-weighted averages exact. Ceil favours the protocol
 * (it asks for more). Then C ≥ maintenanceWad implies the account is not liquidatable, and a
 * non-liquidatable account has C + 1 ≥ maintenanceWad (the 1 is the two roundings); likewise for
 * initialWad and excessInitialWad ≥ 0. A requirement is 0 without debt and `null` when there is
 * debt but the mix has no weight (every LT, resp. LTV, times value is 0).
 * - excessMaintenanceWad = W − D, excessInitialWad = B − D (signed, on the rounded sums).
 * @throws InvalidParameterError; OverflowError (see {@link accountValues}).
 */
export function requiredMarginsWad(account: MarginAccount): RequiredMargins {
  const values = accountValues(account);
  const sums = collateralSums(account.collateral);
  const d = values.debtValueWad;
  // ceil: the requirement is never understated, which favours the protocol.
  const required = (weightedScaled: bigint): bigint | null => {
    if (d === 0n) return 0n;
    if (weightedScaled === 0n) return null;
    return divRound(d * BPS * sums.valueScaled, weightedScaled, Rounding.Up);
  };
  return {
    initialWad: required(sums.capacityScaled),
    maintenanceWad: required(sums.weightedScaled),
    excessInitialWad: values.borrowCapacityWad - d,
    excessMaintenanceWad: values.weightedCollateralWad - d,
  };
}

/**
 * Returns the price (in that asset's priceDecimals) its collateral lines share, after checking
 * that the asset is collateral of the account, not borrowed, and priced one way on every line.
 */
function collateralOnlyPrice(account: MarginAccount, asset: string): bigint {
  requireAsset('asset', asset);
  let first: CollateralLine | undefined;
  let firstIndex = -1;
  account.collateral.forEach((line, i) => {
    if (line.asset !== asset) return;
    if (first === undefined) {
      first = line;
      firstIndex = i;
      return;
    }
    if (line.priceDecimals !== first.priceDecimals) {
      throw new InvalidParameterError(
        `collateral[${i}].priceDecimals`,
        `differs from collateral[${firstIndex}].priceDecimals for the same asset ${asset}`,
      );
    }
    if (line.price !== first.price) {
      throw new InvalidParameterError(
        `collateral[${i}].price`,
        `differs from collateral[${firstIndex}].price for the same asset ${asset}`,
      );
    }
  });
  if (first === undefined) {
    throw new InvalidParameterError('asset', `${asset} is not a collateral of the account`);
  }
  // A debt line of the asset with amount 0 is worth 0 at any price, so it does not count.
  if (account.debt.some((line) => line.asset === asset && line.amount > 0n))
    throw new CollateralIsAlsoDebtError(asset);
  return first.price;
}

/**
 * Liquidation price of one collateral with every other price fixed, in that asset's
 * priceDecimals: the largest price L ≤ 2^256 − 1 at which the account is liquidatable. Every price
 * ≤ L makes it liquidatable and every price > L does not, exactly (health is non-decreasing in
 * the price). Derivation (own): W is the floor of the exact Σ value·LT and D an integer, so the
 * account is liquidatable iff the exact Σ value·LT < D, which for price p is a linear condition
 * A + K·p < R (A the other lines' part, K the asset's amount·LT over its scales, R from D); the
 * largest such integer p is floor((R − A − 1) / K). The statement holds at every price the other
 * functions accept (one that pushes a sum past 2^256 − 1 is refused there with OverflowError).
 * - `null` when no price makes it liquidatable (it is not liquidatable even at price 0: no debt,
 *   or the other collateral alone covers the debt);
 * - 2^256 − 1 when every price does (the asset carries no weight: LT 0 or amount 0, and the rest
 *   does not cover the debt).
 * Lines of the same asset are summed; they must share price and priceDecimals.
 * @throws InvalidParameterError (invalid account, asset not collateral, lines of it priced
 *   differently); CollateralIsAlsoDebtError when the account also owes the asset; OverflowError.
 */
export function liquidationPrice(account: MarginAccount, asset: string): bigint | null {
  validateMarginAccount(account);
  collateralOnlyPrice(account, asset);
  const exp = commonExponent(account.collateral);
  let othersScaled = 0n;
  let slope = 0n;
  for (const line of account.collateral) {
    if (line.asset === asset) {
      slope += line.amount * line.liquidationThresholdBps * pow10(exp - line.decimals - line.priceDecimals);
    } else {
      othersScaled += scaledValue(line, exp) * line.liquidationThresholdBps;
    }
  }
  // Liquidatable at price p  <=>  (othersScaled + slope·p)·WAD < D·10^exp·BPS.
  const room = debtValueOf(account.debt) * pow10(exp) * BPS - othersScaled * WAD;
  if (room <= 0n) return null;
  if (slope === 0n) return MAX_UINT256;
  // The largest p with p·slope·WAD ≤ room − 1: Down is the boundary itself, not a favour.
  const price = divRound(room - 1n, slope * WAD, Rounding.Down);
  return min(price, MAX_UINT256);
}

/**
 * The account with collateral prices dropped by `dropBps`: each price becomes
 * floor(price · (10000 − dropBps) / 10000), the floor favouring the protocol (the stressed price is
 * never above the exact drop). With `asset`, only that asset's collateral lines move; without, every
 * collateral line does. Debt lines keep their prices (an asset that is also borrowed keeps its debt
 * price). Returns a new account; the input is not mutated.
 * @param dropBps 0..10000
 * @throws InvalidParameterError (invalid account, `dropBps` out of range, `asset` not collateral).
 */
export function applyCollateralPriceDropBps(
  account: MarginAccount,
  dropBps: bigint,
  asset?: string,
): MarginAccount {
  validateMarginAccount(account);
  requireDropBps(dropBps);
  if (asset !== undefined && !account.collateral.some((line) => line.asset === asset)) {
    throw new InvalidParameterError('asset', `${asset} is not a collateral of the account`);
  }
  return {
    collateral: account.collateral.map((line) =>
      asset === undefined || line.asset === asset
        ? { ...line, price: mulDiv(line.price, BPS - dropBps, BPS, Rounding.Down) }
        : line,
    ),
    debt: [...account.debt],
  };
}

/**
 * Distance to liquidation: the smallest whole number of bps d in 0..10000 such that dropping
 * every collateral price by d (as {@link applyCollateralPriceDropBps} does, prices floored, debt
 * prices fixed) makes the account liquidatable. So after a drop of d the account is liquidatable
 * and after d − 1 it is not, exactly. 0 when already liquidatable; `null` when the debt value is 0.
 * It is at most ceil of the exact real drop 1 − D/W in bps (the price floors can only bring it
 * forward). Found by bisection over 0..10000 (14 steps), exact because liquidatability only grows
 * with d.
 * @throws InvalidParameterError; OverflowError (see {@link accountValues}).
 */
export function distanceToLiquidationBps(account: MarginAccount): bigint | null {
  const values = accountValues(account);
  if (values.debtValueWad === 0n) return null;
  const exp = commonExponent(account.collateral);
  // Per line: weight = amount · LT · WAD · 10^(exp − decimals − priceDecimals), times the price.
  const terms = account.collateral.map((line) => ({
    weight:
      line.amount * line.liquidationThresholdBps * WAD * pow10(exp - line.decimals - line.priceDecimals),
    price: line.price,
  }));
  // Liquidatable  <=>  W < D  <=>  Σ weight·price < D·10^exp·BPS (W is the floor of the left side / 10^exp·BPS).
  const target = values.debtValueWad * pow10(exp) * BPS;
  const liquidatableAfter = (dropBps: bigint): boolean => {
    let weighted = 0n;
    for (const term of terms) {
      // floor: the same stressed price applyCollateralPriceDropBps produces (favours the protocol).
      weighted += term.weight * mulDiv(term.price, BPS - dropBps, BPS, Rounding.Down);
    }
    return weighted < target;
  };
  if (liquidatableAfter(0n)) return 0n;
  // Invariant: not liquidatable after `low`, liquidatable after `high` (all prices 0: W = 0 < D).
  let low = 0n;
  let high = BPS as bigint;
  assert(liquidatableAfter(high), 'an account with debt and worthless collateral is liquidatable');
  while (high - low > 1n) {
    const mid = (low + high) / 2n;
    if (liquidatableAfter(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * Distance to liquidation in one collateral: the smallest whole number of bps d in 0..10000 such
 * that dropping that asset's price by d (floored, as {@link applyCollateralPriceDropBps} does,
 * other prices fixed) makes the account liquidatable; after d − 1 it is not. 0 when already
 * liquidatable; `null` when even a price of 0 does not make it liquidatable (no debt, or the other
 * collateral covers the debt). Closed form from L = {@link liquidationPrice}: the smallest d with
 * floor(p·(10000 − d)/10000) ≤ L, i.e. d = 10001 − ceil(10000·(L + 1) / p).
 * @throws as {@link liquidationPrice}.
 */
export function distanceToLiquidationByAssetBps(account: MarginAccount, asset: string): bigint | null {
  const limit = liquidationPrice(account, asset);
  if (limit === null) return null;
  const price = collateralOnlyPrice(account, asset);
  if (price <= limit) return 0n;
  // floor(p·(BPS − d)/BPS) ≤ L  <=>  p·(BPS − d) < BPS·(L + 1)  <=>  d > BPS − BPS·(L + 1)/p.
  // Up makes the bound exact (the smallest integer d strictly above it), not a favour.
  const dropBps = BPS + 1n - divRound(BPS * (limit + 1n), price, Rounding.Up);
  assert(dropBps >= 1n && dropBps <= BPS, `distance ${dropBps} bps out of 1..10000`);
  return dropBps;
}
