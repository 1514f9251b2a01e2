import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { stateHash } from '../../engine/machine.js';
import { RAD } from '../../math/units.js';
import { DEFAULT_FLOP_PARAMS, parseMakerParams } from '../../protocols/maker/params.js';
import { DAI, MKR } from '../../protocols/maker/vat.js';
import { replayScenario } from '../replay.js';
import { runWithAdapter, wadToFloat } from './core.js';
import {
  createMakerStressAdapter,
  DEFAULT_FLOP_BIDDERS,
  DEFAULT_MKR_PRICE_USD,
  type MakerEngineState,
  makerStressAdapter,
  parseMakerStressAssumptions,
} from './maker.js';
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

/** The Vow's debt auctions with the 2020 lot terms (50,000 DAI, 250 MKR, +20 %) and a 12 h wait. */
const FLOP_PARAMS = { vowWaitSeconds: 12 * 3600, vow: { flop: {} } };

describe('makerStressAdapter with debt auctions', () => {
  const base: StressOptions = {
    protocol: 'maker-liq1',
    scenario: 'black-thursday-2020',
    seed: 7,
    accounts: 200,
  };
  const classic = runWithAdapter(makerStressAdapter, base);
  const flop = runWithAdapter(makerStressAdapter, { ...base, protocolParams: FLOP_PARAMS });

  test('default: flops raise DAI and mint MKR; the bad debt falls by exactly what they raised', () => {
    expect(classic.summary.badDebtUsd).toBeGreaterThan(1_000_000);
    expect(classic.summary.debtAuctionRaisedUsd).toBe(0);
    expect(classic.summary.debtAuctionTokensIssued).toBe(0);
    const raised = flop.summary.debtAuctionRaisedUsd;
    expect(raised).toBeGreaterThan(0);
    // Whole 50,000-DAI lots.
    expect(Math.round(raised / 50_000) * 50_000).toBeCloseTo(raised, 3);
    expect(classic.summary.badDebtUsd - flop.summary.badDebtUsd).toBeCloseTo(raised, 3);
    // Read independently from the final state: the MKR minted, and the DAI the bidders paid.
    const state = flop.finalState as unknown as MakerEngineState;
    expect(wadToFloat(-balanceOf(state.ledger, 'mint', MKR))).toBeCloseTo(
      flop.summary.debtAuctionTokensIssued,
      6,
    );
    const paidRad = DEFAULT_FLOP_BIDDERS.reduce(
      (sum, b) => sum + 10_000_000n * RAD - balanceOf(state.ledger, `wallet:${b.id}`, DAI),
      0n,
    );
    expect(Number(paidRad / RAD)).toBeCloseTo(raised, 0);
    // At the default MKR price ($275) the best bidder (5 % below) pays 261.25 DAI per MKR.
    expect(raised / flop.summary.debtAuctionTokensIssued).toBeCloseTo(261.25, 0);
  });

  test('behavior: the collateral side is untouched: same liquidations, zero bids, keeper and borrower figures', () => {
    for (const key of [
      'liquidations',
      'liquidatedDebtUsd',
      'zeroBidAuctions',
      'keeperProfitUsd',
      'borrowerLossUsd',
    ] as const)
      expect(flop.summary[key], key).toBe(classic.summary[key]);
    expect(flop.keepers).toEqual(classic.keepers);
  });

  test('behavior: deterministic, and without params.vow.flop no upkeep runs at all', () => {
    const again = runWithAdapter(makerStressAdapter, { ...base, protocolParams: FLOP_PARAMS });
    expect(stateHash(again.finalState)).toBe(stateHash(flop.finalState));
    expect(again.summary).toEqual(flop.summary);
    // A stress section without debt auctions changes nothing.
    const withSection = runWithAdapter(makerStressAdapter, {
      ...base,
      protocolParams: { stress: { mkrPriceUsd: 100 } },
    });
    expect(withSection.summary).toEqual(classic.summary);
    expect(stateHash(withSection.finalState)).toBe(stateHash(classic.finalState));
  });

  test('behavior: MKR falling with ETH (beta 1) leaves the starting lot unbid: nothing raised', () => {
    const falling = runWithAdapter(makerStressAdapter, {
      ...base,
      protocolParams: { ...FLOP_PARAMS, stress: { mkrEthBeta: 1 } },
    });
    expect(falling.summary.debtAuctionRaisedUsd).toBe(0);
    expect(falling.summary.badDebtUsd).toBeCloseTo(classic.summary.badDebtUsd, 3);
  });

  test('error: a bad stress section, and bidder ids that are keepers', () => {
    const field = (raw: unknown): string => {
      try {
        parseMakerStressAssumptions(raw);
      } catch (e) {
        if (e instanceof InvalidParameterError) return e.field;
        throw e;
      }
      return 'none';
    };
    expect(field({ stress: { mkrPriceUsd: 0 } })).toBe('params.stress.mkrPriceUsd');
    expect(field({ stress: { mkrEthBeta: -1 } })).toBe('params.stress.mkrEthBeta');
    expect(field({ stress: { price: 1 } })).toBe('params.stress.price');
    expect(field({ stress: { flopBidders: [{ id: 'a' }, { id: 'a' }] } })).toBe(
      'params.stress.flopBidders[1].id',
    );
    expect(field({ stress: { flopBidders: [{ id: 'a', minDiscountBps: 10_000 }] } })).toBe(
      'params.stress.flopBidders[0].minDiscountBps',
    );
    expect(field({})).toBe('none');
    expect(() =>
      runWithAdapter(makerStressAdapter, {
        ...base,
        accounts: 20,
        protocolParams: { ...FLOP_PARAMS, stress: { flopBidders: [{ id: 'keeper-zero' }] } },
      }),
    ).toThrow(InvalidParameterError);
  });
});

