/**
 * The float64 screen of cross-margin accounts: evaluates an account's margin Σ price·N in doubles
 * together with a proven bound on its rounding error, and says "surely healthy", "surely
 * liquidatable" or "uncertain". Only "surely healthy" is ever acted on without bigint; the
 * detector confirms the other two exactly.
 *
 * Error bound (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §2.2 and §3.1,
 * §4.2): with u = 2^−53 (round to nearest) every double operation and every bigint→double
 * conversion (`Number(bigint)` rounds to nearest) returns x·(1+δ), |δ| ≤ u, as long as nothing
 * overflows (there is no underflow: every operand is an integer of magnitude ≥ 1 or 0), and a
 * product of k such factors is 1+θ_k with |θ_k| ≤ γ_k = k·u/(1 − k·u).
 * For an account with m lines the exact margin is M = Σ_j x_j, x_j = P_j·N_j. The screen computes
 *   t_j = fl(fl(P_j)·fl(N_j)) = x_j(1+θ_3)                (two conversions, one product)
 *   s   = fl(Σ t_j), left to right = Σ x_j(1+θ_{m+2})       (≤ m−1 additions per term)
 *   a   = fl(Σ |t_j|)              = Σ |x_j|(1+θ'_{m+2})
 * so |s − M| ≤ γ_n·Σ|x_j| and Σ|x_j| ≤ a/(1 − γ_n) with n = m + 2, hence
 *   |s − M| ≤ γ_n/(1 − γ_n)·a = n·u/(1 − 2n·u)·a.
 * The screen uses B = fl(c_n·a) with c_n = 2n·u = n·2^−52 (exact in binary): B ≥ c_n·a·(1 − u) ≥
 * n·u/(1 − 2n·u)·a whenever 2(1 − u)(1 − 2n·u) ≥ 1, true for every n ≤ 2^50. So B ≥ |s − M|, and
 *   s > B   ⇒ M ≥ s − |s − M| > 0  ⇒ not liquidatable (M < 0 is the rule),
 *   s < −B  ⇒ M ≤ s + |s − M| < 0  ⇒ liquidatable,
 * anything else is uncertain, and so is any non-finite B (an overflow to Infinity or NaN makes
 * both comparisons false or is caught by the finiteness check).
 *
 * Headroom certificate. With W = Σ|x_j| (the account's gross exposure), |M| ≥ |s| − B and
 * W ≤ a/(1 − γ_n), so a certain verdict also proves |M|/W ≥ (|s| − B)(1 − γ_n)/a. The screen returns
 * κ = fl(fl(fl(|s| − B)/a)·C) with C = 1 − 2^−40: three roundings up give at most a factor (1+u)^3,
 * and C(1+u)^3 ≤ 1 − γ_n for n ≤ 8,000 lines, so κ ≤ |M|/W. If later every price moves by a relative
 * amount at most D < κ (|P'_a/P_a − 1| ≤ D), then |M' − M| = |Σ x_j(P'_j/P_j − 1)| ≤ D·W < |M|, so
 * M' has the sign of M: the account's status cannot have changed, and it need not be looked at.
 */

import { assert } from '../../math/errors.js';
import { ratioToDouble } from './ratio.js';

/** Unit roundoff of IEEE 754 binary64 with round to nearest: u = 2^−53. */
export const UNIT_ROUNDOFF = 2 ** -53;

/** Higham's γ_n = n·u / (1 − n·u) (as a double, for documentation and tests). */
export function gamma(n: number): number {
  return (n * UNIT_ROUNDOFF) / (1 - n * UNIT_ROUNDOFF);
}

/**
 * The factor c_n = (m + 2)·2^−52 the screen multiplies the absolute sum by, for an account with
 * `lineCount` = m lines: exact in binary, and ≥ γ_n/(1−γ_n)/(1−u) with n = m + 2 (see the file
 * comment).
 */
export function boundFactor(lineCount: number): number {
  return (lineCount + 2) * 2 ** -52;
}

/** Headroom certificates shrink by this factor (1 − 2^−40) to absorb their own rounding. */
export const HEADROOM_SHRINK = 1 - 2 ** -40;

/** Most lines an account may have for the headroom certificate's constant to hold (n ≤ 8,000). */
export const SCREEN_LINES_MAX = 4_096;

