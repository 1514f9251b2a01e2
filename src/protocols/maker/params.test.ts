/** Tests of the Maker parameter parser and its defaults. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { RAD, RAY, WAD } from '../../math/units.js';
import { DEFAULT_ETH_A_PARAMS, DEFAULT_MAKER_PARAMS, makerParamsToJson, parseMakerParams } from './params.js';

function fieldOf(raw: unknown): string {
  try {
    parseMakerParams(raw);
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  return 'none';
}

describe('DEFAULT_MAKER_PARAMS', () => {
  test('default: ETH-A, July 2025 (mechanisms.md §1.7)', () => {
    const e = DEFAULT_ETH_A_PARAMS;
    expect(e.matRay).toBe(1_450_000_000_000_000_000_000_000_000n); // 145 %
    expect(e.chopWad).toBe(1_130_000_000_000_000_000n); // 13 % penalty
    expect(e.dustRad).toBe(7500n * 10n ** 45n);
    expect(e.holeRad).toBe(40_000_000n * RAD);
    expect(e.bufRay).toBe(1_100_000_000_000_000_000_000_000_000n);
    expect(e.calc).toEqual({
      kind: 'StairstepExponentialDecrease',
      cutRay: 990_000_000_000_000_000_000_000_000n,
      stepSeconds: 90n,
    });
    expect([e.tailSeconds, e.cuspRay]).toEqual([7200, 450_000_000_000_000_000_000_000_000n]);
    expect([e.tipRad, e.chipWad]).toEqual([250n * RAD, 1_000_000_000_000_000n]);
    expect(e.toleranceRay).toBe(500_000_000_000_000_000_000_000_000n);
    expect(DEFAULT_MAKER_PARAMS.HoleRad).toBe(150_000_000n * RAD);
    expect(DEFAULT_MAKER_PARAMS.vowWaitSeconds).toBe(561_600); // 156 h
  });
});

describe('parseMakerParams', () => {
  test('default: nothing given means the defaults', () => {
    expect(parseMakerParams(undefined)).toEqual(DEFAULT_MAKER_PARAMS);
    expect(parseMakerParams({})).toEqual(DEFAULT_MAKER_PARAMS);
  });

  test('behavior: ilk fields default to ETH-A, the gem to the ilk name before its dash', () => {
    const p = parseMakerParams({
      ilks: { 'WBTC-A': { matRay: (3n * RAY) / 2n, calc: 'LinearDecrease tau=600' } },
    });
    expect(p.ilks['WBTC-A']).toEqual({
      ...DEFAULT_ETH_A_PARAMS,
      gem: 'WBTC',
      matRay: (3n * RAY) / 2n,
      calc: { kind: 'LinearDecrease', tauSeconds: 600n },
    });
  });

  test('behavior: strings, numbers and curve objects are accepted; the JSON form parses back equal', () => {
    const p = parseMakerParams({
      HoleRad: '5',
      ilks: {
        X: {
          gem: 'ETH',
          chopWad: String(WAD),
          tailSeconds: '60',
          calc: { kind: 'ExponentialDecrease', cutRay: String(RAY) },
        },
      },
    });
    expect(p.HoleRad).toBe(5n);
    expect(p.ilks.X?.calc).toEqual({ kind: 'ExponentialDecrease', cutRay: RAY });
    expect(parseMakerParams(makerParamsToJson(p))).toEqual(p);
    expect(parseMakerParams(makerParamsToJson(DEFAULT_MAKER_PARAMS))).toEqual(DEFAULT_MAKER_PARAMS);
  });

  test('error: every bad field is named', () => {
    const ilk = (v: Record<string, unknown>) => ({ ilks: { 'ETH-A': v } });
    const cases: [unknown, string][] = [
      [ilk({ cuspRay: (RAY + 1n).toString() }), 'params.ilks.ETH-A.cuspRay'],
      [ilk({ chopWad: (WAD - 1n).toString() }), 'params.ilks.ETH-A.chopWad'],
      [ilk({ bufRay: (RAY - 1n).toString() }), 'params.ilks.ETH-A.bufRay'],
      [ilk({ matRay: '1' }), 'params.ilks.ETH-A.matRay'],
      [ilk({ tailSeconds: 0 }), 'params.ilks.ETH-A.tailSeconds'],
      [ilk({ toleranceRay: (RAY + 1n).toString() }), 'params.ilks.ETH-A.toleranceRay'],
      [ilk({ dutyRay: '0' }), 'params.ilks.ETH-A.dutyRay'],
      [ilk({ begWad: '0' }), 'params.ilks.ETH-A.begWad'],
      [ilk({ dunkRad: '0' }), 'params.ilks.ETH-A.dunkRad'],
      [ilk({ ttlSeconds: 0 }), 'params.ilks.ETH-A.ttlSeconds'],
      [ilk({ chipWad: (1n << 64n).toString() }), 'params.ilks.ETH-A.chipWad'],
      [ilk({ calc: 'LinearDecrease tau=0' }), 'params.ilks.ETH-A.calc'],
      [
        ilk({ calc: { kind: 'StairstepExponentialDecrease', cutRay: '1', stepSeconds: '0' } }),
        'params.ilks.ETH-A.calc.step',
      ],
      [ilk({ colour: 'red' }), 'params.ilks.ETH-A.colour'],
      [{ ilks: {} }, 'params.ilks'],
      [{ ilks: { 'bad name': {} } }, 'params.ilks.bad name'],
      [{ HoleRad: '-1' }, 'params.HoleRad'],
      [{ vowWaitSeconds: 1.5 }, 'params.vowWaitSeconds'],
      [{ Hole: 1 }, 'params.Hole'],
      ['nope', 'params'],
    ];
    for (const [raw, field] of cases) expect(fieldOf(raw)).toBe(field);
  });
});
