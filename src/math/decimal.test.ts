/** Table tests for strict decimal parsing and exact formatting; expectations are written by hand. */
import { describe, expect, test } from 'vitest';
import { formatDecimal, parseDecimal } from './decimal.js';
import { DecimalParseError, InvalidDecimalsError } from './errors.js';
import { Rounding } from './mulDiv.js';

const { Down, Up, HalfUp } = Rounding;

describe('parseDecimal', () => {
  test('default', () => {
    expect(parseDecimal('1.5', 18)).toBe(1_500_000_000_000_000_000n);
    expect(parseDecimal('1', 6)).toBe(1_000_000n);
    expect(parseDecimal('0.000001', 6)).toBe(1n);
    expect(parseDecimal('1234.5678', 4)).toBe(12_345_678n);
    expect(parseDecimal('0', 18)).toBe(0n);
    expect(parseDecimal('42', 0)).toBe(42n);
  });

  test('behavior: leading zeros and a plus sign are plain decimals', () => {
    expect(parseDecimal('007', 2)).toBe(700n);
    expect(parseDecimal('0.50', 2)).toBe(50n);
    expect(parseDecimal('+2', 1)).toBe(20n);
  });

  test('behavior: no size limit (values past uint256 are parsed exactly)', () => {
    const digits = '9'.repeat(100);
    expect(parseDecimal(`${digits}.5`, 1)).toBe(BigInt(`${digits}5`));
  });

  test('behavior: surplus fractional zeros lose nothing and are accepted', () => {
    expect(parseDecimal('1.5000000', 6)).toBe(1_500_000n);
    expect(parseDecimal('2.000', 0)).toBe(2n);
  });

  test('behavior: surplus precision with a rounding', () => {
    // [input, decimals, Down, Up, HalfUp]
    const table: readonly [string, number, bigint, bigint, bigint][] = [
      ['1.0000001', 6, 1_000_000n, 1_000_001n, 1_000_000n], // .1 of an ulp
      ['1.0000005', 6, 1_000_000n, 1_000_001n, 1_000_001n], // exactly half: HalfUp goes up
      ['1.00000049999', 6, 1_000_000n, 1_000_001n, 1_000_000n], // just under half
      ['1.0000009', 6, 1_000_000n, 1_000_001n, 1_000_001n],
      ['0.5', 0, 0n, 1n, 1n],
      ['0.49', 0, 0n, 1n, 0n],
      ['2.999', 2, 299n, 300n, 300n],
    ];
    for (const [input, decimals, down, up, halfUp] of table) {
      expect(parseDecimal(input, decimals, { rounding: Down })).toBe(down);
      expect(parseDecimal(input, decimals, { rounding: Up })).toBe(up);
      expect(parseDecimal(input, decimals, { rounding: HalfUp })).toBe(halfUp);
    }
  });

  test('behavior: a rounding changes nothing when the input fits', () => {
    for (const rounding of [Down, Up, HalfUp]) expect(parseDecimal('1.5', 6, { rounding })).toBe(1_500_000n);
  });

  test('behavior: negatives with allowNegative; rounding acts on the magnitude', () => {
    const opts = { allowNegative: true } as const;
    expect(parseDecimal('-1', 6, opts)).toBe(-1_000_000n);
    expect(parseDecimal('-0.000001', 6, opts)).toBe(-1n);
    expect(parseDecimal('-0', 6, opts)).toBe(0n);
    expect(parseDecimal('-1.0000001', 6, { ...opts, rounding: Down })).toBe(-1_000_000n); // toward zero
    expect(parseDecimal('-1.0000001', 6, { ...opts, rounding: Up })).toBe(-1_000_001n); // away from zero
    expect(parseDecimal('-1.0000005', 6, { ...opts, rounding: HalfUp })).toBe(-1_000_001n); // tie away from zero
    expect(parseDecimal('-1.0000004', 6, { ...opts, rounding: HalfUp })).toBe(-1_000_000n);
  });

  test('error: surplus precision without a rounding throws DecimalParseError', () => {
    expect(() => parseDecimal('1.0000001', 6)).toThrow(DecimalParseError);
    expect(() => parseDecimal('0.5', 0)).toThrow(DecimalParseError);
    expect(() => parseDecimal('1.0000000000000000001', 18)).toThrow(DecimalParseError);
  });

  test('error: malformed input throws DecimalParseError', () => {
    const malformed = [
      '1e5',
      '1E5',
      '1,000',
      '1_000',
      '',
      '1.',
      '.5',
      '--1',
      '+-1',
      '-',
      '+',
      '.',
      '1.2.3',
      ' 1',
      '1 ',
      ' ',
      '0x10',
      'Infinity',
      'NaN',
      '١',
      '1\n',
      '½',
    ];
    for (const input of malformed) {
      expect(() => parseDecimal(input, 18, { allowNegative: true, rounding: Down }), input).toThrow(
        DecimalParseError,
      );
    }
  });

  test('error: a minus sign without allowNegative throws DecimalParseError', () => {
    expect(() => parseDecimal('-1', 6)).toThrow(DecimalParseError);
    expect(() => parseDecimal('-0', 6)).toThrow(DecimalParseError);
    expect(() => parseDecimal('-1.5', 6, { allowNegative: false })).toThrow(DecimalParseError);
  });

  test('error: invalid decimals throw InvalidDecimalsError', () => {
    expect(() => parseDecimal('1', -1)).toThrow(InvalidDecimalsError);
    expect(() => parseDecimal('1', 256)).toThrow(InvalidDecimalsError);
    expect(() => parseDecimal('1', 1.5)).toThrow(InvalidDecimalsError);
  });
});

describe('formatDecimal', () => {
  test('default', () => {
    expect(formatDecimal(1_500_000_000_000_000_000n, 18)).toBe('1.5');
    expect(formatDecimal(1_000_000n, 6)).toBe('1');
    expect(formatDecimal(12_345_678n, 4)).toBe('1234.5678');
    expect(formatDecimal(0n, 18)).toBe('0');
  });

  test('behavior: strips trailing zeros but keeps leading fractional zeros', () => {
    expect(formatDecimal(1n, 18)).toBe('0.000000000000000001');
    expect(formatDecimal(1_050_000n, 6)).toBe('1.05');
    expect(formatDecimal(100n, 2)).toBe('1');
    expect(formatDecimal(1_000n, 0)).toBe('1000');
  });

  test('behavior: negatives', () => {
    expect(formatDecimal(-1n, 6)).toBe('-0.000001');
    expect(formatDecimal(-1_500_000n, 6)).toBe('-1.5');
    expect(formatDecimal(-5n, 0)).toBe('-5');
  });

  test('behavior: round-trips through parseDecimal', () => {
    const values = [0n, 1n, -1n, 10n ** 18n, 123_456_789_012_345_678_901_234_567_890n, -(2n ** 255n)];
    for (const value of values) {
      for (const decimals of [0, 1, 6, 18, 27, 36]) {
        expect(parseDecimal(formatDecimal(value, decimals), decimals, { allowNegative: true })).toBe(value);
      }
    }
  });

  test('error: invalid decimals throw InvalidDecimalsError', () => {
    expect(() => formatDecimal(1n, -1)).toThrow(InvalidDecimalsError);
    expect(() => formatDecimal(1n, Number.NaN)).toThrow(InvalidDecimalsError);
  });
});
