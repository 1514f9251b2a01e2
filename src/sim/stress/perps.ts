/**
 * The stress lab's perpetuals adapters: `perps-generic`, `dydx-v4`, `synthetix-perps-v3`,
 * `drift-v2`, `hyperliquid`, `gmx-v2` ({@link perpsStressAdapter}) and composed perp markets
 * ({@link composedPerpStressAdapter}); and {@link perpsAdlReplayCheck}, the 2025-10-10 check (the
 * insurance backstop runs dry, then auto-deleveraging) on a replay or a built-in scenario.
 *
 * A run: the scenario's ETH path drives the ETH market's oracle through the undelayed stress feed
 * (the scenario's OSM suggestion is a Maker fact and is ignored: perps read their oracle directly;
 * rescaled to the market's price decimals, e.g. Drift's 6); the mark is that oracle price (the
 * models read no separate mark; Hyperliquid ranks ADL at the previous oracle price); the book
 * becomes traders with USD margin (perpsBook.ts: notional = collateral value, ~25 % shorts, margin
 * at the same distance to liquidation as the lending account); the house (makers, LPs, GMX pool,
 * insurance fund, Hyperliquid's liquidator vault) is funded per perpsRigs.ts; keepers are
 * src/keepers/perps.ts liquidators. No funding is accrued during a run (an ASSUMPTION: hours of
 * funding are small beside a crash).
 *
 * Reading the book (indexed, the default; {@link PerpsAdapterOptions}): a run-local watch
 * (perpsWatch.ts for the perps-core models, perpsGmxWatch.ts for GMX) keeps price certificates
 * per account, so a keeper view re-reads only the accounts that may be liquidatable, and the bad
 * debt and the borrowers' totals follow what changed; a keeper above its gas cap reads no view, and
 * a view lists only candidates paying more than its keeper's gate (src/keepers/perps.ts
 * `PerpsLiquidatorPolicy.screen`), which skips the dry runs a reward bound rules out. The readings
 * and decisions are exactly those of the full scans (`indexed: false`).
 *
 * Hedged books (composed markets with several markets): every second account also holds a hedge
 * leg in the configuration's other markets whose price the run has (another ETH venue always; BTC,
 * SOL when the scenario or replay has them, each on its own feed of the source's path), see
 * perpsBook.ts perpsHedgePlan; the keepers read every leg and let the model's trigger pick the one
 * to close. A hedge market's events count at its own decimals and price; only a second ETH venue's
 * fills are venue flow (the run's market is ETH's).
 *
 * What an event means (EventEffect), per model; USD at the step's oracle price (`mark`):
 * - liquidationUsd = the notional closed or transferred by the liquidation at the mark (perps-generic
 *   `PerpLiquidated`: the filled base after a venue close, the sized base after a takeover or an ADL
 *   hand-over; Hyperliquid: the book order's fill, the whole position the vault took over, the whole
 *   position deleveraged; dYdX: the order's fill, or the position deleveraged; Synthetix: the amount
 *   closed in the window; Drift: the base the liquidator took over, at the oracle; GMX: the position's
 *   size at the mark, sizeInUsd ± its PnL).
 * - clearing = a liquidation fill against the venue's makers: |base| and the quote paid (a short's
 *   close is a buy: its "discount" is negative when it paid above the market).
 * - venueFlowBase = base traded with the venue's makers by a liquidation or by an unwind (Drift's
 *   liquidator closing what it took over; Hyperliquid's vault closing its takeovers when
 *   `backstopUnwinds` is set): + sold, − bought. None on Synthetix and GMX, whose LPs and pool take the other side at the oracle price.
 * - insuranceDrawUsd = the fund's payouts (perps-generic shortfalls from `insurance` or the backstop
 *   vault; dYdX's negative insurance fund deltas; Drift's insurance payment of a bankruptcy;
 *   Hyperliquid: the free margin a vault takeover consumes, maintenance − equity of the scope taken).
 * - socializedUsd = losses spread over others: perps-generic and Drift social losses, Synthetix's
 *   LP bad debt, GMX's insolvent closes absorbed by the pool.
 * - adlUsd = the notional deleveraged (base × the step's oracle price; Hyperliquid: × the previous
 *   oracle price its ADL uses; GMX: the ADL order's size ± PnL).
 * - badDebtUsd = what nobody has covered yet: Σ max(0, −equity) over the book's accounts and the
 *   house's (a vault or maker underwater; GMX: a pool valued below zero) at the oracle price.
 */
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import type { OracleCommand } from '../../engine/oracle.js';
import { parsePerpsGenericParams } from '../../engine/perps/params.js';
import { perpsKeeperView } from '../../keepers/perps.js';
import { perpsPresetPolicy } from '../../keepers/presets.js';
import { SolventError } from '../../math/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import { resolveProtocol, toJsonValue } from '../../protocols/catalog.js';
import { parseComposedPerpConfig } from '../../protocols/composed/perp.js';
import type { Book } from '../book.js';
import type { TimedOracleCommand } from '../oracleFeed.js';
import type { ReplayScenario } from '../replay.js';
import { split } from '../rng.js';
import {
  applyAll,
  type EventEffect,
  FEED_PRICE_DECIMALS,
  mergedFeed,
  type OpenedStress,
  runWithAdapter,
  type StressAdapter,
  type StressSetup,
  stressBook,
  stressFeed,
  wholeUnits,
} from './core.js';
import { FIXED_USD_ORACLE } from './lending.js';
import { type PerpsSkipped, perpsBookPlan, perpsHedgePlan } from './perpsBook.js';
import { gmxWatch } from './perpsGmxWatch.js';
import {
  DEFAULT_PERPS_STRESS_SIZES,
  genericRig,
  latestOraclePrice,
  PERPS_ORACLE_ASSET,
  PERPS_RIG_FACTORIES,
  type PerpsRig,
  type PerpsRigMarket,
  type PerpsStressSizes,
  paramsJson,
} from './perpsRigs.js';
import { perpsBadDebtUsd, perpsWatch } from './perpsWatch.js';
import {
  DEFAULT_GAS_CAP_GWEI,
  DEFAULT_KEEPER_WALLET_DAI,
  type StressKeeperSpec,
  type StressOptions,
} from './types.js';

