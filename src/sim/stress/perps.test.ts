/**
 * Tests of the perps adapters through the stress loop: every catalogue perps model and a composed
 * market liquidate in the oct-2025 and Black Thursday scenarios (40 accounts, coarse steps), runs
 * are deterministic, the summary agrees with the models' own records read from the final state,
 * liquidation orders move the market, missing or gas-capped keepers leave bad debt, and refusals
 * (other families' presets, a model without an ETH market, an unknown protocol, composed-market
 * mismatches) name their field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { stateHash } from '../../engine/machine.js';
import { findProtocol } from '../../protocols/catalog.js';
import type { DriftExt } from '../../protocols/drift-v2/state.js';
import { riskOf } from '../../protocols/dydx-v4/model.js';
import type { DydxExt } from '../../protocols/dydx-v4/state.js';
import type { GmxExt } from '../../protocols/gmx-v2/state.js';
import { DEFAULT_HYPERLIQUID_PARAMS } from '../../protocols/hyperliquid/params.js';
import type { SynthetixExt } from '../../protocols/synthetix-perps-v3/state.js';
import { runWithAdapter, type StressAdapter, stressSource } from './core.js';
import {
  composedPerpStressAdapter,
  composedPerpStressParamsJson,
  createComposedPerpStressAdapter,
  createPerpsStressAdapter,
  PERPS_STRESS_PROTOCOLS,
  perpsStressAdapter,
} from './perps.js';
import { DEFAULT_PERPS_STRESS_SIZES, paramsJson } from './perpsRigs.js';
import type { StressKeeperSpec, StressOptions } from './types.js';

const OCT: StressOptions = {
  protocol: 'hyperliquid',
  scenario: 'oct-2025',
  seed: 7,
  accounts: 40,
  stepSeconds: 300,
};
const BT: StressOptions = {
  protocol: 'hyperliquid',
  scenario: 'black-thursday-2020',
  seed: 7,
  accounts: 40,
  stepSeconds: 900,
};

const run = (options: StressOptions) => runWithAdapter(perpsStressAdapter, options);

/** Everything a run reports, and its final state's hash. */
function everything(adapter: StressAdapter, options: StressOptions) {
  const r = runWithAdapter(adapter, options);
  return {
    summary: r.summary,
    series: r.series,
    clearings: r.clearings,
    keepers: r.keepers,
    state: stateHash(r.finalState),
  };
}

/** Gas-capped, latency and ε keepers: views skipped above the cap, floors above zero. */
const PICKY: readonly StressKeeperSpec[] = [
  { preset: 'liquidator', id: 'k-capped', minProfitUsd: 5, maxGasPriceGwei: 40 },
  { preset: 'liquidator', id: 'k-slow', minProfitUsd: 0, latencySteps: 1 },
];

describe('createPerpsStressAdapter', () => {
  const full = createPerpsStressAdapter(DEFAULT_PERPS_STRESS_SIZES, { indexed: false });

  test('default: the indexed adapter reports exactly what the full scans report, for every model', () => {
    for (const protocol of PERPS_STRESS_PROTOCOLS) {
      const options = { ...OCT, protocol, accounts: 30 };
      expect(everything(perpsStressAdapter, options), protocol).toEqual(everything(full, options));
    }
  });

  test('behavior: the same with picky keepers (gas caps, ε, latency) on Black Thursday', () => {
    for (const protocol of PERPS_STRESS_PROTOCOLS) {
      const options = { ...BT, protocol, accounts: 30, keepers: PICKY };
      expect(everything(perpsStressAdapter, options), protocol).toEqual(everything(full, options));
    }
  });
});

