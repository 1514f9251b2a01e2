/**
 * Conformance handlers of `synthetix-perps-v3`: each reads a vector's inputs (D18 integers as
 * decimal strings), runs the model's own Synthetix formulas (math.ts) and returns the fields the
 * vectors compare. Function names are those of fixtures/vectors/synthetix_perps_v3.json.
 * Malformed inputs throw InvalidParameterError naming `inputs.<key>`.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import {
  currentLiquidationCapacity,
  isEligibleForLiquidation,
  keeperReward,
  maxLiquidatableAmount,
  maxLiquidationAmountInWindow,
  numberOfLiquidationWindows,
  requiredMargins,
} from './math.js';

const INTEGER = /^-?\d+$/;

const pick = (inputs: VectorObject, keys: readonly string[]): string | undefined =>
  keys.find((k) => Object.hasOwn(inputs, k));

/** An integer input under the first present alias; `signed` allows negatives (int128 sizes). */
function int(inputs: VectorObject, keys: readonly string[], signed = false): bigint {
  const key = pick(inputs, keys);
  if (key === undefined) throw new InvalidParameterError(`inputs.${keys[0] ?? '?'}`, 'is missing');
  const value: VectorValue | undefined = inputs[key];
  let v: bigint;
  if (typeof value === 'string' && INTEGER.test(value)) v = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else
    throw new InvalidParameterError(
      `inputs.${key}`,
      `expected an integer (decimal string), got ${JSON.stringify(value) ?? 'nothing'}`,
    );
  if (!signed && v < 0n) throw new InvalidParameterError(`inputs.${key}`, `expected a uint256 ≥ 0, got ${v}`);
  return v;
}

/** Optional integer input with a default. */
const intOr = (inputs: VectorObject, keys: readonly string[], fallback: bigint, signed = false): bigint =>
  pick(inputs, keys) === undefined ? fallback : int(inputs, keys, signed);

/** A timestamp/seconds input as a JS number. */
function seconds(inputs: VectorObject, keys: readonly string[]): number {
  const v = int(inputs, keys);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidParameterError(`inputs.${pick(inputs, keys)}`, 'too large');
  return Number(v);
}

function windowConfig(inputs: VectorObject) {
  return {
    makerFeeD18: int(inputs, ['makerFee', 'makerFeeD18']),
    takerFeeD18: int(inputs, ['takerFee', 'takerFeeD18']),
    skewScale: int(inputs, ['skewScale']),
    maxLiquidationLimitAccumulationMultiplierD18: int(inputs, ['maxLiquidationLimitAccumulationMultiplier']),
    maxSecondsInLiquidationWindow: int(inputs, ['maxSecondsInLiquidationWindow']),
  };
}

/** `PerpsMarketConfiguration.maxLiquidationAmountInWindow`. */
const maxInWindow: VectorHandler = (inputs) => ({
  maxLiquidationInWindow: maxLiquidationAmountInWindow(windowConfig(inputs)).toString(),
});

/** `PerpsMarketConfiguration.numberOfLiquidationWindows` (the cap given, or computed from the fees). */
const windows: VectorHandler = (inputs) => {
  const cap =
    pick(inputs, ['maxLiquidationInWindow']) !== undefined
      ? int(inputs, ['maxLiquidationInWindow'])
      : maxLiquidationAmountInWindow(windowConfig(inputs));
  return { windows: numberOfLiquidationWindows(int(inputs, ['positionSize', 'size'], true), cap).toString() };
};

function rewardConfig(inputs: VectorObject) {
  return {
    minKeeperRewardUsd: int(inputs, ['min_reward', 'minKeeperRewardUsd']),
    minKeeperProfitRatioD18: int(inputs, ['min_profit_ratio', 'minKeeperProfitRatioD18']),
    maxKeeperRewardUsd: int(inputs, ['max_reward', 'maxKeeperRewardUsd']),
    maxKeeperScalingRatioD18: int(inputs, ['max_scaling', 'maxKeeperScalingRatioD18']),
  };
}

