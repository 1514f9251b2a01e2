/**
 * Tests of the composed-lending stress adapter on examples/composed-lending-auction.yaml (ETH/USDC,
 * Dutch auctions, reserves → insurance → socialization) and a fixed-discount variant ending in a
 * deficit: the routing predicate, the book → market rules, Black Thursday with 40 accounts and
 * 15-minute steps (auctions started and bought, determinism, the summary against the final state,
 * the insurance fund and its draws, losses socialized or left as deficit when keepers act late,
 * absent or 1-gwei-capped keepers) and the refusals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf, sumByPrefix } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { parseComposedLendingConfig } from '../../protocols/composed/config.js';
import { type ComposedLendingExt, composedLendingModelFor } from '../../protocols/composed/lending.js';
import type { Book } from '../book.js';
import { runStress } from '../stress.js';
import {
  COMPOSED_INSURANCE_SHARE_BPS,
  composedBookCommands,
  composedLendingStressAdapter,
  isComposedLendingConfig,
} from './composedLending.js';
import { runWithAdapter } from './core.js';
import { DEFAULT_KEEPER_WALLET_DAI, type StressOptions, type StressResult } from './types.js';

const root = join(import.meta.dirname, '..', '..', '..');
const AUCTION = parse(
  readFileSync(join(root, 'examples', 'composed-lending-auction.yaml'), 'utf8'),
) as Record<string, unknown>;
/** The example's market sold at a 5 % bonus, half the debt at a time, losses to insurance then deficit. */
const SALE = {
  ...AUCTION,
  id: 'eth-usdc-sale',
  sizing: { kind: 'closeFactor', closeFactorBps: 5000, fullBelowHealthWad: '950000000000000000' },
  execution: { kind: 'fixedDiscount', bonusBps: 500 },
  incentive: { protocolShareBps: 1000 },
  lossWaterfall: ['insurance', 'deficit'],
};
/** The auction market with the insurance fund as its only buffer. */
const INSURED = { ...AUCTION, id: 'eth-usdc-insured', lossWaterfall: ['insurance', 'socialize'] };
const E18 = 10n ** 18n;
const USDC = 1_000_000n;

describe('isComposedLendingConfig', () => {
  test('default: a lending configuration is routed, anything else is not', () => {
    expect(isComposedLendingConfig(AUCTION)).toBe(true);
    expect(isComposedLendingConfig({ kind: 'lending' })).toBe(true); // validated when the run opens
    for (const other of [{ kind: 'perp' }, null, 'eth-usdc-auction', 42, undefined]) {
      expect(isComposedLendingConfig(other)).toBe(false);
    }
  });
});

