/**
 * Aave v3 market parameters (per-reserve LTV, liquidation threshold, bonus, protocol fee, borrow
 * switch, and eMode categories): the typed shape the model runs on, a validator that refuses what
 * PoolConfigurator would refuse (naming the field), and documented defaults.
 * Validation rules: aave-dao/aave-v3-origin src/contracts/protocol/pool/PoolConfigurator.sol
 * (configureReserveAsCollateral, setEModeCategory, setLiquidationProtocolFee).
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readBigint, readBoolean, readInt, readObject, readString } from '../../engine/fields.js';
import { percentMul } from '../../math/aave.js';
import { BPS } from '../../math/units.js';

/** Risk parameters of one reserve. All in bps (1e4 = 100 %). */
export interface AaveReserveParams {
  /** Loan-to-value: borrowing power of the collateral, ≤ liquidationThresholdBps. */
  readonly ltvBps: bigint;
  /** Liquidation threshold: HF weight of the collateral, ≤ 1e4; 0 = not collateral. */
  readonly liquidationThresholdBps: bigint;
  /** 1e4 + bonus (10500 = 5 % bonus to the liquidator); > 1e4 when LT ≠ 0, 0 when LT = 0. */
  readonly liquidationBonusBps: bigint;
  /** Share of the bonus the treasury takes, ≤ 1e4 (1000 = 10 % of the bonus). */
  readonly liquidationProtocolFeeBps: bigint;
  /** Whether the asset may be borrowed. */
  readonly borrowingEnabled: boolean;
}

/** An efficiency-mode category (v3.2+ layout: collateral and borrowable bitmaps). */
export interface AaveEModeCategory {
  /** Category id, 1..255 (0 is "no eMode"). */
  readonly id: number;
  readonly label: string;
  /** LTV, LT and bonus overriding the reserve's for collateral in `collateralAssets`, bps. */
  readonly ltvBps: bigint;
  readonly liquidationThresholdBps: bigint;
  readonly liquidationBonusBps: bigint;
  /** Assets whose LTV/LT/bonus the category overrides (its collateral bitmap), sorted. */
  readonly collateralAssets: readonly string[];
  /** Assets a user in the category may borrow (its borrowable bitmap), sorted. */
  readonly borrowableAssets: readonly string[];
}

/** Validated parameters of an Aave v3 market. */
export interface AaveParams {
  /** Reserve parameters keyed by asset (the engine's asset id). */
  readonly reserves: Readonly<Record<string, AaveReserveParams>>;
  /** eMode categories keyed by their id as a decimal string (`"1"`). */
  readonly eModeCategories: Readonly<Record<string, AaveEModeCategory>>;
}

/**
 * Defaults so the CLI and the stress lab run with no config file. WETH follows the repository's
 * test market (aave/aave-v3-core test-suites/liquidation-with-fee.spec.ts: LT 8250, bonus 10500,
 * fee 10 % of the bonus); the other reserves and the ETH-correlated eMode category are realistic
 * Ethereum-market-like values (mechanisms.md §2.6: live values must be read on-chain; these are
 * illustrative, not verified against mainnet).
 */
export const DEFAULT_AAVE_PARAMS: AaveParams = {
  reserves: {
    USDC: {
      ltvBps: 7_500n,
      liquidationThresholdBps: 7_800n,
      liquidationBonusBps: 10_450n,
      liquidationProtocolFeeBps: 1_000n,
      borrowingEnabled: true,
    },
    WBTC: {
      ltvBps: 7_300n,
      liquidationThresholdBps: 7_800n,
      liquidationBonusBps: 10_500n,
      liquidationProtocolFeeBps: 1_000n,
      borrowingEnabled: true,
    },
    WETH: {
      ltvBps: 8_000n,
      liquidationThresholdBps: 8_250n,
      liquidationBonusBps: 10_500n,
      liquidationProtocolFeeBps: 1_000n,
      borrowingEnabled: true,
    },
    wstETH: {
      ltvBps: 7_850n,
      liquidationThresholdBps: 8_100n,
      liquidationBonusBps: 10_600n,
      liquidationProtocolFeeBps: 1_000n,
      borrowingEnabled: true,
    },
  },
  eModeCategories: {
    '1': {
      id: 1,
      label: 'ETH correlated',
      ltvBps: 9_300n,
      liquidationThresholdBps: 9_500n,
      liquidationBonusBps: 10_100n,
      collateralAssets: ['WETH', 'wstETH'],
      borrowableAssets: ['WETH', 'wstETH'],
    },
  },
};

const MAX_EMODE_ID = 255;

function readBps(obj: Readonly<Record<string, unknown>>, key: string, path: string): bigint {
  return readBigint(obj, key, path, { max: BPS, expect: 'bps in [0, 10000]' });
}

function rejectUnknownKeys(
  obj: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  path: string,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new InvalidParameterError(
        `${path}.${key}`,
        `unknown field (expected one of ${allowed.join(', ')})`,
      );
    }
  }
}

