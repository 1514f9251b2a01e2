/**
 * The perpetuals core's data: markets (scales, margin tiers, venue, maker account), positions, the
 * book that holds every account's positions and each market's funding indexes and open interest,
 * the book's events and their fold. Collateral is not copied here: it lives in the engine ledger
 * (`acct:<id>` cross, `iso:<id>:<market>` isolated), and a {@link PerpsView} pairs the two.
 *
 * Units: sizes are signed bigints in the base asset's smallest unit (`sizeBase`, + long, − short);
 * prices are the oracle's integers (quote currency per whole base unit, scaled by
 * 10^`priceDecimals`); quote amounts are in the quote asset's smallest unit; rates are ppm
 * (1e6 = 100 %); funding indexes are quote units per base unit scaled by {@link FUNDING_INDEX_SCALE}.
 */
import { assert } from '../../math/errors.js';
import { balanceOf, type Ledger } from '../ledger.js';
import type { EngineEvent } from '../machine.js';
import { PersistentMap } from '../persistentMap.js';
import type { NettingParams } from './netting.js';
import type { PortfolioMarginConfig } from './portfolio.js';

/** 1e6 = 100 %: the scale of every `...Ppm` rate. */
export const PPM_SCALE = 1_000_000n;

/** Scale of funding indexes: quote smallest units per base smallest unit × 1e18. */
export const FUNDING_INDEX_SCALE = 10n ** 18n;

/** Decimal scales a market converts between. */
export interface PerpScales {
  /** Decimals of the base asset's smallest unit (sizes are in it). */
  readonly baseDecimals: number;
  /** Decimals of prices (quote per whole base unit × 10^priceDecimals), as the oracle publishes. */
  readonly priceDecimals: number;
  /** Decimals of the quote (collateral) asset's smallest unit. */
  readonly quoteDecimals: number;
}

/**
 * One margin tier (Hyperliquid-style): a position whose notional is at most `upToNotionalQuote`
 * (null = no upper bound; tiers are sorted by cap) requires
 * IM = notional·initialMarginPpm/1e6 and MM = notional·maintenanceMarginPpm/1e6 − deduction.
 */
export interface MarginTier {
  /** Upper bound of the tier's notional range, quote units, inclusive; null for the last tier. */
  readonly upToNotionalQuote: bigint | null;
  /** Initial margin rate, ppm of notional (1/maxLeverage). */
  readonly initialMarginPpm: bigint;
  /** Maintenance margin rate, ppm of notional (≤ initialMarginPpm). */
  readonly maintenanceMarginPpm: bigint;
  /** Subtracted from the maintenance margin of this tier, quote units (continuity between tiers). */
  readonly maintenanceDeductionQuote?: bigint;
}

/** One resting level of a book venue, at an offset from the reference price. */
export interface BookLevel {
  /** Distance from the reference price, ppm: bids at ref·(1 − off), asks at ref·(1 + off). */
  readonly priceOffsetPpm: bigint;
  /** Base units resting at that price on each side. */
  readonly sizeBase: bigint;
}

/** An order book with the same depth on both sides around the reference (mark) price. */
export interface BookVenue {
  readonly kind: 'book';
  /** Levels from the best price outwards (offsets non-decreasing). */
  readonly levels: readonly BookLevel[];
}

/** A constant-product AMM (x·y = k) over base and quote reserves. */
export interface AmmVenue {
  readonly kind: 'amm';
  /** Base units in the pool (x). */
  readonly baseReserve: bigint;
  /** Quote units in the pool (y); the mid price is y/x. */
  readonly quoteReserve: bigint;
}

/** Where a market order (a trade, a liquidation) is filled. */
export type Venue = BookVenue | AmmVenue;

