/**
 * Tests of the report's text formatting: escaping, compact and grouped numbers, and UTC dates
 * checked against unix times worked out by hand (days since 1970 × 86,400).
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { escapeXml, formatCompact, formatGrouped, formatUtc, utcDateTime } from './format.js';

describe('escapeXml', () => {
  test('default', () => {
    expect(escapeXml('plain text')).toBe('plain text');
    expect(escapeXml('<script>alert("x&y")</script>')).toBe(
      '&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;',
    );
  });

  test("behavior: quotes, control characters and lone surrogates are made safe; ' and pairs survive", () => {
    expect(escapeXml("it's")).toBe('it&#39;s');
    expect(escapeXml('a\u0000b\u001fc')).toBe('a\uFFFDb\uFFFDc');
    expect(escapeXml('tab\tline\nreturn\r')).toBe('tab\tline\nreturn\r');
    expect(escapeXml('x\ud800y')).toBe('x\uFFFDy');
    expect(escapeXml('x\udc00y')).toBe('x\uFFFDy');
    expect(escapeXml('ETH 📉')).toBe('ETH 📉');
    expect(escapeXml('&amp;')).toBe('&amp;amp;');
  });
});

describe('formatCompact', () => {
  test('default', () => {
    const table: readonly [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1, '1'],
      [12.5, '12.5'],
      [195.2, '195'],
      [999.4, '999'],
      [999.7, '1k'],
      [999.5, '1k'],
      [1234, '1.23k'],
      [-1234, '-1.23k'],
      [2_240_954.04, '2.24M'],
      [999_999, '1M'],
      [1.5e9, '1.5B'],
      [2e12, '2T'],
      [3.2e15, '3.2e15'],
      [0.5, '0.5'],
      [0.012345, '0.0123'],
      [1.5e-7, '1.5e-7'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, '∞'],
      [Number.NEGATIVE_INFINITY, '-∞'],
    ];
    for (const [value, text] of table) expect(formatCompact(value), String(value)).toBe(text);
  });

  test('behavior: fewer significant digits', () => {
    expect(formatCompact(1234, 2)).toBe('1.2k');
    expect(formatCompact(87_146.5, 1)).toBe('90k');
  });

  test('error: significant digits out of range', () => {
    expect(() => formatCompact(1, 0)).toThrow(InvalidParameterError);
    expect(() => formatCompact(1, 1.5)).toThrow(InvalidParameterError);
  });
});

describe('formatGrouped', () => {
  test('default', () => {
    expect(formatGrouped(2_240_954.0395, 2)).toBe('2,240,954.04');
    expect(formatGrouped(0)).toBe('0');
    expect(formatGrouped(999)).toBe('999');
    expect(formatGrouped(1000)).toBe('1,000');
    expect(formatGrouped(1_234_567.891, 1)).toBe('1,234,567.9');
  });

  test('behavior: signs: negatives keep it, values that round to zero lose it', () => {
    expect(formatGrouped(-87_146.5, 0)).toBe('-87,147');
    expect(formatGrouped(-0.001, 2)).toBe('0.00');
    expect(formatGrouped(-0, 0)).toBe('0');
    expect(formatGrouped(Number.NEGATIVE_INFINITY)).toBe('-∞');
  });

  test('error: decimals out of range', () => {
    expect(() => formatGrouped(1, -1)).toThrow(InvalidParameterError);
    expect(() => formatGrouped(1, 21)).toThrow(InvalidParameterError);
  });
});

describe('utcDateTime', () => {
  test('default', () => {
    expect(utcDateTime(0)).toEqual({ year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
    // 2020-03-12: 50 years of 365 days + 12 leap days (1972…2016) = 18,262 days to 2020-01-01,
    // + 31 (Jan) + 29 (Feb 2020) + 11 = 18,333 days = 1,583,971,200 s.
    expect(utcDateTime(1_583_971_200)).toEqual({
      year: 2020,
      month: 3,
      day: 12,
      hour: 0,
      minute: 0,
      second: 0,
    });
  });

  test('behavior: hand-worked times: leap days, century rules, negatives and fractions', () => {
    // 10^9 s = 11,574 days + 6,400 s; day 11,574 is 2001-01-01 (11,323) + 251 = September 9.
    expect(formatUtc(1e9, 'second')).toBe('2001-09-09 01:46:40');
    // 2000 is a leap year (divisible by 400): 10,957 days to 2000-01-01, + 59 → 2000-02-29.
    expect(formatUtc(951_782_400, 'date')).toBe('2000-02-29');
    expect(formatUtc(951_782_400 + 86_400, 'date')).toBe('2000-03-01');
    // 2100 is not: 47,482 days to 2100-01-01; + 58 → 2100-02-28, + 59 → 2100-03-01.
    expect(formatUtc(4_102_444_800, 'date')).toBe('2100-01-01');
    expect(formatUtc(4_102_444_800 + 58 * 86_400, 'date')).toBe('2100-02-28');
    expect(formatUtc(4_102_444_800 + 59 * 86_400, 'date')).toBe('2100-03-01');
    expect(formatUtc(-1, 'second')).toBe('1969-12-31 23:59:59');
    expect(formatUtc(-62_135_596_800, 'date')).toBe('0001-01-01');
    expect(formatUtc(1_583_971_200 + 0.9, 'second')).toBe('2020-03-12 00:00:00');
  });

  test('error: a time that is not finite', () => {
    expect(() => utcDateTime(Number.NaN)).toThrow(InvalidParameterError);
    expect(() => utcDateTime(Number.POSITIVE_INFINITY)).toThrow(InvalidParameterError);
    expect(() => utcDateTime(1e16)).toThrow(InvalidParameterError);
  });
});

describe('formatUtc', () => {
  test('default', () => {
    expect(formatUtc(1_583_971_200 + 6 * 3600 + 30 * 60 + 15)).toBe('2020-03-12 06:30');
  });

  test('behavior: every format', () => {
    const t = 1_583_971_200 + 6 * 3600 + 30 * 60 + 15;
    expect(formatUtc(t, 'date')).toBe('2020-03-12');
    expect(formatUtc(t, 'minute')).toBe('2020-03-12 06:30');
    expect(formatUtc(t, 'second')).toBe('2020-03-12 06:30:15');
    expect(formatUtc(t, 'time')).toBe('06:30');
    expect(formatUtc(t, 'monthDayMinute')).toBe('03-12 06:30');
  });

  test('error: a time that is not finite', () => {
    expect(() => formatUtc(Number.NaN)).toThrow(InvalidParameterError);
  });
});
