/**
 * Portfolio margin of a cross-margin account (an issue-7 stage): the maintenance requirement is the
 * worst loss of the account's positions over a grid of correlated shocks to their underlyings (a
 * value-at-risk over the basket), with an optional floor at a share of today's per-position sum.
 *
 * Precedents. CME SPAN values each "combined commodity" (every product on one underlying) over a
 * risk array of 16 scenarios (the price moved by 0, ±⅓, ±⅔, ±1 of its price scan range, ...) and
 * takes the largest loss, then grants inter-commodity spread credits between correlated
 * underlyings (cmegroup.com/clearing/span-methodology.html). Deribit's portfolio margin stress
 * tests every position of a settlement currency together on a grid of underlying moves (±16 %
 * split into evenly spaced buckets that include zero) and margins the worst scenario
 * (support.deribit.com "Portfolio Margin"). Here every underlying gets its own scan range k·σ,
 * and the correlation between underlyings comes from the configuration instead of a credit table.
 *
 * ## The scenario set (exact, integers only)
 * Let m = (steps − 1)/2, k = rangeSigmaPpm/1e6, σ_u = sigmaPpm_u/1e6 and β_u the factor loadings
 * of underlying u (ppm; rows of norm ≤ 1, so ρ_uv = β_u·β_v; a correlation matrix is turned into
 * loadings by {@link correlationLoadings}, its exact Cholesky factor rounded down). A scenario
 * moves every underlying u by a fraction s_u of its price:
 * - driver scenarios (SPAN's per-underlying scan): for each u and j ∈ {−m..m} \ {0}, u moves by
 *   k·σ_u·j/m and every other v by its conditional mean ρ_uv·k·σ_v·j/m;
 * - factor-ball scenarios (the joint moves, spreads included): for each integer g ∈ Z^F with
 *   Σ g_f² ≤ m² (the k-σ ball of the factors, discretized), u moves by k·σ_u·(β_u·g)/m.
 * The worst loss over the union is W ≥ 0 (g = 0 is in the grid). A lone position's worst case is
 * its own driver at j = ±m, a k·σ move: with k·σ equal to the market's maintenance rate the
 * requirement is the classic one exactly (by Cauchy–Schwarz no ball point goes further). For a
 * hedged book the grid is a discretization of the k-σ ellipsoid, whose exact worst loss for
 * linear positions is k·√(wᵀCw) (w = σ-weighted net exposures): the grid falls short of it by the
 * angle between the book's worst direction and the nearest grid point, e.g. 9 % for long 2 / short
 * 1 at ρ = 0.85 with 7 steps, 3.5 % with 13 (a finer grid costs steps^factors evaluations).
 * The evaluation screens every scenario in floats, then evaluates exactly only those that can be
 * the worst (see evaluatePortfolio); the result is the exact maximum of the whole set.
 *
 * Rounding (against the account): a position's PnL in a scenario is −⌈notional↑·|s|⌉ on an
 * adverse move and +⌊notional↓·|s|⌋ on a favourable one, where notional↑/↓ is |size|·mark rounded
 * up/down (the price shocked to mark·(1 + s) in fixed point). Requirement = max(W, ⌈floorPpm ×
 * per-position sum / 1e6⌉).
 */
import { divSigned, max, Rounding } from '../../math/mulDiv.js';
import { InvalidParameterError } from '../errors.js';
import { PPM_SCALE } from './types.js';

/** ppm² = 1e12: the scale of loadings products and implied correlations. */
const PPM2 = PPM_SCALE * PPM_SCALE;

/** Largest number of grid points `steps^factors` a configuration may ask for. */
export const PORTFOLIO_MAX_GRID_POINTS = 100_000;

/** One underlying of the portfolio margin as configured. */
export interface PortfolioUnderlyingParams {
  /** The underlying (a market's `underlying`, default its oracle asset). */
  readonly underlying: string;
  /** One standard deviation of its price move over the margin horizon, ppm of price (0, 1e6]. */
  readonly sigmaPpm: bigint;
  /** Factor loadings, ppm (Σ loading² ≤ 1e12); given for every underlying or for none. */
  readonly loadingsPpm?: readonly bigint[];
}

