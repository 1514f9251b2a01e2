/**
 * Liquity v1 as an engine protocol model `liquity-v1`: troves of ETH collateral and LUSD debt (with
 * the 200 LUSD gas compensation escrowed and counted in debt, MIN_NET_DEBT and the decaying
 * borrowing fee), ICR/TCR, Normal and Recovery Mode, the Stability Pool with compounded deposits
 * and ETH gains (P, S, epoch, scale), liquidation of one trove, of the n riskiest or of a list
 * (liquidation.ts), redistribution of what the pool cannot absorb and the collateral surplus of a
 * capped offset. Ported from liquity/dev packages/contracts/contracts (deployed v1, cb583dd):
 * BorrowerOperations.sol, TroveManager.sol, StabilityPool.sol, CollSurplusPool.sol, LiquityBase.sol.
 * Ledger mapping: see state.ts.
 *
 * Not modelled: redemptions (so the base rate only decays from its configured value), LQTY
 * issuance and staking rewards, front ends and kickback rates, `withdrawETHGainToTrove`, hints (the
 * sorted list is the exact order of current collateral ratios), the PriceFeed's Chainlink/Tellor
 * fallback (the engine oracle gives the price). The deployed contracts are modelled, not the 2025
 * HEAD change that keeps 1 LUSD in the Stability Pool.
 */
import {
  type AccountHealth,
  type EngineState,
  type ProtocolModel,
  requireAsset,
} from '../../engine/engine.js';
import {
  InsufficientBalanceError,
  InvalidParameterError,
  ProtocolRevertError,
  UnknownAccountError,
} from '../../engine/errors.js';
import {
  readBigint,
  readBigintOr,
  readBoolean,
  readEnum,
  readString,
  requireTokenDecimals,
} from '../../engine/fields.js';
import { balanceOf, bucketsOf, type Moved, moved, sumByPrefix } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import { MAX_UINT256 } from '../../math/units.js';
import { decideLiquidation, type LiquidationCall } from './liquidation.js';
import {
  borrowingFee,
  borrowingRate,
  computeCR,
  computeNewStake,
  DECIMAL_PRECISION,
  decayedBaseRate,
  feePercentage,
  mulDivFloor,
  SECONDS_IN_ONE_MINUTE,
  safeSub,
} from './math.js';
import { type LiquityParams, parseLiquityParams } from './params.js';
import {
  accountBucket,
  type BaseRateUpdated,
  type CollateralClaimed,
  claimAssetOf,
  currentDepositSnapshot,
  DEFAULT_POOL,
  type DepositUpdated,
  debtBucket,
  depositPosition,
  entireDebtAndColl,
  evolveLiquity,
  GAS_POOL,
  initialLiquityExt,
  type LiquityConfigured,
  type LiquityExt,
  LQTY_STAKING,
  liquityPriceWad,
  requireParams,
  riskiestTroves,
  STABILITY_POOL,
  surplusBucket,
  systemTotals,
  type Trove,
  type TroveClosed,
  type TroveUpdated,
  tcrOf,
  totalLUSDDeposits,
  walletBucket,
} from './state.js';

/** Model id. */
export const LIQUITY_V1_ID = 'liquity-v1';

/**
 * Commands the model decides (amounts in wei: bigint, safe integer or decimal string):
 * - `configure {params}` (once; see {@link parseLiquityParams}; both assets listed with 18 decimals);
 * - `openTrove {account, collDeposit, lusdAmount, maxFeePercentage?, source?: 'world'|'wallet'}`;
 * - `adjustTrove {account, collDeposit?, collWithdrawal?, lusdChange?, isDebtIncrease?, maxFeePercentage?, source?}`;
 * - `closeTrove {account}` (repays debt − 200 LUSD from `wallet:<account>`);
 * - `provideToSP {account, amount}`, `withdrawFromSP {account, amount}` (0 = collect the ETH gain);
 * - `liquidate {account, liquidator}`, `liquidateTroves {n, liquidator}`,
 *   `batchLiquidateTroves {accounts, liquidator}`;
 * - `claimCollateral {account}` (the CollSurplusPool balance after a capped offset).
 * `maxFeePercentage` defaults to 1e18 (any fee accepted).
 */
export const LIQUITY_COMMANDS: readonly string[] = [
  'configure',
  'openTrove',
  'adjustTrove',
  'closeTrove',
  'provideToSP',
  'withdrawFromSP',
  'liquidate',
  'liquidateTroves',
  'batchLiquidateTroves',
  'claimCollateral',
];

