/**
 * A debt (solvency-bond) auction as a pure engine stage: once a protocol's loss buffer is used up,
 * it sells newly issued tokens (governance tokens or bonds) for a fixed amount of the debt asset,
 * and bidders compete by accepting fewer tokens for it (a reverse auction). Maker's Flopper is the
 * precedent (makerdao/dss src/flop.sol `kick`, `dent`, `tick`, `deal`; src/vow.sol `flop`, `kiss`).
 *
 * Units are the caller's: `bid` in base units of the debt asset (Maker: DAI as RAD), `lot` in base
 * units of the issued token (Maker: MKR as WAD); ratios are WAD (1e18 = 1). Every amount is exact
 * bigint; the one lossy step, the lot growth of a restart, floors as dss does.
 */

import { divRound, mulDiv, Rounding } from '../../math/mulDiv.js';
import { WAD } from '../../math/units.js';
import { InvalidParameterError, ProtocolRevertError } from '../errors.js';

/** The auction house's rules (Maker: the Flopper's `beg`, `pad`, `ttl`, `tau`). */
export interface DebtAuctionHouse {
  /** Minimum relative lot decrease of a bid, WAD ≥ 1e18 (1.05e18: each bid asks ≥ 5 % fewer tokens). */
  readonly begWad: bigint;
  /** Lot growth when an auction nobody bid on restarts, WAD ≥ 1e18 (1.2e18: +20 %). */
  readonly padWad: bigint;
  /** Lifetime of a bid, seconds > 0: the auction can settle `ttl` after its last bid. */
  readonly ttlSeconds: number;
  /** Length of an auction (and of each restart), seconds > 0. */
  readonly tauSeconds: number;
}

/** One debt auction (makerdao/dss src/flop.sol `Bid`). */
export interface DebtAuction {
  /** The fixed amount of the debt asset the lot is sold for, base units (Maker `sump`, RAD). */
  readonly bid: bigint;
  /** Newly issued tokens the high bidder receives at settlement, base units (Maker MKR, WAD). */
  readonly lot: bigint;
  /** The high bidder; the issuer (who receives the first bid) until someone bids. */
  readonly guy: string;
  /** When the last bid expires, seconds; 0 before the first bid. */
  readonly ticSeconds: number;
  /** When the auction ends, seconds. */
  readonly endSeconds: number;
}

/** Why the house refuses an action (the dss revert string without its `Flopper/` prefix). */
export type DebtAuctionRefusal =
  | 'already-finished-tic'
  | 'already-finished-end'
  | 'not-matching-bid'
  | 'lot-not-lower'
  | 'insufficient-decrease'
  | 'not-finished'
  | 'bid-already-placed';

/** Where an auction stands at a time (the guards of makerdao/dss src/flop.sol dent, deal, tick). */
export type DebtAuctionStatus =
  /** `dent` accepted: `(tic > now || tic == 0) && end > now`. */
  | 'open'
  /** `deal` accepted: `tic ≠ 0 && (tic < now || end < now)`. */
  | 'dealable'
  /** `tick` accepted: `end < now && tic == 0`. */
  | 'tickable'
  /** Nothing accepted this second (a boundary: `tic == now` or `end == now`). */
  | 'waiting';

/** The widest durations the house takes: uint48 seconds, as the Flopper stores them. */
const MAX_SECONDS = 2 ** 48 - 1;

/**
 * Checks the house's rules.
 * @param path dotted prefix of the fields in errors (e.g. `params.vow.flop`).
 * @throws InvalidParameterError naming `<path>.begWad` (< 1e18), `<path>.padWad` (< 1e18),
 * `<path>.ttlSeconds` or `<path>.tauSeconds` (not a whole number in [1, 2^48 − 1]).
 */
export function validateDebtAuctionHouse(house: DebtAuctionHouse, path: string): void {
  if (house.begWad < WAD) {
    throw new InvalidParameterError(`${path}.begWad`, `expected a WAD ≥ 1e18 (beg ≥ 1), got ${house.begWad}`);
  }
  if (house.padWad < WAD) {
    throw new InvalidParameterError(
      `${path}.padWad`,
      `expected a WAD ≥ 1e18 (a restart must not shrink the lot), got ${house.padWad}`,
    );
  }
  for (const key of ['ttlSeconds', 'tauSeconds'] as const) {
    const v = house[key];
    if (!Number.isSafeInteger(v) || v < 1 || v > MAX_SECONDS) {
      throw new InvalidParameterError(`${path}.${key}`, `expected whole seconds in [1, 2^48 − 1], got ${v}`);
    }
  }
}

