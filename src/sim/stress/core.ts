/**
 * The stress lab's run loop, shared by every protocol family: the source (scenario or replay) on
 * one grid, the oracle feed, gas (a series or the volatility model), the venue whose impact feeds
 * back into the market, keepers sending through a network (latency, block space, priority gas
 * auctions, dropped transactions), and the bookkeeping behind the summary and series. What differs
 * between protocols (set-up, keeper views, what an event means, bad debt) is a {@link StressAdapter}.
 * Deterministic for a seed: no clock, no Math.random; floats only for the market and reporting.
 */
import type { AccountHealth } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { apply, type Command, canonicalJson, type Decider, type EngineEvent } from '../../engine/machine.js';
import { delayedPrice, type OracleState } from '../../engine/oracle.js';
import { gasCostUsd, type KeeperAction, type MarketContext } from '../../keepers/types.js';
import { SolventError } from '../../math/errors.js';
import { Rounding } from '../../math/mulDiv.js';
import { type Book, syntheticBook } from '../book.js';
import { volatilityGasSeries } from '../gas.js';
import {
  applyFill,
  buy,
  cascadeDepth,
  createImpactState,
  decay,
  type ImpactState,
  impactedPrice,
  maxFillBase,
  sell,
  stressedVenue,
  type Venue,
} from '../liquidity.js';
import {
  type OracleFeedParams,
  oracleConfigFor,
  oracleFeed,
  type TimedOracleCommand,
  toPublishCommands,
} from '../oracleFeed.js';
import type { PricePath } from '../paths.js';
import { ReplayMissingAssetError } from '../replay.js';
import { createRng, type Rng, split, uniform } from '../rng.js';
import { getScenario, type OracleSuggestion, scenarioPaths } from '../scenarios.js';
import {
  DEFAULT_FAILED_GAS_FRACTION,
  DEFAULT_PRIORITY_FEE_SHARE,
  DEFAULT_STRESS_NETWORK,
  DEFAULT_STRESS_ORACLE,
  DEFAULT_STRESS_VENUE,
  DEFAULT_VOLATILITY_GAS,
  HEALTH_BUCKET_BOUNDS,
  HEALTH_SAMPLES_MAX,
  healthBucketOf,
  type StressClearing,
  type StressKeeperActivity,
  type StressKeeperSpec,
  type StressNetwork,
  type StressOpenCache,
  type StressOptions,
  type StressOracle,
  type StressResult,
  type StressSeriesPoint,
  type StressSummary,
  type StressVenue,
} from './types.js';

/** What a run takes from its scenario or replay: the name, the paths on one grid and the oracle. */
export interface StressSource {
  readonly name: string;
  readonly stepSeconds: number;
  readonly ethPath: PricePath;
  /** Every asset's path on the same grid (the ETH path among them). */
  readonly assets: Readonly<Record<string, PricePath>>;
  /** Gas, gwei, on the same grid; null: none in the source. */
  readonly gas: PricePath | null;
  readonly oracle: OracleSuggestion;
}

/** A keeper as the loop runs it: a pure decision on the adapter's state and the market. */
export interface StressKeeper<S> {
  readonly id: string;
  decide(state: S, market: MarketContext): readonly KeeperAction[];
}

/** What an engine event means to the stress lab (all optional; USD figures float64). */
export interface EventEffect {
  /** A liquidation started or executed (bark, bite, liquidationCall, absorb, ...), its debt in USD. */
  readonly liquidationUsd?: number;
  /** An auction started. */
  readonly auction?: true;
  /** An English auction dealt for (almost) nothing. */
  readonly zeroBid?: true;
  /** Collateral sold: whole units and what the buyer paid, USD (the loop adds the market value). */
  readonly clearing?: { readonly collateral: number; readonly paidUsd: number };
  readonly insuranceDrawUsd?: number;
  readonly socializedUsd?: number;
  readonly adlUsd?: number;
  /**
   * Base units (whole, float) the liquidation traded against the outside market: positive sold
   * (a long closed), negative bought (a short closed). The loop routes them through the venue
   * after the keepers, so perps liquidations move the price like sold collateral does.
   */
  readonly venueFlowBase?: number;
  /** A soft margin call (predictive stage): an account warned before it breaches maintenance. */
  readonly softMarginCall?: true;
  /** Debt repaid by a gradual de-leveraging step (pre-liquidation), USD. */
  readonly deleveragedUsd?: number;
  /** A risk parameter changed automatically (volatility-indexed thresholds, dynamic incentive). */
  readonly parameterUpdate?: true;
  /** Debt-asset raised by a debt (solvency bond) auction that settled, USD. */
  readonly debtAuctionRaisedUsd?: number;
  /** Bond or governance tokens newly issued by a settled debt auction, whole tokens. */
  readonly debtAuctionTokens?: number;
}

/** The issue-7 stage counters of a run, whether the event came from upkeep or a keeper. */
interface StageTally {
  softMarginCalls: number;
  deleveragedUsd: number;
  parameterUpdates: number;
  debtAuctionRaisedUsd: number;
  debtAuctionTokens: number;
}

/** Adds what an event means for the stage counters. */
function countStageEffect(tally: StageTally, effect: EventEffect): void {
  if (effect.softMarginCall) tally.softMarginCalls += 1;
  tally.deleveragedUsd += effect.deleveragedUsd ?? 0;
  if (effect.parameterUpdate) tally.parameterUpdates += 1;
  tally.debtAuctionRaisedUsd += effect.debtAuctionRaisedUsd ?? 0;
  tally.debtAuctionTokens += effect.debtAuctionTokens ?? 0;
}

