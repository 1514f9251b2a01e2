/**
 * Table tests for Aave's PercentageMath and WadRayMath. Expected values are worked out by hand in
 * the comment beside them; the overflow limits come from the contracts' assembly guards
 * (aave-dao/aave-v3-origin src/contracts/protocol/libraries/math/{PercentageMath,WadRayMath}.sol).
 */
import { describe, expect, test } from 'vitest';
import {
  percentDiv,
  percentDivCeil,
  percentDivFloor,
  percentMul,
  percentMulCeil,
  percentMulFloor,
  rayDiv,
  rayDivCeil,
  rayDivFloor,
  rayMul,
  rayMulCeil,
  rayMulFloor,
  rayToWad,
  wadDiv,
  wadDivCeil,
  wadDivFloor,
  wadMul,
  wadMulCeil,
  wadMulFloor,
  wadToRay,
} from './aave.js';
import { DivisionByZeroError, NegativeValueError, OverflowError } from './errors.js';
import { mulDiv, Rounding } from './mulDiv.js';
import { MAX_UINT256, RAY, WAD } from './units.js';

const HALF_WAD = WAD / 2n;
const HALF_RAY = RAY / 2n;
type Op = (a: bigint, b: bigint) => bigint;
const ALL: readonly Op[] = [
  percentMul,
  percentMulFloor,
  percentMulCeil,
  percentDiv,
  percentDivFloor,
  percentDivCeil,
  wadMul,
  wadMulFloor,
  wadMulCeil,
  wadDiv,
  wadDivFloor,
  wadDivCeil,
  rayMul,
  rayMulFloor,
  rayMulCeil,
  rayDiv,
  rayDivFloor,
  rayDivCeil,
];

describe('percentMul', () => {
  test('default', () => {
    expect(percentMul(100n * WAD, 8250n)).toBe(825n * 10n ** 17n); // 82.5 %
    expect(percentMul(12345n, 10_000n)).toBe(12345n); // 100 %
    expect(percentMul(10_000n, 1n)).toBe(1n); // 0.01 % of 10000
    expect(percentMul(7n, 0n)).toBe(0n);
  });

  test('behavior: half-up, a tie rounds up', () => {
    expect(percentMul(1n, 5000n)).toBe(1n); // 0.5 → 1
    expect(percentMul(1n, 4999n)).toBe(0n); // 0.4999 → 0
    expect(percentMul(3n, 5000n)).toBe(2n); // 1.5 → 2
    expect(percentMul(5n, 1n)).toBe(0n); // 0.0005 → 0
  });

  test('behavior: the guard is on value·percentage + 5000, not on the result', () => {
    const limit = (MAX_UINT256 - 5000n) / 10_000n; // the contract's bound on value
    expect(percentMul(limit, 10_000n)).toBe(limit);
    // One more would still give a representable result with a 512-bit mulDiv, but Aave reverts.
    expect(mulDiv(limit + 1n, 10_000n, 10_000n, Rounding.HalfUp)).toBe(limit + 1n);
    expect(() => percentMul(limit + 1n, 10_000n)).toThrow(OverflowError);
  });

  test('behavior: a zero percentage never overflows (the guard skips it)', () => {
    expect(percentMul(MAX_UINT256, 0n)).toBe(0n);
  });
});

describe('percentMulFloor', () => {
  test('default', () => {
    expect(percentMulFloor(1n, 9999n)).toBe(0n); // 0.9999 → 0
    expect(percentMulFloor(3n, 5000n)).toBe(1n); // 1.5 → 1
    expect(percentMulFloor(20_000n, 5000n)).toBe(10_000n); // exact
  });

  test('error: value·percentage past 2^256 − 1 throws OverflowError', () => {
    const limit = MAX_UINT256 / 10_000n;
    expect(percentMulFloor(limit, 10_000n)).toBe(limit);
    expect(() => percentMulFloor(limit + 1n, 10_000n)).toThrow(OverflowError);
  });
});

