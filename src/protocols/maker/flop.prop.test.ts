/**
 * Property test of the Vow's debt auctions in both Maker models: random sessions of vaults, price
 * crashes, liquidations with low bids (which leave bad debt), Vow settlement (flog, heal) and debt
 * auctions (flop, bids, restarts, settlements) run through the engine contract (`runContract`):
 * ledger conservation, the Vat/Vow invariants with `Ash` and the MKR minted, refusals that change
 * nothing, exact replay. Debt auctions must start, be bid on, kiss sin away, restart and settle.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../engine/contract.js';
import type { EngineState, ProtocolModel } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Command } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { maxDentLot } from '../../engine/stages/debtAuction.js';
import { SolventError } from '../../math/errors.js';
import { flopperOf } from './flop.js';
import { makerLiq1Model } from './liq1/model.js';
import { makerLiq2Model } from './liq2/model.js';
import { concretize, ethOracle, ethPrice, RAD, RAY, testParams, WAD } from './testkit.js';
import { DAI, VOW_BUCKET, type WithCore } from './vat.js';

const ACCOUNTS = ['alice', 'bob', 'carol'];
const BIDDERS = ['b1', 'b2'];
const ILK = 'ETH-A';
const FLOP = {
  dumpWad: 10n * WAD,
  sumpRad: 5n * RAD,
  begWad: (105n * WAD) / 100n,
  padWad: (15n * WAD) / 10n,
  ttlSeconds: 300,
  tauSeconds: 1200,
};
const KINDS = [
  'open',
  'open',
  'crash',
  'recover',
  'liquidate',
  'liquidate',
  'lowBid',
  'lowBid',
  'settle',
  'settle',
  'flog',
  'heal',
  'flop',
  'flop',
  'dent',
  'dent',
  'dent',
  'tick',
  'deal',
  'deal',
  'fund',
] as const;

interface Intent {
  readonly kind: (typeof KINDS)[number];
  readonly who: number;
  /** A fraction in [0, 1e18]. */
  readonly x: bigint;
  readonly flag: number;
  readonly dtSeconds: number;
}

const intentArb: fc.Arbitrary<Intent> = fc.record({
  kind: fc.constantFrom(...KINDS),
  who: fc.nat(11),
  x: fc.noBias(fc.bigInt({ min: 0n, max: WAD })),
  flag: fc.nat(9),
  dtSeconds: fc.nat(200),
});

const frac = (amount: bigint, x: bigint): bigint => (amount * x) / WAD;

