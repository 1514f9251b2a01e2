/**
 * Aave v3's WadRayMath and PercentageMath, with the half-up originals (every version) beside the
 * floor and ceil variants that v3.5+ introduced (aave-dao/aave-v3-origin
 * src/contracts/protocol/libraries/math/{WadRayMath,PercentageMath}.sol). Each refuses exactly what
 * the contract's assembly guard reverts on, which is an overflow of the 256-bit intermediate
 * (`a·b + half` or `a·b`), not of the result: here that is an {@link OverflowError}.
 */
import { DivisionByZeroError } from './errors.js';
import { divRound, Rounding, requireUint256, requireUnsigned } from './mulDiv.js';
import { BPS, RAY, WAD } from './units.js';

const WAD_RAY_RATIO = 10n ** 9n;

/**
 * `x · y / d` as the Aave assembly computes it: the guard refuses `x·y + bias > 2^256 − 1`, where
 * the bias is the half-up addend (`HALF_WAD`, `HALF_RAY`, `HALF_PERCENTAGE_FACTOR`, or `b / 2` in a
 * division, all equal to floor(d / 2)) and 0 for the Floor and Ceil variants. Within the guard the
 * contract's result is the exactly rounded quotient.
 */
function aaveMulDiv(operation: string, x: bigint, y: bigint, d: bigint, rounding: Rounding): bigint {
  requireUnsigned(operation, x, y, d);
  if (d === 0n) throw new DivisionByZeroError(operation);
  const bias = rounding === Rounding.HalfUp ? d / 2n : 0n;
  const product = x * y;
  requireUint256(operation, product + bias);
  return divRound(product, d, rounding);
}

/**
 * `value × percentage / 1e4`, half-up (PercentageMath.percentMul). `value` in any scale (result
 * has the same), `percentageBps` in bps (1e4 = 100 %).
 * @throws NegativeValueError; OverflowError when value·percentage + 5000 > 2^256 − 1.
 */
export const percentMul = (value: bigint, percentageBps: bigint): bigint =>
  aaveMulDiv('percentMul', value, percentageBps, BPS, Rounding.HalfUp);
/**
 * `value × percentage / 1e4`, floored (PercentageMath.percentMulFloor, v3.5+).
 * @throws NegativeValueError; OverflowError when value·percentage > 2^256 − 1.
 */
export const percentMulFloor = (value: bigint, percentageBps: bigint): bigint =>
  aaveMulDiv('percentMulFloor', value, percentageBps, BPS, Rounding.Down);
/**
 * `value × percentage / 1e4`, ceiled (PercentageMath.percentMulCeil, v3.5+).
 * @throws NegativeValueError; OverflowError when value·percentage > 2^256 − 1.
 */
export const percentMulCeil = (value: bigint, percentageBps: bigint): bigint =>
  aaveMulDiv('percentMulCeil', value, percentageBps, BPS, Rounding.Up);

/**
 * `value × 1e4 / percentage`, half-up (PercentageMath.percentDiv). `percentageBps` in bps.
 * @throws NegativeValueError; DivisionByZeroError when percentage = 0; OverflowError when
 * value·1e4 + floor(percentage/2) > 2^256 − 1.
 */
export const percentDiv = (value: bigint, percentageBps: bigint): bigint =>
  aaveMulDiv('percentDiv', value, BPS, percentageBps, Rounding.HalfUp);
/**
 * `value × 1e4 / percentage`, floored (PercentageMath.percentDivFloor in the releases that have
 * it; same guard as percentDivCeil).
 * @throws NegativeValueError; DivisionByZeroError when percentage = 0; OverflowError when
 * value·1e4 > 2^256 − 1.
 */
export const percentDivFloor = (value: bigint, percentageBps: bigint): bigint =>
  aaveMulDiv('percentDivFloor', value, BPS, percentageBps, Rounding.Down);
/**
 * `value × 1e4 / percentage`, ceiled (PercentageMath.percentDivCeil, v3.5+).
 * @throws NegativeValueError; DivisionByZeroError when percentage = 0; OverflowError when
 * value·1e4 > 2^256 − 1.
 */
export const percentDivCeil = (value: bigint, percentageBps: bigint): bigint =>
  aaveMulDiv('percentDivCeil', value, BPS, percentageBps, Rounding.Up);

/**
 * `a × b / 1e18`, half-up (WadRayMath.wadMul). `a`, `b` WADs (or any scale times a WAD).
 * @throws NegativeValueError; OverflowError when a·b + 0.5e18 > 2^256 − 1.
 */
export const wadMul = (a: bigint, b: bigint): bigint => aaveMulDiv('wadMul', a, b, WAD, Rounding.HalfUp);
/**
 * `a × b / 1e18`, floored. Aave has no wadMulFloor; this follows rayMulFloor's guard.
 * @throws NegativeValueError; OverflowError when a·b > 2^256 − 1.
 */
