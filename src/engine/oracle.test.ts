/**
 * Unit tests of the oracle state: aggregation, staleness, TWAP, OSM delay, breakers and the
 * outage grace period. Every expected number is worked out by hand in the comment beside it.
 */
import { describe, expect, test } from 'vitest';
import { RAY, WAD } from '../math/units.js';
import {
  CircuitBreakerError,
  ClockWentBackwardsError,
  InvalidParameterError,
  OutOfOrderObservationError,
  StaleOraclePriceError,
  UnknownAssetError,
  UnknownCommandError,
  UnknownOracleSourceError,
} from './errors.js';
import {
  decideOracle,
  delayedPrice,
  emptyOracleState,
  evolveOracle,
  isOracleEvent,
  medianPrice,
  nextDelayedPrice,
  ORACLE_COMMANDS,
  type OracleAssetConfig,
  type OracleCommand,
  type OracleEvent,
  type OracleState,
  oracleHistoryHorizonSeconds,
  oracleStatus,
  osmNextBelowTolerance,
  requireBorrowAllowed,
  requireLiquidationAllowed,
  SENTINEL_HEALTH_THRESHOLD_WAD,
  spotPrice,
  twapPrice,
  validateOracleConfig,
} from './oracle.js';

const ASSET = 'ETH';

/** A permissive base config: three sources, quorum 1, one day of freshness, no delay. */
function config(overrides: Partial<OracleAssetConfig> = {}): OracleAssetConfig {
  return {
    priceDecimals: 8,
    sources: ['a', 'b', 'c'],
    minSources: 1,
    staleAfterSeconds: 86_400,
    maxSpreadBps: 10_000n,
    twapWindowSeconds: 3_600,
    delaySeconds: 0,
    ...overrides,
  };
}

function run(
  state: OracleState,
  command: OracleCommand,
  nowSeconds: number,
): { state: OracleState; events: readonly OracleEvent[] } {
  const events = decideOracle(state, command, nowSeconds);
  return { state: events.reduce(evolveOracle, state), events };
}

function configured(cfg: OracleAssetConfig, atSeconds = 0, asset = ASSET): OracleState {
  return run(emptyOracleState(), { type: 'configureOracle', asset, config: cfg }, atSeconds).state;
}

/** Publishes `[source, price, atSeconds]` in order. */
function publishAll(
  state: OracleState,
  quotes: ReadonlyArray<readonly [string, bigint, number]>,
): OracleState {
  return quotes.reduce(
    (s, [source, price, at]) => run(s, { type: 'publishPrice', asset: ASSET, source, price }, at).state,
    state,
  );
}

function publish(state: OracleState, source: string, price: bigint, atSeconds: number) {
  return run(state, { type: 'publishPrice', asset: ASSET, source, price }, atSeconds);
}

describe('validateOracleConfig', () => {
  test('default', () => {
    const raw = { ...config(), breaker: { maxMoveBps: 4_000n, windowSeconds: 600, pauses: 'both' } };
    expect(validateOracleConfig(raw, 'oracles.ETH')).toEqual(raw);
  });

  test('behavior: bps read from JSON numbers and decimal strings', () => {
    const raw = {
      ...config(),
      maxSpreadBps: 500,
      breaker: { maxMoveBps: '4000', windowSeconds: 600, pauses: 'liquidations' },
      pauseOnDisagreement: 'borrowing',
      outageGraceSeconds: 3_600,
    };
    const parsed = validateOracleConfig(raw, 'x');
    expect(parsed.maxSpreadBps).toBe(500n);
    expect(parsed.breaker?.maxMoveBps).toBe(4_000n);
    expect(parsed.pauseOnDisagreement).toBe('borrowing');
    expect(parsed.outageGraceSeconds).toBe(3_600);
  });

  test('behavior: returns a copy detached from the input', () => {
    const sources = ['a', 'b'];
    const parsed = validateOracleConfig({ ...config(), sources }, 'x');
    sources.push('z');
    expect(parsed.sources).toEqual(['a', 'b']);
  });

  const bad: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['minSources 0', { minSources: 0 }, 'cfg.minSources'],
    ['minSources above the source count', { minSources: 4 }, 'cfg.minSources'],
    ['no sources', { sources: [] }, 'cfg.sources'],
    ['repeated source', { sources: ['a', 'a'] }, 'cfg.sources.1'],
    ['empty source id', { sources: ['a', ''] }, 'cfg.sources.1'],
    ['staleAfterSeconds 0', { staleAfterSeconds: 0 }, 'cfg.staleAfterSeconds'],
    ['fractional TWAP window', { twapWindowSeconds: 1.5 }, 'cfg.twapWindowSeconds'],
    ['negative delay', { delaySeconds: -1 }, 'cfg.delaySeconds'],
    ['negative spread', { maxSpreadBps: -1n }, 'cfg.maxSpreadBps'],
    ['spread not an integer', { maxSpreadBps: '5%' }, 'cfg.maxSpreadBps'],
    ['priceDecimals 78', { priceDecimals: 78 }, 'cfg.priceDecimals'],
    [
      'breaker move 0',
      { breaker: { maxMoveBps: 0n, windowSeconds: 60, pauses: 'both' } },
      'cfg.breaker.maxMoveBps',
    ],
    [
      'breaker scope',
      { breaker: { maxMoveBps: 1n, windowSeconds: 60, pauses: 'all' } },
      'cfg.breaker.pauses',
    ],
    [
      'breaker extra key',
      { breaker: { maxMoveBps: 1n, windowSeconds: 60, pauses: 'both', x: 1 } },
      'cfg.breaker.x',
    ],
    ['disagreement scope', { pauseOnDisagreement: 'nothing' }, 'cfg.pauseOnDisagreement'],
    ['negative grace', { outageGraceSeconds: -1 }, 'cfg.outageGraceSeconds'],
    ['unknown field', { heartbeat: 60 }, 'cfg.heartbeat'],
  ];
  for (const [name, patch, field] of bad) {
    test(`error: ${name}`, () => {
      const raw = { ...config(), ...patch };
      expect(() => validateOracleConfig(raw, 'cfg')).toThrow(InvalidParameterError);
      try {
        validateOracleConfig(raw, 'cfg');
      } catch (error) {
        expect((error as InvalidParameterError).field).toBe(field);
      }
    });
  }

  test('error: not an object', () => {
    expect(() => validateOracleConfig(null, 'cfg')).toThrow(InvalidParameterError);
    expect(() => validateOracleConfig([1], 'cfg')).toThrow(InvalidParameterError);
  });
});