/** A perpetual market's configuration. */
export interface PerpMarketConfig extends PerpScales {
  /** Market id (`ETH-PERP`). */
  readonly market: string;
  /** Engine oracle asset whose price is this market's index/mark price (`ETH`). */
  readonly oracleAsset: string;
  /**
   * The underlying the market's risk is on, for the cross-margin stages (portfolio margin shocks
   * it, netting groups by it); absent = `oracleAsset`. Two markets on one underlying (the same perp
   * on two venues, a perp and a dated future with its own price feed) share it.
   */
  readonly underlying?: string;
  /** Margin tiers by notional, sorted by cap, the last one unbounded. */
  readonly marginTiers: readonly MarginTier[];
  /**
   * The account of the venue's liquidity (book makers, AMM, a vault such as HLP or a GMX pool). It
   * is the counterparty of every venue fill and the market's settlement account: it pays or
   * receives any realized PnL no single counterparty owes (ADL between two users, funding rounding,
   * social-loss credit) and holds the matching claim in its entry, so Σ entryQuote = 0.
   */
  readonly makerAccount: string;
  /** Depth profile of the venue. */
  readonly venue: Venue;
  /** Taker fee on trades, ppm of the filled quote amount, paid to `protocol`. */
  readonly takerFeePpm: bigint;
  /** Liquidation fee, ppm of the liquidated notional at the mark. */
  readonly liquidationFeePpm: bigint;
}

/** How a position is margined: by the account's cross collateral or its own isolated margin. */
export type MarginMode = 'cross' | 'isolated';

/** The side of a position. */
export type PositionSide = 'long' | 'short';

/** One account's position in one market. */
export interface PerpPosition {
  /** Signed base units (+ long, − short). */
  readonly sizeBase: bigint;
  /**
   * Signed cost basis, quote units: the quote paid to open what is still open (negative for a
   * short, which received quote), plus funding settled into it. Unrealized PnL = value − entry.
   * A flat position (size 0) with a non-zero entry is a settlement claim (see makerAccount).
   */
  readonly entryQuote: bigint;
  /** The funding index of the position's side when funding was last settled into it. */
  readonly fundingIndexSettled: bigint;
  readonly marginMode: MarginMode;
}

/** A market's live state: its config, funding indexes, open interest and every position. */
export interface PerpMarketState {
  readonly config: PerpMarketConfig;
  /** Cumulative funding index longs pay against (× {@link FUNDING_INDEX_SCALE}). */
  readonly fundingIndexLong: bigint;
  /** Cumulative funding index shorts receive against (social loss moves it the other way). */
  readonly fundingIndexShort: bigint;
  /** Σ sizes of long positions, base units. */
  readonly longOpenInterestBase: bigint;
  /** Σ |sizes| of short positions, base units (= long open interest: fills are zero-sum). */
  readonly shortOpenInterestBase: bigint;
  /**
   * Positions by account id: a persistent map, so a position change copies O(log n) nodes instead
   * of every position (it serializes as the plain record, keys sorted).
   */
  readonly positions: PersistentMap<PerpPosition>;
}

/**
 * How the maintenance requirement of a cross-margin scope is computed, beyond today's per-position
 * sum of tiered margins: a portfolio margin (the worst loss over a grid of correlated shocks,
 * portfolio.ts) or netting per underlying (netting.ts). Isolated scopes keep the per-position rule.
 */
export type PerpsMarginStage =
  | { readonly kind: 'portfolio'; readonly portfolio: PortfolioMarginConfig }
  | { readonly kind: 'netting'; readonly netting: NettingParams };

/** Every market and account of one perps venue sharing one quote (collateral) asset. */
export interface PerpsBook {
  /** Engine asset of collateral and PnL (`USDC`). */
  readonly quoteAsset: string;
  readonly quoteDecimals: number;
  /** Markets by id. */
  readonly markets: Readonly<Record<string, PerpMarketState>>;
  /** Every account ever opened (by its first deposit or position), by id (a persistent map, as `positions`). */
  readonly accounts: PersistentMap<true>;
  /** The cross-margin stage, when one is configured (absent: the per-position sum). */
  readonly marginStage?: PerpsMarginStage;
}

