/**
 * Predictive liquidation stage: the probability that an account reaches its maintenance margin
 * (health < 1) within a horizon, from its distance to liquidation and the volatility estimate;
 * soft margin calls when that probability passes a threshold (once per episode, re-armed when the
 * account recovers); and the rules of gradual de-leveraging before the breach, in the spirit of
 * Morpho's pre-liquidation (morpho-org/pre-liquidation src/PreLiquidation.sol preLiquidate: a
 * position above the pre-liquidation LTV may be partly repaid, at most CLOSE_FACTOR of its debt,
 * for collateral at a smaller incentive factor).
 *
 * The model: the collateral price is a driftless geometric Brownian motion, ln P_t = ln P_0 + σW_t
 * (the Itô drift −σ²/2 ignored: an ASSUMPTION, conservative for a falling price). With every
 * collateral moving together the health factor scales with the price, so the account hits health
 * 1 when ln P has fallen by d = ln(health). By the reflection principle the probability that a
 * Brownian motion with volatility σ falls by d within T is
 *
 *   P(min_{t ≤ T} σW_t ≤ −d) = 2·Φ(−d / (σ√T))
 *
 * (S. Shreve, Stochastic Calculus for Finance II, Springer 2004, §3.7.3, the first passage time
 * of Brownian motion; I. Karatzas and S. Shreve, Brownian Motion and Stochastic Calculus, §2.6).
 *
 * Deciding in bigint: since Φ is increasing, 2Φ(−d/s) ≥ p_call exactly when d ≤ z_call·s with
 * z_call = Φ⁻¹(1 − p_call/2), i.e. when health ≤ H* = e^(z_call·s). H*, the soft-call health, is computed once
 * per σ (one expWad) and every account is judged by one comparison; the probability itself
 * ({@link barrierHitProbabilityWad}) is computed for the events.
 */
import { divRound, Rounding } from '../../math/mulDiv.js';
import { expWad, lnWad, normalCdfWad, normalQuantileWad } from '../../math/transcendental.js';
import { BPS, MAX_UINT256, WAD } from '../../math/units.js';
import { InvalidParameterError } from '../errors.js';
import { readBigint, readInt, readObject } from '../fields.js';

/** Parameters of predictive liquidation and gradual de-leveraging. */
export interface PredictiveParams {
  /** Horizon of the probability, seconds (≥ 1). */
  readonly horizonSeconds: number;
  /** Probability (WAD) at or above which an account is soft-called and may be de-leveraged. */
  readonly softCallProbabilityWad: bigint;
  /**
   * Health (WAD, ≥ 1e18) below which an account may be de-leveraged whatever the probability:
   * Morpho's pre-liquidation LTV as a health, LLTV / preLltv. 1e18 turns the band off.
   */
  readonly preHealthWad: bigint;
  /** Most of the debt one de-leveraging step repays, bps (Morpho's CLOSE_FACTOR). */
  readonly stepBps: bigint;
  /** Bonus of a de-leveraging step, bps (Morpho's incentive factor − 1). */
  readonly preBonusBps: bigint;
  /** Least time between two de-leveraging steps of one account, seconds. */
  readonly cooldownSeconds: number;
  /**
   * Hysteresis of the soft call, bps (optional, default 0): a called account is cleared (and can be
   * called again) only once its health is above H*·(1 + clearMarginBps/10⁴), so an account hovering
   * at H* is not called at every risk update.
   */
  readonly clearMarginBps?: bigint;
}

/** An account's probability passed the threshold (once per episode). */
export interface SoftMarginCalled {
  readonly type: 'SoftMarginCalled';
  readonly account: string;
  readonly healthWad: bigint;
  /** 2Φ(−ln(health)/(σ√T)), WAD. */
  readonly probabilityWad: bigint;
  /** The soft-call health H* the account fell to or below, WAD. */
  readonly softCallHealthWad: bigint;
  /** σ√T, WAD. */
  readonly sigmaOverHorizonWad: bigint;
  readonly horizonSeconds: number;
}

/** A soft-called account recovered (health above H* again): the call is re-armed. */
export interface SoftMarginCallCleared {
  readonly type: 'SoftMarginCallCleared';
  readonly account: string;
  readonly healthWad: bigint;
  readonly probabilityWad: bigint;
}

/** Why an account may be de-leveraged. */
export type DeleverageReason = 'preHealth' | 'softCall';

