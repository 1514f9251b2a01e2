/**
 * Table tests for Maker's dss fixed point. Expected values are dss's own published test constants
 * (makerdao/dss src/test/clip.t.sol) or worked out by hand in the comment beside them.
 */
import { describe, expect, test } from 'vitest';
import { DivisionByZeroError, NegativeValueError, OverflowError } from './errors.js';
import { addChecked, mulChecked, rdiv, rmul, rpow, rpowRay, subChecked, wdiv, wmul } from './maker.js';
import { asRay, MAX_UINT256, RAD, RAY, WAD } from './units.js';

const P128 = 2n ** 128n;

describe('mulChecked', () => {
  test('default', () => {
    expect(mulChecked(6n, 7n)).toBe(42n);
    expect(mulChecked(0n, MAX_UINT256)).toBe(0n);
    // (2^128)(2^128 − 1) = 2^256 − 2^128 still fits.
    expect(mulChecked(P128, P128 - 1n)).toBe(2n ** 256n - P128);
  });

  test('error: a product past 2^256 − 1 throws OverflowError', () => {
    expect(() => mulChecked(P128, P128)).toThrow(OverflowError);
  });

  test('error: a negative operand throws NegativeValueError', () => {
    expect(() => mulChecked(-1n, 1n)).toThrow(NegativeValueError);
  });
});

describe('addChecked', () => {
  test('default', () => {
    expect(addChecked(2n, 3n)).toBe(5n);
    expect(addChecked(MAX_UINT256, 0n)).toBe(MAX_UINT256);
  });

  test('error: a sum past 2^256 − 1 throws OverflowError', () => {
    expect(() => addChecked(MAX_UINT256, 1n)).toThrow(OverflowError);
  });

  test('error: a negative operand throws NegativeValueError', () => {
    expect(() => addChecked(1n, -1n)).toThrow(NegativeValueError);
  });
});

describe('subChecked', () => {
  test('default', () => {
    expect(subChecked(5n, 3n)).toBe(2n);
    expect(subChecked(3n, 3n)).toBe(0n);
  });

  test('error: underflow throws OverflowError', () => {
    expect(() => subChecked(1n, 2n)).toThrow(OverflowError);
  });

  test('error: a negative operand throws NegativeValueError', () => {
    expect(() => subChecked(-1n, -2n)).toThrow(NegativeValueError);
  });
});

describe('rmul', () => {
  test('default', () => {
    expect(rmul(RAY, RAY)).toBe(RAY); // 1 × 1
    expect(rmul(5n * RAY, 99n * 10n ** 25n)).toBe(495n * 10n ** 25n); // 5 × 0.99 = 4.95
    expect(rmul(40n * WAD, 2n * RAY)).toBe(80n * WAD); // wad × ray → wad
  });

  test('behavior: floors (1.5 → 1, 0.999… → 0)', () => {
    expect(rmul(3n, RAY / 2n)).toBe(1n);
    expect(rmul(1n, RAY - 1n)).toBe(0n);
  });

  test('behavior: zero operands never overflow', () => {
    expect(rmul(MAX_UINT256, 0n)).toBe(0n);
    expect(rmul(0n, MAX_UINT256)).toBe(0n);
  });

  test('error: the product is checked, not just the quotient (dss mul reverts)', () => {
    // 2^128 · 2^128 = 2^256 does not fit, although 2^256 / 1e27 would.
    expect(() => rmul(P128, P128)).toThrow(OverflowError);
  });

  test('error: a negative operand throws NegativeValueError', () => {
    expect(() => rmul(-RAY, RAY)).toThrow(NegativeValueError);
  });
});

