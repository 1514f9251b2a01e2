/** Tests of the sweep knobs, the work-unit plan, runs and merge, and the optimize bisection. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { syntheticBook } from './book.js';
import { pathSeeds, summarizeMonteCarlo } from './montecarlo.js';
import { createRng, split } from './rng.js';
import { scenarioPaths, UnknownScenarioError } from './scenarios.js';
import { DEFAULT_STRESS_VENUE, defaultStressParamsJson, runStress, type StressOptions } from './stress.js';
import {
  applyStressKnob,
  exactWhole,
  type KnobValue,
  knobTakesWholeValues,
  mergeSweep,
  monteCarloBook,
  nextOptimizeValue,
  type OptimizeProbe,
  type OptimizeSpec,
  optimizeOutcome,
  planSweep,
  runSweepLocally,
  runWorkUnit,
  type SweepSpec,
  SweepTargetUnreachableError,
  sweepPoints,
  type UnitResult,
  type WorkUnit,
} from './sweep.js';

const liq2: StressOptions = {
  protocol: 'maker-liq2',
  scenario: 'black-thursday-2020',
  seed: 3,
  accounts: 20,
};
const liq1: StressOptions = { ...liq2, protocol: 'maker-liq1' };

/** The field of an InvalidParameterError thrown by `run` (fails the test when none is thrown). */
function refusal(run: () => unknown): InvalidParameterError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return e as InvalidParameterError;
  }
  throw new Error('expected an InvalidParameterError');
}

type Json = Record<string, Record<string, Record<string, unknown>>>;

describe('exactWhole', () => {
  test('default: whole decimals in any notation, exactly', () => {
    expect(exactWhole('1130000000000000000')).toBe(1_130_000_000_000_000_000n);
    expect(exactWhole('1.13e18')).toBe(1_130_000_000_000_000_000n);
    expect(exactWhole('1.05E+18')).toBe(1_050_000_000_000_000_000n);
    expect(exactWhole('-25')).toBe(-25n);
    expect(exactWhole('2500e-2')).toBe(25n);
    expect(exactWhole('0.0')).toBe(0n);
  });

  test('behavior: fractions, words and huge exponents are not whole', () => {
    for (const text of ['1.5', '1e-3', 'abc', '', '1e999', '0x10', '1,000']) {
      expect(exactWhole(text)).toBeUndefined();
    }
  });
});

