/**
 * Property tests of the axis ticks: nice ticks always cover the range with evenly spaced 1/2/5 ×
 * 10^k steps and a bounded count; time ticks stay inside the range on multiples of their step.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { niceTicks, tickLabels, timeTicks } from './svg.js';

const finite = fc.double({ min: -1e12, max: 1e12, noNaN: true, noDefaultInfinity: true });

describe('niceTicks', () => {
  test('behavior: the ticks cover [min, max], evenly spaced, at most targetCount + 2 of them', () => {
    fc.assert(
      fc.property(finite, finite, fc.integer({ min: 1, max: 12 }), (a, b, count) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(min, max, count);
        const first = ticks.values[0] ?? Number.NaN;
        const last = ticks.values[ticks.values.length - 1] ?? Number.NaN;
        expect(first).toBeLessThanOrEqual(min);
        expect(last).toBeGreaterThanOrEqual(max);
        expect(ticks.values.length).toBeLessThanOrEqual(count + 2);
        expect(ticks.values.length).toBeGreaterThanOrEqual(2);
        expect([1, 2, 5]).toContain(ticks.stepMantissa);
        for (let i = 1; i < ticks.values.length; i++) {
          const gap = (ticks.values[i] ?? 0) - (ticks.values[i - 1] ?? 0);
          expect(Math.abs(gap - ticks.step)).toBeLessThanOrEqual(Math.abs(ticks.step) * 1e-9 + 1e-300);
        }
        expect(new Set(tickLabels(ticks)).size).toBe(ticks.values.length);
      }),
    );
  });
});

describe('timeTicks', () => {
  test('behavior: ticks lie in the range on multiples of the step, at most maxCount + 1', () => {
    const time = fc.integer({ min: -2_000_000_000, max: 4_000_000_000 });
    fc.assert(
      fc.property(
        time,
        fc.integer({ min: 0, max: 400_000_000 }),
        fc.integer({ min: 1, max: 12 }),
        (start, span, count) => {
          const ticks = timeTicks(start, start + span, count);
          expect(ticks.values.length).toBeLessThanOrEqual(count + 1);
          expect(ticks.labels).toHaveLength(ticks.values.length);
          for (const t of ticks.values) {
            expect(t).toBeGreaterThanOrEqual(start);
            expect(t).toBeLessThanOrEqual(start + span);
            expect(t % ticks.stepSeconds === 0).toBe(true);
          }
        },
      ),
    );
  });
});
