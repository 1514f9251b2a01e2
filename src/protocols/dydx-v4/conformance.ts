/**
 * Conformance handlers of `dydx-v4`: each reads a vector's inputs, runs the model's own dYdX
 * formulas (math.ts) and returns the fields the vectors compare (decimal strings, "num/den"
 * rationals). Function names are those of fixtures/vectors/dydx_v4.json. Malformed inputs throw
 * InvalidParameterError naming `inputs.<key>`; a call the chain would refuse or panic on throws
 * ProtocolRevertError with dYdX's own error name.
 */
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import {
  adjustedBankruptcyRating,
  bankruptcyPriceQuoteQuantums,
  fillablePrice,
  fillablePriceToSubticks,
  isLiquidatable,
  isValidInsuranceFundDelta,
  liquidationInsuranceFundDelta,
  positionNotionalBounds,
  requireReducingDelta,
} from './math.js';
import { formatRational } from './rational.js';

const INTEGER = /^-?\d+$/;

/** The first key of `keys` present in `inputs`. */
const pick = (inputs: VectorObject, keys: readonly string[]): string | undefined =>
  keys.find((k) => Object.hasOwn(inputs, k));

/** An integer input (decimal string or safe integer) under the first present alias. */
function int(inputs: VectorObject, keys: readonly string[]): bigint {
  const key = pick(inputs, keys);
  if (key === undefined) throw new InvalidParameterError(`inputs.${keys[0] ?? '?'}`, 'is missing');
  return intValue(inputs[key], `inputs.${key}`);
}