describe('applyStressKnob', () => {
  test('default: a params path sets one bigint field exactly, as a decimal string, and nothing else', () => {
    const out = applyStressKnob(liq2, 'params.ilks.ETH-A.chopWad', '1.05e18');
    const json = out.protocolParams as Json;
    const before = defaultStressParamsJson('maker-liq2') as Json;
    expect(json.ilks?.['ETH-A']?.chopWad).toBe('1050000000000000000');
    expect({ ...json.ilks?.['ETH-A'], chopWad: 'x' }).toEqual({ ...before.ilks?.['ETH-A'], chopWad: 'x' });
    expect({ ...json, ilks: null }).toEqual({ ...before, ilks: null });
    expect(liq2.protocolParams).toBeUndefined();
    // A number that is an integer is written exactly too.
    const fromNumber = applyStressKnob(liq2, 'params.ilks.ETH-A.chopWad', 1.1e18).protocolParams as Json;
    expect(fromNumber.ilks?.['ETH-A']?.chopWad).toBe('1100000000000000000');
  });

  test('behavior: params edits start from the run’s own protocolParams and chain', () => {
    const once = applyStressKnob(liq2, 'params.ilks.ETH-A.chopWad', '1100000000000000000');
    const twice = applyStressKnob(once, 'params.ilks.ETH-A.tailSeconds', 3600);
    const json = twice.protocolParams as Json;
    expect(json.ilks?.['ETH-A']?.chopWad).toBe('1100000000000000000');
    expect(json.ilks?.['ETH-A']?.tailSeconds).toBe(3600);
    expect((once.protocolParams as Json).ilks?.['ETH-A']?.tailSeconds).toBe(7200);
  });

  test('behavior: list elements are named by index; boolean fields take true or false', () => {
    const comet = { ...liq2, protocol: 'compound-v3' };
    const out = applyStressKnob(comet, 'params.assets.2.liquidationFactor', '0.9e18');
    const assets = (out.protocolParams as { assets: Record<string, unknown>[] }).assets;
    expect(assets[2]?.asset).toBe('WETH');
    expect(assets[2]?.liquidationFactor).toBe('900000000000000000');
    expect(assets[0]?.liquidationFactor).toBe('930000000000000000');
    const aave = { ...liq2, protocol: 'aave-v3.3' };
    const off = applyStressKnob(aave, 'params.reserves.USDC.borrowingEnabled', 'false');
    expect((off.protocolParams as Json).reserves?.USDC?.borrowingEnabled).toBe(false);
  });

  test('behavior: keepers.gasCapGwei caps every keeper whose preset has a cap, and only those', () => {
    const maker1 = applyStressKnob(liq1, 'keepers.gasCapGwei', 250).keepers;
    expect(maker1).toEqual([
      { preset: 'gasCapped', id: 'keeper-capped', maxGasPriceGwei: 250 },
      { preset: 'zeroBid', id: 'keeper-zero', maxGasPriceGwei: 250 },
    ]);
    const maker2 = applyStressKnob(liq2, 'keepers.gasCapGwei', '40').keepers;
    expect(maker2).toEqual([
      { preset: 'gasCapped', id: 'keeper-capped', maxGasPriceGwei: 40 },
      { preset: 'gasAware', id: 'keeper-aware', minProfitUsd: 10 },
    ]);
  });

  test('behavior: keepers.minProfitUsd sets ε of the keepers that have one', () => {
    expect(applyStressKnob(liq2, 'keepers.minProfitUsd', 0).keepers).toEqual([
      { preset: 'gasCapped', id: 'keeper-capped', maxGasPriceGwei: 100 },
      { preset: 'gasAware', id: 'keeper-aware', minProfitUsd: 0 },
    ]);
  });

  test('behavior: venue, book and gas knobs set their one field', () => {
    const deep = applyStressKnob(liq2, 'venue.depthUsd', 5e6);
    expect(deep.venue).toEqual({
      ...DEFAULT_STRESS_VENUE,
      venue: { ...DEFAULT_STRESS_VENUE.venue, depthQuoteAtReference: 5e6 },
    });
    expect(DEFAULT_STRESS_VENUE.venue).toHaveProperty('depthQuoteAtReference', 20_000_000);
    const slow = applyStressKnob(deep, 'venue.impactHalfLifeSeconds', '600');
    expect(slow.venue?.impactHalfLifeSeconds).toBe(600);
    expect(slow.venue?.venue).toEqual(deep.venue?.venue);
    expect(applyStressKnob(liq2, 'book.accounts', '45').accounts).toBe(45);
    expect(applyStressKnob(liq2, 'gas.flatGwei', 12.5).flatGasGwei).toBe(12.5);
  });

  test('behavior: oracle knobs set their one field of the feed and keep the others', () => {
    const spiked: StressOptions = {
      ...liq2,
      oracle: { noiseBps: 3, spikes: [{ fromSeconds: 1, toSeconds: 2, multiple: 0.5 }] },
    };
    const beat = applyStressKnob(spiked, 'oracle.heartbeatSeconds', '600');
    expect(beat.oracle).toEqual({ ...spiked.oracle, heartbeatSeconds: 600 });
    expect(spiked.oracle).not.toHaveProperty('heartbeatSeconds'); // not mutated
    expect(applyStressKnob(beat, 'oracle.deviationBps', 0).oracle).toEqual({
      ...beat.oracle,
      deviationBps: 0,
    });
    expect(applyStressKnob(liq2, 'oracle.delaySeconds', 30).oracle).toEqual({ delaySeconds: 30 });
    expect(applyStressKnob(liq2, 'oracle.osmDelaySeconds', 3600).oracle).toEqual({ osmDelaySeconds: 3600 });
  });

  test('error: an unknown knob or parameter path names it and lists what exists', () => {
    expect(refusal(() => applyStressKnob(liq2, 'keepers.gasCap', 1)).field).toBe('keepers.gasCap');
    const path = refusal(() => applyStressKnob(liq2, 'params.ilks.ETH-A.chop', 1));
    expect(path.field).toBe('params.ilks.ETH-A.chop');
    expect(path.metaMessages.join(' ')).toContain('chopWad');
    expect(path.metaMessages.join(' ')).toContain('tailSeconds');
    const top = refusal(() => applyStressKnob(liq2, 'params.ilk.ETH-A.chopWad', 1));
    expect(top.metaMessages.join(' ')).toContain('ilks');
    expect(refusal(() => applyStressKnob(liq2, 'params.ilks.ETH-A', 1)).field).toBe('params.ilks.ETH-A');
    expect(refusal(() => applyStressKnob(liq2, 'params.ilks.ETH-A.chopWad.x', 1)).field).toBe(
      'params.ilks.ETH-A.chopWad.x',
    );
    expect(refusal(() => applyStressKnob(liq2, 'params..x', 1)).field).toBe('params..x');
    const comet = { ...liq2, protocol: 'compound-v3' };
    expect(refusal(() => applyStressKnob(comet, 'params.assets.3.liquidationFactor', 1)).field).toBe(
      'params.assets.3.liquidationFactor',
    );
  });

  test('error: every knob value is checked, naming the knob', () => {
    const cases: [string, KnobValue][] = [
      ['params.ilks.ETH-A.chopWad', 1.5],
      ['params.ilks.ETH-A.chopWad', '1.05e-3'],
      ['params.ilks.ETH-A.chopWad', '0.9e18'], // the model's parser: chop < 1
      ['params.ilks.ETH-A.tailSeconds', 'soon'],
      ['params.reserves.USDC.borrowingEnabled', 'yes'],
      ['keepers.gasCapGwei', -1],
      ['keepers.gasCapGwei', 'high'],
      ['keepers.minProfitUsd', Number.NaN],
      ['venue.depthUsd', 0],
      ['venue.impactHalfLifeSeconds', '-5'],
      ['book.accounts', 0],
      ['book.accounts', 2.5],
      ['book.accounts', 100_001],
      ['gas.flatGwei', Number.POSITIVE_INFINITY],
      ['oracle.heartbeatSeconds', 0],
      ['oracle.heartbeatSeconds', 2_592_001],
      ['oracle.heartbeatSeconds', 60.5],
      ['oracle.deviationBps', -1],
      ['oracle.deviationBps', 10_001],
      ['oracle.delaySeconds', 'late'],
      ['oracle.osmDelaySeconds', -60],
      ['oracle.noiseBps', 5], // not a knob
    ];
    for (const [knob, value] of cases) {
      const options = knob.includes('reserves') ? { ...liq2, protocol: 'aave-v3.3' } : liq2;
      expect(refusal(() => applyStressKnob(options, knob, value)).field).toBe(knob);
    }
  });

  test('error: a knob that has nothing to set is refused', () => {
    const onlyAware = { ...liq2, keepers: [{ preset: 'gasAware' as const, id: 'k', minProfitUsd: 1 }] };
    expect(refusal(() => applyStressKnob(onlyAware, 'keepers.gasCapGwei', 50)).field).toBe(
      'keepers.gasCapGwei',
    );
    const book = { accounts: [], description: 'empty' };
    expect(refusal(() => applyStressKnob({ ...liq2, book }, 'book.accounts', 10)).field).toBe(
      'book.accounts',
    );
    const pool = {
      ...DEFAULT_STRESS_VENUE,
      venue: { kind: 'constantProduct' as const, liquidity: 1e6, feeBps: 30 },
    };
    expect(refusal(() => applyStressKnob({ ...liq2, venue: pool }, 'venue.depthUsd', 1e6)).field).toBe(
      'venue.depthUsd',
    );
  });
});

