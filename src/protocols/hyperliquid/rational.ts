/**
 * Exact rationals over bigint for Hyperliquid's documented real-number formulas (liquidation
 * price, maintenance margin from max leverage, ⅔ backstop threshold): each value is kept reduced
 * with a positive denominator, so `num/den` strings compare exactly with the vectors, and
 * {@link rationalToNumber} gives the correctly rounded double of the exact value.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { DivisionByZeroError } from '../../math/errors.js';

/** A reduced fraction `num/den` with `den > 0`. */
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
 * Builds the reduced fraction `num/den`.
 * @throws DivisionByZeroError when `den` is 0.
 */
export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new DivisionByZeroError('rational');
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den);
  if (g === 0n) return { num: 0n, den: 1n };
  return { num: (sign * num) / g, den: (sign * den) / g };
}

/** a + b. */
export const addR = (a: Rational, b: Rational): Rational =>
  rational(a.num * b.den + b.num * a.den, a.den * b.den);
/** a − b. */
export const subR = (a: Rational, b: Rational): Rational =>
  rational(a.num * b.den - b.num * a.den, a.den * b.den);
/** a · b. */
export const mulR = (a: Rational, b: Rational): Rational => rational(a.num * b.num, a.den * b.den);
/** a / b. @throws DivisionByZeroError when b = 0. */
export const divR = (a: Rational, b: Rational): Rational => {
  if (b.num === 0n) throw new DivisionByZeroError('divR');
  return rational(a.num * b.den, a.den * b.num);
};
/** −1, 0 or 1 as a < b, a = b, a > b. */
export function cmpR(a: Rational, b: Rational): -1 | 0 | 1 {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
/** The vector form `num/den` (always with the denominator, e.g. `8750/1`). */
export const formatRational = (r: Rational): string => `${r.num}/${r.den}`;

const FRACTION = /^(-?\d+)\/(-?\d+)$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Parses `"a/b"`, an integer or a plain decimal (`"0.0125"`) string, or a safe-integer number.
 * @param field names the input in errors.
 * @throws InvalidParameterError when the value is none of those or has a zero denominator.
 */
export function parseRational(value: unknown, field: string): Rational {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return rational(BigInt(value));
  if (typeof value === 'string') {
    const f = FRACTION.exec(value);
    if (f !== null) {
      const den = BigInt(f[2] ?? '1');
      if (den === 0n) throw new InvalidParameterError(field, 'has a zero denominator');
      return rational(BigInt(f[1] ?? '0'), den);
    }
    const d = DECIMAL.exec(value);
    if (d !== null) {
      const frac = d[3] ?? '';
      const magnitude = BigInt(`${d[2] ?? '0'}${frac}`);
      return rational(d[1] === '-' ? -magnitude : magnitude, 10n ** BigInt(frac.length));
    }
  }
  throw new InvalidParameterError(
    field,
    `expected a rational ("num/den", an integer or a decimal), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}

/** 2^53: integers up to this convert to a double exactly. */
const EXACT_DOUBLE = 1n << 53n;

/**
 * The double nearest to the exact rational (IEEE round-half-even), i.e. what Python's
 * `num / den` (int true division) or `float(Fraction(num, den))` give. For `|num|, den ≤ 2^53`
 * this is `Number(num) / Number(den)`; larger operands are divided in bigint first.
 */
export function rationalToNumber(r: Rational): number {
  if (abs(r.num) <= EXACT_DOUBLE && r.den <= EXACT_DOUBLE) return Number(r.num) / Number(r.den);
  const negative = r.num < 0n;
  const n = abs(r.num);
  // Scale so the integer quotient has at least 55 significant bits (53 + guard + round).
  let shift = 55n - (BigInt(n.toString(2).length) - BigInt(r.den.toString(2).length));
  if (shift < 0n) shift = 0n;
  const scaledNum = n << shift;
  let q = scaledNum / r.den;
  const sticky = scaledNum % r.den !== 0n;
  // Trim q to 53 significant bits with round-half-even.
  const extra = BigInt(q.toString(2).length) - 53n;
  let exponent = -shift;
  if (extra > 0n) {
    const dropped = q & ((1n << extra) - 1n);
    const half = 1n << (extra - 1n);
    q >>= extra;
    exponent += extra;
    // Above half (or half with a nonzero remainder below): up; an exact tie goes to even.
    if (dropped > half || (dropped === half && (sticky || (q & 1n) === 1n))) q += 1n;
  }
  // Two steps so a large |exponent| does not overflow 2^e before the product is formed.
  const e = Number(exponent);
  const value = Number(q) * 2 ** Math.trunc(e / 2) * 2 ** (e - Math.trunc(e / 2));
  return negative ? -value : value;
}