describe('perpsStressAdapter', () => {
  test('default: every catalogue perps model liquidates in the oct-2025 crash', () => {
    expect([...PERPS_STRESS_PROTOCOLS].sort()).toEqual(
      ['drift-v2', 'dydx-v4', 'gmx-v2', 'hyperliquid', 'perps-generic', 'synthetix-perps-v3'].sort(),
    );
    for (const protocol of PERPS_STRESS_PROTOCOLS) {
      const r = run({ ...OCT, protocol });
      const s = r.summary;
      expect(s.steps, protocol).toBe(49); // 4 h at 300 s, both ends
      expect(s.accounts + s.accountsSkipped, protocol).toBe(40);
      expect(s.accounts, protocol).toBeGreaterThan(30);
      expect(s.liquidations, protocol).toBeGreaterThan(0);
      expect(s.liquidatedDebtUsd, protocol).toBeGreaterThan(0);
      expect(s.auctions, protocol).toBe(0);
      for (const p of r.series) {
        expect(Number.isFinite(p.insuranceFundUsd) && p.insuranceFundUsd >= 0, protocol).toBe(true);
        expect(p.badDebtUsd >= 0, protocol).toBe(true);
      }
    }
  });

  test('behavior: every catalogue perps model liquidates on Black Thursday', () => {
    for (const protocol of PERPS_STRESS_PROTOCOLS) {
      const s = run({ ...BT, protocol }).summary;
      expect(s.liquidations, protocol).toBeGreaterThan(0);
      expect(s.liquidatedDebtUsd, protocol).toBeGreaterThan(0);
    }
  });

  test('behavior: the same seed gives the same run, another seed another book', () => {
    const a = run({ ...OCT, protocol: 'dydx-v4' });
    const b = run({ ...OCT, protocol: 'dydx-v4' });
    expect(b.summary).toEqual(a.summary);
    expect(b.series).toEqual(a.series);
    expect(b.clearings).toEqual(a.clearings);
    expect(run({ ...OCT, protocol: 'dydx-v4', seed: 8 }).summary).not.toEqual(a.summary);
  });

  test('behavior: the summary agrees with the models’ own records in the final state', () => {
    // Synthetix keeps the LPs' bad debt (lpBadDebtQuote, snxUSD D18); the run counts it as socialized.
    const snx = run({ ...BT, protocol: 'synthetix-perps-v3' });
    const snxState = snx.finalState as unknown as EngineState<SynthetixExt>;
    expect(snx.summary.socializedLossUsd).toBeGreaterThan(0);
    expect(snx.summary.socializedLossUsd).toBeCloseTo(Number(snxState.ext.lpBadDebtQuote) / 1e18, 4);
    // GMX keeps what insolvent closes left unpaid (insolventCloseUsd, USD·1e30).
    const gmx = run({ ...BT, protocol: 'gmx-v2' });
    const gmxState = gmx.finalState as unknown as EngineState<GmxExt>;
    const absorbed = Object.values(gmxState.ext.markets).reduce(
      (s, m) => s + Number(m.insolventCloseUsd) / 1e30,
      0,
    );
    expect(gmx.summary.socializedLossUsd).toBeGreaterThan(0);
    expect(gmx.summary.socializedLossUsd).toBeCloseTo(absorbed, 4);
    // Drift keeps the insurance it paid per market (quote_settled_insurance, USDC 1e6).
    const drift = run({ ...BT, protocol: 'drift-v2' });
    const driftState = drift.finalState as unknown as EngineState<DriftExt>;
    const settled = Object.values(driftState.ext.insuranceSettled).reduce((s, v) => s + Number(v) / 1e6, 0);
    expect(drift.summary.insuranceFundDrawUsd).toBeGreaterThan(0);
    expect(drift.summary.insuranceFundDrawUsd).toBeCloseTo(settled, 6);
    // dYdX: the fund is the `insurance` bucket; bad debt is Σ −TNC of the subaccounts below zero.
    const dydx = run({ ...BT, protocol: 'dydx-v4' });
    const dydxState = dydx.finalState as unknown as EngineState<DydxExt>;
    const last = dydx.series[dydx.series.length - 1]!;
    expect(last.insuranceFundUsd).toBeCloseTo(
      Number(balanceOf(dydxState.ledger, 'insurance', 'USDC')) / 1e6,
      6,
    );
    let negativeTnc = 0;
    for (const id of dydxState.ext.book?.accounts.keys() ?? []) {
      if (id === 'makers') continue;
      const tnc = riskOf(dydxState, id, last.t).tncQuote;
      if (tnc < 0n) negativeTnc -= Number(tnc) / 1e6;
    }
    expect(dydx.summary.badDebtUsd).toBeCloseTo(negativeTnc, 4);
  });

  test('behavior: liquidation orders sold into the venue push the market below the exogenous price', () => {
    const options = { ...OCT, protocol: 'dydx-v4' };
    const r = run(options);
    const exogenous = stressSource(options).ethPath;
    const k = r.series.findIndex((p) => p.liquidationsStarted > 0);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(r.clearings.length).toBeGreaterThan(0);
    expect(r.series[k]!.marketPriceUsd).toBeLessThan(exogenous[k]!.price);
    // Synthetix's LPs take the other side at the oracle price: no order reaches the market.
    const snx = run({ ...OCT, protocol: 'synthetix-perps-v3' });
    expect(snx.summary.liquidations).toBeGreaterThan(0);
    snx.series.forEach((p, i) => {
      expect(p.marketPriceUsd).toBeCloseTo(exogenous[i]!.price, 9);
    });
  });

  test('behavior: without keepers, or with keepers capped below the gas, bad debt is left', () => {
    const none = run({ ...BT, protocol: 'perps-generic', keepers: [] });
    expect(none.summary.liquidations).toBe(0);
    expect(none.summary.badDebtUsd).toBeGreaterThan(0);
    const capped: StressKeeperSpec[] = [{ preset: 'liquidator', id: 'engine', maxGasPriceGwei: 1 }];
    const hl = run({ ...BT, protocol: 'hyperliquid', keepers: capped, flatGasGwei: 50 });
    expect(hl.summary.liquidations).toBe(0);
    expect(hl.summary.badDebtUsd).toBeGreaterThan(0);
    const working = run({ ...BT, protocol: 'hyperliquid', flatGasGwei: 50 });
    expect(working.summary.liquidations).toBeGreaterThan(0);
  });

  test('behavior: the default parameters parse back through the model, and overrides are used', () => {
    for (const protocol of PERPS_STRESS_PROTOCOLS) {
      const raw = perpsStressAdapter.defaultParamsJson(protocol);
      expect(() => findProtocol(protocol).parseParams(raw), protocol).not.toThrow();
    }
    // A 10x Hyperliquid ETH market (MM 5 %) liquidates earlier than the 25x default (MM 2 %).
    const raw = perpsStressAdapter.defaultParamsJson('hyperliquid') as { markets: Record<string, unknown>[] };
    const tenX = { ...raw, markets: [{ ...raw.markets[0], maxLeverage: '10' }] };
    const base = run({ ...OCT, accounts: 80 }).summary;
    const strict = run({ ...OCT, accounts: 80, protocolParams: tenX }).summary;
    expect(strict.liquidations).toBeGreaterThan(base.liquidations);
  });

  test('error: presets of other families, a model without an ETH market, an unknown protocol', () => {
    const presets: StressKeeperSpec[] = [
      { preset: 'aaveLiquidator', id: 'a', minProfitUsd: 0 },
      { preset: 'gasCapped', id: 'g', maxGasPriceGwei: 100 },
      { preset: 'arbitrageur', id: 'r' },
    ];
    for (const spec of presets) {
      let caught: unknown;
      try {
        run({ ...OCT, keepers: [spec] });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InvalidParameterError);
      expect((caught as InvalidParameterError).field).toBe('keepers[].preset');
    }
    expect(() => run({ ...OCT, protocolParams: paramsJson(DEFAULT_HYPERLIQUID_PARAMS) })).toThrow(
      InvalidParameterError,
    );
    expect(() => run({ ...OCT, protocol: 'maker-liq2' })).toThrow(InvalidParameterError);
    expect(() => perpsStressAdapter.defaultParamsJson('aave-v3.3')).toThrow(InvalidParameterError);
  });
});