describe('percentMulCeil', () => {
  test('default', () => {
    expect(percentMulCeil(1n, 1n)).toBe(1n); // 0.0001 → 1
    expect(percentMulCeil(3n, 5000n)).toBe(2n); // 1.5 → 2
    expect(percentMulCeil(20_000n, 5000n)).toBe(10_000n); // exact
  });

  test('error: value·percentage past 2^256 − 1 throws OverflowError', () => {
    const limit = MAX_UINT256 / 10_000n;
    expect(percentMulCeil(limit, 10_000n)).toBe(limit);
    expect(() => percentMulCeil(limit + 1n, 10_000n)).toThrow(OverflowError);
  });
});

describe('percentDiv', () => {
  test('default', () => {
    expect(percentDiv(100n, 10_500n)).toBe(95n); // 100 / 1.05 = 95.24
    expect(percentDiv(1n, 3n)).toBe(3333n); // 3333.33
    expect(percentDiv(2n, 3n)).toBe(6667n); // 6666.67
  });

  test('behavior: half-up, a tie rounds up', () => {
    expect(percentDiv(1n, 20_000n)).toBe(1n); // 10000/20000 = 0.5 → 1
    expect(percentDiv(1n, 20_001n)).toBe(0n); // 0.49998 → 0
  });

  test('behavior: the guard is on value·1e4 + floor(percentage/2)', () => {
    const limit = (MAX_UINT256 - 5000n) / 10_000n; // percentage 1e4, half 5000
    expect(percentDiv(limit, 10_000n)).toBe(limit);
    expect(() => percentDiv(limit + 1n, 10_000n)).toThrow(OverflowError);
  });

  test('error: a zero percentage throws DivisionByZeroError', () => {
    expect(() => percentDiv(1n, 0n)).toThrow(DivisionByZeroError);
  });
});

describe('percentDivFloor', () => {
  test('default', () => {
    expect(percentDivFloor(1n, 3n)).toBe(3333n);
    expect(percentDivFloor(2n, 3n)).toBe(6666n);
  });

  test('error: a zero percentage throws DivisionByZeroError', () => {
    expect(() => percentDivFloor(1n, 0n)).toThrow(DivisionByZeroError);
  });

  test('error: value·1e4 past 2^256 − 1 throws OverflowError, whatever the divisor', () => {
    expect(() => percentDivFloor(MAX_UINT256 / 10_000n + 1n, MAX_UINT256)).toThrow(OverflowError);
  });
});

describe('percentDivCeil', () => {
  test('default', () => {
    expect(percentDivCeil(1n, 3n)).toBe(3334n);
    expect(percentDivCeil(2n, 3n)).toBe(6667n);
    expect(percentDivCeil(1n, 10_000n)).toBe(1n); // exact
  });

  test('error: a zero percentage throws DivisionByZeroError', () => {
    expect(() => percentDivCeil(1n, 0n)).toThrow(DivisionByZeroError);
  });

  test('error: value·1e4 past 2^256 − 1 throws OverflowError', () => {
    expect(() => percentDivCeil(MAX_UINT256 / 10_000n + 1n, 10_000n)).toThrow(OverflowError);
  });
});

describe('wadMul', () => {
  test('default', () => {
    expect(wadMul(5n * HALF_WAD, HALF_WAD)).toBe(125n * 10n ** 16n); // 2.5 × 0.5 = 1.25
  });

  test('behavior: half-up, a tie rounds up', () => {
    expect(wadMul(1n, HALF_WAD)).toBe(1n); // 1e-18 × 0.5 → 0.5 ulp → 1
    expect(wadMul(1n, HALF_WAD - 1n)).toBe(0n);
  });

  test('error: a·b + HALF_WAD past 2^256 − 1 throws OverflowError', () => {
    const limit = (MAX_UINT256 - HALF_WAD) / WAD;
    expect(wadMul(limit, WAD)).toBe(limit);
    expect(() => wadMul(limit + 1n, WAD)).toThrow(OverflowError);
  });
});

