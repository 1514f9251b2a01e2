/**
 * The checks every gas-aware keeper shares: option validation (finite, ≥ 0), the view's time check,
 * the gas-price cap and the profit gate `I > C_gas + ε` (strict) that decides whether an action is
 * worth sending.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { type MarketContext, validateMarket } from './types.js';

/**
 * Checks a keeper option that must be a finite float ≥ 0 (a USD margin, a gas price in gwei).
 * @param value the option's value. @param field its name, used in the error.
 * @throws InvalidParameterError naming `field` for a negative, infinite or NaN value.
 */
export function requireNonNegative(value: number, field: string): void {
  if (!Number.isFinite(value) || value < 0) throw new InvalidParameterError(field, 'must be finite and ≥ 0');
}

/**
 * Checks the optional gas-price cap of a keeper (`maxGasPriceGwei`, gwei): absent is fine.
 * @throws InvalidParameterError (`maxGasPriceGwei`) for a negative, infinite or NaN cap.
 */
export function requireGasCap(maxGasPriceGwei: number | undefined): void {
  if (maxGasPriceGwei !== undefined) requireNonNegative(maxGasPriceGwei, 'maxGasPriceGwei');
}

/**
 * Checks the market a keeper view is built for and that it is at the view's time.
 * @param market the market context (see {@link validateMarket}).
 * @param nowSeconds the view's decision time, seconds (must equal `market.nowSeconds`).
 * @throws InvalidParameterError for a bad market (naming the field) or `market.nowSeconds` on a
 * time mismatch.
 */
export function requireViewTime(market: MarketContext, nowSeconds: number): void {
  validateMarket(market);
  if (market.nowSeconds !== nowSeconds) {
    throw new InvalidParameterError(
      'market.nowSeconds',
      `is ${market.nowSeconds}, the view is at ${nowSeconds}`,
    );
  }
}

/**
 * Whether gas is above the keeper's cap, so it sends nothing: `gasPriceGwei > maxGasPriceGwei`
 * (strict; at the cap it still acts). Without a cap, never. Never throws.
 * @param market the current gas price, gwei. @param maxGasPriceGwei the cap, gwei (optional).
 */
export function gasAboveCap(
  market: Pick<MarketContext, 'gasPriceGwei'>,
  maxGasPriceGwei: number | undefined,
): boolean {
  return maxGasPriceGwei !== undefined && market.gasPriceGwei > maxGasPriceGwei;
}

/**
 * The profit gate `I > C_gas + ε`, strict, all in USD (float screens): whether an incentive beats
 * the gas cost plus the keeper's minimum profit. A NaN anywhere fails the gate. Never throws.
 * @param incentiveUsd I, USD. @param gasUsd C_gas, USD. @param minProfitUsd ε, USD.
 */
export function clearsGas(incentiveUsd: number, gasUsd: number, minProfitUsd: number): boolean {
  return incentiveUsd > gasUsd + minProfitUsd;
}
