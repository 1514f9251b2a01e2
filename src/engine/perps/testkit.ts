/**
 * Small builders for tests of the perps core and of the models built on it: a market with easy
 * scales (USDC 6 decimals, sizes in 0.001 base, prices ×1e8, so value = size·price/1e5 quote
 * units), and a view assembled from positions and bucket balances without going through fills.
 */
import { applyMove, type Ledger } from '../ledger.js';
import {
  emptyPerpsBook,
  evolvePerpsBook,
  type MarginMode,
  type PerpAccountOpened,
  type PerpMarketConfig,
  type PerpPositionChanged,
  type PerpsBook,
  type PerpsView,
} from './types.js';

/** USDC units of whole dollars. */
export const usdcUnits = (whole: number | bigint): bigint => BigInt(whole) * 10n ** 6n;

/** An oracle price (×1e8) of whole dollars. */
export const price8 = (whole: number | bigint): bigint => BigInt(whole) * 10n ** 8n;

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
    marginTiers: [
      { upToNotionalQuote: usdcUnits(50_000), initialMarginPpm: 100_000n, maintenanceMarginPpm: 50_000n },
      {
        upToNotionalQuote: null,
        initialMarginPpm: 200_000n,
        maintenanceMarginPpm: 100_000n,
        maintenanceDeductionQuote: usdcUnits(2_500),
      },
    ],
    makerAccount: 'mm',
    venue: {
      kind: 'book',
      levels: [
        { priceOffsetPpm: 1_000n, sizeBase: 2_000n },
        { priceOffsetPpm: 5_000n, sizeBase: 5_000n },
        { priceOffsetPpm: 20_000n, sizeBase: 100_000n },
      ],
    },
    takerFeePpm: 500n,
    liquidationFeePpm: 10_000n,
    ...overrides,
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
