/**
 * Aave v3's WadRayMath and PercentageMath, with the half-up originals (every version) beside the
 * floor and ceil variants that v3.5+ introduced (aave-dao/aave-v3-origin
 * src/contracts/protocol/libraries/math/{WadRayMath,PercentageMath}.sol). Each reverts on uint256
 * overflow in the contract; here that is an {@link OverflowError}.
 */
import { mulDiv, Rounding } from './mulDiv.js';
import { BPS, RAY, WAD } from './units.js';

/** `value × percentage / 1e4`, half-up (PercentageMath.percentMul). `percentage` in bps. */
export const percentMul = (value: bigint, percentageBps: bigint): bigint =>
  mulDiv(value, percentageBps, BPS, Rounding.HalfUp);
/** `value × percentage / 1e4`, floored (PercentageMath.percentMulFloor, v3.5+). */
export const percentMulFloor = (value: bigint, percentageBps: bigint): bigint =>
  mulDiv(value, percentageBps, BPS, Rounding.Down);
/** `value × percentage / 1e4`, ceiled (PercentageMath.percentMulCeil, v3.5+). */
export const percentMulCeil = (value: bigint, percentageBps: bigint): bigint =>
  mulDiv(value, percentageBps, BPS, Rounding.Up);

/** `value × 1e4 / percentage`, half-up (PercentageMath.percentDiv). */
export const percentDiv = (value: bigint, percentageBps: bigint): bigint =>
  mulDiv(value, BPS, percentageBps, Rounding.HalfUp);
/** `value × 1e4 / percentage`, floored (PercentageMath.percentDivFloor, v3.5+). */
export const percentDivFloor = (value: bigint, percentageBps: bigint): bigint =>
  mulDiv(value, BPS, percentageBps, Rounding.Down);
/** `value × 1e4 / percentage`, ceiled (PercentageMath.percentDivCeil, v3.5+). */
export const percentDivCeil = (value: bigint, percentageBps: bigint): bigint =>
  mulDiv(value, BPS, percentageBps, Rounding.Up);

/** `a × b / 1e18`, half-up (WadRayMath.wadMul). */
export const wadMul = (a: bigint, b: bigint): bigint => mulDiv(a, b, WAD, Rounding.HalfUp);
/** `a × b / 1e18`, floored. */
export const wadMulFloor = (a: bigint, b: bigint): bigint => mulDiv(a, b, WAD, Rounding.Down);
/** `a × b / 1e18`, ceiled. */
export const wadMulCeil = (a: bigint, b: bigint): bigint => mulDiv(a, b, WAD, Rounding.Up);
/** `a × 1e18 / b`, half-up (WadRayMath.wadDiv). */
export const wadDiv = (a: bigint, b: bigint): bigint => mulDiv(a, WAD, b, Rounding.HalfUp);
/** `a × 1e18 / b`, floored. */
export const wadDivFloor = (a: bigint, b: bigint): bigint => mulDiv(a, WAD, b, Rounding.Down);
/** `a × 1e18 / b`, ceiled. */
export const wadDivCeil = (a: bigint, b: bigint): bigint => mulDiv(a, WAD, b, Rounding.Up);

/** `a × b / 1e27`, half-up (WadRayMath.rayMul). */
export const rayMul = (a: bigint, b: bigint): bigint => mulDiv(a, b, RAY, Rounding.HalfUp);
/** `a × b / 1e27`, floored (WadRayMath.rayMulFloor, v3.5+). */
export const rayMulFloor = (a: bigint, b: bigint): bigint => mulDiv(a, b, RAY, Rounding.Down);
/** `a × b / 1e27`, ceiled (WadRayMath.rayMulCeil, v3.5+). */
export const rayMulCeil = (a: bigint, b: bigint): bigint => mulDiv(a, b, RAY, Rounding.Up);
/** `a × 1e27 / b`, half-up (WadRayMath.rayDiv). */
export const rayDiv = (a: bigint, b: bigint): bigint => mulDiv(a, RAY, b, Rounding.HalfUp);
/** `a × 1e27 / b`, floored (WadRayMath.rayDivFloor, v3.5+). */
export const rayDivFloor = (a: bigint, b: bigint): bigint => mulDiv(a, RAY, b, Rounding.Down);
/** `a × 1e27 / b`, ceiled (WadRayMath.rayDivCeil, v3.5+). */
export const rayDivCeil = (a: bigint, b: bigint): bigint => mulDiv(a, RAY, b, Rounding.Up);