/**
 * Starts an auction (makerdao/dss src/flop.sol kick, called by src/vow.sol flop with `lot = dump`,
 * `bid = sump`): the issuer is the first `guy`, no bid yet (`tic = 0`), `end = now + tau`.
 * @param input `issuer` who receives the first bid (Maker: the Vow); `lot` > 0 and `bid` > 0 in
 * base units; `nowSeconds` whole seconds.
 * @throws InvalidParameterError (`lot`, `bid`) for a lot or bid ≤ 0.
 */
export function kickDebtAuction(
  house: DebtAuctionHouse,
  input: { readonly issuer: string; readonly lot: bigint; readonly bid: bigint; readonly nowSeconds: number },
): DebtAuction {
  if (input.lot <= 0n) throw new InvalidParameterError('lot', `expected tokens > 0, got ${input.lot}`);
  if (input.bid <= 0n) throw new InvalidParameterError('bid', `expected an amount > 0, got ${input.bid}`);
  return {
    bid: input.bid,
    lot: input.lot,
    guy: input.issuer,
    ticSeconds: 0,
    endSeconds: input.nowSeconds + house.tauSeconds,
  };
}

/** Where `auction` stands at `nowSeconds` (see {@link DebtAuctionStatus}). Never throws. */
export function debtAuctionStatus(auction: DebtAuction, nowSeconds: number): DebtAuctionStatus {
  const { ticSeconds: tic, endSeconds: end } = auction;
  if ((tic > nowSeconds || tic === 0) && end > nowSeconds) return 'open';
  if (tic !== 0 && (tic < nowSeconds || end < nowSeconds)) return 'dealable';
  if (end < nowSeconds && tic === 0) return 'tickable';
  return 'waiting';
}

/**
 * Why a bid (`dent`) is refused, or undefined when it is accepted (makerdao/dss src/flop.sol dent),
 * checks in the contract's order: the auction takes bids (`tic > now || tic == 0`,
 * "already-finished-tic"; `end > now`, "already-finished-end"); the bid is the auction's fixed
 * bid ("not-matching-bid"); fewer tokens (`lot < prev`, "lot-not-lower") by at least beg
 * (`beg·lot ≤ prev·1e18`, exact, "insufficient-decrease").
 * @param input the tokens asked (`lot`) and the amount offered (`bid`), base units.
 */
export function debtAuctionDentRefusal(
  house: DebtAuctionHouse,
  auction: DebtAuction,
  input: { readonly lot: bigint; readonly bid: bigint; readonly nowSeconds: number },
): DebtAuctionRefusal | undefined {
  const now = input.nowSeconds;
  if (!(auction.ticSeconds > now || auction.ticSeconds === 0)) return 'already-finished-tic';
  if (!(auction.endSeconds > now)) return 'already-finished-end';
  if (input.bid !== auction.bid) return 'not-matching-bid';
  if (!(input.lot < auction.lot)) return 'lot-not-lower';
  if (house.begWad * input.lot > auction.lot * WAD) return 'insufficient-decrease';
  return undefined;
}

/** What an accepted bid does. */
export interface DebtAuctionDent {
  /** The auction after the bid: the bidder leads with `lot`, its bid expires at `now + ttl`. */
  readonly auction: DebtAuction;
  /**
   * Who the bidder pays the fixed bid to: the previous high bidder (its refund), or the issuer at
   * the first bid. Undefined when the bidder already leads (dss moves nothing then).
   */
  readonly payee: string | undefined;
  /**
   * True when this bid is the auction's first from someone else than the issuer: the issuer has
   * just received the bid and may retire that much debt (Maker: the Flopper calls `vow.kiss`).
   */
  readonly firstBid: boolean;
}

/**
 * A bid: `bidder` offers the auction's fixed `bid` for `lot` tokens (makerdao/dss src/flop.sol
 * dent). Accepted as {@link debtAuctionDentRefusal} says; then a new leader pays the fixed bid to
 * the previous one (the issuer at the first bid), and the bid lives `ttl` seconds.
 * @param revertPrefix put before the refusal in the error's reason (`Flopper` gives dss's strings).
 * @throws ProtocolRevertError `<revertPrefix>/<refusal>`.
 */
