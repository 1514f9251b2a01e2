/**
 * Volatility estimate stage: folds successive oracle prices of an asset into an annualized
 * variance, by EWMA (RiskMetrics) or GARCH(1,1), in bigint WAD, for the risk stages that read σ
 * (predictive liquidation, dynamic incentives, volatility-indexed thresholds). A "risk oracle"
 * poke command calls {@link foldVolatility} once per asset; every update is a
 * {@link VolatilityUpdated} event, so a replayed log rebuilds the estimate.
 *
 * Irregular sampling: each return r = ln(P/P_prev) over Δt seconds is turned into an annualized
 * variance sample r²·YEAR/Δt before it is folded, so pokes at any cadence estimate the same σ;
 * samples shorter than `minSampleSeconds` are not folded (the anchor price is kept), which stops a
 * burst of pokes seconds apart from turning one tick into a huge annualized variance.
 *
 * - EWMA (J.P. Morgan/Reuters, RiskMetrics Technical Document, 4th ed. 1996, §5.2.1):
 *   v ← λ·v + (1 − λ)·sample.
 * - GARCH(1,1) (T. Bollerslev, "Generalized autoregressive conditional heteroskedasticity",
 *   Journal of Econometrics 31, 1986): v ← ω + α·sample + β·v, with α + β < 1 (long-run variance
 *   ω/(1 − α − β)).
 * Every rounding is Up: the estimate never understates the variance (a higher σ warns earlier,
 * pays keepers more and lowers thresholds: it favours the protocol's safety).
 */
import { divRound, mulDiv, Rounding } from '../../math/mulDiv.js';
import { isqrt, lnWad, sqrtWad } from '../../math/transcendental.js';
import { pow10, WAD } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import { readBigint, readEnum, readIntOr, readObject } from '../fields.js';

/** Seconds in the year σ is annualized over: 365 days. */
export const SECONDS_PER_YEAR = 31_536_000n;

/**
 * Parameters of the volatility estimate: the update rule and, for both, the annualized σ (WAD,
 * 0.8e18 = 80 %/year) assumed before an asset's first sample and the shortest time between two
 * folded prices (seconds ≥ 1).
 */
export type VolatilityParams =
  /** EWMA: v ← λ·v + (1 − λ)·sample; `lambdaWad` in [0, 1e18). */
  | {
      readonly model: 'ewma';
      readonly lambdaWad: bigint;
      readonly initialSigmaWad: bigint;
      readonly minSampleSeconds: number;
    }
  /** GARCH(1,1): v ← ω + α·sample + β·v; ω annualized variance WAD, α + β < 1e18. */
  | {
      readonly model: 'garch';
      readonly omegaWad: bigint;
      readonly alphaWad: bigint;
      readonly betaWad: bigint;
      readonly initialSigmaWad: bigint;
      readonly minSampleSeconds: number;
    };

/** The estimate for one asset: the anchor price and the annualized variance. */
export interface VolatilityEstimate {
  /** Last folded oracle price, scaled by 10^priceDecimals (> 0). */
  readonly price: bigint;
  readonly priceDecimals: number;
  /** When that price was folded, seconds. */
  readonly atSeconds: number;
  /** Annualized variance, WAD (σ² per year; 0.64e18 = σ 80 %). */
  readonly varianceAnnualWad: bigint;
}

/** An oracle reading to fold. */
export interface PriceObservation {
  /** Price scaled by 10^priceDecimals (≥ 0; 0 is never folded). */
  readonly price: bigint;
  readonly priceDecimals: number;
  readonly atSeconds: number;
}

/** Every update of an asset's estimate (the first one anchors it: elapsed 0, return 0). */
export interface VolatilityUpdated {
  readonly type: 'VolatilityUpdated';
  readonly asset: string;
  readonly price: bigint;
  readonly priceDecimals: number;
  /** ln(P/P_prev), signed WAD (0 for the anchor). */
  readonly returnWad: bigint;
  readonly elapsedSeconds: number;
  readonly varianceAnnualWad: bigint;
  /** √variance, WAD (ceil). */
  readonly sigmaAnnualWad: bigint;
}

/**
 * Reads a `volatility` section: `{model: ewma, lambdaWad, initialSigmaWad, minSampleSeconds?}` or
 * `{model: garch, omegaWad, alphaWad, betaWad, initialSigmaWad, minSampleSeconds?}`.
 * Default `minSampleSeconds` 60.
 * @throws InvalidParameterError naming the dotted field (`config.volatility.lambdaWad`).
 */
