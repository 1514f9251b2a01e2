/**
 * The stress lab's single run: one built-in scenario or a replay of real data through a Maker model
 * (`maker-liq2` or `maker-liq1`) with a book, keepers, an OSM-style oracle feed and a liquidity venue
 * whose price impact feeds back into the market price, so liquidation cascades can emerge and be measured.
 * Deterministic for a seed: no clock, no Math.random; floats are used only for the market and reporting.
 */
import { createEngine, type EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../engine/machine.js';
import { delayedPrice } from '../engine/oracle.js';
import {
  capitalLimitedKeeper,
  flashKeeper,
  gasAwareKeeper,
  gasCappedKeeper,
  type MakerKeeperView,
  makerKeeperView,
  zeroBidKeeper,
} from '../keepers/maker.js';
import { gasCostUsd, type KeeperPolicy, radToUsd } from '../keepers/types.js';
import { SolventError } from '../math/errors.js';
import { Rounding } from '../math/mulDiv.js';
import { RAD } from '../math/units.js';
import { MAKER_LIQ1_ID, makerLiq1Model } from '../protocols/maker/liq1/model.js';
import type { Liq1Ext } from '../protocols/maker/liq1/state.js';
import { MAKER_LIQ2_ID, makerLiq2Model } from '../protocols/maker/liq2/model.js';
import type { Liq2Ext } from '../protocols/maker/liq2/state.js';
import { DEFAULT_MAKER_PARAMS, type MakerParams, makerParamsToJson } from '../protocols/maker/params.js';
import { DAI, SIN, SIN_BUCKET, VOW_BUCKET, walletBucket } from '../protocols/maker/vat.js';
import { type Book, bookCommands, syntheticBook } from './book.js';
import {
  applyFill,
  cascadeDepth,
  createImpactState,
  decay,
  drawdownFraction,
  type ImpactState,
  impactedPrice,
  maxFillBase,
  sell,
  stressedVenue,
  type ThinningParams,
  type Venue,
} from './liquidity.js';
import { type OracleFeedParams, oracleConfigFor, oracleFeed, toPublishCommands } from './oracleFeed.js';
import type { PricePath } from './paths.js';
import { ReplayMissingAssetError, type ReplayScenario } from './replay.js';
import { createRng, split } from './rng.js';
import { getScenario, type OracleSuggestion, scenarioPaths } from './scenarios.js';

/** Protocol ids {@link runStress} supports so far. */
export const STRESS_PROTOCOLS: readonly string[] = [MAKER_LIQ2_ID, MAKER_LIQ1_ID];

/** A keeper of the run: one of the Maker keeper presets, with the DAI its wallet is funded with. */
export type StressKeeperSpec =
  | {
      readonly preset: 'gasCapped';
      readonly id: string;
      /** Above this gas price (gwei) the keeper does nothing (or only kicks, with kicksAboveCap). */
      readonly maxGasPriceGwei: number;
      readonly kicksAboveCap?: boolean;
      /** Whole DAI funded into `wallet:<id>` at the start (default {@link DEFAULT_KEEPER_WALLET_DAI}). */
      readonly walletDai?: number;
    }
  | {
      readonly preset: 'gasAware';
      readonly id: string;
      /** ε of `I > C_gas + ε`, USD. */
      readonly minProfitUsd: number;
      readonly walletDai?: number;
    }
  | { readonly preset: 'flash'; readonly id: string; readonly minProfitUsd?: number }
  | {
      readonly preset: 'capitalLimited';
      readonly id: string;
      /** Most DAI at stake at once, whole DAI. */
      readonly capitalDai: number;
      readonly walletDai?: number;
    }
  | {
      readonly preset: 'zeroBid';
      readonly id: string;
      readonly maxGasPriceGwei?: number;
      readonly minProfitUsd?: number;
      readonly walletDai?: number;
    };

/** Options of {@link runStress}. */
export interface StressOptions {
  /** `maker-liq2` or `maker-liq1`. */
  readonly protocol: string;
  /** A built-in scenario id (see `listScenarios`); give this or `replay`, not both. */
  readonly scenario?: string;
  /** A replay of real series (see `replayScenario`); give this or `scenario`, not both. */
  readonly replay?: ReplayScenario;
  /** Seed, integer in [0, 2^64). */
  readonly seed: number | bigint;
  /** Size of the synthetic book (ignored when `book` is given). Default 200. */
  readonly accounts?: number;
  /** A book to open instead of a synthetic one (collateral asset `ETH`). */
  readonly book?: Book;
  /** Keepers (default {@link defaultStressKeepers}). */
  readonly keepers?: readonly StressKeeperSpec[];
  /** Simulation step, seconds (default the scenario's; a replay keeps the step it was built with). */
  readonly stepSeconds?: number;
  /** Where keepers sell collateral they receive (default {@link DEFAULT_STRESS_VENUE}). */
  readonly venue?: StressVenue;
  /** Maker parameters (default DEFAULT_MAKER_PARAMS: ETH-A, July 2025). */
  readonly makerParams?: MakerParams;
  /** Gas price when the scenario has no gas regime, gwei (default 50). */
  readonly flatGasGwei?: number;
}

/** The venue of a run: depth at no stress, its thinning with the drawdown, and impact recovery. */
export interface StressVenue {
  readonly venue: Venue;
  /** Depth thins with the running drawdown of the exogenous price (stress = drawdown fraction × 10). */
  readonly thinning: ThinningParams;
  /** Half-life of the price impact, seconds. */
  readonly impactHalfLifeSeconds: number;
}

/**
 * Default venue, an ASSUMPTION sized for ETH/USD in 2020: a depth curve with $20 M within ±2 %
 * (exponent 1, book to ±50 %, fee 30 bps); depth thins to at least 20 % of normal as the drawdown
 * grows (sensitivity 0.5 per unit of stress, stress = 10 × drawdown fraction); impact half-life 30 min.
 */
export const DEFAULT_STRESS_VENUE: StressVenue = {
  venue: {
    kind: 'depthCurve',
    depthQuoteAtReference: 20_000_000,
    referenceMoveFraction: 0.02,
    exponent: 1,
    maxMoveFraction: 0.5,
    feeBps: 30,
  },
  thinning: { sensitivity: 0.5, floorFraction: 0.2 },
  impactHalfLifeSeconds: 1800,
};

/** Default DAI funded into each keeper wallet, whole DAI (an assumption: never the binding limit). */
export const DEFAULT_KEEPER_WALLET_DAI = 100_000_000;

/**
 * Gas cap of the default gas-capped keeper, gwei. An ASSUMPTION after history.md §1 check 2
 * ("bids fail when the gas price is above a cap X, with X near the p60 gas"): 100 gwei lies between
 * Black Thursday's p60 at 12 h (110) and the 08–09 h level (38), so the keeper stops mid-crash.
 */
export const DEFAULT_GAS_CAP_GWEI = 100;

/**
 * Default keepers: `maker-liq2` a gas-capped keeper (cap {@link DEFAULT_GAS_CAP_GWEI}) and a
 * gas-aware one (ε $10); `maker-liq1` a gas-capped bidder and a zero-bid keeper.
 * @throws InvalidParameterError (field `protocol`) for an unsupported protocol.
 */
export function defaultStressKeepers(protocol: string): readonly StressKeeperSpec[] {
  requireProtocol(protocol);
  return protocol === MAKER_LIQ2_ID
    ? [
        { preset: 'gasCapped', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
        { preset: 'gasAware', id: 'keeper-aware', minProfitUsd: 10 },
      ]
    : [
        { preset: 'gasCapped', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
        { preset: 'zeroBid', id: 'keeper-zero' },
      ];
}

/** One step of the time series. USD figures are float64, for reporting. */
export interface StressSeriesPoint {
  /** Unix seconds. */
  readonly t: number;
  /** Exogenous price × e^impact, USD per ETH. */
  readonly marketPriceUsd: number;
  /** The OSM value the protocol reads, USD per ETH; null when the oracle refuses. */
  readonly oraclePriceUsd: number | null;
  readonly gasGwei: number;
  /** Liquidations (bark/bite) accepted in this step. */
  readonly liquidationsStarted: number;
  /** Auctions running after the step. */
  readonly auctionsLive: number;
  /** Uncovered Vow sin after the step, USD (see {@link StressSummary.badDebtUsd}). */
  readonly badDebtUsd: number;
  /** Debt liquidated so far, USD. */
  readonly cumulativeLiquidatedDebtUsd: number;
}

/** The summary of a run. */
export interface StressSummary {
  readonly protocol: string;
  readonly scenario: string;
  /** The seed as a decimal string when it is a bigint beyond safe integers, else a number. */
  readonly seed: number | string;
  readonly steps: number;
  /** Accounts opened (book accounts the protocol refused, e.g. below dust, are not counted). */
  readonly accounts: number;
  readonly accountsSkipped: number;
  /** Accepted bark/bite commands. */
  readonly liquidations: number;
  /** Debt moved to the Vow's sin by those liquidations (art·rate), USD. */
  readonly liquidatedDebtUsd: number;
  /** Auctions started (Clipper/Flipper kicks). */
  readonly auctions: number;
  /** Flipper auctions dealt for a winning bid under 1 DAI (liq1 only; 0 for liq2). */
  readonly zeroBidAuctions: number;
  /** Auctions still running at the end. */
  readonly auctionsLiveAtEnd: number;
  /**
   * Vow sin not covered by auction proceeds: max(0, SIN held by the Vow − DAI held by the Vow), USD,
   * at the end of the run (keeper rewards minted by `suck` count as uncovered sin). Sin of auctions
   * still running is included: what they may still recover is not counted.
   */
  readonly badDebtUsd: number;
  /** 0: Maker has no insurance fund; the Vow's surplus buffer is already netted in badDebtUsd. */
  readonly insuranceFundDrawUsd: number;
  /** 0: Maker does not socialize losses on other vaults; bad debt stays with the Vow (MKR dilution). */
  readonly socializedLossUsd: number;
  /** 0: Maker has no auto-deleveraging. */
  readonly adlVolumeUsd: number;
  /**
   * Keepers together: DAI wallet change + proceeds of selling collateral to the venue − gas (all
   * sent transactions, refused ones too), USD. DAI still locked in Flipper bids counts as spent.
   */
  readonly keeperProfitUsd: number;
  /**
   * Collateral taken from borrowers (net of collateral returned), valued at the market price of the
   * step it moved, minus the debt cleared, USD.
   */
  readonly borrowerLossUsd: number;
  /** Largest cascade depth over the run (`cascadeDepth` of liquidated debt and sale impact per step). */
  readonly maxCascadeDepth: number;
  /** Transactions sent by keepers, and those the engine refused by error code. */
  readonly keeperTransactions: number;
  readonly refusals: Readonly<Record<string, number>>;
}

/** What {@link runStress} returns. */
export interface StressResult {
  readonly summary: StressSummary;
  readonly series: readonly StressSeriesPoint[];
  /** The engine state at the end, for checks and reports. */
  readonly finalState: MakerEngineState;
}

/** A Maker engine state of either model. */
export type MakerEngineState = EngineState<Liq2Ext> | EngineState<Liq1Ext>;

function requireProtocol(protocol: string): void {
  if (!STRESS_PROTOCOLS.includes(protocol)) {
    throw new InvalidParameterError(
      'protocol',
      `${protocol} is not supported by the stress lab yet`,
      `Supported so far: ${STRESS_PROTOCOLS.join(', ')}.`,
    );
  }
}

function keeperPolicy(spec: StressKeeperSpec): KeeperPolicy<MakerKeeperView> {
  switch (spec.preset) {
    case 'gasCapped':
      return gasCappedKeeper({
        id: spec.id,
        maxGasPriceGwei: spec.maxGasPriceGwei,
        ...(spec.kicksAboveCap === undefined ? {} : { kicksAboveCap: spec.kicksAboveCap }),
      });
    case 'gasAware':
      return gasAwareKeeper({ id: spec.id, minProfitUsd: spec.minProfitUsd });
    case 'flash':
      return flashKeeper({
        id: spec.id,
        ...(spec.minProfitUsd === undefined ? {} : { minProfitUsd: spec.minProfitUsd }),
      });
    case 'capitalLimited':
      return capitalLimitedKeeper({ id: spec.id, capitalDaiRad: wholeToRad(spec.capitalDai, 'capitalDai') });
    case 'zeroBid':
      return zeroBidKeeper({
        id: spec.id,
        ...(spec.maxGasPriceGwei === undefined ? {} : { maxGasPriceGwei: spec.maxGasPriceGwei }),
        ...(spec.minProfitUsd === undefined ? {} : { minProfitUsd: spec.minProfitUsd }),
      });
    default:
      throw new InvalidParameterError(
        'keepers[].preset',
        `unknown preset ${(spec as { preset: string }).preset}`,
      );
  }
}

function wholeToRad(whole: number, field: string): bigint {
  if (!Number.isSafeInteger(whole) || whole < 0) {
    throw new InvalidParameterError(`keepers[].${field}`, `must be a whole number of DAI ≥ 0, got ${whole}`);
  }
  return BigInt(whole) * RAD;
}

const wadToFloat = (wad: bigint): number => Number(wad) / 1e18;

/** Sources of the simulated medianizer feed (an assumption: three relayers, median of a majority). */
const FEED_SOURCES = ['relay-a', 'relay-b', 'relay-c'];
/** Feed heartbeat (s) and deviation trigger (bps): assumptions for a 2020 medianizer. */
const FEED_HEARTBEAT_SECONDS = 3600;
const FEED_DEVIATION_BPS = 50;
const FEED_PRICE_DECIMALS = 8;
/** A winning Flipper bid below this (1 DAI, RAD) counts as a zero bid. */
const ZERO_BID_RAD = RAD;

/** What a run takes from its scenario or replay: the name, the paths on one grid and the oracle. */
interface StressSource {
  readonly name: string;
  readonly stepSeconds: number;
  readonly ethPath: PricePath;
  /** Gas, gwei, on the same grid; null: the flat gas. */
  readonly gas: PricePath | null;
  readonly oracle: OracleSuggestion;
}

function stressSource(options: StressOptions): StressSource {
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
  return { name: found.id, stepSeconds: paths.stepSeconds, ethPath, gas: paths.gas, oracle: found.oracle };
}

interface Runner {
  readonly engine: Decider<MakerEngineState, Command, EngineEvent>;
  state: MakerEngineState;
}

/**
 * Runs one scenario or replay through a Maker model (see the file header). Setup, at `start − 2·hop`
 * (the OSM needs one hop of history): `configure` (lists ETH and DAI), `configureOracle` from the
 * scenario's (or replay's) OSM suggestion via `oracleConfigFor`, the feed's first prices, keeper wallets funded; at the start
 * the book is opened with `bookCommands`. Then per step: the feed's due publications, impact decay,
 * each keeper (in turn, rotating the order every step) decides on a fresh view and its actions are
 * applied (refusals counted by error code, never thrown), then keepers sell the collateral they
 * received into the (stress-thinned) venue, which moves the impact.
 * The summary's `scenario` is the built-in id or the replay's name.
 * @throws InvalidParameterError (field `protocol`) for a protocol other than maker-liq2/maker-liq1,
 * (field `scenario`) when neither or both of `scenario` and `replay` are given, (field
 * `stepSeconds`) for a step that differs from the replay's grid, and for bad options (`accounts`,
 * `stepSeconds`, keeper fields); UnknownScenarioError; ReplayMissingAssetError for a replay
 * without ETH.
 */
export function runStress(options: StressOptions): StressResult {
  requireProtocol(options.protocol);
  const source = stressSource(options);
  const rng = createRng(options.seed);
  const ethPath = source.ethPath;
  if (ethPath.length < 2) {
    throw new InvalidParameterError('scenario', `${source.name} has fewer than two ETH prices`);
  }
  const stepSeconds = source.stepSeconds;
  const params = options.makerParams ?? DEFAULT_MAKER_PARAMS;
  const venueCfg = options.venue ?? DEFAULT_STRESS_VENUE;
  const specs = options.keepers ?? defaultStressKeepers(options.protocol);
  const policies = specs.map(keeperPolicy);
  const keeperIds = specs.map((s) => s.id);
  const flatGas = options.flatGasGwei ?? 50;

  // Oracle feed on the ETH path; the OSM hop from the scenario's suggestion.
  const hop = source.oracle.kind === 'osm' ? source.oracle.delaySeconds : 0;
  const feedParams: OracleFeedParams = {
    asset: 'ETH',
    sources: FEED_SOURCES,
    heartbeatSeconds: FEED_HEARTBEAT_SECONDS,
    deviationBps: FEED_DEVIATION_BPS,
    priceDecimals: FEED_PRICE_DECIMALS,
    rounding: Rounding.HalfUp,
  };
  const feed = toPublishCommands(oracleFeed(split(rng, 1), ethPath, feedParams).publications);
  const oracleConfig = oracleConfigFor(feedParams, {
    osmDelaySeconds: hop,
    slackSeconds: Math.max(60, Math.ceil(stepSeconds)),
  });

  const start = (ethPath[0] as { tSeconds: number }).tSeconds;
  const setupAt = start - 2 * Math.max(hop, stepSeconds);
  const r: Runner = {
    engine: (options.protocol === MAKER_LIQ2_ID
      ? createEngine(makerLiq2Model)
      : createEngine(makerLiq1Model)) as unknown as Decider<MakerEngineState, Command, EngineEvent>,
    state: undefined as unknown as MakerEngineState,
  };
  r.state = r.engine.initial();
  const must = (command: Command, at: number): void => {
    r.state = apply(r.engine, r.state, command, at).state;
  };
  must({ type: 'configure', params: makerParamsToJson(params) }, setupAt);
  must({ type: 'configureOracle', asset: 'ETH', config: oracleConfig }, setupAt);
  const firstPrices = feed.filter((c) => c.nowSeconds === start);
  for (const c of firstPrices) must(c.command, setupAt);
  const walletFunded: Record<string, bigint> = {};
  for (const s of specs) {
    const dai = s.preset === 'flash' ? 0 : (s.walletDai ?? DEFAULT_KEEPER_WALLET_DAI);
    walletFunded[s.id] = wholeToRad(dai, 'walletDai');
    if (dai > 0) must({ type: 'fundWallet', actor: s.id, asset: DAI, amount: walletFunded[s.id] }, setupAt);
  }

  // The book, at the start price (the OSM value at the start is the first feed price).
  const firstPrice =
    firstPrices[0]?.command.type === 'publishPrice' ? firstPrices[0].command.price : undefined;
  const startPrice = (ethPath[0] as { price: number }).price;
  const book =
    options.book ??
    syntheticBook(split(rng, 2), {
      accounts: options.accounts ?? 200,
      collateralAsset: 'ETH',
      collateralPriceUsd: startPrice,
    });
  const opened = bookCommands(book, options.protocol, {
    prices: { ETH: { price: firstPrice ?? 0n, priceDecimals: FEED_PRICE_DECIMALS } },
    makerParams: params,
  });
  for (const c of opened.commands) must(c, start);
  const urns = opened.opened.map((o) => o.account);

  let impact: ImpactState = createImpactState({ halfLifeSeconds: venueCfg.impactHalfLifeSeconds });
  let feedIndex = feed.findIndex((c) => c.nowSeconds > start);
  if (feedIndex < 0) feedIndex = feed.length;
  const series: StressSeriesPoint[] = [];
  const refusals: Record<string, number> = {};
  const soldWad: Record<string, bigint> = {};
  let proceedsUsd = 0;
  let gasUsd = 0;
  let txs = 0;
  let liquidations = 0;
  let liquidatedRad = 0n;
  let auctions = 0;
  let zeroBids = 0;
  let borrowerLossUsd = 0;
  const volumes: number[] = [];
  const logImpacts: number[] = [];
  const exoHistory: number[] = [];
  let prevBorrower = borrowerTotals(r.state, urns);
  let prevT = start;

  ethPath.forEach((point, k) => {
    const t = point.tSeconds;
    // 1. oracle publications due by t, each at its own time.
    while (feedIndex < feed.length && (feed[feedIndex] as { nowSeconds: number }).nowSeconds <= t) {
      const c = feed[feedIndex] as (typeof feed)[number];
      try {
        r.state = apply(r.engine, r.state, c.command, c.nowSeconds).state;
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
        refusals[`oracle:${e.code}`] = (refusals[`oracle:${e.code}`] ?? 0) + 1;
      }
      feedIndex += 1;
    }
    // 2. the market: exogenous price times the decaying impact.
    impact = decay(impact, t - prevT);
    prevT = t;
    exoHistory.push(point.price);
    const gasGwei = source.gas?.[k]?.price ?? flatGas;
    let market = impactedPrice(impact, point.price);
    const stress = exoHistory.length >= 2 ? 10 * drawdownFraction(exoHistory) : 0;
    const venue = stressedVenue(venueCfg.venue, stress, venueCfg.thinning);
    const slippageBps = BigInt(Math.round(venueCfg.venue.feeBps));

    // 3. keepers, rotating who goes first.
    let stepLiquidations = 0;
    let stepLiquidatedUsd = 0;
    for (let j = 0; j < policies.length; j++) {
      const policy = policies[(j + k) % policies.length] as KeeperPolicy<MakerKeeperView>;
      const view = makerKeeperView(
        r.state,
        t,
        {
          nowSeconds: t,
          gasPriceGwei: gasGwei,
          ethPriceUsd: market,
          collateralPriceUsdWad: BigInt(Math.floor(market * 1e9)) * 10n ** 9n,
          slippageBps,
        },
        keeperIds,
      );
      for (const action of policy.decide(view)) {
        txs += 1;
        gasUsd += gasCostUsd(action.gasUnits, { gasPriceGwei: gasGwei, ethPriceUsd: market });
        try {
          const applied = apply(r.engine, r.state, action.command, t);
          r.state = applied.state;
          for (const { event } of applied.events) {
            const e = event as EngineEvent & Record<string, unknown>;
            if (e.type === 'DogBarked' || e.type === 'CatBitten') {
              liquidations += 1;
              stepLiquidations += 1;
              liquidatedRad += e.dueRad as bigint;
              stepLiquidatedUsd += radToUsd(e.dueRad as bigint);
            } else if (e.type === 'ClipKicked' || e.type === 'FlipKicked') {
              auctions += 1;
            } else if (e.type === 'FlipDealt' && (e.bidRad as bigint) < ZERO_BID_RAD) {
              zeroBids += 1;
            }
          }
        } catch (e) {
          if (!(e instanceof SolventError)) throw e;
          refusals[e.code] = (refusals[e.code] ?? 0) + 1;
        }
      }
    }

    // 4. keepers sell the collateral they received into the venue.
    let stepLogImpact = 0;
    for (const id of keeperIds) {
      const held = balanceOf(r.state.ledger, walletBucket(id), 'ETH') - (soldWad[id] ?? 0n);
      if (held <= 0n) continue;
      const cap = maxFillBase(venue, 'sell', market);
      const amount = Math.min(wadToFloat(held), cap * 0.999);
      if (!(amount > 0)) continue;
      const fill = sell(venue, { baseAmount: amount, marketPrice: market });
      impact = applyFill(impact, fill);
      stepLogImpact += Math.log(fill.priceAfter / fill.priceBefore);
      proceedsUsd += fill.quoteAmount;
      market = fill.priceAfter;
      const soldNow = amount >= wadToFloat(held) ? held : BigInt(Math.floor(amount * 1e9)) * 10n ** 9n;
      soldWad[id] = (soldWad[id] ?? 0n) + soldNow;
    }
    volumes.push(stepLiquidatedUsd);
    logImpacts.push(stepLogImpact);

    // 5. borrowers' loss this step, at this step's market price.
    const now = borrowerTotals(r.state, urns);
    borrowerLossUsd +=
      wadToFloat(prevBorrower.collateralWad - now.collateralWad) * market -
      radToUsd(prevBorrower.debtRad - now.debtRad);
    prevBorrower = now;

    series.push({
      t,
      marketPriceUsd: market,
      oraclePriceUsd: oraclePriceUsd(r.state, t),
      gasGwei,
      liquidationsStarted: stepLiquidations,
      auctionsLive: auctionsLive(r.state),
      badDebtUsd: radToUsd(badDebtRad(r.state)),
      cumulativeLiquidatedDebtUsd: radToUsd(liquidatedRad),
    });
  });

  let walletDeltaUsd = 0;
  for (const id of keeperIds) {
    walletDeltaUsd += radToUsd(balanceOf(r.state.ledger, walletBucket(id), DAI) - (walletFunded[id] ?? 0n));
  }
  const lastMarket = series[series.length - 1]?.marketPriceUsd ?? 0;
  let unsoldUsd = 0;
  for (const id of keeperIds) {
    const held = balanceOf(r.state.ledger, walletBucket(id), 'ETH') - (soldWad[id] ?? 0n);
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
    accounts: urns.length,
    accountsSkipped: opened.skipped.length,
    liquidations,
    liquidatedDebtUsd: radToUsd(liquidatedRad),
    auctions,
    zeroBidAuctions: zeroBids,
    auctionsLiveAtEnd: auctionsLive(r.state),
    badDebtUsd: radToUsd(badDebtRad(r.state)),
    insuranceFundDrawUsd: 0,
    socializedLossUsd: 0,
    adlVolumeUsd: 0,
    keeperProfitUsd: walletDeltaUsd + proceedsUsd + unsoldUsd - gasUsd,
    borrowerLossUsd,
    maxCascadeDepth: cascadeDepth({ liquidationVolumes: volumes, liquidationLogImpacts: logImpacts })
      .maxDepth,
    keeperTransactions: txs,
    refusals: Object.fromEntries(Object.entries(refusals).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  return { summary, series, finalState: r.state };
}

/**
 * Uncovered Vow sin, RAD: max(0, SIN in the Vow's sin bucket − DAI in the Vow's bucket).
 * Never throws.
 */
export function badDebtRad(state: MakerEngineState): bigint {
  const sin = balanceOf(state.ledger, SIN_BUCKET, SIN);
  const dai = balanceOf(state.ledger, VOW_BUCKET, DAI);
  return sin > dai ? sin - dai : 0n;
}

/** Auctions running in a Maker state: active Clipper sales (liq2) or Flipper bids (liq1). Never throws. */
export function auctionsLive(state: MakerEngineState): number {
  if ('clips' in state.ext) {
    let n = 0;
    for (const clip of Object.values(state.ext.clips)) n += clip.active.length;
    return n;
  }
  let n = 0;
  for (const flip of Object.values(state.ext.flips)) n += Object.keys(flip.bids).length;
  return n;
}

function oraclePriceUsd(state: MakerEngineState, t: number): number | null {
  try {
    const reading = delayedPrice(state.oracle, 'ETH', t);
    return Number(reading.price) / 10 ** reading.priceDecimals;
  } catch (e) {
    if (e instanceof SolventError) return null;
    throw e;
  }
}

/** Borrowers' collateral (locked ink plus ETH returned to `wallet:<urn>`), WAD, and debt, RAD. */
function borrowerTotals(state: MakerEngineState, urns: readonly string[]) {
  let collateralWad = 0n;
  let debtRad = 0n;
  const core = state.ext.core;
  for (const id of urns) {
    const u = core.urns[id];
    if (u === undefined) continue;
    collateralWad += u.inkWad + balanceOf(state.ledger, walletBucket(id), 'ETH');
    debtRad += u.artWad * (core.ilks[u.ilk]?.rateRay ?? 0n);
  }
  return { collateralWad, debtRad };
}