/** A correlation between two underlyings, ppm in (−1e6, 1e6); unlisted pairs are 0. */
export interface PortfolioCorrelationParams {
  readonly a: string;
  readonly b: string;
  readonly correlationPpm: bigint;
}

/** The `portfolioMargin` section as configured (JSON-friendly; {@link compilePortfolioMargin} resolves it). */
export interface PortfolioMarginParams {
  /** Grid points per factor and per driver, odd, 3..101: shocks at −k, ..., 0, ..., +k σ. */
  readonly steps: number;
  /** The scan range k in σ, ppm (2_500_000 = ±2.5σ). */
  readonly rangeSigmaPpm: bigint;
  /** The requirement is at least this share of the per-position sum, ppm [0, 1e6] (default 0). */
  readonly floorPpm?: bigint;
  /**
   * Initial margin = ⌈maintenance requirement × this / 1e6⌉, ppm ≥ 1e6 (Deribit's portfolio margin
   * sets maintenance at `mm_factor` 0.8 of initial, i.e. 1_250_000 here). Absent: the initial
   * margin stays the per-position sum (raised to the requirement if that is higher), so the stage
   * only delays liquidation and frees no capital for opening.
   */
  readonly initialFactorPpm?: bigint;
  readonly underlyings: readonly PortfolioUnderlyingParams[];
  /** Correlations between underlyings (when no loadings are given). */
  readonly correlations?: readonly PortfolioCorrelationParams[];
}

/** One underlying of a compiled portfolio margin. */
export interface PortfolioUnderlying {
  readonly underlying: string;
  readonly sigmaPpm: bigint;
  /** Loadings on the factors, ppm, Σ loading² ≤ 1e12. */
  readonly loadingsPpm: readonly bigint[];
}

/** A portfolio margin ready to evaluate (what the book carries). */
export interface PortfolioMarginConfig {
  /** m = (steps − 1)/2. */
  readonly halfSteps: number;
  readonly rangeSigmaPpm: bigint;
  readonly floorPpm: bigint;
  /** See {@link PortfolioMarginParams.initialFactorPpm}. */
  readonly initialFactorPpm?: bigint;
  readonly factorCount: number;
  readonly underlyings: readonly PortfolioUnderlying[];
}

/** A cross position as the portfolio margin sees it. */
export interface PortfolioLeg {
  readonly market: string;
  readonly underlying: string;
  /** Signed base units (+ long). */
  readonly sizeBase: bigint;
  /** |size|·mark, quote units, rounded up. */
  readonly notionalUpQuote: bigint;
  /** |size|·mark, quote units, rounded down. */
  readonly notionalDownQuote: bigint;
  /** The position's own tiered maintenance margin, quote units. */
  readonly maintenanceQuote: bigint;
}

/** The scenario that produced the worst loss. */
export type PortfolioScenario =
  | { readonly kind: 'none' }
  | { readonly kind: 'driver'; readonly underlying: string; readonly level: number }
  | { readonly kind: 'ball'; readonly grid: readonly number[] };

/** The portfolio requirement of a cross scope, beside the per-position sum. */
export interface PortfolioRequirement {
  /** Worst loss over the scenario set, quote units (≥ 0). */
  readonly worstLossQuote: bigint;
  /** ⌈floorPpm × per-position sum / 1e6⌉, quote units. */
  readonly floorQuote: bigint;
  /** max(worst loss, floor): the maintenance requirement, quote units. */
  readonly requirementQuote: bigint;
  /** Today's per-position sum of tiered maintenance margins, quote units. */
  readonly perPositionQuote: bigint;
  readonly worstScenario: PortfolioScenario;
  /** Each underlying's move in the worst scenario, ppm of price, rounded half-up (a display). */
  readonly worstShockPpm: Readonly<Record<string, bigint>>;
  /** Each leg's loss in the worst scenario (negative: a gain), quote units, by market. */
  readonly legLossQuote: Readonly<Record<string, bigint>>;
}