/** What the screen concludes about one account. */
export const Verdict = {
  /** Proven not liquidatable (exact margin > 0): no bigint needed. */
  Healthy: 0,
  /**
   * Proven liquidatable (exact margin < 0). The detector still confirms it in bigint before it
   * enters the liquidatable set; an account already in the set stays without a new check.
   */
  Liquidatable: 1,
  /** The float margin is within its error bound of 0 (or overflowed): decide in bigint. */
  Uncertain: 2,
} as const;
/** One of the {@link Verdict} values. */
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/**
 * The screen with its headroom certificate (see the file comment), over the same storage as
 * {@link screenLines}: returns κ > 0 when the account is proven healthy with |M|/W ≥ κ, −κ < 0 when
 * it is proven liquidatable with |M|/W ≥ κ, and 0 when the screen is uncertain. Allocation-free.
 */
export function screenHeadroom(
  priceF: Float64Array,
  lineAsset: Int32Array,
  lineCoefF: Float64Array,
  start: number,
  count: number,
): number {
  let sum = 0;
  let abs = 0;
  const end = start + count;
  for (let j = start; j < end; j++) {
    const t = (priceF[lineAsset[j] as number] as number) * (lineCoefF[j] as number);
    sum += t;
    abs += Math.abs(t); // branch-free: the signs of an account's lines follow no pattern
  }
  // Literals, not boundFactor / HEADROOM_SHRINK / Number.POSITIVE_INFINITY: this runs once per
  // account in a full re-evaluation, where each module constant or global read costs a load and a
  // check (measured: several ms per 1M accounts). screen.test.ts checks they are the same numbers.
  const bound = (count + 2) * 2.220446049250313e-16 * abs; // boundFactor(count): (m + 2)·2^−52
  if (!(bound < Infinity)) return 0; // overflow or NaN: uncertain
  if (sum > bound) return ((sum - bound) / abs) * 0.9999999999990905; // HEADROOM_SHRINK = 1 − 2^−40
  if (sum < -bound) return ((sum + bound) / abs) * 0.9999999999990905;
  return 0;
}

/**
 * The screen's verdict over structure-of-arrays storage: lines `start … start+count−1` of
 * `lineAsset` (asset index) and `lineCoefF` (the double nearest to the exact net coefficient N),
 * priced by `priceF` (the double nearest to each exact price). The sign of {@link screenHeadroom}.
 */
export function screenLines(
  priceF: Float64Array,
  lineAsset: Int32Array,
  lineCoefF: Float64Array,
  start: number,
  count: number,
): Verdict {
  const headroom = screenHeadroom(priceF, lineAsset, lineCoefF, start, count);
  return headroom > 0 ? Verdict.Healthy : headroom < 0 ? Verdict.Liquidatable : Verdict.Uncertain;
}

/**
 * An upper bound on the relative move |price/refPrice − 1| as a double: the correctly rounded
 * quotient (ratio.ts) raised by 2^−50, more than its rounding and the product's (2u + u²).
 * @param price, refPrice exact prices > 0.
 */
export function driftUpperBound(price: bigint, refPrice: bigint): number {
  const diff = price > refPrice ? price - refPrice : refPrice - price;
  return ratioToDouble(diff, refPrice) * (1 + 2 ** -50);
}

/** The screen's numbers for one account, for tests and explanations. */
export interface ScreenResult {
  /** The float margin s = fl(Σ fl(P)·fl(N)). */
  readonly marginF: number;
  /** The float absolute sum a = fl(Σ |fl(P)·fl(N)|). */
  readonly absSumF: number;
  /** B = fl(c_n·a): proven ≥ |s − exact margin|. */
  readonly boundF: number;
  readonly verdict: Verdict;
  /** The signed headroom certificate of {@link screenHeadroom} (0 when uncertain). */
  readonly headroom: number;
}

/**
 * Screens one account given as exact prices and net coefficients (same length, line j priced by
 * `prices[j]`): the same computation, in the same order, as {@link screenLines}.
 * @param prices exact prices > 0 (any scale, as long as the coefficients match it).
 * @param coefs exact net coefficients N (signed).
 */
export function screenTerms(prices: readonly bigint[], coefs: readonly bigint[]): ScreenResult {
  assert(prices.length === coefs.length, 'screenTerms needs one price per coefficient');
  const count = coefs.length;
  const priceF = new Float64Array(count);
  const lineAsset = new Int32Array(count);
  const lineCoefF = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    priceF[j] = Number(prices[j] as bigint);
    lineAsset[j] = j;
    lineCoefF[j] = Number(coefs[j] as bigint);
  }
  let marginF = 0;
  let absSumF = 0;
  for (let j = 0; j < count; j++) {
    const t = (priceF[j] as number) * (lineCoefF[j] as number);
    marginF += t;
    absSumF += Math.abs(t);
  }
  return {
    marginF,
    absSumF,
    boundF: boundFactor(count) * absSumF,
    verdict: screenLines(priceF, lineAsset, lineCoefF, 0, count),
    headroom: screenHeadroom(priceF, lineAsset, lineCoefF, 0, count),
  };
}
