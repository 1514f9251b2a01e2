/**
 * Tests of the oracle feed model: heartbeat/deviation decisions, delay, outage, spike and the
 * exact integer conversion checked against tables worked out by hand in the comments; seeded
 * noise; errors by class and field; and the publications replayed through the engine's oracle.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, StaleOraclePriceError } from '../engine/errors.js';
import {
  decideOracle,
  emptyOracleState,
  evolveOracle,
  type OracleCommand,
  type OracleState,
  spotPrice,
} from '../engine/oracle.js';
import { Rounding } from '../math/mulDiv.js';
import {
  mergePublications,
  type OracleFeedParams,
  type OraclePublication,
  oracleConfigFor,
  oracleFeed,
  toPublishCommands,
} from './oracleFeed.js';
import type { PricePath } from './paths.js';
import { createRng, normals } from './rng.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  throw new Error('expected an InvalidParameterError');
}

/** Prices every 60 s from t = 0. */
function pathOf(prices: readonly number[]): PricePath {
  return prices.map((price, i) => ({ tSeconds: 60 * i, price }));
}

/** (tSeconds, source, price, trigger) rows, for compact comparisons. */
function rows(pubs: readonly OraclePublication[]): [number, string, bigint, string][] {
  return pubs.map((p) => [p.tSeconds, p.source, p.price, p.trigger]);
}

// One source, 2 decimals, heartbeat 180 s, deviation 1 % (100 bps).
const BASE: OracleFeedParams = {
  asset: 'ETH',
  sources: ['a'],
  heartbeatSeconds: 180,
  deviationBps: 100,
  priceDecimals: 2,
  rounding: Rounding.HalfUp,
};
// t:      0      60      120    180     240     300     360   420
const SMALL = pathOf([100, 100.4, 101, 101.5, 101.5, 101.5, 99, 99]);
const rng = createRng(7);

