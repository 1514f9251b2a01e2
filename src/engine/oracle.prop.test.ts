/**
 * Property tests of the oracle state: random configurations and random publish/reset sequences,
 * checked against independent, deliberately naive recomputations from the full (unpruned) event
 * log. fast-check prints the seed and the shrunk counterexample on failure.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { StaleOraclePriceError } from './errors.js';
import {
  decideOracle,
  delayedPrice,
  emptyOracleState,
  evolveOracle,
  nextDelayedPrice,
  type OracleAssetConfig,
  type OracleCommand,
  type OracleEvent,
  type OracleState,
  oracleHistoryHorizonSeconds,
  type PauseScope,
  type PriceAggregated,
  type PriceObserved,
  spotPrice,
  twapPrice,
} from './oracle.js';

const ASSET = 'X';
const SOURCES = ['s0', 's1', 's2', 's3'];

const scopeArb: fc.Arbitrary<PauseScope> = fc.constantFrom('liquidations', 'borrowing', 'both');

const configArb: fc.Arbitrary<OracleAssetConfig> = fc
  .record({
    sourceCount: fc.integer({ min: 1, max: 4 }),
    minFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    staleAfterSeconds: fc.integer({ min: 1, max: 60 }),
    maxSpreadBps: fc.bigInt({ min: 0n, max: 20_000n }),
    twapWindowSeconds: fc.integer({ min: 1, max: 120 }),
    delaySeconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
    breaker: fc.option(
      fc.record({
        maxMoveBps: fc.bigInt({ min: 1n, max: 10_000n }),
        windowSeconds: fc.integer({ min: 1, max: 120 }),
        pauses: scopeArb,
      }),
      { nil: undefined },
    ),
    pauseOnDisagreement: fc.option(scopeArb, { nil: undefined }),
    outageGraceSeconds: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  })
  .map((r) => {
    const sources = SOURCES.slice(0, r.sourceCount);
    const minSources = 1 + Math.min(r.sourceCount - 1, Math.floor(r.minFraction * r.sourceCount));
    let config: OracleAssetConfig = {
      priceDecimals: 8,
      sources,
      minSources,
      staleAfterSeconds: r.staleAfterSeconds,
      maxSpreadBps: r.maxSpreadBps,
      twapWindowSeconds: r.twapWindowSeconds,
      delaySeconds: r.delaySeconds,
    };
    if (r.breaker !== undefined) config = { ...config, breaker: r.breaker };
    if (r.pauseOnDisagreement !== undefined)
      config = { ...config, pauseOnDisagreement: r.pauseOnDisagreement };
    if (r.outageGraceSeconds !== undefined) config = { ...config, outageGraceSeconds: r.outageGraceSeconds };
    return config;
  });

type Step =
  | { kind: 'publish'; source: number; price: bigint; dtSeconds: number; lookAheadSeconds: number }
  | { kind: 'reset'; dtSeconds: number; lookAheadSeconds: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('publish' as const),
      source: fc.integer({ min: 0, max: 3 }),
      // Mostly near 1000 (so breakers sometimes trip, sometimes not), sometimes anywhere.
      price: fc.oneof(fc.bigInt({ min: 500n, max: 2_000n }), fc.bigInt({ min: 1n, max: 10n ** 12n })),
      dtSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
      lookAheadSeconds: fc.integer({ min: 0, max: 90 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reset' as const),
      dtSeconds: fc.integer({ min: 0, max: 40 }),
      lookAheadSeconds: fc.integer({ min: 0, max: 90 }),
    }),
  },
);

/** Latest value per source among the observations at or before `t`. */
function latestObservations(observed: readonly PriceObserved[], t: number): Map<string, PriceObserved> {
  const latest = new Map<string, PriceObserved>();
  for (const o of observed) if (o.atSeconds <= t) latest.set(o.source, o);
  return latest;
}

function freshAt(observed: readonly PriceObserved[], config: OracleAssetConfig, t: number): bigint[] {
  return [...latestObservations(observed, t).values()]
    .filter((o) => t - o.atSeconds <= config.staleAfterSeconds)
    .map((o) => o.price);
}

/** The aggregated series as a map second → value (a later value in the same second wins). */
function seriesOf(aggregated: readonly PriceAggregated[]): Array<{ at: number; price: bigint }> {
  const bySecond = new Map<number, bigint>();
  for (const a of aggregated) bySecond.set(a.atSeconds, a.price);
  return [...bySecond.entries()].map(([at, price]) => ({ at, price })).sort((x, y) => x.at - y.at);
}

