/**
 * `mulDiv` with an explicit rounding: the one primitive every lossy fixed-point step goes
 * through. Operands are unsigned (as in Solidity); signed helpers live beside them for perps.
 */
import { assert, DivisionByZeroError, NegativeValueError, OverflowError } from './errors.js';
import { MAX_UINT256 } from './units.js';

/** How a division that is not exact is resolved. */
export const Rounding = {
  /** Toward zero (Solidity `/`): favours whoever pays the quotient. */
  Down: 'Down',
  /** Away from zero (ceil for non-negative operands): favours whoever receives the quotient. */
  Up: 'Up',
  /** To the nearest, ties away from zero (Aave `wadMul`, Maker `rpow`): favours no one by design. */
  HalfUp: 'HalfUp',
} as const;
export type Rounding = (typeof Rounding)[keyof typeof Rounding];

/** Throws {@link NegativeValueError} unless every operand is ≥ 0. */
export function requireUnsigned(operation: string, ...values: readonly bigint[]): void {
  for (const v of values) if (v < 0n) throw new NegativeValueError(operation, v);
}

/** Throws {@link OverflowError} when `value` does not fit uint256. */
export function requireUint256(operation: string, value: bigint): bigint {
  if (value > MAX_UINT256) throw new OverflowError(operation);
  return value;
}

/**
 * Divides unsigned `numerator` by `denominator` (same scale in, unscaled quotient out) with the
 * given rounding: `Down` is floor, `Up` is ceil, `HalfUp` is the nearest integer with ties up.
 * @throws DivisionByZeroError when `denominator` is 0; NegativeValueError on negative operands.
 */
export function divRound(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  // Checked one by one (no rest array): this is the hottest function of the engine.
  if (numerator < 0n) throw new NegativeValueError('divRound', numerator);
  if (denominator < 0n) throw new NegativeValueError('divRound', denominator);
  if (denominator === 0n) throw new DivisionByZeroError('divRound');
  const q = numerator / denominator;
  // One division: the remainder from the quotient (a product is cheaper than a second division).
  const r = numerator - q * denominator;
  if (r === 0n) return q;
  switch (rounding) {
    case Rounding.Down:
      return q;
    case Rounding.Up:
      return q + 1n;
    case Rounding.HalfUp:
      // r / d >= 1/2  <=>  2r >= d
      return 2n * r >= denominator ? q + 1n : q;
  }
  return unknownRounding(rounding);
}

/** Reached only when an untyped caller passes a value outside {@link Rounding}. */
function unknownRounding(rounding: never): never {
  assert(false, `unknown rounding ${String(rounding)}`);
}

/**
 * `x · y / d` computed exactly in unbounded precision, then rounded once: the semantics of a
 * full-width mulDiv (OpenZeppelin `Math.mulDiv`, Uniswap `FullMath`), whose 512-bit product never
 * overflows and which refuses only a quotient past uint256. Contracts that form `x · y` in 256 bits
 * (dss `mul`, Aave WadRayMath) revert earlier: model those with `maker.ts` / `aave.ts`, which check
 * the intermediate product as the contract does.
 * @throws DivisionByZeroError when d = 0; NegativeValueError on a negative operand; OverflowError
 * when the rounded quotient exceeds 2^256 − 1.
 */
export function mulDiv(x: bigint, y: bigint, d: bigint, rounding: Rounding): bigint {
  if (x < 0n) throw new NegativeValueError('mulDiv', x);
  if (y < 0n) throw new NegativeValueError('mulDiv', y);
  if (d < 0n) throw new NegativeValueError('mulDiv', d);
  return requireUint256('mulDiv', divRound(x * y, d, rounding));
}

/** `mulDiv(x, y, d, Down)`: floor. Same throws as {@link mulDiv}. */
export const mulDivDown = (x: bigint, y: bigint, d: bigint): bigint => mulDiv(x, y, d, Rounding.Down);
/** `mulDiv(x, y, d, Up)`: ceil. Same throws as {@link mulDiv}. */
export const mulDivUp = (x: bigint, y: bigint, d: bigint): bigint => mulDiv(x, y, d, Rounding.Up);

/**
 * Signed division with rounding toward −∞ (`Down`, floor), +∞ (`Up`, ceil) or nearest with ties
 * away from zero (`HalfUp`). Note that for a negative quotient `Down` here is floor, not truncation
 * toward zero as in Solidity's signed `/`. Perpetuals need signed PnL; this is the only signed
 * rounding helper. Unbounded: no int256 range check.
 * @throws DivisionByZeroError when `denominator` is 0.
 */
export function divSigned(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator === 0n) throw new DivisionByZeroError('divSigned');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = n / d;
  const r = n % d;
  if (r === 0n) return negative ? -q : q;
  switch (rounding) {
    case Rounding.Down:
      return negative ? -(q + 1n) : q;
    case Rounding.Up:
      return negative ? -q : q + 1n;
    case Rounding.HalfUp: {
      const m = 2n * r >= d ? q + 1n : q;
      return negative ? -m : m;
    }
  }
  return unknownRounding(rounding);
}

/** The smaller of two bigints. */
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
/** The larger of two bigints. */
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
