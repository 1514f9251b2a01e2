/**
 * Conformance handlers of `gmx-v2`: each reads a vector's inputs, runs the model's own GMX
 * formulas (math.ts) and returns the fields the vectors compare (decimal strings, booleans, GMX's
 * reason strings). Function names are those of fixtures/vectors/perps_misc.json (system `gmx-v2`).
 * Input keys are matched after dropping a unit suffix (`_1e30`) and a parenthesised note
 * (`priceImpactUsd(capped, <=0)`). Malformed inputs throw InvalidParameterError naming
 * `inputs.<key>`.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import {
  capImpactForLiquidationCheck,
  isPnlFactorExceeded,
  liquidationCheck,
  liquidationFees,
  marketPnlUsd,
  pnlToPoolFactor,
  poolUsdWithoutPnl,
  positionPnlUsd,
} from './math.js';

const INTEGER = /^-?\d+$/;

/** A key without its unit suffix and parenthesised note, lower-cased: `sizeInUsd_1e30` → `sizeinusd`. */
function canonicalKey(key: string): string {
  return key
    .replace(/\(.*\)\s*$/, '')
    .replace(/_1e\d+$/i, '')
    .trim()
    .toLowerCase();
}

/** The original key of `inputs` whose canonical form is one of `names` (in order of preference). */
function find(inputs: VectorObject, names: readonly string[]): string | undefined {
  const keys = Object.keys(inputs);
  for (const name of names) {
    const wanted = name.toLowerCase();
    const key = keys.find((k) => canonicalKey(k) === wanted);
    if (key !== undefined) return key;
  }
  return undefined;
}

