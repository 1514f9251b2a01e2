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
 * Reads a plain decimal string (`"1234.5"`, no exponent, no separators) as an integer scaled by
 * 10^decimals. `parseDecimal("1.5", 18)` is 1.5e18.
 * @throws DecimalParseError on malformed input, on a sign that is not allowed, or on more than
 * `decimals` fractional digits when no rounding is given.
 */
export function parseDecimal(input: string, decimals: number, options: ParseDecimalOptions = {}): bigint {
  const m = DECIMAL.exec(input.trim());
  if (m === null) {
    throw new DecimalParseError(input, 'expected digits with an optional fraction, like 1234.5', [
      'Write plain decimals: no exponent, no thousands separators.',
    ]);
  }
  const sign = m[1] ?? '';
  const whole = m[2] ?? '0';
  const fraction = m[3] ?? '';
  if (sign === '-' && options.allowNegative !== true) {
    throw new DecimalParseError(input, 'negative amounts are not allowed here');
  }
  const unit = pow10(decimals);
  let magnitude: bigint;
  if (fraction.length <= decimals) {
    magnitude = BigInt(whole) * unit + BigInt(fraction.padEnd(decimals, '0') || '0');
  } else {
    if (options.rounding === undefined) {
      throw new DecimalParseError(input, `it has ${fraction.length} fractional digits, more than ${decimals}`, [
        'Pass a rounding (Down, Up or HalfUp) to accept the loss, or supply fewer digits.',
      ]);
    }
    const kept = BigInt(whole) * unit + BigInt(fraction.slice(0, decimals) || '0');
    const rest = fraction.slice(decimals);
    const restIsZero = /^0*$/.test(rest);
    // Rounding applies to the magnitude; for negatives `Up` therefore moves away from zero too.
    let bump = false;
    if (!restIsZero) {
      if (options.rounding === Rounding.Up) bump = true;
      else if (options.rounding === Rounding.HalfUp) bump = (rest[0] ?? '0') >= '5';
    }
    magnitude = bump ? kept + 1n : kept;
  }
  return sign === '-' ? -magnitude : magnitude;
}

/**
 * Writes an integer scaled by 10^decimals as a plain decimal string without trailing zeros:
 * `formatDecimal(1500000000000000000n, 18)` is `"1.5"`. Exact: no digit is ever lost.
 */
export function formatDecimal(value: bigint, decimals: number): string {
  const unit = pow10(decimals);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = magnitude / unit;
  const fraction = (magnitude % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}