describe('rdiv', () => {
  test('default', () => {
    expect(rdiv(WAD, 4n * WAD)).toBe(RAY / 4n); // 0.25
    expect(rdiv(1n, 3n)).toBe(BigInt('3'.repeat(27))); // 1e27/3 floored
    // dss end.sol cage: tag = rdiv(WAD, price [wad]); a $2000 price gives 0.0005 RAY = 5e23.
    expect(rdiv(WAD, 2000n * WAD)).toBe(5n * 10n ** 23n);
  });

  test('behavior: x·RAY just inside uint256 is accepted', () => {
    const limit = MAX_UINT256 / RAY; // largest x with x·1e27 ≤ 2^256 − 1
    expect(rdiv(limit, RAY)).toBe(limit);
  });

  test('error: x·RAY past 2^256 − 1 throws OverflowError', () => {
    expect(() => rdiv(MAX_UINT256 / RAY + 1n, RAY)).toThrow(OverflowError);
  });

  test('error: division by zero throws DivisionByZeroError', () => {
    expect(() => rdiv(1n, 0n)).toThrow(DivisionByZeroError);
  });

  test('error: a negative operand, including the divisor, throws NegativeValueError', () => {
    expect(() => rdiv(-1n, 1n)).toThrow(NegativeValueError);
    expect(() => rdiv(1n, -1n)).toThrow(NegativeValueError);
  });
});

describe('wmul', () => {
  test('default', () => {
    expect(wmul(3n * (WAD / 2n), 2n * WAD)).toBe(3n * WAD); // 1.5 × 2
    // dss clip.sol kick: coin = tip + wmul(tab [rad], chip [wad]); 110 DAI × 0.1 % = 0.11 DAI.
    expect(wmul(110n * RAD, WAD / 1000n)).toBe(11n * 10n ** 43n);
  });

  test('behavior: floors', () => {
    expect(wmul(1n, WAD - 1n)).toBe(0n);
  });

  test('error: the product is checked (OverflowError)', () => {
    expect(() => wmul(P128, P128)).toThrow(OverflowError);
  });
});

describe('wdiv', () => {
  test('default', () => {
    expect(wdiv(WAD, 3n * WAD)).toBe(BigInt('3'.repeat(18))); // 1/3 floored
    expect(wdiv(3n * WAD, 2n * WAD)).toBe(3n * (WAD / 2n)); // 1.5
  });

  test('error: division by zero throws DivisionByZeroError', () => {
    expect(() => wdiv(1n, 0n)).toThrow(DivisionByZeroError);
  });

  test('error: x·WAD past 2^256 − 1 throws OverflowError', () => {
    expect(() => wdiv(MAX_UINT256 / WAD + 1n, 1n)).toThrow(OverflowError);
  });

  test('error: a negative divisor throws NegativeValueError', () => {
    expect(() => wdiv(1n, -1n)).toThrow(NegativeValueError);
  });
});