/** LTV, liquidation threshold and bonus, bps: what a reserve and an eMode category both set. */
type CollateralTriple = Pick<AaveReserveParams, 'ltvBps' | 'liquidationThresholdBps' | 'liquidationBonusBps'>;

/**
 * Checks LTV, LT and bonus together as PoolConfigurator does: LTV ≤ LT; with LT ≠ 0 the bonus
 * is > 100 % and LT ×% bonus ≤ 100 % (so a liquidation can always pay it); with LT = 0 the bonus
 * is 0. `path` is the dotted prefix used in error fields.
 */
function checkCollateralTriple(values: CollateralTriple, path: string, allowZeroThreshold: boolean): void {
  if (values.ltvBps > values.liquidationThresholdBps) {
    throw new InvalidParameterError(
      `${path}.ltvBps`,
      `LTV ${values.ltvBps} bps is above the liquidation threshold ${values.liquidationThresholdBps} bps`,
    );
  }
  if (values.liquidationThresholdBps === 0n) {
    if (!allowZeroThreshold) {
      throw new InvalidParameterError(`${path}.liquidationThresholdBps`, 'must be > 0 for an eMode category');
    }
    if (values.liquidationBonusBps !== 0n) {
      throw new InvalidParameterError(
        `${path}.liquidationBonusBps`,
        'must be 0 when the liquidation threshold is 0',
      );
    }
    return;
  }
  if (values.liquidationBonusBps <= BPS) {
    throw new InvalidParameterError(
      `${path}.liquidationBonusBps`,
      `expected 1e4 + bonus > 10000 bps (a bonus above 100 %), got ${values.liquidationBonusBps}`,
      'Aave stores the bonus as 100 % + bonus: 10500 means a 5 % bonus.',
    );
  }
  // PoolConfigurator: liquidationThreshold.percentMul(liquidationBonus) <= PERCENTAGE_FACTOR (half-up).
  if (percentMul(values.liquidationThresholdBps, values.liquidationBonusBps) > BPS) {
    throw new InvalidParameterError(
      `${path}.liquidationBonusBps`,
      `LT ${values.liquidationThresholdBps} × bonus ${values.liquidationBonusBps} exceeds 100 %: a liquidation could not pay the bonus`,
    );
  }
}

/**
 * Reads a reserve's or an eMode category's LTV, liquidation threshold and bonus (bps) from `obj`,
 * threshold first (at most 100 %), then LTV (at most 100 %), then the bonus (checked later by
 * checkCollateralTriple). `path` is the dotted prefix used in error fields.
 * @throws InvalidParameterError naming the field.
 */
function readCollateralTriple(obj: Readonly<Record<string, unknown>>, path: string): CollateralTriple {
  const liquidationThresholdBps = readBigint(
    obj,
    'liquidationThresholdBps',
    `${path}.liquidationThresholdBps`,
    {
      max: BPS,
      expect: 'a liquidation threshold in [0, 10000] bps (at most 100 %)',
    },
  );
  const ltvBps = readBps(obj, 'ltvBps', `${path}.ltvBps`);
  const liquidationBonusBps = readBigint(obj, 'liquidationBonusBps', `${path}.liquidationBonusBps`);
  return { ltvBps, liquidationThresholdBps, liquidationBonusBps };
}

/** The triple as JSON-friendly decimal strings, in the order {@link aaveParamsToJson} writes it. */
function collateralTripleToJson(t: CollateralTriple): Record<string, string> {
  return {
    ltvBps: t.ltvBps.toString(),
    liquidationThresholdBps: t.liquidationThresholdBps.toString(),
    liquidationBonusBps: t.liquidationBonusBps.toString(),
  };
}

function parseReserve(raw: unknown, path: string): AaveReserveParams {
  const obj = readObject(raw, path);
  rejectUnknownKeys(
    obj,
    [
      'ltvBps',
      'liquidationThresholdBps',
      'liquidationBonusBps',
      'liquidationProtocolFeeBps',
      'borrowingEnabled',
    ],
    path,
  );
  const triple = readCollateralTriple(obj, path);
  const liquidationProtocolFeeBps = readBigint(
    obj,
    'liquidationProtocolFeeBps',
    `${path}.liquidationProtocolFeeBps`,
    {
      max: BPS,
      expect: 'a protocol fee in [0, 10000] bps of the bonus (at most 100 %)',
    },
  );
  const borrowingEnabled =
    obj.borrowingEnabled === undefined
      ? true
      : readBoolean(obj, 'borrowingEnabled', `${path}.borrowingEnabled`);
  const reserve = { ...triple, liquidationProtocolFeeBps, borrowingEnabled };
  checkCollateralTriple(reserve, path, true);
  return reserve;
}

function readAssetList(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  path: string,
  reserves: Readonly<Record<string, AaveReserveParams>>,
): string[] {
  const raw = obj[key] ?? [];
  if (!Array.isArray(raw)) throw new InvalidParameterError(path, 'expected an array of reserve assets');
  const out = new Set<string>();
  raw.forEach((value: unknown, i) => {
    if (typeof value !== 'string' || !Object.hasOwn(reserves, value)) {
      throw new InvalidParameterError(
        `${path}[${i}]`,
        `expected a configured reserve, got ${JSON.stringify(value)}`,
      );
    }
    out.add(value);
  });
  return [...out].sort();
}

