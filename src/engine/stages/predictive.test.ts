/**
 * Tests of the predictive stage: the barrier-hit probability against decimal.js (with Φ from an
 * independent alternating series), the soft-call quantile and health against published normal
 * quantiles, the de-leveraging and episode rules as tables, and the section's named errors.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import { MAX_UINT256, WAD } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import {
  barrierHitProbabilityWad,
  basketSigmaWad,
  deleverageReason,
  deleverageRepay,
  parsePredictiveParams,
  softCallHealthWad,
  softCallQuantileWad,
  softCallTransition,
} from './predictive.js';

const D = Decimal.clone({ precision: 80 });
const E18 = new D(10).pow(18);
const wad = (x: string | number) => BigInt(new D(x).times(E18).toFixed(0));

/** Φ by its alternating Taylor series (independent of the implementation's Marsaglia series). */
function phi(x: Decimal): Decimal {
  let sum = new D(0);
  let power = x;
  let factor = new D(1);
  for (let n = 0; n < 1_000; n++) {
    const term = power.div(factor.times(2 * n + 1));
    sum = n % 2 === 0 ? sum.plus(term) : sum.minus(term);
    if (term.abs().lt('1e-50')) break;
    power = power.times(x).times(x);
    factor = factor.times(2 * (n + 1));
  }
  return new D(0.5).plus(sum.div(D.acos(-1).times(2).sqrt()));
}
/** 2Φ(−ln h / s) × 1e18, exactly (80 digits). */
const exactProbability = (h: string, s: string) => phi(new D(h).ln().div(s).neg()).times(2).times(E18);

describe('barrierHitProbabilityWad', () => {
  test('default: health 1.05 with σ√T = 0.05 (a 5 % move per horizon) is about 33 %', () => {
    const p = barrierHitProbabilityWad(wad('1.05'), wad('0.05'));
    // 2Φ(−ln 1.05 / 0.05) = 2Φ(−0.97580…) = 0.32915…
    expect(Number(p) / 1e18).toBeCloseTo(0.32916, 4);
    const bound = 2 + 0.8 * (1 + 1 / 0.05);
    expect(new D(p.toString()).minus(exactProbability('1.05', '0.05')).abs().toNumber()).toBeLessThanOrEqual(
      bound,
    );
  });

  test('behavior: within the stated bound of decimal.js across healths and volatilities', () => {
    for (const [h, s] of [
      ['1.000001', '0.001'],
      ['1.01', '0.0085'],
      ['1.2', '0.3'],
      ['1.5', '0.05'],
      ['3', '2'],
    ] as const) {
      const p = barrierHitProbabilityWad(wad(h), wad(s));
      const bound = 2 + 0.8 * (1 + 1 / Number(s));
      expect(
        new D(p.toString()).minus(exactProbability(h, s)).abs().toNumber(),
        `${h}, ${s}`,
      ).toBeLessThanOrEqual(bound);
    }
  });

  test('behavior: certain at or below health 1; zero without volatility', () => {
    expect(barrierHitProbabilityWad(WAD, wad('0.1'))).toBe(WAD);
    expect(barrierHitProbabilityWad(wad('0.9'), 0n)).toBe(WAD);
    expect(barrierHitProbabilityWad(WAD + 1n, 0n)).toBe(0n);
  });
});

describe('softCallQuantileWad', () => {
  test('default: 5 % two-sided is z = 1.959963984540…, 1 % is 2.575829303549…', () => {
    // Published quantiles of the standard normal: Φ⁻¹(0.975), Φ⁻¹(0.995).
    const z5 = softCallQuantileWad(wad('0.05'));
    const z1 = softCallQuantileWad(wad('0.01'));
    expect(Math.abs(Number(z5 - 1_959_963_984_540_054_000n))).toBeLessThan(1e4);
    expect(Math.abs(Number(z1 - 2_575_829_303_548_901_000n))).toBeLessThan(1e4);
  });

  test('error: a probability outside [1e-9, 1)', () => {
    expect(() => softCallQuantileWad(WAD)).toThrow(InvalidParameterError);
    expect(() => softCallQuantileWad(999_999_999n)).toThrow(InvalidParameterError);
  });
});

describe('softCallHealthWad', () => {
  test('default: H* = e^(1.96·0.05) ≈ 1.1030 for 5 % within σ√T = 0.05', () => {
    const h = softCallHealthWad(wad('0.05'), wad('0.05'));
    expect(Number(h) / 1e18).toBeCloseTo(Math.exp(1.959964 * 0.05), 6);
  });

  test('behavior: at H* the probability is the threshold, just above it lower', () => {
    const p = wad('0.05');
    for (const s of ['0.0085', '0.05', '0.4']) {
      const h = softCallHealthWad(wad(s), p);
      // within the bound of barrierHitProbabilityWad and of the quantile (≤ 1e4 ulps of z):
      const slack = BigInt(Math.ceil(1e5 / Number(s)));
      expect(barrierHitProbabilityWad(h, wad(s)) + slack).toBeGreaterThanOrEqual(p);
      expect(barrierHitProbabilityWad((h * 1_001n) / 1_000n, wad(s))).toBeLessThan(p);
    }
  });

  test('behavior: no volatility, no band; huge volatility, everything in it', () => {
    expect(softCallHealthWad(0n, wad('0.05'))).toBe(WAD);
    expect(softCallHealthWad(100n * WAD, wad('0.05'))).toBe(MAX_UINT256);
  });
});

