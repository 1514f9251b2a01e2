/**
 * The stress lab's public shapes: the options of a run (protocol, source, book, keepers, venue,
 * network), and what a run returns (summary, per-step series, clearings, keeper activity).
 */
import type { EngineState } from '../../engine/engine.js';
import type { MakerParams } from '../../protocols/maker/params.js';
import type { Book } from '../book.js';
import type { ThinningParams, Venue } from '../liquidity.js';
import type { ReplayScenario } from '../replay.js';

/**
 * A keeper of the run: one of the Maker keeper presets (Maker models only), with the DAI its wallet
 * is funded with, or one of the lending presets (`aaveLiquidator` for Aave; `cometAbsorber` and
 * `cometBuyer` for Comet), funded in USDC.
 */
export type StressKeeperPreset =
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
    }
  | {
      /**
       * The liquidator of the protocols without a dedicated preset (Liquity, Euler, crvUSD, the
       * perps models and composed protocols): liquidates what its view says is liquidatable when
       * the reward beats gas by ε, funded in the protocol's debt or quote asset.
       */
      readonly preset: 'liquidator';
      readonly id: string;
      /** ε of `I > C_gas + ε`, USD (default 0). */
      readonly minProfitUsd?: number;
      /** Above this gas price (gwei) the keeper sends nothing; default none. */
      readonly maxGasPriceGwei?: number;
      /** Whole units of the debt/quote asset funded into `wallet:<id>` (default {@link DEFAULT_KEEPER_WALLET_DAI}). */
      readonly walletUsd?: number;
    }
  | {
      /** An arbitrageur that trades against an AMM-style liquidation (crvUSD's LLAMMA) at a profit. */
      readonly preset: 'arbitrageur';
      readonly id: string;
      readonly minProfitUsd?: number;
      readonly walletUsd?: number;
    };

/** How a keeper meets the network: its latency and what it bids in a priority gas auction. */
export interface KeeperNetworkFields {
  /**
   * Steps between the keeper's decision and its transaction landing (default 0): it decides on the
   * state it sees now and the transaction is applied `latencySteps` steps later, to whatever the
   * state is then (it may fail, and still pays gas).
   */
  readonly latencySteps?: number;
  /**
   * In a priority gas auction, the share of its expected profit the keeper bids as priority fee
   * (0–1, default {@link DEFAULT_PRIORITY_FEE_SHARE}).
   */
  readonly priorityFeeShare?: number;
}

/** A keeper of the run: a preset with its parameters, and its network behaviour. */
export type StressKeeperSpec = StressKeeperPreset & KeeperNetworkFields;

/**
 * Opened books shared by the paths of one Monte Carlo batch: every path of a batch opens the same
 * given book with the same set-up, and the engine is a deterministic fold over immutable state, so
 * the state after the opening (and what the adapter derived from it) is computed once and shared.
 * Only a cache: a run gives the same result with or without it.
 */
export interface StressOpenCache {
  readonly byBook: WeakMap<Book, Map<string, unknown>>;
}

/** Options of `runStress`. */
export interface StressOptions {
  /** A protocol id of `STRESS_PROTOCOLS` (a composed protocol's id with `protocolConfig`). */
  readonly protocol: string;
  /**
   * A composed protocol's configuration (parsed JSON or YAML, `kind: lending | perp`) when
   * `protocol` names a composed model (`solvent stress --protocol file.yaml`).
   */
  readonly protocolConfig?: unknown;
  /** A built-in scenario id (see `listScenarios`); give this or `replay`, not both. */
  readonly scenario?: string;
  /** A replay of real series (see `replayScenario`); give this or `scenario`, not both. */
  readonly replay?: ReplayScenario;
  /** Seed, integer in [0, 2^64). */
  readonly seed: number | bigint;
  /** Size of the synthetic book (ignored when `book` is given). Default 200. */
  readonly accounts?: number;
  /** A book to open instead of a synthetic one (collateral asset `ETH`; lending models read it as WETH). */
  readonly book?: Book;
  /** Keepers (default `defaultStressKeepers(protocol)`). */
  readonly keepers?: readonly StressKeeperSpec[];
  /** Simulation step, seconds (default the scenario's; a replay keeps the step it was built with). */
  readonly stepSeconds?: number;
  /** Where keepers sell collateral they receive (default {@link DEFAULT_STRESS_VENUE}). */
  readonly venue?: StressVenue;
  /** Maker parameters (default DEFAULT_MAKER_PARAMS: ETH-A, July 2025). Overridden by `protocolParams`. */
  readonly makerParams?: MakerParams;
  /**
   * The model's parameters as raw JSON (the shape its `configure` command and `solvent protocols
   * <id>` show; start from `defaultStressParamsJson`), validated by the model's own parser.
   * Default: the model's embedded defaults.
   */
  readonly protocolParams?: unknown;
  /**
   * Gas price when the source has no gas series, gwei. When absent, gas follows the volatility
   * model (`volatilityGasSeries` with {@link DEFAULT_VOLATILITY_GAS}) on the ETH path.
   */
  readonly flatGasGwei?: number;
  /** Block space, priority gas auctions and dropped transactions (default {@link DEFAULT_STRESS_NETWORK}). */
  readonly network?: StressNetwork;
  /** How the simulated price feed behaves (default {@link DEFAULT_STRESS_ORACLE}). */
  readonly oracle?: StressOracle;
  /**
   * Whether the series samples the accounts' health distribution (default true). Monte Carlo paths
   * keep only their summary and turn it off: it never changes a summary figure, and it is the one
   * part of the series that reads every account.
   */
  readonly healthSeries?: boolean;
  /**
   * Opened books shared across the paths of a batch (see `openOnce` in core.ts); never changes a
   * result. Not JSON: each worker makes its own.
   */
  readonly openCache?: StressOpenCache;
}

