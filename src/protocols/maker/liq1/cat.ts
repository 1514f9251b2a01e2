/**
 * `Cat.bite` as the engine's five liquidation stages (makerdao/dss src/cat.sol bite, src/flip.sol
 * kick, src/vow.sol fess): trigger (unsafe test), sizing (box/litter budget, dunk), execution
 * (`vat.grab` into a new Flipper auction), incentive (none: 1.2 paid keepers nothing on-chain) and
 * loss waterfall (the debt queued in the Vow).
 */
import type { EngineState } from '../../../engine/engine.js';
import { InvalidParameterError, ProtocolRevertError } from '../../../engine/errors.js';
import type { EngineEvent } from '../../../engine/machine.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../../engine/pipeline.js';
import { type BiteAmounts, biteAmounts } from '../math/cat.js';
import { isUnsafe } from '../math/dog.js';
import {
  auctionBucket,
  emit,
  grabEvents,
  ilkPrice,
  ilkState,
  requireIlkParams,
  requireParams,
  requireUrn,
  type VowFessed,
} from '../vat.js';
import type { CatBitten, FlipKicked, FlipState, Liq1Ext } from './state.js';

/** A `bite` call. */
export interface BiteRequest {
  readonly urn: string;
  /** Must match the urn's ilk when given. */
  readonly ilk?: string;
  readonly nowSeconds: number;
}

/** What the trigger read. */
export interface BiteTriggered {
  readonly ilk: string;
  readonly inkWad: bigint;
  readonly artWad: bigint;
  readonly rateRay: bigint;
  readonly spotRay: bigint;
}

/** What the execution started. */
export interface BiteExecuted {
  readonly ilk: string;
  readonly id: number;
  readonly tabRad: bigint;
  readonly lotWad: bigint;
}

type State = EngineState<Liq1Ext>;

/** The Flipper of an ilk. @throws InvalidParameterError naming `field` for an unknown ilk. */
export function requireFlip(ext: Liq1Ext, ilk: string, field = 'ilk'): FlipState {
  requireIlkParams(ext.core, ilk, field);
  const f = ext.flips[ilk];
  if (f === undefined) throw new InvalidParameterError(field, `no Flipper for ${ilk}`);
  return f;
}

/**
 * Trigger: `spot > 0 && ink·spot < art·rate` ("Cat/not-unsafe"), spot from the OSM at `now`.
 * @throws ProtocolRevertError; UnknownAccountError; StaleOraclePriceError without a price.
 */
export function biteTrigger(state: State, request: BiteRequest): BiteTriggered {
  const core = state.ext.core;
  requireParams(core);
  const urn = requireUrn(core, request.urn);
  if (request.ilk !== undefined && request.ilk !== urn.ilk) {
    throw new InvalidParameterError('ilk', `urn ${request.urn} holds ${urn.ilk}, not ${request.ilk}`);
  }
  const ilk = ilkState(core, urn.ilk);
  const { spotRay } = ilkPrice(state, urn.ilk, request.nowSeconds);
  if (!isUnsafe({ inkWad: urn.inkWad, artWad: urn.artWad, rateRay: ilk.rateRay, spotRay })) {
    throw new ProtocolRevertError('Cat/not-unsafe', 'The vault is safe: ink·spot ≥ art·rate.');
  }
  return { ilk: urn.ilk, inkWad: urn.inkWad, artWad: urn.artWad, rateRay: ilk.rateRay, spotRay };
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
    ...grabEvents({
      core: state.ext.core,
      urn: request.urn,
      ilk: t.ilk,
      dinkWad: size.dinkWad,
      dartWad: size.dartWad,
      dueRad: size.dueRad,
      lotBucket: auctionBucket(t.ilk, id),
    }),
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

/** Loss waterfall: `vow.fess(dart·rate)` queues the debt at era `now` (makerdao/dss src/cat.sol bite). */
export function biteLossWaterfall(
  _state: State,
  request: BiteRequest,
  outcome: ExecutionOutcome<BiteExecuted>,
): EngineEvent[] {
  return [emit<VowFessed>({ type: 'VowFessed', era: request.nowSeconds, rad: outcome.shortfall })];
}

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
