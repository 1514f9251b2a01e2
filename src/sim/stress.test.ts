/**
 * Tests of the stress lab's single run on small books and coarse steps: determinism, the Black
 * Thursday liquidations on both Maker models, the zero-bid and gas-cap behaviours, and the summary
 * against figures read independently from the final engine state.
 */
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { radToUsd } from '../keepers/types.js';
import type { AaveExt } from '../protocols/aave-v3/state.js';
import type { CompoundExt } from '../protocols/compound-v3/state.js';
import { DAI, SIN, SIN_BUCKET, VOW_BUCKET } from '../protocols/maker/vat.js';
import { ReplayMissingAssetError, replayScenario } from './replay.js';
import { defaultStressParamsJson, runStress, STRESS_PROTOCOLS, type StressOptions } from './stress.js';

const BT = 'black-thursday-2020';
/** Small and coarse: 100 accounts, 15-minute steps. */
const small = (over: Partial<StressOptions> = {}): StressOptions => ({
  protocol: 'maker-liq1',
  scenario: BT,
  seed: 7,
  accounts: 100,
  stepSeconds: 900,
  ...over,
});

describe('runStress', () => {
  test('default: black-thursday-2020 with 200 accounts liquidates on both Maker models', () => {
    for (const protocol of ['maker-liq2', 'maker-liq1']) {
      const { summary, series } = runStress({ protocol, scenario: BT, seed: 7, accounts: 200 });
      expect(summary.protocol).toBe(protocol);
      expect(summary.scenario).toBe(BT);
      expect(summary.seed).toBe(7);
      // 36 h at the scenario's 5-minute grid: 433 points (the waypoint at 10:55 lies on the grid).
      expect(summary.steps).toBe(433);
      expect(series).toHaveLength(433);
      expect(summary.accounts).toBeGreaterThan(0);
      expect(summary.accounts + summary.accountsSkipped).toBe(200);
      expect(summary.liquidations).toBeGreaterThan(0);
      expect(summary.liquidatedDebtUsd).toBeGreaterThan(0);
      expect(summary.auctions).toBe(summary.liquidations);
      // Maker has no insurance fund, no loss socialization and no ADL.
      expect(summary.insuranceFundDrawUsd).toBe(0);
      expect(summary.socializedLossUsd).toBe(0);
      expect(summary.adlVolumeUsd).toBe(0);
      for (const p of series) expect(Number.isFinite(p.marketPriceUsd) && p.marketPriceUsd > 0).toBe(true);
    }
  });

  test('behavior: the same seed gives the same summary and series; another seed differs', () => {
    const a = runStress(small());
    const b = runStress(small());
    expect(b.summary).toEqual(a.summary);
    expect(b.series).toEqual(a.series);
    const c = runStress(small({ seed: 8 }));
    expect(c.series.map((p) => p.marketPriceUsd)).not.toEqual(a.series.map((p) => p.marketPriceUsd));
  });

  test('behavior: liq1 with a zero-bid keeper alone leaves zero-bid auctions and bad debt; a bidder reduces it', () => {
    const alone = runStress(small({ keepers: [{ preset: 'zeroBid', id: 'zero' }] })).summary;
    expect(alone.zeroBidAuctions).toBeGreaterThan(0);
    expect(alone.badDebtUsd).toBeGreaterThan(0);
    const competed = runStress(
      small({
        keepers: [
          { preset: 'zeroBid', id: 'zero' },
          { preset: 'gasCapped', id: 'bidder', maxGasPriceGwei: 10_000 },
        ],
      }),
    ).summary;
    expect(competed.badDebtUsd).toBeLessThan(alone.badDebtUsd);
    expect(competed.zeroBidAuctions).toBeLessThan(alone.zeroBidAuctions);
  });

  test('behavior: a gas cap below the scenario gas stops gas-capped keepers', () => {
    // The scenario's gas never goes below its published 10 gwei floor by much; a 1 gwei cap is below it.
    const run = (cap: number) =>
      runStress(
        small({ protocol: 'maker-liq2', keepers: [{ preset: 'gasCapped', id: 'k', maxGasPriceGwei: cap }] }),
      );
    const capped = run(1);
    const open = run(10_000);
    expect(capped.series.every((p) => p.gasGwei > 1)).toBe(true);
    expect(capped.summary.keeperTransactions).toBe(0);
    expect(capped.summary.liquidations).toBe(0);
    expect(open.summary.keeperTransactions).toBeGreaterThan(0);
    expect(open.summary.liquidations).toBeGreaterThan(0);
    // A cap inside the scenario's range (p60 rises from 10 to 190 gwei): no liquidation starts
    // while gas is above it, though some do below it.
    const mid = run(100);
    const above = mid.series.filter((p) => p.gasGwei > 100);
    expect(above.length).toBeGreaterThan(0);
    expect(above.every((p) => p.liquidationsStarted === 0)).toBe(true);
    expect(mid.summary.liquidations).toBeGreaterThan(0);
  });

  test('behavior: the summary agrees with the engine state and the series', () => {
    for (const protocol of ['maker-liq2', 'maker-liq1']) {
      const { summary, series, finalState } = runStress(small({ protocol }));
      const sin = balanceOf(finalState.ledger, SIN_BUCKET, SIN);
      const vowDai = balanceOf(finalState.ledger, VOW_BUCKET, DAI);
      expect(summary.badDebtUsd).toBe(sin > vowDai ? radToUsd(sin - vowDai) : 0);
      const last = series[series.length - 1];
      expect(last?.badDebtUsd).toBe(summary.badDebtUsd);
      expect(last?.cumulativeLiquidatedDebtUsd).toBe(summary.liquidatedDebtUsd);
      expect(last?.auctionsLive).toBe(summary.auctionsLiveAtEnd);
      expect(series.reduce((n, p) => n + p.liquidationsStarted, 0)).toBe(summary.liquidations);
      // Cumulative liquidated debt never falls.
      for (let k = 1; k < series.length; k++) {
        expect(
          (series[k]?.cumulativeLiquidatedDebtUsd ?? 0) >= (series[k - 1]?.cumulativeLiquidatedDebtUsd ?? 0),
        ).toBe(true);
      }
      if (protocol === 'maker-liq1') {
        // liq1 mints no keeper rewards and nothing heals: every unit of sin came from a bite (the
        // summary adds the bites' USD as floats, so it agrees to float precision).
        expect(Math.abs(summary.liquidatedDebtUsd - radToUsd(sin)) / radToUsd(sin)).toBeLessThan(1e-12);
      }
    }
  });

  test('behavior: a replay runs on its own grid, name and gas', () => {
    // 12 h of 10-minute steps: ETH falls linearly 200 → 100 over the first 6 h, then holds; gas is
    // 20 gwei for the first 3 h and 300 gwei afterwards.
    const t0 = 1_583_971_200;
    const eth = Array.from({ length: 73 }, (_, k) => ({
      tSeconds: t0 + 600 * k,
      price: k <= 36 ? 200 - (100 * k) / 36 : 100,
    }));
    // Hourly gas (within the replay's default one-hour gap limit).
    const gas = Array.from({ length: 13 }, (_, h) => ({
      tSeconds: t0 + 3600 * h,
      gasPriceGwei: h < 3 ? 20 : 300,
    }));
    const replay = replayScenario({ prices: { ETH: eth }, gas, name: 'replay:crash.csv' });
    const run = (cap: number) =>
      runStress({
        protocol: 'maker-liq2',
        replay,
        seed: 7,
        accounts: 100,
        keepers: [{ preset: 'gasCapped', id: 'k', maxGasPriceGwei: cap }],
      });
    const open = run(10_000);
    expect(open.summary.scenario).toBe('replay:crash.csv');
    expect(open.summary.steps).toBe(73);
    expect(open.series.map((p) => p.t)).toEqual(eth.map((p) => p.tSeconds));
    // Gas from the replay: 20 gwei before 3 h (step 18), 300 from then on.
    expect(open.series.map((p) => p.gasGwei)).toEqual(eth.map((_, k) => (k < 18 ? 20 : 300)));
    // Before any sale the market is the replayed price itself.
    expect(open.series[0]?.marketPriceUsd).toBe(200);
    // A 50 % fall liquidates some of a synthetic book; deterministic for the seed.
    expect(open.summary.liquidations).toBeGreaterThan(0);
    expect(run(10_000).summary).toEqual(open.summary);
    // A 100 gwei cap: no liquidation starts once gas is 300.
    const capped = run(100);
    expect(capped.series.slice(18).every((p) => p.liquidationsStarted === 0)).toBe(true);
    expect(capped.summary.liquidations).toBeLessThan(open.summary.liquidations);
  });

  test('error: a replay without ETH, both or neither of scenario and replay, a step off the replay grid', () => {
    const path = [
      { tSeconds: 0, price: 1 },
      { tSeconds: 600, price: 1 },
    ];
    const daiOnly = replayScenario({ prices: { DAI: path }, name: 'replay:dai.csv' });
    expect(() => runStress({ protocol: 'maker-liq2', replay: daiOnly, seed: 1 })).toThrow(
      ReplayMissingAssetError,
    );
    const ethReplay = replayScenario({ prices: { ETH: path }, name: 'replay:eth.csv' });
    for (const bad of [
      { protocol: 'maker-liq2', seed: 1 },
      { protocol: 'maker-liq2', seed: 1, scenario: BT, replay: ethReplay },
      { protocol: 'maker-liq2', seed: 1, replay: ethReplay, stepSeconds: 300 },
    ]) {
      expect(() => runStress(bad)).toThrow(InvalidParameterError);
    }
  });

  test('error: unsupported protocols are refused, naming the supported ones', () => {
    expect(() => runStress(small({ protocol: 'morpho-blue' }))).toThrow(InvalidParameterError);
    try {
      runStress(small({ protocol: 'morpho-blue' }));
    } catch (e) {
      expect((e as InvalidParameterError).field).toBe('protocol');
      expect(String(e)).toContain('maker-liq2');
      expect(String(e)).toContain('aave-v3.3');
    }
  });
});

