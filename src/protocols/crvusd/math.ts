/**
 * The integer formulas of crvUSD (LLAMMA + Controller) as small pure functions, each ported from
 * curvefi/curve-stablecoin (contracts/AMM.vy, contracts/Controller.vy, contracts/ControllerFactory.vy,
 * V1 mint-market code, commit 58289a4) with the contract's own rounding: Vyper's `/` and
 * `unsafe_div` floor unsigned operands and truncate signed ones toward zero (EVM `sdiv`), which is
 * exactly what JavaScript's bigint `/` does, so every division below is written as a bare `/` with
 * a comment naming its rounding and who it favours.
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import { MAX_UINT256 } from '../../math/units.js';

/** 1e18: the scale of prices, fractions and internal AMM amounts. */
export const WAD = 10n ** 18n;
/** Fewest bands a loan may use (Controller `MIN_TICKS`). */
export const MIN_TICKS = 4;
/** Most bands a loan may use, and most bands one swap may touch (`MAX_TICKS`). */
export const MAX_TICKS = 50;
/** Empty bands a deposit or a swap may skip (`MAX_SKIP_TICKS`). */
export const MAX_SKIP_TICKS = 1024;
/** Virtual shares added to every band's share count (AMM/Controller `DEAD_SHARES`). */
export const DEAD_SHARES = 1000n;
/** Controller `MAX_LOAN_DISCOUNT` (50 %). */
export const MAX_LOAN_DISCOUNT = 5n * 10n ** 17n;
/** Controller `MIN_LIQUIDATION_DISCOUNT` (1 %). */
export const MIN_LIQUIDATION_DISCOUNT = 10n ** 16n;
/** ControllerFactory `MIN_A` / `MAX_A`. */
export const MIN_A = 2n;
export const MAX_A = 10_000n;
/** ControllerFactory `MAX_FEE` (10 %, exclusive) and `MAX_ADMIN_FEE` (100 %, exclusive). */
export const MAX_FEE = 10n ** 17n;
export const MAX_ADMIN_FEE = 10n ** 18n;
/** Largest magnitude of a band share count (`assert s <= 2**128 - 1`). */
export const MAX_SHARES = (1n << 128n) - 1n;

/** Vyper checked subtraction: the contract reverts (no reason string) when it would underflow. */
export function checkedSub(a: bigint, b: bigint, where: string): bigint {
  if (a < b) {
    throw new ProtocolRevertError(`${where}: underflow`, 'The contract would revert on this arithmetic.', {
      a: a.toString(),
      b: b.toString(),
    });
  }
  return a - b;
}

/** Vyper `isqrt`: floor of the square root of `x ≥ 0`. */
export function isqrt(x: bigint): bigint {
  if (x < 0n) throw new ProtocolRevertError('isqrt: negative', 'isqrt takes uint256.');
  if (x < 2n) return x;
  // Newton from above: x_{k+1} = (x_k + n / x_k) / 2 decreases to floor(sqrt(n)).
  let r = 1n << (BigInt(x.toString(2).length + 1) / 2n);
  for (;;) {
    const next = (r + x / r) / 2n; // floor both: the iteration converges to the floor from above
    if (next >= r) return r;
    r = next;
  }
}

/**
 * ControllerFactory `ln_int(x)`: 1e18·ln(x/1e18) for x ≥ 1e18, by 8 integer and 59 fractional
 * binary digits of log2, then ÷ 1e18·log2(e) = 1442695040888963328 (every division floors, so the
 * result is at most a few wei below the true value). Used once per market for `LOG_A_RATIO`.
 */
export function lnInt(x: bigint): bigint {
  let v = x;
  let res = 0n;
  for (let i = 0n; i < 8n; i++) {
    const t = 2n ** (7n - i);
    const p = 2n ** t;
    if (v >= p * WAD) {
      v /= p; // floor: drops bits below the binary point
      res += t * WAD;
    }
  }
  let d = WAD;
  for (let i = 0; i < 59; i++) {
    if (v >= 2n * WAD) {
      res += d;
      v /= 2n; // floor
    }
    v = (v * v) / WAD; // floor
    d /= 2n; // floor
  }
  return (res * WAD) / 1442695040888963328n; // floor
}

/**
 * Controller `log2(x)`: 1e18·log2(x/1e18), signed (an `x` below 1e18 is inverted to 1e36/x, floor,
 * and the result negated), with 8 integer and 34 fractional binary digits. Used for `LOG2_A_RATIO`
 * and for the band of a new loan.
 */
