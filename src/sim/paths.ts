/**
 * Synthetic price paths for the stress lab: GBM, Merton jump diffusion, GARCH(1,1), a Brownian
 * bridge pinned to a target, correlated multi-asset GBM and stablecoin depegs, as float64 prices on
 * a time grid, plus the exact conversion of a path to integer oracle prices. Every generator takes
 * its {@link Rng} and returns the state after its draws; none reads the clock or `Math.random`.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { assert } from '../math/errors.js';
import { divRound, type Rounding } from '../math/mulDiv.js';
import { pow10 } from '../math/units.js';
import { type Rng, withRng } from './rng.js';

/** Seconds in a year for annualised rates: 365 days, since crypto markets trade every day. */
export const SECONDS_PER_YEAR = 365 * 24 * 60 * 60;

/** One observation: `tSeconds` on the simulation clock (unix seconds for replays), `price` in quote units. */
export interface PricePoint {
  readonly tSeconds: number;
  readonly price: number;
}

/** A price path: points in strictly increasing time. */
export type PricePath = readonly PricePoint[];

/** A generated path and the generator state after its draws. */
export interface PathResult {
  readonly path: PricePath;
  readonly rng: Rng;
}

/** The time grid shared by the generators: `steps + 1` points at `startSeconds + k · stepSeconds`. */
export interface TimeGrid {
  /** Time of the first point, seconds (default 0). */
  readonly startSeconds?: number;
  /** Spacing of the grid, seconds (> 0). */
  readonly stepSeconds: number;
  /** Number of steps (a positive integer); the path has `steps + 1` points. */
  readonly steps: number;
}

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

/** Validated grid: start, step and step count. */
function gridOf(grid: TimeGrid): { readonly start: number; readonly step: number; readonly steps: number } {
  const start = grid.startSeconds ?? 0;
  requireFinite('startSeconds', start);
  requirePositive('stepSeconds', grid.stepSeconds);
  if (!Number.isSafeInteger(grid.steps) || grid.steps < 1) {
    throw new InvalidParameterError('steps', `must be a positive integer, got ${grid.steps}`);
  }
  return { start, step: grid.stepSeconds, steps: grid.steps };
}

/** Parameters of a geometric Brownian motion. */
export interface GbmParams extends TimeGrid {
  /** Price at the first point, quote units (> 0). */
  readonly initialPrice: number;
  /** μ, expected return per year, continuously compounded: E[S_t] = S_0 · e^{μt} (0.05 = 5 %/yr). */
  readonly driftPerYear: number;
  /** σ, volatility of log-returns per √year (0.8 = 80 % annualised); ≥ 0. */
  readonly volatilityPerYear: number;
}

/**
 * A GBM path, simulated exactly on the grid: ln S_{k+1} − ln S_k = (μ − σ²/2)Δt + σ√Δt·Z with Δt in
 * years and Z standard normal (one normal per step).
 * @throws InvalidParameterError naming the field for a non-positive price or step, a negative
 * volatility, a non-finite drift or a bad step count.
 */
export function gbmPath(rng: Rng, params: GbmParams): PathResult {
  const { start, step, steps } = gridOf(params);
  requirePositive('initialPrice', params.initialPrice);
  requireFinite('driftPerYear', params.driftPerYear);
  requireNonNegative('volatilityPerYear', params.volatilityPerYear);
  const dtYears = step / SECONDS_PER_YEAR;
  const sigma = params.volatilityPerYear;
  const driftLog = (params.driftPerYear - (sigma * sigma) / 2) * dtYears;
  const shockScale = sigma * Math.sqrt(dtYears);
  const drawn = withRng(rng, (d) => {
    const path: PricePoint[] = [{ tSeconds: start, price: params.initialPrice }];
    let logPrice = Math.log(params.initialPrice);
    for (let k = 1; k <= steps; k++) {
      logPrice += driftLog + shockScale * d.normal();
      path.push({ tSeconds: start + k * step, price: Math.exp(logPrice) });
    }
    return path;
  });
  return { path: drawn.value, rng: drawn.rng };
}

