/**
 * The stress lab's single run: one built-in scenario or a replay of real data through a Maker model
 * (`maker-liq2` or `maker-liq1`), an Aave v3 model (`aave-v3.3|3.5|3.7`) or Comet (`compound-v3`) with a book, keepers, an OSM-style oracle feed and a liquidity venue
 * whose price impact feeds back into the market price, so liquidation cascades can emerge and be measured.
 * Deterministic for a seed: no clock, no Math.random; floats are used only for the market and reporting.
 */
import { createEngine, type EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../engine/machine.js';
import { delayedPrice } from '../engine/oracle.js';
import {
  type AaveKeeperView,
  aaveKeeperView,
  aaveLiquidator,
  type CometKeeperView,
  cometAbsorber,
  cometBuyer,
  cometKeeperView,
} from '../keepers/lending.js';
import {
  capitalLimitedKeeper,
  flashKeeper,
  gasAwareKeeper,
  gasCappedKeeper,
  type MakerKeeperView,
  makerKeeperView,
  zeroBidKeeper,
} from '../keepers/maker.js';
import { gasCostUsd, type KeeperAction, type KeeperPolicy, radToUsd } from '../keepers/types.js';
import { SolventError } from '../math/errors.js';
import { Rounding } from '../math/mulDiv.js';
import { RAD } from '../math/units.js';
import { AAVE_MODEL_IDS, createAaveModel } from '../protocols/aave-v3/model.js';
import { DEFAULT_AAVE_PARAMS } from '../protocols/aave-v3/params.js';
import type { AaveExt } from '../protocols/aave-v3/state.js';
import { findProtocol, toJsonValue } from '../protocols/catalog.js';
import { presentValue } from '../protocols/compound-v3/math.js';
import { COMPOUND_V3_ID, compoundV3Model, reservesOf } from '../protocols/compound-v3/model.js';
import { DEFAULT_COMPOUND_PARAMS } from '../protocols/compound-v3/params.js';
import type { CompoundExt } from '../protocols/compound-v3/state.js';
import { MAKER_LIQ1_ID, makerLiq1Model } from '../protocols/maker/liq1/model.js';
import type { Liq1Ext } from '../protocols/maker/liq1/state.js';
import { MAKER_LIQ2_ID, makerLiq2Model } from '../protocols/maker/liq2/model.js';
import type { Liq2Ext } from '../protocols/maker/liq2/state.js';
import {
  DEFAULT_MAKER_PARAMS,
  type MakerParams,
  makerParamsToJson,
  parseMakerParams,
} from '../protocols/maker/params.js';
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
import {
  type OracleFeedParams,
  oracleConfigFor,
  oracleFeed,
  type TimedOracleCommand,
  toPublishCommands,
} from './oracleFeed.js';
import type { PricePath } from './paths.js';
import { ReplayMissingAssetError, type ReplayScenario } from './replay.js';
import { createRng, split } from './rng.js';
import { getScenario, type OracleSuggestion, scenarioPaths } from './scenarios.js';

/** Aave model ids the stress lab runs. */
const AAVE_IDS: readonly string[] = [AAVE_MODEL_IDS['3.3'], AAVE_MODEL_IDS['3.5'], AAVE_MODEL_IDS['3.7']];

/** Protocol ids {@link runStress} supports so far. */
export const STRESS_PROTOCOLS: readonly string[] = [
  MAKER_LIQ2_ID,
  MAKER_LIQ1_ID,
  ...AAVE_IDS,
  COMPOUND_V3_ID,
];

/**
 * A keeper of the run: one of the Maker keeper presets (Maker models only), with the DAI its wallet
 * is funded with, or one of the lending presets (`aaveLiquidator` for Aave; `cometAbsorber` and
 * `cometBuyer` for Comet), funded in USDC.
 */
export type StressKeeperSpec =
  | {
      readonly preset: 'aaveLiquidator';
      readonly id: string;
      /** ε of `I > C_gas + ε`, USD. */
      readonly minProfitUsd: number;
      /** Above this gas price (gwei) the keeper sends nothing; default none. */
      readonly maxGasPriceGwei?: number;
      /** Whole USDC funded into `wallet:<id>` (its capital; default {@link DEFAULT_KEEPER_WALLET_DAI}). */
      readonly walletUsdc?: number;
    }
  | {
      readonly preset: 'cometAbsorber';
      readonly id: string;
      /** Absorbs while gas ≤ this, gwei (its points policy); default always. */
      readonly maxGasPriceGwei?: number;
    }
  | {
      readonly preset: 'cometBuyer';
      readonly id: string;
      readonly minProfitUsd: number;
      readonly maxGasPriceGwei?: number;
      /** Whole USDC funded into `wallet:<id>` (default {@link DEFAULT_KEEPER_WALLET_DAI}). */
      readonly walletUsdc?: number;
    }
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
  /** One of {@link STRESS_PROTOCOLS}. */
  readonly protocol: string;
  /** A built-in scenario id (see `listScenarios`); give this or `replay`, not both. */
  readonly scenario?: string;
  /** A replay of real series (see `replayScenario`); give this or `scenario`, not both. */
  readonly replay?: ReplayScenario;
  /** Seed, integer in [0, 2^64). */
  readonly seed: number | bigint;
  /** Size of the synthetic book (ignored when `book` is given). Default 200. */
  readonly accounts?: number;
  /** A book to open instead of a synthetic one (collateral asset `ETH`; Aave and Comet read it as WETH). */
  readonly book?: Book;
  /** Keepers (default {@link defaultStressKeepers}). */
  readonly keepers?: readonly StressKeeperSpec[];
  /** Simulation step, seconds (default the scenario's; a replay keeps the step it was built with). */
  readonly stepSeconds?: number;
  /** Where keepers sell collateral they receive (default {@link DEFAULT_STRESS_VENUE}). */
  readonly venue?: StressVenue;
  /** Maker parameters (default DEFAULT_MAKER_PARAMS: ETH-A, July 2025). Overridden by `protocolParams`. */
  readonly makerParams?: MakerParams;
  /**
   * The model's parameters as raw JSON (the shape its `configure` command and `solvent protocols
   * <id>` show; start from {@link defaultStressParamsJson}), validated by the model's own parser.
   * Default: the model's embedded defaults.
   */
  readonly protocolParams?: unknown;
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
 * gas-aware one (ε $10); `maker-liq1` a gas-capped bidder and a zero-bid keeper; Aave a gas-capped
 * liquidator (cap {@link DEFAULT_GAS_CAP_GWEI}, ε $0) and a gas-aware one (ε $10); Comet a gas-capped
 * absorber (same cap) and a gas-aware buyer of collateral (ε $10).
 * @throws InvalidParameterError (field `protocol`) for an unsupported protocol.
 */
export function defaultStressKeepers(protocol: string): readonly StressKeeperSpec[] {
  requireProtocol(protocol);
  if (AAVE_IDS.includes(protocol)) {
    return [
      {
        preset: 'aaveLiquidator',
        id: 'keeper-capped',
        minProfitUsd: 0,
        maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI,
      },
      { preset: 'aaveLiquidator', id: 'keeper-aware', minProfitUsd: 10 },
    ];
  }
  if (protocol === COMPOUND_V3_ID) {
    return [
      { preset: 'cometAbsorber', id: 'keeper-absorber', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
      { preset: 'cometBuyer', id: 'keeper-buyer', minProfitUsd: 10 },
    ];
  }
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
  /** Accepted bark/bite commands (Aave: liquidationCall; Comet: accounts absorbed). */
  readonly liquidations: number;
  /**
   * Debt moved to the Vow's sin by those liquidations (art·rate), USD. Aave: debt repaid by
   * liquidators; Comet: debt taken over by absorb (USDC at $1).
   */
  readonly liquidatedDebtUsd: number;
  /** Auctions started (Clipper/Flipper kicks; 0 for Aave and Comet, which have no auctions). */
  readonly auctions: number;
  /** Flipper auctions dealt for a winning bid under 1 DAI (liq1 only; 0 for liq2). */
  readonly zeroBidAuctions: number;
  /** Auctions still running at the end. */
  readonly auctionsLiveAtEnd: number;
  /**
   * Vow sin not covered by auction proceeds: max(0, SIN held by the Vow − DAI held by the Vow), USD,
   * at the end of the run (keeper rewards minted by `suck` count as uncovered sin). Sin of auctions
   * still running is included: what they may still recover is not counted.
   * Aave: the reserves' deficits (debt burned when no collateral is left; USDC at $1).
   * Compound v3: Comet's negative reserves, max(0, −getReserves()), USD (USDC at $1).
   */
  readonly badDebtUsd: number;
  /**
   * 0: Maker has no insurance fund; the Vow's surplus buffer is already netted in badDebtUsd. Aave
   * and Comet: 0 too (no `eliminateReserveDeficit` is sent; Comet's positive reserves are netted).
   */
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
  readonly finalState: StressEngineState;
}

/** A Maker engine state of either model. */
export type MakerEngineState = EngineState<Liq2Ext> | EngineState<Liq1Ext>;

/** The engine state of any protocol the stress lab runs. */
export type StressEngineState = MakerEngineState | EngineState<AaveExt> | EngineState<CompoundExt>;

/**
 * The parameters a stress run of `protocol` configures by default, as raw JSON (bigints as decimal
 * strings): the starting point for `protocolParams` overrides (sweeps set one dotted path in it).
 * @throws InvalidParameterError (field `protocol`) for a protocol the stress lab does not run.
 */
export function defaultStressParamsJson(protocol: string): unknown {
  requireProtocol(protocol);
  if (protocol === MAKER_LIQ1_ID || protocol === MAKER_LIQ2_ID) {
    return toJsonValue(makerParamsToJson(DEFAULT_MAKER_PARAMS));
  }
  return toJsonValue(findProtocol(protocol).defaultParams);
}

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
        `preset ${(spec as { preset: string }).preset} is not a Maker keeper`,
        'Maker runs take gasCapped, gasAware, flash, capitalLimited and zeroBid keepers.',
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

/** The simulated feed of one asset on the ETH path, as timed publish commands, and its oracle config. */
interface StressFeed {
  readonly feed: readonly TimedOracleCommand[];
  readonly oracleConfig: ReturnType<typeof oracleConfigFor>;
}

/**
 * Builds the medianizer feed of `asset` on `ethPath` (stream 1 of `rng`) and its oracle config: an
 * OSM with hop `osmDelaySeconds` when given (Maker), else undelayed (Aave, Comet); staleness slack
 * max(60 s, one step).
 */
function stressFeed(
  rng: ReturnType<typeof createRng>,
  ethPath: PricePath,
  asset: string,
  stepSeconds: number,
  osmDelaySeconds?: number,
): StressFeed {
  const feedParams: OracleFeedParams = {
    asset,
    sources: FEED_SOURCES,
    heartbeatSeconds: FEED_HEARTBEAT_SECONDS,
    deviationBps: FEED_DEVIATION_BPS,
    priceDecimals: FEED_PRICE_DECIMALS,
    rounding: Rounding.HalfUp,
  };
  const feed = toPublishCommands(oracleFeed(split(rng, 1), ethPath, feedParams).publications);
  const oracleConfig = oracleConfigFor(feedParams, {
    ...(osmDelaySeconds === undefined ? {} : { osmDelaySeconds }),
    slackSeconds: Math.max(60, Math.ceil(stepSeconds)),
  });
  return { feed, oracleConfig };
}

/** The first feed price (the publish command at `start`), smallest units of 1e8 USD, if any. */
function firstFeedPrice(firstPrices: readonly TimedOracleCommand[]): bigint | undefined {
  return firstPrices[0]?.command.type === 'publishPrice' ? firstPrices[0].command.price : undefined;
}

/** The book of a run: the given one, or a synthetic one (stream 2 of `rng`) at the start price. */
function stressBook(options: StressOptions, rng: ReturnType<typeof createRng>, ethPath: PricePath): Book {
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
 * The running totals both run loops share, updated in place by the step helpers below (private to
 * one run; never escapes it).
 */
interface StressTally {
  readonly series: StressSeriesPoint[];
  /** Engine refusals by error code (`oracle:<code>` for feed publications). */
  readonly refusals: Record<string, number>;
  /** Collateral each keeper has already sold, smallest units (WAD for ETH/WETH). */
  readonly sold: Record<string, bigint>;
  readonly volumes: number[];
  readonly logImpacts: number[];
  readonly exoHistory: number[];
  impact: ImpactState;
  prevT: number;
  feedIndex: number;
  proceedsUsd: number;
  gasUsd: number;
  txs: number;
  liquidations: number;
  borrowerLossUsd: number;
}

function newTally(venueCfg: StressVenue, feed: readonly TimedOracleCommand[], start: number): StressTally {
  const feedIndex = feed.findIndex((c) => c.nowSeconds > start);
  return {
    series: [],
    refusals: {},
    sold: {},
    volumes: [],
    logImpacts: [],
    exoHistory: [],
    impact: createImpactState({ halfLifeSeconds: venueCfg.impactHalfLifeSeconds }),
    prevT: start,
    feedIndex: feedIndex < 0 ? feed.length : feedIndex,
    proceedsUsd: 0,
    gasUsd: 0,
    txs: 0,
    liquidations: 0,
    borrowerLossUsd: 0,
  };
}

function countRefusal(refusals: Record<string, number>, key: string): void {
  refusals[key] = (refusals[key] ?? 0) + 1;
}

/**
 * Applies the feed publications due by `t`, each at its own time, with `applyAt`; a SolventError
 * is counted as `oracle:<code>`, anything else is rethrown.
 */
function publishDue(
  tally: StressTally,
  feed: readonly TimedOracleCommand[],
  t: number,
  applyAt: (command: Command, atSeconds: number) => void,
): void {
  while (tally.feedIndex < feed.length && (feed[tally.feedIndex] as TimedOracleCommand).nowSeconds <= t) {
    const c = feed[tally.feedIndex] as TimedOracleCommand;
    try {
      applyAt(c.command, c.nowSeconds);
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
      countRefusal(tally.refusals, `oracle:${e.code}`);
    }
    tally.feedIndex += 1;
  }
}

/** The market of one step: impact-moved price (USD per ETH), the stress-thinned venue and slippage. */
interface StepMarket {
  readonly market: number;
  readonly venue: Venue;
  readonly slippageBps: bigint;
}

/** Decays the impact to `point`, records the exogenous price and returns the step's market. */
function stepMarket(
  tally: StressTally,
  point: { readonly tSeconds: number; readonly price: number },
  venueCfg: StressVenue,
): StepMarket {
  tally.impact = decay(tally.impact, point.tSeconds - tally.prevT);
  tally.prevT = point.tSeconds;
  tally.exoHistory.push(point.price);
  const market = impactedPrice(tally.impact, point.price);
  const stress = tally.exoHistory.length >= 2 ? 10 * drawdownFraction(tally.exoHistory) : 0;
  const venue = stressedVenue(venueCfg.venue, stress, venueCfg.thinning);
  return { market, venue, slippageBps: BigInt(Math.round(venueCfg.venue.feeBps)) };
}

/** A float (USD or whole tokens) as WAD, truncated at 1e-9. */
function floatToWad(usd: number): bigint {
  return BigInt(Math.floor(usd * 1e9)) * 10n ** 9n;
}

/** The policies in this step's order: step `k` starts with policy `k mod n` (who goes first rotates). */
function rotated<P>(policies: readonly P[], k: number): P[] {
  const out: P[] = [];
  for (let j = 0; j < policies.length; j++) out.push(policies[(j + k) % policies.length] as P);
  return out;
}

/**
 * Sends a keeper's actions: each costs gas at `gasGwei` and `ethPriceUsd`, then `applyOne` applies it
 * (and reads its events); a SolventError is counted by code, anything else is rethrown.
 */
function sendActions(
  tally: StressTally,
  actions: readonly KeeperAction[],
  gas: { readonly gasPriceGwei: number; readonly ethPriceUsd: number },
  applyOne: (command: Command) => void,
): void {
  for (const action of actions) {
    tally.txs += 1;
    tally.gasUsd += gasCostUsd(action.gasUnits, gas);
    try {
      applyOne(action.command);
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
      countRefusal(tally.refusals, e.code);
    }
  }
}

/**
 * Keepers sell the collateral they hold beyond what they sold (`heldOf`, smallest units, 18 decimals)
 * into the venue, each moving the impact and the market. Returns the market after and the step's
 * summed log impact.
 */
function sellToVenue(
  tally: StressTally,
  keeperIds: readonly string[],
  heldOf: (id: string) => bigint,
  venue: Venue,
  marketBefore: number,
): { readonly market: number; readonly logImpact: number } {
  let market = marketBefore;
  let logImpact = 0;
  for (const id of keeperIds) {
    const held = heldOf(id) - (tally.sold[id] ?? 0n);
    if (held <= 0n) continue;
    const cap = maxFillBase(venue, 'sell', market);
    const amount = Math.min(wadToFloat(held), cap * 0.999);
    if (!(amount > 0)) continue;
    const fill = sell(venue, { baseAmount: amount, marketPrice: market });
    tally.impact = applyFill(tally.impact, fill);
    logImpact += Math.log(fill.priceAfter / fill.priceBefore);
    tally.proceedsUsd += fill.quoteAmount;
    market = fill.priceAfter;
    const soldNow = amount >= wadToFloat(held) ? held : floatToWad(amount);
    tally.sold[id] = (tally.sold[id] ?? 0n) + soldNow;
  }
  return { market, logImpact };
}

/** Collateral keepers still hold unsold at the end, valued at the last market price, USD. */
function unsoldUsd(tally: StressTally, keeperIds: readonly string[], heldOf: (id: string) => bigint): number {
  const lastMarket = tally.series[tally.series.length - 1]?.marketPriceUsd ?? 0;
  let usd = 0;
  for (const id of keeperIds) {
    const held = heldOf(id) - (tally.sold[id] ?? 0n);
    if (held > 0n) usd += wadToFloat(held) * lastMarket;
  }
  return usd;
}

/** What differs between the Maker and lending summaries. */
interface SummaryParts {
  readonly accounts: number;
  readonly accountsSkipped: number;
  readonly liquidatedDebtUsd: number;
  readonly auctions: number;
  readonly zeroBidAuctions: number;
  readonly auctionsLiveAtEnd: number;
  readonly badDebtUsd: number;
  /** Keepers' wallet change in the debt asset, USD. */
  readonly walletDeltaUsd: number;
  readonly unsoldUsd: number;
}

function stressSummary(
  options: StressOptions,
  source: StressSource,
  tally: StressTally,
  parts: SummaryParts,
): StressSummary {
  const seed = options.seed;
  return {
    protocol: options.protocol,
    scenario: source.name,
    seed:
      typeof seed === 'bigint'
        ? seed <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(seed)
          : String(seed)
        : seed,
    steps: source.ethPath.length,
    accounts: parts.accounts,
    accountsSkipped: parts.accountsSkipped,
    liquidations: tally.liquidations,
    liquidatedDebtUsd: parts.liquidatedDebtUsd,
    auctions: parts.auctions,
    zeroBidAuctions: parts.zeroBidAuctions,
    auctionsLiveAtEnd: parts.auctionsLiveAtEnd,
    badDebtUsd: parts.badDebtUsd,
    insuranceFundDrawUsd: 0,
    socializedLossUsd: 0,
    adlVolumeUsd: 0,
    keeperProfitUsd: parts.walletDeltaUsd + tally.proceedsUsd + parts.unsoldUsd - tally.gasUsd,
    borrowerLossUsd: tally.borrowerLossUsd,
    maxCascadeDepth: cascadeDepth({
      liquidationVolumes: tally.volumes,
      liquidationLogImpacts: tally.logImpacts,
    }).maxDepth,
    keeperTransactions: tally.txs,
    refusals: Object.fromEntries(
      Object.entries(tally.refusals).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
  };
}

/** Ends a step: its liquidated volume and log impact for the cascade depth, and its series point. */
function recordStep(
  tally: StressTally,
  liquidatedUsd: number,
  logImpact: number,
  point: StressSeriesPoint,
): void {
  tally.volumes.push(liquidatedUsd);
  tally.logImpacts.push(logImpact);
  tally.series.push(point);
}

/**
 * What both runs read first from their options: the source (its ETH path needs two prices), the
 * seeded rng, the venue, the keeper specs and ids, and the flat gas (gwei, default 50).
 */
function runInputs(options: StressOptions) {
  const source = stressSource(options);
  const rng = createRng(options.seed);
  const ethPath = source.ethPath;
  if (ethPath.length < 2) {
    throw new InvalidParameterError('scenario', `${source.name} has fewer than two ETH prices`);
  }
  const specs = options.keepers ?? defaultStressKeepers(options.protocol);
  return {
    source,
    rng,
    ethPath,
    stepSeconds: source.stepSeconds,
    venueCfg: options.venue ?? DEFAULT_STRESS_VENUE,
    specs,
    keeperIds: specs.map((s) => s.id),
    flatGas: options.flatGasGwei ?? 50,
  };
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
 * The summary's `scenario` is the built-in id or the replay's name. Aave v3 and Compound v3 run the
 * same steps with WETH (driven by the ETH path, undelayed feed) against USDC at $1 (see
 * `runLendingStress` below and the summary's field docs for what each figure means there).
 * @throws InvalidParameterError (field `protocol`) for a protocol not in {@link STRESS_PROTOCOLS},
 * (field `keepers[].preset`) for a keeper preset of another protocol family,
 * (field `scenario`) when neither or both of `scenario` and `replay` are given, (field
 * `stepSeconds`) for a step that differs from the replay's grid, and for bad options (`accounts`,
 * `stepSeconds`, keeper fields); UnknownScenarioError; ReplayMissingAssetError for a replay
 * without ETH.
 */
export function runStress(options: StressOptions): StressResult {
  requireProtocol(options.protocol);
  if (options.protocol === COMPOUND_V3_ID || AAVE_IDS.includes(options.protocol)) {
    return runLendingStress(options);
  }
  const { source, rng, ethPath, stepSeconds, venueCfg, specs, keeperIds, flatGas } = runInputs(options);
  const params =
    options.protocolParams !== undefined
      ? parseMakerParams(options.protocolParams)
      : (options.makerParams ?? DEFAULT_MAKER_PARAMS);
  const policies = specs.map(keeperPolicy);

  // Oracle feed on the ETH path; the OSM hop from the scenario's suggestion.
  const hop = source.oracle.kind === 'osm' ? source.oracle.delaySeconds : 0;
  const { feed, oracleConfig } = stressFeed(rng, ethPath, 'ETH', stepSeconds, hop);

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
    const dai =
      s.preset === 'flash'
        ? 0
        : 'walletDai' in s && s.walletDai !== undefined
          ? s.walletDai
          : DEFAULT_KEEPER_WALLET_DAI;
    walletFunded[s.id] = wholeToRad(dai, 'walletDai');
    if (dai > 0) must({ type: 'fundWallet', actor: s.id, asset: DAI, amount: walletFunded[s.id] }, setupAt);
  }

  // The book, at the start price (the OSM value at the start is the first feed price).
  const opened = bookCommands(stressBook(options, rng, ethPath), options.protocol, {
    prices: { ETH: { price: firstFeedPrice(firstPrices) ?? 0n, priceDecimals: FEED_PRICE_DECIMALS } },
    makerParams: params,
  });
  for (const c of opened.commands) must(c, start);
  const urns = opened.opened.map((o) => o.account);

  const tally = newTally(venueCfg, feed, start);
  const heldEth = (id: string): bigint => balanceOf(r.state.ledger, walletBucket(id), 'ETH');
  let liquidatedRad = 0n;
  let auctions = 0;
  let zeroBids = 0;
  let prevBorrower = borrowerTotals(r.state, urns);

  ethPath.forEach((point, k) => {
    const t = point.tSeconds;
    // 1. oracle publications due by t, each at its own time.
    publishDue(tally, feed, t, must);
    // 2. the market: exogenous price times the decaying impact.
    const gasGwei = source.gas?.[k]?.price ?? flatGas;
    const { market: marketBefore, venue, slippageBps } = stepMarket(tally, point, venueCfg);

    // 3. keepers, rotating who goes first.
    let stepLiquidations = 0;
    let stepLiquidatedUsd = 0;
    for (const policy of rotated(policies, k)) {
      const view = makerKeeperView(
        r.state,
        t,
        {
          nowSeconds: t,
          gasPriceGwei: gasGwei,
          ethPriceUsd: marketBefore,
          collateralPriceUsdWad: floatToWad(marketBefore),
          slippageBps,
        },
        keeperIds,
      );
      sendActions(
        tally,
        policy.decide(view),
        { gasPriceGwei: gasGwei, ethPriceUsd: marketBefore },
        (command) => {
          const applied = apply(r.engine, r.state, command, t);
          r.state = applied.state;
          for (const { event } of applied.events) {
            const e = event as EngineEvent & Record<string, unknown>;
            if (e.type === 'DogBarked' || e.type === 'CatBitten') {
              tally.liquidations += 1;
              stepLiquidations += 1;
              liquidatedRad += e.dueRad as bigint;
              stepLiquidatedUsd += radToUsd(e.dueRad as bigint);
            } else if (e.type === 'ClipKicked' || e.type === 'FlipKicked') {
              auctions += 1;
            } else if (e.type === 'FlipDealt' && (e.bidRad as bigint) < ZERO_BID_RAD) {
              zeroBids += 1;
            }
          }
        },
      );
    }

    // 4. keepers sell the collateral they received into the venue.
    const { market, logImpact } = sellToVenue(tally, keeperIds, heldEth, venue, marketBefore);

    // 5. borrowers' loss this step, at this step's market price.
    const now = borrowerTotals(r.state, urns);
    tally.borrowerLossUsd +=
      wadToFloat(prevBorrower.collateralWad - now.collateralWad) * market -
      radToUsd(prevBorrower.debtRad - now.debtRad);
    prevBorrower = now;

    recordStep(tally, stepLiquidatedUsd, logImpact, {
      t,
      marketPriceUsd: market,
      oraclePriceUsd: oraclePriceUsd(r.state, 'ETH', t),
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
  const summary = stressSummary(options, source, tally, {
    accounts: urns.length,
    accountsSkipped: opened.skipped.length,
    liquidatedDebtUsd: radToUsd(liquidatedRad),
    auctions,
    zeroBidAuctions: zeroBids,
    auctionsLiveAtEnd: auctionsLive(r.state),
    badDebtUsd: radToUsd(badDebtRad(r.state)),
    walletDeltaUsd,
    unsoldUsd: unsoldUsd(tally, keeperIds, heldEth),
  });
  return { summary, series: tally.series, finalState: r.state };
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

function oraclePriceUsd(state: StressEngineState, asset: string, t: number): number | null {
  try {
    const reading = delayedPrice(state.oracle, asset, t);
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

// ---------------------------------------------------------------------------------------------
// Lending models: Aave v3 and Compound v3

/** Token decimals of the assets the lending runs list (the configured reserves / Comet assets). */
const LENDING_DECIMALS: Readonly<Record<string, number>> = {
  USDC: 6,
  WBTC: 8,
  WETH: 18,
  wstETH: 18,
  COMP: 18,
};
/** The collateral of a lending run: the scenario's ETH path drives WETH. */
const LENDING_COLLATERAL = 'WETH';
/** The debt (Aave) or base (Comet) asset, held at $1 (1e8 USD·1e8, never re-published). */
const LENDING_DEBT = 'USDC';
const USD8 = 10n ** 8n;
/** Re-publication period of the fixed USDC feed, seconds (well inside its staleness limit). */
const FIXED_USD_REPUBLISH_SECONDS = 30 * 86_400;
/** A fixed feed for USDC: one source, fresh for 366 days, re-published monthly (USDC at $1 throughout, an ASSUMPTION). */
const FIXED_USD_ORACLE = {
  priceDecimals: 8,
  sources: ['fixed'],
  minSources: 1,
  staleAfterSeconds: 366 * 86_400,
  maxSpreadBps: 100,
  twapWindowSeconds: 60,
  delaySeconds: 0,
};
/** Who supplies the pool's USDC liquidity (Comet needs an account; Aave supplies from `world`). */
const LENDER = 'lender';

type LendingPolicy =
  | { readonly kind: 'aave'; readonly policy: KeeperPolicy<AaveKeeperView> }
  | { readonly kind: 'comet'; readonly policy: KeeperPolicy<CometKeeperView> };

function lendingPolicy(spec: StressKeeperSpec, aave: boolean): LendingPolicy {
  const gasCap = (cap: number | undefined) => (cap === undefined ? {} : { maxGasPriceGwei: cap });
  if (aave && spec.preset === 'aaveLiquidator') {
    return {
      kind: 'aave',
      policy: aaveLiquidator({
        id: spec.id,
        minProfitUsd: spec.minProfitUsd,
        ...gasCap(spec.maxGasPriceGwei),
      }),
    };
  }
  if (!aave && spec.preset === 'cometAbsorber') {
    return { kind: 'comet', policy: cometAbsorber({ id: spec.id, ...gasCap(spec.maxGasPriceGwei) }) };
  }
  if (!aave && spec.preset === 'cometBuyer') {
    return {
      kind: 'comet',
      policy: cometBuyer({ id: spec.id, minProfitUsd: spec.minProfitUsd, ...gasCap(spec.maxGasPriceGwei) }),
    };
  }
  throw new InvalidParameterError(
    'keepers[].preset',
    `preset ${spec.preset} does not run on ${aave ? 'Aave' : 'Compound v3'}`,
    aave
      ? 'Aave runs take aaveLiquidator keepers.'
      : 'Compound v3 runs take cometAbsorber and cometBuyer keepers.',
  );
}

function usdcToUsd(units: bigint): number {
  return Number(units) / 1e6;
}

/**
 * Bad debt of a lending state, USD: Aave the sum of the reserves' deficits (USDC at $1, WETH at
 * `wethPriceUsd`); Comet its negative reserves, max(0, −getReserves()) (USDC at $1). Never throws.
 */
export function lendingBadDebtUsd(
  state: EngineState<AaveExt> | EngineState<CompoundExt>,
  wethPriceUsd: number,
): number {
  if ('liquidationCount' in state.ext) {
    let usd = 0;
    for (const [asset, r] of Object.entries((state as EngineState<AaveExt>).ext.reserves)) {
      if (r.deficit === 0n) continue;
      const whole = Number(r.deficit) / 10 ** (LENDING_DECIMALS[asset] ?? 18);
      usd += asset === LENDING_COLLATERAL ? whole * wethPriceUsd : whole;
    }
    return usd;
  }
  const comet = state as EngineState<CompoundExt>;
  if (comet.ext.market === null) return 0;
  const reserves = reservesOf(comet, comet.ext.market);
  return reserves < 0n ? usdcToUsd(-reserves) : 0;
}

/** Borrowers' WETH collateral (smallest units) and net USDC debt (debt − supply credit, units). */
function lendingBorrowerTotals(
  state: EngineState<AaveExt> | EngineState<CompoundExt>,
  accounts: readonly string[],
): { collateral: bigint; netDebt: bigint } {
  let collateral = 0n;
  let netDebt = 0n;
  if ('liquidationCount' in state.ext) {
    for (const id of accounts) {
      collateral += balanceOf(state.ledger, `acct:${id}`, LENDING_COLLATERAL);
      netDebt += balanceOf(state.ledger, `debt:${id}`, `${LENDING_DEBT}.debt`);
    }
    return { collateral, netDebt };
  }
  const comet = state as EngineState<CompoundExt>;
  for (const id of accounts) {
    const a = comet.ext.accounts[id];
    if (a === undefined) continue;
    collateral += a.collateral[LENDING_COLLATERAL] ?? 0n;
    netDebt -= presentValue(a.principal, comet.ext.indexes);
  }
  return { collateral, netDebt };
}

/**
 * The lending branch of {@link runStress} (Aave v3 and Comet): the same steps as the Maker run,
 * with WETH driven by the scenario's ETH path through an undelayed feed (Aave and Comet read
 * Chainlink directly: no OSM), USDC fixed at $1, the pool supplied with the book's USDC debt by
 * `lender`, keepers funded in USDC, and the lending views and policies of src/keepers/lending.ts.
 */
function runLendingStress(options: StressOptions): StressResult {
  const aave = AAVE_IDS.includes(options.protocol);
  const { source, rng, ethPath, stepSeconds, venueCfg, specs, keeperIds, flatGas } = runInputs(options);
  const policies = specs.map((s) => lendingPolicy(s, aave));

  const { feed, oracleConfig } = stressFeed(rng, ethPath, LENDING_COLLATERAL, stepSeconds);
  const start = (ethPath[0] as { tSeconds: number }).tSeconds;
  const setupAt = start - 2 * stepSeconds;

  const version = (Object.keys(AAVE_MODEL_IDS) as (keyof typeof AAVE_MODEL_IDS)[]).find(
    (v) => AAVE_MODEL_IDS[v] === options.protocol,
  );
  type LendingState = EngineState<AaveExt> | EngineState<CompoundExt>;
  const engine = (version !== undefined
    ? createEngine(createAaveModel(version))
    : createEngine(compoundV3Model)) as unknown as Decider<LendingState, Command, EngineEvent>;
  let state: LendingState = engine.initial();
  const must = (command: Command, at: number): void => {
    state = apply(engine, state, command, at).state;
  };
  const params =
    options.protocolParams !== undefined
      ? findProtocol(options.protocol).parseParams(options.protocolParams)
      : aave
        ? DEFAULT_AAVE_PARAMS
        : DEFAULT_COMPOUND_PARAMS;
  const listed = aave
    ? Object.keys(DEFAULT_AAVE_PARAMS.reserves)
    : [DEFAULT_COMPOUND_PARAMS.baseAsset, ...DEFAULT_COMPOUND_PARAMS.assets.map((a) => a.asset)];
  for (const asset of [...listed].sort()) {
    must({ type: 'listAsset', asset, decimals: LENDING_DECIMALS[asset] ?? 18 }, setupAt);
  }
  must({ type: 'configureOracle', asset: LENDING_COLLATERAL, config: oracleConfig }, setupAt);
  must({ type: 'configureOracle', asset: LENDING_DEBT, config: FIXED_USD_ORACLE }, setupAt);
  must({ type: 'publishPrice', asset: LENDING_DEBT, source: 'fixed', price: USD8 }, setupAt);
  const firstPrices = feed.filter((c) => c.nowSeconds === start);
  for (const c of firstPrices) must(c.command, setupAt);
  must({ type: 'configure', params }, setupAt);
  const funded: Record<string, bigint> = {};
  for (const s of specs) {
    const whole = 'walletUsdc' in s && s.walletUsdc !== undefined ? s.walletUsdc : DEFAULT_KEEPER_WALLET_DAI;
    if (!Number.isSafeInteger(whole) || whole < 0) {
      throw new InvalidParameterError(
        'keepers[].walletUsdc',
        `must be a whole number of USDC ≥ 0, got ${whole}`,
      );
    }
    funded[s.id] = s.preset === 'cometAbsorber' ? 0n : BigInt(whole) * 10n ** 6n;
    if ((funded[s.id] ?? 0n) > 0n) {
      must({ type: 'fundWallet', actor: s.id, asset: LENDING_DEBT, amount: funded[s.id] }, setupAt);
    }
  }

  const opened = bookCommands(stressBook(options, rng, ethPath), options.protocol, {
    prices: {
      [LENDING_COLLATERAL]: { price: firstFeedPrice(firstPrices) ?? 0n, priceDecimals: FEED_PRICE_DECIMALS },
      [LENDING_DEBT]: { price: USD8, priceDecimals: 8 },
    },
    decimals: LENDING_DECIMALS,
    assetMap: { ETH: LENDING_COLLATERAL },
  });
  const liquidity = opened.totals.debt[LENDING_DEBT] ?? 0n;
  if (liquidity > 0n) {
    must(
      aave
        ? { type: 'supply', asset: LENDING_DEBT, amount: liquidity }
        : { type: 'supply', account: LENDER, amount: liquidity },
      start,
    );
  }
  for (const c of opened.commands) must(c, start);
  const accounts = opened.opened.map((o) => o.account);

  const tally = newTally(venueCfg, feed, start);
  const heldWeth = (id: string): bigint => balanceOf(state.ledger, `wallet:${id}`, LENDING_COLLATERAL);
  let liquidatedUsd = 0;
  let prevBorrower = lendingBorrowerTotals(state, accounts);
  let usdPublishedAt = setupAt;

  ethPath.forEach((point, k) => {
    const t = point.tSeconds;
    publishDue(tally, feed, t, must);
    if (t - usdPublishedAt >= FIXED_USD_REPUBLISH_SECONDS) {
      must({ type: 'publishPrice', asset: LENDING_DEBT, source: 'fixed', price: USD8 }, t);
      usdPublishedAt = t;
    }
    const gasGwei = source.gas?.[k]?.price ?? flatGas;
    const { market: marketBefore, venue, slippageBps } = stepMarket(tally, point, venueCfg);

    let stepLiquidations = 0;
    let stepLiquidatedUsd = 0;
    for (const pol of rotated(policies, k)) {
      const marketWad = floatToWad(marketBefore);
      const context = {
        nowSeconds: t,
        gasPriceGwei: gasGwei,
        ethPriceUsd: marketBefore,
        collateralPriceUsdWad: marketWad,
        collateralPricesUsdWad: { [LENDING_COLLATERAL]: marketWad, [LENDING_DEBT]: 10n ** 18n },
        slippageBps,
      };
      const actions =
        pol.kind === 'aave'
          ? pol.policy.decide(aaveKeeperView(state as EngineState<AaveExt>, t, context, keeperIds))
          : pol.policy.decide(cometKeeperView(state as EngineState<CompoundExt>, t, context, keeperIds));
      sendActions(tally, actions, { gasPriceGwei: gasGwei, ethPriceUsd: marketBefore }, (command) => {
        const applied = apply(engine, state, command, t);
        state = applied.state;
        for (const { event } of applied.events) {
          const e = event as EngineEvent & Record<string, unknown>;
          let usd = 0;
          if (e.type === 'AaveLiquidationCall') usd = usdcToUsd(e.debtToCover as bigint);
          else if (e.type === 'CompoundAbsorbed') {
            const old = e.oldBalance as bigint;
            usd = old < 0n ? usdcToUsd(-old) : 0;
          } else continue;
          tally.liquidations += 1;
          stepLiquidations += 1;
          liquidatedUsd += usd;
          stepLiquidatedUsd += usd;
        }
      });
    }

    const { market, logImpact } = sellToVenue(tally, keeperIds, heldWeth, venue, marketBefore);

    const now = lendingBorrowerTotals(state, accounts);
    tally.borrowerLossUsd +=
      wadToFloat(prevBorrower.collateral - now.collateral) * market -
      usdcToUsd(prevBorrower.netDebt - now.netDebt);
    prevBorrower = now;

    recordStep(tally, stepLiquidatedUsd, logImpact, {
      t,
      marketPriceUsd: market,
      oraclePriceUsd: oraclePriceUsd(state, LENDING_COLLATERAL, t),
      gasGwei,
      liquidationsStarted: stepLiquidations,
      auctionsLive: 0,
      badDebtUsd: lendingBadDebtUsd(state, market),
      cumulativeLiquidatedDebtUsd: liquidatedUsd,
    });
  });

  const lastMarket = tally.series[tally.series.length - 1]?.marketPriceUsd ?? 0;
  let walletDeltaUsd = 0;
  for (const id of keeperIds) {
    walletDeltaUsd += usdcToUsd(balanceOf(state.ledger, `wallet:${id}`, LENDING_DEBT) - (funded[id] ?? 0n));
  }
  const summary = stressSummary(options, source, tally, {
    accounts: accounts.length,
    accountsSkipped: opened.skipped.length,
    liquidatedDebtUsd: liquidatedUsd,
    auctions: 0,
    zeroBidAuctions: 0,
    auctionsLiveAtEnd: 0,
    badDebtUsd: lendingBadDebtUsd(state, lastMarket),
    walletDeltaUsd,
    unsoldUsd: unsoldUsd(tally, keeperIds, heldWeth),
  });
  return { summary, series: tally.series, finalState: state };
}