/** Revert strings of BorrowerOperations, StabilityPool and CollSurplusPool (deployed v1). */
export const LIQUITY_REVERTS = {
  troveIsActive: 'BorrowerOps: Trove is active',
  troveNotActive: 'BorrowerOps: Trove does not exist or is closed',
  maxFeeNormal: 'Max fee percentage must be between 0.5% and 100%',
  maxFeeRecovery: 'Max fee percentage must less than or equal to 100%',
  feeExceeded: 'Fee exceeded provided maximum',
  minNetDebt: "BorrowerOps: Trove's net debt must be greater than minimum",
  icrBelowMcr: 'BorrowerOps: An operation that would result in ICR < MCR is not permitted',
  icrBelowCcr: 'BorrowerOps: Operation must leave trove with ICR >= CCR',
  tcrBelowCcr: 'BorrowerOps: An operation that would result in TCR < CCR is not permitted',
  icrDecrease: "BorrowerOps: Cannot decrease your Trove's ICR in Recovery Mode",
  collWithdrawalRecovery: 'BorrowerOps: Collateral withdrawal not permitted Recovery Mode',
  notInRecovery: 'BorrowerOps: Operation not permitted during Recovery Mode',
  singularCollChange: 'BorrowerOperations: Cannot withdraw and add coll',
  nonZeroAdjustment: 'BorrowerOps: There must be either a collateral change or a debt change',
  nonZeroDebtChange: 'BorrowerOps: Debt increase requires non-zero debtChange',
  repaymentTooLarge: "BorrowerOps: Amount repaid must not be larger than the Trove's debt",
  insufficientLUSD: 'BorrowerOps: Caller doesnt have enough LUSD to make repayment',
  onlyOneTrove: 'TroveManager: Only one trove in the system',
  spAmountZero: 'StabilityPool: Amount must be non-zero',
  spNoDeposit: 'StabilityPool: User must have a non-zero deposit',
  spUndercollateralized: 'StabilityPool: Cannot withdraw while there are troves with ICR < MCR',
  noSurplus: 'CollSurplusPool: No collateral available to claim',
  alreadyConfigured: 'Ownable: caller is not the owner',
} as const;

type State = EngineState<LiquityExt>;

const revert = (reason: string, hint: string, computed: Record<string, bigint> = {}): ProtocolRevertError =>
  new ProtocolRevertError(
    reason,
    hint,
    Object.fromEntries(Object.entries(computed).map(([k, v]) => [k, v.toString()])),
  );

const amount = (command: Command, key: string, fallback?: bigint): bigint =>
  fallback === undefined
    ? readBigint(command, key, key, { max: MAX_UINT256, expect: 'wei in [0, 2^256)' })
    : readBigintOr(command, key, fallback, key, { max: MAX_UINT256, expect: 'wei in [0, 2^256)' });

/** Where deposited collateral comes from: `world` (default) or `wallet:<account>`. */
function sourceBucket(command: Command, account: string): string {
  if (command.source === undefined) return 'world';
  return readEnum(command, 'source', ['world', 'wallet']) === 'world' ? 'world' : walletBucket(account);
}

function requireTrove(state: State, id: string): Trove {
  const trove = state.ext.troves.get(id);
  if (trove === undefined) throw revert(LIQUITY_REVERTS.troveNotActive, `${id} has no active trove.`);
  return trove;
}

/** BorrowerOperations `_requireValidMaxFeePercentage`. */
function requireValidMaxFee(params: LiquityParams, maxFee: bigint, isRecoveryMode: boolean): void {
  if (isRecoveryMode) {
    if (maxFee > DECIMAL_PRECISION) throw revert(LIQUITY_REVERTS.maxFeeRecovery, 'maxFeePercentage ≤ 1e18.');
  } else if (maxFee < params.borrowingFeeFloorWad || maxFee > DECIMAL_PRECISION) {
    throw revert(LIQUITY_REVERTS.maxFeeNormal, `maxFeePercentage in [${params.borrowingFeeFloorWad}, 1e18].`);
  }
}

/**
 * BorrowerOperations `_triggerBorrowingFee`: TroveManager `decayBaseRateFromBorrowing` (the base
 * rate decays by the whole minutes since the last fee operation, whose time moves only after a full
 * minute), then `getBorrowingFee` and `_requireUserAcceptsFee`.
 */
