/**
 * Property tests for parseDecimal / formatDecimal: exact round trips for every bigint and every
 * decimals in 0..36, canonical output, and rounding of surplus digits checked against the exact
 * rational digits / 10^k computed independently here.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatDecimal, parseDecimal } from './decimal.js';
import { DecimalParseError } from './errors.js';
import { Rounding } from './mulDiv.js';

const { Down, Up, HalfUp } = Rounding;
const anyBigint = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }),
  fc.constantFrom(0n, 10n ** 18n, -(10n ** 36n), (1n << 256n) - 1n),
);
const decimals = fc.integer({ min: 0, max: 36 });
const digits = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength, maxLength });

describe('formatDecimal', () => {
  test('behavior: parse(format(x)) = x for every bigint and decimals in 0..36', () => {
    fc.assert(
      fc.property(anyBigint, decimals, (value, d) => {
        expect(parseDecimal(formatDecimal(value, d), d, { allowNegative: true })).toBe(value);
      }),
      { numRuns: 600 },
    );
  });

  test('behavior: output is canonical (no leading zeros, no trailing fractional zeros, no "-0")', () => {
    const canonical = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;
    fc.assert(
      fc.property(anyBigint, decimals, (value, d) => {
        const text = formatDecimal(value, d);
        expect(text).toMatch(canonical);
        expect(text).not.toBe('-0');
        expect(text.startsWith('-')).toBe(value < 0n);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: the digits are value·10^−d exactly: fraction digits ≤ d and re-scaling recovers value', () => {
    fc.assert(
      fc.property(anyBigint, decimals, (value, d) => {
        const text = formatDecimal(value, d);
        const [whole = '', fraction = ''] = text.replace('-', '').split('.');
        expect(fraction.length <= d).toBe(true);
        const magnitude = BigInt(whole + fraction) * 10n ** BigInt(d - fraction.length);
        expect(value < 0n ? -magnitude : magnitude).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseDecimal', () => {
  test('behavior: format(parse(s)) is s without leading zeros and trailing fractional zeros', () => {
    fc.assert(
      fc.property(digits(1, 40), digits(0, 36), decimals, (whole, fraction, d) => {
        fc.pre(fraction.length <= d);
        const input = fraction === '' ? whole : `${whole}.${fraction}`;
        const trimmedWhole = whole.replace(/^0+(?=\d)/, '');
        const trimmedFraction = fraction.replace(/0+$/, '');
        const expected = trimmedFraction === '' ? trimmedWhole : `${trimmedWhole}.${trimmedFraction}`;
        expect(formatDecimal(parseDecimal(input, d), d)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: surplus digits round as the exact rational N / 10^k does (Down, Up, HalfUp)', () => {
    // N is all the digits read as an integer; the value in units of 10^−d is N / 10^k with
    // k = fraction digits − d > 0.
    fc.assert(
      fc.property(
        digits(1, 30),
        digits(1, 40),
        fc.integer({ min: 0, max: 36 }),
        fc.boolean(),
        (w, f, d, negative) => {
          fc.pre(f.length > d);
          const n = BigInt(w + f);
          const k = 10n ** BigInt(f.length - d);
          const floor = n / k;
          const exact = n % k === 0n;
          const expected = {
            [Down]: floor,
            [Up]: exact ? floor : floor + 1n,
            [HalfUp]: 2n * (n % k) >= k ? floor + 1n : floor, // N/k ≥ floor + 1/2 ⇔ 2(N mod k) ≥ k
          };
          const sign = negative ? '-' : '';
          for (const rounding of [Down, Up, HalfUp]) {
            const got = parseDecimal(`${sign}${w}.${f}`, d, { rounding, allowNegative: true });
            // The rounding acts on the magnitude.
            expect(got).toBe(negative ? -expected[rounding] : expected[rounding]);
          }
          // Without a rounding only lossless input is accepted.
          if (exact) expect(parseDecimal(`${w}.${f}`, d)).toBe(floor);
          else expect(() => parseDecimal(`${w}.${f}`, d)).toThrow(DecimalParseError);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('behavior: Down ≤ HalfUp ≤ Up, Up − Down ∈ {0, 1}, and all monotone in the input', () => {
    fc.assert(
      fc.property(
        digits(1, 20),
        digits(1, 30),
        digits(1, 30),
        fc.integer({ min: 0, max: 20 }),
        (w, f1, f2, d) => {
          // Two numbers with the same whole part and fractions padded to one length compare as strings.
          const len = Math.max(f1.length, f2.length);
          const [lo, hi] = [f1.padEnd(len, '0'), f2.padEnd(len, '0')].sort();
          for (const rounding of [Down, Up, HalfUp]) {
            expect(
              parseDecimal(`${w}.${lo}`, d, { rounding }) <= parseDecimal(`${w}.${hi}`, d, { rounding }),
            ).toBe(true);
          }
          const down = parseDecimal(`${w}.${f1}`, d, { rounding: Down });
          const half = parseDecimal(`${w}.${f1}`, d, { rounding: HalfUp });
          const up = parseDecimal(`${w}.${f1}`, d, { rounding: Up });
          expect(down <= half && half <= up).toBe(true);
          expect(up - down === 0n || up - down === 1n).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('error: a valid decimal with any foreign character inserted is refused', () => {
    const foreign = fc.constantFrom(' ', ',', 'e', 'E', '_', 'x', '٣', '\t', '\n', '/', '*', 'n');
    fc.assert(
      fc.property(digits(1, 10), digits(0, 10), foreign, fc.nat(), (w, f, ch, at) => {
        const valid = f === '' ? w : `${w}.${f}`;
        const i = at % (valid.length + 1);
        const input = valid.slice(0, i) + ch + valid.slice(i);
        expect(() => parseDecimal(input, 18, { allowNegative: true, rounding: Down })).toThrow(
          DecimalParseError,
        );
      }),
      { numRuns: 300 },
    );
  });

  test('error: a negative without allowNegative is refused, with it the value is the negated magnitude', () => {
    fc.assert(
      fc.property(digits(1, 20), digits(0, 10), fc.integer({ min: 10, max: 36 }), (w, f, d) => {
        const text = f === '' ? w : `${w}.${f}`;
        expect(() => parseDecimal(`-${text}`, d)).toThrow(DecimalParseError);
        expect(parseDecimal(`-${text}`, d, { allowNegative: true })).toBe(-parseDecimal(text, d));
      }),
      { numRuns: 300 },
    );
  });
});
