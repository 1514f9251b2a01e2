/**
 * GMX v2 market parameters: the typed shape the model runs on (the DataStore keys of
 * gmx-synthetics, one set per market plus the global ones), a validator that names the dotted
 * field it refuses, and documented defaults taken from gmx-synthetics config/markets.ts and
 * config/general.ts. Factors and USD amounts are 1e30-scaled (FLOAT_PRECISION).
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readBigint, readObject, readString } from '../../engine/fields.js';
import { rejectUnknownSettings } from '../../engine/perps/paramReaders.js';
import { FLOAT_PRECISION } from './math.js';

/** A value per side of a market (GMX keys taking `isLong`). */
export interface SideValues {
  readonly long: bigint;
  readonly short: bigint;
}

/** One GMX market (`Market.Props` + its per-market DataStore settings). */
export interface GmxMarketParams {
  /** Market id (no `:`), e.g. `BTC-USD`. */
  readonly market: string;
  /** Engine asset priced by the oracle whose price the positions track (GMX `indexToken`). */
  readonly indexToken: string;
  /** Pool token paying long PnL (GMX `longToken`). */
  readonly longToken: string;
  /** Pool token paying short PnL (GMX `shortToken`); may equal the long token (single-token market). */
  readonly shortToken: string;
  /** POSITION_FEE_FACTOR for orders that improve / worsen the open-interest balance. */
  readonly positionFeeFactorForPositiveImpact: bigint;
  readonly positionFeeFactorForNegativeImpact: bigint;
  /** POSITION_IMPACT_FACTOR (positive / negative) and POSITION_IMPACT_EXPONENT_FACTOR. */
  readonly positivePositionImpactFactor: bigint;
  readonly negativePositionImpactFactor: bigint;
  readonly positionImpactExponentFactor: bigint;
  /** MAX_POSITION_IMPACT_FACTOR (positive / negative) per order. */
  readonly positiveMaxPositionImpactFactor: bigint;
  readonly negativeMaxPositionImpactFactor: bigint;
  /** MAX_POSITION_IMPACT_FACTOR_FOR_LIQUIDATIONS: cap of the impact the liquidation check counts. */
  readonly maxPositionImpactFactorForLiquidations: bigint;
  /** MIN_COLLATERAL_FACTOR: collateral/size floor of orders (max leverage). */
  readonly minCollateralFactor: bigint;
  /** MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION: the floor below which a position is liquidated. */
  readonly minCollateralFactorForLiquidation: bigint;
  /** LIQUIDATION_FEE_FACTOR: fee on the liquidated size. */
  readonly liquidationFeeFactor: bigint;
  /** BORROWING_FACTOR and BORROWING_EXPONENT_FACTOR per side. */
  readonly borrowingFactor: SideValues;
  readonly borrowingExponentFactor: SideValues;
  /** RESERVE_FACTOR: reserved USD may not exceed this share of the side's pool. */
  readonly reserveFactor: SideValues;
  /** MAX_OPEN_INTEREST per side, USD·1e30. */
  readonly maxOpenInterest: SideValues;
  /** MAX_PNL_FACTOR for traders (profit cap), ADL trigger, deposits and withdrawals. */
  readonly maxPnlFactorForTraders: SideValues;
  readonly maxPnlFactorForAdl: SideValues;
  readonly maxPnlFactorForDeposits: SideValues;
  readonly maxPnlFactorForWithdrawals: SideValues;
  /** MIN_PNL_FACTOR_AFTER_ADL: ADL may not push the factor below this. */
  readonly minPnlFactorAfterAdl: SideValues;
}

/** Validated GMX parameters. */
export interface GmxParams {
  /** MIN_COLLATERAL_USD, USD·1e30. */
  readonly minCollateralUsd: bigint;
  /** MIN_POSITION_SIZE_USD, USD·1e30. */
  readonly minPositionSizeUsd: bigint;
  /** POSITION_FEE_RECEIVER_FACTOR: share of position fees for the fee receiver. */
  readonly positionFeeReceiverFactor: bigint;
  /** BORROWING_FEE_RECEIVER_FACTOR. */
  readonly borrowingFeeReceiverFactor: bigint;
  /** LIQUIDATION_FEE_RECEIVER_FACTOR. */
  readonly liquidationFeeReceiverFactor: bigint;
  /** Actors holding the LIQUIDATION_KEEPER role. */
  readonly liquidationKeepers: readonly string[];
  /** Actors holding the ADL_KEEPER role. */
  readonly adlKeepers: readonly string[];
  readonly markets: readonly GmxMarketParams[];
}