function triggerBorrowingFee(
  state: State,
  params: LiquityParams,
  lusdAmount: bigint,
  maxFee: bigint,
  nowSeconds: number,
): { readonly fee: bigint; readonly event: BaseRateUpdated } {
  const { ext } = state;
  const minutesPassed = BigInt(Math.floor((nowSeconds - ext.lastFeeOperationTime) / SECONDS_IN_ONE_MINUTE));
  const baseRate = decayedBaseRate(ext.baseRate, minutesPassed, params.minuteDecayFactorWad);
  const lastFeeOperationTime =
    nowSeconds - ext.lastFeeOperationTime >= SECONDS_IN_ONE_MINUTE ? nowSeconds : ext.lastFeeOperationTime;
  const fee = borrowingFee(borrowingRate(baseRate, params), lusdAmount);
  const percentage = feePercentage(fee, lusdAmount);
  if (percentage > maxFee) {
    throw revert(LIQUITY_REVERTS.feeExceeded, 'Raise maxFeePercentage or wait for the base rate to decay.', {
      fee,
      feePercentage: percentage,
    });
  }
  return { fee, event: { type: 'BaseRateUpdated', baseRate, lastFeeOperationTime } };
}

/**
 * TroveManager `_applyPendingRewards`: when L_ETH moved since the trove's snapshot, its pending
 * collateral and debt move from the DefaultPool into it and its snapshots are refreshed.
 */
function applyPendingRewards(
  state: State,
  params: LiquityParams,
  id: string,
  trove: Trove,
): { readonly trove: Trove; readonly moves: readonly Moved[] } {
  const { ext } = state;
  if (!(trove.snapshotETH < ext.L_ETH)) return { trove, moves: [] };
  const entire = entireDebtAndColl(ext, trove);
  return {
    trove: {
      ...trove,
      coll: entire.coll,
      debt: entire.debt,
      snapshotETH: ext.L_ETH,
      snapshotLUSDDebt: ext.L_LUSDDebt,
    },
    moves: [
      ...moved(
        params.collateralAsset,
        DEFAULT_POOL,
        accountBucket(id),
        entire.pendingColl,
        'applyPendingRewards',
      ),
      ...moved(claimAssetOf(params), DEFAULT_POOL, debtBucket(id), entire.pendingDebt, 'applyPendingRewards'),
    ],
  };
}

function decideConfigure(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  if (state.ext.params !== null) {
    throw revert(
      LIQUITY_REVERTS.alreadyConfigured,
      'Liquity is configured once (setAddresses renounces ownership).',
    );
  }
  const params = parseLiquityParams(command.params);
  for (const key of ['collateralAsset', 'debtAsset'] as const) {
    requireTokenDecimals(`params.${key}`, params[key], requireAsset(state, params[key]).decimals, {
      min: 18,
      max: 18,
      rule: 'Liquity works in 18-decimal wei',
    });
  }
  const event: LiquityConfigured = {
    type: 'LiquityConfigured',
    params,
    baseRate: params.initialBaseRateWad,
    lastFeeOperationTime: nowSeconds,
  };
  return [event];
}

function decideOpenTrove(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const id = readString(command, 'account');
  const coll = amount(command, 'collDeposit');
  const lusdAmount = amount(command, 'lusdAmount');
  const maxFee = amount(command, 'maxFeePercentage', DECIMAL_PRECISION);
  const from = sourceBucket(command, id);
  const price = liquityPriceWad(state, nowSeconds);
  const totals = systemTotals(state, params);
  const isRecoveryMode = tcrOf(totals, price) < params.ccrWad;
  requireValidMaxFee(params, maxFee, isRecoveryMode);
  if (state.ext.troves.has(id)) throw revert(LIQUITY_REVERTS.troveIsActive, `${id} already has a trove.`);
  const events: EngineEvent[] = [];
  let fee = 0n;
  if (!isRecoveryMode) {
    const triggered = triggerBorrowingFee(state, params, lusdAmount, maxFee, nowSeconds);
    fee = triggered.fee;
    events.push(triggered.event);
  }
  const netDebt = lusdAmount + fee;
  if (netDebt < params.minNetDebt) {
    throw revert(LIQUITY_REVERTS.minNetDebt, `Borrow at least ${params.minNetDebt} wei including the fee.`, {
      netDebt,
    });
  }
  const compositeDebt = netDebt + params.gasCompensation;
  const ICR = computeCR(coll, compositeDebt, price);
  if (isRecoveryMode) {
    if (ICR < params.ccrWad)
      throw revert(LIQUITY_REVERTS.icrBelowCcr, 'In Recovery Mode a new trove needs ICR ≥ CCR.', { ICR });
  } else {
    if (ICR < params.mcrWad)
      throw revert(LIQUITY_REVERTS.icrBelowMcr, 'Add collateral or borrow less.', { ICR });
    const newTCR = computeCR(totals.entireSystemColl + coll, totals.entireSystemDebt + compositeDebt, price);
    if (newTCR < params.ccrWad)
      throw revert(LIQUITY_REVERTS.tcrBelowCcr, 'The trove would push the system into Recovery Mode.', {
        ICR,
        newTCR,
      });
  }
  const stake = computeNewStake(coll, state.ext);
  const updated: TroveUpdated = {
    type: 'TroveUpdated',
    account: id,
    operation: 'openTrove',
    debt: compositeDebt,
    coll,
    stake,
    snapshotETH: state.ext.L_ETH,
    snapshotLUSDDebt: state.ext.L_LUSDDebt,
    totalStakes: state.ext.totalStakes + stake,
    LUSDFee: fee,
  };
  const lusd = params.debtAsset;
  events.push(
    ...moved(params.collateralAsset, from, accountBucket(id), coll, 'openTrove'),
    ...moved(lusd, 'mint', walletBucket(id), lusdAmount, 'openTrove'),
    ...moved(lusd, 'mint', LQTY_STAKING, fee, 'borrowingFee'),
    ...moved(lusd, 'mint', GAS_POOL, params.gasCompensation, 'gasCompensationReserve'),
    ...moved(claimAssetOf(params), 'mint', debtBucket(id), compositeDebt, 'openTrove'),
    updated,
  );
  return events;
}

