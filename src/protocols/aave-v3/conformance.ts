/**
 * Conformance handlers of system `aave-v3`: each reproduces one vector `function` (health factor,
 * `_calculateAvailableCollateralToLiquidate`, the amounts of `executeLiquidationCall`, the close
 * factor of v3.0–3.2 against v3.3+, and the liquidation HF check) with the same functions the
 * engine model runs, at the version named in the function's bracket tag.
 */
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { readBigint, readInt } from '../../engine/fields.js';
import { min, Rounding } from '../../math/mulDiv.js';
import { MAX_UINT256 } from '../../math/units.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import { AAVE_LIQUIDATION_REVERTS } from './liquidation.js';
import {
  AAVE_VERSION_RULES,
  type AaveVersion,
  type AaveVersionRules,
  calculateAvailableCollateralToLiquidate,
  dustCheck,
  type HfCollateral,
  type HfDebt,
  hasNoCollateralLeft,
  healthFactor,
  isLiquidatableHealth,
  maxLiquidatableDebt,
  maxLiquidatableDebtV30,
  valueInBase,
} from './math.js';

/** Version tags used in vector function names and the rounding table each selects. */
export const AAVE_VERSION_TAGS: Readonly<Record<string, AaveVersion>> = {
  'v3.3': '3.3',
  'v3.4': '3.3',
  'v3.3-3.4': '3.3',
  'v3.3+': '3.3',
  'v3.5': '3.5',
  'v3.6': '3.5',
  'v3.5-3.6': '3.5',
  'v3.5+': '3.5',
  'v3.7': '3.7',
};

/** ValidationLogic's refusal of a healthy position (v3.3 name; `HealthFactorNotBelowThreshold()` from v3.4). */
export const HEALTH_FACTOR_NOT_BELOW_THRESHOLD = 'HEALTH_FACTOR_NOT_BELOW_THRESHOLD';

/** Label a vector uses for the close factor that applied. */
export const CLOSE_FACTOR_LABELS = { half: '50% of total debt', full: '100%' } as const;

const num = (value: bigint): string => value.toString();

function int(inputs: VectorObject, key: string): bigint {
  return readBigint(inputs, key, key);
}

function decimals(inputs: VectorObject, key: string): number {
  return readInt(inputs, key, key, { max: 77 });
}

/** `debtToCover` as a vector writes it: an integer, or `type(uint256).max` / `max`. */
function debtToCoverOf(inputs: VectorObject, key: string): bigint {
  const raw = inputs[key];
  if (raw === 'type(uint256).max' || raw === 'max') return MAX_UINT256;
  return readBigint(inputs, key, key, { min: 1n, expect: 'an amount > 0 or type(uint256).max' });
}

function tuple(value: VectorValue | undefined, path: string, minLength: number): readonly VectorValue[] {
  if (!Array.isArray(value) || value.length < minLength) {
    throw new InvalidParameterError(path, `expected an array of at least ${minLength} values`);
  }
  return value;
}

function cell(row: readonly VectorValue[], index: number, path: string): bigint {
  return readBigint({ v: row[index] }, 'v', `${path}[${index}]`);
}

function cellInt(row: readonly VectorValue[], index: number, path: string): number {
  return readInt({ v: row[index] }, 'v', `${path}[${index}]`, { max: 77 });
}

const COLLATERALS_KEY = 'collaterals[amount,price,dec,LT_bps]';
const DEBTS_KEY = 'debts[amount,price,dec]';

/** Reads `collaterals[amount,price,dec,LT_bps]` (optional 5th LTV) and `debts[amount,price,dec]`. */
function readPosition(inputs: VectorObject): { collaterals: HfCollateral[]; debts: HfDebt[] } {
  const collaterals = tuple(inputs[COLLATERALS_KEY], COLLATERALS_KEY, 0).map((row, i): HfCollateral => {
    const path = `${COLLATERALS_KEY}[${i}]`;
    const r = tuple(row, path, 4);
    const base = {
      amount: cell(r, 0, path),
      priceBase: cell(r, 1, path),
      decimals: cellInt(r, 2, path),
      liquidationThresholdBps: cell(r, 3, path),
    };
    return r.length > 4 ? { ...base, ltvBps: cell(r, 4, path) } : base;
  });
  const debts = tuple(inputs[DEBTS_KEY] ?? [], DEBTS_KEY, 0).map((row, i): HfDebt => {
    const path = `${DEBTS_KEY}[${i}]`;
    const r = tuple(row, path, 3);
    return { amount: cell(r, 0, path), priceBase: cell(r, 1, path), decimals: cellInt(r, 2, path) };
  });
  return { collaterals, debts };
}

