/**
 * Conformance handlers of `liquity-v1`: each reads a vector's inputs, runs the model's own Liquity
 * formulas (math.ts) and returns the fields vectors compare (decimal strings, booleans, branch
 * names). Function names are those of fixtures/vectors/liquity_v1.json, plus short aliases. The
 * Liquity constants (MCR 110 %, PERCENT_DIVISOR 200, 200 LUSD gas compensation) are the deployed
 * ones unless a vector gives `MCR`, `PERCENT_DIVISOR` or `LUSD_GAS_COMPENSATION`.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import {
  cappedOffsetVals,
  computeCR,
  computeNominalCR,
  type LiquidationAmounts,
  type LiquidationConstants,
  normalModeValues,
  offsetRewardsPerUnitStaked,
  type RecoveryBranch,
  recoveryModeBranch,
  recoveryModeValues,
  redistributionRewards,
} from './math.js';
import { DEFAULT_LIQUITY_PARAMS } from './params.js';

const INTEGER = /^\d+$/;

/** Reads an unsigned integer input (decimal string or safe integer). @throws InvalidParameterError naming it. */
function int(inputs: VectorObject, key: string, fallback?: bigint): bigint {
  if (!Object.hasOwn(inputs, key)) {
    if (fallback !== undefined) return fallback;
    throw new InvalidParameterError(`inputs.${key}`, 'is missing');
  }
  const value: VectorValue | undefined = inputs[key];
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new InvalidParameterError(
    `inputs.${key}`,
    `expected an unsigned integer (decimal string), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}

/** The first present key among aliases, read as an integer. */
function intOf(inputs: VectorObject, keys: readonly string[], fallback?: bigint): bigint {
  const key = keys.find((k) => Object.hasOwn(inputs, k));
  return int(inputs, key ?? keys[0] ?? 'input', fallback);
}

function bool(inputs: VectorObject, key: string): boolean {
  const value = inputs[key];
  if (typeof value !== 'boolean') {
    throw new InvalidParameterError(
      `inputs.${key}`,
      `expected true or false, got ${JSON.stringify(value) ?? 'nothing'}`,
    );
  }
  return value;
}

function constantsOf(inputs: VectorObject): LiquidationConstants {
  return {
    mcrWad: intOf(inputs, ['MCR', 'mcr'], DEFAULT_LIQUITY_PARAMS.mcrWad),
    percentDivisor: intOf(
      inputs,
      ['PERCENT_DIVISOR', 'percentDivisor'],
      DEFAULT_LIQUITY_PARAMS.percentDivisor,
    ),
    gasCompensation: intOf(
      inputs,
      ['LUSD_GAS_COMPENSATION', 'gasCompensation'],
      DEFAULT_LIQUITY_PARAMS.gasCompensation,
    ),
  };
}

function amountsJson(a: LiquidationAmounts): Record<string, string> {
  return {
    collGasCompensation: a.collGasCompensation.toString(),
    LUSDGasCompensation: a.LUSDGasCompensation.toString(),
    debtToOffset: a.debtToOffset.toString(),
    collToSendToSP: a.collToSendToSP.toString(),
    debtToRedistribute: a.debtToRedistribute.toString(),
    collToRedistribute: a.collToRedistribute.toString(),
    collSurplus: a.collSurplus.toString(),
  };
}

const DEBT = ['entireDebt', 'entireTroveDebt', 'debt'];
const COLL = ['entireColl', 'entireTroveColl', 'coll'];
const SP = ['LUSDInSP', 'LUSDInStabPool', 'totalLUSDDeposits'];

/** ICR (and NICR) of the inputs when a price is given. */
function icrOf(inputs: VectorObject, debt: bigint, coll: bigint): Record<string, string> {
  if (!Object.hasOwn(inputs, 'price')) return {};
  return { ICR: computeCR(coll, debt, int(inputs, 'price')).toString() };
}

/** LiquityMath `_computeCR` (and `_computeNominalCR`). */
const computeCRHandler: VectorHandler = (inputs) => {
  const coll = intOf(inputs, COLL);
  const debt = intOf(inputs, DEBT);
  return {
    ICR: computeCR(coll, debt, int(inputs, 'price')).toString(),
    NICR: computeNominalCR(coll, debt).toString(),
  };
};

/** TroveManager `_liquidateNormalMode` amounts (the callers' ICR < MCR check is reported, not enforced). */
const normalMode: VectorHandler = (inputs) => {
  const debt = intOf(inputs, DEBT);
  const coll = intOf(inputs, COLL);
  const constants = constantsOf(inputs);
  const out: Record<string, VectorValue> = {
    ...amountsJson(normalModeValues(debt, coll, intOf(inputs, SP), constants)),
    ...icrOf(inputs, debt, coll),
  };
  if (typeof out.ICR === 'string') out.belowMCR = BigInt(out.ICR) < constants.mcrWad;
  return out;
};

/** TroveManager `_getCappedOffsetVals`. */
const capped: VectorHandler = (inputs) => {
  const debt = intOf(inputs, DEBT);
  const coll = intOf(inputs, COLL);
  const { cappedCollPortion, ...amounts } = cappedOffsetVals(
    debt,
    coll,
    int(inputs, 'price'),
    constantsOf(inputs),
  );
  return {
    cappedCollPortion: cappedCollPortion.toString(),
    ...amountsJson(amounts),
    ...icrOf(inputs, debt, coll),
  };
};

/** LiquityBase `_getTCR` and `_checkRecoveryMode` (TCR < CCR). */
const tcr: VectorHandler = (inputs) => {
  const TCR = computeCR(
    intOf(inputs, ['entireSystemColl', 'systemColl']),
    intOf(inputs, ['entireSystemDebt', 'systemDebt']),
    int(inputs, 'price'),
  );
  const ccr = intOf(inputs, ['CCR', 'ccr'], DEFAULT_LIQUITY_PARAMS.ccrWad);
  return { TCR: TCR.toString(), recoveryMode: TCR < ccr };
};

/** The vectors' words for each branch of `_liquidateRecoveryMode`. */
export const RECOVERY_BRANCH_TEXT: Readonly<Record<RecoveryBranch, string>> = {
  redistribute: 'ICR <= 100%: pure redistribution (no SP offset)',
  offsetThenRedistribute: '100% < ICR < MCR: offset then redistribute (same as normal mode)',
  cappedOffset: 'MCR <= ICR < TCR and debt <= SP: capped offset at 110%',
  skipDebtAboveSP: 'MCR <= ICR < TCR and debt > SP: skip (no liquidation)',
  skipAboveTCR: 'ICR >= TCR: skip (no liquidation)',
};

/** Which branch of `_liquidateRecoveryMode` a trove takes. */
const branch: VectorHandler = (inputs) => {
  const b = recoveryModeBranch(
    int(inputs, 'ICR'),
    int(inputs, 'TCR'),
    bool(inputs, 'debtLEQ_SP'),
    constantsOf(inputs).mcrWad,
  );
  return { branch: RECOVERY_BRANCH_TEXT[b], branchId: b };
};

/** `_liquidateRecoveryMode` amounts of one trove given the TCR and the SP's remaining LUSD. */
const recoveryMode: VectorHandler = (inputs) => {
  const debt = intOf(inputs, DEBT);
  const coll = intOf(inputs, COLL);
  const price = int(inputs, 'price');
  const LUSDInSP = intOf(inputs, SP);
  const constants = constantsOf(inputs);
  const ICR = computeCR(coll, debt, price);
  const b = recoveryModeBranch(ICR, int(inputs, 'TCR'), debt <= LUSDInSP, constants.mcrWad);
  return {
    ...amountsJson(
      recoveryModeValues(b, { entireDebt: debt, entireColl: coll, LUSDInSP, priceWad: price }, constants),
    ),
    ICR: ICR.toString(),
    branch: RECOVERY_BRANCH_TEXT[b],
  };
};

/** TroveManager `_redistributeDebtAndColl` (optionally with carried errors and the running sums). */
const redistribute: VectorHandler = (inputs) => {
  const r = redistributionRewards({
    coll: int(inputs, 'coll'),
    debt: int(inputs, 'debt'),
    totalStakes: int(inputs, 'totalStakes'),
    lastETHError: intOf(inputs, ['lastETHError', 'lastETHError_Redistribution'], 0n),
    lastLUSDDebtError: intOf(inputs, ['lastLUSDDebtError', 'lastLUSDDebtError_Redistribution'], 0n),
  });
  return {
    ETHRewardPerUnitStaked: r.ETHRewardPerUnitStaked.toString(),
    LUSDDebtRewardPerUnitStaked: r.LUSDDebtRewardPerUnitStaked.toString(),
    lastETHError: r.lastETHError.toString(),
    lastLUSDDebtError: r.lastLUSDDebtError.toString(),
    L_ETH: (int(inputs, 'L_ETH', 0n) + r.ETHRewardPerUnitStaked).toString(),
    L_LUSDDebt: (int(inputs, 'L_LUSDDebt', 0n) + r.LUSDDebtRewardPerUnitStaked).toString(),
  };
};

/**
 * StabilityPool `_computeRewardsPerUnitStaked` (deployed v1). `lastErrors` sets both carried
 * errors; `lastETHError_Offset` / `lastLUSDLossError_Offset` set each.
 */
const spRewards: VectorHandler = (inputs) => {
  const both = int(inputs, 'lastErrors', 0n);
  const r = offsetRewardsPerUnitStaked({
    collToAdd: int(inputs, 'collToAdd'),
    debtToOffset: int(inputs, 'debtToOffset'),
    totalLUSDDeposits: int(inputs, 'totalLUSDDeposits'),
    lastETHError_Offset: int(inputs, 'lastETHError_Offset', both),
    lastLUSDLossError_Offset: int(inputs, 'lastLUSDLossError_Offset', both),
  });
  return {
    ETHGainPerUnitStaked: r.ETHGainPerUnitStaked.toString(),
    LUSDLossPerUnitStaked: r.LUSDLossPerUnitStaked.toString(),
    lastETHError_Offset: r.lastETHError_Offset.toString(),
    lastLUSDLossError_Offset: r.lastLUSDLossError_Offset.toString(),
  };
};

const HANDLERS: Readonly<Record<string, VectorHandler>> = {
  'LiquityMath._computeCR': computeCRHandler,
  _computeCR: computeCRHandler,
  _liquidateNormalMode: normalMode,
  _getCappedOffsetVals: capped,
  '_getTCR / _checkRecoveryMode': tcr,
  _getTCR: tcr,
  _checkRecoveryMode: tcr,
  '_liquidateRecoveryMode branch': branch,
  _liquidateRecoveryMode: recoveryMode,
  _redistributeDebtAndColl: redistribute,
  'StabilityPool._computeRewardsPerUnitStaked': spRewards,
  _computeRewardsPerUnitStaked: spRewards,
};

/** The vector's function name without a trailing parenthesised note (`f (first call)` → `f`). */
const baseName = (fn: string): string => fn.replace(/\s*\([^()]*\)\s*$/, '');

/**
 * Handlers for system `liquity-v1`. A function is found by its exact name or, failing that, by
 * its name without a trailing parenthesised note, so `_redistributeDebtAndColl (first call, zero
 * carried error)` and any other case of the same function reach the same formula.
 */
export const liquityConformance: HandlerTable = {
  system: 'liquity-v1',
  handlers: new Proxy(HANDLERS, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      if (Object.hasOwn(target, key)) return target[key];
      const base = baseName(key);
      return Object.hasOwn(target, base) ? target[base] : undefined;
    },
  }),
};
