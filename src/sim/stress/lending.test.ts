import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { stateHash } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { WAD } from '../../math/units.js';
import { type AaveExt, currentAccountData } from '../../protocols/aave-v3/state.js';
import { isLiquidatable, presentValue } from '../../protocols/compound-v3/math.js';
import { type CompoundExt, cometPrice, holdingsOf } from '../../protocols/compound-v3/state.js';
import { syntheticBook } from '../book.js';
import { createRng } from '../rng.js';
import { createStressOpenCache, runWithAdapter, stressSource } from './core.js';
import { createLendingStressAdapter, lendingStressAdapter } from './lending.js';
import { lendingWatch } from './lendingWatch.js';
import type { StressKeeperSpec, StressOptions, StressResult } from './types.js';

const naive = createLendingStressAdapter({ indexed: false });

function comparable(r: StressResult) {
  return {
    summary: r.summary,
    series: r.series,
    clearings: r.clearings,
    keepers: r.keepers,
    hash: stateHash(r.finalState),
  };
}

const LATE_AAVE: readonly StressKeeperSpec[] = [
  { preset: 'aaveLiquidator', id: 'capped', minProfitUsd: 0, maxGasPriceGwei: 150, latencySteps: 1 },
  { preset: 'aaveLiquidator', id: 'aware', minProfitUsd: 25 },
  { preset: 'aaveLiquidator', id: 'small', minProfitUsd: 0, walletUsdc: 20_000 },
];

/** The last step's time of a run (its series ends there). */
function lastT(r: StressResult): number {
  return (r.series[r.series.length - 1] as { t: number }).t;
}

describe('lendingStressAdapter', () => {
  const cases: [string, StressOptions][] = [
    [
      'aave-v3.3, default keepers',
      { protocol: 'aave-v3.3', scenario: 'black-thursday-2020', seed: 7, accounts: 250 },
    ],
    [
      'aave-v3.5, late and small keepers, priority gas auction, dropped transactions',
      {
        protocol: 'aave-v3.5',
        scenario: 'black-thursday-2020',
        seed: 11,
        accounts: 200,
        keepers: LATE_AAVE,
        network: { priorityGasAuction: true, txFailureRate: 0.05 },
      },
    ],
    [
      'aave-v3.7, an oracle outage (the watch cannot price: every account is screened)',
      {
        protocol: 'aave-v3.7',
        scenario: 'black-thursday-2020',
        seed: 5,
        accounts: 150,
        oracle: { heartbeatSeconds: 1800, outages: [{ fromSeconds: 1584000000, toSeconds: 1584030000 }] },
      },
    ],
    [
      'compound-v3, default keepers',
      { protocol: 'compound-v3', scenario: 'black-thursday-2020', seed: 3, accounts: 250 },
    ],
    [
      'compound-v3, a manipulated −40 % oracle wick, late keepers',
      {
        protocol: 'compound-v3',
        scenario: 'black-thursday-2020',
        seed: 9,
        accounts: 200,
        keepers: [
          { preset: 'cometAbsorber', id: 'absorber', latencySteps: 1 },
          { preset: 'cometBuyer', id: 'buyer', minProfitUsd: 0 },
        ],
        oracle: { spikes: [{ fromSeconds: 1583974800, toSeconds: 1583978400, multiple: 0.6 }] },
      },
    ],
  ];
  test.each(cases)('behavior: the indexed run equals the full-scan run (%s)', (_name, options) => {
    const indexed = runWithAdapter(lendingStressAdapter, options);
    const scanned = runWithAdapter(naive, options);
    expect(indexed.summary.liquidations).toBeGreaterThan(0);
    expect(comparable(indexed)).toEqual(comparable(scanned));
  });

  test('behavior: random books, seeds and markets give the same run indexed and scanned', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('aave-v3.3', 'compound-v3'),
        fc.constantFrom('black-thursday-2020', 'aug-2024', 'may-2021'),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 10, max: 60 }),
        (protocol, scenario, seed, accounts) => {
          const options: StressOptions = { protocol, scenario, seed, accounts };
          expect(comparable(runWithAdapter(lendingStressAdapter, options))).toEqual(
            comparable(runWithAdapter(naive, options)),
          );
        },
      ),
      { numRuns: 6 },
    );
  });
});