export function log2Int(x: bigint): bigint {
  const inverse = x < WAD;
  let v = inverse ? 10n ** 36n / x : x; // floor
  let res = 0n;
  let t = 128n;
  for (let i = 0; i < 8; i++) {
    const p = 2n ** t;
    if (v >= p * WAD) {
      v /= p; // floor
      res += t * WAD;
    }
    t /= 2n;
  }
  let d = WAD;
  for (let i = 0; i < 34; i++) {
    if (v >= 2n * WAD) {
      res += d;
      v /= 2n; // floor
    }
    v = (v * v) / WAD; // floor
    d /= 2n; // floor
  }
  return inverse ? -res : res;
}

/** Lower bound (exclusive) of the exponent of {@link llammaExp}: `assert power > -42139678854452767551`. */
export const EXP_POWER_MIN = -42139678854452767551n;
/** Upper bound (exclusive) of the exponent: `assert power < 135305999368893231589`. */
export const EXP_POWER_MAX = 135305999368893231589n;

/**
 * e^(power/1e18)·1e18 as AMM.vy `_p_oracle_up` computes it inline (solmate's `expWad` rational
 * approximation, with Vyper's truncating signed divisions in place of solmate's arithmetic shifts).
 * @param powerWad the exponent, 1e18-scaled, in (EXP_POWER_MIN, EXP_POWER_MAX).
 * @throws ProtocolRevertError outside that range (the contract's bare `assert`).
 */
export function llammaExp(powerWad: bigint): bigint {
  if (powerWad <= EXP_POWER_MIN || powerWad >= EXP_POWER_MAX) {
    throw new ProtocolRevertError(
      'AMM._p_oracle_up: exp power out of range',
      'The band is too far from the base price for the AMM to price it.',
      { power: powerWad.toString() },
    );
  }
  const Q96 = 1n << 96n;
  const LN2_Q96 = 54916777467707473351141471128n;
  // Truncating divisions throughout (EVM sdiv), as the Vyper port writes them with unsafe_div.
  let x = (powerWad * Q96) / WAD;
  const k = ((x * Q96) / LN2_Q96 + (1n << 95n)) / Q96;
  x -= k * LN2_Q96;
  let y = x + 1346386616545796478920950773328n;
  y = (y * x) / Q96 + 57155421227552351082224309758442n;
  let p = y + x - 94201549194550492254356042504812n;
  p = (p * y) / Q96 + 28719021644029726153956944680412240n;
  p = p * x + 4385272521454847904659076985693276n * Q96;
  let q = x - 2855989394907223263936484059900n;
  q = (q * x) / Q96 + 50020603652535783019961831881945n;
  q = (q * x) / Q96 - 533845033583426703283633433725380n;
  q = (q * x) / Q96 + 3604857256930695427073651918091429n;
  q = (q * x) / Q96 - 14423608567350463180887372962807573n;
  q = (q * x) / Q96 + 26449188498355588339934803723976023n;
  const r = p / q; // truncating; positive for every power in range
  // unsafe_mul on uint256 wraps; in range the product stays below 2^256.
  const scaled = (r * 3822833074963236453042738258902158003155416615667n) & MAX_UINT256;
  const shift = k - 195n;
  return shift >= 0n ? (scaled << shift) & MAX_UINT256 : scaled >> -shift; // logical shift right = floor
}

/**
 * AMM `_p_oracle_up(n)` = base_price·((A−1)/A)^n = base_price·exp(−n·LOG_A_RATIO), floor.
 * @param basePriceWad `_base_price()` (1e18-scaled crvUSD per collateral; the interest multiplier is
 *   1 in this model).
 * @param logARatioWad `LOG_A_RATIO` = ln_int(1e18·A/(A−1)).
 */
export function pOracleUp(basePriceWad: bigint, logARatioWad: bigint, n: number): bigint {
  const exp = llammaExp(-BigInt(n) * logARatioWad);
  return (basePriceWad * exp) / WAD; // floor (unsafe_div): the band edge is never above the ideal one
}

/** Constants the factory and the constructors derive from `A` (ControllerFactory.add_market, AMM/Controller `__init__`). */
export interface BandConstants {
  readonly A: bigint;
  /** A − 1. */
  readonly aMinus1: bigint;
  /** AMM `LOG_A_RATIO` = ln_int(10^18·A/(A−1)) (1e18-scaled ln). */
  readonly logARatio: bigint;
  /** AMM `SQRT_BAND_RATIO` = isqrt(floor(10^18·A/(A−1))·10^18) (1e18-scaled √(A/(A−1))). */
  readonly ammSqrtBandRatio: bigint;
  /** Controller `SQRT_BAND_RATIO` = isqrt(10^36·A/(A−1)). */
  readonly controllerSqrtBandRatio: bigint;
  /** Controller `LOG2_A_RATIO` = log2(A·10^18/(A−1)). */
  readonly log2ARatio: bigint;
}

