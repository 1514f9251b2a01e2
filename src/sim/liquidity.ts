/**
 * Liquidity venues for the stress lab, in float64: a constant-product pool and a depth-curve order
 * book, both re-centred on the current market price, whose depth thins under stress; an endogenous
 * price-impact state that liquidation selling pushes and that decays back to the exogenous path with
 * a half-life; and a measure of how deep a liquidation cascade went. Pure: no clock, no randomness.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { SECONDS_PER_YEAR } from './paths.js';

// ---------------------------------------------------------------------------------------------
// Venues

/**
 * A constant-product pool (x·y = k, Uniswap v2 style) around the market price. It is described by
 * its liquidity L = √k = √(x·y), in √(base units · quote units), so that it can be re-centred on any
 * price p: it then holds x = L/√p base and y = L·√p quote (arbitrage keeps the pool at the market).
 */
export interface ConstantProductVenue {
  readonly kind: 'constantProduct';
  /** L = √(x·y), √(base units · quote units) (> 0). */
  readonly liquidity: number;
  /** Fee on the quote side of every trade, basis points in [0, 10 000). */
  readonly feeBps: number;
}

/**
 * An order book given by its depth curve: the quote value (at the market price p) of the base it
 * absorbs between p and p·(1 − u) on the bid side, and offers between p and p·(1 + u) on the ask
 * side, is D(u) = D_ref · (u / u_ref)^a for 0 ≤ u ≤ `maxMoveFraction`; there is no liquidity
 * beyond. The same curve serves both sides.
 */
export interface DepthCurveVenue {
  readonly kind: 'depthCurve';
  /** D_ref, quote units (> 0): the depth within ±`referenceMoveFraction` of the price. */
  readonly depthQuoteAtReference: number;
  /** u_ref, a fraction of the price (0.02 = ±2 %), in (0, 1). */
  readonly referenceMoveFraction: number;
  /** a, the shape exponent (> 0): 1 spreads depth evenly over price, < 1 concentrates it near p. */
  readonly exponent: number;
  /** Extent of the book on each side, a fraction of the price in (0, 1). */
  readonly maxMoveFraction: number;
  /** Fee on the quote side of every trade, basis points in [0, 10 000). */
  readonly feeBps: number;
}

/** A liquidity venue. */
export type Venue = ConstantProductVenue | DepthCurveVenue;

/** Which way a trade goes: selling base for quote, or buying base with quote. */
export type TradeSide = 'sell' | 'buy';

/** The size and price of a trade against a venue. */
export interface TradeRequest {
  /** Base amount to sell or buy, base units (≥ 0, at most {@link maxFillBase}). */
  readonly baseAmount: number;
  /** The venue's current mid price, quote per base (> 0): the exogenous price times the impact. */
  readonly marketPrice: number;
}

/** The result of a trade. */
export interface Fill {
  readonly side: TradeSide;
  /** Base sold or bought, base units. */
  readonly baseAmount: number;
  /** Quote received (sell, after the fee) or paid (buy, including the fee), quote units. */
  readonly quoteAmount: number;
  /** Fee charged, quote units: `feeBps` of the quote traded along the curve. */
  readonly feeQuote: number;
  /**
   * `quoteAmount / baseAmount`, quote per base; for a zero trade the limit, the marginal price net
   * of the fee: p·(1 − f) for a sell, p·(1 + f) for a buy.
   */
  readonly averagePrice: number;
  /** Mid price before the trade (the request's `marketPrice`), quote per base. */
  readonly priceBefore: number;
  /** Mid price after the trade, quote per base. */
  readonly priceAfter: number;
  /**
   * The venue after the trade. Both kinds are re-centred on the market price, so their parameters
   * do not change: the trade's price move lives in `priceAfter` and, for the simulator, in the
   * {@link ImpactState} it is applied to with {@link applyFill}.
   */
  readonly venue: Venue;
}

const BPS = 10_000;

function requireFinite(field: string, value: number): void {
  if (!Number.isFinite(value))
    throw new InvalidParameterError(field, `must be a finite number, got ${value}`);
}

function requirePositive(field: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InvalidParameterError(field, `must be a positive finite number, got ${value}`);
  }
}