describe('oracleFeed', () => {
  test('default', () => {
    // Worked by hand on integers (price × 100):
    //  t=0   10000: first round.                                       last = 10000 @0
    //  t=60  10040: |40|·1e4 = 4e5 < 100·10000 = 1e6; 60 s < 180 s: no.
    //  t=120 10100: |100|·1e4 = 1e6 ≥ 1e6: deviation (threshold is inclusive). last = 10100 @120
    //  t=180 10150: 5e5 < 1.01e6; 60 s: no.   t=240 10150: 120 s: no.
    //  t=300 10150: 180 s since 120 ≥ 180: heartbeat.                   last = 10150 @300
    //  t=360  9900: |250|·1e4 = 2.5e6 ≥ 1.015e6: deviation.             last = 9900 @360
    //  t=420  9900: no move, 60 s: no.
    const { publications } = oracleFeed(rng, SMALL, BASE);
    expect(rows(publications)).toEqual([
      [0, 'a', 10000n, 'first'],
      [120, 'a', 10100n, 'deviation'],
      [300, 'a', 10150n, 'heartbeat'],
      [360, 'a', 9900n, 'deviation'],
    ]);
    expect(publications.map((p) => p.observedAtSeconds)).toEqual([0, 120, 300, 360]);
    expect(publications.every((p) => p.asset === 'ETH')).toBe(true);
  });

  test('behavior: the reporting delay shifts landing times, not decisions', () => {
    const { publications } = oracleFeed(rng, SMALL, { ...BASE, delaySeconds: 45 });
    expect(publications.map((p) => p.tSeconds)).toEqual([45, 165, 345, 405]);
    expect(publications.map((p) => p.observedAtSeconds)).toEqual([0, 120, 300, 360]);
    expect(publications.map((p) => p.price)).toEqual([10000n, 10100n, 10150n, 9900n]);
  });

  test('behavior: an outage leaves a gap and the first round after it compares with the last delivered', () => {
    // Outage on landing times [100, 330): the rounds of t=120 (deviation), 180 (10150 vs 10000:
    // 1.5e6 ≥ 1e6), 240 and 300 (deviation again) are lost; t=360: 9900 vs the last delivered
    // 10000: |100|·1e4 = 1e6 ≥ 1e6, a deviation round landing after the window.
    const { publications } = oracleFeed(rng, SMALL, {
      ...BASE,
      outages: [{ fromSeconds: 100, toSeconds: 330 }],
    });
    expect(rows(publications)).toEqual([
      [0, 'a', 10000n, 'first'],
      [360, 'a', 9900n, 'deviation'],
    ]);
  });

  test('behavior: the outage window is on landing time, so the delay moves rounds into it', () => {
    // Delay 45: rounds land at 45, 165, 345, 405. Window [160, 350) drops the ones landing at 165
    // and 345. Then t=360 (lands 405): 9900 vs 10000 is a 1 % deviation again; published.
    const { publications } = oracleFeed(rng, SMALL, {
      ...BASE,
      delaySeconds: 45,
      outages: [{ fromSeconds: 160, toSeconds: 350 }],
    });
    expect(rows(publications)).toEqual([
      [45, 'a', 10000n, 'first'],
      [405, 'a', 9900n, 'deviation'],
    ]);
  });

  test('behavior: an outage of one source leaves the others publishing', () => {
    const flat = pathOf([100, 100, 100, 100, 100, 100, 100]);
    const params = { ...BASE, sources: ['a', 'b'], heartbeatSeconds: 120 };
    const { publications } = oracleFeed(rng, flat, {
      ...params,
      outages: [{ fromSeconds: 60, toSeconds: 300, sources: ['b'] }],
    });
    // a: heartbeats at 0, 120, 240, 360. b: first at 0; its heartbeat is due from 120 but rounds
    // landing in [60, 300) are lost; the first after is at 300.
    expect(rows(publications)).toEqual([
      [0, 'a', 10000n, 'first'],
      [0, 'b', 10000n, 'first'],
      [120, 'a', 10000n, 'heartbeat'],
      [240, 'a', 10000n, 'heartbeat'],
      [300, 'b', 10000n, 'heartbeat'],
      [360, 'a', 10000n, 'heartbeat'],
    ]);
  });

  test('behavior: a spike on one source is published by deviation while the window lasts', () => {
    const flat = pathOf([100, 100, 100, 100, 100, 100, 100]);
    const params = { ...BASE, sources: ['a', 'b'], heartbeatSeconds: 1000 };
    // b sees 1.5 × 100 = 150.00 during observation times [120, 240): 15000 vs 10000 is 50 %.
    const one = oracleFeed(rng, flat, {
      ...params,
      spikes: [{ fromSeconds: 120, toSeconds: 240, multiple: 1.5, sources: ['b'] }],
    });
    expect(rows(one.publications)).toEqual([
      [0, 'a', 10000n, 'first'],
      [0, 'b', 10000n, 'first'],
      [120, 'b', 15000n, 'deviation'],
      [240, 'b', 10000n, 'deviation'],
    ]);
    const all = oracleFeed(rng, flat, {
      ...params,
      spikes: [{ fromSeconds: 120, toSeconds: 240, multiple: 0.2 }],
    });
    expect(rows(all.publications)).toEqual([
      [0, 'a', 10000n, 'first'],
      [0, 'b', 10000n, 'first'],
      [120, 'a', 2000n, 'deviation'],
      [120, 'b', 2000n, 'deviation'],
      [240, 'a', 10000n, 'deviation'],
      [240, 'b', 10000n, 'deviation'],
    ]);
  });

  test('behavior: prices are converted exactly with the rounding asked for', () => {
    // 0.1 as a float64 is exactly 0.1000000000000000055511151231257827021181583404541015625, so
    // × 1e18 it is 100000000000000005.55…: HalfUp gives …006, Down …005. 1834.25 is exact in binary.
    const path = [
      { tSeconds: 0, price: 0.1 },
      { tSeconds: 60, price: 1834.25 },
    ];
    const common = { ...BASE, deviationBps: 0, priceDecimals: 18 };
    const up = oracleFeed(rng, path, { ...common, rounding: Rounding.HalfUp });
    const down = oracleFeed(rng, path, { ...common, rounding: Rounding.Down });
    expect(up.publications.map((p) => p.price)).toEqual([100000000000000006n, 1834250000000000000000n]);
    expect(down.publications.map((p) => p.price)).toEqual([100000000000000005n, 1834250000000000000000n]);
    const chainlink = oracleFeed(rng, path.slice(1), { ...BASE, priceDecimals: 8 });
    expect(chainlink.publications[0]?.price).toBe(183425000000n);
  });

  test('behavior: deviation 0 publishes every observation of every source', () => {
    const { publications } = oracleFeed(rng, SMALL, { ...BASE, sources: ['a', 'b', 'c'], deviationBps: 0 });
    expect(publications).toHaveLength(SMALL.length * 3);
  });

  test('behavior: seeded noise is deterministic, independent per source, small, and draws a fixed count', () => {
    const path = pathOf(Array.from({ length: 50 }, () => 2000));
    const params = { ...BASE, sources: ['a', 'b', 'c'], deviationBps: 0, noiseBps: 10, priceDecimals: 8 };
    const first = oracleFeed(createRng(42), path, params);
    const again = oracleFeed(createRng(42), path, params);
    const other = oracleFeed(createRng(43), path, params);
    expect(again.publications).toEqual(first.publications);
    expect(again.rng).toEqual(first.rng);
    expect(other.publications).not.toEqual(first.publications);
    // Exactly 50 × 3 normals were drawn.
    expect(first.rng).toEqual(normals(createRng(42), 150).rng);
    // Sources see different prices at the same time.
    const at0 = first.publications.filter((p) => p.tSeconds === 0).map((p) => p.price);
    expect(new Set(at0).size).toBe(3);
    // 10 bps noise: every price within 6 sd (60 bps) of 2000 (2000e8 ± 1.2e9).
    for (const p of first.publications) {
      const gap = p.price - 200000000000n;
      expect(gap < 1200000000n && gap > -1200000000n).toBe(true);
    }
  });

  test('behavior: the input path is not mutated', () => {
    const path = pathOf([100, 101]);
    const copy = structuredClone(path);
    oracleFeed(rng, path, { ...BASE, noiseBps: 5 });
    expect(path).toEqual(copy);
  });

  test('error: bad parameters name their field', () => {
    const f = (over: Partial<OracleFeedParams>, path: PricePath = SMALL) =>
      fieldOf(() => oracleFeed(rng, path, { ...BASE, ...over }));
    expect(f({ asset: '' })).toBe('asset');
    expect(f({ sources: [] })).toBe('sources');
    expect(f({ sources: ['a', 'a'] })).toBe('sources[1]');
    expect(f({ heartbeatSeconds: 0 })).toBe('heartbeatSeconds');
    expect(f({ deviationBps: 1.5 })).toBe('deviationBps');
    expect(f({ deviationBps: -1 })).toBe('deviationBps');
    expect(f({ delaySeconds: -1 })).toBe('delaySeconds');
    expect(f({ noiseBps: Number.NaN })).toBe('noiseBps');
    expect(f({ priceDecimals: 78 })).toBe('priceDecimals');
    expect(f({ outages: [{ fromSeconds: 10, toSeconds: 10 }] })).toBe('outages[0].toSeconds');
    expect(f({ outages: [{ fromSeconds: 0, toSeconds: 10, sources: ['z'] }] })).toBe('outages[0].sources[0]');
    expect(f({ spikes: [{ fromSeconds: 0, toSeconds: 10, multiple: 0 }] })).toBe('spikes[0].multiple');
    expect(f({}, [])).toBe('path');
    expect(f({}, [{ tSeconds: 0, price: 0 }])).toBe('path[0].price');
    expect(
      f({}, [
        { tSeconds: 60, price: 1 },
        { tSeconds: 60, price: 1 },
      ]),
    ).toBe('path[1].tSeconds');
    // 0.001 at 2 decimals rounds down to 0, which the engine would refuse.
    expect(f({ rounding: Rounding.Down }, [{ tSeconds: 0, price: 0.001 }])).toBe('priceDecimals');
    expect(() => oracleFeed(rng, SMALL, { ...BASE, heartbeatSeconds: -5 })).toThrow(InvalidParameterError);
  });
});

