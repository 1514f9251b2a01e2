/**
 * The GMX v2 model's own state (positions, per-market open interest, borrowing and ADL state, the
 * position impact pool), its events and their fold, the bucket names of its ledger mapping, and
 * the oracle reads converted to GMX prices (USD·1e30 per smallest token unit).
 */
import type { EngineState } from '../../engine/engine.js';
import { NotConfiguredError, UnknownAccountError, UnknownAssetError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Recorded } from '../../engine/machine.js';
import { type PriceReading, spotPrice } from '../../engine/oracle.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { assert } from '../../math/errors.js';
import type { GmxMarketParams, GmxParams, SideValues } from './params.js';

/** A side of a market. */
export type Side = 'long' | 'short';
/** The side of `isLong`. */
export const sideOf = (isLong: boolean): Side => (isLong ? 'long' : 'short');

/** A GMX position (`Position.Props`, funding fields omitted). */
export interface GmxPosition {
  /** `<account>:<market>:<collateralToken>:<long|short>` (GMX's position key). */
  readonly id: string;
  readonly account: string;
  readonly market: string;
  readonly collateralToken: string;
  readonly isLong: boolean;
  /** Cost of the position, USD·1e30. */
  readonly sizeInUsd: bigint;
  /** Index tokens held (long) or owed (short), smallest units. */
  readonly sizeInTokens: bigint;
  /** Collateral token units (mirrors the `acct:<id>` bucket). */
  readonly collateralAmount: bigint;
  /** Cumulative borrowing factor of its side when the position was last updated, 1e30-scaled. */
  readonly borrowingFactor: bigint;
}

/** The mutable part of one market's DataStore. */
export interface GmxMarketState {
  /** Σ sizeInUsd per side (OPEN_INTEREST), USD·1e30. */
  readonly openInterestUsd: SideValues;
  /** Σ sizeInTokens per side (OPEN_INTEREST_IN_TOKENS). */
  readonly openInterestInTokens: SideValues;
  /** CUMULATIVE_BORROWING_FACTOR per side, 1e30-scaled. */
  readonly cumulativeBorrowingFactor: SideValues;
  /** Last time the cumulative borrowing factors were brought forward, seconds. */
  readonly borrowingUpdatedAtSeconds: number;
  /** TOTAL_BORROWING per side: Σ applyFactor(sizeInUsd, position.borrowingFactor). */
  readonly totalBorrowing: SideValues;
  /** POSITION_IMPACT_POOL_AMOUNT, index-token smallest units. */
  readonly positionImpactPoolAmount: bigint;
  /** IS_ADL_ENABLED per side. */
  readonly adlEnabled: { readonly long: boolean; readonly short: boolean };
  /** LATEST_ADL_AT per side, seconds. */
  readonly latestAdlAtSeconds: { readonly long: number; readonly short: number };
  /** USD·1e30 of costs insolvent closes left unpaid: the loss the pool (LPs) absorbed. */
  readonly insolventCloseUsd: bigint;
}

/** The model part of the engine state. */
export interface GmxExt {
  readonly params: GmxParams | null;
  readonly markets: Readonly<Record<string, GmxMarketState>>;
  /**
   * Positions by key: a persistent map, so a position change copies O(log n) nodes instead of
   * every position (it serializes as the plain record, keys sorted).
   */
  readonly positions: PersistentMap<GmxPosition>;
}

/** An engine state running the GMX model. */
export type GmxState = EngineState<GmxExt>;

/** The model state of an empty engine. */
export function initialGmxExt(): GmxExt {
  return { params: null, markets: {}, positions: PersistentMap.empty() };
}

/** A market with no positions and no history. */
export function emptyMarketState(nowSeconds: number): GmxMarketState {
  return {
    openInterestUsd: { long: 0n, short: 0n },
    openInterestInTokens: { long: 0n, short: 0n },
    cumulativeBorrowingFactor: { long: 0n, short: 0n },
    borrowingUpdatedAtSeconds: nowSeconds,
    totalBorrowing: { long: 0n, short: 0n },
    positionImpactPoolAmount: 0n,
    adlEnabled: { long: false, short: false },
    latestAdlAtSeconds: { long: 0, short: 0 },
    insolventCloseUsd: 0n,
  };
}

// ---------------------------------------------------------------------------------------------
// Buckets and ids
// ---------------------------------------------------------------------------------------------

/** The position key: `<account>:<market>:<collateralToken>:<long|short>`. */
export const positionId = (
  account: string,
  market: string,
  collateralToken: string,
  isLong: boolean,
): string => `${account}:${market}:${collateralToken}:${sideOf(isLong)}`;
/** Ledger bucket of a position's collateral. */
export const positionBucket = (id: string): string => `acct:${id}`;
/** Transient bucket of a decrease's output (profit paid out of the pool before costs). */
export const outputBucket = (id: string): string => `out:${id}`;
/** Ledger bucket of a market's pool (both pool tokens). */
export const poolBucket = (market: string): string => `pool:${market}`;
/** Ledger bucket of an actor's tokens. */
export const walletBucket = (actor: string): string => `wallet:${actor}`;
/** The fee receiver (claimable fees). */
export const FEE_RECEIVER_BUCKET = 'protocol';
/** Pseudo-asset of a market's GM (liquidity) tokens, 18 decimals, issued by `mint`. */
export const marketTokenAsset = (market: string): string => `GM:${market}`;

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** `configure` accepted: the parameters and each market's initial state. */
export interface GmxConfigured {
  readonly type: 'GmxConfigured';
  readonly params: GmxParams;
  readonly atSeconds: number;
}