describe('oracleHistoryHorizonSeconds', () => {
  test('default', () => {
    // max(1800, 2·3600, 600) = 7200
    const cfg = config({
      twapWindowSeconds: 1_800,
      delaySeconds: 3_600,
      breaker: { maxMoveBps: 1n, windowSeconds: 600, pauses: 'both' },
    });
    expect(oracleHistoryHorizonSeconds(cfg)).toBe(7_200);
    expect(oracleHistoryHorizonSeconds(config({ twapWindowSeconds: 900 }))).toBe(900);
  });
});

describe('medianPrice', () => {
  test('default', () => {
    expect(medianPrice([300n, 100n, 200n])).toBe(200n);
  });

  test('behavior: even count is the floor of the mean of the two middle values', () => {
    expect(medianPrice([100n, 103n])).toBe(101n); // 203/2 = 101.5 → 101
    expect(medianPrice([200n, 101n, 100n, 104n])).toBe(102n); // (101+104)/2 = 102.5 → 102
    expect(medianPrice([100n, 102n])).toBe(101n); // exact
  });

  test('error: empty list', () => {
    expect(() => medianPrice([])).toThrow(InvalidParameterError);
  });
});

describe('emptyOracleState', () => {
  test('default', () => {
    expect(emptyOracleState()).toEqual({ assets: {} });
  });
});

describe('isOracleEvent', () => {
  test('default', () => {
    expect(isOracleEvent({ type: 'PriceObserved' })).toBe(true);
    expect(isOracleEvent({ type: 'BreakerTripped' })).toBe(true);
    expect(isOracleEvent({ type: 'Moved' })).toBe(false);
  });
});

