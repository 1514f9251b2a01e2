/**
 * Read models the API serves from the durable engine state: an account's health and liquidation
 * prices, the accounts most at risk, live auctions with their current price, oracle prices next to
 * what the sources published, the insurance fund and deficit, bucket balances, and the keeper
 * views the lab's policies decide on. Pure functions of (model, state, time); the clock is read
 * by the caller.
 */
import { createEngine, type EngineState, type ProtocolModel } from '../engine/engine.js';
import { InvalidParameterError, UnknownAccountError } from '../engine/errors.js';
import { assetsOf, balanceOf } from '../engine/ledger.js';
import { type Command, canonicalJson, type Decider, type EngineEvent } from '../engine/machine.js';
import { distanceToLiquidationBps, liquidationPrice } from '../engine/margin.js';
import { delayedPrice, nextDelayedPrice, oracleStatus, spotPrice, twapPrice } from '../engine/oracle.js';
import { PersistentMap } from '../engine/persistentMap.js';
import { composedKeeperView } from '../keepers/composed.js';
import { crvusdKeeperView } from '../keepers/crvusd.js';
import { eulerKeeperView } from '../keepers/euler.js';
import { aaveKeeperView, cometKeeperView, type LendingViewOptions } from '../keepers/lending.js';
import { liquityKeeperView } from '../keepers/liquity.js';
import { makerKeeperView } from '../keepers/maker.js';
import {
  PERPS_KIND_OF_MODEL,
  type PerpsKeeperView,
  perpMarketsOf,
  perpsBackstopAccount,
  perpsKeeperView,
} from '../keepers/perps.js';
import type { KeeperFamily } from '../keepers/presets.js';
import type { MarketContext } from '../keepers/types.js';
import { SolventError } from '../math/errors.js';
import type { AaveExt } from '../protocols/aave-v3/state.js';
import type { ComposedLendingExt } from '../protocols/composed/lending.js';
import type { CompoundExt } from '../protocols/compound-v3/state.js';
import type { CrvusdExt } from '../protocols/crvusd/state.js';
import type { EulerExt } from '../protocols/euler-v2/state.js';
import type { LiquityExt } from '../protocols/liquity-v1/state.js';
import type { Liq1Ext } from '../protocols/maker/liq1/state.js';
import type { Liq2Ext } from '../protocols/maker/liq2/state.js';
import { type LendingState, type LendingWatch, lendingWatch } from '../sim/stress/lendingWatch.js';

/** A refusal as views report it in place of a value (stale oracle, unconfigured model). */
export interface ViewError {
  readonly code: string;
  readonly message: string;
}

function viewError(error: SolventError): ViewError {
  return { code: error.code, message: error.shortMessage };
}

/** Runs `read`, turning a SolventError into a {@link ViewError}. */
function attempt<T>(read: () => T): { readonly value: T } | { readonly error: ViewError } {
  try {
    return { value: read() };
  } catch (error) {
    if (error instanceof SolventError) return { error: viewError(error) };
    throw error;
  }
}

/** One collateral asset's liquidation price, others held fixed (oracle price scale). */
export interface LiquidationPriceView {
  /** Price at which the account becomes liquidatable; null when no price of this asset does. */
  readonly price: bigint | null;
  readonly priceDecimals: number;
}

/** An account as the API shows it. */
export interface AccountView {
  readonly accountId: string;
  /** Health on a 1e18 scale as the model's own rule reads it (1e18 = at the threshold). */
  readonly healthWad: bigint;
  readonly liquidatable: boolean;
  readonly collateralValueWad: bigint;
  readonly debtValueWad: bigint;
  /**
   * Uniform drop of every collateral price, bps, that makes it liquidatable (margin-calculus
   * models; null without debt; absent when the model has no per-asset margin view, e.g. Maker).
   */
  readonly distanceToLiquidationBps?: bigint | null;
  /** Per collateral asset (margin-calculus models only). */
  readonly liquidationPrices?: Readonly<Record<string, LiquidationPriceView>>;
}

