/**
 * The Aave v3 model's own state and events, and the reads every command shares: oracle prices in
 * base currency, a user's positions from the ledger, and GenericLogic's account data with eMode
 * overrides. Balances live only in the ledger (`acct:<id>` collateral, `debt:<id>` claims); this
 * state holds what the ledger cannot: parameters, users' eMode, grace periods and deficits.
 */
import { debtClaimAsset, type EngineState, requireAsset } from '../../engine/engine.js';
import {
  InvalidParameterError,
  NotConfiguredError,
  UnknownAccountError,
  UnknownAssetError,
} from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { spotPrice } from '../../engine/oracle.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import {
  AAVE_VERSION_RULES,
  type AaveVersion,
  type AaveVersionRules,
  BASE_CURRENCY_DECIMALS,
  type HfCollateral,
  type HfDebt,
  healthFactor,
  type UserAccountData,
} from './math.js';
import type { AaveEModeCategory, AaveParams, AaveReserveParams } from './params.js';

/** One user of the pool. */
export interface AaveAccount {
  /** The user's eMode category id (0 = none). */
  readonly eModeCategory: number;
}

/** Per-reserve state the ledger does not carry. */
export interface AaveReserveState {
  /** Bad debt burned and not yet covered (`reserve.deficit`), in the asset's smallest units. */
  readonly deficit: bigint;
  /** `liquidationGracePeriodUntil` (seconds): liquidations need `until < now`. Absent = never set. */
  readonly liquidationGracePeriodUntil?: number;
}

/** Model state of an Aave v3 engine. */
export interface AaveExt {
  /** Which version's rules run. */
  readonly version: AaveVersion;
  /** Market parameters; null until `configure`. */
  readonly params: AaveParams | null;
  /**
   * Users, by account id (created by their first deposit or eMode choice): a persistent map, so
   * opening one copies O(log n) nodes (its canonical JSON is the plain record of users).
   */
  readonly accounts: PersistentMap<AaveAccount>;
  /** Reserve state by asset (created when first needed). */
  readonly reserves: Readonly<Record<string, AaveReserveState>>;
  /** Liquidation calls executed. */
  readonly liquidationCount: number;
}

/** `configure`: the market's validated parameters. */
export interface AaveConfigured {
  readonly type: 'AaveConfigured';
  readonly params: AaveParams;
}
/** A user appeared (first deposit or eMode choice). */
export interface AaveAccountOpened {
  readonly type: 'AaveAccountOpened';
  readonly account: string;
}
/** `setUserEMode`. */
export interface AaveUserEModeSet {
  readonly type: 'AaveUserEModeSet';
  readonly account: string;
  readonly categoryId: number;
}
/** `setReserveGracePeriod`: Pool.setLiquidationGracePeriod. */
export interface AaveLiquidationGracePeriodSet {
  readonly type: 'AaveLiquidationGracePeriodSet';
  readonly asset: string;
  readonly untilSeconds: number;
}
/** A liquidation call's outcome (IPool.LiquidationCall plus the fee and close factor). */
export interface AaveLiquidationCall {
  readonly type: 'AaveLiquidationCall';
  readonly account: string;
  readonly liquidator: string;
  readonly collateralAsset: string;
  readonly debtAsset: string;
  /** Debt repaid by the liquidator, debt smallest units. */
  readonly debtToCover: bigint;
  /** Collateral sent to the liquidator (fee excluded), collateral smallest units. */
  readonly liquidatedCollateralAmount: bigint;
  /** Collateral sent to the treasury. */
  readonly protocolFee: bigint;
  readonly closeFactor: 'half' | 'full';
  readonly hasNoCollateralLeft: boolean;
}
/** IPool.DeficitCreated: debt burned into a reserve's deficit. */
export interface AaveDeficitCreated {
  readonly type: 'AaveDeficitCreated';
  readonly account: string;
  readonly asset: string;
  readonly amount: bigint;
}
/** IPool.DeficitCovered: deficit eliminated by the insurance fund (Umbrella). */
export interface AaveDeficitCovered {
  readonly type: 'AaveDeficitCovered';
  readonly asset: string;
  readonly amount: bigint;
}

