/** Unit tests for the fixed-point scale constants, brand helpers and pow10. */
import { describe, expect, test } from 'vitest';
import { InvalidDecimalsError, SolventError } from './errors.js';
import {
  asBps,
  asE30,
  asPpm,
  asRad,
  asRay,
  asWad,
  BPS,
  E30_ONE,
  MAX_UINT256,
  PPM,
  pow10,
  RAD,
  RAY,
  WAD,
} from './units.js';

describe('constants', () => {
  test('default', () => {
    // Written out digit by digit, independently of `10n ** k`.
    expect(WAD).toBe(1_000_000_000_000_000_000n);
    expect(RAY).toBe(1_000_000_000_000_000_000_000_000_000n);
    expect(RAD).toBe(BigInt(`1${'0'.repeat(45)}`));
    expect(E30_ONE).toBe(BigInt(`1${'0'.repeat(30)}`));
    expect(BPS).toBe(10_000n);
    expect(PPM).toBe(1_000_000n);
  });

  test('behavior: RAD is WAD times RAY, as in Maker (dai [rad] = art [wad] × rate [ray])', () => {
    expect(RAD).toBe(WAD * RAY);
  });

  test('behavior: MAX_UINT256 is 64 hex f digits (2^256 − 1)', () => {
    expect(MAX_UINT256).toBe(BigInt(`0x${'f'.repeat(64)}`));
    expect(MAX_UINT256.toString(2)).toBe('1'.repeat(256));
  });
});

describe('as*', () => {
  test('default', () => {
    // Brands are compile-time only: the value passes through unchanged.
    for (const f of [asWad, asRay, asRad, asBps, asPpm, asE30]) {
      expect(f(0n)).toBe(0n);
      expect(f(123n)).toBe(123n);
      expect(f(MAX_UINT256)).toBe(MAX_UINT256);
    }
  });
});

describe('pow10', () => {
  test('default', () => {
    expect(pow10(0)).toBe(1n);
    expect(pow10(1)).toBe(10n);
    expect(pow10(6)).toBe(1_000_000n);
    expect(pow10(18)).toBe(WAD);
    expect(pow10(27)).toBe(RAY);
  });

  test('behavior: the whole uint8 range is accepted', () => {
    expect(pow10(255)).toBe(BigInt(`1${'0'.repeat(255)}`));
  });

  test('error: decimals outside the integers 0..255 are refused with InvalidDecimalsError', () => {
    for (const bad of [-1, 256, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => pow10(bad)).toThrow(InvalidDecimalsError);
      expect(() => pow10(bad)).toThrow(SolventError);
    }
  });
});
