/**
 * Formula tables for the crvUSD math. Values are derived by hand (shown in the comments), taken
 * from fixtures/vectors/crvusd.json, or checked against an independent high-precision computation
 * (bigint series at 40 digits, exact rationals for ((A−1)/A)^n) within stated tolerances where the
 * contract's own integer approximations (ln_int, log2, solmate exp) make the exact digits unknowable
 * by hand.
 */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../engine/errors.js';
import {
  bandConstants,
  bandCurve,
  bandPrice,
  checkedSub,
  EXP_POWER_MAX,
  EXP_POWER_MIN,
  fRemove,
  getY0,
  healthFromXDown,
  healthFullBonus,
  isqrt,
  llammaExp,
  lnInt,
  log2Int,
  pCurrentDown,
  pOracleUp,
  priceToWad,
  WAD,
  yEffective,
} from './math.js';

const E18 = 10n ** 18n;
/** 40-digit fixed point for the independent reference computations. */
const S = 10n ** 40n;

/** e^(x/S)·S by Taylor series after halving x until |x| < S/2^8, then squaring back. */
function expRef(xS: bigint): bigint {
  let halvings = 0;
  let x = xS;
  while (x > S / 256n || x < -S / 256n) {
    x /= 2n;
    halvings += 1;
  }
  let term = S;
  let sum = S;
  for (let k = 1n; k < 40n; k++) {
    term = (term * x) / (S * k);
    sum += term;
  }
  for (let i = 0; i < halvings; i++) sum = (sum * sum) / S;
  return sum;
}