describe('composedBookCommands', () => {
  const config = parseComposedLendingConfig(AUCTION);
  const prices = {
    ETH: { price: 2_000n * 10n ** 8n, priceDecimals: 8 },
    USDC: { price: 10n ** 8n, priceDecimals: 8 },
  };
  const book = (debtUsd: number, asset = 'ETH', eth = 10): Book => ({
    description: 'hand-sized',
    accounts: [{ id: 'a', collateral: [{ asset, amountWhole: eth }], debtUsd }],
  });

  test('default: 10 ETH at $2,000 may borrow 75 % = 15,000 USDC; the model accepts it', () => {
    const out = composedBookCommands(book(15_000), { config, prices });
    expect(out.commands).toEqual([
      { type: 'deposit', account: 'a', asset: 'ETH', amount: 10n * E18 },
      { type: 'borrow', account: 'a', amount: 15_000n * USDC },
    ]);
    const engine = createEngine(composedLendingModelFor(config.id));
    let s = engine.initial() as EngineState<ComposedLendingExt>;
    const oracle = {
      priceDecimals: 8,
      sources: ['f'],
      minSources: 1,
      staleAfterSeconds: 86_400,
      maxSpreadBps: 100,
      twapWindowSeconds: 60,
      delaySeconds: 0,
    };
    const setup: Command[] = [
      { type: 'listAsset', asset: 'ETH', decimals: 18 },
      { type: 'listAsset', asset: 'USDC', decimals: 6 },
      { type: 'configureOracle', asset: 'ETH', config: oracle },
      { type: 'configureOracle', asset: 'USDC', config: oracle },
      { type: 'publishPrice', asset: 'ETH', source: 'f', price: prices.ETH.price },
      { type: 'publishPrice', asset: 'USDC', source: 'f', price: prices.USDC.price },
      { type: 'configure', params: AUCTION },
      { type: 'supply', amount: 15_000n * USDC },
      ...out.commands,
    ];
    for (const c of setup) s = apply(engine, s, c, 0).state as EngineState<ComposedLendingExt>;
    expect(balanceOf(s.ledger, 'debt:a', 'USDC.debt')).toBe(15_000n * USDC);
  });

  test('behavior: 15,001 is 0.67 bp above the limit and clamped; 15,002 (1.3 bp) is skipped', () => {
    const clamped = composedBookCommands(book(15_001), { config, prices });
    expect(clamped.clampedCount).toBe(1);
    expect(clamped.opened[0]?.debtAmount).toBe(15_000n * USDC);
    expect(composedBookCommands(book(15_002), { config, prices }).skippedByReason['collateral-ratio']).toBe(
      1,
    );
    expect(
      composedBookCommands(book(100, 'WBTC'), { config, prices }).skippedByReason['unsupported-collateral'],
    ).toBe(1);
    expect(
      composedBookCommands(book(100, 'ETH', 1e-19), { config, prices }).skippedByReason['zero-collateral'],
    ).toBe(1);
    // Collateral the market takes but the run does not price is skipped too.
    const wide = parseComposedLendingConfig({
      ...AUCTION,
      collateral: {
        ETH: { liquidationThresholdBps: 8000, initialLtvBps: 7500 },
        WBTC: { liquidationThresholdBps: 7000, initialLtvBps: 6000 },
      },
    });
    expect(
      composedBookCommands(book(100, 'WBTC'), { config: wide, prices }).skippedByReason[
        'unsupported-collateral'
      ],
    ).toBe(1);
  });

  test('error: no price for the debt asset', () => {
    expect(() => composedBookCommands(book(100), { config, prices: { ETH: prices.ETH } })).toThrow(
      InvalidParameterError,
    );
  });
});

const BT = 'black-thursday-2020';
const cache = new Map<string, StressResult>();
/** Black Thursday, 40 accounts, 15-minute steps on `config` (memoised per options). */
function run(config: Record<string, unknown>, over: Partial<StressOptions> = {}): StressResult {
  const key = JSON.stringify([config.id, over]);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = runWithAdapter(composedLendingStressAdapter, {
    protocol: String(config.id),
    protocolConfig: config,
    scenario: BT,
    seed: 7,
    accounts: 40,
    stepSeconds: 900,
    ...over,
  });
  cache.set(key, result);
  return result;
}
const stateOf = (r: StressResult) => r.finalState as EngineState<ComposedLendingExt>;
const usd = (units: bigint) => Number(units) / 1e6;
const LATE = [{ preset: 'liquidator' as const, id: 'k', maxGasPriceGwei: 50 }];