function parseEMode(
  raw: unknown,
  idText: string,
  path: string,
  reserves: Readonly<Record<string, AaveReserveParams>>,
): AaveEModeCategory {
  if (
    !/^\d+$/.test(idText) ||
    Number(idText) < 1 ||
    Number(idText) > MAX_EMODE_ID ||
    String(Number(idText)) !== idText
  ) {
    throw new InvalidParameterError(path, `an eMode category id is an integer in [1, ${MAX_EMODE_ID}]`);
  }
  const obj = readObject(raw, path);
  rejectUnknownKeys(
    obj,
    [
      'id',
      'label',
      'ltvBps',
      'liquidationThresholdBps',
      'liquidationBonusBps',
      'collateralAssets',
      'borrowableAssets',
    ],
    path,
  );
  if (
    obj.id !== undefined &&
    readInt(obj, 'id', `${path}.id`, { min: 1, max: MAX_EMODE_ID }) !== Number(idText)
  ) {
    throw new InvalidParameterError(`${path}.id`, `must equal the category's key ${idText}`);
  }
  const label = obj.label === undefined ? `eMode ${idText}` : readString(obj, 'label', `${path}.label`);
  const triple = readCollateralTriple(obj, path);
  checkCollateralTriple(triple, path, false);
  return {
    id: Number(idText),
    label,
    ...triple,
    collateralAssets: readAssetList(obj, 'collateralAssets', `${path}.collateralAssets`, reserves),
    borrowableAssets: readAssetList(obj, 'borrowableAssets', `${path}.borrowableAssets`, reserves),
  };
}

/**
 * Validates raw Aave parameters (JSON-friendly: bps as numbers, bigints or decimal strings) and
 * returns a typed copy. Shape: `{ reserves: { <asset>: { ltvBps, liquidationThresholdBps,
 * liquidationBonusBps, liquidationProtocolFeeBps, borrowingEnabled? } }, eModeCategories?: { "<id>":
 * { id?, label?, ltvBps, liquidationThresholdBps, liquidationBonusBps, collateralAssets, borrowableAssets } } }`.
 * @param raw the candidate parameters; @param path dotted prefix for error fields (default `params`).
 * @throws InvalidParameterError naming the field, e.g. `params.reserves.WETH.liquidationThresholdBps`
 *   for a threshold above 100 %, `...liquidationBonusBps` for a bonus ≤ 100 %, `...ltvBps` for LTV > LT,
 *   `...liquidationProtocolFeeBps` for a fee above 100 %, and unknown fields.
 */
export function parseAaveParams(raw: unknown, path = 'params'): AaveParams {
  const obj = readObject(raw, path);
  rejectUnknownKeys(obj, ['reserves', 'eModeCategories'], path);
  const reservesRaw = readObject(obj.reserves, `${path}.reserves`);
  const reserves: Record<string, AaveReserveParams> = {};
  for (const asset of Object.keys(reservesRaw).sort()) {
    if (asset.length === 0 || asset.endsWith('.debt')) {
      throw new InvalidParameterError(`${path}.reserves.${asset}`, 'not a valid asset id');
    }
    reserves[asset] = parseReserve(reservesRaw[asset], `${path}.reserves.${asset}`);
  }
  if (Object.keys(reserves).length === 0) {
    throw new InvalidParameterError(`${path}.reserves`, 'at least one reserve is needed');
  }
  const eModeCategories: Record<string, AaveEModeCategory> = {};
  if (obj.eModeCategories !== undefined) {
    const eModeRaw = readObject(obj.eModeCategories, `${path}.eModeCategories`);
    for (const id of Object.keys(eModeRaw).sort()) {
      eModeCategories[id] = parseEMode(eModeRaw[id], id, `${path}.eModeCategories.${id}`, reserves);
    }
  }
  return { reserves, eModeCategories };
}

/** Parameters as plain JSON-friendly data (bps as decimal strings), the inverse of {@link parseAaveParams}. */
export function aaveParamsToJson(params: AaveParams): Record<string, unknown> {
  const reserves: Record<string, unknown> = {};
  for (const [asset, r] of Object.entries(params.reserves)) {
    reserves[asset] = {
      ...collateralTripleToJson(r),
      liquidationProtocolFeeBps: r.liquidationProtocolFeeBps.toString(),
      borrowingEnabled: r.borrowingEnabled,
    };
  }
  const eModeCategories: Record<string, unknown> = {};
  for (const [id, e] of Object.entries(params.eModeCategories)) {
    eModeCategories[id] = {
      label: e.label,
      ...collateralTripleToJson(e),
      collateralAssets: [...e.collateralAssets],
      borrowableAssets: [...e.borrowableAssets],
    };
  }
  return { reserves, eModeCategories };
}