/** Every event of the model. */
export type AaveEvent =
  | AaveConfigured
  | AaveAccountOpened
  | AaveUserEModeSet
  | AaveLiquidationGracePeriodSet
  | AaveLiquidationCall
  | AaveDeficitCreated
  | AaveDeficitCovered;

/** The empty model state of `version`. */
export function emptyAaveExt(version: AaveVersion): AaveExt {
  return { version, params: null, accounts: PersistentMap.empty(), reserves: {}, liquidationCount: 0 };
}

/** The version's rounding table. */
export function rulesOf(state: EngineState<AaveExt>): AaveVersionRules {
  return AAVE_VERSION_RULES[state.ext.version];
}

/** The parameters. @throws NotConfiguredError before `configure`. */
export function requireParams(state: EngineState<AaveExt>, command: string): AaveParams {
  if (state.ext.params === null) throw new NotConfiguredError(state.protocol, command);
  return state.ext.params;
}

/** A reserve's parameters. @throws UnknownAssetError when `asset` is not a reserve or not listed. */
export function requireReserve(
  state: EngineState<AaveExt>,
  params: AaveParams,
  asset: string,
): AaveReserveParams {
  const reserve = Object.hasOwn(params.reserves, asset) ? params.reserves[asset] : undefined;
  if (reserve === undefined) throw new UnknownAssetError(asset);
  requireAsset(state, asset);
  return reserve;
}

/** A user. @throws UnknownAccountError. */
export function requireAccount(state: EngineState<AaveExt>, account: string): AaveAccount {
  const found = state.ext.accounts.get(account);
  if (found === undefined) throw new UnknownAccountError(account);
  return found;
}

/** A reserve's model state (zero deficit, no grace period when never touched). */
export function reserveState(ext: AaveExt, asset: string): AaveReserveState {
  return (Object.hasOwn(ext.reserves, asset) ? ext.reserves[asset] : undefined) ?? { deficit: 0n };
}

/**
 * The oracle price of `asset` in Aave's base currency (USD·1e8), as AaveOracle.getAssetPrice.
 * @throws StaleOraclePriceError (no fresh price); InvalidParameterError when the asset's oracle is
 *   not configured with priceDecimals 8 (Aave reads USD·1e8; no silent rescaling).
 */
export function priceBase(state: EngineState<AaveExt>, asset: string, nowSeconds: number): bigint {
  const reading = spotPrice(state.oracle, asset, nowSeconds);
  if (reading.priceDecimals !== BASE_CURRENCY_DECIMALS) {
    throw new InvalidParameterError(
      `oracle.${asset}.priceDecimals`,
      `Aave reads prices in USD·1e8, got priceDecimals ${reading.priceDecimals}`,
      'Configure the asset oracle with priceDecimals 8.',
    );
  }
  return reading.price;
}

/** A user's balances, by asset (only non-zero ones). */
export interface AavePosition {
  /** Collateral (aToken) balances, smallest units. */
  readonly collateral: Readonly<Record<string, bigint>>;
  /** Variable debt balances, smallest units. */
  readonly debt: Readonly<Record<string, bigint>>;
}

/** Sorted reserve assets and their debt claim assets, per (immutable) parameters object. */
const RESERVE_ASSETS = new WeakMap<AaveParams, readonly (readonly [string, string])[]>();

function reserveAssetsOf(params: AaveParams): readonly (readonly [string, string])[] {
  let assets = RESERVE_ASSETS.get(params);
  if (assets === undefined) {
    assets = Object.keys(params.reserves)
      .sort()
      .map((asset) => [asset, debtClaimAsset(asset)] as const);
    RESERVE_ASSETS.set(params, assets);
  }
  return assets;
}

/** Ledger bucket of a user's debt claims (asset `<reserve>.debt`). */
export const aaveDebtBucket = (account: string): string => `debt:${account}`;

/** The user's balances read from the ledger (reserves in sorted order). */
export function positionOf(state: EngineState<AaveExt>, params: AaveParams, account: string): AavePosition {
  const collateral: Record<string, bigint> = {};
  const debt: Record<string, bigint> = {};
  const acct = `acct:${account}`;
  const claims = aaveDebtBucket(account);
  for (const [asset, claim] of reserveAssetsOf(params)) {
    const c = balanceOf(state.ledger, acct, asset);
    if (c > 0n) collateral[asset] = c;
    const d = balanceOf(state.ledger, claims, claim);
    if (d > 0n) debt[asset] = d;
  }
  return { collateral, debt };
}

