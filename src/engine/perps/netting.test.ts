/**
 * Tests of the netting stage: groups by underlying, the offset credit with its basis haircut, each
 * leg's effective notional, the leg a liquidation closes, and the section's refusals. Expected
 * values derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import {
  type NettingLeg,
  netExposure,
  nettingLiquidationLeg,
  offsetCreditFor,
  validateNetting,
} from './netting.js';

const U = 1_000_000n;
const leg = (market: string, underlying: string, side: 1n | -1n, dollars: bigint): NettingLeg => ({
  market,
  underlying,
  sizeBase: side * dollars,
  notionalQuote: dollars * U,
});

describe('netExposure', () => {
  test('default: long $10k on venue A, short $6k on venue B, offsets at 90 %', () => {
    // L = 10,000, S = 6,000, G = 16,000, O = 6,000, C = 2·6,000·0.9 = 10,800, E = 5,200
    // (= net 4,000 + 10 % of the 12,000 offset legs). Shares: 10,000·5,200/16,000 = 3,250 and
    // 6,000·5,200/16,000 = 1,950.
    const n = netExposure([leg('ETH-A', 'ETH', 1n, 10_000n), leg('ETH-B', 'ETH', -1n, 6_000n)], {
      offsetCreditPpm: 900_000n,
    });
    expect(n.groups).toEqual([
      {
        underlying: 'ETH',
        markets: ['ETH-A', 'ETH-B'],
        longQuote: 10_000n * U,
        shortQuote: 6_000n * U,
        netQuote: 4_000n * U,
        offsetQuote: 6_000n * U,
        creditQuote: 10_800n * U,
        effectiveQuote: 5_200n * U,
        offsetCreditPpm: 900_000n,
      },
    ]);
    expect(n.effectiveNotionalQuote).toEqual({ 'ETH-A': 3_250n * U, 'ETH-B': 1_950n * U });
  });

  test('behavior: no offset (one side, another underlying, or credit 0) keeps every notional', () => {
    const legs = [leg('ETH-A', 'ETH', 1n, 10_000n), leg('BTC', 'BTC', -1n, 3_000n)];
    expect(netExposure(legs, { offsetCreditPpm: 900_000n }).effectiveNotionalQuote).toEqual({
      'ETH-A': 10_000n * U,
      BTC: 3_000n * U,
    });
    const zero = netExposure([leg('A', 'ETH', 1n, 7n), leg('B', 'ETH', -1n, 5n)], { offsetCreditPpm: 0n });
    expect(zero.effectiveNotionalQuote).toEqual({ A: 7n * U, B: 5n * U });
  });

  test('behavior: full credit margins the net only; credits and shares round against the account', () => {
    const full = netExposure([leg('A', 'ETH', 1n, 7n), leg('B', 'ETH', -1n, 5n)], {
      offsetCreditPpm: 1_000_000n,
    });
    expect(full.groups[0]?.effectiveQuote).toBe(2n * U);
    // 1 unit long against 1 unit short at 90 %: C = ⌊2·1·0.9⌋ = 1, E = 1; shares ⌈1·1/2⌉ = 1 each.
    const tiny = netExposure(
      [
        { market: 'A', underlying: 'X', sizeBase: 1n, notionalQuote: 1n },
        { market: 'B', underlying: 'X', sizeBase: -1n, notionalQuote: 1n },
      ],
      { offsetCreditPpm: 900_000n },
    );
    expect(tiny.groups[0]?.creditQuote).toBe(1n);
    expect(tiny.effectiveNotionalQuote).toEqual({ A: 1n, B: 1n });
  });

  test('behavior: a per-underlying credit overrides the section’s', () => {
    const params = {
      offsetCreditPpm: 900_000n,
      underlyings: [{ underlying: 'BTC', offsetCreditPpm: 500_000n }],
    };
    expect(offsetCreditFor(params, 'BTC')).toBe(500_000n);
    expect(offsetCreditFor(params, 'ETH')).toBe(900_000n);
    // BTC: L = S = 4,000 at 50 %: C = 4,000, E = 4,000.
    const n = netExposure([leg('B1', 'BTC', 1n, 4_000n), leg('B2', 'BTC', -1n, 4_000n)], params);
    expect(n.groups[0]?.effectiveQuote).toBe(4_000n * U);
  });
});

describe('nettingLiquidationLeg', () => {
  test('default: the group with the largest requirement, its largest net-side leg', () => {
    const legs = [
      leg('ETH-A', 'ETH', 1n, 10_000n),
      leg('ETH-B', 'ETH', -1n, 6_000n),
      leg('ETH-C', 'ETH', 1n, 2_000n),
      leg('BTC', 'BTC', 1n, 3_000n),
    ];
    const n = netExposure(legs, { offsetCreditPpm: 900_000n });
    // ETH needs more than BTC: the net is long, so the largest long leg, ETH-A.
    expect(nettingLiquidationLeg(legs, n, { 'ETH-A': 300n, 'ETH-B': 100n, 'ETH-C': 50n, BTC: 150n })).toBe(
      'ETH-A',
    );
    // BTC needing more picks BTC.
    expect(nettingLiquidationLeg(legs, n, { 'ETH-A': 30n, 'ETH-B': 10n, 'ETH-C': 5n, BTC: 150n })).toBe(
      'BTC',
    );
  });

  test('behavior: a short net picks a short leg; a flat group its largest leg (ties: first id)', () => {
    const short = [leg('A', 'ETH', 1n, 2_000n), leg('B', 'ETH', -1n, 6_000n)];
    expect(nettingLiquidationLeg(short, netExposure(short, { offsetCreditPpm: 1n }), {})).toBe('B');
    const flat = [leg('B', 'ETH', 1n, 5_000n), leg('A', 'ETH', -1n, 5_000n)];
    expect(nettingLiquidationLeg(flat, netExposure(flat, { offsetCreditPpm: 1n }), {})).toBe('A');
    expect(nettingLiquidationLeg([], netExposure([], { offsetCreditPpm: 1n }), {})).toBeUndefined();
  });
});

describe('validateNetting', () => {
  test('error: credits out of [0, 1e6] and repeated underlyings name their field', () => {
    const fieldOf = (run: () => void): string => {
      try {
        run();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        return (e as InvalidParameterError).field;
      }
      throw new Error('accepted');
    };
    expect(() => validateNetting({ offsetCreditPpm: 1_000_000n }, 'n')).not.toThrow();
    expect(fieldOf(() => validateNetting({ offsetCreditPpm: 1_000_001n }, 'n'))).toBe('n.offsetCreditPpm');
    expect(
      fieldOf(() =>
        validateNetting(
          {
            offsetCreditPpm: 0n,
            underlyings: [
              { underlying: 'ETH', offsetCreditPpm: 1n },
              { underlying: 'ETH', offsetCreditPpm: 1n },
            ],
          },
          'n',
        ),
      ),
    ).toBe('n.underlyings.1.underlying');
    expect(
      fieldOf(() =>
        validateNetting(
          { offsetCreditPpm: 0n, underlyings: [{ underlying: 'E', offsetCreditPpm: -1n }] },
          'n',
        ),
      ),
    ).toBe('n.underlyings.0.offsetCreditPpm');
  });
});