function requireNonNegative(field: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new InvalidParameterError(field, `must be a non-negative finite number, got ${value}`);
  }
}

function requireOpenUnit(field: string, value: number): void {
  if (!(value > 0 && value < 1)) {
    throw new InvalidParameterError(field, `must be a fraction strictly between 0 and 1, got ${value}`);
  }
}

function requireFeeBps(value: number): void {
  if (!(value >= 0 && value < BPS)) {
    throw new InvalidParameterError('feeBps', `must be in [0, 10000) basis points, got ${value}`);
  }
}

/**
 * Checks every parameter of a venue and returns it unchanged.
 * @throws InvalidParameterError naming the field: `kind` unknown, `liquidity`,
 * `depthQuoteAtReference` or `exponent` not positive and finite, `referenceMoveFraction` or
 * `maxMoveFraction` outside (0, 1), `feeBps` outside [0, 10 000).
 */
export function validateVenue(venue: Venue): Venue {
  switch (venue.kind) {
    case 'constantProduct':
      requirePositive('liquidity', venue.liquidity);
      break;
    case 'depthCurve':
      requirePositive('depthQuoteAtReference', venue.depthQuoteAtReference);
      requireOpenUnit('referenceMoveFraction', venue.referenceMoveFraction);
      requirePositive('exponent', venue.exponent);
      requireOpenUnit('maxMoveFraction', venue.maxMoveFraction);
      break;
    default: {
      const kind: unknown = (venue as { readonly kind?: unknown }).kind;
      throw new InvalidParameterError(
        'kind',
        `unknown venue kind ${String(kind)}`,
        'Use "constantProduct" or "depthCurve".',
      );
    }
  }
  requireFeeBps(venue.feeBps);
  return venue;
}

/**
 * A constant-product venue from its reserves at some moment: L = √(baseReserve · quoteReserve).
 * The reserves' ratio (their price) is not kept: the venue is re-centred on each trade's price.
 * @param reserves.baseReserve base units (> 0); `quoteReserve` quote units (> 0); `feeBps` basis points.
 * @throws InvalidParameterError naming the field for a non-positive reserve or a fee outside [0, 10 000).
 */
export function constantProductFromReserves(reserves: {
  readonly baseReserve: number;
  readonly quoteReserve: number;
  readonly feeBps: number;
}): ConstantProductVenue {
  requirePositive('baseReserve', reserves.baseReserve);
  requirePositive('quoteReserve', reserves.quoteReserve);
  requireFeeBps(reserves.feeBps);
  const venue: ConstantProductVenue = {
    kind: 'constantProduct',
    liquidity: Math.sqrt(reserves.baseReserve) * Math.sqrt(reserves.quoteReserve),
    feeBps: reserves.feeBps,
  };
  validateVenue(venue);
  return venue;
}

/**
 * The reserves of a constant-product venue re-centred on `marketPrice` (quote per base, > 0):
 * base L/√p (base units) and quote L·√p (quote units).
 * @throws InvalidParameterError naming the field for a bad venue or price.
 */
export function reservesAt(
  venue: ConstantProductVenue,
  marketPrice: number,
): { readonly baseReserve: number; readonly quoteReserve: number } {
  validateVenue(venue);
  requirePositive('marketPrice', marketPrice);
  const sqrtPrice = Math.sqrt(marketPrice);
  return { baseReserve: venue.liquidity / sqrtPrice, quoteReserve: venue.liquidity * sqrtPrice };
}

/**
 * The most base a venue can fill on `side` at `marketPrice` (quote per base, > 0), base units.
 * Constant product: a sell is unbounded (`Infinity`); a buy must stay strictly below the base
 * reserve L/√p (the supremum returned here). Depth curve: D(maxMove)/p on either side, inclusive.
 * @throws InvalidParameterError naming the field for a bad venue or price.
 */
export function maxFillBase(venue: Venue, side: TradeSide, marketPrice: number): number {
  validateVenue(venue);
  requirePositive('marketPrice', marketPrice);
  if (venue.kind === 'constantProduct') {
    return side === 'sell' ? Number.POSITIVE_INFINITY : venue.liquidity / Math.sqrt(marketPrice);
  }
  return depthAt(venue, venue.maxMoveFraction) / marketPrice;
}

