/**
 * The Euler v2 model's own state (the controller vault's storage, the LTV configurations of its
 * collaterals, each account's EVC view: enabled collaterals, controller, last status check), its
 * events and their fold, and the reads every command shares: oracle quotes and the two liquidity
 * calculations of euler-xyz/euler-vault-kit src/EVault/shared/LiquidityUtils.sol.
 */
import { type EngineState, requireAsset } from '../../engine/engine.js';
import { NotConfiguredError, UnknownAccountError } from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { assert } from '../../math/errors.js';
import { adjustedCollateralValue, currentLtvBps, type LtvConfig, quoteValue } from './math.js';
import type { EulerParams } from './params.js';

/** Ledger asset of the controller vault's shares (what lenders hold), e.g. `USDC.shares`. */
export function sharesAsset(asset: string): string {
  return `${asset}.shares`;
}

/** The controller vault's storage (Euler `VaultStorage`) and its governance settings. */
export interface EulerVault {
  /** The parameters `configure` was given (initial settings; governance may change them since). */
  readonly params: EulerParams;
  readonly asset: string;
  /** Token decimals of `asset`. */
  readonly assetDecimals: number;
  readonly unitOfAccountDecimals: number;
  readonly maxLiquidationDiscountBps: bigint;
  readonly liquidationCoolOffSeconds: number;
  readonly dontSocializeDebt: boolean;
  /** LTV configuration by collateral (Euler `ltvLookup`). */
  readonly ltv: Readonly<Record<string, LtvConfig>>;
  /** Collaterals in the order they were first configured (Euler `ltvList`). */
  readonly ltvList: readonly string[];
  /** Assets held (Euler `cash`). */
  readonly cash: bigint;
  /** Σ debts, asset units (Euler `totalBorrows`; no interest accrues in this model). */
  readonly totalBorrows: bigint;
  readonly totalShares: bigint;
  /** Σ debt written off against depositors (Σ `DebtSocialized`). */
  readonly socializedDebt: bigint;
  /** Σ assets lenders supplied. */
  readonly totalSupplied: bigint;
  /** Σ assets lenders withdrew. */
  readonly totalWithdrawn: bigint;
}

/** One account: its controller-vault position and, as the EVC sees it, its collaterals. */
export interface EulerAccount {
  /** Debt owed to the controller vault, asset units. */
  readonly owed: bigint;
  /** Controller vault shares held (lenders). */
  readonly shares: bigint;
  /** Collateral vault balances by asset, smallest units (collateral vault shares at 1:1). */
  readonly collateral: Readonly<Record<string, bigint>>;
  /** EVC `getCollaterals`: collaterals enabled, in enabling order. */
  readonly enabledCollaterals: readonly string[];
  /** EVC: the controller vault is enabled as this account's controller. */
  readonly controllerEnabled: boolean;
  /** EVC `getLastAccountStatusCheckTimestamp` (0 before the first successful check). */
  readonly lastStatusCheckSeconds: number;
}

/** The model's part of the engine state. */
export interface EulerExt {
  /** The vault, or null before `configure`. */
  readonly vault: EulerVault | null;
  /**
   * Accounts by id. A persistent map, so that folding an event copies O(log n) nodes instead of
   * every account; its canonical JSON (hence the state hash) is that of the plain record.
   */
  readonly accounts: PersistentMap<EulerAccount>;
}

/** The state of an engine without a configured vault. */
export function initialEulerExt(): EulerExt {
  return { vault: null, accounts: PersistentMap.empty() };
}

// ---------------------------------------------------------------------------------------------
// Events

/** `configure`: the vault created with its parameters (LTVs follow as EulerLtvSet events). */
export interface EulerConfigured {
  readonly type: 'EulerConfigured';
  readonly params: EulerParams;
  readonly assetDecimals: number;
}

/** Governance `setLTV` (and configure): the collateral's new LTV configuration. */
export interface EulerLtvSet {
  readonly type: 'EulerLtvSet';
  readonly collateral: string;
  readonly config: LtvConfig;
}

/** Governance `setMaxLiquidationDiscount`, `setLiquidationCoolOffTime`, `setConfigFlags`. */
export interface EulerGovernanceSet {
  readonly type: 'EulerGovernanceSet';
  readonly maxLiquidationDiscountBps?: bigint;
  readonly liquidationCoolOffSeconds?: number;
  readonly dontSocializeDebt?: boolean;
}

/** EVC `enableCollateral` / `enableController` for an account (creates the account if new). */
export interface EulerAccountEnabled {
  readonly type: 'EulerCollateralEnabled' | 'EulerControllerEnabled';
  readonly account: string;
  /** The collateral enabled (EulerCollateralEnabled only). */
  readonly asset?: string;
}