describe('runStress: lending models', () => {
  const LENDING = ['aave-v3.3', 'aave-v3.5', 'aave-v3.7', 'compound-v3'];
  const lending = (protocol: string, over: Partial<StressOptions> = {}): StressOptions =>
    small({ protocol, accounts: 40, ...over });

  test('default: every lending model is listed and liquidates on black-thursday-2020 with 40 accounts', () => {
    for (const protocol of LENDING) {
      expect(STRESS_PROTOCOLS).toContain(protocol);
      const { summary, series } = runStress(lending(protocol));
      expect(summary.protocol).toBe(protocol);
      expect(summary.accounts).toBeGreaterThan(0);
      expect(summary.accounts + summary.accountsSkipped).toBe(40);
      expect(summary.liquidations).toBeGreaterThan(0);
      expect(summary.liquidatedDebtUsd).toBeGreaterThan(0);
      // No auctions, no insurance draw (no eliminateReserveDeficit is sent), no socialization, no ADL.
      expect([summary.auctions, summary.zeroBidAuctions, summary.auctionsLiveAtEnd]).toEqual([0, 0, 0]);
      expect([summary.insuranceFundDrawUsd, summary.socializedLossUsd, summary.adlVolumeUsd]).toEqual([
        0, 0, 0,
      ]);
      expect(series.reduce((n, p) => n + p.liquidationsStarted, 0)).toBe(summary.liquidations);
      // Undelayed feed: the oracle is within the deviation trigger (0.5 %) or heartbeat of the market.
      expect(series.every((p) => p.oraclePriceUsd !== null)).toBe(true);
    }
  });

  test('behavior: the same seed gives the same run; another seed differs', () => {
    for (const protocol of LENDING) {
      const a = runStress(lending(protocol));
      const b = runStress(lending(protocol));
      expect(b.summary).toEqual(a.summary);
      expect(b.series).toEqual(a.series);
      const c = runStress(lending(protocol, { seed: 8 }));
      expect(c.series.map((p) => p.marketPriceUsd)).not.toEqual(a.series.map((p) => p.marketPriceUsd));
    }
  });

  test('behavior: the summary agrees with the engine state (deficit, reserves, liquidation counts)', () => {
    for (const protocol of LENDING) {
      const { summary, series, finalState } = runStress(lending(protocol));
      // Both models book bad debt as USDC.debt claims in the `deficit` bucket: Aave's reserve
      // deficit, Comet's negative reserves. USDC at $1, 6 decimals.
      const deficit = balanceOf(finalState.ledger, 'deficit', 'USDC.debt');
      expect(summary.badDebtUsd).toBe(Number(deficit) / 1e6);
      expect(series[series.length - 1]?.badDebtUsd).toBe(summary.badDebtUsd);
      expect(series[series.length - 1]?.cumulativeLiquidatedDebtUsd).toBe(summary.liquidatedDebtUsd);
      if (protocol === 'compound-v3') {
        const cs = finalState as EngineState<CompoundExt>;
        // Negative reserves and positive reserves are never both non-zero.
        const positive = balanceOf(cs.ledger, 'protocol', 'USDC.supply');
        expect(deficit === 0n || positive === 0n).toBe(true);
        // Every absorbed account is counted in the absorbers' points.
        const absorbed = Object.values(cs.ext.liquidatorPoints).reduce((n, p) => n + p.numAbsorbed, 0n);
        expect(BigInt(summary.liquidations)).toBe(absorbed);
        // Absorbed accounts hold no collateral and no debt.
        const held = cs.ext.accounts.values().filter((a) => a.principal < 0n);
        expect(held.length).toBeLessThanOrEqual(summary.accounts - summary.liquidations);
      } else {
        const as = finalState as EngineState<AaveExt>;
        expect(as.ext.liquidationCount).toBe(summary.liquidations);
        const recorded = Object.values(as.ext.reserves).reduce((n, r) => n + r.deficit, 0n);
        expect(recorded).toBe(deficit);
      }
    }
  });

  test('behavior: a gas cap below the scenario gas stops the lending keepers', () => {
    const keepers = {
      aave: [{ preset: 'aaveLiquidator', id: 'k', minProfitUsd: 0, maxGasPriceGwei: 1 }],
      comet: [{ preset: 'cometAbsorber', id: 'k', maxGasPriceGwei: 1 }],
    } as const;
    for (const protocol of LENDING) {
      const kind = protocol === 'compound-v3' ? 'comet' : 'aave';
      const capped = runStress(lending(protocol, { keepers: keepers[kind] }));
      expect(capped.series.every((p) => p.gasGwei > 1)).toBe(true);
      expect(capped.summary.keeperTransactions).toBe(0);
      expect(capped.summary.liquidations).toBe(0);
      const open = runStress(
        lending(protocol, { keepers: [{ ...keepers[kind][0], maxGasPriceGwei: 10_000 }] }),
      );
      expect(open.summary.liquidations).toBeGreaterThan(0);
      // With a cap inside the scenario's range nothing starts while gas is above it.
      const mid = runStress(lending(protocol, { keepers: [{ ...keepers[kind][0], maxGasPriceGwei: 100 }] }));
      expect(mid.series.filter((p) => p.gasGwei > 100).every((p) => p.liquidationsStarted === 0)).toBe(true);
    }
  });

  test('error: Maker presets on a lending model and lending presets on Maker are refused', () => {
    expect(() =>
      runStress(lending('aave-v3.3', { keepers: [{ preset: 'gasCapped', id: 'k', maxGasPriceGwei: 1 }] })),
    ).toThrow(InvalidParameterError);
    expect(() =>
      runStress(
        lending('compound-v3', { keepers: [{ preset: 'aaveLiquidator', id: 'k', minProfitUsd: 0 }] }),
      ),
    ).toThrow(InvalidParameterError);
    expect(() => runStress(small({ keepers: [{ preset: 'cometAbsorber', id: 'k' }] }))).toThrow(
      InvalidParameterError,
    );
  });
});

