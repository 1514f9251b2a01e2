/**
 * The stress lab's built-in crash scenarios, named after real events and parameterised from the
 * published figures in `shared/reference/history.md` (kept here as numbers with their citations,
 * so the lab runs on a fresh clone), and the generator that turns one into seeded price and gas
 * paths: correlated Brownian bridges in log price pinned exactly to the published waypoints.
 *
 * Every figure is tagged `published` (a number history.md states, or one level of a price series
 * in `shared/data/prices` whose provenance `shared/data/prices/SOURCES.md` gives, cited by file
 * name and bar time), `derived` (arithmetic on published numbers, the arithmetic is written next to
 * it) or `assumed` (a modelling choice that no published figure fixes; treat it as UNVERIFIED).
 * No data file of `shared/data` is read at run time or copied: the few levels taken from a series
 * are constants here.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { assert, SolventError } from '../math/errors.js';
import { cholesky, depegShape, type PricePath, type PricePoint, SECONDS_PER_YEAR } from './paths.js';
import { createRng, withRng } from './rng.js';

/**
 * How a figure was obtained: stated in history.md or read as one level of a cited `shared/data`
 * series, computed from such numbers, or a modelling choice.
 */
export type FigureKind = 'published' | 'derived' | 'assumed';

/** One figure a scenario is built from or judged against, with where it comes from. */
export interface ScenarioFigure {
  readonly kind: FigureKind;
  /** The figure in words and numbers, e.g. "ETH 195.2 → 86.00 (bar low) on 03-13 02:15". */
  readonly text: string;
  /** Section of history.md and the original source it names (or the derivation / the assumption). */
  readonly citation: string;
}

/** A point the path must pass through exactly. */
export interface Waypoint {
  /** Time after the scenario start, seconds (≥ 0). */
  readonly offsetSeconds: number;
  /** Price in USD (gas: gwei). */
  readonly price: number;
  readonly kind: FigureKind;
  /** What the point is and where it comes from (section of history.md and its source). */
  readonly citation: string;
}

/** A stablecoin (or pegged asset) leaving its peg: the published floor and when it is reached. */
export interface DepegLeg {
  /** Price the asset is meant to hold, USD. */
  readonly pegPrice: number;
  /** Lowest price reached, USD; the path's minimum equals it exactly. */
  readonly floorPrice: number;
  /** When the floor is first reached, seconds after the scenario start. */
  readonly floorOffsetSeconds: number;
  readonly citation: string;
}

/** One asset of a scenario. */
export interface ScenarioAsset {
  /** Ticker, e.g. `ETH`, `USDC`. */
  readonly symbol: string;
  /** σ of the bridge noise in log price, per √year (see {@link fourSigmaVolatilityPerYear}). */
  readonly volatilityPerYear: number;
  /** Which published move σ is derived from. */
  readonly volatilityCitation: string;
  /** Waypoints in strictly increasing time; the first at offset 0 is the start price. */
  readonly waypoints: readonly Waypoint[];
  /** Present for pegged assets. */
  readonly depeg?: DepegLeg;
}

/** Correlation of the Brownian shocks of two assets (unitless, in (−1, 1)). */
export interface ScenarioCorrelation {
  readonly a: string;
  readonly b: string;
  readonly rho: number;
  readonly citation: string;
}

/** The gas price during the scenario: a p60 series in gwei pinned to published hourly levels. */
export interface GasRegime {
  readonly volatilityPerYear: number;
  readonly volatilityCitation: string;
  /** Waypoints in gwei, strictly increasing in time, the first at offset 0. */
  readonly waypoints: readonly Waypoint[];
  /** Further published gas figures that the series does not reproduce (spikes, means). */
  readonly figures: readonly ScenarioFigure[];
}

/** The oracle set-up the scenario suggests for a replay. */
export interface OracleSuggestion {
  /** `osm`: Maker's delayed medianizer; `chainlink`: heartbeat/deviation feed; `mark`: an exchange mark price. */
  readonly kind: 'osm' | 'chainlink' | 'mark';
  /** Delay between the market and the on-chain price, seconds. */
  readonly delaySeconds: number;
  /** Chainlink-style lowest answer, USD, for the asset named by `minAnswerAsset`. */
  readonly minAnswer?: number;
  readonly minAnswerAsset?: string;
  readonly citation: string;
}

/** A built-in scenario: plain data; {@link scenarioPaths} turns it into paths. */
export interface Scenario {
  /** Stable identifier, e.g. `black-thursday-2020`. */
  readonly id: string;
  readonly title: string;
  /** Start of the scenario, unix seconds (UTC), and the same instant as an ISO string. */
  readonly startUnixSeconds: number;
  readonly startIso: string;
  /** Length, seconds; waypoints lie in [0, durationSeconds]. */
  readonly durationSeconds: number;
  /** Default grid spacing, seconds (the resolution of the published series). */
  readonly stepSeconds: number;
  readonly assets: readonly ScenarioAsset[];
  /** Pairs not listed are uncorrelated (ρ = 0). */
  readonly correlations: readonly ScenarioCorrelation[];
  /** Null when history.md publishes no gas figures for the event. */
  readonly gas: GasRegime | null;
  readonly oracle: OracleSuggestion;
  /** Published outcomes (losses, liquidated volume) a replay can be judged against. */
  readonly outcomes: readonly ScenarioFigure[];
  /** What the scenario leaves out and why (gaps in history.md). */
  readonly gaps: readonly string[];
}

/** The paths of one scenario for one seed. */
export interface ScenarioPathsResult {
  readonly id: string;
  readonly seed: number | bigint;
  readonly stepSeconds: number;
  /** Grid times, unix seconds: every `stepSeconds` from the start, plus every waypoint time. */
  readonly timesUnixSeconds: readonly number[];
  /** Price path per asset symbol (USD), `tSeconds` in unix seconds, on the grid above. */
  readonly assets: Readonly<Record<string, PricePath>>;
  /** p60 gas price path in gwei on the same grid; null when the scenario has no gas regime. */
  readonly gas: PricePath | null;
}

/** A scenario id that is not built in. */
export class UnknownScenarioError extends SolventError {
  override name = 'UnknownScenarioError';
  readonly id: string;
  readonly knownIds: readonly string[];
  constructor(id: string, knownIds: readonly string[]) {
    super('UnknownScenario', `Unknown scenario "${id}".`, {
      metaMessages: [`Known scenarios: ${knownIds.join(', ')}.`],
      details: { id, known: knownIds.join(',') },
    });
    this.id = id;
    this.knownIds = knownIds;
  }
}