/** D(u) = D_ref·(u/u_ref)^a, quote units. */
function depthAt(venue: DepthCurveVenue, moveFraction: number): number {
  return venue.depthQuoteAtReference * (moveFraction / venue.referenceMoveFraction) ** venue.exponent;
}

/** u⋆ with D(u⋆) = p·Δ: the price move, as a fraction, that a trade of Δ base walks the book. */
function moveFor(venue: DepthCurveVenue, quoteAtMarket: number): number {
  return venue.referenceMoveFraction * (quoteAtMarket / venue.depthQuoteAtReference) ** (1 / venue.exponent);
}

function trade(venue: Venue, side: TradeSide, request: TradeRequest): Fill {
  validateVenue(venue);
  const { baseAmount, marketPrice: p } = request;
  requireNonNegative('baseAmount', baseAmount);
  requirePositive('marketPrice', p);
  const fee = venue.feeBps / BPS;
  const sign = side === 'sell' ? -1 : 1;
  const capacity = maxFillBase(venue, side, p);
  const fits = venue.kind === 'constantProduct' ? baseAmount < capacity : baseAmount <= capacity;
  if (!fits) {
    throw new InvalidParameterError(
      'baseAmount',
      `${side} of ${baseAmount} exceeds what the venue can fill at ${p} (${capacity})`,
      'Clamp the trade with maxFillBase(venue, side, marketPrice) first.',
    );
  }
  // `grossQuote` is the quote traded along the curve; `avgGrossFactor` is its average price over p.
  let grossQuote: number;
  let avgGrossFactor: number;
  let priceAfter: number;
  if (venue.kind === 'constantProduct') {
    // x·y = k re-centred on p: x = L/√p. Selling Δ: quote out y·Δ/(x+Δ), so the average price is
    // p·x/(x+Δ) and the new price y'/x' = p·x²/(x+Δ)². Buying is the same with −Δ.
    const x = venue.liquidity / Math.sqrt(p);
    const xAfter = x - sign * baseAmount;
    avgGrossFactor = x / xAfter;
    grossQuote = p * baseAmount * avgGrossFactor;
    priceAfter = p * avgGrossFactor * avgGrossFactor;
  } else {
    // Walk the book to u⋆ with D(u⋆) = p·Δ; base absorbed between u and u + du is D'(u)du / p at
    // price p·(1 ∓ u), so the quote is ∫₀^{u⋆} p(1 ∓ u) D'(u)/p du = D(u⋆)·(1 ∓ a·u⋆/(a + 1)).
    const a = venue.exponent;
    const u = baseAmount === 0 ? 0 : moveFor(venue, p * baseAmount);
    avgGrossFactor = 1 + (sign * a * u) / (a + 1);
    grossQuote = p * baseAmount * avgGrossFactor;
    priceAfter = p * (1 + sign * u);
  }
  const feeQuote = grossQuote * fee;
  const quoteAmount = side === 'sell' ? grossQuote - feeQuote : grossQuote + feeQuote;
  const feeFactor = side === 'sell' ? 1 - fee : 1 + fee;
  const averagePrice = baseAmount === 0 ? p * feeFactor : quoteAmount / baseAmount;
  return { side, baseAmount, quoteAmount, feeQuote, averagePrice, priceBefore: p, priceAfter, venue };
}

/**
 * Sells `baseAmount` base into the venue at mid price `marketPrice`. Constant product: average
 * price before fee p·x/(x+Δ) with x = L/√p, price after p·x²/(x+Δ)². Depth curve: the book is
 * walked to u⋆ = u_ref·(p·Δ/D_ref)^{1/a}; average price before fee p·(1 − a·u⋆/(a+1)), price after
 * p·(1 − u⋆). The fee is then taken from the quote received, so it does not move the price.
 * @param request.baseAmount base units (≥ 0); `marketPrice` quote per base (> 0).
 * @throws InvalidParameterError naming the field for a bad venue, a negative or non-finite amount,
 * a non-positive price, or (`baseAmount`) a sell beyond {@link maxFillBase}.
 */
export function sell(venue: Venue, request: TradeRequest): Fill {
  return trade(venue, 'sell', request);
}