describe('decideOracle', () => {
  test('default', () => {
    const cfg = config();
    const { state, events } = run(
      emptyOracleState(),
      { type: 'configureOracle', asset: ASSET, config: cfg },
      5,
    );
    expect(events).toEqual([{ type: 'OracleConfigured', asset: ASSET, config: cfg, atSeconds: 5 }]);
    const published = publish(state, 'a', 2_000_00000000n, 10);
    expect(published.events).toEqual([
      { type: 'PriceObserved', asset: ASSET, source: 'a', price: 2_000_00000000n, atSeconds: 10 },
      {
        type: 'PriceAggregated',
        asset: ASSET,
        price: 2_000_00000000n,
        atSeconds: 10,
        freshSources: 1,
        liveUntilSeconds: 10 + 86_400,
      },
    ]);
    expect(ORACLE_COMMANDS).toEqual(['configureOracle', 'publishPrice', 'resetBreaker']);
  });

  test('behavior: a publish without a fresh quorum only records the observation', () => {
    const state = configured(config({ minSources: 2 }));
    const { events } = publish(state, 'a', 100n, 1);
    expect(events.map((e) => e.type)).toEqual(['PriceObserved']);
  });

  test('behavior: liveUntilSeconds is the minSources-th newest fresh time + staleAfterSeconds', () => {
    // a@0, b@20, c@50, quorum 2, stale after 100: newest first 50, 20 → 20 + 100 = 120.
    let state = configured(config({ minSources: 2, staleAfterSeconds: 100 }));
    state = publishAll(state, [
      ['a', 100n, 0],
      ['b', 100n, 20],
    ]);
    const { events } = publish(state, 'c', 100n, 50);
    expect(events[1]).toMatchObject({ type: 'PriceAggregated', freshSources: 3, liveUntilSeconds: 120 });
  });

  test('behavior: a price read from JSON as a decimal string', () => {
    const state = configured(config());
    const command = {
      type: 'publishPrice',
      asset: ASSET,
      source: 'a',
      price: '123',
    } as unknown as OracleCommand;
    expect(decideOracle(state, command, 1)[0]).toMatchObject({ price: 123n });
  });

  test('behavior: the state given is never modified', () => {
    const state = publishAll(configured(config()), [['a', 100n, 1]]);
    const snapshot = structuredClone(state);
    decideOracle(state, { type: 'publishPrice', asset: ASSET, source: 'b', price: 50n }, 2);
    evolveOracle(state, { type: 'PriceObserved', asset: ASSET, source: 'b', price: 50n, atSeconds: 2 });
    expect(state).toEqual(snapshot);
  });

  test('behavior: same source twice in one second replaces its observation and the series point', () => {
    let state = configured(config());
    state = publishAll(state, [
      ['a', 100n, 7],
      ['a', 110n, 7],
    ]);
    expect(state.assets[ASSET]?.observations).toEqual({ a: { price: 110n, atSeconds: 7 } });
    expect(state.assets[ASSET]?.history.map((p) => [p.atSeconds, p.price])).toEqual([[7, 110n]]);
  });

  test('behavior: reconfiguring keeps still-listed sources and drops the others', () => {
    let state = publishAll(configured(config()), [
      ['a', 100n, 1],
      ['b', 200n, 2],
    ]);
    state = run(
      state,
      { type: 'configureOracle', asset: ASSET, config: config({ sources: ['b', 'd'] }) },
      3,
    ).state;
    expect(Object.keys(state.assets[ASSET]?.observations ?? {})).toEqual(['b']);
    expect(spotPrice(state, ASSET, 3).price).toBe(200n);
  });

  test('behavior: resetBreaker with nothing paused emits nothing', () => {
    expect(decideOracle(configured(config()), { type: 'resetBreaker', asset: ASSET }, 1)).toEqual([]);
  });

  test('behavior: ids such as constructor and __proto__ are plain keys', () => {
    const cfg = config({ sources: ['__proto__', 'toString'] });
    let state = configured(cfg, 0, 'constructor');
    state = run(
      state,
      { type: 'publishPrice', asset: 'constructor', source: '__proto__', price: 7n },
      1,
    ).state;
    expect(spotPrice(state, 'constructor', 1).price).toBe(7n);
    expect(() => spotPrice(state, 'hasOwnProperty', 1)).toThrow(StaleOraclePriceError);
    expect(() =>
      decideOracle(state, { type: 'publishPrice', asset: 'valueOf', source: '__proto__', price: 1n }, 1),
    ).toThrow(UnknownAssetError);
  });

  test('error: unknown asset', () => {
    expect(() =>
      decideOracle(emptyOracleState(), { type: 'publishPrice', asset: 'BTC', source: 'a', price: 1n }, 0),
    ).toThrow(UnknownAssetError);
    expect(() => decideOracle(emptyOracleState(), { type: 'resetBreaker', asset: 'BTC' }, 0)).toThrow(
      UnknownAssetError,
    );
  });

  test('error: source not allowed for the asset', () => {
    const state = configured(config());
    expect(() => publish(state, 'mallory', 100n, 1)).toThrow(UnknownOracleSourceError);
  });

  test('error: non-positive price', () => {
    const state = configured(config());
    expect(() => publish(state, 'a', 0n, 1)).toThrow(InvalidParameterError);
    expect(() => publish(state, 'a', -5n, 1)).toThrow(InvalidParameterError);
  });

  test('error: a source publishing before its last observation', () => {
    const state = publishAll(configured(config()), [['a', 100n, 100]]);
    expect(() => publish(state, 'a', 100n, 99)).toThrow(OutOfOrderObservationError);
  });

  test('error: another source publishing before the asset’s last event', () => {
    const state = publishAll(configured(config()), [['a', 100n, 100]]);
    expect(() => publish(state, 'b', 100n, 99)).toThrow(ClockWentBackwardsError);
  });

  test('error: bad nowSeconds', () => {
    const state = configured(config());
    expect(() => publish(state, 'a', 1n, -1)).toThrow(InvalidParameterError);
    expect(() => publish(state, 'a', 1n, 1.5)).toThrow(InvalidParameterError);
  });

  test('error: invalid config names the field under config', () => {
    const command: OracleCommand = {
      type: 'configureOracle',
      asset: ASSET,
      config: config({ minSources: 0 }),
    };
    expect(() => decideOracle(emptyOracleState(), command, 0)).toThrow(InvalidParameterError);
    try {
      decideOracle(emptyOracleState(), command, 0);
    } catch (error) {
      expect((error as InvalidParameterError).field).toBe('config.minSources');
    }
  });

  test('error: priceDecimals cannot change on reconfiguration', () => {
    const state = configured(config());
    const command: OracleCommand = {
      type: 'configureOracle',
      asset: ASSET,
      config: config({ priceDecimals: 18 }),
    };
    expect(() => decideOracle(state, command, 1)).toThrow(InvalidParameterError);
  });

  test('error: unknown command', () => {
    const command = { type: 'pokeOsm', asset: ASSET } as unknown as OracleCommand;
    expect(() => decideOracle(emptyOracleState(), command, 0)).toThrow(UnknownCommandError);
  });
});

