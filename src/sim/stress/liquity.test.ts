/**
 * Tests of the Liquity v1 stress adapter: the book → troves rules on hand-sized accounts (the fee and
 * gas compensation inside the book's debt, dust, MCR/TCR limits, clamping), and Black Thursday with 40
 * accounts and 15-minute steps — liquidations, the Stability Pool emptying into redistribution,
 * determinism, the summary against figures read independently from the final state, late or absent
 * keepers, and refused presets.
 */
import { describe, expect, test } from 'vitest';
import { debtClaimAsset, type EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf, sumByPrefix } from '../../engine/ledger.js';
import { stateHash } from '../../engine/machine.js';
import { liquityV1Model } from '../../protocols/liquity-v1/model.js';
import { DEFAULT_LIQUITY_PARAMS } from '../../protocols/liquity-v1/params.js';
import { type LiquityExt, systemTotals, tcrOf } from '../../protocols/liquity-v1/state.js';
import { liquityMarket, openTrove, wei } from '../../protocols/liquity-v1/testkit.js';
import { type Book, syntheticBook } from '../book.js';
import { createRng } from '../rng.js';
import { createStressOpenCache, runWithAdapter } from './core.js';
import {
  LIQUITY_SP_DEPOSITOR,
  LIQUITY_STABILITY_POOL_SHARE_BPS,
  liquityBadDebtUsd,
  liquityBookCommands,
  liquityStressAdapter,
  liquityTroveHealth,
} from './liquity.js';
import { DEFAULT_KEEPER_WALLET_DAI, type StressOptions, type StressResult } from './types.js';

const E18 = 10n ** 18n;
const book = (accounts: { id: string; eth: number; debtUsd: number; asset?: string }[]): Book => ({
  description: 'hand-sized',
  accounts: accounts.map((a) => ({
    id: a.id,
    collateral: [{ asset: a.asset ?? 'ETH', amountWhole: a.eth }],
    debtUsd: a.debtUsd,
  })),
});
const at2000 = { params: DEFAULT_LIQUITY_PARAMS, priceWad: 2_000n * E18, baseRateWad: 0n };

describe('liquityBookCommands', () => {
  test('default: the book debt is the composite debt — 10,250 = 10,000 + 0.5 % fee + 200', () => {
    const out = liquityBookCommands(book([{ id: 'a', eth: 10, debtUsd: 10_250 }]), at2000);
    // lusdAmount = (10,250 − 200) / 1.005 = 10,000 exactly.
    expect(out.commands).toEqual([
      { type: 'openTrove', account: 'a', collDeposit: 10n * E18, lusdAmount: 10_000n * E18 },
    ]);
    expect(out.opened[0]?.debtAmount).toBe(10_250n * E18);
    expect(out.totals).toEqual({ collateral: { ETH: 10n * E18 }, debt: { LUSD: 10_250n * E18 } });
    // The model opens it with exactly that debt.
    const m = liquityMarket(2_000);
    m.run(out.commands[0] as never, 60);
    expect(m.state.ext.troves.get('a')?.debt).toBe(10_250n * E18);
  });

  test('behavior: dust, MCR, a TCR limit clamped within 1 bp or skipped beyond, other collateral', () => {
    // 1,900 of debt: net debt (1,900 − 200) < MIN_NET_DEBT 1,800.
    expect(
      liquityBookCommands(book([{ id: 'd', eth: 10, debtUsd: 1_900 }]), at2000).skippedByReason.dust,
    ).toBe(1);
    // A second trove at ICR 3,000 / 2,800 = 1.07 < MCR (the first keeps the TCR above CCR).
    const mcr = liquityBookCommands(
      book([
        { id: 'a', eth: 100, debtUsd: 10_000 },
        { id: 'b', eth: 1.5, debtUsd: 2_800 },
      ]),
      at2000,
    );
    expect(mcr.opened.map((o) => o.account)).toEqual(['a']);
    expect(mcr.skipped).toMatchObject([{ bookId: 'b', reason: 'collateral-ratio' }]);
    // Alone, 3 ETH ($6,000) may owe at most 6,000 / 1.5 = 4,000 (TCR ≥ CCR): 4,000.2 is 0.5 bp
    // above and is clamped to it; 4,001 (2.5 bp) is skipped.
    const clamped = liquityBookCommands(book([{ id: 'c', eth: 3, debtUsd: 4_000.2 }]), at2000);
    expect(clamped.clampedCount).toBe(1);
    expect(clamped.opened[0]?.debtAmount).toBeLessThanOrEqual(4_000n * E18);
    expect(clamped.opened[0]?.debtAmount).toBeGreaterThan(3_999n * E18);
    const m = liquityMarket(2_000);
    m.run(clamped.commands[0] as never, 60);
    expect(m.state.ext.troves.get('c')?.debt).toBe(clamped.opened[0]?.debtAmount);
    expect(
      liquityBookCommands(book([{ id: 'c', eth: 3, debtUsd: 4_001 }]), at2000).skippedByReason[
        'collateral-ratio'
      ],
    ).toBe(1);
    const other = liquityBookCommands(
      {
        description: 'x',
        accounts: [
          { id: 'w', collateral: [{ asset: 'WBTC', amountWhole: 1 }], debtUsd: 5_000 },
          { id: 'z', collateral: [{ asset: 'ETH', amountWhole: 1e-19 }], debtUsd: 5_000 },
        ],
      },
      at2000,
    );
    expect(other.skippedByReason['unsupported-collateral']).toBe(1);
    expect(other.skippedByReason['zero-collateral']).toBe(1);
  });

  test('error: a price of 0, a bad tolerance', () => {
    expect(() => liquityBookCommands(book([]), { ...at2000, priceWad: 0n })).toThrow(InvalidParameterError);
    expect(() => liquityBookCommands(book([]), { ...at2000, clampToleranceBps: -1 })).toThrow(
      InvalidParameterError,
    );
  });
});

