/**
 * The oracle publications a real feed would make from a market price path: each source runs a
 * Chainlink-style heartbeat plus deviation trigger on its own (noisy, possibly manipulated) view of
 * the market, its rounds land after a fixed reporting delay, and outage windows drop them. The
 * output is a time-sorted list of integer prices ready to be sent as the engine's `publishPrice`
 * commands, and {@link oracleConfigFor} builds the matching `configureOracle` config.
 */
import { InvalidParameterError } from '../engine/errors.js';
import {
  MAX_ORACLE_SOURCES,
  MAX_PRICE_DECIMALS,
  type OracleAssetConfig,
  type OracleBreakerConfig,
  type OracleCommand,
  type PauseScope,
  validateOracleConfig,
} from '../engine/oracle.js';
import { assert } from '../math/errors.js';
import type { Rounding } from '../math/mulDiv.js';
import { floatToScaledInteger, type PricePath, type PricePoint } from './paths.js';
import { type Rng, withRng } from './rng.js';

/** A half-open time window [fromSeconds, toSeconds), optionally limited to some sources. */
export interface FeedWindow {
  /** Start of the window, seconds on the path's clock (inclusive). */
  readonly fromSeconds: number;
  /** End of the window, seconds (exclusive; > fromSeconds). */
  readonly toSeconds: number;
  /** Sources affected (ids from the feed's `sources`); absent = every source. */
  readonly sources?: readonly string[];
}

/**
 * A feed outage: no round of an affected source *lands* (publication time, after the reporting
 * delay) inside the window. A dropped round is lost, as a relayer transaction that never got in:
 * the source still holds its last delivered price, so its heartbeat or deviation fires again at
 * the first observation whose round lands after the window.
 */
export type FeedOutage = FeedWindow;

/**
 * A manipulated spike: while the *observation* time is in the window, the affected sources see
 * `multiple` × the market price (e.g. 1.5 for a +50 % pump, 0.2 for a −80 % wick). The deviation
 * trigger then publishes it like any other move.
 */
export interface FeedSpike extends FeedWindow {
  /** Factor applied to the market price (> 0, finite). */
  readonly multiple: number;
}

/** How the feed behaves; see {@link oracleFeed}. */
export interface OracleFeedParams {
  /** Asset id, copied into every publication (the engine's asset id). */
  readonly asset: string;
  /** Source ids, 1 to {@link MAX_ORACLE_SOURCES}, unique; each publishes independently. */
  readonly sources: readonly string[];
  /** A source publishes when this many seconds have passed since its last delivered round (> 0). */
  readonly heartbeatSeconds: number;
  /**
   * A source publishes when |p / last − 1| ≥ deviationBps / 1e4, tested exactly on the integer
   * prices (|p − last|·1e4 ≥ deviationBps·last). A non-negative integer; 0 publishes every observation.
   */
  readonly deviationBps: number;
  /** Fixed reporting delay: a round observed at t lands at t + delaySeconds (≥ 0, default 0). */
  readonly delaySeconds?: number;
  /**
   * Standard deviation of each source's independent noise, in bps of the price (≥ 0, ≤ 1e4,
   * default 0): a source sees price × exp(noiseBps/1e4 · z), z ~ N(0, 1) drawn per source per
   * observation.
   */
  readonly noiseBps?: number;
  /** Outage windows (on publication time); default none. */
  readonly outages?: readonly FeedOutage[];
  /** Manipulated spikes (on observation time); default none. Overlapping spikes multiply. */
  readonly spikes?: readonly FeedSpike[];
  /** Decimals of the integer price (8 for Chainlink USD feeds), 0 to {@link MAX_PRICE_DECIMALS}. */
  readonly priceDecimals: number;
  /** Rounding of price × 10^priceDecimals to an integer (see `floatToScaledInteger`). */
  readonly rounding: Rounding;
}

/** Why a round was published: a source's first, a deviation (checked first) or a heartbeat. */
export type PublicationTrigger = 'first' | 'deviation' | 'heartbeat';

/** One publication, the payload of an engine `publishPrice` command at `tSeconds`. */
export interface OraclePublication {
  /** When the round lands on chain, seconds: observedAtSeconds + delaySeconds. */
  readonly tSeconds: number;
  readonly asset: string;
  readonly source: string;
  /** The source's price × 10^priceDecimals, rounded as asked (> 0). */
  readonly price: bigint;
  /** The path time the source observed the price at, seconds. */
  readonly observedAtSeconds: number;
  readonly trigger: PublicationTrigger;
}

/** Publications and the generator state after the noise draws. */
export interface OracleFeedResult {
  /** Sorted by tSeconds; ties in the order of `sources`. */
  readonly publications: readonly OraclePublication[];
  readonly rng: Rng;
}