/**
 * The σ (per √year) under which a published move from `fromPrice` to `toPrice` over
 * `windowSeconds` is a four-standard-deviation event: σ = |ln(to/from)| / (4·√(window in years)).
 * The rule every scenario uses to choose its bridge noise from a published drawdown; the trend
 * itself is carried by the waypoints, so the noise only has to look like that day's tape.
 * @throws InvalidParameterError naming the field for non-positive prices or window.
 */
export function fourSigmaVolatilityPerYear(
  fromPrice: number,
  toPrice: number,
  windowSeconds: number,
): number {
  for (const [field, v] of [
    ['fromPrice', fromPrice],
    ['toPrice', toPrice],
    ['windowSeconds', windowSeconds],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v)) {
      throw new InvalidParameterError(field, `must be a positive finite number, got ${v}`);
    }
  }
  return Math.abs(Math.log(toPrice / fromPrice)) / (4 * Math.sqrt(windowSeconds / SECONDS_PER_YEAR));
}

const HOUR = 3600;
const DAY = 86400;

function wp(offsetSeconds: number, price: number, kind: FigureKind, citation: string): Waypoint {
  return { offsetSeconds, price, kind, citation };
}

// ---------------------------------------------------------------------------------------------
// 1. Black Thursday, 2020-03-12/13 (history.md §1)
// ---------------------------------------------------------------------------------------------
const BT_ETH = 'history.md §1 table "Timeline and prices" (Binance ETH/USDT 5-min)';
const BT_ETH_1H_DRAWDOWN = 0.209;
const BT_ETH_24H_DRAWDOWN = 0.528;

const blackThursday: Scenario = {
  id: 'black-thursday-2020',
  title: 'MakerDAO Black Thursday: ETH −56% in 26 h, gas ×19, zero-bid flip auctions (2020-03-12/13)',
  startUnixSeconds: 1583971200,
  startIso: '2020-03-12T00:00:00.000Z',
  durationSeconds: 36 * HOUR,
  stepSeconds: 300,
  assets: [
    {
      symbol: 'ETH',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, 1 - BT_ETH_24H_DRAWDOWN, DAY),
      volatilityCitation: 'worst 24-h drawdown −52.8% ending 03-13 02:10 as a 4σ day (history.md §1)',
      waypoints: [
        wp(0, 195.2, 'published', `${BT_ETH}: 03-12 00:00 195.2`),
        wp(6 * HOUR, 181.2, 'published', `${BT_ETH}: 03-12 06:00 181.2`),
        wp(10 * HOUR, 167.8, 'published', `${BT_ETH}: 03-12 10:00 167.8`),
        wp(
          10 * HOUR + 55 * 60,
          167.8 * (1 - BT_ETH_1H_DRAWDOWN),
          'derived',
          'worst 1-h drawdown −20.9% ending 03-12 10:55 (history.md §1), applied to the 10:00 level 167.8',
        ),
        wp(12 * HOUR, 136.2, 'published', `${BT_ETH}: 03-12 12:00 136.2`),
        wp(20 * HOUR, 137.4, 'published', `${BT_ETH}: 03-12 20:00 137.4`),
        wp(24 * HOUR, 112.2, 'published', `${BT_ETH}: 03-13 00:00 112.2`),
        wp(26 * HOUR + 15 * 60, 86.0, 'published', `${BT_ETH}: 03-13 02:15 bar low 86.00`),
        wp(36 * HOUR, 126.2, 'published', `${BT_ETH}: 03-13 12:00 126.2`),
      ],
    },
    {
      symbol: 'DAI',
      volatilityPerYear: fourSigmaVolatilityPerYear(1.008, 1.086, 10 * HOUR + 40 * 60),
      volatilityCitation: 'DAI premium 1.008 → 1.086 by 10:40 (history.md §1, CoinAPI 10-min) as a 4σ move',
      waypoints: [
        wp(
          0,
          1.008,
          'assumed',
          'day low 1.008 (history.md §1, CoinAPI DAI 10-min, 03-12) placed at 00:00; its time is not given',
        ),
        wp(
          10 * HOUR + 40 * 60,
          1.086,
          'published',
          'DAI premium peak 1.086 at 03-12 10:40 (history.md §1, CoinAPI)',
        ),
        wp(24 * HOUR, 1.008, 'assumed', 'back to the day low 1.008 by 03-13 00:00; no later DAI series'),
        wp(36 * HOUR, 1.008, 'assumed', 'held at 1.008 to the end; no DAI figure for 03-13'),
      ],
    },
  ],
  correlations: [],
  gas: {
    volatilityPerYear: fourSigmaVolatilityPerYear(10, 190, 12 * HOUR),
    volatilityCitation: 'p60 gas 10 → 190 gwei from 03:00 to 15:00 (history.md §1 Gas) as a 4σ move',
    waypoints: [
      wp(0, 10, 'published', 'p60 about 10 gwei, 00–03 h (history.md §1 Gas, BerkeleyBlockchain/stablesims)'),
      wp(3 * HOUR, 10, 'published', 'p60 about 10 gwei, 00–03 h (history.md §1 Gas)'),
      wp(8 * HOUR, 38, 'published', 'p60 about 38 gwei, 08–09 h (history.md §1 Gas)'),
      wp(9 * HOUR, 38, 'published', 'p60 about 38 gwei, 08–09 h (history.md §1 Gas)'),
      wp(12 * HOUR, 110, 'published', 'p60 about 110 gwei at 12 h (history.md §1 Gas)'),
      wp(15 * HOUR, 190, 'published', 'p60 about 190 gwei, 15–16 h (history.md §1 Gas)'),
      wp(16 * HOUR, 190, 'published', 'p60 about 190 gwei, 15–16 h (history.md §1 Gas)'),
      wp(18 * HOUR, 80, 'published', 'p60 about 75–85 gwei, 18–23 h, midpoint 80 (history.md §1 Gas)'),
      wp(23 * HOUR, 80, 'published', 'p60 about 75–85 gwei, 18–23 h, midpoint 80 (history.md §1 Gas)'),
      wp(36 * HOUR, 80, 'assumed', 'held at the evening level: history.md has no gas figures for 03-13'),
    ],
    figures: [
      {
        kind: 'published',
        text: 'p90 about 150 gwei at 12 h, 240–250 gwei at 15–16 h; p90 single-minute maximum 1,500 gwei at 16:24',
        citation: 'history.md §1 Gas (BerkeleyBlockchain/stablesims, anyblock.tools)',
      },
      {
        kind: 'published',
        text: 'mean gas rose about 6× to ~80 gwei',
        citation: 'history.md §1 Gas: Glassnode (secondary), blockstockandbarrel.com',
      },
    ],
  },
  oracle: {
    kind: 'osm',
    delaySeconds: HOUR,
    citation:
      'OSM delays the price by one hour (`hop` 3600 s), history.md §1 Mechanism facts; relayer txs were also stuck (White Rabbit)',
  },
  outcomes: [
    {
      kind: 'published',
      text: 'ETH won with 0-DAI bids: $8.32M; 36% of liquidations zero-bid; deficit 5.67M DAI',
      citation:
        'history.md §1 Auction and keeper outcome: White Rabbit, medium.com/@whiterabbit_hq (14 Mar 2020)',
    },
    {
      kind: 'published',
      text: 'debt auctions raised 5.3M DAI selling 20,980 MKR (avg $296.35); total losses 6.65M DAI',
      citation: 'history.md §1: smithandcrown.com; Cointelegraph May 2020 (secondary)',
    },
    {
      kind: 'published',
      text: 'Compound ~$6.26M, dYdX ~$4.88M liquidated on 03-12',
      citation: 'history.md §1: LoanScan via leslamb0.medium.com',
    },
  ],
  gaps: [
    'BTC: only the hourly low 3,782.13 at 03-13 02:00 is published, no start level, so BTC is left out.',
    'DAI 7-day maximum $1.22 (Maker DAI-gest week 11) is outside this 36-h window and not pinned.',
  ],
};