export const wadMulFloor = (a: bigint, b: bigint): bigint =>
  aaveMulDiv('wadMulFloor', a, b, WAD, Rounding.Down);
/**
 * `a × b / 1e18`, ceiled. Aave has no wadMulCeil; this follows rayMulCeil's guard.
 * @throws NegativeValueError; OverflowError when a·b > 2^256 − 1.
 */
export const wadMulCeil = (a: bigint, b: bigint): bigint => aaveMulDiv('wadMulCeil', a, b, WAD, Rounding.Up);
/**
 * `a × 1e18 / b`, half-up (WadRayMath.wadDiv).
 * @throws NegativeValueError; DivisionByZeroError when b = 0; OverflowError when
 * a·1e18 + floor(b/2) > 2^256 − 1.
 */
export const wadDiv = (a: bigint, b: bigint): bigint => aaveMulDiv('wadDiv', a, WAD, b, Rounding.HalfUp);
/**
 * `a × 1e18 / b`, floored. Aave has no wadDivFloor; this follows rayDivFloor's guard.
 * @throws NegativeValueError; DivisionByZeroError when b = 0; OverflowError when a·1e18 > 2^256 − 1.
 */
export const wadDivFloor = (a: bigint, b: bigint): bigint =>
  aaveMulDiv('wadDivFloor', a, WAD, b, Rounding.Down);
/**
 * `a × 1e18 / b`, ceiled. Aave has no wadDivCeil; this follows rayDivCeil's guard.
 * @throws NegativeValueError; DivisionByZeroError when b = 0; OverflowError when a·1e18 > 2^256 − 1.
 */
export const wadDivCeil = (a: bigint, b: bigint): bigint => aaveMulDiv('wadDivCeil', a, WAD, b, Rounding.Up);

/**
 * `a × b / 1e27`, half-up (WadRayMath.rayMul). `a`, `b` RAYs (or any scale times a RAY index).
 * @throws NegativeValueError; OverflowError when a·b + 0.5e27 > 2^256 − 1.
 */
export const rayMul = (a: bigint, b: bigint): bigint => aaveMulDiv('rayMul', a, b, RAY, Rounding.HalfUp);
/**
 * `a × b / 1e27`, floored (WadRayMath.rayMulFloor, v3.5+).
 * @throws NegativeValueError; OverflowError when a·b > 2^256 − 1.
 */
export const rayMulFloor = (a: bigint, b: bigint): bigint =>
  aaveMulDiv('rayMulFloor', a, b, RAY, Rounding.Down);
/**
 * `a × b / 1e27`, ceiled (WadRayMath.rayMulCeil, v3.5+).
 * @throws NegativeValueError; OverflowError when a·b > 2^256 − 1.
 */
export const rayMulCeil = (a: bigint, b: bigint): bigint => aaveMulDiv('rayMulCeil', a, b, RAY, Rounding.Up);
/**
 * `a × 1e27 / b`, half-up (WadRayMath.rayDiv).
 * @throws NegativeValueError; DivisionByZeroError when b = 0; OverflowError when
 * a·1e27 + floor(b/2) > 2^256 − 1.
 */
export const rayDiv = (a: bigint, b: bigint): bigint => aaveMulDiv('rayDiv', a, RAY, b, Rounding.HalfUp);
/**
 * `a × 1e27 / b`, floored (WadRayMath.rayDivFloor, v3.5+).
 * @throws NegativeValueError; DivisionByZeroError when b = 0; OverflowError when a·1e27 > 2^256 − 1.
 */
export const rayDivFloor = (a: bigint, b: bigint): bigint =>
  aaveMulDiv('rayDivFloor', a, RAY, b, Rounding.Down);
/**
 * `a × 1e27 / b`, ceiled (WadRayMath.rayDivCeil, v3.5+).
 * @throws NegativeValueError; DivisionByZeroError when b = 0; OverflowError when a·1e27 > 2^256 − 1.
 */
export const rayDivCeil = (a: bigint, b: bigint): bigint => aaveMulDiv('rayDivCeil', a, RAY, b, Rounding.Up);

/**
 * A RAY cast down to a WAD, half-up (WadRayMath.rayToWad): `a / 1e9` rounded to nearest, ties up.
 * Never overflows.
 * @throws NegativeValueError when a < 0.
 */
export function rayToWad(a: bigint): bigint {
  requireUnsigned('rayToWad', a);
  return divRound(a, WAD_RAY_RATIO, Rounding.HalfUp);
}

/**
 * A WAD widened to a RAY, exactly (WadRayMath.wadToRay): `a × 1e9`.
 * @throws NegativeValueError when a < 0; OverflowError when a·1e9 > 2^256 − 1.
 */
export function wadToRay(a: bigint): bigint {
  requireUnsigned('wadToRay', a);
  return requireUint256('wadToRay', a * WAD_RAY_RATIO);
}
