/**
 * Text formatting for the reports: XML/HTML escaping, compact and grouped numbers, and UTC dates
 * from unix seconds computed by integer arithmetic (no `Date`, so no clock and no time zone).
 */
import { InvalidParameterError } from '../engine/errors.js';

/**
 * Escapes text for XML and HTML, in element content and in quoted attribute values: `& < > " '`
 * become entities; control characters XML 1.0 forbids (U+0000–U+0008, U+000B, U+000C,
 * U+000E–U+001F) and lone surrogates become U+FFFD.
 */
export function escapeXml(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x26) out += '&amp;';
    else if (code === 0x3c) out += '&lt;';
    else if (code === 0x3e) out += '&gt;';
    else if (code === 0x22) out += '&quot;';
    else if (code === 0x27) out += '&#39;';
    else if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) out += '\uFFFD';
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text.slice(i, i + 2);
        i++;
      } else out += '\uFFFD';
    } else if (code >= 0xdc00 && code <= 0xdfff) out += '\uFFFD';
    else out += text[i];
  }
  return out;
}

const UNITS: readonly (readonly [scale: number, suffix: string])[] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/**
 * `value` rounded to `significantDigits`, in the shortest text: `String` of the rounded double drops
 * trailing zeros and writes 90 as `90` where `toPrecision(1)` would write `9e+1`.
 */
function roundedText(value: number, significantDigits: number): string {
  return String(Number(value.toPrecision(significantDigits)));
}

/**
 * A number in a few characters for chart labels: `significantDigits` significant digits (default
 * 3) with a k/M/B/T suffix from a thousand up, trailing zeros dropped: 1234 → `1.23k`,
 * 2_240_954 → `2.24M`, 999.7 → `1k`, 0.012345 → `0.0123`, 1.5e-7 → `1.5e-7`, 3.2e15 → `3.2e15`.
 * NaN → `NaN`, ±Infinity → `∞` / `-∞`; −0 → `0`.
 * @throws InvalidParameterError (field `significantDigits`) unless it is a whole number in [1, 21].
 */
export function formatCompact(value: number, significantDigits = 3): string {
  if (!Number.isInteger(significantDigits) || significantDigits < 1 || significantDigits > 21) {
    throw new InvalidParameterError(
      'significantDigits',
      `expected a whole number in [1, 21], got ${significantDigits}`,
    );
  }
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  // Round first, so 999.7 becomes 1k (not 1000) and 999_999 becomes 1M.
  // Scale the rounded value, not the raw one: 999.5 rounds to 1000 and must not come back as 0.999k.
  const rounded = Number(magnitude.toPrecision(significantDigits));
  if (rounded >= 1e15) {
    const [mantissa = '', exponent = ''] = rounded.toExponential(significantDigits - 1).split('e+');
    return `${sign}${String(Number(mantissa))}e${exponent}`;
  }
  for (const [scale, suffix] of UNITS) {
    if (rounded >= scale) {
      return `${sign}${roundedText(rounded / scale, significantDigits)}${suffix}`;
    }
  }
  return sign + roundedText(magnitude, significantDigits);
}

/**
 * A number with `decimals` fixed decimals and thousands separated by commas: 2240954.0395 with 2
 * → `2,240,954.04`; −87146.5 with 0 → `-87,147` (rounding of `toFixed`). Non-finite values give
 * `NaN` / `∞` / `-∞`; −0 and values that round to zero carry no sign.
 * @throws InvalidParameterError (field `decimals`) unless it is a whole number in [0, 20].
 */
export function formatGrouped(value: number, decimals = 0): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) {
    throw new InvalidParameterError('decimals', `expected a whole number in [0, 20], got ${decimals}`);
  }
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const text = Math.abs(value).toFixed(decimals);
  const [whole = text, fraction] = text.split('.');
  let grouped = '';
  for (let i = 0; i < whole.length; i++) {
    if (i > 0 && (whole.length - i) % 3 === 0) grouped += ',';
    grouped += whole[i];
  }
  const body = fraction === undefined ? grouped : `${grouped}.${fraction}`;
  return value < 0 && /[1-9]/.test(body) ? `-${body}` : body;
}

/** A UTC calendar date and time of day. */
export interface UtcDateTime {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  /** 1–31. */
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const SECONDS_PER_DAY = 86_400;

/**
 * The UTC date and time of a unix time (seconds since 1970-01-01T00:00:00Z, leap seconds not
 * counted, as unix time does); fractions of a second are dropped (floor), negative times work.
 * The day-to-civil conversion follows Howard Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms" (howardhinnant.github.io/date_algorithms.html, `civil_from_days`): days are shifted
 * to an era of 400 years that starts on 0000-03-01, so the leap day falls at the end of a year.
 * @throws InvalidParameterError (field `unixSeconds`) when it is not finite or beyond ±8.64e15 s.
 */
export function utcDateTime(unixSeconds: number): UtcDateTime {
  if (!Number.isFinite(unixSeconds) || Math.abs(unixSeconds) > 8.64e15) {
    throw new InvalidParameterError(
      'unixSeconds',
      `expected a finite time within ±8.64e15 s, got ${unixSeconds}`,
    );
  }
  const whole = Math.floor(unixSeconds);
  const days = Math.floor(whole / SECONDS_PER_DAY);
  const secondOfDay = whole - days * SECONDS_PER_DAY;
  const shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
  const era = Math.floor(shifted / 146_097); // 146,097 days in 400 Gregorian years
  const dayOfEra = shifted - era * 146_097; // [0, 146096]
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  ); // [0, 399]
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100)); // from March 1
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153); // [0, 11], 0 = March
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return {
    year,
    month,
    day,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor((secondOfDay % 3600) / 60),
    second: secondOfDay % 60,
  };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** How much of a UTC time {@link formatUtc} writes. */
export type UtcFormat = 'date' | 'minute' | 'second' | 'time' | 'monthDayMinute';

/**
 * A unix time (seconds) as UTC text: `date` → `2020-03-12`, `minute` → `2020-03-12 06:30`,
 * `second` → `2020-03-12 06:30:15`, `time` → `06:30`, `monthDayMinute` → `03-12 06:30`.
 * Years outside 0–9999 are written as they are (e.g. `-1-12-31`, `10000-01-01`).
 * @throws InvalidParameterError as {@link utcDateTime}.
 */
export function formatUtc(unixSeconds: number, format: UtcFormat = 'minute'): string {
  const t = utcDateTime(unixSeconds);
  const date = `${t.year < 0 || t.year > 9999 ? String(t.year) : String(t.year).padStart(4, '0')}-${pad2(t.month)}-${pad2(t.day)}`;
  const hm = `${pad2(t.hour)}:${pad2(t.minute)}`;
  switch (format) {
    case 'date':
      return date;
    case 'minute':
      return `${date} ${hm}`;
    case 'second':
      return `${date} ${hm}:${pad2(t.second)}`;
    case 'time':
      return hm;
    case 'monthDayMinute':
      return `${pad2(t.month)}-${pad2(t.day)} ${hm}`;
  }
}
