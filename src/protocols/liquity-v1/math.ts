/**
 * Liquity v1 arithmetic as small pure bigint functions: collateral ratios, the liquidation values
 * of one trove (normal mode, recovery-mode branches, the capped offset), redistribution rewards with
 * carried errors, stakes, pending rewards, the Stability Pool's P/S/epoch/scale bookkeeping and the
 * borrowing fee with its decaying base rate. Every division is Solidity 0.6 SafeMath `div` (floor)
 * unless stated; SafeMath failures throw the contract's own revert strings.
 * Ported from liquity/dev packages/contracts/contracts at the deployed-v1 logic (commit cb583dd):
 * TroveManager.sol, StabilityPool.sol, BorrowerOperations.sol, Dependencies/LiquityBase.sol,
 * Dependencies/LiquityMath.sol, PriceFeed.sol.
 */
import { ProtocolRevertError } from '../../engine/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { MAX_UINT256, WAD } from '../../math/units.js';

/** LiquityMath `DECIMAL_PRECISION` = 1e18: every ratio, rate and price is 1e18-scaled. */
export const DECIMAL_PRECISION: bigint = WAD;
/** LiquityMath `NICR_PRECISION` = 1e20: the nominal ICR used to sort troves. */
export const NICR_PRECISION: bigint = 10n ** 20n;
/** StabilityPool `SCALE_FACTOR` = 1e9: P is rescaled by this when it would fall below it. */
export const SCALE_FACTOR: bigint = 10n ** 9n;
/** LiquityBase `_100pct` = 1e18 (ICR ≤ 100 % is pure redistribution in Recovery Mode). */
export const ONE_HUNDRED_PCT: bigint = WAD;
/** LiquityMath `_decPow` caps the exponent at the minutes of 1000 years. */
export const DECPOW_MAX_MINUTES = 525_600_000n;
/** TroveManager `SECONDS_IN_ONE_MINUTE`. */
export const SECONDS_IN_ONE_MINUTE = 60;
/** LiquityMath `_computeCR` / `_computeNominalCR` of a debt-free trove: "infinite", 2^256 − 1. */
export const INFINITE_CR: bigint = MAX_UINT256;
/** PriceFeed `TARGET_DIGITS`: Liquity prices are USD·1e18 per whole collateral token. */
export const PRICE_TARGET_DIGITS = 18;

/** Revert strings of Liquity's SafeMath copy (Dependencies/SafeMath.sol, OpenZeppelin 3.x). */
export const SAFE_MATH = {
  add: 'SafeMath: addition overflow',
  sub: 'SafeMath: subtraction overflow',
  mul: 'SafeMath: multiplication overflow',
  div: 'SafeMath: division by zero',
} as const;

/** SafeMath `add`. @throws ProtocolRevertError `SafeMath: addition overflow` past uint256. */
export function safeAdd(a: bigint, b: bigint): bigint {
  const sum = a + b;
  if (sum > MAX_UINT256) throw new ProtocolRevertError(SAFE_MATH.add, 'A sum exceeds uint256.');
  return sum;
}

/** SafeMath `sub`. @throws ProtocolRevertError `SafeMath: subtraction overflow` when b > a. */
export function safeSub(a: bigint, b: bigint): bigint {
  if (b > a) {
    throw new ProtocolRevertError(SAFE_MATH.sub, `${a} − ${b} would underflow uint256.`, {
      a: a.toString(),
      b: b.toString(),
    });
  }
  return a - b;
}

/** SafeMath `mul`. @throws ProtocolRevertError `SafeMath: multiplication overflow` past uint256. */
export function safeMul(a: bigint, b: bigint): bigint {
  const product = a * b;
  if (product > MAX_UINT256) throw new ProtocolRevertError(SAFE_MATH.mul, 'A product exceeds uint256.');
  return product;
}

/**
 * SafeMath `div`: Rounding.Down (Solidity truncation), which favours whoever pays the quotient.
 * @throws ProtocolRevertError `SafeMath: division by zero`.
 */
export function safeDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new ProtocolRevertError(SAFE_MATH.div, 'A divisor is zero.');
  return divRound(a, b, Rounding.Down);
}

