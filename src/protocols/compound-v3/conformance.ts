/**
 * Conformance handlers of `compound-v3`: each reads a vector's inputs, runs the model's own Comet
 * formulas (math.ts) and returns the fields vectors compare (decimal strings, booleans). Function
 * names are those of fixtures/vectors/compound_v3.json.
 */
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import {
  absorbAmounts,
  BASE_INDEX_SCALE,
  type CollateralHolding,
  type CometIndexes,
  FACTOR_SCALE,
  isLiquidatable,
  liquidityUsd8,
  MAX_UINT16,
  packFactor,
  presentValue,
  principalValue,
  quoteCollateral,
  storeFrontDiscountWad,
} from './math.js';

const INTEGER = /^-?\d+$/;

/** The first present key among `keys` (aliases of one input), or undefined. */
function pick(inputs: VectorObject, keys: readonly string[]): string | undefined {
  return keys.find((k) => Object.hasOwn(inputs, k));
}

/** Reads an integer given as a decimal string or a safe integer. @throws InvalidParameterError. */
function intValue(value: VectorValue | undefined, field: string): bigint {
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidParameterError(
    field,
    `expected an integer (decimal string), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}

/** Reads the first present alias as an integer. @throws InvalidParameterError naming the first alias. */
function int(inputs: VectorObject, keys: readonly string[], fallback?: bigint): bigint {
  const key = pick(inputs, keys);
  if (key === undefined) {
    if (fallback !== undefined) return fallback;
    throw new InvalidParameterError(keys[0] ?? 'input', 'is missing');
  }
  return intValue(inputs[key], key);
}

function indexesOf(inputs: VectorObject): CometIndexes {
  return {
    baseSupplyIndex: int(inputs, ['baseSupplyIndex'], BASE_INDEX_SCALE),
    baseBorrowIndex: int(inputs, ['baseBorrowIndex'], BASE_INDEX_SCALE),
  };
}

/** A signed base balance: given directly, or as a principal converted with the (optional) indexes. */
function balanceOf(inputs: VectorObject, balanceKeys: readonly string[], principalKey: string): bigint {
  if (pick(inputs, balanceKeys) !== undefined) return int(inputs, balanceKeys);
  if (Object.hasOwn(inputs, principalKey))
    return presentValue(int(inputs, [principalKey]), indexesOf(inputs));
  throw new InvalidParameterError(balanceKeys[0] ?? principalKey, 'is missing');
}

/**
 * Collateral rows: the first input whose key starts with `collateral`, a list of
 * `[balance, price, scale, factor]` rows (or objects with those fields; the factor may be named
 * `factor`, `liquidateCF`, `liquidateCollateralFactor` or `liquidationFactor`).
 */
function holdingsOf(inputs: VectorObject): CollateralHolding[] {
  const key = Object.keys(inputs).find((k) => k.startsWith('collateral'));
  const rows = key === undefined ? undefined : inputs[key];
  if (key === undefined || !Array.isArray(rows))
    throw new InvalidParameterError(key ?? 'collateral', 'expected a list of rows');
  return (rows as readonly VectorValue[]).map((row, i) => {
    const path = `${key}.${i}`;
    if (Array.isArray(row)) {
      const [balance, price, scale, factor] = row as readonly VectorValue[];
      return {
        balance: intValue(balance, `${path}.0`),
        price: intValue(price, `${path}.1`),
        scale: intValue(scale, `${path}.2`),
        factorWad: intValue(factor, `${path}.3`),
      };
    }
    if (row === null || typeof row !== 'object') throw new InvalidParameterError(path, 'expected a row');
    const r = row as VectorObject;
    return {
      balance: int(r, ['balance']),
      price: int(r, ['price', 'price_1e8']),
      scale: int(r, ['scale']),
      factorWad: int(r, [
        'factor',
        'liquidateCF',
        'liquidateCollateralFactor',
        'liquidationFactor',
        'borrowCF',
      ]),
    };
  });
}

const BASE_PRICE = ['basePrice_1e8', 'basePrice'];

/** Comet `quoteCollateral` (also reached through `buyCollateral`). */
const quote: VectorHandler = (inputs) => {
  const storeFrontPriceFactorWad = int(inputs, ['storeFrontPriceFactor']);
  const liquidationFactorWad = int(inputs, ['liquidationFactor']);
  const discount = storeFrontDiscountWad(storeFrontPriceFactorWad, liquidationFactorWad);
  return {
    collateralAmount: quoteCollateral({
      assetPrice: int(inputs, ['assetPrice_1e8', 'assetPrice']),
      basePrice: int(inputs, BASE_PRICE),
      baseAmount: int(inputs, ['baseAmount']),
      assetScale: int(inputs, ['assetScale']),
      baseScale: int(inputs, ['baseScale']),
      storeFrontPriceFactorWad,
      liquidationFactorWad,
    }).toString(),
    discountFactor: discount.toString(),
  };
};

/** Comet `isLiquidatable` on a balance and collateral rows weighted by liquidateCollateralFactor. */
const liquidatable: VectorHandler = (inputs) => {
  const input = {
    presentValue: balanceOf(inputs, ['principalPresentValue', 'presentValue'], 'principal'),
    basePrice: int(inputs, BASE_PRICE),
    baseScale: int(inputs, ['baseScale']),
    holdings: holdingsOf(inputs),
  };
  return { liquidatable: isLiquidatable(input), liquidity_usd8: liquidityUsd8(input).toString() };
};

/** The amounts of Comet `absorbInternal` for one account. */
const absorb: VectorHandler = (inputs) => {
  const a = absorbAmounts({
    oldBalance: balanceOf(inputs, ['oldBalance', 'principalPresentValue'], 'oldPrincipal'),
    basePrice: int(inputs, BASE_PRICE),
    baseScale: int(inputs, ['baseScale']),
    holdings: holdingsOf(inputs),
  });
  return {
    deltaValue_usd8: a.deltaValueUsd8.toString(),
    deltaBalance: a.deltaBalance.toString(),
    newBalance: a.newBalance.toString(),
    basePaidOut: a.basePaidOut.toString(),
    shortfall_basePaidOut_minus_deltaBalance: a.shortfall.toString(),
    newPrincipal: principalValue(a.newBalance, indexesOf(inputs)).toString(),
  };
};

/**
 * Comet `getPackedAssetInternal`: every `<factor>_config` input kept with 4 decimals. The generic
 * `stored_uint16` / `effective_factor` fields describe liquidateCollateralFactor when given, else
 * the first factor; each factor also gets `<factor>_stored_uint16` / `<factor>_effective_factor`.
 * With both collateral factors given, Comet's range checks apply (BorrowCFTooLarge,
 * LiquidateCFTooLarge).
 */
const pack: VectorHandler = (inputs) => {
  const names = Object.keys(inputs).filter((k) => k.endsWith('_config'));
  if (names.length === 0) throw new InvalidParameterError('<factor>_config', 'no factor input');
  const out: Record<string, VectorValue> = {};
  const stored: Record<string, bigint> = {};
  for (const key of names) {
    const factor = intValue(inputs[key], key);
    const packed = packFactor(factor);
    const name = key.slice(0, -'_config'.length);
    stored[name] = packed.stored;
    out[`${name}_stored_uint16`] = packed.stored.toString();
    out[`${name}_effective_factor`] = packed.effectiveWad.toString();
  }
  const main = names.includes('liquidateCollateralFactor_config')
    ? 'liquidateCollateralFactor'
    : (names[0] ?? '').slice(0, -7);
  out.stored_uint16 = out[`${main}_stored_uint16`] ?? '0';
  out.effective_factor = out[`${main}_effective_factor`] ?? '0';
  const computed = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, String(v)]));
  const borrow = Object.hasOwn(inputs, 'borrowCollateralFactor_config')
    ? intValue(inputs.borrowCollateralFactor_config, 'borrowCollateralFactor_config')
    : undefined;
  const liquidate = Object.hasOwn(inputs, 'liquidateCollateralFactor_config')
    ? intValue(inputs.liquidateCollateralFactor_config, 'liquidateCollateralFactor_config')
    : undefined;
  if (borrow !== undefined && liquidate !== undefined) {
    if (borrow >= liquidate)
      throw new ProtocolRevertError('BorrowCFTooLarge', 'borrowCF must be below liquidateCF', computed);
    if (liquidate > FACTOR_SCALE)
      throw new ProtocolRevertError('LiquidateCFTooLarge', 'liquidateCF must be at most 1', computed);
    if ((stored.borrowCollateralFactor ?? MAX_UINT16) >= (stored.liquidateCollateralFactor ?? 0n)) {
      throw new ProtocolRevertError(
        'BorrowCFTooLarge',
        'borrowCF must stay below liquidateCF with 4 decimals',
        computed,
      );
    }
  }
  return out;
};

/** Handlers for system `compound-v3`. */
export const compoundConformance: HandlerTable = {
  system: 'compound-v3',
  handlers: {
    quoteCollateral: quote,
    'buyCollateral -> quoteCollateral': quote,
    isLiquidatable: liquidatable,
    absorbInternal: absorb,
    'getPackedAssetInternal factor truncation': pack,
  },
};