function intValue(value: VectorValue | undefined, field: string): bigint {
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidParameterError(
    field,
    `expected an integer (decimal string), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}

/** An optional integer input. */
const optInt = (inputs: VectorObject, keys: readonly string[]): bigint | undefined =>
  pick(inputs, keys) === undefined ? undefined : int(inputs, keys);

/** A non-negative ppm input. */
function ppm(inputs: VectorObject, keys: readonly string[]): bigint {
  const v = int(inputs, keys);
  if (v < 0n) throw new InvalidParameterError(`inputs.${pick(inputs, keys)}`, `expected ppm ≥ 0, got ${v}`);
  return v;
}

/** A small signed exponent (quantum conversion exponent). */
function exponent(inputs: VectorObject, keys: readonly string[]): number {
  const v = int(inputs, keys);
  if (v < -60n || v > 60n)
    throw new InvalidParameterError(`inputs.${pick(inputs, keys)}`, `expected |exponent| ≤ 60, got ${v}`);
  return Number(v);
}

/** Runs `f`, turning a ProtocolRevertError into one that also carries the values known so far. */
function withComputed<T>(computed: Record<string, string>, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof ProtocolRevertError)
      throw new ProtocolRevertError(error.reason, error.metaMessages[0] ?? '', {
        ...computed,
        ...error.computed,
      });
    throw error;
  }
}

const TNC = ['TNC', 'tnc', 'totalNetCollateral'];
const TMMR = ['TMMR', 'tmmr', 'totalMaintenanceMarginRequirement'];

/**
 * `GetFillablePrice`: `(PNNV − ABR·SMMR·PMMR)/PS` as a reduced rational. With
 * `quantumConversionExponent` and `subticksPerTick` inputs it also gives the order's subticks;
 * with `deltaQuantums` it checks the delta reduces PS as the chain does.
 */
const getFillablePrice: VectorHandler = (inputs) => {
  const ps = int(inputs, ['PS', 'positionSize', 'positionQuantums']);
  const delta = optInt(inputs, ['deltaQuantums']);
  if (delta !== undefined) requireReducingDelta(ps, delta);
  const tnc = int(inputs, TNC);
  const tmmr = int(inputs, TMMR);
  const ba = ppm(inputs, ['bankruptcyAdjustmentPpm', 'BA']);
  const abr = adjustedBankruptcyRating(tnc, tmmr, ba);
  const price = withComputed({ adjustedBankruptcyRating: formatRational(abr) }, () =>
    fillablePrice({
      pnnvQuoteQuantums: int(inputs, ['PNNV', 'pnnv']),
      pmmrQuoteQuantums: int(inputs, ['PMMR', 'pmmr']),
      tncQuoteQuantums: tnc,
      tmmrQuoteQuantums: tmmr,
      positionBaseQuantums: ps,
      bankruptcyAdjustmentPpm: ba,
      spreadToMaintenanceMarginRatioPpm: ppm(inputs, ['spreadToMaintenanceMarginRatioPpm', 'SMMR']),
    }),
  );
  const out: Record<string, VectorValue> = {
    fillablePrice_quoteQuantumsPerBaseQuantum: formatRational(price),
    fillablePrice: formatRational(price),
    adjustedBankruptcyRating: formatRational(abr),
  };
  if (pick(inputs, ['quantumConversionExponent']) !== undefined) {
    out.fillablePriceSubticks = fillablePriceToSubticks({
      fillablePrice: price,
      isLiquidatingLong: ps > 0n,
      quantumConversionExponent: exponent(inputs, ['quantumConversionExponent']),
      subticksPerTick: optInt(inputs, ['subticksPerTick']) ?? 1n,
    }).toString();
  }
  return out;
};

/** `GetBankruptcyPriceInQuoteQuantums`: `−DNNV − floor(TNC·|DMMR|/TMMR)`. */
const getBankruptcyPrice: VectorHandler = (inputs) => {
  const ps = optInt(inputs, ['PS', 'positionSize', 'positionQuantums']);
  const delta = optInt(inputs, ['deltaQuantums']);
  if (ps !== undefined && delta !== undefined) requireReducingDelta(ps, delta);
  const bankruptcy = bankruptcyPriceQuoteQuantums({
    dnnvQuoteQuantums: int(inputs, ['DNNV', 'dnnv']),
    dmmrQuoteQuantums: int(inputs, ['DMMR', 'dmmr']),
    tncQuoteQuantums: int(inputs, TNC),
    tmmrQuoteQuantums: int(inputs, TMMR),
  });
  return { bankruptcyQuoteQuantums: bankruptcy.toString(), deltaQuoteQuantums: bankruptcy.toString() };
};

/**
 * `GetLiquidationInsuranceFundDelta`: the fee paid into the fund (capped) or the shortfall it pays.
 * With an `insuranceFundBalance` input it also says whether the fund can take the delta
 * (`IsValidInsuranceFundDelta`); a `fillAmount` of 0 is refused as on chain.
 */
const getInsuranceFundDelta: VectorHandler = (inputs) => {
  const fillAmount = optInt(inputs, ['fillAmount']);
  if (fillAmount === 0n)
    throw new ProtocolRevertError(
      'ErrInvalidQuantumsForInsuranceFundDeltaCalculation',
      'the fill amount is zero',
    );
  const delta = liquidationInsuranceFundDelta({
    fillQuoteQuantums: int(inputs, ['deltaQuoteQuantums(fill)', 'deltaQuoteQuantums', 'fillQuoteQuantums']),
    bankruptcyQuoteQuantums: int(inputs, ['bankruptcyQuoteQuantums', 'bankruptcyPriceInQuoteQuantums']),
    maxLiquidationFeePpm: ppm(inputs, ['maxLiquidationFeePpm']),
  });
  const out: Record<string, VectorValue> = { insuranceFundDelta: delta.toString() };
  const balance = optInt(inputs, ['insuranceFundBalance']);
  if (balance !== undefined) out.isValidInsuranceFundDelta = isValidInsuranceFundDelta(balance, delta);
  return out;
};

/** `GetMaxAndMinPositionNotionalLiquidatable`: the position block limits. */
const getPositionBounds: VectorHandler = (inputs) => {
  const b = positionNotionalBounds({
    positionNotionalQuoteQuantums: int(inputs, ['positionNotional', 'positionNotionalQuoteQuantums']),
    minPositionNotionalLiquidated: int(inputs, ['minPositionNotionalLiquidated']),
    maxPositionPortionLiquidatedPpm: ppm(inputs, ['maxPositionPortionLiquidatedPpm']),
  });
  return {
    maxNotionalLiquidatable: b.maxNotionalLiquidatable.toString(),
    minNotionalLiquidatable: b.minNotionalLiquidatable.toString(),
  };
};

/** `IsLiquidatable`: TMMR > 0 and TNC < TMMR. */
const getIsLiquidatable: VectorHandler = (inputs) => ({
  isLiquidatable: isLiquidatable(int(inputs, TNC), int(inputs, TMMR)),
});

/** Handlers for system `dydx-v4`. */
export const dydxConformance: HandlerTable = {
  system: 'dydx-v4',
  handlers: {
    GetFillablePrice: getFillablePrice,
    GetBankruptcyPriceInQuoteQuantums: getBankruptcyPrice,
    GetLiquidationInsuranceFundDelta: getInsuranceFundDelta,
    GetMaxAndMinPositionNotionalLiquidatable: getPositionBounds,
    IsLiquidatable: getIsLiquidatable,
  },
};
