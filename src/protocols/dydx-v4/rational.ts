/**
 * Exact bigint rationals for dYdX v4's `big.Rat` arithmetic (the fillable price and the adjusted
 * bankruptcy rating are rationals on chain, never rounded until they are turned into subticks).
 * A value is always kept reduced to lowest terms with a positive denominator, so equal numbers
 * have equal representations and `formatRational` prints them the way the vectors do ("num/den").
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { DivisionByZeroError } from '../../math/errors.js';
import { divSigned, Rounding } from '../../math/mulDiv.js';

/** A rational number `num / den`, reduced, `den > 0`. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * The rational `num / den` in lowest terms with a positive denominator (Go `new(big.Rat).SetFrac`).
 * @throws DivisionByZeroError when `den` is 0 (Go panics: "division by zero").
 */
export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new DivisionByZeroError('rational');
  const g = gcd(num, den);
  const sign = den < 0n ? -1n : 1n;
  // Exact: g divides both.
  return { num: (sign * num) / g, den: (sign * den) / g };
}

/** 0 as a rational. */
export const RAT_ZERO: Rational = { num: 0n, den: 1n };
/** 1 as a rational. */
export const RAT_ONE: Rational = { num: 1n, den: 1n };

/** `a + b`, exact. */
export const ratAdd = (a: Rational, b: Rational): Rational =>
  rational(a.num * b.den + b.num * a.den, a.den * b.den);
/** `a − b`, exact. */
export const ratSub = (a: Rational, b: Rational): Rational =>
  rational(a.num * b.den - b.num * a.den, a.den * b.den);
/** `a · b`, exact. */
export const ratMul = (a: Rational, b: Rational): Rational => rational(a.num * b.num, a.den * b.den);
/** `a / b`, exact. @throws DivisionByZeroError when b = 0 (Go `Rat.Quo` panics). */
export function ratDiv(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new DivisionByZeroError('ratDiv');
  return rational(a.num * b.den, a.den * b.num);
}

/** −1, 0 or 1 as `a` is below, equal to or above `b`. */
export function ratCmp(a: Rational, b: Rational): -1 | 0 | 1 {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** `a` bounded to `[lo, hi]` (dYdX `lib.BigRatClamp`). */
export function ratClamp(a: Rational, lo: Rational, hi: Rational): Rational {
  if (ratCmp(a, lo) < 0) return lo;
  if (ratCmp(a, hi) > 0) return hi;
  return a;
}

/**
 * `a · ppm / 1e6`, exact (dYdX `lib.BigRatMulPpm`: a rational product, no rounding).
 * @param ppm parts per million (1e6 = 1).
 */
export const ratMulPpm = (a: Rational, ppm: bigint): Rational => ratMul(a, rational(ppm, 1_000_000n));

/**
 * `a` rounded to an integer: toward +∞ when `roundUp`, else toward −∞ (dYdX `lib.BigRatRound`).
 */
export const ratRound = (a: Rational, roundUp: boolean): bigint =>
  divSigned(a.num, a.den, roundUp ? Rounding.Up : Rounding.Down);

/** "num/den" as the conformance vectors print rationals (an integer keeps its "/1"). */
export const formatRational = (a: Rational): string => `${a.num}/${a.den}`;

/**
 * Parses "num/den" (or a plain integer) into a reduced rational.
 * @throws InvalidParameterError naming `field` when the text is not a rational with a non-zero
 *   denominator.
 */
export function parseRational(text: string, field: string): Rational {
  const m = /^(-?\d+)(?:\/(-?\d+))?$/.exec(text.trim());
  if (m === null) throw new InvalidParameterError(field, `expected "num/den" or an integer, got "${text}"`);
  const den = BigInt(m[2] ?? '1');
  if (den === 0n) throw new InvalidParameterError(field, 'the denominator must not be 0');
  return rational(BigInt(m[1] ?? '0'), den);
}
