/**
 * Tests of the volatility stage: EWMA and GARCH(1,1) folds checked against the same formulas
 * evaluated by decimal.js at 60 digits (within the bound their roundings allow), the sampling rule,
 * σ over a horizon, and the configuration's named errors.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import {
  anchorVolatility,
  foldVolatility,
  initialVarianceWad,
  parseVolatilityParams,
  SECONDS_PER_YEAR,
  sigmaAnnualWad,
  sigmaOverHorizonWad,
  type VolatilityParams,
} from './volatility.js';

const D = Decimal.clone({ precision: 60 });
const E18 = new D(10).pow(18);
const E8 = 100_000_000n;
const ewma: VolatilityParams = {
  model: 'ewma',
  lambdaWad: 940_000_000_000_000_000n,
  initialSigmaWad: 800_000_000_000_000_000n,
  minSampleSeconds: 300,
};
const garch: VolatilityParams = {
  model: 'garch',
  omegaWad: 10_000_000_000_000_000n, // 0.01
  alphaWad: 100_000_000_000_000_000n, // 0.1
  betaWad: 850_000_000_000_000_000n, // 0.85
  initialSigmaWad: 800_000_000_000_000_000n,
  minSampleSeconds: 60,
};
const at = (dollars: bigint, atSeconds: number) => ({ price: dollars * E8, priceDecimals: 8, atSeconds });
const wadNumber = (x: bigint) => new D(x.toString()).div(E18);

describe('parseVolatilityParams', () => {
  test('default: an EWMA section, minSampleSeconds 60 when absent', () => {
    const p = parseVolatilityParams(
      { model: 'ewma', lambdaWad: '940000000000000000', initialSigmaWad: '800000000000000000' },
      'config.volatility',
    );
    expect(p).toEqual({
      model: 'ewma',
      lambdaWad: 940_000_000_000_000_000n,
      initialSigmaWad: 800_000_000_000_000_000n,
      minSampleSeconds: 60,
    });
  });

  test('error: each bad field is named', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 'ewma', lambdaWad: String(WAD), initialSigmaWad: '1' }, 'v.lambdaWad'],
      [{ model: 'arch', lambdaWad: '1', initialSigmaWad: '1' }, 'v.model'],
      [{ model: 'ewma', lambdaWad: '1', initialSigmaWad: String(101n * WAD) }, 'v.initialSigmaWad'],
      [{ model: 'ewma', lambdaWad: '1', initialSigmaWad: '1', minSampleSeconds: 0 }, 'v.minSampleSeconds'],
      [
        {
          model: 'garch',
          omegaWad: '1',
          alphaWad: String(WAD / 2n),
          betaWad: String(WAD / 2n),
          initialSigmaWad: '1',
        },
        'v.betaWad',
      ],
    ];
    for (const [raw, field] of cases) {
      try {
        parseVolatilityParams(raw, 'v');
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});

describe('foldVolatility', () => {
  test('default: EWMA after a 5 % fall in an hour, against decimal.js', () => {
    const anchor = anchorVolatility(ewma, at(2_000n, 0));
    expect(anchor.varianceAnnualWad).toBe(640_000_000_000_000_000n); // 0.8²
    const fold = foldVolatility(ewma, anchor, at(1_900n, 3_600));
    expect(fold).toBeDefined();
    // r = ln 0.95; sample = r²·YEAR/3600; v = 0.94·0.64 + 0.06·sample
    const r = new D(0.95).ln();
    const sample = r.pow(2).times(SECONDS_PER_YEAR.toString()).div(3_600);
    const v = new D(0.94).times(0.64).plus(new D(0.06).times(sample));
    expect(
      wadNumber(fold?.returnWad ?? 0n)
        .minus(r)
        .abs()
        .toNumber(),
    ).toBeLessThanOrEqual(1e-18);
    // ln is within 1/2 ulp; r² is multiplied by 8,760 and 2|r|: the sample within ~500 ulps, v within ~40.
    const got = wadNumber(fold?.estimate.varianceAnnualWad ?? 0n);
    expect(got.minus(v).abs().toNumber()).toBeLessThan(1e-16);
    expect(fold?.estimate).toMatchObject({ price: 1_900n * E8, atSeconds: 3_600 });
    expect(fold?.elapsedSeconds).toBe(3_600);
  });

  test('behavior: GARCH(1,1) v ← ω + α·sample + β·v', () => {
    const anchor = anchorVolatility(garch, at(100n, 0));
    const fold = foldVolatility(garch, anchor, at(110n, 86_400));
    const r = new D(1.1).ln();
    const sample = r.pow(2).times(365);
    const v = new D(0.01).plus(new D(0.1).times(sample)).plus(new D(0.85).times(0.64));
    expect(
      wadNumber(fold?.estimate.varianceAnnualWad ?? 0n)
        .minus(v)
        .abs()
        .toNumber(),
    ).toBeLessThan(1e-16);
  });

  test('behavior: no fold before minSampleSeconds, or at a zero price; decimals are rescaled', () => {
    const anchor = anchorVolatility(ewma, at(2_000n, 0));
    expect(foldVolatility(ewma, anchor, at(1_000n, 299))).toBeUndefined();
    expect(foldVolatility(ewma, anchor, { price: 0n, priceDecimals: 8, atSeconds: 600 })).toBeUndefined();
    // The same $2,000 at 18 decimals: a zero return, the variance decays by λ (rounded up).
    const same = foldVolatility(ewma, anchor, { price: 2_000n * WAD, priceDecimals: 18, atSeconds: 600 });
    expect(same?.returnWad).toBe(0n);
    expect(same?.estimate.varianceAnnualWad).toBe((640_000_000_000_000_000n * 94n) / 100n);
  });

  test('error: an observation older than the anchor', () => {
    const anchor = anchorVolatility(ewma, at(2_000n, 1_000));
    expect(() => foldVolatility(ewma, anchor, at(2_000n, 999))).toThrow(InvalidParameterError);
  });
});

describe('sigmaOverHorizonWad', () => {
  test('default: σ·√(T/year) exactly where the root is exact', () => {
    expect(initialVarianceWad(ewma)).toBe(640_000_000_000_000_000n);
    expect(sigmaAnnualWad(640_000_000_000_000_000n)).toBe(800_000_000_000_000_000n);
    expect(sigmaOverHorizonWad(640_000_000_000_000_000n, Number(SECONDS_PER_YEAR))).toBe(
      800_000_000_000_000_000n,
    );
    expect(sigmaOverHorizonWad(640_000_000_000_000_000n, Number(SECONDS_PER_YEAR) / 4)).toBe(
      400_000_000_000_000_000n,
    );
  });

  test('behavior: rounded up, never below the exact value', () => {
    // 0.64 over one hour: 0.8/√8760 = 0.0085474…
    const s = sigmaOverHorizonWad(640_000_000_000_000_000n, 3_600);
    const exact = new D(0.64).times(3_600).div(SECONDS_PER_YEAR.toString()).sqrt().times(E18);
    const diff = new D(s.toString()).minus(exact).toNumber();
    expect(diff).toBeGreaterThanOrEqual(0);
    expect(diff).toBeLessThanOrEqual(1);
  });
});