function decideAdjustTrove(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const id = readString(command, 'account');
  const collDeposit = amount(command, 'collDeposit', 0n);
  const collWithdrawal = amount(command, 'collWithdrawal', 0n);
  const lusdChange = amount(command, 'lusdChange', 0n);
  const isDebtIncrease =
    command.isDebtIncrease === undefined ? false : readBoolean(command, 'isDebtIncrease');
  const maxFee = amount(command, 'maxFeePercentage', DECIMAL_PRECISION);
  const from = sourceBucket(command, id);
  const price = liquityPriceWad(state, nowSeconds);
  const totals = systemTotals(state, params);
  const isRecoveryMode = tcrOf(totals, price) < params.ccrWad;
  if (isDebtIncrease) {
    requireValidMaxFee(params, maxFee, isRecoveryMode);
    if (lusdChange === 0n) throw revert(LIQUITY_REVERTS.nonZeroDebtChange, 'Name the LUSD to draw.');
  }
  if (collDeposit !== 0n && collWithdrawal !== 0n)
    throw revert(LIQUITY_REVERTS.singularCollChange, 'Deposit or withdraw, not both.');
  if (collDeposit === 0n && collWithdrawal === 0n && lusdChange === 0n) {
    throw revert(LIQUITY_REVERTS.nonZeroAdjustment, 'Change the collateral or the debt.');
  }
  const pending = applyPendingRewards(state, params, id, requireTrove(state, id));
  const trove = pending.trove;
  const events: EngineEvent[] = [...pending.moves];
  const isCollIncrease = collDeposit !== 0n;
  const collChange = isCollIncrease ? collDeposit : collWithdrawal;
  let netDebtChange = lusdChange;
  let fee = 0n;
  if (isDebtIncrease && !isRecoveryMode) {
    const triggered = triggerBorrowingFee(state, params, lusdChange, maxFee, nowSeconds);
    fee = triggered.fee;
    netDebtChange += fee;
    events.push(triggered.event);
  }
  const oldICR = computeCR(trove.coll, trove.debt, price);
  // `_getNewTroveAmounts` subtracts with SafeMath: withdrawing or repaying too much reverts here.
  const newColl = isCollIncrease ? trove.coll + collChange : safeSub(trove.coll, collChange);
  const newDebt = isDebtIncrease ? trove.debt + netDebtChange : safeSub(trove.debt, netDebtChange);
  const newICR = computeCR(newColl, newDebt, price);
  if (isRecoveryMode) {
    if (collWithdrawal !== 0n)
      throw revert(LIQUITY_REVERTS.collWithdrawalRecovery, 'No withdrawals in Recovery Mode.');
    if (isDebtIncrease) {
      if (newICR < params.ccrWad)
        throw revert(LIQUITY_REVERTS.icrBelowCcr, 'Borrowing in Recovery Mode needs ICR ≥ CCR after.', {
          newICR,
        });
      if (newICR < oldICR)
        throw revert(LIQUITY_REVERTS.icrDecrease, 'Borrowing in Recovery Mode must improve the ICR.', {
          oldICR,
          newICR,
        });
    }
  } else {
    if (newICR < params.mcrWad)
      throw revert(LIQUITY_REVERTS.icrBelowMcr, 'Add collateral or borrow less.', { newICR });
    const newTCR = computeCR(
      isCollIncrease ? totals.entireSystemColl + collChange : safeSub(totals.entireSystemColl, collChange),
      isDebtIncrease
        ? totals.entireSystemDebt + netDebtChange
        : safeSub(totals.entireSystemDebt, netDebtChange),
      price,
    );
    if (newTCR < params.ccrWad)
      throw revert(LIQUITY_REVERTS.tcrBelowCcr, 'The change would push the system into Recovery Mode.', {
        newTCR,
      });
  }
  const wallet = walletBucket(id);
  const lusd = params.debtAsset;
  if (!isDebtIncrease && lusdChange > 0n) {
    const netDebtAfter = safeSub(safeSub(trove.debt, params.gasCompensation), netDebtChange);
    if (netDebtAfter < params.minNetDebt)
      throw revert(LIQUITY_REVERTS.minNetDebt, 'Repay less or close the trove.', { netDebtAfter });
    if (netDebtChange > trove.debt - params.gasCompensation)
      throw revert(LIQUITY_REVERTS.repaymentTooLarge, 'Repay at most debt − 200 LUSD.');
    const have = balanceOf(state.ledger, wallet, lusd);
    if (have < netDebtChange)
      throw revert(LIQUITY_REVERTS.insufficientLUSD, `${wallet} holds ${have} LUSD.`, { have });
  }
  const stake = computeNewStake(newColl, state.ext);
  const updated: TroveUpdated = {
    type: 'TroveUpdated',
    account: id,
    operation: 'adjustTrove',
    debt: newDebt,
    coll: newColl,
    stake,
    snapshotETH: trove.snapshotETH,
    snapshotLUSDDebt: trove.snapshotLUSDDebt,
    totalStakes: state.ext.totalStakes - trove.stake + stake,
    LUSDFee: fee,
  };
  const claim = claimAssetOf(params);
  if (isDebtIncrease) {
    events.push(
      ...moved(lusd, 'mint', wallet, lusdChange, 'adjustTrove'),
      ...moved(lusd, 'mint', LQTY_STAKING, fee, 'borrowingFee'),
      ...moved(claim, 'mint', debtBucket(id), netDebtChange, 'adjustTrove'),
    );
  } else {
    events.push(
      ...moved(lusd, wallet, 'mint', lusdChange, 'adjustTrove'),
      ...moved(claim, debtBucket(id), 'mint', lusdChange, 'adjustTrove'),
    );
  }
  events.push(
    ...(isCollIncrease
      ? moved(params.collateralAsset, from, accountBucket(id), collChange, 'adjustTrove')
      : moved(params.collateralAsset, accountBucket(id), wallet, collChange, 'adjustTrove')),
    updated,
  );
  return events;
}