/** Parameters of Merton's jump diffusion: GBM plus Poisson jumps with normal log-sizes. */
export interface JumpDiffusionParams extends GbmParams {
  /** λ, expected jumps per year (≥ 0). */
  readonly jumpIntensityPerYear: number;
  /** m, mean of the log of one jump's size factor (−0.1 ≈ a 9.5 % drop). */
  readonly jumpLogMean: number;
  /** s, standard deviation of the log of one jump's size factor (≥ 0). */
  readonly jumpLogStd: number;
}

/** A jump-diffusion path, with the number of jumps drawn (for reports and checks). */
export interface JumpDiffusionResult extends PathResult {
  /** Total jumps over the path. */
  readonly jumpCount: number;
}

/**
 * A Merton (1976) jump-diffusion path. Per step of Δt years: N ~ Poisson(λΔt) jumps, and
 * ln S_{k+1} − ln S_k = (μ − σ²/2 − λκ)Δt + σ√Δt·Z + (N·m + s·√N·Z'), where κ = e^{m + s²/2} − 1
 * compensates the jumps so that E[S_t] = S_0·e^{μt} still holds. Draws per step: one normal, one
 * Poisson count, and one more normal only when N > 0 (the sum of N normal log-sizes is exactly
 * N(N·m, N·s²)).
 * @throws InvalidParameterError naming the field, as {@link gbmPath}, and for a negative intensity
 * or jump std, or a non-finite jump mean.
 */
export function jumpDiffusionPath(rng: Rng, params: JumpDiffusionParams): JumpDiffusionResult {
  const { start, step, steps } = gridOf(params);
  requirePositive('initialPrice', params.initialPrice);
  requireFinite('driftPerYear', params.driftPerYear);
  requireNonNegative('volatilityPerYear', params.volatilityPerYear);
  requireNonNegative('jumpIntensityPerYear', params.jumpIntensityPerYear);
  requireFinite('jumpLogMean', params.jumpLogMean);
  requireNonNegative('jumpLogStd', params.jumpLogStd);
  const dtYears = step / SECONDS_PER_YEAR;
  const sigma = params.volatilityPerYear;
  const lambda = params.jumpIntensityPerYear;
  const m = params.jumpLogMean;
  const s = params.jumpLogStd;
  const kappa = Math.exp(m + (s * s) / 2) - 1;
  const driftLog = (params.driftPerYear - (sigma * sigma) / 2 - lambda * kappa) * dtYears;
  const shockScale = sigma * Math.sqrt(dtYears);
  const jumpsPerStep = lambda * dtYears;
  const drawn = withRng(rng, (d) => {
    const path: PricePoint[] = [{ tSeconds: start, price: params.initialPrice }];
    let logPrice = Math.log(params.initialPrice);
    let jumpCount = 0;
    for (let k = 1; k <= steps; k++) {
      logPrice += driftLog + shockScale * d.normal();
      const n = d.poisson(jumpsPerStep);
      if (n > 0) {
        jumpCount += n;
        logPrice += n * m + s * Math.sqrt(n) * d.normal();
      }
      path.push({ tSeconds: start + k * step, price: Math.exp(logPrice) });
    }
    return { path, jumpCount };
  });
  return { path: drawn.value.path, jumpCount: drawn.value.jumpCount, rng: drawn.rng };
}

/** Parameters of a GARCH(1,1) log-return process; all rates are per step, not per year. */
export interface GarchParams extends TimeGrid {
  /** Price at the first point, quote units (> 0). */
  readonly initialPrice: number;
  /** ω, constant term of the variance recursion, per-step log-return variance (> 0). */
  readonly omega: number;
  /** α, weight of the last squared shock (≥ 0). */
  readonly alpha: number;
  /** β, weight of the last variance (≥ 0); α + β < 1 for stationarity. */
  readonly beta: number;
  /** μ, mean log-return per step (default 0). */
  readonly meanLogReturnPerStep?: number;
  /** σ²₀, variance of the first step (default the unconditional ω / (1 − α − β)). */
  readonly initialVariancePerStep?: number;
}

/** A GARCH path with the conditional variance used at each step. */
export interface GarchResult extends PathResult {
  /** σ²_k for step k (0-based, `steps` entries): the variance of the log-return into point k + 1. */
  readonly variancePerStep: readonly number[];
}

