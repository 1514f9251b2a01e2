/**
 * Liquity v1 liquidations (`liquidate`, `liquidateTroves`, `batchLiquidateTroves`) as the engine's
 * five stages, one run per call because the contract settles a whole sequence at once (one
 * Stability Pool offset, one redistribution, one gas compensation payment):
 * trigger (price, Recovery Mode at start, the troves to walk), sizing (the sequence walk with the
 * TCR re-evaluated after each trove, each trove's branch and amounts), execution (collateral and
 * offset debt out of the troves, the Stability Pool offset, the collateral surplus, the system
 * snapshots), incentive (200 LUSD + 0.5 % collateral per trove to the liquidator) and loss
 * waterfall (no insurance fund: the debt the pool could not absorb is redistributed to every active
 * trove by stake through L_ETH / L_LUSDDebt with carried errors).
 * Ported from liquity/dev packages/contracts/contracts/TroveManager.sol (deployed v1, cb583dd):
 * `liquidate`, `liquidateTroves`, `batchLiquidateTroves`, `_getTotalsFrom*`, `_liquidateNormalMode`,
 * `_liquidateRecoveryMode`, `_redistributeDebtAndColl`, `_updateSystemSnapshots_excludeCollRemainder`,
 * `_sendGasCompensation`; StabilityPool.sol `offset`.
 */
import type { EngineState } from '../../engine/engine.js';
import {
  CircuitBreakerError,
  PositionNotLiquidatableError,
  ProtocolRevertError,
} from '../../engine/errors.js';
import { type Moved, moved } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { oracleStatus } from '../../engine/oracle.js';
import { type ExecutionOutcome, type LiquidationStages, runLiquidation } from '../../engine/pipeline.js';
import { assert } from '../../math/errors.js';
import {
  computeCR,
  INFINITE_CR,
  type LiquidationAmounts,
  type LiquidationConstants,
  normalModeValues,
  offsetRewardsPerUnitStaked,
  type RecoveryBranch,
  recoveryModeBranch,
  recoveryModeValues,
  redistributionRewards,
  updateRewardSumAndProduct,
} from './math.js';
import type { LiquityParams } from './params.js';
import {
  accountBucket,
  claimAssetOf,
  DEFAULT_POOL,
  debtBucket,
  type EntireTrove,
  entireDebtAndColl,
  GAS_POOL,
  type LiquidationSummary,
  type LiquityExt,
  liquityPriceWad,
  type Redistributed,
  requireParams,
  riskiestTroves,
  STABILITY_POOL,
  type StabilityPoolOffset,
  type SystemSnapshotsUpdated,
  type SystemTotals,
  sumAt,
  sumKey,
  surplusBucket,
  systemTotals,
  type TroveLiquidated,
  tcrOf,
  totalLUSDDeposits,
  walletBucket,
} from './state.js';

/** Revert strings of TroveManager (deployed v1). */
export const TROVE_MANAGER_REVERTS = {
  nothingToLiquidate: 'TroveManager: nothing to liquidate',
  onlyOneTrove: 'TroveManager: Only one trove in the system',
  troveNotActive: 'TroveManager: Trove does not exist or is closed',
  emptyArray: 'TroveManager: Calldata address array must not be empty',
} as const;

/** Which entry point was called. */
export type LiquidationCall =
  | { readonly kind: 'liquidate'; readonly account: string }
  | { readonly kind: 'liquidateTroves'; readonly n: bigint }
  | { readonly kind: 'batchLiquidateTroves'; readonly accounts: readonly string[] };

/** One liquidation call. */
export interface LiquityLiquidationRequest {
  /** Who calls (receives the gas compensation in `wallet:<liquidator>`). */
  readonly liquidator: string;
  readonly call: LiquidationCall;
  readonly nowSeconds: number;
}

/** What the trigger read at the start of the call (TroveManager `LocalVariables_OuterLiquidationFunction`). */
export interface LiquityTriggered {
  readonly params: LiquityParams;
  /** `priceFeed.fetchPrice()`, USD·1e18. */
  readonly priceWad: bigint;
  /** `stabilityPool.getTotalLUSDDeposits()`. */
  readonly LUSDInSP: bigint;
  readonly totals: SystemTotals;
  /** TCR at the start, 1e18-scaled. */
  readonly TCR: bigint;
  readonly recoveryModeAtStart: boolean;
  /**
   * Troves to walk, in order: the caller's array for a batch (`liquidate` is a batch of one), the
   * first `n` of the sorted list from the riskiest up for `liquidateTroves` (the walk never goes
   * further).
   */
  readonly candidates: readonly string[];
}

