/**
 * The simulator's one source of randomness: a seeded xoroshiro128+ generator (pure-rand) held as an
 * explicit, immutable state value, with independent streams per path and per worker, and the draws
 * the price models need (uniform, standard normal, exponential, Poisson). Nothing here reads the
 * clock or `Math.random`: the same seed always gives the same sequence.
 *
 * Reproducibility: uniforms are bit for bit identical everywhere (integer arithmetic only).
 * Normals, exponentials and Poisson draws also use `Math.log`, `Math.exp` and `Math.sqrt`; `sqrt`
 * is correctly rounded by IEEE 754, `log`/`exp` are bit for bit stable on one JavaScript engine
 * (Node 20's V8 uses the fdlibm algorithms), which is the guarantee a seed gives.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { InvalidParameterError } from '../engine/errors.js';
import { assert } from '../math/errors.js';

/** The generator algorithm; part of the state so a saved state says how to continue it. */
export type RngAlgorithm = 'xoroshiro128plus';

/**
 * A generator state as a plain value. `state` is pure-rand's xoroshiro128+ layout, four signed
 * 32-bit words `[high(s0), low(s0), high(s1), low(s1)]`; `spareNormal` is the second normal of the
 * last Marsaglia polar pair, not yet handed out (null when none). Never mutated: every draw
 * returns a new state.
 */
export interface Rng {
  readonly algorithm: RngAlgorithm;
  readonly state: readonly [number, number, number, number];
  readonly spareNormal: number | null;
}

/** A value drawn and the generator state after the draw. */
export interface Drawn<T> {
  readonly value: T;
  readonly rng: Rng;
}

/**
 * A mutable drawing cursor, alive only inside {@link withRng}'s callback (it refuses to draw
 * afterwards). It exists so hot loops can draw without allocating a new {@link Rng} per draw.
 */
export interface RngCursor {
  /** Uniform in [0, 1): a multiple of 2^-53 (53 random bits). */
  uniform(): number;
  /** Standard normal N(0, 1), Marsaglia polar method (pairs; the second value is kept as spare). */
  normal(): number;
  /** Exponential with rate `ratePerUnit` (> 0): mean 1/rate, in the reciprocal unit of the rate. */
  exponential(ratePerUnit: number): number;
  /** Poisson count with the given mean (≥ 0, ≤ {@link POISSON_MEAN_MAX}). */
  poisson(mean: number): number;
}

const MASK64 = (1n << 64n) - 1n;
/** 2^64 / φ, the SplitMix64 increment (Steele, Lea, Flood, "Fast splittable PRNGs", OOPSLA 2014). */
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
/** Largest seed accepted: seeds are 64-bit unsigned integers. */
export const SEED_MAX = MASK64;
/** Largest Poisson mean accepted: the sampler costs O(mean) uniforms. */
export const POISSON_MEAN_MAX = 1e6;
/** Poisson means up to this are drawn in one multiplication run; larger ones as a sum of chunks. */
const POISSON_CHUNK = 16;

/**
 * One SplitMix64 output step: advances `x` by the golden gamma and returns the mixed value and the
 * new `x`. Used only to seed and to split (Vigna recommends SplitMix64 to fill xoroshiro's state).
 * Mixing constants from Steele et al. 2014 / Vigna's splitmix64.c (`mix64` variant 13).
 */
function splitMix64(x: bigint): { readonly out: bigint; readonly next: bigint } {
  const next = (x + GOLDEN_GAMMA) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return { out: z ^ (z >> 31n), next };
}

/** The first `count` SplitMix64 outputs from `seed` (exported for the reference-vector test). */
export function splitMix64Sequence(seed: bigint, count: number): bigint[] {
  const out: bigint[] = [];
  let x = seed & MASK64;
  for (let i = 0; i < count; i++) {
    const step = splitMix64(x);
    out.push(step.out);
    x = step.next;
  }
  return out;
}

/** Signed 32-bit words of a 64-bit value, high first. */
function words(x: bigint): readonly [number, number] {
  return [Number(BigInt.asIntN(32, x >> 32n)), Number(BigInt.asIntN(32, x))];
}