describe('evolveOracle', () => {
  test('default', () => {
    const state = publishAll(configured(config({ minSources: 2 })), [
      ['a', 100n, 1],
      ['b', 103n, 2],
    ]);
    const asset = state.assets[ASSET];
    expect(asset?.observations).toEqual({
      a: { price: 100n, atSeconds: 1 },
      b: { price: 103n, atSeconds: 2 },
    });
    // (100 + 103) / 2 = 101.5 → 101; quorum 2 newest first 2, 1 → 1 + 86400.
    expect(asset?.history).toEqual([
      { atSeconds: 2, price: 101n, freshSources: 2, liveUntilSeconds: 86_401 },
    ]);
    expect(asset?.lastSeconds).toBe(2);
  });

  test('behavior: history is pruned to the horizon plus one anchor point', () => {
    // Horizon = max(TWAP 100, 2·0, no breaker) = 100 s; a price every second for 1000 s.
    let state = configured(config({ twapWindowSeconds: 100 }));
    for (let t = 0; t < 1_000; t++) state = publish(state, 'a', BigInt(1_000 + t), t).state;
    const history = state.assets[ASSET]?.history ?? [];
    // Points at 899 (the anchor, at the cutoff 999 − 100) through 999: 101 points.
    expect(history.length).toBe(101);
    expect(history[0]?.atSeconds).toBe(899);
    // TWAP over [899, 999]: prices 1899..1998 one second each → mean (1899 + 1998) / 2 = 1948.5 → 1948.
    expect(twapPrice(state, ASSET, 999).price).toBe(1_948n);
  });

  test('error: an event for an unconfigured asset breaks an invariant', () => {
    expect(() =>
      evolveOracle(emptyOracleState(), {
        type: 'PriceObserved',
        asset: 'X',
        source: 'a',
        price: 1n,
        atSeconds: 0,
      }),
    ).toThrow(/invariant/);
  });
});

describe('spotPrice', () => {
  test('default', () => {
    // Odd count: sorted 1990, 2000, 2010 → 2000 (USD·1e8).
    const state = publishAll(configured(config()), [
      ['a', 2_010_00000000n, 1],
      ['b', 1_990_00000000n, 2],
      ['c', 2_000_00000000n, 3],
    ]);
    expect(spotPrice(state, ASSET, 3)).toEqual({
      price: 2_000_00000000n,
      priceDecimals: 8,
      observedAtSeconds: 3,
      freshSources: 3,
    });
  });

  test('behavior: even count floors the mean of the two middle values', () => {
    const state = publishAll(configured(config()), [
      ['a', 100n, 1],
      ['b', 103n, 1],
    ]);
    expect(spotPrice(state, ASSET, 1).price).toBe(101n); // 203 / 2 = 101.5 → 101
  });

  test('behavior: minimum number of fresh sources', () => {
    let state = configured(config({ minSources: 2 }));
    state = publishAll(state, [['a', 100n, 1]]);
    expect(() => spotPrice(state, ASSET, 1)).toThrow(StaleOraclePriceError);
    state = publishAll(state, [['b', 110n, 2]]);
    expect(spotPrice(state, ASSET, 2).price).toBe(105n); // (100 + 110) / 2
  });

  test('behavior: an observation is fresh while its age ≤ staleAfterSeconds', () => {
    const state = publishAll(configured(config({ minSources: 2, staleAfterSeconds: 60 })), [
      ['a', 100n, 0],
      ['b', 110n, 30],
    ]);
    expect(spotPrice(state, ASSET, 60).price).toBe(105n); // a is 60 s old: still fresh
    expect(() => spotPrice(state, ASSET, 61)).toThrow(StaleOraclePriceError); // a is 61 s old
    expect(oracleStatus(state, ASSET, 61)).toMatchObject({ stale: true, freshSources: 1 });
    expect(oracleStatus(state, ASSET, 60)).toMatchObject({ stale: false, freshSources: 2 });
  });

  test('behavior: stale sources drop out of the median', () => {
    const state = publishAll(configured(config({ staleAfterSeconds: 60 })), [
      ['a', 100n, 0],
      ['b', 110n, 30],
      ['c', 130n, 40],
    ]);
    expect(spotPrice(state, ASSET, 60).price).toBe(110n); // 100, 110, 130
    expect(spotPrice(state, ASSET, 61).price).toBe(120n); // 110, 130 → 120
  });

  test('error: unknown asset', () => {
    expect(() => spotPrice(emptyOracleState(), 'BTC', 0)).toThrow(StaleOraclePriceError);
  });

  test('error: time before the asset’s last event', () => {
    const state = publishAll(configured(config()), [['a', 100n, 10]]);
    expect(() => spotPrice(state, ASSET, 9)).toThrow(ClockWentBackwardsError);
  });
});

