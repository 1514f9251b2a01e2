/** Tests of the Flipper's bid rules. */
import { describe, expect, test } from 'vitest';
import { WAD } from '../../../math/units.js';
import { dentAccepted, dentRefusal, tendAccepted, tendRefusal } from './flipper.js';

const beg = (105n * WAD) / 100n;

describe('tendRefusal', () => {
  test('default: a table of bids against prev 100, tab 200, beg 1.05', () => {
    const table: [bigint, string | undefined][] = [
      [105n, undefined], // exactly 5 % more
      [104n, 'Flipper/insufficient-increase'],
      [100n, 'Flipper/bid-not-higher'],
      [200n, undefined],
      [201n, 'Flipper/higher-than-tab'],
    ];
    for (const [bid, why] of table)
      expect(tendRefusal({ bid, prevBid: 100n, tab: 200n, begWad: beg })).toBe(why);
  });

  test('behavior: the closing bid (== tab) may be less than beg above the previous', () => {
    expect(tendAccepted({ bid: 200n, prevBid: 199n, tab: 200n, begWad: beg })).toBe(true);
    expect(tendAccepted({ bid: 199n, prevBid: 198n, tab: 200n, begWad: beg })).toBe(false);
  });
});

describe('dentRefusal', () => {
  test('default: beg·lot ≤ prev, lot strictly lower', () => {
    expect(dentRefusal({ lot: 100n, prevLot: 105n, begWad: beg })).toBeUndefined();
    expect(dentRefusal({ lot: 101n, prevLot: 105n, begWad: beg })).toBe('Flipper/insufficient-decrease');
    expect(dentRefusal({ lot: 105n, prevLot: 105n, begWad: WAD })).toBe('Flipper/lot-not-lower');
    expect(dentAccepted({ lot: 104n, prevLot: 105n, begWad: WAD })).toBe(true);
  });
});
