/**
 * Tests of the synthetic book generator: determinism for the same draws, the requested mix of
 * isolated and cross accounts, health factors in the documented bands (checked with naiveScan at
 * the starting prices), and refused options.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { generateSyntheticBook, SYNTHETIC_ASSETS } from './generate.js';
import { naiveScan } from './model.js';

/** A deterministic uniform source (LCG). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('generateSyntheticBook', () => {
  test('default', () => {
    const book = generateSyntheticBook({ accounts: 100, crossShare: 0.3 }, lcg(1));
    expect(book.accounts).toHaveLength(100);
    expect(book.assets.map((a) => a.asset)).toEqual(SYNTHETIC_ASSETS.map((a) => a.asset));
    expect(book.prices.WETH).toBe(3_000n * 10n ** 8n);
  });

  test('behavior: the same draws give the same book', () => {
    const a = generateSyntheticBook({ accounts: 200, crossShare: 0.5 }, lcg(7));
    const b = generateSyntheticBook({ accounts: 200, crossShare: 0.5 }, lcg(7));
    expect(a).toEqual(b);
  });

  test('behavior: cross share and health bands', () => {
    const book = generateSyntheticBook({ accounts: 4_000, crossShare: 0.25, nearShare: 0.1 }, lcg(3));
    const cross = book.accounts.filter((a) => a.collateral.length > 1).length;
    // Binomial(4000, 0.25): mean 1000, sd ≈ 27.
    expect(cross).toBeGreaterThan(1_000 - 5 * 27);
    expect(cross).toBeLessThan(1_000 + 5 * 27);
    // A fifth of the near share (2 %) is drawn below HF 1: about 80 of 4,000 liquidatable
    // (the float sizing moves a few across the line either way).
    const liquidatable = naiveScan(book, book.prices).length;
    expect(liquidatable).toBeGreaterThan(40);
    expect(liquidatable).toBeLessThan(130);
  });

  test('error: bad options are refused', () => {
    expect(() => generateSyntheticBook({ accounts: -1, crossShare: 0.3 }, lcg(1))).toThrow(
      InvalidParameterError,
    );
    expect(() => generateSyntheticBook({ accounts: 1.5, crossShare: 0.3 }, lcg(1))).toThrow(
      InvalidParameterError,
    );
    expect(() => generateSyntheticBook({ accounts: 10, crossShare: 1.5 }, lcg(1))).toThrow(
      InvalidParameterError,
    );
    expect(() => generateSyntheticBook({ accounts: 10, crossShare: 0.3, nearShare: 0.9 }, lcg(1))).toThrow(
      InvalidParameterError,
    );
  });
});
