/**
 * Aave v3 `liquidationCall` as the engine's five liquidation stages (LiquidationLogic.
 * executeLiquidationCall, aave-dao/aave-v3-origin): trigger (ValidationLogic.validateLiquidationCall:
 * HF < 1, grace periods, sentinel, self-liquidation), sizing (close factor), execution (collateral
 * and debt amounts, dust rule), incentive (protocol fee to the treasury) and loss waterfall (bad
 * debt burned into each reserve's deficit, v3.3+). Every stage reads the state before the call.
 */
import { debtClaimAsset, type EngineState, requireAsset } from '../../engine/engine.js';
import { PositionNotLiquidatableError, ProtocolRevertError } from '../../engine/errors.js';
import { moved } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { requireLiquidationAllowed } from '../../engine/oracle.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../engine/pipeline.js';
import { absorbLoss } from '../../engine/waterfall.js';
import { min, Rounding } from '../../math/mulDiv.js';
import {
  type AaveVersionRules,
  type CloseFactorOutcome,
  type CollateralToLiquidate,
  calculateAvailableCollateralToLiquidate,
  type DustCheckOutcome,
  dustCheck,
  hasNoCollateralLeft,
  isLiquidatableHealth,
  MINIMUM_HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD,
  maxLiquidatableDebt,
  type UserAccountData,
  valueInBase,
} from './math.js';
import {
  type AaveDeficitCreated,
  type AaveExt,
  type AaveLiquidationCall,
  currentAccountData,
  effectiveRisk,
  eModeOf,
  positionOf,
  priceBase,
  requireAccount,
  requireParams,
  requireReserve,
  reserveState,
  rulesOf,
} from './state.js';

/** Revert reasons of the liquidation path (v3.3 error names; v3.4+ uses the CamelCase custom errors). */
export const AAVE_LIQUIDATION_REVERTS = {
  selfLiquidation: 'SELF_LIQUIDATION',
  gracePeriod: 'LIQUIDATION_GRACE_SENTINEL_CHECK_FAILED',
  collateralCannotBeLiquidated: 'COLLATERAL_CANNOT_BE_LIQUIDATED',
  notBorrowed: 'SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER',
  mustNotLeaveDust: 'MUST_NOT_LEAVE_DUST',
  invalidBurnAmount: 'INVALID_BURN_AMOUNT',
} as const;

/** A grace threshold no health factor reaches: v3.7 has no sentinel, so the outage grace never blocks. */
const NO_SENTINEL_THRESHOLD_WAD = 1n << 256n;

/** What `liquidationCall` asks. */
export interface AaveLiquidationRequest {
  readonly account: string;
  readonly liquidator: string;
  readonly collateralAsset: string;
  readonly debtAsset: string;
  /** Debt the liquidator offers to cover, smallest units; `type(uint256).max` = as much as allowed. */
  readonly debtToCover: bigint;
  readonly nowSeconds: number;
}

/** A priced reserve of the pair. */
export interface PricedReserve {
  readonly asset: string;
  readonly decimals: number;
  /** USD·1e8 per whole token. */
  readonly priceBase: bigint;
}

/** What the trigger learnt. */
export interface AaveTriggered {
  readonly rules: AaveVersionRules;
  readonly accountData: UserAccountData;
  readonly collateral: PricedReserve;
  readonly debt: PricedReserve;
  /** The user's collateral balance and debt in the pair, smallest units. */
  readonly collateralBalance: bigint;
  readonly reserveDebt: bigint;
  /** Effective bonus (eMode when the collateral is in the user's category) and the reserve's fee, bps. */
  readonly liquidationBonusBps: bigint;
  readonly liquidationProtocolFeeBps: bigint;
}

/** What the sizing decided. */
export interface AaveSized {
  readonly closeFactor: CloseFactorOutcome;
  /** min(debtToCover, maxLiquidatableDebt), before the collateral cap. */
  readonly actualDebtToLiquidate: bigint;
}

/** Facts the incentive and loss stages read. */
export interface AaveExecutionDetail {
  readonly amounts: CollateralToLiquidate;
  readonly dust: DustCheckOutcome;
  readonly hasNoCollateralLeft: boolean;
  /** Debt to burn into deficits, per reserve (sorted by asset), when no collateral is left. */
  readonly badDebt: readonly { readonly asset: string; readonly amount: bigint }[];
}