/**
 * The simulated oracle feed of the path asset: three relayers publishing on a heartbeat or a
 * deviation, with an optional reporting delay, per-source noise, outages (rounds that never land)
 * and manipulated spikes (sources see a multiple of the market), and the protocol's own delay on
 * top (Maker's OSM hop; the scenario's suggestion unless `osmDelaySeconds` is given).
 */
export interface StressOracle {
  readonly heartbeatSeconds?: number;
  readonly deviationBps?: number;
  /** Reporting delay of every round, seconds (≥ 0). */
  readonly delaySeconds?: number;
  /** Per-source noise, bps of the price (≥ 0). */
  readonly noiseBps?: number;
  /** Windows (unix seconds, from inclusive, to exclusive) in which no round lands. */
  readonly outages?: readonly { readonly fromSeconds: number; readonly toSeconds: number }[];
  /** Windows in which the sources see `multiple` × the market price (e.g. 0.5: a −50 % wick). */
  readonly spikes?: readonly {
    readonly fromSeconds: number;
    readonly toSeconds: number;
    readonly multiple: number;
  }[];
  /** Maker's OSM hop, seconds (overrides the scenario's suggestion; Maker models only). */
  readonly osmDelaySeconds?: number;
}

/** Default feed: heartbeat 1 h, deviation 0.5 %, no delay, noise, outage or spike (ASSUMPTIONS, a 2020 medianizer). */
export const DEFAULT_STRESS_ORACLE: StressOracle = {
  heartbeatSeconds: 3600,
  deviationBps: 50,
  delaySeconds: 0,
  noiseBps: 0,
};

/**
 * The network keepers send through. Defaults reproduce a perfectly informed, uncongested chain:
 * keepers act one after the other in a step (rotating who goes first), each seeing the previous
 * one's effect, and every transaction lands.
 */
export interface StressNetwork {
  /**
   * Competing keepers: every keeper decides on the same state at the start of the step, and the
   * transactions land in order of the priority fee bid (a share of expected profit, see
   * `priorityFeeShare`); a transaction the protocol refuses after another landed first fails and
   * pays {@link StressNetwork.failedGasFraction} of its gas.
   */
  readonly priorityGasAuction?: boolean;
  /** Probability that a transaction is dropped or reverts for reasons outside the model (0–1). */
  readonly txFailureRate?: number;
  /** Share of its gas a failed transaction still pays (0–1, default {@link DEFAULT_FAILED_GAS_FRACTION}). */
  readonly failedGasFraction?: number;
  /**
   * Gas units per step the keepers' transactions may use together (block space left for them);
   * what does not fit waits for the next step. Default unlimited.
   */
  readonly blockGasPerStep?: number;
}

/** Default network: no auction, nothing dropped, unlimited block space. */
export const DEFAULT_STRESS_NETWORK: StressNetwork = {
  priorityGasAuction: false,
  txFailureRate: 0,
  failedGasFraction: 0.35,
};

/**
 * Share of its gas a failed transaction pays: an ASSUMPTION (a revert in a liquidation call
 * happens after the health checks, roughly a third of the way through).
 */
export const DEFAULT_FAILED_GAS_FRACTION = 0.35;

/** Default priority fee share of expected profit a keeper bids in a gas auction: an ASSUMPTION. */
export const DEFAULT_PRIORITY_FEE_SHARE = 0.5;

/**
 * The gas model used when the source has no gas series and no flat gas is given: base 30 gwei,
 * rising with the ETH path's realized volatility above 60 %/year (sensitivity 8 per unit of σ),
 * 1 h volatility half-life, 30 min mean reversion, capped at 2,000 gwei, floor 5 gwei, log noise
 * 0.1 per √hour. ASSUMPTIONS, shaped after Black Thursday (history.md §1: p60 gas ×19 while ETH
 * fell 43 % in a day).
 */
