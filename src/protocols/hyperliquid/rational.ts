/**
 * Hyperliquid's documented real-number formulas (liquidation price, maintenance margin from max
 * leverage, ⅔ backstop threshold) run on the shared exact fractions of `src/math/rational.ts`;
 * this file keeps the short names the Hyperliquid model uses and reads vector inputs, which may
 * also be plain decimals.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import {
  parseRational as parseSharedRational,
  type Rational,
  RationalParseError,
  ratDiv,
} from '../../math/rational.js';

export type { Rational } from '../../math/rational.js';
export {
  formatRational,
  ratAdd as addR,
  ratCmp as cmpR,
  rational,
  rationalToNumber,
  ratMul as mulR,
  ratSub as subR,
} from '../../math/rational.js';

/** a / b, exact. @throws DivisionByZeroError (naming `divR`) when b = 0. */
export const divR = (a: Rational, b: Rational): Rational => ratDiv(a, b, 'divR');

/**
 * Parses `"a/b"`, an integer or a plain decimal (`"0.0125"`) string, or a safe-integer number.
 * @param field names the input in errors.
 * @throws InvalidParameterError when the value is none of those or has a zero denominator.
 */
export function parseRational(value: unknown, field: string): Rational {
  if (typeof value === 'string' || typeof value === 'number') {
    try {
      return parseSharedRational(value, { allowDecimal: true });
    } catch (error) {
      if (!(error instanceof RationalParseError)) throw error;
    }
  }
  throw new InvalidParameterError(
    field,
    `expected a rational ("num/den", an integer or a decimal), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}