/** {@link BandConstants} of a market with amplification `A` (2 ≤ A ≤ 10,000). */
export function bandConstants(A: bigint): BandConstants {
  const aMinus1 = A - 1n;
  const aRatio = (WAD * A) / aMinus1; // floor, as ControllerFactory.add_market
  return {
    A,
    aMinus1,
    logARatio: lnInt(aRatio),
    ammSqrtBandRatio: isqrt(aRatio * WAD),
    controllerSqrtBandRatio: isqrt((10n ** 36n * A) / aMinus1), // floor inside, as Controller.__init__
    log2ARatio: log2Int((A * WAD) / aMinus1), // floor inside
  };
}

/**
 * AMM `_get_y0(x, y, p_o, p_o_up)`: the collateral a band would hold with no stablecoin at
 * p = p_o = p_o_up, the root of p_o·A·y0² − y0·(p_up/p_o·(A−1)·x + p_o²/p_up·A·y) − x·y = 0.
 * Every division floors (as the contract). Amounts are internal (1e18-scaled).
 * @throws ProtocolRevertError when p_o = 0 (`assert p_o != 0`).
 */
export function getY0(
  c: BandConstants,
  band: { readonly x: bigint; readonly y: bigint },
  pOracleWad: bigint,
  pOracleUpWad: bigint,
): bigint {
  if (pOracleWad === 0n) throw new ProtocolRevertError('AMM._get_y0: p_o == 0', 'The oracle price is zero.');
  const { x, y } = band;
  let b = 0n;
  if (x !== 0n) b = (pOracleUpWad * c.aMinus1 * x) / pOracleWad; // floor
  if (y !== 0n) b += (((c.A * pOracleWad ** 2n) / pOracleUpWad) * y) / WAD; // floor, floor
  if (x > 0n && y > 0n) {
    const D = b ** 2n + ((4n * c.A * pOracleWad * y) / WAD) * x; // floor
    return ((b + isqrt(D)) * WAD) / (2n * c.A * pOracleWad); // floor
  }
  return (b * WAD) / (c.A * pOracleWad); // floor
}

/** The invariant pieces of one band: (f + x)·(g + y) = Inv (AMM `calc_swap_out`, `get_xy_up`). */
export interface BandCurve {
  readonly y0: bigint;
  readonly f: bigint;
  readonly g: bigint;
  readonly inv: bigint;
}

/**
 * f = A·y0·p_o/p_up·p_o/1e18, g = (A−1)·y0·p_up/p_o and Inv = (f + x)(g + y), every division floored
 * in the contract's order (AMM `calc_swap_out`, `get_xy_up`, `get_amount_for_price`).
 */
export function bandCurve(
  c: BandConstants,
  band: { readonly x: bigint; readonly y: bigint },
  pOracleWad: bigint,
  pOracleUpWad: bigint,
): BandCurve {
  const y0 = getY0(c, band, pOracleWad, pOracleUpWad);
  const f = (((c.A * y0 * pOracleWad) / pOracleUpWad) * pOracleWad) / WAD; // floor, floor
  const g = (c.aMinus1 * y0 * pOracleUpWad) / pOracleWad; // floor
  return { y0, f, g, inv: (f + band.x) * (g + band.y) };
}

/** `p_o²/p_up·p_o/p_up` (floor, floor): the AMM price of a band full of collateral (`p_current_down`). */
export function pCurrentDown(pOracleWad: bigint, pOracleUpWad: bigint): bigint {
  return ((pOracleWad ** 2n / pOracleUpWad) * pOracleWad) / pOracleUpWad; // floor, floor
}

/**
 * AMM `_get_p(n, x, y)`: the AMM's marginal price in band n (1e18-scaled crvUSD per collateral):
 * p_current_down when x = 0, p_current_up when y = 0, mid-band when both are 0, else
 * (f + x·1e18)/(g + y) on the band's curve. Floors throughout, as the contract.
 */
export function bandPrice(
  c: BandConstants,
  band: { readonly x: bigint; readonly y: bigint },
  pOracleWad: bigint,
  pOracleUpWad: bigint,
): bigint {
  const { x, y } = band;
  if (x === 0n) {
    if (y === 0n) return (pCurrentDown(pOracleWad, pOracleUpWad) * c.A) / c.aMinus1; // mid-band, floor
    return pCurrentDown(pOracleWad, pOracleUpWad);
  }
  if (y === 0n) return pCurrentDown(pOracleWad, (pOracleUpWad * c.aMinus1) / c.A); // p_current_up, floor
  const y0 = getY0(c, band, pOracleWad, pOracleUpWad);
  const f = ((c.A * y0 * pOracleWad) / pOracleUpWad) * pOracleWad; // floor
  const g = (c.aMinus1 * y0 * pOracleUpWad) / pOracleWad; // floor
  return (f + x * WAD) / (g + y); // floor
}

