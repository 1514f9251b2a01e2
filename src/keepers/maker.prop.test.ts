/**
 * Property tests of the Maker keepers: over random capital, times and market prices, a capital-
 * limited keeper never has more DAI at stake than its capital (its working capital: what one
 * decision spends plus its bids locked in auctions), and every command any keeper returns is
 * accepted by the model when applied in order at the view's time (the testkit driver throws on a
 * refusal).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../engine/errors.js';
import type { Command } from '../engine/machine.js';
import { makerLiq1Model } from '../protocols/maker/liq1/model.js';
import { makerLiq2Model } from '../protocols/maker/liq2/model.js';
import { biteAmounts } from '../protocols/maker/math/cat.js';
import { kickIncentive, takeAmounts } from '../protocols/maker/math/clipper.js';
import { barkAmounts } from '../protocols/maker/math/dog.js';
import {
  drive,
  ethOracle,
  ethPrice,
  RAD,
  testParams,
  vowWithBadDebt,
  WAD,
} from '../protocols/maker/testkit.js';
import { DAI, MKR, SIN } from '../protocols/maker/vat.js';
import {
  type ClipSaleView,
  capitalLimitedKeeper,
  compareUnsafeVaults,
  flashKeeper,
  flopBidder,
  gasCappedKeeper,
  MAKER_GAS_UNITS,
  type MakerIlkView,
  type MakerKeeperView,
  makerFlopView,
  makerKeeper,
  makerKeeperView,
  netSellPriceRay,
  unsafeVaultView,
} from './maker.js';
import { gasCostUsd, type MarketContext, radToUsd } from './types.js';

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
            (d.state.ext.flips['ETH-A']?.bids.values() ?? [])
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

// ---------------------------------------------------------------------------------------------
// The bark/bite loops skip what cannot be sent: they must send exactly what trying every vault sends.

/** A budget's room left: none, a sliver (dusty partials), or plenty. */
const roomArb = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 1n, max: 600n * RAD }),
  fc.bigInt({ min: 600n * RAD, max: 20_000n * RAD }),
);

/** One ilk of a generated view, budgets often nearly used up so refusals and dusty partials are common. */
const ilkArb = fc.record({
  rateRay: fc.bigInt({ min: 10n ** 27n, max: 13n * 10n ** 26n }),
  dustRad: fc.constantFrom(0n, 20n * RAD, 500n * RAD),
  chopWad: fc.constantFrom(WAD, (113n * WAD) / 100n),
  tipRad: fc.constantFrom(0n, 100n * RAD),
  chipWad: fc.constantFrom(0n, WAD / 1000n, WAD / 50n),
  dirtRad: fc.bigInt({ min: 0n, max: 5_000n * RAD }),
  holeRoomRad: roomArb,
  stopped: fc.constantFrom(0, 0, 0, 1),
  feed: fc.constantFrom(true, true, true, false),
});
/** Vaults mostly unsafe at spot 50 (ink below art/50), with small (dust-sized) and large debts. */
const vaultArb = fc
  .record({
    ilk: fc.constantFrom('A', 'B'),
    artWad: fc.oneof(
      fc.bigInt({ min: 1n, max: 1_000n * WAD }),
      fc.bigInt({ min: 1_000n * WAD, max: 3_000n * WAD }),
    ),
    inkPermille: fc.nat({ max: 1_100 }),
  })
  .map((v) => ({ ilk: v.ilk, artWad: v.artWad, inkWad: (v.artWad * BigInt(v.inkPermille)) / 50_000n }));

type GeneratedIlk = typeof ilkArb extends fc.Arbitrary<infer I> ? I : never;

function generatedView(
  model: 'maker-liq2' | 'maker-liq1',
  ilkA: GeneratedIlk,
  ilkB: GeneratedIlk,
  budgets: { HoleRad: bigint; DirtRad: bigint; boxRad: bigint; litterRad: bigint },
  vaults: readonly { ilk: string; inkWad: bigint; artWad: bigint }[],
  gasPriceGwei: number,
): MakerKeeperView {
  const spotRay = 10n ** 27n * 50n;
  const ilkView = (name: string, g: GeneratedIlk): MakerIlkView => ({
    ilk: name,
    gem: 'ETH',
    rateRay: g.rateRay,
    spotRay,
    feedPriceRay: g.feed ? spotRay * 2n : undefined,
    dustRad: g.dustRad,
    chopWad: g.chopWad,
    tipRad: g.tipRad,
    chipWad: g.chipWad,
    chostRad: (g as { chostRad?: bigint }).chostRad ?? 0n,
    holeRad: model === 'maker-liq2' ? g.dirtRad + g.holeRoomRad : 0n,
    dirtRad: model === 'maker-liq2' ? g.dirtRad : 0n,
    stopped: model === 'maker-liq2' ? g.stopped : 0,
    dunkRad: 1_000n * RAD,
    begWad: WAD,
  });
  const ilks = { A: ilkView('A', ilkA), B: ilkView('B', ilkB) };
  const unsafeVaults = vaults
    .map((v, i) => unsafeVaultView(`u${i}`, v, ilks[v.ilk as 'A' | 'B'].rateRay))
    .sort(compareUnsafeVaults);
  return {
    model,
    nowSeconds: 10,
    market: { ...market(10, 10_000, 0), gasPriceGwei },
    HoleRad: model === 'maker-liq2' ? budgets.HoleRad : 0n,
    DirtRad: model === 'maker-liq2' ? budgets.DirtRad : 0n,
    boxRad: model === 'maker-liq1' ? budgets.boxRad : 0n,
    litterRad: model === 'maker-liq1' ? budgets.litterRad : 0n,
    ilks,
    unsafeVaults,
    sales: [],
    flips: [],
    wallets: { k: { daiRad: 10n ** 9n * RAD, gemWad: { ETH: 0n }, lockedBidRad: 0n } },
  };
}