describe('twapPrice', () => {
  test('default', () => {
    // 100 from 0, 200 from 1800. At 3600, window [0, 3600]: (100·1800 + 200·1800) / 3600 = 150.
    const state = publishAll(configured(config()), [
      ['a', 100n, 0],
      ['a', 200n, 1_800],
    ]);
    expect(twapPrice(state, ASSET, 3_600)).toEqual({
      price: 150n,
      priceDecimals: 8,
      observedAtSeconds: 1_800,
      freshSources: 1,
    });
    // At 4500, window [900, 4500]: 100 held for 900 s, 200 for 2700 s → 630000 / 3600 = 175.
    expect(twapPrice(state, ASSET, 4_500).price).toBe(175n);
  });

  test('behavior: history shorter than the window averages from the first point', () => {
    // 100 from 1000, 300 from 1600, now 2200: (100·600 + 300·600) / 1200 = 200.
    const state = publishAll(configured(config()), [
      ['a', 100n, 1_000],
      ['a', 300n, 1_600],
    ]);
    expect(twapPrice(state, ASSET, 2_200).price).toBe(200n);
  });

  test('behavior: rounds down', () => {
    // Window 3 s: 10 on [0,1), 11 on [1,3) → 32 / 3 = 10.67 → 10.
    const state = publishAll(configured(config({ twapWindowSeconds: 3 })), [
      ['a', 10n, 0],
      ['a', 11n, 1],
    ]);
    expect(twapPrice(state, ASSET, 3).price).toBe(10n);
  });

  test('behavior: an empty span returns the latest aggregated price', () => {
    const state = publishAll(configured(config()), [['a', 42n, 5]]);
    expect(twapPrice(state, ASSET, 5).price).toBe(42n);
  });

  test('behavior: weights aggregated medians, not raw observations', () => {
    // At 0: a=100 then b=200 in the same second → one point, median 150. At 10 b=300 → median 200.
    // Window 20 at now 20: [0,10) at 150 and [10,20) at 200 → 175.
    const state = publishAll(configured(config({ twapWindowSeconds: 20 })), [
      ['a', 100n, 0],
      ['b', 200n, 0],
      ['b', 300n, 10],
    ]);
    expect(twapPrice(state, ASSET, 20).price).toBe(175n);
  });

  test('error: feed down now', () => {
    const state = publishAll(configured(config({ staleAfterSeconds: 60 })), [['a', 100n, 0]]);
    expect(() => twapPrice(state, ASSET, 61)).toThrow(StaleOraclePriceError);
  });

  test('error: unknown asset', () => {
    expect(() => twapPrice(emptyOracleState(), 'BTC', 0)).toThrow(StaleOraclePriceError);
  });
});

describe('delayedPrice', () => {
  // Hop 3600 s, one source: 100 at 0, 200 at 3000, 300 at 5000, 400 at 7300. An OSM poked at every
  // boundary reads the series at 0 (100), 3600 (200), 7200 (300), 10800 (400); `cur` at time t is
  // the read at floor(t/3600)·3600 − 3600 and `nxt` the read at floor(t/3600)·3600.
  const cfg = config({ delaySeconds: 3_600 });
  const first = publishAll(configured(cfg), [
    ['a', 100n, 0],
    ['a', 200n, 3_000],
  ]);
  const second = publishAll(first, [['a', 300n, 5_000]]);
  const third = publishAll(second, [['a', 400n, 7_300]]);

  test('default', () => {
    expect(delayedPrice(first, ASSET, 3_600)).toEqual({
      price: 100n,
      priceDecimals: 8,
      observedAtSeconds: 0,
      freshSources: 1,
    });
    expect(delayedPrice(second, ASSET, 7_199).price).toBe(100n);
    expect(delayedPrice(second, ASSET, 7_200).price).toBe(200n);
    expect(delayedPrice(third, ASSET, 7_300).price).toBe(200n);
    expect(spotPrice(third, ASSET, 7_300).price).toBe(400n);
    expect(delayedPrice(third, ASSET, 10_800).price).toBe(300n);
    expect(delayedPrice(third, ASSET, 14_400).price).toBe(400n);
  });

  test('behavior: no delayed price during the first hop', () => {
    expect(() => delayedPrice(first, ASSET, 3_599)).toThrow(StaleOraclePriceError);
  });

  test('behavior: delaySeconds 0 is the spot price', () => {
    const state = publishAll(configured(config()), [
      ['a', 100n, 0],
      ['a', 200n, 3_000],
    ]);
    expect(delayedPrice(state, ASSET, 3_600)).toEqual(spotPrice(state, ASSET, 3_600));
  });

  test('behavior: a feed down at the read boundary gives no delayed price', () => {
    // Stale after 100 s: the point at 0 is live until 100, so the read at 3600 fails.
    const state = publishAll(configured(config({ delaySeconds: 3_600, staleAfterSeconds: 100 })), [
      ['a', 100n, 0],
      ['a', 200n, 3_700],
    ]);
    expect(delayedPrice(state, ASSET, 3_700).price).toBe(100n); // read at 0: live
    expect(() => delayedPrice(state, ASSET, 7_200)).toThrow(StaleOraclePriceError); // read at 3600: down
  });

  test('error: unknown asset', () => {
    expect(() => delayedPrice(emptyOracleState(), 'BTC', 0)).toThrow(StaleOraclePriceError);
  });
});

describe('nextDelayedPrice', () => {
  const cfg = config({ delaySeconds: 3_600 });
  const state = publishAll(configured(cfg), [
    ['a', 100n, 0],
    ['a', 200n, 3_000],
    ['a', 300n, 5_000],
  ]);

  test('default', () => {
    expect(nextDelayedPrice(state, ASSET, 5_000)?.price).toBe(200n); // read at 3600: value since 3000
    expect(nextDelayedPrice(state, ASSET, 7_200)?.price).toBe(300n); // read at 7200: value since 5000
  });

  test('behavior: the queued price becomes the delayed price one hop later', () => {
    expect(delayedPrice(state, ASSET, 7_200).price).toBe(nextDelayedPrice(state, ASSET, 7_199)?.price);
  });

  test('behavior: undefined without a delay or before any read', () => {
    const noDelay = publishAll(configured(config()), [['a', 100n, 0]]);
    expect(nextDelayedPrice(noDelay, ASSET, 10)).toBeUndefined();
    const late = publishAll(configured(cfg), [['a', 100n, 10]]);
    expect(nextDelayedPrice(late, ASSET, 10)).toBeUndefined(); // boundary 0 precedes the first price
  });

  test('error: unknown asset', () => {
    expect(() => nextDelayedPrice(emptyOracleState(), 'BTC', 0)).toThrow(StaleOraclePriceError);
  });
});