/** Deviation thresholds are compared against 1e4 bps. */
const BPS_BIG = 10_000n;

function requireFinite(value: number, field: string, min: number, strictlyAbove = false): void {
  const ok = Number.isFinite(value) && (strictlyAbove ? value > min : value >= min);
  if (!ok) {
    const bound = strictlyAbove ? `greater than ${min}` : `at least ${min}`;
    throw new InvalidParameterError(field, `must be a finite number ${bound}, got ${value}`);
  }
}

function requireSources(sources: readonly string[]): void {
  if (!Array.isArray(sources) || sources.length === 0 || sources.length > MAX_ORACLE_SOURCES) {
    throw new InvalidParameterError('sources', `must list 1 to ${MAX_ORACLE_SOURCES} source ids`);
  }
  const seen = new Set<string>();
  for (const [i, s] of sources.entries()) {
    if (typeof s !== 'string' || s.length === 0) {
      throw new InvalidParameterError(`sources[${i}]`, 'must be a non-empty string');
    }
    if (seen.has(s)) throw new InvalidParameterError(`sources[${i}]`, `repeats "${s}"`);
    seen.add(s);
  }
}

function requirePath(path: PricePath): void {
  if (path.length === 0) throw new InvalidParameterError('path', 'must hold at least one point');
  for (let i = 0; i < path.length; i++) {
    const p = path[i] as PricePoint;
    if (!Number.isFinite(p.tSeconds)) {
      throw new InvalidParameterError(`path[${i}].tSeconds`, `must be finite, got ${p.tSeconds}`);
    }
    if (i > 0 && !(p.tSeconds > (path[i - 1] as PricePoint).tSeconds)) {
      throw new InvalidParameterError(`path[${i}].tSeconds`, 'must be after the point before it');
    }
    if (!Number.isFinite(p.price) || !(p.price > 0)) {
      throw new InvalidParameterError(`path[${i}].price`, `must be a positive finite number, got ${p.price}`);
    }
  }
}

/** Per window, the set of affected source indexes (all when the window names none). */
function windowMasks(
  windows: readonly FeedWindow[],
  sources: readonly string[],
  field: string,
): readonly boolean[][] {
  return windows.map((w, i) => {
    const f = `${field}[${i}]`;
    requireFinite(w.fromSeconds, `${f}.fromSeconds`, Number.NEGATIVE_INFINITY);
    if (!Number.isFinite(w.toSeconds) || !(w.toSeconds > w.fromSeconds)) {
      throw new InvalidParameterError(
        `${f}.toSeconds`,
        `must be finite and after fromSeconds (${w.fromSeconds})`,
      );
    }
    if (w.sources === undefined) return sources.map(() => true);
    if (w.sources.length === 0)
      throw new InvalidParameterError(`${f}.sources`, 'must not be empty (omit it for all)');
    const mask = sources.map(() => false);
    for (const [j, s] of w.sources.entries()) {
      const k = sources.indexOf(s);
      if (k < 0) {
        throw new InvalidParameterError(`${f}.sources[${j}]`, `"${s}" is not one of the feed's sources`);
      }
      mask[k] = true;
    }
    return mask;
  });
}

function inWindow(w: FeedWindow, tSeconds: number): boolean {
  return tSeconds >= w.fromSeconds && tSeconds < w.toSeconds;
}

/**
 * Turns a market price path into the publications of a feed with one or more sources. At every
 * path observation each source, in `sources` order, computes its view of the price (market ×
 * active spike multiples × its own noise), converts it exactly to an integer with
 * `floatToScaledInteger`, and publishes when it has never delivered a round (`first`), when the
 * integer moved by at least `deviationBps` from its last delivered price (`deviation`), or when at
 * least `heartbeatSeconds` passed since the observation of its last delivered round (`heartbeat`).
 * Triggers are only evaluated at path times, so a heartbeat fires at the first observation at or
 * after it is due (resample the path finer for finer timing). The round lands at
 * `t + delaySeconds` unless an outage covers that time, in which case it is lost.
 *
 * Noise: exactly `path.length × sources.length` normals are drawn (observation-major, in source
 * order), whether or not noise is on, so the state after the draws does not depend on the
 * parameters. The engine wants integer seconds: integer path times and delay give integer
 * `tSeconds`.
 * @param rng the generator for the noise.
 * @param path market prices in quote units at strictly increasing times (seconds).
 * @throws InvalidParameterError naming the field (`asset`, `sources[i]`, `heartbeatSeconds`,
 *   `deviationBps`, `delaySeconds`, `noiseBps`, `outages[i].toSeconds`, `spikes[i].multiple`,
 *   `priceDecimals`, `path[i].price`, ...), including a price that rounds to 0 at `priceDecimals`.
 */