export function dentDebtAuction(
  house: DebtAuctionHouse,
  auction: DebtAuction,
  input: { readonly bidder: string; readonly lot: bigint; readonly bid: bigint; readonly nowSeconds: number },
  revertPrefix = 'DebtAuction',
): DebtAuctionDent {
  const refusal = debtAuctionDentRefusal(house, auction, input);
  if (refusal !== undefined) {
    throw new ProtocolRevertError(`${revertPrefix}/${refusal}`, dentHint(refusal), {
      lot: auction.lot.toString(),
      bid: auction.bid.toString(),
      maxLot: maxDentLot(house, auction.lot).toString(),
    });
  }
  const takesOver = input.bidder !== auction.guy;
  return {
    auction: {
      ...auction,
      guy: input.bidder,
      lot: input.lot,
      ticSeconds: input.nowSeconds + house.ttlSeconds,
    },
    payee: takesOver ? auction.guy : undefined,
    firstBid: takesOver && auction.ticSeconds === 0,
  };
}

function dentHint(refusal: DebtAuctionRefusal): string {
  switch (refusal) {
    case 'already-finished-tic':
      return 'The last bid has expired: settle (deal) the auction.';
    case 'already-finished-end':
      return 'The auction has ended: deal it, or tick it if nobody bid.';
    case 'not-matching-bid':
      return "Offer exactly the auction's fixed bid.";
    default:
      return 'Ask for fewer tokens: at most maxLot (lot / beg).';
  }
}

/**
 * Restarts an auction nobody bid on (makerdao/dss src/flop.sol tick): needs `end < now`
 * ("not-finished") and no bid (`tic == 0`, "bid-already-placed"); the lot grows to
 * `floor(pad·lot / 1e18)` (dss `mul(pad, lot) / ONE`; the floor favours the issuer: never more
 * tokens than pad allows) and `end = now + tau`.
 * @throws ProtocolRevertError `<revertPrefix>/<refusal>`.
 */
export function tickDebtAuction(
  house: DebtAuctionHouse,
  auction: DebtAuction,
  nowSeconds: number,
  revertPrefix = 'DebtAuction',
): DebtAuction {
  if (!(auction.endSeconds < nowSeconds)) {
    throw new ProtocolRevertError(
      `${revertPrefix}/not-finished`,
      `The auction runs until ${auction.endSeconds}: tick it after.`,
    );
  }
  if (auction.ticSeconds !== 0) {
    throw new ProtocolRevertError(
      `${revertPrefix}/bid-already-placed`,
      'Someone bid: deal the auction instead.',
    );
  }
  return { ...auction, lot: restartedLot(house, auction.lot), endSeconds: nowSeconds + house.tauSeconds };
}

/**
 * The lot after one restart: `floor(pad·lot / 1e18)` (makerdao/dss src/flop.sol tick; the floor
 * favours the issuer). @param lot base units ≥ 0.
 */
export function restartedLot(house: Pick<DebtAuctionHouse, 'padWad'>, lot: bigint): bigint {
  // floor: never more new tokens than pad allows (favours the issuer's holders).
  return mulDiv(house.padWad, lot, WAD, Rounding.Down);
}

/**
 * Settles an auction (makerdao/dss src/flop.sol deal): needs a bid whose `ttl` or the auction's
 * `tau` has passed (`tic ≠ 0 && (tic < now || end < now)`, "not-finished"). The winner receives
 * `lot` newly issued tokens; the caller mints them and deletes the auction.
 * @throws ProtocolRevertError `<revertPrefix>/not-finished`.
 */
export function dealDebtAuction(
  auction: DebtAuction,
  nowSeconds: number,
  revertPrefix = 'DebtAuction',
): { readonly winner: string; readonly lot: bigint; readonly bid: bigint } {
  if (debtAuctionStatus(auction, nowSeconds) !== 'dealable') {
    throw new ProtocolRevertError(
      `${revertPrefix}/not-finished`,
      'The auction is still running (or has no bid: tick it after its end).',
    );
  }
  return { winner: auction.guy, lot: auction.lot, bid: auction.bid };
}