/**
 * Buys `baseAmount` base from the venue at mid price `marketPrice`. Constant product: average
 * price before fee p·x/(x−Δ), price after p·x²/(x−Δ)², for Δ < x = L/√p. Depth curve: average
 * price before fee p·(1 + a·u⋆/(a+1)), price after p·(1 + u⋆). The fee is added to the quote paid.
 * @param request.baseAmount base units (≥ 0); `marketPrice` quote per base (> 0).
 * @throws InvalidParameterError naming the field as {@link sell}, and (`baseAmount`) for a buy
 * that reaches the pool's base reserve or the book's extent.
 */
export function buy(venue: Venue, request: TradeRequest): Fill {
  return trade(venue, 'buy', request);
}

// ---------------------------------------------------------------------------------------------
// Stress thinning

/** How depth thins with stress: multiplier m(s) = floor + (1 − floor)·e^{−sensitivity·s}. */
export interface ThinningParams {
  /** Sensitivity of depth to the stress value, per unit of stress (≥ 0; 0 turns thinning off). */
  readonly sensitivity: number;
  /** The least share of normal depth left under any stress, in (0, 1]. */
  readonly floorFraction: number;
}

/**
 * The share of normal depth left at stress `stress` (dimensionless, ≥ 0; see
 * {@link volatilityStress} and {@link drawdownFraction}): m = floor + (1 − floor)·e^{−sensitivity·stress}.
 * It is 1 at no stress, falls strictly (when sensitivity > 0 and floor < 1) and tends to the floor.
 * @throws InvalidParameterError naming the field for a negative or non-finite stress or
 * sensitivity, or a floor outside (0, 1].
 */
export function depthMultiplier(stress: number, thinning: ThinningParams): number {
  requireNonNegative('stress', stress);
  requireNonNegative('sensitivity', thinning.sensitivity);
  if (!(thinning.floorFraction > 0 && thinning.floorFraction <= 1)) {
    throw new InvalidParameterError('floorFraction', `must be in (0, 1], got ${thinning.floorFraction}`);
  }
  const floor = thinning.floorFraction;
  return floor + (1 - floor) * Math.exp(-thinning.sensitivity * stress);
}

/**
 * The venue with its depth scaled by `multiplier` (in (0, 1] to thin; any positive value is
 * accepted): constant product L·m (both reserves scale by m at any price), depth curve D_ref·m.
 * Depth is homogeneous, so a trade of m·Δ in the scaled venue fills at the same average price as Δ
 * in the original.
 * @throws InvalidParameterError naming the field for a bad venue or (`depthMultiplier`) a
 * non-positive or non-finite multiplier.
 */
export function thinVenue(venue: Venue, multiplier: number): Venue {
  validateVenue(venue);
  requirePositive('depthMultiplier', multiplier);
  return venue.kind === 'constantProduct'
    ? { ...venue, liquidity: venue.liquidity * multiplier }
    : { ...venue, depthQuoteAtReference: venue.depthQuoteAtReference * multiplier };
}

/**
 * The venue thinned for stress `stress`: `thinVenue(venue, depthMultiplier(stress, thinning))`.
 * @throws InvalidParameterError naming the field, as those two functions.
 */
export function stressedVenue(venue: Venue, stress: number, thinning: ThinningParams): Venue {
  return thinVenue(venue, depthMultiplier(stress, thinning));
}

function requirePrices(field: string, prices: readonly number[]): void {
  if (prices.length < 2) {
    throw new InvalidParameterError(field, `needs at least 2 prices, got ${prices.length}`);
  }
  prices.forEach((price, i) => {
    requirePositive(`${field}[${i}]`, price);
  });
}

/**
 * Realized volatility of a window of prices on a regular grid, annualised (per √year):
 * √(mean of r_k² · steps per year), r_k = ln(P_k/P_{k−1}); the mean is not subtracted (the usual
 * realized-variance convention, which treats a steady trend as volatility too).
 * @param prices quote per base (≥ 2 entries, each > 0); `stepSeconds` the grid spacing (> 0).
 * @throws InvalidParameterError naming the field (`prices[i]`, `stepSeconds`) for bad input.
 */