// ---------------------------------------------------------------------------------------------
// 2. 19 May 2021 (history.md §3, industry counts)
// ---------------------------------------------------------------------------------------------
const MAY21_ETH_LOW = 1888;
const MAY21_ETH_1H_DRAWDOWN = 0.298;

const may2021: Scenario = {
  id: 'may-2021',
  title: '19 May 2021: ETH −29.8% within one hour to 1,888, $377M of DeFi collateral liquidated',
  startUnixSeconds: 1621426200,
  startIso: '2021-05-19T12:10:00.000Z',
  durationSeconds: 4 * HOUR,
  stepSeconds: 60,
  assets: [
    {
      symbol: 'ETH',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, 1 - MAY21_ETH_1H_DRAWDOWN, HOUR),
      volatilityCitation: 'ETH −29.8% within an hour (history.md §3, Binance 1-min) as a 4σ hour',
      waypoints: [
        wp(
          0,
          MAY21_ETH_LOW / (1 - MAY21_ETH_1H_DRAWDOWN),
          'derived',
          'low 1,888 / (1 − 0.298): the level one hour before the low (history.md §3 price context)',
        ),
        wp(HOUR, MAY21_ETH_LOW, 'published', 'ETH low 1,888 at 05-19 13:10 (history.md §3, Binance 1-min)'),
      ],
    },
  ],
  correlations: [],
  gas: null,
  oracle: {
    kind: 'chainlink',
    delaySeconds: 0,
    citation:
      'no oracle figure in history.md §3; Aave/Compound read Chainlink feeds at the time (assumed, no lag)',
  },
  outcomes: [
    {
      kind: 'published',
      text: 'collateral liquidated on 05-19: $377M (Aave $170M, Compound $147M, Maker $60M); ~$160M on 05-23',
      citation: 'history.md §3: Cointelegraph Consulting and Covalent, tradernation.org (2021-06-08)',
    },
  ],
  gaps: [
    'BTC: only the low 30,000 at 13:10 is published, no start level, so BTC is left out.',
    'No published close: after the low the path is a driftless random walk held above the published low (soft bound).',
    'No gas figures for this day in history.md.',
  ],
};

// ---------------------------------------------------------------------------------------------
// 3. LUNA/UST, May 2022 (history.md §5)
// ---------------------------------------------------------------------------------------------
const LUNA = 'history.md §5 Price path (Binance LUNA/USDT 1-min)';
/** The ETH and BTC series of the same window (history.md §5 quotes their 05-12 05:00 lows from them). */
const LUNA_ETH =
  'eth-usd-2022-05-luna-ust-collapse.csv (Binance ETH/USDT 30-min, the series of history.md §5), close of the bar opening';
const LUNA_BTC =
  'btc-usd-2022-05-luna-ust-collapse.csv (Binance BTC/USDT 30-min, the series of history.md §5), close of the bar opening';
/** Both lows are intra-bar lows of the 05-12 05:00 30-min bar (history.md §5; SOURCES.md LUNA table). */
const LUNA_LOW_AT = 5 * DAY + 5 * HOUR;

