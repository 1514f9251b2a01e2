/**
 * The arithmetic of Maker's liquidation 1.2 trigger, `Cat.bite` (makerdao/dss src/cat.sol): the
 * unsafe test, the `box`/`litter` in-flight budget, the per-ilk lot size `dunk`, and the tab.
 */
import { ProtocolRevertError } from '../../../engine/errors.js';
import { addChecked, mulChecked, subChecked } from '../../../math/maker.js';
import { divRound, min, Rounding } from '../../../math/mulDiv.js';
import {
  type GrabAmounts,
  grabAmounts,
  isUnsafe,
  type LiquidationRefusal,
  roomArtWad,
  type UrnAmounts,
} from './dog.js';

/** The state `bite` reads. */
export interface BiteInput extends UrnAmounts {
  /** Ilk minimum vault debt, RAD. */
  readonly dustRad: bigint;
  /** Cat's in-flight budget and its use, RAD. */
  readonly boxRad: bigint;
  readonly litterRad: bigint;
  /** Most DAI (debt + penalty) one bite may send to auction, RAD. */
  readonly dunkRad: bigint;
  /** Liquidation penalty, WAD. */
  readonly chopWad: bigint;
}

/** What `bite` decides (the tab is what the Flipper must raise). */
export interface BiteAmounts extends GrabAmounts {
  readonly litterAfterRad: bigint;
}

/**
 * The amounts of one `Cat.bite` (makerdao/dss src/cat.sol bite), in the contract's order:
 * ```
 * require(spot > 0 && ink·spot < art·rate)              "Cat/not-unsafe"
 * room = box − litter                                   (checked: reverts when litter > box)
 * require(litter < box && room >= dust)                 "Cat/liquidation-limit-hit"
 * dart = min(art, min(dunk, room)·WAD / rate / chop)    floor, floor
 * dink = min(ink, ink·dart / art)                       floor
 * require(dart > 0 && dink > 0)                         "Cat/null-auction"
 * tab  = dart·rate·chop / WAD                           floor
 * ```
 * Unlike the Dog, a bite may leave a dusty vault.
 * @throws ProtocolRevertError with the dss revert string; OverflowError where dss's checked math
 * reverts (including `box − litter` when litter > box); DivisionByZeroError when rate or chop is 0.
 */
export function biteAmounts(input: BiteInput): BiteAmounts {
  const outcome = biteOutcome(input);
  if ('refusal' in outcome) {
    const r = outcome.refusal;
    throw new ProtocolRevertError(r.reason, r.hint, r.computed);
  }
  return outcome;
}

/**
 * {@link biteAmounts} without the throw for its `Cat/...` reverts, for callers that screen many
 * vaults (a keeper deciding): the amounts, or `{ refusal }` where biteAmounts would throw
 * ProtocolRevertError (not-unsafe, liquidation-limit-hit, null-auction). Same checks in the same order.
 * @throws ProtocolRevertError "Cat/overflow" (as grabAmounts), OverflowError (including
 * `box − litter` when litter > box) and DivisionByZeroError as biteAmounts.
 */
export function biteOutcome(input: BiteInput): BiteAmounts | { readonly refusal: LiquidationRefusal } {
  const { inkWad, artWad, rateRay, spotRay, dustRad, boxRad, litterRad, dunkRad, chopWad } = input;
  if (!isUnsafe({ inkWad, artWad, rateRay, spotRay })) {
    return {
      refusal: {
        reason: 'Cat/not-unsafe',
        hint: 'The vault is safe: ink·spot ≥ art·rate.',
        // Built only when read (a thrown revert): keepers screening vaults skip the decimal strings.
        get computed() {
          return { collateralRad: (inkWad * spotRay).toString(), debtRad: (artWad * rateRay).toString() };
        },
      },
    };
  }
  const roomRad = subChecked(boxRad, litterRad);
  if (!(litterRad < boxRad && roomRad >= dustRad)) {
    return {
      refusal: {
        reason: 'Cat/liquidation-limit-hit',
        hint: 'The litterbox has no room for a non-dusty auction: wait for auctions to end.',
        // Built only when read (a thrown revert): keepers screening vaults skip the decimal strings.
        get computed() {
          return { roomRad: roomRad.toString(), dustRad: dustRad.toString() };
        },
      },
    };
  }
  // floor twice (see roomArtWad), as dss `mul(min(dunk, room), WAD) / rate / chop`: the tab
  // never exceeds the room.
  const dartWad = min(artWad, roomArtWad({ roomRad: min(dunkRad, roomRad), rateRay, chopWad }));
  // floor: dss `mul(ink, dart) / art`; the vault keeps the remainder.
  const dinkWad = min(inkWad, divRound(mulChecked(inkWad, dartWad), artWad, Rounding.Down));
  if (!(dartWad > 0n && dinkWad > 0n)) {
    return {
      refusal: {
        reason: 'Cat/null-auction',
        hint: 'The bite would auction nothing.',
        // Built only when read (a thrown revert): keepers screening vaults skip the decimal strings.
        get computed() {
          return { dartWad: dartWad.toString(), dinkWad: dinkWad.toString() };
        },
      },
    };
  }
  // Fields named, not spread (see barkOutcome): keepers call this for every vault they screen.
  const grabbed = grabAmounts({
    inkWad,
    artWad,
    dartWad,
    dinkWad,
    rateRay,
    chopWad,
    overflowReason: 'Cat/overflow',
  });
  return {
    dartWad: grabbed.dartWad,
    dinkWad: grabbed.dinkWad,
    dueRad: grabbed.dueRad,
    tabRad: grabbed.tabRad,
    inkAfterWad: grabbed.inkAfterWad,
    artAfterWad: grabbed.artAfterWad,
    litterAfterRad: addChecked(litterRad, grabbed.tabRad),
  };
}