describe('osmNextBelowTolerance', () => {
  const cfg = config({ delaySeconds: 3_600 });
  const half = RAY / 2n;

  test('default', () => {
    // cur = 300 (read at 0), nxt = 149 (read at 3600); rmul(300, 0.5) = 150; 149 < 150 trips.
    const state = publishAll(configured(cfg), [
      ['a', 300n, 0],
      ['a', 149n, 3_600],
    ]);
    expect(osmNextBelowTolerance(state, ASSET, 3_600, half)).toBe(true);
  });

  test('behavior: strict comparison against the floored rmul', () => {
    // cur = 301: rmul(301, 0.5) = floor(150.5) = 150; nxt = 150 is not below it.
    const state = publishAll(configured(cfg), [
      ['a', 301n, 0],
      ['a', 150n, 3_600],
    ]);
    expect(osmNextBelowTolerance(state, ASSET, 3_600, half)).toBe(false);
    expect(osmNextBelowTolerance(state, ASSET, 3_600, 0n)).toBe(false);
  });

  test('behavior: false without both cur and nxt', () => {
    const state = publishAll(configured(cfg), [['a', 300n, 0]]);
    expect(osmNextBelowTolerance(state, ASSET, 100, half)).toBe(false); // no cur in the first hop
  });

  test('error: tolerance above one RAY', () => {
    const state = publishAll(configured(cfg), [['a', 300n, 0]]);
    expect(() => osmNextBelowTolerance(state, ASSET, 100, RAY + 1n)).toThrow(InvalidParameterError);
  });
});

describe('price-move breaker', () => {
  const cfg = config({ breaker: { maxMoveBps: 4_000n, windowSeconds: 3_600, pauses: 'liquidations' } });

  test('default', () => {
    // 100 → 50 within the window: fall (100 − 50)/100 = 50 % > 40 %.
    const state = publishAll(configured(cfg), [['a', 100n, 0]]);
    const { state: after, events } = publish(state, 'a', 50n, 1_800);
    expect(events[2]).toEqual({
      type: 'BreakerTripped',
      asset: ASSET,
      cause: 'priceMove',
      pauses: 'liquidations',
      atSeconds: 1_800,
      observedBps: 5_000n,
      limitBps: 4_000n,
    });
    expect(() => requireLiquidationAllowed(after, ASSET, 1_800)).toThrow(CircuitBreakerError);
    expect(() => requireBorrowAllowed(after, ASSET, 1_800)).not.toThrow();
    expect(oracleStatus(after, ASSET, 1_800)).toMatchObject({
      liquidationsPaused: true,
      borrowingPaused: false,
    });
  });

  test('behavior: the same 50 % fall spread over more than the window does not trip', () => {
    // 100 at 0, 75 at 2000 (25 % fall), 50 at 5600: the window [2000, 5600] holds only 75, and
    // (75 − 50)/75 = 33.3 % ≤ 40 %.
    const state = publishAll(configured(cfg), [
      ['a', 100n, 0],
      ['a', 75n, 2_000],
    ]);
    const { events } = publish(state, 'a', 50n, 5_600);
    expect(events.map((e) => e.type)).toEqual(['PriceObserved', 'PriceAggregated']);
  });

  test('behavior: the value held at the window start counts', () => {
    // 100 set at 0 still holds at 3600 − 3600 = 0, so 50 at 3600 is a 50 % fall within the window.
    const state = publishAll(configured(cfg), [['a', 100n, 0]]);
    expect(publish(state, 'a', 50n, 3_600).events.map((e) => e.type)).toContain('BreakerTripped');
  });

  test('behavior: limits are strict, for falls and rises', () => {
    const state = publishAll(configured(cfg), [['a', 100n, 0]]);
    const trips = (price: bigint) =>
      publish(state, 'a', price, 10).events.some((e) => e.type === 'BreakerTripped');
    expect(trips(60n)).toBe(false); // fall 40 % exactly
    expect(trips(59n)).toBe(true); // fall 41 %
    expect(trips(140n)).toBe(false); // rise 40 % exactly, from the low 100
    expect(trips(141n)).toBe(true); // rise 41 %
    expect(publish(state, 'a', 150n, 10).events[2]).toMatchObject({ observedBps: 5_000n });
  });

  test('behavior: stays tripped until reset; reset restarts the window', () => {
    let state = publishAll(configured(cfg), [
      ['a', 100n, 0],
      ['a', 50n, 100],
    ]);
    // A further fall while tripped emits no second trip (nothing new to pause).
    const again = publish(state, 'a', 40n, 200);
    expect(again.events.map((e) => e.type)).toEqual(['PriceObserved', 'PriceAggregated']);
    state = again.state;
    expect(() => requireLiquidationAllowed(state, ASSET, 3_000)).toThrow(CircuitBreakerError);

    const reset = run(state, { type: 'resetBreaker', asset: ASSET }, 300);
    expect(reset.events).toEqual([{ type: 'BreakerReset', asset: ASSET, atSeconds: 300 }]);
    state = reset.state;
    expect(() => requireLiquidationAllowed(state, ASSET, 300)).not.toThrow();
    // The window now starts at 300 (value 40): 35 is a 12.5 % fall, though 100 was seen at 0.
    const calm = publish(state, 'a', 35n, 400);
    expect(calm.events.some((e) => e.type === 'BreakerTripped')).toBe(false);
    // A fresh 50 % fall from 40 trips again: (40 − 20)/40 = 50 %.
    expect(publish(calm.state, 'a', 20n, 500).events.some((e) => e.type === 'BreakerTripped')).toBe(true);
  });

  test('behavior: pausing both scopes blocks borrowing too', () => {
    const both = config({ breaker: { maxMoveBps: 4_000n, windowSeconds: 3_600, pauses: 'both' } });
    const state = publishAll(configured(both), [
      ['a', 100n, 0],
      ['a', 50n, 10],
    ]);
    expect(() => requireBorrowAllowed(state, ASSET, 10)).toThrow(CircuitBreakerError);
    expect(() => requireLiquidationAllowed(state, ASSET, 10)).toThrow(CircuitBreakerError);
  });
});

