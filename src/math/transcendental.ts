/**
 * Transcendental functions on WAD fixed point (1e18 = 1.0) in native bigint: natural logarithm,
 * exponential, square root and the standard normal CDF (and its inverse by bisection), for the
 * risk stages that must decide on volatilities and probabilities without floats. Deterministic:
 * integer arithmetic only, with internal working precision far above the WAD result so that
 * every function has a stated error bound (each doc comment says it; the tests check it against
 * decimal.js at 60+ digits).
 *
 * Method (own derivations from textbook identities, no code ported):
 * - ln: x = m·2^k with m in [1/√2, √2), ln m = 2·atanh((m − 1)/(m + 1)) as its power series;
 * - exp: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series, times 2^k;
 * - Φ: Marsaglia's series Φ(x) = 1/2 + φ(x)·(x + x³/3 + x⁵/(3·5) + …) (G. Marsaglia, "Evaluating
 *   the Normal Distribution", Journal of Statistical Software 11(4), 2004);
 * - the constants ln 2 = 2·atanh(1/3) and π = 16·atan(1/5) − 4·atan(1/239) (Machin) are computed
 *   once, on first use, to 110 and 130 digits.
 */
import { assert, OverflowError, SolventError } from './errors.js';
import { divRound, divSigned, Rounding } from './mulDiv.js';
import { MAX_UINT256, WAD } from './units.js';

/**
 * An argument outside the domain of a transcendental function (ln of a non-positive number, a
 * probability outside (0, 1)).
 */
