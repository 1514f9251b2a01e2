/**
 * Property test of `maker-liq1`: random sequences of vault actions, price moves, time steps,
 * bites, tend and dent bids, deals, ticks, drips and Vow settlement, run through the engine
 * contract (`runContract`): ledger conservation, the Vat/Cat/Flipper/Vow invariants, no healthy
 * vault bitten, refusals that change nothing, exact replay. Liquidations must happen.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../../engine/contract.js';
import type { EngineState } from '../../../engine/engine.js';
import { balanceOf } from '../../../engine/ledger.js';
import type { Command } from '../../../engine/machine.js';
import { spotPrice } from '../../../engine/oracle.js';
import { SolventError } from '../../../math/errors.js';
import { concretize, ethOracle, ethPrice, RAD, RAY, testParams, WAD } from '../testkit.js';
import { DAI, ilkPrice, VOW_BUCKET } from '../vat.js';
import { makerLiq1Model } from './model.js';
import type { FlipBid, Liq1Ext } from './state.js';

const ACCOUNTS = ['alice', 'bob', 'carol', 'dave'];
const BIDDERS = ['b1', 'b2', 'b3'];
const ILK = 'ETH-A';
/** Kinds of intent, repeated to weigh them. */
const KINDS = [
  'deposit',
  'deposit',
  'deposit',
  'draw',
  'draw',
  'draw',
  'draw',
  'wipe',
  'withdraw',
  'price',
  'price',
  'price',
  'crash',
  'crash',
  'bite',
  'bite',
  'bite',
  'tend',
  'tend',
  'tend',
  'tend',
  'dent',
  'dent',
  'dent',
  'deal',
  'deal',
  'tick',
  'drip',
  'flog',
  'heal',
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
  // mostly unbiased fractions (fast-check leans to tiny values otherwise), sometimes edge values
  x: fc.oneof(
    { weight: 4, arbitrary: fc.noBias(fc.bigInt({ min: 0n, max: WAD })) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: WAD }) },
  ),
  flag: fc.nat(9),
  dtSeconds: fc.nat(150),
});

const frac = (amount: bigint, x: bigint): bigint => (amount * x) / WAD;

