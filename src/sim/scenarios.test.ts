/**
 * Tests of the built-in crash scenarios: exact pins at the published waypoints, determinism by seed,
 * drawdowns and depeg floors equal to the figures of history.md (recomputed here from those
 * numbers by hand), correlated shocks, and the typed error for an unknown id.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';
import type { PricePath } from './paths.js';
import {
  fourSigmaVolatilityPerYear,
  getScenario,
  listScenarios,
  type Scenario,
  type ScenarioAsset,
  scenarioPaths,
  UnknownScenarioError,
  type Waypoint,
} from './scenarios.js';
import { maxDrawdown, scenarioPathOf } from './testkit.js';

const IDS = [
  'black-thursday-2020',
  'may-2021',
  'luna-2022',
  'ftx-2022',
  'usdc-depeg-2023',
  'aug-2024',
  'oct-2025',
];

const pathOf = scenarioPathOf;

function assetOf(id: string, symbol: string): ScenarioAsset {
  const a = getScenario(id).assets.find((x) => x.symbol === symbol);
  if (a === undefined) throw new Error(`no ${symbol} in ${id}`);
  return a;
}

/** Log-linear interpolation through the waypoints, flat after the last (the bridge's mean). */
function chordAt(waypoints: readonly Waypoint[], offset: number): number {
  for (let i = 0; i + 1 < waypoints.length; i++) {
    const a = waypoints[i] as Waypoint;
    const b = waypoints[i + 1] as Waypoint;
    if (offset >= a.offsetSeconds && offset <= b.offsetSeconds) {
      const f = (offset - a.offsetSeconds) / (b.offsetSeconds - a.offsetSeconds);
      return Math.log(a.price) + (Math.log(b.price) - Math.log(a.price)) * f;
    }
  }
  return Math.log((waypoints[waypoints.length - 1] as Waypoint).price);
}

/** Increments of ln P minus the chord: the bridge noise alone, trend removed. */
function noiseIncrements(scenario: Scenario, symbol: string, path: PricePath): number[] {
  const a = scenario.assets.find((x) => x.symbol === symbol) as ScenarioAsset;
  const e = path.map((p) => Math.log(p.price) - chordAt(a.waypoints, p.tSeconds - scenario.startUnixSeconds));
  return e.slice(1).map((v, i) => v - (e[i] as number));
}

