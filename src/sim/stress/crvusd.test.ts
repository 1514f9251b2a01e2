/**
 * Tests of the crvUSD stress adapter on Black Thursday (seed 7, 40 accounts, 900 s steps): soft
 * liquidation read from the final bands (crvUSD where only collateral was deposited), hard
 * liquidations of the loans the crash reached (bounded by hand from the band placement rule),
 * de-liquidation on the rebound, determinism, the summary against the final state and the book,
 * bad debt without a working liquidator, and the book adapter's and helpers' rules on small
 * hand-checked markets.
 */
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../../engine/contract.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply } from '../../engine/machine.js';
import { ammPOracleUp, getSumXY } from '../../protocols/crvusd/amm.js';
import { crvusdModel } from '../../protocols/crvusd/model.js';
import { DEFAULT_CRVUSD_PARAMS, parseCrvusdParams } from '../../protocols/crvusd/params.js';
import { crvusdEngine, crvusdMarket, E18, priceCommand, runAll } from '../../protocols/crvusd/testkit.js';
import type { Book } from '../book.js';
import { createRng } from '../rng.js';
import { healthBuckets, runWithAdapter, type StressSetup, stressBook, stressSource } from './core.js';
import {
  CRVUSD_INVENTORY_SUFFIX,
  type CrvusdEngineState,
  type CrvusdOpenedStress,
  crvusdBadDebtUsd,
  crvusdSoftLiquidationLossUsd,
  crvusdStressAdapter,
  openCrvusdBook,
} from './crvusd.js';
import {
  DEFAULT_GAS_CAP_GWEI,
  DEFAULT_KEEPER_WALLET_DAI,
  type StressKeeperSpec,
  type StressResult,
} from './types.js';

const BASE = {
  protocol: 'crvusd',
  scenario: 'black-thursday-2020',
  seed: 7,
  accounts: 40,
  stepSeconds: 900,
} as const;

const ARB: StressKeeperSpec = { preset: 'arbitrageur', id: 'arb', minProfitUsd: 10 };
const LIQ: StressKeeperSpec = { preset: 'liquidator', id: 'liq' };

const runs = new Map<string, StressResult>();
/** One run per keeper set (memoized: each takes about half a second). */
function run(name: string, keepers?: readonly StressKeeperSpec[]): StressResult {
  const found = runs.get(name);
  if (found !== undefined) return found;
  const r = runWithAdapter(crvusdStressAdapter, { ...BASE, ...(keepers === undefined ? {} : { keepers }) });
  runs.set(name, r);
  return r;
}
const final = (r: StressResult) => r.finalState as unknown as CrvusdEngineState;
const market = (s: CrvusdEngineState) => {
  const m = s.ext.market;
  if (m === null) throw new Error('not configured');
  return m;
};
/** The book the adapter opens (the synthetic book of the run's seed, stream 2). */
const book = (): Book => stressBook(BASE, createRng(BASE.seed), stressSource(BASE).ethPath);
const lastMarketUsd = (r: StressResult) => r.series[r.series.length - 1]?.marketPriceUsd ?? 0;
const minOracleUsd = (r: StressResult) => Math.min(...r.series.map((p) => p.oraclePriceUsd ?? Infinity));
const sumBands = (s: CrvusdEngineState) =>
  Object.values(s.ext.amm.bands).reduce((acc, b) => ({ x: acc.x + b.x, y: acc.y + b.y }), { x: 0n, y: 0n });
/** Bad debt read from the state: Σ max(0, debt − x − y·p) over open loans (no write-offs are sent). */
function badDebtFromState(s: CrvusdEngineState, priceUsd: number): number {
  let usd = 0;
  for (const [id, loan] of s.ext.loans.entries()) {
    const { x, y } = getSumXY(s.ext.amm, market(s).amm, id);
    usd += Math.max(0, Number(loan.debt - x) / 1e18 - (Number(y) / 1e18) * priceUsd);
  }
  return usd;
}
/** The adapter's set-up on its own (the state before the first step). */
function opened(): CrvusdOpenedStress {
  const source = stressSource(BASE);
  const setup: StressSetup = {
    options: BASE,
    source,
    rng: createRng(BASE.seed),
    specs: crvusdStressAdapter.defaultKeepers('crvusd'),
    start: (source.ethPath[0] as { tSeconds: number }).tSeconds,
  };
  return crvusdStressAdapter.open(setup) as unknown as CrvusdOpenedStress;
}

