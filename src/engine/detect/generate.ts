/**
 * A synthetic lending book for detector benchmarks and tests: a mix of isolated and cross-margin
 * accounts over eight assets with different token and price decimals, with health factors spread so
 * that a few percent sit near or below 1. Pure: the caller passes the uniform draws in.
 */
import { InvalidParameterError } from '../errors.js';
import type { DetectAccount, DetectAsset, DetectPrices } from './model.js';

/** One asset of the synthetic market, with its starting price and risk parameters. */
export interface SyntheticAsset extends DetectAsset {
  /** Starting price, scaled by `priceDecimals`. */
  readonly price: bigint;
  /** Liquidation threshold when used as collateral, bps. */
  readonly liquidationThresholdBps: bigint;
  /** Relative weight when an account picks a collateral asset. */
  readonly popularity: number;
  /** Stablecoins are the usual debt of isolated positions. */
  readonly stable: boolean;
}

/**
 * The synthetic market: Aave-like thresholds, token decimals 6, 8, 9 and 18, price decimals 8
 * (Chainlink USD feeds) and 18 (for two assets, to exercise the common scale).
 */
export const SYNTHETIC_ASSETS: readonly SyntheticAsset[] = [
  {
    asset: 'WETH',
    decimals: 18,
    priceDecimals: 8,
    price: 3_000n * 10n ** 8n,
    liquidationThresholdBps: 8_250n,
    popularity: 35,
    stable: false,
  },
  {
    asset: 'WBTC',
    decimals: 8,
    priceDecimals: 8,
    price: 60_000n * 10n ** 8n,
    liquidationThresholdBps: 7_800n,
    popularity: 20,
    stable: false,
  },
  {
    asset: 'wstETH',
    decimals: 18,
    priceDecimals: 18,
    price: 3_500n * 10n ** 18n,
    liquidationThresholdBps: 8_100n,
    popularity: 15,
    stable: false,
  },
  {
    asset: 'SOL',
    decimals: 9,
    priceDecimals: 8,
    price: 150n * 10n ** 8n,
    liquidationThresholdBps: 7_500n,
    popularity: 10,
    stable: false,
  },
  {
    asset: 'LINK',
    decimals: 18,
    priceDecimals: 8,
    price: 15n * 10n ** 8n,
    liquidationThresholdBps: 7_000n,
    popularity: 8,
    stable: false,
  },
  {
    asset: 'USDC',
    decimals: 6,
    priceDecimals: 8,
    price: 10n ** 8n,
    liquidationThresholdBps: 8_750n,
    popularity: 6,
    stable: true,
  },
  {
    asset: 'USDT',
    decimals: 6,
    priceDecimals: 8,
    price: 10n ** 8n,
    liquidationThresholdBps: 8_000n,
    popularity: 3,
    stable: true,
  },
  {
    asset: 'DAI',
    decimals: 18,
    priceDecimals: 18,
    price: 10n ** 18n,
    liquidationThresholdBps: 7_700n,
    popularity: 3,
    stable: true,
  },
];

/** What to generate. */
export interface SyntheticBookOptions {
  /** Number of accounts (a non-negative safe integer). */
  readonly accounts: number;
  /** Share of cross-margin accounts (2–4 collaterals, 1–2 debts), in [0, 1]; the rest are isolated. */
  readonly crossShare: number;
  /**
   * Share of accounts drawn with a health factor in [1.00, 1.05), in [0, 0.45] (default 0.01); as
   * many again are drawn in [1.05, 1.25) and a fifth as many in [0.98, 1.00) (already
   * liquidatable, not yet taken by a keeper). The rest are spread over [1.25, 4.00).
   */
  readonly nearShare?: number;
}

/** A generated book: the assets, their starting prices and the accounts. */
export interface SyntheticBook {
  readonly assets: readonly DetectAsset[];
  readonly prices: DetectPrices;
  readonly accounts: readonly DetectAccount[];
}

/** USD price of one whole token, as a float (generation only). */
function usdPrice(a: SyntheticAsset): number {
  return Number(a.price) / 10 ** a.priceDecimals;
}

/** `value` USD of asset `a` in its smallest units, rounded down (generation only, not exact). */
function amountOf(a: SyntheticAsset, valueUsd: number): bigint {
  return BigInt(Math.floor((valueUsd / usdPrice(a)) * 10 ** a.decimals));
}