/** `a.mul(b).div(d)` with SafeMath semantics (the product is checked before the floor division). */
export function mulDivFloor(a: bigint, b: bigint, d: bigint): bigint {
  return safeDiv(safeMul(a, b), d);
}

const minOf = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * LiquityMath `_computeCR`: `coll · price / debt`, floor (the ratio is never overstated), or
 * 2^256 − 1 for a debt of 0.
 * @param coll collateral wei; @param debt LUSD wei; @param price USD·1e18 per collateral token.
 * @returns the ratio, 1e18 = 100 %.
 */
export function computeCR(coll: bigint, debt: bigint, price: bigint): bigint {
  if (debt === 0n) return INFINITE_CR;
  return safeDiv(safeMul(coll, price), debt);
}

/**
 * LiquityMath `_computeNominalCR`: `coll · 1e20 / debt`, floor, or 2^256 − 1 for a debt of 0. The
 * key SortedTroves orders troves by.
 */
export function computeNominalCR(coll: bigint, debt: bigint): bigint {
  if (debt === 0n) return INFINITE_CR;
  return safeDiv(safeMul(coll, NICR_PRECISION), debt);
}

/**
 * LiquityMath `decMul`: `(x · y + 1e18/2) / 1e18`, i.e. Rounding.HalfUp of the 1e18-scaled
 * product (neither party favoured: used only inside `_decPow`).
 */
export function decMul(x: bigint, y: bigint): bigint {
  return safeDiv(safeAdd(safeMul(x, y), DECIMAL_PRECISION / 2n), DECIMAL_PRECISION);
}

/**
 * LiquityMath `_decPow`: `base^minutes` for a 1e18-scaled base by exponentiation by squaring with
 * `decMul` at each step; the exponent is capped at {@link DECPOW_MAX_MINUTES}.
 * @param base 1e18-scaled (e.g. TroveManager `MINUTE_DECAY_FACTOR`); @param minutes ≥ 0.
 */
export function decPow(base: bigint, minutes: bigint): bigint {
  let n = minutes > DECPOW_MAX_MINUTES ? DECPOW_MAX_MINUTES : minutes;
  if (n === 0n) return DECIMAL_PRECISION;
  let y = DECIMAL_PRECISION;
  let x = base;
  while (n > 1n) {
    if (n % 2n === 0n) {
      x = decMul(x, x);
      n /= 2n;
    } else {
      y = decMul(x, y);
      x = decMul(x, x);
      n = (n - 1n) / 2n;
    }
  }
  return decMul(x, y);
}

/**
 * LiquityBase `_getCollGasCompensation`: `entireColl / PERCENT_DIVISOR` (0.5 % for 200), floor:
 * the liquidator never gets more than the share.
 */
export function collGasCompensation(entireColl: bigint, percentDivisor: bigint): bigint {
  return safeDiv(entireColl, percentDivisor);
}

/** What a liquidation does with one trove's debt and collateral (TroveManager `LiquidationValues`). */
export interface LiquidationAmounts {
  /** ETH paid to the liquidator (0.5 % of the seized collateral), wei. */
  readonly collGasCompensation: bigint;
  /** LUSD paid to the liquidator from the Gas Pool (the trove's 200 LUSD reserve), wei. */
  readonly LUSDGasCompensation: bigint;
  /** Debt cancelled against Stability Pool LUSD. */
  readonly debtToOffset: bigint;
  /** Collateral sent to the Stability Pool with the offset debt. */
  readonly collToSendToSP: bigint;
  /** Debt redistributed to every other active trove by stake. */
  readonly debtToRedistribute: bigint;
  /** Collateral redistributed with it. */
  readonly collToRedistribute: bigint;
  /** Collateral left to the borrower in the CollSurplusPool (capped offset only). */
  readonly collSurplus: bigint;
}

/** All-zero liquidation values: the trove is skipped (TroveManager `zeroVals`). */
export const ZERO_LIQUIDATION: LiquidationAmounts = {
  collGasCompensation: 0n,
  LUSDGasCompensation: 0n,
  debtToOffset: 0n,
  collToSendToSP: 0n,
  debtToRedistribute: 0n,
  collToRedistribute: 0n,
  collSurplus: 0n,
};

