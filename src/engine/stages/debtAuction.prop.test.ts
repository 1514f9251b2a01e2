/**
 * Property tests of the debt-auction stage: random houses and random sequences of bids, restarts
 * and settlements keep the auction's invariants (the bid never changes; an accepted bid lowers the
 * lot by at least beg; a restart grows it by pad, floored; the status says exactly which action
 * the rules accept), and the largest acceptable lot and the competitive outcome are tight.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WAD } from '../../math/units.js';
import { ProtocolRevertError } from '../errors.js';
import {
  competitiveOutcome,
  type DebtAuction,
  type DebtAuctionHouse,
  dealDebtAuction,
  debtAuctionDentRefusal,
  debtAuctionStatus,
  dentDebtAuction,
  kickDebtAuction,
  maxDentLot,
  restartedLot,
  tickDebtAuction,
} from './debtAuction.js';

const houseArb: fc.Arbitrary<DebtAuctionHouse> = fc.record({
  begWad: fc.bigInt({ min: WAD, max: 2n * WAD }),
  padWad: fc.bigInt({ min: WAD, max: 3n * WAD }),
  ttlSeconds: fc.integer({ min: 1, max: 20_000 }),
  tauSeconds: fc.integer({ min: 1, max: 200_000 }),
});

type Step =
  | { readonly kind: 'dent'; readonly bidder: number; readonly cut: bigint; readonly dt: number }
  | { readonly kind: 'tick' | 'deal'; readonly dt: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('dent' as const),
    bidder: fc.nat(2),
    // fraction of the largest acceptable lot to ask (0..1e18), sometimes past it
    cut: fc.bigInt({ min: 0n, max: (11n * WAD) / 10n }),
    dt: fc.nat(30_000),
  }),
  fc.record({ kind: fc.constantFrom('tick' as const, 'deal' as const), dt: fc.nat(300_000) }),
);

const BIDDERS = ['a', 'b', 'c'];

function accepted(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof ProtocolRevertError) return false;
    throw e;
  }
}

describe('debtAuction (property)', () => {
  test('behavior: random sessions keep the auction invariants and statuses match the rules', () => {
    let dents = 0;
    let ticks = 0;
    let deals = 0;
    fc.assert(
      fc.property(
        houseArb,
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.bigInt({ min: 1n, max: 10n ** 50n }),
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        (house, lot0, bid, steps) => {
          let now = 1_000;
          let a: DebtAuction | undefined = kickDebtAuction(house, {
            issuer: 'vow',
            lot: lot0,
            bid,
            nowSeconds: now,
          });
          expect(a.endSeconds).toBe(now + house.tauSeconds);
          let payments = 0;
          for (const s of steps) {
            if (a === undefined) break;
            now += s.dt;
            const status = debtAuctionStatus(a, now);
            const current: DebtAuction = a;
            // The status is exactly which of dent (its timing checks), tick and deal the rules accept.
            const refusal0 = debtAuctionDentRefusal(house, current, {
              lot: 0n,
              bid: current.bid,
              nowSeconds: now,
            });
            const timingOk = refusal0 !== 'already-finished-tic' && refusal0 !== 'already-finished-end';
            expect(status === 'open').toBe(timingOk);
            expect(status === 'tickable').toBe(accepted(() => tickDebtAuction(house, current, now)));
            expect(status === 'dealable').toBe(accepted(() => dealDebtAuction(current, now)));
            if (s.kind === 'dent') {
              const max = maxDentLot(house, a.lot);
              const lot = (max * s.cut) / WAD;
              const bidder = BIDDERS[s.bidder] as string;
              const refusal = debtAuctionDentRefusal(house, a, { lot, bid, nowSeconds: now });
              if (refusal !== undefined) {
                expect(() => dentDebtAuction(house, current, { bidder, lot, bid, nowSeconds: now })).toThrow(
                  ProtocolRevertError,
                );
                continue;
              }
              const out = dentDebtAuction(house, a, { bidder, lot, bid, nowSeconds: now });
              // fewer tokens by at least beg, same bid, end unchanged, the bid lives ttl
              expect(out.auction.lot < a.lot).toBe(true);
              expect(house.begWad * out.auction.lot <= a.lot * WAD).toBe(true);
              expect(out.auction.bid).toBe(bid);
              expect(out.auction.endSeconds).toBe(a.endSeconds);
              expect(out.auction.ticSeconds).toBe(now + house.ttlSeconds);
              expect(out.firstBid).toBe(a.ticSeconds === 0 && bidder !== a.guy);
              expect(out.payee).toBe(bidder === a.guy ? undefined : a.guy);
              if (out.firstBid) payments += 1;
              a = out.auction;
              dents += 1;
            } else if (s.kind === 'tick') {
              if (status !== 'tickable') continue;
              const t = tickDebtAuction(house, a, now);
              expect(t.lot).toBe((house.padWad * a.lot) / WAD);
              expect(t.lot >= a.lot).toBe(true);
              expect(t.endSeconds).toBe(now + house.tauSeconds);
              expect(t.bid).toBe(bid);
              a = t;
              ticks += 1;
            } else {
              if (status !== 'dealable') continue;
              const d = dealDebtAuction(a, now);
              expect(d).toEqual({ winner: a.guy, lot: a.lot, bid });
              a = undefined;
              deals += 1;
            }
          }
          // The issuer is paid at most once: by the first bid.
          expect(payments).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
    expect(dents).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThan(0);
    expect(deals).toBeGreaterThan(0);
  });

  test('behavior: maxDentLot is the largest lot a bid may ask', () => {
    fc.assert(
      fc.property(houseArb, fc.bigInt({ min: 1n, max: 10n ** 40n }), (house, lot) => {
        const a = kickDebtAuction(house, { issuer: 'vow', lot, bid: 1n, nowSeconds: 0 });
        const max = maxDentLot(house, lot);
        const ok = (l: bigint) =>
          debtAuctionDentRefusal(house, a, { lot: l, bid: 1n, nowSeconds: 0 }) === undefined;
        expect(ok(max + 1n)).toBe(false);
        if (max > 0n) expect(ok(max)).toBe(true);
      }),
    );
  });

  test('behavior: the competitive outcome restarts as few times as the rules need', () => {
    fc.assert(
      fc.property(
        houseArb,
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.bigInt({ min: 1n, max: 10n ** 31n }),
        (house, dump, reservation) => {
          const out = competitiveOutcome(house, {
            dumpLot: dump,
            reservationLot: reservation,
            maxRestarts: 30,
          });
          if (out === undefined) return;
          // Accepted at the offered lot, which is dump grown by `restarts` restarts.
          let offered = dump;
          for (let r = 0; r < out.restarts; r++) {
            // one fewer restart would not have been enough
            expect(reservation <= maxDentLot(house, offered)).toBe(false);
            offered = restartedLot(house, offered);
          }
          expect(out.offeredLot).toBe(offered);
          expect(reservation <= maxDentLot(house, offered)).toBe(true);
          expect(out.lot).toBe(reservation);
        },
      ),
    );
  });
});