/** A successful account status check through the controller: stamps the check time. */
export interface EulerStatusChecked {
  readonly type: 'EulerStatusChecked';
  readonly account: string;
}

/** Collateral deposited into (or withdrawn from) a collateral vault. */
export interface EulerCollateralMoved {
  readonly type: 'EulerCollateralDeposited' | 'EulerCollateralWithdrawn';
  readonly account: string;
  readonly asset: string;
  readonly amount: bigint;
}

/** Lender deposit into (or redemption from) the controller vault. */
export interface EulerSharesMoved {
  readonly type: 'EulerSupplied' | 'EulerRedeemed';
  readonly account: string;
  readonly assets: bigint;
  readonly shares: bigint;
}

/** A borrow from, or a repay to, the controller vault. */
export interface EulerDebtChanged {
  readonly type: 'EulerBorrowed' | 'EulerRepaid';
  readonly account: string;
  readonly amount: bigint;
}

/** Euler `Liquidate`: debt transferred to the liquidator, collateral to the liquidator's account. */
export interface EulerLiquidated {
  readonly type: 'EulerLiquidated';
  readonly liquidator: string;
  readonly violator: string;
  readonly collateral: string;
  /** Debt taken over by the liquidator, asset units. */
  readonly repay: bigint;
  /** Collateral moved to the liquidator's account. */
  readonly yieldBalance: bigint;
  /** Health score of the violator before (WAD), = the discount factor before the cap. */
  readonly healthScoreWad: bigint;
  /** 1 − discount applied, WAD. */
  readonly discountFactorWad: bigint;
  readonly liabilityValue: bigint;
}

/** Incentive stage: the discount the liquidator earned, unit-of-account units (informational). */
export interface EulerLiquidatorDiscount {
  readonly type: 'EulerLiquidatorDiscount';
  readonly liquidator: string;
  readonly violator: string;
  /** Mid-price value of the debt taken over. */
  readonly repayValue: bigint;
  /** Mid-price value of the collateral received. */
  readonly yieldValue: bigint;
}

/** Euler `DebtSocialized`: debt written off against the vault's depositors. */
export interface EulerDebtSocialized {
  readonly type: 'EulerDebtSocialized';
  readonly violator: string;
  readonly amount: bigint;
}

/** Every event of the Euler model. */
export type EulerEvent =
  | EulerConfigured
  | EulerLtvSet
  | EulerGovernanceSet
  | EulerAccountEnabled
  | EulerStatusChecked
  | EulerCollateralMoved
  | EulerSharesMoved
  | EulerDebtChanged
  | EulerLiquidated
  | EulerLiquidatorDiscount
  | EulerDebtSocialized;

const EMPTY_ACCOUNT: EulerAccount = {
  owed: 0n,
  shares: 0n,
  collateral: {},
  enabledCollaterals: [],
  controllerEnabled: false,
  lastStatusCheckSeconds: 0,
};

/** Own-property lookup, so ids such as `constructor` are plain keys. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function accountOf(ext: EulerExt, id: string): EulerAccount {
  return ext.accounts.get(id) ?? EMPTY_ACCOUNT;
}

function withAccount(ext: EulerExt, id: string, change: (a: EulerAccount) => EulerAccount): EulerExt {
  return { ...ext, accounts: ext.accounts.set(id, change(accountOf(ext, id))) };
}

function withVault(ext: EulerExt, change: (v: EulerVault) => EulerVault): EulerExt {
  assert(ext.vault !== null, 'euler-v2 event before configure');
  return { ...ext, vault: change(ext.vault) };
}

function addCollateral(a: EulerAccount, asset: string, delta: bigint): EulerAccount {
  const collateral = { ...a.collateral };
  const next = (own(collateral, asset) ?? 0n) + delta;
  assert(next >= 0n, `collateral of ${asset} would be ${next}`);
  if (next === 0n) delete collateral[asset];
  else collateral[asset] = next;
  return { ...a, collateral };
}

/**
 * Folds one model event into the model state (input untouched).
 * @param atSeconds time of the event (stamps status checks).
 */
