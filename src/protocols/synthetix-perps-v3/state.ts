/**
 * The `synthetix-perps-v3` model's state and its fold (parameters, the perpetuals core's book, the
 * keeper-cost oracle's gas price, flagged accounts with the margin seized from them, each market's
 * liquidation window entries, the LPs' recorded bad debt), and the account valuation Synthetix
 * liquidates on: available margin, required margins, the possible liquidation reward.
 */
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import type { Recorded } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { findMarketParams, requireConfiguredBook } from '../../engine/perps/commands.js';
import { accountMargin } from '../../engine/perps/margin.js';
import {
  crossBucket,
  emptyPerpsBook,
  evolvePerpsBook,
  isPerpsBookEvent,
  marketIds,
  type PerpMarketConfig,
  type PerpMarks,
  type PerpsBook,
  type PerpsView,
  positionOf,
  quoteBalance,
} from '../../engine/perps/types.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { WAD } from '../../math/units.js';
import {
  gasCostUsd,
  type LiquidationEntry,
  maxLiquidationAmountInWindow,
  mulDecimal,
  numberOfLiquidationWindows,
  possibleLiquidationReward,
  recordLiquidation,
  requiredMargins,
} from './math.js';
import type { SynthetixMarketParams, SynthetixParams } from './params.js';

/** Decimals of snxUSD (every USD amount is D18). */
export const QUOTE_DECIMALS = 18;

/** A flagged account: its margin went to the LPs at the flag; its positions close window by window. */
export interface FlaggedAccount {
  /** Margin seized at the flag (`seizedMarginValue`), USD D18. */
  readonly seizedMarginQuote: bigint;
  /** What is left of it (plus forfeited profits) to absorb the losses of its closes. */
  readonly seizedRemainingQuote: bigint;
}

/** The model's state. */
export interface SynthetixExt {
  readonly params: SynthetixParams | null;
  readonly book: PerpsBook | null;
  /** The keeper-cost oracle's gas price, USD per gas unit D18. */
  readonly gasPriceUsdPerGasD18: bigint;
  /** `GlobalPerpsMarket.liquidatableAccounts` with what was seized from each. */
  readonly flagged: PersistentMap<FlaggedAccount>;
  /** `PerpsMarket.liquidationData` per market (entries in the trailing window only). */
  readonly liquidationData: Readonly<Record<string, readonly LiquidationEntry[]>>;
  /** Losses of liquidated accounts beyond their seized margin, borne by the LPs, USD D18. */
  readonly lpBadDebtQuote: bigint;
}

/** An empty model state. */
export const initialSynthetixExt = (): SynthetixExt => ({
  params: null,
  book: null,
  gasPriceUsdPerGasD18: 0n,
  flagged: PersistentMap.empty(),
  liquidationData: {},
  lpBadDebtQuote: 0n,
});

/** `configure`. */
export interface SynthetixConfigured {
  readonly type: 'SynthetixConfigured';
  readonly params: SynthetixParams;
}
/** The keeper-cost oracle reports a new gas price. */
export interface SynthetixGasPriceSet {
  readonly type: 'SynthetixGasPriceSet';
  readonly gasPriceUsdPerGasD18: bigint;
}
/** `flagForLiquidation`: the account's margin went to the LPs. */
export interface SynthetixAccountFlagged {
  readonly type: 'SynthetixAccountFlagged';
  readonly account: string;
  readonly seizedMarginQuote: bigint;
  readonly flagCostQuote: bigint;
}
/** What is left of a flagged account's seized margin after its closes. */
export interface SynthetixSeizedMarginUsed {
  readonly type: 'SynthetixSeizedMarginUsed';
  readonly account: string;
  readonly seizedRemainingQuote: bigint;
}
/** The flagged account's last position closed. */
export interface SynthetixAccountUnflagged {
  readonly type: 'SynthetixAccountUnflagged';
  readonly account: string;
}
/** `_updateLiquidationData`: an amount liquidated in a market at a timestamp. */
export interface SynthetixLiquidationRecorded {
  readonly type: 'SynthetixLiquidationRecorded';
  readonly market: string;
  readonly amount: bigint;
  readonly timestampSeconds: number;
  /** Entries older than this many seconds before the timestamp are dropped. */
  readonly windowSeconds: number;
}
/** The LPs absorbed a loss beyond an account's margin. */
export interface SynthetixLpBadDebt {
  readonly type: 'SynthetixLpBadDebt';
  readonly account: string;
  readonly amountQuote: bigint;
}