export function realizedVolatilityPerYear(prices: readonly number[], stepSeconds: number): number {
  requirePrices('prices', prices);
  requirePositive('stepSeconds', stepSeconds);
  let sumSquares = 0;
  for (let i = 1; i < prices.length; i++) {
    const r = Math.log((prices[i] as number) / (prices[i - 1] as number));
    sumSquares += r * r;
  }
  return Math.sqrt((sumSquares / (prices.length - 1)) * (SECONDS_PER_YEAR / stepSeconds));
}

/**
 * The current drawdown of a window of prices: 1 − last / max, in [0, 1). Usable directly as a
 * stress value for {@link depthMultiplier}.
 * @param prices quote per base (≥ 2 entries, each > 0).
 * @throws InvalidParameterError naming the field (`prices[i]`) for bad input.
 */
export function drawdownFraction(prices: readonly number[]): number {
  requirePrices('prices', prices);
  const peak = Math.max(...prices);
  return 1 - (prices[prices.length - 1] as number) / peak;
}

/**
 * Stress from volatility: the excess of realized over baseline volatility, as a multiple of the
 * baseline, max(0, σ_realized/σ_baseline − 1) (0 in calm markets, 3 at four times normal volatility).
 * @param vols.realizedVolatilityPerYear (≥ 0) and `baselineVolatilityPerYear` (> 0), both per √year.
 * @throws InvalidParameterError naming the field for a negative, zero (baseline) or non-finite input.
 */
export function volatilityStress(vols: {
  readonly realizedVolatilityPerYear: number;
  readonly baselineVolatilityPerYear: number;
}): number {
  requireNonNegative('realizedVolatilityPerYear', vols.realizedVolatilityPerYear);
  requirePositive('baselineVolatilityPerYear', vols.baselineVolatilityPerYear);
  return Math.max(0, vols.realizedVolatilityPerYear / vols.baselineVolatilityPerYear - 1);
}

// ---------------------------------------------------------------------------------------------
// Endogenous impact

/**
 * Endogenous price impact of one asset: ln(simulated price / exogenous price). The simulator's
 * price at a step is the exogenous path times e^{logImpact}; trades push it ({@link applyFill}),
 * time pulls it back to zero ({@link decay}) with half-life `halfLifeSeconds`.
 */
export interface ImpactState {
  /** Cumulative impact in log-price terms (negative after selling). */
  readonly logImpact: number;
  /** Seconds for the impact to halve (> 0; `Infinity` for impact that never recovers). */
  readonly halfLifeSeconds: number;
}

function validateImpact(state: ImpactState): void {
  requireFinite('logImpact', state.logImpact);
  if (!(state.halfLifeSeconds > 0)) {
    throw new InvalidParameterError(
      'halfLifeSeconds',
      `must be positive (Infinity for no recovery), got ${state.halfLifeSeconds}`,
    );
  }
}

/**
 * A fresh impact state (no impact unless `logImpact` is given).
 * @param params.halfLifeSeconds seconds (> 0, may be `Infinity`); `logImpact` log-price (finite, default 0).
 * @throws InvalidParameterError naming the field for bad input.
 */
export function createImpactState(params: {
  readonly halfLifeSeconds: number;
  readonly logImpact?: number;
}): ImpactState {
  const state = { logImpact: params.logImpact ?? 0, halfLifeSeconds: params.halfLifeSeconds };
  validateImpact(state);
  return state;
}

/**
 * The impact after `dtSeconds` of recovery: logImpact · 2^{−dt/halfLife} (exponential decay; after
 * one half-life it is exactly halved, and it tends to zero).
 * @param dtSeconds elapsed time, seconds (≥ 0).
 * @throws InvalidParameterError naming the field for a bad state or a negative or non-finite dt.
 */
export function decay(state: ImpactState, dtSeconds: number): ImpactState {
  validateImpact(state);
  requireNonNegative('dtSeconds', dtSeconds);
  return { ...state, logImpact: state.logImpact * 2 ** (-dtSeconds / state.halfLifeSeconds) };
}

/**
 * The impact after a trade: logImpact + ln(priceAfter / priceBefore). When the trade was made at
 * the simulated price (exogenous · e^{logImpact}), the new simulated price is the fill's
 * `priceAfter`.
 * @throws InvalidParameterError naming the field for a bad state or a fill with a non-positive price.
 */
