import { describe, expect, test } from 'vitest';
import type { MarketContext } from '../../keepers/types.js';
import { syntheticBook } from '../book.js';
import { createRng } from '../rng.js';
import { runStress } from '../stress.js';
import { createStressOpenCache, openOnce, sharedView } from './core.js';
import type { StressOptions } from './types.js';

const market = (nowSeconds: number): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 30,
  ethPriceUsd: 2_000,
  collateralPriceUsdWad: 2_000n * 10n ** 18n,
  slippageBps: 30n,
});

describe('sharedView', () => {
  test('default: keepers deciding on the same state and market share one build', () => {
    let builds = 0;
    const view = sharedView((s: { readonly n: number }, m: MarketContext) => {
      builds += 1;
      return { n: s.n, t: m.nowSeconds };
    });
    const state = { n: 1 };
    const m = market(100);
    const first = view(state, m);
    expect(view(state, m)).toBe(first);
    expect(builds).toBe(1);
  });

  test('behavior: a new state (a transaction landed) or a new step builds again', () => {
    let builds = 0;
    const view = sharedView((s: { readonly n: number }, m: MarketContext) => {
      builds += 1;
      return { n: s.n, t: m.nowSeconds };
    });
    const m = market(100);
    view({ n: 1 }, m);
    expect(view({ n: 2 }, m)).toEqual({ n: 2, t: 100 });
    expect(view({ n: 2 }, market(160))).toEqual({ n: 2, t: 160 });
    expect(builds).toBe(3);
  });
});

describe('openOnce', () => {
  const book = syntheticBook(createRng(3), {
    accounts: 5,
    collateralAsset: 'ETH',
    collateralPriceUsd: 2_000,
  });
  const base: StressOptions = { protocol: 'maker-liq2', scenario: 'black-thursday-2020', seed: 1, book };

  test('default: the same book and set-up open once per cache', () => {
    const cache = createStressOpenCache();
    let opens = 0;
    const open = () => ({ opened: ++opens });
    const first = openOnce({ ...base, openCache: cache }, { price: 10n }, open);
    expect(openOnce({ ...base, seed: 2, openCache: cache }, { price: 10n }, open)).toBe(first);
    expect(opens).toBe(1);
  });

  test('behavior: another set-up, protocol, book or cache opens again', () => {
    const cache = createStressOpenCache();
    let opens = 0;
    const open = () => ++opens;
    openOnce({ ...base, openCache: cache }, { price: 10n }, open);
    openOnce({ ...base, openCache: cache }, { price: 11n }, open);
    openOnce({ ...base, protocol: 'maker-liq1', openCache: cache }, { price: 10n }, open);
    openOnce({ ...base, book: { ...book }, openCache: cache }, { price: 10n }, open);
    openOnce({ ...base, openCache: createStressOpenCache() }, { price: 10n }, open);
    openOnce(base, { price: 10n }, open); // no cache
    const { book: _book, ...synthetic } = base;
    openOnce({ ...synthetic, accounts: 5, openCache: cache }, { price: 10n }, open); // a drawn book
    expect(opens).toBe(7);
  });
});

describe('healthSeries', () => {
  test('behavior: off, the series has no health buckets and every summary figure is unchanged', () => {
    const options: StressOptions = {
      protocol: 'maker-liq2',
      scenario: 'black-thursday-2020',
      seed: 7,
      accounts: 60,
    };
    const on = runStress(options);
    const off = runStress({ ...options, healthSeries: false });
    expect(on.series.some((p) => p.healthBuckets !== null)).toBe(true);
    expect(off.series.every((p) => p.healthBuckets === null)).toBe(true);
    expect(off.summary).toEqual(on.summary);
  });
});