export function evolveEuler(ext: EulerExt, event: EngineEvent, atSeconds: number): EulerExt {
  const e = event as EulerEvent;
  switch (e.type) {
    case 'EulerConfigured': {
      const p = e.params;
      const vault: EulerVault = {
        params: p,
        asset: p.asset,
        assetDecimals: e.assetDecimals,
        unitOfAccountDecimals: p.unitOfAccountDecimals,
        maxLiquidationDiscountBps: p.maxLiquidationDiscountBps,
        liquidationCoolOffSeconds: p.liquidationCoolOffSeconds,
        dontSocializeDebt: p.dontSocializeDebt,
        ltv: {},
        ltvList: [],
        cash: 0n,
        totalBorrows: 0n,
        totalShares: 0n,
        socializedDebt: 0n,
        totalSupplied: 0n,
        totalWithdrawn: 0n,
      };
      return { ...ext, vault };
    }
    case 'EulerLtvSet':
      return withVault(ext, (v) => ({
        ...v,
        ltv: { ...v.ltv, [e.collateral]: e.config },
        ltvList: v.ltvList.includes(e.collateral) ? v.ltvList : [...v.ltvList, e.collateral],
      }));
    case 'EulerGovernanceSet':
      return withVault(ext, (v) => ({
        ...v,
        maxLiquidationDiscountBps: e.maxLiquidationDiscountBps ?? v.maxLiquidationDiscountBps,
        liquidationCoolOffSeconds: e.liquidationCoolOffSeconds ?? v.liquidationCoolOffSeconds,
        dontSocializeDebt: e.dontSocializeDebt ?? v.dontSocializeDebt,
      }));
    case 'EulerCollateralEnabled': {
      const asset = e.asset;
      assert(asset !== undefined, 'EulerCollateralEnabled without an asset');
      return withAccount(ext, e.account, (a) =>
        a.enabledCollaterals.includes(asset)
          ? a
          : { ...a, enabledCollaterals: [...a.enabledCollaterals, asset] },
      );
    }
    case 'EulerControllerEnabled':
      return withAccount(ext, e.account, (a) => ({ ...a, controllerEnabled: true }));
    case 'EulerStatusChecked':
      return withAccount(ext, e.account, (a) => ({ ...a, lastStatusCheckSeconds: atSeconds }));
    case 'EulerCollateralDeposited':
      return withAccount(ext, e.account, (a) => addCollateral(a, e.asset, e.amount));
    case 'EulerCollateralWithdrawn':
      return withAccount(ext, e.account, (a) => addCollateral(a, e.asset, -e.amount));
    case 'EulerSupplied':
      return withVault(
        withAccount(ext, e.account, (a) => ({ ...a, shares: a.shares + e.shares })),
        (v) => ({
          ...v,
          cash: v.cash + e.assets,
          totalShares: v.totalShares + e.shares,
          totalSupplied: v.totalSupplied + e.assets,
        }),
      );
    case 'EulerRedeemed':
      return withVault(
        withAccount(ext, e.account, (a) => ({ ...a, shares: a.shares - e.shares })),
        (v) => ({
          ...v,
          cash: v.cash - e.assets,
          totalShares: v.totalShares - e.shares,
          totalWithdrawn: v.totalWithdrawn + e.assets,
        }),
      );
    case 'EulerBorrowed':
      return withVault(
        withAccount(ext, e.account, (a) => ({ ...a, owed: a.owed + e.amount })),
        (v) => ({ ...v, cash: v.cash - e.amount, totalBorrows: v.totalBorrows + e.amount }),
      );
    case 'EulerRepaid':
      return withVault(
        withAccount(ext, e.account, (a) => ({ ...a, owed: a.owed - e.amount })),
        (v) => ({ ...v, cash: v.cash + e.amount, totalBorrows: v.totalBorrows - e.amount }),
      );
    case 'EulerLiquidated': {
      const fromViolator = withAccount(ext, e.violator, (a) =>
        addCollateral({ ...a, owed: a.owed - e.repay }, e.collateral, -e.yieldBalance),
      );
      return withAccount(fromViolator, e.liquidator, (a) =>
        addCollateral({ ...a, owed: a.owed + e.repay }, e.collateral, e.yieldBalance),
      );
    }
    case 'EulerLiquidatorDiscount':
      return ext; // informational: the discount is already in the collateral moved
    case 'EulerDebtSocialized':
      return withVault(
        withAccount(ext, e.violator, (a) => ({ ...a, owed: a.owed - e.amount })),
        (v) => ({
          ...v,
          totalBorrows: v.totalBorrows - e.amount,
          socializedDebt: v.socializedDebt + e.amount,
        }),
      );
    default: {
      const unknown: { readonly type: string } = e;
      assert(false, `euler-v2 cannot fold a ${unknown.type} event`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reads

/** The vault. @throws NotConfiguredError before `configure`. */
export function requireVault(state: EngineState<EulerExt>, command: string): EulerVault {
  if (state.ext.vault === null) throw new NotConfiguredError(state.protocol, command);
  return state.ext.vault;
}

/** An account. @throws UnknownAccountError. */
export function requireAccount(state: EngineState<EulerExt>, id: string): EulerAccount {
  const account = state.ext.accounts.get(id);
  if (account === undefined) throw new UnknownAccountError(id);
  return account;
}

/** An account, or the empty account for an id not seen yet (liquidators, new depositors). */
export function accountOrEmpty(state: EngineState<EulerExt>, id: string): EulerAccount {
  return accountOf(state.ext, id);
}

/**
 * The oracle's `getQuote(amount, asset, unitOfAccount)`: the engine oracle's spot (mid) price,
 * floor. Euler's mid-point quote and its bid/ask `getQuotes` coincide for the adapters this
 * model stands for (one price per asset, no spread).
 * @throws StaleOraclePriceError when the asset has no fresh price; UnknownAssetError for an
 *   unlisted asset.
 */
export function quote(
  state: EngineState<EulerExt>,
  asset: string,
  amount: bigint,
  nowSeconds: number,
): bigint {
  const vault = requireVault(state, 'quote');
  const info = requireAsset(state, asset);
  const reading = spotPrice(state.oracle, asset, nowSeconds);
  return quoteValue({
    amount,
    decimals: info.decimals,
    price: reading.price,
    priceDecimals: reading.priceDecimals,
    unitDecimals: vault.unitOfAccountDecimals,
  });
}

/**
 * LiquidityUtils `getLiabilityValue`: the value of the debt, 0 without debt (no price read).
 * @throws what {@link quote} throws.
 */
export function liabilityValueOf(
  state: EngineState<EulerExt>,
  account: EulerAccount,
  nowSeconds: number,
): bigint {
  if (account.owed === 0n) return 0n;
  return quote(state, requireVault(state, 'liability').asset, account.owed, nowSeconds);
}

/**
 * LiquidityUtils `getCollateralValue` of one collateral: 0 when unrecognized, at LTV 0 or with no
 * balance (no price read then), else `value · ltv / 1e4`, floor.
 */
export function collateralValueOf(
  state: EngineState<EulerExt>,
  account: EulerAccount,
  asset: string,
  liquidation: boolean,
  nowSeconds: number,
): bigint {
  const config = own(requireVault(state, 'collateral').ltv, asset);
  if (config === undefined) return 0n;
  const ltv = currentLtvBps(config, liquidation, nowSeconds);
  if (ltv === 0n) return 0n;
  const balance = own(account.collateral, asset) ?? 0n;
  if (balance === 0n) return 0n;
  return adjustedCollateralValue(quote(state, asset, balance, nowSeconds), ltv);
}

/**
 * LiquidityUtils `calculateLiquidity(liquidation = true)`: Σ liquidation-LTV-adjusted collateral
 * value and the liability value, at mid prices.
 */
export function liquidationLiquidity(
  state: EngineState<EulerExt>,
  account: EulerAccount,
  nowSeconds: number,
): { readonly collateralAdjustedValue: bigint; readonly liabilityValue: bigint } {
  let collateralAdjustedValue = 0n;
  for (const asset of account.enabledCollaterals) {
    collateralAdjustedValue += collateralValueOf(state, account, asset, true, nowSeconds);
  }
  return { collateralAdjustedValue, liabilityValue: liabilityValueOf(state, account, nowSeconds) };
}

/**
 * LiquidityUtils `checkLiquidity` (the account status check): passes without debt; otherwise the
 * borrow-LTV-adjusted collateral, summed in enabling order, must exceed the liability value
 * strictly (it stops reading prices as soon as it does).
 */
export function passesAccountStatusCheck(
  state: EngineState<EulerExt>,
  account: EulerAccount,
  nowSeconds: number,
): boolean {
  if (account.owed === 0n) return true;
  const liabilityValue = liabilityValueOf(state, account, nowSeconds);
  let collateralValue = 0n;
  for (const asset of account.enabledCollaterals) {
    collateralValue += collateralValueOf(state, account, asset, false, nowSeconds);
    if (collateralValue > liabilityValue) return true;
  }
  return false;
}

/** LiquidityUtils `checkNoCollateral`: no recognized collateral balance is left. */
export function hasNoCollateral(vault: EulerVault, account: EulerAccount): boolean {
  for (const asset of account.enabledCollaterals) {
    if (own(vault.ltv, asset) === undefined) continue;
    if ((own(account.collateral, asset) ?? 0n) > 0n) return false;
  }
  return true;
}