/**
 * TroveManager `_getOffsetAndRedistributionVals`: offset as much debt as the Stability Pool holds,
 * send the matching share of collateral to it (`coll · debtToOffset / debt`, floor: the pool never
 * gets more than its share, the remainder is redistributed), redistribute the rest.
 * @param debt the trove's entire debt; @param coll its collateral less the gas compensation;
 * @param LUSDInSP the Stability Pool's remaining LUSD in this sequence. All wei.
 */
export function offsetAndRedistributionVals(
  debt: bigint,
  coll: bigint,
  LUSDInSP: bigint,
): Pick<LiquidationAmounts, 'debtToOffset' | 'collToSendToSP' | 'debtToRedistribute' | 'collToRedistribute'> {
  if (LUSDInSP === 0n) {
    return { debtToOffset: 0n, collToSendToSP: 0n, debtToRedistribute: debt, collToRedistribute: coll };
  }
  const debtToOffset = minOf(debt, LUSDInSP);
  const collToSendToSP = mulDivFloor(coll, debtToOffset, debt);
  return {
    debtToOffset,
    collToSendToSP,
    debtToRedistribute: safeSub(debt, debtToOffset),
    collToRedistribute: safeSub(coll, collToSendToSP),
  };
}

/** The Liquity constants a liquidation reads (LiquityBase). */
export interface LiquidationConstants {
  /** `MCR`, 1e18-scaled (1.1e18). */
  readonly mcrWad: bigint;
  /** `PERCENT_DIVISOR` (200: 0.5 % collateral gas compensation). */
  readonly percentDivisor: bigint;
  /** `LUSD_GAS_COMPENSATION`, LUSD wei (200e18). */
  readonly gasCompensation: bigint;
}

/**
 * TroveManager `_liquidateNormalMode` amounts: 0.5 % of the collateral and the 200 LUSD reserve to
 * the liquidator, the rest offset against the Stability Pool and the remainder redistributed.
 * (The callers check ICR < MCR; this function does not.)
 */
export function normalModeValues(
  entireDebt: bigint,
  entireColl: bigint,
  LUSDInSP: bigint,
  constants: LiquidationConstants,
): LiquidationAmounts {
  const gas = collGasCompensation(entireColl, constants.percentDivisor);
  const collToLiquidate = safeSub(entireColl, gas);
  return {
    ...offsetAndRedistributionVals(entireDebt, collToLiquidate, LUSDInSP),
    collGasCompensation: gas,
    LUSDGasCompensation: constants.gasCompensation,
    collSurplus: 0n,
  };
}

/** Capped-offset amounts with the collateral portion seized (TroveManager `_getCappedOffsetVals`). */
export interface CappedOffsetAmounts extends LiquidationAmounts {
  /** `entireDebt · MCR / price`, floor: the collateral worth 110 % of the debt. */
  readonly cappedCollPortion: bigint;
}

/**
 * TroveManager `_getCappedOffsetVals` (Recovery Mode, MCR ≤ ICR < TCR, debt ≤ SP): seize only
 * `debt · MCR / price` (floor: the borrower keeps the rounding), pay 0.5 % of that portion to the
 * liquidator, offset the whole debt, leave the rest as the borrower's collateral surplus.
 * @throws ProtocolRevertError `SafeMath: subtraction overflow` when the capped portion exceeds the
 *   collateral (ICR < MCR: never called so by the contract).
 */
export function cappedOffsetVals(
  entireDebt: bigint,
  entireColl: bigint,
  priceWad: bigint,
  constants: LiquidationConstants,
): CappedOffsetAmounts {
  const cappedCollPortion = mulDivFloor(entireDebt, constants.mcrWad, priceWad);
  const gas = collGasCompensation(cappedCollPortion, constants.percentDivisor);
  return {
    cappedCollPortion,
    collGasCompensation: gas,
    LUSDGasCompensation: constants.gasCompensation,
    debtToOffset: entireDebt,
    collToSendToSP: safeSub(cappedCollPortion, gas),
    collSurplus: safeSub(entireColl, cappedCollPortion),
    debtToRedistribute: 0n,
    collToRedistribute: 0n,
  };
}