describe('composedPerpStressAdapter', () => {
  const config = parseYaml(
    readFileSync(new URL('../../../examples/composed-perp-adl.yaml', import.meta.url), 'utf8'),
  );

  test('default: the example composed market liquidates in the oct-2025 crash', () => {
    // Flat gas: the volatility model's 1,000+ gwei in the crash prices the L1 keepers out.
    const r = runWithAdapter(composedPerpStressAdapter, {
      ...OCT,
      protocol: 'eth-perp-adl',
      protocolConfig: config,
      flatGasGwei: 10,
    });
    expect(r.summary.protocol).toBe('eth-perp-adl');
    expect(r.summary.accounts).toBeGreaterThan(0);
    expect(r.summary.liquidations).toBeGreaterThan(0);
    expect((r.finalState as { protocol: string }).protocol).toBe('eth-perp-adl');
  });

  test('behavior: on a hedged book (several markets) the indexed adapter reports what the full scans report', () => {
    const classic = parseYaml(
      readFileSync(new URL('../../../examples/composed-perp-classic.yaml', import.meta.url), 'utf8'),
    ) as { id: string };
    const full = createComposedPerpStressAdapter(DEFAULT_PERPS_STRESS_SIZES, { indexed: false });
    for (const options of [
      { ...OCT, protocol: classic.id, protocolConfig: classic, accounts: 30, flatGasGwei: 10 },
      { ...BT, protocol: classic.id, protocolConfig: classic, accounts: 30 },
    ]) {
      const indexed = everything(composedPerpStressAdapter, options);
      expect(indexed.summary.liquidations).toBeGreaterThan(0);
      expect(indexed).toEqual(everything(full, options));
    }
  });

  test('behavior: its parameters are the configuration’s, and overrides of them are used', () => {
    const raw = composedPerpStressAdapter.defaultParamsJson('eth-perp-adl', config) as {
      quoteAsset: string;
      markets: Record<string, unknown>[];
      liquidation: Record<string, unknown>;
    };
    expect(raw).toEqual(composedPerpStressParamsJson(config));
    expect(raw.quoteAsset).toBe('USDC');
    expect(raw.markets.map((m) => m.market)).toEqual(['ETH-PERP']);
    // No fee to the liquidator: a profit-seeking keeper never acts.
    const unpaid = { ...raw, liquidation: { ...raw.liquidation, liquidatorSharePpm: '0' } };
    const options = { ...OCT, protocol: 'eth-perp-adl', protocolConfig: config, flatGasGwei: 10 };
    expect(
      runWithAdapter(composedPerpStressAdapter, { ...options, protocolParams: unpaid }).summary.liquidations,
    ).toBe(0);
    expect(
      runWithAdapter(composedPerpStressAdapter, { ...options, protocolParams: raw }).summary.liquidations,
    ).toBeGreaterThan(0);
  });

  test('error: no configuration, an id that differs, default parameters by id', () => {
    expect(() => runWithAdapter(composedPerpStressAdapter, { ...OCT, protocol: 'eth-perp-adl' })).toThrow(
      InvalidParameterError,
    );
    expect(() =>
      runWithAdapter(composedPerpStressAdapter, { ...OCT, protocol: 'other', protocolConfig: config }),
    ).toThrow(InvalidParameterError);
    expect(() => composedPerpStressAdapter.defaultParamsJson('eth-perp-adl')).toThrow(InvalidParameterError);
    expect(() =>
      runWithAdapter(composedPerpStressAdapter, { ...OCT, protocol: 'x', protocolConfig: { kind: 'perp' } }),
    ).toThrow(InvalidParameterError);
  });
});