function decideCloseTrove(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const id = readString(command, 'account');
  const before = requireTrove(state, id);
  const price = liquityPriceWad(state, nowSeconds);
  const totals = systemTotals(state, params);
  if (tcrOf(totals, price) < params.ccrWad)
    throw revert(LIQUITY_REVERTS.notInRecovery, 'Wait for the system to leave Recovery Mode.');
  const { trove, moves } = applyPendingRewards(state, params, id, before);
  const wallet = walletBucket(id);
  const lusd = params.debtAsset;
  const repay = safeSub(trove.debt, params.gasCompensation);
  const have = balanceOf(state.ledger, wallet, lusd);
  if (have < repay)
    throw revert(LIQUITY_REVERTS.insufficientLUSD, `${wallet} holds ${have} LUSD, ${repay} needed.`, {
      have,
      repay,
    });
  const newTCR = computeCR(totals.entireSystemColl - trove.coll, totals.entireSystemDebt - trove.debt, price);
  if (newTCR < params.ccrWad)
    throw revert(LIQUITY_REVERTS.tcrBelowCcr, 'Closing would push the system into Recovery Mode.', {
      newTCR,
    });
  // TroveManager `_closeTrove`: `_requireMoreThanOneTroveInSystem`.
  if (state.ext.troves.size <= 1)
    throw revert(LIQUITY_REVERTS.onlyOneTrove, 'The last trove cannot be closed.');
  const closed: TroveClosed = {
    type: 'TroveClosed',
    account: id,
    totalStakes: state.ext.totalStakes - trove.stake,
  };
  return [
    ...moves,
    ...moved(lusd, wallet, 'mint', repay, 'closeTrove'),
    ...moved(lusd, GAS_POOL, 'mint', params.gasCompensation, 'closeTrove:gasCompensationReserve'),
    ...moved(claimAssetOf(params), debtBucket(id), 'mint', trove.debt, 'closeTrove'),
    ...moved(params.collateralAsset, accountBucket(id), wallet, trove.coll, 'closeTrove'),
    closed,
  ];
}