describe('rpow', () => {
  // dss abaci.sol StairstepExponentialDecrease.price: rmul(top, rpow(RAY − cut, elapsed / step, RAY)).
  const stairstepPrice = (topRay: bigint, cutRay: bigint, steps: bigint): bigint =>
    rmul(topRay, rpow(RAY - cutRay, steps, RAY));

  test('default', () => {
    // dss src/test/clip.t.sol (takeSetup: top = 5 RAY, cut = 1 %, step = 1 s):
    // test_take_bid_avoids_recalculate_due_no_more_lot, 60 s in.
    expect(stairstepPrice(5n * RAY, RAY / 100n, 60n)).toBe(2735783211953807380973706855n);
    // test_redo_incentive (dusty lot case, top reset to 5 RAY by redo), 100 s in.
    expect(stairstepPrice(5n * RAY, RAY / 100n, 100n)).toBe(1830161706366147524653080130n);
  });

  test('behavior: zero exponent and zero base', () => {
    expect(rpow(0n, 0n, RAY)).toBe(RAY); // 0^0 = 1 in base b
    expect(rpow(0n, 5n, RAY)).toBe(0n);
    expect(rpow(0n, 0n, 10n)).toBe(10n);
    expect(rpow(12345n, 0n, RAY)).toBe(RAY);
    expect(rpow(0n, 1n, 7n)).toBe(0n);
    // dss returns for x = 0 before it ever divides by b, so even base 0 is fine here.
    expect(rpow(0n, 5n, 0n)).toBe(0n);
    expect(rpow(0n, 0n, 0n)).toBe(0n);
  });

  test('behavior: exact powers stay exact', () => {
    expect(rpow(2n * RAY, 10n, RAY)).toBe(1024n * RAY);
    expect(rpow(RAY / 2n, 3n, RAY)).toBe(RAY / 8n); // 0.125
    expect(rpow(RAY, 1_000_000n, RAY)).toBe(RAY);
    expect(rpow(7n, 1n, 10n)).toBe(7n);
  });

  test('behavior: rounds half-up after every step (base 10 by hand)', () => {
    // 1.5² = 2.25 → 2.3 (tie up); then z = 1 × 2.3 = 2.3.
    expect(rpow(15n, 2n, 10n)).toBe(23n);
    // 1.5³: z = 1.5, x² = 2.3 (rounded), z·x = 3.45 → 3.5, not the exact 3.375 → 3.4.
    expect(rpow(15n, 3n, 10n)).toBe(35n);
    // 1.4² = 1.96 → 2.0.
    expect(rpow(14n, 2n, 10n)).toBe(20n);
    // 1.1² = 1.21 → 1.2; 1.2² = 1.44 → 1.4; 1.1^4 = 1.4 here (exact 1.4641).
    expect(rpow(11n, 4n, 10n)).toBe(14n);
  });

  test('behavior: a Maker stability fee compounds to its yearly rate', () => {
    // 1000000000315522921573372069 is the per-second factor for 1 % a year in Maker's rate table.
    // Over 365 days: the table's rounding (≤ 0.5e-27 per second) and rpow's (≤ 0.5 ulp per step,
    // (n − 1)/2 ulps relative to the value) each stay below 1.6e7 ulps, so within 1e8 of 1.01 RAY.
    const year = 365n * 24n * 3600n;
    const grown = rpowRay(asRay(1000000000315522921573372069n), year);
    const target = 101n * 10n ** 25n;
    const gap = grown > target ? grown - target : target - grown;
    expect(gap < 100_000_000n).toBe(true);
    expect(gap > 0n).toBe(true); // but not exact: rounding is real
  });

  test('behavior: a base ≥ 2^128 is fine when it is never squared (n = 1)', () => {
    expect(rpow(P128, 1n, RAY)).toBe(P128);
    expect(rpow(MAX_UINT256, 1n, RAY)).toBe(MAX_UINT256);
  });

  test('behavior: the largest squarable base (2^128 − 1) in base 1', () => {
    expect(rpow(P128 - 1n, 2n, 1n)).toBe((P128 - 1n) * (P128 - 1n));
    expect(rpow(2n ** 85n, 3n, 1n)).toBe(2n ** 255n);
  });

  test('error: squaring x ≥ 2^128 throws OverflowError', () => {
    expect(() => rpow(P128, 2n, 1n)).toThrow(OverflowError);
    expect(() => rpow(P128, 2n, RAY)).toThrow(OverflowError);
  });

  test('error: x² + half past 2^256 − 1 throws OverflowError', () => {
    // (2^128 − 1)² = 2^256 − 2^129 + 1; with b = MAX, half = 2^255 − 1 pushes it past 2^256.
    expect(() => rpow(P128 - 1n, 2n, MAX_UINT256)).toThrow(OverflowError);
  });

  test('error: z·x past 2^256 − 1 throws OverflowError', () => {
    // n = 3, b = 1: z = 2^100, x² = 2^200, z·x² = 2^300.
    expect(() => rpow(2n ** 100n, 3n, 1n)).toThrow(OverflowError);
  });

  test('error: a negative operand throws NegativeValueError', () => {
    expect(() => rpow(-1n, 2n, RAY)).toThrow(NegativeValueError);
    expect(() => rpow(RAY, -2n, RAY)).toThrow(NegativeValueError);
    expect(() => rpow(RAY, 2n, -RAY)).toThrow(NegativeValueError);
  });

  test('error: base 0 with x, n > 0 throws DivisionByZeroError (the EVM would return garbage)', () => {
    expect(() => rpow(RAY, 2n, 0n)).toThrow(DivisionByZeroError);
    expect(() => rpow(5n, 1n, 0n)).toThrow(DivisionByZeroError);
  });
});

describe('rpowRay', () => {
  test('default', () => {
    expect(rmul(5n * RAY, rpowRay(asRay(99n * 10n ** 25n), 60n))).toBe(2735783211953807380973706855n);
    expect(rpowRay(asRay(RAY), 0n)).toBe(RAY);
  });
});
