/**
 * Comet (Compound v3) market parameters: the typed shape the model runs on, a validator that
 * refuses what Comet's constructor would refuse (naming the field), the 4-decimal factor packing
 * applied once the assets' decimals are known, and documented mainnet defaults (cUSDCv3 at launch).
 * Validation rules: compound-finance/comet contracts/Comet.sol `constructor` and
 * `getPackedAssetInternal` (BadDiscount, BorrowCFTooLarge, LiquidateCFTooLarge, BadDecimals,
 * TooManyAssets).
 */
import { InvalidParameterError } from '../../engine/errors.js';
import {
  readBigint,
  readKeyedEntries,
  readObject,
  readString,
  rejectUnknownKeys,
  requireEntryId,
  requireTokenDecimals,
} from '../../engine/fields.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import {
  FACTOR_SCALE,
  MAX_ASSETS,
  MAX_BASE_DECIMALS,
  MAX_UINT64,
  MAX_UINT104,
  MAX_UINT128,
  MIN_BASE_DECIMALS,
  packFactor,
} from './math.js';

/** Configuration of one collateral asset, as given to Comet (before packing). */
export interface CompoundAssetParams {
  /** Engine asset id of the collateral (`WETH`). */
  readonly asset: string;
  /** Borrowing power of the collateral, 1e18-scaled, < liquidateCollateralFactor. */
  readonly borrowCollateralFactor: bigint;
  /** Liquidation threshold of the collateral, 1e18-scaled, ≤ 1e18. */
  readonly liquidateCollateralFactor: bigint;
  /** Share of the collateral's value credited to the account on absorb, 1e18-scaled, ≤ 1e18. */
  readonly liquidationFactor: bigint;
  /**
   * Most of the asset Comet accepts in total, smallest units (Comet keeps whole tokens: the cap is
   * floored to a multiple of 10^decimals). Absent = no cap.
   */
  readonly supplyCap?: bigint;
}

/** Validated parameters of a Comet market. */
export interface CompoundParams {
  /** Engine asset id of the base (borrowable) token, e.g. `USDC`. */
  readonly baseAsset: string;
  /** Actor allowed to call `withdrawReserves` (Comet `governor`). */
  readonly governor: string;
  /**
   * Comet `storeFrontPriceFactor`, 1e18-scaled, ≤ 1e18: the share of the liquidation penalty
   * (1 − liquidationFactor) passed on to buyers of seized collateral as a discount.
   */
  readonly storeFrontPriceFactor: bigint;
  /** Comet `targetReserves`, base units: collateral is sold only while reserves are below it. */
  readonly targetReserves: bigint;
  /** Comet `baseBorrowMin`, base units: the smallest debt an account may hold. */
  readonly baseBorrowMin: bigint;
  /** Collateral assets in Comet's asset order (the order of the liquidity loops). */
  readonly assets: readonly CompoundAssetParams[];
}

/** `milli / 1000` as a 1e18-scaled factor (exact: 1e18 is a multiple of 1000). */
const permille = (milli: bigint): bigint => milli * 10n ** 15n;

/**
 * cUSDCv3 on Ethereum mainnet at launch: compound-finance/comet
 * deployments/mainnet/usdc/configuration.json [dc11101] (also mechanisms.md §3):
 * storeFrontPriceFactor 0.5, targetReserves 5,000,000 USDC, borrowMin 100 USDC;
 * COMP 0.65 / 0.70 / 0.93, WBTC 0.70 / 0.77 / 0.95, WETH 0.825 / 0.895 / 0.95
 * (borrowCF / liquidateCF / liquidationFactor). That file's supply caps were 0 at launch (raised by
 * governance later), so the defaults have no cap. Governance has changed most values since.
 */