const luna2022: Scenario = {
  id: 'luna-2022',
  title:
    'LUNA/UST collapse: LUNA 77.45 → 0.00047 in six days, ETH −33 % to 1,800, Chainlink floor at $0.107 (May 2022)',
  startUnixSeconds: 1651881600,
  startIso: '2022-05-07T00:00:00.000Z',
  durationSeconds: 6 * DAY,
  stepSeconds: 300,
  assets: [
    {
      symbol: 'LUNA',
      volatilityPerYear: fourSigmaVolatilityPerYear(64.56, 30.87, DAY),
      volatilityCitation: 'first crash day 64.56 → 30.87 (05-09 → 05-10, history.md §5) as a 4σ day',
      waypoints: [
        wp(0, 77.45, 'published', `${LUNA}: 05-07 00:00 77.45`),
        wp(DAY, 68.1, 'published', `${LUNA}: 05-08 00:00 68.10`),
        wp(2 * DAY, 64.56, 'published', `${LUNA}: 05-09 00:00 64.56`),
        wp(3 * DAY, 30.87, 'published', `${LUNA}: 05-10 00:00 30.87`),
        wp(4 * DAY, 17.16, 'published', `${LUNA}: 05-11 00:00 17.16`),
        wp(5 * DAY, 1.09, 'published', `${LUNA}: 05-12 00:00 1.09`),
        wp(5 * DAY + 12 * HOUR, 0.038, 'published', `${LUNA}: 05-12 12:00 0.038`),
        wp(6 * DAY, 0.00047, 'published', `${LUNA}: 05-13 00:00 0.00047 (Binance halted ~00:40)`),
      ],
    },
    {
      symbol: 'ETH',
      volatilityPerYear: fourSigmaVolatilityPerYear(2436.07, 1835.29, DAY),
      volatilityCitation:
        'biggest 24-h fall of the 30-min closes in the window, 05-11 09:30 2,436.07 → 05-12 05:30 1,835.29 (−24.7 %, eth-usd-2022-05-luna-ust-collapse.csv) as a 4σ day',
      waypoints: [
        wp(0, 2687.1, 'published', `${LUNA_ETH} 05-07 00:00: 2,687.10`),
        wp(DAY, 2627.74, 'published', `${LUNA_ETH} 05-08 00:00: 2,627.74`),
        wp(2 * DAY, 2519.52, 'published', `${LUNA_ETH} 05-09 00:00: 2,519.52`),
        wp(3 * DAY, 2206.99, 'published', `${LUNA_ETH} 05-10 00:00: 2,206.99`),
        wp(4 * DAY, 2377.22, 'published', `${LUNA_ETH} 05-11 00:00: 2,377.22`),
        wp(5 * DAY, 2135.29, 'published', `${LUNA_ETH} 05-12 00:00: 2,135.29`),
        wp(
          LUNA_LOW_AT,
          1800,
          'published',
          'ETH low 1,800.00 at 05-12 05:00, the low of that 30-min bar (history.md §5; SOURCES.md LUNA table)',
        ),
        wp(6 * DAY, 1955.13, 'published', `${LUNA_ETH} 05-13 00:00: 1,955.13`),
      ],
    },
    {
      symbol: 'BTC',
      volatilityPerYear: fourSigmaVolatilityPerYear(31843.87, 27114.84, DAY),
      volatilityCitation:
        'biggest 24-h fall of the 30-min closes in the window, 05-11 10:30 31,843.87 → 05-12 06:30 27,114.84 (−14.9 %, btc-usd-2022-05-luna-ust-collapse.csv) as a 4σ day',
      waypoints: [
        wp(0, 35972.47, 'published', `${LUNA_BTC} 05-07 00:00: 35,972.47`),
        wp(DAY, 35339.76, 'published', `${LUNA_BTC} 05-08 00:00: 35,339.76`),
        wp(2 * DAY, 34067.8, 'published', `${LUNA_BTC} 05-09 00:00: 34,067.80`),
        wp(3 * DAY, 29919.99, 'published', `${LUNA_BTC} 05-10 00:00: 29,919.99`),
        wp(4 * DAY, 31228.05, 'published', `${LUNA_BTC} 05-11 00:00: 31,228.05`),
        wp(5 * DAY, 29765.63, 'published', `${LUNA_BTC} 05-12 00:00: 29,765.63`),
        wp(
          LUNA_LOW_AT,
          26700,
          'published',
          'BTC low 26,700.00 at 05-12 05:00, the low of that 30-min bar (history.md §5; SOURCES.md LUNA table)',
        ),
        wp(6 * DAY, 28992.79, 'published', `${LUNA_BTC} 05-13 00:00: 28,992.79`),
      ],
    },
  ],
  correlations: [],
  gas: null,
  oracle: {
    kind: 'chainlink',
    delaySeconds: 0,
    minAnswer: 0.107,
    minAnswerAsset: 'LUNA',
    citation:
      'Chainlink LUNA/USD stopped at its minimum answer $0.107 while the market was ~$0.01 (history.md §5, cryptonews.com.au; Venus post-mortem)',
  },
  outcomes: [
    {
      kind: 'published',
      text: 'Venus lost $11.2M reading the clamped feed (covered from its Risk Fund); Blizz Finance drained',
      citation: 'history.md §5 Oracle floor losses: medium.com/venusprotocol (incident update 3)',
    },
    {
      kind: 'published',
      text: 'Anchor TVL ~$8.5B on 05-10; UST deposits $17B → $6B over 05-07..10',
      citation: 'history.md §5 Anchor: credmark/research-gitbook:research/what-caused-ust-to-depeg.md',
    },
  ],
  gaps: [
    'UST: history.md has no UST/USD series or published floor, so no UST depeg leg is pinned.',
    'ETH and BTC are pinned to the daily 00:00 closes of their Binance 30-min series and to the 05-12 05:00 lows (history.md §5); a close is the price 30 min after the time it is pinned at, and the lows are intra-bar lows (the lowest closes were ETH 1,835.29 at 05:30 and BTC 27,114.84 at 06:30, SOURCES.md). Intraday swings between pins (ETH 2,412 on 05-10 12:00, 2,436 on 05-11 09:30) are not pinned.',
    'No published correlation between LUNA, ETH and BTC: their bridge shocks are independent (ρ = 0); the common fall is carried by the pins alone.',
    'ETH and BTC are USDT-quoted (Binance) and taken as USD; UST, not USDT, was the stablecoin that broke.',
  ],
};

// ---------------------------------------------------------------------------------------------
// 4. FTX, 2022-11 (history.md §7)
// ---------------------------------------------------------------------------------------------
const FTX_ETH_LOW = 1073.53;
const FTX_ETH_24H_DRAWDOWN = 0.248;
const ftx2022: Scenario = {
  id: 'ftx-2022',
  title: 'FTX collapse: SOL 38.46 → 12.07 (−69%) while ETH falls 24.8% (2022-11-05..14)',
  startUnixSeconds: 1667606400,
  startIso: '2022-11-05T00:00:00.000Z',
  durationSeconds: 10 * DAY,
  stepSeconds: 1800,
  assets: [
    {
      symbol: 'ETH',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, 1 - FTX_ETH_24H_DRAWDOWN, DAY),
      volatilityCitation: 'biggest 24-h ETH drawdown −24.8% (history.md §7, Binance 30-min) as a 4σ day',
      waypoints: [
        wp(
          0,
          FTX_ETH_LOW / (1 - FTX_ETH_24H_DRAWDOWN),
          'derived',
          'low 1,073.53 / (1 − 0.248): start level so the drawdown equals the published 24-h figure (history.md §7)',
        ),
        wp(
          4 * DAY + 23 * HOUR + 30 * 60,
          FTX_ETH_LOW,
          'published',
          'ETH low 1,073.53 at 11-09 23:30 (history.md §7, Binance 30-min)',
        ),
      ],
    },
    {
      symbol: 'SOL',
      volatilityPerYear: fourSigmaVolatilityPerYear(38.46, 12.07, 9 * DAY + 2 * HOUR),
      volatilityCitation: 'SOL 38.46 → 12.07 over 11-05..11-14 02:00 (history.md §7) as a 4σ move',
      waypoints: [
        wp(0, 38.46, 'published', 'SOL 38.46 on 11-05 (history.md §7)'),
        wp(
          9 * DAY + 2 * HOUR,
          12.07,
          'published',
          'SOL low 12.07 at 11-14 02:00 (history.md §7, Binance 30-min)',
        ),
      ],
    },
  ],
  correlations: [
    {
      a: 'ETH',
      b: 'SOL',
      rho: 0.8,
      citation:
        'assumed: a correlated crash (history.md §7 check, Gauntlet "broad market downturn" §4); no published ρ',
    },
  ],
  gas: null,
  oracle: {
    kind: 'chainlink',
    delaySeconds: 0,
    citation: 'no oracle figure in history.md §7 (assumed: a feed without lag)',
  },
  outcomes: [],
  gaps: [
    'BTC: only the low 15,588 at 11-09 23:00 is published, no start level, so BTC is left out.',
    'ETH start is derived (low ÷ (1 − 24.8%)), not a published price; FTT prices were not found.',
    'No protocol liquidation figures were retrieved for this event.',
  ],
};