/** ln(x/S)·S for x > 0: 2·atanh((x − 1)/(x + 1)). */
function lnRef(xS: bigint): bigint {
  const z = ((xS - S) * S) / (xS + S);
  const z2 = (z * z) / S;
  let power = z;
  let sum = 0n;
  for (let k = 0n; k < 400n; k++) {
    sum += power / (2n * k + 1n);
    power = (power * z2) / S;
    if (power === 0n) break;
  }
  return 2n * sum;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

describe('fRemove (Controller._get_f_remove)', () => {
  test('default: the fixture vectors', () => {
    // ((1 + 0.03)·0.5/1.06 + 0.5)·0.5: 1.03e18·0.5e18/1.06e18 = 485849056603773584.9 → floor,
    // + 0.5e18 = 985849056603773584, ·0.5 = 492924528301886792.
    expect(fRemove(5n * 10n ** 17n, 6n * 10n ** 16n)).toBe(492924528301886792n);
    // 1.03e18·0.9e18/1.06e18 = 874528301886792452.8 → 874528301886792452; +0.1e18; ·0.1 = 97452830188679245.2.
    expect(fRemove(10n ** 17n, 6n * 10n ** 16n)).toBe(97452830188679245n);
    expect(fRemove(E18, 6n * 10n ** 16n)).toBe(E18);
    expect(fRemove(5n * 10n ** 17n, 0n)).toBe(5n * 10n ** 17n);
  });
  test('behavior: at most frac (the remaining loan keeps its health), at least frac·(1 + h/2)/(1 + h)', () => {
    // frac 0.99, h 0.06: 1.03e18·0.01e18/1.06e18 = 9716981132075471.7 → floor, + 0.99e18, ·0.99
    // = 989719811320754716.3.
    expect(fRemove(0n, 6n * 10n ** 16n)).toBe(0n);
    expect(fRemove(99n * 10n ** 16n, 6n * 10n ** 16n)).toBe(989719811320754716n);
    expect(fRemove(2n * E18, 6n * 10n ** 16n)).toBe(E18); // frac ≥ 1: everything
    for (const frac of [10n ** 16n, 3n * 10n ** 17n, 7n * 10n ** 17n]) {
      const f = fRemove(frac, 6n * 10n ** 16n);
      expect(f).toBeLessThanOrEqual(frac);
      expect(f).toBeGreaterThanOrEqual((frac * 103n) / 106n);
    }
  });
});

describe('healthFromXDown / healthFullBonus (Controller._health)', () => {
  test('default: the fixture vectors', () => {
    // 1000·0.94/900 − 1 = 0.0444…: 940e36/900e18 = 1044444444444444444.4 → floor − 1e18.
    expect(
      healthFromXDown({ xDown: 1000n * E18, debt: 900n * E18, liquidationDiscountWad: 6n * 10n ** 16n }),
    ).toBe(44444444444444444n);
    expect(
      healthFromXDown({ xDown: 1000n * E18, debt: 940n * E18, liquidationDiscountWad: 6n * 10n ** 16n }),
    ).toBe(0n);
    // 940/950 = 0.98947368421052631578…: floor 989473684210526315 − 1e18.
    expect(
      healthFromXDown({ xDown: 1000n * E18, debt: 950n * E18, liquidationDiscountWad: 6n * 10n ** 16n }),
    ).toBe(-10526315789473685n);
  });
  test('behavior: the full=True bonus is (p − p_up)·y·precision/debt and 0 at or below p_up', () => {
    // (2000 − 1900)·1 WETH / 1000 crvUSD = 0.1.
    const base = { collateral: E18, collateralPrecision: 1n, debt: 1000n * E18 };
    expect(healthFullBonus({ ...base, pOracleWad: 2000n * E18, pUpWad: 1900n * E18 })).toBe(10n ** 17n);
    expect(healthFullBonus({ ...base, pOracleWad: 1900n * E18, pUpWad: 1900n * E18 })).toBe(0n);
    expect(healthFullBonus({ ...base, pOracleWad: 1800n * E18, pUpWad: 1900n * E18 })).toBe(0n);
    // 1 WBTC (8 decimals, precision 1e10): 1e8·1e10 = 1e18 internal, (30000 − 29000)/10000 = 0.1.
    expect(
      healthFullBonus({
        pOracleWad: 30_000n * E18,
        pUpWad: 29_000n * E18,
        collateral: 10n ** 8n,
        collateralPrecision: 10n ** 10n,
        debt: 10_000n * E18,
      }),
    ).toBe(10n ** 17n);
  });
  test('error: a zero debt is "Loan doesn\'t exist"', () => {
    expect(() => healthFromXDown({ xDown: 1n, debt: 0n, liquidationDiscountWad: 0n })).toThrow(
      ProtocolRevertError,
    );
  });
});

describe('isqrt / checkedSub', () => {
  test('default', () => {
    expect([0n, 1n, 3n, 4n, 99n, 100n, 10n ** 36n].map(isqrt)).toEqual([0n, 1n, 1n, 2n, 9n, 10n, 10n ** 18n]);
    // floor(sqrt(2)·1e18) = 1414213562373095048 (√2 = 1.41421356237309504880…).
    expect(isqrt(2n * 10n ** 36n)).toBe(1414213562373095048n);
    expect(checkedSub(5n, 3n, 'x')).toBe(2n);
  });
  test('error: negative input and underflow revert', () => {
    expect(() => isqrt(-1n)).toThrow(ProtocolRevertError);
    expect(() => checkedSub(3n, 5n, 'x')).toThrow(ProtocolRevertError);
  });
});

describe('llammaExp (AMM._p_oracle_up exp)', () => {
  test('default: exact at 0 and e at 1', () => {
    expect(llammaExp(0n)).toBe(E18);
    // e = 2.71828182845904523536…
    expect(llammaExp(E18)).toBe(2718281828459045235n);
  });
  test('behavior: within 1e-17 relative of the true exponential above −ln2/2', () => {
    for (const power of [
      -34n * 10n ** 16n,
      -12345678901234567n,
      1n,
      7n * 10n ** 17n,
      20n * E18,
      100n * E18,
    ]) {
      const got = llammaExp(power);
      const want = expRef(power * 10n ** 22n) / 10n ** 22n;
      expect(abs(got - want) * 10n ** 17n).toBeLessThanOrEqual(want + 10n ** 17n);
    }
  });
  test('behavior: below −ln2/2 the contract truncating k costs accuracy (≤ 1e-11 relative)', () => {
    // k = (x/ln2 + 1/2) truncated toward zero, not floored as in solmate: for x < −ln2/2 the
    // remainder leaves the approximation's design interval. e^-5 = 0.006737946999085467…
    for (const power of [-40n * E18, -5n * E18, -E18, -4n * 10n ** 17n]) {
      const got = llammaExp(power);
      const want = expRef(power * 10n ** 22n) / 10n ** 22n;
      expect(abs(got - want) * 10n ** 11n).toBeLessThanOrEqual(want + 10n ** 11n);
    }
    expect(llammaExp(-5n * E18)).not.toBe(expRef(-5n * S) / 10n ** 22n);
  });
  test('error: powers outside the contract bounds revert', () => {
    expect(() => llammaExp(EXP_POWER_MIN)).toThrow(ProtocolRevertError);
    expect(() => llammaExp(EXP_POWER_MAX)).toThrow(ProtocolRevertError);
    expect(llammaExp(EXP_POWER_MIN + 1n)).toBeGreaterThanOrEqual(0n);
  });
});

describe('lnInt / log2Int', () => {
  test('default: exact powers of two', () => {
    expect(log2Int(E18)).toBe(0n);
    expect(log2Int(2n * E18)).toBe(E18);
    expect(log2Int(E18 / 2n)).toBe(-E18);
    expect(log2Int(8n * E18)).toBe(3n * E18);
    expect(lnInt(E18)).toBe(0n);
  });
  test('behavior: within a few wei below the true logarithm (every step floors)', () => {
    // ln(100/99) = 0.010050335853501441183548857…
    const lnRatio = lnInt((E18 * 100n) / 99n);
    const want = lnRef(((E18 * 100n) / 99n) * 10n ** 22n) / 10n ** 22n;
    expect(want - lnRatio).toBeGreaterThanOrEqual(0n);
    expect(want - lnRatio).toBeLessThan(100n);
    // log2(100/99) = ln(100/99)/ln 2 = 0.014499569695115…; 34 binary digits: within 2^-34.
    const log2Ratio = log2Int((100n * E18) / 99n);
    const want2 = (lnRef(((100n * E18) / 99n) * 10n ** 22n) * E18) / lnRef(2n * S);
    expect(abs(log2Ratio - want2)).toBeLessThan(E18 / 2n ** 33n);
  });
});

describe('bandConstants', () => {
  test('default: A = 100', () => {
    const c = bandConstants(100n);
    expect(c.A).toBe(100n);
    expect(c.aMinus1).toBe(99n);
    // √(100/99) = 1.00503781525921527…: the AMM rounds 1e18·100/99 down first, then isqrt.
    const ratio = (E18 * 100n) / 99n;
    expect(c.ammSqrtBandRatio ** 2n <= ratio * E18).toBe(true);
    expect((c.ammSqrtBandRatio + 1n) ** 2n > ratio * E18).toBe(true);
    expect(c.controllerSqrtBandRatio ** 2n <= (10n ** 36n * 100n) / 99n).toBe(true);
    expect((c.controllerSqrtBandRatio + 1n) ** 2n > (10n ** 36n * 100n) / 99n).toBe(true);
    expect(c.logARatio).toBe(lnInt(ratio));
    expect(c.log2ARatio).toBe(log2Int(ratio));
  });
});

describe('pOracleUp (AMM.p_oracle_up)', () => {
  const c = bandConstants(100n);
  const base = 2000n * E18;
  test('default: band 0 is the base price; p_oracle_up(n + 1) = p_oracle_down(n)', () => {
    expect(pOracleUp(base, c.logARatio, 0)).toBe(base);
    // 2000·0.99 = 1980 (to 1e-17: LOG_A_RATIO is ~1e-17 below ln(100/99)).
    const p1 = pOracleUp(base, c.logARatio, 1);
    expect(abs(p1 - 1980n * E18)).toBeLessThan(10n ** 5n);
  });
  test('behavior: equals base·((A − 1)/A)^n to n·2e-17 relative (1e-11 beyond 34 bands below base)', () => {
    for (const n of [-300, -50, -1, 2, 14, 23, 34, 35, 100, 500]) {
      const got = pOracleUp(base, c.logARatio, n);
      const want =
        n >= 0
          ? (base * 99n ** BigInt(n)) / 100n ** BigInt(n)
          : (base * 100n ** BigInt(-n)) / 99n ** BigInt(-n);
      const tolerance =
        n < 35 ? (want * BigInt(2 * Math.abs(n) + 2)) / 10n ** 17n + 2n : want / 10n ** 11n + 2n;
      expect(abs(got - want)).toBeLessThanOrEqual(tolerance);
    }
  });
  test('error: bands too far from the base price revert', () => {
    expect(() => pOracleUp(base, c.logARatio, 20_000)).toThrow(ProtocolRevertError);
  });
});

describe('getY0 / bandCurve / bandPrice / pCurrentDown', () => {
  const c = bandConstants(100n);
  const pUp = 2000n * E18;
  test('default: a band full of collateral at p_o = p_up has y0 = y and price p_up', () => {
    // b = A·p²/p_up·y/1e18 = 100·2000e18·1 = 2e23·1e3…; y0 = b·1e18/(A·p) = y exactly.
    expect(getY0(c, { x: 0n, y: E18 }, pUp, pUp)).toBe(E18);
    expect(bandPrice(c, { x: 0n, y: E18 }, pUp, pUp)).toBe(pUp);
    // f = A·y0·p/p_up·p/1e18 = 100·2000e18 = 2e23·1e-18·1e18…; g = 99·y0·p_up/p = 99e18.
    const curve = bandCurve(c, { x: 0n, y: E18 }, pUp, pUp);
    expect(curve.f).toBe(200_000n * E18);
    expect(curve.g).toBe(99n * E18);
    expect(curve.inv).toBe(200_000n * E18 * 100n * E18);
  });
  test('behavior: edge prices move with p_o cubed: p_current_down = p_o³/p_up², mid-band and p_current_up', () => {
    // p_o = 1900, p_up = 2000: 1900³/2000² = 1714.75 exactly.
    expect(pCurrentDown(1900n * E18, pUp)).toBe(171475n * 10n ** 16n);
    // Empty band: mid-band = p_current_down·A/(A − 1) = 1714.75·100/99 = 1732.070707… (floor).
    expect(bandPrice(c, { x: 0n, y: 0n }, 1900n * E18, pUp)).toBe((171475n * 10n ** 16n * 100n) / 99n);
    // Only stablecoin: p_current_up = p_o³/p_down², p_down = 1980: 2000³/1980² = 2040.60810121416…
    const up = bandPrice(c, { x: E18, y: 0n }, pUp, pUp);
    const exact = (8n * 10n ** 9n * E18) / 3_920_400n;
    expect(abs(up - exact)).toBeLessThanOrEqual(1n);
    // A band holding both coins prices between its edges.
    const mixed = bandPrice(c, { x: 1000n * E18, y: E18 / 2n }, pUp, pUp);
    expect(mixed > pUp && mixed < up).toBe(true);
  });
  test('error: a zero oracle price reverts', () => {
    expect(() => getY0(c, { x: 1n, y: 1n }, 0n, pUp)).toThrow(ProtocolRevertError);
  });
});

describe('yEffective (Controller.get_y_effective)', () => {
  const c = bandConstants(100n);
  test('default: close to y·(1 − d)/√(A/(A−1))·Σ((A−1)/A)^k/N', () => {
    // 10 WETH, N = 10, discount 9 %: 0.91/1.0050378153 = 0.9054385 per band, Σ_{k<10} 0.99^k =
    // (1 − 0.904382075)/0.01 = 9.5617925, product 8.657615.
    const got = yEffective(c, 10n * E18, 10, 9n * 10n ** 16n);
    const sum = (S * (100n ** 10n - 99n ** 10n)) / (100n ** 10n / 100n); // Σ 0.99^k ·S (k < 10)
    const want = (((10n * S * 91n) / 100n / 10n) * S) / ((c.controllerSqrtBandRatio * S) / E18);
    const ideal = (((want * sum) / S) * E18) / S;
    expect(abs(got - ideal)).toBeLessThan(10n ** 6n);
    expect(got / 10n ** 12n).toBe(8_657_615n);
  });
  test('behavior: a larger discount or more bands lower it; tiny deposits pay the DEAD_SHARES allowance', () => {
    expect(yEffective(c, 10n * E18, 10, 10n ** 17n)).toBeLessThan(
      yEffective(c, 10n * E18, 10, 9n * 10n ** 16n),
    );
    expect(yEffective(c, 10n * E18, 20, 9n * 10n ** 16n)).toBeLessThan(
      yEffective(c, 10n * E18, 10, 9n * 10n ** 16n),
    );
    // 4000 wei over 4 bands: 1000 per band → allowance 1000·1e18/1000 = 1e18 → nothing left.
    expect(yEffective(c, 4000n, 4, 0n)).toBe(0n);
  });
});

describe('priceToWad', () => {
  test('default: oracle decimals to 1e18', () => {
    expect(priceToWad(2000n * 10n ** 8n, 8)).toBe(2000n * WAD);
    expect(priceToWad(2000n * WAD, 18)).toBe(2000n * WAD);
    expect(priceToWad(2000n * 10n ** 20n + 99n, 20)).toBe(2000n * WAD); // floors the surplus digits
  });
});