export const DEFAULT_COMPOUND_PARAMS: CompoundParams = {
  baseAsset: 'USDC',
  governor: 'governor',
  storeFrontPriceFactor: permille(500n),
  targetReserves: 5_000_000n * 10n ** 6n,
  baseBorrowMin: 100n * 10n ** 6n,
  assets: [
    {
      asset: 'COMP',
      borrowCollateralFactor: permille(650n),
      liquidateCollateralFactor: permille(700n),
      liquidationFactor: permille(930n),
    },
    {
      asset: 'WBTC',
      borrowCollateralFactor: permille(700n),
      liquidateCollateralFactor: permille(770n),
      liquidationFactor: permille(950n),
    },
    {
      asset: 'WETH',
      borrowCollateralFactor: permille(825n),
      liquidateCollateralFactor: permille(895n),
      liquidationFactor: permille(950n),
    },
  ],
};

const PARAM_KEYS: readonly string[] = [
  'baseAsset',
  'governor',
  'storeFrontPriceFactor',
  'targetReserves',
  'baseBorrowMin',
  'assets',
];
const ASSET_KEYS: readonly string[] = [
  'asset',
  'borrowCollateralFactor',
  'liquidateCollateralFactor',
  'liquidationFactor',
  'supplyCap',
];

function parseAsset(raw: unknown, asset: string, path: string): CompoundAssetParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, ASSET_KEYS, path);
  requireEntryId(r, asset, path);
  const factor = (key: string): bigint =>
    readBigint(r, key, `${path}.${key}`, {
      max: FACTOR_SCALE,
      expect: 'a factor in [0, 1e18] (1e18 = 100 %)',
    });
  const borrowCollateralFactor = factor('borrowCollateralFactor');
  const liquidateCollateralFactor = factor('liquidateCollateralFactor'); // Comet LiquidateCFTooLarge
  const liquidationFactor = factor('liquidationFactor');
  if (borrowCollateralFactor >= liquidateCollateralFactor) {
    throw new InvalidParameterError(
      `${path}.borrowCollateralFactor`,
      `must be below liquidateCollateralFactor (${borrowCollateralFactor} ≥ ${liquidateCollateralFactor}; Comet BorrowCFTooLarge)`,
    );
  }
  // Comet re-checks after keeping 4 decimals: two factors equal to 4 dp are refused too.
  if (packFactor(borrowCollateralFactor).stored >= packFactor(liquidateCollateralFactor).stored) {
    throw new InvalidParameterError(
      `${path}.borrowCollateralFactor`,
      'must stay below liquidateCollateralFactor once both keep 4 decimals (Comet BorrowCFTooLarge)',
    );
  }
  const parsed: CompoundAssetParams = {
    asset,
    borrowCollateralFactor,
    liquidateCollateralFactor,
    liquidationFactor,
  };
  if (r.supplyCap === undefined) return parsed;
  return { ...parsed, supplyCap: readBigint(r, 'supplyCap', `${path}.supplyCap`, { max: MAX_UINT128 }) };
}

/**
 * Checks raw Comet parameters (a config file section or the `params` of a `configure` command)
 * and returns a fresh, fully typed copy. Integers may be bigints, safe-integer numbers or decimal
 * strings; factors are 1e18-scaled integers. `assets` is an object keyed by asset id (key order =
 * Comet's asset order) or an array of entries with an `asset` field (the parsed form, so parsing
 * is idempotent).
 * @throws InvalidParameterError naming the dotted field (`params.assets.WETH.liquidationFactor`):
 *   unknown keys, a factor above 1, borrowCollateralFactor ≥ liquidateCollateralFactor (before or
 *   after the 4-decimal truncation), storeFrontPriceFactor above 1, more than 15 assets, the base
 *   asset listed as collateral, an asset listed twice.
 */
