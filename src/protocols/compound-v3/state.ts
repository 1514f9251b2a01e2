/**
 * The Comet model's own state (market, indexes, principals, collateral balances, totals, liquidator
 * points), its events, the fold of those events, and the read helpers every command shares
 * (prices as Comet's `getPrice` reads them, an account's holdings for the liquidity loops).
 */
import type { EngineState } from '../../engine/engine.js';
import { NotConfiguredError, ProtocolRevertError, UnknownAccountError } from '../../engine/errors.js';
import { priceInDecimals } from '../../engine/fields.js';
import type { EngineEvent } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { assert } from '../../math/errors.js';
import {
  type CollateralHolding,
  type CometIndexes,
  INITIAL_INDEXES,
  PRICE_FEED_DECIMALS,
  presentValueBorrow,
  presentValueSupply,
} from './math.js';
import type { CompoundAssetInfo, CompoundMarket } from './params.js';

/** One Comet account (`userBasic` + `userCollateral`). */
export interface CompoundAccount {
  /** Signed int104 principal: > 0 is a supply balance, < 0 a borrow balance (base principal units). */
  readonly principal: bigint;
  /** Collateral balances by asset, smallest units; only non-zero entries (Comet `assetsIn`). */
  readonly collateral: Readonly<Record<string, bigint>>;
}

/** Comet `LiquidatorPoints` of one absorber: the only reward of `absorb` (off-chain use). */
export interface LiquidatorPoints {
  readonly numAbsorbs: bigint;
  readonly numAbsorbed: bigint;
  /** Σ gas cost reported with the absorbs (Comet `gasUsed · basefee`), wei. */
  readonly approxSpend: bigint;
}

/** The model's part of the engine state. */
export interface CompoundExt {
  /** The market, or null before `configure`. */
  readonly market: CompoundMarket | null;
  /** Supply and borrow indexes (1e15 scale). Held constant unless `setIndexes` moves them. */
  readonly indexes: CometIndexes;
  /** Σ positive principals (Comet `totalSupplyBase`). */
  readonly totalSupplyBase: bigint;
  /** Σ borrow principals in magnitude (Comet `totalBorrowBase`). */
  readonly totalBorrowBase: bigint;
  /** Σ accounts' balance of each collateral (Comet `totalsCollateral[asset].totalSupplyAsset`). */
  readonly totalsCollateral: Readonly<Record<string, bigint>>;
  /**
   * Accounts by id: a persistent map, so an account's event copies O(log n) nodes, not every
   * account (its canonical JSON is the plain record of accounts).
   */
  readonly accounts: PersistentMap<CompoundAccount>;
  readonly liquidatorPoints: Readonly<Record<string, LiquidatorPoints>>;
}

/** The state of an engine without a configured market. */
export function initialCompoundExt(): CompoundExt {
  return {
    market: null,
    indexes: INITIAL_INDEXES,
    totalSupplyBase: 0n,
    totalBorrowBase: 0n,
    totalsCollateral: {},
    accounts: PersistentMap.empty(),
    liquidatorPoints: {},
  };
}

/** `configure`: the market as Comet's constructor derives it. */
export interface CompoundConfigured {
  readonly type: 'CompoundConfigured';
  readonly market: CompoundMarket;
}

/** A base supply or repay (Comet `supplyBase`), or a base withdraw or borrow (`withdrawBase`). */
export interface BasePrincipalChanged {
  readonly type: 'BaseSupplied' | 'BaseWithdrawn';
  readonly account: string;
  /** Base units moved in or out. */
  readonly amount: bigint;
  /** The account's principal afterwards. */
  readonly principal: bigint;
  readonly totalSupplyBase: bigint;
  readonly totalBorrowBase: bigint;
}

/** A collateral supply or withdrawal (Comet `supplyCollateral` / `withdrawCollateral`). */
export interface CollateralChanged {
  readonly type: 'CollateralSupplied' | 'CollateralWithdrawn';
  readonly account: string;
  readonly asset: string;
  readonly amount: bigint;
  /** The account's balance of `asset` afterwards. */
  readonly balance: bigint;
  readonly totalSupplyAsset: bigint;
}

