/**
 * The arithmetic of Maker's liquidation 2.0 trigger, `Dog.bark` (makerdao/dss src/dog.sol): the
 * unsafe test, how much of a vault one call may take under the global `Hole` and per-ilk `hole`
 * in-flight budgets, the dust rules, and the target `tab` with the penalty `chop`.
 */
import { ProtocolRevertError } from '../../../engine/errors.js';
import { addChecked, mulChecked } from '../../../math/maker.js';
import { divRound, min, Rounding } from '../../../math/mulDiv.js';
import { WAD } from '../../../math/units.js';

/** The state `bark` reads: the vault, its ilk in the Vat, and the Dog's budgets. */
export interface BarkInput {
  /** Vault collateral, WAD. */
  readonly inkWad: bigint;
  /** Vault normalized debt, WAD. */
  readonly artWad: bigint;
  /** Ilk debt accumulator, RAY. */
  readonly rateRay: bigint;
  /** Ilk spot price (price / mat), RAY. */
  readonly spotRay: bigint;
  /** Ilk minimum vault debt, RAD. */
  readonly dustRad: bigint;
  /** Global in-flight budget and its use, RAD. */
  readonly HoleRad: bigint;
  readonly DirtRad: bigint;
  /** Per-ilk in-flight budget and its use, RAD. */
  readonly holeRad: bigint;
  readonly dirtRad: bigint;
  /** Liquidation penalty, WAD ≥ 1e18. */
  readonly chopWad: bigint;
}

/** What `bark` decides. */
export interface BarkAmounts {
  /** Normalized debt taken from the vault, WAD. */
  readonly dartWad: bigint;
  /** Collateral taken from the vault (the auction lot), WAD. */
  readonly dinkWad: bigint;
  /** Debt moved to the Vow's queue, `dart·rate`, RAD. */
  readonly dueRad: bigint;
  /** DAI the auction must raise, `due·chop/WAD`, RAD. */
  readonly tabRad: bigint;
  readonly inkAfterWad: bigint;
  readonly artAfterWad: bigint;
  readonly DirtAfterRad: bigint;
  readonly dirtAfterRad: bigint;
}

/**
 * Whether a vault is unsafe: `spot > 0 && ink·spot < art·rate` (strict; equality is safe). The
 * products use dss's checked `mul` (makerdao/dss src/dog.sol bark, src/vat.sol frob).
 * @param input inkWad, artWad, rateRay, spotRay.
 * @throws OverflowError when a product exceeds 2^256 − 1 (the contract reverts).
 */
export function isUnsafe(input: {
  readonly inkWad: bigint;
  readonly artWad: bigint;
  readonly rateRay: bigint;
  readonly spotRay: bigint;
}): boolean {
  return (
    input.spotRay > 0n && mulChecked(input.inkWad, input.spotRay) < mulChecked(input.artWad, input.rateRay)
  );
}

/**
 * The amounts of one `Dog.bark` (makerdao/dss src/dog.sol bark), checks in the contract's order:
 * ```
 * require(spot > 0 && ink·spot < art·rate)                "Dog/not-unsafe"
 * require(Hole > Dirt && hole > dirt)                     "Dog/liquidation-limit-hit"
 * room = min(Hole − Dirt, hole − dirt)
 * dart = min(art, room·WAD / rate / chop)                 floor, floor: tab stays ≤ room
 * if art > dart:
 *   if (art − dart)·rate < dust: dart = art               never leave a dusty vault (may pass hole)
 *   else require(dart·rate >= dust)                       "Dog/dusty-auction-from-partial-liquidation"
 * dink = ink·dart / art                                   floor: the vault keeps the remainder
 * require(dink > 0)                                       "Dog/null-auction"
 * require(dart ≤ 2^255 && dink ≤ 2^255)                   "Dog/overflow"
 * due = dart·rate;  tab = due·chop / WAD                  floor: the penalty rounds in the vault's favour
 * ```
 * @throws ProtocolRevertError with the dss revert string (computed values attached);
 * DivisionByZeroError when rate or chop is 0 past the unsafe test; OverflowError where dss's
 * checked math reverts.
 */
export function barkAmounts(input: BarkInput): BarkAmounts {
  const { inkWad, artWad, rateRay, spotRay, dustRad, HoleRad, DirtRad, holeRad, dirtRad, chopWad } = input;
  if (!isUnsafe({ inkWad, artWad, rateRay, spotRay })) {
    throw new ProtocolRevertError(
      'Dog/not-unsafe',
      'The vault is safe: ink·spot ≥ art·rate. Only unsafe vaults can be barked.',
      {
        collateralRad: (inkWad * spotRay).toString(),
        debtRad: (artWad * rateRay).toString(),
      },
    );
  }
  if (!(HoleRad > DirtRad && holeRad > dirtRad)) {
    throw new ProtocolRevertError(
      'Dog/liquidation-limit-hit',
      'The in-flight liquidation budget (Hole or the ilk hole) is used up: wait for auctions to raise DAI.',
      {
        HoleRad: HoleRad.toString(),
        DirtRad: DirtRad.toString(),
        holeRad: holeRad.toString(),
        dirtRad: dirtRad.toString(),
      },
    );
  }
  const roomRad = min(HoleRad - DirtRad, holeRad - dirtRad);
  // floor twice, as dss `mul(room, WAD) / rate / chop`: the auction's tab never exceeds the room.
  const roomArtWad = divRound(
    divRound(mulChecked(roomRad, WAD), rateRay, Rounding.Down),
    chopWad,
    Rounding.Down,
  );
  let dartWad = min(artWad, roomArtWad);
  if (artWad > dartWad) {
    if (mulChecked(artWad - dartWad, rateRay) < dustRad) {
      dartWad = artWad;
    } else if (mulChecked(dartWad, rateRay) < dustRad) {
      throw new ProtocolRevertError(
        'Dog/dusty-auction-from-partial-liquidation',
        'The room left in the liquidation budget would start an auction below dust; wait for room.',
        { roomRad: roomRad.toString(), dartWad: dartWad.toString() },
      );
    }
  }
  // floor: dss `mul(ink, dart) / art`; the vault keeps the sub-wei remainder of collateral.
  const dinkWad = divRound(mulChecked(inkWad, dartWad), artWad, Rounding.Down);
  if (dinkWad <= 0n) {
    throw new ProtocolRevertError('Dog/null-auction', 'The vault would give no collateral to the auction.', {
      dartWad: dartWad.toString(),
    });
  }
  const LIMIT = 1n << 255n;
  if (dartWad > LIMIT || dinkWad > LIMIT) {
    throw new ProtocolRevertError('Dog/overflow', 'dart or dink does not fit int256.');
  }
  const dueRad = mulChecked(dartWad, rateRay);
  // floor: dss `mul(due, chop) / WAD`; the penalty's sub-wei remainder favours the vault owner.
  const tabRad = divRound(mulChecked(dueRad, chopWad), WAD, Rounding.Down);
  return {
    dartWad,
    dinkWad,
    dueRad,
    tabRad,
    inkAfterWad: inkWad - dinkWad,
    artAfterWad: artWad - dartWad,
    DirtAfterRad: addChecked(DirtRad, tabRad),
    dirtAfterRad: addChecked(dirtRad, tabRad),
  };
}