function healthHandler(rules: AaveVersionRules): VectorHandler {
  return (inputs) => {
    const data = healthFactor(rules, readPosition(inputs));
    return {
      totalCollateralBase: num(data.totalCollateralBase),
      totalDebtBase: num(data.totalDebtBase),
      avgLiquidationThreshold: num(data.avgLiquidationThresholdBps),
      avgLtv: num(data.avgLtvBps),
      healthFactor_wad: num(data.healthFactorWad),
      liquidatable: isLiquidatableHealth(data.healthFactorWad),
    };
  };
}

function collateralHandler(rules: AaveVersionRules): VectorHandler {
  return (inputs) => {
    const out = calculateAvailableCollateralToLiquidate(rules, {
      collateralPriceBase: int(inputs, 'collateralPrice'),
      collateralDecimals: decimals(inputs, 'collateralDecimals'),
      debtPriceBase: int(inputs, 'debtPrice'),
      debtDecimals: decimals(inputs, 'debtDecimals'),
      debtToCover: int(inputs, 'debtToCover'),
      borrowerCollateralBalance: int(inputs, 'borrowerCollateralBalance'),
      liquidationBonusBps: int(inputs, 'liquidationBonus_bps'),
      liquidationProtocolFeeBps: int(inputs, 'liquidationProtocolFee_bps'),
    });
    return {
      baseCollateral: num(out.baseCollateral),
      maxCollateralToLiquidate: num(out.maxCollateralToLiquidate),
      collateralToLiquidator: num(out.collateralToLiquidator),
      debtToRepay: num(out.debtToRepay),
      protocolFee: num(out.protocolFee),
      collateralToLiquidateInBase_v33: num(out.collateralToLiquidateInBase),
    };
  };
}

/**
 * The amounts of `executeLiquidationCall` from a position summary: close factor, debt actually
 * repaid, collateral to the liquidator and to the treasury, the dust rule and the deficit.
 */
function liquidationHandler(rules: AaveVersionRules): VectorHandler {
  return (inputs) => {
    const collateralBalance = int(inputs, 'collateralBalance');
    const collateralPriceBase = int(inputs, 'collateralPrice');
    const collateralDecimals = decimals(inputs, 'collateralDecimals');
    const reserveDebt = int(inputs, 'debtBalance');
    const debtPriceBase = int(inputs, 'debtPrice');
    const debtDecimals = decimals(inputs, 'debtDecimals');
    const totalCollateralBase = int(inputs, 'totalCollateralBase');
    const healthFactorWad = int(inputs, 'healthFactor');
    // ValidationLogic.validateLiquidationCall runs before any amount is computed.
    if (!isLiquidatableHealth(healthFactorWad)) {
      throw new ProtocolRevertError(
        HEALTH_FACTOR_NOT_BELOW_THRESHOLD,
        'The position is healthy (HF ≥ 1): nothing to liquidate.',
      );
    }
    const cf = maxLiquidatableDebt({
      reserveDebt,
      reserveDebtBase: valueInBase(reserveDebt, debtPriceBase, debtDecimals, rules.debtValueRounding),
      reserveCollateralBase: valueInBase(
        collateralBalance,
        collateralPriceBase,
        collateralDecimals,
        Rounding.Down,
      ),
      totalDebtBase: int(inputs, 'totalDebtBase'),
      healthFactorWad,
      debtPriceBase,
      debtDecimals,
    });
    const requested = debtToCoverOf(inputs, 'debtToCover');
    const actualDebt = min(requested, cf.maxLiquidatableDebt);
    const amounts = calculateAvailableCollateralToLiquidate(rules, {
      collateralPriceBase,
      collateralDecimals,
      debtPriceBase,
      debtDecimals,
      debtToCover: actualDebt,
      borrowerCollateralBalance: collateralBalance,
      liquidationBonusBps: int(inputs, 'bonus_bps'),
      liquidationProtocolFeeBps: int(inputs, 'protocolFee_bps'),
    });
    const dust = dustCheck(rules, {
      reserveDebt,
      debtToRepay: amounts.debtToRepay,
      debtPriceBase,
      debtDecimals,
      collateralBalance,
      collateralSeized: amounts.collateralSeized,
      collateralPriceBase,
      collateralDecimals,
    });
    const sized = {
      closeFactor: CLOSE_FACTOR_LABELS[cf.closeFactor],
      maxLiquidatableDebt: num(cf.maxLiquidatableDebt),
      debtToRepay: num(amounts.debtToRepay),
      leftoverDebtBase: num(dust.leftoverDebtBase),
      leftoverCollateralBase: num(dust.leftoverCollateralBase),
    };
    if (!dust.passes) {
      throw new ProtocolRevertError(
        AAVE_LIQUIDATION_REVERTS.mustNotLeaveDust,
        'Repay all the debt, seize all the collateral, or leave at least $1,000 of both.',
        sized,
      );
    }
    const noCollateralLeft = hasNoCollateralLeft(rules, {
      totalCollateralBase,
      collateralSeized: amounts.collateralSeized,
      collateralBalance,
      collateralPriceBase,
      collateralDecimals,
    });
    return {
      ...sized,
      collateralToLiquidator: num(amounts.collateralToLiquidator),
      protocolFee: num(amounts.protocolFee),
      hasNoCollateralLeft: noCollateralLeft,
      deficitCreated: num(noCollateralLeft ? reserveDebt - amounts.debtToRepay : 0n),
    };
  };
}