/** One trove liquidated in the sequence, with everything the later stages need. */
export interface SequenceEntry extends LiquidationAmounts {
  readonly account: string;
  readonly mode: 'normal' | 'recovery';
  readonly branch: 'normal' | RecoveryBranch;
  readonly ICR: bigint;
  /** TCR the recovery-mode decision used (0 in normal mode). */
  readonly TCR: bigint;
  readonly entire: EntireTrove;
  /** The trove's recorded collateral and debt (its `acct:` and `debt:` buckets). */
  readonly recordedColl: bigint;
  readonly recordedDebt: bigint;
  readonly stake: bigint;
}

/** TroveManager `LiquidationTotals`. */
export interface LiquidationTotals {
  readonly totalCollInSequence: bigint;
  readonly totalDebtInSequence: bigint;
  readonly totalCollGasCompensation: bigint;
  readonly totalLUSDGasCompensation: bigint;
  readonly totalDebtToOffset: bigint;
  readonly totalCollToSendToSP: bigint;
  readonly totalDebtToRedistribute: bigint;
  readonly totalCollToRedistribute: bigint;
  readonly totalCollSurplus: bigint;
}

/** The sequence the sizing stage decided. */
export interface LiquitySize {
  readonly entries: readonly SequenceEntry[];
  readonly totals: LiquidationTotals;
  /** totalStakes once every liquidated stake is removed. */
  readonly totalStakesAfter: bigint;
}

/** What execution hands to the incentive and loss stages. */
export interface LiquityExecutionDetail {
  readonly size: LiquitySize;
  readonly params: LiquityParams;
}

const constantsOf = (params: LiquityParams): LiquidationConstants => ({
  mcrWad: params.mcrWad,
  percentDivisor: params.percentDivisor,
  gasCompensation: params.gasCompensation,
});

/**
 * Trigger: the price, the Stability Pool's LUSD and whether the system starts in Recovery Mode
 * (`_checkRecoveryMode`: TCR < CCR); `liquidate` needs an active trove and a batch a non-empty array.
 * A tripped oracle breaker on the collateral pauses every liquidation (the engine's rule).
 * @throws NotConfiguredError, StaleOraclePriceError, CircuitBreakerError, ProtocolRevertError
 *   (`TroveManager: Trove does not exist or is closed`, `... address array must not be empty`).
 */
export function liquityTrigger(
  state: EngineState<LiquityExt>,
  request: LiquityLiquidationRequest,
): LiquityTriggered {
  const params = requireParams(state, request.call.kind);
  const { call } = request;
  if (call.kind === 'liquidate' && !state.ext.troves.has(call.account)) {
    throw new ProtocolRevertError(
      TROVE_MANAGER_REVERTS.troveNotActive,
      `${call.account} has no active trove.`,
      {
        account: call.account,
      },
    );
  }
  if (call.kind === 'batchLiquidateTroves' && call.accounts.length === 0) {
    throw new ProtocolRevertError(TROVE_MANAGER_REVERTS.emptyArray, 'Name at least one trove.');
  }
  if (Object.hasOwn(state.oracle.assets, params.collateralAsset)) {
    if (oracleStatus(state.oracle, params.collateralAsset, request.nowSeconds).liquidationsPaused) {
      throw new CircuitBreakerError('Liquidation', params.collateralAsset, 'an oracle breaker is tripped');
    }
  }
  const priceWad = liquityPriceWad(state, request.nowSeconds);
  const totals = systemTotals(state, params);
  const TCR = tcrOf(totals, priceWad);
  const candidates =
    call.kind === 'liquidate'
      ? [call.account]
      : call.kind === 'batchLiquidateTroves'
        ? call.accounts
        : riskiestTroves(
            state.ext,
            call.n < BigInt(state.ext.troves.size) ? Number(call.n) : state.ext.troves.size,
          ).map((row) => row.id);
  return {
    params,
    priceWad,
    LUSDInSP: totalLUSDDeposits(state, params),
    totals,
    TCR,
    recoveryModeAtStart: TCR < params.ccrWad,
    candidates,
  };
}

