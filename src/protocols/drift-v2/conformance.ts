/**
 * Conformance handlers of `drift-v2`: each reads a vector's inputs, runs the model's own Drift
 * formulas (math.ts) and returns the fields vectors compare (decimal strings). Function names and
 * input keys are those of fixtures/vectors/drift_v2.json (the Rust function names, with the
 * precision of each quantity in its key, e.g. `oracle_price_1e6`).
 */
import { InvalidParameterError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import {
  baseAssetAmountToCoverMarginShortage,
  fundingRateDeltaToResolveBankruptcy,
  liquidationFeePpm,
  maxPctToLiquidate,
  PRICE_PRECISION,
  perpIfFeePpm,
} from './math.js';

const INTEGER = /^-?\d+$/;

/** Reads an integer given as a decimal string or a safe integer. @throws InvalidParameterError. */
function intValue(value: VectorValue | undefined, field: string): bigint {
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidParameterError(
    `inputs.${field}`,
    `expected an integer (decimal string), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}

/**
 * Reads the first present key among `keys` (aliases of one input) as an integer; `fallback` when
 * none is present. @throws InvalidParameterError naming the first alias when required and absent.
 */
function int(inputs: VectorObject, keys: readonly string[], fallback?: bigint): bigint {
  const key = keys.find((k) => Object.hasOwn(inputs, k));
  if (key === undefined) {
    if (fallback !== undefined) return fallback;
    throw new InvalidParameterError(`inputs.${keys[0] ?? 'input'}`, 'is missing');
  }
  return intValue(inputs[key], key);
}

const SHORTAGE = ['margin_shortage_1e6', 'margin_shortage'];
const MARGIN_RATIO = ['margin_ratio_1e4', 'margin_ratio'];
const ORACLE_PRICE = ['oracle_price_1e6', 'oracle_price'];
const QUOTE_PRICE = ['quote_oracle_price_1e6', 'quote_price_1e6', 'quote_oracle_price', 'quote_price'];

/** `calculate_base_asset_amount_to_cover_margin_shortage`. */
const coverShortage: VectorHandler = (inputs) => ({
  base_asset_amount_1e9: baseAssetAmountToCoverMarginShortage({
    marginShortageQuote: int(inputs, SHORTAGE),
    marginRatio: int(inputs, MARGIN_RATIO),
    liquidatorFeePpm: int(inputs, ['liquidation_fee_1e6', 'liquidator_fee_1e6', 'liquidation_fee']),
    ifLiquidationFeePpm: int(inputs, ['if_liquidation_fee_1e6', 'if_liquidation_fee'], 0n),
    oraclePrice: int(inputs, ORACLE_PRICE),
    quoteOraclePrice: int(inputs, QUOTE_PRICE, PRICE_PRECISION),
  }).toString(),
});

/** `calculate_perp_if_fee`. */
const ifFee: VectorHandler = (inputs) => ({
  if_fee_1e6: perpIfFeePpm({
    marginShortageQuote: int(inputs, SHORTAGE),
    userBaseAssetAmount: int(inputs, ['base_asset_amount_1e9', 'user_base_asset_amount_1e9']),
    marginRatio: int(inputs, MARGIN_RATIO),
    liquidatorFeePpm: int(inputs, ['liquidator_fee_1e6', 'liquidation_fee_1e6', 'liquidator_fee']),
    oraclePrice: int(inputs, ORACLE_PRICE),
    quoteOraclePrice: int(inputs, QUOTE_PRICE, PRICE_PRECISION),
    maxIfFeePpm: int(inputs, ['max_if_fee_1e6', 'max_if_liquidation_fee_1e6', 'if_liquidation_fee_1e6']),
  }).toString(),
});

/** `get_liquidation_fee`. */
const liquidationFee: VectorHandler = (inputs) => ({
  liquidation_fee_1e6: liquidationFeePpm({
    baseFeePpm: int(inputs, ['base_fee_1e6', 'base_liquidation_fee_1e6']),
    maxFeePpm: int(inputs, ['max_fee_1e6', 'max_liquidation_fee_1e6']),
    lastActiveSlot: int(inputs, ['last_active_slot', 'last_active_user_slot']),
    currentSlot: int(inputs, ['current_slot', 'slot']),
  }).toString(),
});

/** `calculate_max_pct_to_liquidate`: elapsed slots given directly or as `slot − last_active_slot`. */
const maxPct: VectorHandler = (inputs) => {
  const slotsElapsed = Object.hasOwn(inputs, 'slots_elapsed')
    ? int(inputs, ['slots_elapsed'])
    : int(inputs, ['slot', 'current_slot']) - int(inputs, ['last_active_slot']);
  if (slotsElapsed < 0n) throw new InvalidParameterError('inputs.slot', 'is before last_active_slot');
  return {
    pct_1e4: maxPctToLiquidate({
      marginShortageQuote: int(inputs, SHORTAGE),
      slotsElapsed,
      initialPctToLiquidate: int(inputs, ['initial_pct_to_liquidate', 'initial_pct_to_liquidate_1e4']),
      liquidationDurationSlots: int(inputs, ['liquidation_duration', 'liquidation_duration_slots']),
      liquidationMarginFreedQuote: int(
        inputs,
        ['liquidation_margin_freed', 'liquidation_margin_freed_1e6'],
        0n,
      ),
    }).toString(),
  };
};

/** `calculate_funding_rate_deltas_to_resolve_bankruptcy`. */
const bankruptcyDelta: VectorHandler = (inputs) => ({
  cumulative_funding_rate_delta: fundingRateDeltaToResolveBankruptcy({
    lossQuote: int(inputs, ['loss_1e6', 'loss']),
    baseAssetAmountLong: int(inputs, ['base_asset_amount_long_1e9', 'base_asset_amount_long']),
    baseAssetAmountShort: int(inputs, ['base_asset_amount_short_1e9', 'base_asset_amount_short']),
  }).toString(),
});

/** Handlers for system `drift-v2`. */
export const driftConformance: HandlerTable = {
  system: 'drift-v2',
  handlers: {
    calculate_base_asset_amount_to_cover_margin_shortage: coverShortage,
    calculate_perp_if_fee: ifFee,
    get_liquidation_fee: liquidationFee,
    calculate_max_pct_to_liquidate: maxPct,
    calculate_funding_rate_deltas_to_resolve_bankruptcy: bankruptcyDelta,
  },
};