export function oracleFeed(rng: Rng, path: PricePath, params: OracleFeedParams): OracleFeedResult {
  const { asset, sources, heartbeatSeconds, deviationBps, rounding } = params;
  if (typeof asset !== 'string' || asset.length === 0) {
    throw new InvalidParameterError('asset', 'must be a non-empty string');
  }
  requireSources(sources);
  requireFinite(heartbeatSeconds, 'heartbeatSeconds', 0, true);
  if (!Number.isSafeInteger(deviationBps) || deviationBps < 0) {
    throw new InvalidParameterError('deviationBps', `must be a non-negative integer, got ${deviationBps}`);
  }
  const delaySeconds = params.delaySeconds ?? 0;
  requireFinite(delaySeconds, 'delaySeconds', 0);
  const noiseBps = params.noiseBps ?? 0;
  requireFinite(noiseBps, 'noiseBps', 0);
  if (noiseBps > 10_000)
    throw new InvalidParameterError('noiseBps', `must be at most 10000, got ${noiseBps}`);
  const { priceDecimals } = params;
  if (!Number.isSafeInteger(priceDecimals) || priceDecimals < 0 || priceDecimals > MAX_PRICE_DECIMALS) {
    throw new InvalidParameterError(
      'priceDecimals',
      `must be an integer in [0, ${MAX_PRICE_DECIMALS}], got ${priceDecimals}`,
    );
  }
  requirePath(path);
  const outages = params.outages ?? [];
  const spikes = params.spikes ?? [];
  const outageMasks = windowMasks(outages, sources, 'outages');
  const spikeMasks = windowMasks(spikes, sources, 'spikes');
  for (const [i, s] of spikes.entries()) requireFinite(s.multiple, `spikes[${i}].multiple`, 0, true);

  const noiseSd = noiseBps / 10_000;
  const deviation = BigInt(deviationBps);
  const conversion = { priceDecimals, rounding };
  // Last delivered round of each source: its integer price and observation time.
  const last: ({ readonly price: bigint; readonly observedAtSeconds: number } | undefined)[] = sources.map(
    () => undefined,
  );

  const drawn = withRng(rng, (draw) => {
    const publications: OraclePublication[] = [];
    for (let i = 0; i < path.length; i++) {
      const point = path[i] as PricePoint;
      const t = point.tSeconds;
      const landsAt = t + delaySeconds;
      for (let k = 0; k < sources.length; k++) {
        const z = draw.normal();
        let view = point.price;
        for (let w = 0; w < spikes.length; w++) {
          const spike = spikes[w] as FeedSpike;
          if ((spikeMasks[w] as boolean[])[k] && inWindow(spike, t)) view *= spike.multiple;
        }
        if (noiseSd > 0) view *= Math.exp(noiseSd * z);
        if (!Number.isFinite(view)) {
          throw new InvalidParameterError(
            `path[${i}].price`,
            `the view of ${sources[k]} overflows (${view})`,
          );
        }
        const price = floatToScaledInteger(view, conversion);
        if (price <= 0n) {
          throw new InvalidParameterError(
            'priceDecimals',
            `${sources[k]}'s price ${view} at path[${i}] rounds to 0 at ${priceDecimals} decimals`,
            'Use more price decimals for a cheap asset.',
          );
        }
        const previous = last[k];
        let trigger: PublicationTrigger | undefined;
        if (previous === undefined) trigger = 'first';
        else {
          const move = price > previous.price ? price - previous.price : previous.price - price;
          // Exact: |p − last| / last ≥ deviationBps / 1e4 without dividing.
          if (move * BPS_BIG >= deviation * previous.price) trigger = 'deviation';
          else if (t - previous.observedAtSeconds >= heartbeatSeconds) trigger = 'heartbeat';
        }
        if (trigger === undefined) continue;
        const dropped = outages.some((o, w) => (outageMasks[w] as boolean[])[k] && inWindow(o, landsAt));
        if (dropped) continue;
        const source = sources[k] as string;
        publications.push({ tSeconds: landsAt, asset, source, price, observedAtSeconds: t, trigger });
        last[k] = { price, observedAtSeconds: t };
      }
    }
    return publications;
  });
  // Observation-major order with one fixed delay is already sorted by landing time.
  for (let i = 1; i < drawn.value.length; i++) {
    assert(
      (drawn.value[i] as OraclePublication).tSeconds >= (drawn.value[i - 1] as OraclePublication).tSeconds,
      'publications are sorted by time',
    );
  }
  return { publications: drawn.value, rng: drawn.rng };
}

