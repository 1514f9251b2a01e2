/**
 * Drift v2 perpetual market parameters: the typed shape the `drift-v2` model runs on, a validator
 * that names the offending field, JSON output it accepts back, and documented defaults. Drift's own
 * precisions are required (base 1e9, price 1e6, quote 1e6) because its liquidation formulas are
 * written for them (math.ts).
 * Sources: drift-labs/protocol-v2 programs/drift/src/state/state.rs (liquidation_margin_buffer_ratio,
 * initial_pct_to_liquidate, liquidation_duration), state/perp_market.rs (margin ratios,
 * liquidator_fee, if_liquidation_fee, get_max_liquidation_fee, insurance_claim), math/constants.rs.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readBigint, readBigintOr, readObject, readString } from '../../engine/fields.js';
import { parseUniqueMarkets } from '../../engine/perps/paramReaders.js';
import type { BookLevel, PerpMarketConfig, Venue } from '../../engine/perps/types.js';
import { validateVenue } from '../../engine/perps/venue.js';
import {
  DEFAULT_LIQUIDATION_MARGIN_BUFFER_RATIO,
  LIQUIDATION_FEE_PRECISION,
  LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO,
  LIQUIDATION_PCT_PRECISION,
  MARGIN_PRECISION,
} from './math.js';

/** Drift's base precision: sizes have 9 decimals (`BASE_PRECISION`). */
export const DRIFT_BASE_DECIMALS = 9;
/** Drift's price precision: oracle prices have 6 decimals (`PRICE_PRECISION`). */
export const DRIFT_PRICE_DECIMALS = 6;
/** Drift's quote precision: USDC amounts have 6 decimals (`QUOTE_PRECISION`). */
export const DRIFT_QUOTE_DECIMALS = 6;

/** One perp market. Ratios are MARGIN_PRECISION (1e4 = 100 %), fees ppm. */
export interface DriftMarketParams {
  /** Market id (`SOL-PERP`). */
  readonly market: string;
  /** Engine oracle asset whose price (6 decimals) is the market's oracle price. */
  readonly oracleAsset: string;
  /** `margin_ratio_initial`, 1e4 (1000 = 10 %, 10x). */
  readonly marginRatioInitial: bigint;
  /** `margin_ratio_maintenance`, 1e4 (500 = 5 %). */
  readonly marginRatioMaintenance: bigint;
  /** `liquidator_fee`, ppm: the base of the fee ramp. */
  readonly liquidatorFeePpm: bigint;
  /** The ramp's cap (`get_max_liquidation_fee`), ppm. */
  readonly maxLiquidatorFeePpm: bigint;
  /** `if_liquidation_fee`, ppm: the cap of the insurance-fund fee. */
  readonly ifLiquidationFeePpm: bigint;
  /** `amm.order_step_size`, base units (1e9): transfers are multiples of it. */
  readonly orderStepSize: bigint;
  /** Taker fee on trades, ppm of the filled quote, paid to the market's fee pool. */
  readonly takerFeePpm: bigint;
  /** `insurance_claim.quote_max_insurance`: the most the insurance fund pays for this market, 1e6. */
  readonly quoteMaxInsurance: bigint;
  /** Liquidity for ordinary trades (the AMM and resting makers, as one venue). */
  readonly venue: Venue;
}

/** Validated `drift-v2` parameters. */
export interface DriftParams {
  /** Engine asset of collateral and PnL (`USDC`, 6 decimals). */
  readonly quoteAsset: string;
  /**
   * The market's counterparty and settlement account (Drift's AMM and its PnL pool): every trade
   * fills against it and it is owed a bankrupt user's unpaid loss until the loss is resolved.
   */
  readonly makerAccount: string;
  /** `liquidation_margin_buffer_ratio`, 1e4 (200 = 2 %). */
  readonly liquidationMarginBufferRatio: bigint;
  /** `initial_pct_to_liquidate`, 1e4 (1000 = 10 %). */
  readonly initialPctToLiquidate: bigint;
  /** `liquidation_duration`, slots (150 ≈ 60 s at 400 ms). */
  readonly liquidationDurationSlots: bigint;
  readonly markets: readonly DriftMarketParams[];
}

/** `MAX_LIQUIDATION_MULTIPLIER` used for the default ramp cap (state/perp_market.rs). */
export const MAX_LIQUIDATION_MULTIPLIER = 3n;