/** The reference: try every vault in order with the models' own amounts, as the loops once did. */
function everyVault(view: MakerKeeperView, kicks: 'always' | 'rewarded' | 'never', minProfitUsd?: number) {
  const worth = (coinRad: bigint, gasUnits: bigint): boolean => {
    if (kicks === 'never') return false;
    if (kicks === 'always') return true;
    if (coinRad <= 0n) return false;
    if (minProfitUsd === undefined) return true;
    return radToUsd(coinRad) > gasCostUsd(gasUnits, view.market) + minProfitUsd;
  };
  const out: string[] = [];
  let DirtRad = view.DirtRad;
  let litterRad = view.litterRad;
  const dirt: Record<string, bigint> = {};
  for (const v of view.unsafeVaults) {
    const ilk = view.ilks[v.ilk] as MakerIlkView;
    const spotRay = ilk.spotRay as bigint;
    try {
      if (view.model === 'maker-liq2') {
        if (ilk.stopped >= 1) continue;
        const dirtRad = dirt[v.ilk] ?? ilk.dirtRad;
        const { tabRad } = barkAmounts({
          inkWad: v.inkWad,
          artWad: v.artWad,
          rateRay: ilk.rateRay,
          spotRay,
          dustRad: ilk.dustRad,
          chopWad: ilk.chopWad,
          holeRad: ilk.holeRad,
          HoleRad: view.HoleRad,
          DirtRad,
          dirtRad,
        });
        if (tabRad === 0n || ilk.feedPriceRay === undefined) continue;
        const coin = kickIncentive({ tabRad, tipRad: ilk.tipRad, chipWad: ilk.chipWad });
        if (!worth(coin, MAKER_GAS_UNITS.bark)) continue;
        DirtRad += tabRad;
        dirt[v.ilk] = dirtRad + tabRad;
        out.push(`bark ${v.urn}`);
      } else {
        const { tabRad } = biteAmounts({
          inkWad: v.inkWad,
          artWad: v.artWad,
          rateRay: ilk.rateRay,
          spotRay,
          dustRad: ilk.dustRad,
          chopWad: ilk.chopWad,
          dunkRad: ilk.dunkRad,
          boxRad: view.boxRad,
          litterRad,
        });
        if (!worth(0n, MAKER_GAS_UNITS.bite)) continue;
        litterRad += tabRad;
        out.push(`bite ${v.urn}`);
      }
    } catch (e) {
      if (e instanceof ProtocolRevertError) continue;
      throw e;
    }
  }
  return out;
}

