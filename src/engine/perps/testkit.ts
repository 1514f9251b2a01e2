/**
 * Small builders for tests of the perps core and of the models built on it: a market with easy
 * scales (USDC 6 decimals, sizes in 0.001 base, prices ×1e8, so value = size·price/1e5 quote
 * units), the same market and a liquidation policy as `perps-generic` parameters, and a view
 * assembled from positions and bucket balances without going through fills.
 */
import { applyMove, type Ledger } from '../ledger.js';
import type { PerpsLiquidationPolicy } from './liquidation.js';
import type { PerpsGenericMarketParams, PerpsGenericParams } from './params.js';
import {
  emptyPerpsBook,
  evolvePerpsBook,
  type MarginMode,
  type MarginTier,
  type PerpAccountOpened,
  type PerpMarketConfig,
  type PerpPositionChanged,
  type PerpsBook,
  type PerpsView,
  type Venue,
} from './types.js';

/** USDC units of whole dollars. */
export const usdcUnits = (whole: number | bigint): bigint => BigInt(whole) * 10n ** 6n;

/** An oracle price (×1e8) of whole dollars. */
export const price8 = (whole: number | bigint): bigint => BigInt(whole) * 10n ** 8n;

/**
 * The test margin tiers: IM 10 % / MM 5 % up to 50,000 USDC of notional, then IM 20 % / MM 10 %
 * less a 2,500 USDC deduction (continuous at the boundary).
 */
export const TEST_MARGIN_TIERS: readonly MarginTier[] = [
  { upToNotionalQuote: usdcUnits(50_000), initialMarginPpm: 100_000n, maintenanceMarginPpm: 50_000n },
  {
    upToNotionalQuote: null,
    initialMarginPpm: 200_000n,
    maintenanceMarginPpm: 100_000n,
    maintenanceDeductionQuote: usdcUnits(2_500),
  },
];

/** One margin tier at any notional: IM 10 % / MM 5 %. */
export const FLAT_MARGIN_TIERS: readonly MarginTier[] = [
  { upToNotionalQuote: null, initialMarginPpm: 100_000n, maintenanceMarginPpm: 50_000n },
];

/** The test book around the mark: 2, 5 and 100 base (sizes in 0.001) at 0.1 %, 0.5 % and 2 % away. */
export const TEST_BOOK_VENUE: Venue = {
  kind: 'book',
  levels: [
    { priceOffsetPpm: 1_000n, sizeBase: 2_000n },
    { priceOffsetPpm: 5_000n, sizeBase: 5_000n },
    { priceOffsetPpm: 20_000n, sizeBase: 100_000n },
  ],
};

/**
 * A test market: base 3 decimals, price 8, quote 6; tiers 10 %/5 % up to 50,000 notional then
 * 20 %/10 % − 2,500; a book 0.1 % × 2 / 0.5 % × 5 / 2 % × 100 base; maker `mm`; taker fee 0.05 %,
 * liquidation fee 1 %.
 */
export function testMarket(overrides: Partial<PerpMarketConfig> = {}): PerpMarketConfig {
  return {
    market: 'ETH-PERP',
    oracleAsset: 'ETH',
    baseDecimals: 3,
    priceDecimals: 8,
    quoteDecimals: 6,
    marginTiers: TEST_MARGIN_TIERS,
    makerAccount: 'mm',
    venue: TEST_BOOK_VENUE,
    takerFeePpm: 500n,
    liquidationFeePpm: 10_000n,
    ...overrides,
  };
}

/**
 * {@link testMarket} as a `perps-generic` market (the quote decimals come from the listed quote
 * asset): ETH-PERP on oracle asset ETH, base 3 decimals, price 8, {@link TEST_MARGIN_TIERS}, maker
 * `mm` on {@link TEST_BOOK_VENUE}, taker fee 0.05 %, liquidation fee 1 %; `overrides` replace fields.
 */
export function testGenericMarket(
  overrides: Partial<PerpsGenericMarketParams> = {},
): PerpsGenericMarketParams {
  const { quoteDecimals: _quoteDecimals, ...market } = testMarket(overrides);
  return market;
}

/**
 * The test liquidation policy: partial liquidation back to maintenance (target 100 %, no buffer),
 * half the liquidation fee to the liquidator, losses to the insurance fund then ADL ranked by
 * PnL × leverage.
 */
export const TEST_LIQUIDATION: Omit<PerpsLiquidationPolicy, 'exemptAccounts'> = {
  sizing: 'partial',
  targetRatioPpm: 1_000_000n,
  bufferPpm: 0n,
  liquidatorSharePpm: 500_000n,
  lossSteps: ['insurance', 'adl'],
  adlRanking: { kind: 'pnlLeverage' },
};

/**
 * `perps-generic` parameters with USDC as quote: `markets` (default one {@link testGenericMarket})
 * and {@link TEST_LIQUIDATION} with the fields of `liquidation` replaced or added.
 */
export function testGenericParams(
  input: {
    readonly markets?: readonly PerpsGenericMarketParams[];
    readonly liquidation?: Partial<PerpsGenericParams['liquidation']>;
  } = {},
): PerpsGenericParams {
  return {
    quoteAsset: 'USDC',
    markets: input.markets ?? [testGenericMarket()],
    liquidation: { ...TEST_LIQUIDATION, ...input.liquidation },
  };
}

/** A position to place in {@link testView}. */
export interface TestPosition {
  readonly account: string;
  readonly market?: string;
  readonly sizeBase: bigint;
  readonly entryQuote: bigint;
  readonly marginMode?: MarginMode;
  readonly fundingIndexSettled?: bigint;
}

/**
 * A view over `markets` (default one {@link testMarket}) holding `positions` and the quote
 * `balances` by bucket (moved in from `world`). Positions need not sum to zero.
 */
export function testView(
  input: {
    readonly markets?: readonly PerpMarketConfig[];
    readonly positions?: readonly TestPosition[];
    readonly balances?: Readonly<Record<string, bigint>>;
  } = {},
): PerpsView {
  let book: PerpsBook = emptyPerpsBook('USDC', 6, input.markets ?? [testMarket()]);
  for (const p of input.positions ?? []) {
    const changed: PerpPositionChanged = {
      type: 'PerpPositionChanged',
      market: p.market ?? 'ETH-PERP',
      account: p.account,
      position: {
        sizeBase: p.sizeBase,
        entryQuote: p.entryQuote,
        fundingIndexSettled: p.fundingIndexSettled ?? 0n,
        marginMode: p.marginMode ?? 'cross',
      },
    };
    book = evolvePerpsBook(book, changed);
  }
  let ledger: Ledger = {};
  for (const [bucket, amount] of Object.entries(input.balances ?? {})) {
    const opened: PerpAccountOpened = { type: 'PerpAccountOpened', account: bucket.slice(5) };
    if (bucket.startsWith('acct:')) book = evolvePerpsBook(book, opened);
    if (amount > 0n)
      ledger = applyMove(ledger, {
        type: 'Moved',
        asset: 'USDC',
        from: 'world',
        to: bucket,
        amount,
        reason: 'test',
      });
  }
  return { book, ledger };
}
