/**
 * Tests of the headroom index's rebuild: which buckets it indexes (the lowest ones, up to a quarter
 * of all cross lines), the entries it lists per (asset, bucket) with their hot lines, and that the
 * lines staged during the screen pass and the lines read back from the arena (when staging
 * overflowed or was skipped) give the same index.
 */
import { describe, expect, test } from 'vitest';
import {
  HEADROOM_BUCKET_SCALE,
  HEADROOM_BUCKETS,
  HeadroomIndex,
  type HeadroomSource,
  headroomBucket,
} from './headroom.js';

/** Not a cross account (any bucket ≥ HEADROOM_BUCKETS). */
const NONE = 0xffff;

/**
 * A small arena over 3 assets: per slot its bucket and its lines (asset, float coefficient).
 * Slot 2 is not a cross account. Slots 5–7 sit in the last bucket with many lines, so that a
 * quarter of all lines covers buckets 0–3 and not bucket 9.
 */
const accounts: readonly { bucket: number; lines: readonly (readonly [number, number])[] }[] = [
  {
    bucket: 3,
    lines: [
      [0, 1],
      [1, -2],
      [2, 3],
    ],
  },
  {
    bucket: 0,
    lines: [
      [0, 4],
      [2, -5],
      [1, 6],
    ],
  },
  { bucket: NONE, lines: [] },
  {
    bucket: 0,
    lines: [
      [1, 7],
      [2, -8],
      [0, 9],
    ],
  },
  {
    bucket: 9,
    lines: [
      [0, 10],
      [1, -11],
      [2, 12],
    ],
  },
  { bucket: HEADROOM_BUCKETS - 1, lines: Array.from({ length: 12 }, (_, j) => [j % 3, j] as const) },
  { bucket: HEADROOM_BUCKETS - 1, lines: Array.from({ length: 12 }, (_, j) => [j % 3, -j] as const) },
  { bucket: HEADROOM_BUCKETS - 1, lines: Array.from({ length: 12 }, (_, j) => [j % 3, j] as const) },
];

function source(): HeadroomSource {
  const lineStart = new Int32Array(accounts.length);
  const lineCount = new Int32Array(accounts.length);
  const slotBucket = new Uint16Array(accounts.length);
  const linesPerBucket = new Int32Array(HEADROOM_BUCKETS);
  const assets: number[] = [];
  const coefs: number[] = [];
  accounts.forEach((a, slot) => {
    lineStart[slot] = assets.length;
    lineCount[slot] = a.lines.length;
    slotBucket[slot] = a.bucket;
    if (a.bucket < HEADROOM_BUCKETS) {
      linesPerBucket[a.bucket] = (linesPerBucket[a.bucket] as number) + a.lines.length;
    }
    for (const [asset, coef] of a.lines) {
      assets.push(asset);
      coefs.push(coef);
    }
  });
  return {
    slotBucket,
    slotCount: accounts.length,
    linesPerBucket,
    lineStart,
    lineCount,
    lineAsset: Int32Array.from(assets),
    lineCoefF: Float64Array.from(coefs),
  };
}

/** Every certified entry of `asset` in buckets 0 … upTo, with its hot lines read back. */
function entriesOf(index: HeadroomIndex, asset: number, upTo: number): [number, number[], number[]][] {
  const out: [number, number[], number[]][] = [];
  index.forEachBetween(asset, -1, upTo, (slot, hotStart, count) => {
    out.push([
      slot,
      Array.from(index.hotAsset.subarray(hotStart, hotStart + count)),
      Array.from(index.hotCoefF.subarray(hotStart, hotStart + count)),
    ]);
  });
  return out;
}

/**
 * Rebuilds an index, offering the staging area (room for a quarter of `stageCapLines`) every
 * candidate, or (`stage` false) not staging at all.
 */
function rebuilt(stageCapLines: number, stage: boolean): HeadroomIndex {
  const src = source();
  const index = new HeadroomIndex(3);
  if (stage) {
    index.beginRebuild(stageCapLines);
    for (let slot = 0; slot < src.slotCount; slot++) {
      const b = src.slotBucket[slot] as number;
      if (b < HEADROOM_BUCKETS - 1) {
        index.stage(
          slot,
          b,
          src.lineAsset,
          src.lineCoefF,
          src.lineStart[slot] as number,
          src.lineCount[slot] as number,
        );
      }
    }
  }
  index.rebuild(src);
  return index;
}