function toCommand(state: EngineState<Liq1Ext>, i: Intent, before: number): TimedCommand | undefined {
  const now = before + i.dtSeconds;
  const account = ACCOUNTS[i.who % ACCOUNTS.length] as string;
  const bidder = BIDDERS[i.who % BIDDERS.length] as string;
  const core = state.ext.core;
  const urn = core.urns.get(account);
  // each auction action mostly targets an auction in the phase it applies to
  // in id order (numeric), as the record these bids were kept in listed them
  const all = (state.ext.flips[ILK]?.bids.entries() ?? []).sort((a, b) => Number(a[0]) - Number(b[0]));
  const phase: Readonly<Record<string, (b: FlipBid) => boolean>> = {
    tend: (b) => b.bidRad < b.tabRad,
    dent: (b) => b.bidRad === b.tabRad,
    tick: (b) => b.ticSeconds === 0,
    deal: (b) => b.ticSeconds !== 0,
  };
  const fits = phase[i.kind];
  const preferred = fits === undefined || i.flag >= 8 ? all : all.filter(([, b]) => fits(b));
  const bids = preferred.length > 0 ? preferred : all;
  const picked = bids.length === 0 ? undefined : bids[i.who % bids.length];
  const id = picked === undefined ? 1 : Number(picked[0]);
  const auction = picked?.[1];
  const at = (command: Command): TimedCommand => ({ command, nowSeconds: now });
  switch (i.kind) {
    case 'deposit':
      return at({ type: 'deposit', account, amountWad: 1n + frac(50n * WAD, i.x) });
    case 'draw': {
      let art = 1n + frac(300n * WAD, i.x);
      const rate = core.ilks[ILK]?.rateRay ?? RAY;
      if (urn !== undefined && i.flag < 8) {
        try {
          const room = (urn.inkWad * ilkPrice(state, ILK, now).spotRay) / rate - urn.artWad;
          if (room > 0n) art = 1n + frac(room - 1n, (WAD * 9n) / 10n + i.x / 10n);
        } catch (e) {
          if (!(e instanceof SolventError)) throw e;
        }
      }
      return at({ type: 'draw', account, artWad: art });
    }
    case 'wipe':
      return at({
        type: 'wipe',
        account,
        artWad:
          urn === undefined || urn.artWad === 0n ? 1n : i.flag < 3 ? urn.artWad : 1n + frac(urn.artWad, i.x),
      });
    case 'withdraw':
      return at({
        type: 'withdraw',
        account,
        amountWad: urn === undefined || urn.inkWad === 0n ? 1n : 1n + frac(urn.inkWad - 1n, i.x),
      });
    case 'price':
    case 'crash': {
      let last = 10n * WAD;
      try {
        last = spotPrice(state.oracle, 'ETH', now).price;
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
      }
      const factorWad =
        i.kind === 'crash'
          ? WAD / 2n + frac((3n * WAD) / 10n, i.x)
          : (3n * WAD) / 4n + frac((45n * WAD) / 100n, i.x);
      const next = (last * factorWad) / WAD;
      return at(ethPrice(next < WAD ? WAD : next > 40n * WAD ? 40n * WAD : next, true));
    }
    case 'bite': {
      const unsafe = ACCOUNTS.filter((a) => {
        try {
          return core.urns.get(a) !== undefined && makerLiq1Model.health(state, a, now).liquidatable;
        } catch (e) {
          if (!(e instanceof SolventError)) throw e;
          return false;
        }
      });
      const target = i.flag < 8 && unsafe.length > 0 ? (unsafe[i.who % unsafe.length] as string) : account;
      return at({ type: 'bite', account: target });
    }
    case 'tend': {
      if (auction === undefined) return at({ type: 'tend', ilk: ILK, id, bidder, lotWad: WAD, bidRad: RAD });
      // the smallest valid raise (ceil of prev · 1.05), plus a random step, capped at the tab
      const minBid = auction.bidRad === 0n ? 1n : (auction.bidRad * 105n + 99n) / 100n;
      let bidRad = minBid + frac(auction.tabRad, i.x / 2n);
      if (i.flag < 3 || bidRad > auction.tabRad) bidRad = auction.tabRad;
      if (i.flag === 9) bidRad = auction.bidRad + 1n; // usually too small
      return at({ type: 'tend', ilk: ILK, id, bidder, lotWad: auction.lotWad, bidRad });
    }
    case 'dent': {
      if (auction === undefined) return at({ type: 'dent', ilk: ILK, id, bidder, lotWad: WAD, bidRad: RAD });
      // the largest valid lot (floor of prev / 1.05), minus a random step
      const maxLot = (auction.lotWad * 100n) / 105n;
      const lotWad = i.flag === 9 ? auction.lotWad - 1n : maxLot - frac(maxLot, i.x / 2n);
      return at({
        type: 'dent',
        ilk: ILK,
        id,
        bidder,
        lotWad: lotWad < 1n ? 1n : lotWad,
        bidRad: auction.bidRad,
      });
    }
    case 'deal':
      return at({ type: 'deal', ilk: ILK, id });
    case 'tick':
      return at({ type: 'tick', ilk: ILK, id });
    case 'drip':
      return at({ type: 'drip', ilk: ILK });
    case 'flog': {
      const eras = core.vow.sinByEra.keys().sort((a, b) => Number(a) - Number(b));
      return at({ type: 'flog', era: eras.length === 0 ? 0 : Number(eras[i.who % eras.length]) });
    }
    case 'heal': {
      const surplus = balanceOf(state.ledger, VOW_BUCKET, DAI);
      const healable = core.viceRad - core.vow.SinRad - core.vow.AshRad;
      const cap = surplus < healable ? surplus : healable;
      return at({ type: 'heal', amountRad: cap <= 0n ? 1n : 1n + frac(cap - 1n, i.x) });
    }
    case 'fund':
      return at({ type: 'fundWallet', actor: bidder, asset: DAI, amount: 1000n * RAD });
  }
}

function setup(delaySeconds: number, boxRad: bigint, dunkRad: bigint): TimedCommand[] {
  const at0 = (command: Command): TimedCommand => ({ command, nowSeconds: 0 });
  return [
    at0(ethOracle(delaySeconds)),
    at0(ethPrice(10n)),
    at0({
      type: 'configure',
      params: testParams(
        { dunkRad, dutyRay: RAY + 10n ** 18n, ttlSeconds: 300, tauSeconds: 1200 },
        { boxRad },
      ),
    }),
    ...BIDDERS.map((b) => at0({ type: 'fundWallet', actor: b, asset: DAI, amount: 2000n * RAD })),
  ];
}

describe('makerLiq1Model (property)', () => {
  test('behavior: random sessions keep the engine contract, and liquidations happen', () => {
    let accepted = 0;
    let liquidations = 0;
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.constantFrom(0, 0, 600),
        fc.constantFrom(150n * RAD, 1000n * RAD, 10n ** 6n * RAD),
        fc.constantFrom(50n * RAD, 1000n * RAD),
        fc.array(intentArb, { minLength: 80, maxLength: 100 }),
        (delay, box, dunk, intents) => {
          const commands = concretize(makerLiq1Model, setup(delay, box, dunk), intents, toCommand);
          const run = runContract(makerLiq1Model, commands);
          expect(run.violations).toEqual([]);
          accepted += run.accepted;
          liquidations += run.liquidations;
          for (const r of run.log) seen.set(r.event.type, (seen.get(r.event.type) ?? 0) + 1);
        },
      ),
      { numRuns: 80 },
    );
    expect(accepted).toBeGreaterThanOrEqual(2_800);
    expect(liquidations).toBeGreaterThan(0);
    for (const type of ['FlipTended', 'FlipDented', 'FlipDealt', 'FlipTicked'])
      expect(seen.get(type) ?? 0).toBeGreaterThan(0);
  });
});