describe('defaultStressParamsJson and protocolParams', () => {
  test('default: the defaults as JSON configure the same run as no override', () => {
    for (const protocol of ['maker-liq2', 'aave-v3.3', 'compound-v3']) {
      const json = defaultStressParamsJson(protocol);
      expect(JSON.parse(JSON.stringify(json))).toEqual(json);
      const base = runStress(small({ protocol, accounts: 40 }));
      const same = runStress(small({ protocol, accounts: 40, protocolParams: json }));
      expect(same.summary).toEqual(base.summary);
    }
  });

  test('behavior: a higher Maker penalty (chop) takes more collateral from borrowers', () => {
    const json = defaultStressParamsJson('maker-liq2') as { ilks: Record<string, { chopWad: string }> };
    const ilk = Object.keys(json.ilks)[0] as string;
    const chop = BigInt((json.ilks[ilk] as { chopWad: string }).chopWad);
    const higher = structuredClone(json);
    (higher.ilks[ilk] as { chopWad: string }).chopWad = String(chop + chop / 10n);
    const base = runStress(small({ protocol: 'maker-liq2' }));
    const more = runStress(small({ protocol: 'maker-liq2', protocolParams: higher }));
    expect(base.summary.liquidations).toBeGreaterThan(0);
    expect(more.summary.borrowerLossUsd).toBeGreaterThan(base.summary.borrowerLossUsd);
  });

  test('error: bad parameters are refused naming the field', () => {
    const json = defaultStressParamsJson('maker-liq2') as { ilks: Record<string, Record<string, unknown>> };
    const bad = structuredClone(json);
    const ilk = Object.keys(bad.ilks)[0] as string;
    (bad.ilks[ilk] as Record<string, unknown>).chopWad = 'lots';
    expect(() => runStress(small({ protocol: 'maker-liq2', protocolParams: bad }))).toThrow(
      /params\.ilks\..*chop/,
    );
    expect(() => defaultStressParamsJson('morpho-blue')).toThrow(InvalidParameterError);
  });
});

