/**
 * The arithmetic of Maker's Dutch auction house, the Clipper (makerdao/dss src/clip.sol): the
 * starting price from the OSM, keeper incentives (`tip + chip·tab`), the cached minimum remainder
 * `chost`, whether an auction needs a reset, and the partial-fill algebra of `take`.
 */
import { ProtocolRevertError } from '../../../engine/errors.js';
import { DivisionByZeroError } from '../../../math/errors.js';
import { addChecked, mulChecked, rdiv, rmul, wmul } from '../../../math/maker.js';
import { divRound, min, Rounding, requireUint256, requireUnsigned } from '../../../math/mulDiv.js';
import { RAY } from '../../../math/units.js';
import { type AbacusCurve, auctionPrice } from './abaci.js';

/** Billion: turns a WAD price into a RAY (dss clip.sol `BLN`). */
const BLN = 10n ** 9n;

/**
 * The feed price the Clipper starts auctions from: `rdiv(val·1e9, par)` (makerdao/dss src/clip.sol
 * getFeedPrice). `val` is the OSM's current value.
 * @param valWad OSM price, WAD (USD per unit of collateral).
 * @param parRay DAI target price, RAY (1e27 on mainnet).
 * @returns DAI per unit of collateral, RAY (floored).
 * @throws DivisionByZeroError when par is 0; OverflowError as dss's checked `mul` would revert.
 */
export function feedPriceRay(valWad: bigint, parRay: bigint = RAY): bigint {
  return rdiv(mulChecked(valWad, BLN), parRay);
}

/**
 * Starting price of an auction: `top = rmul(feedPrice, buf)` (makerdao/dss src/clip.sol kick/redo),
 * floored. @param feedPriceRay RAY. @param bufRay RAY ≥ 1e27. @returns RAY.
 * @throws OverflowError as dss's checked `mul` would revert.
 */
export function startPriceRay(feedPriceRay: bigint, bufRay: bigint): bigint {
  return rmul(feedPriceRay, bufRay);
}

/** Inputs of {@link kickIncentive}. */
export interface IncentiveInput {
  /** DAI the auction must raise, RAD. */
  readonly tabRad: bigint;
  /** Flat keeper fee, RAD. */
  readonly tipRad: bigint;
  /** Share of the tab paid to the keeper, WAD. */
  readonly chipWad: bigint;
}

/**
 * The keeper incentive of `kick`: `coin = tip + wmul(tab, chip)` when `tip > 0 || chip > 0`, else 0
 * (makerdao/dss src/clip.sol kick). `wmul` floors: the system mints at most the exact share.
 * The Vow mints it (`vat.suck`), so it adds system debt.
 * @returns coin, RAD. @throws OverflowError as dss's checked math would revert.
 */
export function kickIncentive(input: IncentiveInput): bigint {
  if (input.tipRad === 0n && input.chipWad === 0n) return 0n;
  return addChecked(input.tipRad, wmul(input.tabRad, input.chipWad));
}

/**
 * The keeper incentive of `redo` (makerdao/dss src/clip.sol redo): like `kick`, but paid only when
 * the auction is not dusty, `tab >= chost && lot·feedPrice >= chost`.
 * @param input tab, tip, chip as in {@link kickIncentive}; `lotWad` the collateral left, WAD;
 * `feedPriceRay` the fresh OSM price, RAY; `chostRad` the cached minimum, RAD.
 * @returns coin, RAD (0 when not paid). @throws OverflowError as dss's checked math would revert.
 */
export function redoIncentive(
  input: IncentiveInput & {
    readonly lotWad: bigint;
    readonly feedPriceRay: bigint;
    readonly chostRad: bigint;
  },
): bigint {
  if (input.tipRad === 0n && input.chipWad === 0n) return 0n;
  if (input.tabRad >= input.chostRad && mulChecked(input.lotWad, input.feedPriceRay) >= input.chostRad) {
    return addChecked(input.tipRad, wmul(input.tabRad, input.chipWad));
  }
  return 0n;
}

/**
 * `chost = wmul(dust, chop)`: the smallest tab a partial `take` may leave (makerdao/dss src/clip.sol
 * upchost). Floored. @param dustRad RAD. @param chopWad WAD. @returns RAD.
 * @throws OverflowError as dss's checked `mul` would revert.
 */
