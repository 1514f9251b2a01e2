/**
 * Tests of the seeded generator: reference vectors computed by an independent BigInt
 * implementation of SplitMix64 and xoroshiro128+ (and SplitMix64's published first outputs),
 * determinism, stream independence of the worker count, and distribution checks with tolerances of
 * four standard errors of the sampling statistic.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import {
  createRng,
  exponential,
  jump,
  normal,
  normals,
  poisson,
  type Rng,
  type RngCursor,
  split,
  splitMix64Sequence,
  streamAt,
  streamRange,
  uniform,
  uniforms,
  withRng,
} from './rng.js';

const MASK64 = (1n << 64n) - 1n;
const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (64n - k))) & MASK64;

/** Vigna's xoroshiro128+ (2018 constants a=24, b=16, c=37), written from the paper in 64-bit BigInt. */
class Reference {
  constructor(
    public s0: bigint,
    public s1: bigint,
  ) {}
  next(): bigint {
    const result = (this.s0 + this.s1) & MASK64;
    const t = this.s1 ^ this.s0;
    this.s0 = rotl(this.s0, 24n) ^ t ^ ((t << 16n) & MASK64);
    this.s1 = rotl(t, 37n);
    return result;
  }
  jump(): void {
    const JUMP = [0xdf900294d8f554a5n, 0x170865df4b3201fcn];
    let t0 = 0n;
    let t1 = 0n;
    for (const word of JUMP) {
      for (let b = 0n; b < 64n; b++) {
        if ((word >> b) & 1n) {
          t0 ^= this.s0;
          t1 ^= this.s1;
        }
        this.next();
      }
    }
    this.s0 = t0;
    this.s1 = t1;
  }
  /** The float pure-rand's uniformFloat64 makes from two outputs: low 26 bits·2^-26 + low 27 bits·2^-53. */
  uniform(): number {
    const a = Number(this.next() & 0x3ffffffn);
    const b = Number(this.next() & 0x7ffffffn);
    return a * 2 ** -26 + b * 2 ** -53;
  }
}

function referenceFor(seed: bigint): Reference {
  const [a, b] = splitMix64Sequence(seed, 2) as [bigint, bigint];
  return new Reference(a, b);
}

function draws(rng: Rng, count: number): number[] {
  return Array.from(uniforms(rng, count).value);
}

function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
}

function varianceOf(xs: ArrayLike<number>): number {
  const m = meanOf(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += ((xs[i] as number) - m) ** 2;
  return s / (xs.length - 1);
}

describe('splitMix64Sequence', () => {
  test('default: the published first outputs for seed 0', () => {
    // Vigna's splitmix64.c from x = 0: e220a8397b1dcdaf, 6e789e6aa1b965f4, 06c45d188009454f.
    expect(splitMix64Sequence(0n, 3)).toEqual([
      0xe220a8397b1dcdafn,
      0x6e789e6aa1b965f4n,
      0x06c45d188009454fn,
    ]);
  });
});

describe('createRng', () => {
  test('default: the state is the first two SplitMix64 outputs, split in signed 32-bit words', () => {
    const rng = createRng(0);
    // 0xe220a8397b1dcdaf → high 0xe220a839 (negative as int32), low 0x7b1dcdaf.
    expect(rng.state).toEqual([0xe220a839 | 0, 0x7b1dcdaf, 0x6e789e6a, 0xa1b965f4 | 0]);
    expect(rng.spareNormal).toBeNull();
  });

  test('behavior: uniforms match an independent 64-bit xoroshiro128+ implementation', () => {
    for (const seed of [0n, 1n, 42n, 2n ** 63n + 12345n]) {
      const ref = referenceFor(seed);
      const expected = Array.from({ length: 50 }, () => ref.uniform());
      expect(draws(createRng(seed), 50)).toEqual(expected);
    }
  });

  test('behavior: the same seed gives the same sequence, as a number or a bigint', () => {
    expect(draws(createRng(7), 100)).toEqual(draws(createRng(7), 100));
    expect(draws(createRng(7), 100)).toEqual(draws(createRng(7n), 100));
  });

  test('behavior: nearby seeds give unrelated sequences from the first draw', () => {
    const a = draws(createRng(1), 20);
    const b = draws(createRng(2), 20);
    for (let i = 0; i < 20; i++) expect(a[i]).not.toBe(b[i]);
  });

  test('behavior: a state is a value: drawing never changes it', () => {
    const rng = createRng(3);
    const before = JSON.stringify(rng);
    uniform(rng);
    normals(rng, 5);
    expect(JSON.stringify(rng)).toBe(before);
    expect(uniform(rng).value).toBe(uniform(rng).value);
  });

  test('error: seeds outside [0, 2^64) or not integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53, -1n, 2n ** 64n]) {
      expect(() => createRng(bad)).toThrow(InvalidParameterError);
    }
    expect(() => createRng(2n ** 64n - 1n)).not.toThrow();
  });
});

