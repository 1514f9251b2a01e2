/**
 * State of the `hyperliquid` model: the parameters, the perps core's book (positions, funding
 * indexes, open interest), and the time of each user's last partial liquidation (the 30 s
 * cooldown); the events and their fold; and readers for the mark price (the engine oracle's spot
 * price) and the previous oracle price (the aggregated price before the latest publication).
 */
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError, StaleOraclePriceError } from '../../engine/errors.js';
import type { Recorded } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { findMarketParams, requireConfiguredBook } from '../../engine/perps/commands.js';
import {
  emptyPerpsBook,
  evolvePerpsBook,
  marketIds,
  type PerpMarks,
  type PerpsBook,
  type PerpsView,
  positionOf,
} from '../../engine/perps/types.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { coreMarketConfig, type HyperliquidMarketParams, type HyperliquidParams } from './params.js';

/** The model's own state. */
export interface HyperliquidExt {
  readonly params: HyperliquidParams | null;
  readonly book: PerpsBook | null;
  /**
   * Time (seconds) of each user's last partial liquidation: a persistent map, so a crash with
   * thousands of partial liquidations copies O(log n) nodes per one (it serializes as the plain
   * record, keys sorted).
   */
  readonly lastPartialLiquidationSeconds: PersistentMap<number>;
}

/** The empty model state. */
export function initialHyperliquidExt(): HyperliquidExt {
  return { params: null, book: null, lastPartialLiquidationSeconds: PersistentMap.empty() };
}

/** `configure` was accepted (with the quote asset's decimals, read from the listing). */
export interface HyperliquidConfigured {
  readonly type: 'HyperliquidConfigured';
  readonly params: HyperliquidParams;
  readonly quoteDecimals: number;
}

/** A user was partially liquidated (starts the cooldown). */
export interface HyperliquidPartiallyLiquidated {
  readonly type: 'HyperliquidPartiallyLiquidated';
  readonly account: string;
  readonly atSeconds: number;
}

type State = EngineState<HyperliquidExt>;

/** Folds a `hyperliquid` event (book events into the perps book; records change nothing). */
export function evolveHyperliquid(state: State, recorded: Recorded): HyperliquidExt {
  const ext = state.ext;
  const e = recorded.event;
  switch (e.type) {
    case 'HyperliquidConfigured': {
      const c = e as HyperliquidConfigured;
      const book = emptyPerpsBook(
        c.params.quoteAsset,
        c.quoteDecimals,
        c.params.markets.map((m) => coreMarketConfig(c.params, m, c.quoteDecimals)),
      );
      return { ...ext, params: c.params, book };
    }
    case 'HyperliquidPartiallyLiquidated': {
      const c = e as HyperliquidPartiallyLiquidated;
      return {
        ...ext,
        lastPartialLiquidationSeconds: ext.lastPartialLiquidationSeconds.set(c.account, c.atSeconds),
      };
    }
    default:
      return ext.book === null ? ext : { ...ext, book: evolvePerpsBook(ext.book, e) };
  }
}

/**
 * The parameters and book of a configured model.
 * @param command names the refused command in the error.
 * @throws NotConfiguredError before `configure`.
 */
export function requireConfigured(
  state: State,
  command = 'query',
): { params: HyperliquidParams; book: PerpsBook } {
  return requireConfiguredBook(state.ext, 'hyperliquid', command);
}

/** The book with the engine's ledger. @throws NotConfiguredError. */
export function viewOf(state: State, command = 'query'): PerpsView {
  return { book: requireConfigured(state, command).book, ledger: state.ledger };
}

/** A market's parameters. @throws InvalidParameterError (`market`). */
export function requireHyperliquidMarket(
  params: HyperliquidParams,
  market: string,
  field = 'market',
): HyperliquidMarketParams {
  return findMarketParams(params.markets, market, { field });
}

function requireDecimals(market: HyperliquidMarketParams, decimals: number): void {
  if (decimals !== market.priceDecimals) {
    throw new InvalidParameterError(
      `oracle.${market.oracleAsset}.priceDecimals`,
      `${market.market} expects ${market.priceDecimals} price decimals, the oracle has ${decimals}`,
    );
  }
}

/**
 * The mark price of a market: the engine oracle's spot price (the oracle stands for Hyperliquid's
 * mark, which blends CEX prices and the book).
 * @throws StaleOraclePriceError; InvalidParameterError when the decimals differ from the market's.
 */
export function markPriceOf(state: State, market: HyperliquidMarketParams, nowSeconds: number): bigint {
  const reading = spotPrice(state.oracle, market.oracleAsset, nowSeconds);
  requireDecimals(market, reading.priceDecimals);
  return reading.price;
}

/**
 * The previous oracle price of a market: the aggregated price of the publication before the latest
 * one (the latest itself when there is only one); it must still be fresh now.
 * @throws StaleOraclePriceError when the oracle has no fresh price; InvalidParameterError (decimals).
 */
export function previousOraclePriceOf(
  state: State,
  market: HyperliquidMarketParams,
  nowSeconds: number,
): bigint {
  const current = markPriceOf(state, market, nowSeconds); // also proves the feed is live
  const history = state.oracle.assets[market.oracleAsset]?.history ?? [];
  const latest = history[history.length - 1];
  if (latest === undefined) throw new StaleOraclePriceError(market.oracleAsset, 'no aggregated price yet');
  const previous = history[history.length - 2];
  return previous === undefined ? current : previous.price;
}

/** Markets where any of `accounts` (every account when omitted) holds a non-zero position. */
function marketsWithPositions(book: PerpsBook, accounts?: readonly string[]): string[] {
  return marketIds(book).filter((m) => {
    const market = book.markets[m]!;
    // Open interest is the sum of the positions' long and short parts: an open position shows in it.
    if (accounts === undefined)
      return market.longOpenInterestBase !== 0n || market.shortOpenInterestBase !== 0n;
    return accounts.some((a) => (positionOf(book, a, m)?.sizeBase ?? 0n) !== 0n);
  });
}

/**
 * Mark prices of the markets where any of `accounts` (default: any account) holds a position in
 * `book` (default: the state's).
 * @throws StaleOraclePriceError; InvalidParameterError.
 */
export function markPrices(
  state: State,
  nowSeconds: number,
  accounts?: readonly string[],
  inBook?: PerpsBook,
): PerpMarks {
  const { params, book } = requireConfigured(state);
  const out: Record<string, bigint> = {};
  for (const m of marketsWithPositions(inBook ?? book, accounts)) {
    out[m] = markPriceOf(state, requireHyperliquidMarket(params, m), nowSeconds);
  }
  return out;
}

/** Previous oracle prices of every market with an open position. @throws as {@link previousOraclePriceOf}. */
export function previousOraclePrices(state: State, nowSeconds: number): PerpMarks {
  const { params, book } = requireConfigured(state);
  const out: Record<string, bigint> = {};
  for (const m of marketsWithPositions(book)) {
    out[m] = previousOraclePriceOf(state, requireHyperliquidMarket(params, m), nowSeconds);
  }
  return out;
}