describe('lendingWatch', () => {
  test('behavior: Aave candidates hold every liquidatable account and far fewer than the book', () => {
    // A run cut short, so that a price drop leaves unliquidated accounts behind (no keepers).
    const run = runWithAdapter(lendingStressAdapter, {
      protocol: 'aave-v3.3',
      scenario: 'black-thursday-2020',
      seed: 7,
      accounts: 300,
      keepers: [],
    });
    const state = run.finalState as unknown as EngineState<AaveExt>;
    const params = state.ext.params;
    if (params === null) throw new Error('unconfigured');
    const t = lastT(run);
    const ids = state.ext.accounts.keys();
    const liquidatable = ids.filter((id) => currentAccountData(state, params, id, t).healthFactorWad < WAD);
    const watch = lendingWatch(ids, 'WETH', 'USDC');
    const candidates = watch.candidates(state, t);
    expect(candidates).toBeDefined();
    expect(liquidatable.length).toBeGreaterThan(0);
    for (const id of liquidatable) expect(candidates).toContain(id);
    // The 1 % margin flags few healthy accounts: most of the book is never re-checked.
    expect((candidates ?? []).length).toBeLessThan(liquidatable.length + ids.length / 4);
    expect(ids.length - (candidates ?? []).length).toBeGreaterThan(ids.length / 2);
  });

  test('behavior: Comet candidates hold every liquidatable account', () => {
    const run = runWithAdapter(lendingStressAdapter, {
      protocol: 'compound-v3',
      scenario: 'black-thursday-2020',
      seed: 7,
      accounts: 300,
      keepers: [],
    });
    const state = run.finalState as unknown as EngineState<CompoundExt>;
    const market = state.ext.market;
    if (market === null) throw new Error('unconfigured');
    const t = lastT(run);
    const basePrice = cometPrice(state, market.params.baseAsset, t);
    const liquidatable = state.ext.accounts.entries().flatMap(([id, a]) => {
      if (a.principal >= 0n) return [];
      const holdings = holdingsOf(state, market, a.collateral, 'liquidateCollateralFactor', t);
      const pv = presentValue(a.principal, state.ext.indexes);
      return isLiquidatable({ presentValue: pv, basePrice, baseScale: market.baseScale, holdings })
        ? [id]
        : [];
    });
    const candidates = lendingWatch(state.ext.accounts.keys(), 'WETH', 'USDC').candidates(state, t) ?? [];
    expect(liquidatable.length).toBeGreaterThan(0);
    for (const id of liquidatable) expect(candidates).toContain(id);
    expect(candidates.length).toBeLessThan(state.ext.accounts.size);
  });

  test('behavior: running borrower totals equal the sums over the book', () => {
    for (const protocol of ['aave-v3.3', 'compound-v3']) {
      const run = runWithAdapter(lendingStressAdapter, {
        protocol,
        scenario: 'black-thursday-2020',
        seed: 4,
        accounts: 120,
      });
      const scanned = runWithAdapter(naive, {
        protocol,
        scenario: 'black-thursday-2020',
        seed: 4,
        accounts: 120,
      });
      // borrowerLossUsd is built from the totals at every step.
      expect(run.summary.borrowerLossUsd).toBe(scanned.summary.borrowerLossUsd);
      expect(run.summary.borrowerLossUsd).not.toBe(0);
    }
  });
});

describe('lendingStressAdapter (opened once per book)', () => {
  test('behavior: paths sharing a book open it once and run as if each had opened it', () => {
    const book = syntheticBook(createRng(5), {
      accounts: 40,
      collateralAsset: 'ETH',
      collateralPriceUsd: 195.2,
    });
    for (const protocol of ['aave-v3.3', 'compound-v3']) {
      const cache = createStressOpenCache();
      for (const seed of [3, 4]) {
        const base: StressOptions = {
          protocol,
          scenario: 'black-thursday-2020',
          seed,
          book,
          stepSeconds: 900,
        };
        const shared = runWithAdapter(lendingStressAdapter, { ...base, openCache: cache });
        const alone = runWithAdapter(lendingStressAdapter, base);
        expect(stateHash(shared.finalState)).toBe(stateHash(alone.finalState));
        expect(shared.summary).toEqual(alone.summary);
      }
      // Both seeds start from the scenario's first price: one opening served both paths.
      expect(cache.byBook.get(book)?.size).toBe(1);
    }
  });
});