/** Which branch of TroveManager `_liquidateRecoveryMode` a trove takes. */
export type RecoveryBranch =
  /** ICR ≤ 100 %: everything redistributed, no offset. */
  | 'redistribute'
  /** 100 % < ICR < MCR: as in normal mode. */
  | 'offsetThenRedistribute'
  /** MCR ≤ ICR < TCR and debt ≤ SP: capped offset at MCR, surplus to the borrower. */
  | 'cappedOffset'
  /** MCR ≤ ICR < TCR but the SP cannot absorb the whole debt: skipped. */
  | 'skipDebtAboveSP'
  /** ICR ≥ TCR (and ≥ MCR): skipped. */
  | 'skipAboveTCR';

/**
 * The branch of TroveManager `_liquidateRecoveryMode` (deployed v1), tested in the contract's order.
 * @param ICR the trove's ICR; @param TCR the system TCR at this point of the sequence (1e18-scaled);
 * @param debtLEQ_SP whether the trove's entire debt ≤ the SP's remaining LUSD.
 */
export function recoveryModeBranch(
  ICR: bigint,
  TCR: bigint,
  debtLEQ_SP: boolean,
  mcrWad: bigint,
): RecoveryBranch {
  if (ICR <= ONE_HUNDRED_PCT) return 'redistribute';
  if (ICR < mcrWad) return 'offsetThenRedistribute';
  if (ICR < TCR) return debtLEQ_SP ? 'cappedOffset' : 'skipDebtAboveSP';
  return 'skipAboveTCR';
}

/**
 * TroveManager `_liquidateRecoveryMode` amounts for one trove in a given branch.
 * @param LUSDInSP the SP's remaining LUSD in the sequence.
 */
export function recoveryModeValues(
  branch: RecoveryBranch,
  input: {
    readonly entireDebt: bigint;
    readonly entireColl: bigint;
    readonly LUSDInSP: bigint;
    readonly priceWad: bigint;
  },
  constants: LiquidationConstants,
): LiquidationAmounts {
  switch (branch) {
    case 'redistribute': {
      const gas = collGasCompensation(input.entireColl, constants.percentDivisor);
      return {
        ...ZERO_LIQUIDATION,
        collGasCompensation: gas,
        LUSDGasCompensation: constants.gasCompensation,
        debtToRedistribute: input.entireDebt,
        collToRedistribute: safeSub(input.entireColl, gas),
      };
    }
    case 'offsetThenRedistribute':
      return normalModeValues(input.entireDebt, input.entireColl, input.LUSDInSP, constants);
    case 'cappedOffset': {
      const { cappedCollPortion: _portion, ...amounts } = cappedOffsetVals(
        input.entireDebt,
        input.entireColl,
        input.priceWad,
        constants,
      );
      return amounts;
    }
    default:
      return ZERO_LIQUIDATION;
  }
}

/** Redistribution increments and the floor-division errors carried to the next call. */
export interface RedistributionRewards {
  /** Added to `L_ETH`: collateral wei per unit of stake, 1e18-scaled. */
  readonly ETHRewardPerUnitStaked: bigint;
  /** Added to `L_LUSDDebt`: debt wei per unit of stake, 1e18-scaled. */
  readonly LUSDDebtRewardPerUnitStaked: bigint;
  /** New `lastETHError_Redistribution` (< totalStakes). */
  readonly lastETHError: bigint;
  /** New `lastLUSDDebtError_Redistribution` (< totalStakes). */
  readonly lastLUSDDebtError: bigint;
}

/**
 * TroveManager `_redistributeDebtAndColl`: per-unit-staked increments with error feedback. The
 * numerators add the previous call's floor remainders; the quotients are floored (the troves never
 * receive more than was redistributed) and the new remainders are carried to the next call.
 * @param coll collateral wei and @param debt LUSD wei redistributed; @param totalStakes Σ active
 * stakes after the liquidated ones were removed.
 * @throws ProtocolRevertError `SafeMath: division by zero` when totalStakes is 0.
 */