type State = EngineState<SynthetixExt>;

/** Folds one of the model's events. */
export function evolveSynthetix(state: State, recorded: Recorded): SynthetixExt {
  const ext = state.ext;
  const event = recorded.event;
  switch (event.type) {
    case 'SynthetixConfigured': {
      const params = (event as SynthetixConfigured).params;
      return {
        ...ext,
        params,
        book: emptyPerpsBook(
          params.quoteAsset,
          QUOTE_DECIMALS,
          params.markets.map((m) => coreMarketConfig(params, m)),
        ),
        gasPriceUsdPerGasD18: params.keeperCosts.gasPriceUsdPerGasD18,
      };
    }
    case 'SynthetixGasPriceSet':
      return { ...ext, gasPriceUsdPerGasD18: (event as SynthetixGasPriceSet).gasPriceUsdPerGasD18 };
    case 'SynthetixAccountFlagged': {
      const e = event as SynthetixAccountFlagged;
      const f: FlaggedAccount = {
        seizedMarginQuote: e.seizedMarginQuote,
        seizedRemainingQuote: e.seizedMarginQuote,
      };
      return { ...ext, flagged: ext.flagged.set(e.account, f) };
    }
    case 'SynthetixSeizedMarginUsed': {
      const e = event as SynthetixSeizedMarginUsed;
      const f = ext.flagged.get(e.account);
      if (f === undefined) return ext;
      return {
        ...ext,
        flagged: ext.flagged.set(e.account, { ...f, seizedRemainingQuote: e.seizedRemainingQuote }),
      };
    }
    case 'SynthetixAccountUnflagged': {
      return { ...ext, flagged: ext.flagged.delete((event as SynthetixAccountUnflagged).account) };
    }
    case 'SynthetixLiquidationRecorded': {
      const e = event as SynthetixLiquidationRecorded;
      const entries = recordLiquidation(
        ext.liquidationData[e.market] ?? [],
        e.amount,
        e.timestampSeconds,
        e.windowSeconds,
      );
      return { ...ext, liquidationData: { ...ext.liquidationData, [e.market]: entries } };
    }
    case 'SynthetixLpBadDebt':
      return { ...ext, lpBadDebtQuote: ext.lpBadDebtQuote + (event as SynthetixLpBadDebt).amountQuote };
    default:
      if (ext.book !== null && isPerpsBookEvent(event))
        return { ...ext, book: evolvePerpsBook(ext.book, event) };
      return ext;
  }
}

/**
 * The perpetuals core's market config: sizes in asset units D18 (18 base decimals), the oracle's
 * price decimals, snxUSD quote; the LP vault is the maker and settlement account. The core's margin
 * tier and venue are placeholders the model never reads (Synthetix margins are skew-scaled, see
 * {@link requiredMargins}, and the LPs fill every order at the skew-adjusted fill price).
 */
export function coreMarketConfig(params: SynthetixParams, m: SynthetixMarketParams): PerpMarketConfig {
  return {
    market: m.market,
    oracleAsset: m.oracleAsset,
    baseDecimals: 18,
    priceDecimals: m.priceDecimals,
    quoteDecimals: QUOTE_DECIMALS,
    marginTiers: [
      { upToNotionalQuote: null, initialMarginPpm: 1_000_000n, maintenanceMarginPpm: 1_000_000n },
    ],
    makerAccount: params.lpAccount,
    venue: { kind: 'book', levels: [{ priceOffsetPpm: 0n, sizeBase: 1n }] },
    takerFeePpm: 0n,
    liquidationFeePpm: 0n,
  };
}