/** One account absorbed (Comet `absorbInternal`: AbsorbCollateral and AbsorbDebt events). */
export interface CompoundAbsorbed {
  readonly type: 'CompoundAbsorbed';
  readonly absorber: string;
  readonly account: string;
  /** Seized balances by asset (all of the account's collateral). */
  readonly seized: Readonly<Record<string, bigint>>;
  readonly oldPrincipal: bigint;
  readonly newPrincipal: bigint;
  readonly oldBalance: bigint;
  readonly newBalance: bigint;
  readonly deltaValueUsd8: bigint;
  readonly deltaBalance: bigint;
  readonly basePaidOut: bigint;
  /** `basePaidOut − deltaBalance`: the debt the collateral does not cover at its liquidation value. */
  readonly shortfall: bigint;
  /** `mulPrice(basePaidOut, basePrice, baseScale)` (Comet AbsorbDebt `usdValue`). */
  readonly valueOfBasePaidOutUsd8: bigint;
  readonly totalSupplyBase: bigint;
  readonly totalBorrowBase: bigint;
}

/** Points credited to an absorber (deltas). */
export interface LiquidatorPointsAccrued {
  readonly type: 'LiquidatorPointsAccrued';
  readonly absorber: string;
  readonly numAbsorbs: bigint;
  readonly numAbsorbed: bigint;
  readonly approxSpend: bigint;
}

/** `buyCollateral`: collateral sold from reserves at the storefront price. */
export interface CompoundCollateralBought {
  readonly type: 'CompoundCollateralBought';
  readonly buyer: string;
  readonly recipient: string;
  readonly asset: string;
  readonly baseAmount: bigint;
  readonly collateralAmount: bigint;
  /** Comet `getReserves()` before the sale. */
  readonly reservesBefore: bigint;
}

/** `withdrawReserves` by the governor, or base tokens sent to Comet from outside (reserves funded). */
export interface CompoundReservesMoved {
  readonly type: 'CompoundReservesWithdrawn' | 'CompoundReservesFunded';
  readonly actor: string;
  readonly amount: bigint;
}

/** `setIndexes`: the indexes were moved (a stand-in for interest accrual). */
export interface CompoundIndexesSet {
  readonly type: 'CompoundIndexesSet';
  readonly baseSupplyIndex: bigint;
  readonly baseBorrowIndex: bigint;
}

/** Every event of the Comet model. */
export type CompoundEvent =
  | CompoundConfigured
  | BasePrincipalChanged
  | CollateralChanged
  | CompoundAbsorbed
  | LiquidatorPointsAccrued
  | CompoundCollateralBought
  | CompoundReservesMoved
  | CompoundIndexesSet;

const EMPTY_ACCOUNT: CompoundAccount = { principal: 0n, collateral: {} };

/** Own-property lookup, so ids such as `constructor` are plain keys. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function withAccount(ext: CompoundExt, id: string, account: CompoundAccount): CompoundExt {
  return { ...ext, accounts: ext.accounts.set(id, account) };
}

/** Folds one model event into the model state (input untouched). */
export function evolveCompound(ext: CompoundExt, event: EngineEvent): CompoundExt {
  const e = event as CompoundEvent;
  switch (e.type) {
    case 'CompoundConfigured':
      return { ...ext, market: e.market };
    case 'BaseSupplied':
    case 'BaseWithdrawn': {
      const account = ext.accounts.get(e.account) ?? EMPTY_ACCOUNT;
      return {
        ...withAccount(ext, e.account, { ...account, principal: e.principal }),
        totalSupplyBase: e.totalSupplyBase,
        totalBorrowBase: e.totalBorrowBase,
      };
    }
    case 'CollateralSupplied':
    case 'CollateralWithdrawn': {
      const account = ext.accounts.get(e.account) ?? EMPTY_ACCOUNT;
      const collateral = { ...account.collateral };
      if (e.balance === 0n) delete collateral[e.asset];
      else collateral[e.asset] = e.balance;
      return {
        ...withAccount(ext, e.account, { ...account, collateral }),
        totalsCollateral: { ...ext.totalsCollateral, [e.asset]: e.totalSupplyAsset },
      };
    }
    case 'CompoundAbsorbed': {
      const totalsCollateral = { ...ext.totalsCollateral };
      for (const [asset, amount] of Object.entries(e.seized)) {
        totalsCollateral[asset] = (own(totalsCollateral, asset) ?? 0n) - amount;
      }
      return {
        ...withAccount(ext, e.account, { principal: e.newPrincipal, collateral: {} }),
        totalSupplyBase: e.totalSupplyBase,
        totalBorrowBase: e.totalBorrowBase,
        totalsCollateral,
      };
    }
    case 'LiquidatorPointsAccrued': {
      const before = own(ext.liquidatorPoints, e.absorber) ?? {
        numAbsorbs: 0n,
        numAbsorbed: 0n,
        approxSpend: 0n,
      };
      const after: LiquidatorPoints = {
        numAbsorbs: before.numAbsorbs + e.numAbsorbs,
        numAbsorbed: before.numAbsorbed + e.numAbsorbed,
        approxSpend: before.approxSpend + e.approxSpend,
      };
      return { ...ext, liquidatorPoints: { ...ext.liquidatorPoints, [e.absorber]: after } };
    }
    case 'CompoundIndexesSet':
      return { ...ext, indexes: { baseSupplyIndex: e.baseSupplyIndex, baseBorrowIndex: e.baseBorrowIndex } };
    case 'CompoundCollateralBought':
    case 'CompoundReservesWithdrawn':
    case 'CompoundReservesFunded':
      return ext; // ledger-only: collateral and base reserves live in the ledger
    default: {
      const unknown: { readonly type: string } = e;
      assert(false, `compound-v3 cannot fold a ${unknown.type} event`);
    }
  }
}

