/**
 * Correctly rounded conversion of a ratio of bigints to a double, the key of the liquidation
 * ladders: being a function of the ratio alone (not of how it is written) and monotone, it keeps a
 * sorted ladder sorted, so a binary search over the doubles is exact everywhere except among equal
 * keys, where the bigints decide.
 */
import { assert } from '../../math/errors.js';

/** 2^k for k in [−1074, 1023], built by exact doublings from the smallest subnormal. */
const POW2 = (() => {
  const table = new Float64Array(2098);
  let x = Number.MIN_VALUE; // 2^-1074, exactly
  for (let i = 0; i < table.length; i++) {
    table[i] = x;
    x *= 2; // exact: a power of two times two
  }
  return table;
})();

/** 2^k exactly, for k in [−1074, 1023]. */
function pow2(k: number): number {
  assert(k >= -1074 && k <= 1023, `pow2 exponent ${k} out of range`);
  return POW2[k + 1074] as number;
}

const HEX_BITS = [0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4];

/** The number of bits of `x` (≥ 0): 0 for 0, else ⌊log2 x⌋ + 1. */
export function bitLength(x: bigint): number {
  assert(x >= 0n, 'bitLength of a negative bigint');
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return 4 * (hex.length - 1) + (HEX_BITS[Number.parseInt(hex[0] as string, 16)] as number);
}

/** Ratios whose bit lengths differ by more than this map to 0 or Infinity (see {@link ratioToDouble}). */
const EXPONENT_LIMIT = 1000;
/** Bits kept in the integer quotient before the final rounding: 70 ≥ 53 + a guard and a sticky bit. */
const QUOTIENT_BITS = 70;

/**
 * `num / den` rounded to the nearest double (ties to even), computed exactly in bigint: the
 * quotient is taken with at least 69 bits, its last bit is set when the division left a remainder
 * (a "sticky" bit, so the one rounding to 53 bits that `Number()` performs sees the true value's
 * side of every tie), then scaled by an exact power of two. The result depends on the value of the
 * ratio only, and is monotone non-decreasing in it. Ratios below 2^−1000 (but > 0) give 0 and
 * ratios above 2^1000 give Infinity, which keeps monotonicity and avoids subnormals.
 * @param num numerator ≥ 0. @param den denominator > 0.
 */
export function ratioToDouble(num: bigint, den: bigint): number {
  assert(num >= 0n && den > 0n, 'ratioToDouble takes num ≥ 0 and den > 0');
  if (num === 0n) return 0;
  const e = bitLength(num) - bitLength(den); // num/den lies in (2^(e−1), 2^(e+1))
  if (e < -EXPONENT_LIMIT) return 0;
  if (e > EXPONENT_LIMIT) return Number.POSITIVE_INFINITY;
  const k = e - QUOTIENT_BITS; // q ≈ num/den · 2^−k has QUOTIENT_BITS ± 1 bits
  let q: bigint;
  let exact: boolean;
  if (k >= 0) {
    const d = den << BigInt(k);
    q = num / d;
    exact = q * d === num;
  } else {
    const n = num << BigInt(-k);
    q = n / den;
    exact = q * den === n;
  }
  if (!exact) q |= 1n; // sticky bit: below the rounding position, breaks ties the right way
  // Number(q) rounds once to nearest-even (ECMAScript Number(bigint)); ·2^k is exact, the result
  // lying in [2^−1001, 2^1002], inside the normal range.
  return Number(q) * pow2(k);
}