/** A run after its set-up: the engine, its state, the feed and the protocol-specific readings. */
export interface OpenedStress<S> {
  readonly decider: Decider<S, Command, EngineEvent>;
  readonly state: S;
  /** Timed oracle publications of the simulated feed (those at the start already applied). */
  readonly feed: readonly TimedOracleCommand[];
  /** Accounts the book opened, and how many the protocol refused. */
  readonly accounts: readonly string[];
  readonly skipped: number;
  readonly keepers: readonly StressKeeper<S>[];
  /** Ledger asset the ETH path drives (what keepers receive and sell), 18 decimals. */
  readonly collateralAsset: string;
  /**
   * Protocol upkeep at the start of each step (re-published fixed prices, arbitrage, risk-oracle
   * pokes), applied in order; `gasGwei` is the step's gas price (what keepers pay this step).
   */
  maintenance?(state: S, t: number, marketUsd: number, gasGwei: number): readonly Command[];
  /** What an event means (undefined: nothing to count). */
  classify(event: EngineEvent & Readonly<Record<string, unknown>>): EventEffect | undefined;
  /** Collateral a keeper holds, smallest units (18 decimals). */
  heldCollateral(state: S, keeperId: string): bigint;
  /** A keeper's cash (debt or quote asset) change since funding, USD. */
  keeperCashDeltaUsd(state: S, keeperId: string): number;
  /**
   * Borrowers' collateral exposure (smallest units of the path asset, signed for perps) and the USD
   * that offsets it: their net worth at price p is collateral·p − debtUsd.
   */
  borrowerTotals(state: S): { readonly collateral: bigint; readonly debtUsd: number };
  /** Bad debt now, USD, with the path asset at `marketUsd`. */
  badDebtUsd(state: S, marketUsd: number): number;
  /** Insurance fund (or loss buffer) now, USD. */
  insuranceFundUsd(state: S, marketUsd: number): number;
  auctionsLive(state: S): number;
  /** An account's health as the protocol reads it; undefined when it has no debt (closed). */
  health(state: S, accountId: string, nowSeconds: number): AccountHealth | undefined;
  /**
   * The series' health buckets (counts by {@link HEALTH_BUCKET_BOUNDS}) of the accounts, from an
   * index instead of one `health` read per account. Optional; when given it must count exactly
   * what the scan of `health` over `accounts` counts (see healthBuckets).
   */
  healthCounts?(state: S, nowSeconds: number): readonly number[];
  /** The oracle state (for the series' oracle price). */
  oracle(state: S): OracleState;
}

/** What an adapter receives to set a run up. */
export interface StressSetup {
  readonly options: StressOptions;
  readonly source: StressSource;
  readonly rng: Rng;
  readonly specs: readonly StressKeeperSpec[];
  /** Time of the first step, unix seconds. */
  readonly start: number;
}

/** A protocol family in the stress lab. */
export interface StressAdapter {
  /** Protocol ids the adapter runs. */
  readonly protocols: readonly string[];
  /** Keepers of a run when none are given. */
  defaultKeepers(protocol: string): readonly StressKeeperSpec[];
  /** The model's parameters as raw JSON (bigints as decimal strings); composed models read their config. */
  defaultParamsJson(protocol: string, protocolConfig?: unknown): unknown;
  /** Builds the engine, configures it, funds keepers and opens the book. */
  open(setup: StressSetup): OpenedStress<unknown>;
}

// ---------------------------------------------------------------------------------------------
// Source, feed and book

/**
 * The source of a run: a built-in scenario's paths (seeded) or a replay's.
 * @throws InvalidParameterError (field `scenario`) for neither or both, (field `stepSeconds`) for a
 * step off the replay grid; UnknownScenarioError; ReplayMissingAssetError without ETH.
 */
export function stressSource(options: StressOptions): StressSource {
  const { scenario, replay } = options;
  if ((scenario === undefined) === (replay === undefined)) {
    throw new InvalidParameterError(
      'scenario',
      scenario === undefined
        ? 'neither a scenario nor a replay was given'
        : 'both a scenario and a replay were given',
      'Pass a built-in scenario id or a replay, not both.',
    );
  }
  if (replay !== undefined) {
    if (options.stepSeconds !== undefined && options.stepSeconds !== replay.stepSeconds) {
      throw new InvalidParameterError(
        'stepSeconds',
        `${options.stepSeconds} differs from the replay's grid (${replay.stepSeconds} s)`,
        'Build the replay with the step you want (replayScenario stepSeconds).',
      );
    }
    const ethPath = replay.assets.ETH;
    if (ethPath === undefined) throw new ReplayMissingAssetError('ETH', Object.keys(replay.assets));
    return {
      name: replay.name,
      stepSeconds: replay.stepSeconds,
      ethPath,
      assets: replay.assets,
      gas: replay.gas,
      oracle: replay.oracle,
    };
  }
  const found = getScenario(scenario as string);
  const paths = scenarioPaths(found.id, {
    seed: options.seed,
    ...(options.stepSeconds === undefined ? {} : { stepSeconds: options.stepSeconds }),
  });
  const ethPath = paths.assets.ETH;
  if (ethPath === undefined) {
    throw new InvalidParameterError('scenario', `${found.id} has no ETH path`, 'Pick a scenario with ETH.');
  }
  return {
    name: found.id,
    stepSeconds: paths.stepSeconds,
    ethPath,
    assets: paths.assets,
    gas: paths.gas,
    oracle: found.oracle,
  };
}

