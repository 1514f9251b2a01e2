/**
 * End-to-end tests of the Vow's debt auctions (`params.vow.flop`) in both Maker models: bad debt
 * left by a liquidation is flogged and healed, `flop` starts auctions while the Vow's unqueued sin
 * covers a lot and it holds no dai, the first bid pays the Vow and kisses that much sin away, a
 * rival refunds the leader, an unbid auction restarts with pad × the lot, and `flopDeal` mints MKR
 * to the winner. Expectations are derived by hand from makerdao/dss src/vow.sol and src/flop.sol.
 */
import { describe, expect, test } from 'vitest';
import { engineViolations } from '../../engine/contract.js';
import type { EngineState, ProtocolModel } from '../../engine/engine.js';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import type { EngineEvent } from '../../engine/machine.js';
import { FLOP_COMMANDS, unqueuedSinRad } from './flop.js';
import { makerLiq1Model } from './liq1/model.js';
import { makerLiq2Model } from './liq2/model.js';
import { makerParamsToJson, parseMakerParams } from './params.js';
import { drive, ethOracle, ethPrice, RAD, testParams, WAD } from './testkit.js';
import { DAI, MKR, SIN, type WithCore } from './vat.js';

/** Debt auctions of 20 DAI for a starting 10 MKR: beg 5 %, pad 1.5, ttl 600 s, tau 3600 s. */
const FLOP = {
  dumpWad: 10n * WAD,
  sumpRad: 20n * RAD,
  begWad: (105n * WAD) / 100n,
  padWad: (15n * WAD) / 10n,
  ttlSeconds: 600,
  tauSeconds: 3600,
};

function revertOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolRevertError) return e.reason;
    throw e;
  }
  throw new Error('expected a ProtocolRevertError');
}

function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  throw new Error('expected an InvalidParameterError');
}

/** alice: 40 ETH and 100 DAI of debt at $10, then ETH at $4 (unsafe); bob and carol hold 200 DAI. */
function unsafeVault<X extends WithCore>(model: ProtocolModel<X>, flop: unknown = FLOP) {
  // null: configured without debt auctions
  const d = drive(model);
  d.run(ethOracle(), 0);
  d.run(ethPrice(10n), 0);
  d.run({ type: 'configure', params: testParams({}, flop === null ? {} : { vow: { flop } }) }, 0);
  d.run({ type: 'deposit', account: 'alice', amountWad: 40n * WAD }, 1);
  d.run({ type: 'draw', account: 'alice', artWad: 100n * WAD }, 1);
  d.run(ethPrice(4n), 2);
  for (const who of ['bob', 'carol'])
    d.run({ type: 'fundWallet', actor: who, asset: DAI, amount: 200n * RAD }, 2);
  return d;
}

function noViolations<X>(model: ProtocolModel<X>, state: EngineState<X>): void {
  expect(engineViolations(model, state)).toEqual([]);
}

const dent = (id: number, bidder: string, lotWad: bigint, bidRad = 20n * RAD) => ({
  type: 'flopDent',
  id,
  bidder,
  lotWad,
  bidRad,
});

const types = (events: readonly { readonly event: EngineEvent }[]) => events.map((r) => r.event.type);

