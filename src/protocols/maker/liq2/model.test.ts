/**
 * End-to-end tests of `maker-liq2` through the engine: vaults are opened, prices fall, vaults are
 * barked, auctions are taken (partially, fully, with a flash callback, down to bad debt), reset,
 * stopped and yanked, and the Vow heals. Every expectation is derived by hand from dss's formulas
 * (comments show the arithmetic); every state is also checked against the model's invariants.
 */
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../../../engine/contract.js';
import {
  InsufficientBalanceError,
  InvalidParameterError,
  ProtocolRevertError,
  StaleOraclePriceError,
  UnknownAccountError,
} from '../../../engine/errors.js';
import { type Moved, moved } from '../../../engine/ledger.js';
import { drive, ethOracle, ethPrice, RAD, RAY, testParams, WAD } from '../testkit.js';
import { DAI, SIN } from '../vat.js';
import type { ClipperCall } from './clipper.js';
import { barkExecution, barkIncentive, barkLossWaterfall, barkSizing, barkTrigger } from './dog.js';
import { makerLiq2Model } from './model.js';
import type { ClipTaken } from './state.js';

const KPR = 'kpr';

function revertOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolRevertError) return e.reason;
    throw e;
  }
  throw new Error('expected a ProtocolRevertError');
}

/**
 * alice: 40 ETH, 100 DAI of debt at $10 (spot 5: 200 ≥ 100), then ETH falls to $4: spot 2,
 * ink·spot = 80 < art·rate = 100.
 */
function unsafeVault(
  overrides: Readonly<Record<string, unknown>> = {},
  top: Readonly<Record<string, unknown>> = {},
) {
  const d = drive(makerLiq2Model);
  d.run(ethOracle(), 0);
  d.run(ethPrice(10n), 0);
  d.run({ type: 'configure', params: testParams(overrides, top) }, 0);
  d.run({ type: 'deposit', account: 'alice', amountWad: 40n * WAD }, 1);
  d.run({ type: 'draw', account: 'alice', artWad: 100n * WAD }, 1);
  d.run(ethPrice(4n), 2);
  return d;
}

function barked(overrides: Readonly<Record<string, unknown>> = {}) {
  const d = unsafeVault(overrides);
  d.run({ type: 'bark', account: 'alice', keeper: KPR }, 2);
  return d;
}

function noViolations(d: ReturnType<typeof drive<import('./state.js').Liq2Ext>>): void {
  expect(engineViolations(makerLiq2Model, d.state)).toEqual([]);
}

