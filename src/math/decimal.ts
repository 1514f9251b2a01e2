/**
 * Strict decimal parsing and formatting for fixed-point integers. Unlike viem's `parseUnits`,
 * surplus fractional digits are refused unless the caller names a rounding.
 */
import { DecimalParseError } from './errors.js';
import { Rounding } from './mulDiv.js';
import { pow10 } from './units.js';

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Options of {@link parseDecimal}. */
export interface ParseDecimalOptions {
  /** How to round digits beyond `decimals`; without it they are refused. */
  readonly rounding?: Rounding;
  /** Accept a leading minus sign (default false: amounts are unsigned). */
  readonly allowNegative?: boolean;
}

/**
 * Reads a plain decimal string (`"1234.5"`: ASCII digits, an optional fraction with at least one
 * digit on each side of the point, an optional leading sign; no exponent, no separators, no
 * surrounding spaces) as an integer scaled by 10^decimals. `parseDecimal("1.5", 18)` is 1.5e18.
 * A rounding applies to the magnitude, so for a negative input `Down` truncates toward zero, `Up`
 * moves away from zero and `HalfUp` breaks ties away from zero.
 * @throws InvalidDecimalsError unless `decimals` is an integer in [0, 255]; DecimalParseError on
 * malformed input, on a minus sign without `allowNegative`, or on non-zero fractional digits beyond
 * `decimals` when no rounding is given (surplus zeros are exact and accepted).
 */
export function parseDecimal(input: string, decimals: number, options: ParseDecimalOptions = {}): bigint {
  const unit = pow10(decimals);
  const m = DECIMAL.exec(input);
  if (m === null) {
    throw new DecimalParseError(input, 'expected digits with an optional fraction, like 1234.5', [
      'Write plain decimals: no exponent, no thousands separators, no spaces.',
    ]);
  }
  const sign = m[1] ?? '';
  const whole = m[2] ?? '0';
  const fraction = m[3] ?? '';
  if (sign === '-' && options.allowNegative !== true) {
    throw new DecimalParseError(input, 'negative amounts are not allowed here');
  }
  const kept = BigInt(whole) * unit + BigInt(fraction.slice(0, decimals).padEnd(decimals, '0') || '0');
  const rest = fraction.slice(decimals);
  // Surplus digits that are all zeros lose nothing, so they need no rounding.
  if (/^0*$/.test(rest)) return sign === '-' ? -kept : kept;
  if (options.rounding === undefined) {
    throw new DecimalParseError(input, `it has ${fraction.length} fractional digits, more than ${decimals}`, [
      'Pass a rounding (Down, Up or HalfUp) to accept the loss, or supply fewer digits.',
    ]);
  }
  // The rounding applies to the magnitude; for negatives `Up` therefore moves away from zero too.
  // rest ≠ 0 here, so Up always bumps; HalfUp bumps when 0.rest ≥ 0.5, i.e. its first digit ≥ 5.
  let bump: boolean;
  switch (options.rounding) {
    case Rounding.Down:
      bump = false;
      break;
    case Rounding.Up:
      bump = true;
      break;
    case Rounding.HalfUp:
      bump = (rest[0] ?? '0') >= '5';
      break;
  }
  const magnitude = bump ? kept + 1n : kept;
  return sign === '-' ? -magnitude : magnitude;
}

/**
 * Writes an integer scaled by 10^decimals as a plain decimal string without trailing zeros:
 * `formatDecimal(1500000000000000000n, 18)` is `"1.5"`. Exact: no digit is ever lost, and
 * `parseDecimal(formatDecimal(x, d), d, { allowNegative: true })` is x.
 * @throws InvalidDecimalsError unless `decimals` is an integer in [0, 255].
 */
export function formatDecimal(value: bigint, decimals: number): string {
  const unit = pow10(decimals);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = magnitude / unit;
  const fraction = (magnitude % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}