function valueAt(series: ReadonlyArray<{ at: number; price: bigint }>, t: number): bigint | undefined {
  let value: bigint | undefined;
  for (const p of series) if (p.at <= t) value = p.price;
  return value;
}

/** Smallest and largest of a non-empty list (bigint has no Math.min/Math.max). */
function bounds(xs: readonly bigint[]): { low: bigint; high: bigint } {
  let low = xs[0]!;
  let high = xs[0]!;
  for (const x of xs) {
    if (x < low) low = x;
    if (x > high) high = x;
  }
  return { low, high };
}

function stale(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    if (error instanceof StaleOraclePriceError) return true;
    throw error;
  }
}

describe('oracle properties', () => {
  test('behavior: replay, median bounds, TWAP bounds and exactness, OSM reads, bounded history', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(stepArb, { minLength: 1, maxLength: 60, size: 'large' }),
        (config, steps) => {
          const log: OracleEvent[] = [];
          let state: OracleState = emptyOracleState();
          const apply = (command: OracleCommand, nowSeconds: number) => {
            const events = decideOracle(state, command, nowSeconds);
            for (const e of events) {
              log.push(e);
              state = evolveOracle(state, e);
            }
          };
          apply({ type: 'configureOracle', asset: ASSET, config }, 0);

          let now = 0;
          for (const step of steps) {
            now += step.dtSeconds;
            if (step.kind === 'publish') {
              const source = config.sources[step.source % config.sources.length]!;
              apply({ type: 'publishPrice', asset: ASSET, source, price: step.price }, now);
            } else {
              apply({ type: 'resetBreaker', asset: ASSET }, now);
            }

            const q = now + step.lookAheadSeconds;
            const observed = log.filter((e): e is PriceObserved => e.type === 'PriceObserved');
            const series = seriesOf(log.filter((e): e is PriceAggregated => e.type === 'PriceAggregated'));
            const fresh = freshAt(observed, config, q);
            const up = fresh.length >= config.minSources;

            // Spot: the median lies between the lowest and highest fresh price; no quorum → stale.
            if (up) {
              const spot = spotPrice(state, ASSET, q).price;
              const { low, high } = bounds(fresh);
              expect(spot >= low && spot <= high).toBe(true);
            } else {
              expect(stale(() => spotPrice(state, ASSET, q))).toBe(true);
            }

            // TWAP: equals a naive second-by-second average of the series and lies between the
            // lowest and highest values the series took in the window.
            if (up && series.length > 0) {
              const twap = twapPrice(state, ASSET, q).price;
              const start = Math.max(q - config.twapWindowSeconds, series[0]!.at);
              const inWindow: bigint[] = [];
              let sum = 0n;
              for (let t = start; t < q; t++) {
                const v = valueAt(series, t)!;
                inWindow.push(v);
                sum += v;
              }
              const expected = inWindow.length === 0 ? series.at(-1)!.price : sum / BigInt(inWindow.length);
              expect(twap).toBe(expected);
              const { low, high } = bounds(inWindow.length === 0 ? [expected] : inWindow);
              expect(twap >= low && twap <= high).toBe(true);
            } else {
              expect(stale(() => twapPrice(state, ASSET, q))).toBe(true);
            }

            // OSM: cur is the series value at the previous hop boundary, nxt at the current one,
            // each only if the feed had a fresh quorum at that instant.
            if (config.delaySeconds > 0) {
              const hop = config.delaySeconds;
              const boundary = q - (q % hop);
              const readAt = (t: number): bigint | undefined =>
                freshAt(observed, config, t).length >= config.minSources ? valueAt(series, t) : undefined;
              const cur = readAt(boundary - hop);
              if (cur === undefined) expect(stale(() => delayedPrice(state, ASSET, q))).toBe(true);
              else expect(delayedPrice(state, ASSET, q).price).toBe(cur);
              expect(nextDelayedPrice(state, ASSET, q)?.price).toBe(readAt(boundary));
            }

            // Bounded history: at most one point per second over the horizon, plus the anchor.
            const history = state.assets[ASSET]!.history;
            expect(history.length).toBeLessThanOrEqual(oracleHistoryHorizonSeconds(config) + 2);
          }

          // Replaying the whole log from empty rebuilds the same state.
          expect(log.reduce(evolveOracle, emptyOracleState())).toEqual(state);
        },
      ),
      { numRuns: 200 },
    );
  });
});