describe('lendingStressAdapter on a USDC depeg (usdc-depeg-2023)', () => {
  const startEth = 1533.38;
  const bookAt = (minCollateralRatio: number, accounts: number) =>
    syntheticBook(createRng(3), {
      accounts,
      collateralAsset: 'ETH',
      collateralPriceUsd: startEth,
      minCollateralRatio,
    });

  test('behavior: USDC is priced by a feed of the scenario’s USDC path, not held at $1', () => {
    const options: StressOptions = {
      protocol: 'aave-v3.3',
      scenario: 'usdc-depeg-2023',
      seed: 4,
      accounts: 60,
    };
    const usdcRounds = (o: StressOptions): number[] => {
      const source = stressSource(o);
      const opened = lendingStressAdapter.open({
        options: o,
        source,
        rng: createRng(o.seed),
        specs: lendingStressAdapter.defaultKeepers(o.protocol),
        start: (source.ethPath[0] as { tSeconds: number }).tSeconds,
      });
      return opened.feed
        .map((c) => c.command as { type: string; asset?: string; price?: bigint })
        .filter((c) => c.type === 'publishPrice' && c.asset === 'USDC')
        .map((c) => Number(c.price) / 1e8);
    };
    // The path's minimum is the published floor, 0.8994; the feed's rounds follow it within its
    // 0.5 % deviation threshold.
    const rounds = usdcRounds(options);
    expect(rounds.length).toBeGreaterThan(10);
    expect(Math.abs(Math.min(...rounds) / 0.8994 - 1)).toBeLessThanOrEqual(0.005);
    const r = runWithAdapter(lendingStressAdapter, options);
    const final = r.finalState as EngineState<AaveExt>;
    expect(final.oracle.assets.USDC?.config.sources).not.toEqual(['fixed']);
    const usdc = spotPrice(final.oracle, 'USDC', lastT(r));
    expect(Number(usdc.price) / 10 ** usdc.priceDecimals).toBeCloseTo(rounds[rounds.length - 1] as number, 8);
    // Without a USDC path (Black Thursday) the fixed $1 feed stays, and no USDC round is in the feed.
    const bt = { ...options, scenario: 'black-thursday-2020' };
    expect(usdcRounds(bt)).toEqual([]);
    const btRun = runWithAdapter(lendingStressAdapter, bt);
    expect((btRun.finalState as EngineState<AaveExt>).oracle.assets.USDC?.config.sources).toEqual(['fixed']);
  });

  test('behavior: with nobody liquidated, the depeg costs borrowers nothing (debt is valued as it is repaid)', () => {
    for (const protocol of ['aave-v3.3', 'compound-v3']) {
      const r = runWithAdapter(lendingStressAdapter, {
        protocol,
        scenario: 'usdc-depeg-2023',
        seed: 2,
        book: bookAt(3, 40),
      });
      expect(r.summary.liquidations).toBe(0);
      expect(r.summary.borrowerLossUsd).toBe(0);
    }
  });

  test.each(['aave-v3.3', 'compound-v3'])(
    'behavior: the indexed run equals the full-scan run (%s, thin margins)',
    (protocol) => {
      const options: StressOptions = {
        protocol,
        scenario: 'usdc-depeg-2023',
        seed: 8,
        book: bookAt(1.22, 120),
      };
      const indexed = runWithAdapter(lendingStressAdapter, options);
      expect(indexed.summary.liquidations).toBeGreaterThan(0);
      expect(comparable(indexed)).toEqual(comparable(runWithAdapter(naive, options)));
    },
  );
});