function correlationOf(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('listScenarios', () => {
  test('default', () => {
    expect(listScenarios().map((s) => s.id)).toEqual(IDS);
  });

  test('behavior: every scenario is consistent data with cited figures', () => {
    for (const s of listScenarios()) {
      // The ISO start is an independent statement of the unix start.
      expect(new Date(s.startUnixSeconds * 1000).toISOString()).toBe(s.startIso);
      const series = [...s.assets, ...(s.gas === null ? [] : [s.gas])];
      for (const a of series) {
        expect(a.waypoints[0]?.offsetSeconds).toBe(0);
        for (let i = 1; i < a.waypoints.length; i++) {
          expect((a.waypoints[i] as Waypoint).offsetSeconds).toBeGreaterThan(
            (a.waypoints[i - 1] as Waypoint).offsetSeconds,
          );
        }
        for (const w of a.waypoints) {
          expect(w.offsetSeconds).toBeLessThanOrEqual(s.durationSeconds);
          expect(w.price).toBeGreaterThan(0);
          expect(w.citation.length).toBeGreaterThan(10);
        }
        expect(a.volatilityPerYear).toBeGreaterThan(0);
        expect(a.volatilityCitation).toMatch(/history\.md|4σ/);
      }
      // Every published waypoint cites history.md.
      for (const a of s.assets) {
        for (const w of a.waypoints.filter((x) => x.kind === 'published' && x.price !== 1)) {
          expect(w.citation).toMatch(/history\.md/);
        }
      }
    }
  });
});

describe('fourSigmaVolatilityPerYear', () => {
  test('default', () => {
    // A fall to e^-1 over one year is a 4σ year: σ = 1/4.
    expect(fourSigmaVolatilityPerYear(1, Math.exp(-1), 365 * 86400)).toBeCloseTo(0.25, 12);
  });

  test('behavior: Black Thursday ETH uses the −52.8% day', () => {
    // −ln(0.472)/(4·√(1/365)) by hand: 0.75078/4 · 19.105 = 3.586.
    expect(assetOf('black-thursday-2020', 'ETH').volatilityPerYear).toBeCloseTo(3.586, 2);
  });

  test('error: a non-positive window', () => {
    expect(() => fourSigmaVolatilityPerYear(1, 2, 0)).toThrow(InvalidParameterError);
  });
});

describe('scenarioPaths', () => {
  test('default', () => {
    const r = scenarioPaths('black-thursday-2020', { seed: 7 });
    // 36 h at 5 min is 432 steps; 10:40 (DAI peak) and 10:55 are on the 5-min grid.
    expect(r.timesUnixSeconds).toHaveLength(433);
    expect(r.timesUnixSeconds[0]).toBe(1583971200);
    expect(Object.keys(r.assets).sort()).toEqual(['DAI', 'ETH']);
    expect(r.gas).not.toBeNull();
    expect(r.assets.ETH?.[0]?.price).toBe(195.2);
    expect(r.assets.ETH?.at(-1)?.price).toBe(126.2);
  });

  test('behavior: every path passes exactly through its waypoints, at any step', () => {
    for (const s of listScenarios()) {
      for (const stepSeconds of [s.stepSeconds, 420]) {
        const r = scenarioPaths(s.id, { seed: 3, stepSeconds });
        const series: [readonly Waypoint[], PricePath | null | undefined][] = s.assets.map((a) => [
          a.waypoints,
          r.assets[a.symbol],
        ]);
        if (s.gas !== null) series.push([s.gas.waypoints, r.gas]);
        for (const [waypoints, path] of series) {
          expect(path).toBeDefined();
          const byTime = new Map((path ?? []).map((p) => [p.tSeconds, p.price]));
          for (const w of waypoints) expect(byTime.get(s.startUnixSeconds + w.offsetSeconds)).toBe(w.price);
          expect(path?.at(-1)?.tSeconds).toBe(s.startUnixSeconds + s.durationSeconds);
        }
      }
    }
  });

  test('behavior: published Black Thursday figures are the pins', () => {
    const eth = pathOf('black-thursday-2020', 'ETH');
    const at = (hhmm: number): number | undefined => eth.find((p) => p.tSeconds === 1583971200 + hhmm)?.price;
    expect(at(0)).toBe(195.2); // history.md §1: 03-12 00:00
    expect(at(24 * 3600)).toBe(112.2); // 03-13 00:00
    expect(at(26 * 3600 + 15 * 60)).toBe(86); // 03-13 02:15 bar low
    expect(at(36 * 3600)).toBe(126.2); // 03-13 12:00
    // The −20.9% hour ending 10:55, applied to 167.8.
    expect(at(10 * 3600 + 55 * 60)).toBeCloseTo(132.73, 2);
  });

  test('behavior: the same seed gives the same paths, another seed differs between waypoints', () => {
    for (const id of IDS) {
      const a = scenarioPaths(id, { seed: 11 });
      const b = scenarioPaths(id, { seed: 11 });
      const c = scenarioPaths(id, { seed: 12 });
      expect(b).toEqual(a);
      const s = getScenario(id);
      for (const asset of s.assets) {
        const pins = new Set(asset.waypoints.map((w) => s.startUnixSeconds + w.offsetSeconds));
        const pa = a.assets[asset.symbol] ?? [];
        const pc = c.assets[asset.symbol] ?? [];
        const free = pa.map((p, i) => [p, pc[i]] as const).filter(([p]) => !pins.has(p.tSeconds));
        expect(free.length).toBeGreaterThan(0);
        const differing = free.filter(([p, q]) => p.price !== q?.price).length;
        expect(differing / free.length).toBeGreaterThan(0.9);
      }
    }
  });

  test('behavior: drawdowns equal the published figures', () => {
    for (const seed of [1, 2, 3]) {
      // history.md §1: 195.2 at 03-12 00:00 down to the 86.00 bar low.
      expect(maxDrawdown(pathOf('black-thursday-2020', 'ETH', seed))).toBeCloseTo(1 - 86 / 195.2, 12);
      // history.md §3: −29.8% within one hour.
      expect(maxDrawdown(pathOf('may-2021', 'ETH', seed))).toBeCloseTo(0.298, 12);
      // history.md §5: 77.45 → 0.00047.
      expect(maxDrawdown(pathOf('luna-2022', 'LUNA', seed))).toBeCloseTo(1 - 0.00047 / 77.45, 12);
      // history.md §7: ETH −24.8% (24 h), SOL 38.46 → 12.07.
      expect(maxDrawdown(pathOf('ftx-2022', 'ETH', seed))).toBeCloseTo(0.248, 12);
      expect(maxDrawdown(pathOf('ftx-2022', 'SOL', seed))).toBeCloseTo(1 - 12.07 / 38.46, 12);
      // history.md §8: BTC −10.1% in 24 h.
      expect(maxDrawdown(pathOf('usdc-depeg-2023', 'BTC', seed))).toBeCloseTo(0.101, 12);
      // history.md §11: ETH −25.6%, BTC −19.2% in 24 h.
      expect(maxDrawdown(pathOf('aug-2024', 'ETH', seed))).toBeCloseTo(0.256, 12);
      expect(maxDrawdown(pathOf('aug-2024', 'BTC', seed))).toBeCloseTo(0.192, 12);
    }
  });

  test('behavior: published lows stay the lows between the pins', () => {
    const cases: [string, string, number][] = [
      ['black-thursday-2020', 'ETH', 86],
      ['may-2021', 'ETH', 1888],
      ['ftx-2022', 'ETH', 1073.53],
      ['ftx-2022', 'SOL', 12.07],
      ['aug-2024', 'BTC', 49000],
      ['oct-2025', 'BTC', 102000],
      ['oct-2025', 'SOL', 168.79],
    ];
    for (const [id, symbol, low] of cases) {
      expect(Math.min(...pathOf(id, symbol, 5).map((p) => p.price))).toBe(low);
    }
  });

  test('behavior: depegs reach their published floors, at the published time', () => {
    const cases: [string, string, number][] = [
      ['usdc-depeg-2023', 'USDC', 0.8994], // history.md §8, 15-min low at 03-11 08:30
      ['usdc-depeg-2023', 'DAI', 0.88], // history.md §8, CoinDesk all-time low
      ['oct-2025', 'USDe', 0.65], // history.md §10, Binance internal pricing
    ];
    for (const [id, symbol, floor] of cases) {
      const s = getScenario(id);
      const leg = assetOf(id, symbol).depeg;
      expect(leg?.floorPrice).toBe(floor);
      for (const seed of [1, 2]) {
        const path = pathOf(id, symbol, seed);
        expect(Math.min(...path.map((p) => p.price))).toBe(floor);
        expect(Math.max(...path.map((p) => p.price))).toBe(leg?.pegPrice);
        const atFloor = path.find((p) => p.tSeconds === s.startUnixSeconds + (leg?.floorOffsetSeconds ?? -1));
        expect(atFloor?.price).toBe(floor);
      }
    }
    // USDC holds 0.88–0.90 for about 12 hours (history.md §8 check 1): 08:30 → 12:00 at the floor
    // and the recovery to 0.967 takes until 03-12 00:00.
    const usdc = pathOf('usdc-depeg-2023', 'USDC');
    const start = getScenario('usdc-depeg-2023').startUnixSeconds;
    const floorAt = start + 86400 + 21 * 3600 + 600;
    expect(usdc.find((p) => p.tSeconds === floorAt + 3.5 * 3600)?.price).toBe(0.8994);
    expect(usdc.find((p) => p.tSeconds === floorAt + 15.5 * 3600)?.price).toBe(0.967);
  });

  test('behavior: correlated assets move together, uncorrelated ones do not', () => {
    // The noise increments (log return minus the chord's) of two assets with shock correlation ρ
    // have correlation ρ, except where one path is squashed against a published extreme (its moves
    // keep their sign but shrink). With ρ ≥ 0.8 and a few hundred steps the sampling error is
    // ~(1 − ρ²)/√n ≈ 0.02; a bound of 0.5 leaves room for the squashed stretches,
    // and ρ = 0 (the bound's alternative) gives |r| of order 1/√n ≈ 0.05.
    const pairs: [string, string, string][] = [
      ['ftx-2022', 'ETH', 'SOL'],
      ['aug-2024', 'BTC', 'ETH'],
      ['oct-2025', 'BTC', 'ETH'],
      ['oct-2025', 'ETH', 'SOL'],
      ['usdc-depeg-2023', 'USDC', 'DAI'],
    ];
    for (const [id, x, y] of pairs) {
      const s = getScenario(id);
      for (const seed of [1, 2, 3]) {
        const r = scenarioPaths(id, { seed });
        const rx = noiseIncrements(s, x, r.assets[x] ?? []);
        const ry = noiseIncrements(s, y, r.assets[y] ?? []);
        expect(correlationOf(rx, ry)).toBeGreaterThan(0.5);
      }
    }
    // USDC and BTC are not correlated in the scenario.
    const s = getScenario('usdc-depeg-2023');
    const r = scenarioPaths('usdc-depeg-2023', { seed: 1 });
    const c = correlationOf(
      noiseIncrements(s, 'USDC', r.assets.USDC ?? []),
      noiseIncrements(s, 'BTC', r.assets.BTC ?? []),
    );
    expect(Math.abs(c)).toBeLessThan(0.2);
  });

  test('behavior: Black Thursday gas stays within the published p60 levels and peaks at 190 gwei', () => {
    const gas = scenarioPaths('black-thursday-2020', { seed: 4 }).gas ?? [];
    const prices = gas.map((p) => p.price);
    expect(Math.min(...prices)).toBe(10);
    expect(Math.max(...prices)).toBe(190);
    // 15:00–16:00 pinned at about 190 gwei (history.md §1 Gas).
    expect(gas.find((p) => p.tSeconds === 1583971200 + 15 * 3600)?.price).toBe(190);
    expect(getScenario('black-thursday-2020').oracle).toMatchObject({ kind: 'osm', delaySeconds: 3600 });
    expect(getScenario('luna-2022').oracle.minAnswer).toBe(0.107);
  });

  test('error: unknown scenario id names the known ids', () => {
    expect(() => scenarioPaths('ftx-2021', { seed: 1 })).toThrow(UnknownScenarioError);
    expect(() => getScenario('nope')).toThrow(SolventError);
    try {
      getScenario('nope');
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownScenarioError);
      for (const id of IDS) expect((e as UnknownScenarioError).message).toContain(id);
      expect((e as UnknownScenarioError).knownIds).toEqual(IDS);
    }
  });

  test('error: bad step or seed', () => {
    expect(() => scenarioPaths('may-2021', { seed: 1, stepSeconds: 0 })).toThrow(InvalidParameterError);
    expect(() => scenarioPaths('may-2021', { seed: 1, stepSeconds: 1e9 })).toThrow(InvalidParameterError);
    expect(() => scenarioPaths('may-2021', { seed: -1 })).toThrow(InvalidParameterError);
  });
});
