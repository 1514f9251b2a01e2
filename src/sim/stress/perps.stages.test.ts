/**
 * End-to-end tests of the cross-margin stages in the stress lab: the three example configurations
 * (classic per-position sum, portfolio margin, netting) run the same hedged book through the same
 * crash; the stages margin the hedged accounts below the per-position sum and the lone positions
 * exactly at it, liquidate fewer hedged accounts, and the summary's bad debt agrees with a
 * recomputation in floats from the final state (positions, buckets, oracle prices).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { perpsGenericMargin } from '../../engine/perps/model.js';
import type { PerpsBook } from '../../engine/perps/types.js';
import type { Book } from '../book.js';
import { runWithAdapter, type StressAdapter, stressSource } from './core.js';
import { composedPerpStressAdapter } from './perps.js';
import { PERPS_HEDGE_EVERY } from './perpsBook.js';
import { latestOraclePrice } from './perpsRigs.js';
import type { StressOptions } from './types.js';

const example = (name: string): { id: string } =>
  parseYaml(readFileSync(new URL(`../../../examples/composed-perp-${name}.yaml`, import.meta.url), 'utf8'));
const CONFIGS = { classic: example('classic'), portfolio: example('portfolio'), netting: example('netting') };

const SCENARIO = 'aug-2024';
const STEP = 900;
const N = 40;

/** 40 accounts of 30 ETH whose collateral ratios spread from 1.55 to 2.2 at the start price. */
function tightBook(): Book {
  const p0 = stressSource({ protocol: 'x', scenario: SCENARIO, seed: 7, stepSeconds: STEP }).ethPath[0]!
    .price;
  return {
    description: 'tight',
    accounts: Array.from({ length: N }, (_, i) => ({
      id: `t${String(i).padStart(3, '0')}`,
      collateral: [{ asset: 'ETH', amountWhole: 30 }],
      debtUsd: (30 * p0) / (1.55 + (0.65 * i) / (N - 1)),
    })),
  };
}

interface Traced {
  readonly start: EngineState<unknown>;
  readonly startSeconds: number;
  readonly liquidated: Set<string>;
  readonly result: ReturnType<typeof runWithAdapter>;
}

function run(name: keyof typeof CONFIGS): Traced {
  const config = CONFIGS[name];
  const liquidated = new Set<string>();
  let start: EngineState<unknown> | undefined;
  let startSeconds = 0;
  const adapter: StressAdapter = {
    ...composedPerpStressAdapter,
    open(setup) {
      const opened = composedPerpStressAdapter.open(setup);
      start = opened.state as EngineState<unknown>;
      startSeconds = setup.start;
      return {
        ...opened,
        classify(e) {
          if (e.type === 'PerpLiquidated') liquidated.add(e.account as string);
          return opened.classify(e);
        },
      };
    },
  };
  const options: StressOptions = {
    protocol: config.id,
    protocolConfig: config,
    scenario: SCENARIO,
    seed: 7,
    accounts: N,
    stepSeconds: STEP,
    book: tightBook(),
  };
  const result = runWithAdapter(adapter, options);
  return { start: start!, startSeconds, liquidated, result };
}

const bookOf = (s: EngineState<unknown>): PerpsBook => (s.ext as { book: PerpsBook }).book;
const openLegs = (s: EngineState<unknown>, account: string): string[] =>
  Object.values(bookOf(s).markets)
    .filter((m) => (m.positions.get(account)?.sizeBase ?? 0n) !== 0n)
    .map((m) => m.config.market)
    .sort();

/** Σ max(0, −equity) over the book's accounts, in floats from buckets, positions and oracle prices. */
function badDebtFromState(s: EngineState<unknown>, accounts: readonly string[]): number {
  const book = bookOf(s);
  let total = 0;
  for (const account of accounts) {
    let equity = Number(balanceOf(s.ledger, `acct:${account}`, 'USDC')) / 1e6;
    for (const m of Object.values(book.markets)) {
      const p = m.positions.get(account);
      if (p === undefined) continue;
      const price = Number(latestOraclePrice(s, m.config.oracleAsset) ?? 0n) / 10 ** m.config.priceDecimals;
      equity += (Number(p.sizeBase) / 10 ** m.config.baseDecimals) * price - Number(p.entryQuote) / 1e6;
    }
    if (equity < 0) total -= equity;
  }
  return total;
}