describe('wadMulFloor', () => {
  test('default', () => {
    expect(wadMulFloor(1n, HALF_WAD)).toBe(0n);
    expect(wadMulFloor(3n, HALF_WAD)).toBe(1n); // 1.5 ulp → 1
  });
});

describe('wadMulCeil', () => {
  test('default', () => {
    expect(wadMulCeil(1n, 1n)).toBe(1n);
    expect(wadMulCeil(3n, HALF_WAD)).toBe(2n);
    expect(wadMulCeil(WAD, WAD)).toBe(WAD);
  });

  test('error: a·b past 2^256 − 1 throws OverflowError', () => {
    expect(() => wadMulCeil(2n ** 128n, 2n ** 128n)).toThrow(OverflowError);
  });
});

describe('wadDiv', () => {
  test('default', () => {
    expect(wadDiv(WAD, 3n * WAD)).toBe(BigInt('3'.repeat(18))); // 0.333… → down
    expect(wadDiv(2n * WAD, 3n * WAD)).toBe(BigInt(`${'6'.repeat(17)}7`)); // 0.666… → up
  });

  test('behavior: half-up, a tie rounds up', () => {
    expect(wadDiv(1n, 2n * WAD)).toBe(1n); // 1e18/2e18 = 0.5 → 1
    expect(wadDiv(1n, 2n * WAD + 1n)).toBe(0n);
  });

  test('error: a zero divisor throws DivisionByZeroError', () => {
    expect(() => wadDiv(1n, 0n)).toThrow(DivisionByZeroError);
  });
});

describe('wadDivFloor', () => {
  test('default', () => {
    expect(wadDivFloor(2n * WAD, 3n * WAD)).toBe(BigInt('6'.repeat(18)));
  });
});

describe('wadDivCeil', () => {
  test('default', () => {
    expect(wadDivCeil(WAD, 3n * WAD)).toBe(BigInt(`${'3'.repeat(17)}4`));
  });

  test('error: a zero divisor throws DivisionByZeroError', () => {
    expect(() => wadDivCeil(1n, 0n)).toThrow(DivisionByZeroError);
  });
});

describe('rayMul', () => {
  test('default', () => {
    expect(rayMul(5n * HALF_RAY, HALF_RAY)).toBe(125n * 10n ** 25n); // 2.5 × 0.5
    // Aave balance = scaled × index: 95238095 × 1.05 = 99999999.75 → 100000000.
    expect(rayMul(95_238_095n, 105n * 10n ** 25n)).toBe(100_000_000n);
  });

  test('behavior: half-up, a tie rounds up', () => {
    expect(rayMul(1n, HALF_RAY)).toBe(1n);
    expect(rayMul(1n, HALF_RAY - 1n)).toBe(0n);
  });

  test('error: a·b + HALF_RAY past 2^256 − 1 throws OverflowError', () => {
    const limit = (MAX_UINT256 - HALF_RAY) / RAY;
    expect(rayMul(limit, RAY)).toBe(limit);
    expect(() => rayMul(limit + 1n, RAY)).toThrow(OverflowError);
  });
});

describe('rayMulFloor', () => {
  test('default', () => {
    expect(rayMulFloor(95_238_095n, 105n * 10n ** 25n)).toBe(99_999_999n); // 99999999.75 → down
    expect(rayMulFloor(1n, HALF_RAY)).toBe(0n);
  });

  test('error: a·b past 2^256 − 1 throws OverflowError', () => {
    const limit = MAX_UINT256 / RAY;
    expect(rayMulFloor(limit, RAY)).toBe(limit);
    expect(() => rayMulFloor(limit + 1n, RAY)).toThrow(OverflowError);
  });
});