describe('runStress: the oracle feed', () => {
  /** Twelve hours of ETH flat at $2,000, 5-minute steps: nothing moves but the oracle. */
  const flat = replayScenario({
    prices: {
      ETH: Array.from({ length: 145 }, (_, i) => ({ tSeconds: 1_700_000_000 + i * 300, price: 2000 })),
    },
    stepSeconds: 300,
    name: 'flat',
  });
  const spikeAt = 1_700_000_000 + 6 * 3600;

  test('behavior: a manipulated downward spike liquidates on a flat market; without it nothing happens', () => {
    const base: StressOptions = {
      protocol: 'aave-v3.3',
      replay: flat,
      seed: 3,
      accounts: 60,
      flatGasGwei: 20,
    };
    const calm = runStress(base);
    expect(calm.summary.liquidations).toBe(0);
    const wick = runStress({
      ...base,
      oracle: { spikes: [{ fromSeconds: spikeAt, toSeconds: spikeAt + 600, multiple: 0.6 }] },
    });
    expect(wick.summary.liquidations).toBeGreaterThan(0);
    // Every liquidation falls inside the spike window, where the oracle read 60 % of the market.
    for (const p of wick.series) {
      if (p.liquidationsStarted > 0) expect(p.t >= spikeAt && p.t < spikeAt + 600 + 300).toBe(true);
    }
    const during = wick.series.find((p) => p.t === spikeAt);
    expect(during?.oraclePriceUsd).toBeCloseTo(1200, 6);
    // The market stays near $2,000 (only the keepers' own sales move it).
    expect(during?.marketPriceUsd ?? 0).toBeGreaterThan(1900);
  });

  test('behavior: an outage leaves the OSM stale, so Maker keepers cannot bark during it', () => {
    const crash = replayScenario({
      prices: {
        ETH: Array.from({ length: 145 }, (_, i) => ({
          tSeconds: 1_700_000_000 + i * 300,
          price: i < 24 ? 2000 : 1100,
        })),
      },
      stepSeconds: 300,
      name: 'step-crash',
    });
    const base: StressOptions = {
      protocol: 'maker-liq2',
      replay: crash,
      seed: 3,
      accounts: 60,
      flatGasGwei: 20,
    };
    const normal = runStress(base);
    expect(normal.summary.liquidations).toBeGreaterThan(0);
    const dark = runStress({
      ...base,
      oracle: { outages: [{ fromSeconds: 1_700_000_000 + 300, toSeconds: 1_700_000_000 + 145 * 300 }] },
    });
    expect(dark.summary.liquidations).toBe(0);
    expect(dark.series.at(-1)?.oraclePriceUsd).toBeNull();
  });

  test('behavior: a reporting delay opens the book on the start price and lags the oracle by the delay', () => {
    const falling = replayScenario({
      prices: {
        ETH: Array.from({ length: 61 }, (_, i) => ({
          tSeconds: 1_700_000_000 + i * 60,
          price: 2000 - 10 * i,
        })),
      },
      stepSeconds: 60,
      name: 'falling',
    });
    for (const protocol of ['aave-v3.3', 'liquity-v1', 'maker-liq2']) {
      const run = runStress({
        protocol,
        replay: falling,
        seed: 3,
        accounts: 20,
        flatGasGwei: 20,
        oracle: { delaySeconds: 300, deviationBps: 0 },
      });
      expect(run.summary.accounts).toBeGreaterThan(0);
      if (protocol === 'aave-v3.3') {
        // Every minute publishes (deviation 0); a round lands 5 minutes after it was observed.
        const at = run.series.find((p) => p.t === 1_700_000_000 + 1800);
        expect(at?.oraclePriceUsd).toBe(2000 - 10 * 25);
      }
    }
  });

  test('behavior: Maker opens with a heartbeat shorter than the OSM hop, and a shorter hop reads fresher prices', () => {
    const base: StressOptions = {
      protocol: 'maker-liq2',
      scenario: BT,
      seed: 7,
      accounts: 40,
      stepSeconds: 900,
    };
    const fast = runStress({ ...base, oracle: { heartbeatSeconds: 600 } });
    expect(fast.summary.accounts).toBeGreaterThan(0);
    expect(fast.summary.liquidations).toBeGreaterThan(0);
    // With a 15-minute hop the OSM lags the market less than with the scenario's hour.
    const hour = runStress(base);
    const quarter = runStress({ ...base, oracle: { osmDelaySeconds: 900 } });
    const lag = (r: typeof hour) =>
      r.series.reduce(
        (sum, p) => sum + Math.abs((p.oraclePriceUsd ?? p.marketPriceUsd) - p.marketPriceUsd),
        0,
      );
    expect(lag(quarter)).toBeLessThan(lag(hour));
  });

  test('error: bad feed settings are refused naming the oracle field', () => {
    const bad = () =>
      runStress({
        protocol: 'aave-v3.3',
        replay: flat,
        seed: 3,
        accounts: 10,
        oracle: { heartbeatSeconds: -5 },
      });
    expect(bad).toThrow(InvalidParameterError);
    expect(bad).toThrow(/oracle\.heartbeatSeconds/);
  });
});