/** `percent` (a decimal string such as "0.05") as a 1e30 factor: `percentageToFloat` of GMX config. */
function percent(text: string): bigint {
  const [whole = '0', frac = ''] = text.split('.');
  const digits = BigInt(whole + frac);
  return (digits * FLOAT_PRECISION) / (100n * 10n ** BigInt(frac.length));
}

/** `decimalToFloat(value, decimals)` of GMX config: value·10^-decimals as a 1e30 factor. */
const decimalToFloat = (value: bigint, decimals = 0n): bigint => (value * FLOAT_PRECISION) / 10n ** decimals;

const both = (value: bigint): SideValues => ({ long: value, short: value });

/**
 * BTC/USD [WBTC-USDC] on Arbitrum, gmx-synthetics config/markets.ts (`baseMarketConfig` plus the
 * market's own overrides): position fee 0.05 % / 0.07 %, impact factors 6e-11 / 1.2e-10 with
 * exponent 2, impact caps 0.5 % per order and 0 for liquidations, min collateral factor 0.5 %
 * (200x), reserve factor 135 %, max open interest $90M per side, max PnL factors 90 % (traders,
 * deposits, withdrawals), ADL at 100 % down to 90 %, borrowing 6.25e-9 per second at full
 * utilisation with exponent 1 (`baseMarketConfig`; the market itself uses 7.88e-12 with exponent
 * 1.4, a fractional exponent this model does not evaluate). The liquidation fee factor 0.2 % and
 * its 37 % receiver share are the values of the gmx-v2 conformance vectors (mechanisms.md §7.4);
 * the liquidation floor equals the order floor (0.5 %).
 */
export const DEFAULT_GMX_MARKET: GmxMarketParams = {
  market: 'BTC-USD',
  indexToken: 'BTC',
  longToken: 'WBTC',
  shortToken: 'USDC',
  positionFeeFactorForPositiveImpact: percent('0.05'),
  positionFeeFactorForNegativeImpact: percent('0.07'),
  positivePositionImpactFactor: decimalToFloat(6n, 11n),
  negativePositionImpactFactor: decimalToFloat(12n, 11n),
  positionImpactExponentFactor: decimalToFloat(2n),
  positiveMaxPositionImpactFactor: percent('0.5'),
  negativeMaxPositionImpactFactor: percent('0.5'),
  maxPositionImpactFactorForLiquidations: 0n,
  minCollateralFactor: decimalToFloat(5n, 3n),
  minCollateralFactorForLiquidation: decimalToFloat(5n, 3n),
  liquidationFeeFactor: percent('0.2'),
  borrowingFactor: both(decimalToFloat(625n, 11n)),
  borrowingExponentFactor: both(decimalToFloat(1n)),
  reserveFactor: both(percent('135')),
  maxOpenInterest: both(decimalToFloat(90_000_000n)),
  maxPnlFactorForTraders: both(percent('90')),
  maxPnlFactorForAdl: both(percent('100')),
  maxPnlFactorForDeposits: both(percent('90')),
  maxPnlFactorForWithdrawals: both(percent('90')),
  minPnlFactorAfterAdl: both(percent('90')),
};

/**
 * Defaults: the BTC/USD market above; MIN_COLLATERAL_USD $1 (`baseMarketConfig.minCollateralUsd`),
 * MIN_POSITION_SIZE_USD $1, fee receiver factors 37 % (config/general.ts); one liquidation keeper
 * `liquidation-keeper` and one ADL keeper `adl-keeper`.
 */
export const DEFAULT_GMX_PARAMS: GmxParams = {
  minCollateralUsd: decimalToFloat(1n),
  minPositionSizeUsd: decimalToFloat(1n),
  positionFeeReceiverFactor: percent('37'),
  borrowingFeeReceiverFactor: percent('37'),
  liquidationFeeReceiverFactor: percent('37'),
  liquidationKeepers: ['liquidation-keeper'],
  adlKeepers: ['adl-keeper'],
  markets: [DEFAULT_GMX_MARKET],
};

const PARAM_KEYS: readonly string[] = [
  'minCollateralUsd',
  'minPositionSizeUsd',
  'positionFeeReceiverFactor',
  'borrowingFeeReceiverFactor',
  'liquidationFeeReceiverFactor',
  'liquidationKeepers',
  'adlKeepers',
  'markets',
];

const MARKET_SCALAR_KEYS = [
  'positionFeeFactorForPositiveImpact',
  'positionFeeFactorForNegativeImpact',
  'positivePositionImpactFactor',
  'negativePositionImpactFactor',
  'positionImpactExponentFactor',
  'positiveMaxPositionImpactFactor',
  'negativeMaxPositionImpactFactor',
  'maxPositionImpactFactorForLiquidations',
  'minCollateralFactor',
  'minCollateralFactorForLiquidation',
  'liquidationFeeFactor',
] as const;