describe('rayMulCeil', () => {
  test('default', () => {
    expect(rayMulCeil(95_238_095n, 105n * 10n ** 25n)).toBe(100_000_000n);
    expect(rayMulCeil(1n, 1n)).toBe(1n);
    expect(rayMulCeil(RAY, RAY)).toBe(RAY);
  });
});

describe('rayDiv', () => {
  test('default', () => {
    // Aave scaled balance = amount / index: 100e6 / 1.05 = 95238095.24 → 95238095.
    expect(rayDiv(100_000_000n, 105n * 10n ** 25n)).toBe(95_238_095n);
    expect(rayDiv(RAY, 3n * RAY)).toBe(BigInt('3'.repeat(27)));
  });

  test('behavior: half-up, a tie rounds up', () => {
    expect(rayDiv(1n, 2n * RAY)).toBe(1n);
    expect(rayDiv(1n, 2n * RAY + 1n)).toBe(0n);
  });

  test('error: a·RAY + floor(b/2) past 2^256 − 1 throws OverflowError', () => {
    const limit = (MAX_UINT256 - HALF_RAY) / RAY;
    expect(rayDiv(limit, RAY)).toBe(limit);
    expect(() => rayDiv(limit + 1n, RAY)).toThrow(OverflowError);
  });

  test('error: a zero divisor throws DivisionByZeroError', () => {
    expect(() => rayDiv(1n, 0n)).toThrow(DivisionByZeroError);
  });
});

describe('rayDivFloor', () => {
  test('default', () => {
    expect(rayDivFloor(100_000_000n, 105n * 10n ** 25n)).toBe(95_238_095n);
    expect(rayDivFloor(1n, 2n * RAY)).toBe(0n);
  });

  test('error: a·RAY past 2^256 − 1 throws OverflowError even when the quotient is small', () => {
    expect(() => rayDivFloor(MAX_UINT256 / RAY + 1n, MAX_UINT256)).toThrow(OverflowError);
  });
});

describe('rayDivCeil', () => {
  test('default', () => {
    expect(rayDivCeil(100_000_000n, 105n * 10n ** 25n)).toBe(95_238_096n);
    expect(rayDivCeil(1n, 2n * RAY + 1n)).toBe(1n);
    expect(rayDivCeil(RAY, 3n * RAY)).toBe(BigInt(`${'3'.repeat(26)}4`));
  });
});

describe('rayToWad', () => {
  test('default', () => {
    expect(rayToWad(RAY)).toBe(WAD);
    expect(rayToWad(15n * 10n ** 8n)).toBe(2n); // 1.5 wad-ulps → 2 (tie up)
    expect(rayToWad(5n * 10n ** 8n)).toBe(1n); // 0.5 → 1
    expect(rayToWad(5n * 10n ** 8n - 1n)).toBe(0n);
    expect(rayToWad(10n ** 9n - 1n)).toBe(1n);
  });

  test('error: a negative value throws NegativeValueError', () => {
    expect(() => rayToWad(-1n)).toThrow(NegativeValueError);
  });
});

describe('wadToRay', () => {
  test('default', () => {
    expect(wadToRay(WAD)).toBe(RAY);
    expect(wadToRay(1n)).toBe(10n ** 9n);
  });

  test('error: a·1e9 past 2^256 − 1 throws OverflowError', () => {
    const limit = MAX_UINT256 / 10n ** 9n;
    expect(wadToRay(limit)).toBe(limit * 10n ** 9n);
    expect(() => wadToRay(limit + 1n)).toThrow(OverflowError);
  });
});

describe('every Aave operation', () => {
  test('error: a negative operand throws NegativeValueError', () => {
    for (const op of ALL) {
      expect(() => op(-1n, 1n)).toThrow(NegativeValueError);
      expect(() => op(1n, -1n)).toThrow(NegativeValueError);
    }
  });
});