const ZERO_TOTALS: LiquidationTotals = {
  totalCollInSequence: 0n,
  totalDebtInSequence: 0n,
  totalCollGasCompensation: 0n,
  totalLUSDGasCompensation: 0n,
  totalDebtToOffset: 0n,
  totalCollToSendToSP: 0n,
  totalDebtToRedistribute: 0n,
  totalCollToRedistribute: 0n,
  totalCollSurplus: 0n,
};

/** TroveManager `_addLiquidationValuesToTotals`. */
function addToTotals(t: LiquidationTotals, e: SequenceEntry): LiquidationTotals {
  return {
    totalCollInSequence: t.totalCollInSequence + e.entire.coll,
    totalDebtInSequence: t.totalDebtInSequence + e.entire.debt,
    totalCollGasCompensation: t.totalCollGasCompensation + e.collGasCompensation,
    totalLUSDGasCompensation: t.totalLUSDGasCompensation + e.LUSDGasCompensation,
    totalDebtToOffset: t.totalDebtToOffset + e.debtToOffset,
    totalCollToSendToSP: t.totalCollToSendToSP + e.collToSendToSP,
    totalDebtToRedistribute: t.totalDebtToRedistribute + e.debtToRedistribute,
    totalCollToRedistribute: t.totalCollToRedistribute + e.collToRedistribute,
    totalCollSurplus: t.totalCollSurplus + e.collSurplus,
  };
}

/**
 * Sizing: walks the sequence exactly as `_getTotalsFromLiquidateTrovesSequence_{Normal,Recovery}Mode`
 * and `_getTotals{s}FromBatchLiquidate_{Normal,Recovery}Mode` do. Pending rewards do not change
 * inside a call (the redistribution happens at its end), so each trove's ICR is read from the state
 * as it was. In Recovery Mode the TCR is recomputed before every trove from the running system
 * totals (minus offset debt, minus collateral sent to the SP, paid as gas or left as surplus) and
 * the walk switches to normal-mode rules once the system leaves Recovery Mode; `liquidateTroves`
 * in Recovery Mode never reaches the top trove of the list; a recovery-mode trove is skipped while it
 * is the last one; a normal-mode liquidation of the last trove reverts the whole call.
 * @throws PositionNotLiquidatableError (`liquidate` of a trove the rules spare: the contract's
 *   `TroveManager: nothing to liquidate`), ProtocolRevertError (`nothing to liquidate` for the
 *   other entry points, `Only one trove in the system`, SafeMath).
 */