function decideProvideToSP(state: State, command: Command): EngineEvent[] {
  const params = requireParams(state, command.type);
  const id = readString(command, 'account');
  const lusdAmount = amount(command, 'amount');
  if (lusdAmount === 0n) throw revert(LIQUITY_REVERTS.spAmountZero, 'Deposit more than 0.');
  const position = depositPosition(state.ext.sp, id);
  const wallet = walletBucket(id);
  const have = balanceOf(state.ledger, wallet, params.debtAsset);
  if (have < lusdAmount) throw new InsufficientBalanceError(wallet, params.debtAsset, have, lusdAmount);
  const updated: DepositUpdated = {
    type: 'DepositUpdated',
    depositor: id,
    operation: 'provideToSP',
    initialValue: position.compounded + lusdAmount,
    snapshot: currentDepositSnapshot(state.ext.sp),
    ETHGain: position.ETHGain,
    LUSDLoss: position.initialValue - position.compounded,
  };
  return [
    ...moved(params.debtAsset, wallet, STABILITY_POOL, lusdAmount, 'provideToSP'),
    ...moved(params.collateralAsset, STABILITY_POOL, wallet, position.ETHGain, 'provideToSP:ETHGain'),
    updated,
  ];
}

function decideWithdrawFromSP(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const id = readString(command, 'account');
  const asked = amount(command, 'amount');
  if (asked !== 0n) {
    // `_requireNoUnderCollateralizedTroves`: the riskiest trove must be at or above MCR.
    const price = liquityPriceWad(state, nowSeconds);
    const lowest = riskiestTroves(state.ext, 1)[0];
    const ICR = lowest === undefined ? MAX_UINT256 : computeCR(lowest.entire.coll, lowest.entire.debt, price);
    if (ICR < params.mcrWad)
      throw revert(LIQUITY_REVERTS.spUndercollateralized, 'Liquidate the troves below MCR first.', { ICR });
  }
  const position = depositPosition(state.ext.sp, id);
  if (position.initialValue === 0n) throw revert(LIQUITY_REVERTS.spNoDeposit, `${id} has no deposit.`);
  const toWithdraw = asked < position.compounded ? asked : position.compounded;
  const wallet = walletBucket(id);
  const remaining = position.compounded - toWithdraw;
  const updated: DepositUpdated = {
    type: 'DepositUpdated',
    depositor: id,
    operation: 'withdrawFromSP',
    initialValue: remaining,
    snapshot:
      remaining === 0n ? { P: 0n, S: 0n, scale: 0n, epoch: 0n } : currentDepositSnapshot(state.ext.sp),
    ETHGain: position.ETHGain,
    LUSDLoss: position.initialValue - position.compounded,
  };
  return [
    ...moved(params.debtAsset, STABILITY_POOL, wallet, toWithdraw, 'withdrawFromSP'),
    ...moved(params.collateralAsset, STABILITY_POOL, wallet, position.ETHGain, 'withdrawFromSP:ETHGain'),
    updated,
  ];
}

function decideClaimCollateral(state: State, command: Command): EngineEvent[] {
  const params = requireParams(state, command.type);
  const id = readString(command, 'account');
  const claimable = balanceOf(state.ledger, surplusBucket(id), params.collateralAsset);
  if (claimable === 0n) throw revert(LIQUITY_REVERTS.noSurplus, `${id} has no collateral surplus.`);
  const claimed: CollateralClaimed = { type: 'CollateralClaimed', account: id, amount: claimable };
  return [
    ...moved(params.collateralAsset, surplusBucket(id), walletBucket(id), claimable, 'claimCollateral'),
    claimed,
  ];
}

function readAccounts(command: Command): string[] {
  const raw = command.accounts;
  if (!Array.isArray(raw)) throw new InvalidParameterError('accounts', 'expected a list of account ids');
  return raw.map((a, i) => {
    if (typeof a !== 'string' || a.length === 0)
      throw new InvalidParameterError(`accounts.${i}`, 'expected an account id');
    return a;
  });
}

function decideLiquity(state: State, command: Command, nowSeconds: number): readonly EngineEvent[] {
  switch (command.type) {
    case 'configure':
      return decideConfigure(state, command, nowSeconds);
    case 'openTrove':
      return decideOpenTrove(state, command, nowSeconds);
    case 'adjustTrove':
      return decideAdjustTrove(state, command, nowSeconds);
    case 'closeTrove':
      return decideCloseTrove(state, command, nowSeconds);
    case 'provideToSP':
      return decideProvideToSP(state, command);
    case 'withdrawFromSP':
      return decideWithdrawFromSP(state, command, nowSeconds);
    case 'claimCollateral':
      return decideClaimCollateral(state, command);
    case 'liquidate':
    case 'liquidateTroves':
    case 'batchLiquidateTroves': {
      requireParams(state, command.type);
      const liquidator = readString(command, 'liquidator');
      let call: LiquidationCall;
      if (command.type === 'liquidate') call = { kind: 'liquidate', account: readString(command, 'account') };
      else if (command.type === 'liquidateTroves')
        call = { kind: 'liquidateTroves', n: amount(command, 'n') };
      else call = { kind: 'batchLiquidateTroves', accounts: readAccounts(command) };
      return decideLiquidation(state, { liquidator, call, nowSeconds });
    }
    default:
      throw new InvalidParameterError('type', `liquity-v1 has no command ${command.type}`);
  }
}

