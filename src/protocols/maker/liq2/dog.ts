/**
 * `Dog.bark` as the engine's five liquidation stages (makerdao/dss src/dog.sol bark, src/clip.sol
 * kick, src/vow.sol fess): trigger (unsafe test, Clipper breaker), sizing (Hole/hole budgets and
 * dust rules), execution (`vat.grab` into a new Clipper sale priced from the OSM), incentive
 * (`tip + chip·tab` minted to the keeper) and loss waterfall (the debt queued in the Vow).
 */
import type { EngineState } from '../../../engine/engine.js';
import { ProtocolRevertError } from '../../../engine/errors.js';
import type { EngineEvent } from '../../../engine/machine.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../../engine/pipeline.js';
import { kickIncentive, startPriceRay } from '../math/clipper.js';
import { type BarkAmounts, barkAmounts } from '../math/dog.js';
import {
  type AuctionStarted,
  fessLossWaterfall,
  grabIntoAuction,
  requireAuctionHouse,
  type UnsafeUrn,
  type UrnLiquidationRequest,
  unsafeUrnTrigger,
} from '../stages.js';
import { emit, requireIlkParams, requireParams, suckEvents } from '../vat.js';
import type { ClipKicked, ClipState, DogBarked, KeeperRewarded, Liq2Ext } from './state.js';

/** A `bark` call: which urn (and ilk, when given, it must hold), who gets the reward, when. */
export interface BarkRequest extends UrnLiquidationRequest {
  /** Receives the kick incentive. */
  readonly keeper: string;
}

/** What the trigger read: the urn's ink and art (WAD), its ilk's rate and spot (RAY). */
export interface BarkTriggered extends UnsafeUrn {
  /** OSM price the sale starts from, RAY. */
  readonly feedPriceRay: bigint;
}

/** What the execution started: the Clipper sale, with the debt it carries and its start price. */
export interface BarkExecuted extends AuctionStarted {
  readonly dueRad: bigint;
  readonly topRay: bigint;
}

type State = EngineState<Liq2Ext>;

/** The Clipper of an ilk. @throws InvalidParameterError naming `field` for an unknown ilk. */
export function requireClip(ext: Liq2Ext, ilk: string, field = 'ilk'): ClipState {
  return requireAuctionHouse(ext.core, { houses: ext.clips, ilk, field, house: 'Clipper' });
}

/**
 * Trigger: the urn must be unsafe, `spot > 0 && ink·spot < art·rate` ("Dog/not-unsafe", with the
 * urn's `collateralRad` and `debtRad` computed), and its Clipper must accept kicks, `stopped < 1`
 * ("Clipper/stopped-incorrect"). The spot comes from the OSM at `now` (see unsafeUrnTrigger).
 * Order note: dss checks the breaker inside `kick`, after the budget and dust checks; here it is
 * part of the trigger, so a stopped Clipper reports `Clipper/stopped-incorrect` where dss might
 * first report a budget revert.
 * @throws ProtocolRevertError; UnknownAccountError; InvalidParameterError when `ilk` does not match;
 * StaleOraclePriceError when there is no OSM price.
 */
export function barkTrigger(state: State, request: BarkRequest): BarkTriggered {
  const { urn, feedPriceRay } = unsafeUrnTrigger(state, request, {
    reason: 'Dog/not-unsafe',
    hint: 'The vault is safe: ink·spot ≥ art·rate.',
    withAmounts: true,
  });
  if (requireClip(state.ext, urn.ilk).stopped >= 1) {
    throw new ProtocolRevertError(
      'Clipper/stopped-incorrect',
      'The Clipper is stopped for new auctions (level ≥ 1).',
    );
  }
  return { ...urn, feedPriceRay };
}

/**
 * Sizing: the Dog's budgets and dust rules (see barkAmounts): the whole vault unless `Hole`/`hole`
 * bind, never leaving a dusty remainder, never starting a dusty auction.
 * @throws ProtocolRevertError (`Dog/liquidation-limit-hit`, `Dog/dusty-auction-from-partial-liquidation`,
 * `Dog/null-auction`).
 */
export function barkSizing(state: State, _request: BarkRequest, t: BarkTriggered): BarkAmounts {
  const p = requireIlkParams(state.ext.core, t.ilk);
  const params = requireParams(state.ext.core);
  return barkAmounts({
    inkWad: t.inkWad,
    artWad: t.artWad,
    rateRay: t.rateRay,
    spotRay: t.spotRay,
    dustRad: p.dustRad,
    HoleRad: params.HoleRad,
    DirtRad: state.ext.dog.DirtRad,
    holeRad: p.holeRad,
    dirtRad: state.ext.dog.dirtRad[t.ilk] ?? 0n,
    chopWad: p.chopWad,
  });
}

