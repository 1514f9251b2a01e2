/**
 * dYdX v4's `big.Rat` arithmetic (the fillable price and the adjusted bankruptcy rating are
 * rationals on chain, never rounded until they are turned into subticks), on the shared exact
 * fractions of `src/math/rational.ts`; this file keeps the names the dYdX model uses.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { Rounding } from '../../math/mulDiv.js';
import {
  parseRational as parseSharedRational,
  type Rational,
  RationalParseError,
  roundRational,
} from '../../math/rational.js';

export type { Rational } from '../../math/rational.js';
export {
  formatRational,
  RAT_ONE,
  RAT_ZERO,
  ratAdd,
  ratClamp,
  ratCmp,
  ratDiv,
  rational,
  ratMul,
  ratMulPpm,
  ratSub,
} from '../../math/rational.js';

/**
 * `a` rounded to an integer: toward +∞ when `roundUp`, else toward −∞ (dYdX `lib.BigRatRound`).
 */
export const ratRound = (a: Rational, roundUp: boolean): bigint =>
  roundRational(a, roundUp ? Rounding.Up : Rounding.Down);

/**
 * Parses "num/den" (or a plain integer; surrounding spaces are ignored) into a reduced rational.
 * @throws InvalidParameterError naming `field` when the text is not a rational with a non-zero
 *   denominator.
 */
export function parseRational(text: string, field: string): Rational {
  try {
    return parseSharedRational(text.trim());
  } catch (error) {
    if (error instanceof RationalParseError) throw new InvalidParameterError(field, error.reason);
    throw error;
  }
}