/**
 * `PerpMarket::get_max_liquidation_fee`: min(liquidator_fee · MAX_LIQUIDATION_MULTIPLIER,
 * margin_ratio_maintenance · 100), ppm.
 */
export function maxLiquidationFeePpm(liquidatorFeePpm: bigint, marginRatioMaintenance: bigint): bigint {
  const a = liquidatorFeePpm * MAX_LIQUIDATION_MULTIPLIER;
  const b = marginRatioMaintenance * LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO;
  return a < b ? a : b;
}

/** A book of ten 1-SOL levels 5 bps apart (0.05 %…0.5 % from the oracle price). */
const DEFAULT_LEVELS: readonly BookLevel[] = Array.from({ length: 10 }, (_, i) => ({
  priceOffsetPpm: BigInt(500 * (i + 1)),
  sizeBase: 1_000_000_000n,
}));

/**
 * A SOL-PERP-like market with Drift's default state parameters: buffer 2 %
 * (`DEFAULT_LIQUIDATION_MARGIN_BUFFER_RATIO`), 10 % initially liquidatable growing to 100 % over
 * 150 slots (the values of Drift's `calculate_max_pct_to_liquidate` tests), initial margin 10 %
 * (10x), maintenance 5 %, liquidator fee 1 % ramping to min(3 %, 5 %) = 3 %, insurance fee cap 1 %,
 * step 0.001 SOL, taker fee 0.1 % (Drift's default fee tier), an insurance claim cap of $100M
 * (contract tier A, `INSURANCE_A_MAX`). Mainnet values are set by governance per market.
 */
export const DEFAULT_DRIFT_PARAMS: DriftParams = {
  quoteAsset: 'USDC',
  makerAccount: 'amm',
  liquidationMarginBufferRatio: DEFAULT_LIQUIDATION_MARGIN_BUFFER_RATIO,
  initialPctToLiquidate: 1_000n,
  liquidationDurationSlots: 150n,
  markets: [
    {
      market: 'SOL-PERP',
      oracleAsset: 'SOL',
      marginRatioInitial: 1_000n,
      marginRatioMaintenance: 500n,
      liquidatorFeePpm: 10_000n,
      maxLiquidatorFeePpm: maxLiquidationFeePpm(10_000n, 500n),
      ifLiquidationFeePpm: 10_000n,
      orderStepSize: 1_000_000n,
      takerFeePpm: 1_000n,
      quoteMaxInsurance: 100_000_000n * 1_000_000n,
      venue: { kind: 'book', levels: DEFAULT_LEVELS },
    },
  ],
};

function readVenue(raw: unknown, path: string): Venue {
  const r = readObject(raw, path);
  const kind = r.kind;
  let venue: Venue;
  if (kind === 'book') {
    const levels = r.levels;
    if (!Array.isArray(levels))
      throw new InvalidParameterError(`${path}.levels`, 'expected a list of levels');
    venue = {
      kind: 'book',
      levels: levels.map((l: unknown, i) => {
        const lr = readObject(l, `${path}.levels.${i}`);
        return {
          priceOffsetPpm: readBigint(lr, 'priceOffsetPpm', `${path}.levels.${i}.priceOffsetPpm`),
          sizeBase: readBigint(lr, 'sizeBase', `${path}.levels.${i}.sizeBase`),
        };
      }),
    };
  } else if (kind === 'amm') {
    venue = {
      kind: 'amm',
      baseReserve: readBigint(r, 'baseReserve', `${path}.baseReserve`),
      quoteReserve: readBigint(r, 'quoteReserve', `${path}.quoteReserve`),
    };
  } else {
    throw new InvalidParameterError(`${path}.kind`, `expected "book" or "amm", got ${JSON.stringify(kind)}`);
  }
  validateVenue(venue, path);
  return venue;
}