describe('jump', () => {
  test('default: matches the reference jump polynomial', () => {
    const ref = referenceFor(9n);
    ref.jump();
    const expected = Array.from({ length: 20 }, () => ref.uniform());
    expect(draws(jump(createRng(9)), 20)).toEqual(expected);
  });

  test('behavior: drops the spare normal', () => {
    const afterOne = normal(createRng(4)).rng;
    expect(afterOne.spareNormal).not.toBeNull();
    expect(jump(afterOne).spareNormal).toBeNull();
  });
});

describe('streamAt', () => {
  test('default: stream k is the root jumped k + 1 times', () => {
    const root = createRng(11);
    expect(streamAt(root, 0)).toEqual(jump(root));
    expect(streamAt(root, 2)).toEqual(jump(jump(jump(root))));
  });

  test('behavior: path k gets the same stream whatever the worker count', () => {
    const root = createRng(2024);
    const paths = 12;
    const firstDraws = (workers: number): number[] => {
      const out: number[] = [];
      const per = Math.ceil(paths / workers);
      for (let w = 0; w < workers; w++) {
        const start = w * per;
        const count = Math.max(0, Math.min(per, paths - start));
        for (const s of streamRange(root, start, count)) out.push(uniform(s).value);
      }
      return out;
    };
    const one = firstDraws(1);
    expect(firstDraws(2)).toEqual(one);
    expect(firstDraws(5)).toEqual(one);
    expect(new Set(one).size).toBe(paths);
  });

  test('error: negative or fractional index', () => {
    expect(() => streamAt(createRng(1), -1)).toThrow(InvalidParameterError);
    expect(() => streamRange(createRng(1), 0.5, 1)).toThrow(InvalidParameterError);
    expect(() => streamRange(createRng(1), 0, -2)).toThrow(InvalidParameterError);
  });
});

describe('split', () => {
  test('default: deterministic, and children differ from each other and from the parent', () => {
    const root = createRng(5);
    expect(split(root, 3)).toEqual(split(root, 3));
    const firsts = [root, split(root, 0), split(root, 1), split(root, 2)].map((r) => uniform(r).value);
    expect(new Set(firsts).size).toBe(4);
  });

  test('behavior: children of one parent are uncorrelated', () => {
    const root = createRng(6);
    const n = 20_000;
    const a = uniforms(split(root, 0), n).value;
    const b = uniforms(split(root, 1), n).value;
    let cov = 0;
    for (let i = 0; i < n; i++) cov += ((a[i] as number) - 0.5) * ((b[i] as number) - 0.5);
    // Correlation of independent samples has standard error 1/√n.
    expect(Math.abs(cov / n / (1 / 12))).toBeLessThan(4 / Math.sqrt(n));
  });

  test('error: negative index', () => {
    expect(() => split(createRng(1), -3)).toThrow(InvalidParameterError);
  });
});

