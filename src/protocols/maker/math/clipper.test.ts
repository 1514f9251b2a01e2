/** Tests of the Clipper's arithmetic beyond the conformance vectors. */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../../engine/errors.js';
import { RAD, RAY, WAD } from '../../../math/units.js';
import {
  auctionStatus,
  breakerTrips,
  chost,
  feedPriceRay,
  kickIncentive,
  redoIncentive,
  startPriceRay,
  type TakeInput,
  takeAmounts,
} from './clipper.js';

describe('feedPriceRay / startPriceRay', () => {
  test('default: val·1e9 / par, then · buf', () => {
    expect(feedPriceRay(2000n * WAD)).toBe(2000n * RAY);
    expect(feedPriceRay(2000n * WAD, 2n * RAY)).toBe(1000n * RAY);
    expect(startPriceRay(2000n * RAY, (110n * RAY) / 100n)).toBe(2200n * RAY);
  });
});

describe('kickIncentive', () => {
  test('default: tip + chip·tab, nothing when both are 0', () => {
    expect(kickIncentive({ tabRad: 1000n * RAD, tipRad: 5n * RAD, chipWad: WAD / 100n })).toBe(15n * RAD);
    expect(kickIncentive({ tabRad: 1000n * RAD, tipRad: 0n, chipWad: 0n })).toBe(0n);
    expect(kickIncentive({ tabRad: 3n, tipRad: 0n, chipWad: WAD / 2n })).toBe(1n); // ⌊1.5⌋
  });
});

describe('redoIncentive', () => {
  const input = {
    tabRad: 100n * RAD,
    lotWad: 10n * WAD,
    feedPriceRay: 3n * RAY,
    chostRad: 30n * RAD,
    tipRad: 7n * RAD,
    chipWad: 0n,
  };
  test('default: paid at the chost boundaries (≥), not below', () => {
    expect(redoIncentive(input)).toBe(7n * RAD); // lot value 30 = chost
    expect(redoIncentive({ ...input, tabRad: 30n * RAD })).toBe(7n * RAD);
    expect(redoIncentive({ ...input, tabRad: 30n * RAD - 1n })).toBe(0n);
    expect(redoIncentive({ ...input, lotWad: 10n * WAD - 1n })).toBe(0n);
  });
});

describe('chost', () => {
  test('default: wmul(dust, chop), floored', () => {
    expect(chost(7500n * RAD, (113n * WAD) / 100n)).toBe(8475n * RAD);
    expect(chost(3n, WAD / 2n)).toBe(1n);
  });
});

describe('auctionStatus', () => {
  const curve = { kind: 'LinearDecrease', tauSeconds: 100n } as const;
  test('default: price, ratio, and strict tail/cusp', () => {
    expect(
      auctionStatus({ curve, topRay: 10n * RAY, durSeconds: 50n, tailSeconds: 50n, cuspRay: RAY / 2n }),
    ).toEqual({
      priceRay: 5n * RAY,
      priceOverTopRay: RAY / 2n,
      done: false,
    });
    expect(
      auctionStatus({ curve, topRay: 10n * RAY, durSeconds: 51n, tailSeconds: 100n, cuspRay: RAY / 2n }).done,
    ).toBe(true);
    expect(
      auctionStatus({ curve, topRay: 10n * RAY, durSeconds: 40n, tailSeconds: 39n, cuspRay: 0n }).done,
    ).toBe(true);
  });
});

describe('takeAmounts', () => {
  const sale: TakeInput = {
    tabRad: 100n * RAD,
    lotWad: 50n * WAD,
    priceRay: 2n * RAY,
    amtWad: 10n * WAD,
    maxRay: 2n * RAY,
    chostRad: 10n * RAD,
  };
  test('default: a partial purchase', () => {
    expect(takeAmounts(sale)).toEqual({
      sliceWad: 10n * WAD,
      oweRad: 20n * RAD,
      tabAfterRad: 80n * RAD,
      lotAfterWad: 40n * WAD,
      outcome: 'continues',
      digsRad: 20n * RAD,
      returnedToUsrWad: 0n,
    });
  });

  test('behavior: owe rounds the slice down when capped at the tab', () => {
    // price 3: 50 ETH cost 150 > 100 → owe 100, slice ⌊100/3⌋ = 33.333…333 ETH
    const out = takeAmounts({ ...sale, priceRay: 3n * RAY, maxRay: 3n * RAY, amtWad: 50n * WAD });
    expect(out.sliceWad).toBe(33333333333333333333n);
    expect(out.outcome).toBe('tabCovered');
    expect(out.returnedToUsrWad).toBe(50n * WAD - 33333333333333333333n);
  });

  test('behavior: the whole lot short of the tab ends the sale and digs the whole tab', () => {
    const out = takeAmounts({ ...sale, amtWad: 60n * WAD, priceRay: RAY, maxRay: RAY });
    expect([out.oweRad, out.tabAfterRad, out.digsRad, out.outcome]).toEqual([
      50n * RAD,
      50n * RAD,
      100n * RAD,
      'lotExhausted',
    ]);
  });

  test('behavior: amt 0 buys nothing and changes nothing', () => {
    expect(takeAmounts({ ...sale, amtWad: 0n })).toMatchObject({
      sliceWad: 0n,
      oweRad: 0n,
      tabAfterRad: 100n * RAD,
      outcome: 'continues',
    });
  });

  test('behavior: at price 0 (possible only with cusp 0) the slice is free, as in dss', () => {
    expect(takeAmounts({ ...sale, priceRay: 0n, maxRay: 0n })).toMatchObject({
      sliceWad: 10n * WAD,
      oweRad: 0n,
    });
  });

  test('error: too expensive; no partial purchase once tab ≤ chost', () => {
    expect(() => takeAmounts({ ...sale, maxRay: 2n * RAY - 1n })).toThrow(ProtocolRevertError);
    // tab 10 = chost: 1 ETH (owe 2) would leave 8 < chost
    expect(() => takeAmounts({ ...sale, tabRad: 10n * RAD, amtWad: WAD })).toThrow(ProtocolRevertError);
  });
});

describe('breakerTrips', () => {
  test('default: nxt strictly below rmul(cur, tolerance)', () => {
    expect(breakerTrips({ curWad: 1000n * WAD, nxtWad: 500n * WAD, toleranceRay: RAY / 2n })).toBe(false);
    expect(breakerTrips({ curWad: 1000n * WAD, nxtWad: 500n * WAD - 1n, toleranceRay: RAY / 2n })).toBe(true);
    expect(breakerTrips({ curWad: 1000n * WAD, nxtWad: 0n, toleranceRay: 0n })).toBe(false);
  });
});