/** One de-leveraging step. */
export interface Deleveraged {
  readonly type: 'Deleveraged';
  readonly account: string;
  readonly keeper: string;
  /** Collateral sold. */
  readonly asset: string;
  /** Debt repaid by the keeper, debt smallest units. */
  readonly repaid: bigint;
  /** Collateral the keeper received, smallest units. */
  readonly seized: bigint;
  readonly bonusBps: bigint;
  readonly reason: DeleverageReason;
  readonly healthBeforeWad: bigint;
}

/** Least and greatest soft-call probability accepted, WAD (1e-9 and 1 − 1e-18). */
const PROBABILITY_MIN_WAD = 1_000_000_000n;

/**
 * Reads a `predictive` section: `{horizonSeconds, softCallProbabilityWad, preHealthWad, stepBps,
 * preBonusBps, cooldownSeconds, clearMarginBps?}`.
 * @throws InvalidParameterError naming the dotted field (`config.predictive.stepBps`).
 */
export function parsePredictiveParams(raw: unknown, path: string): PredictiveParams {
  const o = readObject(raw, path);
  return {
    horizonSeconds: readInt(o, 'horizonSeconds', `${path}.horizonSeconds`, { min: 1, max: 366 * 86_400 }),
    softCallProbabilityWad: readBigint(o, 'softCallProbabilityWad', `${path}.softCallProbabilityWad`, {
      min: PROBABILITY_MIN_WAD,
      max: WAD - 1n,
      expect: 'a WAD probability in [1e9, 1e18) (1e-9 to just below 1)',
    }),
    preHealthWad: readBigint(o, 'preHealthWad', `${path}.preHealthWad`, {
      min: WAD,
      max: 2n * WAD,
      expect: 'a WAD health in [1e18, 2e18] (1e18: no pre-liquidation band)',
    }),
    stepBps: readBigint(o, 'stepBps', `${path}.stepBps`, { min: 1n, max: BPS }),
    preBonusBps: readBigint(o, 'preBonusBps', `${path}.preBonusBps`, { max: 5_000n }),
    cooldownSeconds: readInt(o, 'cooldownSeconds', `${path}.cooldownSeconds`, { max: 366 * 86_400 }),
    ...(o.clearMarginBps === undefined
      ? {}
      : { clearMarginBps: readBigint(o, 'clearMarginBps', `${path}.clearMarginBps`, { max: BPS }) }),
  };
}

/**
 * 2·Φ(−ln(h)/s): the probability (WAD) that a driftless GBM collateral price takes health h to 1
 * within the horizon over which σ√T = s (see the file header). WAD when h ≤ 1 (at or past the
 * barrier); 0 when s = 0 and h > 1. Computed as d = lnWad(h), z = ⌊d·1e18/s⌋ (the floor raises the
 * probability: it favours safety), p = min(1, 2·normalCdfWad(−z)).
 * Error bound: |p − 2Φ(−ln(h/1e18)/(s/1e18))·1e18| ≤ 2 + 0.8·(1 + 1e18/s) ulp (one ulp of d is
 * 1e18/s ulps of z, and 2φ ≤ 0.8).
 * @param healthWad WAD ≥ 0. @param sigmaOverHorizonWad σ√T, WAD ≥ 0.
 */
export function barrierHitProbabilityWad(healthWad: bigint, sigmaOverHorizonWad: bigint): bigint {
  if (healthWad <= WAD) return WAD;
  if (sigmaOverHorizonWad <= 0n) return 0n;
  const d = lnWad(healthWad);
  const z = divRound(d * WAD, sigmaOverHorizonWad, Rounding.Down);
  const p = 2n * normalCdfWad(-z);
  return p > WAD ? WAD : p;
}

const quantiles = new Map<bigint, bigint>();

/**
 * z_call = Φ⁻¹(1 − p/2) in WAD (≥ 0): the distance in σ√T units within which the probability is at
 * least p. The half is floored, so z_call is never understated (calls come no later). Memoised per p
 * (about 65 normal CDF evaluations the first time).
 * @param probabilityWad WAD in [1e9, 1e18).
 * @throws InvalidParameterError outside that range.
 */
export function softCallQuantileWad(probabilityWad: bigint): bigint {
  if (probabilityWad < PROBABILITY_MIN_WAD || probabilityWad >= WAD) {
    throw new InvalidParameterError(
      'softCallProbabilityWad',
      `must be in [1e9, 1e18), got ${probabilityWad}`,
    );
  }
  const hit = quantiles.get(probabilityWad);
  if (hit !== undefined) return hit;
  const z = normalQuantileWad(WAD - probabilityWad / 2n);
  const out = z < 0n ? 0n : z;
  quantiles.set(probabilityWad, out);
  return out;
}

