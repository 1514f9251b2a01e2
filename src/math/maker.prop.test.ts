/**
 * Property tests for dss fixed point: floor identities for rmul/rdiv/wmul/wdiv, overflow exactly
 * where dss `mul` reverts, round-trip bounds, and rpow against (1) a 256-bit EVM model of the dss
 * assembly, (2) the exact power with a proven error bound, (3) rpow(x, a+b) vs rpow(x,a)·rpow(x,b).
 *
 * Error bound used below (x ≤ RAY, values in ulps of 1/b): every rpow step multiplies two
 * approximations a = A + εa, b = B + εb of values A, B ≤ 1 and rounds to nearest, so its error is at
 * most |εa|·B + A·|εb| + 1/2 ≤ |εa| + |εb| + 1/2. Unrolling x^n into its n leaves (x itself, exact)
 * and n − 1 products, |rpow(x, n) − x^n| ≤ (n − 1)/2 ulps. For x ≥ RAY every value is ≥ 1, so each
 * rounding is a relative error of at most u = 1/(2b), and rpow(x, n) = x^n·(1 + θ) with
 * |θ| ≤ (1 + u)^(n−1) − 1 ≤ m·u/(1 − m·u), m = n − 1.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DivisionByZeroError, OverflowError } from './errors.js';
import { rdiv, rmul, rpow, wdiv, wmul } from './maker.js';
import { MAX_UINT256, RAY, WAD } from './units.js';

const U128 = (1n << 128n) - 1n;
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const uint = (maxValue: bigint) =>
  fc.oneof(
    fc.bigInt({ min: 0n, max: 1000n }),
    fc.constantFrom(0n, 1n, WAD, RAY, RAY - 1n, RAY + 1n, maxValue),
    fc.bigInt({ min: 0n, max: maxValue }),
  );

/** Outcome of a call: a value, or the class of the refusal. */
const outcome = (f: () => bigint): bigint | string => {
  try {
    return f();
  } catch (e) {
    return e instanceof Error ? e.name : 'unknown';
  }
};

/**
 * The dss assembly `rpow` on a 256-bit machine: `mul`/`add` wrap mod 2^256, `div` by 0 gives 0,
 * and the contract's explicit checks (`shr(128, x)`, `lt(xxRound, xx)`, `div(zx, x) != z`,
 * `lt(zxRound, zx)`) are the only reverts. Written from the EVM semantics, not from maker.ts.
 */
function evmRpow(x0: bigint, n0: bigint, b: bigint): bigint | 'revert' {
  const MOD = 1n << 256n;
  const div = (p: bigint, q: bigint): bigint => (q === 0n ? 0n : p / q);
  if (n0 === 0n) return b;
  if (x0 === 0n) return 0n;
  let x = x0;
  let z = n0 % 2n === 0n ? b : x;
  const half = div(b, 2n);
  for (let n = n0 / 2n; n !== 0n; n /= 2n) {
    const xx = (x * x) % MOD;
    if (x >> 128n !== 0n) return 'revert';
    const xxRound = (xx + half) % MOD;
    if (xxRound < xx) return 'revert';
    x = div(xxRound, b);
    if (n % 2n === 1n) {
      const zx = (z * x) % MOD;
      if (x !== 0n && div(zx, x) !== z) return 'revert';
      const zxRound = (zx + half) % MOD;
      if (zxRound < zx) return 'revert';
      z = div(zxRound, b);
    }
  }
  return z;
}