export class TranscendentalDomainError extends SolventError {
  override name = 'TranscendentalDomainError';
  constructor(operation: string, value: bigint, expected: string) {
    super('TranscendentalDomain', `${operation} is undefined at ${value}: expected ${expected}.`, {
      metaMessages: ['Check the scale of the argument (WAD: 1e18 = 1.0).'],
      details: { operation, value: value.toString() },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Constants, computed on first use

const TEN = 10n;
const LN2_DIGITS = 110;
const PI_DIGITS = 130;

let ln2Cache: bigint | undefined;
let piCache: bigint | undefined;
let invSqrt2PiCache: bigint | undefined;

/** atanh(1/q)·10^digits, truncated series (error below 2·terms units). */
function atanhInverse(q: bigint, scale: bigint): bigint {
  let power = scale / q; // (1/q)^(2n+1), scaled
  const q2 = q * q;
  let sum = 0n;
  for (let n = 0n; power !== 0n; n += 1n) {
    sum += power / (2n * n + 1n);
    power /= q2;
  }
  return sum;
}

/** atan(1/q)·scale, truncated alternating series. */
function atanInverse(q: bigint, scale: bigint): bigint {
  let power = scale / q;
  const q2 = q * q;
  let sum = 0n;
  for (let n = 0n; power !== 0n; n += 1n) {
    const term = power / (2n * n + 1n);
    sum += n % 2n === 0n ? term : -term;
    power /= q2;
  }
  return sum;
}

/** floor-ish of ln 2 · 10^digits (|error| ≤ 1 unit), digits ≤ 110. */
function ln2At(digits: number): bigint {
  if (ln2Cache === undefined) {
    // Five guard digits absorb the series' truncations.
    ln2Cache = (2n * atanhInverse(3n, TEN ** BigInt(LN2_DIGITS + 5))) / TEN ** 5n;
  }
  assert(digits <= LN2_DIGITS, `ln 2 is kept to ${LN2_DIGITS} digits, ${digits} asked`);
  return ln2Cache / TEN ** BigInt(LN2_DIGITS - digits);
}

/** π · 10^digits (|error| ≤ 1 unit), digits ≤ 130. */
function piAt(digits: number): bigint {
  if (piCache === undefined) {
    const scale = TEN ** BigInt(PI_DIGITS + 5);
    piCache = (16n * atanInverse(5n, scale) - 4n * atanInverse(239n, scale)) / TEN ** 5n;
  }
  return piCache / TEN ** BigInt(PI_DIGITS - digits);
}

/** Largest r with r² ≤ n (n ≥ 0): Newton's iteration on integers, from above. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new TranscendentalDomainError('isqrt', n, 'a value ≥ 0');
  if (n < 2n) return n;
  // Start above the root: 2^ceil(bits/2) > √n.
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

// ---------------------------------------------------------------------------------------------
// sqrt

/**
 * √(x/1e18)·1e18: the square root of a WAD as a WAD, rounded as asked (`Down` = floor, exact;
 * `Up` = ceil, exact; `HalfUp` = nearest). Exact: no error beyond the one rounding.
 * @param x WAD, ≥ 0.
 * @throws TranscendentalDomainError when x < 0.
 */
export function sqrtWad(x: bigint, rounding: Rounding): bigint {
  if (x < 0n) throw new TranscendentalDomainError('sqrtWad', x, 'a WAD ≥ 0');
  const n = x * WAD;
  const r = isqrt(n);
  if (r * r === n) return r;
  switch (rounding) {
    case Rounding.Down:
      return r;
    case Rounding.Up:
      return r + 1n;
    case Rounding.HalfUp:
      // r + 1/2 ≤ √n  <=>  4r² + 4r + 1 ≤ 4n (integers: never equal, 4n is even and the left odd)
      return 4n * r * r + 4n * r + 1n <= 4n * n ? r + 1n : r;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// ln

/** Working precision of lnWad: 40 digits. */
const LN_DIGITS = 40;
const LN_SCALE = TEN ** BigInt(LN_DIGITS);

/**
 * ln(x/1e18)·1e18: the natural logarithm of a WAD as a signed WAD, rounded half-up (ties away
 * from zero). Error bound: |lnWad(x) − 1e18·ln(x/1e18)| ≤ 1/2 + 1e-15 ulp (the internal value
 * is within 1e-37 of the exact one), so the result is the nearest WAD except within 1e-15 of a tie
 * and never more than 1 unit (1e-18) off. Range: x in [1, 2^256) gives [−41.45e18, 135.9e18].
 * @param x WAD, > 0.
 * @throws TranscendentalDomainError when x ≤ 0.
 */
export function lnWad(x: bigint): bigint {
  if (x <= 0n) throw new TranscendentalDomainError('lnWad', x, 'a WAD > 0');
  const X = x * TEN ** BigInt(LN_DIGITS - 18); // x at 40 digits
  // k with m = X / 2^k in [S/√2, S·√2): start from the bit lengths, then correct by one.
  let k = X.toString(2).length - LN_SCALE.toString(2).length;
  const mantissa = (e: number): bigint => (e >= 0 ? X >> BigInt(e) : X << BigInt(-e));
  let m = mantissa(k);
  const twoS2 = 2n * LN_SCALE * LN_SCALE;
  while (m * m >= twoS2) m = mantissa(++k);
  while (2n * m * m < LN_SCALE * LN_SCALE) m = mantissa(--k);
  // z = (m − 1)/(m + 1) in [−0.1716, 0.1716]; ln m = 2·atanh z = 2·Σ z^(2n+1)/(2n+1).
  const z = divSigned((m - LN_SCALE) * LN_SCALE, m + LN_SCALE, Rounding.HalfUp);
  const z2 = (z * z) / LN_SCALE;
  let power = z;
  let sum = 0n;
  for (let n = 0n; power !== 0n; n += 1n) {
    sum += power / (2n * n + 1n);
    power = (power * z2) / LN_SCALE;
  }
  const lnScaled = BigInt(k) * ln2At(LN_DIGITS) + 2n * sum;
  return divSigned(lnScaled, TEN ** BigInt(LN_DIGITS - 18), Rounding.HalfUp);
}

// ---------------------------------------------------------------------------------------------
// exp

/** e^(xS/S) = mant/S · 2^k with mant ≈ e^r·S, |r| ≤ ln2/2 (plus rounding). */
function expParts(xS: bigint, S: bigint, ln2S: bigint): { mant: bigint; k: bigint } {
  const k = divSigned(xS, ln2S, Rounding.HalfUp);
  const r = xS - k * ln2S;
  let term = S;
  let sum = S;
  // Truncation toward zero: each term is off by less than one unit.
  for (let n = 1n; term !== 0n; n += 1n) {
    term = (term * r) / (S * n);
    sum += term;
  }
  return { mant: sum, k };
}

/** Above this the WAD result exceeds 2^256 − 1 (ln((2^256 − 1)/1e18) ≈ 135.9987). */
const EXP_MAX_ARGUMENT_WAD = 136n * WAD;
/** At or below this e^x·1e18 < 1/2 and the result is 0 (e^−43 ≈ 2.1e-19). */
const EXP_ZERO_ARGUMENT_WAD = -43n * WAD;
const LN2_WAD_APPROX = 693_147_180_559_945_309n;

/**
 * e^(x/1e18)·1e18: the exponential of a signed WAD as a WAD, rounded half-up. Error bound:
 * |expWad(x) − 1e18·e^(x/1e18)| ≤ 1/2 + 1e-19 ulp over the whole range (the working precision
 * grows with the result: 40 digits plus the digits of 2^k), so the result is the nearest WAD
 * except within 1e-19 of a tie. 0 for x ≤ −43e18 (the exact value is below 0.21 ulp).
 * @param x signed WAD.
 * @throws OverflowError when the result exceeds 2^256 − 1 (x above ≈ 135.9987e18).
 */
export function expWad(x: bigint): bigint {
  if (x <= EXP_ZERO_ARGUMENT_WAD) return 0n;
  if (x >= EXP_MAX_ARGUMENT_WAD) throw new OverflowError('expWad');
  const kGuess = divSigned(x, LN2_WAD_APPROX, Rounding.HalfUp);
  // 40 digits below the result's own size: digits(2^k) ≤ floor(k·log10 2) + 1.
  const digits = LN_DIGITS + (kGuess > 0n ? Number((kGuess * 30_103n) / 100_000n) + 1 : 0);
  const S = TEN ** BigInt(digits);
  const { mant, k } = expParts(x * TEN ** BigInt(digits - 18), S, ln2At(digits));
  // HalfUp: the nearest WAD, favouring no one.
  const out =
    k >= 0n
      ? divRound((mant * WAD) << k, S, Rounding.HalfUp)
      : divRound(mant * WAD, S << -k, Rounding.HalfUp);
  if (out > MAX_UINT256) throw new OverflowError('expWad');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Normal CDF

/** Working precision of the normal CDF: 60 digits (absolute). */
const CDF_DIGITS = 60;
const CDF_SCALE = TEN ** BigInt(CDF_DIGITS);
/** |x| ≥ 10: Φ is within 7.7e-24 of 0 or 1, so the WAD result is exactly 0 or 1e18. */
const CDF_SATURATION_WAD = 10n * WAD;

/** 1/√(2π) at 60 digits (|error| ≤ 1 unit). */
function invSqrt2Pi(): bigint {
  if (invSqrt2PiCache === undefined) {
    // √(2π·10^120) = √(2π)·10^60 (floor), then 10^120 / that.
    const sqrt2Pi = isqrt(2n * piAt(2 * CDF_DIGITS));
    invSqrt2PiCache = (CDF_SCALE * CDF_SCALE) / sqrt2Pi;
  }
  return invSqrt2PiCache;
}

/** Φ(x)·10^60 for x given at 60 digits with 0 ≤ x < 10 (absolute error below 1e-30). */
function cdfNonNegative(a: bigint): bigint {
  const S = CDF_SCALE;
  const a2 = (a * a) / S;
  // φ(a) = e^(−a²/2)/√(2π); here −a²/2 ≥ −50, so k ≤ 0 and the mantissa shifts right.
  const { mant, k } = expParts(-(a2 / 2n), S, ln2At(CDF_DIGITS));
  assert(k <= 0n, 'e^(−a²/2) ≤ 1');
  const density = ((mant >> -k) * invSqrt2Pi()) / S;
  // Marsaglia: Σ a^(2n+1)/(1·3·…·(2n+1)), every term positive.
  let term = a;
  let sum = a;
  for (let n = 1n; term !== 0n; n += 1n) {
    term = (term * a2) / (S * (2n * n + 1n));
    sum += term;
  }
  return S / 2n + (density * sum) / S;
}

/**
 * Φ(x/1e18)·1e18: the standard normal cumulative distribution function of a signed WAD, as a WAD
 * in [0, 1e18], rounded half-up. Error bound: |normalCdfWad(x) − 1e18·Φ(x/1e18)| ≤ 1/2 + 1e-12
 * ulp (internal value within 1e-30 of the exact one), so never more than 1 unit (1e-18) off.
 * Saturates to 0 for x ≤ −10e18 and to 1e18 for x ≥ 10e18 (exact to within 7.7e-24).
 * @param x signed WAD.
 */
export function normalCdfWad(x: bigint): bigint {
  if (x >= CDF_SATURATION_WAD) return WAD;
  if (x <= -CDF_SATURATION_WAD) return 0n;
  const a = (x < 0n ? -x : x) * TEN ** BigInt(CDF_DIGITS - 18);
  const upper = cdfNonNegative(a);
  const value = x < 0n ? CDF_SCALE - upper : upper;
  // HalfUp: the nearest WAD, favouring no one.
  const out = divRound(value < 0n ? 0n : value, TEN ** BigInt(CDF_DIGITS - 18), Rounding.HalfUp);
  return out > WAD ? WAD : out;
}

/**
 * The WAD quantile of the standard normal distribution: the x (signed WAD, in (−10e18, 10e18])
 * found by bisection with normalCdfWad(x) ≥ p and normalCdfWad(x − 1) < p. Because normalCdfWad is
 * within 1 ulp of Φ, x is within (1 ulp)/φ(x) + 1 of the exact Φ⁻¹(p/1e18)·1e18 (e.g. ≤ 3e3 ulp
 * for p in [1e-3, 1 − 1e-3]). About 65 evaluations of normalCdfWad.
 * @param p WAD probability in (0, 1e18).
 * @throws TranscendentalDomainError when p ≤ 0 or p ≥ 1e18.
 */
export function normalQuantileWad(p: bigint): bigint {
  if (p <= 0n || p >= WAD) throw new TranscendentalDomainError('normalQuantileWad', p, 'a WAD in (0, 1e18)');
  // Invariant: cdf(lo) < p ≤ cdf(hi).
  let lo = -CDF_SATURATION_WAD;
  let hi = CDF_SATURATION_WAD;
  while (hi - lo > 1n) {
    const mid = lo + (hi - lo) / 2n;
    if (normalCdfWad(mid) >= p) hi = mid;
    else lo = mid;
  }
  return hi;
}