/**
 * Generates a book. Each account draws its health factor first (see
 * {@link SyntheticBookOptions.nearShare}), its collateral value log-uniformly in [$100, $1M], then
 * debt = Σ value·LT / HF, converted to token amounts with float arithmetic (the detector is exact on
 * whatever integers result; the health factors are only approximately the drawn ones).
 * @param uniform a source of uniform draws in [0, 1) (a seeded generator: same draws, same book).
 * @throws InvalidParameterError for a bad account count, cross share or near share.
 */
export function generateSyntheticBook(options: SyntheticBookOptions, uniform: () => number): SyntheticBook {
  if (!Number.isSafeInteger(options.accounts) || options.accounts < 0) {
    throw new InvalidParameterError('accounts', `must be a non-negative integer, got ${options.accounts}`);
  }
  if (!(options.crossShare >= 0 && options.crossShare <= 1)) {
    throw new InvalidParameterError('crossShare', `must be in [0, 1], got ${options.crossShare}`);
  }
  const near = options.nearShare ?? 0.01;
  if (!(near >= 0 && near <= 0.45)) {
    throw new InvalidParameterError('nearShare', `must be in [0, 0.45], got ${near}`);
  }
  const all = SYNTHETIC_ASSETS;
  const volatile = all.filter((a) => !a.stable);
  const stables = all.filter((a) => a.stable);
  const pick = (from: readonly SyntheticAsset[], exclude: ReadonlySet<string>): SyntheticAsset => {
    const candidates = from.filter((a) => !exclude.has(a.asset));
    const total = candidates.reduce((s, a) => s + a.popularity, 0);
    let x = uniform() * total;
    for (const a of candidates) {
      x -= a.popularity;
      if (x < 0) return a;
    }
    return candidates[candidates.length - 1] as SyntheticAsset;
  };
  const accounts: DetectAccount[] = [];
  for (let i = 0; i < options.accounts; i++) {
    const h = uniform();
    const healthFactor =
      h < near / 5
        ? 0.98 + uniform() * 0.02
        : h < near * 1.2
          ? 1 + uniform() * 0.05
          : h < near * 2.2
            ? 1.05 + uniform() * 0.2
            : 1.25 + uniform() * 2.75;
    const cross = uniform() < options.crossShare;
    const used = new Set<string>();
    const collateralAssets: SyntheticAsset[] = [];
    const debtAssets: SyntheticAsset[] = [];
    if (cross) {
      const nc = 2 + Math.floor(uniform() * 3);
      for (let j = 0; j < nc; j++) {
        const a = pick(all, used);
        used.add(a.asset);
        collateralAssets.push(a);
      }
      const nd = 1 + Math.floor(uniform() * 2);
      for (let j = 0; j < nd; j++) {
        const a = pick(all, used);
        used.add(a.asset);
        debtAssets.push(a);
      }
    } else {
      const c = pick(volatile, used);
      used.add(c.asset);
      collateralAssets.push(c);
      debtAssets.push(uniform() < 0.9 ? pick(stables, used) : pick(volatile, used));
    }
    let weightedUsd = 0;
    const collateral = collateralAssets.map((a) => {
      const valueUsd = 100 * 10 ** (uniform() * 4);
      weightedUsd += (valueUsd * Number(a.liquidationThresholdBps)) / 10_000;
      return {
        asset: a.asset,
        amount: amountOf(a, valueUsd),
        liquidationThresholdBps: a.liquidationThresholdBps,
      };
    });
    const debtUsd = weightedUsd / healthFactor;
    const shares = debtAssets.map(() => 0.2 + uniform());
    const shareTotal = shares.reduce((s, x) => s + x, 0);
    const debt = debtAssets.map((a, j) => ({
      asset: a.asset,
      amount: amountOf(a, (debtUsd * (shares[j] as number)) / shareTotal) + 1n,
    }));
    accounts.push({ id: `acct-${i}`, collateral, debt });
  }
  return {
    assets: all.map((a) => ({ asset: a.asset, decimals: a.decimals, priceDecimals: a.priceDecimals })),
    prices: Object.fromEntries(all.map((a) => [a.asset, a.price])),
    accounts,
  };
}
