/**
 * Price feeds for a live server: a `timestamp,price` CSV (read by src/sim/csv.ts) replayed as
 * `publishPrice` commands at a chosen speed, through the same host path (and journal) as any
 * client's command. The CSV's times set the pace only; each publication carries the server's time.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';
import { Rounding } from '../math/mulDiv.js';
import { parsePriceCsv } from '../sim/csv.js';
import { floatToScaledInteger, type PricePath } from '../sim/paths.js';
import type { EngineHost } from './host.js';

/** One feed: an asset, its source id in the oracle configuration, and its price path. */
export interface FeedSpec {
  readonly asset: string;
  /** Oracle source id the prices are published as (must be in the asset's `sources`). */
  readonly source: string;
  /** Points in strictly increasing time (unix seconds, float prices in USD per unit). */
  readonly points: PricePath;
  /** Where the points came from (file path), for logs. */
  readonly origin: string;
}

/** Where a running feed stands. */
export interface FeedStatus {
  readonly asset: string;
  readonly source: string;
  readonly origin: string;
  /** Points published (accepted) and refused so far, of `total`. */
  readonly published: number;
  readonly refused: number;
  readonly total: number;
  /** The last price the feed sent (float, as in the CSV) and its CSV time, when any. */
  readonly lastPrice?: number;
  readonly lastCsvSeconds?: number;
  /** Code of the last refusal (`NotConfigured`, `UnknownOracleSource`, ...), when any. */
  readonly lastError?: string;
  readonly done: boolean;
}

/** Minimal logger the feed reports to (pino's shape). */
export interface FeedLogger {
  warn(object: Record<string, unknown>, message: string): void;
  info(object: Record<string, unknown>, message: string): void;
}

/**
 * Reads a feed argument `ASSET=file.csv` once the file's text is loaded.
 * @throws InvalidParameterError (`--feed`) for a malformed spec; CsvError for a bad file.
 */
export function parseFeed(spec: string, text: string, source: string): FeedSpec {
  const match = /^([^=\s]+)=(.+)$/.exec(spec);
  if (match === null) {
    throw new InvalidParameterError('--feed', `expected ASSET=file.csv, got "${spec}"`);
  }
  const path = match[2] as string;
  return {
    asset: match[1] as string,
    source,
    points: parsePriceCsv(text, { sourceName: path }).points,
    origin: path,
  };
}

/** A feed being replayed; stop it with {@link RunningFeed.stop}. */
export interface RunningFeed {
  status(): FeedStatus;
  stop(): void;
  /** Resolves when every point was sent or the feed was stopped. */
  readonly finished: Promise<void>;
}

/**
 * Replays `spec` into `host`: the first point at once, each next one after its CSV gap divided by
 * `speed` (60 = one CSV minute per second). A point for an asset whose oracle is not configured
 * yet, or that the engine refuses, is logged and skipped.
 * @param speed CSV seconds per wall-clock second (> 0, finite).
 * @throws InvalidParameterError (`--feed-speed`) for a bad speed.
 */
export function startFeed(options: {
  readonly host: EngineHost;
  readonly spec: FeedSpec;
  readonly speed: number;
  readonly logger: FeedLogger;
}): RunningFeed {
  const { host, spec, speed, logger } = options;
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new InvalidParameterError('--feed-speed', `must be a number > 0, got ${speed}`);
  }
  let index = 0;
  let published = 0;
  let refused = 0;
  let lastPrice: number | undefined;
  let lastCsvSeconds: number | undefined;
  let lastError: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => {
    resolveFinished = resolve;
  });
  // `done` is true only once the last point's command has been answered (applied or refused):
  // the index moves before the await, so it cannot tell on its own.
  const finish = (): void => {
    ended = true;
    resolveFinished();
  };

  const publishNext = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    const point = spec.points[index];
    if (point === undefined) {
      finish();
      return;
    }
    index += 1;
    const oracle = host.state.oracle.assets[spec.asset];
    try {
      if (oracle === undefined) {
        throw new InvalidParameterError('asset', `${spec.asset} has no oracle configured yet`);
      }
      const price = floatToScaledInteger(point.price, {
        priceDecimals: oracle.config.priceDecimals,
        // HalfUp: the nearest integer price; the CSV's float is itself a rounded quote.
        rounding: Rounding.HalfUp,
      });
      await host.submit({
        command: { type: 'publishPrice', asset: spec.asset, source: spec.source, price: price.toString() },
        actor: `feed:${spec.asset}`,
      });
      published += 1;
      lastPrice = point.price;
      lastCsvSeconds = point.tSeconds;
    } catch (error) {
      if (!(error instanceof SolventError)) throw error;
      refused += 1;
      lastError = error.code;
      logger.warn({ asset: spec.asset, code: error.code, csvSeconds: point.tSeconds }, error.shortMessage);
      if (host.failed) {
        stopped = true;
        finish();
        return;
      }
    }
    const next = spec.points[index];
    if (next === undefined || stopped) {
      logger.info({ asset: spec.asset, published, refused }, 'price feed finished');
      finish();
      return;
    }
    const delayMs = Math.max(0, ((next.tSeconds - point.tSeconds) / speed) * 1000);
    timer = setTimeout(() => void publishNext(), delayMs);
  };
  timer = setTimeout(() => void publishNext(), 0);

  return {
    finished,
    status: () => ({
      asset: spec.asset,
      source: spec.source,
      origin: spec.origin,
      published,
      refused,
      total: spec.points.length,
      ...(lastPrice === undefined ? {} : { lastPrice }),
      ...(lastCsvSeconds === undefined ? {} : { lastCsvSeconds }),
      ...(lastError === undefined ? {} : { lastError }),
      done: ended,
    }),
    stop: () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      finish();
    },
  };
}