/**
 * Integer square root, ⌊√n⌋, exact for any size.
 * @throws InvalidParameterError (`n`) when n < 0.
 */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new InvalidParameterError('n', 'expected ≥ 0');
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton from the float guess, then fix up: exact for any size.
  for (;;) {
    const y = (x + n / x) / 2n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** Determinants of the leading principal minors of an integer matrix (Bareiss, exact). */
export function leadingMinors(matrix: readonly (readonly bigint[])[]): bigint[] {
  const n = matrix.length;
  const a = matrix.map((row) => [...row]);
  const out: bigint[] = [];
  let prev = 1n;
  for (let k = 0; k < n; k++) {
    // The k-th leading minor is the pivot a[k][k] after k Bareiss steps (no row swaps: a zero
    // pivot means the minor is 0, and the caller refuses it).
    const pivot = a[k]![k]!;
    out.push(pivot);
    if (pivot === 0n) {
      for (let r = k + 1; r < n; r++) out.push(0n);
      return out;
    }
    for (let i = k + 1; i < n; i++) {
      for (let j = k + 1; j < n; j++) {
        a[i]![j] = (a[i]![j]! * pivot - a[i]![k]! * a[k]![j]!) / prev;
      }
    }
    prev = pivot;
  }
  return out;
}

/**
 * Factor loadings (ppm) of a correlation matrix (ppm, symmetric, diagonal 1e6): its Cholesky factor
 * L computed row by row in integers, off-diagonal entries rounded half-up and each diagonal the
 * floor of the square root of what the row's other entries leave of 1e12, so every row has
 * Σ L² ≤ 1e12 exactly (no scenario moves an underlying beyond k·σ) and L·Lᵀ is the matrix to about
 * 1 ppm. The matrix must be positive definite (all leading minors > 0, checked exactly).
 * @param path dotted path of the correlations in error fields.
 * @throws InvalidParameterError (`<path>`) for a matrix that is not positive definite, or too
 *   close to singular for ppm loadings.
 */
export function correlationLoadings(matrixPpm: readonly (readonly bigint[])[], path: string): bigint[][] {
  const n = matrixPpm.length;
  for (const [i, row] of matrixPpm.entries()) {
    if (row.length !== n || row[i] !== PPM_SCALE) {
      throw new InvalidParameterError(path, 'expected a square matrix with 1e6 on the diagonal');
    }
    for (const [j, v] of row.entries()) {
      if (v !== matrixPpm[j]![i]) throw new InvalidParameterError(path, 'expected a symmetric matrix');
    }
  }
  if (leadingMinors(matrixPpm).some((d) => d <= 0n)) {
    throw new InvalidParameterError(
      path,
      'the correlations are not positive definite',
      'Check that they are consistent (e.g. ρ_ab = ρ_ac = 0.9 needs ρ_bc > 0.62); use loadingsPpm for perfectly correlated underlyings, or give them one underlying.',
    );
  }
  const l: bigint[][] = matrixPpm.map(() => new Array<bigint>(n).fill(0n));
  for (let j = 0; j < n; j++) {
    let used = 0n;
    for (let k = 0; k < j; k++) used += l[j]![k]! * l[j]![k]!;
    const diag = used >= PPM2 ? 0n : isqrt(PPM2 - used);
    if (diag === 0n) {
      throw new InvalidParameterError(path, 'the correlations are too close to singular for ppm loadings');
    }
    l[j]![j] = diag;
    for (let i = j + 1; i < n; i++) {
      let s = matrixPpm[i]![j]! * PPM_SCALE;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      // Half-up: the nearest ppm; the row's diagonal absorbs the rounding (norm ≤ 1 exactly).
      l[i]![j] = divSigned(s, diag, Rounding.HalfUp);
    }
  }
  return l;
}

/**
 * Resolves a `portfolioMargin` section: loadings as given (each row Σ² ≤ 1e12, not all zero) or
 * from the correlations ({@link correlationLoadings}), and checks the grid size.
 * @param path dotted path of the section (`params.portfolioMargin`).
 * @throws InvalidParameterError naming the field: steps even, out of [3, 101], or steps^factors
 *   above {@link PORTFOLIO_MAX_GRID_POINTS}; sigma or range out of range; a repeated underlying;
 *   loadings given for some underlyings only, of different lengths, or together with
 *   correlations; a correlation of an unknown or the same underlying, repeated, or not positive
 *   definite.
 */
export function compilePortfolioMargin(params: PortfolioMarginParams, path: string): PortfolioMarginConfig {
  const { steps } = params;
  if (!Number.isSafeInteger(steps) || steps < 3 || steps > 101 || steps % 2 === 0) {
    throw new InvalidParameterError(`${path}.steps`, `expected an odd integer in [3, 101], got ${steps}`);
  }
  if (params.rangeSigmaPpm <= 0n || params.rangeSigmaPpm > 100n * PPM_SCALE) {
    throw new InvalidParameterError(`${path}.rangeSigmaPpm`, 'expected k·1e6 in (0, 1e8]');
  }
  const floorPpm = params.floorPpm ?? 0n;
  if (floorPpm < 0n || floorPpm > PPM_SCALE) {
    throw new InvalidParameterError(`${path}.floorPpm`, 'expected a share in [0, 1e6] ppm');
  }
  const factor = params.initialFactorPpm;
  if (factor !== undefined && (factor < PPM_SCALE || factor > 100n * PPM_SCALE)) {
    throw new InvalidParameterError(`${path}.initialFactorPpm`, 'expected a factor in [1e6, 1e8] ppm');
  }
  const names = params.underlyings.map((u) => u.underlying);
  if (names.length === 0) throw new InvalidParameterError(`${path}.underlyings`, 'needs at least one');
  for (const [i, u] of params.underlyings.entries()) {
    if (names.indexOf(u.underlying) !== i) {
      throw new InvalidParameterError(`${path}.underlyings.${i}.underlying`, `repeats ${u.underlying}`);
    }
    if (u.sigmaPpm <= 0n || u.sigmaPpm > PPM_SCALE) {
      throw new InvalidParameterError(`${path}.underlyings.${i}.sigmaPpm`, 'expected σ in (0, 1e6] ppm');
    }
  }
  const given = params.underlyings.filter((u) => u.loadingsPpm !== undefined).length;
  let loadings: bigint[][];
  if (given > 0) {
    if (given !== names.length) {
      const i = params.underlyings.findIndex((u) => u.loadingsPpm === undefined);
      throw new InvalidParameterError(
        `${path}.underlyings.${i}.loadingsPpm`,
        'loadings are given for some underlyings: give them for all',
      );
    }
    if (params.correlations !== undefined) {
      throw new InvalidParameterError(`${path}.correlations`, 'give loadings or correlations, not both');
    }
    const f = params.underlyings[0]!.loadingsPpm!.length;
    loadings = params.underlyings.map((u, i) => {
      const row = [...u.loadingsPpm!];
      const at = `${path}.underlyings.${i}.loadingsPpm`;
      if (row.length !== f || f === 0)
        throw new InvalidParameterError(at, `expected ${f || 'some'} loadings`);
      const norm = row.reduce((s, b) => s + b * b, 0n);
      if (norm === 0n || norm > PPM2) {
        throw new InvalidParameterError(at, 'expected Σ loading² in (0, 1e12] (ppm², a row of norm ≤ 1)');
      }
      return row;
    });
  } else {
    const n = names.length;
    const matrix: bigint[][] = names.map((_, i) => names.map((__, j) => (i === j ? PPM_SCALE : 0n)));
    for (const [c, pair] of (params.correlations ?? []).entries()) {
      const at = `${path}.correlations.${c}`;
      const i = names.indexOf(pair.a);
      const j = names.indexOf(pair.b);
      if (i < 0) throw new InvalidParameterError(`${at}.a`, `${pair.a} is not a listed underlying`);
      if (j < 0) throw new InvalidParameterError(`${at}.b`, `${pair.b} is not a listed underlying`);
      if (i === j) throw new InvalidParameterError(`${at}.b`, 'correlates an underlying with itself');
      if (pair.correlationPpm <= -PPM_SCALE || pair.correlationPpm >= PPM_SCALE) {
        throw new InvalidParameterError(`${at}.correlationPpm`, 'expected ρ in (−1e6, 1e6) ppm');
      }
      if (matrix[i]![j] !== 0n) throw new InvalidParameterError(at, `repeats ${pair.a}/${pair.b}`);
      matrix[i]![j] = pair.correlationPpm;
      matrix[j]![i] = pair.correlationPpm;
    }
    loadings = n === 1 ? [[PPM_SCALE]] : correlationLoadings(matrix, `${path}.correlations`);
  }
  const factorCount = loadings[0]!.length;
  if ((steps as number) ** factorCount > PORTFOLIO_MAX_GRID_POINTS) {
    throw new InvalidParameterError(
      `${path}.steps`,
      `steps^factors = ${steps}^${factorCount} exceeds ${PORTFOLIO_MAX_GRID_POINTS} grid points`,
    );
  }
  return {
    halfSteps: (steps - 1) / 2,
    rangeSigmaPpm: params.rangeSigmaPpm,
    floorPpm,
    ...(factor === undefined ? {} : { initialFactorPpm: factor }),
    factorCount,
    underlyings: params.underlyings.map((u, i) => ({
      underlying: u.underlying,
      sigmaPpm: u.sigmaPpm,
      loadingsPpm: loadings[i]!,
    })),
  };
}

const gridCache = new Map<string, readonly (readonly number[])[]>();

/**
 * The integer points g ∈ {−m..m}^dims with Σ g² ≤ m² (the discretized ball), in lexicographic
 * order; memoized (the result is a pure function of its arguments).
 */
export function portfolioBallGrid(dims: number, halfSteps: number): readonly (readonly number[])[] {
  const key = `${dims}:${halfSteps}`;
  const cached = gridCache.get(key);
  if (cached !== undefined) return cached;
  const out: number[][] = [];
  const m2 = halfSteps * halfSteps;
  const point = new Array<number>(dims).fill(0);
  const walk = (d: number, used: number): void => {
    if (d === dims) {
      out.push([...point]);
      return;
    }
    for (let g = -halfSteps; g <= halfSteps; g++) {
      if (used + g * g > m2) continue;
      point[d] = g;
      walk(d + 1, used + g * g);
    }
  };
  walk(0, 0);
  gridCache.set(key, out);
  return out;
}

/**
 * Worst loss of `legs` over the scenario set and the portfolio requirement (file header).
 * @param legs the scope's open positions (size ≠ 0), sorted by market.
 * @param perPositionQuote the scope's per-position sum of tiered maintenance margins.
 * @throws InvalidParameterError (`portfolioMargin.underlyings`) for a leg whose underlying the
 *   configuration does not list (parsePerpsGenericParams refuses such configurations).
 */
export function portfolioRequirement(
  legs: readonly PortfolioLeg[],
  config: PortfolioMarginConfig,
  perPositionQuote: bigint,
): PortfolioRequirement {
  // Memoized per configuration object (a pure function of its arguments; bounded).
  let cache = MEMO.get(config);
  if (cache === undefined) {
    cache = new Map();
    MEMO.set(config, cache);
  }
  let key = `${perPositionQuote}`;
  for (const l of legs) {
    key += `|${l.market}:${l.underlying}:${l.sizeBase}:${l.notionalUpQuote}:${l.notionalDownQuote}:${l.maintenanceQuote}`;
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const out = evaluatePortfolio(legs, config, perPositionQuote);
  if (cache.size >= MEMO_LIMIT) cache.clear();
  cache.set(key, out);
  return out;
}

const MEMO = new WeakMap<PortfolioMarginConfig, Map<string, PortfolioRequirement>>();
const MEMO_LIMIT = 20_000;

function evaluatePortfolio(
  legs: readonly PortfolioLeg[],
  config: PortfolioMarginConfig,
  perPositionQuote: bigint,
): PortfolioRequirement {
  const floorQuote = divSigned(perPositionQuote * config.floorPpm, PPM_SCALE, Rounding.Up);
  const indexOf = new Map(config.underlyings.map((u, i) => [u.underlying, i]));
  const used: number[] = [];
  const legIndex = legs.map((leg) => {
    const i = indexOf.get(leg.underlying);
    if (i === undefined) {
      throw new InvalidParameterError(
        'portfolioMargin.underlyings',
        `has no ${leg.underlying} (market ${leg.market})`,
      );
    }
    if (!used.includes(i)) used.push(i);
    return i;
  });
  used.sort((a, b) => a - b);
  const m = BigInt(config.halfSteps);
  // Shock s_u = num_u / DEN with DEN = m·1e24 (σ ppm × k ppm × ρ ppm²).
  const den = m * PPM2 * PPM2;
  const legPnl = (leg: PortfolioLeg, num: bigint): bigint => {
    if (num === 0n) return 0n;
    const adverse = leg.sizeBase > 0n !== num > 0n;
    const magnitude = num < 0n ? -num : num;
    // Adverse: the loss rounded up on the notional rounded up; favourable: the gain rounded down
    // on the notional rounded down. Both against the account.
    return adverse
      ? -divSigned(leg.notionalUpQuote * magnitude, den, Rounding.Up)
      : divSigned(leg.notionalDownQuote * magnitude, den, Rounding.Down);
  };
  const sk = (u: number): bigint => config.underlyings[u]!.sigmaPpm * config.rangeSigmaPpm;
  const loadings = (u: number): readonly bigint[] => config.underlyings[u]!.loadingsPpm;
  const rho = (u: number, v: number): bigint => {
    if (u === v) return PPM2;
    let s = 0n;
    const a = loadings(u);
    const b = loadings(v);
    for (let f = 0; f < a.length; f++) s += a[f]! * b[f]!;
    return s;
  };
  // The factors the legs load on (setting the others to 0 loses no worst case: a linear loss on a
  // ball is maximized with them at 0).
  const factors: number[] = [];
  for (let f = 0; f < config.factorCount; f++) {
    if (used.some((u) => loadings(u)[f] !== 0n)) factors.push(f);
  }
  type Scenario = { readonly u: number; readonly j: number } | { readonly g: readonly number[] };
  const scenarios: Scenario[] = [];
  // Driver scenarios: u moves k·σ_u·j/m, every other v its conditional mean ρ_uv·k·σ_v·j/m.
  for (const u of used) {
    for (let j = -config.halfSteps; j <= config.halfSteps; j++) if (j !== 0) scenarios.push({ u, j });
  }
  // Factor-ball scenarios.
  for (const g of portfolioBallGrid(factors.length, config.halfSteps)) scenarios.push({ g });
  const numsOf = (sc: Scenario): Map<number, bigint> => {
    const nums = new Map<number, bigint>();
    for (const v of used) {
      if ('u' in sc) {
        nums.set(v, sk(v) * BigInt(sc.j) * rho(sc.u, v));
        continue;
      }
      const beta = loadings(v);
      let dot = 0n;
      for (const [d, f] of factors.entries()) dot += beta[f]! * BigInt(sc.g[d]!);
      nums.set(v, sk(v) * dot * PPM_SCALE);
    }
    return nums;
  };
  // Screen in floats (never decides): each scenario's loss without rounding. A scenario's exact
  // loss differs from it by at most L·(2 + max shock) units of rounding (each leg rounds once, and
  // its up and down notionals differ by ≤ 1) plus float error (≤ 1e-9 of Σ notional × max shock,
  // far above double precision), so only scenarios within twice that of the best can be the worst;
  // those are evaluated exactly, in enumeration order (the first exact maximum wins, as if all were).
  // Floats per used underlying (index k in `used`): net exposure, k·σ, loadings, correlations.
  const exposure = used.map(() => 0);
  let notionalSum = 0;
  for (const [k, leg] of legs.entries()) {
    const n = Number(leg.notionalUpQuote);
    notionalSum += n;
    exposure[used.indexOf(legIndex[k]!)]! += leg.sizeBase > 0n ? -n : n;
  }
  const denF = Number(den);
  const skF = used.map((u) => Number(sk(u)) / denF);
  const rhoF = used.map((u) => used.map((v) => Number(rho(u, v))));
  const betaF = used.map((u) => factors.map((f) => Number(loadings(u)[f]!) * 1e6));
  const floatLoss = (sc: Scenario): number => {
    let loss = 0;
    for (let k = 0; k < used.length; k++) {
      let num: number;
      if ('u' in sc) num = sc.j * rhoF[used.indexOf(sc.u)]![k]!;
      else {
        const beta = betaF[k]!;
        num = 0;
        for (let d = 0; d < beta.length; d++) num += beta[d]! * sc.g[d]!;
      }
      loss += exposure[k]! * skF[k]! * num;
    }
    return loss;
  };
  const losses = scenarios.map(floatLoss);
  const best = losses.reduce((a, b) => (b > a ? b : a), 0);
  const maxShock = Math.max(...used.map((u) => Number(sk(u)) / 1e12), 0);
  const tolerance = 2 * (legs.length * (2 + maxShock) + 1e-9 * notionalSum * maxShock + 1);
  let worst = 0n;
  let worstNums: ReadonlyMap<number, bigint> = new Map();
  let worstScenario: PortfolioScenario = { kind: 'none' };
  for (const [i, sc] of scenarios.entries()) {
    if (losses[i]! < best - tolerance) continue;
    const nums = numsOf(sc);
    let loss = 0n;
    for (const [k, leg] of legs.entries()) loss -= legPnl(leg, nums.get(legIndex[k]!) ?? 0n);
    if (loss <= worst) continue;
    worst = loss;
    worstNums = nums;
    if ('u' in sc)
      worstScenario = { kind: 'driver', underlying: config.underlyings[sc.u]!.underlying, level: sc.j };
    else {
      const grid = new Array<number>(config.factorCount).fill(0);
      for (const [d, f] of factors.entries()) grid[f] = sc.g[d]!;
      worstScenario = { kind: 'ball', grid };
    }
  }
  const worstShockPpm: Record<string, bigint> = {};
  for (const u of used) {
    worstShockPpm[config.underlyings[u]!.underlying] = divSigned(
      (worstNums.get(u) ?? 0n) * PPM_SCALE,
      den,
      Rounding.HalfUp,
    );
  }
  const legLossQuote: Record<string, bigint> = {};
  for (const [k, leg] of legs.entries()) {
    legLossQuote[leg.market] = -legPnl(leg, worstNums.get(legIndex[k]!) ?? 0n);
  }
  return {
    worstLossQuote: worst,
    floorQuote,
    requirementQuote: max(worst, floorQuote),
    perPositionQuote,
    worstScenario,
    worstShockPpm,
    legLossQuote,
  };
}

/**
 * The leg a liquidation of a portfolio-margined scope closes: when the worst loss binds (it is
 * above the floor), the leg that loses most in the worst scenario; when the floor binds, the leg
 * with the largest own maintenance margin. Ties go to the first market id. Undefined without legs.
 */
export function portfolioLiquidationLeg(
  legs: readonly PortfolioLeg[],
  requirement: PortfolioRequirement,
): string | undefined {
  const sorted = [...legs].sort((a, b) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));
  const lossBinds = requirement.worstLossQuote > requirement.floorQuote;
  let best: { market: string; score: bigint } | undefined;
  for (const leg of sorted) {
    const score = lossBinds ? (requirement.legLossQuote[leg.market] ?? 0n) : leg.maintenanceQuote;
    if (best === undefined || score > best.score) best = { market: leg.market, score };
  }
  return best?.market;
}