describe('cross-margin stages in the stress lab (aug-2024, a tight hedged book)', () => {
  let cached: Record<keyof typeof CONFIGS, Traced> | undefined;
  beforeAll(() => {
    cached = { classic: run('classic'), portfolio: run('portfolio'), netting: run('netting') };
  });
  const runs = new Proxy({} as Record<keyof typeof CONFIGS, Traced>, {
    get: (_t, key: string) => cached![key as keyof typeof CONFIGS],
  });
  const accounts = tightBook().accounts.map((a) => a.id);

  test('default: the same hedged book under the three rules; the stages need less of hedged accounts', () => {
    for (const r of Object.values(cached!)) {
      expect(r.result.summary.accounts).toBe(N);
      expect(r.result.summary.accountsSkipped).toBe(0);
    }
    // Every second account carries a hedge leg: BTC-PERP or ETH-PERP-B in turn (aug-2024 has BTC).
    const legs = accounts.map((a) => openLegs(runs.classic.start, a));
    for (const [i, l] of legs.entries())
      expect(l.length, accounts[i]).toBe(i % PERPS_HEDGE_EVERY === 1 ? 2 : 1);
    expect(new Set(legs.filter((l) => l.length === 2).map((l) => l.join('+')))).toEqual(
      new Set(['ETH-PERP+ETH-PERP-B', 'BTC-PERP+ETH-PERP']),
    );
    for (const name of ['portfolio', 'netting'] as const) {
      const r = runs[name];
      for (const [i, a] of accounts.entries()) {
        const m = perpsGenericMargin(r.start as never, a, r.startSeconds);
        const perPosition = m.stage?.perPositionMaintenanceQuote;
        expect(perPosition, a).toBe(
          perpsGenericMargin(runs.classic.start as never, a, r.startSeconds).maintenanceQuote,
        );
        // A lone ETH position: k·σ = its 2 % rate (portfolio), nothing to net (netting): the same.
        // Netting offsets only ETH-PERP-B hedges (one underlying); BTC hedges keep the sum.
        const lone = i % PERPS_HEDGE_EVERY === 0;
        const btcHedge = openLegs(r.start, a).includes('BTC-PERP');
        if (lone || (name === 'netting' && btcHedge))
          expect(m.maintenanceQuote, `${name} ${a}`).toBe(perPosition);
        else expect(m.maintenanceQuote < perPosition!, `${name} ${a}`).toBe(true);
      }
    }
  });

  test('behavior: the stages liquidate fewer hedged accounts than the per-position sum', () => {
    const hedged = (r: Traced) =>
      [...r.liquidated].filter((a) => accounts.indexOf(a) % PERPS_HEDGE_EVERY === 1).sort();
    const classic = hedged(runs.classic);
    expect(classic.length).toBeGreaterThan(0);
    for (const name of ['portfolio', 'netting'] as const) {
      const stage = hedged(runs[name]);
      expect(
        stage.every((a) => classic.includes(a)),
        name,
      ).toBe(true);
      expect(stage.length, name).toBeLessThan(classic.length);
      expect(runs[name].result.summary.liquidations, name).toBeLessThanOrEqual(
        runs.classic.result.summary.liquidations,
      );
    }
  });

  test('behavior: the bad debt of each summary is the final state’s, recomputed in floats', () => {
    for (const [name, r] of Object.entries(cached!)) {
      const s = r.result.summary;
      expect(s.badDebtUsd, name).toBeCloseTo(badDebtFromState(r.result.finalState, accounts), 2);
    }
  });

  test('behavior: the portfolio requirement of an open hedged account at the end, by hand in floats', () => {
    // The example: ETH and BTC σ 0.8 %, k = 2.5 (a 2 % move), ρ = 0.85 (loadings (1, 0) and
    // (0.85, √(1 − 0.85²))), 13 steps (m = 6), floor 25 % of the 2 % per-position sum. Long a of
    // ETH, short b of BTC: drivers ETH −2j/6 % with BTC −0.85·2j/6 %, and the reverse; the disc
    // g1² + g2² ≤ 36 moves ETH by 2 %·g1/6 and BTC by 2 %·(0.85·g1 + 0.527·g2)/6.
    const r = runs.portfolio;
    const s = r.result.finalState;
    const t = s.timeSeconds;
    const checked = accounts.filter((a) => openLegs(s, a).join('+') === 'BTC-PERP+ETH-PERP');
    expect(checked.length).toBeGreaterThan(0);
    const b2 = Math.sqrt(1 - 0.85 ** 2);
    for (const a of checked) {
      const signed = (market: string) => {
        const p = bookOf(s).markets[market]!;
        const price = Number(latestOraclePrice(s, p.config.oracleAsset)) / 10 ** p.config.priceDecimals;
        return (Number(p.positions.get(a)!.sizeBase) / 10 ** p.config.baseDecimals) * price;
      };
      const eth = signed('ETH-PERP');
      const btc = signed('BTC-PERP');
      const loss = (sEth: number, sBtc: number) => -(eth * sEth + btc * sBtc);
      let worst = 0;
      for (let j = -6; j <= 6; j++) {
        worst = Math.max(
          worst,
          loss((0.02 * j) / 6, (0.85 * 0.02 * j) / 6),
          loss((0.85 * 0.02 * j) / 6, (0.02 * j) / 6),
        );
      }
      for (let g1 = -6; g1 <= 6; g1++) {
        for (let g2 = -6; g2 <= 6; g2++) {
          if (g1 * g1 + g2 * g2 <= 36)
            worst = Math.max(worst, loss((0.02 * g1) / 6, (0.02 * (0.85 * g1 + b2 * g2)) / 6));
        }
      }
      const sum = 0.02 * (Math.abs(eth) + Math.abs(btc));
      const m = perpsGenericMargin(s as never, a, t);
      expect(Number(m.maintenanceQuote) / 1e6, a).toBeCloseTo(Math.max(worst, 0.25 * sum), 1);
      expect(Number(m.stage?.perPositionMaintenanceQuote) / 1e6, a).toBeCloseTo(sum, 2);
      expect(m.maintenanceQuote < (m.stage?.perPositionMaintenanceQuote ?? 0n)).toBe(true);
    }
  });
});
