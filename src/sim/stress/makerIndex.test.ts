import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import { makerLiq2Model } from '../../protocols/maker/liq2/model.js';
import { drive, ethOracle, ethPrice, testParams } from '../../protocols/maker/testkit.js';
import { healthThresholdWad, liquidationSpotRay, makerBookIndex } from './makerIndex.js';
import { HEALTH_BUCKET_BOUNDS } from './types.js';

/**
 * Vaults at the exact edges of the health buckets at $100 (mat 2, so spot = 50 DAI per ETH, rate
 * 1): health = ink·50/art. `one` owes exactly ink·spot (health 1.00: safe, the liquidation rule
 * is strict), `below` one wei more (unsafe), and the others sit exactly on 1.1, 1.25, 1.5 and 2.
 */
function boundaryBook() {
  const d = drive(makerLiq2Model);
  d.run({ type: 'configure', params: testParams() }, 0);
  d.run(ethOracle(), 0);
  d.run(ethPrice(300n), 0);
  const open = (account: string, inkWad: bigint, artWad: bigint) =>
    d.run({ type: 'frob', account, dinkWad: inkWad, dartWad: artWad }, 1);
  open('below', 2n * WAD, 100n * WAD + 1n);
  open('one', 2n * WAD, 100n * WAD);
  open('h110', (22n * WAD) / 10n, 100n * WAD);
  open('h125', (25n * WAD) / 10n, 100n * WAD);
  open('h150', 3n * WAD, 100n * WAD);
  open('h200', 4n * WAD, 100n * WAD);
  open('outside', 4n * WAD, 100n * WAD); // a vault that is not in the book
  d.run(ethPrice(100n), 2);
  return d;
}

const BOOK = ['below', 'one', 'h110', 'h125', 'h150', 'h200'];

describe('makerBookIndex', () => {
  test('default: unsafe set, health buckets and totals at exact edges', () => {
    const d = boundaryBook();
    const index = makerBookIndex(BOOK, 'ETH');
    expect(index.unsafe(d.state, 2)).toEqual(['below']);
    // One vault per bucket: below 1, [1, 1.1), [1.1, 1.25), [1.25, 1.5), [1.5, 2), ≥ 2.
    expect(index.healthCounts(d.state, 2)).toEqual([1, 1, 1, 1, 1, 1]);
    // Σ ink of the book: 2 + 2 + 2.2 + 2.5 + 3 + 4 = 15.7 ETH; Σ debt 600 DAI + 1 wei (RAD at rate 1).
    expect(index.borrowerTotals(d.state)).toEqual({
      collateralWad: (157n * WAD) / 10n,
      debtRad: (600n * WAD + 1n) * 10n ** 27n,
    });
  });

  test('behavior: a price move is a range read; touched vaults move on the ladder', () => {
    const d = boundaryBook();
    const index = makerBookIndex(BOOK, 'ETH');
    expect(index.unsafe(d.state, 2)).toEqual(['below']);
    d.run(ethPrice(99n), 3);
    expect(index.unsafe(d.state, 3).sort()).toEqual(['below', 'one']);
    d.run(ethPrice(79n), 4);
    // h125 holds 2.5 ETH: at $79 (spot 39.5) 98.75 < 100, unsafe; h150 at 118.5 is not.
    expect(index.unsafe(d.state, 4).sort()).toEqual(['below', 'h110', 'h125', 'one']);
    // Repaying h125 down to 90 DAI makes it safe again (2.5·39.5 = 98.75 ≥ 90).
    d.run(ethPrice(300n), 5);
    d.run({ type: 'wipe', account: 'h125', artWad: 10n * WAD }, 5);
    d.run(ethPrice(79n), 6);
    expect(index.unsafe(d.state, 6).sort()).toEqual(['below', 'h110', 'one']);
    // A non-book vault is a candidate too (keepers bark any vault), but never a borrower of the run.
    d.run(ethPrice(40n), 7);
    expect(index.unsafe(d.state, 7)).toContain('outside');
    expect(index.healthCounts(d.state, 7).reduce((a, b) => a + b, 0)).toBe(BOOK.length);
  });

  test('behavior: a barked vault leaves the ladder and its returned collateral counts again', () => {
    const d = boundaryBook();
    const index = makerBookIndex(BOOK, 'ETH');
    const before = index.borrowerTotals(d.state);
    d.run({ type: 'bark', account: 'below', keeper: 'k' }, 3);
    expect(index.unsafe(d.state, 3)).toEqual([]);
    const after = index.borrowerTotals(d.state);
    // The whole vault (2 ETH, 100 DAI + 1 wei) went to auction.
    expect(before.collateralWad - after.collateralWad).toBe(2n * WAD);
    expect(index.healthCounts(d.state, 3)).toEqual([0, 1, 1, 1, 1, 1]);
  });
});

describe('liquidationSpotRay', () => {
  test('default: the smallest safe spot, ceil(art·rate / ink)', () => {
    const RAY = 10n ** 27n;
    expect(liquidationSpotRay({ inkWad: 2n * WAD, artWad: 100n * WAD }, RAY)).toBe(50n * RAY);
    expect(liquidationSpotRay({ inkWad: 3n, artWad: 10n }, 1n)).toBe(4n); // 10/3 → 4
  });
  test('behavior: no debt is never unsafe, debt without collateral always', () => {
    expect(liquidationSpotRay({ inkWad: 5n, artWad: 0n }, 10n)).toBe(0n);
    expect(liquidationSpotRay({ inkWad: 0n, artWad: 1n }, 10n)).toBeGreaterThan(2n ** 256n);
  });
});

describe('healthThresholdWad', () => {
  test('default: the first health whose float reading reaches each bound', () => {
    for (const bound of HEALTH_BUCKET_BOUNDS) {
      const t = healthThresholdWad(bound);
      expect(Number(t) / 1e18 >= bound).toBe(true);
      expect(Number(t - 1n) / 1e18 < bound).toBe(true);
    }
  });
});
