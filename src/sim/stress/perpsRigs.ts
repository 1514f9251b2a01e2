/**
 * One rig per perpetuals model for the stress lab: the parameters a run configures (each with an
 * ETH market on the scenario's ETH feed), the commands that list assets, fund the house (makers,
 * liquidity providers, insurance fund, liquidator vault) and open a planned position, and the
 * readings the adapter reports (positions, equity, insurance fund, bad debt). Amounts in the
 * readings are floats (USD) for reporting; everything sent to a model is its own integers,
 * rounded down (the protocol never holds more than the plan says).
 */
import { createEngine, type EngineState, type ProtocolModel } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Command, Decider, EngineEvent } from '../../engine/machine.js';
import {
  accountMargin,
  liquidatableScopes,
  marginRequirementQuote,
  pendingFundingQuote,
  valueQuote,
} from '../../engine/perps/margin.js';
import { PERPS_GENERIC_ID, perpsGenericModel } from '../../engine/perps/model.js';
import {
  DEFAULT_PERPS_GENERIC_PARAMS,
  type PerpsGenericParams,
  parsePerpsGenericParams,
} from '../../engine/perps/params.js';
import {
  crossBucket,
  isolatedBucket,
  type MarginTier,
  type PerpScales,
  type PerpsBook,
  PPM_SCALE,
  positionOf,
} from '../../engine/perps/types.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import type { PerpsKind } from '../../keepers/perps.js';
import { SolventError } from '../../math/errors.js';
import { divRound, mulDiv, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import { DRIFT_V2_ID, driftV2Model } from '../../protocols/drift-v2/model.js';
import { DEFAULT_DRIFT_PARAMS, type DriftParams, parseDriftParams } from '../../protocols/drift-v2/params.js';
import { type DriftExt, driftMargin, pendingLossOf, statusOf } from '../../protocols/drift-v2/state.js';
import { DYDX_V4_ID, dydxV4Model } from '../../protocols/dydx-v4/model.js';
import { DEFAULT_DYDX_PARAMS, type DydxParams, parseDydxParams } from '../../protocols/dydx-v4/params.js';
import { subaccountRisk } from '../../protocols/dydx-v4/state.js';
import { accruedView } from '../../protocols/gmx-v2/liquidation.js';
import { poolValue } from '../../protocols/gmx-v2/market.js';
import { GMX_V2_ID, gmxV2Model } from '../../protocols/gmx-v2/model.js';
import { positionLiquidation } from '../../protocols/gmx-v2/orders.js';
import {
  DEFAULT_GMX_MARKET,
  DEFAULT_GMX_PARAMS,
  type GmxParams,
  parseGmxParams,
} from '../../protocols/gmx-v2/params.js';
import { type GmxExt, positionId } from '../../protocols/gmx-v2/state.js';
import { HYPERLIQUID_ID, hyperliquidModel } from '../../protocols/hyperliquid/model.js';
import {
  DEFAULT_HYPERLIQUID_PARAMS,
  type HyperliquidParams,
  marginTiersOf,
  parseHyperliquidParams,
} from '../../protocols/hyperliquid/params.js';
import { SYNTHETIX_PERPS_V3_ID, synthetixPerpsV3Model } from '../../protocols/synthetix-perps-v3/model.js';
import {
  DEFAULT_SYNTHETIX_PARAMS,
  parseSynthetixParams,
  type SynthetixParams,
} from '../../protocols/synthetix-perps-v3/params.js';
import { type SynthetixExt, valueAccount } from '../../protocols/synthetix-perps-v3/state.js';
import type { PerpsBookPosition, PerpsMarginRates } from './perpsBook.js';

/** The oracle asset the scenario's ETH path drives in every perps run. */
export const PERPS_ORACLE_ASSET = 'ETH';

/**
 * Sizes of the house's funds, fractions of the opened book's total notional (longs + shorts) at the
 * start price, and what Hyperliquid's vault does with its takeovers. ASSUMPTIONS, stress-lab choices
 * rather than measurements: the makers (book makers, Drift's AMM, Synthetix's LPs, GMX's pool)
 * hold the book's notional, enough to pay the traders' PnL through any move of the scenarios; the
 * insurance funds (0.1 %) and Hyperliquid's liquidator vault (0.05 %) are small enough that the
 * oct-2025 scenario (200 accounts, 60 s, seed 7) exhausts them before ADL, the point of the run
 * (for scale only: history.md §10 gives Hyperliquid's open interest, $14B, not its vault); the
 * vault carries its takeovers, as the model's vault does (it has no unwinding strategy).
 */
export interface PerpsStressSizes {
  /** Collateral of the venue's makers / LPs / pool, fraction of the book's notional (> 0). */
  readonly makerFraction: number;
  /** The insurance fund of perps-generic, composed markets, dYdX and Drift, fraction (≥ 0). */
  readonly insuranceFraction: number;
  /** Hyperliquid's liquidator vault (HLP) capital, fraction (≥ 0). */
  readonly backstopFraction: number;
  /**
   * Whether Hyperliquid's vault closes what it took over into the book at the next step (true), or
   * carries it through the run (false).
   */
  readonly backstopUnwinds: boolean;
}

/** Default {@link PerpsStressSizes} (see there): makers 100 %, insurance 0.1 %, HLP 0.05 %, no unwind. */
export const DEFAULT_PERPS_STRESS_SIZES: PerpsStressSizes = {
  makerFraction: 1,
  insuranceFraction: 0.001,
  backstopFraction: 0.0005,
  backstopUnwinds: false,
};

/** Totals of the plan the house is sized from, USD. */
export interface PerpsHouseBasis {
  readonly longUsd: number;
  readonly shortUsd: number;
  /** ETH price at the start, USD. */
  readonly priceUsd: number;
}

/** A market of a rig beside its ETH market, where hedge legs open (hedged books only). */
export interface PerpsRigMarket {
  readonly market: string;
  /** The oracle asset of its price (ETH for a second ETH venue). */
  readonly oracleAsset: string;
  readonly baseDecimals: number;
  readonly priceDecimals: number;
  readonly makerAccount: string;
  /** Taker fee of an opening order, fraction of notional. */
  readonly takerFee: number;
  /** The market's margin rates at a notional, fractions. */
  rates(notionalUsd: number): PerpsMarginRates;
}

/** A model as the stress lab drives it. */
export interface PerpsRig {
  readonly kind: PerpsKind;
  /** Model id (a composed market's own id). */
  readonly protocol: string;
  readonly model: ProtocolModel<unknown>;
  readonly decider: Decider<EngineState<unknown>, Command, EngineEvent>;
  /** The ETH market's id. */
  readonly market: string;
  /** Decimals of a size and of the ETH oracle price the market reads. */
  readonly baseDecimals: number;
  readonly priceDecimals: number;
  readonly quoteAsset: string;
  readonly quoteDecimals: number;
  /** Taker fee of an opening order, fraction of notional. */
  readonly takerFee: number;
  /** Accounts of the protocol itself (makers, LPs, vaults): never liquidated, never borrowers. */
  readonly houseAccounts: readonly string[];
  /** Hyperliquid's liquidator vault. */
  readonly backstopAccount?: string;
  /**
   * The account standing for the outside market (book makers, Drift's AMM): fills against it are
   * the venue flow. Absent where the LPs or the pool take the other side at the oracle price
   * (Synthetix, GMX): no order reaches a market.
   */
  readonly venueAccount?: string;
  /** The model's margin rates at a notional and price, fractions. */
  rates(notionalUsd: number, priceUsd: number): PerpsMarginRates;
  /** Listing, configure and the oracles beyond ETH (GMX's WETH and USDC), at set-up time. */
  configureCommands(keeperIds: readonly string[]): Command[];
  /** The house's funds at the start. */
  houseCommands(basis: PerpsHouseBasis, sizes: PerpsStressSizes): Command[];
  /** What a keeper needs before it can act (Drift: a funded account), with what it put in (quote units). */
  keeperCommands(keeperId: string, walletUsd: number): { commands: Command[]; fundedQuote: bigint };
  /** The protocol account holding a planned position (GMX: the position key). */
  accountOf(position: PerpsBookPosition): string;
  /**
   * The other markets hedge legs may open in (composed markets with several markets: a hedged
   * book, perpsBook.ts); absent or empty: a one-market book.
   */
  readonly hedgeMarkets?: readonly PerpsRigMarket[];
  /**
   * Commands that open a planned position at the oracle price `priceInt` (market price decimals),
   * and its hedge leg, when it has one, at `hedgePriceInt` (the hedge market's decimals).
   */
  openCommands(position: PerpsBookPosition, priceInt: bigint, hedgePriceInt?: bigint): Command[];
  /** Net worth pieces of an account: signed size (18-decimal ETH) and what offsets it, USD. */
  worth(state: EngineState<unknown>, account: string): { sizeWad: bigint; debtUsd: number };
  /** Signed equity of an account at the latest oracle price, USD (undefined when unknown or flat). */
  equityUsd(state: EngineState<unknown>, account: string): number | undefined;
  /** Whether the account holds an open position. */
  isOpen(state: EngineState<unknown>, account: string): boolean;
  /** The insurance fund (or loss buffer) now, USD. */
  insuranceFundUsd(state: EngineState<unknown>): number;
  /** A keeper's cash change since it was funded, USD. */
  keeperCashUsd(state: EngineState<unknown>, keeperId: string, fundedQuote: bigint): number;
  /**
   * What the run-local watch (perpsWatch.ts) reads of a perps-core model to screen its accounts;
   * absent (GMX) where readings are not screened.
   */
  readonly probe?: PerpsRigProbe;
}

/**
 * Readings of a perps-core model at a price of the rig's market that the run-local watch
 * (perpsWatch.ts) builds its price certificates from. Every reading is the model's own exact
 * function with the market's mark replaced, for an account whose only open position (size ≠ 0) is
 * in the rig's market.
 */
export interface PerpsRigProbe {
  /** The model's book. @throws InvalidParameterError before `configure`. */
  book(state: EngineState<unknown>): PerpsBook;
  /**
   * The margin the model's health decides liquidation on when the market's mark is `price`
   * (integers at the market's price decimals): it reports the account liquidatable only if
   * `other` holds or `equityQuote < requirementQuote`. `equityQuote` moves with the price in the
   * position's direction (up for a long), `requirementQuote` never falls as the price rises, and
   * `other` (the account's other margin scopes) does not depend on the price. Null: the account is
   * not screened (a Synthetix account flagged for liquidation, a book with a cross-margin stage).
   * @throws SolventError as the model's readings do.
   */
  liquidationMargin(state: EngineState<unknown>, account: string, price: bigint): ProbeMargin | null;
  /**
   * The equity {@link PerpsRig.equityUsd} reads, quote units, as a line in the market's price:
   * `constantQuote + valueQuote(sizeBase, price, scales, Down)` is exactly that reading with the
   * market at `price`, for an account whose only open position (if any) is in the rig's market.
   * Undefined when the reading is (an account the book does not have).
   */
  equityLine(state: EngineState<unknown>, account: string): EquityLine | undefined;
  /**
   * Whether the model pays a liquidator out of the liquidated scope's equity E as perps-generic does
   * (at most ⌊max(0, min(fee, E + 1)) · share⌋, src/keepers/perps.ts perpsRewardBoundQuote), so that
   * a liquidation of an account with E ≤ −1 (the `equityQuote` of {@link liquidationMargin}) pays
   * its liquidator nothing.
   */
  readonly paysFromEquity?: boolean;
  /**
   * Calls `mark` for every account whose model state outside the book and the quote buckets (a
   * Synthetix flag, Drift's liquidation status and pending loss) differs between two states, as
   * far as the readings above and {@link PerpsRig.worth} read it; returns true when it differs
   * for every account (new parameters, Synthetix's keeper gas price).
   */
  extChanged(
    before: EngineState<unknown>,
    after: EngineState<unknown>,
    mark: (account: string) => void,
  ): boolean;
}

/** An equity as a line in a market's price ({@link PerpsRigProbe.equityLine}). */
export interface EquityLine {
  /** The part that does not move with the price, quote units. */
  readonly constantQuote: bigint;
  /** Signed size of the position in the rig's market (0: none), base units. */
  readonly sizeBase: bigint;
  readonly scales: PerpScales;
}

/** A margin scope as {@link PerpsRigProbe.liquidationMargin} reads it, quote units. */
export interface ProbeMargin {
  readonly equityQuote: bigint;
  readonly requirementQuote: bigint;
  /** Another scope of the account is liquidatable (price-independent). */
  readonly other: boolean;
}

const E6 = 1_000_000;

/** A USD amount (float ≥ 0) as smallest units of a `decimals`-decimal $1 asset, floored at 1e-6. */
export function usdToUnits(usd: number, decimals: number): bigint {
  const micro = BigInt(Math.floor(Math.max(0, usd) * E6));
  // Floor: the house and the traders never get more than the plan says.
  return decimals >= 6 ? micro * pow10(decimals - 6) : divRound(micro, pow10(6 - decimals), Rounding.Down);
}

/** Smallest units of a quote asset as USD (float, the asset at $1). */
const unitsToUsd = (units: bigint, decimals: number): number => Number(units) / 10 ** decimals;

/**
 * Base units of a notional at a price: notional · 10^(base + price decimals) / (price · 10^quote),
 * rounded down, then down to a multiple of `step`.
 */
function sizeFor(
  notionalUsd: number,
  priceInt: bigint,
  scales: { baseDecimals: number; priceDecimals: number; quoteDecimals: number },
  step: bigint,
): bigint {
  const quote = usdToUnits(notionalUsd, scales.quoteDecimals);
  // Down: the position is never larger than the plan.
  const raw = mulDiv(
    quote,
    pow10(scales.baseDecimals + scales.priceDecimals),
    priceInt * pow10(scales.quoteDecimals),
    Rounding.Down,
  );
  return raw - (raw % step);
}

/** The latest aggregated oracle price of an asset (no staleness check: readings only). */
export function latestOraclePrice(state: EngineState<unknown>, asset: string): bigint | undefined {
  const history = state.oracle.assets[asset]?.history ?? [];
  return history[history.length - 1]?.price;
}

/** Decimals of the quote assets composed markets use (others: 6). */
const QUOTE_DECIMALS: Readonly<Record<string, number>> = { USDC: 6, USDT: 6, USD: 6, DAI: 18, snxUSD: 18 };

/** Margin rates of tiers at a notional in quote units. */
function tierRates(
  tiers: readonly MarginTier[],
  notionalUsd: number,
  quoteDecimals: number,
): PerpsMarginRates {
  const n = usdToUnits(notionalUsd, quoteDecimals);
  if (n === 0n) return { initial: 1, maintenance: 1 };
  return {
    initial: Number(marginRequirementQuote(n, tiers, 'initial')) / Number(n),
    maintenance: Number(marginRequirementQuote(n, tiers, 'maintenance')) / Number(n),
  };
}

// ---------------------------------------------------------------------------------------------
// Stress defaults of each model

/** ETH book levels (offset ppm, whole ETH): the depth profile of the dYdX and perps-generic defaults. */
const ETH_BOOK: readonly (readonly [bigint, bigint])[] = [
  [200n, 50n],
  [1_000n, 200n],
  [5_000n, 1_000n],
  [20_000n, 5_000n],
];

const bookIn = (baseDecimals: number) => ({
  kind: 'book' as const,
  levels: ETH_BOOK.map(([priceOffsetPpm, eth]) => ({ priceOffsetPpm, sizeBase: eth * pow10(baseDecimals) })),
});

/**
 * `perps-generic` in the stress lab: its defaults (ETH-PERP and BTC-PERP, insurance → ADL), with
 * half of the liquidation fee paid to the liquidator (ASSUMPTION, the split of
 * examples/composed-perp-adl.yaml): the defaults pay it all to the insurance fund, which leaves a
 * permissionless keeper nothing to act for.
 */
export const STRESS_PERPS_GENERIC_PARAMS: PerpsGenericParams = {
  ...DEFAULT_PERPS_GENERIC_PARAMS,
  liquidation: { ...DEFAULT_PERPS_GENERIC_PARAMS.liquidation, liquidatorSharePpm: 500_000n },
};

/**
 * `hyperliquid` in the stress lab: the defaults with an ETH-PERP market instead of BTC-PERP: 25x
 * (Hyperliquid's ETH max leverage: MM 2 %), sizes in 1e-4 ETH (szDecimals 4), 8-decimal prices (the
 * stress feed's), taker fee 0.045 %, and the ETH book of the dYdX defaults (50/200/1,000/5,000 ETH at
 * 0.02/0.1/0.5/2 %: ASSUMPTION).
 */
export const STRESS_HYPERLIQUID_PARAMS: HyperliquidParams = {
  ...DEFAULT_HYPERLIQUID_PARAMS,
  markets: [
    {
      market: 'ETH-PERP',
      oracleAsset: PERPS_ORACLE_ASSET,
      baseDecimals: 4,
      priceDecimals: 8,
      maxLeverage: 25n,
      takerFeePpm: 450n,
      venue: bookIn(4),
    },
  ],
};

/** `dydx-v4` in the stress lab: its defaults, which already list ETH-USD. */
export const STRESS_DYDX_PARAMS: DydxParams = DEFAULT_DYDX_PARAMS;

/**
 * `synthetix-perps-v3` in the stress lab: the defaults with the ETH market's skew scale raised from
 * the integration-test 1,000 ETH to 1,000,000 ETH (ASSUMPTION, the order of Synthetix's perps v2
 * ETH market): at 1,000 ETH a $150k position needs an initial margin above 8 % and the liquidation
 * window admits 7 ETH per 10 s, far below the stress books.
 */
export const STRESS_SYNTHETIX_PARAMS: SynthetixParams = {
  ...DEFAULT_SYNTHETIX_PARAMS,
  markets: DEFAULT_SYNTHETIX_PARAMS.markets.map((m) =>
    m.market === 'ETH' ? { ...m, skewScale: 1_000_000n * 10n ** 18n } : m,
  ),
};

/**
 * `drift-v2` in the stress lab: the defaults' market settings (10x initial, 5 % maintenance, fee
 * ramp 1 % → 3 %, IF fee 1 %, step 0.001, taker 0.1 %, $100M insurance claim cap) on an ETH-PERP
 * with the ETH book of the dYdX defaults (ASSUMPTION: the defaults' ten 1-unit levels cannot hold
 * the stress books).
 */
export const STRESS_DRIFT_PARAMS: DriftParams = {
  ...DEFAULT_DRIFT_PARAMS,
  markets: DEFAULT_DRIFT_PARAMS.markets.map((m) => ({
    ...m,
    market: 'ETH-PERP',
    oracleAsset: PERPS_ORACLE_ASSET,
    venue: bookIn(9),
  })),
};

/**
 * `gmx-v2` in the stress lab: the default BTC/USD market's settings on ETH/USD [WETH-USDC]
 * (ASSUMPTION: the ETH market's own impact and borrowing settings differ), with the open-interest
 * caps raised to $10B per side so they never bind; the keepers of the run hold LIQUIDATION_KEEPER
 * and ADL_KEEPER (added at set-up).
 */
export const STRESS_GMX_PARAMS: GmxParams = {
  ...DEFAULT_GMX_PARAMS,
  markets: [
    {
      ...DEFAULT_GMX_MARKET,
      market: 'ETH-USD',
      indexToken: PERPS_ORACLE_ASSET,
      longToken: 'WETH',
      shortToken: 'USDC',
      maxOpenInterest: { long: 10n ** 10n * 10n ** 30n, short: 10n ** 10n * 10n ** 30n },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// The perps-core models

interface CoreExtLike {
  readonly params: unknown;
  readonly book: PerpsBook | null;
}

function bookOf(state: EngineState<unknown>): PerpsBook {
  const book = (state.ext as CoreExtLike).book;
  if (book === null) throw new InvalidParameterError('state', 'the perps model is not configured');
  return book;
}

interface CoreSpec {
  readonly kind: Exclude<PerpsKind, 'gmx'>;
  readonly protocol: string;
  readonly model: ProtocolModel<unknown>;
  readonly market: string;
  readonly baseDecimals: number;
  readonly priceDecimals: number;
  readonly quoteAsset: string;
  readonly quoteDecimals: number;
  readonly step: bigint;
  readonly takerFee: number;
  readonly houseAccounts: readonly string[];
  readonly backstopAccount?: string;
  readonly makerAccount: string;
  readonly params: unknown;
  readonly rates: (notionalUsd: number, priceUsd: number) => PerpsMarginRates;
  /** Opening order of `sizeBase` (signed) for `account`. */
  readonly order: (account: string, sizeBase: bigint) => Command;
  /** Funding of the makers (and Hyperliquid's vault, the insurance fund). */
  readonly house: (makerQuote: bigint, insuranceQuote: bigint, backstopQuote: bigint) => Command[];
  /** Extra loss the account owes beyond its positions (Drift's pending loss), quote units. */
  readonly pendingLoss?: (state: EngineState<unknown>, account: string) => bigint;
  /** The insurance fund, quote units. */
  readonly fund: (state: EngineState<unknown>, rig: PerpsRig) => number;
  /** Markets hedge legs open in (perps-generic parameter sets with several markets). */
  readonly hedgeMarkets?: readonly PerpsRigMarket[];
  /** {@link PerpsRigProbe.liquidationMargin} of the model (the rig's market at `price`). */
  readonly liquidationMargin: (
    state: EngineState<unknown>,
    account: string,
    price: bigint,
  ) => ProbeMargin | null;
  /** {@link PerpsRigProbe.extChanged} of the model (default: only new parameters change all). */
  readonly extChanged?: (
    before: EngineState<unknown>,
    after: EngineState<unknown>,
    mark: (account: string) => void,
  ) => boolean;
}

/**
 * The cross or isolated scope of an account's position in `market` as the perps core's health
 * reads it (perps-generic, composed markets, Hyperliquid): equity against maintenance, the other
 * scopes' liquidation flag beside it; null under a cross-margin stage (its requirement is not
 * screened).
 */
function coreScopeMargin(
  state: EngineState<unknown>,
  market: string,
  account: string,
  price: bigint,
): ProbeMargin | null {
  const book = bookOf(state);
  if (book.marginStage !== undefined) return null;
  const margin = accountMargin({ book, ledger: state.ledger }, account, { [market]: price });
  const mode = positionOf(book, account, market)?.marginMode ?? 'cross';
  const own = mode === 'cross' ? margin : margin.isolated[market];
  if (own === undefined) return null;
  const ownScope = mode === 'cross' ? 'cross' : market;
  return {
    equityQuote: own.equityQuote,
    requirementQuote: own.maintenanceQuote,
    other: liquidatableScopes(margin).some((s) => s !== ownScope),
  };
}

/** New parameters change every reading. */
const paramsChanged = (before: EngineState<unknown>, after: EngineState<unknown>): boolean =>
  (before.ext as CoreExtLike).params !== (after.ext as CoreExtLike).params;

/** Σ collateral of an account's buckets (cross and isolated), quote units. */
function bucketsQuote(state: EngineState<unknown>, book: PerpsBook, account: string): bigint {
  let total = balanceOf(state.ledger, crossBucket(account), book.quoteAsset);
  for (const market of Object.keys(book.markets)) {
    total += balanceOf(state.ledger, isolatedBucket(account, market), book.quoteAsset);
  }
  return total;
}

/**
 * Equity of an account at the latest oracle price, quote units (cross + isolated), or undefined;
 * `spec.market`'s price is `marketPrice` instead when given.
 */
function coreEquityQuote(
  state: EngineState<unknown>,
  spec: CoreSpec,
  account: string,
  marketPrice?: bigint,
): bigint | undefined {
  const book = bookOf(state);
  if (!book.accounts.has(account)) return undefined;
  const marks: Record<string, bigint> = {};
  for (const market of Object.keys(book.markets)) {
    const p = positionOf(book, account, market);
    if (p === undefined || p.sizeBase === 0n) continue;
    const config = book.markets[market]!.config;
    const price =
      marketPrice !== undefined && market === spec.market
        ? marketPrice
        : latestOraclePrice(state, config.oracleAsset);
    if (price === undefined) return undefined;
    marks[market] = price;
  }
  const margin = accountMargin({ book, ledger: state.ledger }, account, marks);
  let equity = margin.equityQuote;
  for (const scope of Object.values(margin.isolated)) equity += scope.equityQuote;
  return equity - (spec.pendingLoss?.(state, account) ?? 0n);
}

function coreRig(spec: CoreSpec): PerpsRig {
  const decider = createEngine(spec.model) as unknown as Decider<EngineState<unknown>, Command, EngineEvent>;
  const scales = {
    baseDecimals: spec.baseDecimals,
    priceDecimals: spec.priceDecimals,
    quoteDecimals: spec.quoteDecimals,
  };
  const rig: PerpsRig = {
    kind: spec.kind,
    protocol: spec.protocol,
    model: spec.model,
    decider,
    market: spec.market,
    baseDecimals: spec.baseDecimals,
    priceDecimals: spec.priceDecimals,
    quoteAsset: spec.quoteAsset,
    quoteDecimals: spec.quoteDecimals,
    takerFee: spec.takerFee,
    houseAccounts: spec.houseAccounts,
    ...(spec.backstopAccount === undefined ? {} : { backstopAccount: spec.backstopAccount }),
    ...(spec.kind === 'synthetix' ? {} : { venueAccount: spec.makerAccount }),
    rates: spec.rates,
    configureCommands: () => [
      { type: 'listAsset', asset: spec.quoteAsset, decimals: spec.quoteDecimals },
      { type: 'configure', params: spec.params },
    ],
    houseCommands(basis, sizes) {
      const total = basis.longUsd + basis.shortUsd;
      return spec.house(
        usdToUnits(total * sizes.makerFraction, spec.quoteDecimals),
        usdToUnits(total * sizes.insuranceFraction, spec.quoteDecimals),
        usdToUnits(total * sizes.backstopFraction, spec.quoteDecimals),
      );
    },
    keeperCommands(keeperId, walletUsd) {
      if (spec.kind !== 'drift') return { commands: [], fundedQuote: 0n };
      const amount = usdToUnits(walletUsd, spec.quoteDecimals);
      return {
        commands: amount > 0n ? [{ type: 'deposit', account: keeperId, amount }] : [],
        fundedQuote: amount,
      };
    },
    ...(spec.hedgeMarkets === undefined ? {} : { hedgeMarkets: spec.hedgeMarkets }),
    accountOf: (p) => p.account,
    openCommands(p, priceInt, hedgePriceInt) {
      const size = sizeFor(p.notionalUsd, priceInt, scales, spec.step);
      const margin = usdToUnits(p.marginUsd, spec.quoteDecimals);
      if (size === 0n || margin === 0n) return [];
      const out: Command[] = [
        { type: 'deposit', account: p.account, amount: margin },
        spec.order(p.account, p.side === 'long' ? size : -size),
      ];
      const h = p.hedge;
      const hm = h === undefined ? undefined : spec.hedgeMarkets?.find((x) => x.market === h.market);
      if (h !== undefined && hm !== undefined && hedgePriceInt !== undefined && hedgePriceInt > 0n) {
        const hedgeScales = { ...hm, quoteDecimals: spec.quoteDecimals };
        const hedgeSize = sizeFor(h.notionalUsd, hedgePriceInt, hedgeScales, 1n);
        if (hedgeSize > 0n) {
          out.push({
            type: 'openPosition',
            account: p.account,
            market: hm.market,
            sizeBase: h.side === 'long' ? hedgeSize : -hedgeSize,
          });
        }
      }
      return out;
    },
    worth(state, account) {
      const book = bookOf(state);
      let size = 0n;
      let hedgeWad = 0n;
      let entry = 0n;
      let otherValue = 0n;
      for (const market of Object.keys(book.markets)) {
        const p = positionOf(book, account, market);
        if (p === undefined) continue;
        const m = book.markets[market]!;
        if (market === spec.market) size += p.sizeBase;
        else if (p.sizeBase !== 0n) {
          // A hedge leg: on the path asset it adds to the size, elsewhere its value at its latest
          // oracle price offsets the debt (net worth at p stays collateral·p − debt).
          const c = m.config;
          if (c.oracleAsset === PERPS_ORACLE_ASSET) {
            hedgeWad += p.sizeBase * pow10(18 - c.baseDecimals);
          } else {
            const price = latestOraclePrice(state, c.oracleAsset) ?? 0n;
            otherValue += valueQuote(p.sizeBase, price, c, Rounding.Down);
          }
        }
        entry += p.entryQuote + pendingFundingQuote(p, m);
      }
      const debt =
        entry - otherValue - bucketsQuote(state, book, account) + (spec.pendingLoss?.(state, account) ?? 0n);
      return {
        sizeWad: size * pow10(18 - spec.baseDecimals) + hedgeWad,
        debtUsd: unitsToUsd(debt, spec.quoteDecimals),
      };
    },
    equityUsd(state, account) {
      const e = coreEquityQuote(state, spec, account);
      return e === undefined ? undefined : unitsToUsd(e, spec.quoteDecimals);
    },
    isOpen(state, account) {
      const book = bookOf(state);
      if ((positionOf(book, account, spec.market)?.sizeBase ?? 0n) !== 0n) return true;
      return (spec.hedgeMarkets ?? []).some(
        (h) => (positionOf(book, account, h.market)?.sizeBase ?? 0n) !== 0n,
      );
    },
    insuranceFundUsd: (state) => spec.fund(state, rig),
    keeperCashUsd(state, keeperId, fundedQuote) {
      const wallet = balanceOf(state.ledger, `wallet:${keeperId}`, spec.quoteAsset);
      if (spec.kind !== 'drift') return unitsToUsd(wallet, spec.quoteDecimals);
      const equity = coreEquityQuote(state, spec, keeperId) ?? 0n;
      return unitsToUsd(wallet + equity - fundedQuote, spec.quoteDecimals);
    },
    probe: {
      book: bookOf,
      liquidationMargin: spec.liquidationMargin,
      equityLine(state, account) {
        const book = bookOf(state);
        const config = book.markets[spec.market]?.config;
        if (config === undefined) return undefined;
        const sizeBase = positionOf(book, account, spec.market)?.sizeBase ?? 0n;
        // Any positive price reads the same constant part: the reading at 1 less the value at 1.
        const at = coreEquityQuote(state, spec, account, 1n);
        if (at === undefined) return undefined;
        return {
          constantQuote: at - valueQuote(sizeBase, 1n, config, Rounding.Down),
          sizeBase,
          scales: config,
        };
      },
      ...(spec.kind === 'generic' ? { paysFromEquity: true } : {}),
      extChanged(before, after, mark) {
        if (paramsChanged(before, after)) return true;
        return spec.extChanged?.(before, after, mark) ?? false;
      },
    },
  };
  return rig;
}

const insuranceBucketUsd = (state: EngineState<unknown>, rig: PerpsRig): number =>
  unitsToUsd(balanceOf(state.ledger, 'insurance', rig.quoteAsset), rig.quoteDecimals);

function ppmOf(x: bigint): number {
  return Number(x) / Number(PPM_SCALE);
}

function requireEthMarket<M extends { readonly market: string }>(
  markets: readonly M[],
  oracleOf: (m: M) => string,
  field: string,
): M {
  const m = markets.find((x) => oracleOf(x) === PERPS_ORACLE_ASSET);
  if (m === undefined) {
    throw new InvalidParameterError(
      field,
      `has no market on the ${PERPS_ORACLE_ASSET} oracle`,
      'The stress lab drives an ETH market with the scenario: add one (oracle asset ETH).',
    );
  }
  return m;
}

/** Options of {@link genericRig}. */
export interface GenericRigOptions {
  /**
   * Open a hedged book in the parameter set's other markets (perpsBook.ts perpsHedgePlan), each
   * maker funded like the ETH market's. Default false: a one-market book (the catalogue's
   * perps-generic keeps its book whatever markets its parameters list).
   */
  readonly hedged?: boolean;
}

/**
 * The rig of a perps-generic parameter set (perps-generic itself or a composed market under its
 * own model). The quote asset's decimals: USDC, USDT, USD 6; DAI, snxUSD 18; anything else 6.
 */
export function genericRig(
  protocol: string,
  model: ProtocolModel<unknown>,
  params: PerpsGenericParams,
  options: GenericRigOptions = {},
): PerpsRig {
  const m = requireEthMarket(params.markets, (x) => x.oracleAsset, 'protocolParams.markets');
  const quoteDecimals = QUOTE_DECIMALS[params.quoteAsset] ?? 6;
  const makers = [...new Set(params.markets.map((x) => x.makerAccount))];
  const backstop = params.liquidation.backstop?.account;
  const hedged = options.hedged === true && params.markets.length > 1;
  const hedgeMarkets: PerpsRigMarket[] = params.markets
    .filter((x) => x.market !== m.market)
    .map((x) => ({
      market: x.market,
      oracleAsset: x.oracleAsset,
      baseDecimals: x.baseDecimals,
      priceDecimals: x.priceDecimals,
      makerAccount: x.makerAccount,
      takerFee: ppmOf(x.takerFeePpm),
      rates: (n: number) => tierRates(x.marginTiers, n, quoteDecimals),
    }));
  const fundedMakers = hedged ? makers : [m.makerAccount];
  return coreRig({
    kind: 'generic',
    protocol,
    model,
    market: m.market,
    baseDecimals: m.baseDecimals,
    priceDecimals: m.priceDecimals,
    quoteAsset: params.quoteAsset,
    quoteDecimals,
    step: 1n,
    takerFee: ppmOf(m.takerFeePpm),
    houseAccounts: backstop === undefined ? makers : [...makers, backstop],
    makerAccount: m.makerAccount,
    params: paramsJson(params),
    rates: (n) => tierRates(m.marginTiers, n, quoteDecimals),
    order: (account, sizeBase) => ({ type: 'openPosition', account, market: m.market, sizeBase }),
    house: (maker, insurance, vault) => [
      ...(maker > 0n ? fundedMakers.map((account) => ({ type: 'deposit', account, amount: maker })) : []),
      ...(insurance > 0n ? [{ type: 'fundInsurance', asset: params.quoteAsset, amount: insurance }] : []),
      ...(backstop !== undefined && vault > 0n
        ? [{ type: 'deposit', account: backstop, amount: vault }]
        : []),
    ],
    fund: insuranceBucketUsd,
    liquidationMargin: (state, account, price) => coreScopeMargin(state, m.market, account, price),
    ...(hedged ? { hedgeMarkets } : {}),
  });
}

/**
 * The rig of `hyperliquid`. Its "insurance fund" is the liquidator vault's free margin: equity
 * above its own maintenance margin at the oracle price, floored at 0 — what a takeover may still
 * consume (the model refuses a takeover that would leave the vault below maintenance, and ADL
 * follows).
 */
export function hyperliquidRig(params: HyperliquidParams): PerpsRig {
  const m = requireEthMarket(params.markets, (x) => x.oracleAsset, 'protocolParams.markets');
  const tiers = marginTiersOf(m);
  let rig: PerpsRig;
  const spec: CoreSpec = {
    kind: 'hyperliquid',
    protocol: HYPERLIQUID_ID,
    model: hyperliquidModel as unknown as ProtocolModel<unknown>,
    market: m.market,
    baseDecimals: m.baseDecimals,
    priceDecimals: m.priceDecimals,
    quoteAsset: params.quoteAsset,
    quoteDecimals: 6,
    step: 1n,
    takerFee: ppmOf(m.takerFeePpm),
    houseAccounts: [params.makerAccount, params.backstopAccount],
    backstopAccount: params.backstopAccount,
    makerAccount: params.makerAccount,
    params: paramsJson(params),
    rates: (n) => tierRates(tiers, n, 6),
    order: (account, sizeBase) => ({ type: 'openPosition', account, market: m.market, sizeBase }),
    house: (maker, _insurance, vault) => [
      ...(maker > 0n ? [{ type: 'deposit', account: params.makerAccount, amount: maker }] : []),
      ...(vault > 0n ? [{ type: 'deposit', account: params.backstopAccount, amount: vault }] : []),
    ],
    liquidationMargin: (state, account, price) => coreScopeMargin(state, m.market, account, price),
    fund(state) {
      const book = bookOf(state);
      if (!book.accounts.has(params.backstopAccount)) return 0;
      const price = latestOraclePrice(state, m.oracleAsset);
      const open = (positionOf(book, params.backstopAccount, m.market)?.sizeBase ?? 0n) !== 0n;
      if (open && price === undefined) return 0;
      const margin = accountMargin(
        { book, ledger: state.ledger },
        params.backstopAccount,
        open && price !== undefined ? { [m.market]: price } : {},
      );
      const free = margin.equityQuote - margin.maintenanceQuote;
      return free > 0n ? unitsToUsd(free, rig.quoteDecimals) : 0;
    },
  };
  rig = coreRig(spec);
  return rig;
}

/** The rig of `dydx-v4` (insurance fund: the `insurance` bucket). */
export function dydxRig(params: DydxParams): PerpsRig {
  const m = requireEthMarket(params.perpetuals, (x) => x.oracleAsset, 'protocolParams.perpetuals');
  const im = ppmOf(m.initialMarginPpm);
  const mm = im * ppmOf(m.maintenanceFractionPpm);
  return coreRig({
    kind: 'dydx',
    protocol: DYDX_V4_ID,
    model: dydxV4Model as unknown as ProtocolModel<unknown>,
    market: m.market,
    baseDecimals: -m.atomicResolution,
    priceDecimals: m.priceDecimals,
    quoteAsset: params.quoteAsset,
    quoteDecimals: 6,
    step: m.stepBaseQuantums,
    takerFee: ppmOf(m.takerFeePpm),
    houseAccounts: [...new Set(params.perpetuals.map((p) => p.makerAccount))],
    makerAccount: m.makerAccount,
    params: paramsJson(params),
    rates: () => ({ initial: im, maintenance: mm }),
    order: (account, sizeBase) => ({ type: 'placeOrder', account, market: m.market, sizeBase }),
    house: (maker, insurance) => [
      ...(maker > 0n ? [{ type: 'deposit', account: m.makerAccount, amount: maker }] : []),
      ...(insurance > 0n ? [{ type: 'fundInsurance', asset: params.quoteAsset, amount: insurance }] : []),
    ],
    fund: insuranceBucketUsd,
    // dydx-v4 healthOf: liquidatable iff TMMR > 0 and TNC < TMMR (one scope: the subaccount).
    liquidationMargin(state, account, price) {
      const risk = subaccountRisk({ book: bookOf(state), ledger: state.ledger }, params, account, {
        [m.market]: price,
      });
      return { equityQuote: risk.tncQuote, requirementQuote: risk.tmmrQuote, other: false };
    },
  });
}

/**
 * The rig of `synthetix-perps-v3`. No insurance fund: the LPs bear losses, so the loss buffer
 * reported is the LP vault's equity (its snxUSD plus the PnL of the position it holds against the
 * skew) at the oracle price, floored at 0.
 */
export function synthetixRig(params: SynthetixParams): PerpsRig {
  const m = requireEthMarket(params.markets, (x) => x.oracleAsset, 'protocolParams.markets');
  const e18 = 1e18;
  const spec: CoreSpec = {
    kind: 'synthetix',
    protocol: SYNTHETIX_PERPS_V3_ID,
    model: synthetixPerpsV3Model as unknown as ProtocolModel<unknown>,
    market: m.market,
    baseDecimals: 18,
    priceDecimals: m.priceDecimals,
    quoteAsset: params.quoteAsset,
    quoteDecimals: 18,
    step: 1n,
    takerFee: Number(m.takerFeeD18) / e18,
    houseAccounts: [params.lpAccount],
    makerAccount: params.lpAccount,
    params: paramsJson(params),
    rates(n, p) {
      // PerpsMarketConfiguration.calculateRequiredMargins, in floats (a screen).
      const size = p > 0 ? n / p : 0;
      const imr =
        (size / (Number(m.skewScale) / e18)) * (Number(m.initialMarginRatioD18) / e18) +
        Number(m.minimumInitialMarginRatioD18) / e18;
      const extra = n > 0 ? Number(m.minimumPositionMargin) / e18 / n : 0;
      return {
        initial: imr + extra,
        maintenance: imr * (Number(m.maintenanceMarginScalarD18) / e18) + extra,
      };
    },
    order: (account, sizeBase) => ({ type: 'trade', account, market: m.market, sizeDelta: sizeBase }),
    house: (maker) => (maker > 0n ? [{ type: 'depositLiquidity', amount: maker }] : []),
    fund(state, rig) {
      const e = coreEquityQuote(state, spec, params.lpAccount);
      return e === undefined || e <= 0n ? 0 : unitsToUsd(e, rig.quoteDecimals);
    },
    // synthetix-perps-v3 healthOf: liquidatable iff flagged (not screened) or MM + reward > the
    // available margin; the reward grows with the notional (flag rewards) and the keeper gas price.
    liquidationMargin(state, account, price) {
      const ext = state.ext as SynthetixExt;
      if (ext.flagged.has(account)) return null;
      const prices = {
        marks: { [m.market]: price },
        d18: { [m.market]: price * 10n ** BigInt(18 - m.priceDecimals) },
      };
      const v = valueAccount(
        { book: bookOf(state), ledger: state.ledger },
        params,
        account,
        prices,
        ext.gasPriceUsdPerGasD18,
      );
      return {
        equityQuote: v.availableMarginQuote,
        requirementQuote: v.requiredMaintenanceMarginQuote + v.possibleLiquidationRewardQuote,
        other: false,
      };
    },
    extChanged(before, after, mark) {
      const a = before.ext as SynthetixExt;
      const b = after.ext as SynthetixExt;
      if (a.gasPriceUsdPerGasD18 !== b.gasPriceUsdPerGasD18) return true;
      PersistentMap.diff(a.flagged, b.flagged, (account) => mark(account));
      return false;
    },
  };
  return coreRig(spec);
}

/**
 * The rig of `drift-v2` (insurance fund: the `insurance` bucket; a user's equity is net of its
 * pending loss, the unpaid loss waiting for its bankruptcy to be resolved).
 */
export function driftRig(params: DriftParams): PerpsRig {
  const m = requireEthMarket(params.markets, (x) => x.oracleAsset, 'protocolParams.markets');
  return coreRig({
    kind: 'drift',
    protocol: DRIFT_V2_ID,
    model: driftV2Model as unknown as ProtocolModel<unknown>,
    market: m.market,
    baseDecimals: 9,
    priceDecimals: 6,
    quoteAsset: params.quoteAsset,
    quoteDecimals: 6,
    step: m.orderStepSize,
    takerFee: ppmOf(m.takerFeePpm),
    houseAccounts: [params.makerAccount],
    makerAccount: params.makerAccount,
    params: paramsJson(params),
    rates: () => ({
      initial: Number(m.marginRatioInitial) / 1e4,
      maintenance: Number(m.marginRatioMaintenance) / 1e4,
    }),
    order: (account, sizeBase) => ({ type: 'openPosition', account, market: m.market, sizeBase }),
    house: (maker, insurance) => [
      ...(maker > 0n ? [{ type: 'deposit', account: params.makerAccount, amount: maker }] : []),
      ...(insurance > 0n ? [{ type: 'fundInsurance', asset: params.quoteAsset, amount: insurance }] : []),
    ],
    pendingLoss(state, account) {
      let total = 0n;
      for (const v of Object.values((state.ext as DriftExt).pendingLoss.get(account) ?? {})) total += v;
      return total;
    },
    fund: insuranceBucketUsd,
    // drift-v2 health: liquidatable iff total collateral < the maintenance requirement (plus the
    // liquidation buffer while the user is being liquidated).
    liquidationMargin(state, account, price) {
      const ext = state.ext as DriftExt;
      const calc = driftMargin(
        { book: bookOf(state), ledger: state.ledger },
        params,
        account,
        { [m.market]: price },
        'maintenance',
        params.liquidationMarginBufferRatio,
        pendingLossOf(ext, account),
      );
      const being = statusOf(ext, account).beingLiquidated;
      return {
        equityQuote: calc.totalCollateralQuote,
        requirementQuote: being ? calc.marginRequirementPlusBufferQuote : calc.marginRequirementQuote,
        other: false,
      };
    },
    extChanged(before, after, mark) {
      const a = before.ext as DriftExt;
      const b = after.ext as DriftExt;
      PersistentMap.diff(a.users, b.users, (account) => mark(account));
      PersistentMap.diff(a.pendingLoss, b.pendingLoss, (account) => mark(account));
      return false;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// GMX

const GMX_COLLATERAL = 'USDC';
const GMX_LP = 'lp';
const F30 = 1e30;

/**
 * The rig of `gmx-v2`. Traders post USDC collateral; the LP `lp` deposits WETH worth the book's
 * long notional and USDC worth its short notional (× makerFraction). No insurance fund: the loss
 * buffer reported is the pool's value for depositors (GMX `getPoolValueInfo`: tokens + pending
 * borrowing − the traders' PnL), in USD. Keepers of the run are added to LIQUIDATION_KEEPER and
 * ADL_KEEPER.
 */
export function gmxRig(params: GmxParams): PerpsRig {
  const mp = requireEthMarket(params.markets, (x) => x.indexToken, 'protocolParams.markets');
  if (mp.shortToken !== GMX_COLLATERAL) {
    throw new InvalidParameterError(
      'protocolParams.markets',
      `the ETH market's short token is ${mp.shortToken}; the stress lab posts ${GMX_COLLATERAL} collateral`,
    );
  }
  const decider = createEngine(gmxV2Model) as unknown as Decider<EngineState<unknown>, Command, EngineEvent>;
  const gmx = (state: EngineState<unknown>) => state as EngineState<GmxExt>;
  const fee = Number(mp.positionFeeFactorForNegativeImpact) / F30;
  /** The pool's value for depositors (signed, USD), undefined when the oracle refuses. */
  const poolUsd = (s: EngineState<GmxExt>): number | undefined => {
    if (s.ext.params === null) return undefined;
    try {
      const view = accruedView(s, s.ext.params, mp.market, s.timeSeconds);
      return Number(poolValue(s.ext.params, view, 'deposits')) / F30;
    } catch (e) {
      if (e instanceof SolventError) return undefined;
      throw e;
    }
  };
  return {
    kind: 'gmx',
    protocol: GMX_V2_ID,
    model: gmxV2Model as unknown as ProtocolModel<unknown>,
    decider,
    market: mp.market,
    baseDecimals: 18,
    priceDecimals: 8,
    quoteAsset: GMX_COLLATERAL,
    quoteDecimals: 6,
    takerFee: fee,
    houseAccounts: [GMX_LP],
    rates: () => ({
      initial: Number(mp.minCollateralFactor) / F30,
      // The liquidation floor plus the closing fee the check deducts.
      maintenance: Number(mp.minCollateralFactorForLiquidation) / F30 + fee,
    }),
    configureCommands(keeperIds) {
      const withKeepers: GmxParams = {
        ...params,
        liquidationKeepers: [...new Set([...params.liquidationKeepers, ...keeperIds])],
        adlKeepers: [...new Set([...params.adlKeepers, ...keeperIds])],
      };
      return [
        { type: 'listAsset', asset: mp.indexToken, decimals: 18 },
        ...(mp.longToken === mp.indexToken ? [] : [{ type: 'listAsset', asset: mp.longToken, decimals: 18 }]),
        { type: 'listAsset', asset: GMX_COLLATERAL, decimals: 6 },
        { type: 'configure', params: paramsJson(withKeepers) },
      ];
    },
    houseCommands(basis, sizes) {
      const weth =
        BigInt(Math.floor(((basis.longUsd * sizes.makerFraction) / basis.priceUsd) * 1e9)) * 10n ** 9n;
      const usdc = usdToUnits(basis.shortUsd * sizes.makerFraction, 6);
      const out: Command[] = [];
      for (const [token, amount] of [
        [mp.longToken, weth],
        [GMX_COLLATERAL, usdc],
      ] as const) {
        if (amount <= 0n) continue;
        out.push({ type: 'fundWallet', actor: GMX_LP, asset: token, amount });
        out.push({ type: 'depositLiquidity', lp: GMX_LP, market: mp.market, token, amount });
      }
      return out;
    },
    keeperCommands: () => ({ commands: [], fundedQuote: 0n }),
    accountOf: (p) => positionId(p.account, mp.market, GMX_COLLATERAL, p.side === 'long'),
    openCommands(p) {
      const collateral = usdToUnits(p.marginUsd, 6);
      // Floor (1e-6 USD): the position is never larger than the plan.
      const sizeUsd = BigInt(Math.floor(p.notionalUsd * E6)) * 10n ** 24n;
      if (collateral === 0n || sizeUsd === 0n) return [];
      return [
        { type: 'fundWallet', actor: p.account, asset: GMX_COLLATERAL, amount: collateral },
        {
          type: 'increasePosition',
          account: p.account,
          market: mp.market,
          collateralToken: GMX_COLLATERAL,
          isLong: p.side === 'long',
          collateralAmount: collateral,
          sizeDeltaUsd: sizeUsd,
        },
      ];
    },
    worth(state, id) {
      const s = gmx(state);
      const p = s.ext.positions.get(id);
      const owner = id.split(':')[0] ?? id;
      const walletUsdc = Number(balanceOf(state.ledger, `wallet:${owner}`, GMX_COLLATERAL)) / E6;
      const walletWeth = balanceOf(state.ledger, `wallet:${owner}`, mp.longToken);
      if (p === undefined) return { sizeWad: walletWeth, debtUsd: -walletUsdc };
      const collateralUsd = Number(p.collateralAmount) / E6;
      const sign = p.isLong ? 1n : -1n;
      // long: worth = collateral + tokens·p − sizeUsd; short: collateral + sizeUsd − tokens·p.
      const sizeUsd = (p.isLong ? 1 : -1) * (Number(p.sizeInUsd) / F30);
      return { sizeWad: sign * p.sizeInTokens + walletWeth, debtUsd: sizeUsd - collateralUsd - walletUsdc };
    },
    equityUsd(state, id) {
      const s = gmx(state);
      if (id === GMX_LP) return poolUsd(s);
      const p = s.ext.positions.get(id);
      if (p === undefined || s.ext.params === null) return undefined;
      try {
        const view = accruedView(s, s.ext.params, p.market, state.timeSeconds);
        return (
          Number(positionLiquidation(s.ext.params, view, p, 'liquidation', false).remainingCollateralUsd) /
          F30
        );
      } catch (e) {
        if (e instanceof SolventError) return undefined;
        throw e;
      }
    },
    isOpen: (state, id) => gmx(state).ext.positions.has(id),
    insuranceFundUsd(state) {
      const v = poolUsd(gmx(state));
      return v !== undefined && v > 0 ? v : 0;
    },
    keeperCashUsd: () => 0,
  };
}

/** Parameters as JSON (bigints as decimal strings): what `configure` and `defaultParamsJson` carry. */
export function paramsJson(params: unknown): unknown {
  return JSON.parse(JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** The catalogue perps ids the stress lab runs, with their stress defaults and parsers. */
export const PERPS_RIG_FACTORIES: Readonly<
  Record<string, { readonly defaults: unknown; readonly build: (raw: unknown) => PerpsRig }>
> = {
  [PERPS_GENERIC_ID]: {
    defaults: STRESS_PERPS_GENERIC_PARAMS,
    build: (raw) =>
      genericRig(
        PERPS_GENERIC_ID,
        perpsGenericModel as unknown as ProtocolModel<unknown>,
        parsePerpsGenericParams(raw, 'protocolParams'),
      ),
  },
  [DYDX_V4_ID]: {
    defaults: STRESS_DYDX_PARAMS,
    build: (raw) => dydxRig(parseDydxParams(raw, 'protocolParams')),
  },
  [SYNTHETIX_PERPS_V3_ID]: {
    defaults: STRESS_SYNTHETIX_PARAMS,
    build: (raw) => synthetixRig(parseSynthetixParams(raw, 'protocolParams')),
  },
  [DRIFT_V2_ID]: {
    defaults: STRESS_DRIFT_PARAMS,
    build: (raw) => driftRig(parseDriftParams(raw, 'protocolParams')),
  },
  [HYPERLIQUID_ID]: {
    defaults: STRESS_HYPERLIQUID_PARAMS,
    build: (raw) => hyperliquidRig(parseHyperliquidParams(raw, 'protocolParams')),
  },
  [GMX_V2_ID]: { defaults: STRESS_GMX_PARAMS, build: (raw) => gmxRig(parseGmxParams(raw, 'protocolParams')) },
};
