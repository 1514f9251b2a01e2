/**
 * The arithmetic of Maker's liquidation 2.0 trigger, `Dog.bark` (makerdao/dss src/dog.sol): the
 * unsafe test, how much of a vault one call may take under the global `Hole` and per-ilk `hole`
 * in-flight budgets, the dust rules, and the target `tab` with the penalty `chop`.
 */
import { ProtocolRevertError } from '../../../engine/errors.js';
import { addChecked, mulChecked } from '../../../math/maker.js';
import { divRound, min, Rounding } from '../../../math/mulDiv.js';
import { WAD } from '../../../math/units.js';

/** A vault and its ilk as the unsafe test reads them. */
export interface UrnAmounts {
  /** Vault collateral and normalized debt, WAD. */
  readonly inkWad: bigint;
  readonly artWad: bigint;
  /** Ilk debt accumulator and spot price (price / mat), RAY. */
  readonly rateRay: bigint;
  readonly spotRay: bigint;
}

/** The state `bark` reads: the vault, its ilk in the Vat, and the Dog's budgets. */
export interface BarkInput extends UrnAmounts {
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

/**
 * What a liquidation takes from a vault, common to `Cat.bite` and `Dog.bark` (each adds its
 * module's budget after the call).
 */
export interface GrabAmounts {
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
}

/** What `bark` decides. */
export interface BarkAmounts extends GrabAmounts {
  readonly DirtAfterRad: bigint;
  readonly dirtAfterRad: bigint;
}

/**
 * How a liquidation module refuses a safe vault: its dss revert string (`Cat/not-unsafe`,
 * `Dog/not-unsafe`), the hint, and whether the vault's collateral `ink·spot` and debt `art·rate`
 * (RAD) go into the revert's computed fields.
 */
export interface NotUnsafeRevert {
  readonly reason: string;
  readonly hint: string;
  readonly withAmounts: boolean;
}

/**
 * Whether a vault is unsafe: `spot > 0 && ink·spot < art·rate` (strict; equality is safe). The
 * products use dss's checked `mul` (makerdao/dss src/dog.sol bark, src/vat.sol frob).
 * @param input inkWad, artWad, rateRay, spotRay.
 * @throws OverflowError when a product exceeds 2^256 − 1 (the contract reverts).
 */
export function isUnsafe(input: UrnAmounts): boolean {
  return (
    input.spotRay > 0n && mulChecked(input.inkWad, input.spotRay) < mulChecked(input.artWad, input.rateRay)
  );
}

/**
 * The liquidation trigger's test (makerdao/dss src/dog.sol bark, src/cat.sol bite): returns when
 * the vault is unsafe (see isUnsafe), else refuses with the module's revert.
 * @throws ProtocolRevertError `revert.reason` for a safe vault; OverflowError as isUnsafe.
 */
export function requireUnsafe(urn: UrnAmounts, revert: NotUnsafeRevert): void {
  if (isUnsafe(urn)) return;
  throw new ProtocolRevertError(
    revert.reason,
    revert.hint,
    revert.withAmounts
      ? {
          collateralRad: (urn.inkWad * urn.spotRay).toString(),
          debtRad: (urn.artWad * urn.rateRay).toString(),
        }
      : {},
  );
}

/**
 * The most normalized debt (WAD) a budget of `roomRad` DAI may send to auction once the penalty is
 * added: `room·WAD / rate / chop`, floored twice as dss computes it (makerdao/dss src/dog.sol bark
 * `mul(room, WAD) / rate / chop`, src/cat.sol bite `mul(min(dunk, room), WAD) / rate / chop`).
 * Flooring favours the budget: the auction's tab `dart·rate·chop/WAD` never exceeds the room.
 * @param input roomRad RAD, rateRay RAY, chopWad WAD.
 * @throws OverflowError when room·WAD > 2^256 − 1; DivisionByZeroError when rate or chop is 0.
 */
export function roomArtWad(input: {
  readonly roomRad: bigint;
  readonly rateRay: bigint;
  readonly chopWad: bigint;
}): bigint {
  return divRound(
    divRound(mulChecked(input.roomRad, WAD), input.rateRay, Rounding.Down),
    input.chopWad,
    Rounding.Down,
  );
}

/**
 * The end of a liquidation's arithmetic, shared by `Dog.bark` and `Cat.bite` (makerdao/dss
 * src/dog.sol bark, src/cat.sol bite): dart and dink must fit int256 (`overflowReason`, e.g.
 * "Dog/overflow"), then `due = dart·rate` and `tab = due·chop / WAD`, floored: the penalty's sub-wei
 * remainder favours the vault owner.
 * @param input the vault's inkWad and artWad, the dartWad and dinkWad taken, rateRay, chopWad.
 * @throws ProtocolRevertError `overflowReason`; OverflowError where dss's checked math reverts.
 */
export function grabAmounts(input: {
  readonly inkWad: bigint;
  readonly artWad: bigint;
  readonly dartWad: bigint;
  readonly dinkWad: bigint;
  readonly rateRay: bigint;
  readonly chopWad: bigint;
  readonly overflowReason: string;
}): GrabAmounts {
  const { inkWad, artWad, dartWad, dinkWad, rateRay, chopWad } = input;
  const LIMIT = 1n << 255n;
  if (dartWad > LIMIT || dinkWad > LIMIT) {
    throw new ProtocolRevertError(input.overflowReason, 'dart or dink does not fit int256.');
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
  };
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
  const outcome = barkOutcome(input);
  if ('refusal' in outcome) {
    const r = outcome.refusal;
    throw new ProtocolRevertError(r.reason, r.hint, r.computed);
  }
  return outcome;
}

/** Why `bark` or `bite` would revert: the dss string, the hint and the computed values. */
export interface LiquidationRefusal {
  readonly reason: string;
  readonly hint: string;
  readonly computed: Readonly<Record<string, string>>;
}

/**
 * {@link barkAmounts} without the throw for its `Dog/...` reverts, for callers that screen many
 * vaults (a keeper deciding): the amounts, or `{ refusal }` where barkAmounts would throw
 * ProtocolRevertError (not-unsafe, liquidation-limit-hit, dusty-auction-from-partial-liquidation,
 * null-auction). Same checks in the same order.
 * @throws ProtocolRevertError "Dog/overflow" (as grabAmounts), DivisionByZeroError and
 * OverflowError as barkAmounts.
 */
export function barkOutcome(input: BarkInput): BarkAmounts | { readonly refusal: LiquidationRefusal } {
  const { inkWad, artWad, rateRay, spotRay, dustRad, HoleRad, DirtRad, holeRad, dirtRad, chopWad } = input;
  if (!isUnsafe({ inkWad, artWad, rateRay, spotRay })) {
    return {
      refusal: {
        reason: 'Dog/not-unsafe',
        hint: 'The vault is safe: ink·spot ≥ art·rate. Only unsafe vaults can be barked.',
        // Built only when read (a thrown revert): keepers screening vaults skip the decimal strings.
        get computed() {
          return { collateralRad: (inkWad * spotRay).toString(), debtRad: (artWad * rateRay).toString() };
        },
      },
    };
  }
  if (!(HoleRad > DirtRad && holeRad > dirtRad)) {
    return {
      refusal: {
        reason: 'Dog/liquidation-limit-hit',
        hint: 'The in-flight liquidation budget (Hole or the ilk hole) is used up: wait for auctions to raise DAI.',
        // Built only when read (a thrown revert): keepers screening vaults skip the decimal strings.
        get computed() {
          return {
            HoleRad: HoleRad.toString(),
            DirtRad: DirtRad.toString(),
            holeRad: holeRad.toString(),
            dirtRad: dirtRad.toString(),
          };
        },
      },
    };
  }
  const roomRad = min(HoleRad - DirtRad, holeRad - dirtRad);
  // floor twice (see roomArtWad): the auction's tab never exceeds the room.
  let dartWad = min(artWad, roomArtWad({ roomRad, rateRay, chopWad }));
  if (artWad > dartWad) {
    if (mulChecked(artWad - dartWad, rateRay) < dustRad) {
      dartWad = artWad;
    } else if (mulChecked(dartWad, rateRay) < dustRad) {
      return {
        refusal: {
          reason: 'Dog/dusty-auction-from-partial-liquidation',
          hint: 'The room left in the liquidation budget would start an auction below dust; wait for room.',
          // Built only when read (a thrown revert): keepers screening vaults skip the decimal strings.
          get computed() {
            return { roomRad: roomRad.toString(), dartWad: dartWad.toString() };
          },
        },
      };
    }
  }
  // floor: dss `mul(ink, dart) / art`; the vault keeps the sub-wei remainder of collateral.
  const dinkWad = divRound(mulChecked(inkWad, dartWad), artWad, Rounding.Down);
  if (dinkWad <= 0n) {
    return {
      refusal: {
        reason: 'Dog/null-auction',
        hint: 'The vault would give no collateral to the auction.',
        // Built only when read (a thrown revert): keepers screening vaults skip the decimal strings.
        get computed() {
          return { dartWad: dartWad.toString() };
        },
      },
    };
  }
  // Fields named, not spread: keepers call this for every vault they screen, and a spread of the
  // input copies all ten of its fields into a fresh object shape each time.
  const grabbed = grabAmounts({
    inkWad,
    artWad,
    dartWad,
    dinkWad,
    rateRay,
    chopWad,
    overflowReason: 'Dog/overflow',
  });
  return {
    dartWad: grabbed.dartWad,
    dinkWad: grabbed.dinkWad,
    dueRad: grabbed.dueRad,
    tabRad: grabbed.tabRad,
    inkAfterWad: grabbed.inkAfterWad,
    artAfterWad: grabbed.artAfterWad,
    DirtAfterRad: addChecked(DirtRad, grabbed.tabRad),
    dirtAfterRad: addChecked(dirtRad, grabbed.tabRad),
  };
}
