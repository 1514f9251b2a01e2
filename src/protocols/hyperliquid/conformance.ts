/**
 * Conformance handlers of `hyperliquid`: each reads a vector's inputs as exact rationals ("num/den",
 * integers or decimals), runs the documented formulas (math.ts) and returns rationals as reduced
 * "num/den" strings, floats as the correctly rounded double of the exact value, and booleans.
 * Function names are those of the hyperliquid vectors in fixtures/vectors/perps_misc.json.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject } from '../conformance-types.js';
import {
  isolatedMarginAvailable,
  liquidationPrice,
  liquidationTriggers,
  maintenanceMarginRate,
} from './math.js';
import {
  formatRational,
  mulR,
  parseRational,
  type Rational,
  rational,
  rationalToNumber,
  subR,
} from './rational.js';

/** Reads the first present alias as a rational. @throws InvalidParameterError naming the input. */
function num(inputs: VectorObject, keys: readonly string[]): Rational {
  const key = keys.find((k) => Object.hasOwn(inputs, k));
  if (key === undefined) throw new InvalidParameterError(`inputs.${keys[0] ?? 'input'}`, 'is missing');
  return parseRational(inputs[key], `inputs.${key}`);
}

/** Reads `side` (+1 long, −1 short; also "long"/"short"). @throws InvalidParameterError. */
function sideOf(inputs: VectorObject): 1n | -1n {
  const v = inputs.side;
  if (v === 'long' || v === 'buy') return 1n;
  if (v === 'short' || v === 'sell') return -1n;
  const r = parseRational(v, 'inputs.side');
  if (r.den === 1n && (r.num === 1n || r.num === -1n)) return r.num;
  throw new InvalidParameterError('inputs.side', 'expected 1 (long) or -1 (short)');
}

/** The maintenance rate: given, or 1/(2·max_leverage). */
function rateOf(inputs: VectorObject): Rational {
  if (Object.hasOwn(inputs, 'maintenance_margin_rate')) return num(inputs, ['maintenance_margin_rate']);
  return maintenanceMarginRate(num(inputs, ['max_leverage']));
}

/** |size| as a rational (a negative size is read as its magnitude; `side` carries the direction). */
function sizeOf(inputs: VectorObject): Rational {
  const s = num(inputs, ['position_size', 'size']);
  return s.num < 0n ? mulR(s, rational(-1n)) : s;
}

function priceResult(marginAvailable: Rational, maintenance: Rational, price: Rational) {
  return {
    margin_available: formatRational(marginAvailable),
    maintenance_margin: formatRational(maintenance),
    liq_price: formatRational(price),
    liq_price_float: rationalToNumber(price),
  };
}

/** Isolated: margin_available = isolated_margin − |size|·price·l. */
const isolatedLiqPrice: VectorHandler = (inputs) => {
  const price = num(inputs, ['mark_price', 'price', 'entry_price']);
  const positionSize = sizeOf(inputs);
  const maintenanceRate = rateOf(inputs);
  const marginAvailable = isolatedMarginAvailable({
    isolatedMargin: num(inputs, ['isolated_margin', 'margin']),
    positionSize,
    price,
    maintenanceRate,
  });
  const liq = liquidationPrice({
    price,
    side: sideOf(inputs),
    positionSize,
    marginAvailable,
    maintenanceRate,
  });
  return priceResult(marginAvailable, mulR(mulR(positionSize, price), maintenanceRate), liq);
};

/** Cross: margin_available = account_value − maintenance margin required (given, or |size|·price·l). */
const crossLiqPrice: VectorHandler = (inputs) => {
  const price = num(inputs, ['mark_price', 'price', 'entry_price']);
  const positionSize = sizeOf(inputs);
  const maintenanceRate = rateOf(inputs);
  const maintenance = Object.hasOwn(inputs, 'maintenance_margin_required')
    ? num(inputs, ['maintenance_margin_required'])
    : mulR(mulR(positionSize, price), maintenanceRate);
  const marginAvailable = subR(num(inputs, ['account_value', 'account_equity']), maintenance);
  const liq = liquidationPrice({
    price,
    side: sideOf(inputs),
    positionSize,
    marginAvailable,
    maintenanceRate,
  });
  return priceResult(marginAvailable, maintenance, liq);
};

/**
 * Book liquidation when equity < MM; backstop (liquidator vault) when equity < ⅔ MM (and the book
 * could not restore the account: an optional boolean `book_liquidation_failed`, default true).
 */
const backstop: VectorHandler = (inputs) => {
  const t = liquidationTriggers(
    num(inputs, ['account_equity', 'equity', 'account_value']),
    num(inputs, ['maintenance_margin', 'maintenance_margin_required']),
  );
  const failed = inputs.book_liquidation_failed;
  if (failed !== undefined && typeof failed !== 'boolean') {
    throw new InvalidParameterError('inputs.book_liquidation_failed', 'expected a boolean');
  }
  return {
    orderbook_liquidation: t.orderbookLiquidation,
    backstop_liquidation: t.backstopLiquidation && failed !== false,
  };
};

/** Handlers for system `hyperliquid`. */
export const hyperliquidConformance: HandlerTable = {
  system: 'hyperliquid',
  handlers: {
    'liquidation price (isolated)': isolatedLiqPrice,
    'liquidation price (cross)': crossLiqPrice,
    'backstop trigger': backstop,
  },
};
