/**
 * The 2025-10-10 check on the built-in `oct-2025` scenario (history.md §10: ADL started only after
 * the insurance backstop was exhausted): with the stress lab's house sizes, Hyperliquid's
 * liquidator vault and dYdX's insurance fund run dry, and auto-deleveraging follows, not before;
 * Drift's fund runs dry on Black Thursday and the rest is socialized. The replay form of the check
 * gives the scenario's figures. 200 accounts at 60 s steps, seed 7 (see the report for seeds where
 * a one-minute gap puts an account below zero, and ADL, before the fund is dry).
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { replayScenario } from '../replay.js';
import { scenarioPaths } from '../scenarios.js';
import { PERPS_FUND_DRY_FRACTION, PERPS_FUND_DRY_USD, perpsAdlCheck, perpsAdlReplayCheck } from './perps.js';

const OCT = { scenario: 'oct-2025', seed: 7, accounts: 200, stepSeconds: 60 } as const;

/** The fund ran dry at a step s (below the dry line), and ADL came with volume at a step ≥ s. */
function expectDryThenAdl(c: ReturnType<typeof perpsAdlCheck>): void {
  expect(c.insuranceFundStartUsd).toBeGreaterThan(0);
  expect(c.fundDryStep).not.toBeNull();
  const s = c.fundDryStep as number;
  expect(c.insuranceFundMinUsd).toBeLessThanOrEqual(
    Math.max(
      PERPS_FUND_DRY_USD,
      PERPS_FUND_DRY_FRACTION * Math.max(c.insuranceFundStartUsd, c.insuranceFundMinUsd),
    ) + Number.EPSILON,
  );
  expect(c.adlVolumeUsd).toBeGreaterThan(0);
  expect(c.firstAdlStep).not.toBeNull();
  expect(c.firstAdlStep as number).toBeGreaterThanOrEqual(s);
  expect(c.adlAfterFundDry).toBe(true);
  expect(c.liquidations).toBeGreaterThan(0);
  expect(c.liquidationsBeforeFirstAdl).toBeGreaterThan(0);
  expect(c.fundDryAtSeconds).toBe(1760126400 + s * 60);
}

describe('perpsAdlCheck', () => {
  test('default: Hyperliquid in the oct-2025 crash: the liquidator vault runs dry, then ADL', () => {
    const c = perpsAdlCheck({ ...OCT, protocol: 'hyperliquid' });
    expectDryThenAdl(c);
    // The vault's free margin is floored at 0: dry means exactly 0 here.
    expect(c.insuranceFundMinUsd).toBe(0);
    expect(c.steps).toBe(241);
    expect(c.stepSeconds).toBe(60);
  });

  test('behavior: dYdX in the oct-2025 crash: the insurance fund runs dry, then deleveraging', () => {
    const c = perpsAdlCheck({ ...OCT, protocol: 'dydx-v4' });
    expectDryThenAdl(c);
    expect(c.insuranceDrawUsd).toBeGreaterThan(0);
    expect(c.badDebtUsd).toBe(0);
  });

  test('behavior: Drift on Black Thursday: the insurance fund runs dry and the rest is socialized', () => {
    const c = perpsAdlCheck({
      protocol: 'drift-v2',
      scenario: 'black-thursday-2020',
      seed: 7,
      accounts: 40,
      stepSeconds: 900,
    });
    expect(c.fundDryStep).not.toBeNull();
    expect(c.insuranceFundMinUsd).toBeLessThanOrEqual(PERPS_FUND_DRY_USD);
    expect(c.socializedUsd).toBeGreaterThan(0);
    expect(c.adlVolumeUsd).toBe(0); // Drift has no ADL: social loss through the funding indexes
  });

  test('behavior: the replay form gives the scenario figures (same path, book and keepers)', () => {
    const paths = scenarioPaths('oct-2025', { seed: 7, stepSeconds: 60 });
    const replay = replayScenario({ prices: { ETH: paths.assets.ETH! }, name: 'replay:oct-2025-eth' });
    const fromReplay = perpsAdlReplayCheck(replay, { protocol: 'hyperliquid', accounts: 200, seed: 7 });
    const fromScenario = perpsAdlCheck({ ...OCT, protocol: 'hyperliquid' });
    expect(fromReplay.scenario).toBe('replay:oct-2025-eth');
    expect({ ...fromReplay, scenario: '' }).toEqual({ ...fromScenario, scenario: '' });
  });

  test('error: a protocol the perps adapters do not run', () => {
    expect(() => perpsAdlCheck({ ...OCT, accounts: 5, protocol: 'aave-v3.3' })).toThrow(
      InvalidParameterError,
    );
  });
});