/** The bad-debt scan (perpsWatch.ts), exported here where it always was. */
export { perpsBadDebtUsd } from './perpsWatch.js';

/** Catalogue perps ids the stress lab runs. */
export const PERPS_STRESS_PROTOCOLS: readonly string[] = Object.keys(PERPS_RIG_FACTORIES);

/**
 * Slippage an opening order is allowed beside its fee, fraction of notional (ASSUMPTION: half the
 * deepest level's 2 % offset), added to the initial-margin floor of a planned position.
 */
const OPENING_SLIPPAGE = 0.005;

/** First label of the random streams of hedge assets' feeds (split(rng, this + j)). */
const HEDGE_FEED_STREAM = 16;

/** Re-publication period of GMX's fixed USDC price, seconds (inside its one-year staleness). */
const FIXED_USD_REPUBLISH_SECONDS = 30 * 86_400;
const USD8 = 10n ** 8n;

/** The default keepers of a perps model: a protocol engine where the protocol liquidates, else liquidators. */
function defaultPerpsKeepers(protocol: string): readonly StressKeeperSpec[] {
  switch (protocol) {
    case 'hyperliquid':
      return [{ preset: 'liquidator', id: 'hyperliquid-engine' }];
    case 'dydx-v4':
      return [{ preset: 'liquidator', id: 'dydx-protocol' }];
    case 'gmx-v2':
      return [{ preset: 'liquidator', id: 'gmx-keeper' }];
    case 'drift-v2':
      return [{ preset: 'liquidator', id: 'drift-liquidator', minProfitUsd: 0 }];
    case 'synthetix-perps-v3':
      return [{ preset: 'liquidator', id: 'synthetix-keeper', minProfitUsd: 0 }];
    default:
      return [
        { preset: 'liquidator', id: 'keeper-capped', minProfitUsd: 0, maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
        { preset: 'liquidator', id: 'keeper-aware', minProfitUsd: 10 },
      ];
  }
}

/** A feed's publications and config at `decimals` price decimals (HalfUp, as the feed rounds). */
function rescaleFeed<T extends { readonly command: OracleCommand }>(
  items: readonly T[],
  decimals: number,
): T[] {
  if (decimals === FEED_PRICE_DECIMALS) return [...items];
  return items.map((c) => {
    if (c.command.type !== 'publishPrice') return c;
    const price = c.command.price;
    const scaled =
      decimals > FEED_PRICE_DECIMALS
        ? price * pow10(decimals - FEED_PRICE_DECIMALS)
        : divRound(price, pow10(FEED_PRICE_DECIMALS - decimals), Rounding.HalfUp);
    return { ...c, command: { ...c.command, price: scaled } };
  });
}

const toFloat = (x: bigint, decimals: number): number => Number(x) / 10 ** decimals;
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

type AnyEvent = EngineEvent & Readonly<Record<string, unknown>>;

/**
 * What a hedged book's event in one of the rig's other markets means: its own decimals and price;
 * venue flow and clearings only for a second ETH venue's fills against its own makers (the run's
 * market is ETH's).
 */
function hedgeEffect(
  e: AnyEvent,
  h: PerpsRigMarket,
  quoteDecimals: number,
  priceUsd: (asset: string) => number,
): EventEffect | undefined {
  const base = (x: unknown): number => toFloat(abs(x as bigint), h.baseDecimals);
  switch (e.type) {
    case 'PerpFilled': {
      if (h.oracleAsset !== PERPS_ORACLE_ASSET || e.counterparty !== h.makerAccount) return undefined;
      if (e.reason !== 'liquidation' && e.reason !== 'trade') return undefined;
      const flow = -toFloat(e.sizeBase as bigint, h.baseDecimals);
      if (e.reason === 'trade') return { venueFlowBase: flow };
      return {
        venueFlowBase: flow,
        clearing: { collateral: base(e.sizeBase), paidUsd: toFloat(e.quoteAmount as bigint, quoteDecimals) },
      };
    }
    case 'PerpLiquidated':
      return {
        liquidationUsd:
          base(e.kind === 'venue' ? e.filledBase : e.closeBase) *
          toFloat(e.markPrice as bigint, h.priceDecimals),
      };
    case 'PerpDeleveraged':
      return { adlUsd: base(e.sizeBase) * priceUsd(h.oracleAsset) };
    default:
      return undefined;
  }
}

/**
 * The classifier of a rig's events (see the file header); `mark()` is the step's oracle price, USD,
 * and `priceUsd(asset)` the latest oracle price of a hedge market's asset (hedged books).
 */
function classifier(
  rig: PerpsRig,
  mark: () => number,
  hedges: readonly PerpsRigMarket[] = [],
  priceUsd: (asset: string) => number = () => 0,
): (e: AnyEvent) => EventEffect | undefined {
  const bd = rig.baseDecimals;
  const qd = rig.quoteDecimals;
  const base = (x: unknown): number => toFloat(abs(x as bigint), bd);
  const quote = (x: unknown): number => toFloat(x as bigint, qd);
  let vaultSize = 0n;
  let vaultDelta = 0n;
  return (e) => {
    const hedge = hedges.length === 0 ? undefined : hedges.find((h) => h.market === e.market);
    if (hedge !== undefined) return hedgeEffect(e, hedge, qd, priceUsd);
    if (hedges.length > 0 && e.type === 'PerpFilled' && e.market !== rig.market) return undefined;
    switch (e.type) {
      case 'PerpFilled': {
        if (rig.venueAccount === undefined || e.counterparty !== rig.venueAccount) return undefined;
        if (e.reason !== 'liquidation' && e.reason !== 'trade') return undefined;
        const size = e.sizeBase as bigint;
        const flow = -toFloat(size, bd);
        if (e.reason === 'trade') return { venueFlowBase: flow };
        return { venueFlowBase: flow, clearing: { collateral: base(size), paidUsd: quote(e.quoteAmount) } };
      }
      case 'PerpPositionChanged': {
        if (rig.backstopAccount === undefined || e.account !== rig.backstopAccount) return undefined;
        if (e.market !== rig.market) return undefined;
        const now = (e.position as { sizeBase: bigint } | null)?.sizeBase ?? 0n;
        vaultDelta = now - vaultSize;
        vaultSize = now;
        return undefined;
      }
      // perps-generic and composed markets
      case 'PerpLiquidated':
        return {
          liquidationUsd: base(e.kind === 'venue' ? e.filledBase : e.closeBase) * mark(),
        };
      case 'PerpShortfallCovered':
        return {
          insuranceDrawUsd: quote((e.fromInsuranceQuote as bigint) + (e.fromBackstopQuote as bigint)),
          socializedUsd: quote(e.socializedQuote),
        };
      case 'PerpDeleveraged':
        return { adlUsd: base(e.sizeBase) * mark() };
      // hyperliquid
      case 'HyperliquidLiquidated': {
        if (e.kind === 'book') return { liquidationUsd: base(e.filledBase) * mark() };
        if (e.kind !== 'backstop') return undefined; // an ADL hand-over: counted with its fills
        const shortfall = (e.maintenanceQuote as bigint) - (e.equityQuote as bigint);
        return {
          liquidationUsd: base(vaultDelta) * mark(),
          insuranceDrawUsd: shortfall > 0n ? quote(shortfall) : 0,
        };
      }
      case 'HyperliquidAutoDeleveraged': {
        const size = base(e.deleveragedBase);
        const previous = toFloat(e.previousOraclePrice as bigint, rig.priceDecimals);
        return { liquidationUsd: size * mark(), adlUsd: size * previous };
      }
      // dydx-v4
      case 'DydxLiquidationOrderPlaced':
        return (e.filledBase as bigint) > 0n ? { liquidationUsd: base(e.filledBase) * mark() } : undefined;
      case 'DydxLiquidationMatch': {
        const delta = e.insuranceFundDelta as bigint;
        return delta < 0n ? { insuranceDrawUsd: quote(-delta) } : undefined;
      }
      case 'DydxDeleveragingDone': {
        const size = e.deleveragedBase as bigint;
        return size > 0n ? { liquidationUsd: base(size) * mark(), adlUsd: base(size) * mark() } : undefined;
      }
      // synthetix-perps-v3
      case 'SynthetixPositionLiquidated':
        return { liquidationUsd: base(e.amountLiquidated) * mark() };
      case 'SynthetixLpBadDebt':
        return { socializedUsd: quote(e.amountQuote) };
      // drift-v2
      case 'DriftPerpLiquidated':
        return { liquidationUsd: quote(e.baseAssetValueQuote) };
      case 'DriftPerpBankruptcyResolved':
        return { insuranceDrawUsd: quote(e.ifPaymentQuote), socializedUsd: quote(e.socializedQuote) };
      // gmx-v2
      case 'GmxPositionLiquidated': {
        const long = String(e.position).endsWith(':long');
        const usd = (e.sizeInUsd as bigint) + (long ? 1n : -1n) * (e.basePnlUsd as bigint);
        return { liquidationUsd: toFloat(usd, 30) };
      }
      case 'GmxInsolventClose':
        return { socializedUsd: toFloat(e.remainingCostUsd as bigint, 30) };
      case 'GmxAdlExecuted': {
        const long = String(e.position).endsWith(':long');
        const usd = (e.sizeDeltaUsd as bigint) + (long ? 1n : -1n) * (e.basePnlUsd as bigint);
        return { adlUsd: toFloat(usd, 30) };
      }
      default:
        return undefined;
    }
  };
}

/** What a perps run opened, beside the loop's OpenedStress. */
export interface PerpsOpenedInfo {
  readonly rig: PerpsRig;
  /** Book accounts the mapping or the protocol left out, with the reason. */
  readonly skipped: readonly PerpsSkipped[];
  /** Positions whose margin was raised to the model's initial margin. */
  readonly clamped: number;
  /** The house's funds at the start: insurance fund (as reported), USD. */
  readonly insuranceFundStartUsd: number;
}

/** How the perps adapters read their book each step. */
export interface PerpsAdapterOptions {
  /**
   * True (the default adapters): keeper views re-check only the accounts the run-local watch
   * (perpsWatch.ts) cannot clear, a keeper that sends nothing (gas above its cap) reads no view, a
   * view lists only candidates paying more than its keeper's gate (skipping the dry runs a reward
   * bound rules out), and the bad debt and the borrowers' totals follow what changed. False: every
   * account is read at every view and step (the reference; same results).
   */
  readonly indexed: boolean;
}

/**
 * Opens a run on a rig: oracles and configuration at `start − 2·step`, the keepers' set-up (Drift
 * accounts), the house and the book at `start`, one planned position at a time (a position the
 * model refuses is skipped and counted). `adapterOptions` chooses how the book is read (default
 * indexed; the results are the same either way).
 * @throws InvalidParameterError (`keepers[].preset`, `keepers[].walletUsd`); whatever set-up throws.
 */
export function openPerps(
  setup: StressSetup,
  rig: PerpsRig,
  sizes: PerpsStressSizes,
  adapterOptions: PerpsAdapterOptions = { indexed: true },
): OpenedStress<unknown> & { readonly info: PerpsOpenedInfo } {
  const { options, source, rng, specs, start } = setup;
  const policies = specs.map((s) => perpsPresetPolicy(s, 'keepers[].preset', rig.protocol));
  const keeperIds = specs.map((s) => s.id);
  const feed = stressFeed(rng, source, PERPS_ORACLE_ASSET, options.oracle);
  const timed = rescaleFeed(feed.feed, rig.priceDecimals);
  const first = rescaleFeed(feed.first, rig.priceDecimals);
  const oracleConfig = { ...feed.oracleConfig, priceDecimals: rig.priceDecimals };
  const firstPrice = rescaleFeed(
    [{ command: { type: 'publishPrice', asset: PERPS_ORACLE_ASSET, source: 'x', price: feed.firstPrice } }],
    rig.priceDecimals,
  )[0]?.command as { price: bigint };
  const setupAt = start - 2 * source.stepSeconds;
  const at = (command: Command, atSeconds = setupAt) => ({ command, atSeconds });
  const gmx = rig.kind === 'gmx';
  const wethOf = (items: readonly TimedOracleCommand[]) =>
    items.map((c) => ({ ...c, command: { ...c.command, asset: 'WETH' } as OracleCommand }));
  const commands = [
    ...rig.configureCommands(keeperIds).map((c) => at(c)),
    at({ type: 'configureOracle', asset: PERPS_ORACLE_ASSET, config: oracleConfig }),
    ...first.map((c) => at(c.command)),
    ...(gmx
      ? [
          at({ type: 'configureOracle', asset: 'WETH', config: oracleConfig }),
          ...wethOf(first).map((c) => at(c.command)),
          at({ type: 'configureOracle', asset: 'USDC', config: FIXED_USD_ORACLE }),
          at({ type: 'publishPrice', asset: 'USDC', source: 'fixed', price: USD8 }),
        ]
      : []),
  ];
  const funded: Record<string, bigint> = {};
  for (const s of specs) {
    const whole =
      s.preset === 'liquidator' && s.walletUsd !== undefined ? s.walletUsd : DEFAULT_KEEPER_WALLET_DAI;
    const k = rig.keeperCommands(s.id, Number(wholeUnits(whole, 'walletUsd')));
    funded[s.id] = k.fundedQuote;
    for (const c of k.commands) commands.push(at(c));
  }
  const priceUsd = toFloat(firstPrice.price, rig.priceDecimals);
  // A hedged book (composed markets with several markets): the hedge markets whose price the run
  // has, each non-ETH asset on its own feed from the source's path (its own random stream).
  const hedges = (rig.hedgeMarkets ?? []).filter((h) =>
    h.oracleAsset === PERPS_ORACLE_ASSET
      ? h.priceDecimals === rig.priceDecimals
      : Object.hasOwn(source.assets, h.oracleAsset),
  );
  const hedgeAssets = [...new Set(hedges.map((h) => h.oracleAsset))].filter((a) => a !== PERPS_ORACLE_ASSET);
  const hedgeFirst: Record<string, bigint> = { [PERPS_ORACLE_ASSET]: firstPrice.price };
  const hedgeFeeds: TimedOracleCommand[][] = [];
  const usable: PerpsRigMarket[] = [];
  for (const [j, asset] of hedgeAssets.entries()) {
    const decimals = hedges.find((h) => h.oracleAsset === asset)!.priceDecimals;
    const path = source.assets[asset]!;
    const f = stressFeed(
      split(rng, HEDGE_FEED_STREAM + j),
      { ethPath: path, stepSeconds: source.stepSeconds },
      asset,
      options.oracle,
    );
    const scaled = rescaleFeed(
      [{ command: { type: 'publishPrice', asset, source: 'x', price: f.firstPrice } as OracleCommand }],
      decimals,
    )[0]?.command as { price: bigint };
    if (f.firstPrice <= 0n) continue;
    hedgeFirst[asset] = scaled.price;
    commands.push(
      at({ type: 'configureOracle', asset, config: { ...f.oracleConfig, priceDecimals: decimals } }),
    );
    for (const c of rescaleFeed(f.first, decimals)) commands.push(at(c.command));
    hedgeFeeds.push(rescaleFeed(f.feed, decimals));
  }
  for (const h of hedges) if (hedgeFirst[h.oracleAsset] !== undefined) usable.push(h);
  const basePlan = perpsBookPlan(stressBook(options, rng, source.ethPath), {
    priceUsd,
    rates: (n) => rig.rates(n, priceUsd),
    openingCost: rig.takerFee + OPENING_SLIPPAGE,
  });
  const plan = perpsHedgePlan(
    basePlan,
    usable.map((h) => ({ market: h.market, rates: h.rates, openingCost: h.takerFee + OPENING_SLIPPAGE })),
  );
  const hedgePrice = (market: string | undefined): bigint | undefined => {
    const h = market === undefined ? undefined : usable.find((x) => x.market === market);
    return h === undefined ? undefined : hedgeFirst[h.oracleAsset];
  };
  const feedAll = hedgeFeeds.length === 0 ? timed : mergedFeed(timed, ...hedgeFeeds);
  for (const c of rig.houseCommands({ longUsd: plan.longUsd, shortUsd: plan.shortUsd, priceUsd }, sizes)) {
    commands.push(at(c, start));
  }
  let state = applyAll(rig.decider, rig.decider.initial(), commands) as EngineState<unknown>;
  const accounts: string[] = [];
  const skipped: PerpsSkipped[] = [...plan.skipped];
  let clamped = 0;
  for (const p of plan.positions) {
    const open = rig.openCommands(p, firstPrice.price, hedgePrice(p.hedge?.market));
    if (open.length === 0) {
      skipped.push({
        account: p.account,
        reason: 'dust',
        detail: `$${p.notionalUsd.toFixed(2)} rounds to 0`,
      });
      continue;
    }
    try {
      state = applyAll(
        rig.decider,
        state,
        open.map((c) => at(c, start)),
      ) as EngineState<unknown>;
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
      skipped.push({ account: p.account, reason: 'refused', detail: e.code });
      continue;
    }
    accounts.push(rig.accountOf(p));
    if (p.clamped) clamped += 1;
  }
  const borrowers = [...accounts];
  const watch = !adapterOptions.indexed
    ? undefined
    : rig.kind === 'gmx'
      ? gmxWatch(rig, borrowers)
      : perpsWatch(rig, borrowers);
  let markUsd = priceUsd;
  let usdPublishedAt = setupAt;
  const readMark = (s: EngineState<unknown>): number => {
    const p = latestOraclePrice(s, PERPS_ORACLE_ASSET);
    return p === undefined ? markUsd : toFloat(p, rig.priceDecimals);
  };
  const health = rig.model.health as (
    s: EngineState<unknown>,
    id: string,
    t: number,
  ) => ReturnType<typeof rig.model.health>;
  const hedgeUsd: Record<string, number> = {};
  const readHedgeUsd = (s: EngineState<unknown>): void => {
    for (const asset of hedgeAssets) {
      const p = latestOraclePrice(s, asset);
      const h = usable.find((x) => x.oracleAsset === asset);
      if (p !== undefined && h !== undefined) hedgeUsd[asset] = toFloat(p, h.priceDecimals);
    }
  };
  const opened: OpenedStress<EngineState<unknown>> & { info: PerpsOpenedInfo } = {
    decider: rig.decider,
    state,
    feed: feedAll,
    accounts: borrowers,
    skipped: skipped.length,
    collateralAsset: PERPS_ORACLE_ASSET,
    maintenance(s, t) {
      markUsd = readMark(s);
      if (hedgeAssets.length > 0) readHedgeUsd(s);
      if (!gmx) return [];
      // GMX orders carry freshly signed prices (Chainlink Data Streams): the feed's latest source
      // values are re-signed at every step, so ADL's oracle-timestamp check can pass.
      const out: Command[] = [];
      const eth = s.oracle.assets[PERPS_ORACLE_ASSET]?.observations ?? {};
      for (const source of Object.keys(eth).sort()) {
        const price = eth[source]?.price;
        if (price === undefined) continue;
        out.push({ type: 'publishPrice', asset: PERPS_ORACLE_ASSET, source, price });
        out.push({ type: 'publishPrice', asset: 'WETH', source, price });
      }
      if (t - usdPublishedAt >= FIXED_USD_REPUBLISH_SECONDS) {
        usdPublishedAt = t;
        out.push({ type: 'publishPrice', asset: 'USDC', source: 'fixed', price: USD8 });
      }
      return out;
    },
    keepers: policies.map((policy) => ({
      id: policy.id,
      decide(s, market) {
        // Indexed: nothing to read when the keeper sends nothing (gas above its cap), only the
        // accounts the watch cannot clear, and no candidate paying less than the keeper's gate.
        const screen = adapterOptions.indexed ? policy.screen(market, rig.kind) : undefined;
        if (screen !== undefined && !screen.sends) return [];
        const floor = screen?.sends === true ? screen.rewardAboveUsd : undefined;
        return policy.decide(
          perpsKeeperView(s, market.nowSeconds, market, keeperIds, {
            kind: rig.kind,
            decider: rig.decider,
            health,
            keeperId: policy.id,
            accounts:
              watch?.liquidatable(s, market.nowSeconds, floor !== undefined && floor >= 0) ?? borrowers,
            perpMarket: rig.market,
            ...(usable.length > 0 ? { anyMarket: true } : {}),
            ...(rig.backstopAccount === undefined || !sizes.backstopUnwinds
              ? {}
              : { backstopAccount: rig.backstopAccount }),
            ...(floor === undefined ? {} : { rewardAboveUsd: floor }),
          }),
        );
      },
    })),
    classify:
      usable.length === 0
        ? classifier(rig, () => markUsd)
        : classifier(
            rig,
            () => markUsd,
            usable,
            (asset) => (asset === PERPS_ORACLE_ASSET ? markUsd : (hedgeUsd[asset] ?? 0)),
          ),
    heldCollateral: () => 0n,
    keeperCashDeltaUsd: (s, id) => rig.keeperCashUsd(s, id, funded[id] ?? 0n),
    borrowerTotals(s) {
      if (watch !== undefined) return watch.borrowerTotals(s);
      let collateral = 0n;
      let debtUsd = 0;
      for (const id of borrowers) {
        const w = rig.worth(s, id);
        collateral += w.sizeWad;
        debtUsd += w.debtUsd;
      }
      return { collateral, debtUsd };
    },
    badDebtUsd: (s) => watch?.badDebtUsd(s) ?? perpsBadDebtUsd(rig, s, borrowers),
    insuranceFundUsd: (s) => rig.insuranceFundUsd(s),
    auctionsLive: () => 0,
    health(s, id, t) {
      if (!rig.isOpen(s, id)) return undefined;
      return health(s, id, t);
    },
    oracle: (s) => s.oracle,
    info: { rig, skipped, clamped, insuranceFundStartUsd: rig.insuranceFundUsd(state) },
  };
  return opened as unknown as OpenedStress<unknown> & { readonly info: PerpsOpenedInfo };
}

/**
 * The perps adapter with house sizes `sizes` (default {@link DEFAULT_PERPS_STRESS_SIZES}): the
 * insurance fund and vault sizes are not model parameters, so they are set here, not through
 * `protocolParams`.
 * @throws InvalidParameterError for bad sizes.
 */
export function createPerpsStressAdapter(
  sizes: PerpsStressSizes = DEFAULT_PERPS_STRESS_SIZES,
  adapterOptions: PerpsAdapterOptions = { indexed: true },
): StressAdapter {
  requireSizes(sizes);
  return {
    protocols: PERPS_STRESS_PROTOCOLS,
    defaultKeepers: defaultPerpsKeepers,
    defaultParamsJson(protocol) {
      return toJsonValue(requireFactory(protocol).defaults);
    },
    open(setup) {
      const factory = requireFactory(setup.options.protocol);
      const raw = setup.options.protocolParams ?? paramsJson(factory.defaults);
      return openPerps(setup, factory.build(raw), sizes, adapterOptions);
    },
  };
}

function requireFactory(protocol: string) {
  const f = Object.hasOwn(PERPS_RIG_FACTORIES, protocol) ? PERPS_RIG_FACTORIES[protocol] : undefined;
  if (f === undefined) {
    throw new InvalidParameterError(
      'protocol',
      `${protocol} is not a perps model of the stress lab`,
      `Perps models: ${PERPS_STRESS_PROTOCOLS.join(', ')}.`,
    );
  }
  return f;
}

function requireSizes(sizes: PerpsStressSizes): void {
  for (const key of ['makerFraction', 'insuranceFraction', 'backstopFraction'] as const) {
    const v = sizes[key];
    if (!Number.isFinite(v) || v < 0 || v > 100) {
      throw new InvalidParameterError(`sizes.${key}`, `must be a fraction in [0, 100], got ${v}`);
    }
  }
  if (!(sizes.makerFraction > 0)) throw new InvalidParameterError('sizes.makerFraction', 'must be > 0');
}

/** The catalogue perps models in the stress lab, with {@link DEFAULT_PERPS_STRESS_SIZES}. */
export const perpsStressAdapter: StressAdapter = createPerpsStressAdapter();

/**
 * Composed perp markets (`kind: perp` configurations) in the stress lab, with house sizes `sizes`:
 * `options.protocolConfig` is the parsed configuration and `options.protocol` its id; the model is
 * the perps core under that id (`resolveProtocol`). `protocolParams`, when given, replaces the
 * configuration's market and liquidation parameters: perps-generic's shape (what
 * `defaultParamsJson(id, config)` returns), or a whole `kind: perp` configuration. The
 * configuration needs a market on the ETH oracle. `protocols` is empty: the stress lab picks this
 * adapter by the configuration's kind.
 * @throws InvalidParameterError for bad sizes.
 */
export function createComposedPerpStressAdapter(
  sizes: PerpsStressSizes = DEFAULT_PERPS_STRESS_SIZES,
  adapterOptions: PerpsAdapterOptions = { indexed: true },
): StressAdapter {
  requireSizes(sizes);
  return {
    protocols: [],
    defaultKeepers: () => defaultPerpsKeepers('composed'),
    /**
     * The configuration's perps-generic parameters ({@link composedPerpStressParamsJson}), what
     * `protocolParams` overrides take back.
     * @throws InvalidParameterError (field `protocol`) without a configuration; its field errors.
     */
    defaultParamsJson(protocol, protocolConfig) {
      if (protocolConfig === undefined) {
        throw new InvalidParameterError(
          'protocol',
          `${protocol} is a composed perp market: its parameters are its configuration`,
          'Pass the configuration (protocolConfig).',
        );
      }
      return composedPerpStressParamsJson(protocolConfig);
    },
    open(setup) {
      return openPerps(setup, composedRig(setup.options), sizes, adapterOptions);
    },
  };
}

/** Composed perp markets in the stress lab, with {@link DEFAULT_PERPS_STRESS_SIZES}. */
export const composedPerpStressAdapter: StressAdapter = createComposedPerpStressAdapter();

/**
 * The parameters a composed perp market's stress runs configure, as raw JSON (the configuration's
 * perps-generic parameters, bigints as decimal strings).
 * @throws InvalidParameterError naming the configuration's field.
 */
export function composedPerpStressParamsJson(config: unknown): unknown {
  return toJsonValue(parseComposedPerpConfig(config, 'protocolConfig').params);
}

function composedRig(options: StressOptions): PerpsRig {
  if (options.protocolConfig === undefined) {
    throw new InvalidParameterError('protocolConfig', 'a composed perp run needs its configuration');
  }
  const config = parseComposedPerpConfig(options.protocolConfig, 'protocolConfig');
  if (config.id !== options.protocol) {
    throw new InvalidParameterError(
      'protocol',
      `is ${options.protocol}, the configuration's id is ${config.id}`,
      'Pass the configuration id as the protocol.',
    );
  }
  const entry = resolveProtocol(options.protocolConfig);
  const raw = options.protocolParams;
  const params =
    raw === undefined
      ? config.params
      : raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'perp'
        ? parseComposedPerpConfig(raw, 'protocolParams').params
        : parsePerpsGenericParams(raw, 'protocolParams');
  return genericRig(config.id, entry.model as unknown as PerpsRig['model'], params, { hedged: true });
}

// ---------------------------------------------------------------------------------------------
// The 2025-10-10 check: the insurance backstop runs dry, then auto-deleveraging

/**
 * A fund counts as dry at or below max(this, {@link PERPS_FUND_DRY_FRACTION} × its peak so far),
 * USD: Drift's fund keeps one unit, and the waterfalls of perps-generic, dYdX and Hyperliquid pay a
 * shortfall only when they can pay it whole (a match, a takeover), so a drained fund keeps a
 * remainder smaller than the next bankruptcy.
 */
export const PERPS_FUND_DRY_USD = 1;

/** Share of its peak below which a fund counts as dry (see {@link PERPS_FUND_DRY_USD}). */
export const PERPS_FUND_DRY_FRACTION = 0.01;

/** Figures of {@link perpsAdlCheck}. Steps are 0-based indexes of the run's series. */
export interface PerpsAdlCheck {
  readonly protocol: string;
  readonly scenario: string;
  readonly steps: number;
  readonly stepSeconds: number;
  readonly accounts: number;
  readonly accountsSkipped: number;
  /** The insurance fund (or loss buffer, see each rig) after set-up, at the end, and its lowest, USD. */
  readonly insuranceFundStartUsd: number;
  readonly insuranceFundEndUsd: number;
  readonly insuranceFundMinUsd: number;
  /**
   * First step after which the fund was dry (at most max({@link PERPS_FUND_DRY_USD},
   * {@link PERPS_FUND_DRY_FRACTION} × its peak so far, the start included)); null when never.
   */
  readonly fundDryStep: number | null;
  readonly fundDryAtSeconds: number | null;
  /** Notional deleveraged over the run, USD, the first step with ADL, and how many steps had ADL. */
  readonly adlVolumeUsd: number;
  readonly firstAdlStep: number | null;
  readonly firstAdlAtSeconds: number | null;
  readonly adlSteps: number;
  readonly liquidations: number;
  readonly liquidatedUsd: number;
  /** Liquidations counted in the steps before the first ADL (all of them when there is none). */
  readonly liquidationsBeforeFirstAdl: number;
  readonly insuranceDrawUsd: number;
  readonly socializedUsd: number;
  /** Bad debt at the end (see the file header), USD. */
  readonly badDebtUsd: number;
  /** ADL happened and not before the fund ran dry (first ADL step ≥ fund dry step). */
  readonly adlAfterFundDry: boolean;
}

/** Options of {@link perpsAdlCheck} beyond the run's own. */
export interface PerpsAdlCheckOptions {
  /** House sizes (default {@link DEFAULT_PERPS_STRESS_SIZES}). */
  readonly sizes?: PerpsStressSizes;
}

/**
 * Runs a perps model (or a composed market, with `protocolConfig`) through the stress loop and
 * reports when the insurance fund ran dry and when ADL started (per step, from the events as they
 * landed), with the liquidation, insurance, socialization and bad-debt figures. Deterministic for
 * the options; reads nothing outside them.
 * @throws InvalidParameterError and whatever {@link runWithAdapter} throws.
 */
export function perpsAdlCheck(options: StressOptions, check: PerpsAdlCheckOptions = {}): PerpsAdlCheck {
  const sizes = check.sizes ?? DEFAULT_PERPS_STRESS_SIZES;
  const base =
    options.protocolConfig !== undefined
      ? createComposedPerpStressAdapter(sizes)
      : createPerpsStressAdapter(sizes);
  const adlByT = new Map<number, number>();
  const liqByT = new Map<number, number>();
  let now = 0;
  let fundStart = 0;
  const traced: StressAdapter = {
    ...base,
    open(setup) {
      const opened = base.open(setup);
      fundStart = (opened as { readonly info?: PerpsOpenedInfo }).info?.insuranceFundStartUsd ?? 0;
      return {
        ...opened,
        maintenance(s, t, market, gasGwei) {
          now = t;
          return opened.maintenance?.(s, t, market, gasGwei) ?? [];
        },
        classify(e) {
          const effect = opened.classify(e);
          if (effect?.adlUsd !== undefined && effect.adlUsd > 0) {
            adlByT.set(now, (adlByT.get(now) ?? 0) + effect.adlUsd);
          }
          if (effect?.liquidationUsd !== undefined) liqByT.set(now, (liqByT.get(now) ?? 0) + 1);
          return effect;
        },
      };
    },
  };
  const result = runWithAdapter(traced, options);
  const series = result.series;
  let peak = fundStart;
  const fundDryStep = series.findIndex((p) => {
    peak = Math.max(peak, p.insuranceFundUsd);
    return p.insuranceFundUsd <= Math.max(PERPS_FUND_DRY_USD, PERPS_FUND_DRY_FRACTION * peak);
  });
  const firstAdlStep = series.findIndex((p) => (adlByT.get(p.t) ?? 0) > 0);
  let liquidationsBeforeFirstAdl = 0;
  for (const [k, p] of series.entries()) {
    if (firstAdlStep >= 0 && k >= firstAdlStep) break;
    liquidationsBeforeFirstAdl += liqByT.get(p.t) ?? 0;
  }
  const s = result.summary;
  const stepSeconds =
    series.length >= 2 ? (series[1] as { t: number }).t - (series[0] as { t: number }).t : 0;
  return {
    protocol: s.protocol,
    scenario: s.scenario,
    steps: s.steps,
    stepSeconds,
    accounts: s.accounts,
    accountsSkipped: s.accountsSkipped,
    insuranceFundStartUsd: fundStart,
    insuranceFundEndUsd: series[series.length - 1]?.insuranceFundUsd ?? 0,
    insuranceFundMinUsd: series.reduce((m, p) => Math.min(m, p.insuranceFundUsd), fundStart),
    fundDryStep: fundDryStep < 0 ? null : fundDryStep,
    fundDryAtSeconds: fundDryStep < 0 ? null : (series[fundDryStep]?.t ?? null),
    adlVolumeUsd: s.adlVolumeUsd,
    firstAdlStep: firstAdlStep < 0 ? null : firstAdlStep,
    firstAdlAtSeconds: firstAdlStep < 0 ? null : (series[firstAdlStep]?.t ?? null),
    adlSteps: [...adlByT.values()].filter((v) => v > 0).length,
    liquidations: s.liquidations,
    liquidatedUsd: s.liquidatedDebtUsd,
    liquidationsBeforeFirstAdl,
    insuranceDrawUsd: s.insuranceFundDrawUsd,
    socializedUsd: s.socializedLossUsd,
    badDebtUsd: s.badDebtUsd,
    adlAfterFundDry: firstAdlStep >= 0 && fundDryStep >= 0 && firstAdlStep >= fundDryStep,
  };
}

/** Options of {@link perpsAdlReplayCheck}. */
export interface PerpsAdlReplayOptions extends PerpsAdlCheckOptions {
  /** Perps model (default `hyperliquid`). */
  readonly protocol?: string;
  /** Seed of the synthetic book (default 7). */
  readonly seed?: number;
  /** Accounts of the synthetic book (default 200). */
  readonly accounts?: number;
  /** A book to open instead of the synthetic one (e.g. a more levered `syntheticBook`). */
  readonly book?: Book;
}

/**
 * {@link perpsAdlCheck} on a replay of real series (e.g. the 1-minute 2025-10-10 ETH file): the
 * replay's ETH path drives the model's ETH market, with a synthetic book of `accounts` accounts
 * (seed `seed`) at the replay's first price and the model's default keepers. Pure: the caller
 * reads the files and builds the replay (`replayScenarioFromCsv`).
 * @throws InvalidParameterError; ReplayMissingAssetError without ETH.
 */
export function perpsAdlReplayCheck(
  replay: ReplayScenario,
  options: PerpsAdlReplayOptions = {},
): PerpsAdlCheck {
  return perpsAdlCheck(
    {
      protocol: options.protocol ?? 'hyperliquid',
      replay,
      seed: options.seed ?? 7,
      accounts: options.accounts ?? 200,
      ...(options.book === undefined ? {} : { book: options.book }),
    },
    options.sizes === undefined ? {} : { sizes: options.sizes },
  );
}
