/**
 * Properties of the WAD transcendental functions over random arguments: ln and exp within half an
 * ulp (plus their stated slack) of decimal.js, exp∘ln and ln∘exp close to the identity, the square
 * root an exact floor, and the normal CDF non-decreasing up to its 1-ulp error and symmetric.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Rounding } from './mulDiv.js';
import { expWad, lnWad, normalCdfWad, sqrtWad } from './transcendental.js';
import { MAX_UINT256, WAD } from './units.js';

const D = Decimal.clone({ precision: 100 });
const E18 = new D(10).pow(18);
const ulps = (ours: bigint, exact: Decimal) => new D(ours.toString()).minus(exact).abs().toNumber();

describe('lnWad / expWad', () => {
  test('behavior: within half an ulp of decimal.js on random arguments', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_UINT256 }), (x) => {
        const exact = new D(x.toString()).div(E18).ln().times(E18);
        expect(ulps(lnWad(x), exact)).toBeLessThanOrEqual(0.5 + 1e-12);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -42n * WAD, max: 135n * WAD }), (x) => {
        const exact = new D(x.toString()).div(E18).exp().times(E18);
        expect(ulps(expWad(x), exact)).toBeLessThanOrEqual(0.5 + 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: exp(ln x) returns x to its relative precision; ln(exp y) returns y', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: WAD / 1_000n, max: 10n ** 30n }), (x) => {
        // ln x is within 1 ulp, and exp multiplies an absolute error δ by x: |Δ| ≤ x·1e-18 + 1.
        const back = expWad(lnWad(x));
        const diff = back > x ? back - x : x - back;
        expect(diff).toBeLessThanOrEqual(x / WAD + 1n);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -5n * WAD, max: 100n * WAD }), (y) => {
        // exp(y) ≥ e^−5·1e18 ≈ 6.7e15 is off by ≤ 1/2 ulp: a relative 7.5e-17, i.e. ≤ 75 ulps of ln,
        // plus ln's own half ulp.
        const back = lnWad(expWad(y));
        const diff = back > y ? back - y : y - back;
        expect(diff).toBeLessThanOrEqual(76n);
      }),
      { numRuns: 300 },
    );
  });
});

describe('sqrtWad', () => {
  test('behavior: Down is the exact floor and Up the exact ceil of √(x·1e18)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_UINT256 }), (x) => {
        const n = x * WAD;
        const down = sqrtWad(x, Rounding.Down);
        const up = sqrtWad(x, Rounding.Up);
        expect(down * down <= n && (down + 1n) * (down + 1n) > n).toBe(true);
        expect(up * up >= n && (up === 0n || (up - 1n) * (up - 1n) < n)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('normalCdfWad', () => {
  test('behavior: non-decreasing up to its 1-ulp error, symmetric, within [0, 1e18]', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -12n * WAD, max: 12n * WAD }),
        fc.bigInt({ min: 0n, max: 3n * WAD }),
        (x, step) => {
          const a = normalCdfWad(x);
          const b = normalCdfWad(x + step);
          expect(a >= 0n && a <= WAD).toBe(true);
          expect(b + 1n).toBeGreaterThanOrEqual(a);
          const sum = a + normalCdfWad(-x);
          expect(sum >= WAD - 1n && sum <= WAD + 1n).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