describe('disagreement', () => {
  test('default', () => {
    // 100, 105, 111: (111 − 100)/105 = 10.48 % > 10 %.
    const state = publishAll(configured(config({ maxSpreadBps: 1_000n })), [
      ['a', 100n, 1],
      ['b', 105n, 1],
      ['c', 111n, 1],
    ]);
    expect(oracleStatus(state, ASSET, 1).disagreement).toBe(true);
    // Without pauseOnDisagreement nothing is paused.
    expect(() => requireLiquidationAllowed(state, ASSET, 1)).not.toThrow();
  });

  test('behavior: within the spread', () => {
    // 100, 105, 110: 10/105 = 9.52 % ≤ 10 %.
    const state = publishAll(configured(config({ maxSpreadBps: 1_000n })), [
      ['a', 100n, 1],
      ['b', 105n, 1],
      ['c', 110n, 1],
    ]);
    expect(oracleStatus(state, ASSET, 1).disagreement).toBe(false);
  });

  test('behavior: a spread exactly at the limit is not a disagreement', () => {
    // 95, 100, 105: 10/100 = 10 % exactly; 95, 100, 106: 11 %.
    const base = publishAll(configured(config({ maxSpreadBps: 1_000n })), [
      ['a', 95n, 1],
      ['b', 100n, 1],
    ]);
    expect(oracleStatus(publishAll(base, [['c', 105n, 1]]), ASSET, 1).disagreement).toBe(false);
    expect(oracleStatus(publishAll(base, [['c', 106n, 1]]), ASSET, 1).disagreement).toBe(true);
  });

  test('behavior: pauseOnDisagreement trips the breaker with its scope', () => {
    const cfg = config({ maxSpreadBps: 1_000n, pauseOnDisagreement: 'borrowing' });
    const state = publishAll(configured(cfg), [
      ['a', 100n, 1],
      ['b', 105n, 1],
    ]);
    const { state: after, events } = publish(state, 'c', 111n, 1);
    expect(events.at(-1)).toEqual({
      type: 'BreakerTripped',
      asset: ASSET,
      cause: 'disagreement',
      pauses: 'borrowing',
      atSeconds: 1,
      observedBps: 1_047n, // floor(11 · 10000 / 105) = floor(1047.6)
      limitBps: 1_000n,
    });
    expect(() => requireBorrowAllowed(after, ASSET, 1)).toThrow(CircuitBreakerError);
    expect(() => requireLiquidationAllowed(after, ASSET, 1)).not.toThrow();
  });

  test('behavior: a disagreement trip widens a move trip', () => {
    const cfg = config({
      maxSpreadBps: 1_000n,
      pauseOnDisagreement: 'borrowing',
      breaker: { maxMoveBps: 4_000n, windowSeconds: 3_600, pauses: 'liquidations' },
    });
    const state = publishAll(configured(cfg), [['a', 100n, 0]]);
    // b = 40 at 10: median (100 + 40)/2 = 70, a 30 % fall (no move trip); spread 60/70 > 10 %.
    const first = publish(state, 'b', 40n, 10);
    expect(first.events.filter((e) => e.type === 'BreakerTripped').map((e) => e)).toMatchObject([
      { cause: 'disagreement', pauses: 'borrowing' },
    ]);
    // c = 10 at 20: median 40, a 60 % fall from 100 → the move trip adds liquidations.
    const second = publish(first.state, 'c', 10n, 20);
    expect(second.events.filter((e) => e.type === 'BreakerTripped')).toMatchObject([
      { cause: 'priceMove', pauses: 'liquidations' },
    ]);
    expect(oracleStatus(second.state, ASSET, 20)).toMatchObject({
      liquidationsPaused: true,
      borrowingPaused: true,
    });
  });
});

