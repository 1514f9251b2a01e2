/**
 * Exact bigint fractions for protocols whose formulas are real-number (or `big.Rat`) arithmetic:
 * every value is kept in lowest terms with a positive denominator, so equal numbers have equal
 * representations and print identically as "num/den". Rounding happens only where a caller asks.
 */
import { DivisionByZeroError, SolventError } from './errors.js';
import { divSigned, type Rounding } from './mulDiv.js';

/** A rational number `num / den`, reduced to lowest terms, `den > 0`. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** A text or number is not a rational this module reads ("num/den", an integer, maybe a decimal). */
export class RationalParseError extends SolventError {
  override name = 'RationalParseError';
  /** Why the input was refused, without the input itself. */
  readonly reason: string;
  constructor(input: string, reason: string) {
    super('RationalParse', `Cannot read ${input} as a rational: ${reason}.`, { details: { input, reason } });
    this.reason = reason;
  }
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * The rational `num / den` in lowest terms with a positive denominator (Go `big.Rat.SetFrac`).
 * @param den defaults to 1 (an integer).
 * @throws DivisionByZeroError when `den` is 0.
 */
export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new DivisionByZeroError('rational');
  const g = gcd(num, den);
  const sign = den < 0n ? -1n : 1n;
  // Exact: g divides both, and g > 0 because den ≠ 0.
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

/**
 * `a / b`, exact.
 * @throws DivisionByZeroError when `b` is 0; the error names `operation` (default `ratDiv`).
 */
export function ratDiv(a: Rational, b: Rational, operation = 'ratDiv'): Rational {
  if (b.num === 0n) throw new DivisionByZeroError(operation);
  return rational(a.num * b.den, a.den * b.num);
}

/** −1, 0 or 1 as `a` is below, equal to or above `b`. */
export function ratCmp(a: Rational, b: Rational): -1 | 0 | 1 {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** `a` bounded to `[lo, hi]` (returns `lo` when below it, `hi` when above, else `a`). */
export function ratClamp(a: Rational, lo: Rational, hi: Rational): Rational {
  if (ratCmp(a, lo) < 0) return lo;
  if (ratCmp(a, hi) > 0) return hi;
  return a;
}

/**
 * `a · ppm / 1e6`, exact (a rational product, no rounding).
 * @param ppm parts per million (1e6 = 1).
 */
export const ratMulPpm = (a: Rational, ppm: bigint): Rational => ratMul(a, rational(ppm, 1_000_000n));

/**
 * `a` rounded to an integer: `Down` toward −∞ (floor), `Up` toward +∞ (ceil), `HalfUp` to the
 * nearest with ties away from zero (the rounding of `divSigned`); the caller's comment says whom
 * the chosen direction favours.
 */
export const roundRational = (a: Rational, rounding: Rounding): bigint => divSigned(a.num, a.den, rounding);

/** "num/den", always with the denominator (an integer prints as "8750/1"). */
export const formatRational = (a: Rational): string => `${a.num}/${a.den}`;

/** Options of {@link parseRational}. */
export interface ParseRationalOptions {
  /** Also accept a plain decimal such as "0.0125" or "-1.5" (default false). */
  readonly allowDecimal?: boolean;
}

const FRACTION = /^(-?\d+)(?:\/(-?\d+))?$/;
const DECIMAL = /^(-?)(\d+)\.(\d+)$/;

/**
 * Reads "num/den" or an integer string ("-10/4", "100000"; no spaces, no "+", no exponent), a
 * bigint, or a safe-integer number, into a reduced rational. With `allowDecimal`, a plain decimal
 * string ("0.0125") is read exactly as well.
 * @throws RationalParseError when the value is none of those or its denominator is 0.
 */
export function parseRational(value: string | bigint | number, options: ParseRationalOptions = {}): Rational {
  if (typeof value === 'bigint') return rational(value);
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return rational(BigInt(value));
    throw new RationalParseError(String(value), 'a number must be a safe integer');
  }
  const f = FRACTION.exec(value);
  if (f !== null) {
    const den = BigInt(f[2] ?? '1');
    if (den === 0n) throw new RationalParseError(JSON.stringify(value), 'the denominator must not be 0');
    return rational(BigInt(f[1] ?? '0'), den);
  }
  const d = options.allowDecimal === true ? DECIMAL.exec(value) : null;
  if (d !== null) {
    const frac = d[3] ?? '';
    const magnitude = BigInt(`${d[2] ?? '0'}${frac}`);
    return rational(d[1] === '-' ? -magnitude : magnitude, 10n ** BigInt(frac.length));
  }
  const expected =
    options.allowDecimal === true ? '"num/den", an integer or a decimal' : '"num/den" or an integer';
  throw new RationalParseError(JSON.stringify(value), `expected ${expected}`);
}

/** 2^53: integers up to this convert to a double exactly. */
const EXACT_DOUBLE = 1n << 53n;

/**
 * The double nearest to the exact value (IEEE round-half-even), i.e. Python's
 * `float(Fraction(num, den))`. For `|num|, den ≤ 2^53` this is `Number(num) / Number(den)` (one
 * correctly rounded IEEE division of exact operands); larger operands are divided in bigint first.
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
