/**
 * Euler v2 `liquidate(violator, collateral, repayAssets, minYieldBalance)` of the controller vault
 * as the engine's five liquidation stages (euler-xyz/euler-vault-kit
 * src/EVault/modules/Liquidation.sol `calculateLiquidation`, `calculateMaxLiquidation`,
 * `executeLiquidation`): trigger (the vault's checks in Euler's order, the cool-off, and the
 * violation at liquidation LTVs and mid prices, equality included), sizing (the health-scaled
 * discount capped by the maximum discount, the maximum repay and yield, scaled to the desired
 * repay), execution (the debt transferred to the liquidator, the collateral moved into the
 * liquidator's account, optionally repaid from its wallet in the same batch, then the liquidator's
 * own account status check), incentive (the discount, already in the collateral; reported only)
 * and loss waterfall (debt socialization when no collateral is left: Euler has no insurance fund
 * and no reserves that absorb bad debt; the depositors bear it).
 */
import { debtClaimAsset, type EngineState, requireAsset } from '../../engine/engine.js';
import {
  InsufficientBalanceError,
  InsufficientMarginError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import { applyMove, balanceOf, type Ledger, type Moved, moved } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../engine/pipeline.js';
import { absorbLoss } from '../../engine/waterfall.js';
import { MAX_UINT256 } from '../../math/units.js';
import {
  healthScoreWad,
  isInLiquidationCoolOff,
  isInViolation,
  type MaxLiquidation,
  maxLiquidation,
  scaleToDesiredRepay,
  socializedDebt,
} from './math.js';
import {
  accountOrEmpty,
  type EulerAccount,
  type EulerAccountEnabled,
  type EulerDebtChanged,
  type EulerDebtSocialized,
  type EulerExt,
  type EulerLiquidated,
  type EulerLiquidatorDiscount,
  type EulerStatusChecked,
  type EulerVault,
  evolveEuler,
  hasNoCollateral,
  liquidationLiquidity,
  own,
  passesAccountStatusCheck,
  quote,
  requireAccount,
  requireVault,
} from './state.js';

type State = EngineState<EulerExt>;

/** One `liquidate` call. */
export interface EulerLiquidationRequest {
  /** The account liquidated. */
  readonly violator: string;
  /** The account that takes the debt over and receives the collateral (the caller). */
  readonly liquidator: string;
  /** The collateral vault's asset seized. */
  readonly collateral: string;
  /** Debt to take over, asset units, or `max` (Euler `type(uint256).max`). */
  readonly repayAssets: bigint | 'max';
  /** The least collateral the liquidator accepts (Euler E_MinYield below it). */
  readonly minYieldBalance: bigint;
  /**
   * The liquidator repays the debt taken over from `wallet:<liquidator>` in the same EVC batch,
   * before its deferred account status check.
   */
  readonly repayFromWallet: boolean;
  readonly nowSeconds: number;
}

/** What the trigger read about the violator. */
export interface EulerTriggered {
  readonly vault: EulerVault;
  readonly violator: EulerAccount;
  /** The violator's debt, asset units (Euler `getCurrentOwed(...).toAssetsUp()`). */
  readonly liability: bigint;
  /** Σ collateral value · liquidation LTV, unit-of-account units (mid prices). */
  readonly collateralAdjustedValue: bigint;
  /** Value of the liability (mid price). */
  readonly liabilityValue: bigint;
  /** Euler's health score, WAD. */
  readonly healthScoreWad: bigint;
}

/** What sizing decided. */
export interface EulerLiquidationSize extends MaxLiquidation {
  /** The violator's balance of the collateral. */
  readonly collateralBalance: bigint;
  /** Its value at the mid price. */
  readonly collateralValue: bigint;
  /** Debt taken over after the desired-repay adjustment, asset units. */
  readonly repayAssets: bigint;
  /** Collateral moved after the desired-repay adjustment. */
  readonly yieldAssets: bigint;
}

/** Facts the execution stage hands to the incentive and loss stages. */
export interface EulerLiquidationDetail {
  readonly vault: EulerVault;
  readonly liability: bigint;
  readonly liabilityValue: bigint;
  readonly repay: bigint;
  readonly yieldBalance: bigint;
  /** The violator holds no recognized collateral after the yield transfer. */
  readonly noCollateralLeft: boolean;
  /** The ledger after the execution's moves. */
  readonly ledgerAfter: Ledger;
}

/**
 * Trigger: Euler `calculateLiquidation`'s checks, in its order, then the violation test of
 * `calculateMaxLiquidation`.
 * @throws ProtocolRevertError `E_SelfLiquidation`, `E_BadCollateral` (no LTV configured),
 *   `E_NoLiability` (no controller enabled), `E_CollateralDisabled`, `E_LiquidationCoolOff`;
 *   UnknownAccountError for an unknown violator; NotConfiguredError; StaleOraclePriceError;
 *   PositionNotLiquidatableError when the account has no debt or is not in violation (Euler runs
 *   a no-op liquidation then; the engine refuses it so a healthy account is never "liquidated").
 */
export function eulerTrigger(state: State, request: EulerLiquidationRequest): EulerTriggered {
  const vault = requireVault(state, 'liquidate');
  if (request.violator === request.liquidator) {
    throw new ProtocolRevertError('E_SelfLiquidation', 'An account cannot liquidate itself.');
  }
  if (own(vault.ltv, request.collateral) === undefined) {
    throw new ProtocolRevertError(
      'E_BadCollateral',
      `${request.collateral} has no LTV configured in this vault, so it cannot be liquidated.`,
    );
  }
  const violator = requireAccount(state, request.violator);
  if (!violator.controllerEnabled) {
    throw new ProtocolRevertError(
      'E_NoLiability',
      `${request.violator} has not enabled this vault as controller.`,
    );
  }
  if (!violator.enabledCollaterals.includes(request.collateral)) {
    throw new ProtocolRevertError(
      'E_CollateralDisabled',
      `${request.violator} has not enabled ${request.collateral} as collateral.`,
    );
  }
  if (
    isInLiquidationCoolOff({
      nowSeconds: request.nowSeconds,
      lastStatusCheckSeconds: violator.lastStatusCheckSeconds,
      coolOffSeconds: vault.liquidationCoolOffSeconds,
    })
  ) {
    throw new ProtocolRevertError(
      'E_LiquidationCoolOff',
      `Wait until ${violator.lastStatusCheckSeconds + vault.liquidationCoolOffSeconds} s (the account was checked at ${violator.lastStatusCheckSeconds} s).`,
      { lastStatusCheckSeconds: String(violator.lastStatusCheckSeconds) },
    );
  }
  const liability = violator.owed;
  if (liability === 0n) {
    throw new PositionNotLiquidatableError(request.violator, 'it owes nothing (Euler: a no-op liquidation)');
  }
  const { collateralAdjustedValue, liabilityValue } = liquidationLiquidity(
    state,
    violator,
    request.nowSeconds,
  );
  const health = healthScoreWad(collateralAdjustedValue, liabilityValue, MAX_UINT256);
  if (!isInViolation(collateralAdjustedValue, liabilityValue)) {
    throw new PositionNotLiquidatableError(
      request.violator,
      `adjusted collateral ${collateralAdjustedValue} > liability ${liabilityValue} at liquidation LTVs (Euler: a no-op liquidation)`,
    );
  }
  return { vault, violator, liability, collateralAdjustedValue, liabilityValue, healthScoreWad: health };
}

/**
 * Sizing: Euler `calculateMaxLiquidation` (discount = 1 − health, capped by the vault's maximum;
 * repay and yield capped by the collateral's value) and the desired-repay adjustment.
 * @throws ProtocolRevertError `E_ExcessiveRepayAmount`; StaleOraclePriceError for the collateral.
 */
export function eulerSizing(
  state: State,
  request: EulerLiquidationRequest,
  triggered: EulerTriggered,
): EulerLiquidationSize {
  const collateralBalance = own(triggered.violator.collateral, request.collateral) ?? 0n;
  const collateralValue =
    collateralBalance === 0n ? 0n : quote(state, request.collateral, collateralBalance, request.nowSeconds);
  const max = maxLiquidation({
    collateralAdjustedValue: triggered.collateralAdjustedValue,
    liabilityValue: triggered.liabilityValue,
    liability: triggered.liability,
    collateralBalance,
    collateralValue,
    maxLiquidationDiscountBps: triggered.vault.maxLiquidationDiscountBps,
  });
  const scaled = scaleToDesiredRepay({
    maxRepay: max.repay,
    maxYield: max.yieldBalance,
    desiredRepay: request.repayAssets,
  });
  return {
    ...max,
    collateralBalance,
    collateralValue,
    repayAssets: scaled.repay,
    yieldAssets: scaled.yieldBalance,
  };
}

function applyAll(ledger: Ledger, moves: readonly Moved[]): Ledger {
  return moves.reduce(applyMove, ledger);
}

/** Folds model events into a working state (to run the liquidator's deferred status check). */
function fold(state: State, events: readonly EngineEvent[]): State {
  let ledger = state.ledger;
  let ext = state.ext;
  for (const event of events) {
    if (event.type === 'Moved') ledger = applyMove(ledger, event as Moved);
    else ext = evolveEuler(ext, event, state.timeSeconds);
  }
  return { ...state, ledger, ext };
}

/**
 * Execution (Euler `executeLiquidation`): E_MinYield; the debt claim moves from `debt:<violator>`
 * to `debt:<liquidator>` (`transferBorrow`); the collateral moves from `acct:<violator>` to
 * `acct:<liquidator>` (`enforceCollateralTransfer`, the violator's check forgiven); the
 * liquidator's controller and collateral are enabled as its batch would; with `repayFromWallet`
 * the liquidator repays what it took over from `wallet:<liquidator>`; then the liquidator's
 * deferred account status check (borrow LTVs) must pass and stamps its check time. `shortfall` is
 * the violator's remaining debt when it has no collateral left (the loss waterfall's input).
 * @throws ProtocolRevertError `E_MinYield`; InsufficientMarginError (Euler E_AccountLiquidity: the
 *   liquidator would fail its own check); InsufficientBalanceError when the wallet cannot repay.
 */
export function eulerExecution(
  state: State,
  request: EulerLiquidationRequest,
  size: EulerLiquidationSize,
  triggered: EulerTriggered,
): ExecutionOutcome<EulerLiquidationDetail> {
  const { vault } = triggered;
  const repay = size.repayAssets;
  const yieldBalance = size.yieldAssets;
  if (request.minYieldBalance > yieldBalance) {
    throw new ProtocolRevertError(
      'E_MinYield',
      `The liquidation yields ${yieldBalance} ${request.collateral}, below minYieldBalance ${request.minYieldBalance}.`,
      { repay: repay.toString(), yield: yieldBalance.toString() },
    );
  }
  const debtAsset = debtClaimAsset(vault.asset);
  const liquidatorBefore = state.ext.accounts.get(request.liquidator);
  const events: EngineEvent[] = [];
  events.push(
    ...moved(
      debtAsset,
      `debt:${request.violator}`,
      `debt:${request.liquidator}`,
      repay,
      'liquidate:transferBorrow',
    ),
    ...moved(
      request.collateral,
      `acct:${request.violator}`,
      `acct:${request.liquidator}`,
      yieldBalance,
      'liquidate:yield',
    ),
  );
  if (yieldBalance > 0n && !(liquidatorBefore?.enabledCollaterals.includes(request.collateral) ?? false)) {
    const enabled: EulerAccountEnabled = {
      type: 'EulerCollateralEnabled',
      account: request.liquidator,
      asset: request.collateral,
    };
    events.push(enabled);
  }
  if (repay > 0n && !(liquidatorBefore?.controllerEnabled ?? false)) {
    const enabled: EulerAccountEnabled = { type: 'EulerControllerEnabled', account: request.liquidator };
    events.push(enabled);
  }
  const liquidated: EulerLiquidated = {
    type: 'EulerLiquidated',
    liquidator: request.liquidator,
    violator: request.violator,
    collateral: request.collateral,
    repay,
    yieldBalance,
    healthScoreWad: triggered.healthScoreWad,
    discountFactorWad: size.discountFactorWad,
    liabilityValue: triggered.liabilityValue,
  };
  events.push(liquidated);
  if (request.repayFromWallet && repay > 0n) {
    const wallet = `wallet:${request.liquidator}`;
    const have = balanceOf(state.ledger, wallet, vault.asset);
    if (have < repay) throw new InsufficientBalanceError(wallet, vault.asset, have, repay);
    const repaid: EulerDebtChanged = { type: 'EulerRepaid', account: request.liquidator, amount: repay };
    events.push(
      ...moved(vault.asset, wallet, 'pool', repay, 'liquidate:repay'),
      ...moved(debtAsset, `debt:${request.liquidator}`, 'mint', repay, 'liquidate:repay'),
      repaid,
    );
  }
  // The liquidator's account status check, deferred to the end of its batch (CHECKACCOUNT_CALLER).
  const after = fold(state, events);
  const liquidatorAfter = accountOrEmpty(after, request.liquidator);
  if (!passesAccountStatusCheck(after, liquidatorAfter, request.nowSeconds)) {
    throw new InsufficientMarginError(
      request.liquidator,
      `Euler E_AccountLiquidity: after taking over ${repay} of debt its borrow-LTV-adjusted collateral would not exceed its liability; add collateral first or repay in the same batch (repayFromWallet)`,
    );
  }
  if (liquidatorAfter.controllerEnabled) {
    const checked: EulerStatusChecked = { type: 'EulerStatusChecked', account: request.liquidator };
    events.push(checked);
  }
  const violatorAfter = requireAccount(after, request.violator);
  const noCollateralLeft = hasNoCollateral(vault, violatorAfter);
  const remaining = triggered.liability - repay;
  const moves = events.filter((e): e is Moved => e.type === 'Moved');
  return {
    events,
    shortfall: noCollateralLeft ? remaining : 0n,
    detail: {
      vault,
      liability: triggered.liability,
      liabilityValue: triggered.liabilityValue,
      repay,
      yieldBalance,
      noCollateralLeft,
      ledgerAfter: applyAll(state.ledger, moves),
    },
  };
}

/**
 * Incentive: Euler pays the liquidator nothing beyond the discount already in the collateral it
 * received; this stage reports that discount (mid-price values of the debt taken over and the
 * collateral received), for keeper-profit metrics.
 * @throws StaleOraclePriceError (prices were read by the trigger, so only in a broken state).
 */
export function eulerIncentive(
  state: State,
  request: EulerLiquidationRequest,
  outcome: ExecutionOutcome<EulerLiquidationDetail>,
): readonly EngineEvent[] {
  const { repay, yieldBalance, vault } = outcome.detail;
  const event: EulerLiquidatorDiscount = {
    type: 'EulerLiquidatorDiscount',
    liquidator: request.liquidator,
    violator: request.violator,
    repayValue: repay === 0n ? 0n : quote(state, vault.asset, repay, request.nowSeconds),
    yieldValue: yieldBalance === 0n ? 0n : quote(state, request.collateral, yieldBalance, request.nowSeconds),
  };
  return [event];
}

/**
 * Loss waterfall: Euler's only bad-debt path is socialization (no insurance fund, no reserves
 * absorb it). When the violator has no collateral left, its liability was worth at least
 * MIN_SOCIALIZATION_LIABILITY_VALUE and CFG_DONT_SOCIALIZE_DEBT is unset, the remaining debt claim
 * moves from `debt:<violator>` to `socialized`: the vault's totalBorrows, hence every depositor's
 * share value, fall by it. Otherwise the debt stays with the violator.
 */
export function eulerLossWaterfall(
  _state: State,
  request: EulerLiquidationRequest,
  outcome: ExecutionOutcome<EulerLiquidationDetail>,
): readonly EngineEvent[] {
  const d = outcome.detail;
  const amount = socializedDebt({
    liabilityValue: d.liabilityValue,
    liability: d.liability,
    repay: d.repay,
    noCollateralLeft: d.noCollateralLeft,
    dontSocializeDebt: d.vault.dontSocializeDebt,
  });
  if (amount === 0n) return [];
  const loss = absorbLoss({
    ledger: d.ledgerAfter,
    asset: d.vault.asset,
    claimAsset: debtClaimAsset(d.vault.asset),
    claimBucket: `debt:${request.violator}`,
    amount,
    creditorBucket: 'pool',
    steps: ['socialize'],
  });
  const event: EulerDebtSocialized = { type: 'EulerDebtSocialized', violator: request.violator, amount };
  return [...loss.moves, event];
}

/** Euler's liquidation as the engine's stages. */
export const EULER_LIQUIDATION_STAGES: LiquidationStages<
  State,
  EulerLiquidationRequest,
  EulerTriggered,
  EulerLiquidationSize,
  EulerLiquidationDetail
> = {
  trigger: eulerTrigger,
  sizing: eulerSizing,
  execution: eulerExecution,
  incentive: eulerIncentive,
  lossWaterfall: eulerLossWaterfall,
};

/**
 * The events of one `liquidate` call, through {@link runLiquidation}.
 * @throws UnknownAssetError for an unlisted collateral; whatever a stage throws.
 */
export function decideLiquidate(state: State, request: EulerLiquidationRequest): readonly EngineEvent[] {
  requireAsset(state, request.collateral);
  return runLiquidation(EULER_LIQUIDATION_STAGES, state, request).events;
}