describe('rmul / wmul', () => {
  test('behavior: floor identity q·unit ≤ x·y < (q+1)·unit', () => {
    fc.assert(
      fc.property(uint(U128), uint(U128), (x, y) => {
        const r = rmul(x, y);
        const w = wmul(x, y);
        expect(r * RAY <= x * y && x * y < (r + 1n) * RAY).toBe(true);
        expect(w * WAD <= x * y && x * y < (w + 1n) * WAD).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: rmul(x, RAY) = rmul(RAY, x) = x and wmul(x, WAD) = x', () => {
    fc.assert(
      fc.property(uint(MAX_UINT256 / RAY), (x) => {
        expect(rmul(x, RAY)).toBe(x);
        expect(rmul(RAY, x)).toBe(x);
        expect(wmul(x, WAD)).toBe(x);
      }),
      { numRuns: 200 },
    );
  });

  test('behavior: refuses exactly when x·y > 2^256 − 1 (dss mul), never otherwise', () => {
    fc.assert(
      fc.property(uint(MAX_UINT256), uint(MAX_UINT256), (x, y) => {
        if (x * y > MAX_UINT256) {
          expect(() => rmul(x, y)).toThrow(OverflowError);
          expect(() => wmul(x, y)).toThrow(OverflowError);
        } else {
          expect(rmul(x, y)).toBe((x * y) / RAY);
          expect(wmul(x, y)).toBe((x * y) / WAD);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: monotone in each argument', () => {
    fc.assert(
      fc.property(uint(U128), uint(U128), uint(U128), (x, x2, y) => {
        const [lo, hi] = x <= x2 ? [x, x2] : [x2, x];
        expect(rmul(lo, y) <= rmul(hi, y)).toBe(true);
        expect(rmul(y, lo) <= rmul(y, hi)).toBe(true);
        expect(wmul(lo, y) <= wmul(hi, y)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('rdiv / wdiv', () => {
  const dividend = uint(MAX_UINT256 / RAY);
  const divisor = uint(MAX_UINT256).map((v) => (v === 0n ? 1n : v));

  test('behavior: floor identity q·y ≤ x·unit < (q+1)·y', () => {
    fc.assert(
      fc.property(dividend, divisor, (x, y) => {
        const r = rdiv(x, y);
        const w = wdiv(x, y);
        expect(r * y <= x * RAY && x * RAY < (r + 1n) * y).toBe(true);
        expect(w * y <= x * WAD && x * WAD < (w + 1n) * y).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: rdiv(rmul(x, y), y) ≤ x and x − it < RAY/y + 1', () => {
    // rmul floors to z ≤ x·y/R, so z·R/y ≤ x; and z > x·y/R − 1 gives z·R/y > x − R/y.
    fc.assert(
      fc.property(
        uint(U128),
        uint(U128).map((v) => (v === 0n ? 1n : v)),
        (x, y) => {
          const back = rdiv(rmul(x, y), y);
          expect(back <= x).toBe(true);
          expect((x - back - 1n) * y < RAY).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('behavior: rmul(rdiv(x, y), y) ≤ x and x − it < y/RAY + 1', () => {
    fc.assert(
      fc.property(
        uint(U128),
        uint(U128).map((v) => (v === 0n ? 1n : v)),
        (x, y) => {
          const back = rmul(rdiv(x, y), y);
          expect(back <= x).toBe(true);
          expect((x - back - 1n) * RAY < y).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('behavior: refuses exactly when x·unit > 2^256 − 1', () => {
    fc.assert(
      fc.property(uint(MAX_UINT256), divisor, (x, y) => {
        if (x * RAY > MAX_UINT256) expect(() => rdiv(x, y)).toThrow(OverflowError);
        else expect(rdiv(x, y)).toBe((x * RAY) / y);
        if (x * WAD > MAX_UINT256) expect(() => wdiv(x, y)).toThrow(OverflowError);
        else expect(wdiv(x, y)).toBe((x * WAD) / y);
      }),
      { numRuns: 300 },
    );
  });
});

describe('rpow', () => {
  // Weighted so that most runs compute a real power; the rest hit zero, b and every revert path.
  const base = fc.oneof(
    { weight: 4, arbitrary: fc.constant(RAY) },
    { weight: 2, arbitrary: fc.constant(WAD) },
    { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 1000n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: U128 }) },
    { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: MAX_UINT256 }) },
    { weight: 1, arbitrary: fc.constant(MAX_UINT256) },
  );
  const exponent = fc.oneof(
    { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 70n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 1n << 64n }) },
  );
  const factor = (b: bigint) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 3n * b }) },
      { weight: 4, arbitrary: fc.bigInt({ min: b - b / 1000n, max: b + b / 1000n }) },
      { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 1n << 130n }) },
      { weight: 1, arbitrary: fc.constantFrom(0n, 1n, b, U128, U128 + 1n) },
    );

  test('behavior: matches the dss assembly on a 256-bit machine, reverts included', () => {
    const args = base.chain((b) => fc.tuple(factor(b), exponent, fc.constant(b)));
    fc.assert(
      fc.property(args, ([x, n, b]) => {
        const expected = evmRpow(x, n, b);
        const actual = outcome(() => rpow(x, n, b));
        expect(actual).toBe(expected === 'revert' ? 'OverflowError' : expected);
      }),
      { numRuns: 800 },
    );
  });

  test('behavior: base 0 is refused wherever the contract would divide by it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: U128 }), fc.bigInt({ min: 1n, max: 1000n }), (x, n) => {
        expect(() => rpow(x, n, 0n)).toThrow(DivisionByZeroError);
      }),
      { numRuns: 50 },
    );
  });

  test('behavior: for x ≤ RAY, |rpow(x, n) − x^n| ≤ (n − 1)/2 ulps', () => {
    const x = fc.oneof(fc.bigInt({ min: 0n, max: RAY }), fc.bigInt({ min: RAY - 10n ** 24n, max: RAY }));
    fc.assert(
      fc.property(x, fc.integer({ min: 1, max: 120 }), (xRay, nNumber) => {
        const n = BigInt(nNumber);
        const scale = RAY ** (n - 1n); // x^n / RAY^(n−1) is the exact value in RAY units
        const error = abs(rpow(xRay, n, RAY) * scale - xRay ** n);
        expect(2n * error <= (n - 1n) * scale).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('behavior: for x ≥ RAY, rpow(x, n) = x^n·(1 + θ) with |θ| ≤ m·u/(1 − m·u)', () => {
    const x = fc.oneof(fc.bigInt({ min: RAY, max: RAY + RAY / 100n }), fc.constantFrom(RAY, RAY + 1n));
    fc.assert(
      fc.property(x, fc.integer({ min: 1, max: 120 }), (xRay, nNumber) => {
        const n = BigInt(nNumber);
        const m = n - 1n;
        const scale = RAY ** m;
        const exact = xRay ** n; // in RAY units times scale
        const error = abs(rpow(xRay, n, RAY) * scale - exact);
        // |θ|·exact ≥ error with u = 1/(2·RAY):  error·(2·RAY − m) ≤ exact·m.
        expect(error * (2n * RAY - m) <= exact * m).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('behavior: rpow(x, a+b) vs rmul-exact rpow(x,a)·rpow(x,b) within the proven bound (x ≤ RAY)', () => {
    // With e(k) = max(k − 1, 0) (twice the ulp bound above) and values ≤ 1:
    // |RAY·r(a+b) − r(a)·r(b)| ≤ RAY·(e(a) + e(b) + e(a+b))/2 + e(a)·e(b)/4.
    const e = (k: bigint): bigint => (k > 0n ? k - 1n : 0n);
    const x = fc.oneof(fc.bigInt({ min: 0n, max: RAY }), fc.bigInt({ min: RAY - 10n ** 20n, max: RAY }));
    const count = fc.oneof(fc.bigInt({ min: 0n, max: 100n }), fc.bigInt({ min: 0n, max: 10_000_000n }));
    fc.assert(
      fc.property(x, count, count, (xRay, a, b) => {
        const whole = rpow(xRay, a + b, RAY);
        const product = rpow(xRay, a, RAY) * rpow(xRay, b, RAY);
        const gap4 = 4n * abs(RAY * whole - product);
        expect(gap4 <= 2n * RAY * (e(a) + e(b) + e(a + b)) + e(a) * e(b)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: monotone in x (every step is a monotone rounding of a monotone product)', () => {
    const x = fc.bigInt({ min: 0n, max: 2n * RAY });
    fc.assert(
      fc.property(x, x, fc.bigInt({ min: 0n, max: 60n }), (x1, x2, n) => {
        const [lo, hi] = x1 <= x2 ? [x1, x2] : [x2, x1];
        expect(rpow(lo, n, RAY) <= rpow(hi, n, RAY)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: rpow(x, 1) = x, rpow(x, 2) is x²/b half-up, rpow(b, n) = b', () => {
    // With x, b < 2^128 no step can overflow: x² + b ≤ (2^128 − 1)² + 2^128 < 2^256.
    const small = fc.oneof(fc.bigInt({ min: 1n, max: U128 }), fc.constantFrom(1n, 2n, 10n, WAD, RAY, U128));
    fc.assert(
      fc.property(small, small, fc.bigInt({ min: 0n, max: 1n << 64n }), (x, b, n) => {
        expect(rpow(x, 1n, b)).toBe(x);
        // round half up, checked by identity: −b ≤ 2(x² − q·b) < b
        const q = rpow(x, 2n, b);
        const twiceError = 2n * (x * x - q * b);
        expect(-b <= twiceError && twiceError < b).toBe(true);
        expect(rpow(b, n, b)).toBe(b);
      }),
      { numRuns: 300 },
    );
  });
});