/**
 * `max liquidatable debt: v3.0-3.2 vs v3.3+`: the reserve's debt key names its decimals
 * (`reserveDebt(USDC,6dec)`); the debt price is `debtPrice` when given, else implied by
 * reserveDebtBase / reserveDebt (only needed when the 50 % cap binds).
 */
const closeFactorComparison: VectorHandler = (inputs) => {
  const debtKey = Object.keys(inputs).find(
    (k) => k.startsWith('reserveDebt') && !k.startsWith('reserveDebtBase'),
  );
  if (debtKey === undefined) throw new InvalidParameterError('reserveDebt', 'missing');
  const reserveDebt = int(inputs, debtKey);
  const decimalsMatch = /(\d+)\s*dec/.exec(debtKey);
  const debtDecimals =
    inputs.debtDecimals !== undefined
      ? decimals(inputs, 'debtDecimals')
      : Number(decimalsMatch?.[1] ?? 'NaN');
  if (!Number.isSafeInteger(debtDecimals)) {
    throw new InvalidParameterError(
      debtKey,
      'name the decimals in the key, e.g. reserveDebt(USDC,6dec), or give debtDecimals',
    );
  }
  const reserveDebtBase = int(inputs, 'reserveDebtBase');
  const healthFactorWad = int(inputs, 'healthFactor');
  const debtPriceBase =
    inputs.debtPrice !== undefined
      ? int(inputs, 'debtPrice')
      : reserveDebt === 0n
        ? 0n
        : (reserveDebtBase * 10n ** BigInt(debtDecimals)) / reserveDebt;
  const v33 = maxLiquidatableDebt({
    reserveDebt,
    reserveDebtBase,
    reserveCollateralBase: int(inputs, 'reserveCollateralBase'),
    totalDebtBase: int(inputs, 'totalDebtBase'),
    healthFactorWad,
    debtPriceBase,
    debtDecimals,
  });
  return {
    'v3.0_maxLiquidatableDebt': num(maxLiquidatableDebtV30(reserveDebt, healthFactorWad)),
    'v3.3_maxLiquidatableDebt': num(v33.maxLiquidatableDebt),
    'v3.3_closeFactor': CLOSE_FACTOR_LABELS[v33.closeFactor],
  };
};

function buildHandlers(): Record<string, VectorHandler> {
  const handlers: Record<string, VectorHandler> = {};
  for (const [tag, version] of Object.entries(AAVE_VERSION_TAGS)) {
    const rules = AAVE_VERSION_RULES[version];
    handlers[`healthFactor [${tag}]`] = healthHandler(rules);
    handlers[`_calculateAvailableCollateralToLiquidate [${tag}]`] = collateralHandler(rules);
    handlers[`executeLiquidationCall amounts [${tag}]`] = liquidationHandler(rules);
  }
  handlers['max liquidatable debt: v3.0-3.2 vs v3.3+'] = closeFactorComparison;
  // Untagged: the latest released health-factor formula (v3.5+, GenericLogic at HEAD).
  handlers['validateLiquidationCall HF check'] = healthHandler(AAVE_VERSION_RULES['3.7']);
  return handlers;
}

/** Handlers for system `aave-v3`, keyed by vector `function` (version in brackets). */
export const aaveConformance: HandlerTable = { system: 'aave-v3', handlers: buildHandlers() };
