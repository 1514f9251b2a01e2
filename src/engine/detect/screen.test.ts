/**
 * Tests of the float64 screen: clear cases, adversarial cases where the float margin has the wrong
 * sign or cancels to zero (the bound must flag them uncertain), overflow, the error constants, the
 * headroom certificate and the drift bound. Expected values are derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import {
  boundFactor,
  driftUpperBound,
  gamma,
  HEADROOM_SHRINK,
  SCREEN_LINES_MAX,
  screenTerms,
  UNIT_ROUNDOFF,
  Verdict,
} from './screen.js';

describe('screenTerms', () => {
  test('default', () => {
    // M = 3·100 − 1·200 = 100 > 0, far from 0 relative to W = 500.
    const r = screenTerms([3n, 1n], [100n, -200n]);
    expect(r.marginF).toBe(100);
    expect(r.absSumF).toBe(500);
    expect(r.verdict).toBe(Verdict.Healthy);
  });

  test('behavior: a clearly underwater account is proven liquidatable', () => {
    // M = 2·100 − 1·300 = −100.
    expect(screenTerms([2n, 1n], [100n, -300n]).verdict).toBe(Verdict.Liquidatable);
  });

  test('behavior: float margin of the wrong sign is flagged uncertain', () => {
    // Prices 2^53 + 3 and 3·2^53 + 10, coefficients 3 and −1:
    // exact M = 3·(2^53 + 3) − (3·2^53 + 10) = 9 − 10 = −1 (liquidatable).
    // In doubles, 2^53 + 3 rounds to 2^53 + 4 (tie, even mantissa), 3·(2^53 + 4) = 3·2^53 + 12 is
    // exact, and 3·2^53 + 10 rounds to 3·2^53 + 8 (tie, even): the float margin is +4, healthy.
    const p1 = 2n ** 53n + 3n;
    const p2 = 3n * 2n ** 53n + 10n;
    const naiveFloat = Number(p1) * 3 + Number(p2) * -1;
    expect(naiveFloat).toBe(4);
    const exact = p1 * 3n - p2;
    expect(exact).toBe(-1n);
    const r = screenTerms([p1, p2], [3n, -1n]);
    expect(r.marginF).toBe(4);
    expect(r.verdict).toBe(Verdict.Uncertain);
    expect(r.boundF).toBeGreaterThanOrEqual(5); // |s − M| = 5
  });

  test('behavior: cancellation to zero is flagged uncertain', () => {
    // 10^4·(2^60 + 1) − 10^4·2^60 − 10^4 = 0 exactly (not liquidatable), but 10^4·(2^60 + 1)
    // = 625·2^64 + 10^4 rounds to 625·2^64 (ulp 2^21 there), so the float margin is −10^4 < 0.
    const coefs = [10_000n * (2n ** 60n + 1n), -10_000n * 2n ** 60n, -10_000n];
    expect(coefs.reduce((a, b) => a + b)).toBe(0n);
    const naiveFloat = coefs.reduce((acc, c) => acc + Number(c), 0);
    expect(naiveFloat).toBe(-10_000);
    const r = screenTerms([1n, 1n, 1n], coefs);
    expect(r.verdict).toBe(Verdict.Uncertain);
    expect(r.headroom).toBe(0);
  });

  test('behavior: an overflow to Infinity is uncertain, never healthy', () => {
    const r = screenTerms([10n ** 10n, 10n ** 10n], [10n ** 300n, -(10n ** 299n)]);
    expect(r.absSumF).toBe(Number.POSITIVE_INFINITY);
    expect(r.verdict).toBe(Verdict.Uncertain);
  });

  test('behavior: the headroom certificate is below |M|/W and close to it', () => {
    // M = 1100 − 1000 = 100, W = 2100: |M|/W = 1/21.
    const r = screenTerms([1n, 1n], [1_100n, -1_000n]);
    expect(r.headroom).toBeGreaterThan(0);
    expect(r.headroom).toBeLessThanOrEqual(1 / 21);
    expect(r.headroom).toBeGreaterThan((1 / 21) * (1 - 1e-9));
    // Liquidatable side: M = 900 − 1000 = −100, W = 1900.
    const l = screenTerms([1n, 1n], [900n, -1_000n]);
    expect(l.headroom).toBeLessThan(0);
    expect(-l.headroom).toBeLessThanOrEqual(1 / 19);
  });

  test('error: prices and coefficients of different lengths break an invariant', () => {
    expect(() => screenTerms([1n], [1n, 2n])).toThrow(Error);
  });
});

describe('boundFactor', () => {
  test('default', () => {
    expect(boundFactor(1)).toBe(3 * 2 ** -52);
  });

  test('behavior: covers γ_n / (1 − γ_n) / (1 − u) with room to spare for every allowed line count', () => {
    for (let m = 1; m <= SCREEN_LINES_MAX; m++) {
      const g = gamma(m + 2);
      expect(boundFactor(m)).toBeGreaterThanOrEqual((1.5 * g) / (1 - g) / (1 - UNIT_ROUNDOFF));
    }
  });
});

describe('driftUpperBound', () => {
  test('default', () => {
    // |101/100 − 1| = 0.01, raised by a relative 2^−50.
    const d = driftUpperBound(101n, 100n);
    expect(d).toBeGreaterThanOrEqual(0.01);
    expect(d).toBeLessThan(0.01 * (1 + 1e-14));
  });

  test('behavior: symmetric in the direction of the move and zero when unchanged', () => {
    expect(driftUpperBound(99n, 100n)).toBe(driftUpperBound(101n, 100n));
    expect(driftUpperBound(100n, 100n)).toBe(0);
  });
});

describe('screenHeadroom', () => {
  test('behavior: the certificate is ((|s| − B)/a)·(1 − 2^−40) with B = (m + 2)·2^−52·a, exactly', () => {
    // screenHeadroom writes these constants as literals; they must be the documented numbers.
    expect(HEADROOM_SHRINK).toBe(1 - 2 ** -40);
    for (const [prices, coefs] of [
      [
        [3n, 1n],
        [100n, -200n],
      ],
      [
        [2n, 1n, 7n],
        [100n, -300n, 5n],
      ],
      [
        [10n ** 20n, 3n * 10n ** 8n, 1n],
        [-(10n ** 18n), 10n ** 30n, -(10n ** 25n)],
      ],
    ] as const) {
      const r = screenTerms(prices, coefs);
      expect(r.boundF).toBe((coefs.length + 2) * 2 ** -52 * r.absSumF);
      const expected = ((Math.abs(r.marginF) - r.boundF) / r.absSumF) * (1 - 2 ** -40);
      expect(Math.abs(r.headroom)).toBe(expected);
      expect(Math.sign(r.headroom)).toBe(Math.sign(r.marginF));
    }
  });
});