/**
 * Controller `get_y_effective(collateral, N, discount)`: collateral (1e18-scaled) discounted by
 * `discount` and by the DEAD_SHARES rounding allowance, spread over N bands and converted at the
 * band mid-prices relative to the top band: Σ_{k<N} d·((A−1)/A)^k with
 * d = collateral·(1 − min(discount + 1000·1e18/max(collateral/N, 1000), 1))/(SQRT_BAND_RATIO·N).
 * Every division floors: the borrower's capacity is never over-stated.
 */
export function yEffective(
  c: BandConstants,
  collateralWad: bigint,
  bands: number,
  discountWad: bigint,
): bigint {
  const N = BigInt(bands);
  const perBand = collateralWad / N; // floor
  const allowance = (DEAD_SHARES * WAD) / (perBand > DEAD_SHARES ? perBand : DEAD_SHARES); // floor
  const cut = discountWad + allowance < WAD ? discountWad + allowance : WAD;
  let d = (collateralWad * (WAD - cut)) / (c.controllerSqrtBandRatio * N); // floor
  let total = d;
  for (let i = 1; i < bands; i++) {
    d = (d * c.aMinus1) / c.A; // floor
    total += d;
  }
  return total;
}

/**
 * Controller `_get_f_remove(frac, health_limit)`: the share of a position's AMM liquidity a partial
 * hard liquidation withdraws, ((1 + h/2)/(1 + h)·(1 − frac) + frac)·frac, or 1e18 for frac ≥ 1e18.
 * Floors (h/2, the ratio, the product): the withdrawn share is never over-stated, which favours the
 * liquidated borrower.
 * @param fracWad fraction of the debt repaid, 1e18 = all.
 * @param healthLimitWad the liquidation discount used as health limit (0 for self-liquidation).
 */
export function fRemove(fracWad: bigint, healthLimitWad: bigint): bigint {
  if (fracWad >= WAD) return WAD;
  const ratio = ((WAD + healthLimitWad / 2n) * (WAD - fracWad)) / (WAD + healthLimitWad); // floor, floor
  return ((ratio + fracWad) * fracWad) / WAD; // floor
}

/**
 * The first part of Controller `_health`: x_down·(1 − discount)/debt − 1 (1e18-scaled, signed).
 * The quotient is truncated toward zero before 1e18 is subtracted (EVM sdiv on a non-negative
 * product), so a health just below 0 rounds down, never up to 0.
 * @param xDown AMM `get_x_down(user)`, stablecoin units (1e18).
 * @param debt the loan's debt (> 0).
 * @throws ProtocolRevertError `Loan doesn't exist` when debt is 0.
 */
export function healthFromXDown(input: {
  readonly xDown: bigint;
  readonly debt: bigint;
  readonly liquidationDiscountWad: bigint;
}): bigint {
  if (input.debt <= 0n) {
    throw new ProtocolRevertError("Loan doesn't exist", 'Health is only defined for an open loan.');
  }
  const factor = WAD - input.liquidationDiscountWad;
  return (input.xDown * factor) / input.debt - WAD; // truncation of a non-negative quotient = floor
}

/**
 * The `full=True` addition of Controller `_health`, when the loan is above the active band and the
 * oracle price is above its top band: (p_o − p_up)·y·COLLATERAL_PRECISION/debt, floor (0 otherwise).
 * @param collateral the user's collateral in the AMM (`get_sum_xy(user)[1]`, native units).
 */
export function healthFullBonus(input: {
  readonly pOracleWad: bigint;
  readonly pUpWad: bigint;
  readonly collateral: bigint;
  readonly collateralPrecision: bigint;
  readonly debt: bigint;
}): bigint {
  if (input.pOracleWad <= input.pUpWad) return 0n;
  return ((input.pOracleWad - input.pUpWad) * input.collateral * input.collateralPrecision) / input.debt; // floor
}

/**
 * An oracle reading (price·10^priceDecimals) as the 1e18-scaled price LLAMMA reads from its price
 * oracle. Exact for priceDecimals ≤ 18; floors (in the borrower's disfavour by < 1e-18) above.
 */
export function priceToWad(price: bigint, priceDecimals: number): bigint {
  if (priceDecimals <= 18) return price * 10n ** BigInt(18 - priceDecimals);
  return price / 10n ** BigInt(priceDecimals - 18); // floor
}