export function liquitySizing(
  state: EngineState<LiquityExt>,
  request: LiquityLiquidationRequest,
  triggered: LiquityTriggered,
): LiquitySize {
  const { ext } = state;
  const { params, priceWad } = triggered;
  const constants = constantsOf(params);
  const entries: SequenceEntry[] = [];
  const closed = new Set<string>();
  let remainingLUSDInStabPool = triggered.LUSDInSP;
  let troveOwners = ext.troves.size;
  let entireSystemColl = triggered.totals.entireSystemColl;
  let entireSystemDebt = triggered.totals.entireSystemDebt;
  let backToNormalMode = false;
  let totals = ZERO_TOTALS;
  let totalStakes = ext.totalStakes;

  /** The trove as the walk sees it: undefined when not active (never opened or closed in this call). */
  const activeTrove = (id: string) => {
    if (closed.has(id)) return undefined;
    const trove = ext.troves.get(id);
    if (trove === undefined) return undefined;
    const entire = entireDebtAndColl(ext, trove);
    return { trove, entire, ICR: computeCR(entire.coll, entire.debt, priceWad) };
  };
  const record = (
    id: string,
    t: NonNullable<ReturnType<typeof activeTrove>>,
    amounts: LiquidationAmounts,
    how: {
      readonly mode: 'normal' | 'recovery';
      readonly branch: 'normal' | RecoveryBranch;
      readonly TCR: bigint;
    },
  ) => {
    const entry: SequenceEntry = {
      ...amounts,
      ...how,
      account: id,
      ICR: t.ICR,
      entire: t.entire,
      recordedColl: t.trove.coll,
      recordedDebt: t.trove.debt,
      stake: t.trove.stake,
    };
    entries.push(entry);
    totals = addToTotals(totals, entry);
    closed.add(id);
    troveOwners -= 1;
    totalStakes -= t.trove.stake;
    remainingLUSDInStabPool -= amounts.debtToOffset;
  };
  /** `_liquidateNormalMode`, whose `_closeTrove` reverts on the last trove. */
  const liquidateNormal = (id: string, t: NonNullable<ReturnType<typeof activeTrove>>) => {
    if (troveOwners <= 1) {
      throw new ProtocolRevertError(
        TROVE_MANAGER_REVERTS.onlyOneTrove,
        'The last trove of the system cannot be closed or liquidated; the whole call reverts.',
        { account: id },
      );
    }
    const amounts = normalModeValues(t.entire.debt, t.entire.coll, remainingLUSDInStabPool, constants);
    record(id, t, amounts, { mode: 'normal', branch: 'normal', TCR: 0n });
  };
  /** One iteration of the recovery-mode loop body; returns false where `liquidateTroves` breaks. */
  const recoveryStep = (id: string, t: NonNullable<ReturnType<typeof activeTrove>>): boolean => {
    if (!backToNormalMode) {
      if (t.ICR >= params.mcrWad && remainingLUSDInStabPool === 0n) return false;
      const TCR = computeCR(entireSystemColl, entireSystemDebt, priceWad);
      // `_liquidateRecoveryMode`: `if (TroveOwners.length <= 1) return zeroVals` comes first.
      const branch = recoveryModeBranch(t.ICR, TCR, t.entire.debt <= remainingLUSDInStabPool, params.mcrWad);
      const liquidates =
        troveOwners > 1 &&
        (branch === 'redistribute' || branch === 'offsetThenRedistribute' || branch === 'cappedOffset');
      if (liquidates) {
        const amounts = recoveryModeValues(
          branch,
          {
            entireDebt: t.entire.debt,
            entireColl: t.entire.coll,
            LUSDInSP: remainingLUSDInStabPool,
            priceWad,
          },
          constants,
        );
        record(id, t, amounts, { mode: 'recovery', branch, TCR });
        entireSystemDebt -= amounts.debtToOffset;
        entireSystemColl -= amounts.collToSendToSP + amounts.collGasCompensation + amounts.collSurplus;
      }
      backToNormalMode = !(computeCR(entireSystemColl, entireSystemDebt, priceWad) < params.ccrWad);
      return true;
    }
    if (t.ICR < params.mcrWad) {
      liquidateNormal(id, t);
      return true;
    }
    return false;
  };

  const { call } = request;
  if (call.kind === 'liquidateTroves') {
    const list = triggered.candidates;
    if (!triggered.recoveryModeAtStart) {
      for (let i = 0n; i < call.n; i++) {
        const id = list[Number(i)];
        // SortedTroves.getLast() of an empty list is address(0), whose ICR is "infinite".
        const t = id === undefined ? undefined : activeTrove(id);
        if (id === undefined || t === undefined || t.ICR >= params.mcrWad) break;
        liquidateNormal(id, t);
      }
    } else {
      // `vars.user != firstUser`: the top of the list (index length − 1) is never reached.
      const top = ext.troves.size - 1;
      for (let i = 0; BigInt(i) < call.n && i < top; i++) {
        const id = list[i];
        assert(id !== undefined, 'walk past the list');
        const t = activeTrove(id);
        assert(t !== undefined, `listed trove ${id} is not active`);
        if (!recoveryStep(id, t)) break;
      }
    }
  } else {
    for (const id of triggered.candidates) {
      const t = activeTrove(id);
      if (!triggered.recoveryModeAtStart) {
        // A trove that is not active has coll = debt = 0, an "infinite" ICR: skipped.
        if (t !== undefined && t.ICR < params.mcrWad) liquidateNormal(id, t);
      } else if (t !== undefined) {
        recoveryStep(id, t); // the batch `continue`s where liquidateTroves breaks
      }
    }
  }

  if (totals.totalDebtInSequence === 0n) {
    if (call.kind === 'liquidate') {
      const t = activeTrove(call.account);
      throw new PositionNotLiquidatableError(
        call.account,
        `ICR ${t?.ICR ?? INFINITE_CR} (MCR ${params.mcrWad}, TCR ${triggered.TCR}, ${
          triggered.recoveryModeAtStart ? 'Recovery Mode' : 'Normal Mode'
        }): ${TROVE_MANAGER_REVERTS.nothingToLiquidate}`,
      );
    }
    throw new ProtocolRevertError(
      TROVE_MANAGER_REVERTS.nothingToLiquidate,
      'No trove in the call could be liquidated.',
      {
        TCR: triggered.TCR.toString(),
      },
    );
  }
  return { entries, totals, totalStakesAfter: totalStakes };
}