export const DEFAULT_VOLATILITY_GAS = {
  baseGasPriceGwei: 30,
  referenceVolAnnual: 0.6,
  sensitivity: 8,
  volHalfLifeSeconds: 3600,
  meanReversionHalfLifeSeconds: 1800,
  capGasPriceGwei: 2000,
  floorGasPriceGwei: 5,
  noiseLogSdPerSqrtHour: 0.1,
} as const;

/**
 * Upper bounds of the health-factor buckets of {@link StressSeriesPoint.healthBuckets}: < 1 (liquidatable),
 * [1, 1.1), [1.1, 1.25), [1.25, 1.5), [1.5, 2), ≥ 2.
 */
export const HEALTH_BUCKET_BOUNDS: readonly number[] = [1, 1.1, 1.25, 1.5, 2];

/**
 * The health bucket of one reading: the index of the first {@link HEALTH_BUCKET_BOUNDS} bound the
 * factor (1e18 = 1) is below, the last bucket above them all; a liquidatable account counts below
 * 1 whatever its factor. Every health series and index counts with this one rule.
 */
export function healthBucketOf(healthWad: bigint, liquidatable: boolean): number {
  const hf = liquidatable ? Math.min(Number(healthWad) / 1e18, 0.999_999) : Number(healthWad) / 1e18;
  const b = HEALTH_BUCKET_BOUNDS.findIndex((bound) => hf < bound);
  return b < 0 ? HEALTH_BUCKET_BOUNDS.length : b;
}

/** Most steps whose health distribution a run samples (evenly spaced, always the first and last). */
export const HEALTH_SAMPLES_MAX = 200;

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
  /** Keeper transactions that landed in this step (accepted or failed). */
  readonly keeperTransactions: number;
  /** Of those, the ones that failed (refused by the protocol, outbid, or dropped). */
  readonly keeperFailures: number;
  /** The insurance fund (or the protocol's loss buffer, where it has one) after the step, USD. */
  readonly insuranceFundUsd: number;
  /**
   * Open accounts (with debt) by health factor at the oracle price, in the buckets of
   * {@link HEALTH_BUCKET_BOUNDS}; null on steps that were not sampled (see
   * {@link HEALTH_SAMPLES_MAX}).
   */
  readonly healthBuckets: readonly number[] | null;
}

/** One auction or liquidation sale as it cleared. */
export interface StressClearing {
  /** Unix seconds. */
  readonly t: number;
  /** Collateral sold, whole units (float). */
  readonly collateral: number;
  /** What the buyer paid, USD. */
  readonly paidUsd: number;
  /** The collateral's market value at the time, USD. */
  readonly marketValueUsd: number;
  /** 1 − paid / market value: the buyer's discount (negative: paid above market). */
  readonly discount: number;
}

/** What one keeper did over the run. */
export interface StressKeeperActivity {
  readonly id: string;
  /** Transactions that landed, and those that failed. */
  readonly transactions: number;
  readonly failures: number;
  /** Gas spent (base and priority fee, failed transactions too), USD. */
  readonly gasUsd: number;
  /** Liquidations (or absorbs, bites, barks) its transactions performed. */
  readonly liquidations: number;
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
  /** Keeper transactions that failed (refused, outbid or dropped); gas was still paid. */
  readonly keeperFailures: number;
  /** Soft margin calls the predictive stage sent (0 when the protocol has none). */
  readonly softMarginCalls: number;
  /** Debt repaid by gradual de-leveraging steps before the maintenance breach, USD. */
  readonly deleveragedDebtUsd: number;
  /** Automatic risk-parameter changes (volatility-indexed thresholds, dynamic incentive). */
  readonly parameterUpdates: number;
  /** Debt asset raised by settled debt (solvency bond) auctions, USD. */
  readonly debtAuctionRaisedUsd: number;
  /** Bond or governance tokens those auctions issued, whole tokens. */
  readonly debtAuctionTokensIssued: number;
}

/** What {@link runStress} returns. */
export interface StressResult {
  readonly summary: StressSummary;
  readonly series: readonly StressSeriesPoint[];
  /** Every sale of collateral as it cleared (auction takes and deals, liquidation calls, buys). */
  readonly clearings: readonly StressClearing[];
  /** Each keeper's transactions, failures, gas and liquidations. */
  readonly keepers: readonly StressKeeperActivity[];
  /** The engine state at the end, for checks and reports. */
  readonly finalState: StressEngineState;
}

/** The engine state of any protocol the stress lab runs (cast to the model's own state to read it). */
export type StressEngineState = EngineState<unknown>;
