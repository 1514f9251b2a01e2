/**
 * Tests of the sweep settings that travel to workers beside the knobs: the network, the oracle feed
 * and a composed protocol's configuration in the base overrides, and Monte Carlo paths that draw their own book
 * (`bookPerPath`). Each path is checked against `runStress` run directly with the same settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { InvalidParameterError } from '../engine/errors.js';
import { syntheticBook } from './book.js';
import { pathSeeds } from './montecarlo.js';
import { createRng } from './rng.js';
import { runStress, type StressNetwork, type StressOracle, type StressSummary } from './stress.js';
import {
  applyStressKnob,
  mergeSweep,
  monteCarloBook,
  planSweep,
  runSweepLocally,
  runWorkUnit,
  type SweepSpec,
  sweepPointOptions,
} from './sweep.js';

const root = join(import.meta.dirname, '..', '..');
/** examples/composed-lending-auction.yaml as parsed YAML (ETH/USDC sold by Dutch auction). */
const AUCTION = parse(
  readFileSync(join(root, 'examples', 'composed-lending-auction.yaml'), 'utf8'),
) as Record<string, unknown>;

const small: SweepSpec = {
  protocol: 'maker-liq1',
  source: { scenario: 'black-thursday-2020' },
  seed: 3,
  accounts: 12,
  paths: 1,
  knobs: [],
};

/** The field of an InvalidParameterError thrown by `run` (fails the test when none is thrown). */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return (e as InvalidParameterError).field;
  }
  throw new Error('expected an InvalidParameterError');
}

/** The figures a sweep keeps, straight from a summary. */
function figures(s: StressSummary) {
  return {
    badDebtUsd: s.badDebtUsd,
    liquidatedDebtUsd: s.liquidatedDebtUsd,
    keeperProfitUsd: s.keeperProfitUsd,
    borrowerLossUsd: s.borrowerLossUsd,
    zeroBidAuctions: s.zeroBidAuctions,
  };
}

/** Every path outcome of a spec, run unit by unit in this thread. */
const outcomesOf = (spec: SweepSpec) => planSweep(spec).flatMap((u) => runWorkUnit(u, spec).outcomes);

describe('runWorkUnit', () => {
  test('default: base.network reaches every path: each is the runStress of its seed with that network', () => {
    const network: StressNetwork = { priorityGasAuction: true, txFailureRate: 0.5, blockGasPerStep: 400_000 };
    const spec: SweepSpec = { ...small, paths: 2, base: { network } };
    const book = monteCarloBook(spec.source, 3, 12);
    const seeds = pathSeeds(3, 2);
    const outcomes = outcomesOf(spec);
    expect(outcomes).toEqual(
      seeds.map((seed, k) => ({
        pathIndex: k,
        seed,
        ...figures(
          runStress({ protocol: 'maker-liq1', scenario: 'black-thursday-2020', seed, book, network }).summary,
        ),
      })),
    );
    // The network matters: with every transaction dropped nothing is liquidated on any path.
    const dropped = outcomesOf({ ...spec, base: { network: { txFailureRate: 1 } } });
    expect(dropped.map((o) => o.liquidatedDebtUsd)).toEqual([0, 0]);
    expect(outcomes.every((o) => o.liquidatedDebtUsd > 0)).toBe(true);
  });

  test('behavior: base.oracle reaches every path; an oracle knob changes its one field and keeps the rest', () => {
    // Black Thursday starts at 1583971200: the feed goes dark 5 minutes in, for the whole run.
    const oracle: StressOracle = {
      deviationBps: 100,
      outages: [{ fromSeconds: 1_583_971_500, toSeconds: 1_583_971_200 + 40 * 3600 }],
    };
    const spec: SweepSpec = { ...small, paths: 2, base: { oracle } };
    const book = monteCarloBook(spec.source, 3, 12);
    const outcomes = outcomesOf(spec);
    expect(outcomes).toEqual(
      pathSeeds(3, 2).map((seed, k) => ({
        pathIndex: k,
        seed,
        ...figures(
          runStress({ protocol: 'maker-liq1', scenario: 'black-thursday-2020', seed, book, oracle }).summary,
        ),
      })),
    );
    // The feed matters: with the OSM stale no keeper can bite, while the lit feed liquidates.
    expect(outcomes.map((o) => o.liquidatedDebtUsd)).toEqual([0, 0]);
    expect(outcomesOf({ ...spec, base: {} }).every((o) => o.liquidatedDebtUsd > 0)).toBe(true);
    const knobbed: SweepSpec = { ...spec, knobs: [{ knob: 'oracle.osmDelaySeconds', values: [600] }] };
    expect(sweepPointOptions(knobbed, [600]).oracle).toEqual({ ...oracle, osmDelaySeconds: 600 });
    // Plain JSON: a copy through JSON gives the same result.
    const wire = JSON.parse(JSON.stringify(spec)) as SweepSpec;
    expect(JSON.stringify(runSweepLocally(wire))).toBe(JSON.stringify(runSweepLocally(spec)));
  });

  test('behavior: base.protocolConfig runs a composed protocol under its own id, on every path', () => {
    const spec: SweepSpec = {
      ...small,
      protocol: 'eth-usdc-auction',
      paths: 2,
      base: { protocolConfig: AUCTION },
    };
    const book = monteCarloBook(spec.source, 3, 12);
    const outcomes = outcomesOf(spec);
    expect(outcomes).toEqual(
      pathSeeds(3, 2).map((seed, k) => ({
        pathIndex: k,
        seed,
        ...figures(
          runStress({
            protocol: 'eth-usdc-auction',
            protocolConfig: AUCTION,
            scenario: 'black-thursday-2020',
            seed,
            book,
          }).summary,
        ),
      })),
    );
    // The configuration travels as plain JSON: a copy through JSON gives the same result.
    const wire = JSON.parse(JSON.stringify(spec)) as SweepSpec;
    expect(JSON.stringify(runSweepLocally(wire))).toBe(JSON.stringify(runSweepLocally(spec)));
    expect(outcomes.some((o) => o.liquidatedDebtUsd > 0)).toBe(true);
  });

  test('behavior: bookPerPath: path k opens the synthetic book of its own seed, as runStress with that seed', () => {
    const spec: SweepSpec = { ...small, paths: 3, pathsPerUnit: 2, bookPerPath: true };
    const seeds = pathSeeds(3, 3);
    const outcomes = outcomesOf(spec);
    expect(outcomes).toEqual(
      seeds.map((seed, k) => ({
        pathIndex: k,
        seed,
        ...figures(
          runStress({ protocol: 'maker-liq1', scenario: 'black-thursday-2020', seed, accounts: 12 }).summary,
        ),
      })),
    );
    // The books differ from path to path (and from the run seed's, which every path opens by default).
    const books = seeds.map((seed) => JSON.stringify(monteCarloBook(spec.source, seed, 12)));
    expect(new Set([...books, JSON.stringify(monteCarloBook(spec.source, 3, 12))]).size).toBe(4);
    const fixed = outcomesOf({ ...spec, bookPerPath: false });
    expect(fixed).not.toEqual(outcomes);
    // book.accounts sizes each path's book.
    const sized: SweepSpec = { ...spec, paths: 2, knobs: [{ knob: 'book.accounts', values: [6] }] };
    const [seed0] = pathSeeds(3, 2);
    expect(outcomesOf(sized)[0]).toEqual({
      pathIndex: 0,
      seed: seed0,
      ...figures(
        runStress({ protocol: 'maker-liq1', scenario: 'black-thursday-2020', seed: seed0 ?? 0, accounts: 6 })
          .summary,
      ),
    });
  });

  test('error: bookPerPath with a given book is refused, by the plan and by a unit run alone', () => {
    const book = syntheticBook(createRng(5), {
      accounts: 4,
      collateralAsset: 'ETH',
      collateralPriceUsd: 190,
    });
    const spec: SweepSpec = { ...small, paths: 2, bookPerPath: true, base: { book } };
    expect(refusal(() => planSweep(spec))).toBe('bookPerPath');
    const unit = { pointIndex: 0, knobValues: [], seedStart: 0, seedCount: 1 };
    expect(refusal(() => runWorkUnit(unit, spec))).toBe('bookPerPath');
  });
});