/** The 64-bit value of two 32-bit words, high first. */
function fromWords(high: number, low: number): bigint {
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

function rngFromSeed64(seed: bigint): Rng {
  const [a, b] = splitMix64Sequence(seed, 2) as [bigint, bigint];
  const [s0h, s0l] = words(a);
  const [s1h, s1l] = words(b);
  // An all-zero xoroshiro state would emit zeros forever; SplitMix64 is a bijection of its counter,
  // so two consecutive outputs are both zero for no seed, but keep the invariant explicit.
  assert((s0h | s0l | s1h | s1l) !== 0, 'xoroshiro128+ state must not be all zero');
  return { algorithm: 'xoroshiro128plus', state: [s0h, s0l, s1h, s1l], spareNormal: null };
}

/**
 * A new generator from a seed: an integer in [0, 2^64) as a number (a safe integer) or a bigint.
 * The 128-bit xoroshiro128+ state is filled with the first two SplitMix64 outputs of the seed, so
 * nearby seeds (1, 2, 3...) give unrelated sequences from the first draw.
 * @throws InvalidParameterError (field `seed`) for a non-integer, unsafe, negative or too large seed.
 */
export function createRng(seed: number | bigint): Rng {
  let seed64: bigint;
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new InvalidParameterError(
        'seed',
        `must be a non-negative safe integer, got ${seed}`,
        'Pass a bigint for seeds above 2^53.',
      );
    }
    seed64 = BigInt(seed);
  } else {
    if (seed < 0n || seed > SEED_MAX) {
      throw new InvalidParameterError('seed', `must be in [0, 2^64), got ${seed}`);
    }
    seed64 = seed;
  }
  return rngFromSeed64(seed64);
}

/** A pure-rand generator positioned at `rng`'s state (a fresh object each call). */
function generatorOf(rng: Rng): JumpableRandomGenerator {
  return xoroshiro128plusFromState(rng.state);
}

function rngOf(generator: JumpableRandomGenerator, spareNormal: number | null): Rng {
  const s = generator.getState();
  assert(s.length === 4, 'xoroshiro128+ state has four words');
  return {
    algorithm: 'xoroshiro128plus',
    state: [s[0] as number, s[1] as number, s[2] as number, s[3] as number],
    spareNormal,
  };
}

/**
 * The generator 2^64 draws ahead of `rng` (xoroshiro128+ jump polynomial): streams started by
 * successive jumps never overlap for fewer than 2^64 draws each. The spare normal is dropped so the
 * new stream starts clean.
 */
export function jump(rng: Rng): Rng {
  const g = generatorOf(rng);
  g.jump();
  return rngOf(g, null);
}

/**
 * Stream number `index` (0, 1, 2, ...) of a root generator: the root jumped `index + 1` times, so
 * no stream overlaps the root's own draws or another stream. Use it for Monte Carlo path k (or
 * worker w): path k gets the same stream whichever worker computes it. Costs O(index) jumps (each
 * 128 generator steps); for a consecutive range prefer {@link streamRange}.
 * @throws InvalidParameterError (field `index`) unless `index` is a non-negative safe integer.
 */
export function streamAt(root: Rng, index: number): Rng {
  return streamRange(root, index, 1)[0] as Rng;
}

/**
 * Streams `start` .. `start + count - 1` of `root` (as {@link streamAt}), computed with one jump per
 * stream after the first: what a worker that owns a contiguous block of paths needs.
 * @throws InvalidParameterError (field `index` or `count`) unless both are non-negative safe integers.
 */
export function streamRange(root: Rng, start: number, count: number): Rng[] {
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new InvalidParameterError('index', `must be a non-negative integer, got ${start}`);
  }
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InvalidParameterError('count', `must be a non-negative integer, got ${count}`);
  }
  const g = generatorOf(root);
  for (let i = 0; i <= start; i++) g.jump();
  const out: Rng[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) g.jump();
    out.push(rngOf(g, null));
  }
  return out;
}

/**
 * A child generator labelled `index`, derived in O(1) by hashing the parent state and the index
 * through SplitMix64 and seeding a new xoroshiro128+ from the hash. Children are statistically
 * independent of each other and of the parent, but unlike {@link streamAt} non-overlap is only
 * overwhelmingly likely, not guaranteed. Handy for nested labels (path k, then asset j).
 * @throws InvalidParameterError (field `index`) unless `index` is a non-negative safe integer.
 */
export function split(rng: Rng, index: number): Rng {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new InvalidParameterError('index', `must be a non-negative integer, got ${index}`);
  }
  const [s0h, s0l, s1h, s1l] = rng.state;
  const s0 = fromWords(s0h, s0l);
  const s1 = fromWords(s1h, s1l);
  const h1 = splitMix64(s1 ^ ((BigInt(index) * GOLDEN_GAMMA) & MASK64)).out;
  const h2 = splitMix64(s0 ^ h1).out;
  return rngFromSeed64(h2);
}

