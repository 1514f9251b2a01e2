/**
 * State of the `drift-v2` model: the parameters, the perpetuals book (positions, funding indexes,
 * open interest) of the engine's perps core, each user's liquidation status (Drift `User`
 * `status`, `last_active_slot`, `liquidation_margin_freed`), the insurance claims settled per
 * market, and unpaid losses waiting for the user's bankruptcy to be resolved. Also Drift's margin
 * calculation (`calculate_margin_requirement_and_total_collateral_and_liability_info`) over that
 * book, and the events and their fold.
 */
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import type { Recorded } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { findMarketParams, requireConfiguredBook } from '../../engine/perps/commands.js';
import { pendingFundingQuote } from '../../engine/perps/margin.js';
import {
  crossBucket,
  emptyPerpsBook,
  evolvePerpsBook,
  marketIds,
  type PerpMarks,
  type PerpsBook,
  type PerpsView,
  positionOf,
  quoteBalance,
} from '../../engine/perps/types.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { baseAssetValueQuote, marginRequirementQuote } from './math.js';
import {
  coreMarketConfig,
  DRIFT_PRICE_DECIMALS,
  type DriftMarketParams,
  type DriftParams,
} from './params.js';

/** A Drift user's liquidation status (state/user.rs `User`). */
export interface DriftUserStatus {
  /** `UserStatus::BeingLiquidated`: set by a liquidation, cleared once margin plus buffer is met. */
  readonly beingLiquidated: boolean;
  /** `last_active_slot`: the slot the current liquidation began (`enter_liquidation`). */
  readonly lastActiveSlot: bigint;
  /** `liquidation_margin_freed` in this liquidation, quote 1e6. */
  readonly liquidationMarginFreed: bigint;
}

/** The model's own state. */
export interface DriftExt {
  readonly params: DriftParams | null;
  readonly book: PerpsBook | null;
  /**
   * Liquidation status by account (absent = never liquidated, active): a persistent map, so a
   * status change in a crash with thousands of liquidated users copies O(log n) nodes (it
   * serializes as the plain record, keys sorted).
   */
  readonly users: PersistentMap<DriftUserStatus>;
  /** `insurance_claim.quote_settled_insurance` by market, quote 1e6. */
  readonly insuranceSettled: Readonly<Record<string, bigint>>;
  /**
   * Realized losses a user could not pay, by account then market, quote 1e6: owed to the maker
   * (settlement) account until the user holds no position and `resolve_perp_bankruptcy` runs.
   */
  readonly pendingLoss: PersistentMap<Readonly<Record<string, bigint>>>;
}

/** The empty model state. */
export function initialDriftExt(): DriftExt {
  return {
    params: null,
    book: null,
    users: PersistentMap.empty(),
    insuranceSettled: {},
    pendingLoss: PersistentMap.empty(),
  };
}

/** `configure` was accepted. */
export interface DriftConfigured {
  readonly type: 'DriftConfigured';
  readonly params: DriftParams;
}

/** A user's liquidation status changed. */
export interface DriftUserStatusChanged {
  readonly type: 'DriftUserStatusChanged';
  readonly account: string;
  readonly status: DriftUserStatus;
}

/** The unpaid loss of a user in a market changed (pending or resolved: 0). */
export interface DriftPendingLossChanged {
  readonly type: 'DriftPendingLossChanged';
  readonly account: string;
  readonly market: string;
  readonly pendingQuote: bigint;
}

/** A market's settled insurance claim grew (`quote_settled_insurance`). */
export interface DriftInsuranceSettled {
  readonly type: 'DriftInsuranceSettled';
  readonly market: string;
  readonly settledQuote: bigint;
}

type State = EngineState<DriftExt>;