describe('debt auctions (maker-liq1)', () => {
  test('default: bad debt is flogged, healed, put on auction, bid down and dealt as MKR', () => {
    const d = unsafeVault(makerLiq1Model);
    expect(d.state.assets[MKR]).toEqual({ decimals: 18 });
    d.run({ type: 'bite', account: 'alice' }, 2); // sin 100 queued at era 2; tab 110
    d.run({ type: 'tend', ilk: 'ETH-A', id: 1, bidder: 'bob', lotWad: 40n * WAD, bidRad: 50n * RAD }, 10);
    d.run({ type: 'deal', ilk: 'ETH-A', id: 1 }, 611); // raised 50: Vow dai 50, sin 100
    // All the sin is queued: nothing to auction yet.
    expect(revertOf(() => d.run({ type: 'flop' }, 611))).toBe('Vow/insufficient-debt');
    d.run({ type: 'flog', era: 2 }, 3602);
    expect(revertOf(() => d.run({ type: 'flop' }, 3602))).toBe('Vow/surplus-not-zero');
    d.run({ type: 'heal', amountRad: 50n * RAD }, 3602); // sin 50, dai 0
    const kicked = d.run({ type: 'flop' }, 3602);
    expect(types(kicked)).toEqual(['VowFlopped']);
    d.run({ type: 'flop' }, 3602); // unqueued 50 − Ash 20 = 30 ≥ 20
    // unqueued 50 − Ash 40 = 10 < 20
    expect(revertOf(() => d.run({ type: 'flop' }, 3602))).toBe('Vow/insufficient-debt');
    expect(d.state.ext.core.vow.AshRad).toBe(40n * RAD);
    expect(unqueuedSinRad(d.state.ext.core)).toBe(10n * RAD);
    expect(d.state.ext.core.vow.flopper?.bids.get('1')).toEqual({
      bid: 20n * RAD,
      lot: 10n * WAD,
      guy: 'vow',
      ticSeconds: 0,
      endSeconds: 3602 + 3600,
    });
    noViolations(makerLiq1Model, d.state);

    // carol's first bid: 9 MKR (9 · 1.05 = 9.45 ≤ 10); 20 DAI to the Vow, kissed at once.
    const first = d.run(dent(1, 'carol', 9n * WAD), 3700);
    expect(types(first)).toEqual(['Moved', 'FlopDented', 'Moved', 'Moved', 'VowKissed']);
    expect(d.bal('wallet:carol', DAI)).toBe(180n * RAD);
    expect(d.bal('protocol', DAI)).toBe(0n);
    expect(d.bal('sysdebt', SIN)).toBe(30n * RAD);
    expect(d.state.ext.core.vow.AshRad).toBe(20n * RAD);
    expect(d.state.ext.core.viceRad).toBe(30n * RAD);
    // bob: 8.5 MKR (8.925 ≤ 9), refunding carol's 20 DAI; nothing more reaches the Vow.
    d.run(dent(1, 'bob', 85n * (WAD / 10n)), 3800);
    expect(d.bal('wallet:carol', DAI)).toBe(200n * RAD);
    expect(d.bal('wallet:bob', DAI)).toBe(130n * RAD); // 200 − 50 (tend) − 20
    expect(d.bal('sysdebt', SIN)).toBe(30n * RAD);
    // 8.2 · 1.05 = 8.61 > 8.5
    expect(revertOf(() => d.run(dent(1, 'carol', 82n * (WAD / 10n)), 3900))).toBe(
      'Flopper/insufficient-decrease',
    );
    expect(revertOf(() => d.run(dent(1, 'carol', 85n * (WAD / 10n)), 3900))).toBe('Flopper/lot-not-lower');
    expect(revertOf(() => d.run(dent(1, 'carol', 7n * WAD, 19n * RAD), 3900))).toBe(
      'Flopper/not-matching-bid',
    );
    expect(revertOf(() => d.run(dent(9, 'carol', 7n * WAD), 3900))).toBe('Flopper/guy-not-set');
    expect(fieldOf(() => d.run(dent(1, 'vow', 7n * WAD), 3900))).toBe('bidder');
    // bob's bid lives until 3800 + 600.
    expect(revertOf(() => d.run({ type: 'flopDeal', id: 1 }, 4400))).toBe('Flopper/not-finished');
    d.run({ type: 'flopDeal', id: 1 }, 4401);
    expect(d.bal('wallet:bob', MKR)).toBe(85n * (WAD / 10n));
    expect(d.bal('mint', MKR)).toBe(-85n * (WAD / 10n));
    expect(d.state.ext.core.vow.flopper?.bids.has('1')).toBe(false);
    noViolations(makerLiq1Model, d.state);

    // Auction 2 had no bid: restarted after its end with 1.5 × 10 MKR.
    expect(revertOf(() => d.run({ type: 'flopTick', id: 2 }, 7202))).toBe('Flopper/not-finished');
    d.run({ type: 'flopTick', id: 2 }, 7203);
    expect(d.state.ext.core.vow.flopper?.bids.get('2')).toMatchObject({
      lot: 15n * WAD,
      endSeconds: 7203 + 3600,
    });
    d.run(dent(2, 'carol', 14n * WAD), 7300);
    expect(revertOf(() => d.run({ type: 'flopTick', id: 2 }, 20_000))).toBe('Flopper/bid-already-placed');
    // 100 of sin − 50 raised by the flip − 40 raised by two debt auctions = 10 of bad debt left.
    expect(d.bal('sysdebt', SIN) - d.bal('protocol', DAI)).toBe(10n * RAD);
    expect(d.state.ext.core.vow.AshRad).toBe(0n);
    d.run({ type: 'flopDeal', id: 2 }, 7901);
    expect(d.bal('wallet:carol', MKR)).toBe(14n * WAD);
    noViolations(makerLiq1Model, d.state);
  });

  test('behavior: without params.vow.flop nothing changes and debt auctions are refused', () => {
    const d = unsafeVault(makerLiq1Model, null);
    expect(d.state.assets[MKR]).toBeUndefined();
    expect(d.state.ext.core.vow.flopper).toBeUndefined();
    for (const type of FLOP_COMMANDS) {
      expect(fieldOf(() => d.run({ type, id: 1, bidder: 'bob', lotWad: 1n, bidRad: 1n }, 3))).toBe(
        'params.vow.flop',
      );
    }
    expect(makerLiq1Model.commands).toEqual(expect.arrayContaining([...FLOP_COMMANDS]));
  });

  test('behavior: governance file keeps the debt auctions', () => {
    const d = unsafeVault(makerLiq1Model);
    d.run({ type: 'file', what: 'vowWaitSeconds', data: 0 }, 3);
    expect(d.state.ext.core.params?.vow?.flop).toEqual(FLOP);
  });
});