/** The underlying of a market: its `underlying`, else its oracle asset. */
export function underlyingOf(config: PerpMarketConfig): string {
  return config.underlying ?? config.oracleAsset;
}

/** The book together with the ledger that holds its collateral: what every function reads. */
export interface PerpsView {
  readonly book: PerpsBook;
  readonly ledger: Ledger;
}

/** Mark prices by market id (oracle integers at each market's priceDecimals). */
export type PerpMarks = Readonly<Record<string, bigint>>;

/** One account as a reader sees it (derived from the book and the ledger). */
export interface PerpAccount {
  readonly id: string;
  /** Cross collateral (`acct:<id>`), quote units. */
  readonly collateralQuote: bigint;
  /** Positions by market id. */
  readonly positions: Readonly<Record<string, PerpPosition>>;
  /** Isolated margin by market id (`iso:<id>:<market>`), quote units. */
  readonly isolatedMarginQuote: Readonly<Record<string, bigint>>;
}

// ---------------------------------------------------------------------------------------------
// Buckets
// ---------------------------------------------------------------------------------------------

/** Ledger bucket of an account's cross collateral. */
export const crossBucket = (accountId: string): string => `acct:${accountId}`;

/** Ledger bucket of an account's isolated margin in one market. */
export const isolatedBucket = (accountId: string, market: string): string => `iso:${accountId}:${market}`;

/** The bucket that pays and receives a position's PnL (cross or isolated). */
export function positionBucket(accountId: string, market: string, mode: MarginMode): string {
  return mode === 'cross' ? crossBucket(accountId) : isolatedBucket(accountId, market);
}

/** Quote units in a bucket. */
export function quoteBalance(view: PerpsView, bucket: string): bigint {
  return balanceOf(view.ledger, bucket, view.book.quoteAsset);
}

// ---------------------------------------------------------------------------------------------
// Events and their fold
// ---------------------------------------------------------------------------------------------

/** An account was opened (first deposit or position). */
export interface PerpAccountOpened {
  readonly type: 'PerpAccountOpened';
  readonly account: string;
}

/** A position's new value (null: removed, i.e. flat with no entry left). */
export interface PerpPositionChanged {
  readonly type: 'PerpPositionChanged';
  readonly market: string;
  readonly account: string;
  readonly position: PerpPosition | null;
}

/** A market's funding indexes moved (funding accrual or social loss). */
export interface PerpFundingIndexChanged {
  readonly type: 'PerpFundingIndexChanged';
  readonly market: string;
  readonly fundingIndexLong: bigint;
  readonly fundingIndexShort: bigint;
}

/** Events that change a {@link PerpsBook}; every other perps event is a record only. */
export type PerpsBookEvent = PerpAccountOpened | PerpPositionChanged | PerpFundingIndexChanged;

const BOOK_EVENTS: ReadonlySet<string> = new Set([
  'PerpAccountOpened',
  'PerpPositionChanged',
  'PerpFundingIndexChanged',
]);

/** Whether `event` changes the book (and must be folded by {@link evolvePerpsBook}). */
export function isPerpsBookEvent(event: EngineEvent): event is PerpsBookEvent {
  return BOOK_EVENTS.has(event.type);
}

/** An empty book over `markets` (funding indexes 0, no positions), with a cross-margin stage if given. */
export function emptyPerpsBook(
  quoteAsset: string,
  quoteDecimals: number,
  markets: readonly PerpMarketConfig[],
  marginStage?: PerpsMarginStage,
): PerpsBook {
  const states: Record<string, PerpMarketState> = {};
  for (const config of markets) {
    states[config.market] = {
      config,
      fundingIndexLong: 0n,
      fundingIndexShort: 0n,
      longOpenInterestBase: 0n,
      shortOpenInterestBase: 0n,
      positions: PersistentMap.empty(),
    };
  }
  const book: PerpsBook = { quoteAsset, quoteDecimals, markets: states, accounts: PersistentMap.empty() };
  return marginStage === undefined ? book : { ...book, marginStage };
}