// ---------------------------------------------------------------------------------------------
// 5. USDC depeg, 2023-03 (history.md §8)
// ---------------------------------------------------------------------------------------------
const USDC_SERIES = 'history.md §8 (usdc-usd-2023-03-usdc-depeg.csv, 15-min)';
const USDC_DEPEG_START = DAY + 12 * HOUR + 40 * 60; // 03-11 00:00, from the 03-09 11:20 start
const USDC_FLOOR_AT = DAY + 21 * HOUR + 10 * 60; // 03-11 08:30
const USDC_HOLD_END = 2 * DAY + 40 * 60; // 03-11 12:00
const USDC_RECOVERED_AT = 2 * DAY + 12 * HOUR + 40 * 60; // 03-12 00:00
const USDC_END = 4 * DAY + 40 * 60; // 03-13 12:00

/** Knots of a stablecoin leg from the paths.ts depeg shape (peg, linear fall, hold, recovery). */
function depegKnots(floorPrice: number, floorCitation: string, floorKind: FigureKind): Waypoint[] {
  const leg = {
    pegPrice: 1,
    floorPrice,
    depegStartSeconds: USDC_DEPEG_START,
    fallSeconds: USDC_FLOOR_AT - USDC_DEPEG_START,
    holdSeconds: USDC_HOLD_END - USDC_FLOOR_AT,
    recovery: { recoverSeconds: USDC_RECOVERED_AT - USDC_HOLD_END, recoveredPrice: 0.967 },
  };
  return [
    wp(0, depegShape(leg, 0), 'published', 'peg $1 before the SVB news'),
    wp(
      USDC_DEPEG_START,
      depegShape(leg, USDC_DEPEG_START),
      'assumed',
      'fall assumed to start 03-11 00:00: history.md gives no start time',
    ),
    wp(USDC_FLOOR_AT, depegShape(leg, USDC_FLOOR_AT), floorKind, floorCitation),
    wp(
      USDC_HOLD_END,
      depegShape(leg, USDC_HOLD_END),
      floorKind,
      `held at the floor to 03-11 12:00: closes ~0.90 from 08:30 to 12:00 (${USDC_SERIES})`,
    ),
    wp(
      USDC_RECOVERED_AT,
      depegShape(leg, USDC_RECOVERED_AT),
      'published',
      `0.967 by 03-12 00:00 (${USDC_SERIES})`,
    ),
    wp(USDC_END, 0.993, 'published', `0.993 by 03-13 12:00 (${USDC_SERIES})`),
  ];
}

const USDC_FLOOR = 0.8994;
const DAI_FLOOR = 0.88;
const SVB_BTC_LOW = 19549;
const SVB_BTC_24H_DRAWDOWN = 0.101;
/** The ETH series of the window: from the same repo and commit as the BTC series of history.md §8. */
const SVB_ETH =
  'eth-usd-2023-03-usdc-depeg.csv (Binance ETH/USDT 5-min, the ETH companion of the BTC series of history.md §8), close of the bar opening';
const SVB_ETH_LOW = 1368.39;
const SVB_ETH_LOW_AT = 23 * HOUR + 20 * 60; // 03-10 10:40

const usdcDepeg2023: Scenario = {
  id: 'usdc-depeg-2023',
  title: 'USDC depeg (SVB): USDC 0.8994 and DAI 0.88 for ~12 h, BTC −10.1%, ETH −10.8% (2023-03-09..13)',
  startUnixSeconds: 1678360800,
  startIso: '2023-03-09T11:20:00.000Z',
  durationSeconds: USDC_END,
  stepSeconds: 300,
  assets: [
    {
      symbol: 'USDC',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, USDC_FLOOR, USDC_FLOOR_AT - USDC_DEPEG_START),
      volatilityCitation: 'fall 1 → 0.8994 over the 8.5-h fall as a 4σ move',
      waypoints: depegKnots(
        USDC_FLOOR,
        `USDC 15-min low 0.8994 at 03-11 08:30 (${USDC_SERIES})`,
        'published',
      ),
      depeg: {
        pegPrice: 1,
        floorPrice: USDC_FLOOR,
        floorOffsetSeconds: USDC_FLOOR_AT,
        citation: `${USDC_SERIES}; Galaxy reports ~$0.88 and $0.8726 is also cited (history.md §8)`,
      },
    },
    {
      symbol: 'DAI',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, DAI_FLOOR, USDC_FLOOR_AT - USDC_DEPEG_START),
      volatilityCitation: 'fall 1 → 0.88 over the same 8.5 h as a 4σ move',
      waypoints: depegKnots(
        DAI_FLOOR,
        'DAI all-time low $0.88 (history.md §8, CoinDesk); its time is assumed to be USDC’s 08:30 low',
        'published',
      ),
      depeg: {
        pegPrice: 1,
        floorPrice: DAI_FLOOR,
        floorOffsetSeconds: USDC_FLOOR_AT,
        citation:
          'history.md §8: CoinDesk (DAI ATL $0.88, $563M burnt in 24 h); recovery assumed to track USDC via the PSM (§8 check 3)',
      },
    },
    {
      symbol: 'BTC',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, 1 - SVB_BTC_24H_DRAWDOWN, DAY),
      volatilityCitation: 'BTC −10.1% in 24 h (history.md §8, Binance 5-min) as a 4σ day',
      waypoints: [
        wp(
          0,
          SVB_BTC_LOW / (1 - SVB_BTC_24H_DRAWDOWN),
          'derived',
          'low 19,549 / (1 − 0.101): the level 24 h before the low (history.md §8)',
        ),
        wp(DAY, SVB_BTC_LOW, 'published', 'BTC low 19,549 at 03-10 11:20 (history.md §8, Binance 5-min)'),
      ],
    },
    {
      symbol: 'ETH',
      volatilityPerYear: fourSigmaVolatilityPerYear(1545.48, 1375.66, DAY),
      volatilityCitation:
        'biggest 24-h fall of the 5-min closes in the window, 03-09 14:15 1,545.48 → 03-10 10:40 1,375.66 (−11.0 %, eth-usd-2023-03-usdc-depeg.csv) as a 4σ day',
      waypoints: [
        wp(0, 1533.38, 'published', `${SVB_ETH} 03-09 11:20: 1,533.38`),
        wp(12 * HOUR + 40 * 60, 1436.13, 'published', `${SVB_ETH} 03-10 00:00: 1,436.13`),
        wp(
          SVB_ETH_LOW_AT,
          SVB_ETH_LOW,
          'published',
          'ETH low 1,368.39 at 03-10 10:40, the low of that 5-min bar (SOURCES.md USDC depeg table; the series beside history.md §8 BTC)',
        ),
        wp(USDC_DEPEG_START, 1428.36, 'published', `${SVB_ETH} 03-11 00:00: 1,428.36`),
        wp(USDC_RECOVERED_AT, 1470.06, 'published', `${SVB_ETH} 03-12 00:00: 1,470.06`),
        wp(3 * DAY + 12 * HOUR + 40 * 60, 1577.94, 'published', `${SVB_ETH} 03-13 00:00: 1,577.94`),
        wp(USDC_END, 1581.58, 'published', `${SVB_ETH} 03-13 12:00: 1,581.58`),
      ],
    },
  ],
  correlations: [
    {
      a: 'USDC',
      b: 'DAI',
      rho: 0.9,
      citation: 'assumed: DAI was backed by >3.1B USDC through the PSM and tracked it (history.md §8)',
    },
  ],
  gas: null,
  oracle: {
    kind: 'chainlink',
    delaySeconds: 0,
    citation:
      'history.md §8 check 1: stablecoin collateral oracle at USDC 0.88–0.90 for ~12 h (no lag assumed)',
  },
  outcomes: [
    {
      kind: 'published',
      text: '3pool depth for 4% slippage: $166M → $15M (USDC/DAI), $219M → $1.5M (USDC/USDT)',
      citation: 'history.md §8: Risk DAO post-mortem (medium.com/risk-dao)',
    },
    {
      kind: 'published',
      text: 'Circle held $3.3B at SVB of ~$40–43.5B reserves; Maker >3.1B USDC, PSM limit 950M → 250M DAI',
      citation: 'history.md §8: galaxy.com research; cryptohostnews.com',
    },
  ],
  gaps: [
    'The depeg start time is not in history.md (assumed 03-11 00:00); DAI’s low time is assumed equal to USDC’s.',
    'USDT up to $1.15 on Curve is a pool price, not modelled as an asset path.',
    'After its low BTC recovered strongly (history.md §8) without a figure: a driftless random walk held within the published range.',
    'ETH is pinned to the 03-09 11:20 start, the daily 00:00 closes, the 03-10 10:40 low (an intra-bar low; the lowest close was 1,375.66 in the same bar) and the 03-13 12:00 end of its Binance 5-min series; its path stays within 1,368.39–1,581.58, so the 1,614.01 close of 03-13 00:40 is not reached.',
    'ETH and BTC are USDT-quoted (Binance) and taken as USD, while USDT traded at a premium to USDC during the depeg (SOURCES.md; up to $1.15 on Curve, history.md §8): their USD levels around 03-11 are off by USDT’s deviation from $1, which no file here gives for Binance.',
    'No published correlation between ETH and BTC (or the stablecoins): their bridge shocks are independent (ρ = 0); only the pins make them fall and recover together.',
  ],
};

