/**
 * Tests of the WAD transcendental functions against decimal.js at 100 significant digits (an
 * independent implementation) and against published values of the normal distribution.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import { OverflowError } from './errors.js';
import { Rounding } from './mulDiv.js';
import {
  expWad,
  isqrt,
  lnWad,
  normalCdfWad,
  normalQuantileWad,
  sqrtWad,
  TranscendentalDomainError,
} from './transcendental.js';
import { MAX_UINT256, WAD } from './units.js';

const D = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_UP });
const E18 = new D(10).pow(18);
/** Exact value × 1e18 as a Decimal (the ulp of a WAD is 1). */
const wadOf = (x: bigint) => new D(x.toString()).div(E18);
/** |ours − exact| in ulps (1e-18). */
function ulpError(ours: bigint, exactTimesWad: Decimal): number {
  return new D(ours.toString()).minus(exactTimesWad).abs().toNumber();
}

/** Φ(x) by its alternating Taylor series at 100 digits: an implementation independent of ours. */
function phiDecimal(x: Decimal): Decimal {
  const pi = D.acos(-1);
  let sum = new D(0);
  let power = x; // x^(2n+1)
  let factor = new D(1); // 2^n n!
  for (let n = 0; n < 2_000; n++) {
    const term = power.div(factor.times(2 * n + 1));
    sum = n % 2 === 0 ? sum.plus(term) : sum.minus(term);
    if (term.abs().lt('1e-60')) break;
    power = power.times(x).times(x);
    factor = factor.times(2 * (n + 1));
  }
  return new D(0.5).plus(sum.div(pi.times(2).sqrt()));
}

describe('lnWad', () => {
  test('default: ln 1 = 0, ln 2 and ln 10 to the nearest WAD', () => {
    expect(lnWad(WAD)).toBe(0n);
    // ln 2 = 0.693147180559945309417…, ln 10 = 2.302585092994045684017… (published constants)
    expect(lnWad(2n * WAD)).toBe(693_147_180_559_945_309n);
    expect(lnWad(10n * WAD)).toBe(2_302_585_092_994_045_684n);
    expect(lnWad(WAD / 2n)).toBe(-693_147_180_559_945_309n);
  });

  test('behavior: within half an ulp of decimal.js across the range', () => {
    const xs = [
      1n,
      2n,
      999n,
      10n ** 9n,
      WAD - 1n,
      WAD + 1n,
      1_414_213_562_373_095_048n, // √2
      2_718_281_828_459_045_235n, // e
      123_456_789_012_345_678_901n,
      10n ** 40n,
      MAX_UINT256,
    ];
    for (const x of xs) {
      const exact = wadOf(x).ln().times(E18);
      expect(ulpError(lnWad(x), exact), `x = ${x}`).toBeLessThanOrEqual(0.5 + 1e-12);
    }
  });

  test('error: ln of zero or a negative number', () => {
    expect(() => lnWad(0n)).toThrow(TranscendentalDomainError);
    expect(() => lnWad(-WAD)).toThrow(TranscendentalDomainError);
  });
});

describe('expWad', () => {
  test('default: e^0 = 1, e^1 = e and e^−1 to the nearest WAD', () => {
    expect(expWad(0n)).toBe(WAD);
    // e = 2.718281828459045235360…, 1/e = 0.367879441171442321595…
    expect(expWad(WAD)).toBe(2_718_281_828_459_045_235n);
    expect(expWad(-WAD)).toBe(367_879_441_171_442_322n);
  });

  test('behavior: within half an ulp of decimal.js, from tiny results to 2^256', () => {
    const xs = [
      -42n * WAD,
      -41n * WAD - 123n,
      -20n * WAD,
      -1n,
      1n,
      WAD / 3n,
      5n * WAD + 17n,
      42n * WAD,
      100n * WAD + 999_999n,
      135n * WAD,
      135_998_000_000_000_000_000n,
    ];
    for (const x of xs) {
      const exact = wadOf(x).exp().times(E18);
      expect(ulpError(expWad(x), exact), `x = ${x}`).toBeLessThanOrEqual(0.5 + 1e-12);
    }
  });

  test('behavior: 0 where the exact value is below half an ulp', () => {
    expect(expWad(-43n * WAD)).toBe(0n);
    expect(expWad(-1_000n * WAD)).toBe(0n);
    // e^−42 ≈ 5.7e-19: rounds to 1 ulp
    expect(expWad(-42n * WAD)).toBe(1n);
  });

  test('error: a result above 2^256 − 1', () => {
    // ln((2^256 − 1)/1e18)·1e18, from decimal.js: the largest argument whose result fits.
    const limit = BigInt(
      new D(MAX_UINT256.toString())
        .div(E18)
        .ln()
        .times(E18)
        .toDecimalPlaces(0, Decimal.ROUND_FLOOR)
        .toFixed(),
    );
    expect(expWad(limit - 1_000_000n)).toBeLessThanOrEqual(MAX_UINT256);
    expect(() => expWad(limit + 1_000_000n)).toThrow(OverflowError);
    expect(() => expWad(136n * WAD)).toThrow(OverflowError);
  });
});