describe('outage grace period', () => {
  // Stale after 300 s, grace 600 s. Prices at 0, then 400 (the feed was down from 301): recovery at
  // 400, grace while now − 400 ≤ 600 (Aave: passed once now − startedAt > gracePeriod), i.e. to 1000.
  const cfg = config({ staleAfterSeconds: 300, outageGraceSeconds: 600 });
  const beforeRecovery = publishAll(configured(cfg), [['a', 100n, 0]]);
  const recovery = publish(beforeRecovery, 'a', 100n, 400);
  // Keep-alives at 650 and 900 (each within 300 s of the last) keep the feed fresh through 1200.
  const state = publishAll(recovery.state, [
    ['a', 100n, 650],
    ['a', 100n, 900],
  ]);

  test('default', () => {
    expect(recovery.events.at(-1)).toEqual({
      type: 'FeedRecovered',
      asset: ASSET,
      atSeconds: 400,
      lastAggregatedAtSeconds: 0,
      graceEndsAtSeconds: 1_000,
    });
    expect(oracleStatus(state, ASSET, 1_000)).toEqual({
      stale: false,
      disagreement: false,
      liquidationsPaused: false,
      borrowingPaused: true,
      breakerPausesBorrowing: false,
      inGracePeriod: true,
      graceEndsAtSeconds: 1_000,
      freshSources: 1,
    });
    expect(oracleStatus(state, ASSET, 1_001)).toEqual({
      stale: false,
      disagreement: false,
      liquidationsPaused: false,
      borrowingPaused: false,
      breakerPausesBorrowing: false,
      inGracePeriod: false,
      freshSources: 1,
    });
  });

  test('behavior: only positions with health below the threshold are liquidatable during grace', () => {
    const below = SENTINEL_HEALTH_THRESHOLD_WAD - 1n;
    expect(SENTINEL_HEALTH_THRESHOLD_WAD).toBe(950_000_000_000_000_000n);
    expect(() => requireLiquidationAllowed(state, ASSET, 1_000, { healthWad: below })).not.toThrow();
    expect(() =>
      requireLiquidationAllowed(state, ASSET, 1_000, { healthWad: SENTINEL_HEALTH_THRESHOLD_WAD }),
    ).toThrow(CircuitBreakerError);
    expect(() => requireLiquidationAllowed(state, ASSET, 1_000)).toThrow(CircuitBreakerError);
    // A custom threshold of 0.90: 0.92 is refused, 0.89 allowed (at 500, before the keep-alives).
    const custom = { graceHealthThresholdWad: (90n * WAD) / 100n };
    expect(() =>
      requireLiquidationAllowed(recovery.state, ASSET, 500, { ...custom, healthWad: (92n * WAD) / 100n }),
    ).toThrow(CircuitBreakerError);
    expect(() =>
      requireLiquidationAllowed(recovery.state, ASSET, 500, { ...custom, healthWad: (89n * WAD) / 100n }),
    ).not.toThrow();
    // After the grace period any position may be liquidated.
    expect(() => requireLiquidationAllowed(state, ASSET, 1_001)).not.toThrow();
  });

  test('behavior: borrowing is refused until the grace period has passed', () => {
    expect(() => requireBorrowAllowed(state, ASSET, 1_000)).toThrow(CircuitBreakerError);
    expect(() => requireBorrowAllowed(state, ASSET, 1_001)).not.toThrow();
  });

  test('behavior: during the outage the feed is stale', () => {
    expect(oracleStatus(beforeRecovery, ASSET, 350).stale).toBe(true);
    expect(() => requireLiquidationAllowed(beforeRecovery, ASSET, 350, { healthWad: 0n })).toThrow(
      StaleOraclePriceError,
    );
    expect(() => requireBorrowAllowed(beforeRecovery, ASSET, 350)).toThrow(StaleOraclePriceError);
  });

  test('behavior: the first price ever is not a recovery', () => {
    const first = publish(configured(cfg), 'a', 100n, 5_000);
    expect(first.events.map((e) => e.type)).toEqual(['PriceObserved', 'PriceAggregated']);
    expect(() => requireBorrowAllowed(first.state, ASSET, 5_000)).not.toThrow();
  });

  test('behavior: without outageGraceSeconds a recovery restricts nothing', () => {
    const plain = publishAll(configured(config({ staleAfterSeconds: 300 })), [['a', 100n, 0]]);
    const back = publish(plain, 'a', 100n, 400);
    expect(back.events.at(-1)).toEqual({
      type: 'FeedRecovered',
      asset: ASSET,
      atSeconds: 400,
      lastAggregatedAtSeconds: 0,
    });
    expect(() => requireLiquidationAllowed(back.state, ASSET, 400)).not.toThrow();
  });

  test('behavior: a quorum lost and regained counts as an outage', () => {
    // Quorum 2, stale after 100: a, b at 0; a at 150 alone (down since 101); b at 160 restores it.
    const two = config({ minSources: 2, staleAfterSeconds: 100, outageGraceSeconds: 50 });
    const s = publishAll(configured(two), [
      ['a', 100n, 0],
      ['b', 100n, 0],
      ['a', 100n, 150],
    ]);
    expect(publish(s, 'b', 100n, 160).events.at(-1)).toMatchObject({
      type: 'FeedRecovered',
      graceEndsAtSeconds: 210,
    });
  });

  test('error: unknown asset', () => {
    expect(() => requireLiquidationAllowed(emptyOracleState(), 'BTC', 0)).toThrow(StaleOraclePriceError);
    expect(() => requireBorrowAllowed(emptyOracleState(), 'BTC', 0)).toThrow(StaleOraclePriceError);
    expect(() => oracleStatus(emptyOracleState(), 'BTC', 0)).toThrow(StaleOraclePriceError);
  });
});