/**
 * Trigger (ValidationLogic.validateLiquidationCall): the user's account data at oracle prices,
 * then in the contract's order: no self-liquidation (3.4+), oracle sentinel (3.3–3.6: during the
 * outage grace period only HF < 0.95; 3.7: none) and circuit breakers, both reserves'
 * `liquidationGracePeriodUntil < now`, HF < 1 strictly, collateral with LT ≠ 0 and a balance,
 * debt in the debt reserve.
 * @throws NotConfiguredError, UnknownAssetError, UnknownAccountError, StaleOraclePriceError,
 *   CircuitBreakerError, PositionNotLiquidatableError, ProtocolRevertError.
 */
export function aaveLiquidationTrigger(
  state: EngineState<AaveExt>,
  request: AaveLiquidationRequest,
): AaveTriggered {
  const rules = rulesOf(state);
  const params = requireParams(state, 'liquidationCall');
  const collateralReserve = requireReserve(state, params, request.collateralAsset);
  requireReserve(state, params, request.debtAsset);
  const user = requireAccount(state, request.account);
  if (rules.selfLiquidationBanned && request.liquidator === request.account) {
    throw new ProtocolRevertError(
      AAVE_LIQUIDATION_REVERTS.selfLiquidation,
      'A borrower may not liquidate itself (v3.4+).',
    );
  }
  const accountData = currentAccountData(state, params, request.account, request.nowSeconds);
  const graceHealthThresholdWad = rules.priceOracleSentinel
    ? MINIMUM_HEALTH_FACTOR_LIQUIDATION_THRESHOLD_WAD
    : NO_SENTINEL_THRESHOLD_WAD;
  for (const asset of [request.collateralAsset, request.debtAsset]) {
    requireLiquidationAllowed(state.oracle, asset, request.nowSeconds, {
      healthWad: accountData.healthFactorWad,
      graceHealthThresholdWad,
    });
  }
  for (const asset of [request.collateralAsset, request.debtAsset]) {
    const until = reserveState(state.ext, asset).liquidationGracePeriodUntil;
    if (until !== undefined && !(until < request.nowSeconds)) {
      throw new ProtocolRevertError(
        AAVE_LIQUIDATION_REVERTS.gracePeriod,
        `Liquidations of ${asset} are paused until ${until}; retry after that second.`,
        { asset, liquidationGracePeriodUntil: String(until) },
      );
    }
  }
  if (!isLiquidatableHealth(accountData.healthFactorWad)) {
    throw new PositionNotLiquidatableError(
      request.account,
      `health factor ${accountData.healthFactorWad} (WAD) is not below 1e18`,
    );
  }
  const position = positionOf(state, params, request.account);
  const collateralBalance = position.collateral[request.collateralAsset] ?? 0n;
  if (collateralReserve.liquidationThresholdBps === 0n || collateralBalance === 0n) {
    throw new ProtocolRevertError(
      AAVE_LIQUIDATION_REVERTS.collateralCannotBeLiquidated,
      `The user has no ${request.collateralAsset} enabled as collateral.`,
    );
  }
  const reserveDebt = position.debt[request.debtAsset] ?? 0n;
  if (reserveDebt === 0n) {
    throw new ProtocolRevertError(
      AAVE_LIQUIDATION_REVERTS.notBorrowed,
      `The user owes no ${request.debtAsset}; pick a debt asset it borrowed.`,
    );
  }
  const risk = effectiveRisk(collateralReserve, eModeOf(params, user.eModeCategory), request.collateralAsset);
  const priced = (asset: string): PricedReserve => ({
    asset,
    decimals: requireAsset(state, asset).decimals,
    priceBase: priceBase(state, asset, request.nowSeconds),
  });
  return {
    rules,
    accountData,
    collateral: priced(request.collateralAsset),
    debt: priced(request.debtAsset),
    collateralBalance,
    reserveDebt,
    liquidationBonusBps: risk.liquidationBonusBps,
    liquidationProtocolFeeBps: collateralReserve.liquidationProtocolFeeBps,
  };
}

/**
 * Sizing: the v3.3+ close factor (100 %, or 50 % of the user's total debt when both sides of the
 * pair are worth ≥ $2,000 and HF > 0.95), then min(debtToCover, that).
 */