describe('HeadroomIndex.rebuild', () => {
  test('default', () => {
    // 48 lines: a quarter is 12. Buckets 0 (6 lines), 3 (3) and 9 (3) make exactly 12, the empty
    // buckets between cost nothing, and the last bucket (36 lines) does not fit.
    const index = rebuilt(48, true);
    expect(index.indexedBuckets).toBe(HEADROOM_BUCKETS - 1);
    expect(index.hotLines).toBe(12);
    // Asset 0 in bucket order, slot order within a bucket: slots 1, 3 (bucket 0), 0 (3), 4 (9).
    expect(entriesOf(index, 0, HEADROOM_BUCKETS - 2)).toEqual([
      [1, [0, 2, 1], [4, -5, 6]],
      [3, [1, 2, 0], [7, -8, 9]],
      [0, [0, 1, 2], [1, -2, 3]],
      [4, [0, 1, 2], [10, -11, 12]],
    ]);
    expect(index.countBetween(2, -1, 0)).toBe(2);
    expect(index.countBetween(2, 0, 3)).toBe(1);
    expect(index.countBetween(2, 3, 9)).toBe(1);
  });

  test('behavior: a staging area too small for the candidates gives the same index from the arena', () => {
    const staged = rebuilt(48, true);
    for (const fallback of [rebuilt(8, true), rebuilt(48, false)]) {
      expect(fallback.indexedBuckets).toBe(staged.indexedBuckets);
      expect(fallback.hotLines).toBe(staged.hotLines);
      for (let asset = 0; asset < 3; asset++) {
        expect(entriesOf(fallback, asset, HEADROOM_BUCKETS - 2)).toEqual(
          entriesOf(staged, asset, HEADROOM_BUCKETS - 2),
        );
      }
    }
  });

  test('behavior: only the lowest buckets within a quarter of the lines are indexed', () => {
    // Move slot 4 (3 lines) to bucket 0: buckets 0 (9 lines) and 3 (3) fill the quarter (12);
    // buckets 4–1022 are empty, so they are indexed too, and the last bucket is not.
    const src = source();
    src.slotBucket[4] = 0;
    src.linesPerBucket[9] = 0;
    src.linesPerBucket[0] = 9;
    const index = new HeadroomIndex(3);
    index.rebuild(src); // nothing staged: read from the arena
    expect(index.hotLines).toBe(12);
    expect(index.countBetween(0, -1, 0)).toBe(3);
    // Slot 0 (bucket 3) moved to the last bucket: only slots 1, 3 (bucket 0) and 4 (9) are left.
    const src2 = source();
    src2.slotBucket[0] = HEADROOM_BUCKETS - 1;
    src2.linesPerBucket[3] = 0;
    src2.linesPerBucket[HEADROOM_BUCKETS - 1] = 39;
    const index2 = new HeadroomIndex(3);
    index2.rebuild(src2);
    expect(index2.hotLines).toBe(9);
    expect(entriesOf(index2, 0, HEADROOM_BUCKETS - 2).map(([slot]) => slot)).toEqual([1, 3, 4]);
  });

  test('behavior: headroomBucket puts κ in 1/8,192-wide buckets and the rest in the last', () => {
    expect(headroomBucket(0)).toBe(0);
    expect(headroomBucket(1 / 8_192)).toBe(1);
    expect(headroomBucket(0.5)).toBe(HEADROOM_BUCKETS - 1);
    // The literals inside headroomBucket match the exported constants.
    expect(headroomBucket((HEADROOM_BUCKETS - 2) / HEADROOM_BUCKET_SCALE)).toBe(HEADROOM_BUCKETS - 2);
    expect(headroomBucket((HEADROOM_BUCKETS - 1) / HEADROOM_BUCKET_SCALE)).toBe(HEADROOM_BUCKETS - 1);
  });
});