describe('deleverageReason / softCallTransition', () => {
  test('default: the bands as a table', () => {
    const pre = wad('1.03');
    const star = wad('1.10');
    const cases: [string, 'preHealth' | 'softCall' | undefined][] = [
      ['0.99', undefined], // liquidatable: liquidate, not de-leverage
      ['1', 'preHealth'],
      ['1.029', 'preHealth'],
      ['1.03', 'softCall'],
      ['1.1', 'softCall'],
      ['1.100000000000000001', undefined],
    ];
    for (const [h, reason] of cases) {
      expect(deleverageReason({ healthWad: wad(h), preHealthWad: pre, softCallHealthWad: star }), h).toBe(
        reason,
      );
    }
    expect(
      deleverageReason({ healthWad: wad('1.5'), preHealthWad: WAD, softCallHealthWad: WAD }),
    ).toBeUndefined();
  });

  test('behavior: a call once per episode, cleared on recovery, kept below health 1', () => {
    const star = wad('1.1');
    const t = (called: boolean, h: string) =>
      softCallTransition({ called, healthWad: wad(h), softCallHealthWad: star });
    expect([t(false, '1.05'), t(true, '1.05'), t(true, '1.2'), t(false, '1.2')]).toEqual([
      'call',
      undefined,
      'clear',
      undefined,
    ]);
    expect([t(false, '0.95'), t(true, '0.95')]).toEqual([undefined, undefined]);
  });

  test('behavior: with a clearing margin a called account stays called until H*·(1 + margin)', () => {
    const star = wad('1.1');
    // 500 bps above 1.1 is 1.155 exactly: at it the call holds, one wei above it clears.
    const t = (h: bigint) =>
      softCallTransition({ called: true, healthWad: h, softCallHealthWad: star, clearMarginBps: 500n });
    expect([t(wad('1.12')), t(wad('1.155')), t(wad('1.155') + 1n)]).toEqual([undefined, undefined, 'clear']);
    // Without the margin the same 1.12 clears (the old rule), and calling is unchanged by it.
    expect(softCallTransition({ called: true, healthWad: wad('1.12'), softCallHealthWad: star })).toBe(
      'clear',
    );
    expect(
      softCallTransition({
        called: false,
        healthWad: wad('1.05'),
        softCallHealthWad: star,
        clearMarginBps: 500n,
      }),
    ).toBe('call');
  });

  test('error: a clearing margin past 10,000 bps is refused with its field', () => {
    const base = {
      horizonSeconds: 3600,
      softCallProbabilityWad: '100000000000000000',
      preHealthWad: '1030000000000000000',
      stepBps: '1000',
      preBonusBps: '100',
      cooldownSeconds: 60,
    };
    expect(
      parsePredictiveParams({ ...base, clearMarginBps: '300' }, 'config.predictive').clearMarginBps,
    ).toBe(300n);
    expect(parsePredictiveParams(base, 'config.predictive').clearMarginBps).toBeUndefined();
    const refuse = () => parsePredictiveParams({ ...base, clearMarginBps: '10001' }, 'config.predictive');
    expect(refuse).toThrow(InvalidParameterError);
    expect(refuse).toThrow(/config\.predictive\.clearMarginBps/);
  });
});

describe('deleverageRepay / basketSigmaWad', () => {
  test('default: a floored share of the debt; a weighted σ rounded up', () => {
    expect(deleverageRepay(1_000_001n, 2_500n)).toBe(250_000n);
    expect(deleverageRepay(3n, 2_500n)).toBe(0n);
    expect(basketSigmaWad([])).toBe(0n);
    // (3·0.8 + 1·0.4) / 4 = 0.7
    expect(
      basketSigmaWad([
        { weightWad: 3n * WAD, sigmaAnnualWad: wad('0.8') },
        { weightWad: WAD, sigmaAnnualWad: wad('0.4') },
      ]),
    ).toBe(wad('0.7'));
    expect(
      basketSigmaWad([
        { weightWad: 3n, sigmaAnnualWad: 1n },
        { weightWad: 0n, sigmaAnnualWad: 0n },
      ]),
    ).toBe(1n);
  });
});

describe('parsePredictiveParams', () => {
  const good = {
    horizonSeconds: 3600,
    softCallProbabilityWad: '50000000000000000',
    preHealthWad: '1030000000000000000',
    stepBps: 2500,
    preBonusBps: 200,
    cooldownSeconds: 900,
  };
  test('default: the example section', () => {
    expect(parsePredictiveParams(good, 'p')).toEqual({
      horizonSeconds: 3600,
      softCallProbabilityWad: wad('0.05'),
      preHealthWad: wad('1.03'),
      stepBps: 2500n,
      preBonusBps: 200n,
      cooldownSeconds: 900,
    });
  });
  test('error: each bad field is named', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, horizonSeconds: 0 }, 'p.horizonSeconds'],
      [{ ...good, softCallProbabilityWad: String(WAD) }, 'p.softCallProbabilityWad'],
      [{ ...good, preHealthWad: String(WAD - 1n) }, 'p.preHealthWad'],
      [{ ...good, stepBps: 0 }, 'p.stepBps'],
      [{ ...good, preBonusBps: 5001 }, 'p.preBonusBps'],
      [{ ...good, cooldownSeconds: -1 }, 'p.cooldownSeconds'],
    ];
    for (const [raw, field] of cases) {
      try {
        parsePredictiveParams(raw, 'p');
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});