describe('knobTakesWholeValues', () => {
  test('default: bigint and integer fields and the book size are whole; the rest are not', () => {
    expect(knobTakesWholeValues(liq2, 'params.ilks.ETH-A.chopWad')).toBe(true);
    expect(knobTakesWholeValues(liq2, 'params.ilks.ETH-A.tailSeconds')).toBe(true);
    expect(knobTakesWholeValues(liq2, 'book.accounts')).toBe(true);
    expect(knobTakesWholeValues(liq2, 'oracle.heartbeatSeconds')).toBe(true);
    expect(knobTakesWholeValues(liq2, 'oracle.osmDelaySeconds')).toBe(true);
    expect(knobTakesWholeValues(liq2, 'keepers.gasCapGwei')).toBe(false);
    expect(knobTakesWholeValues(liq2, 'venue.depthUsd')).toBe(false);
  });

  test('error: unknown knobs are refused', () => {
    expect(refusal(() => knobTakesWholeValues(liq2, 'gas.price')).field).toBe('gas.price');
    expect(refusal(() => knobTakesWholeValues(liq2, 'oracle.noiseBps')).field).toBe('oracle.noiseBps');
  });
});

const small: SweepSpec = {
  protocol: 'maker-liq1',
  source: { scenario: 'black-thursday-2020' },
  seed: 3,
  accounts: 20,
  paths: 1,
  knobs: [],
};