describe('composedLendingStressAdapter', () => {
  test('default: Black Thursday on the example starts auctions and keepers buy them out', () => {
    const { summary, clearings, keepers } = run(AUCTION);
    expect(summary.protocol).toBe('eth-usdc-auction');
    expect(summary.accounts + summary.accountsSkipped).toBe(40);
    expect(summary.liquidations).toBeGreaterThan(0);
    expect(summary.auctions).toBe(summary.liquidations); // every liquidation starts an auction
    expect(summary.liquidatedDebtUsd).toBeGreaterThan(0);
    expect(clearings.length).toBeGreaterThan(0);
    expect([summary.zeroBidAuctions, summary.adlVolumeUsd]).toEqual([0, 0]);
    expect(keepers.reduce((n, k) => n + k.liquidations, 0)).toBe(summary.liquidations);
  });

  test('behavior: the same seed gives the same run; another seed differs', () => {
    const a = run(AUCTION);
    const b = runWithAdapter(composedLendingStressAdapter, {
      protocol: 'eth-usdc-auction',
      protocolConfig: AUCTION,
      scenario: BT,
      seed: 7,
      accounts: 40,
      stepSeconds: 900,
    });
    expect(b.summary).toEqual(a.summary);
    expect(b.series).toEqual(a.series);
    expect(run(AUCTION, { seed: 8 }).series.map((p) => p.marketPriceUsd)).not.toEqual(
      a.series.map((p) => p.marketPriceUsd),
    );
  });

  test('behavior: the summary agrees with the final state', () => {
    for (const r of [
      run(AUCTION),
      run(AUCTION, { keepers: LATE }),
      run(SALE),
      run(SALE, { keepers: LATE }),
    ]) {
      const { summary, series, clearings, keepers } = r;
      const s = stateOf(r);
      expect(summary.liquidations).toBe(s.ext.liquidations); // the model's own counter
      expect(summary.auctions).toBe(s.ext.nextAuctionId - 1);
      expect(summary.auctionsLiveAtEnd).toBe(Object.keys(s.ext.auctions).length);
      expect(summary.socializedLossUsd).toBeCloseTo(usd(balanceOf(s.ledger, 'socialized', 'USDC.debt')), 4);
      expect(summary.badDebtUsd).toBe(usd(balanceOf(s.ledger, 'deficit', 'USDC.debt')));
      // Keepers keep every unit of ETH they bought (the venue sale is the lab's, not the ledger's).
      const eth = keepers.reduce((n, k) => n + balanceOf(s.ledger, `wallet:${k.id}`, 'ETH'), 0n);
      expect(clearings.reduce((x, c) => x + c.collateral, 0)).toBeCloseTo(Number(eth) / 1e18, 6);
      const last = series[series.length - 1];
      expect(last?.badDebtUsd).toBe(summary.badDebtUsd);
      expect(last?.auctionsLive).toBe(summary.auctionsLiveAtEnd);
      expect(last?.cumulativeLiquidatedDebtUsd).toBe(summary.liquidatedDebtUsd);
      expect(series.reduce((n, p) => n + p.liquidationsStarted, 0)).toBe(summary.liquidations);
    }
  });

  test('behavior: the insurance fund starts at 2 % of the opened debt and its draws are what it lost', () => {
    const idle = stateOf(run(INSURED, { keepers: [] }));
    const opened = sumByPrefix(idle.ledger, 'USDC.debt', 'debt:');
    const seeded = (opened * COMPOSED_INSURANCE_SHARE_BPS) / 10_000n;
    expect(balanceOf(idle.ledger, 'insurance', 'USDC')).toBe(seeded);
    const late = run(INSURED, { keepers: LATE });
    const left = balanceOf(stateOf(late).ledger, 'insurance', 'USDC');
    expect(late.summary.insuranceFundDrawUsd).toBeGreaterThan(0);
    expect(late.summary.insuranceFundDrawUsd).toBeCloseTo(usd(seeded - left), 4);
    expect(late.series[late.series.length - 1]?.insuranceFundUsd).toBe(usd(left));
    // The fund ran out, and the rest was socialized.
    expect(left).toBe(0n);
    expect(late.summary.socializedLossUsd).toBeGreaterThan(0);
  });

  test('behavior: a late keeper leaves losses — socialized on the example, a deficit on the sale market', () => {
    const open = [{ preset: 'liquidator' as const, id: 'k' }];
    expect(run(AUCTION, { keepers: LATE }).summary.socializedLossUsd).toBeGreaterThan(
      run(AUCTION, { keepers: open }).summary.socializedLossUsd,
    );
    const late = run(SALE, { keepers: LATE }).summary;
    expect(late.badDebtUsd).toBeGreaterThan(run(SALE, { keepers: open }).summary.badDebtUsd);
    expect(late.socializedLossUsd).toBe(0); // this waterfall ends in a deficit
  });

  test('behavior: no keepers or a 1 gwei cap liquidate nothing', () => {
    for (const config of [AUCTION, SALE]) {
      const open = run(config, { keepers: [{ preset: 'liquidator', id: 'k' }] });
      for (const keepers of [[], [{ preset: 'liquidator' as const, id: 'k', maxGasPriceGwei: 1 }]]) {
        const { summary, series } = run(config, { keepers });
        expect(series.every((p) => p.gasGwei > 1)).toBe(true);
        expect(summary.liquidations).toBe(0);
        expect(summary.keeperTransactions).toBe(0);
        expect(summary.badDebtUsd).toBeGreaterThanOrEqual(open.summary.badDebtUsd);
      }
    }
    // Keepers are funded in the debt asset (an idle keeper keeps its whole wallet).
    const funded = stateOf(run(SALE, { keepers: [{ preset: 'liquidator', id: 'k', maxGasPriceGwei: 1 }] }));
    expect(balanceOf(funded.ledger, 'wallet:k', 'USDC')).toBe(BigInt(DEFAULT_KEEPER_WALLET_DAI) * USDC);
  });

  test('error: other presets, a missing or ETH-less configuration, default parameters by id', () => {
    let caught: unknown;
    try {
      run(AUCTION, { keepers: [{ preset: 'zeroBid', id: 'k' }] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidParameterError);
    expect((caught as InvalidParameterError).field).toBe('keepers[].preset');
    const base = { protocol: 'eth-usdc-auction', scenario: BT, seed: 7, accounts: 4, stepSeconds: 900 };
    expect(() => runWithAdapter(composedLendingStressAdapter, base)).toThrow(InvalidParameterError);
    expect(() =>
      runWithAdapter(composedLendingStressAdapter, {
        ...base,
        protocolConfig: {
          ...AUCTION,
          collateral: { WBTC: { liquidationThresholdBps: 7000, initialLtvBps: 6000 } },
        },
      }),
    ).toThrow(InvalidParameterError);
    expect(() =>
      runWithAdapter(composedLendingStressAdapter, {
        ...base,
        protocolConfig: { ...AUCTION, sizing: 'whole' },
      }),
    ).toThrow(InvalidParameterError);
    expect(() => composedLendingStressAdapter.defaultParamsJson('eth-usdc-auction')).toThrow(
      InvalidParameterError,
    );
  });
});

const example = (name: string) =>
  parse(readFileSync(join(root, 'examples', name), 'utf8')) as Record<string, unknown>;
const CLASSIC = example('composed-lending-classic.yaml');
const PREDICTIVE = example('composed-lending-predictive.yaml');
const DYNAMIC = example('composed-lending-dynamic-incentive.yaml');
const ORACLE = example('composed-lending-risk-oracle.yaml');

describe('composedLendingStressAdapter: the issue-7 risk stages', () => {
  test('default: each stage counts when its section is on, and nothing when off', () => {
    const stages = (r: StressResult) => [
      r.summary.softMarginCalls,
      r.summary.deleveragedDebtUsd,
      r.summary.parameterUpdates,
    ];
    expect(stages(run(CLASSIC))).toEqual([0, 0, 0]);
    expect(stateOf(run(CLASSIC)).ext.risk).toBeUndefined(); // no poke without a risk section
    const [calls, deleveraged, updates] = stages(run(PREDICTIVE));
    expect(calls).toBeGreaterThan(0);
    expect(deleveraged).toBeGreaterThan(0);
    expect(updates).toBe(0);
    for (const config of [DYNAMIC, ORACLE]) {
      const [c, d, u] = stages(run(config));
      expect([c, d]).toEqual([0, 0]);
      expect(u).toBeGreaterThan(0);
    }
    // runStress routes the file to this adapter: the same run.
    const viaRunStress = runStress({
      protocol: String(PREDICTIVE.id),
      protocolConfig: PREDICTIVE,
      scenario: BT,
      seed: 7,
      accounts: 40,
      stepSeconds: 900,
    });
    expect(viaRunStress.summary).toEqual(run(PREDICTIVE).summary);
    // De-leveraging is not counted as liquidation, and it takes work off the liquidators.
    expect(run(PREDICTIVE).summary.liquidatedDebtUsd).toBeLessThan(run(CLASSIC).summary.liquidatedDebtUsd);
  });

  test('behavior: a clearing margin re-arms fewer soft calls and changes nothing else', () => {
    const plain = run(PREDICTIVE).summary;
    const predictive = PREDICTIVE.predictive as Record<string, unknown>;
    const hysteresis = run({
      ...PREDICTIVE,
      id: 'eth-usdc-predictive-hysteresis',
      predictive: { ...predictive, clearMarginBps: 3000 },
    }).summary;
    expect(plain.softMarginCalls).toBeGreaterThan(0);
    expect(hysteresis.softMarginCalls).toBeGreaterThan(0);
    expect(hysteresis.softMarginCalls).toBeLessThan(plain.softMarginCalls);
    // The call is a signal: liquidations and de-leveraging do not read it.
    const outcome = (x: typeof plain) => [
      x.liquidations,
      x.liquidatedDebtUsd,
      x.deleveragedDebtUsd,
      x.borrowerLossUsd,
      x.badDebtUsd,
      x.insuranceFundDrawUsd,
      x.keeperProfitUsd,
    ];
    expect(outcome(hysteresis)).toEqual(outcome(plain));
  });

  test('behavior: the stage figures agree with the final state and the ledger', () => {
    const predictive = run(PREDICTIVE);
    const s = stateOf(predictive);
    const risk = s.ext.risk;
    expect(predictive.summary.softMarginCalls).toBe(risk?.softMarginCalls);
    expect(predictive.summary.deleveragedDebtUsd).toBeCloseTo(usd(risk?.deleveragedDebt ?? 0n), 4);
    // Read from the ledger alone: the debt that left the borrowers' buckets was repaid by
    // liquidations or de-leveraging, or written off (buffers and the deficit).
    const opened = sumByPrefix(stateOf(run(PREDICTIVE, { keepers: [] })).ledger, 'USDC.debt', 'debt:');
    const left = sumByPrefix(s.ledger, 'USDC.debt', 'debt:');
    const { liquidatedDebtUsd, deleveragedDebtUsd, insuranceFundDrawUsd, badDebtUsd } = predictive.summary;
    expect(liquidatedDebtUsd + deleveragedDebtUsd + insuranceFundDrawUsd + badDebtUsd).toBeCloseTo(
      usd(opened - left),
      2,
    );
    // The keepers hold exactly the ETH the clearings (sales and de-leveraging steps) say they took.
    const eth = predictive.keepers.reduce((n, k) => n + balanceOf(s.ledger, `wallet:${k.id}`, 'ETH'), 0n);
    expect(predictive.clearings.reduce((x, c) => x + c.collateral, 0)).toBeCloseTo(Number(eth) / 1e18, 6);

    const dynamic = run(DYNAMIC);
    const d = stateOf(dynamic).ext.risk;
    expect(dynamic.summary.parameterUpdates).toBe(d?.parameterUpdates);
    // The last gas price the model holds is the loop's gas of a step (the series'), in wei.
    const gasWei = d?.gas?.gasPriceWei ?? 0n;
    const seen = dynamic.series.map((p) => BigInt(Math.round(p.gasGwei * 1e9)));
    expect(seen.some((w) => (w > gasWei ? w - gasWei : gasWei - w) <= 1n)).toBe(true);

    const oracle = run(ORACLE);
    const o = stateOf(oracle).ext.risk;
    expect(oracle.summary.parameterUpdates).toBe(o?.parameterUpdates);
    const lt = o?.thresholds.ETH?.liquidationThresholdBps ?? 0n;
    expect(lt >= 7_500n && lt <= 8_300n && lt !== 8_000n).toBe(true);
  });
});
