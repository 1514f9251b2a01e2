/**
 * Hyperliquid perpetual market parameters: the typed shape the `hyperliquid` model runs on, a
 * validator naming the offending field, JSON output it accepts back, and documented defaults.
 * Sources: https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations (maintenance margin
 * = half the initial margin at max leverage; 20 % partial liquidations above $100k with a 30 s
 * cooldown; the liquidator vault), …/trading/margin-tiers (tiered MM with a deduction),
 * …/trading/fees (base taker fee 0.045 %).
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readBigint, readBigintOr, readInt, readIntOr, readObject, readString } from '../../engine/fields.js';
import { validateMarginTiers } from '../../engine/perps/margin.js';
import { parseUniqueMarkets } from '../../engine/perps/paramReaders.js';
import type { MarginTier, PerpMarketConfig, Venue } from '../../engine/perps/types.js';
import { validateVenue } from '../../engine/perps/venue.js';
import {
  maintenanceMarginRatePpm,
  PARTIAL_LIQUIDATION_COOLDOWN_SECONDS,
  PARTIAL_LIQUIDATION_THRESHOLD_USD,
  PPM,
} from './math.js';

/** One perp market. */
export interface HyperliquidMarketParams {
  /** Market id (`BTC-PERP`). */
  readonly market: string;
  /** Engine oracle asset whose price is the market's mark price. */
  readonly oracleAsset: string;
  /** Decimals of sizes (Hyperliquid `szDecimals`: BTC 5, ETH 4). */
  readonly baseDecimals: number;
  /** Decimals of the oracle's prices for this asset. */
  readonly priceDecimals: number;
  /** Max leverage (3…50): IM = 1/maxLeverage, MM = 1/(2·maxLeverage). */
  readonly maxLeverage: bigint;
  /**
   * Margin tiers (MM = notional·rate − deduction), when the market has a schedule; absent: one
   * tier from `maxLeverage`.
   */
  readonly marginTiers?: readonly MarginTier[];
  /** Taker fee on trades, ppm of the filled quote, to the `protocol` bucket. */
  readonly takerFeePpm: bigint;
  /** The book liquidation orders are sent to. */
  readonly venue: Venue;
}

/** Validated `hyperliquid` parameters. */
export interface HyperliquidParams {
  /** Engine asset of collateral and PnL (`USDC`). */
  readonly quoteAsset: string;
  /** The book's makers as one account: the counterparty and settlement account of every fill. */
  readonly makerAccount: string;
  /** The liquidator vault (HLP) that backstops liquidations. */
  readonly backstopAccount: string;
  /** Notional above which a liquidation order is 20 % of the position, quote units ($100k). */
  readonly partialLiquidationThresholdQuote: bigint;
  /** Cooldown after a partial liquidation during which orders are for the whole position (30 s). */
  readonly partialLiquidationCooldownSeconds: number;
  readonly markets: readonly HyperliquidMarketParams[];
}

/** The margin tiers of a market: its schedule, or one tier from max leverage. */
export function marginTiersOf(market: HyperliquidMarketParams): readonly MarginTier[] {
  if (market.marginTiers !== undefined) return market.marginTiers;
  return [
    {
      upToNotionalQuote: null,
      // 1/maxLeverage and 1/(2·maxLeverage), rounded up (requirements never understate).
      initialMarginPpm: (PPM + market.maxLeverage - 1n) / market.maxLeverage,
      maintenanceMarginPpm: maintenanceMarginRatePpm(market.maxLeverage),
    },
  ];
}

/**
 * BTC-PERP as Hyperliquid lists it: 40x max leverage (MM 1.25 %), sizes in 1e-5 BTC, 6-decimal
 * prices, the base taker fee 0.045 %, a book of ten 1-BTC levels 2 bps apart; the makers' account
 * `book` and the HLP liquidator vault `hlp`; partial liquidation above $100k with a 30 s cooldown
 * (USDC has 6 decimals). Listed max leverages change with governance and market conditions.
 */
export const DEFAULT_HYPERLIQUID_PARAMS: HyperliquidParams = {
  quoteAsset: 'USDC',
  makerAccount: 'book',
  backstopAccount: 'hlp',
  partialLiquidationThresholdQuote: PARTIAL_LIQUIDATION_THRESHOLD_USD * 1_000_000n,
  partialLiquidationCooldownSeconds: PARTIAL_LIQUIDATION_COOLDOWN_SECONDS,
  markets: [
    {
      market: 'BTC-PERP',
      oracleAsset: 'BTC',
      baseDecimals: 5,
      priceDecimals: 6,
      maxLeverage: 40n,
      takerFeePpm: 450n,
      venue: {
        kind: 'book',
        levels: Array.from({ length: 10 }, (_, i) => ({
          priceOffsetPpm: BigInt(200 * (i + 1)),
          sizeBase: 100_000n,
        })),
      },
    },
  ],
};