/**
 * One account's health and, where the model has a margin view, its liquidation prices.
 * @throws UnknownAccountError when the model holds no such account; the model's SolventError when
 *   it cannot value it now (StaleOraclePriceError, ...).
 */
export function accountView(
  model: ProtocolModel,
  state: EngineState,
  accountId: string,
  nowSeconds: number,
): AccountView {
  if (!model.accountIds(state).includes(accountId)) throw new UnknownAccountError(accountId);
  const health = model.health(state, accountId, nowSeconds);
  const base: AccountView = {
    accountId,
    healthWad: health.healthWad,
    liquidatable: health.liquidatable,
    collateralValueWad: health.collateralValueWad,
    debtValueWad: health.debtValueWad,
  };
  if (model.marginAccount === undefined) return base;
  const margin = attempt(() => model.marginAccount?.(state, accountId, nowSeconds));
  if (!('value' in margin) || margin.value === undefined) return base;
  const account = margin.value;
  const prices: Record<string, LiquidationPriceView> = {};
  for (const line of account.collateral) {
    const price = attempt(() => liquidationPrice(account, line.asset));
    prices[line.asset] = { price: 'value' in price ? price.value : null, priceDecimals: line.priceDecimals };
  }
  const distance = attempt(() => distanceToLiquidationBps(account));
  return {
    ...base,
    liquidationPrices: prices,
    ...('value' in distance ? { distanceToLiquidationBps: distance.value } : {}),
  };
}

/** The accounts nearest to liquidation. */
export interface AtRiskView {
  /** `distance` (margin-calculus models: bps of collateral price drop) or `health` (others). */
  readonly orderedBy: 'distance' | 'health';
  /** Accounts with debt, nearest to liquidation first, at most `limit`. */
  readonly accounts: readonly AccountView[];
  /** Accounts with debt in total (before the limit). */
  readonly total: number;
  /** Accounts the model could not value now (stale oracle, ...), by id. */
  readonly unpriced: readonly { readonly accountId: string; readonly error: ViewError }[];
}

function compareAtRisk(orderedBy: 'distance' | 'health'): (a: AccountView, b: AccountView) => number {
  return (a, b) => {
    if (a.liquidatable !== b.liquidatable) return a.liquidatable ? -1 : 1;
    if (orderedBy === 'distance') {
      const da = a.distanceToLiquidationBps ?? null;
      const db = b.distanceToLiquidationBps ?? null;
      if (da !== db) {
        if (da === null) return 1;
        if (db === null) return -1;
        return da < db ? -1 : 1;
      }
    }
    if (a.healthWad !== b.healthWad) return a.healthWad < b.healthWad ? -1 : 1;
    return a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;
  };
}

/**
 * Accounts with debt, liquidatable ones first, then by distance to liquidation (or by health for
 * models without a margin view), then by id: a total order, so equal states list equally.
 * @param limit most accounts returned (≥ 0).
 */
export function atRiskView(
  model: ProtocolModel,
  state: EngineState,
  nowSeconds: number,
  limit: number,
): AtRiskView {
  const orderedBy = model.marginAccount === undefined ? 'health' : 'distance';
  const accounts: AccountView[] = [];
  const unpriced: { accountId: string; error: ViewError }[] = [];
  for (const id of model.accountIds(state)) {
    const view = attempt(() => accountView(model, state, id, nowSeconds));
    if ('error' in view) unpriced.push({ accountId: id, error: view.error });
    else if (view.value.debtValueWad > 0n) accounts.push(view.value);
  }
  accounts.sort(compareAtRisk(orderedBy));
  return { orderedBy, accounts: accounts.slice(0, Math.max(0, limit)), total: accounts.length, unpriced };
}

/** A market context with no gas and no prices: views whose content does not depend on it. */
export function neutralMarket(nowSeconds: number): MarketContext {
  return { nowSeconds, gasPriceGwei: 0, ethPriceUsd: 0, collateralPriceUsdWad: 0n, slippageBps: 0n };
}

/** The keeper view families (the bot picks its presets by the same names). */
type ModelFamily = KeeperFamily;

