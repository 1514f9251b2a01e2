/**
 * End-to-end tests of `maker-liq1` through the engine: a vault is bitten, bidders raise DAI bids
 * (tend) up to the tab, then bid down the lot (dent), and the auction is dealt; auctions without
 * bids are ticked; a short auction leaves bad debt in the Vow. Expectations are derived by hand
 * from dss's formulas, and every state is checked against the model's invariants.
 */
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../../../engine/contract.js';
import { InsufficientBalanceError, ProtocolRevertError } from '../../../engine/errors.js';
import { drive, ethOracle, ethPrice, RAD, RAY, testParams, WAD } from '../testkit.js';
import { DAI, SIN } from '../vat.js';
import { biteExecution, biteIncentive, biteLossWaterfall, biteSizing, biteTrigger } from './cat.js';
import { makerLiq1Model } from './model.js';
import type { Liq1Ext } from './state.js';

function revertOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolRevertError) return e.reason;
    throw e;
  }
  throw new Error('expected a ProtocolRevertError');
}

/** alice: 40 ETH and 100 DAI of debt; ETH from $10 to $4 (spot 2: 80 < 100). */
function unsafeVault(top: Readonly<Record<string, unknown>> = {}) {
  const d = drive(makerLiq1Model);
  d.run(ethOracle(), 0);
  d.run(ethPrice(10n), 0);
  d.run({ type: 'configure', params: testParams({}, top) }, 0);
  d.run({ type: 'deposit', account: 'alice', amountWad: 40n * WAD }, 1);
  d.run({ type: 'draw', account: 'alice', artWad: 100n * WAD }, 1);
  d.run(ethPrice(4n), 2);
  for (const who of ['bob', 'carol'])
    d.run({ type: 'fundWallet', actor: who, asset: DAI, amount: 200n * RAD }, 2);
  return d;
}

function noViolations(d: { readonly state: import('../../../engine/engine.js').EngineState<Liq1Ext> }): void {
  expect(engineViolations(makerLiq1Model, d.state)).toEqual([]);
}

const bid = (bidder: string, lotWad: bigint, bidRad: bigint) => ({
  type: 'tend',
  ilk: 'ETH-A',
  id: 1,
  bidder,
  lotWad,
  bidRad,
});
const dent = (bidder: string, lotWad: bigint) => ({
  type: 'dent',
  ilk: 'ETH-A',
  id: 1,
  bidder,
  lotWad,
  bidRad: 110n * RAD,
});

