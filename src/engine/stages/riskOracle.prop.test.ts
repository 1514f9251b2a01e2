/**
 * Properties of the risk oracle over random σ paths and clocks: the threshold never leaves its
 * bounds, never moves by more than maxChangeBps in one update, changes no more often than
 * minSecondsBetweenChanges, and always moves toward its σ target.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import { nextThresholdBps, targetThresholdBps } from './riskOracle.js';

describe('nextThresholdBps', () => {
  test('behavior: bounded, rate-limited, spaced and toward the target', () => {
    fc.assert(
      fc.property(
        fc.record({
          baseThresholdBps: fc.bigInt({ min: 0n, max: 10_000n }),
          sigmaSlopeBps: fc.bigInt({ min: 0n, max: 5_000n }),
          minThresholdBps: fc.bigInt({ min: 1n, max: 7_000n }),
          span: fc.bigInt({ min: 0n, max: 3_000n }),
        }),
        fc.bigInt({ min: 1n, max: 500n }),
        fc.integer({ min: 0, max: 7_200 }),
        fc.array(
          fc.record({ dt: fc.integer({ min: 0, max: 3_600 }), sigma: fc.bigInt({ min: 0n, max: 5n * WAD }) }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        (shape, maxChangeBps, minSecondsBetweenChanges, steps) => {
          const params = { ...shape, maxThresholdBps: shape.minThresholdBps + shape.span };
          let current = params.minThresholdBps + shape.span / 2n;
          let last: number | undefined;
          let now = 0;
          for (const s of steps) {
            now += s.dt;
            const target = targetThresholdBps(params, s.sigma);
            const next = nextThresholdBps({
              currentBps: current,
              targetBps: target,
              maxChangeBps,
              lastChangeAtSeconds: last,
              nowSeconds: now,
              minSecondsBetweenChanges,
            });
            if (next === undefined) continue;
            if (last !== undefined) expect(now - last).toBeGreaterThanOrEqual(minSecondsBetweenChanges);
            const move = next > current ? next - current : current - next;
            expect(move > 0n && move <= maxChangeBps).toBe(true);
            expect(next >= params.minThresholdBps && next <= params.maxThresholdBps).toBe(true);
            // toward the target, never past it
            expect((next - current) * (target - current) > 0n).toBe(true);
            expect(next > current ? next <= target : next >= target).toBe(true);
            current = next;
            last = now;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