// ---------------------------------------------------------------------------------------------
// 6. 2024-08-05 (history.md §11)
// ---------------------------------------------------------------------------------------------
const AUG24 = 'history.md §11 (Binance 5-min)';
const AUG24_ETH_LOW = 2111;
const AUG24_BTC_LOW = 49000;

const aug2024: Scenario = {
  id: 'aug-2024',
  title: 'Yen carry unwind: ETH −25.6% to 2,111 and BTC −19.2% to 49,000 in 24 h (2024-08-05)',
  startUnixSeconds: 1722733800,
  startIso: '2024-08-04T01:10:00.000Z',
  durationSeconds: 40 * HOUR + 50 * 60,
  stepSeconds: 300,
  assets: [
    {
      symbol: 'ETH',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, 1 - 0.256, DAY),
      volatilityCitation: `ETH 24-h drawdown −25.6% (${AUG24}) as a 4σ day`,
      waypoints: [
        wp(
          0,
          AUG24_ETH_LOW / (1 - 0.256),
          'derived',
          `low 2,111 / (1 − 0.256): 24 h before the low (${AUG24})`,
        ),
        wp(
          23 * HOUR,
          AUG24_ETH_LOW / (1 - 0.137),
          'derived',
          `low 2,111 / (1 − 0.137): one hour before the low, −13.7% within one hour (${AUG24})`,
        ),
        wp(DAY, AUG24_ETH_LOW, 'published', `ETH low 2,111 at 08-05 01:10 (${AUG24})`),
      ],
    },
    {
      symbol: 'BTC',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, 1 - 0.192, DAY),
      volatilityCitation: `BTC 24-h drawdown −19.2% (${AUG24}) as a 4σ day`,
      waypoints: [
        wp(0, AUG24_BTC_LOW / (1 - 0.192), 'assumed', 'held at its 08-04 06:20 level from the 01:10 start'),
        wp(
          5 * HOUR + 10 * 60,
          AUG24_BTC_LOW / (1 - 0.192),
          'derived',
          `low 49,000 / (1 − 0.192): 24 h before the low (${AUG24})`,
        ),
        wp(29 * HOUR + 10 * 60, AUG24_BTC_LOW, 'published', `BTC low 49,000 at 08-05 06:20 (${AUG24})`),
      ],
    },
  ],
  correlations: [
    {
      a: 'BTC',
      b: 'ETH',
      rho: 0.85,
      citation: 'assumed: both fell together in the same 24 h (history.md §11); no published ρ',
    },
  ],
  gas: null,
  oracle: {
    kind: 'chainlink',
    delaySeconds: 0,
    citation: 'no oracle figure in history.md §11 (assumed: a feed without lag)',
  },
  outcomes: [],
  gaps: [
    'No protocol-level liquidation totals were retrieved (history.md §11): a price-path scenario only.',
    'SOL low 110.00 has no time or start level, so SOL is left out.',
    'No published close: after each low the path is a driftless random walk held above the low (soft bound).',
  ],
};

// ---------------------------------------------------------------------------------------------
// 7. 2025-10-10/11 (history.md §10)
// ---------------------------------------------------------------------------------------------
const OCT25_VENUES =
  'history.md §10 per-venue lows, Binance spot (aaronwu2017/TheGlory:exhibits/EXHIBIT C-7 Spot Trading Price Comparison Across Major Exchanges.md)';
const OCT25_CRASH_START = 50 * 60; // 20:50
const OCT25_LOW_AT = 80 * 60; // 21:20
const OCT25_PRE = {
  BTC: 121000,
  ETH: 4350,
  SOL: 220,
} as const;
const OCT25_PRE_NOTE =
  'assumed pre-crash level: history.md §10 publishes lows only; UNVERIFIED, confirm before relying on the drawdown';