const longPart = (size: bigint): bigint => (size > 0n ? size : 0n);
const shortPart = (size: bigint): bigint => (size < 0n ? -size : 0n);

/**
 * Folds one event into the book (returns the book unchanged for events that are records only).
 * Open interest follows every position change, so it always equals the positions' sums. A
 * position change costs O(log n) in the market's positions (persistent maps), not O(n).
 * Asserts (a bug, never a refusal) on a position event for an unknown market.
 */
export function evolvePerpsBook(book: PerpsBook, event: EngineEvent): PerpsBook {
  if (!isPerpsBookEvent(event)) return book;
  switch (event.type) {
    case 'PerpAccountOpened': {
      const accounts = book.accounts.set(event.account, true);
      return accounts === book.accounts ? book : { ...book, accounts };
    }
    case 'PerpFundingIndexChanged': {
      const m = book.markets[event.market];
      assert(m !== undefined, `funding of unknown market ${event.market}`);
      const next = {
        ...m,
        fundingIndexLong: event.fundingIndexLong,
        fundingIndexShort: event.fundingIndexShort,
      };
      return { ...book, markets: { ...book.markets, [event.market]: next } };
    }
    case 'PerpPositionChanged': {
      const m = book.markets[event.market];
      assert(m !== undefined, `position in unknown market ${event.market}`);
      const oldSize = m.positions.get(event.account)?.sizeBase ?? 0n;
      const newSize = event.position?.sizeBase ?? 0n;
      const positions =
        event.position === null
          ? m.positions.delete(event.account)
          : m.positions.set(event.account, event.position);
      const next: PerpMarketState = {
        ...m,
        positions,
        longOpenInterestBase: m.longOpenInterestBase - longPart(oldSize) + longPart(newSize),
        shortOpenInterestBase: m.shortOpenInterestBase - shortPart(oldSize) + shortPart(newSize),
      };
      const accounts = book.accounts.has(event.account)
        ? book.accounts
        : book.accounts.set(event.account, true);
      return { ...book, accounts, markets: { ...book.markets, [event.market]: next } };
    }
  }
}

/** The market's state. Asserts it exists (callers validate market ids first with requireMarket). */
export function marketOf(book: PerpsBook, market: string): PerpMarketState {
  const m = Object.hasOwn(book.markets, market) ? book.markets[market] : undefined;
  assert(m !== undefined, `unknown perp market ${market}`);
  return m;
}

/** An account's position in a market, or undefined. */
export function positionOf(book: PerpsBook, accountId: string, market: string): PerpPosition | undefined {
  const m = Object.hasOwn(book.markets, market) ? book.markets[market] : undefined;
  return m?.positions.get(accountId);
}

/** Market ids, sorted (the order every per-market loop uses). */
export function marketIds(book: PerpsBook): string[] {
  return Object.keys(book.markets).sort();
}

/** An account as a reader sees it: cross collateral, positions and isolated margins. */
export function perpAccount(view: PerpsView, accountId: string): PerpAccount {
  const positions: Record<string, PerpPosition> = {};
  const isolatedMarginQuote: Record<string, bigint> = {};
  for (const market of marketIds(view.book)) {
    const p = positionOf(view.book, accountId, market);
    if (p !== undefined) positions[market] = p;
    const iso = quoteBalance(view, isolatedBucket(accountId, market));
    if (iso !== 0n) isolatedMarginQuote[market] = iso;
  }
  return {
    id: accountId,
    collateralQuote: quoteBalance(view, crossBucket(accountId)),
    positions,
    isolatedMarginQuote,
  };
}

/** The side of a non-zero size. */
export function sideOf(sizeBase: bigint): PositionSide {
  return sizeBase >= 0n ? 'long' : 'short';
}
