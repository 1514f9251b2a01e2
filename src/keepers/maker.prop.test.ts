/**
 * Property tests of the Maker keepers: over random capital, times and market prices, a capital-
 * limited keeper never has more DAI at stake than its capital (its working capital: what one
 * decision spends plus its bids locked in auctions), and every command any keeper returns is
 * accepted by the model when applied in order at the view's time (the testkit driver throws on a
 * refusal).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Command } from '../engine/machine.js';
import { makerLiq1Model } from '../protocols/maker/liq1/model.js';
import { makerLiq2Model } from '../protocols/maker/liq2/model.js';
import { drive, ethOracle, ethPrice, RAD, testParams, WAD } from '../protocols/maker/testkit.js';
import { DAI } from '../protocols/maker/vat.js';
import { capitalLimitedKeeper, flashKeeper, gasCappedKeeper, makerKeeperView } from './maker.js';
import type { MarketContext } from './types.js';

function setup(d: { run(c: Command, t: number): unknown }): void {
  d.run(ethOracle(), 0);
  d.run(ethPrice(10n), 0);
  d.run({ type: 'configure', params: testParams() }, 0);
  d.run({ type: 'deposit', account: 'alice', amountWad: 40n * WAD }, 1);
  d.run({ type: 'draw', account: 'alice', artWad: 100n * WAD }, 1);
  d.run({ type: 'deposit', account: 'bob', amountWad: 20n * WAD }, 1);
  d.run({ type: 'draw', account: 'bob', artWad: 50n * WAD }, 1);
  d.run(ethPrice(4n), 2);
  d.run({ type: 'fundWallet', actor: 'c', asset: DAI, amount: 1000n * RAD }, 2);
}

const market = (nowSeconds: number, priceCents: number, slippageBps: number): MarketContext => ({
  nowSeconds,
  gasPriceGwei: 50,
  ethPriceUsd: 4,
  collateralPriceUsdWad: (BigInt(priceCents) * WAD) / 100n,
  slippageBps: BigInt(slippageBps),
});

describe('capitalLimitedKeeper', () => {
  test('behavior: liquidation 2.0 — one decision spends at most its capital; every take is accepted', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 300n * RAD }),
        fc.array(
          fc.record({ dt: fc.integer({ min: 0, max: 400 }), cents: fc.integer({ min: 100, max: 1200 }) }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (capitalDaiRad, steps) => {
          const d = drive(makerLiq2Model);
          setup(d);
          d.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
          d.run({ type: 'bark', account: 'bob', keeper: 'b' }, 2);
          const k = capitalLimitedKeeper({ id: 'c', capitalDaiRad });
          let now = 3;
          for (const s of steps) {
            now += s.dt;
            const before = d.bal('wallet:c', DAI);
            const actions = k.decide(makerKeeperView(d.state, now, market(now, s.cents, 0), ['c']));
            for (const a of actions) d.run(a.command, now);
            // One decision's takes together cost at most the capital (no reward comes in: no redo
            // within tail, nothing left to bark).
            expect(before - d.bal('wallet:c', DAI)).toBeLessThanOrEqual(capitalDaiRad);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('behavior: liquidation 1.2 — DAI at stake in running auctions never exceeds its capital; accepted', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 300n * RAD }),
        fc.array(
          fc.record({ dt: fc.integer({ min: 1, max: 300 }), cents: fc.integer({ min: 100, max: 1200 }) }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (capitalDaiRad, steps) => {
          const d = drive(makerLiq1Model);
          setup(d);
          d.run({ type: 'bite', account: 'alice' }, 2);
          d.run({ type: 'bite', account: 'bob' }, 2);
          const k = capitalLimitedKeeper({ id: 'c', capitalDaiRad });
          const locked = () =>
            Object.values(d.state.ext.flips['ETH-A']?.bids ?? {})
              .filter((b) => b.guy === 'c')
              .reduce((sum, b) => sum + b.bidRad, 0n);
          let now = 3;
          for (const s of steps) {
            now += s.dt;
            const before = d.bal('wallet:c', DAI);
            const lockedBefore = locked();
            const actions = k.decide(makerKeeperView(d.state, now, market(now, s.cents, 0), ['c']));
            for (const a of actions) d.run(a.command, now);
            // New DAI put in never exceeds the capital not already locked in its bids ...
            expect(before - d.bal('wallet:c', DAI)).toBeLessThanOrEqual(capitalDaiRad - lockedBefore);
            // ... so what it has at stake in running auctions never exceeds the capital.
            expect(locked()).toBeLessThanOrEqual(capitalDaiRad);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('makerKeeper', () => {
  test('behavior: gas-capped and flash keepers competing — every returned command is accepted', () => {
    let acted = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 900 }),
            cents: fc.integer({ min: 100, max: 1200 }),
            slip: fc.integer({ min: 0, max: 2000 }),
            flashFirst: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (steps) => {
          const d = drive(makerLiq2Model);
          setup(d);
          const keepers = [
            gasCappedKeeper({ id: 'c', maxGasPriceGwei: 100 }),
            flashKeeper({ id: 'f', kicks: 'always' }),
          ];
          let now = 2;
          for (const s of steps) {
            now += s.dt;
            const order = s.flashFirst ? [...keepers].reverse() : keepers;
            for (const k of order) {
              // Each keeper decides on the state its predecessor left, as in one block applied in order.
              const actions = k.decide(
                makerKeeperView(d.state, now, market(now, s.cents, s.slip), ['c', 'f']),
              );
              for (const a of actions) d.run(a.command, now);
              acted += actions.length;
            }
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(acted).toBeGreaterThan(0);
  });
});