/** Folds a `drift-v2` event (book events go to the perps book, records change nothing). */
export function evolveDrift(state: State, recorded: Recorded): DriftExt {
  const ext = state.ext;
  const e = recorded.event;
  switch (e.type) {
    case 'DriftConfigured': {
      const params = (e as DriftConfigured).params;
      const book = emptyPerpsBook(
        params.quoteAsset,
        6,
        params.markets.map((m) => coreMarketConfig(params, m)),
      );
      return { ...ext, params, book };
    }
    case 'DriftUserStatusChanged': {
      const c = e as DriftUserStatusChanged;
      return { ...ext, users: ext.users.set(c.account, c.status) };
    }
    case 'DriftPendingLossChanged': {
      const c = e as DriftPendingLossChanged;
      const mine = { ...(ext.pendingLoss.get(c.account) ?? {}) };
      if (c.pendingQuote === 0n) delete mine[c.market];
      else mine[c.market] = c.pendingQuote;
      const pendingLoss =
        Object.keys(mine).length === 0
          ? ext.pendingLoss.delete(c.account)
          : ext.pendingLoss.set(c.account, mine);
      return { ...ext, pendingLoss };
    }
    case 'DriftInsuranceSettled': {
      const c = e as DriftInsuranceSettled;
      return { ...ext, insuranceSettled: { ...ext.insuranceSettled, [c.market]: c.settledQuote } };
    }
    default:
      return ext.book === null ? ext : { ...ext, book: evolvePerpsBook(ext.book, e) };
  }
}

/**
 * The parameters and book of a configured model.
 * @param command names the command refused in the error.
 * @throws NotConfiguredError before `configure`.
 */
export function requireConfigured(state: State, command = 'query'): { params: DriftParams; book: PerpsBook } {
  return requireConfiguredBook(state.ext, 'drift-v2', command);
}

/** The book with the engine's ledger. @throws NotConfiguredError before `configure`. */
export function viewOf(state: State, command = 'query'): PerpsView {
  return { book: requireConfigured(state, command).book, ledger: state.ledger };
}

/** A market's parameters. @throws InvalidParameterError (`market`) for an unknown market. */
export function requireDriftMarket(params: DriftParams, market: string, field = 'market'): DriftMarketParams {
  return findMarketParams(params.markets, market, { field });
}

/** A user's status, active by default. */
export function statusOf(ext: DriftExt, account: string): DriftUserStatus {
  return ext.users.get(account) ?? { beingLiquidated: false, lastActiveSlot: 0n, liquidationMarginFreed: 0n };
}

/** Σ pending unpaid loss of an account over its markets, quote 1e6. */
export function pendingLossOf(ext: DriftExt, account: string): bigint {
  let total = 0n;
  for (const v of Object.values(ext.pendingLoss.get(account) ?? {})) total += v;
  return total;
}

/**
 * Oracle prices (6 decimals) of the markets where any of `accounts` holds a non-zero position in
 * `book` (default: the state's), read with the engine oracle's spot price at `nowSeconds`.
 * @throws StaleOraclePriceError when a needed price is stale or missing; InvalidParameterError
 *   when the oracle's decimals are not Drift's 6.
 */
export function oraclePrices(
  state: State,
  nowSeconds: number,
  accounts: readonly string[],
  inBook?: PerpsBook,
): PerpMarks {
  const { params } = requireConfigured(state);
  const book = inBook ?? requireConfigured(state).book;
  const out: Record<string, bigint> = {};
  for (const market of marketIds(book)) {
    const needed = accounts.some((a) => (positionOf(book, a, market)?.sizeBase ?? 0n) !== 0n);
    if (!needed) continue;
    out[market] = oraclePriceOf(state, requireDriftMarket(params, market), nowSeconds);
  }
  return out;
}

/**
 * One market's oracle price (6 decimals).
 * @throws StaleOraclePriceError; InvalidParameterError when the oracle is not at 6 decimals.
 */
export function oraclePriceOf(state: State, market: DriftMarketParams, nowSeconds: number): bigint {
  const reading = spotPrice(state.oracle, market.oracleAsset, nowSeconds);
  if (reading.priceDecimals !== DRIFT_PRICE_DECIMALS) {
    throw new InvalidParameterError(
      `oracle.${market.oracleAsset}.priceDecimals`,
      `Drift prices have ${DRIFT_PRICE_DECIMALS} decimals, the oracle has ${reading.priceDecimals}`,
    );
  }
  return reading.price;
}

/** One market's part of a margin calculation. */
export interface DriftMarketMargin {
  /** |base| · price, floor (the liability value), quote 1e6. */
  readonly liabilityValueQuote: bigint;
  /** Unrealized PnL incl. unsettled funding, quote 1e6. */
  readonly unrealizedPnlQuote: bigint;
  readonly requirementQuote: bigint;
}

