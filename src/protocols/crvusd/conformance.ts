/**
 * Conformance handlers of `crvusd-llamma`: each reads a vector's inputs, runs the model's own
 * Controller/LLAMMA formulas (math.ts) and returns the fields vectors compare (decimal strings).
 * Function names are those of fixtures/vectors/crvusd.json, plus the full-health, band-edge and
 * y_effective formulas under the contract's own names.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import {
  bandConstants,
  fRemove,
  healthFromXDown,
  healthFullBonus,
  MAX_A,
  MIN_A,
  pOracleUp,
  WAD,
  yEffective,
} from './math.js';

const INTEGER = /^-?\d+$/;

/** Reads a non-negative integer given as a decimal string or a safe integer. @throws InvalidParameterError naming `inputs.<key>`. */
function uint(inputs: VectorObject, keys: readonly string[], fallback?: bigint): bigint {
  const key = keys.find((k) => Object.hasOwn(inputs, k));
  if (key === undefined) {
    if (fallback !== undefined) return fallback;
    throw new InvalidParameterError(`inputs.${keys[0] ?? 'input'}`, 'is missing');
  }
  const value: VectorValue | undefined = inputs[key];
  let out: bigint | undefined;
  if (typeof value === 'string' && INTEGER.test(value)) out = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) out = BigInt(value);
  if (out === undefined || out < 0n) {
    throw new InvalidParameterError(
      `inputs.${key}`,
      `expected an unsigned integer (decimal string), got ${JSON.stringify(value) ?? 'nothing'}`,
    );
  }
  return out;
}

/** Reads a signed integer (a band number). @throws InvalidParameterError naming `inputs.<key>`. */
function int(inputs: VectorObject, key: string): number {
  const value = inputs[key];
  const n = typeof value === 'string' && INTEGER.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new InvalidParameterError(
      `inputs.${key}`,
      `expected an integer, got ${JSON.stringify(value) ?? 'nothing'}`,
    );
  }
  return n;
}

function amplification(inputs: VectorObject): bigint {
  const A = uint(inputs, ['A']);
  if (A < MIN_A || A > MAX_A)
    throw new InvalidParameterError('inputs.A', `expected A in [2, 10000], got ${A}`);
  return A;
}

/** Controller `_get_f_remove(frac, health_limit)`. */
const getFRemove: VectorHandler = (inputs) => ({
  f_remove: fRemove(uint(inputs, ['frac']), uint(inputs, ['health_limit'])).toString(),
});

function baseHealth(inputs: VectorObject): bigint {
  const debt = uint(inputs, ['debt']);
  if (debt === 0n) throw new InvalidParameterError('inputs.debt', 'must be above 0 (Loan doesn’t exist)');
  const liquidationDiscountWad = uint(inputs, ['liquidation_discount']);
  if (liquidationDiscountWad > WAD)
    throw new InvalidParameterError('inputs.liquidation_discount', 'must be at most 1e18');
  return healthFromXDown({ xDown: uint(inputs, ['x_down']), debt, liquidationDiscountWad });
}

/** Controller `_health(full=False)`: x_down·(1 − liquidation_discount)/debt − 1. */
const healthNotFull: VectorHandler = (inputs) => ({ health: baseHealth(inputs).toString() });

/**
 * Controller `_health(full=True)`: adds (p_oracle − p_up)·collateral·precision/debt when the loan is
 * above the active band (`in_liquidation` false, the default) and p_oracle > p_up.
 */
const healthFull: VectorHandler = (inputs) => {
  let health = baseHealth(inputs);
  const inLiquidation = inputs.in_liquidation === true;
  if (!inLiquidation) {
    health += healthFullBonus({
      pOracleWad: uint(inputs, ['p_oracle', 'price_oracle']),
      pUpWad: uint(inputs, ['p_up', 'p_oracle_up']),
      collateral: uint(inputs, ['collateral', 'y']),
      collateralPrecision: uint(inputs, ['collateral_precision'], 1n),
      debt: uint(inputs, ['debt']),
    });
  }
  return { health: health.toString() };
};

/** AMM `p_oracle_up(n)` for a market with amplification A and base price `base_price`. */
const pOracleUpHandler: VectorHandler = (inputs) => {
  const c = bandConstants(amplification(inputs));
  const base = uint(inputs, ['base_price']);
  const n = int(inputs, 'n');
  return {
    p_oracle_up: pOracleUp(base, c.logARatio, n).toString(),
    p_oracle_down: pOracleUp(base, c.logARatio, n + 1).toString(),
  };
};

/** Controller `get_y_effective(collateral, N, discount)`. */
const yEffectiveHandler: VectorHandler = (inputs) => {
  const c = bandConstants(amplification(inputs));
  const N = Number(uint(inputs, ['N']));
  if (N < 1 || N > 50) throw new InvalidParameterError('inputs.N', `expected 1 ≤ N ≤ 50, got ${N}`);
  return {
    y_effective: yEffective(c, uint(inputs, ['collateral']), N, uint(inputs, ['discount'])).toString(),
  };
};

/** Handlers for system `crvusd-llamma`. */
export const crvusdConformance: HandlerTable = {
  system: 'crvusd-llamma',
  handlers: {
    'Controller._get_f_remove(frac, health_limit)': getFRemove,
    'Controller._health(full=False)': healthNotFull,
    'Controller._health(full=True)': healthFull,
    'AMM.p_oracle_up(n)': pOracleUpHandler,
    'Controller.get_y_effective(collateral, N, discount)': yEffectiveHandler,
  },
};