const MARKET_SIDE_KEYS = [
  'borrowingFactor',
  'borrowingExponentFactor',
  'reserveFactor',
  'maxOpenInterest',
  'maxPnlFactorForTraders',
  'maxPnlFactorForAdl',
  'maxPnlFactorForDeposits',
  'maxPnlFactorForWithdrawals',
  'minPnlFactorAfterAdl',
] as const;

const MARKET_KEYS: readonly string[] = [
  'market',
  'indexToken',
  'longToken',
  'shortToken',
  ...MARKET_SCALAR_KEYS,
  ...MARKET_SIDE_KEYS,
];

/** Keys whose value is a share in [0, 1e30]. */
const SHARE_KEYS: ReadonlySet<string> = new Set([
  'positionFeeFactorForPositiveImpact',
  'positionFeeFactorForNegativeImpact',
  'positiveMaxPositionImpactFactor',
  'negativeMaxPositionImpactFactor',
  'maxPositionImpactFactorForLiquidations',
  'minCollateralFactor',
  'minCollateralFactorForLiquidation',
  'liquidationFeeFactor',
]);

function readId(r: Readonly<Record<string, unknown>>, key: string, path: string): string {
  const id = readString(r, key, path);
  if (id.includes(':'))
    throw new InvalidParameterError(path, `must not contain ":" (it separates ids), got ${id}`);
  return id;
}

function readExponent(r: Readonly<Record<string, unknown>>, key: string, path: string): bigint {
  const value = readBigint(r, key, path, { min: FLOAT_PRECISION, expect: 'an exponent ≥ 1e30 (1)' });
  if (value % FLOAT_PRECISION !== 0n)
    throw new InvalidParameterError(
      path,
      `must be a whole number times 1e30, got ${value}`,
      'Fractional exponents are not modelled.',
    );
  return value;
}

function readSide(
  r: Readonly<Record<string, unknown>>,
  key: (typeof MARKET_SIDE_KEYS)[number],
  path: string,
): SideValues {
  const raw = r[key];
  const read = (obj: Readonly<Record<string, unknown>>, k: string, p: string): bigint =>
    key === 'borrowingExponentFactor' ? readExponent(obj, k, p) : readBigint(obj, k, p);
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = readObject(raw, path);
    rejectUnknownSettings(o, ['long', 'short'], path);
    return { long: read(o, 'long', `${path}.long`), short: read(o, 'short', `${path}.short`) };
  }
  const value = read(r, key, path);
  return { long: value, short: value };
}

function parseMarket(raw: unknown, path: string): GmxMarketParams {
  const r = readObject(raw, path);
  rejectUnknownSettings(r, MARKET_KEYS, path);
  const scalar = (key: (typeof MARKET_SCALAR_KEYS)[number]): bigint => {
    const p = `${path}.${key}`;
    if (key === 'positionImpactExponentFactor') return readExponent(r, key, p);
    return SHARE_KEYS.has(key)
      ? readBigint(r, key, p, { max: FLOAT_PRECISION, expect: 'a factor in [0, 1e30] (1e30 = 100 %)' })
      : readBigint(r, key, p);
  };
  const side = (key: (typeof MARKET_SIDE_KEYS)[number]): SideValues => readSide(r, key, `${path}.${key}`);
  const market: GmxMarketParams = {
    market: readId(r, 'market', `${path}.market`),
    indexToken: readString(r, 'indexToken', `${path}.indexToken`),
    longToken: readString(r, 'longToken', `${path}.longToken`),
    shortToken: readString(r, 'shortToken', `${path}.shortToken`),
    positionFeeFactorForPositiveImpact: scalar('positionFeeFactorForPositiveImpact'),
    positionFeeFactorForNegativeImpact: scalar('positionFeeFactorForNegativeImpact'),
    positivePositionImpactFactor: scalar('positivePositionImpactFactor'),
    negativePositionImpactFactor: scalar('negativePositionImpactFactor'),
    positionImpactExponentFactor: scalar('positionImpactExponentFactor'),
    positiveMaxPositionImpactFactor: scalar('positiveMaxPositionImpactFactor'),
    negativeMaxPositionImpactFactor: scalar('negativeMaxPositionImpactFactor'),
    maxPositionImpactFactorForLiquidations: scalar('maxPositionImpactFactorForLiquidations'),
    minCollateralFactor: scalar('minCollateralFactor'),
    minCollateralFactorForLiquidation: scalar('minCollateralFactorForLiquidation'),
    liquidationFeeFactor: scalar('liquidationFeeFactor'),
    borrowingFactor: side('borrowingFactor'),
    borrowingExponentFactor: side('borrowingExponentFactor'),
    reserveFactor: side('reserveFactor'),
    maxOpenInterest: side('maxOpenInterest'),
    maxPnlFactorForTraders: side('maxPnlFactorForTraders'),
    maxPnlFactorForAdl: side('maxPnlFactorForAdl'),
    maxPnlFactorForDeposits: side('maxPnlFactorForDeposits'),
    maxPnlFactorForWithdrawals: side('maxPnlFactorForWithdrawals'),
    minPnlFactorAfterAdl: side('minPnlFactorAfterAdl'),
  };
  for (const s of ['long', 'short'] as const) {
    if (market.minPnlFactorAfterAdl[s] > market.maxPnlFactorForAdl[s])
      throw new InvalidParameterError(
        `${path}.minPnlFactorAfterAdl.${s}`,
        'must not exceed maxPnlFactorForAdl (ADL could never succeed)',
      );
  }
  return market;
}