/**
 * Health of a trove: ICR against the threshold the protocol applies to it now (MCR; in Recovery
 * Mode the TCR when a capped offset is possible), 1e18 = at the threshold. `liquidatable` is exactly
 * whether `liquidate {account}` would go through (including the last-trove rule).
 * @throws NotConfiguredError, UnknownAccountError, StaleOraclePriceError.
 */
function healthOf(state: State, accountId: string, nowSeconds: number): AccountHealth {
  const params = requireParams(state, 'health');
  const trove = state.ext.troves.get(accountId);
  if (trove === undefined) throw new UnknownAccountError(accountId);
  const price = liquityPriceWad(state, nowSeconds);
  const entire = entireDebtAndColl(state.ext, trove);
  const ICR = computeCR(entire.coll, entire.debt, price);
  const TCR = tcrOf(systemTotals(state, params), price);
  const recovery = TCR < params.ccrWad;
  const spLUSD = totalLUSDDeposits(state, params);
  const cappedPossible = recovery && spLUSD > 0n && entire.debt <= spLUSD && TCR > params.mcrWad;
  const threshold = cappedPossible ? TCR : params.mcrWad;
  const notLast = state.ext.troves.size > 1;
  const liquidatable = notLast && (ICR < params.mcrWad || (cappedPossible && ICR < TCR));
  const healthWad = ICR === MAX_UINT256 ? MAX_UINT256 : mulDivFloor(ICR, DECIMAL_PRECISION, threshold);
  return {
    accountId,
    healthWad: healthWad > MAX_UINT256 ? MAX_UINT256 : healthWad,
    liquidatable,
    // Floor: collateral never over-valued; LUSD debt counted at $1.
    collateralValueWad: mulDivFloor(entire.coll, price, DECIMAL_PRECISION),
    debtValueWad: entire.debt,
  };
}

