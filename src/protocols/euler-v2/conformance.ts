/**
 * Conformance handlers of `euler-v2`: each reads a vector's inputs, runs the model's own Euler
 * formulas (math.ts) and returns the fields vectors compare (decimal strings). Function names are
 * those of fixtures/vectors/euler_v2.json; keys that embed a note (`collateralAdjustedValue(LTV
 * 0.9)`) are matched by their leading name.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import {
  CONFIG_SCALE,
  MAX_UINT32,
  maxLiquidation,
  rampedLiquidationLtvBps,
  scaleToDesiredRepay,
  socializedDebt,
} from './math.js';

const INTEGER = /^\d+$/;

/** The key naming input `name`: `name` itself or `name(<note>)`. */
function keyOf(inputs: VectorObject, name: string): string | undefined {
  if (Object.hasOwn(inputs, name)) return name;
  return Object.keys(inputs).find((k) => k.startsWith(`${name}(`));
}

/** Reads a non-negative integer input given as a decimal string or a safe integer. */
function int(inputs: VectorObject, name: string, fallback?: bigint): bigint {
  const key = keyOf(inputs, name);
  if (key === undefined) {
    if (fallback !== undefined) return fallback;
    throw new InvalidParameterError(`inputs.${name}`, 'is missing');
  }
  const value: VectorValue | undefined = inputs[key];
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new InvalidParameterError(
    `inputs.${key}`,
    `expected a non-negative integer (decimal string), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}

/** An optional boolean input (false when absent). */
function flag(inputs: VectorObject, name: string): boolean {
  const key = keyOf(inputs, name);
  if (key === undefined) return false;
  const value = inputs[key];
  if (typeof value !== 'boolean') throw new InvalidParameterError(`inputs.${key}`, 'expected true or false');
  return value;
}

/** A whole number of seconds within [0, 2^32). */
function seconds(inputs: VectorObject, name: string): number {
  const value = int(inputs, name);
  if (value > BigInt(MAX_UINT32)) throw new InvalidParameterError(`inputs.${name}`, 'exceeds uint32 seconds');
  return Number(value);
}

/**
 * Liquidation.sol `calculateMaxLiquidation` on the given values, plus the debt socialized after a
 * maximal liquidation, assuming the collateral named is the violator's only one unless
 * `otherCollateralLeft` is true (socialization also needs liabilityValue ≥ 1e6 and
 * `dontSocializeDebt` false).
 */
const calculateMaxLiquidation: VectorHandler = (inputs) => {
  const discount = int(inputs, 'maxLiquidationDiscount_bps');
  if (discount >= CONFIG_SCALE) {
    throw new InvalidParameterError('inputs.maxLiquidationDiscount_bps', 'must be below 10000');
  }
  const liability = int(inputs, 'liability');
  const collateralBalance = int(inputs, 'collateralBalance');
  const max = maxLiquidation({
    collateralAdjustedValue: int(inputs, 'collateralAdjustedValue'),
    liabilityValue: int(inputs, 'liabilityValue'),
    liability,
    collateralBalance,
    collateralValue: int(inputs, 'collateralValue'),
    maxLiquidationDiscountBps: discount,
  });
  const socialized = socializedDebt({
    liabilityValue: int(inputs, 'liabilityValue'),
    liability,
    repay: max.repay,
    noCollateralLeft:
      max.violation && max.yieldBalance === collateralBalance && !flag(inputs, 'otherCollateralLeft'),
    dontSocializeDebt: flag(inputs, 'dontSocializeDebt'),
  });
  return {
    liquidatable: max.violation,
    discountFactor: max.discountFactorWad.toString(),
    maxRepayValue: max.maxRepayValue.toString(),
    maxYieldValue: max.maxYieldValue.toString(),
    repay: max.repay.toString(),
    yield: max.yieldBalance.toString(),
    socializedDebt: socialized.toString(),
  };
};

/** Liquidation.sol `calculateLiquidation`: the maxima scaled to a desired repay (or "max"). */
const calculateLiquidation: VectorHandler = (inputs) => {
  const desiredKey = keyOf(inputs, 'desiredRepay');
  const desired =
    desiredKey !== undefined && inputs[desiredKey] === 'max' ? 'max' : int(inputs, 'desiredRepay');
  const out = scaleToDesiredRepay({
    maxRepay: int(inputs, 'maxRepay'),
    maxYield: int(inputs, 'maxYield'),
    desiredRepay: desired,
  });
  return { repay: out.repay.toString(), yield: out.yieldBalance.toString() };
};

/** LTVConfig.sol `getLTV(liquidation = true)` with `timeRemaining` seconds of a ramp left. */
const liquidationLtvDuringRamp: VectorHandler = (inputs) => {
  const rampDurationSeconds = seconds(inputs, 'rampDuration_s');
  const timeRemainingSeconds = seconds(inputs, 'timeRemaining_s');
  const initial = int(inputs, 'initialLiquidationLTV_bps');
  const target = int(inputs, 'targetLiquidationLTV_bps');
  if (initial > CONFIG_SCALE || target > CONFIG_SCALE) {
    throw new InvalidParameterError('inputs.initialLiquidationLTV_bps', 'LTVs are at most 10000 bps');
  }
  if (timeRemainingSeconds > rampDurationSeconds) {
    throw new InvalidParameterError(
      'inputs.timeRemaining_s',
      'cannot exceed rampDuration_s (setLTV starts the ramp)',
    );
  }
  return {
    currentLiquidationLTV_bps: rampedLiquidationLtvBps({
      initialLiquidationLtvBps: initial,
      targetLiquidationLtvBps: target,
      rampDurationSeconds,
      timeRemainingSeconds,
    }).toString(),
  };
};

/** Handlers for system `euler-v2`. */
export const eulerConformance: HandlerTable = {
  system: 'euler-v2',
  handlers: {
    calculateMaxLiquidation,
    'calculateMaxLiquidation + debt socialization': calculateMaxLiquidation,
    calculateLiquidation,
    'calculateLiquidation (desiredRepay < maxRepay)': calculateLiquidation,
    'calculateLiquidation (desiredRepay > maxRepay)': calculateLiquidation,
    'LTVConfig.getLTV(liquidation=true) during ramp': liquidationLtvDuringRamp,
    'LTVConfig.getLTV(liquidation=true)': liquidationLtvDuringRamp,
  },
};
