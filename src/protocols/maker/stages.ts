/**
 * Liquidation-stage steps that Maker's two liquidation modules share, the Cat of liquidations 1.2
 * and the Dog of 2.0: the trigger's read of an unsafe urn, the lookup of an ilk's auction house
 * (Flipper or Clipper), the `vat.grab` into a new auction, and the `vow.fess` of the debt taken.
 * Each module passes its own revert strings; what differs between them stays in liq1/cat.ts and
 * liq2/dog.ts.
 */
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/machine.js';
import type { ExecutionOutcome } from '../../engine/pipeline.js';
import { type GrabAmounts, type NotUnsafeRevert, requireUnsafe, type UrnAmounts } from './math/dog.js';
import {
  auctionBucket,
  emit,
  grabEvents,
  ilkPrice,
  ilkState,
  type MakerCore,
  requireIlkParams,
  requireParams,
  requireUrn,
  type VowFessed,
  type WithCore,
} from './vat.js';

/** A liquidation call on one urn (`bite`, `bark`): which urn and when. */
export interface UrnLiquidationRequest {
  readonly urn: string;
  /** Must match the urn's ilk when given. */
  readonly ilk?: string;
  readonly nowSeconds: number;
}

/** What the trigger read of an unsafe urn: its ink and art (WAD), its ilk's rate and spot (RAY). */
export interface UnsafeUrn extends UrnAmounts {
  readonly ilk: string;
}

/**
 * The fields of the event that records a liquidation (`CatBitten`, `DogBarked`): urn `urn` of
 * `ilk` went into auction `id`, giving `dartWad` of normalized debt and `dinkWad` of collateral
 * (WAD); `dueRad` (`dart·rate`) became the Vow's sin and the auction must raise `tabRad` (RAD).
 */
export interface UrnLiquidated {
  readonly ilk: string;
  readonly urn: string;
  readonly id: number;
  readonly dartWad: bigint;
  readonly dinkWad: bigint;
  readonly dueRad: bigint;
  readonly tabRad: bigint;
}

/** What the execution started: auction `id` of `ilk` selling `lotWad` (WAD) for `tabRad` (RAD). */
export interface AuctionStarted {
  readonly ilk: string;
  readonly id: number;
  readonly tabRad: bigint;
  readonly lotWad: bigint;
}

/**
 * The trigger of `Cat.bite` and `Dog.bark` (makerdao/dss src/cat.sol bite, src/dog.sol bark): the
 * model is configured, the urn exists and holds `request.ilk` when one is given, and it is unsafe,
 * `spot > 0 && ink·spot < art·rate`, with the spot from the OSM at `now` (see ilkPrice); a safe urn
 * is refused with the module's `revert` (see requireUnsafe).
 * @returns the urn as read, and the OSM feed price (RAY) its spot came from.
 * @throws InvalidParameterError before `configure` or when `ilk` does not match; UnknownAccountError;
 * StaleOraclePriceError when there is no OSM price; ProtocolRevertError `revert.reason` for a safe urn.
 */
export function unsafeUrnTrigger(
  state: EngineState<WithCore>,
  request: UrnLiquidationRequest,
  revert: NotUnsafeRevert,
): { readonly urn: UnsafeUrn; readonly feedPriceRay: bigint } {
  const core = state.ext.core;
  requireParams(core);
  const urn = requireUrn(core, request.urn);
  if (request.ilk !== undefined && request.ilk !== urn.ilk) {
    throw new InvalidParameterError('ilk', `urn ${request.urn} holds ${urn.ilk}, not ${request.ilk}`);
  }
  const ilk = ilkState(core, urn.ilk);
  const price = ilkPrice(state, urn.ilk, request.nowSeconds);
  const read: UnsafeUrn = {
    ilk: urn.ilk,
    inkWad: urn.inkWad,
    artWad: urn.artWad,
    rateRay: ilk.rateRay,
    spotRay: price.spotRay,
  };
  requireUnsafe(read, revert);
  return { urn: read, feedPriceRay: price.feedPriceRay };
}

/**
 * An ilk's auction house from a model's per-ilk table (the Flippers of 1.2, the Clippers of 2.0).
 * @param input `houses` the table, `ilk`, `field` named in errors, `house` the module's name.
 * @throws InvalidParameterError naming `field` for an unknown ilk or an ilk without its house.
 */
export function requireAuctionHouse<H>(
  core: MakerCore,
  input: {
    readonly houses: Readonly<Record<string, H>>;
    readonly ilk: string;
    readonly field: string;
    readonly house: 'Flipper' | 'Clipper';
  },
): H {
  requireIlkParams(core, input.ilk, input.field);
  const h = input.houses[input.ilk];
  if (h === undefined) throw new InvalidParameterError(input.field, `no ${input.house} for ${input.ilk}`);
  return h;
}

/**
 * The execution's `vat.grab` in both modules: the sized `dink` moves from the urn into the new
 * auction's bucket `auction:<ilk>:<id>` and `dart·rate` becomes the Vow's sin (see grabEvents).
 */
export function grabIntoAuction(
  core: MakerCore,
  input: { readonly urn: string; readonly ilk: string; readonly id: number; readonly size: GrabAmounts },
): EngineEvent[] {
  return grabEvents({
    core,
    urn: input.urn,
    ilk: input.ilk,
    dinkWad: input.size.dinkWad,
    dartWad: input.size.dartWad,
    dueRad: input.size.dueRad,
    lotBucket: auctionBucket(input.ilk, input.id),
  });
}

/**
 * The loss-waterfall stage of both modules: `vow.fess(due)` queues the debt taken from the vault
 * (the execution's shortfall, RAD) at era `request.nowSeconds`; whatever the auction does not raise
 * stays as the Vow's sin (makerdao/dss src/vow.sol fess, called by src/cat.sol bite and
 * src/dog.sol bark).
 */
export function fessLossWaterfall(
  _state: unknown,
  request: { readonly nowSeconds: number },
  outcome: ExecutionOutcome<unknown>,
): EngineEvent[] {
  return [emit<VowFessed>({ type: 'VowFessed', era: request.nowSeconds, rad: outcome.shortfall })];
}