/** Where one trove's collateral goes, split over its two sources (recorded in `acct:`, pending in the DefaultPool). */
interface CollAllocation {
  readonly toLiquidator: readonly (readonly [string, bigint])[];
  readonly toStabilityPool: readonly (readonly [string, bigint])[];
  readonly toDefaultPool: readonly (readonly [string, bigint])[];
  readonly toSurplus: readonly (readonly [string, bigint])[];
}

/**
 * Splits amounts drawn in order from sources `[bucket, available]` (the trove's recorded balance
 * first, then its pending share in the DefaultPool). Every stage uses the same split, so the moves
 * of execution, incentive and loss waterfall add up to the trove's entire collateral and debt.
 */
function drawInOrder(
  sources: readonly (readonly [string, bigint])[],
  amounts: readonly bigint[],
): (readonly (readonly [string, bigint])[])[] {
  const left = sources.map(([bucket, available]) => [bucket, available] as [string, bigint]);
  return amounts.map((amount) => {
    const parts: (readonly [string, bigint])[] = [];
    let need = amount;
    for (const source of left) {
      if (need === 0n) break;
      const take = source[1] < need ? source[1] : need;
      if (take > 0n) parts.push([source[0], take]);
      source[1] -= take;
      need -= take;
    }
    assert(need === 0n, `liquidation draws ${amount} but the trove holds less`);
    return parts;
  });
}

/** A trove's collateral split: gas compensation, Stability Pool, redistribution, surplus. */
function collAllocation(e: SequenceEntry): CollAllocation {
  const [toLiquidator = [], toStabilityPool = [], toDefaultPool = [], toSurplus = []] = drawInOrder(
    [
      [accountBucket(e.account), e.recordedColl],
      [DEFAULT_POOL, e.entire.pendingColl],
    ],
    [e.collGasCompensation, e.collToSendToSP, e.collToRedistribute, e.collSurplus],
  );
  return { toLiquidator, toStabilityPool, toDefaultPool, toSurplus };
}

/** A trove's debt split: offset (extinguished) and redistributed. */
function debtAllocation(e: SequenceEntry) {
  const [offset = [], redistributed = []] = drawInOrder(
    [
      [debtBucket(e.account), e.recordedDebt],
      [DEFAULT_POOL, e.entire.pendingDebt],
    ],
    [e.debtToOffset, e.debtToRedistribute],
  );
  return { offset, redistributed };
}

const movesOf = (
  asset: string,
  parts: readonly (readonly [string, bigint])[],
  to: string,
  reason: string,
): Moved[] => parts.flatMap(([from, amount]) => moved(asset, from, to, amount, reason));

/**
 * Execution: each liquidated trove is closed (TroveLiquidated, its stake removed); the collateral
 * for the Stability Pool and the borrower's surplus leave its buckets; the offset debt claims are
 * extinguished; then StabilityPool `offset` burns the pool's LUSD against them and updates P, S,
 * epoch and scale; finally the system snapshots (`_updateSystemSnapshots_excludeCollRemainder`) and
 * the call's `Liquidation` totals. The redistributed debt is the shortfall for the loss waterfall.
 * @throws ProtocolRevertError for the Stability Pool's asserts and SafeMath.
 */
