/**
 * The engine's oracle state: per-asset price sources aggregated into a median, a TWAP, a delayed
 * price in the manner of Maker's OSM, staleness flags and circuit breakers (price move, source
 * disagreement, and an Aave-sentinel-style grace period after a feed outage). Event-sourced and
 * pure: `decideOracle` returns events, `evolveOracle` folds them, and time is always an argument.
 *
 * Terms used throughout:
 * - an *observation* is the latest price one source published for an asset;
 * - it is *fresh* at `now` while `now − atSeconds ≤ staleAfterSeconds`;
 * - the feed is *up* while at least `minSources` observations are fresh, *down* otherwise;
 * - the *aggregated series* is a step function: each publish that finds a fresh quorum records
 *   the median of the fresh observations (a `PriceAggregated` event), and that value holds until
 *   the next one. A source going stale between publishes changes `spotPrice` at once but the
 *   series only at the next publish. The TWAP, the OSM delay and the move breaker read the series.
 */
import { assert } from '../math/errors.js';
import { divRound, mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, RAY, WAD } from '../math/units.js';
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

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/** What a tripped breaker blocks. */
export type PauseScope = 'liquidations' | 'borrowing' | 'both';

/** Why a breaker tripped. */
export type BreakerCause = 'priceMove' | 'disagreement';

/** Price-move circuit breaker of one asset. */
export interface OracleBreakerConfig {
  /**
   * Largest allowed move of the aggregated price, in bps (1e4 = 100 %), measured against the
   * window's highest aggregated price for a fall and its lowest for a rise. A larger move trips.
   */
  readonly maxMoveBps: bigint;
  /** How far back the breaker looks for that highest/lowest price, in seconds. */
  readonly windowSeconds: number;
  /** What the tripped breaker blocks until `resetBreaker`. */
  readonly pauses: PauseScope;
}

/** Oracle setup of one asset. Prices are integers scaled by 10^`priceDecimals`. */
export interface OracleAssetConfig {
  /** Scale of prices for this asset, e.g. 8 for USD·1e8. */
  readonly priceDecimals: number;
  /** Source ids allowed to publish (others are refused). */
  readonly sources: readonly string[];
  /** Fresh sources needed for a price (1 ≤ minSources ≤ sources.length). */
  readonly minSources: number;
  /** An observation older than this many seconds is stale. */
  readonly staleAfterSeconds: number;
  /** (max − min) / median of the fresh prices above this many bps means the sources disagree. */
  readonly maxSpreadBps: bigint;
  /** TWAP window in seconds (time-weighted over the aggregated series). */
  readonly twapWindowSeconds: number;
  /**
   * 0 = no delay. Otherwise the OSM hop in seconds: the price used is the aggregated price read at
   * the previous hop boundary (Maker OSM `cur`), boundaries being multiples of `delaySeconds`.
   */
  readonly delaySeconds: number;
  /** Optional price-move breaker. */
  readonly breaker?: OracleBreakerConfig;
  /** When set, fresh sources disagreeing beyond `maxSpreadBps` trip the breaker with this scope. */
  readonly pauseOnDisagreement?: PauseScope;
  /**
   * After a feed outage (no fresh quorum) ends, liquidations are restricted and borrowing refused
   * for this many seconds, like Aave's PriceOracleSentinel. Absent or 0 = no grace period.
   */
  readonly outageGraceSeconds?: number;
}

/** Most sources one asset may list: bounds every per-publish scan. */
export const MAX_ORACLE_SOURCES = 64;
/** Longest window, delay, staleness or grace period accepted (366 days): bounds the history. */
export const MAX_ORACLE_WINDOW_SECONDS = 366 * 86_400;
/** Largest `priceDecimals` (uint256 has 78 decimal digits). */
export const MAX_PRICE_DECIMALS = 77;

/**
 * Health (WAD) below which a position may still be liquidated during the outage grace period.
 * Aave v3 `ValidationLogic.MINIMUM_HEALTH_FACTOR_LIQUIDATION_THRESHOLD = 0.95e18`
 * (aave-dao/aave-v3-origin src/contracts/protocol/libraries/logic/ValidationLogic.sol).
 */
export const SENTINEL_HEALTH_THRESHOLD_WAD: bigint = (95n * WAD) / 100n;

const PAUSE_SCOPES: readonly PauseScope[] = ['liquidations', 'borrowing', 'both'];
const CONFIG_KEYS: readonly string[] = [
  'priceDecimals',
  'sources',
  'minSources',
  'staleAfterSeconds',
  'maxSpreadBps',
  'twapWindowSeconds',
  'delaySeconds',
  'breaker',
  'pauseOnDisagreement',
  'outageGraceSeconds',
];
const BREAKER_KEYS: readonly string[] = ['maxMoveBps', 'windowSeconds', 'pauses'];

function requireRecord(raw: unknown, field: string): Readonly<Record<string, unknown>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidParameterError(field, 'must be an object');
  }
  return raw as Readonly<Record<string, unknown>>;
}

function rejectUnknownKeys(
  record: Readonly<Record<string, unknown>>,
  known: readonly string[],
  prefix: string,
) {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new InvalidParameterError(
        `${prefix}.${key}`,
        'is not a known setting',
        `Known: ${known.join(', ')}.`,
      );
    }
  }
}

function readInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidParameterError(field, `must be an integer, got ${String(value)}`);
  }
  if (value < min || value > max) {
    throw new InvalidParameterError(field, `must be in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** Accepts a bigint, a safe-integer number or a string of decimal digits (JSON has no bigint). */
function readBigint(value: unknown, field: string, min: bigint): bigint {
  let parsed: bigint;
  if (typeof value === 'bigint') parsed = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = BigInt(value);
  else if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) parsed = BigInt(value);
  else throw new InvalidParameterError(field, `must be an integer, got ${String(value)}`);
  if (parsed < min) throw new InvalidParameterError(field, `must be at least ${min}, got ${parsed}`);
  return parsed;
}

function readScope(value: unknown, field: string): PauseScope {
  const scope = PAUSE_SCOPES.find((s) => s === value);
  if (scope === undefined) {
    throw new InvalidParameterError(field, `must be one of ${PAUSE_SCOPES.join(', ')}, got ${String(value)}`);
  }
  return scope;
}

function readId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidParameterError(field, 'must be a non-empty string');
  }
  return value;
}

/**
 * Checks a raw oracle configuration (a config file section or a command field) and returns a
 * fresh, fully typed copy. Bps fields accept a bigint, an integer number or a decimal string.
 * @param raw the candidate configuration.
 * @param fieldPrefix dotted path of `raw` used in error fields, e.g. `oracles.ETH`.
 * @throws InvalidParameterError naming the offending field (e.g. `${fieldPrefix}.minSources`),
 *   including unknown fields.
 */
export function validateOracleConfig(raw: unknown, fieldPrefix: string): OracleAssetConfig {
  const r = requireRecord(raw, fieldPrefix);
  rejectUnknownKeys(r, CONFIG_KEYS, fieldPrefix);
  const f = (key: string): string => `${fieldPrefix}.${key}`;

  const priceDecimals = readInteger(r.priceDecimals, f('priceDecimals'), 0, MAX_PRICE_DECIMALS);
  const rawSources = r.sources;
  if (!Array.isArray(rawSources) || rawSources.length === 0 || rawSources.length > MAX_ORACLE_SOURCES) {
    throw new InvalidParameterError(f('sources'), `must be a list of 1 to ${MAX_ORACLE_SOURCES} source ids`);
  }
  const sources: string[] = [];
  for (const [i, s] of rawSources.entries()) {
    const id = readId(s, `${f('sources')}.${i}`);
    if (sources.includes(id)) throw new InvalidParameterError(`${f('sources')}.${i}`, `repeats "${id}"`);
    sources.push(id);
  }
  const minSources = readInteger(r.minSources, f('minSources'), 1, sources.length);
  const staleAfterSeconds = readInteger(
    r.staleAfterSeconds,
    f('staleAfterSeconds'),
    1,
    MAX_ORACLE_WINDOW_SECONDS,
  );
  const maxSpreadBps = readBigint(r.maxSpreadBps, f('maxSpreadBps'), 0n);
  const twapWindowSeconds = readInteger(
    r.twapWindowSeconds,
    f('twapWindowSeconds'),
    1,
    MAX_ORACLE_WINDOW_SECONDS,
  );
  const delaySeconds = readInteger(r.delaySeconds, f('delaySeconds'), 0, MAX_ORACLE_WINDOW_SECONDS);

  let config: OracleAssetConfig = {
    priceDecimals,
    sources,
    minSources,
    staleAfterSeconds,
    maxSpreadBps,
    twapWindowSeconds,
    delaySeconds,
  };
  if (r.breaker !== undefined) {
    const b = requireRecord(r.breaker, f('breaker'));
    rejectUnknownKeys(b, BREAKER_KEYS, f('breaker'));
    const breaker: OracleBreakerConfig = {
      maxMoveBps: readBigint(b.maxMoveBps, `${f('breaker')}.maxMoveBps`, 1n),
      windowSeconds: readInteger(
        b.windowSeconds,
        `${f('breaker')}.windowSeconds`,
        1,
        MAX_ORACLE_WINDOW_SECONDS,
      ),
      pauses: readScope(b.pauses, `${f('breaker')}.pauses`),
    };
    config = { ...config, breaker };
  }
  if (r.pauseOnDisagreement !== undefined) {
    config = { ...config, pauseOnDisagreement: readScope(r.pauseOnDisagreement, f('pauseOnDisagreement')) };
  }
  if (r.outageGraceSeconds !== undefined) {
    const grace = readInteger(r.outageGraceSeconds, f('outageGraceSeconds'), 0, MAX_ORACLE_WINDOW_SECONDS);
    config = { ...config, outageGraceSeconds: grace };
  }
  return config;
}

/**
 * How far back (seconds) the aggregated series must reach for every query:
 * max(twapWindowSeconds, 2·delaySeconds, breaker.windowSeconds). The OSM reads the series at the
 * previous hop boundary, which can be up to 2·delay − 1 seconds ago.
 */
export function oracleHistoryHorizonSeconds(config: OracleAssetConfig): number {
  return Math.max(config.twapWindowSeconds, 2 * config.delaySeconds, config.breaker?.windowSeconds ?? 0);
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/** The latest price one source published for an asset. */
export interface SourceObservation {
  /** Price scaled by 10^priceDecimals (> 0). */
  readonly price: bigint;
  /** When it was published (seconds). */
  readonly atSeconds: number;
}

/** One step of the aggregated series: the median of the fresh sources at a publish. */
export interface AggregatedPrice {
  /** When it was computed (seconds); strictly increasing along the series. */
  readonly atSeconds: number;
  /** Median of the fresh observations, scaled by 10^priceDecimals. */
  readonly price: bigint;
  /** How many fresh observations it was the median of (≥ minSources). */
  readonly freshSources: number;
  /**
   * Last second at which that quorum is still fresh if nobody publishes again (the
   * minSources-th newest fresh observation time + staleAfterSeconds, under the config then).
   */
  readonly liveUntilSeconds: number;
}

/** Circuit-breaker state of one asset. */
export interface BreakerState {
  readonly liquidationsPaused: boolean;
  readonly borrowingPaused: boolean;
  /** The most recent trip since the last reset, if any. */
  readonly lastTrip?: { readonly cause: BreakerCause; readonly atSeconds: number };
  /** Time of the last reset: the move check ignores aggregated prices replaced before it. */
  readonly resetAtSeconds?: number;
}

/**
 * Oracle state of one asset. Bounded: one observation per configured source (≤ 64), and the
 * aggregated series holds at most one point per second over the last
 * {@link oracleHistoryHorizonSeconds} seconds, plus one *anchor* point at or before that cutoff
 * (the value the step function holds at the start of the horizon). The anchor is the slack that
 * makes every query exact without keeping more: ≤ horizon + 2 points.
 */
export interface OracleAssetState {
  readonly config: OracleAssetConfig;
  /** source id → its latest observation. */
  readonly observations: Readonly<Record<string, SourceObservation>>;
  /** The aggregated series, ascending by time, one point per second at most. */
  readonly history: readonly AggregatedPrice[];
  readonly breaker: BreakerState;
  /** Last second of the current outage grace period (inclusive), if one was started. */
  readonly graceEndsAtSeconds?: number;
  /** Time of the latest event for this asset; commands and queries may not go before it. */
  readonly lastSeconds: number;
}

/** Oracle state of every configured asset: plain readonly data. */
export interface OracleState {
  readonly assets: Readonly<Record<string, OracleAssetState>>;
}

/** The state with no asset configured. */
export function emptyOracleState(): OracleState {
  return { assets: {} };
}

// ---------------------------------------------------------------------------------------------
// Events and commands
// ---------------------------------------------------------------------------------------------

/** An asset's oracle was configured (or reconfigured). */
export interface OracleConfigured {
  readonly type: 'OracleConfigured';
  readonly asset: string;
  readonly config: OracleAssetConfig;
  readonly atSeconds: number;
}
/** A source published a price. */
export interface PriceObserved {
  readonly type: 'PriceObserved';
  readonly asset: string;
  readonly source: string;
  /** Scaled by 10^priceDecimals. */
  readonly price: bigint;
  readonly atSeconds: number;
}
/** A publish found a fresh quorum: the aggregated series takes this value from `atSeconds`. */
export interface PriceAggregated {
  readonly type: 'PriceAggregated';
  readonly asset: string;
  /** Median of the fresh observations, scaled by 10^priceDecimals. */
  readonly price: bigint;
  readonly atSeconds: number;
  /** How many fresh observations the median was taken over. */
  readonly freshSources: number;
  /** Last second the quorum stays fresh without another publish (see {@link AggregatedPrice}). */
  readonly liveUntilSeconds: number;
}
/** A publish brought a down feed back up; the grace period (if configured) starts now. */
export interface FeedRecovered {
  readonly type: 'FeedRecovered';
  readonly asset: string;
  readonly atSeconds: number;
  /** Time of the last aggregated price before the outage. */
  readonly lastAggregatedAtSeconds: number;
  /** Last second of the grace period (inclusive); absent when no grace period is configured. */
  readonly graceEndsAtSeconds?: number;
}
/** A breaker tripped (or widened what it pauses). */
export interface BreakerTripped {
  readonly type: 'BreakerTripped';
  readonly asset: string;
  readonly cause: BreakerCause;
  /** What this trip pauses (the paused set is the union over trips since the last reset). */
  readonly pauses: PauseScope;
  readonly atSeconds: number;
  /** The measured move or spread in bps, floored (informational: the trip test is exact). */
  readonly observedBps: bigint;
  /** The configured limit it exceeded, in bps. */
  readonly limitBps: bigint;
}
/** An operator reset the breaker: nothing is paused and the move window restarts now. */
export interface BreakerReset {
  readonly type: 'BreakerReset';
  readonly asset: string;
  readonly atSeconds: number;
}

/** Every event of the oracle module. */
export type OracleEvent =
  | OracleConfigured
  | PriceObserved
  | PriceAggregated
  | FeedRecovered
  | BreakerTripped
  | BreakerReset;

/** Commands the oracle module decides on. */
export type OracleCommand =
  | { readonly type: 'configureOracle'; readonly asset: string; readonly config: OracleAssetConfig }
  | { readonly type: 'publishPrice'; readonly asset: string; readonly source: string; readonly price: bigint }
  | { readonly type: 'resetBreaker'; readonly asset: string };

/** The command type strings of {@link OracleCommand}. */
export const ORACLE_COMMANDS: readonly string[] = ['configureOracle', 'publishPrice', 'resetBreaker'];

const ORACLE_EVENT_TYPES: readonly string[] = [
  'OracleConfigured',
  'PriceObserved',
  'PriceAggregated',
  'FeedRecovered',
  'BreakerTripped',
  'BreakerReset',
];

/** True when `event` is one of the oracle module's events (by its `type`). */
export function isOracleEvent(event: { readonly type: string }): event is OracleEvent {
  return ORACLE_EVENT_TYPES.includes(event.type);
}

// ---------------------------------------------------------------------------------------------
// Pure helpers
// ---------------------------------------------------------------------------------------------

/** Own-property lookup, so ids such as `constructor` or `__proto__` are plain keys. */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function requireNow(nowSeconds: number): void {
  if (!Number.isSafeInteger(nowSeconds) || nowSeconds < 0) {
    throw new InvalidParameterError('nowSeconds', `must be a non-negative integer, got ${nowSeconds}`);
  }
}

/** Fresh observations at `nowSeconds` (age ≤ staleAfterSeconds), any order. */
function freshObservations(
  observations: Readonly<Record<string, SourceObservation>>,
  config: OracleAssetConfig,
  nowSeconds: number,
): SourceObservation[] {
  const fresh: SourceObservation[] = [];
  for (const source of config.sources) {
    const o = own(observations, source);
    if (o !== undefined && nowSeconds - o.atSeconds <= config.staleAfterSeconds) fresh.push(o);
  }
  return fresh;
}

/**
 * Median of a non-empty list of prices (> 0, any common scale). For an even count it is the
 * floor of the mean of the two middle values: Rounding.Down, at most one unit of the price scale
 * below the exact midpoint, which favours the protocol when the asset is collateral (it is never
 * over-valued by the rounding).
 * @throws InvalidParameterError when `prices` is empty; NegativeValueError on negative prices.
 */
export function medianPrice(prices: readonly bigint[]): bigint {
  if (prices.length === 0) throw new InvalidParameterError('prices', 'must not be empty');
  const sorted = [...prices].sort(compareBigint);
  const mid = sorted.length >> 1;
  const upper = sorted[mid]!;
  if (sorted.length % 2 === 1) return upper;
  return divRound(sorted[mid - 1]! + upper, 2n, Rounding.Down);
}

/**
 * Whether fresh prices disagree: exact test (max − min)·1e4 > maxSpreadBps·median (no rounding),
 * plus the spread in bps for display. Fewer than two prices never disagree.
 */
function disagrees(
  prices: readonly bigint[],
  maxSpreadBps: bigint,
): { exceeds: boolean; observedBps: bigint } {
  if (prices.length < 2) return { exceeds: false, observedBps: 0n };
  const sorted = [...prices].sort(compareBigint);
  const spread = sorted[sorted.length - 1]! - sorted[0]!;
  const median = medianPrice(sorted);
  return {
    exceeds: spread * BPS > maxSpreadBps * median,
    // Display only, Rounding.Down: reports the spread without overstating it.
    observedBps: mulDiv(spread, BPS, median, Rounding.Down),
  };
}

/** Index of the latest point with atSeconds ≤ t, or −1. Binary search (series is ascending). */
function lastIndexAtOrBefore(history: readonly AggregatedPrice[], t: number): number {
  let lo = 0;
  let hi = history.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (history[mid]!.atSeconds <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * Values the aggregated series took on [startSeconds, now]: the value held at `startSeconds`
 * (latest point at or before it) and every later point. Empty when the series starts after `now`.
 */
function seriesValuesSince(history: readonly AggregatedPrice[], startSeconds: number): bigint[] {
  const anchor = lastIndexAtOrBefore(history, startSeconds);
  return history.slice(Math.max(anchor, 0)).map((p) => p.price);
}

/** The series value at time t if the feed was up then (OSM `src.peek()` with `ok`), else none. */
function seriesReadAt(history: readonly AggregatedPrice[], t: number): AggregatedPrice | undefined {
  const i = lastIndexAtOrBefore(history, t);
  if (i < 0) return undefined;
  const point = history[i]!;
  return point.liveUntilSeconds >= t ? point : undefined;
}

/** What is paused, as two flags. */
interface Paused {
  readonly liquidations: boolean;
  readonly borrowing: boolean;
}

/** Union of what is paused with what `scope` pauses. */
function widen(paused: Paused, scope: PauseScope): Paused {
  return {
    liquidations: paused.liquidations || scope !== 'borrowing',
    borrowing: paused.borrowing || scope !== 'liquidations',
  };
}

// ---------------------------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------------------------

function requireConfiguredAsset(state: OracleState, asset: string): OracleAssetState {
  const a = own(state.assets, asset);
  if (a === undefined) throw new UnknownAssetError(asset);
  return a;
}

function requireNotBefore(a: OracleAssetState, nowSeconds: number): void {
  if (nowSeconds < a.lastSeconds) throw new ClockWentBackwardsError(a.lastSeconds, nowSeconds);
}

function decidePublish(
  state: OracleState,
  command: { readonly asset: string; readonly source: string; readonly price: bigint },
  nowSeconds: number,
): OracleEvent[] {
  const asset = readId(command.asset, 'asset');
  const a = requireConfiguredAsset(state, asset);
  const source = readId(command.source, 'source');
  const { config } = a;
  if (!config.sources.includes(source)) throw new UnknownOracleSourceError(asset, source, config.sources);
  // A bigint, or a decimal string / safe integer when the command was read from JSON.
  const price = readBigint(command.price as unknown, 'price', 1n);
  const previous = own(a.observations, source);
  if (previous !== undefined && nowSeconds < previous.atSeconds) {
    throw new OutOfOrderObservationError(asset, source, previous.atSeconds, nowSeconds);
  }
  requireNotBefore(a, nowSeconds);

  const events: OracleEvent[] = [{ type: 'PriceObserved', asset, source, price, atSeconds: nowSeconds }];
  const wasUp = freshObservations(a.observations, config, nowSeconds).length >= config.minSources;
  const observations = { ...a.observations, [source]: { price, atSeconds: nowSeconds } };
  const fresh = freshObservations(observations, config, nowSeconds);
  const freshPrices = fresh.map((o) => o.price);
  let paused: Paused = { liquidations: a.breaker.liquidationsPaused, borrowing: a.breaker.borrowingPaused };

  if (fresh.length >= config.minSources) {
    const aggregated = medianPrice(freshPrices);
    // The quorum lasts until its minSources-th newest observation goes stale.
    const timesNewestFirst = fresh.map((o) => o.atSeconds).sort((x, y) => y - x);
    const liveUntilSeconds = timesNewestFirst[config.minSources - 1]! + config.staleAfterSeconds;
    events.push({
      type: 'PriceAggregated',
      asset,
      price: aggregated,
      atSeconds: nowSeconds,
      freshSources: fresh.length,
      liveUntilSeconds,
    });

    const last = a.history[a.history.length - 1];
    if (!wasUp && last !== undefined) {
      // Aave PriceOracleSentinel._isUpAndGracePeriodPassed: grace has passed once
      // `now − startedAt > gracePeriod`, so the last second of grace is startedAt + gracePeriod.
      const grace = config.outageGraceSeconds ?? 0;
      events.push({
        type: 'FeedRecovered',
        asset,
        atSeconds: nowSeconds,
        lastAggregatedAtSeconds: last.atSeconds,
        ...(grace > 0 ? { graceEndsAtSeconds: nowSeconds + grace } : {}),
      });
    }

    const breaker = config.breaker;
    if (breaker !== undefined) {
      const windowStart = Math.max(nowSeconds - breaker.windowSeconds, a.breaker.resetAtSeconds ?? -Infinity);
      const values = seriesValuesSince(a.history, windowStart);
      if (values.length > 0) {
        const sorted = [...values].sort(compareBigint);
        const low = sorted[0]!;
        const high = sorted[sorted.length - 1]!;
        // A fall is measured from the window's high, a rise from its low; exact integer tests.
        const fallExceeds = (high - aggregated) * BPS > breaker.maxMoveBps * high;
        const riseExceeds = (aggregated - low) * BPS > breaker.maxMoveBps * low;
        if (fallExceeds || riseExceeds) {
          // Display only, Rounding.Down: reports the move without overstating it.
          const observedBps = fallExceeds
            ? mulDiv(high - aggregated, BPS, high, Rounding.Down)
            : mulDiv(aggregated - low, BPS, low, Rounding.Down);
          const next = widen(paused, breaker.pauses);
          if (next.liquidations !== paused.liquidations || next.borrowing !== paused.borrowing) {
            events.push({
              type: 'BreakerTripped',
              asset,
              cause: 'priceMove',
              pauses: breaker.pauses,
              atSeconds: nowSeconds,
              observedBps,
              limitBps: breaker.maxMoveBps,
            });
            paused = next;
          }
        }
      }
    }
  }

  if (config.pauseOnDisagreement !== undefined) {
    const { exceeds, observedBps } = disagrees(freshPrices, config.maxSpreadBps);
    if (exceeds) {
      const next = widen(paused, config.pauseOnDisagreement);
      if (next.liquidations !== paused.liquidations || next.borrowing !== paused.borrowing) {
        events.push({
          type: 'BreakerTripped',
          asset,
          cause: 'disagreement',
          pauses: config.pauseOnDisagreement,
          atSeconds: nowSeconds,
          observedBps,
          limitBps: config.maxSpreadBps,
        });
      }
    }
  }
  return events;
}

/**
 * Decides a command against the state at `nowSeconds` and returns the events it causes (possibly
 * none). Pure: the state is not touched; apply the events with {@link evolveOracle}.
 *
 * - `configureOracle` lists an asset or replaces its configuration (observations of sources no
 *   longer listed are dropped; history and breaker state are kept; `priceDecimals` may not change).
 * - `publishPrice` records `source`'s price (> 0, scaled by 10^priceDecimals; a bigint, or a
 *   decimal string when read from JSON) at `nowSeconds`; if a fresh quorum results it extends
 *   the aggregated series, may end an outage (starting the grace period) and may trip breakers.
 *   A breaker that already pauses what a trip would pause emits nothing new.
 * - `resetBreaker` un-pauses and restarts the move window at `nowSeconds`; no event when nothing
 *   is paused.
 * @param nowSeconds current time, integer seconds (≥ every earlier event time of the asset).
 * @throws InvalidParameterError (bad field, config or time), UnknownAssetError,
 *   UnknownOracleSourceError, OutOfOrderObservationError (a source publishing before its last
 *   observation), ClockWentBackwardsError (before the asset's last event), UnknownCommandError.
 */
export function decideOracle(
  state: OracleState,
  command: OracleCommand,
  nowSeconds: number,
): readonly OracleEvent[] {
  requireNow(nowSeconds);
  switch (command.type) {
    case 'configureOracle': {
      const asset = readId(command.asset, 'asset');
      const config = validateOracleConfig(command.config, 'config');
      const existing = own(state.assets, asset);
      if (existing !== undefined) {
        requireNotBefore(existing, nowSeconds);
        if (existing.config.priceDecimals !== config.priceDecimals) {
          throw new InvalidParameterError(
            'config.priceDecimals',
            `cannot change from ${existing.config.priceDecimals} once the asset is configured`,
            'Its price history is in the old scale; configure a new asset id instead.',
          );
        }
      }
      return [{ type: 'OracleConfigured', asset, config, atSeconds: nowSeconds }];
    }
    case 'publishPrice':
      return decidePublish(state, command, nowSeconds);
    case 'resetBreaker': {
      const asset = readId(command.asset, 'asset');
      const a = requireConfiguredAsset(state, asset);
      requireNotBefore(a, nowSeconds);
      if (!a.breaker.liquidationsPaused && !a.breaker.borrowingPaused) return [];
      return [{ type: 'BreakerReset', asset, atSeconds: nowSeconds }];
    }
    default: {
      const unknown: { readonly type: unknown } = command;
      throw new UnknownCommandError('oracle', String(unknown.type), ORACLE_COMMANDS);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// evolve
// ---------------------------------------------------------------------------------------------

/** Drops points older than the horizon, keeping the anchor (latest point at or before the cutoff). */
function pruneHistory(history: readonly AggregatedPrice[], config: OracleAssetConfig, nowSeconds: number) {
  const anchor = lastIndexAtOrBefore(history, nowSeconds - oracleHistoryHorizonSeconds(config));
  return anchor > 0 ? history.slice(anchor) : history;
}

function withAsset(state: OracleState, asset: string, next: OracleAssetState): OracleState {
  return { assets: { ...state.assets, [asset]: next } };
}

function assetForEvent(state: OracleState, event: OracleEvent): OracleAssetState {
  const a = own(state.assets, event.asset);
  assert(a !== undefined, `${event.type} for unconfigured asset ${event.asset}`);
  return a;
}

/**
 * Applies one event and returns the new state (input untouched). Events come from
 * {@link decideOracle}; replaying them from {@link emptyOracleState} rebuilds the same state.
 * Broken invariants (an event for an unconfigured asset) fail an assert.
 */
export function evolveOracle(state: OracleState, event: OracleEvent): OracleState {
  switch (event.type) {
    case 'OracleConfigured': {
      const existing = own(state.assets, event.asset);
      if (existing === undefined) {
        return withAsset(state, event.asset, {
          config: event.config,
          observations: {},
          history: [],
          breaker: { liquidationsPaused: false, borrowingPaused: false },
          lastSeconds: event.atSeconds,
        });
      }
      const observations = Object.fromEntries(
        Object.entries(existing.observations).filter(([source]) => event.config.sources.includes(source)),
      );
      return withAsset(state, event.asset, {
        ...existing,
        config: event.config,
        observations,
        history: pruneHistory(existing.history, event.config, event.atSeconds),
        lastSeconds: Math.max(existing.lastSeconds, event.atSeconds),
      });
    }
    case 'PriceObserved': {
      const a = assetForEvent(state, event);
      return withAsset(state, event.asset, {
        ...a,
        observations: {
          ...a.observations,
          [event.source]: { price: event.price, atSeconds: event.atSeconds },
        },
        lastSeconds: Math.max(a.lastSeconds, event.atSeconds),
      });
    }
    case 'PriceAggregated': {
      const a = assetForEvent(state, event);
      const point: AggregatedPrice = {
        atSeconds: event.atSeconds,
        price: event.price,
        freshSources: event.freshSources,
        liveUntilSeconds: event.liveUntilSeconds,
      };
      const last = a.history[a.history.length - 1];
      assert(last === undefined || last.atSeconds <= event.atSeconds, 'aggregated series out of order');
      // One point per second: a later publish in the same second replaces the earlier value.
      const kept =
        last !== undefined && last.atSeconds === event.atSeconds ? a.history.slice(0, -1) : a.history;
      return withAsset(state, event.asset, {
        ...a,
        history: pruneHistory([...kept, point], a.config, event.atSeconds),
        lastSeconds: Math.max(a.lastSeconds, event.atSeconds),
      });
    }
    case 'FeedRecovered': {
      const { graceEndsAtSeconds: _previous, ...a } = assetForEvent(state, event);
      const lastSeconds = Math.max(a.lastSeconds, event.atSeconds);
      return withAsset(
        state,
        event.asset,
        event.graceEndsAtSeconds === undefined
          ? { ...a, lastSeconds }
          : { ...a, lastSeconds, graceEndsAtSeconds: event.graceEndsAtSeconds },
      );
    }
    case 'BreakerTripped': {
      const a = assetForEvent(state, event);
      const next = widen(
        { liquidations: a.breaker.liquidationsPaused, borrowing: a.breaker.borrowingPaused },
        event.pauses,
      );
      return withAsset(state, event.asset, {
        ...a,
        breaker: {
          ...a.breaker,
          liquidationsPaused: next.liquidations,
          borrowingPaused: next.borrowing,
          lastTrip: { cause: event.cause, atSeconds: event.atSeconds },
        },
        lastSeconds: Math.max(a.lastSeconds, event.atSeconds),
      });
    }
    case 'BreakerReset': {
      const a = assetForEvent(state, event);
      return withAsset(state, event.asset, {
        ...a,
        breaker: { liquidationsPaused: false, borrowingPaused: false, resetAtSeconds: event.atSeconds },
        lastSeconds: Math.max(a.lastSeconds, event.atSeconds),
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/** A price as read by the engine. */
export interface PriceReading {
  /** Price scaled by 10^priceDecimals. */
  readonly price: bigint;
  readonly priceDecimals: number;
  /**
   * Spot: newest fresh observation time. TWAP: time of the latest aggregated point. Delayed:
   * time of the aggregated point the OSM read.
   */
  readonly observedAtSeconds: number;
  /** Fresh sources behind the price (for delayed readings: at the time of the point read). */
  readonly freshSources: number;
}

function assetForQuery(state: OracleState, asset: string, nowSeconds: number): OracleAssetState {
  requireNow(nowSeconds);
  const a = own(state.assets, asset);
  if (a === undefined) throw new StaleOraclePriceError(asset, 'no oracle is configured for it');
  requireNotBefore(a, nowSeconds);
  return a;
}

function freshQuorum(a: OracleAssetState, asset: string, nowSeconds: number): SourceObservation[] {
  const fresh = freshObservations(a.observations, a.config, nowSeconds);
  if (fresh.length < a.config.minSources) {
    throw new StaleOraclePriceError(
      asset,
      `${fresh.length} fresh source(s) at ${nowSeconds}, ${a.config.minSources} needed ` +
        `(stale after ${a.config.staleAfterSeconds} s)`,
    );
  }
  return fresh;
}

/**
 * Median of the fresh sources' prices at `nowSeconds` (even count: floor of the mean of the two
 * middle values).
 * @param nowSeconds integer seconds, not before the asset's last event.
 * @throws StaleOraclePriceError when the asset has no oracle or fewer than minSources are fresh;
 *   InvalidParameterError / ClockWentBackwardsError for a bad `nowSeconds`.
 */
export function spotPrice(state: OracleState, asset: string, nowSeconds: number): PriceReading {
  const a = assetForQuery(state, asset, nowSeconds);
  const fresh = freshQuorum(a, asset, nowSeconds);
  return {
    price: medianPrice(fresh.map((o) => o.price)),
    priceDecimals: a.config.priceDecimals,
    observedAtSeconds: Math.max(...fresh.map((o) => o.atSeconds)),
    freshSources: fresh.length,
  };
}

/**
 * Time-weighted average of the aggregated series over [now − twapWindowSeconds, now]: each value
 * weighs the seconds it held (piecewise constant, the value at the window start being the one
 * set at or before it). When the series starts inside the window the average covers only
 * [first point, now]; when that span is empty the latest aggregated price is returned.
 * Rounding.Down: the average is at most one unit below the exact mean, never above it, which
 * favours the protocol when the asset is collateral.
 * @throws StaleOraclePriceError when the asset has no oracle, has no aggregated price yet, or the
 *   feed is down now (a TWAP of a dead feed would keep reporting a price nobody updates);
 *   InvalidParameterError / ClockWentBackwardsError for a bad `nowSeconds`.
 */
export function twapPrice(state: OracleState, asset: string, nowSeconds: number): PriceReading {
  const a = assetForQuery(state, asset, nowSeconds);
  const fresh = freshQuorum(a, asset, nowSeconds);
  const { history } = a;
  const latest = history[history.length - 1];
  if (latest === undefined) throw new StaleOraclePriceError(asset, 'no aggregated price yet');
  const startSeconds = nowSeconds - a.config.twapWindowSeconds;
  const anchor = lastIndexAtOrBefore(history, startSeconds);
  const fromIndex = Math.max(anchor, 0);
  const clipSeconds = anchor >= 0 ? startSeconds : history[0]!.atSeconds;
  let weighted = 0n;
  let totalSeconds = 0n;
  for (let i = fromIndex; i < history.length; i++) {
    const segmentStart = Math.max(clipSeconds, history[i]!.atSeconds);
    const segmentEnd = history[i + 1]?.atSeconds ?? nowSeconds;
    if (segmentEnd > segmentStart) {
      const seconds = BigInt(segmentEnd - segmentStart);
      weighted += history[i]!.price * seconds;
      totalSeconds += seconds;
    }
  }
  return {
    price: totalSeconds === 0n ? latest.price : divRound(weighted, totalSeconds, Rounding.Down),
    priceDecimals: a.config.priceDecimals,
    observedAtSeconds: latest.atSeconds,
    freshSources: fresh.length,
  };
}

/** Start of the hop containing `nowSeconds` (Maker OSM `prev(ts) = ts − ts % hop`). */
function hopStart(nowSeconds: number, hopSeconds: number): number {
  return nowSeconds - (nowSeconds % hopSeconds);
}

function readingOf(point: AggregatedPrice, config: OracleAssetConfig): PriceReading {
  return {
    price: point.price,
    priceDecimals: config.priceDecimals,
    observedAtSeconds: point.atSeconds,
    freshSources: point.freshSources,
  };
}

/**
 * The price the protocol would use now. With `delaySeconds = 0` this is {@link spotPrice}.
 * Otherwise it models Maker's OSM (makerdao/osm src/osm.sol `poke`/`peek`) poked at every hop
 * boundary b = now − now % delaySeconds: each poke moves `nxt` into `cur` and reads the source
 * into `nxt`, so `cur` is the aggregated series value at b − delaySeconds. A poke whose source
 * read fails (no fresh quorum at that boundary) leaves a gap: Maker would keep the older `cur`,
 * this model refuses instead of serving a price older than one hop. The constructor's
 * `cur = nxt = first price` priming is not modelled: the first hop after the first price has no
 * delayed price.
 * @throws StaleOraclePriceError when the asset has no oracle, or the series had no fresh quorum
 *   at b − delaySeconds; InvalidParameterError / ClockWentBackwardsError for a bad `nowSeconds`.
 */
export function delayedPrice(state: OracleState, asset: string, nowSeconds: number): PriceReading {
  const a = assetForQuery(state, asset, nowSeconds);
  const hop = a.config.delaySeconds;
  if (hop === 0) return spotPrice(state, asset, nowSeconds);
  const readSeconds = hopStart(nowSeconds, hop) - hop;
  const cur = seriesReadAt(a.history, readSeconds);
  if (cur === undefined) {
    throw new StaleOraclePriceError(
      asset,
      `no aggregated price with a fresh quorum at ${readSeconds} (one hop ago)`,
    );
  }
  return readingOf(cur, a.config);
}

/**
 * The OSM's queued next price (`nxt`, Maker `peep()`): the aggregated series value at the current
 * hop boundary, which becomes the delayed price at the next boundary. `undefined` when there is no
 * delay or the series had no fresh quorum at that boundary.
 * @throws StaleOraclePriceError when the asset has no oracle; InvalidParameterError /
 *   ClockWentBackwardsError for a bad `nowSeconds`.
 */
export function nextDelayedPrice(
  state: OracleState,
  asset: string,
  nowSeconds: number,
): PriceReading | undefined {
  const a = assetForQuery(state, asset, nowSeconds);
  const hop = a.config.delaySeconds;
  if (hop === 0) return undefined;
  const nxt = seriesReadAt(a.history, hopStart(nowSeconds, hop));
  return nxt === undefined ? undefined : readingOf(nxt, a.config);
}

/**
 * Maker ClipperMom's permissionless trip condition (makerdao/clipper-mom src/ClipperMom.sol
 * `tripBreaker`): `nxt < rmul(cur, tolerance)`, where rmul floors. False when `cur` or `nxt` is
 * unavailable (ClipperMom reverts `ClipperMom/invalid-cur-price` / `invalid-nxt-price` then).
 * @param toleranceRay fraction of `cur` below which `nxt` trips, RAY-scaled (0.5e27 = 50 %), ≤ 1 RAY.
 * @throws InvalidParameterError when toleranceRay is outside [0, RAY]; StaleOraclePriceError when
 *   the asset has no oracle.
 */
export function osmNextBelowTolerance(
  state: OracleState,
  asset: string,
  nowSeconds: number,
  toleranceRay: bigint,
): boolean {
  if (toleranceRay < 0n || toleranceRay > RAY) {
    throw new InvalidParameterError('toleranceRay', `must be in [0, 1e27], got ${toleranceRay}`);
  }
  const nxt = nextDelayedPrice(state, asset, nowSeconds);
  if (nxt === undefined) return false;
  let cur: PriceReading;
  try {
    cur = delayedPrice(state, asset, nowSeconds);
  } catch (error) {
    if (error instanceof StaleOraclePriceError) return false;
    throw error;
  }
  // ClipperMom rmul: mul(cur, tolerance) / RAY, Rounding.Down (a lower bar: favours not tripping).
  return nxt.price < mulDiv(cur.price, toleranceRay, RAY, Rounding.Down);
}

/** Oracle health of one asset at a time. */
export interface OracleStatus {
  /** Fewer than minSources fresh observations: the feed is down. */
  readonly stale: boolean;
  /** At least two fresh sources and (max − min)/median > maxSpreadBps. */
  readonly disagreement: boolean;
  /** A tripped breaker pauses liquidations (until resetBreaker). */
  readonly liquidationsPaused: boolean;
  /** Borrowing is refused: a tripped breaker pauses it, or the outage grace period is running. */
  readonly borrowingPaused: boolean;
  /** A tripped breaker (not the grace period) pauses borrowing (until resetBreaker). */
  readonly breakerPausesBorrowing: boolean;
  /** The grace period after an outage is running: only unhealthy enough positions are liquidatable. */
  readonly inGracePeriod: boolean;
  /** Last second of the grace period (inclusive), present while it runs. */
  readonly graceEndsAtSeconds?: number;
  /** Fresh observations now. */
  readonly freshSources: number;
}

/**
 * Status of an asset's oracle at `nowSeconds`.
 * @throws StaleOraclePriceError when the asset has no oracle; InvalidParameterError /
 *   ClockWentBackwardsError for a bad `nowSeconds`.
 */
export function oracleStatus(state: OracleState, asset: string, nowSeconds: number): OracleStatus {
  const a = assetForQuery(state, asset, nowSeconds);
  const fresh = freshObservations(a.observations, a.config, nowSeconds);
  const graceEnds = a.graceEndsAtSeconds;
  const inGracePeriod = graceEnds !== undefined && nowSeconds <= graceEnds;
  const status: OracleStatus = {
    stale: fresh.length < a.config.minSources,
    disagreement: disagrees(
      fresh.map((o) => o.price),
      a.config.maxSpreadBps,
    ).exceeds,
    liquidationsPaused: a.breaker.liquidationsPaused,
    borrowingPaused: a.breaker.borrowingPaused || inGracePeriod,
    breakerPausesBorrowing: a.breaker.borrowingPaused,
    inGracePeriod,
    freshSources: fresh.length,
  };
  return inGracePeriod ? { ...status, graceEndsAtSeconds: graceEnds } : status;
}

function breakerDetail(a: OracleAssetState): string {
  const trip = a.breaker.lastTrip;
  const what =
    trip === undefined ? 'breaker tripped' : `breaker tripped by ${trip.cause} at ${trip.atSeconds}`;
  return `${what}; an operator must reset it`;
}

/**
 * Refuses a liquidation the oracle state does not allow. During the outage grace period only a
 * position with `healthWad < graceHealthThresholdWad` may be liquidated (Aave v3
 * ValidationLogic.validateLiquidationCall with PriceOracleSentinel; default threshold 0.95e18).
 * @param options.healthWad the position's health factor, WAD; omitted = not allowed during grace.
 * @param options.graceHealthThresholdWad WAD, default {@link SENTINEL_HEALTH_THRESHOLD_WAD}.
 * @throws StaleOraclePriceError when the asset has no oracle or its feed is down;
 *   CircuitBreakerError when a breaker pauses liquidations or the grace period blocks this one.
 */
export function requireLiquidationAllowed(
  state: OracleState,
  asset: string,
  nowSeconds: number,
  options: { readonly healthWad?: bigint; readonly graceHealthThresholdWad?: bigint } = {},
): void {
  const a = assetForQuery(state, asset, nowSeconds);
  freshQuorum(a, asset, nowSeconds);
  if (a.breaker.liquidationsPaused) throw new CircuitBreakerError('Liquidation', asset, breakerDetail(a));
  const graceEnds = a.graceEndsAtSeconds;
  if (graceEnds !== undefined && nowSeconds <= graceEnds) {
    const threshold = options.graceHealthThresholdWad ?? SENTINEL_HEALTH_THRESHOLD_WAD;
    if (options.healthWad === undefined || options.healthWad >= threshold) {
      throw new CircuitBreakerError(
        'Liquidation',
        asset,
        `outage grace period until ${graceEnds}: only positions with health below ${threshold} (WAD)`,
      );
    }
  }
}

/**
 * Refuses new borrowing against or of `asset` when the oracle state does not allow it: a breaker
 * pausing borrowing, or the outage grace period (Aave PriceOracleSentinel.isBorrowAllowed is false
 * until the grace period has passed).
 * @throws StaleOraclePriceError when the asset has no oracle or its feed is down;
 *   CircuitBreakerError when paused.
 */
export function requireBorrowAllowed(state: OracleState, asset: string, nowSeconds: number): void {
  const a = assetForQuery(state, asset, nowSeconds);
  freshQuorum(a, asset, nowSeconds);
  if (a.breaker.borrowingPaused) throw new CircuitBreakerError('Borrowing', asset, breakerDetail(a));
  const graceEnds = a.graceEndsAtSeconds;
  if (graceEnds !== undefined && nowSeconds <= graceEnds) {
    throw new CircuitBreakerError('Borrowing', asset, `outage grace period until ${graceEnds}`);
  }
}