function oct25Asset(symbol: 'BTC' | 'ETH' | 'SOL', low: number, lowCitation: string): ScenarioAsset {
  const pre = OCT25_PRE[symbol];
  return {
    symbol,
    volatilityPerYear: fourSigmaVolatilityPerYear(pre, low, OCT25_LOW_AT - OCT25_CRASH_START),
    volatilityCitation:
      'the fall to the Binance spot low within the 20:50–21:30 window (history.md §10) as 4σ',
    waypoints: [
      wp(0, pre, 'assumed', OCT25_PRE_NOTE),
      wp(
        OCT25_CRASH_START,
        pre,
        'published',
        'main crash window starts 20:50 (history.md §10, binance.bh, followin)',
      ),
      wp(OCT25_LOW_AT, low, 'published', lowCitation),
    ],
  };
}

const oct2025: Scenario = {
  id: 'oct-2025',
  title: 'Crash of 2025-10-10: $19.1B liquidated in 24 h, $6.93B in 40 min, USDe $0.65 on Binance',
  startUnixSeconds: 1760126400,
  startIso: '2025-10-10T20:00:00.000Z',
  durationSeconds: 4 * HOUR,
  stepSeconds: 60,
  assets: [
    oct25Asset(
      'BTC',
      102000,
      `BTC Binance spot low 102,000 (${OCT25_VENUES}); at 21:20 as the Binance mark low 101,877.69 (history.md §10)`,
    ),
    oct25Asset('ETH', 3435, `ETH Binance spot low 3,435 (${OCT25_VENUES}); time assumed 21:20 like BTC`),
    oct25Asset('SOL', 168.79, `SOL Binance spot low 168.79 (${OCT25_VENUES}); time assumed 21:20 like BTC`),
    {
      symbol: 'USDe',
      volatilityPerYear: fourSigmaVolatilityPerYear(1, 0.65, 25 * 60),
      volatilityCitation: '1 → 0.65 over the 25 min from 20:50 to the 21:15 peak minute as a 4σ move',
      waypoints: [
        wp(0, 1, 'published', 'USDe at its $1 peg before the crash'),
        wp(OCT25_CRASH_START, 1, 'published', 'main crash window starts 20:50 (history.md §10)'),
        wp(
          75 * 60,
          0.65,
          'published',
          'USDe $0.65 on Binance internal collateral pricing (history.md §10, CoinDesk); time assumed the 21:15 peak liquidation minute (Amberdata)',
        ),
        wp(4 * HOUR, 1, 'assumed', 'back to $1 by 10-11 00:00: history.md gives no recovery time'),
      ],
      depeg: {
        pegPrice: 1,
        floorPrice: 0.65,
        floorOffsetSeconds: 75 * 60,
        citation: 'history.md §10: CoinDesk; krishnannair.com (Curve stayed ≥ ~$0.90)',
      },
    },
  ],
  correlations: [
    {
      a: 'BTC',
      b: 'ETH',
      rho: 0.85,
      citation: 'assumed: market-wide long liquidation cascade (history.md §10)',
    },
    {
      a: 'BTC',
      b: 'SOL',
      rho: 0.8,
      citation: 'assumed: market-wide long liquidation cascade (history.md §10)',
    },
    {
      a: 'ETH',
      b: 'SOL',
      rho: 0.8,
      citation: 'assumed: market-wide long liquidation cascade (history.md §10)',
    },
  ],
  gas: null,
  oracle: {
    kind: 'mark',
    delaySeconds: 0,
    citation:
      'perp mark price (Binance BTCUSDT mark low 101,877.69 at 21:20, history.md §10); TheGlory C-9 disputes its formula',
  },
  outcomes: [
    {
      kind: 'published',
      text: '~$19.1B liquidated in 24 h across ~1.6M accounts; $6.93B in 40 min, peak minute 21:15 $3.21B',
      citation: 'history.md §10: CoinGlass via CoinDesk (secondary); Amberdata via cryptonewz (secondary)',
    },
    {
      kind: 'published',
      text: 'Hyperliquid 21:15–21:27: 63,637 liquidation fills $5.51B; 34,983 ADL fills $2.10B; bad debt −$23.19M',
      citation: 'history.md §10: ConejoCapital/HyperMultiAssetedADL (third-party reconstruction)',
    },
    {
      kind: 'published',
      text: 'perp open interest $217B → $123B (−43%); Hyperliquid $14B → $6B (−57%)',
      citation: 'history.md §10: CoinDesk Data',
    },
  ],
  gaps: [
    'Pre-crash prices are not in history.md: the start levels are assumed (UNVERIFIED), so drawdowns here are not published figures.',
    'ETH/SOL low times and the USDe floor time and recovery are assumed.',
  ],
};

const SCENARIOS: readonly Scenario[] = [
  blackThursday,
  may2021,
  luna2022,
  ftx2022,
  usdcDepeg2023,
  aug2024,
  oct2025,
];

/** The built-in scenarios, in chronological order. */
export function listScenarios(): readonly Scenario[] {
  return SCENARIOS;
}

/**
 * The built-in scenario with this id.
 * @throws UnknownScenarioError naming the known ids.
 */
export function getScenario(id: string): Scenario {
  const found = SCENARIOS.find((s) => s.id === id);
  if (found === undefined) {
    throw new UnknownScenarioError(
      id,
      SCENARIOS.map((s) => s.id),
    );
  }
  return found;
}

/** Options of {@link scenarioPaths}. */
export interface ScenarioPathsOptions {
  /** Seed of the generator: an integer in [0, 2^64) (see `createRng`). */
  readonly seed: number | bigint;
  /** Grid spacing, seconds (> 0, ≤ the duration); default the scenario's `stepSeconds`. */
  readonly stepSeconds?: number;
}

/** One pinned series: waypoints, σ and the index of its Brownian driver. */
interface Series {
  readonly waypoints: readonly Waypoint[];
  readonly volatilityPerYear: number;
}

/** softplus_τ(d) = τ·ln(1 + e^{d/τ}): smooth, increasing, slope in (0, 1), ≈ d for d ≫ τ, → 0 for d → −∞. */
function softplus(d: number, tau: number): number {
  return d > 0 ? d + tau * Math.log1p(Math.exp(-d / tau)) : tau * Math.log1p(Math.exp(d / tau));
}

/**
 * Maps a log price into the open interval (lo, hi) by a smooth increasing map that is the identity
 * (within 1e-4 in log) more than 5τ inside the bounds: lo + softplus(x − lo), then the mirror image
 * at hi. Increasing, so co-moving assets keep moving together at a bound (a reflection would flip
 * one asset's moves); below the published low the price sticks just above it.
 */
function bound(x: number, lo: number, hi: number): number {
  const width = hi - lo;
  if (!(width > 0)) return lo;
  const tau = Math.min(BOUND_SOFTNESS_LOG, width / 20);
  const above = lo + softplus(x - lo, tau);
  return hi - softplus(hi - above, tau);
}