export function chost(dustRad: bigint, chopWad: bigint): bigint {
  return wmul(dustRad, chopWad);
}

/** Inputs of {@link auctionStatus}. */
export interface StatusInput {
  readonly curve: AbacusCurve;
  /** Starting price, RAY (> 0). */
  readonly topRay: bigint;
  /** Seconds since the auction's `tic`. */
  readonly durSeconds: bigint;
  /** Seconds after which the auction must be reset. */
  readonly tailSeconds: bigint;
  /** Fraction of `top` below which the auction must be reset, RAY. */
  readonly cuspRay: bigint;
}

/** Current price of an auction and whether it needs a reset. */
export interface AuctionStatus {
  /** Current price, RAY. */
  readonly priceRay: bigint;
  /** `rdiv(price, top)`, RAY (floored). */
  readonly priceOverTopRay: bigint;
  /** True when the auction needs `redo` before anyone can `take`. */
  readonly done: boolean;
}

/**
 * An auction's status (makerdao/dss src/clip.sol status): `price = calc.price(top, dur)`,
 * `done = dur > tail || rdiv(price, top) < cusp` (both strict).
 * @throws InvalidParameterError on a bad curve or negative duration; DivisionByZeroError when
 * top is 0 (the contract reverts too).
 */
export function auctionStatus(input: StatusInput): AuctionStatus {
  const priceRay = auctionPrice(input.curve, input.topRay, input.durSeconds);
  const priceOverTopRay = rdiv(priceRay, input.topRay);
  const done = input.durSeconds > input.tailSeconds || priceOverTopRay < input.cuspRay;
  return { priceRay, priceOverTopRay, done };
}

/**
 * {@link auctionStatus} without `priceOverTopRay`, for callers that read only the price and the
 * reset flag (keeper views price every live sale at every step; `take` and `redo`): the cusp test
 * `rdiv(price, top) < cusp` is decided as `price·RAY < cusp·top`, the same answer without the
 * division (for integers a ≥ 0, b > 0, c: ⌊a/b⌋ < c ⟺ a < c·b), after the same checks `rdiv`
 * makes (negative operands, `price·RAY` past uint256, top = 0), so it throws where auctionStatus
 * throws.
 * @throws as {@link auctionStatus}.
 */
export function auctionPriceAndDone(input: StatusInput): {
  readonly priceRay: bigint;
  readonly done: boolean;
} {
  const priceRay = auctionPrice(input.curve, input.topRay, input.durSeconds);
  requireUnsigned('rdiv', priceRay, input.topRay);
  const scaled = requireUint256('mul', priceRay * RAY);
  if (input.topRay === 0n) throw new DivisionByZeroError('rdiv');
  const done = input.durSeconds > input.tailSeconds || scaled < input.cuspRay * input.topRay;
  return { priceRay, done };
}

/** Inputs of {@link takeAmounts}. */
export interface TakeInput {
  /** DAI left to raise, RAD (> 0 for a running sale). */
  readonly tabRad: bigint;
  /** Collateral left, WAD (> 0 for a running sale). */
  readonly lotWad: bigint;
  /** Current auction price, RAY. */
  readonly priceRay: bigint;
  /** Most collateral the buyer wants, WAD. */
  readonly amtWad: bigint;
  /** Highest price the buyer accepts, RAY. */
  readonly maxRay: bigint;
  /** Minimum tab a partial purchase may leave, RAD. */
  readonly chostRad: bigint;
}

/** How a `take` leaves the sale. */
export type TakeOutcome = 'continues' | 'tabCovered' | 'lotExhausted';

/** What one `take` buys, pays and leaves. */
export interface TakeAmounts {
  /** Collateral bought, WAD. */
  readonly sliceWad: bigint;
  /** DAI paid, RAD. */
  readonly oweRad: bigint;
  /** `tab − owe`, RAD (when the lot is exhausted this remainder is written off). */
  readonly tabAfterRad: bigint;
  /** `lot − slice`, WAD. */
  readonly lotAfterWad: bigint;
  readonly outcome: TakeOutcome;
  /** What the Dog's `Dirt`/`dirt` are reduced by (`dog.digs`), RAD. */
  readonly digsRad: bigint;
  /** Collateral returned to the vault owner when the tab is covered, WAD. */
  readonly returnedToUsrWad: bigint;
}

