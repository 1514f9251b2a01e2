/**
 * crvUSD mint-market parameters: the typed shape the model runs on, a validator that refuses what
 * ControllerFactory.add_market would refuse (naming the field), the market the factory and the
 * constructors derive once the tokens and the base price are known, and documented defaults
 * (mechanisms.md §6: the mainnet mint-market deployment values).
 */
import { InvalidParameterError } from '../../engine/errors.js';
import {
  readBigint,
  readBigintOr,
  readEnum,
  readObject,
  readString,
  rejectUnknownKeys,
  requireTokenDecimals,
  stringifyFields,
} from '../../engine/fields.js';
import { pow10 } from '../../math/units.js';
import type { AmmConfig } from './amm.js';
import {
  bandConstants,
  MAX_A,
  MAX_ADMIN_FEE,
  MAX_FEE,
  MAX_LOAN_DISCOUNT,
  MIN_A,
  MIN_LIQUIDATION_DISCOUNT,
  WAD,
} from './math.js';

/** Validated parameters of one crvUSD mint market (one Controller + its LLAMMA). */
export interface CrvusdParams {
  /** Engine asset id of the collateral (`WETH`); at most 18 decimals. */
  readonly collateralAsset: string;
  /** Engine asset id of the stablecoin (`crvUSD`); 18 decimals, as the Controller asserts. */
  readonly stablecoin: string;
  /** Band density `A`: one band spans a 1/A relative price range (2 ≤ A ≤ 10,000). */
  readonly A: bigint;
  /** AMM fee, 1e18 = 100 % (< 10 %). */
  readonly feeWad: bigint;
  /** Share of the AMM fee kept as admin fees, 1e18 = 100 % (< 100 %). */
  readonly adminFeeWad: bigint;
  /** `loan_discount`: the largest loan is x_down·(1 − loan_discount) (≤ 50 %). */
  readonly loanDiscountWad: bigint;
  /** `liquidation_discount`: hard liquidation when x_down·(1 − liquidation_discount) < debt (≥ 1 %, < loan_discount). */
  readonly liquidationDiscountWad: bigint;
  /** crvUSD the factory mints to the Controller (`debt_ceiling`), token units (1e18). */
  readonly debtCeiling: bigint;
  /**
   * AMM `BASE_PRICE`, the top of band 0, 1e18-scaled crvUSD per collateral. Absent: the oracle's
   * price when `configure` runs, as ControllerFactory.add_market reads `price_oracle.price()`.
   */
  readonly basePriceWad?: bigint;
  /** Actor whose wallet receives the AMM admin fees on `collectFees` (the factory's `fee_receiver`). */
  readonly feeReceiver: string;
  /**
   * How the engine oracle stands in for crvUSD's price oracle: `spot` (the aggregated spot price)
   * or `twap` (its time-weighted average over the asset's `twapWindowSeconds`, closer to the
   * exponential moving average crvUSD's oracles apply to pool prices).
   */
  readonly priceSource: 'spot' | 'twap';
}

/**
 * Mainnet mint-market values (mechanisms.md §6, from the deployments of
 * curvefi/curve-stablecoin): A = 100, AMM fee 0.6 %, admin fee 0 (scripts/ape-deploy.py passes 0),
 * loan_discount 9 %, liquidation_discount 6 %. The debt ceiling (100M crvUSD) is an assumption of
 * ours: the DAO sets each market's ceiling by vote, and the deploy script's test market uses 1M.
 * The base price is read from the oracle at `configure`.
 */
export const DEFAULT_CRVUSD_PARAMS: CrvusdParams = {
  collateralAsset: 'WETH',
  stablecoin: 'crvUSD',
  A: 100n,
  feeWad: 6n * 10n ** 15n,
  adminFeeWad: 0n,
  loanDiscountWad: 9n * 10n ** 16n,
  liquidationDiscountWad: 6n * 10n ** 16n,
  debtCeiling: 100_000_000n * WAD,
  feeReceiver: 'feeReceiver',
  priceSource: 'spot',
};

const KEYS: readonly string[] = [
  'collateralAsset',
  'stablecoin',
  'A',
  'feeWad',
  'adminFeeWad',
  'loanDiscountWad',
  'liquidationDiscountWad',
  'debtCeiling',
  'basePriceWad',
  'feeReceiver',
  'priceSource',
];

/**
 * Checks raw crvUSD parameters (a config section or the `params` of `configure`) and returns a
 * typed copy. Integers may be bigints, safe-integer numbers or decimal strings. Optional:
 * `adminFeeWad` (0), `feeReceiver` (`feeReceiver`), `priceSource` (`spot`), `basePriceWad` (read
 * from the oracle at `configure`).
 * @throws InvalidParameterError naming the dotted field (`params.liquidationDiscountWad`): unknown
 *   keys, A outside [2, 10000] ("Wrong A"), fee ≥ 10 % ("Fee too high"), admin fee ≥ 100 %,
 *   liquidation discount < 1 %, loan discount > 50 %, loan discount ≤ liquidation discount, the
 *   same asset as collateral and stablecoin, a zero base price.
 */