describe('planSweep', () => {
  test('default: a composed protocol needs its configuration; a bad one is refused before any work', () => {
    expect(refusal(() => planSweep({ ...small, protocol: 'eth-usdc-auction' }))).toBe('protocol');
    const spec: SweepSpec = { ...small, protocol: 'eth-usdc-auction', base: { protocolConfig: AUCTION } };
    expect(planSweep(spec).length).toBe(1);
    const execution = AUCTION.execution as Record<string, unknown>;
    const bad = { ...AUCTION, execution: { ...execution, bufBps: -5 } };
    expect(refusal(() => planSweep({ ...spec, base: { protocolConfig: bad } }))).toBe(
      'protocolConfig.execution.bufBps',
    );
    expect(refusal(() => planSweep({ ...spec, base: { protocolConfig: { kind: 'vault' } } }))).toBe(
      'protocolConfig.kind',
    );
  });
});

describe('applyStressKnob', () => {
  test('behavior: a params knob on a composed protocol edits its configuration, checked by its parser', () => {
    const options = {
      protocol: 'eth-usdc-auction',
      protocolConfig: AUCTION,
      scenario: 'black-thursday-2020',
      seed: 3,
    };
    const turned = applyStressKnob(options, 'params.execution.penaltyBps', 500);
    const execution = AUCTION.execution as Record<string, unknown>;
    expect(turned.protocolParams).toEqual({ ...AUCTION, execution: { ...execution, penaltyBps: 500 } });
    expect(AUCTION.execution).toBe(execution); // not mutated
    expect(execution.penaltyBps).toBe(1000);
    expect(refusal(() => applyStressKnob(options, 'params.execution.bufBps', 10))).toBe(
      'params.execution.bufBps',
    );
  });
});

describe('mergeSweep', () => {
  test('behavior: a bookPerPath result says so; any cut into units merges to the same bytes', () => {
    const spec: SweepSpec = { ...small, accounts: 6, paths: 3, pathsPerUnit: 1, bookPerPath: true };
    const byOne = planSweep(spec).map((u) => runWorkUnit(u, spec));
    const merged = mergeSweep(spec, [...byOne].reverse());
    expect(merged.bookPerPath).toBe(true);
    const whole = { ...spec, pathsPerUnit: 3 };
    expect(JSON.stringify(runSweepLocally(whole))).toBe(JSON.stringify(merged));
    expect(runSweepLocally({ ...spec, bookPerPath: false }).bookPerPath).toBeUndefined();
    // One path: the run of the seed opens its own book either way, and the result does not say so.
    expect(runSweepLocally({ ...spec, paths: 1 })).toEqual(
      runSweepLocally({ ...spec, paths: 1, bookPerPath: false }),
    );
  });
});