/** τ of the soft bounds, in log price: 0.5 %. */
const BOUND_SOFTNESS_LOG = 0.005;

/**
 * One series on the grid: the chord through the waypoints in log price (linear between
 * consecutive waypoints, flat after the last) plus σ times the driving Brownian motion with its own
 * chord removed on each segment, which makes each segment an exact Brownian bridge between its
 * waypoints and, after the last waypoint, a driftless random walk. The log price is then mapped
 * into (ln min, ln max) of the waypoints by {@link bound}, so the published extremes stay the
 * path's extremes and a published drawdown is the path's drawdown. Waypoint times carry the
 * waypoint price itself.
 */
function pinnedSeries(
  series: Series,
  startUnixSeconds: number,
  offsets: readonly number[],
  brownian: Float64Array,
): PricePoint[] {
  const wps = series.waypoints;
  const logs = wps.map((w) => Math.log(w.price));
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const indexOf = new Map(offsets.map((t, k) => [t, k]));
  const wIndex = wps.map((w) => indexOf.get(w.offsetSeconds) as number);
  const sigma = series.volatilityPerYear;
  const out: PricePoint[] = [];
  let seg = 0; // waypoint index at or before offsets[k]
  for (let k = 0; k < offsets.length; k++) {
    const t = offsets[k] as number;
    while (seg + 1 < wps.length && (wps[seg + 1] as Waypoint).offsetSeconds <= t) seg++;
    const a = wps[seg] as Waypoint;
    const tSeconds = startUnixSeconds + t;
    if (a.offsetSeconds === t) {
      out.push({ tSeconds, price: a.price });
      continue;
    }
    const wa = brownian[wIndex[seg] as number] as number;
    const wt = brownian[k] as number;
    let x: number;
    if (seg + 1 < wps.length) {
      const b = wps[seg + 1] as Waypoint;
      const wb = brownian[wIndex[seg + 1] as number] as number;
      const f = (t - a.offsetSeconds) / (b.offsetSeconds - a.offsetSeconds);
      const chord = (logs[seg] as number) + ((logs[seg + 1] as number) - (logs[seg] as number)) * f;
      x = chord + sigma * (wt - wa - f * (wb - wa));
    } else {
      x = (logs[seg] as number) + sigma * (wt - wa);
    }
    out.push({ tSeconds, price: Math.exp(bound(x, lo, hi)) });
  }
  return out;
}

/** The correlation matrix of the scenario's assets, in their order; unlisted pairs are 0. */
function correlationMatrix(scenario: Scenario): number[][] {
  const symbols = scenario.assets.map((a) => a.symbol);
  const m = symbols.map((_, i) => symbols.map((__, j) => (i === j ? 1 : 0)));
  for (const c of scenario.correlations) {
    const i = symbols.indexOf(c.a);
    const j = symbols.indexOf(c.b);
    assert(i >= 0 && j >= 0 && i !== j, `scenario ${scenario.id} correlates unknown assets ${c.a}/${c.b}`);
    (m[i] as number[])[j] = c.rho;
    (m[j] as number[])[i] = c.rho;
  }
  return m;
}

/**
 * Every asset's price path and the gas series of a built-in scenario, deterministic for the seed.
 * The grid is every `stepSeconds` from the start to the end plus every waypoint time, so each path
 * passes exactly through its waypoints (start, published lows, close) whatever the step. Between
 * waypoints each asset is a Brownian bridge in log price with the scenario's σ; the assets' shocks
 * are correlated as the scenario lists (Cholesky factor of the matrix); gas has its own independent
 * shock. Prices are float64 USD (gas in gwei); times are unix seconds.
 * @throws UnknownScenarioError for an id that is not built in; InvalidParameterError (field `seed`)
 * for a bad seed, (field `stepSeconds`) for a step that is not positive or exceeds the duration.
 */
export function scenarioPaths(id: string, options: ScenarioPathsOptions): ScenarioPathsResult {
  const scenario = getScenario(id);
  const rng = createRng(options.seed);
  const step = options.stepSeconds ?? scenario.stepSeconds;
  if (!(step > 0) || !Number.isFinite(step) || step > scenario.durationSeconds) {
    throw new InvalidParameterError(
      'stepSeconds',
      `must be positive and at most the duration (${scenario.durationSeconds} s), got ${step}`,
    );
  }
  const offsetSet = new Set<number>([scenario.durationSeconds]);
  const steps = Math.floor(scenario.durationSeconds / step + 1e-9);
  for (let k = 0; k <= steps; k++) offsetSet.add(Math.min(k * step, scenario.durationSeconds));
  const allSeries: Series[] = [...scenario.assets];
  if (scenario.gas !== null) allSeries.push(scenario.gas);
  for (const s of allSeries) for (const w of s.waypoints) offsetSet.add(w.offsetSeconds);
  const offsets = [...offsetSet].sort((x, y) => x - y);

  // Driver i is asset i; the gas driver (last) is independent of the assets.
  const assetCorrelation = correlationMatrix(scenario);
  const n = allSeries.length;
  const full = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (__, j) =>
      i < assetCorrelation.length && j < assetCorrelation.length
        ? ((assetCorrelation[i] as number[])[j] as number)
        : i === j
          ? 1
          : 0,
    ),
  );
  const lower = cholesky(full);
  const drivers = withRng(rng, (d) => {
    const w = Array.from({ length: n }, () => new Float64Array(offsets.length));
    const z = new Float64Array(n);
    for (let k = 1; k < offsets.length; k++) {
      const sqrtH = Math.sqrt(((offsets[k] as number) - (offsets[k - 1] as number)) / SECONDS_PER_YEAR);
      for (let i = 0; i < n; i++) z[i] = d.normal();
      for (let i = 0; i < n; i++) {
        const row = lower[i] as number[];
        let shock = 0;
        for (let j = 0; j <= i; j++) shock += (row[j] as number) * (z[j] as number);
        const wi = w[i] as Float64Array;
        wi[k] = (wi[k - 1] as number) + sqrtH * shock;
      }
    }
    return w;
  }).value;

  const assets: Record<string, PricePath> = {};
  scenario.assets.forEach((a, i) => {
    assets[a.symbol] = pinnedSeries(a, scenario.startUnixSeconds, offsets, drivers[i] as Float64Array);
  });
  const gas =
    scenario.gas === null
      ? null
      : pinnedSeries(scenario.gas, scenario.startUnixSeconds, offsets, drivers[n - 1] as Float64Array);
  return {
    id,
    seed: options.seed,
    stepSeconds: step,
    timesUnixSeconds: offsets.map((t) => scenario.startUnixSeconds + t),
    assets,
    gas,
  };
}