describe('sqrtWad', () => {
  test('default: √4 = 2, √2 floored and ceiled', () => {
    expect(sqrtWad(4n * WAD, Rounding.Down)).toBe(2n * WAD);
    // √2 = 1.41421356237309504880…
    expect(sqrtWad(2n * WAD, Rounding.Down)).toBe(1_414_213_562_373_095_048n);
    expect(sqrtWad(2n * WAD, Rounding.Up)).toBe(1_414_213_562_373_095_049n);
    expect(sqrtWad(2n * WAD, Rounding.HalfUp)).toBe(1_414_213_562_373_095_049n);
    expect(sqrtWad(0n, Rounding.Up)).toBe(0n);
  });

  test('behavior: floor and ceil bracket the exact root; HalfUp is the nearest', () => {
    expect(sqrtWad(WAD, Rounding.Up)).toBe(WAD); // a perfect square: no rounding
    for (const x of [3n, 10n ** 17n, 5n * WAD + 1n, 10n ** 40n + 7n, MAX_UINT256]) {
      const down = sqrtWad(x, Rounding.Down);
      const up = sqrtWad(x, Rounding.Up);
      expect(down * down).toBeLessThanOrEqual(x * WAD);
      expect((down + 1n) * (down + 1n)).toBeGreaterThan(x * WAD);
      expect(up - down).toBe(down * down === x * WAD ? 0n : 1n);
      const exact = new D((x * WAD).toString()).sqrt();
      expect(ulpError(sqrtWad(x, Rounding.HalfUp), exact)).toBeLessThanOrEqual(0.5);
    }
    expect(isqrt(99n)).toBe(9n);
    expect(isqrt(100n)).toBe(10n);
  });

  test('error: a negative argument', () => {
    expect(() => sqrtWad(-1n, Rounding.Down)).toThrow(TranscendentalDomainError);
    expect(() => isqrt(-1n)).toThrow(TranscendentalDomainError);
  });
});

describe('normalCdfWad', () => {
  test('default: published values of Φ', () => {
    expect(normalCdfWad(0n)).toBe(WAD / 2n);
    // Φ(1) = 0.841344746068542948585…, Φ(1.96) = 0.975002104851779565…, Φ(−3) = 0.001349898031630094526…
    expect(normalCdfWad(WAD)).toBe(841_344_746_068_542_949n);
    expect(normalCdfWad(1_960_000_000_000_000_000n)).toBe(975_002_104_851_779_566n);
    expect(normalCdfWad(-3n * WAD)).toBe(1_349_898_031_630_095n);
  });

  test('behavior: within half an ulp of an independent series at 100 digits', () => {
    const xs = [
      -9_500_000_000_000_000_000n,
      -8n * WAD,
      -6_123_456_789_000_000_000n,
      -2n * WAD - 1n,
      -1n,
      1n,
      WAD / 7n,
      2_575_829_303_548_900_000n,
      4n * WAD,
      7n * WAD + 3n,
    ];
    for (const x of xs) {
      const exact = phiDecimal(wadOf(x)).times(E18);
      expect(ulpError(normalCdfWad(x), exact), `x = ${x}`).toBeLessThanOrEqual(0.5 + 1e-9);
    }
  });

  test('behavior: saturates at |x| ≥ 10 and is symmetric', () => {
    expect(normalCdfWad(10n * WAD)).toBe(WAD);
    expect(normalCdfWad(-10n * WAD)).toBe(0n);
    expect(normalCdfWad(-50n * WAD)).toBe(0n);
    for (const x of [WAD / 3n, 2n * WAD, 5n * WAD]) {
      const sum = normalCdfWad(x) + normalCdfWad(-x);
      expect(sum >= WAD - 1n && sum <= WAD + 1n).toBe(true);
    }
  });
});

describe('normalQuantileWad', () => {
  test('default: Φ⁻¹(0.975) = 1.959963984540…', () => {
    const z = normalQuantileWad(975_000_000_000_000_000n);
    expect(Number(z - 1_959_963_984_540_054_000n)).toBeLessThan(1e4);
    expect(Number(z - 1_959_963_984_540_054_000n)).toBeGreaterThan(-1e4);
    // Φ(−1 ulp) = 1/2 − 0.399 ulp rounds to 1/2: the smallest such x is −1, not 0.
    expect(normalQuantileWad(WAD / 2n)).toBe(-1n);
  });

  test('behavior: the bisection brackets p between x − 1 and x', () => {
    for (const p of [1n, 10n ** 15n, WAD / 40n, (WAD * 99n) / 100n, WAD - 1n]) {
      const z = normalQuantileWad(p);
      expect(normalCdfWad(z)).toBeGreaterThanOrEqual(p);
      expect(normalCdfWad(z - 1n)).toBeLessThan(p);
    }
  });

  test('error: p outside (0, 1)', () => {
    expect(() => normalQuantileWad(0n)).toThrow(TranscendentalDomainError);
    expect(() => normalQuantileWad(WAD)).toThrow(TranscendentalDomainError);
  });
});