/** Which keeper view family a state belongs to, or undefined (a model without keeper views). */
export function modelFamily(state: EngineState): ModelFamily | undefined {
  const ext = state.ext;
  if (ext === null || typeof ext !== 'object') return undefined;
  if (Object.hasOwn(PERPS_KIND_OF_MODEL, state.protocol)) return 'perps';
  switch (state.protocol) {
    case 'maker-liq2':
      return 'maker-liq2';
    case 'maker-liq1':
      return 'maker-liq1';
    case 'aave-v3.3':
    case 'aave-v3.5':
    case 'aave-v3.7':
      return 'aave';
    case 'compound-v3':
      return 'compound';
    case 'euler-v2':
      return 'euler';
    case 'liquity-v1':
      return 'liquity';
    case 'crvusd':
      return 'crvusd';
    default:
      // A composed lending market, or a composed perp market (perps-generic's state), under the
      // configuration's own id.
      if ('config' in ext && 'auctions' in ext && 'nextAuctionId' in ext) return 'composed';
      return Object.keys(ext).sort().join(',') === 'book,params' ? 'perps' : undefined;
  }
}

/** Live auctions with their current price, in the model's own terms. */
export interface AuctionsView {
  /**
   * `clip` (Maker Clipper sales: price RAY DAI per unit), `flip` (Maker Flipper English auctions),
   * `storefront` (Comet collateral reserves for sale), `dutch` (composed Dutch auctions: price RAY
   * debt per collateral), `none` (the model runs no auctions).
   */
  readonly kind: 'clip' | 'flip' | 'storefront' | 'dutch' | 'none';
  readonly auctions: readonly unknown[];
  /**
   * Maker (`clip`, `flip`): each ilk's parameters as configured now (Clipper curve `calc`, `tail`,
   * `cusp`, `buf`, gem, ...), so a client can draw an auction's price curve without reading the log.
   */
  readonly ilks?: Readonly<Record<string, unknown>>;
}

/**
 * Running auctions at `nowSeconds` with their current price (the keeper views' own reading).
 * @throws InvalidParameterError when the model is not configured yet.
 */
export function auctionsView(state: EngineState, nowSeconds: number): AuctionsView {
  const market = neutralMarket(nowSeconds);
  switch (modelFamily(state)) {
    case 'maker-liq2': {
      const maker = state as EngineState<Liq2Ext>;
      return {
        kind: 'clip',
        auctions: makerKeeperView(maker, nowSeconds, market).sales,
        ilks: maker.ext.core.params?.ilks ?? {},
      };
    }
    case 'maker-liq1': {
      const maker = state as EngineState<Liq1Ext>;
      return {
        kind: 'flip',
        auctions: makerKeeperView(maker, nowSeconds, market).flips,
        ilks: maker.ext.core.params?.ilks ?? {},
      };
    }
    case 'compound':
      return {
        kind: 'storefront',
        auctions: cometKeeperView(state as EngineState<CompoundExt>, nowSeconds, market).forSale,
      };
    case 'composed':
      return {
        kind: 'dutch',
        auctions: composedKeeperView(state as EngineState<ComposedLendingExt>, nowSeconds, market).auctions,
      };
    default:
      return { kind: 'none', auctions: [] };
  }
}

/** Options of {@link keeperView}. */
export interface KeeperViewOptions extends LendingViewOptions {
  /** The served model: a perps view dry-runs its `decide` and reads its health (required for perps). */
  readonly model?: ProtocolModel;
  /**
   * Perps: the market to act on. Default: the state's only market; with several, every market
   * (perps-generic and composed perp markets read every leg of an account in one view, the other
   * models merge one view per market).
   */
  readonly perpMarket?: string;
}

/** One engine per served model, for the perps views' dry runs (an engine is a pure decider). */
const PERPS_DECIDERS = new WeakMap<ProtocolModel, Decider<EngineState<unknown>, Command, EngineEvent>>();

