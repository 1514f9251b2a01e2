/**
 * Tests of the Euler v2 stress adapter: the book → vault rules on hand-sized accounts (the account
 * status check at borrow LTV, clamping within 1 bp), and Black Thursday with 40 accounts and 15-minute
 * steps — liquidations, determinism, the summary against figures read independently from the final
 * state, socialization when the keeper is stopped by gas through the crash, absent or 1-gwei-capped
 * keepers, and refused presets and parameters.
 */
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf, sumByPrefix } from '../../engine/ledger.js';
import { DEFAULT_EULER_PARAMS, eulerParamsToJson } from '../../protocols/euler-v2/params.js';
import type { EulerExt } from '../../protocols/euler-v2/state.js';
import { market as eulerMarket, run as runCommands } from '../../protocols/euler-v2/testkit.js';
import type { Book } from '../book.js';
import { createRng } from '../rng.js';
import { healthBuckets, type OpenedStress, runWithAdapter, stressSource } from './core.js';
import { eulerBadDebtUsd, eulerBookCommands, eulerBorrowerTotals, eulerStressAdapter } from './euler.js';
import { DEFAULT_KEEPER_WALLET_DAI, type StressOptions, type StressResult } from './types.js';

const E18 = 10n ** 18n;
const USDC = 1_000_000n;
const book = (accounts: { id: string; eth: number; debtUsd: number; asset?: string }[]): Book => ({
  description: 'hand-sized',
  accounts: accounts.map((a) => ({
    id: a.id,
    collateral: [{ asset: a.asset ?? 'ETH', amountWhole: a.eth }],
    debtUsd: a.debtUsd,
  })),
});
const prices = {
  WETH: { price: 2_000n * 10n ** 8n, priceDecimals: 8 },
  USDC: { price: 10n ** 8n, priceDecimals: 8 },
};

describe('eulerBookCommands', () => {
  test('default: deposit the WETH, borrow the USD debt in USDC; the model accepts it', () => {
    const out = eulerBookCommands(book([{ id: 'a', eth: 10, debtUsd: 16_000 }]), {
      params: DEFAULT_EULER_PARAMS,
      prices,
    });
    expect(out.commands).toEqual([
      { type: 'deposit', account: 'a', asset: 'WETH', amount: 10n * E18 },
      { type: 'borrow', account: 'a', amount: 16_000n * USDC },
    ]);
    expect(out.totals.debt).toEqual({ USDC: 16_000n * USDC });
    const s = runCommands(eulerMarket(0), out.commands, 0);
    expect(s.ext.accounts.get('a')?.owed).toBe(16_000n * USDC);
  });

  test('behavior: the borrow-LTV limit — $20,000 · 83 % = 16,600 must be strictly above the debt', () => {
    // 16,600 fails `collateral > liability`; 1 unit less passes. 16,600 is 1 unit (< 1 bp) above: clamped.
    const clamped = eulerBookCommands(book([{ id: 'a', eth: 10, debtUsd: 16_600 }]), {
      params: DEFAULT_EULER_PARAMS,
      prices,
    });
    expect(clamped.clampedCount).toBe(1);
    expect(clamped.opened[0]?.debtAmount).toBe(16_600n * USDC - 1n);
    runCommands(eulerMarket(0), clamped.commands, 0); // accepted
    // 16,602 is 1.2 bp above: skipped.
    const skipped = eulerBookCommands(book([{ id: 'a', eth: 10, debtUsd: 16_602 }]), {
      params: DEFAULT_EULER_PARAMS,
      prices,
    });
    expect(skipped.skipped).toMatchObject([{ bookId: 'a', reason: 'collateral-ratio' }]);
    // Collateral the vault does not take, collateral rounding to 0.
    const other = eulerBookCommands(
      book([
        { id: 'b', eth: 1, debtUsd: 100, asset: 'SOL' },
        { id: 'c', eth: 1e-19, debtUsd: 100 },
      ]),
      { params: DEFAULT_EULER_PARAMS, prices },
    );
    expect(other.skippedByReason['unsupported-collateral']).toBe(1);
    expect(other.skippedByReason['zero-collateral']).toBe(1);
  });

  test('error: a missing price, a bad tolerance', () => {
    const one = book([{ id: 'a', eth: 1, debtUsd: 100 }]);
    expect(() =>
      eulerBookCommands(one, { params: DEFAULT_EULER_PARAMS, prices: { WETH: prices.WETH } }),
    ).toThrow(InvalidParameterError);
    expect(() =>
      eulerBookCommands(one, { params: DEFAULT_EULER_PARAMS, prices, clampToleranceBps: 1.5 }),
    ).toThrow(InvalidParameterError);
  });
});