/** `GlobalPerpsMarketConfiguration.keeperReward` with its two caps. */
const reward: VectorHandler = (inputs) => {
  const r = keeperReward(
    rewardConfig(inputs),
    int(inputs, ['rewards', 'keeperRewards']),
    int(inputs, ['cost', 'costOfExecutionInUsd']),
    int(inputs, ['avail_margin', 'availableMarginInUsd']),
  );
  return { minCap: r.minCap.toString(), maxCap: r.maxCap.toString(), reward: r.reward.toString() };
};

/** `PerpsMarketConfiguration.calculateRequiredMargins`. */
const margins: VectorHandler = (inputs) => {
  const m = requiredMargins(
    {
      skewScale: int(inputs, ['skewScale']),
      initialMarginRatioD18: int(inputs, ['initialMarginFraction', 'initialMarginRatioD18']),
      minimumInitialMarginRatioD18: int(inputs, [
        'minimumInitialMarginRatio',
        'minimumInitialMarginRatioD18',
      ]),
      maintenanceMarginScalarD18: int(inputs, ['maintenanceMarginScalar', 'maintenanceMarginScalarD18']),
      minimumPositionMargin: intOr(inputs, ['minimumPositionMargin'], 0n),
    },
    int(inputs, ['size'], true),
    int(inputs, ['price']),
  );
  return {
    initialMarginRatio: m.initialMarginRatio.toString(),
    maintenanceMarginRatio: m.maintenanceMarginRatio.toString(),
    initialMargin: m.initialMargin.toString(),
    maintenanceMargin: m.maintenanceMargin.toString(),
  };
};

/** `PerpsAccount.isEligibleForLiquidation`: MM + possible reward > available margin. */
const eligible: VectorHandler = (inputs) => ({
  isEligible: isEligibleForLiquidation(
    int(inputs, ['availableMargin'], true),
    int(inputs, ['requiredMaintenanceMargin', 'maintenanceMargin']),
    int(inputs, ['liquidationReward', 'possibleLiquidationReward']),
  ),
});

/**
 * `PerpsMarket.maxLiquidatableAmount` after `currentLiquidationCapacity`, with the window's used
 * amount given as `liquidatedInWindow` (recorded at `latestLiquidationTimestamp`).
 */
const maxLiquidatable: VectorHandler = (inputs) => {
  const cap =
    pick(inputs, ['maxLiquidationInWindow']) !== undefined
      ? int(inputs, ['maxLiquidationInWindow'])
      : maxLiquidationAmountInWindow(windowConfig(inputs));
  const now = seconds(inputs, ['timestamp', 'nowSeconds']);
  const used = intOr(inputs, ['liquidatedInWindow'], 0n);
  const at =
    pick(inputs, ['latestLiquidationTimestamp']) === undefined
      ? now
      : seconds(inputs, ['latestLiquidationTimestamp']);
  const capacity = currentLiquidationCapacity(
    used === 0n ? [] : [{ amount: used, timestampSeconds: at }],
    cap,
    seconds(inputs, ['maxSecondsInLiquidationWindow']),
    now,
  );
  const amount = maxLiquidatableAmount({
    requestedAmount: int(inputs, ['requestedAmount', 'positionSize']),
    capacity,
    maxLiquidationPdD18: intOr(inputs, ['maxLiquidationPd'], 0n),
    skew: intOr(inputs, ['skew'], 0n, true),
    skewScale: int(inputs, ['skewScale']),
    nowSeconds: now,
    endorsedLiquidator: inputs.endorsedLiquidator === true,
  });
  return { capacity: capacity.capacity.toString(), liquidatableAmount: amount.toString() };
};

/** Handlers for system `synthetix-perps-v3`. */
export const synthetixConformance: HandlerTable = {
  system: 'synthetix-perps-v3',
  handlers: {
    'PerpsMarketConfiguration.maxLiquidationAmountInWindow': maxInWindow,
    'PerpsMarketConfiguration.numberOfLiquidationWindows': windows,
    'GlobalPerpsMarketConfiguration.keeperReward': reward,
    'PerpsMarketConfiguration.calculateRequiredMargins': margins,
    'PerpsAccount.isEligibleForLiquidation': eligible,
    'PerpsMarket.maxLiquidatableAmount': maxLiquidatable,
  },
};