export function parseCompoundParams(raw: unknown, path = 'params'): CompoundParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, PARAM_KEYS, path);
  const baseAsset = readString(r, 'baseAsset', `${path}.baseAsset`);
  const governor = readString(r, 'governor', `${path}.governor`);
  const storeFrontPriceFactor = readBigint(r, 'storeFrontPriceFactor', `${path}.storeFrontPriceFactor`, {
    max: FACTOR_SCALE,
    expect: 'a factor in [0, 1e18] (Comet BadDiscount)',
  });
  const targetReserves = readBigint(r, 'targetReserves', `${path}.targetReserves`, { max: MAX_UINT104 });
  const baseBorrowMin = readBigint(r, 'baseBorrowMin', `${path}.baseBorrowMin`, { max: MAX_UINT104 });

  const entries = readKeyedEntries(r.assets, `${path}.assets`);
  if (entries.length > MAX_ASSETS) {
    throw new InvalidParameterError(
      `${path}.assets`,
      `lists ${entries.length} assets, Comet takes at most ${MAX_ASSETS} (TooManyAssets)`,
    );
  }
  const assets: CompoundAssetParams[] = [];
  for (const { id: asset, raw: entry, path: assetPath } of entries) {
    if (asset === baseAsset) {
      throw new InvalidParameterError(assetPath, `${asset} is the base asset and cannot also be collateral`);
    }
    if (assets.some((a) => a.asset === asset))
      throw new InvalidParameterError(assetPath, `${asset} is listed twice`);
    assets.push(parseAsset(entry, asset, assetPath));
  }
  return { baseAsset, governor, storeFrontPriceFactor, targetReserves, baseBorrowMin, assets };
}

/** A collateral asset as Comet reads it back (`getAssetInfo`): factors with 4 decimals. */
export interface CompoundAssetInfo {
  readonly asset: string;
  /** Position in Comet's asset list (the `assetsIn` bit). */
  readonly offset: number;
  /** 10^decimals of the asset. */
  readonly scale: bigint;
  /** Effective factors, 1e18-scaled multiples of 1e14. */
  readonly borrowCollateralFactor: bigint;
  readonly liquidateCollateralFactor: bigint;
  readonly liquidationFactor: bigint;
  /** Cap in smallest units (whole tokens), or null for none. */
  readonly supplyCap: bigint | null;
}

/** Everything the model needs about a configured market: the parameters and what Comet derives. */
export interface CompoundMarket {
  readonly params: CompoundParams;
  /** 10^decimals of the base token (Comet `baseScale`). */
  readonly baseScale: bigint;
  /** Collateral assets in order, with packed factors. */
  readonly assets: readonly CompoundAssetInfo[];
}

/**
 * Applies what Comet's constructor derives once the tokens' decimals are known: the base scale
 * (6 ≤ decimals ≤ 18, Comet BadDecimals), each factor kept with 4 decimals
 * (`getPackedAssetInternal`, floor) and supply caps kept in whole tokens (floor).
 * @param decimalsOf decimals of a listed asset (throws UnknownAssetError for an unlisted one).
 * @throws InvalidParameterError (`params.baseAsset`, `params.assets.<id>`) on unsupported decimals.
 */
export function buildMarket(params: CompoundParams, decimalsOf: (asset: string) => number): CompoundMarket {
  const baseDecimals = decimalsOf(params.baseAsset);
  requireTokenDecimals('params.baseAsset', params.baseAsset, baseDecimals, {
    min: MIN_BASE_DECIMALS,
    max: MAX_BASE_DECIMALS,
    rule: `Comet needs ${MIN_BASE_DECIMALS} to ${MAX_BASE_DECIMALS} (BadDecimals)`,
  });
  const assets = params.assets.map((a, offset): CompoundAssetInfo => {
    const scale = pow10(decimalsOf(a.asset));
    if (scale > MAX_UINT64) {
      throw new InvalidParameterError(
        `params.assets.${a.asset}`,
        'has more than 19 decimals (Comet scale is uint64)',
      );
    }
    return {
      asset: a.asset,
      offset,
      scale,
      borrowCollateralFactor: packFactor(a.borrowCollateralFactor).effectiveWad,
      liquidateCollateralFactor: packFactor(a.liquidateCollateralFactor).effectiveWad,
      liquidationFactor: packFactor(a.liquidationFactor).effectiveWad,
      // Comet keeps `uint64(supplyCap / 10^decimals)` whole tokens (floor: never above the cap asked).
      supplyCap: a.supplyCap === undefined ? null : divRound(a.supplyCap, scale, Rounding.Down) * scale,
    };
  });
  return { params, baseScale: pow10(baseDecimals), assets };
}