describe('makerLiq2Model', () => {
  test('default: open, fall, bark, take to the tab, leftover back to the owner', () => {
    const d = unsafeVault();
    expect(d.bal('wallet:alice', DAI)).toBe(100n * RAD); // rate 1 · 100 art
    const h = makerLiq2Model.health(d.state, 'alice', 2);
    expect(h.liquidatable).toBe(true);
    expect(h.healthWad).toBe((8n * WAD) / 10n); // 80 / 100
    expect(h.collateralValueWad).toBe(160n * WAD); // 40 · $4
    expect(h.debtValueWad).toBe(100n * WAD);

    d.run({ type: 'bark', account: 'alice', keeper: KPR }, 2);
    // dart = 100, dink = 40, due = 100 DAI, tab = 110 DAI; top = 4 · 1.25 = 5 DAI.
    expect(d.bal('auction:ETH-A:1', 'ETH')).toBe(40n * WAD);
    expect(d.bal('acct:alice', 'ETH')).toBe(0n);
    expect(d.state.ext.core.urns.get('alice')).toEqual({ ilk: 'ETH-A', inkWad: 0n, artWad: 0n });
    const sale = d.state.ext.clips['ETH-A']?.sales.get('1');
    expect(sale).toEqual({
      tabRad: 110n * RAD,
      lotWad: 40n * WAD,
      usr: 'alice',
      ticSeconds: 2,
      topRay: 5n * RAY,
    });
    expect(d.state.ext.dog.DirtRad).toBe(110n * RAD);
    // coin = tip 100 + 2 % of 110 = 102.2 DAI, minted against sin.
    expect(d.bal(`wallet:${KPR}`, DAI)).toBe((1022n * RAD) / 10n);
    expect(d.bal('sysdebt', SIN)).toBe(100n * RAD + (1022n * RAD) / 10n);
    expect(d.state.ext.core.vow.sinByEra.toRecord()).toEqual({ '2': 100n * RAD });
    noViolations(d);

    d.run({ type: 'fundWallet', actor: KPR, asset: DAI, amount: 100n * RAD }, 2);
    // dur 360: price = 5 · (3240/3600) = 4.5; 10 ETH cost 45, leaving tab 65 ≥ chost 22.
    d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: 10n * WAD, maxRay: 5n * RAY, keeper: KPR }, 362);
    expect(d.state.ext.clips['ETH-A']?.sales.get('1')?.tabRad).toBe(65n * RAD);
    expect(d.state.ext.clips['ETH-A']?.sales.get('1')?.lotWad).toBe(30n * WAD);
    expect(d.state.ext.dog.DirtRad).toBe(65n * RAD);
    // dur 720: price 4; 30 ETH would cost 120 > 65: owe 65, slice 65 / 4 = 16.25 ETH, 13.75 back to alice.
    d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: 30n * WAD, maxRay: 5n * RAY, keeper: KPR }, 722);
    expect(d.bal(`wallet:${KPR}`, 'ETH')).toBe(10n * WAD + 1625n * 10n ** 16n);
    expect(d.bal('wallet:alice', 'ETH')).toBe(1375n * 10n ** 16n);
    expect(d.bal(`wallet:${KPR}`, DAI)).toBe((1022n * RAD) / 10n + 100n * RAD - 110n * RAD);
    expect(d.bal('protocol', DAI)).toBe(110n * RAD);
    expect(d.state.ext.clips['ETH-A']?.sales.size).toBe(0);
    expect(d.state.ext.clips['ETH-A']?.active).toEqual([]);
    expect(d.state.ext.dog.DirtRad).toBe(0n);
    noViolations(d);
  });

  test("behavior: the lot runs out below the tab: the rest is bad debt left as the Vow's sin", () => {
    const d = barked();
    d.run({ type: 'fundWallet', actor: KPR, asset: DAI, amount: 200n * RAD }, 2);
    // dur 1700 (≤ tail 1800): ratio floor(1900e27/3600) = 527777777777777777777777777, price = 5 · that.
    const priceRay = 2638888888888888888888888885n;
    const events = d.run(
      { type: 'take', ilk: 'ETH-A', id: 1, amtWad: 40n * WAD, maxRay: 3n * RAY, keeper: KPR },
      1702,
    );
    const oweRad = 40n * WAD * priceRay; // 105.5555… DAI < tab: whole lot bought
    const taken = events.map((r) => r.event).find((e) => e.type === 'ClipTaken') as ClipTaken;
    expect(taken.outcome).toBe('lotExhausted');
    expect(taken.oweRad).toBe(oweRad);
    expect(taken.badDebtRad).toBe(110n * RAD - oweRad);
    expect(taken.badDebtRad).toBe(4444444444444444444444444600000000000000000000n);
    expect(taken.digsRad).toBe(110n * RAD);
    expect(d.state.ext.dog.DirtRad).toBe(0n);
    expect(d.bal('protocol', DAI)).toBe(oweRad);
    // Vow after flog (wait 3600 s) and heal of all its dai: sin left = 100 + 102.2 − owe.
    d.run({ type: 'flog', era: 2 }, 3602);
    d.run({ type: 'heal', amountRad: oweRad }, 3602);
    expect(d.bal('sysdebt', SIN)).toBe(100n * RAD + (1022n * RAD) / 10n - oweRad);
    expect(d.bal('protocol', DAI)).toBe(0n);
    noViolations(d);
  });

  test('behavior: flash take by a keeper with no DAI, paid from the sale of the slice', () => {
    const d = barked();
    expect(d.bal('wallet:flash', DAI)).toBe(0n);
    // price 5 at dur 0: 40 ETH would cost 200 > 110: slice = 110 / 5 = 22 ETH, sold at 5.5 = 121 DAI.
    d.run(
      {
        type: 'take',
        ilk: 'ETH-A',
        id: 1,
        amtWad: 40n * WAD,
        maxRay: 5n * RAY,
        keeper: 'flash',
        flash: { sellTo: 'market', priceRay: (55n * RAY) / 10n },
      },
      2,
    );
    expect(d.bal('wallet:flash', DAI)).toBe(11n * RAD);
    expect(d.bal('wallet:flash', 'ETH')).toBe(0n);
    expect(d.bal('protocol', DAI)).toBe(110n * RAD);
    expect(d.bal('wallet:alice', 'ETH')).toBe(18n * WAD);
    noViolations(d);
  });

  test('behavior: a flash callback that does not raise the owe is refused and changes nothing', () => {
    const d = barked();
    const before = d.state;
    expect(() =>
      d.run(
        {
          type: 'take',
          ilk: 'ETH-A',
          id: 1,
          amtWad: 40n * WAD,
          maxRay: 5n * RAY,
          keeper: 'flash',
          flash: { sellTo: 'market', priceRay: (49n * RAY) / 10n }, // 22 · 4.9 = 107.8 < 110
        },
        2,
      ),
    ).toThrow(InsufficientBalanceError);
    expect(d.state).toBe(before);
  });

  test('behavior: a library callback receives the slice before paying and sees owe and slice', () => {
    const d = barked();
    const calls: ClipperCall[] = [];
    const callee = (call: ClipperCall): Moved[] => {
      calls.push(call);
      // sell to the world at exactly the owe
      return [
        ...moved(call.gem, `wallet:${call.who}`, 'world', call.sliceWad, 'sell'),
        ...moved(DAI, 'world', `wallet:${call.sender}`, call.oweRad, 'sell'),
      ];
    };
    d.run(
      {
        type: 'take',
        ilk: 'ETH-A',
        id: 1,
        amtWad: 4n * WAD,
        maxRay: 5n * RAY,
        keeper: 'bot',
        who: 'callee',
        flash: callee,
      },
      2,
    );
    expect(calls).toEqual([
      {
        ilk: 'ETH-A',
        id: 1,
        gem: 'ETH',
        sender: 'bot',
        who: 'callee',
        oweRad: 20n * RAD,
        sliceWad: 4n * WAD,
      },
    ]);
    expect(d.bal('wallet:bot', DAI)).toBe(0n);
    expect(d.state.ext.clips['ETH-A']?.sales.get('1')?.tabRad).toBe(90n * RAD);
    noViolations(d);
  });

  test('behavior: partial purchases keep chost; at chost only the whole remainder can be bought', () => {
    const d = barked();
    d.run({ type: 'fundWallet', actor: KPR, asset: DAI, amount: 200n * RAD }, 2);
    // 18 ETH at 5 = 90 would leave 20 < chost 22 (= 20 · 1.1): owe = 88, slice = 17.6.
    d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: 18n * WAD, maxRay: 5n * RAY, keeper: KPR }, 2);
    expect(d.state.ext.clips['ETH-A']?.sales.get('1')).toMatchObject({
      tabRad: 22n * RAD,
      lotWad: 224n * 10n ** 17n,
    });
    expect(
      revertOf(() =>
        d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: WAD, maxRay: 5n * RAY, keeper: KPR }, 2),
      ),
    ).toBe('Clipper/no-partial-purchase');
    expect(
      revertOf(() =>
        d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: 30n * WAD, maxRay: 4n * RAY, keeper: KPR }, 2),
      ),
    ).toBe('Clipper/too-expensive');
    noViolations(d);
  });

  test('behavior: redo after tail restarts at the fresh OSM price and pays the keeper; dusty lots get nothing', () => {
    const d = barked();
    d.run({ type: 'fundWallet', actor: KPR, asset: DAI, amount: 200n * RAD }, 2);
    expect(revertOf(() => d.run({ type: 'redo', ilk: 'ETH-A', id: 1, keeper: 'r' }, 1802))).toBe(
      'Clipper/cannot-reset',
    );
    expect(
      revertOf(() =>
        d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: WAD, maxRay: 5n * RAY, keeper: KPR }, 1803),
      ),
    ).toBe('Clipper/needs-reset'); // dur 1801 > tail 1800
    d.run({ type: 'redo', ilk: 'ETH-A', id: 1, keeper: 'r' }, 1803);
    // top = 4 · 1.25 = 5 again; coin = 100 + 2.2 (tab 110 ≥ 22, lot·price 160 ≥ 22).
    expect(d.state.ext.clips['ETH-A']?.sales.get('1')).toMatchObject({ ticSeconds: 1803, topRay: 5n * RAY });
    expect(d.bal('wallet:r', DAI)).toBe((1022n * RAD) / 10n);
    // Leave tab = chost (as above), let the price fall to $0.5 and reset again: lot 22.4 · 0.5 = 11.2 < 22.
    d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: 18n * WAD, maxRay: 5n * RAY, keeper: KPR }, 1803);
    d.run(ethPrice(WAD / 2n, true), 1804);
    d.run({ type: 'redo', ilk: 'ETH-A', id: 1, keeper: 'r2' }, 3604);
    expect(d.bal('wallet:r2', DAI)).toBe(0n);
    expect(d.state.ext.clips['ETH-A']?.sales.get('1')?.topRay).toBe((625n * RAY) / 1000n); // 0.5 · 1.25
    noViolations(d);
  });

  test('behavior: cusp resets strictly below the fraction of top', () => {
    const d = barked({ tailSeconds: 100_000, cuspRay: RAY / 2n });
    d.run({ type: 'fundWallet', actor: KPR, asset: DAI, amount: 200n * RAD }, 2);
    // dur 1800: price/top = 0.5 = cusp: still running. dur 1801: 0.4997… < cusp: needs reset.
    d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: WAD, maxRay: 5n * RAY, keeper: KPR }, 1802);
    expect(
      revertOf(() =>
        d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: WAD, maxRay: 5n * RAY, keeper: KPR }, 1803),
      ),
    ).toBe('Clipper/needs-reset');
  });

  test('behavior: breaker levels gate kick (1), redo (2) and take (3)', () => {
    const d = unsafeVault();
    d.run({ type: 'setBreaker', ilk: 'ETH-A', level: 1 }, 2);
    expect(revertOf(() => d.run({ type: 'bark', account: 'alice', keeper: KPR }, 2))).toBe(
      'Clipper/stopped-incorrect',
    );
    d.run({ type: 'setBreaker', ilk: 'ETH-A', level: 0 }, 2);
    d.run({ type: 'bark', account: 'alice', keeper: KPR }, 2);
    d.run({ type: 'fundWallet', actor: KPR, asset: DAI, amount: 200n * RAD }, 2);
    d.run({ type: 'setBreaker', ilk: 'ETH-A', level: 2 }, 2);
    d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: WAD, maxRay: 5n * RAY, keeper: KPR }, 2);
    expect(revertOf(() => d.run({ type: 'redo', ilk: 'ETH-A', id: 1, keeper: KPR }, 1803))).toBe(
      'Clipper/stopped-incorrect',
    );
    d.run({ type: 'setBreaker', ilk: 'ETH-A', level: 3 }, 1803);
    expect(
      revertOf(() =>
        d.run({ type: 'take', ilk: 'ETH-A', id: 1, amtWad: WAD, maxRay: 5n * RAY, keeper: KPR }, 1803),
      ),
    ).toBe('Clipper/stopped-incorrect');
    expect(revertOf(() => d.run({ type: 'setBreaker', ilk: 'ETH-A', level: 4 }, 1803))).toBe(
      'ClipperMom/nonexistent-level',
    );
    noViolations(d);
  });

  test("behavior: ClipperMom trips when the OSM's next price is below tolerance of the current one", () => {
    const d = drive(makerLiq2Model);
    d.run(ethOracle(3600), 0);
    d.run(ethPrice(2000n), 0);
    d.run({ type: 'configure', params: testParams() }, 0);
    // t = 3600: cur = price at 0 = 2000, nxt = price at 3600.
    d.run(ethPrice(1500n), 3600);
    expect(revertOf(() => d.run({ type: 'tripBreaker', ilk: 'ETH-A' }, 3601))).toBe(
      'ClipperMom/price-within-bounds',
    );
    d.run(ethPrice(999n), 7200); // cur = 1500 (price at 3600), nxt = 999 < 750? no
    expect(revertOf(() => d.run({ type: 'tripBreaker', ilk: 'ETH-A' }, 7201))).toBe(
      'ClipperMom/price-within-bounds',
    );
    d.run(ethPrice(749n), 10_800); // cur = 999, nxt = 749 < floor(999 · 0.5) = 499? no
    expect(revertOf(() => d.run({ type: 'tripBreaker', ilk: 'ETH-A' }, 10_801))).toBe(
      'ClipperMom/price-within-bounds',
    );
    d.run(ethPrice(374n), 14_400); // cur = 749, nxt = 374 < 374.5: trips
    d.run({ type: 'tripBreaker', ilk: 'ETH-A' }, 14_401);
    expect(d.state.ext.clips['ETH-A']?.stopped).toBe(2);
    expect(revertOf(() => d.run({ type: 'tripBreaker', ilk: 'ETH-A' }, 14_402))).toBe(
      'ClipperMom/clipper-already-stopped',
    );
    // governance resets with a lock of 100 s
    d.run({ type: 'setBreaker', ilk: 'ETH-A', level: 0, delaySeconds: 100 }, 14_402);
    expect(revertOf(() => d.run({ type: 'tripBreaker', ilk: 'ETH-A' }, 14_502))).toBe(
      'ClipperMom/temporary-locked',
    );
    d.run({ type: 'tripBreaker', ilk: 'ETH-A' }, 14_503);
    expect(d.state.ext.clips['ETH-A']?.stopped).toBe(2);
  });

  test('behavior: the OSM delay: a vault is liquidated on the price one hop old, not the newest', () => {
    const d = drive(makerLiq2Model);
    d.run(ethOracle(3600), 0);
    d.run(ethPrice(10n), 0);
    d.run({ type: 'configure', params: testParams() }, 0);
    d.run(ethPrice(10n), 3600);
    d.run({ type: 'deposit', account: 'alice', amountWad: 40n * WAD }, 3600);
    d.run({ type: 'draw', account: 'alice', artWad: 100n * WAD }, 3600);
    d.run(ethPrice(4n), 3700);
    // until 7200 the OSM still shows the price at 0 / 3600 (10): safe
    expect(revertOf(() => d.run({ type: 'bark', account: 'alice', keeper: KPR }, 7199))).toBe(
      'Dog/not-unsafe',
    );
    d.run(ethPrice(4n), 7200);
    // from 10 800 the OSM shows the price at 7200 (4)
    expect(revertOf(() => d.run({ type: 'bark', account: 'alice', keeper: KPR }, 10_799))).toBe(
      'Dog/not-unsafe',
    );
    d.run({ type: 'bark', account: 'alice', keeper: KPR }, 10_800);
    expect(d.state.ext.clips['ETH-A']?.sales.get('1')?.topRay).toBe(5n * RAY);
  });

  test('behavior: Hole limits the auction to the room (tab = 75 DAI − 0.2 RAY) and a second bark hits the dust rule', () => {
    const d = unsafeVault({}, { HoleRad: 75n * RAD });
    d.run({ type: 'bark', account: 'alice', keeper: KPR }, 2);
    // dart = floor(floor(75e45·1e18 / 1e27) / 1.1e18) = 68181818181818181818; dink = floor(40·dart/100).
    expect(d.state.ext.core.urns.get('alice')).toEqual({
      ilk: 'ETH-A',
      inkWad: 40n * WAD - 27272727272727272727n,
      artWad: 100n * WAD - 68181818181818181818n,
    });
    expect(d.state.ext.dog.DirtRad).toBe(75n * RAD - (2n * RAY) / 10n);
    // room 0.2 RAY gives dart 0 while the 31.8 DAI left is not dusty: dss refuses.
    expect(revertOf(() => d.run({ type: 'bark', account: 'alice', keeper: KPR }, 3))).toBe(
      'Dog/dusty-auction-from-partial-liquidation',
    );
    noViolations(d);
  });

  test('behavior: yank returns the lot to governance and releases Dirt; upchost follows a filed dust', () => {
    const d = barked();
    d.run({ type: 'yank', ilk: 'ETH-A', id: 1 }, 3);
    expect(d.bal('protocol', 'ETH')).toBe(40n * WAD);
    expect(d.state.ext.dog.DirtRad).toBe(0n);
    expect(revertOf(() => d.run({ type: 'yank', ilk: 'ETH-A', id: 1 }, 3))).toBe(
      'Clipper/not-running-auction',
    );
    d.run({ type: 'file', ilk: 'ETH-A', what: 'dustRad', data: (30n * RAD).toString() }, 4);
    expect(d.state.ext.clips['ETH-A']?.chostRad).toBe(22n * RAD);
    d.run({ type: 'upchost', ilk: 'ETH-A' }, 4);
    expect(d.state.ext.clips['ETH-A']?.chostRad).toBe(33n * RAD); // 30 · 1.1
    noViolations(d);
  });

  test('behavior: drip accrues the fee to the Vow and raises the debt of every vault', () => {
    const d = drive(makerLiq2Model);
    d.run(ethOracle(), 0);
    d.run(ethPrice(10n), 0);
    // duty 1.01 per second: after 2 s rate = 1.0201 exactly (rpow half-up, no remainder).
    d.run({ type: 'configure', params: testParams({ dutyRay: (101n * RAY) / 100n }) }, 0);
    d.run({ type: 'deposit', account: 'alice', amountWad: 40n * WAD }, 0);
    d.run({ type: 'draw', account: 'alice', artWad: 100n * WAD }, 0);
    d.run({ type: 'drip', ilk: 'ETH-A' }, 2);
    expect(d.state.ext.core.ilks['ETH-A']?.rateRay).toBe((10201n * RAY) / 10000n);
    expect(d.bal('protocol', DAI)).toBe((201n * RAD) / 100n); // 100 · 0.0201
    expect(makerLiq2Model.health(d.state, 'alice', 2).debtValueWad).toBe((10201n * WAD) / 100n);
    noViolations(d);
  });

  test('error: vault rules refuse with dss revert strings and change nothing', () => {
    const d = drive(makerLiq2Model);
    expect(() => d.run({ type: 'deposit', account: 'a', amountWad: 1n }, 0)).toThrow(InvalidParameterError);
    d.run(ethOracle(), 0);
    d.run(ethPrice(10n), 0);
    d.run({ type: 'configure', params: testParams({ lineRad: 150n * RAD }) }, 0);
    d.run({ type: 'deposit', account: 'alice', amountWad: 40n * WAD }, 1);
    expect(revertOf(() => d.run({ type: 'draw', account: 'alice', artWad: 201n * WAD }, 1))).toBe(
      'Vat/ceiling-exceeded',
    );
    d.run({ type: 'file', ilk: 'ETH-A', what: 'lineRad', data: (1000n * RAD).toString() }, 1);
    expect(revertOf(() => d.run({ type: 'draw', account: 'alice', artWad: 201n * WAD }, 1))).toBe(
      'Vat/not-safe',
    );
    expect(revertOf(() => d.run({ type: 'draw', account: 'alice', artWad: 19n * WAD }, 1))).toBe('Vat/dust');
    d.run({ type: 'draw', account: 'alice', artWad: 200n * WAD }, 1);
    expect(revertOf(() => d.run({ type: 'withdraw', account: 'alice', amountWad: 1n }, 1))).toBe(
      'Vat/not-safe',
    );
    expect(() => d.run({ type: 'wipe', account: 'alice', artWad: 201n * WAD }, 1)).toThrow(
      InsufficientBalanceError,
    );
    expect(revertOf(() => d.run({ type: 'bark', account: 'alice', keeper: KPR }, 1))).toBe('Dog/not-unsafe');
    expect(() => d.run({ type: 'bark', account: 'bob', keeper: KPR }, 1)).toThrow(UnknownAccountError);
    expect(() => d.run({ type: 'configure', params: testParams() }, 1)).toThrow(InvalidParameterError);
    expect(
      revertOf(() => d.run({ type: 'take', ilk: 'ETH-A', id: 7, amtWad: 1n, maxRay: 1n, keeper: KPR }, 1)),
    ).toBe('Clipper/not-running-auction');
    expect(revertOf(() => d.run({ type: 'flog', era: 1 }, 1))).toBe('Vow/wait-not-finished');
    expect(revertOf(() => d.run({ type: 'heal', amountRad: 1n }, 1))).toBe('Vow/insufficient-surplus');
    noViolations(d);
  });

  test('error: without an OSM price a risky frob or a bark is refused', () => {
    const d = drive(makerLiq2Model);
    d.run(ethOracle(3600), 0);
    d.run({ type: 'configure', params: testParams() }, 0);
    d.run({ type: 'deposit', account: 'alice', amountWad: WAD }, 0);
    expect(() => d.run({ type: 'draw', account: 'alice', artWad: 20n * WAD }, 0)).toThrow(
      StaleOraclePriceError,
    );
  });

  test('error: invalid parameters name their field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ cuspRay: RAY + 1n }, 'params.ilks.ETH-A.cuspRay'],
      [{ chopWad: WAD - 1n }, 'params.ilks.ETH-A.chopWad'],
      [{ bufRay: RAY - 1n }, 'params.ilks.ETH-A.bufRay'],
      [{ tailSeconds: 0 }, 'params.ilks.ETH-A.tailSeconds'],
      [{ calc: 'StairstepExponentialDecrease cut=1.5 step=90' }, 'params.ilks.ETH-A.calc'],
    ];
    for (const [override, field] of cases) {
      const d = drive(makerLiq2Model);
      try {
        d.run({ type: 'configure', params: testParams(override) }, 0);
        expect.unreachable(field);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});