const BT = 'black-thursday-2020';
const cache = new Map<string, StressResult>();
/** Black Thursday, 40 accounts, 15-minute steps (memoised per options). */
function run(over: Partial<StressOptions> = {}): StressResult {
  const key = JSON.stringify(over);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = runWithAdapter(liquityStressAdapter, {
    protocol: 'liquity-v1',
    scenario: BT,
    seed: 7,
    accounts: 40,
    stepSeconds: 900,
    ...over,
  });
  cache.set(key, result);
  return result;
}
const stateOf = (r: StressResult) => r.finalState as EngineState<LiquityExt>;
const wad = (x: bigint) => Number(x) / 1e18;

describe('liquityStressAdapter', () => {
  test('default: Black Thursday liquidates troves, empties the Stability Pool and redistributes', () => {
    const { summary, series, keepers } = run();
    expect(summary.protocol).toBe('liquity-v1');
    expect(summary.accounts + summary.accountsSkipped).toBe(40);
    expect(summary.liquidations).toBeGreaterThan(0);
    expect(summary.liquidatedDebtUsd).toBeGreaterThan(0);
    expect(summary.insuranceFundDrawUsd).toBeGreaterThan(0);
    expect(summary.socializedLossUsd).toBeGreaterThan(0); // the pool ran dry
    expect(series[series.length - 1]?.insuranceFundUsd).toBe(0);
    expect([
      summary.auctions,
      summary.zeroBidAuctions,
      summary.auctionsLiveAtEnd,
      summary.adlVolumeUsd,
    ]).toEqual([0, 0, 0, 0]);
    expect(keepers.map((k) => k.id)).toEqual(['keeper-capped', 'keeper-aware']);
    expect(keepers.reduce((n, k) => n + k.liquidations, 0)).toBe(summary.liquidations);
    expect(series.every((p) => p.oraclePriceUsd !== null)).toBe(true);
  });

  test('behavior: the same seed gives the same run; another seed differs', () => {
    const a = run();
    const b = runWithAdapter(liquityStressAdapter, {
      protocol: 'liquity-v1',
      scenario: BT,
      seed: 7,
      accounts: 40,
      stepSeconds: 900,
    });
    expect(b.summary).toEqual(a.summary);
    expect(b.series).toEqual(a.series);
    const c = run({ seed: 8 });
    expect(c.series.map((p) => p.marketPriceUsd)).not.toEqual(a.series.map((p) => p.marketPriceUsd));
  });

  test('behavior: the summary agrees with the final state', () => {
    const r = run();
    const { summary, series, clearings } = r;
    const s = stateOf(r);
    // Troves only close by liquidation here: the book's troves missing at the end were liquidated.
    const open = s.ext.troves.size;
    expect(summary.accounts - open).toBe(summary.liquidations);
    // Each liquidated trove paid its 200 LUSD reserve to a keeper (beyond each keeper's funding).
    const funding = BigInt(DEFAULT_KEEPER_WALLET_DAI) * E18;
    const keeperLusd = ['keeper-capped', 'keeper-aware'].reduce(
      (n, id) => n + balanceOf(s.ledger, `wallet:${id}`, 'LUSD') - funding,
      0n,
    );
    expect(keeperLusd).toBe(200n * E18 * BigInt(summary.liquidations));
    // The pool's deposit and the keepers' funding came from `world`; what the pool burnt is the draw.
    const deposit = -balanceOf(s.ledger, 'world', 'LUSD') - 2n * funding;
    expect(deposit).toBeGreaterThan(0n);
    const burnt = wad(deposit - balanceOf(s.ledger, 'stabilityPool', 'LUSD'));
    expect(summary.insuranceFundDrawUsd).toBeCloseTo(burnt, 3);
    // The collateral the pool received is the clearings' (the depositor never withdrew).
    const spEth = wad(balanceOf(s.ledger, 'stabilityPool', 'ETH'));
    expect(clearings.reduce((x, c) => x + c.collateral, 0)).toBeCloseTo(spEth, 6);
    expect(s.ext.sp.deposits[LIQUITY_SP_DEPOSITOR]).toBeDefined();
    // Every liquidated debt is offset or redistributed.
    expect(summary.liquidatedDebtUsd).toBeCloseTo(
      summary.insuranceFundDrawUsd + summary.socializedLossUsd,
      3,
    );
    // Bad debt from the ledger's totals (active + default pool) at the last market price.
    const debt = wad(
      sumByPrefix(s.ledger, debtClaimAsset('LUSD'), 'debt:') +
        balanceOf(s.ledger, 'defaultPool', debtClaimAsset('LUSD')),
    );
    const coll = wad(sumByPrefix(s.ledger, 'ETH', 'acct:') + balanceOf(s.ledger, 'defaultPool', 'ETH'));
    const last = series[series.length - 1];
    expect(summary.badDebtUsd).toBeCloseTo(Math.max(0, debt - coll * (last?.marketPriceUsd ?? 0)), 6);
    expect(last?.badDebtUsd).toBe(summary.badDebtUsd);
    expect(last?.cumulativeLiquidatedDebtUsd).toBe(summary.liquidatedDebtUsd);
    expect(series.reduce((n, p) => n + p.liquidationsStarted, 0)).toBe(summary.liquidations);
  });

  test('behavior: the pool holds the assumed 40 % of the opened debt at the start', () => {
    const r = run({ keepers: [] });
    const s = stateOf(r);
    const debt = sumByPrefix(s.ledger, debtClaimAsset('LUSD'), 'debt:');
    // No liquidation, no redistribution: the troves' debt is the opened debt.
    expect(balanceOf(s.ledger, 'stabilityPool', 'LUSD')).toBe(
      (debt * LIQUITY_STABILITY_POOL_SHARE_BPS) / 10_000n,
    );
  });

  test('behavior: no keepers or a 1 gwei cap liquidate nothing; a late keeper leaves more to redistribution', () => {
    const open = run({ keepers: [{ preset: 'liquidator', id: 'k' }] });
    for (const keepers of [[], [{ preset: 'liquidator' as const, id: 'k', maxGasPriceGwei: 1 }]]) {
      const { summary, series } = run({ keepers });
      expect(series.every((p) => p.gasGwei > 1)).toBe(true);
      expect(summary.liquidations).toBe(0);
      expect(summary.keeperTransactions).toBe(0);
      expect(summary.badDebtUsd).toBeGreaterThanOrEqual(open.summary.badDebtUsd);
    }
    // A cap of 50 gwei stops the keeper through the crash's gas spike: by the time it acts the
    // pool absorbs less of what it liquidates.
    const late = run({ keepers: [{ preset: 'liquidator', id: 'k', maxGasPriceGwei: 50 }] });
    expect(late.summary.socializedLossUsd).toBeGreaterThan(open.summary.socializedLossUsd);
  });

  test('behavior: liquityBadDebtUsd counts what the whole system no longer covers', () => {
    const s = stateOf(run({ keepers: [] }));
    const debt = wad(sumByPrefix(s.ledger, debtClaimAsset('LUSD'), 'debt:'));
    const coll = wad(sumByPrefix(s.ledger, 'ETH', 'acct:'));
    expect(liquityBadDebtUsd(s, 100)).toBe(0);
    // At a price where the collateral is worth half the debt, half the debt is uncovered.
    expect(liquityBadDebtUsd(s, debt / coll / 2)).toBeCloseTo(debt / 2, 3);
  });

  test('error: presets of other families are refused naming keepers[].preset', () => {
    for (const keeper of [
      { preset: 'gasCapped' as const, id: 'k', maxGasPriceGwei: 100 },
      { preset: 'aaveLiquidator' as const, id: 'k', minProfitUsd: 0 },
      { preset: 'arbitrageur' as const, id: 'k' },
    ]) {
      let caught: unknown;
      try {
        run({ keepers: [keeper] });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InvalidParameterError);
      expect((caught as InvalidParameterError).field).toBe('keepers[].preset');
    }
  });
});

