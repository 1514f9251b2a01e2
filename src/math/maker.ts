/**
 * Maker's fixed-point helpers exactly as dss uses them: `rmul`, `rdiv`, `wmul` floor (dss
 * clip.sol, abaci.sol, end.sol), `rpow` rounds half-up at every step (dss jug.sol / abaci.sol
 * assembly), and every overflow the contract would revert on is refused.
 */
import { DivisionByZeroError, OverflowError } from './errors.js';
import { requireUint256, requireUnsigned } from './mulDiv.js';
import { RAY, type Ray, WAD } from './units.js';

const TWO_POW_128 = 1n << 128n;

/**
 * Checked uint256 multiplication (dss `mul`: `require(y == 0 || (z = x * y) / y == x)`).
 * @throws NegativeValueError on a negative operand; OverflowError when x·y > 2^256 − 1.
 */
export function mulChecked(x: bigint, y: bigint): bigint {
  requireUnsigned('mul', x, y);
  return requireUint256('mul', x * y);
}

/**
 * Checked uint256 addition (dss `add`: `require((z = x + y) >= x)`).
 * @throws NegativeValueError on a negative operand; OverflowError when x + y > 2^256 − 1.
 */
export function addChecked(x: bigint, y: bigint): bigint {
  requireUnsigned('add', x, y);
  return requireUint256('add', x + y);
}

/**
 * Checked uint256 subtraction (dss `sub`: reverts on underflow).
 * @throws NegativeValueError on a negative operand; OverflowError (underflow) when y > x.
 */
export function subChecked(x: bigint, y: bigint): bigint {
  requireUnsigned('sub', x, y);
  if (y > x) throw new OverflowError('sub (underflow)');
  return x - y;
}

/**
 * `x · y / RAY`, floored (dss clip.sol / abaci.sol / end.sol `rmul`). Scale: result has x's scale
 * when y is a RAY. Flooring favours whoever pays the result; callers say who that is.
 * @throws NegativeValueError on a negative operand; OverflowError when x·y > 2^256 − 1 (the
 * contract's `mul` reverts even when the quotient would fit).
 */
export function rmul(x: bigint, y: bigint): bigint {
  return mulChecked(x, y) / RAY;
}

/**
 * `x · RAY / y`, floored (dss clip.sol / end.sol `rdiv`). Scale: result is a RAY when x and y share
 * a scale.
 * @throws NegativeValueError on a negative operand; OverflowError when x·RAY > 2^256 − 1;
 * DivisionByZeroError when y = 0 (Solidity's `/` reverts).
 */
export function rdiv(x: bigint, y: bigint): bigint {
  requireUnsigned('rdiv', x, y);
  // dss evaluates mul(x, RAY) before dividing, so an overflow is reported first.
  const scaled = mulChecked(x, RAY);
  if (y === 0n) throw new DivisionByZeroError('rdiv');
  return scaled / y;
}

/**
 * `x · y / WAD`, floored (dss clip.sol `wmul`). Scale: result has x's scale when y is a
 * WAD. Unlike ds-math's half-up `wmul`, dss floors.
 * @throws NegativeValueError on a negative operand; OverflowError when x·y > 2^256 − 1.
 */
export function wmul(x: bigint, y: bigint): bigint {
  return mulChecked(x, y) / WAD;
}

/**
 * `x · WAD / y`, floored: the WAD twin of dss `rdiv` (dss core has no `wdiv`; ds-math's rounds
 * half-up, this one floors like every dss helper).
 * @throws NegativeValueError on a negative operand; OverflowError when x·WAD > 2^256 − 1;
 * DivisionByZeroError when y = 0.
 */
export function wdiv(x: bigint, y: bigint): bigint {
  requireUnsigned('wdiv', x, y);
  const scaled = mulChecked(x, WAD);
  if (y === 0n) throw new DivisionByZeroError('wdiv');
  return scaled / y;
}

/**
 * `x^n` in base `b` (x and the result scaled by b, n a plain count) by square-and-multiply,
 * rounding half-up after every squaring and every multiply, as dss's assembly `rpow` does
 * (makerdao/dss src/abaci.sol StairstepExponentialDecrease.rpow, src/jug.sol rpow).
 * `rpow(0, 0, b) = b`; `rpow(0, n>0, b) = 0`; `rpow(x, 0, b) = b`.
 *
 * One deliberate difference: with b = 0 and x, n > 0 the EVM's `div` by zero silently yields 0,
 * so the contract returns a meaningless value; here that call is refused.
 * @throws NegativeValueError on a negative operand; OverflowError where the contract reverts:
 * squaring a base ≥ 2^128, or a product or rounding add past 2^256 − 1; DivisionByZeroError when
 * b = 0 and the contract would divide by it.
 */
export function rpow(x: bigint, n: bigint, b: bigint): bigint {
  requireUnsigned('rpow', x, n, b);
  if (n === 0n) return b;
  if (x === 0n) return 0n;
  if (b === 0n) throw new DivisionByZeroError('rpow');
  let z = n % 2n === 0n ? b : x;
  // half-up: floor((p + floor(b/2)) / b) is p/b rounded to nearest, ties up.
  const half = b / 2n;
  let base = x;
  for (let k = n / 2n; k > 0n; k /= 2n) {
    if (base >= TWO_POW_128) throw new OverflowError('rpow (x ≥ 2^128)');
    const xx = base * base;
    base = requireUint256('rpow (x² + half)', xx + half) / b;
    if (k % 2n === 1n) {
      const zx = requireUint256('rpow (z·x)', z * base);
      z = requireUint256('rpow (z·x + half)', zx + half) / b;
    }
  }
  return z;
}

/**
 * `rpow` in RAY, the form every Maker curve uses: `x` a RAY factor, `n` a count (seconds, steps).
 * Same throws as {@link rpow}.
 */
export const rpowRay = (x: Ray, n: bigint): Ray => rpow(x, n, RAY) as Ray;