/** The user's eMode category, or undefined for none. */
export function eModeOf(params: AaveParams, categoryId: number): AaveEModeCategory | undefined {
  if (categoryId === 0) return undefined;
  const key = String(categoryId);
  return Object.hasOwn(params.eModeCategories, key) ? params.eModeCategories[key] : undefined;
}

/** Whether `asset` is in the category's collateral bitmap (its LTV/LT/bonus override applies). */
export function inEModeCollateral(category: AaveEModeCategory | undefined, asset: string): boolean {
  return category?.collateralAssets.includes(asset) ?? false;
}

/** Effective LT, LTV (GenericLogic) and bonus (LiquidationLogic) of `asset` for a user in `category`. */
export function effectiveRisk(
  reserve: AaveReserveParams,
  category: AaveEModeCategory | undefined,
  asset: string,
): {
  readonly liquidationThresholdBps: bigint;
  readonly ltvBps: bigint;
  readonly liquidationBonusBps: bigint;
} {
  const override = inEModeCollateral(category, asset) ? category : undefined;
  // GenericLogic skips collateral whose reserve LT is 0, and counts a reserve LTV of 0 as 0 even in eMode.
  const liquidationThresholdBps =
    reserve.liquidationThresholdBps === 0n
      ? 0n
      : (override?.liquidationThresholdBps ?? reserve.liquidationThresholdBps);
  const ltvBps = reserve.ltvBps === 0n ? 0n : (override?.ltvBps ?? reserve.ltvBps);
  return {
    liquidationThresholdBps,
    ltvBps,
    liquidationBonusBps: override?.liquidationBonusBps ?? reserve.liquidationBonusBps,
  };
}

/**
 * GenericLogic.calculateUserAccountData for `position` at `nowSeconds`, with the user's eMode.
 * Prices are read only for non-zero positions, as the contract reads only flagged reserves.
 * @throws StaleOraclePriceError, InvalidParameterError (see {@link priceBase}).
 */
export function accountDataOf(
  state: EngineState<AaveExt>,
  params: AaveParams,
  input: { readonly position: AavePosition; readonly eModeCategory: number; readonly nowSeconds: number },
): UserAccountData {
  const category = eModeOf(params, input.eModeCategory);
  const collaterals: HfCollateral[] = [];
  for (const [asset, amount] of Object.entries(input.position.collateral)) {
    const reserve = requireReserve(state, params, asset);
    const risk = effectiveRisk(reserve, category, asset);
    if (risk.liquidationThresholdBps === 0n) continue;
    collaterals.push({
      amount,
      priceBase: priceBase(state, asset, input.nowSeconds),
      decimals: requireAsset(state, asset).decimals,
      liquidationThresholdBps: risk.liquidationThresholdBps,
      ltvBps: risk.ltvBps,
    });
  }
  const debts: HfDebt[] = Object.entries(input.position.debt).map(([asset, amount]) => ({
    amount,
    priceBase: priceBase(state, asset, input.nowSeconds),
    decimals: requireAsset(state, asset).decimals,
  }));
  return healthFactor(rulesOf(state), { collaterals, debts });
}

/** Account data of an existing user now (current balances and eMode). */
export function currentAccountData(
  state: EngineState<AaveExt>,
  params: AaveParams,
  account: string,
  nowSeconds: number,
): UserAccountData {
  const user = requireAccount(state, account);
  return accountDataOf(state, params, {
    position: positionOf(state, params, account),
    eModeCategory: user.eModeCategory,
    nowSeconds,
  });
}

/** `position` with `delta` added to one collateral or debt balance (negative to remove). */
export function adjustPosition(
  position: AavePosition,
  side: 'collateral' | 'debt',
  asset: string,
  delta: bigint,
): AavePosition {
  const book = { ...position[side] };
  const next = (book[asset] ?? 0n) + delta;
  if (next > 0n) book[asset] = next;
  else delete book[asset];
  return { ...position, [side]: book };
}
