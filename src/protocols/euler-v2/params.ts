/**
 * Euler v2 (Euler Vault Kit) parameters of one controller (borrow) vault and the collateral vaults
 * it recognizes: the typed shape the model runs on, a validator that refuses what the vault's
 * governance setters would refuse (naming the field), documented mainnet defaults (the Euler Prime
 * cluster's USDC vault), and the JSON form.
 * Governance rules: euler-xyz/euler-vault-kit src/EVault/modules/Governance.sol `setLTV`,
 * `setMaxLiquidationDiscount`, `setLiquidationCoolOffTime`, `setConfigFlags`.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import {
  readBigint,
  readBoolean,
  readInt,
  readKeyedEntries,
  readObject,
  readString,
  rejectUnknownKeys,
  requireEntryId,
} from '../../engine/fields.js';
import { CONFIG_SCALE, MAX_UINT16 } from './math.js';

/** The LTVs of one collateral vault, bps (1e4 = 100 %). */
export interface EulerCollateralParams {
  /** Euler `borrowLTV`: the account status check when borrowing or withdrawing. */
  readonly borrowLtvBps: bigint;
  /** Euler `liquidationLTV`: the liquidation threshold (≥ borrowLtvBps). */
  readonly liquidationLtvBps: bigint;
}

/** Validated parameters of an Euler controller vault. */
export interface EulerParams {
  /** Engine asset id of the controller vault's asset (what is lent and borrowed), e.g. `USDC`. */
  readonly asset: string;
  /**
   * Decimals of the unit of account (Euler's USD is 18). Values (collateral, liability,
   * MIN_SOCIALIZATION_LIABILITY_VALUE) are in 10^-unitOfAccountDecimals units.
   */
  readonly unitOfAccountDecimals: number;
  /** Euler `maxLiquidationDiscount`, bps, < 1e4: the cap on the health-scaled discount. */
  readonly maxLiquidationDiscountBps: bigint;
  /** Euler `liquidationCoolOffTime` (uint16 seconds after an account's last status check). */
  readonly liquidationCoolOffSeconds: number;
  /** Euler config flag `CFG_DONT_SOCIALIZE_DEBT`: bad debt stays with the violator. */
  readonly dontSocializeDebt: boolean;
  /** Recognized collaterals by engine asset id (set as `setLTV` with no ramp at configure time). */
  readonly collaterals: Readonly<Record<string, EulerCollateralParams>>;
}

/**
 * The Euler Prime cluster's USDC vault on Ethereum mainnet, as configured by
 * euler-xyz/evk-periphery script/production/mainnet/clusters/PrimeCluster.s.sol: unit of account
 * USD (18 decimals), `maxLiquidationDiscount = 0.15e4`, `liquidationCoolOffTime = 1`, config flags
 * 0 (debt is socialized), liquidation LTVs of the USDC column WETH 0.85, wstETH 0.83, WBTC 0.75,
 * and borrow LTVs 0.02 below them (`spreadLTV = 0.02e4`). Its LTV ramps use `rampDuration = 1 days`.
 * Governance has changed values since; pass your own parameters for another vault.
 */
export const DEFAULT_EULER_PARAMS: EulerParams = {
  asset: 'USDC',
  unitOfAccountDecimals: 18,
  maxLiquidationDiscountBps: 1_500n,
  liquidationCoolOffSeconds: 1,
  dontSocializeDebt: false,
  collaterals: {
    WETH: { borrowLtvBps: 8_300n, liquidationLtvBps: 8_500n },
    wstETH: { borrowLtvBps: 8_100n, liquidationLtvBps: 8_300n },
    WBTC: { borrowLtvBps: 7_300n, liquidationLtvBps: 7_500n },
  },
};

const PARAM_KEYS: readonly string[] = [
  'asset',
  'unitOfAccountDecimals',
  'maxLiquidationDiscountBps',
  'liquidationCoolOffSeconds',
  'dontSocializeDebt',
  'collaterals',
];
const COLLATERAL_KEYS: readonly string[] = ['asset', 'borrowLtvBps', 'liquidationLtvBps'];

/**
 * Checks one collateral's LTVs as Euler `setLTV` does.
 * @throws InvalidParameterError naming `<path>.borrowLtvBps` / `<path>.liquidationLtvBps`.
 */