export function aaveLiquidationSizing(
  _state: EngineState<AaveExt>,
  request: AaveLiquidationRequest,
  triggered: AaveTriggered,
): AaveSized {
  const { rules, debt, collateral } = triggered;
  const closeFactor = maxLiquidatableDebt({
    reserveDebt: triggered.reserveDebt,
    reserveDebtBase: valueInBase(
      triggered.reserveDebt,
      debt.priceBase,
      debt.decimals,
      rules.debtValueRounding,
    ),
    // Collateral in base currency is floored in every version.
    reserveCollateralBase: valueInBase(
      triggered.collateralBalance,
      collateral.priceBase,
      collateral.decimals,
      Rounding.Down,
    ),
    totalDebtBase: triggered.accountData.totalDebtBase,
    healthFactorWad: triggered.accountData.healthFactorWad,
    debtPriceBase: debt.priceBase,
    debtDecimals: debt.decimals,
  });
  return { closeFactor, actualDebtToLiquidate: min(request.debtToCover, closeFactor.maxLiquidatableDebt) };
}

/**
 * Execution: collateral and debt amounts with the version's rounding, the leftover-dust rule
 * (revert `MUST_NOT_LEAVE_DUST` with the leftovers computed), the bad-debt test, then the moves:
 * the liquidator pays the debt into the pool (claims burned) and receives its part of the
 * collateral. The treasury's fee is the incentive stage; the deficits are the loss stage.
 * @throws ProtocolRevertError (`MUST_NOT_LEAVE_DUST`, `INVALID_BURN_AMOUNT` for a zero burn).
 */
export function aaveLiquidationExecution(
  state: EngineState<AaveExt>,
  request: AaveLiquidationRequest,
  size: AaveSized,
  triggered: AaveTriggered,
): ExecutionOutcome<AaveExecutionDetail> {
  const { rules, collateral, debt } = triggered;
  const amounts = calculateAvailableCollateralToLiquidate(rules, {
    collateralPriceBase: collateral.priceBase,
    collateralDecimals: collateral.decimals,
    debtPriceBase: debt.priceBase,
    debtDecimals: debt.decimals,
    debtToCover: size.actualDebtToLiquidate,
    borrowerCollateralBalance: triggered.collateralBalance,
    liquidationBonusBps: triggered.liquidationBonusBps,
    liquidationProtocolFeeBps: triggered.liquidationProtocolFeeBps,
  });
  const dust = dustCheck(rules, {
    reserveDebt: triggered.reserveDebt,
    debtToRepay: amounts.debtToRepay,
    debtPriceBase: debt.priceBase,
    debtDecimals: debt.decimals,
    collateralBalance: triggered.collateralBalance,
    collateralSeized: amounts.collateralSeized,
    collateralPriceBase: collateral.priceBase,
    collateralDecimals: collateral.decimals,
  });
  if (!dust.passes) {
    throw new ProtocolRevertError(
      AAVE_LIQUIDATION_REVERTS.mustNotLeaveDust,
      'Repay all the debt, seize all the collateral, or leave at least $1,000 of both (try a smaller debtToCover).',
      {
        maxLiquidatableDebt: size.closeFactor.maxLiquidatableDebt.toString(),
        debtToRepay: amounts.debtToRepay.toString(),
        leftoverDebtBase: dust.leftoverDebtBase.toString(),
        leftoverCollateralBase: dust.leftoverCollateralBase.toString(),
      },
    );
  }
  const noCollateralLeft = hasNoCollateralLeft(rules, {
    totalCollateralBase: triggered.accountData.totalCollateralBase,
    collateralSeized: amounts.collateralSeized,
    collateralBalance: triggered.collateralBalance,
    collateralPriceBase: collateral.priceBase,
    collateralDecimals: collateral.decimals,
  });
  // VariableDebtToken.burn / AToken.burn refuse a zero scaled amount (ScaledBalanceTokenBase._burnScaled).
  const debtBurned = noCollateralLeft ? triggered.reserveDebt : amounts.debtToRepay;
  if (debtBurned === 0n || amounts.collateralToLiquidator === 0n) {
    throw new ProtocolRevertError(
      AAVE_LIQUIDATION_REVERTS.invalidBurnAmount,
      'The call would burn zero debt or zero collateral; cover more debt.',
      {
        debtToRepay: amounts.debtToRepay.toString(),
        collateralToLiquidator: amounts.collateralToLiquidator.toString(),
      },
    );
  }
  const badDebt: { asset: string; amount: bigint }[] = [];
  if (noCollateralLeft) {
    const params = requireParams(state, 'liquidationCall');
    for (const [asset, owed] of Object.entries(positionOf(state, params, request.account).debt)) {
      const left = asset === request.debtAsset ? owed - amounts.debtToRepay : owed;
      if (left > 0n) badDebt.push({ asset, amount: left });
    }
  }
  const account = request.account;
  const liquidatorWallet = `wallet:${request.liquidator}`;
  const call: AaveLiquidationCall = {
    type: 'AaveLiquidationCall',
    account,
    liquidator: request.liquidator,
    collateralAsset: request.collateralAsset,
    debtAsset: request.debtAsset,
    debtToCover: amounts.debtToRepay,
    liquidatedCollateralAmount: amounts.collateralToLiquidator,
    protocolFee: amounts.protocolFee,
    closeFactor: size.closeFactor.closeFactor,
    hasNoCollateralLeft: noCollateralLeft,
  };
  const events: EngineEvent[] = [
    // The liquidator pays last on-chain; order does not matter here since decide checks the batch.
    ...moved(request.debtAsset, liquidatorWallet, 'pool', amounts.debtToRepay, 'liquidationRepay'),
    ...moved(
      debtClaimAsset(request.debtAsset),
      `debt:${account}`,
      'mint',
      amounts.debtToRepay,
      'liquidationRepay',
    ),
    ...moved(
      request.collateralAsset,
      `acct:${account}`,
      liquidatorWallet,
      amounts.collateralToLiquidator,
      'seize',
    ),
    call,
  ];
  const shortfall = badDebt.find((b) => b.asset === request.debtAsset)?.amount ?? 0n;
  return {
    events,
    shortfall,
    detail: { amounts, dust, hasNoCollateralLeft: noCollateralLeft, badDebt },
  };
}