export function parseCrvusdParams(raw: unknown, path = 'params'): CrvusdParams {
  const r = readObject(raw, path);
  rejectUnknownKeys(r, KEYS, path);
  const collateralAsset = readString(r, 'collateralAsset', `${path}.collateralAsset`);
  const stablecoin = readString(r, 'stablecoin', `${path}.stablecoin`);
  if (collateralAsset === stablecoin) {
    throw new InvalidParameterError(`${path}.collateralAsset`, 'must differ from the stablecoin');
  }
  const A = readBigint(r, 'A', `${path}.A`, {
    min: MIN_A,
    max: MAX_A,
    expect: 'A in [2, 10000] ("Wrong A")',
  });
  const feeWad = readBigint(r, 'feeWad', `${path}.feeWad`, {
    max: MAX_FEE - 1n,
    expect: 'a fee below 1e17 (10 %, "Fee too high")',
  });
  const adminFeeWad = readBigintOr(r, 'adminFeeWad', 0n, `${path}.adminFeeWad`, {
    max: MAX_ADMIN_FEE - 1n,
    expect: 'an admin fee below 1e18 ("Admin fee too high")',
  });
  const liquidationDiscountWad = readBigint(r, 'liquidationDiscountWad', `${path}.liquidationDiscountWad`, {
    min: MIN_LIQUIDATION_DISCOUNT,
    max: WAD,
    expect: 'a discount in [1e16, 1e18] ("Liquidation discount too low")',
  });
  const loanDiscountWad = readBigint(r, 'loanDiscountWad', `${path}.loanDiscountWad`, {
    max: MAX_LOAN_DISCOUNT,
    expect: 'a discount at most 5e17 ("Loan discount too high")',
  });
  if (loanDiscountWad <= liquidationDiscountWad) {
    throw new InvalidParameterError(
      `${path}.loanDiscountWad`,
      `must exceed liquidationDiscountWad (${loanDiscountWad} ≤ ${liquidationDiscountWad}; "need loan_discount>liquidation_discount")`,
    );
  }
  const debtCeiling = readBigint(r, 'debtCeiling', `${path}.debtCeiling`);
  const feeReceiver =
    r.feeReceiver === undefined ? 'feeReceiver' : readString(r, 'feeReceiver', `${path}.feeReceiver`);
  const priceSource =
    r.priceSource === undefined
      ? 'spot'
      : readEnum(r, 'priceSource', ['spot', 'twap'], `${path}.priceSource`);
  const parsed: CrvusdParams = {
    collateralAsset,
    stablecoin,
    A,
    feeWad,
    adminFeeWad,
    loanDiscountWad,
    liquidationDiscountWad,
    debtCeiling,
    feeReceiver,
    priceSource,
  };
  if (r.basePriceWad === undefined) return parsed;
  const basePriceWad = readBigint(r, 'basePriceWad', `${path}.basePriceWad`, {
    min: 1n,
    expect: 'a price > 0 (1e18-scaled)',
  });
  return { ...parsed, basePriceWad };
}

/** `params` as JSON (bigints as decimal strings); {@link parseCrvusdParams} accepts it back. */
export function crvusdParamsToJson(params: CrvusdParams): Record<string, string> {
  return stringifyFields({ ...params });
}

/** A configured market: its parameters and what the factory and the constructors derive. */
export interface CrvusdMarket {
  readonly params: CrvusdParams;
  /** The base price actually used (given, or read from the oracle at `configure`). */
  readonly basePriceWad: bigint;
  readonly amm: AmmConfig;
}

/**
 * The market ControllerFactory.add_market builds: band constants from A, the base price, the
 * tokens' precisions.
 * @param decimalsOf decimals of a listed asset (throws UnknownAssetError for an unlisted one).
 * @throws InvalidParameterError (`params.stablecoin`, `params.collateralAsset`) when the stablecoin
 *   does not have 18 decimals or the collateral has more than 18.
 */
export function buildMarket(
  params: CrvusdParams,
  basePriceWad: bigint,
  decimalsOf: (asset: string) => number,
): CrvusdMarket {
  requireTokenDecimals('params.stablecoin', params.stablecoin, decimalsOf(params.stablecoin), {
    min: 18,
    max: 18,
    rule: 'the Controller asserts stablecoin.decimals() == 18',
  });
  const collateralDecimals = decimalsOf(params.collateralAsset);
  requireTokenDecimals('params.collateralAsset', params.collateralAsset, collateralDecimals, {
    max: 18,
    rule: 'LLAMMA takes at most 18',
  });
  return {
    params,
    basePriceWad,
    amm: {
      constants: bandConstants(params.A),
      basePriceWad,
      feeWad: params.feeWad,
      adminFeeWad: params.adminFeeWad,
      collateralPrecision: pow10(18 - collateralDecimals),
      borrowedPrecision: 1n,
    },
  };
}