/**
 * A GARCH(1,1) path (Bollerslev 1986): ε_k = σ_k·Z_k, ln S_{k+1} = ln S_k + μ + ε_k and
 * σ²_{k+1} = ω + α·ε_k² + β·σ²_k. Started at the unconditional variance, E[ε_k²] = ω/(1 − α − β)
 * at every step. One normal per step.
 * @throws InvalidParameterError naming the field for ω ≤ 0, α < 0, β < 0, a non-positive initial
 * variance or price, and (field `alpha + beta`) when α + β ≥ 1 (no stationary variance).
 */
export function garchPath(rng: Rng, params: GarchParams): GarchResult {
  const { start, step, steps } = gridOf(params);
  requirePositive('initialPrice', params.initialPrice);
  requirePositive('omega', params.omega);
  requireNonNegative('alpha', params.alpha);
  requireNonNegative('beta', params.beta);
  const persistence = params.alpha + params.beta;
  if (!(persistence < 1)) {
    throw new InvalidParameterError(
      'alpha + beta',
      `must be below 1 for a stationary GARCH(1,1), got ${persistence}`,
      'Lower alpha or beta; their sum is the persistence of volatility shocks.',
    );
  }
  const mu = params.meanLogReturnPerStep ?? 0;
  requireFinite('meanLogReturnPerStep', mu);
  const initialVariance = params.initialVariancePerStep ?? params.omega / (1 - persistence);
  requirePositive('initialVariancePerStep', initialVariance);
  const drawn = withRng(rng, (d) => {
    const path: PricePoint[] = [{ tSeconds: start, price: params.initialPrice }];
    const variancePerStep: number[] = [];
    let logPrice = Math.log(params.initialPrice);
    let variance = initialVariance;
    for (let k = 1; k <= steps; k++) {
      variancePerStep.push(variance);
      const shock = Math.sqrt(variance) * d.normal();
      logPrice += mu + shock;
      path.push({ tSeconds: start + k * step, price: Math.exp(logPrice) });
      variance = params.omega + params.alpha * shock * shock + params.beta * variance;
    }
    return { path, variancePerStep };
  });
  return { path: drawn.value.path, variancePerStep: drawn.value.variancePerStep, rng: drawn.rng };
}

/**
 * The ω that gives a GARCH(1,1) the unconditional volatility `volatilityPerYear` (annualised, per
 * √year) on steps of `stepSeconds`: ω = σ²·Δt·(1 − α − β), Δt in years.
 * @throws InvalidParameterError naming the field for bad inputs or α + β ≥ 1.
 */
export function garchOmegaFor(
  volatilityPerYear: number,
  options: { readonly stepSeconds: number; readonly alpha: number; readonly beta: number },
): number {
  requirePositive('volatilityPerYear', volatilityPerYear);
  requirePositive('stepSeconds', options.stepSeconds);
  requireNonNegative('alpha', options.alpha);
  requireNonNegative('beta', options.beta);
  const persistence = options.alpha + options.beta;
  if (!(persistence < 1)) {
    throw new InvalidParameterError('alpha + beta', `must be below 1, got ${persistence}`);
  }
  return volatilityPerYear * volatilityPerYear * (options.stepSeconds / SECONDS_PER_YEAR) * (1 - persistence);
}

/** Parameters of a Brownian bridge in log price. */
export interface BridgeParams {
  /** Price at `startSeconds`, quote units (> 0). */
  readonly initialPrice: number;
  /** Price the path must reach, quote units (> 0). */
  readonly targetPrice: number;
  /** Time of the first point, seconds (default 0). */
  readonly startSeconds?: number;
  /** Time of the pinned last point, seconds (> startSeconds). */
  readonly targetSeconds: number;
  /** Grid spacing, seconds (> 0); the last step is shorter when it does not divide the span. */
  readonly stepSeconds: number;
  /** σ, volatility of log-returns per √year (≥ 0); 0 gives the straight line in log price. */
  readonly volatilityPerYear: number;
}