const BT = 'black-thursday-2020';
const cache = new Map<string, StressResult>();
/** Black Thursday, 40 accounts, 15-minute steps (memoised per options). */
function run(over: Partial<StressOptions> = {}): StressResult {
  const key = JSON.stringify(over);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = runWithAdapter(eulerStressAdapter, {
    protocol: 'euler-v2',
    scenario: BT,
    seed: 7,
    accounts: 40,
    stepSeconds: 900,
    ...over,
  });
  cache.set(key, result);
  return result;
}
const stateOf = (r: StressResult) => r.finalState as EngineState<EulerExt>;
/** 50 gwei: below the crash's gas, above its quiet hours (the keeper acts late). */
const LATE = [{ preset: 'liquidator' as const, id: 'k', maxGasPriceGwei: 50 }];

describe('eulerStressAdapter', () => {
  test('default: Black Thursday liquidates accounts with the discount as the keepers’ incentive', () => {
    const { summary, series, clearings, keepers } = run();
    expect(summary.protocol).toBe('euler-v2');
    expect(summary.accounts + summary.accountsSkipped).toBe(40);
    expect(summary.liquidations).toBeGreaterThan(0);
    expect(summary.liquidatedDebtUsd).toBeGreaterThan(0);
    expect([
      summary.auctions,
      summary.zeroBidAuctions,
      summary.insuranceFundDrawUsd,
      summary.adlVolumeUsd,
    ]).toEqual([0, 0, 0, 0]);
    expect(keepers.reduce((n, k) => n + k.liquidations, 0)).toBe(summary.liquidations);
    expect(clearings).toHaveLength(summary.liquidations);
    // The discount is 1 − health, capped at the vault's 15 %: never above it, never negative.
    for (const c of clearings) {
      const paidPerEth = c.paidUsd / c.collateral;
      const oracleAtT = series.find((p) => p.t === c.t)?.oraclePriceUsd ?? 0;
      expect(paidPerEth / oracleAtT).toBeGreaterThanOrEqual(0.85 - 1e-9);
      expect(paidPerEth / oracleAtT).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  test('behavior: the same seed gives the same run; another seed differs', () => {
    const a = run();
    const b = runWithAdapter(eulerStressAdapter, {
      protocol: 'euler-v2',
      scenario: BT,
      seed: 7,
      accounts: 40,
      stepSeconds: 900,
    });
    expect(b.summary).toEqual(a.summary);
    expect(b.series).toEqual(a.series);
    expect(run({ seed: 8 }).series.map((p) => p.marketPriceUsd)).not.toEqual(
      a.series.map((p) => p.marketPriceUsd),
    );
  });

  test('behavior: the summary agrees with the final state (repayments, seized WETH, socialized debt)', () => {
    for (const r of [run(), run({ keepers: LATE })]) {
      const { summary, series, clearings, keepers } = r;
      const s = stateOf(r);
      // Keepers repay what they take over from their wallets: their USDC spent is the liquidated debt.
      const funded = BigInt(DEFAULT_KEEPER_WALLET_DAI) * USDC;
      const spent = keepers.reduce(
        (n, k) => n + (funded - balanceOf(s.ledger, `wallet:${k.id}`, 'USDC')),
        0n,
      );
      expect(summary.liquidatedDebtUsd).toBeCloseTo(Number(spent) / 1e6, 4);
      // The WETH they hold is what the clearings moved.
      const seized = keepers.reduce((n, k) => n + balanceOf(s.ledger, `acct:${k.id}`, 'WETH'), 0n);
      expect(clearings.reduce((x, c) => x + c.collateral, 0)).toBeCloseTo(Number(seized) / 1e18, 6);
      // Socialized claims sit in the `socialized` bucket; with socialization on they are the bad debt.
      const socialized = Number(balanceOf(s.ledger, 'socialized', 'USDC.debt')) / 1e6;
      expect(summary.socializedLossUsd).toBeCloseTo(socialized, 4);
      expect(summary.badDebtUsd).toBe(socialized);
      // The vault's books: borrows are the accounts' debt claims.
      expect(s.ext.vault?.totalBorrows).toBe(sumByPrefix(s.ledger, 'USDC.debt', 'debt:'));
      const last = series[series.length - 1];
      expect(last?.badDebtUsd).toBe(summary.badDebtUsd);
      expect(last?.cumulativeLiquidatedDebtUsd).toBe(summary.liquidatedDebtUsd);
      expect(series.reduce((n, p) => n + p.liquidationsStarted, 0)).toBe(summary.liquidations);
    }
  });

  test('behavior: a keeper stopped by gas through the crash lets accounts fall far enough to socialize', () => {
    const open = run({ keepers: [{ preset: 'liquidator', id: 'k' }] });
    const late = run({ keepers: LATE });
    expect(late.summary.socializedLossUsd).toBeGreaterThan(open.summary.socializedLossUsd);
    expect(late.summary.badDebtUsd).toBeGreaterThan(open.summary.badDebtUsd);
  });

  test('behavior: no keepers or a 1 gwei cap liquidate nothing', () => {
    const open = run({ keepers: [{ preset: 'liquidator', id: 'k' }] });
    for (const keepers of [[], [{ preset: 'liquidator' as const, id: 'k', maxGasPriceGwei: 1 }]]) {
      const { summary, series } = run({ keepers });
      expect(series.every((p) => p.gasGwei > 1)).toBe(true);
      expect(summary.liquidations).toBe(0);
      expect(summary.keeperTransactions).toBe(0);
      // Nothing is socialized without a liquidation (Euler recognizes the loss only then).
      expect(summary.badDebtUsd).toBeGreaterThanOrEqual(open.summary.badDebtUsd);
      expect(summary.socializedLossUsd).toBe(0);
    }
  });

  test('behavior: with socialization off the collateral-less debt stays with the violator and is bad debt', () => {
    const params = { ...eulerParamsToJson(DEFAULT_EULER_PARAMS), dontSocializeDebt: true };
    const r = run({ keepers: LATE, protocolParams: params });
    const s = stateOf(r);
    expect(r.summary.socializedLossUsd).toBe(0);
    const stranded = s.ext.accounts
      .entries()
      .filter(([, a]) => a.owed > 0n && Object.values(a.collateral).every((v) => v === 0n))
      .reduce((n, [, a]) => n + a.owed, 0n);
    expect(stranded).toBeGreaterThan(0n);
    expect(r.summary.badDebtUsd).toBe(Number(stranded) / 1e6);
    expect(eulerBadDebtUsd(s, s.ext.accounts.keys())).toBe(r.summary.badDebtUsd);
  });

  test('behavior: the run-local readings are the full scans’ on the runs’ final states', () => {
    const options: StressOptions = {
      protocol: 'euler-v2',
      scenario: BT,
      seed: 7,
      accounts: 40,
      stepSeconds: 900,
    };
    const params = { ...eulerParamsToJson(DEFAULT_EULER_PARAMS), dontSocializeDebt: true };
    for (const over of [{}, { keepers: LATE }, { keepers: LATE, protocolParams: params }, { keepers: [] }]) {
      const r = run(over);
      const s = stateOf(r);
      const t = r.series[r.series.length - 1]?.t ?? 0;
      // An index that has seen only the opening state: it jumps to the end.
      const source = stressSource({ ...options, ...over });
      const o = eulerStressAdapter.open({
        options: { ...options, ...over },
        source,
        rng: createRng(7),
        specs: over.keepers ?? eulerStressAdapter.defaultKeepers('euler-v2'),
        start: (source.ethPath[0] as { tSeconds: number }).tSeconds,
      }) as unknown as OpenedStress<EngineState<EulerExt>>;
      expect(o.badDebtUsd(s, 0)).toBe(eulerBadDebtUsd(s, o.accounts));
      const totals = eulerBorrowerTotals(s, o.accounts, { collateral: 'WETH', debt: 'USDC' });
      expect(o.borrowerTotals(s)).toEqual({
        collateral: totals.collateral,
        debtUsd: Number(totals.owed) / 1e6,
      });
      expect(o.healthCounts?.(s, t)).toEqual(healthBuckets(o, s, t));
      // The last sampled health point of the run was counted the same way.
      expect(r.series[r.series.length - 1]?.healthBuckets).toEqual(healthBuckets(o, s, t));
    }
  });

  test('error: presets of other families and a vault without WETH are refused', () => {
    for (const keeper of [
      { preset: 'cometAbsorber' as const, id: 'k' },
      { preset: 'gasAware' as const, id: 'k', minProfitUsd: 0 },
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
    const noWeth = eulerParamsToJson({
      ...DEFAULT_EULER_PARAMS,
      collaterals: { WBTC: { borrowLtvBps: 7_300n, liquidationLtvBps: 7_500n } },
    });
    expect(() => run({ protocolParams: noWeth })).toThrow(InvalidParameterError);
  });
});