describe('bark stages', () => {
  test('default: each stage on its own', () => {
    const d = unsafeVault();
    const request = { urn: 'alice', keeper: KPR, nowSeconds: 2 };
    const t = barkTrigger(d.state, request);
    expect(t).toEqual({
      ilk: 'ETH-A',
      inkWad: 40n * WAD,
      artWad: 100n * WAD,
      rateRay: RAY,
      spotRay: 2n * RAY,
      feedPriceRay: 4n * RAY,
    });
    const size = barkSizing(d.state, request, t);
    expect(size.tabRad).toBe(110n * RAD);
    const outcome = barkExecution(d.state, request, size, t);
    expect(outcome.shortfall).toBe(100n * RAD);
    expect(outcome.detail).toEqual({
      ilk: 'ETH-A',
      id: 1,
      tabRad: 110n * RAD,
      lotWad: 40n * WAD,
      dueRad: 100n * RAD,
      topRay: 5n * RAY,
    });
    const incentive = barkIncentive(d.state, request, outcome);
    expect(incentive.filter((e) => e.type === 'Moved' && (e as Moved).asset === DAI)).toEqual([
      {
        type: 'Moved',
        asset: DAI,
        from: 'mint',
        to: `wallet:${KPR}`,
        amount: (1022n * RAD) / 10n,
        reason: 'kick incentive',
      },
    ]);
    expect(barkLossWaterfall(d.state, request, outcome)).toEqual([
      { type: 'VowFessed', era: 2, rad: 100n * RAD },
    ]);
  });

  test('error: the trigger refuses a safe vault and a stopped Clipper', () => {
    const d = unsafeVault();
    d.run(ethPrice(5n), 2); // spot 2.5: 100 = 100, equality is safe
    expect(() => barkTrigger(d.state, { urn: 'alice', keeper: KPR, nowSeconds: 2 })).toThrow(
      ProtocolRevertError,
    );
    const e = unsafeVault();
    e.run({ type: 'setBreaker', ilk: 'ETH-A', level: 1 }, 2);
    expect(revertOf(() => barkTrigger(e.state, { urn: 'alice', keeper: KPR, nowSeconds: 2 }))).toBe(
      'Clipper/stopped-incorrect',
    );
  });
});
