/**
 * Properties of the dynamic incentive: the bonus stays within [min, max]; when it is below max the
 * keeper's share of it pays the gas cost plus ε (I > C_gas + ε); it never falls when gas or σ rise,
 * nor rises when the amount grows.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import { dynamicIncentiveBps } from './dynamicIncentive.js';

const params = fc
  .record({
    baseBps: fc.bigInt({ min: 0n, max: 2_000n }),
    sigmaSlopeBps: fc.bigInt({ min: 0n, max: 2_000n }),
    minBps: fc.bigInt({ min: 0n, max: 1_000n }),
    span: fc.bigInt({ min: 0n, max: 4_000n }),
    epsilonUsd: fc.bigInt({ min: 0n, max: 100n }),
  })
  .map(({ span, ...p }) => ({ ...p, maxBps: p.minBps + span, gasUnits: 400_000n }));

describe('dynamicIncentiveBps', () => {
  test('behavior: bounded, covers gas + ε below the cap, monotone in gas, σ and amount', () => {
    fc.assert(
      fc.property(
        params,
        fc.bigInt({ min: 0n, max: 5n * WAD }),
        fc.bigInt({ min: 0n, max: 500n * WAD }),
        fc.bigInt({ min: 0n, max: 10n ** 7n * WAD }),
        fc.bigInt({ min: 1n, max: 10_000n }),
        (p, sigmaAnnualWad, gasCostUsdWad, amountUsdWad, keeperShareBps) => {
          const input = { params: p, sigmaAnnualWad, gasCostUsdWad, amountUsdWad, keeperShareBps };
          const bonus = dynamicIncentiveBps(input);
          expect(bonus >= p.minBps && bonus <= p.maxBps).toBe(true);
          if (bonus < p.maxBps) {
            // amount × bonus × share ≥ (gas + ε), all in USD WAD × bps²
            expect(amountUsdWad * bonus * keeperShareBps).toBeGreaterThanOrEqual(
              (gasCostUsdWad + p.epsilonUsd * WAD) * 10n ** 8n,
            );
          }
          expect(
            dynamicIncentiveBps({ ...input, gasCostUsdWad: gasCostUsdWad + WAD }),
          ).toBeGreaterThanOrEqual(bonus);
          expect(
            dynamicIncentiveBps({ ...input, sigmaAnnualWad: sigmaAnnualWad + WAD }),
          ).toBeGreaterThanOrEqual(bonus);
          expect(dynamicIncentiveBps({ ...input, amountUsdWad: amountUsdWad * 2n + 1n })).toBeLessThanOrEqual(
            bonus,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