export function redistributionRewards(input: {
  readonly coll: bigint;
  readonly debt: bigint;
  readonly totalStakes: bigint;
  readonly lastETHError: bigint;
  readonly lastLUSDDebtError: bigint;
}): RedistributionRewards {
  const ETHNumerator = safeAdd(safeMul(input.coll, DECIMAL_PRECISION), input.lastETHError);
  const LUSDDebtNumerator = safeAdd(safeMul(input.debt, DECIMAL_PRECISION), input.lastLUSDDebtError);
  const ETHRewardPerUnitStaked = safeDiv(ETHNumerator, input.totalStakes);
  const LUSDDebtRewardPerUnitStaked = safeDiv(LUSDDebtNumerator, input.totalStakes);
  return {
    ETHRewardPerUnitStaked,
    LUSDDebtRewardPerUnitStaked,
    lastETHError: safeSub(ETHNumerator, safeMul(ETHRewardPerUnitStaked, input.totalStakes)),
    lastLUSDDebtError: safeSub(LUSDDebtNumerator, safeMul(LUSDDebtRewardPerUnitStaked, input.totalStakes)),
  };
}

/**
 * TroveManager `_computeNewStake`: the collateral itself before the first liquidation, then
 * `coll · totalStakesSnapshot / totalCollateralSnapshot` (floor: a new stake is never overstated).
 */
export function computeNewStake(
  coll: bigint,
  snapshots: { readonly totalStakesSnapshot: bigint; readonly totalCollateralSnapshot: bigint },
): bigint {
  if (snapshots.totalCollateralSnapshot === 0n) return coll;
  return mulDivFloor(coll, snapshots.totalStakesSnapshot, snapshots.totalCollateralSnapshot);
}

/**
 * TroveManager `getPendingETHReward` / `getPendingLUSDDebtReward`: `stake · (L − snapshot) / 1e18`,
 * floor (the trove never receives more than the pool holds for it).
 * @param L the running sum (`L_ETH` or `L_LUSDDebt`); @param snapshot the trove's snapshot of it.
 */
export function pendingReward(stake: bigint, L: bigint, snapshot: bigint): bigint {
  const rewardPerUnitStaked = safeSub(L, snapshot);
  if (rewardPerUnitStaked === 0n) return 0n;
  return mulDivFloor(stake, rewardPerUnitStaked, DECIMAL_PRECISION);
}

/** Stability Pool per-unit-staked gain and loss of one offset, with the carried errors. */
export interface OffsetRewards {
  /** Collateral wei per unit deposited, 1e18-scaled (floor). */
  readonly ETHGainPerUnitStaked: bigint;
  /** LUSD loss per unit deposited, 1e18-scaled (floor + 1, or exactly 1e18 when the pool empties). */
  readonly LUSDLossPerUnitStaked: bigint;
  readonly lastETHError_Offset: bigint;
  readonly lastLUSDLossError_Offset: bigint;
}

/**
 * StabilityPool `_computeRewardsPerUnitStaked` (deployed v1): the ETH gain per unit is floored with
 * its remainder carried; the LUSD loss per unit is `floor((debt·1e18 − lastLossError) / total) + 1`
 * so every deposit loses slightly too much (errors favour the pool), the overshoot being carried as
 * `lastLUSDLossError_Offset`; a pool-emptying offset is a loss of exactly 1e18 with no error.
 * @throws ProtocolRevertError `assert(_debtToOffset <= _totalLUSDDeposits)` when more debt than the
 *   pool holds is offset; SafeMath reverts.
 */