function invariantsOf(state: State) {
  const params = state.ext.params;
  if (params === null) return [];
  const { ext, ledger } = state;
  const claim = claimAssetOf(params);
  const ids = ext.troves.keys();
  const troveErrors: string[] = [];
  let stakes = 0n;
  let pendingColl = 0n;
  let pendingDebt = 0n;
  for (const id of ids) {
    const trove = ext.troves.get(id);
    if (trove === undefined) continue;
    stakes += trove.stake;
    const entire = entireDebtAndColl(ext, trove);
    pendingColl += entire.pendingColl;
    pendingDebt += entire.pendingDebt;
    const c = balanceOf(ledger, accountBucket(id), params.collateralAsset);
    const d = balanceOf(ledger, debtBucket(id), claim);
    if (c !== trove.coll || d !== trove.debt)
      troveErrors.push(`${id}: ledger ${c}/${d}, trove ${trove.coll}/${trove.debt}`);
    if (trove.snapshotETH > ext.L_ETH || trove.snapshotLUSDDebt > ext.L_LUSDDebt)
      troveErrors.push(`${id}: snapshot above L`);
  }
  const owned = (asset: string, prefix: string) =>
    bucketsOf(ledger, asset)
      .filter(([b]) => b.startsWith(prefix) && !ext.troves.has(b.slice(prefix.length)))
      .map(([b]) => b);
  const orphans = [...owned(params.collateralAsset, 'acct:'), ...owned(claim, 'debt:')];
  const defaultColl = balanceOf(ledger, DEFAULT_POOL, params.collateralAsset);
  const defaultDebt = balanceOf(ledger, DEFAULT_POOL, claim);
  const activeDebt = sumByPrefix(ledger, claim, 'debt:');
  const supply = -balanceOf(ledger, 'mint', params.debtAsset);
  const claims = -balanceOf(ledger, 'mint', claim);
  const gasPool = balanceOf(ledger, GAS_POOL, params.debtAsset);

  let compounded = 0n;
  let gains = 0n;
  const depositors = Object.keys(ext.sp.deposits);
  for (const id of depositors) {
    const p = depositPosition(ext.sp, id);
    compounded += p.compounded;
    gains += p.ETHGain;
  }
  const spLUSD = balanceOf(ledger, STABILITY_POOL, params.debtAsset);
  const spETH = balanceOf(ledger, STABILITY_POOL, params.collateralAsset);
  // StabilityPool `_computeRewardsPerUnitStaked` feeds an offset's loss error back into the next
  // one relative to totalLUSDDeposits, which includes the dust no compounded deposit owns any more;
  // so in the deployed contract Σ compounded deposits (and Σ ETH gains) may exceed the pool by up
  // to (previous pool)/1e18 wei. The bound allows that much (1e6 wei absolute, 1e-12 relative).
  const slack = BigInt(depositors.length) + 10n ** 6n + (compounded + spLUSD) / 10n ** 12n;
  const gainSlack = BigInt(depositors.length) + 10n ** 6n + (gains + spETH) / 10n ** 12n;
  const strayBuckets = [
    ...bucketsOf(ledger, claim)
      .map(([b]) => b)
      .filter((b) => b !== 'mint' && b !== DEFAULT_POOL && !b.startsWith('debt:')),
    ...bucketsOf(ledger, params.debtAsset)
      .map(([b]) => b)
      .filter(
        (b) =>
          b.startsWith('acct:') || b.startsWith('debt:') || b.startsWith('surplus:') || b === DEFAULT_POOL,
      ),
  ];
  return [
    {
      name: 'liquity-v1/troves',
      holds: troveErrors.length === 0 && orphans.length === 0,
      detail: [...troveErrors, ...orphans].join('; '),
    },
    {
      name: 'liquity-v1/total-stakes',
      holds: stakes === ext.totalStakes,
      detail: `Σ stakes ${stakes}, totalStakes ${ext.totalStakes}`,
    },
    {
      name: 'liquity-v1/lusd-supply-equals-debt',
      holds: supply === activeDebt + defaultDebt && claims === supply,
      detail: `LUSD supply ${supply}, claims issued ${claims}, active ${activeDebt} + default ${defaultDebt}`,
    },
    {
      name: 'liquity-v1/gas-pool',
      holds: gasPool === params.gasCompensation * BigInt(ids.length),
      detail: `Gas Pool ${gasPool} for ${ids.length} troves`,
    },
    {
      name: 'liquity-v1/default-pool-covers-pending',
      holds:
        defaultColl >= pendingColl &&
        defaultDebt >= pendingDebt &&
        (ids.length > 0 || (defaultColl === 0n && defaultDebt === 0n)),
      detail: `DefaultPool ${defaultColl} ETH / ${defaultDebt} debt, pending ${pendingColl} / ${pendingDebt}, ${ids.length} troves`,
    },
    {
      name: 'liquity-v1/stability-pool-covers-deposits',
      holds: compounded <= spLUSD + slack && gains <= spETH + gainSlack,
      detail: `Σ compounded ${compounded} vs pool ${spLUSD} LUSD; Σ ETH gains ${gains} vs pool ${spETH}`,
    },
    {
      name: 'liquity-v1/product',
      holds:
        ext.sp.P > 0n &&
        ext.sp.P <= DECIMAL_PRECISION &&
        ext.sp.currentScale >= 0n &&
        ext.sp.currentEpoch >= 0n,
      detail: `P ${ext.sp.P}, scale ${ext.sp.currentScale}, epoch ${ext.sp.currentEpoch}`,
    },
    {
      name: 'liquity-v1/buckets',
      holds: strayBuckets.length === 0,
      detail: `unexpected buckets ${strayBuckets.join(', ')}`,
    },
  ];
}

/** The Liquity v1 model. */
export const liquityV1Model: ProtocolModel<LiquityExt> = {
  id: LIQUITY_V1_ID,
  title:
    'Liquity v1: troves at ICR/TCR with Recovery Mode, Stability Pool offset, redistribution by stake, 200 LUSD + 0.5 % gas compensation',
  sources: [
    'liquity/dev packages/contracts/contracts/TroveManager.sol (deployed v1, cb583dd)',
    'liquity/dev packages/contracts/contracts/StabilityPool.sol',
    'liquity/dev packages/contracts/contracts/BorrowerOperations.sol',
    'liquity/dev packages/contracts/contracts/CollSurplusPool.sol',
    'liquity/dev packages/contracts/contracts/Dependencies/LiquityBase.sol',
    'liquity/dev packages/contracts/contracts/Dependencies/LiquityMath.sol',
  ],
  commands: LIQUITY_COMMANDS,
  initialExt: initialLiquityExt,
  decide: decideLiquity,
  evolve: (state, recorded) => evolveLiquity(state.ext, recorded.event),
  accountIds: (state) => state.ext.troves.keys(),
  health: healthOf,
  invariants: invariantsOf,
  liquidationTarget(command) {
    return command.type === 'liquidate' && typeof command.account === 'string' ? command.account : undefined;
  },
  borrowRequest(state, command) {
    const params = state.ext.params;
    if (params === null || typeof command.account !== 'string') return undefined;
    if (command.type === 'openTrove' || (command.type === 'adjustTrove' && command.isDebtIncrease === true)) {
      return { account: command.account, asset: params.debtAsset };
    }
    return undefined;
  },
};
