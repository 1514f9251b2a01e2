/** Tests of `Dog.bark`'s arithmetic beyond the conformance vectors. */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../../engine/errors.js';
import { DivisionByZeroError } from '../../../math/errors.js';
import { RAD, RAY, WAD } from '../../../math/units.js';
import { type BarkInput, barkAmounts, isUnsafe } from './dog.js';

const base: BarkInput = {
  inkWad: 40n * WAD,
  artWad: 100n * WAD,
  rateRay: RAY,
  spotRay: 2n * RAY,
  dustRad: 20n * RAD,
  HoleRad: 1000n * RAD,
  DirtRad: 0n,
  holeRad: 1000n * RAD,
  dirtRad: 0n,
  chopWad: WAD,
};

function reason(input: BarkInput): string {
  try {
    barkAmounts(input);
  } catch (e) {
    if (e instanceof ProtocolRevertError) return e.reason;
    throw e;
  }
  return 'none';
}

describe('isUnsafe', () => {
  test('default: strict inequality, and spot 0 is never unsafe', () => {
    expect(isUnsafe({ inkWad: 50n, artWad: 100n, rateRay: RAY, spotRay: 2n * RAY })).toBe(false); // 100 = 100
    expect(isUnsafe({ inkWad: 49n, artWad: 100n, rateRay: RAY, spotRay: 2n * RAY })).toBe(true);
    expect(isUnsafe({ inkWad: 0n, artWad: 100n, rateRay: RAY, spotRay: 0n })).toBe(false);
  });
});

describe('barkAmounts', () => {
  test('default: the whole vault with chop 1', () => {
    expect(barkAmounts(base)).toEqual({
      dartWad: 100n * WAD,
      dinkWad: 40n * WAD,
      dueRad: 100n * RAD,
      tabRad: 100n * RAD,
      inkAfterWad: 0n,
      artAfterWad: 0n,
      DirtAfterRad: 100n * RAD,
      dirtAfterRad: 100n * RAD,
    });
  });

  test('behavior: the tighter of Hole and hole binds; Dirt and dirt both grow by tab', () => {
    // Hole room 50, hole room 60 → dart 50, dink 20.
    const out = barkAmounts({ ...base, DirtRad: 950n * RAD, dirtRad: 940n * RAD });
    expect([out.dartWad, out.dinkWad, out.tabRad]).toEqual([50n * WAD, 20n * WAD, 50n * RAD]);
    expect([out.DirtAfterRad, out.dirtAfterRad]).toEqual([1000n * RAD, 990n * RAD]);
  });

  test('behavior: a dusty remainder takes the whole vault, passing the hole by up to dust', () => {
    const out = barkAmounts({ ...base, holeRad: 85n * RAD }); // remainder 15 < dust 20
    expect(out.dartWad).toBe(100n * WAD);
    expect(out.dirtAfterRad).toBe(100n * RAD);
  });

  test('error: dss revert strings in dss order', () => {
    expect(reason({ ...base, spotRay: 3n * RAY })).toBe('Dog/not-unsafe');
    expect(reason({ ...base, DirtRad: 1000n * RAD })).toBe('Dog/liquidation-limit-hit');
    expect(reason({ ...base, dirtRad: 1001n * RAD })).toBe('Dog/liquidation-limit-hit');
    expect(reason({ ...base, holeRad: 10n * RAD })).toBe('Dog/dusty-auction-from-partial-liquidation');
    // 1 wei of ink: dink = ⌊1 · 50/100⌋ = 0
    expect(reason({ ...base, inkWad: 1n, holeRad: 50n * RAD })).toBe('Dog/null-auction');
    expect(() => barkAmounts({ ...base, chopWad: 0n })).toThrow(DivisionByZeroError);
  });
});