function readActors(r: Readonly<Record<string, unknown>>, key: string, path: string): string[] {
  const raw = r[key];
  if (!Array.isArray(raw)) throw new InvalidParameterError(path, 'expected a list of actor names');
  return raw.map((actor: unknown, i) => {
    if (typeof actor !== 'string' || actor.length === 0)
      throw new InvalidParameterError(`${path}.${i}`, 'expected a non-empty actor name');
    return actor;
  });
}

/**
 * Checks raw GMX parameters (a config file section or the `params` of a `configure` command) and
 * returns a fresh typed copy. Integers may be bigints, safe-integer numbers or decimal strings;
 * per-side settings are `{ long, short }` or one integer for both. `markets` is an array of
 * entries with a `market` field (the parsed form, so parsing is idempotent) or an object keyed by
 * market id.
 * @throws InvalidParameterError naming the dotted field (`params.markets.BTC-USD.liquidationFeeFactor`):
 *   unknown keys, a share above 1e30, a fractional exponent, an id containing `:`, a market listed
 *   twice, minPnlFactorAfterAdl above maxPnlFactorForAdl, no keeper list.
 */
export function parseGmxParams(raw: unknown, path = 'params'): GmxParams {
  const r = readObject(raw, path);
  rejectUnknownSettings(r, PARAM_KEYS, path);
  const share = (key: string): bigint =>
    readBigint(r, key, `${path}.${key}`, {
      max: FLOAT_PRECISION,
      expect: 'a factor in [0, 1e30] (1e30 = 100 %)',
    });
  const rawMarkets = r.markets;
  const entries: [unknown, string][] = [];
  if (Array.isArray(rawMarkets)) {
    for (const [i, entry] of rawMarkets.entries()) entries.push([entry, `${path}.markets.${i}`]);
  } else {
    for (const [id, entry] of Object.entries(readObject(rawMarkets, `${path}.markets`))) {
      const e = readObject(entry, `${path}.markets.${id}`);
      entries.push([{ market: id, ...e }, `${path}.markets.${id}`]);
    }
  }
  if (entries.length === 0)
    throw new InvalidParameterError(`${path}.markets`, 'must list at least one market');
  const markets: GmxMarketParams[] = [];
  for (const [entry, p] of entries) {
    const m = parseMarket(entry, p);
    if (markets.some((x) => x.market === m.market))
      throw new InvalidParameterError(`${p}.market`, `${m.market} is listed twice`);
    markets.push(m);
  }
  return {
    minCollateralUsd: readBigint(r, 'minCollateralUsd', `${path}.minCollateralUsd`),
    minPositionSizeUsd: readBigint(r, 'minPositionSizeUsd', `${path}.minPositionSizeUsd`),
    positionFeeReceiverFactor: share('positionFeeReceiverFactor'),
    borrowingFeeReceiverFactor: share('borrowingFeeReceiverFactor'),
    liquidationFeeReceiverFactor: share('liquidationFeeReceiverFactor'),
    liquidationKeepers: readActors(r, 'liquidationKeepers', `${path}.liquidationKeepers`),
    adlKeepers: readActors(r, 'adlKeepers', `${path}.adlKeepers`),
    markets,
  };
}

/** The parameters as JSON (bigints as decimal strings), accepted back by {@link parseGmxParams}. */
export function gmxParamsToJson(params: GmxParams): unknown {
  const convert = (value: unknown): unknown => {
    if (typeof value === 'bigint') return value.toString();
    if (Array.isArray(value)) return value.map(convert);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
    return value;
  };
  return convert(params);
}