describe('crvusdStressAdapter', () => {
  test('default: an arbitrageur and a gas-capped liquidator; the model’s defaults; the whole book opens', () => {
    expect(crvusdStressAdapter.protocols).toEqual(['crvusd']);
    expect(crvusdStressAdapter.defaultKeepers('crvusd')).toEqual([
      { preset: 'arbitrageur', id: 'keeper-arb', minProfitUsd: 10 },
      { preset: 'liquidator', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
    ]);
    expect(parseCrvusdParams(crvusdStressAdapter.defaultParamsJson('crvusd'))).toEqual(DEFAULT_CRVUSD_PARAMS);
    const o = opened();
    expect(o.accounts).toHaveLength(40);
    expect(o.skipped).toBe(0);
    // Loans start as collateral only: no band holds crvUSD.
    expect(sumBands(o.state).x).toBe(0n);
    expect(sumBands(o.state).y).toBe(Object.values(o.deposits).reduce((a, b) => a + b, 0n));
    const r = run('default');
    expect(r.summary.accounts).toBe(40);
    expect(r.summary.accountsSkipped).toBe(0);
    expect(engineViolations(crvusdModel, final(r))).toEqual([]);
  });

  test('behavior: soft liquidation — the arbitrageur turns collateral in the crossed bands into crvUSD', () => {
    const r = run('arb', [ARB]);
    const s = final(r);
    const m = market(s);
    expect(r.summary.liquidations).toBe(0);
    expect(s.ext.loans.size).toBe(40);
    const converted = Object.entries(s.ext.amm.bands).filter(([, b]) => b.x > 0n);
    expect(converted.length).toBeGreaterThan(0);
    // crvUSD sits only in bands the price went through: their top lies above the lowest oracle price.
    for (const [n] of converted) {
      expect(Number(ammPOracleUp(m.amm, Number(n))) / 1e18).toBeGreaterThan(minOracleUsd(r));
    }
    // The AMM's crvUSD is the bands' (no admin fee), and it came from the arbitrageur's wallet.
    const inBands = sumBands(s).x;
    expect(balanceOf(s.ledger, 'amm', 'crvUSD')).toBe(inBands);
    // Every clearing is a purchase from LLAMMA; the collateral went to the arbitrageur's wallet.
    const bought = r.clearings.reduce((a, c) => a + c.collateral, 0);
    expect(Number(balanceOf(s.ledger, 'wallet:arb', 'WETH')) / 1e18).toBeCloseTo(bought, 6);
    const paid = r.clearings.reduce((a, c) => a + c.paidUsd, 0);
    const spent = Number(
      BigInt(DEFAULT_KEEPER_WALLET_DAI) * E18 - balanceOf(s.ledger, 'wallet:arb', 'crvUSD'),
    );
    expect(spent / 1e18).toBeCloseTo(paid, 3);
    expect(r.summary.keeperProfitUsd).toBeGreaterThan(0);
    expect(r.summary.borrowerLossUsd).toBeGreaterThan(0);
    // The soft-liquidation loss (LLAMMA get_y_up against the deposits) is a loss, below the deposits' value.
    const deposits = opened().deposits;
    const t = r.series[r.series.length - 1]?.t ?? 0;
    const loss = crvusdSoftLiquidationLossUsd(s, { deposits, marketUsd: lastMarketUsd(r), nowSeconds: t });
    const depositedUsd =
      (Number(Object.values(deposits).reduce((a, b) => a + b, 0n)) / 1e18) * lastMarketUsd(r);
    expect(loss).toBeGreaterThan(0);
    expect(loss).toBeLessThan(depositedUsd);
  });

  test('behavior: de-liquidation on the rebound — collateral bought outside is sold into LLAMMA for crvUSD', () => {
    const r = run('arb', [ARB]);
    const s = final(r);
    const inventory = `wallet:arb${CRVUSD_INVENTORY_SUFFIX}`;
    const fundedWeth =
      BigInt(Math.floor(DEFAULT_KEEPER_WALLET_DAI / (r.series[0]?.oraclePriceUsd ?? 1))) * E18;
    expect(balanceOf(s.ledger, inventory, 'WETH')).toBeLessThan(fundedWeth);
    expect(balanceOf(s.ledger, inventory, 'crvUSD')).toBeGreaterThan(0n);
  });

  test('behavior: hard liquidations close the loans the crash reached; the summary agrees with the book', () => {
    const r = run('default');
    const s = final(r);
    const b = book();
    const closed = b.accounts.filter((a) => s.ext.loans.get(a.id) === undefined);
    expect(r.summary.liquidations).toBeGreaterThan(0);
    expect(closed).toHaveLength(r.summary.liquidations);
    expect(r.keepers.find((k) => k.id === 'keeper-capped')?.liquidations).toBe(r.summary.liquidations);
    // Liquidated debt: the book's debts of the closed loans (no interest accrues; 1e-9 truncation).
    const debt = closed.reduce((a, acc) => a + acc.debtUsd, 0);
    expect(r.summary.liquidatedDebtUsd).toBeCloseTo(debt, 3);
    // By hand: N = 10 bands at A = 100 and loan discount 9 % put the top band at most
    // (100/99)·P0/(CR·0.91·0.9519) ≈ 1.1664·P0/CR; a loan is liquidatable only once the oracle
    // entered its bands, so every closed loan had CR < 1.1664·P0/min oracle.
    const p0 = r.series[0]?.oraclePriceUsd ?? 0;
    for (const a of closed) {
      const cr = ((a.collateral[0]?.amountWhole ?? 0) * p0) / a.debtUsd;
      expect(cr).toBeLessThan((1.1664 * p0) / minOracleUsd(r));
    }
    // The collateral the keepers received is what the clearings say they bought.
    const received =
      Number(
        balanceOf(s.ledger, 'wallet:keeper-arb', 'WETH') +
          balanceOf(s.ledger, 'wallet:keeper-capped', 'WETH'),
      ) / 1e18;
    expect(received).toBeCloseTo(
      r.clearings.reduce((a, c) => a + c.collateral, 0),
      6,
    );
    expect(r.summary.badDebtUsd).toBeCloseTo(badDebtFromState(s, lastMarketUsd(r)), 6);
    expect(r.summary.auctions).toBe(0);
    expect(r.summary.insuranceFundDrawUsd).toBe(0);
  });

  test('behavior: deterministic — the same seed gives the same run', () => {
    const a = run('default');
    const b = runWithAdapter(crvusdStressAdapter, BASE);
    expect(b.summary).toEqual(a.summary);
    expect(b.series).toEqual(a.series);
    expect(b.clearings).toEqual(a.clearings);
    expect(b.keepers).toEqual(a.keepers);
  });

  test('behavior: no arbitrageur, no soft conversion: the bands keep their collateral', () => {
    for (const [name, keepers] of [
      ['liq', [LIQ]],
      ['none', []],
    ] as const) {
      const r = run(name, keepers);
      const s = final(r);
      expect(Object.values(s.ext.amm.bands).every((band) => band.x === 0n)).toBe(true);
      expect(balanceOf(s.ledger, 'amm', 'crvUSD')).toBe(0n);
      // Only hard liquidations clear collateral, each with some.
      expect(r.clearings).toHaveLength(r.summary.liquidations);
    }
    expect(run('liq', [LIQ]).summary.liquidations).toBeGreaterThan(0);
    expect(run('none', []).summary.keeperTransactions).toBe(0);
  });

  test('behavior: bad debt without a working liquidator, read back from the state and the book', () => {
    // No keepers: every loan still holds exactly its deposit, so bad debt is the book's
    // Σ max(0, debt − collateral·p) at the last market price.
    const none = run('none', []);
    const p = lastMarketUsd(none);
    const byBook = book().accounts.reduce(
      (a, acc) => a + Math.max(0, acc.debtUsd - (acc.collateral[0]?.amountWhole ?? 0) * p),
      0,
    );
    expect(byBook).toBeGreaterThan(0);
    expect(none.summary.badDebtUsd).toBeCloseTo(byBook, 3);
    // A liquidator capped below the scenario's gas (≥ 5 gwei) never acts; soft-liquidated loans stay underwater.
    const capped = run('capped', [ARB, { preset: 'liquidator', id: 'liq', maxGasPriceGwei: 1 }]);
    expect(capped.summary.liquidations).toBe(0);
    expect(capped.summary.badDebtUsd).toBeGreaterThan(0);
    expect(capped.summary.badDebtUsd).toBeCloseTo(badDebtFromState(final(capped), lastMarketUsd(capped)), 6);
    // The default (working) liquidator leaves none.
    expect(run('default').summary.badDebtUsd).toBeLessThan(capped.summary.badDebtUsd);
  });

  test('behavior: the run-local readings are the full scans’ on the runs’ final states', () => {
    for (const [name, keepers] of [
      ['default', undefined],
      ['capped', [ARB, { preset: 'liquidator', id: 'liq', maxGasPriceGwei: 1 }]],
      ['none', []],
    ] as const) {
      const r = run(name, keepers);
      const s = final(r);
      const t = r.series[r.series.length - 1]?.t ?? 0;
      const o = opened(); // an index that has seen only the opening state: it jumps to the end
      for (const usd of [0, lastMarketUsd(r), 150, 1e4])
        expect(o.badDebtUsd(s, usd)).toBe(crvusdBadDebtUsd(s, usd));
      let y = 0n;
      let owed = 0n;
      for (const account of o.accounts) {
        const loan = s.ext.loans.get(account);
        if (loan === undefined) continue;
        const xy = getSumXY(s.ext.amm, market(s).amm, account);
        y += xy.y;
        owed += loan.debt - xy.x;
      }
      expect(o.borrowerTotals(s)).toEqual({ collateral: y, debtUsd: Number(owed) / 1e18 });
      expect(o.healthCounts?.(s, t)).toEqual(healthBuckets(o, s, t));
      // The last sampled health point of the run was counted the same way.
      expect(r.series[r.series.length - 1]?.healthBuckets).toEqual(healthBuckets(o, s, t));
    }
  });

  test('error: presets of other families are refused', () => {
    for (const spec of [
      { preset: 'gasAware', id: 'k', minProfitUsd: 10 },
      { preset: 'aaveLiquidator', id: 'k', minProfitUsd: 0 },
      { preset: 'cometAbsorber', id: 'k' },
    ] as const) {
      let caught: unknown;
      try {
        runWithAdapter(crvusdStressAdapter, { ...BASE, keepers: [spec] });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InvalidParameterError);
      expect((caught as InvalidParameterError).field).toBe('keepers[].preset');
    }
  });
});

describe('openCrvusdBook', () => {
  test('behavior: opens what the model accepts and counts the rest by reason', () => {
    const state = crvusdMarket({ params: { ...DEFAULT_CRVUSD_PARAMS, debtCeiling: 30_000n * E18 } });
    const acct = (id: string, collateral: { asset: string; amountWhole: number }[], debtUsd: number) => ({
      id,
      collateral,
      debtUsd,
    });
    const result = openCrvusdBook(crvusdEngine, state, {
      book: {
        description: 'hand-made',
        accounts: [
          acct('ok', [{ asset: 'ETH', amountWhole: 10 }], 15_000),
          acct('btc', [{ asset: 'BTC', amountWhole: 1 }], 1_000),
          acct(
            'two',
            [
              { asset: 'ETH', amountWhole: 1 },
              { asset: 'ETH', amountWhole: 1 },
            ],
            100,
          ),
          acct('zero', [{ asset: 'ETH', amountWhole: 0 }], 100),
          acct('nodebt', [{ asset: 'ETH', amountWhole: 1 }], 0),
          // $2,000 of collateral cannot carry $1,900 (the largest loan is about 86 % at N = 10).
          acct('greedy', [{ asset: 'ETH', amountWhole: 1 }], 1_900),
          // 15,000 already borrowed: 20,000 more passes the 30,000 ceiling.
          acct('late', [{ asset: 'ETH', amountWhole: 20 }], 20_000),
        ],
      },
      bookAsset: 'ETH',
      bands: 10,
      at: 1,
    });
    expect(result.opened).toEqual([{ account: 'ok', collateral: 10n * E18, debt: 15_000n * E18 }]);
    expect(Object.fromEntries(result.skipped.map((k) => [k.account, k.reason]))).toEqual({
      btc: 'unsupported-collateral',
      two: 'unsupported-collateral',
      zero: 'zero-collateral',
      nodebt: 'dust',
      greedy: 'collateral-ratio',
      late: 'ceiling',
    });
    expect(result.state.ext.loans.get('ok')?.debt).toBe(15_000n * E18);
    expect(getSumXY(result.state.ext.amm, market(result.state).amm, 'ok').y).toBe(10n * E18);
  });
});

describe('crvusdBadDebtUsd', () => {
  test('behavior: an untraded loan’s debt beyond its collateral at the market price', () => {
    const s = runAll(
      crvusdMarket(),
      [{ type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: 15_000n * E18, N: 10 }],
      1,
    );
    expect(crvusdBadDebtUsd(s, 2000)).toBe(0);
    // 15,000 − 10·1,000, by hand.
    expect(crvusdBadDebtUsd(s, 1000)).toBeCloseTo(5_000, 9);
    expect(crvusdBadDebtUsd(crvusdEngine.initial(), 1000)).toBe(0);
  });
});

describe('crvusdSoftLiquidationLossUsd', () => {
  test('behavior: none before any trade; after a round trip, the collateral lost at the market price', () => {
    let s = runAll(
      crvusdMarket(),
      [
        { type: 'createLoan', account: 'alice', collateral: 10n * E18, debt: 15_000n * E18, N: 10 },
        { type: 'fundWallet', actor: 'arb', asset: 'crvUSD', amount: 100_000n * E18 },
        { type: 'fundWallet', actor: 'arb', asset: 'WETH', amount: 100n * E18 },
      ],
      1,
    );
    const deposits = { alice: 10n * E18 };
    expect(crvusdSoftLiquidationLossUsd(s, { deposits, marketUsd: 2000, nowSeconds: 2 })).toBeLessThan(1e-9);
    // Down through the bands and back above them, the arbitrage trading each way.
    let t = 2;
    for (const dollars of [1800n, 1700n, 1600n, 1800n, 2000n]) {
      t += 60;
      s = runAll(s, [priceCommand('WETH', dollars)], t);
      s = apply(crvusdEngine, s, { type: 'arbitrage', arbitrageur: 'arb' }, t + 1).state;
    }
    // Above its bands again the loan holds collateral only: the loss is what is missing, by AMM get_sum_xy.
    const { x, y } = getSumXY(s.ext.amm, market(s).amm, 'alice');
    expect(x).toBe(0n);
    const byHand = (Number(10n * E18 - y) / 1e18) * 2000;
    expect(byHand).toBeGreaterThan(0);
    const loss = crvusdSoftLiquidationLossUsd(s, { deposits, marketUsd: 2000, nowSeconds: t + 1 });
    expect(loss).toBeCloseTo(byHand, 6);
    // A closed loan is not counted.
    expect(
      crvusdSoftLiquidationLossUsd(s, { deposits: { bob: E18 }, marketUsd: 2000, nowSeconds: t + 1 }),
    ).toBe(0);
  });
});
