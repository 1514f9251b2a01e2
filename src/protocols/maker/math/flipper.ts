/**
 * The bid rules of Maker's liquidation 1.2 English/reverse auction, the Flipper
 * (makerdao/dss src/flip.sol): the `tend` minimum bid increase and the `dent` minimum lot decrease,
 * both governed by `beg`.
 */
import { mulChecked } from '../../../math/maker.js';
import { WAD } from '../../../math/units.js';

/** Inputs of {@link tendRefusal}. Amounts share one scale (RAD in the Flipper). */
export interface TendInput {
  /** The new bid (DAI offered for the whole lot). */
  readonly bid: bigint;
  /** The current highest bid (0 before the first). */
  readonly prevBid: bigint;
  /** DAI the auction must raise. */
  readonly tab: bigint;
  /** Minimum relative increase, WAD (1.05e18 = 5 %). */
  readonly begWad: bigint;
}

/**
 * Why a `tend` bid is refused, or undefined when it is accepted (makerdao/dss src/flip.sol tend),
 * checks in the contract's order:
 * `bid <= tab` ("Flipper/higher-than-tab"), `bid > prevBid` ("Flipper/bid-not-higher"),
 * `bid·1e18 >= beg·prevBid || bid == tab` ("Flipper/insufficient-increase": a bid that closes the
 * tab may be less than `beg` above the previous one).
 * @throws OverflowError as the contract's checked `mul` would revert.
 */
export function tendRefusal(input: TendInput): string | undefined {
  if (input.bid > input.tab) return 'Flipper/higher-than-tab';
  if (input.bid <= input.prevBid) return 'Flipper/bid-not-higher';
  if (!(mulChecked(input.bid, WAD) >= mulChecked(input.begWad, input.prevBid) || input.bid === input.tab)) {
    return 'Flipper/insufficient-increase';
  }
  return undefined;
}

/** Whether a `tend` bid is accepted ({@link tendRefusal} finds nothing). Same throws. */
export function tendAccepted(input: TendInput): boolean {
  return tendRefusal(input) === undefined;
}

/** Inputs of {@link dentRefusal}. */
export interface DentInput {
  /** The new (smaller) lot asked for the full tab, WAD. */
  readonly lot: bigint;
  /** The current lot, WAD. */
  readonly prevLot: bigint;
  /** Minimum relative decrease, WAD (1.05e18 = 5 %). */
  readonly begWad: bigint;
}

/**
 * Why a `dent` bid is refused, or undefined when it is accepted (makerdao/dss src/flip.sol dent):
 * `lot < prevLot` ("Flipper/lot-not-lower"), `beg·lot <= prevLot·1e18`
 * ("Flipper/insufficient-decrease").
 * @throws OverflowError as the contract's checked `mul` would revert.
 */
export function dentRefusal(input: DentInput): string | undefined {
  if (input.lot >= input.prevLot) return 'Flipper/lot-not-lower';
  if (mulChecked(input.begWad, input.lot) > mulChecked(input.prevLot, WAD))
    return 'Flipper/insufficient-decrease';
  return undefined;
}

/** Whether a `dent` bid is accepted ({@link dentRefusal} finds nothing). Same throws. */
export function dentAccepted(input: DentInput): boolean {
  return dentRefusal(input) === undefined;
}
