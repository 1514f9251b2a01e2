/**
 * The arithmetic of Maker's liquidation 1.2 trigger, `Cat.bite` (makerdao/dss src/cat.sol): the
 * unsafe test, the `box`/`litter` in-flight budget, the per-ilk lot size `dunk`, and the tab.
 */
import { ProtocolRevertError } from '../../../engine/errors.js';
import { addChecked, mulChecked, subChecked } from '../../../math/maker.js';
import { divRound, min, Rounding } from '../../../math/mulDiv.js';
import { WAD } from '../../../math/units.js';
import { isUnsafe } from './dog.js';

/** The state `bite` reads. */
export interface BiteInput {
  /** Vault collateral and normalized debt, WAD. */
  readonly inkWad: bigint;
  readonly artWad: bigint;
  /** Ilk accumulator and spot, RAY. */
  readonly rateRay: bigint;
  readonly spotRay: bigint;
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

/** What `bite` decides. */
export interface BiteAmounts {
  /** Normalized debt taken, WAD. */
  readonly dartWad: bigint;
  /** Collateral taken (the lot), WAD. */
  readonly dinkWad: bigint;
  /** Debt moved to the Vow, `dart·rate`, RAD. */
  readonly dueRad: bigint;
  /** DAI the Flipper must raise, `dart·rate·chop/WAD`, RAD. */
  readonly tabRad: bigint;
  readonly inkAfterWad: bigint;
  readonly artAfterWad: bigint;
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
  const { inkWad, artWad, rateRay, spotRay, dustRad, boxRad, litterRad, dunkRad, chopWad } = input;
  if (!isUnsafe({ inkWad, artWad, rateRay, spotRay })) {
    throw new ProtocolRevertError('Cat/not-unsafe', 'The vault is safe: ink·spot ≥ art·rate.', {
      collateralRad: (inkWad * spotRay).toString(),
      debtRad: (artWad * rateRay).toString(),
    });
  }
  const roomRad = subChecked(boxRad, litterRad);
  if (!(litterRad < boxRad && roomRad >= dustRad)) {
    throw new ProtocolRevertError(
      'Cat/liquidation-limit-hit',
      'The litterbox has no room for a non-dusty auction: wait for auctions to end.',
      { roomRad: roomRad.toString(), dustRad: dustRad.toString() },
    );
  }
  // floor twice, as dss `mul(min(dunk, room), WAD) / rate / chop`: the tab never exceeds the room.
  const capWad = divRound(
    divRound(mulChecked(min(dunkRad, roomRad), WAD), rateRay, Rounding.Down),
    chopWad,
    Rounding.Down,
  );
  const dartWad = min(artWad, capWad);
  // floor: dss `mul(ink, dart) / art`; the vault keeps the remainder.
  const dinkWad = min(inkWad, divRound(mulChecked(inkWad, dartWad), artWad, Rounding.Down));
  if (!(dartWad > 0n && dinkWad > 0n)) {
    throw new ProtocolRevertError('Cat/null-auction', 'The bite would auction nothing.', {
      dartWad: dartWad.toString(),
      dinkWad: dinkWad.toString(),
    });
  }
  const LIMIT = 1n << 255n;
  if (dartWad > LIMIT || dinkWad > LIMIT)
    throw new ProtocolRevertError('Cat/overflow', 'dart or dink does not fit int256.');
  const dueRad = mulChecked(dartWad, rateRay);
  // floor: dss `mul(mul(dart, rate), chop) / WAD`; the penalty's remainder favours the vault owner.
  const tabRad = divRound(mulChecked(dueRad, chopWad), WAD, Rounding.Down);
  return {
    dartWad,
    dinkWad,
    dueRad,
    tabRad,
    inkAfterWad: inkWad - dinkWad,
    artAfterWad: artWad - dartWad,
    litterAfterRad: addChecked(litterRad, tabRad),
  };
}