function readVenue(raw: unknown, path: string): Venue {
  const r = readObject(raw, path);
  let venue: Venue;
  if (r.kind === 'book') {
    if (!Array.isArray(r.levels))
      throw new InvalidParameterError(`${path}.levels`, 'expected a list of levels');
    venue = {
      kind: 'book',
      levels: r.levels.map((l: unknown, i) => {
        const lr = readObject(l, `${path}.levels.${i}`);
        return {
          priceOffsetPpm: readBigint(lr, 'priceOffsetPpm', `${path}.levels.${i}.priceOffsetPpm`),
          sizeBase: readBigint(lr, 'sizeBase', `${path}.levels.${i}.sizeBase`),
        };
      }),
    };
  } else if (r.kind === 'amm') {
    venue = {
      kind: 'amm',
      baseReserve: readBigint(r, 'baseReserve', `${path}.baseReserve`),
      quoteReserve: readBigint(r, 'quoteReserve', `${path}.quoteReserve`),
    };
  } else {
    throw new InvalidParameterError(
      `${path}.kind`,
      `expected "book" or "amm", got ${JSON.stringify(r.kind)}`,
    );
  }
  validateVenue(venue, path);
  return venue;
}

function readTiers(raw: unknown, path: string): MarginTier[] {
  if (!Array.isArray(raw)) throw new InvalidParameterError(path, 'expected a list of tiers');
  const tiers = raw.map((t: unknown, i): MarginTier => {
    const r = readObject(t, `${path}.${i}`);
    const cap = r.upToNotionalQuote;
    const base = {
      upToNotionalQuote:
        cap === null || cap === undefined
          ? null
          : readBigint(r, 'upToNotionalQuote', `${path}.${i}.upToNotionalQuote`),
      initialMarginPpm: readBigint(r, 'initialMarginPpm', `${path}.${i}.initialMarginPpm`),
      maintenanceMarginPpm: readBigint(r, 'maintenanceMarginPpm', `${path}.${i}.maintenanceMarginPpm`),
    };
    return r.maintenanceDeductionQuote === undefined
      ? base
      : {
          ...base,
          maintenanceDeductionQuote: readBigint(
            r,
            'maintenanceDeductionQuote',
            `${path}.${i}.maintenanceDeductionQuote`,
          ),
        };
  });
  validateMarginTiers(tiers, path);
  return tiers;
}

function parseMarket(raw: unknown, path: string): HyperliquidMarketParams {
  const r = readObject(raw, path);
  const f = (k: string) => `${path}.${k}`;
  const base = {
    market: readString(r, 'market', f('market')),
    oracleAsset: readString(r, 'oracleAsset', f('oracleAsset')),
    baseDecimals: readInt(r, 'baseDecimals', f('baseDecimals'), { max: 30 }),
    priceDecimals: readInt(r, 'priceDecimals', f('priceDecimals'), { max: 30 }),
    maxLeverage: readBigint(r, 'maxLeverage', f('maxLeverage'), {
      min: 1n,
      max: 100n,
      expect: 'a leverage in [1, 100]',
    }),
    takerFeePpm: readBigintOr(r, 'takerFeePpm', 0n, f('takerFeePpm'), {
      max: PPM,
      expect: 'a fee in [0, 1e6] ppm',
    }),
    venue: readVenue(r.venue, f('venue')),
  };
  return r.marginTiers === undefined
    ? base
    : { ...base, marginTiers: readTiers(r.marginTiers, f('marginTiers')) };
}

/**
 * Validates raw `hyperliquid` parameters (a parsed object or its own {@link hyperliquidParamsToJson}).
 * @param path dotted prefix of error fields.
 * @throws InvalidParameterError naming the field (`params.markets.0.maxLeverage`).
 */
export function parseHyperliquidParams(raw: unknown, path = 'params'): HyperliquidParams {
  const r = readObject(raw, path);
  const markets = parseUniqueMarkets(r.markets, `${path}.markets`, parseMarket);
  const makerAccount = readString(r, 'makerAccount', `${path}.makerAccount`);
  const backstopAccount = readString(r, 'backstopAccount', `${path}.backstopAccount`);
  if (makerAccount === backstopAccount) {
    throw new InvalidParameterError(`${path}.backstopAccount`, 'must differ from the maker account');
  }
  return {
    quoteAsset: readString(r, 'quoteAsset', `${path}.quoteAsset`),
    makerAccount,
    backstopAccount,
    partialLiquidationThresholdQuote: readBigint(
      r,
      'partialLiquidationThresholdQuote',
      `${path}.partialLiquidationThresholdQuote`,
    ),
    partialLiquidationCooldownSeconds: readIntOr(
      r,
      'partialLiquidationCooldownSeconds',
      PARTIAL_LIQUIDATION_COOLDOWN_SECONDS,
      `${path}.partialLiquidationCooldownSeconds`,
      { max: 86_400 },
    ),
    markets,
  };
}

/** The parameters as JSON (bigints as decimal strings), accepted back by {@link parseHyperliquidParams}. */
export function hyperliquidParamsToJson(params: HyperliquidParams): unknown {
  return JSON.parse(JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** The core market config of a market (quote decimals from the listed quote asset). */
export function coreMarketConfig(
  params: HyperliquidParams,
  market: HyperliquidMarketParams,
  quoteDecimals: number,
): PerpMarketConfig {
  return {
    market: market.market,
    oracleAsset: market.oracleAsset,
    baseDecimals: market.baseDecimals,
    priceDecimals: market.priceDecimals,
    quoteDecimals,
    marginTiers: marginTiersOf(market),
    makerAccount: params.makerAccount,
    venue: market.venue,
    takerFeePpm: market.takerFeePpm,
    liquidationFeePpm: 0n,
  };
}
