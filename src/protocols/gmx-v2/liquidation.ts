/**
 * A GMX v2 liquidation as the engine's five stages. Trigger: the caller holds LIQUIDATION_KEEPER
 * and `isPositionLiquidatable` (with MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION) holds, else
 * `PositionShouldNotBeLiquidated`. Sizing: the whole position (GMX creates a full-size
 * `Liquidation` decrease order). Execution: the decrease at oracle prices — profit out of the pool,
 * loss and negative impact into it, the remaining collateral back to the trader. Incentive: the
 * fees of the order, the liquidation fee's LIQUIDATION_FEE_RECEIVER_FACTOR share to the fee
 * receiver and the rest (with the position and borrowing fees' pool shares) to the pool. Loss
 * waterfall: GMX has no insurance fund; what an insolvent close leaves unpaid is simply not
 * received by the pool, so the LPs absorb it (recorded as `GmxInsolventClose`).
 * Ported from gmx-io/gmx-synthetics contracts/liquidation/LiquidationUtils.sol,
 * contracts/exchange/LiquidationHandler.sol and the decrease path (orders.ts).
 */
import { PositionNotLiquidatableError, ProtocolRevertError } from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/machine.js';
import type { ExecutionOutcome, LiquidationStages } from '../../engine/pipeline.js';
import { accrueBorrowing, type MarketView } from './market.js';
import {
  type DecreaseResult,
  movesOf,
  type PositionLiquidationInfo,
  positionLiquidation,
  processDecrease,
} from './orders.js';
import type { GmxParams } from './params.js';
import {
  type GmxMarketSet,
  type GmxPosition,
  type GmxPositionSet,
  type GmxState,
  marketPrices,
  poolAmounts,
  requireMarket,
  requireParams,
  requirePosition,
} from './state.js';

/** A `liquidate` command: the keeper and the position key. */
export interface GmxLiquidationRequest {
  readonly keeper: string;
  readonly positionId: string;
  readonly nowSeconds: number;
}

/** What the trigger established. */
export interface GmxTriggered {
  readonly params: GmxParams;
  readonly position: GmxPosition;
  /** The market with borrowing accrued to now. */
  readonly view: MarketView;
  readonly info: PositionLiquidationInfo;
}

/** Record of a liquidation (`PositionDecrease` with order type Liquidation). */
export interface GmxPositionLiquidated {
  readonly type: 'GmxPositionLiquidated';
  readonly position: string;
  readonly keeper: string;
  readonly reason: string;
  readonly sizeInUsd: bigint;
  readonly remainingCollateralUsd: bigint;
  readonly basePnlUsd: bigint;
  readonly priceImpactUsd: bigint;
  readonly liquidationFeeAmount: bigint;
  readonly liquidationFeeAmountForFeeReceiver: bigint;
  /** Collateral-token and PnL-token units returned to the trader. */
  readonly outputAmount: bigint;
  readonly secondaryOutputAmount: bigint;
}

/** Record of an insolvent close (`InsolventClose` event): the cost the pool absorbed. */
export interface GmxInsolventClose {
  readonly type: 'GmxInsolventClose';
  readonly position: string;
  readonly market: string;
  readonly step: string;
  /** USD·1e30 the pool (its LPs) absorbed. */
  readonly remainingCostUsd: bigint;
}

/** The market view of a position's market at `nowSeconds`, borrowing accrued. */
export function accruedView(
  state: GmxState,
  params: GmxParams,
  market: string,
  nowSeconds: number,
): MarketView {
  const { mp, ms } = requireMarket(state, params, market);
  const view: MarketView = {
    mp,
    ms,
    pools: poolAmounts(state, mp),
    prices: marketPrices(state, mp, nowSeconds),
  };
  return { ...view, ms: accrueBorrowing(view, nowSeconds) };
}

/**
 * Trigger: LIQUIDATION_KEEPER role, an open position, and `isPositionLiquidatable` true.
 * @throws ProtocolRevertError `Unauthorized` (not a liquidation keeper); UnknownAccountError (no
 *   such position); PositionNotLiquidatableError (GMX `PositionShouldNotBeLiquidated`);
 *   StaleOraclePriceError.
 */