function toCommand(liq2: boolean) {
  return (state: EngineState<WithCore>, i: Intent, before: number): TimedCommand | undefined => {
    const now = before + i.dtSeconds;
    const at = (command: Command): TimedCommand => ({ command, nowSeconds: now });
    const account = ACCOUNTS[i.who % ACCOUNTS.length] as string;
    const bidder = BIDDERS[i.who % BIDDERS.length] as string;
    const core = state.ext.core;
    const flops = flopperOf(core)
      .bids.entries()
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    const picked = flops.length === 0 ? undefined : flops[i.who % flops.length];
    const flopId = picked === undefined ? 1 : Number(picked[0]);
    switch (i.kind) {
      case 'open': {
        // deposit 10 ETH, then (at $10: spot 5 with mat 2, up to 50 DAI) draw 30–49 DAI
        const urn = core.urns.get(account);
        if (urn === undefined || urn.inkWad === 0n)
          return at({ type: 'deposit', account, amountWad: 10n * WAD });
        if (urn.artWad > 0n) return undefined;
        if (spotUsd(state, now) < 10n) return at(ethPrice(10n));
        return at({ type: 'draw', account, artWad: 30n * WAD + frac(19n * WAD, i.x) });
      }
      case 'crash':
        return at(ethPrice(2n + (i.x * 3n) / WAD));
      case 'recover':
        return at(ethPrice(10n));
      case 'liquidate': {
        // mostly a vault the model calls liquidatable
        const unsafe = ACCOUNTS.filter((a) => {
          try {
            return core.urns.get(a) !== undefined && model(liq2).health(state, a, now).liquidatable;
          } catch (e) {
            if (!(e instanceof SolventError)) throw e;
            return false;
          }
        });
        const target = i.flag < 8 && unsafe.length > 0 ? (unsafe[i.who % unsafe.length] as string) : account;
        return at(
          liq2 ? { type: 'bark', account: target, keeper: bidder } : { type: 'bite', account: target },
        );
      }
      case 'lowBid': {
        if (liq2) {
          // a yank leaves the whole tab as bad debt (liquidation 2.0 has no low bid)
          const ids = (state as EngineState<import('./liq2/state.js').Liq2Ext>).ext.clips[ILK]?.active ?? [];
          return at({ type: 'yank', ilk: ILK, id: ids[i.who % Math.max(1, ids.length)] ?? 1 });
        }
        const bids =
          (state as EngineState<import('./liq1/state.js').Liq1Ext>).ext.flips[ILK]?.bids.entries() ?? [];
        const b = bids[i.who % Math.max(1, bids.length)];
        if (b === undefined) return undefined;
        const bidRad = 1n + frac(b[1].tabRad / 4n, i.x);
        return at({ type: 'tend', ilk: ILK, id: Number(b[0]), bidder, lotWad: b[1].lotWad, bidRad });
      }
      case 'settle': {
        if (liq2) return undefined;
        const bids =
          (state as EngineState<import('./liq1/state.js').Liq1Ext>).ext.flips[ILK]?.bids.entries() ?? [];
        const b = bids[i.who % Math.max(1, bids.length)];
        if (b === undefined) return undefined;
        return {
          command: { type: 'deal', ilk: ILK, id: Number(b[0]) },
          nowSeconds: now + (i.flag < 6 ? 601 : 0),
        };
      }
      case 'flog': {
        const eras = core.vow.sinByEra.keys().sort((a, b) => Number(a) - Number(b));
        return at({ type: 'flog', era: eras.length === 0 ? 0 : Number(eras[i.who % eras.length]) });
      }
      case 'heal': {
        const surplus = balanceOf(state.ledger, VOW_BUCKET, DAI);
        const healable = core.viceRad - core.vow.SinRad - core.vow.AshRad;
        const cap = surplus < healable ? surplus : healable;
        return at({ type: 'heal', amountRad: cap <= 0n ? 1n : i.flag < 7 ? cap : 1n + frac(cap - 1n, i.x) });
      }
      case 'flop': {
        // as an upkeep bot would: flog a ready era, else heal the Vow's dai, else flop
        const ready = core.vow.sinByEra.keys().find((era) => Number(era) + 600 <= now);
        if (ready !== undefined && i.flag < 8) return at({ type: 'flog', era: Number(ready) });
        const surplus = balanceOf(state.ledger, VOW_BUCKET, DAI);
        const healable = core.viceRad - core.vow.SinRad - core.vow.AshRad;
        const cap = surplus < healable ? surplus : healable;
        if (cap > 0n && i.flag < 8) return at({ type: 'heal', amountRad: cap });
        return at({ type: 'flop' });
      }
      case 'dent': {
        const a = picked?.[1];
        const max = a === undefined ? 1n : maxDentLot(FLOP, a.lot);
        // mostly a valid lot, sometimes one wei too many, sometimes the wrong bid
        const lotWad = i.flag === 9 ? max + 1n : max - frac(max, i.x / 2n);
        const bidRad = i.flag === 8 ? FLOP.sumpRad - 1n : FLOP.sumpRad;
        return at({ type: 'flopDent', id: flopId, bidder, lotWad, bidRad });
      }
      case 'tick':
        return { command: { type: 'flopTick', id: flopId }, nowSeconds: now + (i.flag < 5 ? 1200 : 0) };
      case 'deal':
        return { command: { type: 'flopDeal', id: flopId }, nowSeconds: now + (i.flag < 5 ? 300 : 0) };
      case 'fund':
        return at({ type: 'fundWallet', actor: bidder, asset: DAI, amount: 100n * RAD });
    }
  };
}

const model = (liq2: boolean): ProtocolModel<WithCore> =>
  (liq2 ? makerLiq2Model : makerLiq1Model) as unknown as ProtocolModel<WithCore>;

/** The ETH price now, whole USD (0 when the oracle has none). */
function spotUsd(state: EngineState<WithCore>, now: number): bigint {
  try {
    return spotPrice(state.oracle, 'ETH', now).price / WAD;
  } catch (e) {
    if (!(e instanceof SolventError)) throw e;
    return 0n;
  }
}

function setup(): TimedCommand[] {
  const at0 = (command: Command): TimedCommand => ({ command, nowSeconds: 0 });
  return [
    at0(ethOracle()),
    at0(ethPrice(10n)),
    at0({
      type: 'configure',
      params: testParams({ dutyRay: RAY }, { vowWaitSeconds: 600, vow: { flop: FLOP } }),
    }),
    ...BIDDERS.map((b) => at0({ type: 'fundWallet', actor: b, asset: DAI, amount: 1000n * RAD })),
  ];
}

describe('debt auctions (property)', () => {
  test.each([
    ['maker-liq1', false],
    ['maker-liq2', true],
  ] as const)('behavior: random sessions on %s keep the engine contract', (_id, liq2) => {
    let accepted = 0;
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(intentArb, { minLength: 80, maxLength: 120 }), (intents) => {
        const commands = concretize(model(liq2), setup(), intents, toCommand(liq2));
        const run = runContract(model(liq2), commands);
        expect(run.violations).toEqual([]);
        accepted += run.accepted;
        for (const r of run.log) seen.set(r.event.type, (seen.get(r.event.type) ?? 0) + 1);
      }),
      { numRuns: 50 },
    );
    expect(accepted).toBeGreaterThan(1_500);
    for (const type of ['VowFlopped', 'FlopDented', 'VowKissed', 'FlopTicked', 'FlopDealt'])
      expect(seen.get(type) ?? 0, type).toBeGreaterThan(0);
  });
});