/**
 * A geometric Brownian bridge: ln S is a Brownian motion with volatility σ conditioned to go from
 * ln S₀ at `startSeconds` to ln S_T at `targetSeconds`. Sampled exactly step by step: from x_k at
 * time t_k, x_{k+1} ~ N(x_k + (x_T − x_k)·h/r, σ²·h·(r − h)/r) with h the step and r the time
 * left (years). At time t the variance of ln S is σ²·τ(T − τ)/T (τ = t − start), e.g. σ²T/4 at
 * the midpoint. The last point is exactly `{ tSeconds: targetSeconds, price: targetPrice }`.
 * One normal per step except the last.
 * @throws InvalidParameterError naming the field for non-positive prices or step, a negative
 * volatility, or a target time not after the start.
 */
export function brownianBridgePath(rng: Rng, params: BridgeParams): PathResult {
  const start = params.startSeconds ?? 0;
  requireFinite('startSeconds', start);
  requirePositive('initialPrice', params.initialPrice);
  requirePositive('targetPrice', params.targetPrice);
  requirePositive('stepSeconds', params.stepSeconds);
  requireNonNegative('volatilityPerYear', params.volatilityPerYear);
  requireFinite('targetSeconds', params.targetSeconds);
  if (!(params.targetSeconds > start)) {
    throw new InvalidParameterError(
      'targetSeconds',
      `must be after startSeconds (${start}), got ${params.targetSeconds}`,
    );
  }
  const spanSeconds = params.targetSeconds - start;
  // A hair of tolerance so a span that is a whole number of steps in decimal stays one.
  const steps = Math.max(1, Math.ceil(spanSeconds / params.stepSeconds - 1e-9));
  const sigma = params.volatilityPerYear;
  const target = Math.log(params.targetPrice);
  const drawn = withRng(rng, (d) => {
    const path: PricePoint[] = [{ tSeconds: start, price: params.initialPrice }];
    let x = Math.log(params.initialPrice);
    let elapsedSeconds = 0;
    for (let k = 1; k < steps; k++) {
      const nextSeconds = k * params.stepSeconds;
      const hYears = (nextSeconds - elapsedSeconds) / SECONDS_PER_YEAR;
      const leftYears = (spanSeconds - elapsedSeconds) / SECONDS_PER_YEAR;
      const mean = x + ((target - x) * hYears) / leftYears;
      const variance = (sigma * sigma * hYears * (leftYears - hYears)) / leftYears;
      x = mean + Math.sqrt(variance) * d.normal();
      elapsedSeconds = nextSeconds;
      path.push({ tSeconds: start + nextSeconds, price: Math.exp(x) });
    }
    // The pin: the conditional variance of the last step is 0, so write the target itself rather
    // than exp(ln target), which could differ from it in the last bit.
    path.push({ tSeconds: params.targetSeconds, price: params.targetPrice });
    return path;
  });
  return { path: drawn.value, rng: drawn.rng };
}

/** One asset of a correlated GBM. */
export interface AssetGbm {
  /** Price at the first point, quote units (> 0). */
  readonly initialPrice: number;
  /** μ, expected return per year, continuously compounded. */
  readonly driftPerYear: number;
  /** σ, volatility of log-returns per √year (≥ 0). */
  readonly volatilityPerYear: number;
}

/** Parameters of a correlated multi-asset GBM. */
export interface CorrelatedGbmParams extends TimeGrid {
  /** The assets, in the order of the correlation matrix. */
  readonly assets: readonly AssetGbm[];
  /**
   * Correlation matrix of the Brownian shocks (unitless): square, one row per asset, symmetric,
   * ones on the diagonal, entries in [−1, 1], positive definite.
   */
  readonly correlation: readonly (readonly number[])[];
}

/** Paths of several assets on one grid, in the order of the assets. */
export interface CorrelatedPathsResult {
  readonly paths: readonly PricePath[];
  readonly rng: Rng;
}

/**
 * The lower-triangular Cholesky factor L with L·Lᵀ = `matrix` (Cholesky–Banachiewicz, row by row).
 * `field` names the matrix in errors.
 * @throws InvalidParameterError (field `field`) when the matrix is not square, or not positive
 * definite (a pivot ≤ 1e-12 · its diagonal entry, which also refuses perfect correlation ±1).
 */