/** Parameters and book, or a typed refusal before `configure`. */
export function requireConfigured(
  state: State,
  command: string,
): { params: SynthetixParams; book: PerpsBook } {
  return requireConfiguredBook(state.ext, 'synthetix-perps-v3', command);
}

/** The book with the engine ledger. */
export const viewOf = (state: State, book: PerpsBook): PerpsView => ({ book, ledger: state.ledger });

/** A market's parameters. @throws InvalidParameterError (`market`). */
export function requireMarketParams(params: SynthetixParams, market: string): SynthetixMarketParams {
  return findMarketParams(params.markets, market);
}

/** Oracle prices of some markets: the oracle's integers (for the core) and D18 (for Synthetix). */
export interface MarketPrices {
  readonly marks: PerpMarks;
  readonly d18: Readonly<Record<string, bigint>>;
}

/**
 * Reads the oracle prices of `markets` (default: every market with open interest).
 * @throws StaleOraclePriceError; InvalidParameterError when the oracle's decimals differ from the market's.
 */
export function marketPrices(
  state: State,
  params: SynthetixParams,
  book: PerpsBook,
  nowSeconds: number,
  markets?: readonly string[],
): MarketPrices {
  const marks: Record<string, bigint> = {};
  const d18: Record<string, bigint> = {};
  const wanted = markets ?? marketIds(book).filter((m) => (book.markets[m]?.longOpenInterestBase ?? 0n) > 0n);
  for (const market of wanted) {
    const m = requireMarketParams(params, market);
    const reading = spotPrice(state.oracle, m.oracleAsset, nowSeconds);
    if (reading.priceDecimals !== m.priceDecimals) {
      throw new InvalidParameterError(
        `params.markets.${market}.priceDecimals`,
        `is ${m.priceDecimals} but the oracle publishes ${m.oracleAsset} with ${reading.priceDecimals} decimals`,
      );
    }
    marks[market] = reading.price;
    d18[market] = reading.price * 10n ** BigInt(18 - m.priceDecimals);
  }
  return { marks, d18 };
}

/** The markets an account holds a non-zero position in, sorted. */
export const openMarkets = (view: PerpsView, account: string): string[] =>
  marketIds(view.book).filter((m) => (positionOf(view.book, account, m)?.sizeBase ?? 0n) !== 0n);

/** One open position as the valuation sees it. */
export interface ValuedPosition {
  readonly market: string;
  readonly sizeBase: bigint;
  readonly priceD18: bigint;
  /** |size| ·ᴰ price. */
  readonly notionalQuote: bigint;
  readonly initialMarginQuote: bigint;
  readonly maintenanceMarginQuote: bigint;
}

/** An account as `PerpsAccount.isEligibleForLiquidation` reads it (USD D18). */
export interface AccountValuation {
  /** snxUSD margin held (`getTotalCollateralValue`). */
  readonly collateralQuote: bigint;
  /** Collateral + Σ PnL (net of pending funding): `getAvailableMargin` (no debt: snxUSD margin only). */
  readonly availableMarginQuote: bigint;
  readonly positions: readonly ValuedPosition[];
  readonly requiredInitialMarginQuote: bigint;
  readonly requiredMaintenanceMarginQuote: bigint;
  /** Σ flag rewards of the positions (`getKeeperRewardsAndCosts`). */
  readonly accumulatedFlagRewardsQuote: bigint;
  /** Most windows any position needs. */
  readonly maxNumberOfWindows: bigint;
  /** Gas cost of flagging (per price feed of an open position). */
  readonly flagCostQuote: bigint;
  /** Gas cost of one liquidation call. */
  readonly liquidateCostQuote: bigint;
  /** `getPossibleLiquidationReward`. */
  readonly possibleLiquidationRewardQuote: bigint;
  /** MM + reward > available margin (strict). */
  readonly eligible: boolean;
}