describe('planSweep', () => {
  test('default: points × path ranges, in point order (last knob fastest) then path order', () => {
    const spec: SweepSpec = {
      ...small,
      paths: 5,
      pathsPerUnit: 2,
      knobs: [
        { knob: 'keepers.gasCapGwei', values: [50, 200] },
        { knob: 'venue.depthUsd', values: ['1e6', 2e7] },
      ],
    };
    const units = planSweep(spec);
    expect(units.length).toBe(4 * 3);
    expect(units.slice(0, 4)).toEqual([
      { pointIndex: 0, knobValues: [50, '1e6'], seedStart: 0, seedCount: 2 },
      { pointIndex: 0, knobValues: [50, '1e6'], seedStart: 2, seedCount: 2 },
      { pointIndex: 0, knobValues: [50, '1e6'], seedStart: 4, seedCount: 1 },
      { pointIndex: 1, knobValues: [50, 2e7], seedStart: 0, seedCount: 2 },
    ]);
    expect(units.map((u) => u.pointIndex)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(sweepPoints(spec)).toEqual([
      [50, '1e6'],
      [50, 2e7],
      [200, '1e6'],
      [200, 2e7],
    ]);
  });

  test('behavior: no knob is one point; one path is one unit per point', () => {
    expect(planSweep(small)).toEqual([{ pointIndex: 0, knobValues: [], seedStart: 0, seedCount: 1 }]);
  });

  test('error: bad grids and spec fields are refused before any work', () => {
    const cases: [SweepSpec, string][] = [
      [{ ...small, knobs: [{ knob: 'venue.depthUsd', values: [] }] }, 'venue.depthUsd'],
      [{ ...small, knobs: [{ knob: 'venue.depthUsd', values: [1e6, '1000000'] }] }, 'venue.depthUsd'],
      [{ ...small, knobs: [{ knob: 'venue.depthUsd', values: [1e6, -1] }] }, 'venue.depthUsd'],
      [{ ...small, knobs: [{ knob: 'venue.depth', values: [1] }] }, 'venue.depth'],
      [
        {
          ...small,
          knobs: [
            { knob: 'gas.flatGwei', values: [1] },
            { knob: 'gas.flatGwei', values: [2] },
          ],
        },
        'knobs',
      ],
      [
        {
          ...small,
          knobs: [
            { knob: 'gas.flatGwei', values: [1] },
            { knob: 'venue.depthUsd', values: [1] },
            { knob: 'book.accounts', values: [1] },
          ],
        },
        'knobs',
      ],
      [{ ...small, protocol: 'maker-liq3' }, 'protocol'],
      [{ ...small, paths: 0 }, 'paths'],
      [{ ...small, seed: -1 }, 'seed'],
      [{ ...small, accounts: 0 }, 'accounts'],
      [{ ...small, pathsPerUnit: 0 }, 'pathsPerUnit'],
    ];
    for (const [spec, field] of cases) expect(refusal(() => planSweep(spec)).field).toBe(field);
    expect(() => planSweep({ ...small, source: { scenario: 'no-such-crash' } })).toThrow(
      UnknownScenarioError,
    );
  });
});

/** The figures a sweep keeps, straight from a summary. */
function figures(s: ReturnType<typeof runStress>['summary']) {
  return {
    badDebtUsd: s.badDebtUsd,
    liquidatedDebtUsd: s.liquidatedDebtUsd,
    keeperProfitUsd: s.keeperProfitUsd,
    borrowerLossUsd: s.borrowerLossUsd,
    zeroBidAuctions: s.zeroBidAuctions,
  };
}

describe('runWorkUnit', () => {
  test('default: with one path a point is the run of the seed itself with the knobs set', () => {
    const spec: SweepSpec = { ...small, knobs: [{ knob: 'keepers.gasCapGwei', values: [10, 500] }] };
    const [first, second] = planSweep(spec);
    const direct = runStress({
      ...liq1,
      keepers: [
        { preset: 'gasCapped', id: 'keeper-capped', maxGasPriceGwei: 500 },
        { preset: 'zeroBid', id: 'keeper-zero', maxGasPriceGwei: 500 },
      ],
    }).summary;
    const result = runWorkUnit(second as WorkUnit, spec);
    expect(result.outcomes).toEqual([{ pathIndex: 0, seed: 3, ...figures(direct) }]);
    const low = runWorkUnit(first as WorkUnit, spec).outcomes[0];
    // The knob matters on this market: a 10 gwei cap leaves keepers idle through the gas spike.
    expect(low?.liquidatedDebtUsd).toBeLessThan(direct.liquidatedDebtUsd);
  });

  test('behavior: Monte Carlo paths use pathSeeds and the run seed’s book, as stress --paths', () => {
    const spec: SweepSpec = {
      ...small,
      paths: 3,
      pathsPerUnit: 2,
      knobs: [{ knob: 'venue.depthUsd', values: [5e6] }],
    };
    const seeds = pathSeeds(3, 3);
    const eth = scenarioPaths('black-thursday-2020', { seed: 3 }).assets.ETH ?? [];
    const book = syntheticBook(split(createRng(3), 2), {
      accounts: 20,
      collateralAsset: 'ETH',
      collateralPriceUsd: eth[0]?.price ?? 0,
    });
    expect(monteCarloBook(spec.source, 3, 20)).toEqual(book);
    const venue = {
      ...DEFAULT_STRESS_VENUE,
      venue: { ...DEFAULT_STRESS_VENUE.venue, depthQuoteAtReference: 5e6 },
    };
    const units = planSweep(spec);
    const outcomes = units.flatMap((u) => runWorkUnit(u, spec).outcomes);
    expect(outcomes).toEqual(
      seeds.map((seed, k) => ({
        pathIndex: k,
        seed,
        ...figures(
          runStress({ protocol: 'maker-liq1', scenario: 'black-thursday-2020', seed, book, venue }).summary,
        ),
      })),
    );
  });

  test('behavior: base overrides apply to every point before its knobs; a given book is opened by every path', () => {
    const book = syntheticBook(createRng(99), {
      accounts: 12,
      collateralAsset: 'ETH',
      collateralPriceUsd: 190,
    });
    const keepers = [{ preset: 'gasAware' as const, id: 'only', minProfitUsd: 5 }];
    const spec: SweepSpec = {
      ...small,
      protocol: 'maker-liq2',
      paths: 2,
      base: { keepers, book, flatGasGwei: 30 },
      knobs: [{ knob: 'keepers.minProfitUsd', values: [0] }],
    };
    const outcomes = planSweep(spec).flatMap((u) => runWorkUnit(u, spec).outcomes);
    expect(outcomes).toEqual(
      pathSeeds(3, 2).map((seed, k) => ({
        pathIndex: k,
        seed,
        ...figures(
          runStress({
            protocol: 'maker-liq2',
            scenario: 'black-thursday-2020',
            seed,
            book,
            flatGasGwei: 30,
            keepers: [{ preset: 'gasAware', id: 'only', minProfitUsd: 0 }],
          }).summary,
        ),
      })),
    );
    expect(refusal(() => planSweep({ ...spec, knobs: [{ knob: 'book.accounts', values: [5] }] })).field).toBe(
      'book.accounts',
    );
  });

  test('error: a path range outside the sweep is refused', () => {
    const unit = { pointIndex: 0, knobValues: [], seedStart: 1, seedCount: 1 };
    expect(refusal(() => runWorkUnit(unit, small)).field).toBe('unit');
  });
});

describe('mergeSweep', () => {
  const spec: SweepSpec = {
    ...small,
    paths: 3,
    pathsPerUnit: 2,
    knobs: [{ knob: 'gas.flatGwei', values: [20, 80] }],
  };
  const results = planSweep(spec).map((u) => runWorkUnit(u, spec));

  test('default: statistics per point and the Monte Carlo block of stress --paths', () => {
    const merged = mergeSweep(spec, results);
    expect(merged).toMatchObject({ protocol: 'maker-liq1', scenario: 'black-thursday-2020', paths: 3 });
    expect(merged.points.map((p) => p.knobValues)).toEqual([[20], [80]]);
    for (const point of merged.points) {
      const outcomes = results.filter((r) => r.pointIndex === point.pointIndex).flatMap((r) => r.outcomes);
      const bad = outcomes.map((o) => o.badDebtUsd).sort((a, b) => a - b);
      // Hyndman–Fan 7 on 3 values: p50 is the middle one, p99 = x1 + 0.98 (x2 − x1).
      expect(point.metrics.badDebtUsd.p50).toBe(bad[1]);
      expect(point.metrics.badDebtUsd.p99).toBeCloseTo(
        (bad[1] ?? 0) + 0.98 * ((bad[2] ?? 0) - (bad[1] ?? 0)),
        6,
      );
      expect(point.metrics.badDebtUsd.min).toBe(bad[0]);
      expect(point.monteCarlo).toEqual(summarizeMonteCarlo(3, outcomes));
    }
  });

  test('behavior: any order and any cut into units merge to the same bytes; results are plain JSON', () => {
    const ordered = JSON.stringify(mergeSweep(spec, results));
    expect(JSON.stringify(mergeSweep(spec, [...results].reverse()))).toBe(ordered);
    const cutOne = { ...spec, pathsPerUnit: 1 };
    const ones = planSweep(cutOne).map((u) => runWorkUnit(u, cutOne));
    expect(JSON.stringify(mergeSweep(spec, ones))).toBe(ordered);
    const wire = JSON.parse(JSON.stringify(results)) as UnitResult[];
    expect(JSON.stringify(mergeSweep(spec, wire))).toBe(ordered);
    expect(JSON.stringify(runSweepLocally(spec))).toBe(ordered);
  });

  test('behavior: with one path every statistic is the run’s figure and there is no Monte Carlo block', () => {
    const one: SweepSpec = { ...small, knobs: [{ knob: 'gas.flatGwei', values: [20] }] };
    const merged = runSweepLocally(one);
    const direct = runStress({ ...liq1, flatGasGwei: 20 }).summary;
    const stats = merged.points[0]?.metrics.badDebtUsd;
    expect(stats).toEqual({
      p50: direct.badDebtUsd,
      p95: direct.badDebtUsd,
      p99: direct.badDebtUsd,
      mean: direct.badDebtUsd,
      min: direct.badDebtUsd,
      max: direct.badDebtUsd,
    });
    expect(merged.points[0]?.metrics.zeroBidAuctions.p99).toBe(direct.zeroBidAuctions);
    expect(merged.points[0]?.monteCarlo).toBeUndefined();
  });

  test('error: missing, repeated, foreign or reseeded results are refused', () => {
    const [a, b, c, d] = results as [UnitResult, UnitResult, UnitResult, UnitResult];
    expect(refusal(() => mergeSweep(spec, [a, b, c])).field).toBe('results');
    expect(refusal(() => mergeSweep(spec, [a, b, c, d, d])).field).toBe('results');
    expect(refusal(() => mergeSweep(spec, [a, b, c, { ...d, pointIndex: 7 }])).field).toBe('results');
    expect(refusal(() => mergeSweep(spec, [a, b, c, { ...d, knobValues: [81] }])).field).toBe('results');
    const reseeded = { ...d, outcomes: d.outcomes.map((o) => ({ ...o, seed: o.seed + 1 })) };
    expect(refusal(() => mergeSweep(spec, [a, b, c, reseeded])).field).toBe('results');
    const stray = { ...d, outcomes: d.outcomes.map((o) => ({ ...o, pathIndex: 0 })) };
    expect(refusal(() => mergeSweep(spec, [a, b, c, stray])).field).toBe('results');
  });
});

/** Runs a whole search against `p99` (p50 = half of it), as the CLI does with real runs. */
function search(spec: OptimizeSpec, p99: (x: number) => number): OptimizeProbe[] {
  const probes: OptimizeProbe[] = [];
  for (
    let value = nextOptimizeValue(spec, probes);
    value !== undefined;
    value = nextOptimizeValue(spec, probes)
  ) {
    probes.push({ value, p99BadDebtUsd: p99(value), p50BadDebtUsd: p99(value) / 2 });
  }
  return probes;
}

const falling: OptimizeSpec = {
  knob: 'keepers.gasCapGwei',
  minValue: 0,
  maxValue: 100,
  targetP99BadDebtUsd: 500,
  tolerance: 1,
  direction: 'auto',
  wholeValues: false,
};
/** Bad debt 1,000 below a 37.3 gwei cap, 0 from there on. */
const step = (x: number): number => (x < 37.3 ? 1000 : 0);

describe('nextOptimizeValue', () => {
  test('default: the ends first, then midpoints of the bracket', () => {
    expect(nextOptimizeValue(falling, [])).toBe(0);
    const atMin = { value: 0, p99BadDebtUsd: 1000, p50BadDebtUsd: 1000 };
    expect(nextOptimizeValue(falling, [atMin])).toBe(100);
    const atMax = { value: 100, p99BadDebtUsd: 0, p50BadDebtUsd: 0 };
    expect(nextOptimizeValue(falling, [atMin, atMax])).toBe(50);
    expect(
      nextOptimizeValue(falling, [atMin, atMax, { value: 50, p99BadDebtUsd: 0, p50BadDebtUsd: 0 }]),
    ).toBe(25);
  });

  test('behavior: whole-valued knobs probe whole values and stop when no whole value is left', () => {
    const probes = search({ ...falling, wholeValues: true, tolerance: 1 }, step);
    expect(probes.every((p) => Number.isInteger(p.value))).toBe(true);
    expect(optimizeOutcome({ ...falling, wholeValues: true }, probes).answer).toBe(38);
  });

  test('behavior: the search is bounded by maxEvaluations', () => {
    const probes = search({ ...falling, tolerance: 1e-12, maxEvaluations: 6 }, step);
    expect(probes.length).toBe(6);
    expect(optimizeOutcome({ ...falling, tolerance: 1e-12, maxEvaluations: 6 }, probes).stoppedBy).toBe(
      'maxEvaluations',
    );
  });

  test('error: a bad range, target or tolerance is refused', () => {
    expect(refusal(() => nextOptimizeValue({ ...falling, minValue: 100 }, [])).field).toBe('minValue');
    expect(refusal(() => nextOptimizeValue({ ...falling, targetP99BadDebtUsd: -1 }, [])).field).toBe(
      'targetP99BadDebtUsd',
    );
    expect(refusal(() => nextOptimizeValue({ ...falling, tolerance: 0 }, [])).field).toBe('tolerance');
    expect(refusal(() => nextOptimizeValue({ ...falling, maxEvaluations: 1 }, [])).field).toBe(
      'maxEvaluations',
    );
  });
});

describe('optimizeOutcome', () => {
  test('default: falling bad debt gives the smallest value meeting the target, within tolerance', () => {
    const probes = search(falling, step);
    const out = optimizeOutcome(falling, probes);
    expect(out.status).toBe('found');
    expect(out.trend).toBe('decreasing');
    expect(out.trendSource).toBe('inferred');
    // The boundary is 37.3: the answer meets the target and lies within the tolerance above it.
    expect(out.answer).toBeGreaterThanOrEqual(37.3);
    expect(out.answer).toBeLessThanOrEqual(37.3 + 1);
    expect(out.bracket?.fails).toBeLessThan(37.3);
    expect(Math.abs((out.bracket?.meets ?? 0) - (out.bracket?.fails ?? 0))).toBeLessThanOrEqual(1);
    expect(out.evaluations).toEqual(probes);
    expect(out.monotonicityViolations).toEqual([]);
    expect(out.stoppedBy).toBe('tolerance');
  });

  test('behavior: rising bad debt gives the largest value meeting the target', () => {
    const rising = {
      ...falling,
      knob: 'params.ilks.ETH-A.tailSeconds',
      targetP99BadDebtUsd: 250,
      tolerance: 0.5,
    };
    const out = optimizeOutcome(
      rising,
      search(rising, (x) => 10 * x),
    );
    expect(out.trend).toBe('increasing');
    expect(out.answer).toBeLessThanOrEqual(25);
    expect(out.answer).toBeGreaterThanOrEqual(24.5);
    expect(out.bracket?.fails).toBeGreaterThan(25);
  });

  test('behavior: when both ends meet the target the answer is the least conservative end', () => {
    expect(
      optimizeOutcome(
        falling,
        search(falling, (x) => 100 - x),
      ).answer,
    ).toBe(0);
    expect(
      optimizeOutcome(
        falling,
        search(falling, (x) => x),
      ).answer,
    ).toBe(100);
    const flat = optimizeOutcome(
      falling,
      search(falling, () => 0),
    );
    expect(flat).toMatchObject({ status: 'allMeetTarget', answer: null, trend: 'flat', stoppedBy: 'ends' });
    const declared = optimizeOutcome(
      { ...falling, direction: 'decreasing' },
      search(falling, () => 0),
    );
    expect(declared).toMatchObject({ answer: 0, trend: 'decreasing', trendSource: 'declared' });
  });

  test('behavior: non-monotone evaluations are reported as violations', () => {
    // Falls overall, but bumps up around 50 (still under the target there). The bisection probes
    // 0, 100, 50, 25, 37.5, ...: p99 goes 0 at 37.5 → 300 at 50 → 0 at 100.
    const bumpy = (x: number): number => (x < 37.3 ? 1000 : x > 45 && x < 55 ? 300 : 0);
    const probes = search(falling, bumpy);
    const out = optimizeOutcome(falling, probes);
    expect(out.answer).toBeGreaterThanOrEqual(37.3);
    expect(out.monotonicityViolations).toContainEqual({
      lowerValue: 37.5,
      upperValue: 50,
      lowerP99BadDebtUsd: 0,
      upperP99BadDebtUsd: 300,
    });
    expect(out.monotonicityViolations.length).toBe(1);
    // A declared direction the ends contradict shows up as violations too.
    const wrong = optimizeOutcome({ ...falling, direction: 'increasing' }, search(falling, step));
    expect(wrong.trend).toBe('increasing');
    expect(wrong.monotonicityViolations.length).toBeGreaterThan(0);
    expect(wrong.answer).toBeGreaterThanOrEqual(37.3);
  });

  test('error: neither end meets the target; the ends were not evaluated', () => {
    expect(() =>
      optimizeOutcome(
        falling,
        search(falling, () => 1e6),
      ),
    ).toThrow(SweepTargetUnreachableError);
    expect(refusal(() => optimizeOutcome(falling, [])).field).toBe('probes');
  });
});