describe('liquityStressAdapter (opened once per book)', () => {
  test('behavior: paths sharing a book open it once and run as if each had opened it', () => {
    const shared = syntheticBook(createRng(5), {
      accounts: 60,
      collateralAsset: 'ETH',
      collateralPriceUsd: 195.2,
    });
    const openCache = createStressOpenCache();
    for (const seed of [3, 4]) {
      const base: StressOptions = {
        protocol: 'liquity-v1',
        scenario: BT,
        seed,
        book: shared,
        stepSeconds: 900,
      };
      const cached = runWithAdapter(liquityStressAdapter, { ...base, openCache });
      const alone = runWithAdapter(liquityStressAdapter, base);
      expect(stateHash(cached.finalState)).toBe(stateHash(alone.finalState));
      expect(cached.summary).toEqual(alone.summary);
      expect(cached.series).toEqual(alone.series);
      expect(cached.summary.liquidations).toBeGreaterThan(0);
    }
    // Both seeds start from the scenario's first price: one opening served both paths.
    expect(openCache.byBook.get(shared)?.size).toBe(1);
  });
});

describe('liquityTroveHealth', () => {
  test('behavior: equals the model’s health for every trove, in Normal and Recovery Mode', () => {
    // By hand: at $800 the TCR is 130 · 800 / 72,960 = 1.43 < 150 % (Recovery Mode); carol's ICR
    // 16,000 / 12,260 = 1.31 lies in [MCR, TCR) with her debt below the pool's 20,000: a capped
    // offset is possible, so her threshold is the TCR.
    const m = liquityMarket(2_000);
    m.run(openTrove('alice', 10, 10_000), 60);
    m.run(openTrove('bob', 100, 50_000), 60);
    m.run(openTrove('carol', 20, 12_000), 60);
    m.run({ type: 'provideToSP', account: 'bob', amount: wei(20_000) }, 60);
    m.price(800, 120);
    const params = DEFAULT_LIQUITY_PARAMS;
    expect(tcrOf(systemTotals(m.state, params), 800n * E18)).toBeLessThan(params.ccrWad);
    expect(liquityTroveHealth(m.state, 'carol', 120)).toEqual(liquityV1Model.health(m.state, 'carol', 120));
    expect(liquityTroveHealth(m.state, 'carol', 120)?.liquidatable).toBe(true);
    const runs = [run(), run({ keepers: [] })];
    const cases = [
      { state: m.state, t: 120 },
      { state: m.state, t: 3_600 },
      ...runs.map((r) => ({ state: stateOf(r), t: r.series[r.series.length - 1]?.t ?? 0 })),
    ];
    for (const { state, t } of cases) {
      for (const id of state.ext.troves.keys()) {
        expect(liquityTroveHealth(state, id, t)).toEqual(liquityV1Model.health(state, id, t));
      }
      expect(liquityTroveHealth(state, 'nobody', t)).toBeUndefined();
    }
  });
});