export function offsetRewardsPerUnitStaked(input: {
  readonly collToAdd: bigint;
  readonly debtToOffset: bigint;
  readonly totalLUSDDeposits: bigint;
  readonly lastETHError_Offset: bigint;
  readonly lastLUSDLossError_Offset: bigint;
}): OffsetRewards {
  const ETHNumerator = safeAdd(safeMul(input.collToAdd, DECIMAL_PRECISION), input.lastETHError_Offset);
  if (input.debtToOffset > input.totalLUSDDeposits) {
    throw new ProtocolRevertError(
      'assert(_debtToOffset <= _totalLUSDDeposits)',
      'The Stability Pool cannot offset more debt than it holds.',
      { debtToOffset: input.debtToOffset.toString(), totalLUSDDeposits: input.totalLUSDDeposits.toString() },
    );
  }
  let LUSDLossPerUnitStaked: bigint;
  let lastLUSDLossError_Offset: bigint;
  if (input.debtToOffset === input.totalLUSDDeposits) {
    LUSDLossPerUnitStaked = DECIMAL_PRECISION;
    lastLUSDLossError_Offset = 0n;
  } else {
    const LUSDLossNumerator = safeSub(
      safeMul(input.debtToOffset, DECIMAL_PRECISION),
      input.lastLUSDLossError_Offset,
    );
    // Rounding.Up by one on purpose (floor + 1, even when exact): deposits lose a hair too much.
    LUSDLossPerUnitStaked = safeAdd(safeDiv(LUSDLossNumerator, input.totalLUSDDeposits), 1n);
    lastLUSDLossError_Offset = safeSub(
      safeMul(LUSDLossPerUnitStaked, input.totalLUSDDeposits),
      LUSDLossNumerator,
    );
  }
  const ETHGainPerUnitStaked = safeDiv(ETHNumerator, input.totalLUSDDeposits);
  return {
    ETHGainPerUnitStaked,
    LUSDLossPerUnitStaked,
    lastETHError_Offset: safeSub(ETHNumerator, safeMul(ETHGainPerUnitStaked, input.totalLUSDDeposits)),
    lastLUSDLossError_Offset,
  };
}

/** The Stability Pool's running product and where its sums are indexed. */
export interface ProductState {
  /** `P`, 1e18-scaled, in (0, 1e18]. */
  readonly P: bigint;
  readonly currentScale: bigint;
  readonly currentEpoch: bigint;
}

/** StabilityPool `_updateRewardSumAndProduct` result. */
export interface ProductUpdate extends ProductState {
  /** New `epochToScaleToSum[epoch][scale]` at the epoch and scale current before the update. */
  readonly newS: bigint;
}

/**
 * StabilityPool `_updateRewardSumAndProduct`: S grows by `gain · P` at the current epoch and scale,
 * then P is multiplied by `1 − loss` (floor: deposits never grow); a pool-emptying offset starts a
 * new epoch with P = 1e18; a product that would fall below 1e9 is scaled up by 1e9 in a new scale.
 * @param currentS `epochToScaleToSum[currentEpoch][currentScale]`.
 * @throws ProtocolRevertError for the contract's asserts (loss > 1e18, new P = 0).
 */
export function updateRewardSumAndProduct(
  state: ProductState,
  input: {
    readonly currentS: bigint;
    readonly ETHGainPerUnitStaked: bigint;
    readonly LUSDLossPerUnitStaked: bigint;
  },
): ProductUpdate {
  if (input.LUSDLossPerUnitStaked > DECIMAL_PRECISION) {
    throw new ProtocolRevertError(
      'assert(_LUSDLossPerUnitStaked <= DECIMAL_PRECISION)',
      'A loss per unit above 100 % cannot be applied.',
    );
  }
  const newProductFactor = DECIMAL_PRECISION - input.LUSDLossPerUnitStaked;
  const newS = safeAdd(input.currentS, safeMul(input.ETHGainPerUnitStaked, state.P));
  let P: bigint;
  let currentScale = state.currentScale;
  let currentEpoch = state.currentEpoch;
  if (newProductFactor === 0n) {
    currentEpoch += 1n;
    currentScale = 0n;
    P = DECIMAL_PRECISION;
  } else if (mulDivFloor(state.P, newProductFactor, DECIMAL_PRECISION) < SCALE_FACTOR) {
    P = safeDiv(safeMul(safeMul(state.P, newProductFactor), SCALE_FACTOR), DECIMAL_PRECISION);
    currentScale += 1n;
  } else {
    P = mulDivFloor(state.P, newProductFactor, DECIMAL_PRECISION);
  }
  if (P === 0n) throw new ProtocolRevertError('assert(newP > 0)', 'The running product P reached 0.');
  return { P, currentScale, currentEpoch, newS };
}

/** A deposit's snapshots (StabilityPool `Snapshots`; G is not modelled). */
export interface DepositSnapshot {
  readonly P: bigint;
  readonly S: bigint;
  readonly scale: bigint;
  readonly epoch: bigint;
}