/**
 * The perps keeper view (src/keepers/perps.ts) of a served state for one keeper: its kind from the
 * model id, the market chosen as {@link KeeperViewOptions.perpMarket} says, every account of the
 * state considered (the view dry-runs only those the model's health reports liquidatable), and on
 * Hyperliquid the protocol's liquidator vault to unwind.
 * @throws InvalidParameterError (field `keepers`) unless exactly one keeper is named, (`market`) for
 *   an unknown market or a model without one yet, (`model`) without the model.
 */
function servedPerpsView(
  state: EngineState,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[],
  options: KeeperViewOptions,
): PerpsKeeperView {
  const model = options.model;
  if (model === undefined) {
    throw new InvalidParameterError('model', 'a perps keeper view dry-runs the model: pass the served model');
  }
  const keeperId = keepers[0];
  if (keeperId === undefined || keepers.length !== 1) {
    throw new InvalidParameterError(
      'keepers',
      `a perps keeper view is for one keeper (its id is the liquidator of the commands), got ${keepers.length}`,
      'Name exactly one keeper: ?keepers=<id>.',
    );
  }
  const kind = PERPS_KIND_OF_MODEL[state.protocol] ?? 'generic';
  const markets = perpMarketsOf(state, kind);
  const named = options.perpMarket;
  const list = `Markets: ${markets.length === 0 ? 'none yet' : markets.join(', ')}.`;
  if (named !== undefined && !markets.includes(named)) {
    throw new InvalidParameterError('market', `no perp market ${JSON.stringify(named)}`, list);
  }
  if (markets.length === 0)
    throw new InvalidParameterError('market', 'the model has no perp market yet', list);
  let decider = PERPS_DECIDERS.get(model);
  if (decider === undefined) {
    decider = createEngine(model) as unknown as Decider<EngineState<unknown>, Command, EngineEvent>;
    PERPS_DECIDERS.set(model, decider);
  }
  const backstopAccount = perpsBackstopAccount(state, kind);
  const accounts = model.accountIds(state);
  const viewOf = (perpMarket: string, anyMarket: boolean): PerpsKeeperView =>
    perpsKeeperView(state, nowSeconds, market, keepers, {
      kind,
      decider,
      health: (s, account, t) => model.health(s as EngineState, account, t),
      keeperId,
      accounts,
      perpMarket,
      ...(anyMarket ? { anyMarket: true } : {}),
      ...(backstopAccount === undefined ? {} : { backstopAccount }),
    });
  if (named !== undefined || markets.length === 1) return viewOf(named ?? (markets[0] as string), false);
  // Several markets, none named: perps-generic reads every leg of an account in one view; the
  // others get one view per market, merged.
  if (kind === 'generic') return viewOf(markets[0] as string, true);
  return mergedPerpsViews(markets.map((m) => viewOf(m, false)));
}

/**
 * Views of the same state and keeper for several markets as one: each command once (Synthetix
 * liquidates a whole account, so every market lists it), candidates lowest health first (ties by
 * account, then market), the chores in market order.
 */
