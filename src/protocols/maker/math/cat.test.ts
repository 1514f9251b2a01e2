/** Tests of `Cat.bite`'s arithmetic. */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../../engine/errors.js';
import { OverflowError } from '../../../math/errors.js';
import { RAD, RAY, WAD } from '../../../math/units.js';
import { type BiteInput, biteAmounts } from './cat.js';

const base: BiteInput = {
  inkWad: 40n * WAD,
  artWad: 100n * WAD,
  rateRay: RAY,
  spotRay: 2n * RAY,
  dustRad: 20n * RAD,
  boxRad: 1000n * RAD,
  litterRad: 0n,
  dunkRad: 1000n * RAD,
  chopWad: (11n * WAD) / 10n,
};

function reason(input: BiteInput): string {
  try {
    biteAmounts(input);
  } catch (e) {
    if (e instanceof ProtocolRevertError) return e.reason;
    throw e;
  }
  return 'none';
}

describe('biteAmounts', () => {
  test('default: the whole vault when dunk and box allow', () => {
    expect(biteAmounts(base)).toEqual({
      dartWad: 100n * WAD,
      dinkWad: 40n * WAD,
      dueRad: 100n * RAD,
      tabRad: 110n * RAD,
      inkAfterWad: 0n,
      artAfterWad: 0n,
      litterAfterRad: 110n * RAD,
    });
  });

  test('behavior: dunk caps the lot and may leave a dusty vault', () => {
    // dunk 55: dart = 55/1.1 = 50, dink 20, tab 55; then dunk 104.5: remainder 5 < dust is allowed
    const out = biteAmounts({ ...base, dunkRad: 55n * RAD });
    expect([out.dartWad, out.dinkWad, out.tabRad]).toEqual([50n * WAD, 20n * WAD, 55n * RAD]);
    expect(biteAmounts({ ...base, dunkRad: (1045n * RAD) / 10n }).artAfterWad).toBe(5n * WAD);
  });

  test('error: dss revert strings', () => {
    expect(reason({ ...base, spotRay: 3n * RAY })).toBe('Cat/not-unsafe');
    expect(reason({ ...base, litterRad: 1000n * RAD })).toBe('Cat/liquidation-limit-hit');
    expect(reason({ ...base, litterRad: 981n * RAD })).toBe('Cat/liquidation-limit-hit'); // room 19 < dust
    expect(reason({ ...base, dunkRad: 1n })).toBe('Cat/null-auction');
    expect(() => biteAmounts({ ...base, litterRad: 1001n * RAD })).toThrow(OverflowError);
  });
});