export function liquityExecution(
  state: EngineState<LiquityExt>,
  request: LiquityLiquidationRequest,
  size: LiquitySize,
  triggered: LiquityTriggered,
): ExecutionOutcome<LiquityExecutionDetail> {
  const { params } = triggered;
  const coll = params.collateralAsset;
  const claim = claimAssetOf(params);
  const events: EngineEvent[] = [];
  let totalStakes = state.ext.totalStakes;
  for (const e of size.entries) {
    const allocation = collAllocation(e);
    events.push(...movesOf(coll, allocation.toStabilityPool, STABILITY_POOL, 'liquidate:offsetColl'));
    events.push(...movesOf(coll, allocation.toSurplus, surplusBucket(e.account), 'liquidate:collSurplus'));
    events.push(...movesOf(claim, debtAllocation(e).offset, 'mint', 'liquidate:offsetDebt'));
    totalStakes -= e.stake;
    const liquidated: TroveLiquidated = {
      type: 'TroveLiquidated',
      account: e.account,
      mode: e.mode,
      branch: e.branch,
      ICR: e.ICR,
      TCR: e.TCR,
      entireDebt: e.entire.debt,
      entireColl: e.entire.coll,
      pendingDebt: e.entire.pendingDebt,
      pendingColl: e.entire.pendingColl,
      collGasCompensation: e.collGasCompensation,
      LUSDGasCompensation: e.LUSDGasCompensation,
      debtToOffset: e.debtToOffset,
      collToSendToSP: e.collToSendToSP,
      debtToRedistribute: e.debtToRedistribute,
      collToRedistribute: e.collToRedistribute,
      collSurplus: e.collSurplus,
      totalStakes,
    };
    events.push(liquidated);
  }

  // StabilityPool.offset: nothing happens when the pool is empty or nothing is offset.
  const t = size.totals;
  const totalLUSD = triggered.LUSDInSP;
  if (totalLUSD > 0n && t.totalDebtToOffset > 0n) {
    const sp = state.ext.sp;
    const rewards = offsetRewardsPerUnitStaked({
      collToAdd: t.totalCollToSendToSP,
      debtToOffset: t.totalDebtToOffset,
      totalLUSDDeposits: totalLUSD,
      lastETHError_Offset: sp.lastETHError_Offset,
      lastLUSDLossError_Offset: sp.lastLUSDLossError_Offset,
    });
    const update = updateRewardSumAndProduct(sp, {
      currentS: sumAt(sp, sp.currentEpoch, sp.currentScale),
      ETHGainPerUnitStaked: rewards.ETHGainPerUnitStaked,
      LUSDLossPerUnitStaked: rewards.LUSDLossPerUnitStaked,
    });
    const offset: StabilityPoolOffset = {
      type: 'StabilityPoolOffset',
      debtToOffset: t.totalDebtToOffset,
      collToAdd: t.totalCollToSendToSP,
      ETHGainPerUnitStaked: rewards.ETHGainPerUnitStaked,
      LUSDLossPerUnitStaked: rewards.LUSDLossPerUnitStaked,
      sumKey: sumKey(sp.currentEpoch, sp.currentScale),
      S: update.newS,
      P: update.P,
      currentScale: update.currentScale,
      currentEpoch: update.currentEpoch,
      lastETHError_Offset: rewards.lastETHError_Offset,
      lastLUSDLossError_Offset: rewards.lastLUSDLossError_Offset,
    };
    // `_moveOffsetCollAndDebt`: the pool's LUSD is burnt against the offset debt.
    events.push(
      ...moved(params.debtAsset, STABILITY_POOL, 'mint', t.totalDebtToOffset, 'liquidate:offsetBurn'),
    );
    events.push(offset);
  }

  // Every liquidated trove's collateral left the ActivePool (its pending part came from the
  // DefaultPool); the redistributed collateral enters the DefaultPool. Gas compensation excluded.
  const liquidatedRecorded = size.entries.reduce((s, e) => s + e.recordedColl, 0n);
  const liquidatedPending = size.entries.reduce((s, e) => s + e.entire.pendingColl, 0n);
  const snapshots: SystemSnapshotsUpdated = {
    type: 'SystemSnapshotsUpdated',
    totalStakesSnapshot: size.totalStakesAfter,
    totalCollateralSnapshot:
      triggered.totals.activeColl -
      liquidatedRecorded +
      (triggered.totals.defaultColl - liquidatedPending + t.totalCollToRedistribute),
  };
  const summary: LiquidationSummary = {
    type: 'Liquidation',
    liquidator: request.liquidator,
    recoveryModeAtStart: triggered.recoveryModeAtStart,
    troves: size.entries.map((e) => e.account),
    liquidatedDebt: t.totalDebtInSequence,
    liquidatedColl: t.totalCollInSequence - t.totalCollGasCompensation - t.totalCollSurplus,
    collGasCompensation: t.totalCollGasCompensation,
    LUSDGasCompensation: t.totalLUSDGasCompensation,
  };
  events.push(snapshots, summary);
  return { events, shortfall: t.totalDebtToRedistribute, detail: { size, params } };
}