describe('uniform', () => {
  test('default: values in [0, 1) with mean 1/2 within 4 standard errors', () => {
    const n = 20_000;
    const xs = uniforms(createRng(12), n).value;
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(meanOf(xs) - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
  });

  test('behavior: batch equals successive single draws', () => {
    let rng = createRng(13);
    const singles: number[] = [];
    for (let i = 0; i < 10; i++) {
      const d = uniform(rng);
      singles.push(d.value);
      rng = d.rng;
    }
    const batch = uniforms(createRng(13), 10);
    expect(Array.from(batch.value)).toEqual(singles);
    expect(batch.rng).toEqual(rng);
  });

  test('error: negative count', () => {
    expect(() => uniforms(createRng(1), -1)).toThrow(InvalidParameterError);
  });
});

describe('normal', () => {
  test('default: mean 0, variance 1 and P(|Z| < 1) = 0.6827 within 4 standard errors', () => {
    const n = 20_000;
    const zs = normals(createRng(21), n).value;
    expect(Math.abs(meanOf(zs))).toBeLessThan(4 / Math.sqrt(n));
    // Sample variance of normals has standard error √(2/(n − 1)).
    expect(Math.abs(varianceOf(zs) - 1)).toBeLessThan(4 * Math.sqrt(2 / (n - 1)));
    const p = 0.682689492;
    const inside = Array.from(zs).filter((z) => Math.abs(z) < 1).length / n;
    expect(Math.abs(inside - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
  });

  test('behavior: batch equals successive single draws, odd counts included (the spare is in the state)', () => {
    let rng = createRng(22);
    const singles: number[] = [];
    for (let i = 0; i < 7; i++) {
      const d = normal(rng);
      singles.push(d.value);
      rng = d.rng;
    }
    const batch = normals(createRng(22), 7);
    expect(Array.from(batch.value)).toEqual(singles);
    expect(batch.rng).toEqual(rng);
    expect(rng.spareNormal).not.toBeNull();
    const next3 = normals(batch.rng, 3).value;
    expect(Array.from(normals(createRng(22), 10).value.slice(7))).toEqual(Array.from(next3));
  });
});

describe('exponential', () => {
  test('default: mean 1/rate within 4 standard errors', () => {
    const n = 20_000;
    const rate = 4;
    const xs = withRng(createRng(31), (d) => Array.from({ length: n }, () => d.exponential(rate))).value;
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    // An exponential's standard deviation equals its mean.
    expect(Math.abs(meanOf(xs) - 1 / rate)).toBeLessThan((4 * (1 / rate)) / Math.sqrt(n));
    // Memoryless tail: P(X > 1/rate) = e^-1.
    const p = Math.exp(-1);
    const tail = xs.filter((x) => x > 1 / rate).length / n;
    expect(Math.abs(tail - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
  });

  test('error: rate not positive', () => {
    expect(() => exponential(createRng(1), 0)).toThrow(InvalidParameterError);
    expect(() => exponential(createRng(1), Number.POSITIVE_INFINITY)).toThrow(InvalidParameterError);
  });
});

describe('poisson', () => {
  test('default: mean, variance and P(0) for a small mean within 4 standard errors', () => {
    const n = 20_000;
    const mean = 3.5;
    const ks = withRng(createRng(41), (d) => Array.from({ length: n }, () => d.poisson(mean))).value;
    expect(ks.every((k) => Number.isInteger(k) && k >= 0)).toBe(true);
    expect(Math.abs(meanOf(ks) - mean)).toBeLessThan(4 * Math.sqrt(mean / n));
    // Var of the sample variance ≈ (μ4 − σ⁴)/n with μ4 = λ + 3λ², σ⁴ = λ² for a Poisson.
    expect(Math.abs(varianceOf(ks) - mean)).toBeLessThan(4 * Math.sqrt((mean + 2 * mean * mean) / n));
    const p0 = Math.exp(-mean);
    const zeros = ks.filter((k) => k === 0).length / n;
    expect(Math.abs(zeros - p0)).toBeLessThan(4 * Math.sqrt((p0 * (1 - p0)) / n));
  });

  test('behavior: a mean above one chunk (summed chunks) keeps mean and variance', () => {
    const n = 10_000;
    const mean = 45.3;
    const ks = withRng(createRng(42), (d) => Array.from({ length: n }, () => d.poisson(mean))).value;
    expect(Math.abs(meanOf(ks) - mean)).toBeLessThan(4 * Math.sqrt(mean / n));
    expect(Math.abs(varianceOf(ks) - mean)).toBeLessThan(4 * Math.sqrt((mean + 2 * mean * mean) / n));
  });

  test('behavior: mean 0 is always 0', () => {
    expect(poisson(createRng(1), 0).value).toBe(0);
  });

  test('error: negative, NaN or huge mean', () => {
    for (const bad of [-0.1, Number.NaN, 1e7]) {
      expect(() => poisson(createRng(1), bad)).toThrow(InvalidParameterError);
    }
  });
});

describe('withRng', () => {
  test('default: returns the body value and the state after its draws', () => {
    const { value, rng } = withRng(createRng(50), (d) => [d.uniform(), d.uniform()]);
    expect(value).toEqual(draws(createRng(50), 2));
    expect(rng).toEqual(uniforms(createRng(50), 2).rng);
  });

  test('error: a cursor that escapes its callback refuses to draw', () => {
    let escaped: RngCursor | undefined;
    withRng(createRng(51), (d) => {
      escaped = d;
    });
    expect(() => escaped?.uniform()).toThrow(/invariant/);
  });
});