/** Sources of the simulated medianizer feed (an assumption: three relayers, median of a majority). */
export const FEED_SOURCES: readonly string[] = ['relay-a', 'relay-b', 'relay-c'];
/** Feed heartbeat (s) and deviation trigger (bps): assumptions for a 2020 medianizer. */
const FEED_HEARTBEAT_SECONDS = 3600;
const FEED_DEVIATION_BPS = 50;
/** Decimals of the simulated feed's prices (USD·1e8). */
export const FEED_PRICE_DECIMALS = 8;

/** The simulated feed of one asset on a path, as timed publish commands, and its oracle config. */
export interface StressFeed {
  readonly feed: readonly TimedOracleCommand[];
  readonly oracleConfig: ReturnType<typeof oracleConfigFor>;
  /** The rounds observed at the start, timed at the start whatever their delay (apply them at set-up). */
  readonly first: readonly TimedOracleCommand[];
  /** The first published price, USD·1e8 (0 when none). */
  readonly firstPrice: bigint;
}

/**
 * Builds the medianizer feed of `asset` on the source's ETH path (stream 1 of `rng`) and its oracle
 * config, as `oracle` asks (default {@link DEFAULT_STRESS_ORACLE}): an OSM with hop
 * `osmDelaySeconds` when given (Maker), else undelayed; staleness slack max(60 s, one step).
 * @throws InvalidParameterError naming the `oracle.*` field the feed refuses.
 */
export function stressFeed(
  rng: Rng,
  source: Pick<StressSource, 'ethPath' | 'stepSeconds'>,
  asset: string,
  oracle: StressOracle | undefined,
  osmDelaySeconds?: number,
): StressFeed {
  const o = { ...DEFAULT_STRESS_ORACLE, ...(oracle ?? {}) };
  const feedParams: OracleFeedParams = {
    asset,
    sources: FEED_SOURCES,
    heartbeatSeconds: o.heartbeatSeconds ?? FEED_HEARTBEAT_SECONDS,
    deviationBps: o.deviationBps ?? FEED_DEVIATION_BPS,
    priceDecimals: FEED_PRICE_DECIMALS,
    rounding: Rounding.HalfUp,
    ...(o.delaySeconds === undefined ? {} : { delaySeconds: o.delaySeconds }),
    ...(o.noiseBps === undefined ? {} : { noiseBps: o.noiseBps }),
    ...(o.outages === undefined ? {} : { outages: o.outages }),
    ...(o.spikes === undefined ? {} : { spikes: o.spikes }),
  };
  const path = source.ethPath;
  let publications: ReturnType<typeof oracleFeed>['publications'];
  try {
    publications = oracleFeed(split(rng, 1), path, feedParams).publications;
  } catch (e) {
    if (e instanceof InvalidParameterError) {
      throw new InvalidParameterError(
        `oracle.${e.field}`,
        e.details.reason ?? e.shortMessage,
        e.metaMessages.join(' ') || undefined,
      );
    }
    throw e;
  }
  const feed = toPublishCommands(publications);
  const hop = o.osmDelaySeconds ?? osmDelaySeconds;
  const oracleConfig = oracleConfigFor(feedParams, {
    ...(hop === undefined ? {} : { osmDelaySeconds: hop }),
    slackSeconds: Math.max(60, Math.ceil(source.stepSeconds)),
  });
  const start = (path[0] as { tSeconds: number }).tSeconds;
  // The rounds observed at the start are the price before the run: the set-up applies them at once
  // (with a reporting delay they also land again later, in the loop, at their own time).
  const first = toPublishCommands(publications.filter((p) => p.observedAtSeconds === start)).map((c) => ({
    ...c,
    nowSeconds: start,
  }));
  const firstPrice = first[0]?.command.type === 'publishPrice' ? (first[0].command.price as bigint) : 0n;
  return { feed, oracleConfig, first, firstPrice };
}

/**
 * Several assets' feeds as the one timed list the loop applies: by time, and at equal times in the
 * order the feeds are given (each feed's own order kept).
 */
export function mergedFeed(...feeds: readonly (readonly TimedOracleCommand[])[]): TimedOracleCommand[] {
  return feeds
    .flat()
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.nowSeconds - b.c.nowSeconds || a.i - b.i)
    .map(({ c }) => c);
}

/**
 * An asset's market price followed step by step along its path (a stablecoin's, for a depeg):
 * `usd` is the price at the last `moveTo(t)` on the path's grid, the path's first price before
 * that, and 1 without a path.
 */
export function stepPrice(path: PricePath | undefined): { readonly usd: number; moveTo(t: number): void } {
  const at = new Map((path ?? []).map((p) => [p.tSeconds, p.price]));
  let usd = path?.[0]?.price ?? 1;
  return {
    get usd() {
      return usd;
    },
    moveTo(t) {
      usd = at.get(t) ?? usd;
    },
  };
}

/**
 * The borrowers' debt as an adapter's `borrowerTotals` reports it when the debt asset's price moves
 * (a depeg): a running USD value whose change between two readings is the change of the debt, in
 * its own units, at the price given with the later reading. The loop charges borrowers the fall of
 * `debtUsd` as debt relieved, so debt repaid in a step counts at that step's price and a price
 * move alone relieves nothing. The first reading is the whole debt at its price.
 */
