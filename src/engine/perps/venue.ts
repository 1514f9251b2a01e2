/**
 * Liquidity venues a market order is filled in, with the slippage that comes with size: an order
 * book (levels at offsets from the reference price, walked from the best; what the book cannot
 * fill stays unfilled) and a constant-product AMM (x·y = k in exact integers). Every rounding goes
 * against the taker.
 */
import { divRound, divSigned, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import { valueQuote } from './margin.js';
import {
  type AmmVenue,
  type BookVenue,
  type PerpScales,
  type PositionSide,
  PPM_SCALE,
  type Venue,
} from './types.js';

/** The taker's direction: `buy` base (open long / close short) or `sell` base. */
export type TakerSide = 'buy' | 'sell';

/** What a market order would get from a venue. */
export interface VenueQuote {
  /** Base units filled (≤ asked). */
  readonly filledBase: bigint;
  /** Base units the venue could not fill. */
  readonly unfilledBase: bigint;
  /** Quote units the taker receives (sell) or pays (buy); rounded against the taker. */
  readonly quoteAmount: bigint;
  /**
   * Average fill price (quote per whole base × 10^priceDecimals), rounded against the taker (down
   * for a sell, up for a buy); null when nothing filled. Compare with the reference price to see
   * the slippage.
   */
  readonly averagePrice: bigint | null;
  /** The venue after the fill (levels consumed, or the AMM's new reserves). */
  readonly venueAfter: Venue;
}

/**
 * Checks a venue: book levels with offsets in [0, 1e6) non-decreasing and sizes > 0 (at least
 * one level); AMM reserves > 0.
 * @param path dotted path for errors. @throws InvalidParameterError naming the field.
 */
export function validateVenue(venue: Venue, path: string): void {
  if (venue.kind === 'book') {
    if (venue.levels.length === 0)
      throw new InvalidParameterError(`${path}.levels`, 'needs at least one level');
    let last = 0n;
    for (const [i, level] of venue.levels.entries()) {
      if (level.priceOffsetPpm < last || level.priceOffsetPpm >= PPM_SCALE) {
        throw new InvalidParameterError(
          `${path}.levels.${i}.priceOffsetPpm`,
          'expected offsets in [0, 1e6) ppm, non-decreasing from the best level',
        );
      }
      if (level.sizeBase <= 0n)
        throw new InvalidParameterError(`${path}.levels.${i}.sizeBase`, 'expected > 0');
      last = level.priceOffsetPpm;
    }
    return;
  }
  if (venue.baseReserve <= 0n) throw new InvalidParameterError(`${path}.baseReserve`, 'expected > 0');
  if (venue.quoteReserve <= 0n) throw new InvalidParameterError(`${path}.quoteReserve`, 'expected > 0');
}

/** Average price of a fill in price units, rounded against the taker. */
function averagePriceOf(
  filledBase: bigint,
  quote: bigint,
  side: TakerSide,
  scales: PerpScales,
): bigint | null {
  if (filledBase === 0n) return null;
  return divSigned(
    quote * pow10(scales.baseDecimals + scales.priceDecimals),
    filledBase * pow10(scales.quoteDecimals),
    side === 'sell' ? Rounding.Down : Rounding.Up,
  );
}

function quoteBook(
  venue: BookVenue,
  side: TakerSide,
  sizeBase: bigint,
  refPrice: bigint,
  scales: PerpScales,
) {
  let left = sizeBase;
  // Σ fill_i · ref · (1e6 ∓ offset_i), kept exact and rounded once at the end.
  let numerator = 0n;
  const levels = [];
  for (const level of venue.levels) {
    const take = left < level.sizeBase ? left : level.sizeBase;
    const factor = side === 'sell' ? PPM_SCALE - level.priceOffsetPpm : PPM_SCALE + level.priceOffsetPpm;
    numerator += take * refPrice * factor;
    left -= take;
    if (level.sizeBase > take) levels.push({ ...level, sizeBase: level.sizeBase - take });
  }
  const filledBase = sizeBase - left;
  // Against the taker: a seller receives the floor, a buyer pays the ceiling.
  const quoteAmount = divRound(
    numerator * pow10(scales.quoteDecimals),
    PPM_SCALE * pow10(scales.baseDecimals + scales.priceDecimals),
    side === 'sell' ? Rounding.Down : Rounding.Up,
  );
  const venueAfter: BookVenue = { kind: 'book', levels };
  return { filledBase, quoteAmount, venueAfter };
}

function quoteAmm(venue: AmmVenue, side: TakerSide, sizeBase: bigint) {
  const x = venue.baseReserve;
  const y = venue.quoteReserve;
  const k = x * y;
  // A buy cannot take the last base unit out of the pool.
  const filledBase = side === 'sell' ? sizeBase : sizeBase < x ? sizeBase : x - 1n;
  if (filledBase === 0n) return { filledBase, quoteAmount: 0n, venueAfter: venue };
  const newX = side === 'sell' ? x + filledBase : x - filledBase;
  // The pool keeps the ceiling of k/x': a seller gets less, a buyer pays more (against the taker).
  const newY = divRound(k, newX, Rounding.Up);
  const quoteAmount = side === 'sell' ? y - newY : newY - y;
  const venueAfter: AmmVenue = { kind: 'amm', baseReserve: newX, quoteReserve: newY };
  return { filledBase, quoteAmount: quoteAmount < 0n ? 0n : quoteAmount, venueAfter };
}

/**
 * Quotes a market order of `sizeBase` (unsigned) against a venue. Book: levels are walked from
 * the best, each at ref·(1 − offset) for a sell and ref·(1 + offset) for a buy; what the book
 * cannot fill is left unfilled. AMM: constant product on the reserves (the reference price is
 * ignored: re-centre the AMM with {@link recenterAmm} to peg it to the mark first); a buy fills at
 * most baseReserve − 1.
 * @param refPrice reference (mark) price, quote per whole base × 10^priceDecimals, > 0.
 * @throws InvalidParameterError when sizeBase < 0 or refPrice ≤ 0.
 */
export function quoteMarketOrder(
  venue: Venue,
  side: TakerSide,
  sizeBase: bigint,
  refPrice: bigint,
  scales: PerpScales,
): VenueQuote {
  if (sizeBase < 0n) throw new InvalidParameterError('sizeBase', 'expected an unsigned size');
  if (refPrice <= 0n) throw new InvalidParameterError('refPrice', 'expected a positive reference price');
  const fill =
    venue.kind === 'book'
      ? quoteBook(venue, side, sizeBase, refPrice, scales)
      : quoteAmm(venue, side, sizeBase);
  return {
    ...fill,
    unfilledBase: sizeBase - fill.filledBase,
    averagePrice: averagePriceOf(fill.filledBase, fill.quoteAmount, side, scales),
  };
}

/**
 * Quotes closing `sizeBase` (unsigned) of a position on `sideToSell`'s side: a long is closed by
 * selling base, a short by buying it back. See {@link quoteMarketOrder}.
 */
export function quoteMarketClose(
  venue: Venue,
  sideToSell: PositionSide,
  sizeBase: bigint,
  refPrice: bigint,
  scales: PerpScales,
): VenueQuote {
  return quoteMarketOrder(venue, sideToSell === 'long' ? 'sell' : 'buy', sizeBase, refPrice, scales);
}

/**
 * An AMM re-pegged to `refPrice` at the same base depth: quoteReserve = value(baseReserve, ref)
 * (rounded down), so its mid price is the reference price. Books are returned unchanged.
 * @throws InvalidParameterError when the re-pegged quote reserve would be 0.
 */
export function recenterAmm(venue: Venue, refPrice: bigint, scales: PerpScales): Venue {
  if (venue.kind === 'book') return venue;
  const quoteReserve = valueQuote(venue.baseReserve, refPrice, scales, Rounding.Down);
  if (quoteReserve <= 0n) {
    throw new InvalidParameterError(
      'venue.baseReserve',
      'is too small to hold a quote reserve at this price',
    );
  }
  return { kind: 'amm', baseReserve: venue.baseReserve, quoteReserve };
}