describe('makerKeeper kicks', () => {
  test('behavior: barks and bites are exactly those of trying every vault', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('maker-liq2' as const, 'maker-liq1' as const),
        ilkArb,
        ilkArb,
        fc
          .record({ DirtRad: fc.bigInt({ min: 0n, max: 8_000n * RAD }), room: roomArb, boxRoom: roomArb })
          .map((b) => ({
            HoleRad: b.DirtRad + b.room,
            DirtRad: b.DirtRad,
            boxRad: b.DirtRad + b.boxRoom,
            litterRad: b.DirtRad,
          })),
        fc.array(vaultArb, { maxLength: 80 }),
        fc.constantFrom('always' as const, 'rewarded' as const, 'never' as const),
        fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 3_000 })),
        (model, a, b, budgets, vaults, kicks, minProfitUsd, gwei) => {
          // Budgets as the Dog and Cat keep them (Dirt ≤ Hole, litter ≤ box).
          const view = generatedView(model, a, b, budgets, vaults, gwei);
          const keeper = makerKeeper({
            id: 'k',
            funding: 'wallet',
            kicks,
            ...(minProfitUsd === undefined ? {} : { minProfitUsd }),
          });
          // Both refuse the same way on states the contracts reject (e.g. litter above box).
          const outcome = (f: () => string[]) => {
            try {
              return f();
            } catch (e) {
              return (e as Error).name;
            }
          };
          const sent = outcome(() =>
            keeper.decide(view).map((x) => `${x.command.type} ${String(x.command.account)}`),
          );
          expect(sent).toEqual(outcome(() => everyVault(view, kicks, minProfitUsd)));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('flopBidder', () => {
  test('behavior: competing bidders over random MKR prices — every command is accepted; MKR minted = lots won', () => {
    let dents = 0;
    let deals = 0;
    let ticks = 0;
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 5000n }), { minLength: 2, maxLength: 3 }),
        fc.array(
          fc.record({ dt: fc.integer({ min: 0, max: 2500 }), mkrCents: fc.integer({ min: 50, max: 800 }) }),
          { minLength: 1, maxLength: 8 },
        ),
        (discounts, steps) => {
          // 100 DAI of bad debt in 20-DAI auctions starting at 10 MKR (beg 5 %, pad 1.5, ttl 600, tau 3600).
          const d = vowWithBadDebt(100n, {
            dumpWad: (10n * WAD).toString(),
            sumpRad: (20n * RAD).toString(),
            padWad: ((15n * WAD) / 10n).toString(),
            ttlSeconds: 600,
            tauSeconds: 3600,
          });
          for (let i = 0; i < 4; i++) d.run({ type: 'flop' }, 3602);
          const bidders = discounts.map((minDiscountBps, i) => flopBidder({ id: `f${i}`, minDiscountBps }));
          for (const b of bidders)
            d.run({ type: 'fundWallet', actor: b.id, asset: DAI, amount: 50n * RAD }, 3602);
          const sinBefore = d.bal('sysdebt', SIN);
          let now = 3602;
          let mintedByDeals = 0n;
          for (const s of steps) {
            now += s.dt;
            const market: MarketContext = {
              nowSeconds: now,
              gasPriceGwei: 20,
              ethPriceUsd: 100,
              collateralPriceUsdWad: 100n * WAD,
              collateralPricesUsdWad: { [MKR]: (BigInt(s.mkrCents) * WAD) / 100n },
              slippageBps: 30n,
            };
            for (const b of bidders) {
              const view = makerFlopView(d.state, now, market, [b.id]);
              for (const a of b.decide(view)) {
                // the driver throws on a refusal
                const events = d.run(a.command, now) as readonly {
                  readonly event: { readonly type: string; readonly lotWad?: unknown };
                }[];
                if (a.command.type === 'flopDent') dents += 1;
                if (a.command.type === 'flopTick') ticks += 1;
                for (const r of events) {
                  if (r.event.type === 'FlopDealt') {
                    deals += 1;
                    mintedByDeals += r.event.lotWad as bigint;
                  }
                }
              }
            }
          }
          const held = bidders.reduce((sum, b) => sum + d.bal(`wallet:${b.id}`, MKR), 0n);
          expect(held).toBe(mintedByDeals);
          // Sin only falls, by whole lots (each first bid kisses 20 DAI).
          const retired = sinBefore - d.bal('sysdebt', SIN);
          expect(retired % (20n * RAD)).toBe(0n);
          expect(retired >= 0n).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
    expect(dents).toBeGreaterThan(0);
    expect(deals).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// decideTakes skips a sale whose profit bound lot·(net − price) is not worth the gas before it
// computes the take: it must take exactly what trying every sale with the exact amounts takes.

const RAY = 10n ** 27n;

/** A running sale priced around the market (net ≈ 100 DAI), small to large lots, tabs and chost. */
const saleArb = fc.record({
  ilk: fc.constantFrom('A', 'B'),
  lotWad: fc.oneof(fc.bigInt({ min: 1n, max: WAD }), fc.bigInt({ min: WAD, max: 5_000n * WAD })),
  tabRad: fc.oneof(
    fc.bigInt({ min: 1n, max: 500n * RAD }),
    fc.bigInt({ min: 500n * RAD, max: 400_000n * RAD }),
  ),
  pricePermille: fc.integer({ min: 0, max: 1_200 }),
  needsRedo: fc.boolean(),
});

/** The reference: every sale at or below the keeper's price, its exact take amounts, then the profit rule. */
function everySale(
  view: MakerKeeperView,
  o: { flash: boolean; minProfitUsd: number | undefined; budgetRad: bigint; discountBps: bigint },
): string[] {
  const out: string[] = [];
  let budgetRad = o.budgetRad;
  for (const s of view.sales) {
    const ilk = view.ilks[s.ilk] as MakerIlkView;
    if (s.needsRedo || ilk.stopped >= 3) continue;
    const netRay = netSellPriceRay(view.market, ilk.gem);
    if (s.priceRay > (netRay * (10_000n - o.discountBps)) / 10_000n) continue;
    const affordable = s.priceRay === 0n ? s.lotWad : budgetRad / s.priceRay;
    const amtWad = o.flash ? s.lotWad : s.lotWad < affordable ? s.lotWad : affordable;
    if (amtWad === 0n) continue;
    let a: ReturnType<typeof takeAmounts>;
    try {
      a = takeAmounts({
        tabRad: s.tabRad,
        lotWad: s.lotWad,
        priceRay: s.priceRay,
        amtWad,
        maxRay: s.priceRay,
        chostRad: ilk.chostRad,
      });
    } catch (e) {
      if (e instanceof ProtocolRevertError) continue;
      throw e;
    }
    if (a.sliceWad === 0n) continue;
    const proceedsRad = a.sliceWad * netRay;
    if (o.flash ? proceedsRad < a.oweRad : a.oweRad > budgetRad) continue;
    const profitRad = proceedsRad - a.oweRad;
    const gasUnits = o.flash ? MAKER_GAS_UNITS.takeFlash : MAKER_GAS_UNITS.take;
    if (profitRad <= 0n) continue;
    if (
      o.minProfitUsd !== undefined &&
      !(radToUsd(profitRad) > gasCostUsd(gasUnits, view.market) + o.minProfitUsd)
    )
      continue;
    if (!o.flash) budgetRad -= a.oweRad;
    out.push(`take ${s.ilk}#${s.id} ${a.sliceWad}`);
  }
  return out;
}

describe('makerKeeper takes', () => {
  test('behavior: takes are exactly those of trying every sale with the exact take amounts', () => {
    let taken = 0;
    let skipped = 0;
    fc.assert(
      fc.property(
        fc.array(saleArb, { maxLength: 40 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 2_000 }), { nil: undefined }),
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 3_000 })),
        fc.bigInt({ min: 0n, max: 2_000_000n * RAD }),
        fc.constantFrom(0n, 10n * RAD, 5_000n * RAD),
        (generated, flash, minProfitUsd, gwei, daiRad, chostRad) => {
          const base = generatedView('maker-liq2', ilkOf(chostRad), ilkOf(chostRad), NO_BUDGETS, [], gwei);
          const netRay = netSellPriceRay(base.market, 'ETH');
          const sales: ClipSaleView[] = generated.map((g, id) => ({
            ilk: g.ilk,
            id,
            usr: `u${id}`,
            tabRad: g.tabRad,
            lotWad: g.lotWad,
            topRay: netRay * 2n,
            ticSeconds: 0,
            priceRay: (netRay * BigInt(g.pricePermille)) / 1_000n,
            needsRedo: g.needsRedo,
          }));
          const view: MakerKeeperView = {
            ...base,
            sales,
            wallets: { k: { daiRad, gemWad: { ETH: 0n }, lockedBidRad: 0n } },
          };
          const keeper = makerKeeper({
            id: 'k',
            funding: flash ? 'flash' : 'wallet',
            kicks: 'never',
            ...(minProfitUsd === undefined ? {} : { minProfitUsd }),
          });
          const sent = keeper
            .decide(view)
            .filter((x) => x.command.type === 'take')
            .map((x) => {
              const sale = sales[x.command.id as number] as ClipSaleView;
              const a = takeAmounts({
                tabRad: sale.tabRad,
                lotWad: sale.lotWad,
                priceRay: sale.priceRay,
                amtWad: x.command.amtWad as bigint,
                maxRay: sale.priceRay,
                chostRad,
              });
              return `take ${String(x.command.ilk)}#${String(x.command.id)} ${a.sliceWad}`;
            });
          const expected = everySale(view, { flash, minProfitUsd, budgetRad: daiRad, discountBps: 100n });
          expect(sent).toEqual(expected);
          taken += expected.length;
          skipped += sales.length - expected.length;
        },
      ),
      { numRuns: 400 },
    );
    // Both outcomes occur: sales taken and sales refused.
    expect(taken).toBeGreaterThan(50);
    expect(skipped).toBeGreaterThan(50);
  });
});

const NO_BUDGETS = { HoleRad: 0n, DirtRad: 0n, boxRad: 0n, litterRad: 0n };

/** An ilk of a generated view for takes: running, with the given cached minimum remainder. */
function ilkOf(chostRad: bigint): GeneratedIlk & { chostRad: bigint } {
  return {
    rateRay: RAY,
    dustRad: 0n,
    chopWad: WAD,
    tipRad: 0n,
    chipWad: 0n,
    dirtRad: 0n,
    holeRoomRad: 0n,
    stopped: 0,
    feed: true,
    chostRad,
  };
}