export function gmxTrigger(state: GmxState, request: GmxLiquidationRequest): GmxTriggered {
  const params = requireParams(state, 'liquidate');
  if (!params.liquidationKeepers.includes(request.keeper))
    throw new ProtocolRevertError('Unauthorized', `${request.keeper} does not hold LIQUIDATION_KEEPER`, {
      account: request.keeper,
      role: 'LIQUIDATION_KEEPER',
    });
  const position = requirePosition(state, request.positionId);
  const view = accruedView(state, params, position.market, request.nowSeconds);
  const info = positionLiquidation(params, view, position, 'liquidation', true);
  if (!info.liquidatable)
    throw new PositionNotLiquidatableError(
      position.id,
      `PositionShouldNotBeLiquidated: remaining collateral ${info.remainingCollateralUsd} ≥ ${info.thresholdUsd} (USD·1e30)`,
    );
  return { params, position, view, info };
}

/** Sizing: GMX liquidates the whole position (`sizeDeltaUsd = position.sizeInUsd`). */
export function gmxSizing(
  _state: GmxState,
  _request: GmxLiquidationRequest,
  triggered: GmxTriggered,
): bigint {
  return triggered.position.sizeInUsd;
}

/**
 * Execution: the full decrease as a Liquidation order. Emits every token flow except the fees
 * (left in place for the incentive stage), the position's removal and the market's new state.
 * `shortfall` is the unpaid cost of an insolvent close, USD·1e30.
 */
export function gmxExecution(
  _state: GmxState,
  request: GmxLiquidationRequest,
  sizeDeltaUsd: bigint,
  triggered: GmxTriggered,
): ExecutionOutcome<DecreaseResult> {
  const result = processDecrease(triggered.params, triggered.view, triggered.position, {
    sizeDeltaUsd,
    collateralDeltaAmount: 0n,
    kind: 'liquidation',
  });
  const positionSet: GmxPositionSet = {
    type: 'GmxPositionSet',
    id: triggered.position.id,
    position: result.position,
  };
  const marketSet: GmxMarketSet = {
    type: 'GmxMarketSet',
    market: triggered.position.market,
    state: result.marketState,
  };
  const record: GmxPositionLiquidated = {
    type: 'GmxPositionLiquidated',
    position: triggered.position.id,
    keeper: request.keeper,
    reason: triggered.info.reason,
    sizeInUsd: result.sizeDeltaUsd,
    remainingCollateralUsd: triggered.info.remainingCollateralUsd,
    basePnlUsd: result.basePnlUsd,
    priceImpactUsd: result.priceImpactUsd,
    liquidationFeeAmount: result.fees?.liquidation.liquidationFeeAmount ?? 0n,
    liquidationFeeAmountForFeeReceiver: result.fees?.liquidation.liquidationFeeAmountForFeeReceiver ?? 0n,
    outputAmount: result.outputAmount,
    secondaryOutputAmount: result.secondaryOutputAmount,
  };
  const events: EngineEvent[] = [
    ...movesOf(result.flows.filter((f) => f.stage === 'execution')),
    positionSet,
    marketSet,
    record,
  ];
  return { events, shortfall: result.insolvent?.remainingCostUsd ?? 0n, detail: result };
}

/** Incentive: the order's fee moves (liquidation fee receiver share, pool shares). */
export function gmxIncentive(
  _state: GmxState,
  _request: GmxLiquidationRequest,
  outcome: ExecutionOutcome<DecreaseResult>,
): readonly EngineEvent[] {
  return movesOf(outcome.detail.flows.filter((f) => f.stage === 'incentive'));
}

/**
 * Loss waterfall: GMX has no insurance fund and no socialization step; the pool is the
 * counterparty, so an insolvent close's unpaid cost is a loss of the LPs (the pool simply did not
 * receive it). Records it; moves nothing.
 */
export function gmxLossWaterfall(
  _state: GmxState,
  request: GmxLiquidationRequest,
  outcome: ExecutionOutcome<DecreaseResult>,
): readonly EngineEvent[] {
  const insolvent = outcome.detail.insolvent;
  if (insolvent === null) return [];
  const record: GmxInsolventClose = {
    type: 'GmxInsolventClose',
    position: request.positionId,
    market: outcome.detail.market,
    step: insolvent.step,
    remainingCostUsd: insolvent.remainingCostUsd,
  };
  return [record];
}

/** GMX's liquidation stages for `runLiquidation`. */
export const GMX_LIQUIDATION_STAGES: LiquidationStages<
  GmxState,
  GmxLiquidationRequest,
  GmxTriggered,
  bigint,
  DecreaseResult
> = {
  trigger: gmxTrigger,
  sizing: gmxSizing,
  execution: gmxExecution,
  incentive: gmxIncentive,
  lossWaterfall: gmxLossWaterfall,
};