/**
 * The partial-fill algebra of `Clipper.take` (makerdao/dss src/clip.sol take):
 * ```
 * require(max >= price)                                  "Clipper/too-expensive"
 * slice = min(lot, amt);  owe = slice·price              [rad]
 * if owe > tab:  owe = tab; slice = owe / price          floor: buyer gets ≤ the fair collateral
 * elif owe < tab && slice < lot && tab − owe < chost:
 *     require(tab > chost)                               "Clipper/no-partial-purchase"
 *     owe = tab − chost; slice = owe / price             floor
 * tab −= owe; lot −= slice
 * digs = lot == 0 ? tab + owe : owe
 * lot == 0: sale ends, any tab left is written off;  else tab == 0: lot returned to usr
 * ```
 * At price 0 (reachable only with `cusp = 0`) `owe` is 0 and the slice is free, as in dss; the
 * divisions by the price are then never reached.
 * @throws ProtocolRevertError (`Clipper/too-expensive`, `Clipper/no-partial-purchase`) with the
 * values known at the refusal; OverflowError where dss's checked `mul` reverts.
 */
export function takeAmounts(input: TakeInput): TakeAmounts {
  const { tabRad, lotWad, priceRay, amtWad, maxRay, chostRad } = input;
  if (maxRay < priceRay) {
    throw new ProtocolRevertError(
      'Clipper/too-expensive',
      'The current auction price is above your max: raise max or wait.',
      {
        priceRay: priceRay.toString(),
        maxRay: maxRay.toString(),
      },
    );
  }
  let sliceWad = min(lotWad, amtWad);
  let oweRad = mulChecked(sliceWad, priceRay);
  if (oweRad > tabRad) {
    oweRad = tabRad;
    // floor: dss `owe / price`; the buyer receives at most what the tab pays for.
    sliceWad = divRound(oweRad, priceRay, Rounding.Down);
  } else if (oweRad < tabRad && sliceWad < lotWad && tabRad - oweRad < chostRad) {
    if (!(tabRad > chostRad)) {
      throw new ProtocolRevertError(
        'Clipper/no-partial-purchase',
        'The tab left is at most chost: buy the whole remaining lot (or enough to cover the tab).',
        { tabRad: tabRad.toString(), chostRad: chostRad.toString(), oweRad: oweRad.toString() },
      );
    }
    oweRad = tabRad - chostRad;
    // floor: dss `owe / price`; the buyer receives at most what `owe` pays for.
    sliceWad = divRound(oweRad, priceRay, Rounding.Down);
  }
  const tabAfterRad = tabRad - oweRad;
  const lotAfterWad = lotWad - sliceWad;
  if (lotAfterWad === 0n) {
    return {
      sliceWad,
      oweRad,
      tabAfterRad,
      lotAfterWad,
      outcome: 'lotExhausted',
      digsRad: addChecked(tabAfterRad, oweRad),
      returnedToUsrWad: 0n,
    };
  }
  if (tabAfterRad === 0n) {
    return {
      sliceWad,
      oweRad,
      tabAfterRad,
      lotAfterWad,
      outcome: 'tabCovered',
      digsRad: oweRad,
      returnedToUsrWad: lotAfterWad,
    };
  }
  return {
    sliceWad,
    oweRad,
    tabAfterRad,
    lotAfterWad,
    outcome: 'continues',
    digsRad: oweRad,
    returnedToUsrWad: 0n,
  };
}

/**
 * Whether the ClipperMom's permissionless breaker may trip: `nxt < rmul(cur, tolerance)`
 * (makerdao/clipper-mom src/ClipperMom.sol tripBreaker; `rmul` floors).
 * @param input curWad/nxtWad the OSM's current and next values (any common scale); toleranceRay RAY ≤ 1e27.
 * @throws OverflowError as the contract's checked `mul` would revert.
 */
export function breakerTrips(input: {
  readonly curWad: bigint;
  readonly nxtWad: bigint;
  readonly toleranceRay: bigint;
}): boolean {
  return input.nxtWad < rmul(input.curWad, input.toleranceRay);
}