export function debtValuedAsRepaid(): (
  units: bigint,
  toFloat: (units: bigint) => number,
  priceUsd: number,
) => number {
  let seen: bigint | undefined;
  let value = 0;
  return (units, toFloat, priceUsd) => {
    value = seen === undefined ? toFloat(units) * priceUsd : value - toFloat(seen - units) * priceUsd;
    seen = units;
    return value;
  };
}

/** An empty {@link StressOpenCache} (one per batch of paths; `runWorkUnit` makes one per unit). */
export function createStressOpenCache(): StressOpenCache {
  return { byBook: new WeakMap() };
}

/**
 * What `open` returns, computed once per (given book, `setup`) in `options.openCache`: `setup` must
 * hold every input of `open` besides the book (the protocol, the set-up commands and their times,
 * the prices and parameters the book is opened at), as canonical JSON decides equality. Without a
 * cache or a given book (a synthetic book drawn from the seed), `open` simply runs.
 */
export function openOnce<T>(options: StressOptions, setup: unknown, open: () => T): T {
  const cache = options.openCache;
  const book = options.book;
  if (cache === undefined || book === undefined) return open();
  let byKey = cache.byBook.get(book);
  if (byKey === undefined) {
    byKey = new Map();
    cache.byBook.set(book, byKey);
  }
  const key = canonicalJson({ protocol: options.protocol, setup });
  if (byKey.has(key)) return byKey.get(key) as T;
  const value = open();
  byKey.set(key, value);
  return value;
}

/** The book of a run: the given one, or a synthetic one (stream 2 of `rng`) at the start price. */
export function stressBook(options: StressOptions, rng: Rng, ethPath: PricePath): Book {
  const startPrice = (ethPath[0] as { price: number }).price;
  return (
    options.book ??
    syntheticBook(split(rng, 2), {
      accounts: options.accounts ?? 200,
      collateralAsset: 'ETH',
      collateralPriceUsd: startPrice,
    })
  );
}

/**
 * Shares one keeper view between the keepers of a step: within a step every keeper decides on the
 * same market object, and on the same state object until a transaction lands, so the view (a pure
 * function of state and market) is built once per state instead of once per keeper. Keepers whose
 * view depends on who they are (perps: the keeper's own commands) must not share one.
 */
export function sharedView<S, V>(
  build: (state: S, market: MarketContext) => V,
): (state: S, market: MarketContext) => V {
  let cached: { readonly state: S; readonly market: MarketContext; readonly view: V } | undefined;
  return (state, market) => {
    if (cached !== undefined && cached.state === state && cached.market === market) return cached.view;
    const view = build(state, market);
    cached = { state, market, view };
    return view;
  };
}

/**
 * Applies commands in order through `decider`, returning the final state.
 * @throws whatever the engine throws (set-up must succeed).
 */
export function applyAll<S>(
  decider: Decider<S, Command, EngineEvent>,
  state: S,
  commands: readonly { readonly command: Command; readonly atSeconds: number }[],
): S {
  let s = state;
  for (const { command, atSeconds } of commands) s = apply(decider, s, command, atSeconds).state;
  return s;
}

/** Whole units of a keeper's funding, checked. @throws InvalidParameterError naming `keepers[].<field>`. */
export function wholeUnits(whole: number, field: string): bigint {
  if (!Number.isSafeInteger(whole) || whole < 0) {
    throw new InvalidParameterError(`keepers[].${field}`, `must be a whole number ≥ 0, got ${whole}`);
  }
  return BigInt(whole);
}

/** A float (USD or whole tokens) as WAD, truncated at 1e-9. */
export function floatToWad(value: number): bigint {
  return BigInt(Math.floor(value * 1e9)) * 10n ** 9n;
}

/** WAD (or any 18-decimal amount) as a float. */
export const wadToFloat = (wad: bigint): number => Number(wad) / 1e18;

