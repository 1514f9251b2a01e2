import { describe, expect, test } from 'vitest';
import { stateHash } from '../../engine/machine.js';
import { runWithAdapter } from './core.js';
import { createMakerStressAdapter, makerStressAdapter } from './maker.js';
import type { StressKeeperSpec, StressOptions, StressResult } from './types.js';

const naive = createMakerStressAdapter({ indexed: false });

/** Every keeper preset, two of them late by a step, so the loop's queue and budgets are exercised. */
const MIXED: readonly StressKeeperSpec[] = [
  { preset: 'gasCapped', id: 'capped', maxGasPriceGwei: 120, latencySteps: 1 },
  { preset: 'gasAware', id: 'aware', minProfitUsd: 5 },
  { preset: 'flash', id: 'flash' },
  { preset: 'capitalLimited', id: 'capital', capitalDai: 300_000, latencySteps: 2 },
  { preset: 'zeroBid', id: 'zero' },
];

function comparable(r: StressResult) {
  return {
    summary: r.summary,
    series: r.series,
    clearings: r.clearings,
    keepers: r.keepers,
    hash: stateHash(r.finalState),
  };
}

describe('makerStressAdapter', () => {
  const cases: [string, StressOptions][] = [
    [
      'liq2, default keepers',
      { protocol: 'maker-liq2', scenario: 'black-thursday-2020', seed: 7, accounts: 300 },
    ],
    [
      'liq2, every preset, priority gas auction, dropped transactions',
      {
        protocol: 'maker-liq2',
        scenario: 'black-thursday-2020',
        seed: 11,
        accounts: 250,
        keepers: MIXED,
        network: { priorityGasAuction: true, txFailureRate: 0.05 },
      },
    ],
    [
      'liq1, every preset',
      { protocol: 'maker-liq1', scenario: 'black-thursday-2020', seed: 3, accounts: 250, keepers: MIXED },
    ],
  ];
  test.each(cases)('behavior: the indexed run equals the full-scan run (%s)', (_name, options) => {
    const indexed = runWithAdapter(makerStressAdapter, options);
    const scanned = runWithAdapter(naive, options);
    expect(indexed.summary.liquidations).toBeGreaterThan(0);
    // Health buckets were sampled and counted vaults.
    expect(indexed.series.some((p) => (p.healthBuckets ?? []).reduce((a, b) => a + b, 0) > 0)).toBe(true);
    expect(comparable(indexed)).toEqual(comparable(scanned));
  });
});
