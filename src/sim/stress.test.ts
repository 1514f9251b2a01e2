/**
 * Tests of the stress lab's single run on small books and coarse steps: determinism, the Black
 * Thursday liquidations on both Maker models, the zero-bid and gas-cap behaviours, and the summary
 * against figures read independently from the final engine state.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { radToUsd } from '../keepers/types.js';
import { DAI, SIN, SIN_BUCKET, VOW_BUCKET } from '../protocols/maker/vat.js';
import { runStress, type StressOptions } from './stress.js';

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
        // liq1 mints no keeper rewards and nothing heals: every unit of sin came from a bite.
        expect(summary.liquidatedDebtUsd).toBe(radToUsd(sin));
      }
    }
  });

  test('error: protocols other than the Maker models are refused, naming the supported ones', () => {
    expect(() => runStress(small({ protocol: 'aave-v3.3' }))).toThrow(InvalidParameterError);
    try {
      runStress(small({ protocol: 'aave-v3.3' }));
    } catch (e) {
      expect((e as InvalidParameterError).field).toBe('protocol');
      expect(String(e)).toContain('maker-liq2');
    }
  });
});
