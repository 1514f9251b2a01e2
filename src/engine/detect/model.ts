/**
 * The data model of liquidation detection (assets with token and price decimals, accounts of
 * collateral and debt lines, oracle prices) and the exact rule every detector must agree with,
 * together with {@link naiveScan}, the reference that checks every account in exact bigint.
 */
import { InvalidParameterError, UnknownAssetError } from '../errors.js';

/** Basis points in one: a liquidation threshold of 10,000 bps counts collateral at full value. */
export const BPS = 10_000n;

/**
 * Most assets a book may list: the float screen's error constants are proven for accounts of at
 * most this many lines (screen.ts).
 */
export const ASSETS_MAX = 4_096;

/** An asset the detector knows: how its amounts and its oracle price are scaled. */
export interface DetectAsset {
  /** Symbol or address; unique within a book. */
  readonly asset: string;
  /** Token decimals: an amount `n` means n / 10^decimals whole tokens (an integer in [0, 255]). */
  readonly decimals: number;
  /**
   * Oracle price decimals: a price `p` means p / 10^priceDecimals quote units (e.g. USD) per whole
   * token, as a Chainlink feed with 8 decimals gives USD·1e8 (an integer in [0, 255]).
   */
  readonly priceDecimals: number;
}

/** One collateral line of an account. */
export interface DetectCollateral {
  readonly asset: string;
  /** Amount in the asset's smallest units (≥ 0). */
  readonly amount: bigint;
  /** Liquidation threshold in bps (0–10,000): the share of the value that backs debt. */
  readonly liquidationThresholdBps: bigint;
}

/** One debt line of an account. */
export interface DetectDebt {
  readonly asset: string;
  /** Amount owed in the asset's smallest units (≥ 0). */
  readonly amount: bigint;
}

/** An account as the detector sees it: any number of collateral and debt lines. */
export interface DetectAccount {
  /** Unique, non-empty id. */
  readonly id: string;
  readonly collateral: readonly DetectCollateral[];
  readonly debt: readonly DetectDebt[];
}

/** Oracle prices by asset, each > 0 and scaled by that asset's `priceDecimals`. */
export type DetectPrices = Readonly<Record<string, bigint>>;

/** A whole book: the assets and every account. */
export interface DetectBook {
  readonly assets: readonly DetectAsset[];
  readonly accounts: readonly DetectAccount[];
}

/**
 * The assets of a book, indexed, with the factor that brings every value to one common scale:
 * an amount `n` of asset `a` at price `p` is worth n·p / 10^(decimals_a + priceDecimals_a) quote
 * units, that is n·p·scale_a / 10^commonDecimals with scale_a = 10^(commonDecimals − decimals_a −
 * priceDecimals_a) and commonDecimals the largest decimals + priceDecimals of the book. On that
 * common scale every value is an integer, so comparing them needs no division and no rounding.
 */
export interface AssetRegistry {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** 10^(commonDecimals − decimals − priceDecimals) per asset index. */
  readonly scale: readonly bigint[];
  readonly commonDecimals: number;
}

function requireDecimals(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new InvalidParameterError(field, `must be an integer in [0, 255], got ${value}`);
  }
}

/**
 * Indexes the assets of a book and computes their common scale.
 * @throws InvalidParameterError for no asset or more than {@link ASSETS_MAX}, an empty or
 *   duplicate name, or decimals outside [0, 255].
 */
export function createAssetRegistry(assets: readonly DetectAsset[]): AssetRegistry {
  if (assets.length === 0) throw new InvalidParameterError('assets', 'must list at least one asset');
  if (assets.length > ASSETS_MAX) {
    throw new InvalidParameterError('assets', `must list at most ${ASSETS_MAX} assets, got ${assets.length}`);
  }
  const index = new Map<string, number>();
  let commonDecimals = 0;
  assets.forEach((a, i) => {
    if (typeof a.asset !== 'string' || a.asset === '') {
      throw new InvalidParameterError(`assets[${i}].asset`, 'must be a non-empty string');
    }
    if (index.has(a.asset))
      throw new InvalidParameterError(`assets[${i}].asset`, `duplicate asset ${a.asset}`);
    requireDecimals(`assets.${a.asset}.decimals`, a.decimals);
    requireDecimals(`assets.${a.asset}.priceDecimals`, a.priceDecimals);
    index.set(a.asset, i);
    commonDecimals = Math.max(commonDecimals, a.decimals + a.priceDecimals);
  });
  return {
    names: assets.map((a) => a.asset),
    index,
    scale: assets.map((a) => 10n ** BigInt(commonDecimals - a.decimals - a.priceDecimals)),
    commonDecimals,
  };
}