/**
 * Execution: `vat.grab` moves `dink` into `auction:<ilk>:<id>` and turns `dart·rate` into the Vow's
 * sin; `Dirt`/`dirt` grow by `tab`; the Clipper kicks sale `id = kicks + 1` at
 * `top = rmul(feedPrice, buf)` ("Clipper/zero-top-price" when 0). The shortfall handed on is `due`,
 * the debt the Vow now carries until the auction pays it back.
 * @throws ProtocolRevertError.
 */
export function barkExecution(
  state: State,
  request: BarkRequest,
  size: BarkAmounts,
  t: BarkTriggered,
): ExecutionOutcome<BarkExecuted> {
  const p = requireIlkParams(state.ext.core, t.ilk);
  const clip = requireClip(state.ext, t.ilk);
  const id = clip.kicks + 1;
  const topRay = startPriceRay(t.feedPriceRay, p.bufRay);
  if (topRay === 0n) throw new ProtocolRevertError('Clipper/zero-top-price', 'The OSM price times buf is 0.');
  if (size.tabRad === 0n)
    throw new ProtocolRevertError('Clipper/zero-tab', 'The auction would raise nothing.');
  const events: EngineEvent[] = [
    ...grabIntoAuction(state.ext.core, { urn: request.urn, ilk: t.ilk, id, size }),
    emit<DogBarked>({
      type: 'DogBarked',
      ilk: t.ilk,
      urn: request.urn,
      keeper: request.keeper,
      id,
      dartWad: size.dartWad,
      dinkWad: size.dinkWad,
      dueRad: size.dueRad,
      tabRad: size.tabRad,
    }),
    emit<ClipKicked>({
      type: 'ClipKicked',
      ilk: t.ilk,
      id,
      tabRad: size.tabRad,
      lotWad: size.dinkWad,
      usr: request.urn,
      ticSeconds: request.nowSeconds,
      topRay,
    }),
  ];
  return {
    events,
    shortfall: size.dueRad,
    detail: { ilk: t.ilk, id, tabRad: size.tabRad, lotWad: size.dinkWad, dueRad: size.dueRad, topRay },
  };
}

/**
 * Incentive: `coin = tip + wmul(tab, chip)` when `tip > 0 || chip > 0`, minted to
 * `wallet:<keeper>` by `vat.suck` (system debt; makerdao/dss src/clip.sol kick).
 */
export function barkIncentive(
  state: State,
  request: BarkRequest,
  outcome: ExecutionOutcome<BarkExecuted>,
): EngineEvent[] {
  const p = requireIlkParams(state.ext.core, outcome.detail.ilk);
  const coinRad = kickIncentive({ tabRad: outcome.detail.tabRad, tipRad: p.tipRad, chipWad: p.chipWad });
  return [
    ...suckEvents({ to: request.keeper, rad: coinRad, reason: 'kick incentive' }),
    emit<KeeperRewarded>({
      type: 'KeeperRewarded',
      ilk: outcome.detail.ilk,
      id: outcome.detail.id,
      keeper: request.keeper,
      on: 'kick',
      coinRad,
    }),
  ];
}

/**
 * Loss waterfall: `vow.fess(due)` queues the debt taken from the vault at era `now`; whatever the
 * auction does not raise stays as the Vow's sin (bad debt), to be netted against surplus by `heal`
 * once the era is flogged (makerdao/dss src/vow.sol fess; see fessLossWaterfall).
 */
export const barkLossWaterfall = fessLossWaterfall;

/** `Dog.bark` as pipeline stages. */
export const BARK_STAGES: LiquidationStages<State, BarkRequest, BarkTriggered, BarkAmounts, BarkExecuted> = {
  trigger: barkTrigger,
  sizing: barkSizing,
  execution: barkExecution,
  incentive: barkIncentive,
  lossWaterfall: barkLossWaterfall,
};

/**
 * Decides a `bark` through {@link runLiquidation}.
 * @throws as the stages do.
 */
export function decideBark(state: State, request: BarkRequest): readonly EngineEvent[] {
  return runLiquidation(BARK_STAGES, state, request).events;
}