/**
 * The largest lot a bid may ask against the current `lot`: `min(lot − 1, floor(lot·1e18 / beg))`
 * (both dent rules; floor, so the answer always passes the exact check). 0 when no bid can beat it.
 * @param lot base units ≥ 0.
 */
export function maxDentLot(house: Pick<DebtAuctionHouse, 'begWad'>, lot: bigint): bigint {
  if (lot <= 0n) return 0n;
  // floor: the largest lot with beg·lot ≤ prev·1e18.
  const byBeg = mulDiv(lot, WAD, house.begWad, Rounding.Down);
  return byBeg < lot ? byBeg : lot - 1n;
}

/**
 * The fewest tokens a bidder accepts for `bid` at its valuation `price`: `ceil(bid / price)`
 * (ceil: at its price the tokens are worth at least the bid; it favours the bidder, whose choice
 * it is). `price` is in bid units per token unit, so `bid / price` is in token units (Maker: a
 * RAD bid over a RAY price in DAI per MKR gives a WAD lot).
 * @throws InvalidParameterError (`price`) when the price is ≤ 0.
 */
export function lotAtPrice(bid: bigint, price: bigint): bigint {
  if (price <= 0n) throw new InvalidParameterError('price', `expected a price > 0, got ${price}`);
  return divRound(bid, price, Rounding.Up);
}

/** How a debt auction ends when its best bidder bids at once the fewest tokens it accepts. */
export interface CompetitiveOutcome {
  /** Restarts (`tick`s) needed before that bid is accepted. */
  readonly restarts: number;
  /** The lot the auction offered when the bid landed, base units. */
  readonly offeredLot: bigint;
  /** The lot sold: the bidder's reservation lot, base units. */
  readonly lot: bigint;
}

/**
 * The outcome of an auction under competition: the best bidder bids its reservation lot (the
 * fewest tokens it accepts; see {@link lotAtPrice}) as soon as the rules accept it. A rival that
 * stepped down by `beg` each round ends within one `beg` step of the same lot, so this is where
 * competition drives the auction. The auction restarts (lot × pad, floored) while the reservation
 * is above {@link maxDentLot} of the offered lot.
 * @param input `dumpLot` the starting lot and `reservationLot` (base units, > 0); `maxRestarts`
 * bounds the restarts (whole number ≥ 0).
 * @returns the outcome, or undefined when `maxRestarts` restarts are not enough (or pad = 1 never
 * gets there).
 * @throws InvalidParameterError for a starting or reservation lot ≤ 0.
 */
export function competitiveOutcome(
  house: Pick<DebtAuctionHouse, 'begWad' | 'padWad'>,
  input: { readonly dumpLot: bigint; readonly reservationLot: bigint; readonly maxRestarts: number },
): CompetitiveOutcome | undefined {
  if (input.dumpLot <= 0n) throw new InvalidParameterError('dumpLot', 'expected tokens > 0');
  if (input.reservationLot <= 0n) throw new InvalidParameterError('reservationLot', 'expected tokens > 0');
  let offered = input.dumpLot;
  for (let restarts = 0; restarts <= input.maxRestarts; restarts++) {
    if (input.reservationLot <= maxDentLot(house, offered)) {
      return { restarts, offeredLot: offered, lot: input.reservationLot };
    }
    offered = restartedLot(house, offered);
  }
  return undefined;
}

/**
 * How many auctions a debt can start: the issuer kicks one while the debt not yet on auction is at
 * least the fixed bid (makerdao/dss src/vow.sol flop: `sump ≤ sin − Sin − Ash`), so
 * `floor(debt / bid)` auctions and a remainder below one bid that no auction covers.
 * @param debt the debt to cover, bid units ≥ 0. @param bid the fixed bid, > 0.
 * @throws InvalidParameterError (`bid`) for a bid ≤ 0, (`debt`) for a negative debt.
 */
export function debtAuctionsNeeded(
  debt: bigint,
  bid: bigint,
): { readonly auctions: bigint; readonly remainder: bigint } {
  if (bid <= 0n) throw new InvalidParameterError('bid', `expected an amount > 0, got ${bid}`);
  if (debt < 0n) throw new InvalidParameterError('debt', `expected an amount ≥ 0, got ${debt}`);
  // floor: an auction only starts for a whole bid of debt.
  const auctions = divRound(debt, bid, Rounding.Down);
  return { auctions, remainder: debt - auctions * bid };
}