export function cholesky(matrix: readonly (readonly number[])[], field = 'correlation'): number[][] {
  const n = matrix.length;
  for (let i = 0; i < n; i++) {
    if ((matrix[i] as readonly number[]).length !== n) {
      throw new InvalidParameterError(`${field}[${i}]`, `must have ${n} entries (a square matrix)`);
    }
  }
  const at = (i: number, j: number): number => (matrix[i] as readonly number[])[j] as number;
  const lower: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const l = (i: number, j: number): number => (lower[i] as number[])[j] as number;
  for (let i = 0; i < n; i++) {
    const row = lower[i] as number[];
    for (let j = 0; j <= i; j++) {
      let sum = at(i, j);
      for (let k = 0; k < j; k++) sum -= l(i, k) * l(j, k);
      if (i === j) {
        if (!(sum > 1e-12 * Math.abs(at(i, i)))) {
          throw new InvalidParameterError(
            field,
            `is not positive definite (pivot ${sum} at row ${i})`,
            'Use a valid correlation matrix; perfect correlation (±1) must be written as ±0.9999.',
          );
        }
        row[j] = Math.sqrt(sum);
      } else {
        row[j] = sum / l(j, j);
      }
    }
  }
  return lower;
}

function validateCorrelation(correlation: readonly (readonly number[])[], n: number): void {
  if (correlation.length !== n) {
    throw new InvalidParameterError(
      'correlation',
      `must have one row per asset (${n}), got ${correlation.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const row = correlation[i] as readonly number[];
    if (row.length !== n) {
      throw new InvalidParameterError(`correlation[${i}]`, `must have ${n} entries, got ${row.length}`);
    }
    for (let j = 0; j < n; j++) {
      const v = row[j] as number;
      const field = `correlation[${i}][${j}]`;
      if (!Number.isFinite(v) || v < -1 || v > 1) {
        throw new InvalidParameterError(field, `must be in [-1, 1], got ${v}`);
      }
      if (i === j && v !== 1) throw new InvalidParameterError(field, `must be 1 on the diagonal, got ${v}`);
      const mirror = (correlation[j] as readonly number[])[i] as number;
      if (Math.abs(v - mirror) > 1e-12) {
        throw new InvalidParameterError(field, `must equal correlation[${j}][${i}] (${mirror}): symmetric`);
      }
    }
  }
}

/**
 * Correlated GBM paths: each step draws n independent normals Z, forms W = L·Z with L the
 * Cholesky factor of the correlation matrix, and moves asset i as {@link gbmPath} does with W_i.
 * The log-returns of assets i and j then have correlation `correlation[i][j]`.
 * @throws InvalidParameterError naming the field: `assets` when empty, `assets[i].…` for a bad
 * asset, `correlation[i][j]` for a bad entry, `correlation` when not positive definite.
 */
export function correlatedGbmPaths(rng: Rng, params: CorrelatedGbmParams): CorrelatedPathsResult {
  const { start, step, steps } = gridOf(params);
  const n = params.assets.length;
  if (n === 0) throw new InvalidParameterError('assets', 'must list at least one asset');
  params.assets.forEach((a, i) => {
    requirePositive(`assets[${i}].initialPrice`, a.initialPrice);
    requireFinite(`assets[${i}].driftPerYear`, a.driftPerYear);
    requireNonNegative(`assets[${i}].volatilityPerYear`, a.volatilityPerYear);
  });
  validateCorrelation(params.correlation, n);
  const lower = cholesky(params.correlation);
  const dtYears = step / SECONDS_PER_YEAR;
  // Same expressions and association as gbmPath, so one asset reproduces it bit for bit.
  const driftLog = params.assets.map(
    (a) => (a.driftPerYear - (a.volatilityPerYear * a.volatilityPerYear) / 2) * dtYears,
  );
  const shockScale = params.assets.map((a) => a.volatilityPerYear * Math.sqrt(dtYears));
  const drawn = withRng(rng, (d) => {
    const paths: PricePoint[][] = params.assets.map((a) => [{ tSeconds: start, price: a.initialPrice }]);
    const logPrices = params.assets.map((a) => Math.log(a.initialPrice));
    const z = new Float64Array(n);
    for (let k = 1; k <= steps; k++) {
      for (let i = 0; i < n; i++) z[i] = d.normal();
      const t = start + k * step;
      for (let i = 0; i < n; i++) {
        const row = lower[i] as number[];
        let w = 0;
        for (let j = 0; j <= i; j++) w += (row[j] as number) * (z[j] as number);
        const lp = (logPrices[i] as number) + ((driftLog[i] as number) + (shockScale[i] as number) * w);
        logPrices[i] = lp;
        (paths[i] as PricePoint[]).push({ tSeconds: t, price: Math.exp(lp) });
      }
    }
    return paths;
  });
  return { paths: drawn.value, rng: drawn.rng };
}

/** How a depegged asset recovers. */
export interface DepegRecovery {
  /** Time from the end of the hold at the floor to the recovered price, seconds (> 0). */
  readonly recoverSeconds: number;
  /** Price it recovers to, quote units (> 0; default the peg). */
  readonly recoveredPrice?: number;
}

/** Noise around a depeg's shape: an Ornstein–Uhlenbeck process in log price. */
export interface DepegNoise {
  /** σ, volatility of the log deviation per √year (≥ 0). */
  readonly volatilityPerYear: number;
  /** κ, pull back toward the shape per year (≥ 0; 0 is a random walk around the shape). */
  readonly meanReversionPerYear: number;
}

/** Parameters of a stablecoin depeg path. */
export interface DepegParams extends TimeGrid {
  /** Price before the depeg, quote units (> 0; default 1). */
  readonly pegPrice?: number;
  /** Lowest price of the shape, quote units (> 0, below the peg). */
  readonly floorPrice: number;
  /** When the fall starts, seconds on the grid's clock. */
  readonly depegStartSeconds: number;
  /** How long the fall from peg to floor takes, seconds (> 0); the speed is (peg − floor)/fallSeconds. */
  readonly fallSeconds: number;
  /** How long the price stays at the floor, seconds (≥ 0; default 0). */
  readonly holdSeconds?: number;
  /** The recovery; absent: the price stays at the floor for good. */
  readonly recovery?: DepegRecovery;
  /** Random deviation around the shape; absent: the path is the shape itself and draws nothing. */
  readonly noise?: DepegNoise;
}

/**
 * The deterministic shape of a depeg at time `tSeconds`: the peg until `depegStartSeconds`, a
 * straight line (in price) down to the floor over `fallSeconds`, the floor for `holdSeconds`, then
 * a straight line to the recovered price over `recoverSeconds` and that price afterwards (or the
 * floor for good without a recovery).
 * @throws InvalidParameterError naming the field for bad parameters.
 */
export function depegShape(params: Omit<DepegParams, keyof TimeGrid | 'noise'>, tSeconds: number): number {
  const peg = params.pegPrice ?? 1;
  requirePositive('pegPrice', peg);
  requirePositive('floorPrice', params.floorPrice);
  if (!(params.floorPrice < peg)) {
    throw new InvalidParameterError('floorPrice', `must be below the peg (${peg}), got ${params.floorPrice}`);
  }
  requireFinite('depegStartSeconds', params.depegStartSeconds);
  requirePositive('fallSeconds', params.fallSeconds);
  const hold = params.holdSeconds ?? 0;
  requireNonNegative('holdSeconds', hold);
  const fallEnd = params.depegStartSeconds + params.fallSeconds;
  const holdEnd = fallEnd + hold;
  if (tSeconds <= params.depegStartSeconds) return peg;
  if (tSeconds < fallEnd) {
    const f = (tSeconds - params.depegStartSeconds) / params.fallSeconds;
    return peg + (params.floorPrice - peg) * f;
  }
  if (params.recovery === undefined) return params.floorPrice;
  requirePositive('recovery.recoverSeconds', params.recovery.recoverSeconds);
  const recovered = params.recovery.recoveredPrice ?? peg;
  requirePositive('recovery.recoveredPrice', recovered);
  if (tSeconds <= holdEnd) return params.floorPrice;
  const g = (tSeconds - holdEnd) / params.recovery.recoverSeconds;
  if (g >= 1) return recovered;
  return params.floorPrice + (recovered - params.floorPrice) * g;
}

/**
 * A depeg path on the grid: {@link depegShape} times e^{X_t}, where X is an Ornstein–Uhlenbeck
 * process (X₀ = 0) sampled exactly: X_{k+1} = X_k·e^{−κΔt} + σ·√((1 − e^{−2κΔt})/(2κ))·Z (σ√Δt·Z
 * when κ = 0), Δt in years. Without `noise` the path is the shape and the rng is returned unchanged.
 * @throws InvalidParameterError naming the field for bad parameters.
 */
export function depegPath(rng: Rng, params: DepegParams): PathResult {
  const { start, step, steps } = gridOf(params);
  depegShape(params, start); // validates the shape parameters once
  if (params.recovery !== undefined) {
    requirePositive('recovery.recoverSeconds', params.recovery.recoverSeconds);
    requirePositive('recovery.recoveredPrice', params.recovery.recoveredPrice ?? params.pegPrice ?? 1);
  }
  const times = Array.from({ length: steps + 1 }, (_, k) => start + k * step);
  const noise = params.noise;
  if (noise === undefined) {
    return { path: times.map((t) => ({ tSeconds: t, price: depegShape(params, t) })), rng };
  }
  requireNonNegative('noise.volatilityPerYear', noise.volatilityPerYear);
  requireNonNegative('noise.meanReversionPerYear', noise.meanReversionPerYear);
  const dtYears = step / SECONDS_PER_YEAR;
  const kappa = noise.meanReversionPerYear;
  const decay = Math.exp(-kappa * dtYears);
  const shockScale =
    kappa === 0
      ? noise.volatilityPerYear * Math.sqrt(dtYears)
      : noise.volatilityPerYear * Math.sqrt(-Math.expm1(-2 * kappa * dtYears) / (2 * kappa));
  const drawn = withRng(rng, (d) => {
    let x = 0;
    return times.map((t, k) => {
      if (k > 0) x = x * decay + shockScale * d.normal();
      return { tSeconds: t, price: depegShape(params, t) * Math.exp(x) };
    });
  });
  return { path: drawn.value, rng: drawn.rng };
}

/** A point of a path in integer oracle units: `price` is the price × 10^priceDecimals. */
export interface OraclePricePoint {
  readonly tSeconds: number;
  readonly price: bigint;
}

/** How {@link toOraclePrices} scales and rounds. */
export interface OraclePriceOptions {
  /** Decimals of the oracle's integer price (8 for Chainlink USD feeds, 18 for WAD, 27 for RAY). */
  readonly priceDecimals: number;
  /** Rounding of the exact value price × 10^priceDecimals to an integer. */
  readonly rounding: Rounding;
}

/**
 * The exact integer for a non-negative float64 `price` × 10^priceDecimals, rounded once. A float64
 * is exactly m·2^e (m a 53-bit integer), so the product is the rational m·10^d·2^e and only the
 * final division by 2^−e rounds: no decimal-string detour, no double rounding.
 * @throws InvalidParameterError (field `price`) for a negative or non-finite price;
 * InvalidDecimalsError for bad decimals.
 */
export function floatToScaledInteger(price: number, options: OraclePriceOptions): bigint {
  const unit = pow10(options.priceDecimals);
  if (!Number.isFinite(price) || price < 0) {
    throw new InvalidParameterError('price', `must be a non-negative finite number, got ${price}`);
  }
  if (price === 0) return 0n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, price);
  const bits = view.getBigUint64(0);
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // Normal numbers: (2^52 + f)·2^(E − 1075); subnormals: f·2^(−1074).
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n);
  const exponent = exponentBits === 0 ? -1074 : exponentBits - 1075;
  assert(exponentBits !== 0x7ff, 'finite float has a finite exponent');
  const scaled = mantissa * unit;
  if (exponent >= 0) return scaled << BigInt(exponent);
  return divRound(scaled, 1n << BigInt(-exponent), options.rounding);
}

/**
 * A path in integer oracle units, e.g. `{ priceDecimals: 8, rounding: Rounding.HalfUp }` for a
 * Chainlink-style feed. Exact (see {@link floatToScaledInteger}); times are kept as they are.
 * @throws as {@link floatToScaledInteger}.
 */
export function toOraclePrices(path: PricePath, options: OraclePriceOptions): OraclePricePoint[] {
  return path.map((p) => ({ tSeconds: p.tSeconds, price: floatToScaledInteger(p.price, options) }));
}
