/**
 * Hyperliquid's documented liquidation arithmetic: maintenance margin from max leverage, the
 * liquidation price formula, the book-then-backstop triggers (equity < MM, equity < ⅔ MM), the
 * 20 % partial chunk for positions above $100k, and the ADL sort key. Exact rational versions
 * (what the docs state over the reals, used by the conformance vectors) sit beside integer
 * versions at engine scale (quote smallest units) with a named rounding each.
 * Sources: https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations,
 * …/trading/margining, …/trading/auto-deleveraging; ../shared/reference/mechanisms.md §7.3.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { cmpR, divR, mulR, type Rational, rational, subR } from './rational.js';

/** Parts per million: rates in the integer model are ppm (1e6 = 100 %). */
export const PPM = 1_000_000n;
/** The notional above which only a 20 % chunk goes to the book first (docs: $100k). */
export const PARTIAL_LIQUIDATION_THRESHOLD_USD = 100_000n;
/** The share of a large position sent to the book first: 20 % (ppm). */
export const PARTIAL_LIQUIDATION_CHUNK_PPM = 200_000n;
/** Cooldown after a partial liquidation during which liquidation orders are for the full size. */
export const PARTIAL_LIQUIDATION_COOLDOWN_SECONDS = 30;

/**
 * Maintenance margin rate from max leverage (docs "Liquidations": the maintenance margin is half
 * of the initial margin at max leverage): `1 / (2 · maxLeverage)`.
 * @throws InvalidParameterError when maxLeverage is not positive.
 */
export function maintenanceMarginRate(maxLeverage: Rational): Rational {
  if (maxLeverage.num <= 0n) throw new InvalidParameterError('maxLeverage', 'must be positive');
  return divR(rational(1n), mulR(rational(2n), maxLeverage));
}

/**
 * The same rate in ppm for the integer model: `ceil(1e6 / (2 · maxLeverage))` (ceil: a larger
 * requirement favours the protocol; exact for the listed 3x…50x except 3x → 166,667).
 * @throws InvalidParameterError when maxLeverage < 1.
 */
export function maintenanceMarginRatePpm(maxLeverage: bigint): bigint {
  if (maxLeverage < 1n) throw new InvalidParameterError('maxLeverage', 'must be at least 1');
  return divRound(PPM, 2n * maxLeverage, Rounding.Up);
}

/** Inputs of {@link liquidationPrice}. */
export interface LiquidationPriceInput {
  /** The price the formula starts from (the docs' `price`: the mark or entry price). */
  readonly price: Rational;
  /** +1 long, −1 short. */
  readonly side: 1n | -1n;
  /** |position size| in base units. */
  readonly positionSize: Rational;
  /** Isolated margin (isolated) or account value (cross) less the maintenance margin required. */
  readonly marginAvailable: Rational;
  /** `l = 1 / MAINTENANCE_LEVERAGE`, the maintenance margin rate. */
  readonly maintenanceRate: Rational;
}

/**
 * Docs "Computing liquidation price":
 * `liq_price = price − side · margin_available / position_size / (1 − l · side)`. At that price
 * the equity equals the maintenance margin.
 * @throws InvalidParameterError when the size is 0 or `l · side = 1`.
 */
export function liquidationPrice(input: LiquidationPriceInput): Rational {
  if (input.positionSize.num === 0n) throw new InvalidParameterError('positionSize', 'must not be 0');
  const side = rational(input.side);
  const denominator = subR(rational(1n), mulR(input.maintenanceRate, side));
  if (denominator.num === 0n) {
    throw new InvalidParameterError('maintenanceRate', 'l · side = 1 leaves no liquidation price');
  }
  return subR(input.price, divR(divR(mulR(side, input.marginAvailable), input.positionSize), denominator));
}

/**
 * Margin available of an isolated position: `isolated_margin − |size| · price · l` (the isolated
 * margin less the maintenance margin required at `price`).
 */