/** The market. @throws NotConfiguredError before `configure`. */
export function requireMarket(state: EngineState<CompoundExt>, command: string): CompoundMarket {
  if (state.ext.market === null) throw new NotConfiguredError(state.protocol, command);
  return state.ext.market;
}

/** An account. @throws UnknownAccountError. */
export function requireAccount(state: EngineState<CompoundExt>, id: string): CompoundAccount {
  const account = state.ext.accounts.get(id);
  if (account === undefined) throw new UnknownAccountError(id);
  return account;
}

/** A collateral asset's info. @throws ProtocolRevertError `BadAsset` (Comet getAssetInfoByAddress). */
export function requireCollateralAsset(market: CompoundMarket, asset: string): CompoundAssetInfo {
  const info = market.assets.find((a) => a.asset === asset);
  if (info === undefined) {
    throw new ProtocolRevertError('BadAsset', `${asset} is not a collateral asset of this market.`, {
      asset,
    });
  }
  return info;
}

/**
 * Comet `getPrice(priceFeed)`: the engine oracle's spot price (Comet reads the feed's latest
 * answer; it has no TWAP, delay or breaker of its own), USD·1e8.
 * @throws StaleOraclePriceError when there is no fresh price; InvalidParameterError when the
 *   asset's oracle is not configured with priceDecimals 8; ProtocolRevertError `BadPrice` for a
 *   price ≤ 0.
 */
export function cometPrice(state: EngineState<CompoundExt>, asset: string, nowSeconds: number): bigint {
  const price = priceInDecimals(spotPrice(state.oracle, asset, nowSeconds), asset, {
    priceDecimals: PRICE_FEED_DECIMALS,
    explain: (got) => `Comet reads prices in USD·1e8, got priceDecimals ${got} (BadDecimals)`,
  });
  if (price <= 0n) throw new ProtocolRevertError('BadPrice', `The ${asset} feed answered ${price}.`);
  return price;
}

/** Which factor a liquidity loop applies. */
export type FactorKind = 'borrowCollateralFactor' | 'liquidateCollateralFactor' | 'liquidationFactor';

/**
 * The account's non-zero holdings in Comet's asset order, priced, with the chosen factor: the
 * input of the liquidity loops and of `absorbInternal`.
 * @throws what {@link cometPrice} throws for a held asset.
 */
export function holdingsOf(
  state: EngineState<CompoundExt>,
  market: CompoundMarket,
  collateral: Readonly<Record<string, bigint>>,
  factor: FactorKind,
  nowSeconds: number,
): (CollateralHolding & { readonly asset: string })[] {
  const out: (CollateralHolding & { readonly asset: string })[] = [];
  for (const info of market.assets) {
    const balance = own(collateral, info.asset) ?? 0n;
    if (balance === 0n) continue;
    out.push({
      asset: info.asset,
      balance,
      price: cometPrice(state, info.asset, nowSeconds),
      scale: info.scale,
      factorWad: info[factor],
    });
  }
  return out;
}

/** What the ledger should hold for an account: its present supply balance and present debt. */
export interface PresentClaims {
  /** `presentValueSupply(principal)` when principal > 0, else 0. */
  readonly supply: bigint;
  /** `presentValueBorrow(−principal)` when principal < 0, else 0. */
  readonly debt: bigint;
}

/** The present claims of a principal at the given indexes. */
export function presentClaims(principal: bigint, indexes: CometIndexes): PresentClaims {
  if (principal > 0n) return { supply: presentValueSupply(indexes.baseSupplyIndex, principal), debt: 0n };
  if (principal < 0n) return { supply: 0n, debt: presentValueBorrow(indexes.baseBorrowIndex, -principal) };
  return { supply: 0n, debt: 0n };
}
