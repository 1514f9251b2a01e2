/**
 * Property tests for divRound, mulDiv and divSigned: every rounding is checked against the exact
 * rational x·y/d through integer identities (no division in the oracle), plus monotonicity and the
 * ordering Down ≤ HalfUp ≤ Up.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { OverflowError } from './errors.js';
import { divRound, divSigned, mulDiv, Rounding } from './mulDiv.js';
import { MAX_UINT256 } from './units.js';

const { Down, Up, HalfUp } = Rounding;
const U128 = (1n << 128n) - 1n;

/** Unsigned values biased toward the small, the round and the huge, where rounding bugs live. */
const uint = (maxValue: bigint) =>
  fc.oneof(
    fc.bigInt({ min: 0n, max: 1000n }),
    fc.constantFrom(0n, 1n, 2n, 10n ** 18n, 10n ** 27n, maxValue),
    fc.bigInt({ min: 0n, max: maxValue }),
  );
const positive = (maxValue: bigint) => uint(maxValue).map((v) => (v === 0n ? 1n : v));
// x, y < 2^128 keep x·y < 2^256, so no result can overflow.
const operands = fc.tuple(uint(U128), uint(U128), positive(MAX_UINT256));
const rounding = fc.constantFrom(Down, Up, HalfUp);
const abs = (v: bigint): bigint => (v < 0n ? -v : v);

describe('mulDiv', () => {
  test('behavior: Down is the floor: q·d ≤ x·y < (q+1)·d', () => {
    fc.assert(
      fc.property(operands, ([x, y, d]) => {
        const q = mulDiv(x, y, d, Down);
        expect(q * d <= x * y && x * y < (q + 1n) * d).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: Up is the ceiling: (q−1)·d < x·y ≤ q·d, and Down + 1 exactly when d ∤ x·y', () => {
    fc.assert(
      fc.property(operands, ([x, y, d]) => {
        const q = mulDiv(x, y, d, Up);
        expect((q - 1n) * d < x * y && x * y <= q * d).toBe(true);
        const exact = (x * y) % d === 0n;
        expect(q - mulDiv(x, y, d, Down)).toBe(exact ? 0n : 1n);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: HalfUp is the nearest integer, ties up: −d ≤ 2(x·y − q·d) < d', () => {
    fc.assert(
      fc.property(operands, ([x, y, d]) => {
        const q = mulDiv(x, y, d, HalfUp);
        const twiceError = 2n * (x * y - q * d);
        expect(-d <= twiceError && twiceError < d).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: HalfUp ties go up (x·y = (2k+1)·d/2)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U128 }), fc.bigInt({ min: 1n, max: U128 }), (k, half) => {
        // d = 2·half, x·y = (2k + 1)·half: exactly k + 1/2.
        expect(mulDiv(2n * k + 1n, half, 2n * half, HalfUp)).toBe(k + 1n);
      }),
      { numRuns: 200 },
    );
  });

  test('behavior: Down ≤ HalfUp ≤ Up and Up − Down ∈ {0, 1}', () => {
    fc.assert(
      fc.property(operands, ([x, y, d]) => {
        const down = mulDiv(x, y, d, Down);
        const half = mulDiv(x, y, d, HalfUp);
        const up = mulDiv(x, y, d, Up);
        expect(down <= half && half <= up).toBe(true);
        expect(up - down === 0n || up - down === 1n).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: monotone: non-decreasing in x and y, non-increasing in d', () => {
    fc.assert(
      fc.property(operands, uint(U128), positive(MAX_UINT256), rounding, ([x, y, d], x2, d2, r) => {
        const [xLo, xHi] = x <= x2 ? [x, x2] : [x2, x];
        const [dLo, dHi] = d <= d2 ? [d, d2] : [d2, d];
        expect(mulDiv(xLo, y, d, r) <= mulDiv(xHi, y, d, r)).toBe(true);
        expect(mulDiv(y, xLo, d, r) <= mulDiv(y, xHi, d, r)).toBe(true);
        expect(mulDiv(x, y, dHi, r) <= mulDiv(x, y, dLo, r)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: refuses exactly the quotients past 2^256 − 1', () => {
    const wide = fc.tuple(uint(MAX_UINT256), uint(MAX_UINT256), positive(1n << 64n), rounding);
    fc.assert(
      fc.property(wide, ([x, y, d, r]) => {
        const p = x * y;
        // Closed forms: floor(p/d) > M ⇔ p ≥ (M+1)d; ceil(p/d) > M ⇔ p > M·d;
        // round-half-up(p/d) > M ⇔ p/d ≥ M + 1/2 ⇔ 2p ≥ (2M+1)d.
        const overflows =
          r === Down
            ? p >= (MAX_UINT256 + 1n) * d
            : r === Up
              ? p > MAX_UINT256 * d
              : 2n * p >= (2n * MAX_UINT256 + 1n) * d;
        if (overflows) expect(() => mulDiv(x, y, d, r)).toThrow(OverflowError);
        else expect(mulDiv(x, y, d, r) <= MAX_UINT256).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('divRound', () => {
  test('behavior: equals mulDiv with y = 1 for every rounding', () => {
    fc.assert(
      fc.property(uint(MAX_UINT256), positive(MAX_UINT256), rounding, (n, d, r) => {
        expect(divRound(n, d, r)).toBe(mulDiv(n, 1n, d, r));
      }),
      { numRuns: 300 },
    );
  });
});

describe('divSigned', () => {
  const signed = fc.oneof(
    fc.bigInt({ min: -1000n, max: 1000n }),
    fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
  );
  const nonZero = signed.map((v) => (v === 0n ? -1n : v));

  test('behavior: Down is floor and Up is ceil of n/d, for every sign', () => {
    fc.assert(
      fc.property(signed, nonZero, (n, d) => {
        // n/d = (n·sign d)/|d|, so compare against the positive denominator |d|.
        const num = d < 0n ? -n : n;
        const den = abs(d);
        const floor = divSigned(n, d, Down);
        const ceil = divSigned(n, d, Up);
        expect(floor * den <= num && num < (floor + 1n) * den).toBe(true);
        expect((ceil - 1n) * den < num && num <= ceil * den).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: HalfUp is nearest, ties away from zero', () => {
    fc.assert(
      fc.property(signed, nonZero, (n, d) => {
        const q = divSigned(n, d, HalfUp);
        const twiceError = abs(2n * (n - q * d));
        const den = abs(d);
        // Nearest: |n/d − q| ≤ 1/2. On a tie (exactly 1/2) q is the one farther from zero: |q·d| > |n|.
        expect(twiceError <= den).toBe(true);
        if (twiceError === den) expect(abs(q * d) > abs(n)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('behavior: agrees with divRound on non-negative operands', () => {
    fc.assert(
      fc.property(uint(MAX_UINT256), positive(MAX_UINT256), rounding, (n, d, r) => {
        expect(divSigned(n, d, r)).toBe(divRound(n, d, r));
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: negating the numerator swaps floor and ceil', () => {
    fc.assert(
      fc.property(signed, nonZero, (n, d) => {
        expect(divSigned(-n, d, Down)).toBe(-divSigned(n, d, Up));
        expect(divSigned(-n, d, HalfUp)).toBe(-divSigned(n, d, HalfUp));
      }),
      { numRuns: 300 },
    );
  });
});