/** The mutable cursor behind {@link withRng}. */
class Cursor implements RngCursor {
  private readonly generator: JumpableRandomGenerator;
  private spare: number | null;
  private open = true;

  constructor(rng: Rng) {
    this.generator = generatorOf(rng);
    this.spare = rng.spareNormal;
  }

  uniform(): number {
    assert(this.open, 'an RngCursor was used after withRng returned');
    return uniformFloat64(this.generator);
  }

  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    // Marsaglia polar method: a uniform point in the unit disc (rejection, accepts π/4 of pairs)
    // gives two independent normals u·f and v·f with f = sqrt(−2 ln s / s).
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }

  exponential(ratePerUnit: number): number {
    if (!(ratePerUnit > 0) || !Number.isFinite(ratePerUnit)) {
      throw new InvalidParameterError('rate', `must be a positive finite number, got ${ratePerUnit}`);
    }
    // Inversion: 1 − U is in (0, 1], so the logarithm is finite.
    return -Math.log(1 - this.uniform()) / ratePerUnit;
  }

  poisson(mean: number): number {
    if (!(mean >= 0) || !(mean <= POISSON_MEAN_MAX)) {
      throw new InvalidParameterError('mean', `must be in [0, ${POISSON_MEAN_MAX}], got ${mean}`);
    }
    // Knuth's multiplication method on chunks of mean ≤ 16 (e^-16 ≈ 1.1e-7 keeps the product far
    // from underflow); a sum of independent Poisson counts is Poisson with the summed mean, so the
    // chunking is exact in distribution.
    let count = 0;
    let remaining = mean;
    while (remaining > 0) {
      const chunk = Math.min(remaining, POISSON_CHUNK);
      remaining -= chunk;
      const limit = Math.exp(-chunk);
      let product = this.uniform();
      while (product >= limit) {
        count++;
        product *= this.uniform();
      }
    }
    return count;
  }

  close(): Rng {
    this.open = false;
    return rngOf(this.generator, this.spare);
  }
}

/**
 * Runs `body` with a drawing cursor positioned at `rng` and returns what it returned together with
 * the state after its draws. The cursor must not escape `body` (it refuses to draw afterwards).
 * Throws whatever `body` throws.
 */
export function withRng<T>(rng: Rng, body: (draw: RngCursor) => T): Drawn<T> {
  const cursor = new Cursor(rng);
  const value = body(cursor);
  return { value, rng: cursor.close() };
}

/** One uniform in [0, 1) (53 random bits) and the next state. */
export function uniform(rng: Rng): Drawn<number> {
  return withRng(rng, (d) => d.uniform());
}

/** One standard normal N(0, 1) (Marsaglia polar method) and the next state. */
export function normal(rng: Rng): Drawn<number> {
  return withRng(rng, (d) => d.normal());
}

/**
 * One exponential draw with rate `ratePerUnit` (events per unit of time, > 0); the value is in
 * that unit (rate per second gives seconds). Mean 1/rate.
 * @throws InvalidParameterError (field `rate`) unless the rate is positive and finite.
 */
export function exponential(rng: Rng, ratePerUnit: number): Drawn<number> {
  return withRng(rng, (d) => d.exponential(ratePerUnit));
}

/**
 * One Poisson count with the given mean (expected events, ≥ 0). Exact in distribution; costs about
 * mean + 1 uniforms.
 * @throws InvalidParameterError (field `mean`) unless 0 ≤ mean ≤ {@link POISSON_MEAN_MAX}.
 */
export function poisson(rng: Rng, mean: number): Drawn<number> {
  return withRng(rng, (d) => d.poisson(mean));
}

/**
 * `count` uniforms in [0, 1), the same values as `count` successive {@link uniform} calls.
 * @throws InvalidParameterError (field `count`) unless `count` is a non-negative safe integer.
 */
export function uniforms(rng: Rng, count: number): Drawn<Float64Array> {
  requireCount(count);
  return withRng(rng, (d) => Float64Array.from({ length: count }, () => d.uniform()));
}

/**
 * `count` standard normals, the same values as `count` successive {@link normal} calls.
 * @throws InvalidParameterError (field `count`) unless `count` is a non-negative safe integer.
 */
export function normals(rng: Rng, count: number): Drawn<Float64Array> {
  requireCount(count);
  return withRng(rng, (d) => Float64Array.from({ length: count }, () => d.normal()));
}

function requireCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InvalidParameterError('count', `must be a non-negative integer, got ${count}`);
  }
}