function parseMarket(raw: unknown, path: string): DriftMarketParams {
  const r = readObject(raw, path);
  const f = (k: string) => `${path}.${k}`;
  const marginRatioInitial = readBigint(r, 'marginRatioInitial', f('marginRatioInitial'), {
    min: 1n,
    max: MARGIN_PRECISION,
    expect: 'a ratio in (0, 1e4]',
  });
  const marginRatioMaintenance = readBigint(r, 'marginRatioMaintenance', f('marginRatioMaintenance'), {
    min: 1n,
    max: marginRatioInitial,
    expect: 'a ratio in (0, marginRatioInitial]',
  });
  const fee = { max: LIQUIDATION_FEE_PRECISION, expect: 'a fee in [0, 1e6] ppm' };
  const liquidatorFeePpm = readBigint(r, 'liquidatorFeePpm', f('liquidatorFeePpm'), fee);
  const maxLiquidatorFeePpm = readBigintOr(
    r,
    'maxLiquidatorFeePpm',
    maxLiquidationFeePpm(liquidatorFeePpm, marginRatioMaintenance),
    f('maxLiquidatorFeePpm'),
    { min: liquidatorFeePpm, max: LIQUIDATION_FEE_PRECISION, expect: 'a fee in [liquidatorFeePpm, 1e6]' },
  );
  return {
    market: readString(r, 'market', f('market')),
    oracleAsset: readString(r, 'oracleAsset', f('oracleAsset')),
    marginRatioInitial,
    marginRatioMaintenance,
    liquidatorFeePpm,
    maxLiquidatorFeePpm,
    ifLiquidationFeePpm: readBigint(r, 'ifLiquidationFeePpm', f('ifLiquidationFeePpm'), fee),
    orderStepSize: readBigint(r, 'orderStepSize', f('orderStepSize'), { min: 1n, expect: 'a step ≥ 1' }),
    takerFeePpm: readBigintOr(r, 'takerFeePpm', 0n, f('takerFeePpm'), fee),
    quoteMaxInsurance: readBigintOr(r, 'quoteMaxInsurance', 0n, f('quoteMaxInsurance')),
    venue: readVenue(r.venue, f('venue')),
  };
}

/**
 * Validates raw `drift-v2` parameters (a parsed object, or its own {@link driftParamsToJson} output
 * with bigints as decimal strings).
 * @param path dotted prefix of error fields.
 * @throws InvalidParameterError naming the field (`params.markets.0.marginRatioMaintenance`).
 */
export function parseDriftParams(raw: unknown, path = 'params'): DriftParams {
  const r = readObject(raw, path);
  const markets = parseUniqueMarkets(r.markets, `${path}.markets`, parseMarket);
  const makerAccount = readString(r, 'makerAccount', `${path}.makerAccount`);
  return {
    quoteAsset: readString(r, 'quoteAsset', `${path}.quoteAsset`),
    makerAccount,
    liquidationMarginBufferRatio: readBigintOr(
      r,
      'liquidationMarginBufferRatio',
      DEFAULT_LIQUIDATION_MARGIN_BUFFER_RATIO,
      `${path}.liquidationMarginBufferRatio`,
      { max: MARGIN_PRECISION, expect: 'a ratio in [0, 1e4]' },
    ),
    initialPctToLiquidate: readBigint(r, 'initialPctToLiquidate', `${path}.initialPctToLiquidate`, {
      max: LIQUIDATION_PCT_PRECISION,
      expect: 'a share in [0, 1e4]',
    }),
    liquidationDurationSlots: readBigint(r, 'liquidationDurationSlots', `${path}.liquidationDurationSlots`),
    markets,
  };
}

/** The parameters as JSON (bigints as decimal strings), accepted back by {@link parseDriftParams}. */
export function driftParamsToJson(params: DriftParams): unknown {
  return JSON.parse(JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/**
 * The core market config of a Drift market: Drift's precisions, one margin tier carrying the
 * initial and maintenance ratios (ppm = ratio · 100), the maker account as settlement account, the
 * taker fee, and the base liquidator fee as the core's liquidation fee (informational: the Drift
 * stages compute their own fees).
 */
export function coreMarketConfig(params: DriftParams, market: DriftMarketParams): PerpMarketConfig {
  return {
    market: market.market,
    oracleAsset: market.oracleAsset,
    baseDecimals: DRIFT_BASE_DECIMALS,
    priceDecimals: DRIFT_PRICE_DECIMALS,
    quoteDecimals: DRIFT_QUOTE_DECIMALS,
    marginTiers: [
      {
        upToNotionalQuote: null,
        initialMarginPpm: market.marginRatioInitial * LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO,
        maintenanceMarginPpm: market.marginRatioMaintenance * LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO,
      },
    ],
    makerAccount: params.makerAccount,
    venue: market.venue,
    takerFeePpm: market.takerFeePpm,
    liquidationFeePpm: market.liquidatorFeePpm,
  };
}