/**
 * Values an account (PerpsAccount `getAvailableMargin`, `getAccountRequiredMargins`,
 * `getKeeperRewardsAndCosts`, `getPossibleLiquidationReward`, `isEligibleForLiquidation`).
 * `overrideSizes` replaces positions (a trade being validated); `overridePrice` prices one market
 * (the order's fill price for its margin).
 */
export function valueAccount(
  view: PerpsView,
  params: SynthetixParams,
  account: string,
  prices: MarketPrices,
  gasPriceUsdPerGasD18: bigint,
  overrides: {
    readonly sizes?: Readonly<Record<string, bigint>>;
    readonly marginPrice?: Readonly<Record<string, bigint>>;
  } = {},
): AccountValuation {
  const collateral = quoteBalance(view, crossBucket(account));
  const available = accountMargin(view, account, prices.marks).equityQuote;
  const markets = [...new Set([...openMarkets(view, account), ...Object.keys(overrides.sizes ?? {})])].sort();
  const positions: ValuedPosition[] = [];
  let im = 0n;
  let mm = 0n;
  let flagRewards = 0n;
  let windows = 0n;
  for (const market of markets) {
    const size = overrides.sizes?.[market] ?? positionOf(view.book, account, market)?.sizeBase ?? 0n;
    if (size === 0n) continue;
    const m = requireMarketParams(params, market);
    const price = prices.d18[market];
    if (price === undefined)
      throw new InvalidParameterError(`marks.${market}`, 'expected the oracle price of an open position');
    const abs = size < 0n ? -size : size;
    const margins = requiredMargins(m, size, overrides.marginPrice?.[market] ?? price);
    const notional = mulDecimal(abs, price);
    positions.push({
      market,
      sizeBase: size,
      priceD18: price,
      notionalQuote: notional,
      initialMarginQuote: margins.initialMargin,
      maintenanceMarginQuote: margins.maintenanceMargin,
    });
    im += margins.initialMargin;
    mm += margins.maintenanceMargin;
    flagRewards += mulDecimal(notional, m.flagRewardRatioD18);
    const w = numberOfLiquidationWindows(abs, maxLiquidationAmountInWindow(m));
    if (w > windows) windows = w;
  }
  const costs = params.keeperCosts;
  const flagCost = gasCostUsd(
    gasPriceUsdPerGasD18,
    costs.flagGasUnits + costs.flagGasUnitsPerFeed * BigInt(positions.length),
  );
  const liquidateCost = gasCostUsd(gasPriceUsdPerGasD18, costs.liquidateGasUnits);
  const reward =
    positions.length === 0
      ? 0n
      : possibleLiquidationReward(params.global, {
          accumulatedFlagRewardsUsd: flagRewards,
          flagCostUsd: flagCost,
          liquidateCostUsd: liquidateCost,
          collateralValueUsd: collateral,
          maxNumberOfWindows: windows,
        });
  return {
    collateralQuote: collateral,
    availableMarginQuote: available,
    positions,
    requiredInitialMarginQuote: im,
    requiredMaintenanceMarginQuote: mm,
    accumulatedFlagRewardsQuote: flagRewards,
    maxNumberOfWindows: windows,
    flagCostQuote: flagCost,
    liquidateCostQuote: liquidateCost,
    possibleLiquidationRewardQuote: reward,
    eligible: positions.length > 0 && mm + reward > available,
  };
}

/** Health on a 1e18 scale: available margin / (MM + possible reward); 1e18 at the threshold. */
export function healthWadOf(v: AccountValuation): bigint | null {
  const need = v.requiredMaintenanceMarginQuote + v.possibleLiquidationRewardQuote;
  if (need === 0n) return null;
  if (v.availableMarginQuote <= 0n) return 0n;
  // Floor: health is never overstated.
  return divRound(v.availableMarginQuote * WAD, need, Rounding.Down);
}
