/**
 * Maker's fixed-point helpers exactly as dss uses them: `rmul`, `rdiv`, `wmul` floor (dss
 * clip.sol, abaci.sol, dog.sol), `rpow` rounds half-up at every step (dss jug.sol / abaci.sol
 * assembly), and every overflow the contract would revert on is refused.
 */
import { DivisionByZeroError, OverflowError } from './errors.js';
import { requireUint256, requireUnsigned } from './mulDiv.js';
import { RAY, type Ray, WAD } from './units.js';

const TWO_POW_128 = 1n << 128n;

/** Checked uint256 multiplication (dss `mul`: reverts on overflow). */
export function mulChecked(x: bigint, y: bigint): bigint {
  requireUnsigned('mul', x, y);
  return requireUint256('mul', x * y);
}

/** Checked uint256 subtraction (dss `sub`: reverts on underflow). */
export function subChecked(x: bigint, y: bigint): bigint {
  requireUnsigned('sub', x, y);
  if (y > x) throw new OverflowError('sub (underflow)');
  return x - y;
}

/**
 * `x · y / RAY`, floored (dss clip.sol / abaci.sol `rmul`). Scale: result has x's scale when y is
 * a RAY. Rounding favours the protocol when x is what a buyer pays per unit.
 */
export function rmul(x: bigint, y: bigint): bigint {
  return mulChecked(x, y) / RAY;
}

/** `x · RAY / y`, floored (dss clip.sol `rdiv`). @throws DivisionByZeroError when y = 0. */
export function rdiv(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new DivisionByZeroError('rdiv');
  return mulChecked(x, RAY) / y;
}

/** `x · y / WAD`, floored (dss clip.sol `wmul`). */
export function wmul(x: bigint, y: bigint): bigint {
  return mulChecked(x, y) / WAD;
}

/** `x · WAD / y`, floored. @throws DivisionByZeroError when y = 0. */
export function wdiv(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new DivisionByZeroError('wdiv');
  return mulChecked(x, WAD) / y;
}

/**
 * `x^n` in base `b` by square-and-multiply, rounding half-up after every squaring and every
 * multiply, as dss's assembly `rpow` does (makerdao/dss src/abaci.sol, src/jug.sol).
 * `rpow(0, 0, b) = b`; `rpow(0, n>0, b) = 0`.
 * @throws OverflowError where the contract reverts: x ≥ 2^128 while squaring, or a rounding add
 * or product past uint256.
 */
export function rpow(x: bigint, n: bigint, b: bigint): bigint {
  requireUnsigned('rpow', x, n, b);
  if (n === 0n) return b;
  if (x === 0n) return 0n;
  if (b === 0n) throw new DivisionByZeroError('rpow');
  let z = n % 2n === 0n ? b : x;
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

/** `rpow` in RAY, the form every Maker curve uses. */
export const rpowRay = (x: Ray, n: bigint): Ray => rpow(x, n, RAY) as Ray;