/** Above this exponent (WAD) H* would not fit; every account is then within the band. */
const SOFT_CALL_EXPONENT_MAX_WAD = 135n * WAD;
const softCallHealths = new Map<string, bigint>();
const SOFT_CALL_CACHE_MAX = 1_024;

/**
 * H* = e^(z_call·s): the health at or below which the probability of reaching health 1 within the
 * horizon is at least p (WAD; the exponent ⌈z_call·s⌉, the exponential to the nearest WAD, so H* errs
 * upward: calls come no later). 2^256 − 1 when the exponent exceeds 135 (every account is in the
 * band). Memoised for the last 1,024 (s, p) pairs.
 * @param sigmaOverHorizonWad σ√T, WAD ≥ 0. @param probabilityWad as {@link softCallQuantileWad}.
 * @throws InvalidParameterError for a probability out of range.
 */
export function softCallHealthWad(sigmaOverHorizonWad: bigint, probabilityWad: bigint): bigint {
  const key = `${sigmaOverHorizonWad}|${probabilityWad}`;
  const hit = softCallHealths.get(key);
  if (hit !== undefined) return hit;
  const exponent = divRound(softCallQuantileWad(probabilityWad) * sigmaOverHorizonWad, WAD, Rounding.Up);
  const out = exponent > SOFT_CALL_EXPONENT_MAX_WAD ? MAX_UINT256 : expWad(exponent);
  if (softCallHealths.size >= SOFT_CALL_CACHE_MAX) softCallHealths.clear();
  softCallHealths.set(key, out);
  return out;
}

/**
 * Whether a de-leveraging step is allowed, and why: never at health < 1 (that account is
 * liquidated, not de-leveraged); 'preHealth' below the pre-liquidation health; 'softCall' at or
 * below the soft-call health H*; else undefined.
 */
export function deleverageReason(input: {
  readonly healthWad: bigint;
  readonly preHealthWad: bigint;
  readonly softCallHealthWad: bigint;
}): DeleverageReason | undefined {
  if (input.healthWad < WAD) return undefined;
  if (input.healthWad < input.preHealthWad) return 'preHealth';
  if (input.healthWad <= input.softCallHealthWad) return 'softCall';
  return undefined;
}

/**
 * The soft-call episode of one account at a risk update: 'call' when it is not called, has health
 * ≥ 1 and is at or below H*; 'clear' when it is called and above H*·(1 + clearMarginBps/10⁴)
 * (recovered: the call is re-armed; exact, no rounding: health·10⁴ > H*·(10⁴ + margin)); else
 * undefined (a called account below health 1 stays called, and so does one between H* and the
 * clearing level).
 */
export function softCallTransition(input: {
  readonly called: boolean;
  readonly healthWad: bigint;
  readonly softCallHealthWad: bigint;
  /** Hysteresis, bps (default 0: cleared as soon as it is above H*). */
  readonly clearMarginBps?: bigint;
}): 'call' | 'clear' | undefined {
  const inBand = input.healthWad <= input.softCallHealthWad;
  if (!input.called) return inBand && input.healthWad >= WAD ? 'call' : undefined;
  const recovered = input.healthWad * BPS > input.softCallHealthWad * (BPS + (input.clearMarginBps ?? 0n));
  return recovered ? 'clear' : undefined;
}

/**
 * Debt one de-leveraging step repays: ⌊debt × stepBps / 10⁴⌋ (at most the step: the floor favours
 * the borrower).
 * @param debt debt smallest units ≥ 0. @param stepBps 1..10,000.
 */
export function deleverageRepay(debt: bigint, stepBps: bigint): bigint {
  return divRound(debt * stepBps, BPS, Rounding.Down);
}

/**
 * σ of an account with several collaterals, annualized WAD: the average of their σ weighted by
 * their weighted value (value × LT), ceil: the volatility of the basket when its assets move
 * together (perfect correlation: an ASSUMPTION that never understates a basket's σ). 0 with no
 * weight.
 */
export function basketSigmaWad(
  lines: readonly { readonly weightWad: bigint; readonly sigmaAnnualWad: bigint }[],
): bigint {
  let weight = 0n;
  let weighted = 0n;
  for (const l of lines) {
    weight += l.weightWad;
    weighted += l.weightWad * l.sigmaAnnualWad;
  }
  return weight === 0n ? 0n : divRound(weighted, weight, Rounding.Up);
}