/** A position's new value (null: closed). */
export interface GmxPositionSet {
  readonly type: 'GmxPositionSet';
  readonly id: string;
  readonly position: GmxPosition | null;
}

/** A market's new state. */
export interface GmxMarketSet {
  readonly type: 'GmxMarketSet';
  readonly market: string;
  readonly state: GmxMarketState;
}

/** Events that change the model state; every other model event is a record. */
export type GmxStateEvent = GmxConfigured | GmxPositionSet | GmxMarketSet;

/** Folds one model event into the model state. */
export function evolveGmx(state: GmxState, recorded: Recorded): GmxExt {
  const ext = state.ext;
  const event = recorded.event as GmxStateEvent | { readonly type: string };
  switch (event.type) {
    case 'GmxConfigured': {
      const e = event as GmxConfigured;
      const markets: Record<string, GmxMarketState> = {};
      for (const m of e.params.markets) markets[m.market] = emptyMarketState(e.atSeconds);
      return { params: e.params, markets, positions: PersistentMap.empty() };
    }
    case 'GmxPositionSet': {
      const e = event as GmxPositionSet;
      const positions =
        e.position === null ? ext.positions.delete(e.id) : ext.positions.set(e.id, e.position);
      return { ...ext, positions };
    }
    case 'GmxMarketSet': {
      const e = event as GmxMarketSet;
      assert(Object.hasOwn(ext.markets, e.market), `state of unknown market ${e.market}`);
      return { ...ext, markets: { ...ext.markets, [e.market]: e.state } };
    }
    default:
      return ext;
  }
}

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

/** The parameters. @throws NotConfiguredError before `configure`. */
export function requireParams(state: GmxState, command: string): GmxParams {
  if (state.ext.params === null) throw new NotConfiguredError(state.protocol, command);
  return state.ext.params;
}

/** A market's parameters and state. @throws UnknownAssetError naming the market. */
export function requireMarket(
  state: GmxState,
  params: GmxParams,
  market: string,
): { readonly mp: GmxMarketParams; readonly ms: GmxMarketState } {
  const mp = params.markets.find((m) => m.market === market);
  const ms = Object.hasOwn(state.ext.markets, market) ? state.ext.markets[market] : undefined;
  if (mp === undefined || ms === undefined) throw new UnknownAssetError(`market ${market}`);
  return { mp, ms };
}

/** A position. @throws UnknownAccountError. */
export function requirePosition(state: GmxState, id: string): GmxPosition {
  const p = state.ext.positions.get(id);
  if (p === undefined) throw new UnknownAccountError(id);
  return p;
}

/** Pool token amounts of a market as the ledger holds them (both sides of a single-token market share one). */
export function poolAmounts(state: GmxState, mp: GmxMarketParams): SideValues {
  const bucket = poolBucket(mp.market);
  return {
    long: balanceOf(state.ledger, bucket, mp.longToken),
    short: balanceOf(state.ledger, bucket, mp.shortToken),
  };
}

// ---------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------

/**
 * An oracle price (quote per whole token × 10^priceDecimals) as GMX stores it: USD·1e30 per
 * smallest unit = price · 10^(30 − decimals − priceDecimals). When that exponent is negative the
 * division floors (a price at most one unit low).
 */
export function toGmxPrice(reading: PriceReading, tokenDecimals: number): bigint {
  const shift = 30 - tokenDecimals - reading.priceDecimals;
  if (shift >= 0) return reading.price * 10n ** BigInt(shift);
  return reading.price / 10n ** BigInt(-shift);
}

/** The three prices a market reads (GMX `MarketPrices`, min = max: one oracle price each). */
export interface GmxPrices {
  readonly index: bigint;
  readonly long: bigint;
  readonly short: bigint;
  /** When the index price was observed (ADL's oracle-timestamp check). */
  readonly indexObservedAtSeconds: number;
}

/**
 * The market's prices at `nowSeconds` from the engine oracle.
 * @throws StaleOraclePriceError when a price is missing or stale; UnknownAssetError for an
 *   unlisted token.
 */
export function marketPrices(state: GmxState, mp: GmxMarketParams, nowSeconds: number): GmxPrices {
  const read = (asset: string): { readonly price: bigint; readonly at: number } => {
    const info = state.assets[asset];
    if (info === undefined) throw new UnknownAssetError(asset);
    const reading = spotPrice(state.oracle, asset, nowSeconds);
    return { price: toGmxPrice(reading, info.decimals), at: reading.observedAtSeconds };
  };
  const index = read(mp.indexToken);
  return {
    index: index.price,
    long: read(mp.longToken).price,
    short: read(mp.shortToken).price,
    indexObservedAtSeconds: index.at,
  };
}

/** The price of a pool token of the market. */
export function tokenPrice(mp: GmxMarketParams, prices: GmxPrices, token: string): bigint {
  if (token === mp.longToken) return prices.long;
  if (token === mp.shortToken) return prices.short;
  throw new UnknownAssetError(`${token} (not a pool token of ${mp.market})`);
}

/** Own-property read of a record. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