export function isolatedMarginAvailable(input: {
  readonly isolatedMargin: Rational;
  readonly positionSize: Rational;
  readonly price: Rational;
  readonly maintenanceRate: Rational;
}): Rational {
  const size = input.positionSize.num < 0n ? mulR(input.positionSize, rational(-1n)) : input.positionSize;
  return subR(input.isolatedMargin, mulR(mulR(size, input.price), input.maintenanceRate));
}

/** The two liquidation triggers of an account (or isolated position). */
export interface LiquidationTriggers {
  /** equity < maintenance margin: market orders are sent to the book. */
  readonly orderbookLiquidation: boolean;
  /** equity < ⅔ maintenance margin: the liquidator vault takes over if the book could not. */
  readonly backstopLiquidation: boolean;
}

/** Docs "Liquidations": `equity < MM` and `equity < ⅔ · MM`, both strict, exact (3·equity < 2·MM). */
export function liquidationTriggers(equity: Rational, maintenanceMargin: Rational): LiquidationTriggers {
  return {
    orderbookLiquidation: cmpR(equity, maintenanceMargin) < 0,
    backstopLiquidation: cmpR(mulR(rational(3n), equity), mulR(rational(2n), maintenanceMargin)) < 0,
  };
}

/** Integer form of {@link liquidationTriggers} (quote smallest units): `3·equity < 2·MM`, exact. */
export function liquidationTriggersQuote(equityQuote: bigint, maintenanceQuote: bigint): LiquidationTriggers {
  return {
    orderbookLiquidation: equityQuote < maintenanceQuote,
    backstopLiquidation: 3n * equityQuote < 2n * maintenanceQuote,
  };
}

/** Inputs of {@link liquidationOrderSizeBase}. */
export interface ChunkInput {
  /** |position size|, base smallest units. */
  readonly sizeBase: bigint;
  /** The position's notional at the mark, quote smallest units. */
  readonly notionalQuote: bigint;
  /** The $100k threshold in quote smallest units. */
  readonly thresholdQuote: bigint;
  /** True within 30 s after a block where this user was partially liquidated. */
  readonly inCooldown: boolean;
}

/**
 * The size of the market liquidation order (docs "Partial liquidations"): positions above $100k
 * send only 20 % to the book; during the 30 s cooldown after a partial liquidation the orders are
 * for the whole position. The 20 % is rounded up to a whole base unit (ceil: never a zero order,
 * and the protocol sheds risk slightly faster).
 * @returns base smallest units, 0 < result ≤ sizeBase when sizeBase > 0.
 */
export function liquidationOrderSizeBase(input: ChunkInput): bigint {
  if (input.sizeBase <= 0n) return 0n;
  if (input.inCooldown || input.notionalQuote <= input.thresholdQuote) return input.sizeBase;
  return divRound(input.sizeBase * PARTIAL_LIQUIDATION_CHUNK_PPM, PPM, Rounding.Up);
}

/**
 * The ADL sort key of a position on the side opposite a bankrupt one (docs "Auto-deleveraging":
 * ranked by unrealized PnL and leverage; the published index is
 * `(mark_price / entry_price) · (notional_position / account_value)`), for a long; a short's
 * profit grows as the price falls, so its key uses `entry / mark`. Larger keys are closed first.
 * @param markPrice and @param entryPrice positive; @param notional ≥ 0; @param accountValue > 0.
 * @returns the exact key; accounts with accountValue ≤ 0 are not candidates (null).
 */
export function adlSortKey(input: {
  readonly side: 1n | -1n;
  readonly markPrice: Rational;
  readonly entryPrice: Rational;
  readonly notional: Rational;
  readonly accountValue: Rational;
}): Rational | null {
  if (input.accountValue.num <= 0n || input.entryPrice.num <= 0n || input.markPrice.num <= 0n) return null;
  const priceRatio =
    input.side === 1n ? divR(input.markPrice, input.entryPrice) : divR(input.entryPrice, input.markPrice);
  return mulR(priceRatio, divR(input.notional, input.accountValue));
}
