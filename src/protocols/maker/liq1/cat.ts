/**
 * `Cat.bite` as the engine's five liquidation stages (makerdao/dss src/cat.sol bite, src/flip.sol
 * kick, src/vow.sol fess): trigger (unsafe test), sizing (box/litter budget, dunk), execution
 * (`vat.grab` into a new Flipper auction), incentive (none: 1.2 paid keepers nothing on-chain) and
 * loss waterfall (the debt queued in the Vow).
 */
import type { EngineState } from '../../../engine/engine.js';
import type { EngineEvent } from '../../../engine/machine.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../../engine/pipeline.js';
import { type BiteAmounts, biteAmounts } from '../math/cat.js';
import {
  type AuctionStarted,
  fessLossWaterfall,
  grabIntoAuction,
  requireAuctionHouse,
  type UnsafeUrn,
  type UrnLiquidationRequest,
  unsafeUrnTrigger,
} from '../stages.js';
import { emit, requireIlkParams, requireParams } from '../vat.js';
import type { CatBitten, FlipKicked, FlipState, Liq1Ext } from './state.js';

/** A `bite` call: which urn (and ilk, when given, it must hold), when. */
export type BiteRequest = UrnLiquidationRequest;

/** What the trigger read: the urn's ink and art (WAD), its ilk's rate and spot (RAY). */
export type BiteTriggered = UnsafeUrn;

/** What the execution started: the Flipper auction. */
export type BiteExecuted = AuctionStarted;

type State = EngineState<Liq1Ext>;

/** The Flipper of an ilk. @throws InvalidParameterError naming `field` for an unknown ilk. */
export function requireFlip(ext: Liq1Ext, ilk: string, field = 'ilk'): FlipState {
  return requireAuctionHouse(ext.core, { houses: ext.flips, ilk, field, house: 'Flipper' });
}

/**
 * Trigger: `spot > 0 && ink·spot < art·rate` ("Cat/not-unsafe", no computed fields), spot from the
 * OSM at `now` (see unsafeUrnTrigger).
 * @throws ProtocolRevertError; UnknownAccountError; InvalidParameterError when `ilk` does not match;
 * StaleOraclePriceError without a price.
 */
export function biteTrigger(state: State, request: BiteRequest): BiteTriggered {
  return unsafeUrnTrigger(state, request, {
    reason: 'Cat/not-unsafe',
    hint: 'The vault is safe: ink·spot ≥ art·rate.',
    withAmounts: false,
  }).urn;
}

/**
 * Sizing: `box`/`litter` room and the per-bite `dunk` (see biteAmounts). A bite may leave a dusty vault.
 * @throws ProtocolRevertError (`Cat/liquidation-limit-hit`, `Cat/null-auction`).
 */
export function biteSizing(state: State, _request: BiteRequest, t: BiteTriggered): BiteAmounts {
  const p = requireIlkParams(state.ext.core, t.ilk);
  return biteAmounts({
    inkWad: t.inkWad,
    artWad: t.artWad,
    rateRay: t.rateRay,
    spotRay: t.spotRay,
    dustRad: p.dustRad,
    boxRad: requireParams(state.ext.core).boxRad,
    litterRad: state.ext.litterRad,
    dunkRad: p.dunkRad,
    chopWad: p.chopWad,
  });
}

/**
 * Execution: `vat.grab` moves `dink` into `auction:<ilk>:<id>` and turns `dart·rate` into the Vow's
 * sin; `litter += tab`; the Flipper kicks auction `id = kicks + 1` with bid 0, the Cat as `guy`
 * and `end = now + tau`. The shortfall handed on is `due` (`dart·rate`).
 */
export function biteExecution(
  state: State,
  request: BiteRequest,
  size: BiteAmounts,
  t: BiteTriggered,
): ExecutionOutcome<BiteExecuted> {
  const p = requireIlkParams(state.ext.core, t.ilk);
  const id = requireFlip(state.ext, t.ilk).kicks + 1;
  const events: EngineEvent[] = [
    ...grabIntoAuction(state.ext.core, { urn: request.urn, ilk: t.ilk, id, size }),
    emit<CatBitten>({
      type: 'CatBitten',
      ilk: t.ilk,
      urn: request.urn,
      id,
      dartWad: size.dartWad,
      dinkWad: size.dinkWad,
      dueRad: size.dueRad,
      tabRad: size.tabRad,
    }),
    emit<FlipKicked>({
      type: 'FlipKicked',
      ilk: t.ilk,
      id,
      lotWad: size.dinkWad,
      tabRad: size.tabRad,
      usr: request.urn,
      endSeconds: request.nowSeconds + p.tauSeconds,
    }),
  ];
  return {
    events,
    shortfall: size.dueRad,
    detail: { ilk: t.ilk, id, tabRad: size.tabRad, lotWad: size.dinkWad },
  };
}

/** Incentive: liquidations 1.2 pay no keeper reward on-chain (keepers profit from bidding). */
export function biteIncentive(
  _state: State,
  _request: BiteRequest,
  _outcome: ExecutionOutcome<BiteExecuted>,
): EngineEvent[] {
  return [];
}

/**
 * Loss waterfall: `vow.fess(dart·rate)` queues the debt at era `now` (makerdao/dss src/cat.sol
 * bite; see fessLossWaterfall).
 */
export const biteLossWaterfall = fessLossWaterfall;

/** `Cat.bite` as pipeline stages. */
export const BITE_STAGES: LiquidationStages<State, BiteRequest, BiteTriggered, BiteAmounts, BiteExecuted> = {
  trigger: biteTrigger,
  sizing: biteSizing,
  execution: biteExecution,
  incentive: biteIncentive,
  lossWaterfall: biteLossWaterfall,
};

/** Decides a `bite` through runLiquidation. @throws as the stages do. */
export function decideBite(state: State, request: BiteRequest): readonly EngineEvent[] {
  return runLiquidation(BITE_STAGES, state, request).events;
}