function mergedPerpsViews(views: readonly PerpsKeeperView[]): PerpsKeeperView {
  const first = views[0] as PerpsKeeperView;
  const once = <T extends { readonly command: Command }>(items: readonly T[]): T[] => {
    const seen = new Set<string>();
    return items.filter((item) => {
      const key = canonicalJson(item.command);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  };
  const candidates = once(views.flatMap((v) => v.candidates)).sort(
    (a, b) =>
      (a.healthWad < b.healthWad ? -1 : a.healthWad > b.healthWad ? 1 : 0) ||
      (a.account < b.account ? -1 : a.account > b.account ? 1 : 0) ||
      (a.market < b.market ? -1 : a.market > b.market ? 1 : 0),
  );
  return {
    ...first,
    candidates,
    unwinds: once(views.flatMap((v) => v.unwinds)),
    adl: once(views.flatMap((v) => v.adl)),
  };
}

/**
 * The keeper view of the lab's policies for this model (src/keepers), for bots that decide
 * outside the server. `market` is embedded as given; `keepers` name the wallets included (perps:
 * the one keeper the view is for); `options.accounts` (Aave and Comet) limits the screen to a
 * superset of the liquidatable accounts (the detector's candidates, see {@link KeeperScreen}): the
 * view is the same, for less work; perps views need `options.model` (see {@link KeeperViewOptions}).
 * @throws InvalidParameterError when the model has no keeper view here or is not configured, the
 *   market is malformed, or a perps view's keeper, market or model is missing or unknown.
 */
export function keeperView(
  state: EngineState,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[],
  options: KeeperViewOptions = {},
): { readonly family: ModelFamily; readonly view: unknown } {
  const family = modelFamily(state);
  switch (family) {
    case 'perps':
      return { family, view: servedPerpsView(state, nowSeconds, market, keepers, options) };
    case 'maker-liq2':
    case 'maker-liq1':
      return {
        family,
        view: makerKeeperView(
          state as EngineState<Liq2Ext> | EngineState<Liq1Ext>,
          nowSeconds,
          market,
          keepers,
        ),
      };
    case 'aave':
      return {
        family,
        view: aaveKeeperView(state as EngineState<AaveExt>, nowSeconds, market, keepers, options),
      };
    case 'compound':
      return {
        family,
        view: cometKeeperView(state as EngineState<CompoundExt>, nowSeconds, market, keepers, options),
      };
    case 'euler':
      return { family, view: eulerKeeperView(state as EngineState<EulerExt>, nowSeconds, market, keepers) };
    case 'liquity':
      return {
        family,
        view: liquityKeeperView(state as EngineState<LiquityExt>, nowSeconds, market, keepers),
      };
    case 'crvusd':
      return { family, view: crvusdKeeperView(state as EngineState<CrvusdExt>, nowSeconds, market, keepers) };
    case 'composed':
      return {
        family,
        view: composedKeeperView(state as EngineState<ComposedLendingExt>, nowSeconds, market, keepers),
      };
    default:
      throw new InvalidParameterError(
        'protocol',
        `${state.protocol} has no keeper view served over HTTP`,
        'Use /v1/at-risk and the model commands.',
      );
  }
}

/** One asset's oracle as the dashboard compares it: what the protocol reads vs what was published. */
export interface PriceView {
  readonly asset: string;
  readonly priceDecimals: number;
  /** Median of the fresh sources now (the feed's aggregate), or why there is none. */
  readonly spot: bigint | ViewError;
  /** What a protocol with an OSM-style delay reads now (= spot without delay). */
  readonly used: bigint | ViewError;
  /** The OSM's queued next price, when the asset has a delay and one is queued. */
  readonly next?: bigint;
  readonly twap: bigint | ViewError;
  /** Each source's latest publication (the raw feed) and whether it is still fresh. */
  readonly sources: readonly {
    readonly source: string;
    readonly price: bigint;
    readonly atSeconds: number;
    readonly fresh: boolean;
  }[];
  readonly stale: boolean;
  readonly liquidationsPaused: boolean;
  readonly borrowingPaused: boolean;
  readonly inGracePeriod: boolean;
  readonly delaySeconds: number;
}

function valueOr(read: () => { readonly price: bigint }): bigint | ViewError {
  const r = attempt(read);
  return 'value' in r ? r.value.price : r.error;
}

/** Every configured oracle asset at `nowSeconds`, sorted by asset id. */
export function pricesView(state: EngineState, nowSeconds: number): PriceView[] {
  const out: PriceView[] = [];
  for (const asset of Object.keys(state.oracle.assets).sort()) {
    const a = state.oracle.assets[asset];
    if (a === undefined) continue;
    const status = oracleStatus(state.oracle, asset, nowSeconds);
    const next = attempt(() => nextDelayedPrice(state.oracle, asset, nowSeconds));
    out.push({
      asset,
      priceDecimals: a.config.priceDecimals,
      spot: valueOr(() => spotPrice(state.oracle, asset, nowSeconds)),
      used: valueOr(() => delayedPrice(state.oracle, asset, nowSeconds)),
      ...('value' in next && next.value !== undefined ? { next: next.value.price } : {}),
      twap: valueOr(() => twapPrice(state.oracle, asset, nowSeconds)),
      sources: Object.keys(a.observations)
        .sort()
        .map((source) => {
          const o = a.observations[source] as { price: bigint; atSeconds: number };
          return {
            source,
            price: o.price,
            atSeconds: o.atSeconds,
            fresh: nowSeconds - o.atSeconds <= a.config.staleAfterSeconds,
          };
        }),
      stale: status.stale,
      liquidationsPaused: status.liquidationsPaused,
      borrowingPaused: status.borrowingPaused,
      inGracePeriod: status.inGracePeriod,
      delaySeconds: a.config.delaySeconds,
    });
  }
  return out;
}

/** Balances of one bucket by ledger asset (non-zero only), in each asset's smallest unit. */
export function balancesView(state: EngineState, bucket: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const asset of assetsOf(state.ledger).sort()) {
    const balance = balanceOf(state.ledger, bucket, asset);
    if (balance !== 0n) out[asset] = balance;
  }
  return out;
}

/** The system's loss-absorbing and loss-recording buckets. */
export interface FundsView {
  /** The insurance fund by asset. */
  readonly insurance: Readonly<Record<string, bigint>>;
  /** Bad debt recorded and not yet covered, by (claim) asset. */
  readonly deficit: Readonly<Record<string, bigint>>;
  /** Loss passed on to suppliers, by asset. */
  readonly socialized: Readonly<Record<string, bigint>>;
  /** Protocol reserves / surplus / treasury, by asset. */
  readonly protocol: Readonly<Record<string, bigint>>;
  /** System debt (Maker Vow `sin`, minted keeper rewards), by asset. */
  readonly sysdebt: Readonly<Record<string, bigint>>;
}

/** The insurance fund, deficit and the other system buckets. */
export function fundsView(state: EngineState): FundsView {
  return {
    insurance: balancesView(state, 'insurance'),
    deficit: balancesView(state, 'deficit'),
    socialized: balancesView(state, 'socialized'),
    protocol: balancesView(state, 'protocol'),
    sysdebt: balancesView(state, 'sysdebt'),
  };
}

/** What a keeper view screened: the detector's candidates, or every account. */
export interface ScreenInfo {
  readonly method: 'detector' | 'scan';
  /** Accounts the view checked with the protocol's own math. */
  readonly screened: number;
  /** Accounts of the state. */
  readonly accounts: number;
}

/**
 * The server's incremental liquidation detector (src/engine/detect, through the stress lab's
 * lending watch) for Aave v3 and Compound v3 states: it follows the served state by diffing what
 * changed since the last call, and names a superset of the liquidatable accounts, so a keeper view
 * dry-runs those instead of the whole book. Other models (and an oracle that refuses a price) fall
 * back to the full scan.
 */
export class KeeperScreen {
  private watch: LendingWatch | undefined;

  /** The accounts to screen now (undefined: all) and how the choice was made. */
  screen(
    state: EngineState,
    nowSeconds: number,
  ): { readonly accounts: readonly string[] | undefined; readonly info: ScreenInfo } {
    const family = modelFamily(state);
    const total = accountCount(state);
    if (family === 'aave' || family === 'compound') {
      // Book totals are not read here: the watch's book is empty, its candidates span every account.
      this.watch ??= lendingWatch([], '', '');
      const candidates = this.watch.candidates(state as LendingState, nowSeconds);
      if (candidates !== undefined) {
        return {
          accounts: candidates,
          info: { method: 'detector', screened: candidates.length, accounts: total },
        };
      }
    }
    return { accounts: undefined, info: { method: 'scan', screened: total, accounts: total } };
  }
}

function accountCount(state: EngineState): number {
  const ext = state.ext as {
    readonly accounts?: unknown;
    readonly book?: { readonly accounts?: unknown } | null;
    readonly positions?: unknown;
  } | null;
  // Perps: the book's accounts (GMX: its positions).
  const accounts = ext?.accounts ?? ext?.book?.accounts ?? ext?.positions;
  if (accounts instanceof PersistentMap || accounts instanceof Map) return accounts.size;
  return accounts !== null && typeof accounts === 'object' ? Object.keys(accounts).length : 0;
}
