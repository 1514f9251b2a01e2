import { describe, expect, test } from 'vitest';
import { PositionNotLiquidatableError } from './errors.js';
import { type LiquidationStages, runLiquidation } from './pipeline.js';

interface S {
  readonly collateral: bigint;
  readonly debt: bigint;
}
const calls: string[] = [];
const stages: LiquidationStages<S, { account: string }, { health: bigint }, bigint, { seized: bigint }> = {
  trigger: (s, r) => {
    calls.push('trigger');
    if (s.collateral >= s.debt) throw new PositionNotLiquidatableError(r.account, 'healthy');
    return { health: (s.collateral * 100n) / s.debt };
  },
  sizing: (s) => {
    calls.push('sizing');
    return s.debt / 2n;
  },
  execution: (s, _r, size) => {
    calls.push('execution');
    const seized = size < s.collateral ? size : s.collateral;
    return { events: [{ type: 'Seized' }], shortfall: size - seized, detail: { seized } };
  },
  incentive: () => {
    calls.push('incentive');
    return [{ type: 'Paid' }];
  },
  lossWaterfall: (_s, _r, o) => {
    calls.push('loss');
    return o.shortfall > 0n ? [{ type: 'Deficit' }] : [];
  },
};

describe('runLiquidation', () => {
  test('default: the stages run in order and their events concatenate', () => {
    calls.length = 0;
    const run = runLiquidation(stages, { collateral: 10n, debt: 40n }, { account: 'a' });
    expect(calls).toEqual(['trigger', 'sizing', 'execution', 'incentive', 'loss']);
    expect(run.events.map((e) => e.type)).toEqual(['Seized', 'Paid', 'Deficit']);
    expect(run.size).toBe(20n);
    expect(run.outcome.shortfall).toBe(10n);
  });
  test('error: a refused trigger stops the pipeline before any other stage', () => {
    calls.length = 0;
    expect(() => runLiquidation(stages, { collateral: 50n, debt: 40n }, { account: 'a' })).toThrow(
      PositionNotLiquidatableError,
    );
    expect(calls).toEqual(['trigger']);
  });
});