export function parseVolatilityParams(raw: unknown, path: string): VolatilityParams {
  const o = readObject(raw, path);
  const model = readEnum(o, 'model', ['ewma', 'garch'] as const, `${path}.model`);
  const initialSigmaWad = readBigint(o, 'initialSigmaWad', `${path}.initialSigmaWad`, {
    max: 100n * WAD,
    expect: 'an annualized σ in WAD, 0 to 1e20 (0 to 10,000 %)',
  });
  const minSampleSeconds = readIntOr(o, 'minSampleSeconds', 60, `${path}.minSampleSeconds`, {
    min: 1,
    max: 366 * 86_400,
  });
  if (model === 'ewma') {
    const lambdaWad = readBigint(o, 'lambdaWad', `${path}.lambdaWad`, {
      max: WAD - 1n,
      expect: 'a WAD decay in [0, 1e18) (RiskMetrics uses 0.94e18 for daily returns)',
    });
    return { model, lambdaWad, initialSigmaWad, minSampleSeconds };
  }
  const omegaWad = readBigint(o, 'omegaWad', `${path}.omegaWad`, { max: 10_000n * WAD });
  const alphaWad = readBigint(o, 'alphaWad', `${path}.alphaWad`, { max: WAD });
  const betaWad = readBigint(o, 'betaWad', `${path}.betaWad`, { max: WAD });
  if (alphaWad + betaWad >= WAD) {
    throw new InvalidParameterError(
      `${path}.betaWad`,
      `alpha + beta must be below 1e18 (stationary), got ${alphaWad + betaWad}`,
    );
  }
  return { model, omegaWad, alphaWad, betaWad, initialSigmaWad, minSampleSeconds };
}

/** The variance before any sample: initialSigma² (WAD, ceil). */
export function initialVarianceWad(params: VolatilityParams): bigint {
  // Up: never understates the variance.
  return mulDiv(params.initialSigmaWad, params.initialSigmaWad, WAD, Rounding.Up);
}

/**
 * Annualized σ of an annualized variance, WAD: ⌈√v⌉ (never understated).
 * @param varianceAnnualWad WAD ≥ 0.
 */
export function sigmaAnnualWad(varianceAnnualWad: bigint): bigint {
  return sqrtWad(varianceAnnualWad, Rounding.Up);
}

/**
 * σ over a horizon, σ·√(T/YEAR), WAD: ⌈√⌈v·T·1e18/YEAR⌉⌉, within 1 ulp above the exact value
 * (the variance is scaled before the root, so a small variance loses no precision).
 * @param varianceAnnualWad WAD ≥ 0. @param horizonSeconds whole seconds ≥ 0.
 */
export function sigmaOverHorizonWad(varianceAnnualWad: bigint, horizonSeconds: number): bigint {
  // Up twice: σ√T is never understated.
  const n = divRound(varianceAnnualWad * BigInt(horizonSeconds) * WAD, SECONDS_PER_YEAR, Rounding.Up);
  const root = isqrt(n);
  return root * root === n ? root : root + 1n;
}

/** The first estimate of an asset: the observed price as anchor, the initial variance. */
export function anchorVolatility(
  params: VolatilityParams,
  observation: PriceObservation,
): VolatilityEstimate {
  return {
    price: observation.price,
    priceDecimals: observation.priceDecimals,
    atSeconds: observation.atSeconds,
    varianceAnnualWad: initialVarianceWad(params),
  };
}

/** What one fold produced. */
export interface VolatilityFold {
  readonly estimate: VolatilityEstimate;
  /** ln(P/P_prev), signed WAD (half-up). */
  readonly returnWad: bigint;
  readonly elapsedSeconds: number;
  /** The annualized variance sample r²·YEAR/Δt, WAD (ceil). */
  readonly sampleVarianceAnnualWad: bigint;
}

/**
 * Folds a new price into an estimate, or returns undefined when it must not be folded: less than
 * `minSampleSeconds` since the anchor, or a price of 0 (no logarithm). The return is
 * r = lnWad(P·10^d_prev / (P_prev·10^d)) (the ratio half-up, then ln half-up), the sample
 * r²·YEAR/Δt rounded up, and the model's update rounded up.
 * @param previous the asset's estimate (its anchor price > 0).
 * @param observation a reading at or after `previous.atSeconds`.
 * @throws InvalidParameterError when the observation is older than the anchor.
 */
export function foldVolatility(
  params: VolatilityParams,
  previous: VolatilityEstimate,
  observation: PriceObservation,
): VolatilityFold | undefined {
  const elapsed = observation.atSeconds - previous.atSeconds;
  if (elapsed < 0) {
    throw new InvalidParameterError(
      'atSeconds',
      `the observation at ${observation.atSeconds} is older than the anchor at ${previous.atSeconds}`,
    );
  }
  if (elapsed < params.minSampleSeconds || observation.price === 0n || previous.price === 0n)
    return undefined;
  // Ratio P/P_prev as a WAD, both prices brought to one scale. HalfUp: the nearest, no favour.
  const ratioWad = divRound(
    observation.price * pow10(previous.priceDecimals) * WAD,
    previous.price * pow10(observation.priceDecimals),
    Rounding.HalfUp,
  );
  const returnWad = ratioWad === 0n ? lnWad(1n) : lnWad(ratioWad);
  // r² (WAD) · YEAR / Δt, ceil: the variance is never understated.
  const sample = divRound(returnWad * returnWad * SECONDS_PER_YEAR, WAD * BigInt(elapsed), Rounding.Up);
  const v = previous.varianceAnnualWad;
  const next =
    params.model === 'ewma'
      ? divRound(params.lambdaWad * v + (WAD - params.lambdaWad) * sample, WAD, Rounding.Up)
      : params.omegaWad + divRound(params.alphaWad * sample + params.betaWad * v, WAD, Rounding.Up);
  return {
    estimate: {
      price: observation.price,
      priceDecimals: observation.priceDecimals,
      atSeconds: observation.atSeconds,
      varianceAnnualWad: next,
    },
    returnWad,
    elapsedSeconds: elapsed,
    sampleVarianceAnnualWad: sample,
  };
}