function parseCollateral(raw: unknown, asset: string, path: string): EulerCollateralParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, COLLATERAL_KEYS, path);
  requireEntryId(r, asset, path);
  const ltv = (key: string): bigint =>
    readBigint(r, key, `${path}.${key}`, {
      max: CONFIG_SCALE,
      expect: 'bps in [0, 10000] (Euler E_ConfigAmountTooLargeToEncode above)',
    });
  const borrowLtvBps = ltv('borrowLtvBps');
  const liquidationLtvBps = ltv('liquidationLtvBps');
  if (borrowLtvBps > liquidationLtvBps) {
    throw new InvalidParameterError(
      `${path}.borrowLtvBps`,
      `must not exceed liquidationLtvBps (${borrowLtvBps} > ${liquidationLtvBps}; Euler E_LTVBorrow)`,
    );
  }
  return { borrowLtvBps, liquidationLtvBps };
}

/**
 * Checks raw Euler parameters (a config file section or the `params` of a `configure` command) and
 * returns a fresh typed copy. Integers may be bigints, safe-integer numbers or decimal strings;
 * `collaterals` is an object keyed by asset id or an array of entries with an `asset` field.
 * Accepts its own JSON output ({@link eulerParamsToJson}).
 * @throws InvalidParameterError naming the dotted field (`params.collaterals.WETH.borrowLtvBps`):
 *   unknown keys, an LTV above 1e4, borrow LTV above liquidation LTV (E_LTVBorrow), the vault's own
 *   asset as collateral (E_InvalidLTVAsset), a collateral listed twice, a max discount ≥ 1e4
 *   (E_BadMaxLiquidationDiscount), a cool-off beyond uint16, unit decimals outside 0..36.
 */
export function parseEulerParams(raw: unknown, path = 'params'): EulerParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, PARAM_KEYS, path);
  const asset = readString(r, 'asset', `${path}.asset`);
  const unitOfAccountDecimals = readInt(r, 'unitOfAccountDecimals', `${path}.unitOfAccountDecimals`, {
    min: 0,
    max: 36,
  });
  const maxLiquidationDiscountBps = readBigint(
    r,
    'maxLiquidationDiscountBps',
    `${path}.maxLiquidationDiscountBps`,
    { max: CONFIG_SCALE - 1n, expect: 'bps in [0, 9999] (Euler E_BadMaxLiquidationDiscount at 10000)' },
  );
  const liquidationCoolOffSeconds = readInt(
    r,
    'liquidationCoolOffSeconds',
    `${path}.liquidationCoolOffSeconds`,
    {
      min: 0,
      max: Number(MAX_UINT16),
    },
  );
  const dontSocializeDebt = readBoolean(r, 'dontSocializeDebt', `${path}.dontSocializeDebt`);

  const collaterals: Record<string, EulerCollateralParams> = {};
  for (const { id, raw: entry, path: entryPath } of readKeyedEntries(r.collaterals, `${path}.collaterals`)) {
    if (id === asset) {
      throw new InvalidParameterError(
        entryPath,
        `${id} is the vault's own asset and cannot be its collateral (Euler E_InvalidLTVAsset)`,
      );
    }
    if (Object.hasOwn(collaterals, id)) throw new InvalidParameterError(entryPath, `${id} is listed twice`);
    collaterals[id] = parseCollateral(entry, id, entryPath);
  }
  return {
    asset,
    unitOfAccountDecimals,
    maxLiquidationDiscountBps,
    liquidationCoolOffSeconds,
    dontSocializeDebt,
    collaterals,
  };
}

/** The parameters as JSON-friendly values (bigints as decimal strings); parses back to equal params. */
export function eulerParamsToJson(params: EulerParams): Record<string, unknown> {
  const collaterals: Record<string, unknown> = {};
  for (const [id, c] of Object.entries(params.collaterals)) {
    collaterals[id] = {
      borrowLtvBps: c.borrowLtvBps.toString(),
      liquidationLtvBps: c.liquidationLtvBps.toString(),
    };
  }
  return {
    asset: params.asset,
    unitOfAccountDecimals: params.unitOfAccountDecimals,
    maxLiquidationDiscountBps: params.maxLiquidationDiscountBps.toString(),
    liquidationCoolOffSeconds: params.liquidationCoolOffSeconds,
    dontSocializeDebt: params.dontSocializeDebt,
    collaterals,
  };
}