/**
 * The index of `asset` in the registry.
 * @throws UnknownAssetError when the book does not list it.
 */
export function assetIndex(registry: AssetRegistry, asset: string): number {
  const i = registry.index.get(asset);
  if (i === undefined) throw new UnknownAssetError(asset);
  return i;
}

/**
 * Checks one oracle price: a bigint > 0. A zero price is refused, not treated as "worthless": a
 * feed that reports 0 has failed, and the caller must decide what that means.
 * @throws InvalidParameterError (field `prices.<asset>`) otherwise.
 */
export function requirePrice(asset: string, price: unknown): bigint {
  if (typeof price !== 'bigint') {
    throw new InvalidParameterError(`prices.${asset}`, `must be a bigint, got ${typeof price}`);
  }
  if (price <= 0n) {
    throw new InvalidParameterError(
      `prices.${asset}`,
      `must be > 0, got ${price}`,
      'A zero or negative oracle price means the feed failed: treat it as stale instead.',
    );
  }
  return price;
}

/**
 * The exact price of every asset of the registry, by asset index.
 * @throws UnknownAssetError for a price of an asset the book does not list; InvalidParameterError
 *   for a missing price or a price that is not a bigint > 0.
 */
export function pricesByIndex(registry: AssetRegistry, prices: DetectPrices): bigint[] {
  for (const asset of Object.keys(prices)) assetIndex(registry, asset);
  return registry.names.map((asset) => {
    if (!Object.hasOwn(prices, asset)) {
      throw new InvalidParameterError(
        `prices.${asset}`,
        'is missing',
        'Give a price for every asset of the book.',
      );
    }
    return requirePrice(asset, prices[asset]);
  });
}

function requireAmount(accountId: string, field: string, amount: unknown): void {
  if (typeof amount !== 'bigint' || amount < 0n) {
    throw new InvalidParameterError(
      `accounts.${accountId}.${field}`,
      `must be a bigint ≥ 0, got ${String(amount)}`,
    );
  }
}

/**
 * Checks an account's shape: a non-empty id, known assets, amounts ≥ 0 and thresholds in
 * [0, 10,000] bps.
 * @throws InvalidParameterError or UnknownAssetError naming the offending field.
 */
export function validateAccount(registry: AssetRegistry, account: DetectAccount): void {
  if (typeof account.id !== 'string' || account.id === '') {
    throw new InvalidParameterError('account.id', 'must be a non-empty string');
  }
  for (let i = 0; i < account.collateral.length; i++) {
    const line = account.collateral[i] as DetectCollateral;
    assetIndex(registry, line.asset);
    requireAmount(account.id, `collateral[${i}].amount`, line.amount);
    const lt = line.liquidationThresholdBps;
    if (typeof lt !== 'bigint' || lt < 0n || lt > BPS) {
      throw new InvalidParameterError(
        `accounts.${account.id}.collateral[${i}].liquidationThresholdBps`,
        `must be a bigint in [0, 10000], got ${String(lt)}`,
      );
    }
  }
  for (let i = 0; i < account.debt.length; i++) {
    const line = account.debt[i] as DetectDebt;
    assetIndex(registry, line.asset);
    requireAmount(account.id, `debt[${i}].amount`, line.amount);
  }
}