/**
 * StabilityPool `_getCompoundedStakeFromSnapshots`: `initial · P / P_snapshot` (floor, the pool
 * keeps the dust), divided once more by 1e9 across one scale change, 0 across two or more or across
 * an epoch, and 0 when below a billionth of the initial deposit.
 */
export function compoundedStake(initialStake: bigint, snapshot: DepositSnapshot, now: ProductState): bigint {
  if (snapshot.epoch < now.currentEpoch) return 0n;
  const scaleDiff = safeSub(now.currentScale, snapshot.scale);
  let compounded: bigint;
  if (scaleDiff === 0n) compounded = mulDivFloor(initialStake, now.P, snapshot.P);
  else if (scaleDiff === 1n) compounded = safeDiv(mulDivFloor(initialStake, now.P, snapshot.P), SCALE_FACTOR);
  else compounded = 0n;
  if (compounded < safeDiv(initialStake, 10n ** 9n)) return 0n;
  return compounded;
}

/**
 * StabilityPool `_getETHGainFromSnapshots`: `initial · (S[e][s] − S_snap + S[e][s+1] / 1e9) / P_snap
 * / 1e18`, each division floored (the pool keeps the dust).
 * @param sumAtSnapshotScale `epochToScaleToSum[snapshot.epoch][snapshot.scale]`;
 * @param sumAtNextScale `epochToScaleToSum[snapshot.epoch][snapshot.scale + 1]`.
 */
export function ethGainFromSnapshots(
  initialDeposit: bigint,
  snapshot: DepositSnapshot,
  sums: { readonly sumAtSnapshotScale: bigint; readonly sumAtNextScale: bigint },
): bigint {
  const firstPortion = safeSub(sums.sumAtSnapshotScale, snapshot.S);
  const secondPortion = safeDiv(sums.sumAtNextScale, SCALE_FACTOR);
  return safeDiv(
    mulDivFloor(initialDeposit, safeAdd(firstPortion, secondPortion), snapshot.P),
    DECIMAL_PRECISION,
  );
}

/**
 * TroveManager `_calcDecayedBaseRate`: `baseRate · decPow(MINUTE_DECAY_FACTOR, minutes) / 1e18`
 * (floor: the rate decays never slower than the formula).
 */
export function decayedBaseRate(
  baseRateWad: bigint,
  minutesPassed: bigint,
  minuteDecayFactorWad: bigint,
): bigint {
  return mulDivFloor(baseRateWad, decPow(minuteDecayFactorWad, minutesPassed), DECIMAL_PRECISION);
}

/** TroveManager `_calcBorrowingRate`: `min(BORROWING_FEE_FLOOR + baseRate, MAX_BORROWING_FEE)`. */
export function borrowingRate(
  baseRateWad: bigint,
  bounds: { readonly borrowingFeeFloorWad: bigint; readonly maxBorrowingFeeWad: bigint },
): bigint {
  return minOf(safeAdd(bounds.borrowingFeeFloorWad, baseRateWad), bounds.maxBorrowingFeeWad);
}

/** TroveManager `_calcBorrowingFee`: `rate · amount / 1e18`, floor (the borrower pays no rounding). */
export function borrowingFee(rateWad: bigint, lusdAmount: bigint): bigint {
  return mulDivFloor(rateWad, lusdAmount, DECIMAL_PRECISION);
}

/**
 * LiquityBase `_requireUserAcceptsFee`'s fee percentage: `fee · 1e18 / amount`, floor.
 * @throws ProtocolRevertError `SafeMath: division by zero` for an amount of 0.
 */
export function feePercentage(fee: bigint, amount: bigint): bigint {
  return mulDivFloor(fee, DECIMAL_PRECISION, amount);
}

/**
 * PriceFeed `_scaleChainlinkPriceByDigits`: an answer with `digits` decimals as USD·1e18, multiplied
 * up exactly, or divided down with Rounding.Down (Solidity `/`) when it has more than 18 digits.
 */
export function scalePriceToWad(answer: bigint, digits: number): bigint {
  if (digits >= PRICE_TARGET_DIGITS) return safeDiv(answer, 10n ** BigInt(digits - PRICE_TARGET_DIGITS));
  return safeMul(answer, 10n ** BigInt(PRICE_TARGET_DIGITS - digits));
}