export function applyFill(state: ImpactState, fill: Fill): ImpactState {
  validateImpact(state);
  requirePositive('priceBefore', fill.priceBefore);
  requirePositive('priceAfter', fill.priceAfter);
  return { ...state, logImpact: state.logImpact + Math.log(fill.priceAfter / fill.priceBefore) };
}

/**
 * The simulated price: `exogenousPrice` (quote per base, > 0) · e^{logImpact}.
 * @throws InvalidParameterError naming the field for a bad state or price.
 */
export function impactedPrice(state: ImpactState, exogenousPrice: number): number {
  validateImpact(state);
  requirePositive('exogenousPrice', exogenousPrice);
  return exogenousPrice * Math.exp(state.logImpact);
}

// ---------------------------------------------------------------------------------------------
// Cascades

/** Per-step liquidation record of a run, for {@link cascadeDepth}. */
export interface CascadeInput {
  /** v_k, liquidation volume at step k (any unit, ≥ 0). */
  readonly liquidationVolumes: readonly number[];
  /**
   * m_k, the log-price move caused by step k's liquidation trades alone (sum of
   * ln(priceAfter/priceBefore) over them; negative when liquidators sell), same length.
   */
  readonly liquidationLogImpacts: readonly number[];
  /** θ, the least |m| that counts as a push, log-price (≥ 0, default 0: any non-zero move). */
  readonly minLogImpact?: number;
}

/** The depth of the cascades in a run. */
export interface CascadeMeasure {
  /** The largest cascade depth d (0 when no step was triggered). */
  readonly maxDepth: number;
  /** Seed step s of the first deepest cascade (−1 when there is none). */
  readonly seedStep: number;
  /** How many steps were triggered in total, over all cascades. */
  readonly triggeredSteps: number;
}

/**
 * Cascade depth. Step k ≥ 1 is *triggered* when liquidations at step k − 1 moved the price
 * (v_{k−1} > 0 and |m_{k−1}| > θ) and liquidations happen again at step k (v_k > 0). A cascade is a
 * maximal run of consecutive triggered steps s+1, …, s+d; step s, whose liquidations started it, is
 * its seed, and d is its depth (the number of generations of liquidations that followed
 * liquidation-driven impact). Example: volumes [5, 3, 2, 0] with impacts [−0.02, −0.01, −0.005, 0]
 * is one cascade, seed 0, depth 2.
 *
 * Causality is read from timing only, so this is an upper bound: a triggered step might have seen
 * liquidations at the exogenous price too. Passing as v_k only the volume that would not have been
 * liquidated at the exogenous price (impact removed) makes the count exact.
 * @throws InvalidParameterError naming the field: arrays of different lengths
 * (`liquidationLogImpacts`), a negative or non-finite volume (`liquidationVolumes[k]`), a
 * non-finite impact (`liquidationLogImpacts[k]`), a negative or non-finite θ (`minLogImpact`).
 */
export function cascadeDepth(input: CascadeInput): CascadeMeasure {
  const volumes = input.liquidationVolumes;
  const impacts = input.liquidationLogImpacts;
  if (impacts.length !== volumes.length) {
    throw new InvalidParameterError(
      'liquidationLogImpacts',
      `has ${impacts.length} entries, liquidationVolumes has ${volumes.length}`,
      'Give one volume and one impact per step.',
    );
  }
  volumes.forEach((v, k) => {
    requireNonNegative(`liquidationVolumes[${k}]`, v);
  });
  impacts.forEach((m, k) => {
    requireFinite(`liquidationLogImpacts[${k}]`, m);
  });
  const threshold = input.minLogImpact ?? 0;
  requireNonNegative('minLogImpact', threshold);
  let maxDepth = 0;
  let seedStep = -1;
  let triggeredSteps = 0;
  let run = 0;
  for (let k = 1; k < volumes.length; k++) {
    const pushed = (volumes[k - 1] as number) > 0 && Math.abs(impacts[k - 1] as number) > threshold;
    if (pushed && (volumes[k] as number) > 0) {
      run += 1;
      triggeredSteps += 1;
      if (run > maxDepth) {
        maxDepth = run;
        seedStep = k - run;
      }
    } else {
      run = 0;
    }
  }
  return { maxDepth, seedStep, triggeredSteps };
}