/** The oracle's delayed (OSM) or spot price of `asset` as USD, null when the oracle refuses. */
export function oraclePriceUsd(oracle: OracleState, asset: string, t: number): number | null {
  try {
    const reading = delayedPrice(oracle, asset, t);
    return Number(reading.price) / 10 ** reading.priceDecimals;
  } catch (e) {
    if (e instanceof SolventError) return null;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The loop's bookkeeping

interface Tally {
  readonly series: StressSeriesPoint[];
  readonly refusals: Record<string, number>;
  readonly sold: Record<string, bigint>;
  readonly volumes: number[];
  readonly logImpacts: number[];
  /** Highest exogenous price so far and how many steps have run (the drawdown's running peak). */
  exoPeak: number;
  exoSteps: number;
  readonly clearings: StressClearing[];
  readonly activity: Map<
    string,
    { transactions: number; failures: number; gasUsd: number; liquidations: number }
  >;
  impact: ImpactState;
  prevT: number;
  feedIndex: number;
  proceedsUsd: number;
  gasUsd: number;
  txs: number;
  failures: number;
  liquidations: number;
  liquidatedUsd: number;
  auctions: number;
  zeroBids: number;
  insuranceDrawUsd: number;
  socializedUsd: number;
  adlUsd: number;
  borrowerLossUsd: number;
  stages: StageTally;
  failureRng: Rng;
}

function countRefusal(refusals: Record<string, number>, key: string): void {
  refusals[key] = (refusals[key] ?? 0) + 1;
}

/** The policies in this step's order: step `k` starts with policy `k mod n` (who goes first rotates). */
export function rotated<P>(items: readonly P[], k: number): P[] {
  const out: P[] = [];
  for (let j = 0; j < items.length; j++) out.push(items[(j + k) % items.length] as P);
  return out;
}

/** A transaction waiting to land. */
interface Pending {
  readonly keeperIndex: number;
  readonly action: KeeperAction;
  /** Step at which it lands (at the earliest). */
  readonly dueStep: number;
  /** Priority fee bid, gwei. */
  readonly bidGwei: number;
  /**
   * Canonical key of the command (a keeper does not resend what is pending), computed on first
   * use: most actions land in their own step and are never compared.
   */
  key?: string;
  /** Order of sending (ties in an auction keep it). */
  readonly order: number;
}

function commandKey(command: Command): string {
  return JSON.stringify(command, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

function readNetwork(network: StressNetwork | undefined): Required<StressNetwork> {
  const n = { ...DEFAULT_STRESS_NETWORK, ...(network ?? {}) };
  const rate = n.txFailureRate ?? 0;
  const failedGas = n.failedGasFraction ?? DEFAULT_FAILED_GAS_FRACTION;
  const block = n.blockGasPerStep ?? Number.POSITIVE_INFINITY;
  if (!(rate >= 0 && rate <= 1)) {
    throw new InvalidParameterError('network.txFailureRate', `must be in [0, 1], got ${rate}`);
  }
  if (!(failedGas >= 0 && failedGas <= 1)) {
    throw new InvalidParameterError('network.failedGasFraction', `must be in [0, 1], got ${failedGas}`);
  }
  if (!(block > 0)) {
    throw new InvalidParameterError('network.blockGasPerStep', `must be > 0 gas units, got ${block}`);
  }
  return {
    priorityGasAuction: n.priorityGasAuction ?? false,
    txFailureRate: rate,
    failedGasFraction: failedGas,
    blockGasPerStep: block,
  };
}

function readKeeperNetwork(spec: StressKeeperSpec): { latencySteps: number; priorityFeeShare: number } {
  const latency = spec.latencySteps ?? 0;
  const share = spec.priorityFeeShare ?? DEFAULT_PRIORITY_FEE_SHARE;
  if (!Number.isSafeInteger(latency) || latency < 0 || latency > 10_000) {
    throw new InvalidParameterError(
      'keepers[].latencySteps',
      `must be a whole number in [0, 10000], got ${latency}`,
    );
  }
  if (!(share >= 0 && share <= 1)) {
    throw new InvalidParameterError('keepers[].priorityFeeShare', `must be in [0, 1], got ${share}`);
  }
  return { latencySteps: latency, priorityFeeShare: share };
}

/** Steps whose health distribution is sampled: evenly spaced, at most {@link HEALTH_SAMPLES_MAX}, first and last. */
function healthSampleSteps(steps: number): Set<number> {
  const out = new Set<number>();
  const every = Math.max(1, Math.ceil(steps / HEALTH_SAMPLES_MAX));
  for (let k = 0; k < steps; k += every) out.add(k);
  out.add(steps - 1);
  return out;
}

/**
 * Counts of healths by {@link HEALTH_BUCKET_BOUNDS} (health on the protocol's 1e18 scale): one
 * `health` read per account, the reference an adapter's `healthCounts` index must match.
 */
export function healthBuckets<S>(opened: OpenedStress<S>, state: S, t: number): number[] {
  const counts = new Array<number>(HEALTH_BUCKET_BOUNDS.length + 1).fill(0);
  for (const id of opened.accounts) {
    let h: AccountHealth | undefined;
    try {
      h = opened.health(state, id, t);
    } catch (e) {
      if (e instanceof SolventError) continue; // the oracle refuses: no reading this step
      throw e;
    }
    if (h === undefined) continue;
    const b = healthBucketOf(h.healthWad, h.liquidatable);
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return counts;
}

/**
 * Runs one scenario or replay through the adapter's protocol. Per step: the feed's due
 * publications; the adapter's upkeep; the market (exogenous price × decaying impact, venue thinned
 * by the drawdown); keepers decide and their transactions land through the network; keepers sell
 * the collateral they received into the venue (moving the impact); the borrowers' loss at the
 * step's market price; the series point.
 * @throws InvalidParameterError for bad options (`network.*`, `keepers[].*`, `accounts`, ...) and
 * whatever the adapter's set-up throws.
 */
export function runWithAdapter(adapter: StressAdapter, options: StressOptions): StressResult {
  const source = stressSource(options);
  const rng = createRng(options.seed);
  const ethPath = source.ethPath;
  if (ethPath.length < 2) {
    throw new InvalidParameterError('scenario', `${source.name} has fewer than two ETH prices`);
  }
  const specs = options.keepers ?? adapter.defaultKeepers(options.protocol);
  const keeperNet = specs.map(readKeeperNetwork);
  const network = readNetwork(options.network);
  const venueCfg: StressVenue = options.venue ?? DEFAULT_STRESS_VENUE;
  const start = (ethPath[0] as { tSeconds: number }).tSeconds;
  const opened = adapter.open({ options, source, rng, specs, start });
  const gasPath: readonly number[] = gasSeriesOf(options, source, rng);

  let state = opened.state;
  const feedStart = opened.feed.findIndex((c) => c.nowSeconds > start);
  const tally: Tally = {
    series: [],
    refusals: {},
    sold: {},
    volumes: [],
    logImpacts: [],
    exoPeak: 0,
    exoSteps: 0,
    clearings: [],
    activity: new Map(
      opened.keepers.map((k) => [k.id, { transactions: 0, failures: 0, gasUsd: 0, liquidations: 0 }]),
    ),
    impact: createImpactState({ halfLifeSeconds: venueCfg.impactHalfLifeSeconds }),
    prevT: start,
    feedIndex: feedStart < 0 ? opened.feed.length : feedStart,
    proceedsUsd: 0,
    gasUsd: 0,
    txs: 0,
    failures: 0,
    liquidations: 0,
    liquidatedUsd: 0,
    auctions: 0,
    zeroBids: 0,
    insuranceDrawUsd: 0,
    socializedUsd: 0,
    adlUsd: 0,
    borrowerLossUsd: 0,
    stages: {
      softMarginCalls: 0,
      deleveragedUsd: 0,
      parameterUpdates: 0,
      debtAuctionRaisedUsd: 0,
      debtAuctionTokens: 0,
    },
    failureRng: split(rng, 4),
  };
  const sampled = options.healthSeries === false ? new Set<number>() : healthSampleSteps(ethPath.length);
  const keeperIds = opened.keepers.map((k) => k.id);
  let pending: Pending[] = [];
  let order = 0;
  let prevBorrower = opened.borrowerTotals(state);

  const applyCounted = (command: Command, at: number, prefix: string): void => {
    try {
      const applied = apply(opened.decider, state, command, at);
      state = applied.state;
      // Upkeep (risk oracle pokes, margin-call sweeps, debt auction kicks) counts toward the stage
      // figures; liquidations are counted where keepers send them.
      for (const { event } of applied.events) {
        const effect = opened.classify(event as EngineEvent & Readonly<Record<string, unknown>>);
        if (effect !== undefined) countStageEffect(tally.stages, effect);
      }
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
      countRefusal(tally.refusals, `${prefix}${e.code}`);
    }
  };

  ethPath.forEach((point, k) => {
    const t = point.tSeconds;
    // 1. oracle publications due by t, each at its own time.
    while (tally.feedIndex < opened.feed.length) {
      const c = opened.feed[tally.feedIndex] as TimedOracleCommand;
      if (c.nowSeconds > t) break;
      applyCounted(c.command, c.nowSeconds, 'oracle:');
      tally.feedIndex += 1;
    }
    // 2. the market: exogenous price times the decaying impact, the venue thinned by the drawdown.
    tally.impact = decay(tally.impact, t - tally.prevT);
    tally.prevT = t;
    // The drawdown from the running peak: drawdownFraction of the exogenous path so far, in O(1).
    tally.exoPeak = Math.max(tally.exoPeak, point.price);
    tally.exoSteps += 1;
    const marketBefore = impactedPrice(tally.impact, point.price);
    const stress = tally.exoSteps >= 2 ? 10 * (1 - point.price / tally.exoPeak) : 0;
    const venue = stressedVenue(venueCfg.venue, stress, venueCfg.thinning);
    const gasGwei = gasPath[k] as number;
    // 3. protocol upkeep.
    for (const c of opened.maintenance?.(state, t, marketBefore, gasGwei) ?? [])
      applyCounted(c, t, 'upkeep:');

    // 4. keepers decide and their transactions land.
    const market: MarketContext = {
      nowSeconds: t,
      gasPriceGwei: gasGwei,
      ethPriceUsd: marketBefore,
      collateralPriceUsdWad: floatToWad(marketBefore),
      slippageBps: BigInt(Math.round(venueCfg.venue.feeBps)),
    };
    const step = {
      liquidations: 0,
      liquidatedUsd: 0,
      txs: 0,
      failures: 0,
      blockGasLeft: network.blockGasPerStep,
      venueFlowBase: 0,
    };
    const bidOf = (keeperIndex: number, action: KeeperAction): number => {
      if (!network.priorityGasAuction || action.expectedProfitUsd === undefined) return 0;
      const gasEth = Number(action.gasUnits) * 1e-9 * marketBefore;
      if (!(gasEth > 0) || !(action.expectedProfitUsd > 0)) return 0;
      return ((keeperNet[keeperIndex]?.priorityFeeShare ?? 0) * action.expectedProfitUsd) / gasEth;
    };
    const queue = (keeperIndex: number, actions: readonly KeeperAction[]): Pending[] => {
      const mine = new Set<string>();
      for (const p of pending) {
        if (p.keeperIndex !== keeperIndex) continue;
        p.key ??= commandKey(p.action.command);
        mine.add(p.key);
      }
      const out: Pending[] = [];
      for (const action of actions) {
        // Keys only when this keeper has something in flight to compare with.
        const key = mine.size === 0 ? undefined : commandKey(action.command);
        if (key !== undefined && mine.has(key)) continue; // already in flight
        out.push({
          keeperIndex,
          action,
          dueStep: k + (keeperNet[keeperIndex]?.latencySteps ?? 0),
          bidGwei: bidOf(keeperIndex, action),
          ...(key === undefined ? {} : { key }),
          order: order++,
        });
      }
      return out;
    };
    const land = (tx: Pending): void => {
      const keeper = opened.keepers[tx.keeperIndex] as StressKeeper<unknown>;
      const act = tally.activity.get(keeper.id) as StressKeeperActivity & {
        transactions: number;
        failures: number;
        gasUsd: number;
        liquidations: number;
      };
      const gasPrice = { gasPriceGwei: gasGwei + tx.bidGwei, ethPriceUsd: marketBefore };
      const fullGasUsd = gasCostUsd(tx.action.gasUnits, gasPrice);
      tally.txs += 1;
      step.txs += 1;
      act.transactions += 1;
      let failed: string | undefined;
      if (network.txFailureRate > 0) {
        const drawn = uniform(tally.failureRng);
        tally.failureRng = drawn.rng;
        if (drawn.value < network.txFailureRate) failed = 'network:DROPPED';
      }
      if (failed === undefined) {
        try {
          const applied = apply(opened.decider, state, tx.action.command, t);
          state = applied.state;
          for (const { event } of applied.events) {
            const effect = opened.classify(event as EngineEvent & Readonly<Record<string, unknown>>);
            if (effect === undefined) continue;
            if (effect.liquidationUsd !== undefined) {
              tally.liquidations += 1;
              tally.liquidatedUsd += effect.liquidationUsd;
              step.liquidations += 1;
              step.liquidatedUsd += effect.liquidationUsd;
              act.liquidations += 1;
            }
            if (effect.auction) tally.auctions += 1;
            if (effect.zeroBid) tally.zeroBids += 1;
            if (effect.clearing !== undefined) {
              const value = effect.clearing.collateral * marketBefore;
              tally.clearings.push({
                t,
                collateral: effect.clearing.collateral,
                paidUsd: effect.clearing.paidUsd,
                marketValueUsd: value,
                discount: value > 0 ? 1 - effect.clearing.paidUsd / value : 0,
              });
            }
            tally.insuranceDrawUsd += effect.insuranceDrawUsd ?? 0;
            tally.socializedUsd += effect.socializedUsd ?? 0;
            tally.adlUsd += effect.adlUsd ?? 0;
            countStageEffect(tally.stages, effect);
            step.venueFlowBase += effect.venueFlowBase ?? 0;
          }
        } catch (e) {
          if (!(e instanceof SolventError)) throw e;
          failed = e.code;
        }
      }
      if (failed === undefined) {
        tally.gasUsd += fullGasUsd;
        act.gasUsd += fullGasUsd;
        return;
      }
      countRefusal(tally.refusals, failed);
      tally.failures += 1;
      step.failures += 1;
      act.failures += 1;
      tally.gasUsd += fullGasUsd * network.failedGasFraction;
      act.gasUsd += fullGasUsd * network.failedGasFraction;
    };
    /** Lands what fits in the step's block space; returns what must wait. */
    const landAll = (txs: readonly Pending[]): Pending[] => {
      const later: Pending[] = [];
      for (const tx of txs) {
        const units = Number(tx.action.gasUnits);
        if (units > step.blockGasLeft && step.blockGasLeft < network.blockGasPerStep) {
          later.push({ ...tx, dueStep: k + 1 });
          continue;
        }
        step.blockGasLeft -= units;
        land(tx);
      }
      return later;
    };

    const turn = rotated(
      opened.keepers.map((_, i) => i),
      k,
    );
    if (network.priorityGasAuction) {
      // Everyone decides on the same state; the block orders by priority fee.
      for (const i of turn) {
        pending.push(...queue(i, (opened.keepers[i] as StressKeeper<unknown>).decide(state, market)));
      }
      const due = pending.filter((p) => p.dueStep <= k);
      pending = pending.filter((p) => p.dueStep > k);
      const rank = new Map(turn.map((i, pos) => [i, pos]));
      due.sort(
        (a, b) =>
          b.bidGwei - a.bidGwei ||
          (rank.get(a.keeperIndex) ?? 0) - (rank.get(b.keeperIndex) ?? 0) ||
          a.order - b.order,
      );
      pending.push(...landAll(due));
    } else {
      // Keepers take turns, each seeing the previous one's effect.
      for (const i of turn) {
        const mineDue = pending.filter((p) => p.keeperIndex === i && p.dueStep <= k);
        pending = pending.filter((p) => !(p.keeperIndex === i && p.dueStep <= k));
        pending.push(...landAll(mineDue));
        const fresh = queue(i, (opened.keepers[i] as StressKeeper<unknown>).decide(state, market));
        pending.push(...landAll(fresh.filter((p) => p.dueStep <= k)));
        pending.push(...fresh.filter((p) => p.dueStep > k));
      }
    }

    // 5. keepers sell the collateral they received into the venue.
    let marketAfter = marketBefore;
    let logImpact = 0;
    for (const id of keeperIds) {
      const held = opened.heldCollateral(state, id) - (tally.sold[id] ?? 0n);
      if (held <= 0n) continue;
      const cap = maxFillBase(venue, 'sell', marketAfter);
      const amount = Math.min(wadToFloat(held), cap * 0.999);
      if (!(amount > 0)) continue;
      const fill = sell(venue, { baseAmount: amount, marketPrice: marketAfter });
      tally.impact = applyFill(tally.impact, fill);
      logImpact += Math.log(fill.priceAfter / fill.priceBefore);
      tally.proceedsUsd += fill.quoteAmount;
      marketAfter = fill.priceAfter;
      const soldNow = amount >= wadToFloat(held) ? held : floatToWad(amount);
      tally.sold[id] = (tally.sold[id] ?? 0n) + soldNow;
    }

    // Liquidation orders of perps (closing positions) traded against the venue.
    if (step.venueFlowBase !== 0) {
      const side = step.venueFlowBase > 0 ? 'sell' : 'buy';
      const cap = maxFillBase(venue, side, marketAfter);
      const amount = Math.min(Math.abs(step.venueFlowBase), cap * 0.999);
      if (amount > 0) {
        const request = { baseAmount: amount, marketPrice: marketAfter };
        const fill = side === 'sell' ? sell(venue, request) : buy(venue, request);
        tally.impact = applyFill(tally.impact, fill);
        logImpact += Math.log(fill.priceAfter / fill.priceBefore);
        marketAfter = fill.priceAfter;
      }
    }

    // 6. borrowers' loss this step, at this step's market price.
    const now = opened.borrowerTotals(state);
    tally.borrowerLossUsd +=
      wadToFloat(prevBorrower.collateral - now.collateral) * marketAfter -
      (prevBorrower.debtUsd - now.debtUsd);
    prevBorrower = now;

    tally.volumes.push(step.liquidatedUsd);
    tally.logImpacts.push(logImpact);
    tally.series.push({
      t,
      marketPriceUsd: marketAfter,
      oraclePriceUsd: oraclePriceUsd(opened.oracle(state), opened.collateralAsset, t),
      gasGwei,
      liquidationsStarted: step.liquidations,
      auctionsLive: opened.auctionsLive(state),
      badDebtUsd: opened.badDebtUsd(state, marketAfter),
      cumulativeLiquidatedDebtUsd: tally.liquidatedUsd,
      keeperTransactions: step.txs,
      keeperFailures: step.failures,
      insuranceFundUsd: opened.insuranceFundUsd(state, marketAfter),
      healthBuckets: sampled.has(k)
        ? opened.healthCounts !== undefined
          ? [...opened.healthCounts(state, t)]
          : healthBuckets(opened, state, t)
        : null,
    });
  });

  const lastMarket = tally.series[tally.series.length - 1]?.marketPriceUsd ?? 0;
  let cashDeltaUsd = 0;
  let unsoldUsd = 0;
  for (const id of keeperIds) {
    cashDeltaUsd += opened.keeperCashDeltaUsd(state, id);
    const held = opened.heldCollateral(state, id) - (tally.sold[id] ?? 0n);
    if (held > 0n) unsoldUsd += wadToFloat(held) * lastMarket;
  }
  const seed = options.seed;
  const summary: StressSummary = {
    protocol: options.protocol,
    scenario: source.name,
    seed:
      typeof seed === 'bigint'
        ? seed <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(seed)
          : String(seed)
        : seed,
    steps: ethPath.length,
    accounts: opened.accounts.length,
    accountsSkipped: opened.skipped,
    liquidations: tally.liquidations,
    liquidatedDebtUsd: tally.liquidatedUsd,
    auctions: tally.auctions,
    zeroBidAuctions: tally.zeroBids,
    auctionsLiveAtEnd: opened.auctionsLive(state),
    badDebtUsd: opened.badDebtUsd(state, lastMarket),
    insuranceFundDrawUsd: tally.insuranceDrawUsd,
    socializedLossUsd: tally.socializedUsd,
    adlVolumeUsd: tally.adlUsd,
    keeperProfitUsd: cashDeltaUsd + tally.proceedsUsd + unsoldUsd - tally.gasUsd,
    borrowerLossUsd: tally.borrowerLossUsd,
    maxCascadeDepth: cascadeDepth({
      liquidationVolumes: tally.volumes,
      liquidationLogImpacts: tally.logImpacts,
    }).maxDepth,
    keeperTransactions: tally.txs,
    refusals: Object.fromEntries(
      Object.entries(tally.refusals).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
    keeperFailures: tally.failures,
    softMarginCalls: tally.stages.softMarginCalls,
    deleveragedDebtUsd: tally.stages.deleveragedUsd,
    parameterUpdates: tally.stages.parameterUpdates,
    debtAuctionRaisedUsd: tally.stages.debtAuctionRaisedUsd,
    debtAuctionTokensIssued: tally.stages.debtAuctionTokens,
  };
  const keepers: StressKeeperActivity[] = opened.keepers.map((kp) => ({
    id: kp.id,
    ...(tally.activity.get(kp.id) as Omit<StressKeeperActivity, 'id'>),
  }));
  return {
    summary,
    series: tally.series,
    clearings: tally.clearings,
    keepers,
    finalState: state as StressResult['finalState'],
  };
}

/**
 * Gas per step, gwei: the source's series; else the flat gas when given; else the volatility
 * model on the ETH path (stream 3 of `rng`).
 */
function gasSeriesOf(options: StressOptions, source: StressSource, rng: Rng): number[] {
  if (source.gas !== null) return source.ethPath.map((_, k) => source.gas?.[k]?.price ?? 0);
  if (options.flatGasGwei !== undefined) {
    if (!(Number.isFinite(options.flatGasGwei) && options.flatGasGwei >= 0)) {
      throw new InvalidParameterError('flatGasGwei', `must be finite and ≥ 0, got ${options.flatGasGwei}`);
    }
    return source.ethPath.map(() => options.flatGasGwei as number);
  }
  const modelled = volatilityGasSeries(split(rng, 3), source.ethPath, DEFAULT_VOLATILITY_GAS);
  return modelled.series.map((p) => p.gasPriceGwei);
}

/** A Venue as sold into (re-exported for adapters' tests). */
export type { Venue };