/** Drift's `MarginCalculation` of a (cross) user. */
export interface DriftMarginCalculation {
  /** Collateral + Σ unrealized PnL (funding included), quote 1e6. */
  readonly totalCollateralQuote: bigint;
  /** Σ value · ratio / 1e4, floor each. */
  readonly marginRequirementQuote: bigint;
  /** The requirement plus Σ value · buffer / 1e4 (the buffer is 0 outside liquidation). */
  readonly marginRequirementPlusBufferQuote: bigint;
  readonly markets: Readonly<Record<string, DriftMarketMargin>>;
}

/**
 * Drift's margin calculation (math/margin.rs): total collateral = the USDC deposit + Σ unrealized
 * PnL (`sign · floor(|base|·price/1e9) − entry`, the value floored as `calculate_base_asset_value_with_oracle_price`
 * does) net of unsettled funding − the user's unpaid (pending) loss, which is negative PnL Drift
 * keeps on the position until it is settled or the bankruptcy resolved; requirement =
 * Σ floor(value · ratio / 1e4) with the initial or maintenance ratio; plus Σ floor(value · buffer /
 * 1e4). Positive PnL counts at weight 1 (Drift's unrealized-PnL asset weights and the IMF size
 * premium are not modelled).
 * @param prices oracle price per market with a position (see {@link oraclePrices}).
 * @param pendingLossQuote the user's unpaid loss over all markets (see {@link pendingLossOf}), 1e6.
 * @throws InvalidParameterError when a needed price is missing.
 */
export function driftMargin(
  view: PerpsView,
  params: DriftParams,
  account: string,
  prices: PerpMarks,
  kind: 'initial' | 'maintenance',
  bufferRatio: bigint,
  pendingLossQuote = 0n,
): DriftMarginCalculation {
  let total = quoteBalance(view, crossBucket(account)) - pendingLossQuote;
  let requirement = 0n;
  let plusBuffer = 0n;
  const markets: Record<string, DriftMarketMargin> = {};
  for (const market of marketIds(view.book)) {
    const p = positionOf(view.book, account, market);
    if (p === undefined) continue;
    const state = view.book.markets[market]!;
    const funding = pendingFundingQuote(p, state);
    if (p.sizeBase === 0n) {
      const pnl = -p.entryQuote - funding;
      total += pnl;
      markets[market] = { liabilityValueQuote: 0n, unrealizedPnlQuote: pnl, requirementQuote: 0n };
      continue;
    }
    const price = Object.hasOwn(prices, market) ? prices[market] : undefined;
    if (price === undefined) throw new InvalidParameterError(`prices.${market}`, 'missing oracle price');
    const m = requireDriftMarket(params, market);
    const value = baseAssetValueQuote(p.sizeBase, price);
    // sign · value (value floored on |base|, as Drift does for both sides)
    const signedValue = p.sizeBase > 0n ? value : -value;
    const pnl = signedValue - p.entryQuote - funding;
    const ratio = kind === 'initial' ? m.marginRatioInitial : m.marginRatioMaintenance;
    const req = marginRequirementQuote(value, ratio, bufferRatio);
    total += pnl;
    requirement += req.requirement;
    plusBuffer += req.requirementPlusBuffer;
    markets[market] = {
      liabilityValueQuote: value,
      unrealizedPnlQuote: pnl,
      requirementQuote: req.requirement,
    };
  }
  return {
    totalCollateralQuote: total,
    marginRequirementQuote: requirement,
    marginRequirementPlusBufferQuote: plusBuffer,
    markets,
  };
}

/** `MarginCalculation::margin_shortage`: requirement plus buffer − total collateral, ≥ 0. */
export function marginShortageQuote(calc: DriftMarginCalculation): bigint {
  const s = calc.marginRequirementPlusBufferQuote - calc.totalCollateralQuote;
  return s > 0n ? s : 0n;
}

/**
 * `MarginCalculation::tracked_market_margin_shortage`: the shortage times the tracked market's
 * share of the requirement (floor), 0 when there is no requirement.
 */
export function trackedMarketMarginShortage(
  calc: DriftMarginCalculation,
  market: string,
  shortage: bigint,
): bigint {
  if (calc.marginRequirementQuote === 0n) return 0n;
  const tracked = calc.markets[market]?.requirementQuote ?? 0n;
  return (shortage * tracked) / calc.marginRequirementQuote;
}