describe('makerLiq1Model', () => {
  test('default: bite, tend up to the tab, dent the lot down, deal', () => {
    const d = unsafeVault();
    d.run({ type: 'bite', account: 'alice' }, 2);
    // box 1000 ≥ dust; dart = min(100, 1000·1e18/1/1.1) = 100; dink 40; tab 110 DAI; end = 2 + 3600.
    expect(d.state.ext.flips['ETH-A']?.bids.get('1')).toEqual({
      bidRad: 0n,
      lotWad: 40n * WAD,
      guy: 'cat',
      ticSeconds: 0,
      endSeconds: 3602,
      usr: 'alice',
      tabRad: 110n * RAD,
    });
    expect(d.state.ext.litterRad).toBe(110n * RAD);
    expect(d.bal('auction:ETH-A:1', 'ETH')).toBe(40n * WAD);
    expect(d.state.ext.core.vow.sinByEra.toRecord()).toEqual({ '2': 100n * RAD });
    noViolations(d);

    d.run(bid('bob', 40n * WAD, 50n * RAD), 10);
    // 52 < 50 · 1.05 = 52.5
    expect(revertOf(() => d.run(bid('carol', 40n * WAD, 52n * RAD), 20))).toBe(
      'Flipper/insufficient-increase',
    );
    expect(revertOf(() => d.run(bid('carol', 39n * WAD, 60n * RAD), 20))).toBe('Flipper/lot-not-matching');
    expect(revertOf(() => d.run(bid('carol', 40n * WAD, 111n * RAD), 20))).toBe('Flipper/higher-than-tab');
    d.run(bid('carol', 40n * WAD, 60n * RAD), 20); // bob refunded 50, Vow +10
    expect(d.bal('wallet:bob', DAI)).toBe(200n * RAD);
    d.run(bid('bob', 40n * WAD, 110n * RAD), 30); // == tab: allowed whatever the increase
    expect(d.bal('wallet:carol', DAI)).toBe(200n * RAD);
    expect(d.bal('protocol', DAI)).toBe(110n * RAD);
    expect(revertOf(() => d.run(dent('carol', 40n * WAD), 40))).toBe('Flipper/lot-not-lower');
    d.run(dent('carol', 38n * WAD), 40); // 1.05 · 38 = 39.9 ≤ 40; carol pays bob 110; alice +2 ETH
    expect(revertOf(() => d.run(dent('bob', 37n * WAD), 50))).toBe('Flipper/insufficient-decrease'); // 38.85 > 38
    d.run(dent('bob', 36n * WAD), 50); // 37.8 ≤ 38; bob pays carol 110; alice +2 ETH; tic = 650
    expect(d.bal('wallet:alice', 'ETH')).toBe(4n * WAD);
    expect(revertOf(() => d.run({ type: 'deal', ilk: 'ETH-A', id: 1 }, 650))).toBe('Flipper/not-finished');
    d.run({ type: 'deal', ilk: 'ETH-A', id: 1 }, 651);
    expect(d.bal('wallet:bob', 'ETH')).toBe(36n * WAD);
    expect(d.bal('wallet:bob', DAI)).toBe(90n * RAD);
    expect(d.bal('wallet:carol', DAI)).toBe(200n * RAD);
    expect(d.bal('protocol', DAI)).toBe(110n * RAD);
    expect(d.state.ext.litterRad).toBe(0n);
    expect(d.state.ext.flips['ETH-A']?.bids.size).toBe(0);
    noViolations(d);
  });

  test('behavior: one low bid then deal after ttl: the shortfall is bad debt in the Vow', () => {
    const d = unsafeVault();
    d.run({ type: 'bite', account: 'alice' }, 2);
    d.run(bid('bob', 40n * WAD, 50n * RAD), 10); // tic = 610
    d.run({ type: 'deal', ilk: 'ETH-A', id: 1 }, 611);
    expect(d.bal('wallet:bob', 'ETH')).toBe(40n * WAD);
    d.run({ type: 'flog', era: 2 }, 3602);
    d.run({ type: 'heal', amountRad: 50n * RAD }, 3602);
    expect(d.bal('sysdebt', SIN)).toBe(50n * RAD); // 100 due − 50 raised
    expect(revertOf(() => d.run({ type: 'heal', amountRad: 1n }, 3602))).toBe('Vow/insufficient-surplus');
    noViolations(d);
  });

  test('behavior: an auction nobody bids on is ticked after its end, and only then', () => {
    const d = unsafeVault();
    d.run({ type: 'bite', account: 'alice' }, 2);
    expect(revertOf(() => d.run({ type: 'tick', ilk: 'ETH-A', id: 1 }, 3602))).toBe('Flipper/not-finished');
    expect(revertOf(() => d.run({ type: 'deal', ilk: 'ETH-A', id: 1 }, 3603))).toBe('Flipper/not-finished');
    expect(revertOf(() => d.run(bid('bob', 40n * WAD, 50n * RAD), 3603))).toBe(
      'Flipper/already-finished-end',
    );
    d.run({ type: 'tick', ilk: 'ETH-A', id: 1 }, 3603);
    expect(d.state.ext.flips['ETH-A']?.bids.get('1')?.endSeconds).toBe(7203);
    d.run(bid('bob', 40n * WAD, 50n * RAD), 3700);
    expect(revertOf(() => d.run({ type: 'tick', ilk: 'ETH-A', id: 1 }, 7204))).toBe(
      'Flipper/bid-already-placed',
    );
    expect(revertOf(() => d.run(bid('carol', 40n * WAD, 60n * RAD), 4300))).toBe(
      'Flipper/already-finished-tic',
    );
    noViolations(d);
  });

  test('behavior: box limits the bite and may leave a dusty vault; the next bite hits the limit', () => {
    const d = unsafeVault({ boxRad: 100n * RAD });
    d.run({ type: 'bite', account: 'alice' }, 2);
    // dart = floor(floor(100e45·1e18/1e27)/1.1e18) = 90909090909090909090, dink = floor(40·dart/100).
    expect(d.state.ext.core.urns.get('alice')).toEqual({
      ilk: 'ETH-A',
      inkWad: 40n * WAD - 36363636363636363636n,
      artWad: 100n * WAD - 90909090909090909090n,
    });
    expect(d.state.ext.litterRad).toBe(100n * RAD - RAY); // tab = dart · 1.1, floored
    expect(revertOf(() => d.run({ type: 'bite', account: 'alice' }, 3))).toBe('Cat/liquidation-limit-hit');
    noViolations(d);
  });

  test('error: bids need the DAI; safe vaults are not bitten', () => {
    const d = unsafeVault();
    d.run({ type: 'bite', account: 'alice' }, 2);
    expect(() => d.run(bid('nobody', 40n * WAD, 50n * RAD), 10)).toThrow(InsufficientBalanceError);
    const e = unsafeVault();
    e.run(ethPrice(5n), 3);
    expect(revertOf(() => e.run({ type: 'bite', account: 'alice' }, 3))).toBe('Cat/not-unsafe');
    expect(revertOf(() => e.run({ type: 'deal', ilk: 'ETH-A', id: 9 }, 3))).toBe('Flipper/not-finished');
  });
});

describe('bite stages', () => {
  test('default: each stage on its own', () => {
    const d = unsafeVault();
    const request = { urn: 'alice', nowSeconds: 2 };
    const t = biteTrigger(d.state, request);
    expect(t).toEqual({
      ilk: 'ETH-A',
      inkWad: 40n * WAD,
      artWad: 100n * WAD,
      rateRay: RAY,
      spotRay: 2n * RAY,
    });
    const size = biteSizing(d.state, request, t);
    expect([size.dartWad, size.dinkWad, size.tabRad]).toEqual([100n * WAD, 40n * WAD, 110n * RAD]);
    const outcome = biteExecution(d.state, request, size, t);
    expect(outcome.detail).toEqual({ ilk: 'ETH-A', id: 1, tabRad: 110n * RAD, lotWad: 40n * WAD });
    expect(biteIncentive(d.state, request, outcome)).toEqual([]);
    expect(biteLossWaterfall(d.state, request, outcome)).toEqual([
      { type: 'VowFessed', era: 2, rad: 100n * RAD },
    ]);
  });
});