describe('debt auctions (maker-liq2)', () => {
  test("default: a yanked sale's sin (grab 100 + keeper reward 102.2) funds five 20-DAI auctions", () => {
    const d = unsafeVault(makerLiq2Model);
    d.run({ type: 'bark', account: 'alice', keeper: 'kpr' }, 2);
    d.run({ type: 'yank', ilk: 'ETH-A', id: 1 }, 3);
    // tip 100 + chip 2 % of the 110 tab = 102.2 of sin sucked for the keeper, not queued.
    expect(unqueuedSinRad(d.state.ext.core)).toBe(1022n * (RAD / 10n));
    for (let i = 0; i < 5; i++) d.run({ type: 'flop' }, 3);
    expect(revertOf(() => d.run({ type: 'flop' }, 3))).toBe('Vow/insufficient-debt');
    d.run(dent(3, 'bob', 5n * WAD), 10);
    expect(d.bal('sysdebt', SIN)).toBe(2022n * (RAD / 10n) - 20n * RAD);
    expect(d.state.ext.core.vow.AshRad).toBe(80n * RAD);
    d.run({ type: 'flopDeal', id: 3 }, 611);
    expect(d.bal('wallet:bob', MKR)).toBe(5n * WAD);
    noViolations(makerLiq2Model, d.state);
  });
});

describe('parseMakerParams (vow.flop)', () => {
  test('default: omitted fields take the 2020 lot terms and flop.sol defaults; JSON round-trips', () => {
    const p = parseMakerParams({ vow: { flop: {} } });
    expect(p.vow?.flop).toEqual({
      dumpWad: 250n * WAD,
      sumpRad: 50_000n * RAD,
      begWad: (105n * WAD) / 100n,
      padWad: (12n * WAD) / 10n,
      ttlSeconds: 10_800,
      tauSeconds: 172_800,
    });
    expect(parseMakerParams(makerParamsToJson(p))).toEqual(p);
    // Absent: no vow section at all, and the JSON has none either.
    expect(parseMakerParams({}).vow).toBeUndefined();
    expect('vow' in makerParamsToJson(parseMakerParams({}))).toBe(false);
    // The stress lab's section is accepted and not part of the parameters.
    expect(parseMakerParams({ stress: { mkrPriceUsd: 275 } })).toEqual(parseMakerParams({}));
  });
  test('error: each bad field is named', () => {
    expect(fieldOf(() => parseMakerParams({ vow: { flop: { begWad: String(WAD - 1n) } } }))).toBe(
      'params.vow.flop.begWad',
    );
    expect(fieldOf(() => parseMakerParams({ vow: { flop: { padWad: '1' } } }))).toBe(
      'params.vow.flop.padWad',
    );
    expect(fieldOf(() => parseMakerParams({ vow: { flop: { sumpRad: 0 } } }))).toBe(
      'params.vow.flop.sumpRad',
    );
    expect(fieldOf(() => parseMakerParams({ vow: { flop: { dumpWad: 0 } } }))).toBe(
      'params.vow.flop.dumpWad',
    );
    expect(fieldOf(() => parseMakerParams({ vow: { flop: { tauSeconds: 0 } } }))).toBe(
      'params.vow.flop.tauSeconds',
    );
    expect(fieldOf(() => parseMakerParams({ vow: { flop: { lump: 1 } } }))).toBe('params.vow.flop.lump');
    expect(fieldOf(() => parseMakerParams({ vow: { flap: {} } }))).toBe('params.vow.flap');
    expect(fieldOf(() => parseMakerParams({ stress: 5 }))).toBe('params.stress');
  });
  test('error: with debt auctions on, no ilk may use MKR as its gem', () => {
    const d = drive(makerLiq1Model);
    expect(
      fieldOf(() => d.run({ type: 'configure', params: { ilks: { 'MKR-A': {} }, vow: { flop: {} } } }, 0)),
    ).toBe('params.ilks.MKR-A.gem');
  });
});