describe('oracleConfigFor', () => {
  test('default', () => {
    const config = oracleConfigFor({ sources: ['a', 'b', 'c'], heartbeatSeconds: 3600, priceDecimals: 8 });
    expect(config).toEqual({
      priceDecimals: 8,
      sources: ['a', 'b', 'c'],
      minSources: 2,
      staleAfterSeconds: 3660,
      maxSpreadBps: 500n,
      twapWindowSeconds: 1800,
      delaySeconds: 0,
    });
  });

  test('behavior: options set the OSM hop, quorum, slack and breaker', () => {
    const config = oracleConfigFor(
      { sources: ['a'], heartbeatSeconds: 1800.5, priceDecimals: 8 },
      {
        osmDelaySeconds: 3600,
        minSources: 1,
        slackSeconds: 300,
        breaker: { maxMoveBps: 2000n, windowSeconds: 3600, pauses: 'liquidations' },
      },
    );
    expect(config.delaySeconds).toBe(3600);
    expect(config.minSources).toBe(1);
    // ⌈1800.5⌉ + 300.
    expect(config.staleAfterSeconds).toBe(2101);
    expect(config.breaker).toEqual({ maxMoveBps: 2000n, windowSeconds: 3600, pauses: 'liquidations' });
  });

  test('behavior: the feed replayed through the engine oracle gives its prices, and goes stale in an outage', () => {
    const params = { ...BASE, sources: ['a', 'b', 'c'], outages: [{ fromSeconds: 100, toSeconds: 330 }] };
    const config = oracleConfigFor(params, { slackSeconds: 30 });
    let state: OracleState = emptyOracleState();
    const apply = (command: OracleCommand, nowSeconds: number): void => {
      state = decideOracle(state, command, nowSeconds).reduce(evolveOracle, state);
    };
    apply({ type: 'configureOracle', asset: 'ETH', config }, 0);
    const { publications } = oracleFeed(rng, SMALL, params);
    const timed = toPublishCommands(publications);
    expect(timed).toHaveLength(publications.length);
    const pricesAt = new Map<number, bigint>();
    for (const [i, { command, nowSeconds }] of timed.entries()) {
      apply(command, nowSeconds);
      // Read once every source has published at this time (2 of 3 are needed).
      if (timed[i + 1]?.nowSeconds !== nowSeconds)
        pricesAt.set(nowSeconds, spotPrice(state, 'ETH', nowSeconds).price);
    }
    // Published at 0 (10000) and 360 (9900) only; stale after 0 + 180 + 30 = 210.
    expect([...pricesAt]).toEqual([
      [0, 10000n],
      [360, 9900n],
    ]);
    expect(() => spotPrice(state, 'ETH', 360 + 210 + 1)).toThrow(StaleOraclePriceError);
  });

  test('error: bad settings name their field', () => {
    const feed = { sources: ['a', 'b'], heartbeatSeconds: 60, priceDecimals: 8 };
    expect(fieldOf(() => oracleConfigFor(feed, { minSources: 3 }))).toBe('oracleConfig.minSources');
    expect(fieldOf(() => oracleConfigFor(feed, { slackSeconds: -1 }))).toBe('slackSeconds');
    expect(fieldOf(() => oracleConfigFor({ ...feed, heartbeatSeconds: 0 }))).toBe('heartbeatSeconds');
    expect(fieldOf(() => oracleConfigFor({ ...feed, sources: [] }))).toBe('sources');
    expect(fieldOf(() => oracleConfigFor(feed, { osmDelaySeconds: 1.5 }))).toBe('oracleConfig.delaySeconds');
  });
});

describe('toPublishCommands', () => {
  test('default', () => {
    const { publications } = oracleFeed(rng, SMALL, { ...BASE, delaySeconds: 5 });
    expect(toPublishCommands(publications)[1]).toEqual({
      nowSeconds: 125,
      command: { type: 'publishPrice', asset: 'ETH', source: 'a', price: 10100n },
    });
  });
});

describe('mergePublications', () => {
  test('default', () => {
    const eth = oracleFeed(rng, SMALL, BASE).publications;
    const btc = oracleFeed(rng, pathOf([30000, 30000, 30000, 30000]), { ...BASE, asset: 'BTC' }).publications;
    // ETH at 0, 120, 300, 360; BTC at 0 and 180 (heartbeat). Ties keep list order (ETH first).
    expect(mergePublications([eth, btc]).map((p) => [p.tSeconds, p.asset])).toEqual([
      [0, 'ETH'],
      [0, 'BTC'],
      [120, 'ETH'],
      [180, 'BTC'],
      [300, 'ETH'],
      [360, 'ETH'],
    ]);
  });
});