/**
 * Incentive (`_sendGasCompensation`): the liquidator receives each trove's 200 LUSD reserve from the
 * Gas Pool and 0.5 % of its collateral (of the capped portion in a capped offset).
 */
export function liquityIncentive(
  _state: EngineState<LiquityExt>,
  request: LiquityLiquidationRequest,
  outcome: ExecutionOutcome<LiquityExecutionDetail>,
): readonly EngineEvent[] {
  const { params, size } = outcome.detail;
  const to = walletBucket(request.liquidator);
  const events: EngineEvent[] = [];
  for (const e of size.entries) {
    events.push(
      ...movesOf(params.collateralAsset, collAllocation(e).toLiquidator, to, 'liquidate:collGasCompensation'),
    );
  }
  events.push(
    ...moved(
      params.debtAsset,
      GAS_POOL,
      to,
      size.totals.totalLUSDGasCompensation,
      'liquidate:LUSDGasCompensation',
    ),
  );
  return events;
}

/**
 * Loss waterfall: Liquity has no insurance fund. The debt the Stability Pool could not absorb
 * (`outcome.shortfall`) and its collateral go to the DefaultPool and are credited to every
 * remaining trove by stake: `_redistributeDebtAndColl` adds the per-unit-staked terms (floored, with
 * the previous remainders fed back in) to L_ETH and L_LUSDDebt and carries the new remainders.
 * @throws ProtocolRevertError `SafeMath: division by zero` when every remaining stake is 0.
 */
export function liquityLossWaterfall(
  state: EngineState<LiquityExt>,
  _request: LiquityLiquidationRequest,
  outcome: ExecutionOutcome<LiquityExecutionDetail>,
): readonly EngineEvent[] {
  const { params, size } = outcome.detail;
  const events: EngineEvent[] = [];
  for (const e of size.entries) {
    events.push(
      ...movesOf(
        params.collateralAsset,
        collAllocation(e).toDefaultPool,
        DEFAULT_POOL,
        'liquidate:redistributeColl',
      ),
    );
    events.push(
      ...movesOf(
        claimAssetOf(params),
        debtAllocation(e).redistributed,
        DEFAULT_POOL,
        'liquidate:redistributeDebt',
      ),
    );
  }
  // `if (_debt == 0) { return; }`
  if (outcome.shortfall === 0n) return events;
  const ext = state.ext;
  const rewards = redistributionRewards({
    coll: size.totals.totalCollToRedistribute,
    debt: size.totals.totalDebtToRedistribute,
    totalStakes: size.totalStakesAfter,
    lastETHError: ext.lastETHError_Redistribution,
    lastLUSDDebtError: ext.lastLUSDDebtError_Redistribution,
  });
  const redistributed: Redistributed = {
    type: 'Redistributed',
    debt: size.totals.totalDebtToRedistribute,
    coll: size.totals.totalCollToRedistribute,
    totalStakes: size.totalStakesAfter,
    L_ETH: ext.L_ETH + rewards.ETHRewardPerUnitStaked,
    L_LUSDDebt: ext.L_LUSDDebt + rewards.LUSDDebtRewardPerUnitStaked,
    lastETHError_Redistribution: rewards.lastETHError,
    lastLUSDDebtError_Redistribution: rewards.lastLUSDDebtError,
  };
  events.push(redistributed);
  return events;
}

/** Liquity's liquidation as the engine's five stages. */
export const LIQUITY_LIQUIDATION_STAGES: LiquidationStages<
  EngineState<LiquityExt>,
  LiquityLiquidationRequest,
  LiquityTriggered,
  LiquitySize,
  LiquityExecutionDetail
> = {
  trigger: liquityTrigger,
  sizing: liquitySizing,
  execution: liquityExecution,
  incentive: liquityIncentive,
  lossWaterfall: liquityLossWaterfall,
};

/**
 * Runs one liquidation call (`liquidate`, `liquidateTroves` or `batchLiquidateTroves`) through the
 * stages and returns its events.
 * @throws whatever a stage throws (see each stage).
 */
export function decideLiquidation(
  state: EngineState<LiquityExt>,
  request: LiquityLiquidationRequest,
): EngineEvent[] {
  return [...runLiquidation(LIQUITY_LIQUIDATION_STAGES, state, request).events];
}