function intValue(value: VectorValue | undefined, key: string): bigint {
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidParameterError(
    `inputs.${key}`,
    `expected an integer (decimal string), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}

/** An integer input under the first present alias; `fallback` when none is present. */
function int(inputs: VectorObject, names: readonly string[], fallback?: bigint): bigint {
  const key = find(inputs, names);
  if (key === undefined) {
    if (fallback !== undefined) return fallback;
    throw new InvalidParameterError(`inputs.${names[0] ?? 'input'}`, 'is missing');
  }
  return intValue(inputs[key], key);
}

/** A boolean input (JSON boolean, or "true"/"false", or the side as "long"/"short"). */
function bool(inputs: VectorObject, names: readonly string[]): boolean {
  const key = find(inputs, names);
  if (key === undefined) throw new InvalidParameterError(`inputs.${names[0] ?? 'input'}`, 'is missing');
  const value = inputs[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'long') return true;
  if (value === 'false' || value === 'short') return false;
  throw new InvalidParameterError(`inputs.${key}`, `expected a boolean, got ${JSON.stringify(value)}`);
}

/** `PositionPricingUtils.getLiquidationFees`. */
const getLiquidationFees: VectorHandler = (inputs) => {
  const receiverKey = find(inputs, ['liquidationFeeReceiverFactor', 'LIQUIDATION_FEE_RECEIVER_FACTOR']);
  const fees = liquidationFees({
    sizeInUsd: int(inputs, ['sizeInUsd', 'sizeDeltaUsd']),
    liquidationFeeFactor: int(inputs, ['liquidationFeeFactor']),
    collateralTokenPriceMin: int(inputs, ['collateralTokenPriceMin', 'collateralTokenPrice']),
    liquidationFeeReceiverFactor: receiverKey === undefined ? 0n : intValue(inputs[receiverKey], receiverKey),
  });
  const out: Record<string, VectorValue> = {
    liquidationFeeUsd: fees.liquidationFeeUsd.toString(),
    liquidationFeeAmount: fees.liquidationFeeAmount.toString(),
  };
  if (receiverKey !== undefined) {
    const forReceiver = fees.liquidationFeeAmountForFeeReceiver;
    out.amountForFeeReceiver = forReceiver.toString();
    out.liquidationFeeAmountForFeeReceiver = forReceiver.toString();
    out.amountForPool = (fees.liquidationFeeAmount - forReceiver).toString();
  }
  return out;
};

/**
 * `PositionUtils.isPositionLiquidatable` from its USD pieces. The collateral is given in USD or as
 * an amount with its price; the impact is capped at 0 (and, when the factor is given, at
 * `−size·maxPositionImpactFactorForLiquidations`); MIN_COLLATERAL_USD is validated unless
 * `shouldValidateMinCollateralUsd` is false.
 */
const isPositionLiquidatable: VectorHandler = (inputs) => {
  const sizeInUsd = int(inputs, ['sizeInUsd']);
  const priceKey = find(inputs, ['collateralTokenPriceMin', 'collateralTokenPrice']);
  const collateralUsd =
    find(inputs, ['collateralUsd']) === undefined && priceKey !== undefined
      ? int(inputs, ['collateralAmount']) * intValue(inputs[priceKey], priceKey)
      : int(inputs, ['collateralUsd']);
  const maxImpactKey = find(inputs, ['maxPositionImpactFactorForLiquidations']);
  const rawImpact = int(inputs, ['priceImpactUsd'], 0n);
  const priceImpactUsd =
    maxImpactKey === undefined
      ? rawImpact < 0n
        ? rawImpact
        : 0n
      : capImpactForLiquidationCheck(rawImpact, sizeInUsd, intValue(inputs[maxImpactKey], maxImpactKey));
  const validateKey = find(inputs, ['shouldValidateMinCollateralUsd']);
  const check = liquidationCheck({
    collateralUsd,
    positionPnlUsd: int(inputs, ['positionPnlUsd', 'pnlUsd']),
    priceImpactUsd,
    closingCostsUsd: int(inputs, ['closingCostsUsd', 'collateralCostUsd', 'closingFeesUsd'], 0n),
    sizeInUsd,
    minCollateralFactor: int(inputs, ['minCollateralFactorForLiquidation', 'minCollateralFactor']),
    minCollateralUsd: int(inputs, ['MIN_COLLATERAL_USD', 'minCollateralUsd'], 0n),
    shouldValidateMinCollateralUsd:
      validateKey === undefined ? true : bool(inputs, ['shouldValidateMinCollateralUsd']),
  });
  return {
    remainingCollateralUsd: check.remainingCollateralUsd.toString(),
    minCollateralUsdForLeverage: check.minCollateralUsdForLeverage.toString(),
    liquidatable: check.liquidatable,
    reason: check.reason,
  };
};

/** `PositionUtils.getPositionPnlUsd` (no trader cap). */
const getPositionPnlUsd: VectorHandler = (inputs) => {
  const sizeInUsd = int(inputs, ['sizeInUsd']);
  const result = positionPnlUsd(
    { isLong: bool(inputs, ['isLong']), sizeInUsd, sizeInTokens: int(inputs, ['sizeInTokens']) },
    int(inputs, ['indexTokenPrice', 'indexPrice', 'price']),
    int(inputs, ['sizeDeltaUsd'], sizeInUsd),
  );
  return {
    positionPnlUsd: result.positionPnlUsd.toString(),
    sizeDeltaInTokens: result.sizeDeltaInTokens.toString(),
  };
};

/** `MarketUtils.getPnlToPoolFactor` (with `isPnlFactorExceeded` when a max factor is given). */
const getPnlToPoolFactor: VectorHandler = (inputs) => {
  const isLong = bool(inputs, ['isLong']);
  const pnlKey = find(inputs, ['pnlUsd', 'pnl']);
  const pnl =
    pnlKey !== undefined
      ? intValue(inputs[pnlKey], pnlKey)
      : marketPnlUsd(
          isLong,
          int(inputs, ['openInterest', 'openInterestUsd']),
          int(inputs, ['openInterestInTokens']),
          int(inputs, ['indexTokenPrice', 'indexPrice']),
        );
  const poolUsdKey = find(inputs, ['poolUsd']);
  const poolUsd =
    poolUsdKey !== undefined
      ? intValue(inputs[poolUsdKey], poolUsdKey)
      : poolUsdWithoutPnl(
          int(inputs, ['poolAmount']),
          int(inputs, ['poolTokenPrice', 'tokenPriceMin']),
          false,
        );
  const factor = pnlToPoolFactor(pnl, poolUsd);
  const out: Record<string, VectorValue> = { pnlToPoolFactor: factor.toString(), pnlUsd: pnl.toString() };
  const maxKey = find(inputs, ['maxPnlFactor', 'MAX_PNL_FACTOR_FOR_ADL', 'maxPnlFactorForAdl']);
  if (maxKey !== undefined) out.isExceeded = isPnlFactorExceeded(factor, intValue(inputs[maxKey], maxKey));
  return out;
};

/** Handlers for system `gmx-v2`. */
export const gmxConformance: HandlerTable = {
  system: 'gmx-v2',
  handlers: {
    'PositionPricingUtils.getLiquidationFees': getLiquidationFees,
    'PositionUtils.isPositionLiquidatable': isPositionLiquidatable,
    'PositionUtils.getPositionPnlUsd': getPositionPnlUsd,
    'MarketUtils.getPnlToPoolFactor': getPnlToPoolFactor,
  },
};