/** Incentive: the protocol's share of the bonus goes to the treasury (`protocol` bucket). */
export function aaveLiquidationIncentive(
  _state: EngineState<AaveExt>,
  request: AaveLiquidationRequest,
  outcome: ExecutionOutcome<AaveExecutionDetail>,
): readonly EngineEvent[] {
  return moved(
    request.collateralAsset,
    `acct:${request.account}`,
    'protocol',
    outcome.detail.amounts.protocolFee,
    'protocolFee',
  );
}

/**
 * Loss waterfall (v3.3+ `_burnDebtTokens` / `_burnBadDebt`): when the user has no collateral left,
 * the rest of the liquidated reserve's debt and every other debt of the user are burned, each into
 * its reserve's deficit (`deficit` bucket), with a DeficitCreated event. Nothing pays it now:
 * the insurance fund (Umbrella) covers it later through `eliminateReserveDeficit`.
 */
export function aaveLossWaterfall(
  state: EngineState<AaveExt>,
  request: AaveLiquidationRequest,
  outcome: ExecutionOutcome<AaveExecutionDetail>,
): readonly EngineEvent[] {
  const events: EngineEvent[] = [];
  for (const { asset, amount } of outcome.detail.badDebt) {
    const loss = absorbLoss({
      ledger: state.ledger,
      asset,
      claimAsset: debtClaimAsset(asset),
      claimBucket: `debt:${request.account}`,
      amount,
      creditorBucket: 'pool',
      steps: ['deficit'],
    });
    events.push(...loss.moves);
    const created: AaveDeficitCreated = {
      type: 'AaveDeficitCreated',
      account: request.account,
      asset,
      amount,
    };
    events.push(created);
  }
  return events;
}

/** Aave v3's liquidation as engine stages (swap any of them to compose a protocol). */
export const AAVE_LIQUIDATION_STAGES: LiquidationStages<
  EngineState<AaveExt>,
  AaveLiquidationRequest,
  AaveTriggered,
  AaveSized,
  AaveExecutionDetail
> = {
  trigger: aaveLiquidationTrigger,
  sizing: aaveLiquidationSizing,
  execution: aaveLiquidationExecution,
  incentive: aaveLiquidationIncentive,
  lossWaterfall: aaveLossWaterfall,
};

/**
 * The events of one `liquidationCall` (every stage run through the engine's runner).
 * @throws whatever a stage throws (see each stage).
 */
export function liquidationCallEvents(
  state: EngineState<AaveExt>,
  request: AaveLiquidationRequest,
): readonly EngineEvent[] {
  return runLiquidation(AAVE_LIQUIDATION_STAGES, state, request).events;
}