/** A publication as an engine command and the time to decide it at. */
export interface TimedOracleCommand {
  /** Engine time, seconds (the publication's `tSeconds`). */
  readonly nowSeconds: number;
  readonly command: OracleCommand;
}

/**
 * The engine `publishPrice` commands of a list of publications, in the same order.
 * Never throws.
 */
export function toPublishCommands(publications: readonly OraclePublication[]): TimedOracleCommand[] {
  return publications.map((p) => ({
    nowSeconds: p.tSeconds,
    command: { type: 'publishPrice', asset: p.asset, source: p.source, price: p.price },
  }));
}

/**
 * Merges several assets' publication lists into one list sorted by time; ties keep the order of
 * the lists, then each list's own order (a stable merge). Never throws.
 */
export function mergePublications(lists: readonly (readonly OraclePublication[])[]): OraclePublication[] {
  const tagged = lists.flatMap((list, l) => list.map((p, i) => ({ p, l, i })));
  tagged.sort((a, b) => a.p.tSeconds - b.p.tSeconds || a.l - b.l || a.i - b.i);
  return tagged.map((x) => x.p);
}

/** Engine-side settings of {@link oracleConfigFor} that the feed does not determine. */
export interface OracleConfigForOptions {
  /** Fresh sources needed (default: a majority, ⌊n/2⌋ + 1). */
  readonly minSources?: number;
  /**
   * Added to the heartbeat for `staleAfterSeconds` (non-negative integer, default 60). Raise it to
   * at least the path step when the step does not divide the heartbeat, since a heartbeat fires
   * only at path times.
   */
  readonly slackSeconds?: number;
  /** The engine's OSM hop, `delaySeconds` (0 = no OSM; 3600 for Maker's OSM). Default 0. */
  readonly osmDelaySeconds?: number;
  /** Source disagreement threshold, bps (default 500n). */
  readonly maxSpreadBps?: bigint;
  /** TWAP window, seconds (default 1800). */
  readonly twapWindowSeconds?: number;
  readonly breaker?: OracleBreakerConfig;
  readonly pauseOnDisagreement?: PauseScope;
  readonly outageGraceSeconds?: number;
}

/** Default slack over the heartbeat before a source counts as stale, seconds. */
export const DEFAULT_STALE_SLACK_SECONDS = 60;

/**
 * The engine `configureOracle` config matching a feed: its sources and price decimals,
 * `staleAfterSeconds = ⌈heartbeatSeconds⌉ + slackSeconds` (so a source that keeps its heartbeat is
 * never stale, and one silenced by an outage goes stale one slack after its heartbeat was due),
 * and `delaySeconds` = the OSM hop. The reporting delay needs no setting: staleness is measured
 * from landing times, which keep the heartbeat spacing.
 * @throws InvalidParameterError naming the field: `heartbeatSeconds`, `slackSeconds`, or
 *   `oracleConfig.<field>` from the engine's own validation (e.g. `oracleConfig.minSources`).
 */
export function oracleConfigFor(
  feed: Pick<OracleFeedParams, 'sources' | 'heartbeatSeconds' | 'priceDecimals'>,
  options: OracleConfigForOptions = {},
): OracleAssetConfig {
  requireSources(feed.sources);
  requireFinite(feed.heartbeatSeconds, 'heartbeatSeconds', 0, true);
  const slackSeconds = options.slackSeconds ?? DEFAULT_STALE_SLACK_SECONDS;
  if (!Number.isSafeInteger(slackSeconds) || slackSeconds < 0) {
    throw new InvalidParameterError('slackSeconds', `must be a non-negative integer, got ${slackSeconds}`);
  }
  const raw: Record<string, unknown> = {
    priceDecimals: feed.priceDecimals,
    sources: [...feed.sources],
    minSources: options.minSources ?? Math.floor(feed.sources.length / 2) + 1,
    staleAfterSeconds: Math.ceil(feed.heartbeatSeconds) + slackSeconds,
    maxSpreadBps: options.maxSpreadBps ?? 500n,
    twapWindowSeconds: options.twapWindowSeconds ?? 1800,
    delaySeconds: options.osmDelaySeconds ?? 0,
  };
  if (options.breaker !== undefined) raw.breaker = options.breaker;
  if (options.pauseOnDisagreement !== undefined) raw.pauseOnDisagreement = options.pauseOnDisagreement;
  if (options.outageGraceSeconds !== undefined) raw.outageGraceSeconds = options.outageGraceSeconds;
  return validateOracleConfig(raw, 'oracleConfig');
}