describe('examples/maker-liq*-flop.json', () => {
  test.each(['maker-liq1-flop.json', 'maker-liq2-flop.json'])(
    'default: %s is the 2020 lot terms, a 12 h wait and the documented lab assumptions',
    (name) => {
      const raw: unknown = JSON.parse(
        readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', name), 'utf8'),
      );
      const params = parseMakerParams(raw);
      expect(params.vow?.flop).toEqual(DEFAULT_FLOP_PARAMS);
      expect(params.vowWaitSeconds).toBe(12 * 3600);
      // Everything else is the default, so `compare --variant` isolates the debt auctions.
      const { vow: _vow, vowWaitSeconds: _wait, ...rest } = params;
      const { vowWaitSeconds: _w, ...defaults } = parseMakerParams({});
      expect(rest).toEqual(defaults);
      expect(parseMakerStressAssumptions(raw)).toEqual({
        mkrPriceUsd: DEFAULT_MKR_PRICE_USD,
        mkrEthBeta: 0,
        flopBidders: DEFAULT_FLOP_BIDDERS,
      });
    },
  );
});

describe('makerStressAdapter with a DAI path', () => {
  // 12 h of 10-minute steps: ETH falls linearly 200 → 100 over the first 6 h, then holds; gas 20 gwei.
  const t0 = 1_583_971_200;
  const eth = Array.from({ length: 73 }, (_, k) => ({
    tSeconds: t0 + 600 * k,
    price: k <= 36 ? 200 - (100 * k) / 36 : 100,
  }));
  const gas = Array.from({ length: 13 }, (_, h) => ({ tSeconds: t0 + 3600 * h, gasPriceGwei: 20 }));
  const run = (daiUsd: number | undefined) =>
    runWithAdapter(makerStressAdapter, {
      protocol: 'maker-liq2',
      replay: replayScenario({
        prices: {
          ETH: eth,
          ...(daiUsd === undefined ? {} : { DAI: eth.map((p) => ({ tSeconds: p.tSeconds, price: daiUsd })) }),
        },
        gas,
        name: 'replay:crash.csv',
      }),
      seed: 3,
      accounts: 120,
      keepers: [{ preset: 'gasAware', id: 'aware', minProfitUsd: 0 }],
    });

  test('behavior: keepers bid in DAI at the USD price over DAI’s: a 20 % premium keeps every take at or below market / 1.2', () => {
    const par = run(undefined);
    const premium = run(1.2);
    // At par the same keeper pays more than market / 1.2 for some lot; at a 1.2 premium never:
    // its price limit is (USD price / 1.2) less its 1 % discount.
    const above = (r: StressResult) => r.clearings.filter((c) => c.paidUsd > c.marketValueUsd / 1.2 + 1e-6);
    expect(par.clearings.length).toBeGreaterThan(0);
    expect(above(par).length).toBeGreaterThan(0);
    expect(premium.clearings.length).toBeGreaterThan(0);
    expect(above(premium)).toEqual([]);
    // A DAI path at exactly $1 is the run without one, to the bit.
    expect(run(1).summary).toEqual(par.summary);
  });
});