/**
 * The exact liquidation rule, Aave-like (health factor < 1):
 *
 *   Σ_collateral amount·price·LT / (10^(dec+pdec)·10^4)  <  Σ_debt amount·price / 10^(dec+pdec)
 *
 * evaluated after multiplying both sides by 10^(commonDecimals)·10^4, so both sums are integers
 * and nothing is divided or rounded: the comparison is the exact rational HF < 1 and favours no
 * one. (Aave v3, aave-v3-core GenericLogic.calculateUserAccountData, converts each balance to the
 * base currency with an integer division and rounds the weighted threshold and the final ratio, so
 * at the boundary its answer can differ from this exact rule by those roundings; a protocol model
 * that needs Aave's bits uses its own health factor.) An account without debt is never
 * liquidatable; one with debt and no weighted collateral always is.
 * @param prices exact prices by asset index (from {@link pricesByIndex}).
 * The account must have passed {@link validateAccount}.
 */
export function isLiquidatableExact(
  registry: AssetRegistry,
  prices: readonly bigint[],
  account: DetectAccount,
): boolean {
  let weighted = 0n; // Σ amount·LT·price·scale: collateral value × bps on the common scale
  for (const line of account.collateral) {
    const a = assetIndex(registry, line.asset);
    weighted +=
      line.amount * line.liquidationThresholdBps * (prices[a] as bigint) * (registry.scale[a] as bigint);
  }
  let owed = 0n; // Σ amount·10^4·price·scale: debt value × bps on the same scale
  for (const line of account.debt) {
    const a = assetIndex(registry, line.asset);
    owed += line.amount * BPS * (prices[a] as bigint) * (registry.scale[a] as bigint);
  }
  return weighted < owed;
}

/**
 * The reference detector: checks every account of the book in exact bigint with
 * {@link isLiquidatableExact} and returns the ids of the liquidatable ones, sorted in JavaScript's
 * default string order (UTF-16 code units). O(accounts × lines); no index, no float.
 * @param prices one price > 0 per asset of the book, scaled by the asset's `priceDecimals`.
 * @throws InvalidParameterError for a bad or missing price, a duplicate account id or a malformed
 *   account; UnknownAssetError for an asset the book does not list.
 */
export function naiveScan(book: DetectBook, prices: DetectPrices): string[] {
  const registry = createAssetRegistry(book.assets);
  const exact = pricesByIndex(registry, prices);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const account of book.accounts) {
    validateAccount(registry, account);
    if (seen.has(account.id))
      throw new InvalidParameterError(`accounts.${account.id}`, 'duplicate account id');
    seen.add(account.id);
    if (isLiquidatableExact(registry, exact, account)) out.push(account.id);
  }
  return out.sort();
}

/**
 * An account reduced to what decides its fate: per asset, the net coefficient
 * N_a = scale_a·(Σ collateral amount·LT − Σ debt amount·10^4), so that the account is liquidatable
 * iff Σ_a price_a·N_a < 0 (the rule of {@link isLiquidatableExact}, rearranged; still exact).
 * Only assets with N_a ≠ 0 are kept, in increasing asset index.
 */
export interface NetPosition {
  readonly assets: readonly number[];
  readonly coefs: readonly bigint[];
}

/**
 * Nets an account's lines per asset (see {@link NetPosition}). The account must have passed
 * {@link validateAccount}.
 */
export function netPosition(registry: AssetRegistry, account: DetectAccount): NetPosition {
  // Accounts hold few assets: parallel arrays with a linear search beat a Map here.
  const assets: number[] = [];
  const sums: bigint[] = [];
  const add = (asset: number, value: bigint): void => {
    const i = assets.indexOf(asset);
    if (i < 0) {
      assets.push(asset);
      sums.push(value);
    } else sums[i] = (sums[i] as bigint) + value;
  };
  for (const line of account.collateral) {
    add(assetIndex(registry, line.asset), line.amount * line.liquidationThresholdBps);
  }
  for (const line of account.debt) add(assetIndex(registry, line.asset), -line.amount * BPS);
  const order = assets.map((_, i) => i).sort((x, y) => (assets[x] as number) - (assets[y] as number));
  const outAssets: number[] = [];
  const outCoefs: bigint[] = [];
  for (const i of order) {
    const sum = sums[i] as bigint;
    if (sum === 0n) continue;
    const a = assets[i] as number;
    outAssets.push(a);
    outCoefs.push(sum * (registry.scale[a] as bigint));
  }
  return { assets: outAssets, coefs: outCoefs };
}
