/**
 * Tests of the Maker keepers on engine states built with the Maker testkit (clip.t.sol-style
 * parameters: mat 2, chop 1.1, buf 1.25, LinearDecrease over 3600 s, tail 1800 s, cusp 0.3, tip 100
 * DAI, chip 2 %; 1.2: beg 1.05, ttl 600 s, tau 3600 s). Every returned command is applied through
 * the engine (the testkit driver throws on any refusal), and expectations are derived by hand.
 */
import { Decimal as DecimalBase } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import type { Command } from '../engine/machine.js';
import { makerLiq1Model } from '../protocols/maker/liq1/model.js';
import { makerLiq2Model } from '../protocols/maker/liq2/model.js';
import {
  drive,
  ethOracle,
  ethPrice,
  RAD,
  RAY,
  testParams,
  vowWithBadDebt,
  WAD,
} from '../protocols/maker/testkit.js';
import { DAI, MKR, SIN } from '../protocols/maker/vat.js';
import {
  capitalLimitedKeeper,
  flashKeeper,
  flopBidder,
  gasAwareKeeper,
  gasCappedKeeper,
  makerFlopView,
  makerKeeper,
  makerKeeperView,
  netSellPriceRay,
  type UnsafeVaultView,
  unsafeVaultHealthWad,
  zeroBidKeeper,
} from './maker.js';
import { type KeeperAction, type MarketContext, validateMarket } from './types.js';

type Liq2Driver = ReturnType<typeof drive<import('../protocols/maker/liq2/state.js').Liq2Ext>>;
type Liq1Driver = ReturnType<typeof drive<import('../protocols/maker/liq1/state.js').Liq1Ext>>;

/** A market at `nowSeconds`: gas 100 gwei, ETH (for gas) $4, collateral `priceUsd`, no slippage. */
function market(nowSeconds: number, priceUsd: bigint, over: Partial<MarketContext> = {}): MarketContext {
  return {
    nowSeconds,
    gasPriceGwei: 100,
    ethPriceUsd: 4,
    collateralPriceUsdWad: priceUsd * WAD,
    slippageBps: 0n,
    ...over,
  };
}

/**
 * alice: 40 ETH, 100 DAI of debt at $10, then ETH at $4: spot 2, ink·spot 80 < art·rate 100
 * (health 0.8). Optionally bob too: 20 ETH, 50 DAI.
 */
function setup(d: { run(c: Command, t: number): unknown }, withBob = false): void {
  d.run(ethOracle(), 0);
  d.run(ethPrice(10n), 0);
  d.run({ type: 'configure', params: testParams() }, 0);
  d.run({ type: 'deposit', account: 'alice', amountWad: 40n * WAD }, 1);
  d.run({ type: 'draw', account: 'alice', artWad: 100n * WAD }, 1);
  if (withBob) {
    d.run({ type: 'deposit', account: 'bob', amountWad: 20n * WAD }, 1);
    d.run({ type: 'draw', account: 'bob', artWad: 50n * WAD }, 1);
  }
  d.run(ethPrice(4n), 2);
}

function liq2(withBob = false): Liq2Driver {
  const d = drive(makerLiq2Model);
  setup(d, withBob);
  return d;
}

function liq1(withBob = false): Liq1Driver {
  const d = drive(makerLiq1Model);
  setup(d, withBob);
  return d;
}

function fund(d: { run(c: Command, t: number): unknown }, actor: string, dai: bigint, at: number): void {
  d.run({ type: 'fundWallet', actor, asset: DAI, amount: dai }, at);
}

/** Applies every action at `now`; the driver throws on a refusal, failing the test. */
function applyAll(d: { run(c: Command, t: number): unknown }, actions: readonly KeeperAction[], now: number) {
  for (const a of actions) d.run(a.command, now);
}

const commands = (actions: readonly KeeperAction[]) => actions.map((a) => a.command);

describe('makerKeeperView', () => {
  test('default: an unsafe vault with the model health; a running sale with its price', () => {
    const d = liq2();
    const v = makerKeeperView(d.state, 2, market(2, 4n), ['k']);
    expect(v.model).toBe('maker-liq2');
    expect(v.unsafeVaults).toEqual([
      {
        urn: 'alice',
        ilk: 'ETH-A',
        inkWad: 40n * WAD,
        artWad: 100n * WAD,
        debtRad: 100n * RAD,
      },
    ]);
    expect(unsafeVaultHealthWad(v, v.unsafeVaults[0] as UnsafeVaultView)).toBe((8n * WAD) / 10n);
    expect(v.wallets.k).toEqual({ daiRad: 0n, gemWad: { ETH: 0n }, lockedBidRad: 0n });
    d.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
    // dur 720 s of 3600: price = top 5 · (1 − 720/3600) = 4 DAI.
    const later = makerKeeperView(d.state, 722, market(722, 6n));
    expect(later.unsafeVaults).toEqual([]);
    expect(later.sales).toEqual([
      {
        ilk: 'ETH-A',
        id: 1,
        usr: 'alice',
        tabRad: 110n * RAD,
        lotWad: 40n * WAD,
        topRay: 5n * RAY,
        ticSeconds: 2,
        priceRay: 4n * RAY,
        needsRedo: false,
      },
    ]);
    // dur 1801 > tail 1800: needs a reset.
    expect(makerKeeperView(d.state, 1803, market(1803, 6n)).sales[0]?.needsRedo).toBe(true);
  });

  test('behavior: Flipper auctions carry phase and status', () => {
    const d = liq1();
    d.run({ type: 'bite', account: 'alice' }, 2);
    const v = makerKeeperView(d.state, 10, market(10, 4n));
    expect(v.model).toBe('maker-liq1');
    // end = 2 + tau 3600; no bid yet.
    expect(v.flips).toEqual([
      {
        ilk: 'ETH-A',
        id: 1,
        usr: 'alice',
        bidRad: 0n,
        lotWad: 40n * WAD,
        tabRad: 110n * RAD,
        guy: 'cat',
        ticSeconds: 0,
        endSeconds: 3602,
        phase: 'tend',
        status: 'open',
      },
    ]);
    expect(makerKeeperView(d.state, 3603, market(3603, 4n)).flips[0]?.status).toBe('tickable');
    expect(makerKeeperView(d.state, 3602, market(3602, 4n)).flips[0]?.status).toBe('waiting');
  });

  test('error: a time mismatch, an unconfigured model, a view without the keeper', () => {
    const d = liq2();
    expect(() => makerKeeperView(d.state, 3, market(2, 4n))).toThrow(InvalidParameterError);
    expect(() => makerKeeperView(drive(makerLiq2Model).state, 0, market(0, 4n))).toThrow(
      InvalidParameterError,
    );
    const v = makerKeeperView(d.state, 2, market(2, 4n), []);
    expect(() => gasCappedKeeper({ id: 'k', maxGasPriceGwei: 100 }).decide(v)).toThrow(InvalidParameterError);
  });
});

describe('gasCappedKeeper', () => {
  test('default: barks the unsafe vault at or under its cap; the model accepts', () => {
    const d = liq2();
    const k = gasCappedKeeper({ id: 'k', maxGasPriceGwei: 100 });
    const actions = k.decide(makerKeeperView(d.state, 2, market(2, 4n), ['k']));
    expect(commands(actions)).toEqual([{ type: 'bark', account: 'alice', keeper: 'k', ilk: 'ETH-A' }]);
    expect(actions[0]?.gasUnits).toBe(450_000n);
    applyAll(d, actions, 2);
    // The kick reward: tip 100 + 2 % of tab 110 = 102.2 DAI.
    expect(d.bal('wallet:k', DAI)).toBe((1022n * RAD) / 10n);
  });

  test('behavior: above its cap it does nothing at all, even with a profitable sale running', () => {
    const d = liq2(true);
    d.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
    fund(d, 'k', 500n * RAD, 2);
    const k = gasCappedKeeper({ id: 'k', maxGasPriceGwei: 100 });
    const over = market(722, 6n, { gasPriceGwei: 101 });
    expect(k.decide(makerKeeperView(d.state, 722, over, ['k']))).toEqual([]);
    // Under the cap the same state gives a take (the sale) and a bark (bob: 20 ETH · 2 = 40 < 50).
    const under = k.decide(makerKeeperView(d.state, 722, market(722, 6n), ['k']));
    expect(commands(under).map((c) => c.type)).toEqual(['take', 'bark']);
    applyAll(d, under, 722);
  });

  test('behavior: kicksAboveCap keeps biting above the cap but never bids (Black Thursday)', () => {
    const d = liq1();
    const k = gasCappedKeeper({ id: 'k', maxGasPriceGwei: 100, kicksAboveCap: true });
    const actions = k.decide(makerKeeperView(d.state, 2, market(2, 4n, { gasPriceGwei: 500 }), ['k']));
    expect(commands(actions)).toEqual([{ type: 'bite', account: 'alice', ilk: 'ETH-A' }]);
    applyAll(d, actions, 2);
    fund(d, 'k', 500n * RAD, 3);
    expect(k.decide(makerKeeperView(d.state, 10, market(10, 6n, { gasPriceGwei: 500 }), ['k']))).toEqual([]);
  });

  test('behavior: restarts a sale past tail (redo) and an unbid expired flip (tick)', () => {
    const d2 = liq2();
    d2.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
    const k = gasCappedKeeper({ id: 'k', maxGasPriceGwei: 100 });
    const redo = k.decide(makerKeeperView(d2.state, 1803, market(1803, 4n), ['k']));
    expect(commands(redo)).toEqual([{ type: 'redo', ilk: 'ETH-A', id: 1, keeper: 'k' }]);
    applyAll(d2, redo, 1803);
    // redo pays tip + chip·tab = 102.2 DAI (tab 110 ≥ chost 22, lot·feed 160 ≥ 22).
    expect(d2.bal('wallet:k', DAI)).toBe((1022n * RAD) / 10n);

    const d1 = liq1();
    d1.run({ type: 'bite', account: 'alice' }, 2);
    const tick = k.decide(makerKeeperView(d1.state, 3603, market(3603, 4n), ['k']));
    expect(commands(tick)).toEqual([{ type: 'tick', ilk: 'ETH-A', id: 1 }]);
    applyAll(d1, tick, 3603);
    expect(d1.state.ext.flips['ETH-A']?.bids.get('1')?.endSeconds).toBe(3603 + 3600);
  });

  test('error: a negative cap is refused', () => {
    expect(() => gasCappedKeeper({ id: 'k', maxGasPriceGwei: -1 })).toThrow(InvalidParameterError);
    expect(() => makerKeeper({ id: '', funding: 'wallet', kicks: 'always' })).toThrow(InvalidParameterError);
  });
});

describe('gasAwareKeeper', () => {
  test('default: barks when tip + chip·tab beats gas + ε', () => {
    const d = liq2();
    // Reward $102.2; gas 450k · 100 gwei · 1e-9 · $4 = $0.18; ε $100: 102.2 > 100.18.
    const k = gasAwareKeeper({ id: 'k', minProfitUsd: 100 });
    const actions = k.decide(makerKeeperView(d.state, 2, market(2, 4n), ['k']));
    expect(commands(actions)).toEqual([{ type: 'bark', account: 'alice', keeper: 'k', ilk: 'ETH-A' }]);
    applyAll(d, actions, 2);
  });

  test('behavior: abstains when the reward is below gas + ε', () => {
    const d = liq2();
    // ε $102.1 + gas $0.18 = $102.28 > $102.2.
    expect(
      gasAwareKeeper({ id: 'k', minProfitUsd: 102.1 }).decide(
        makerKeeperView(d.state, 2, market(2, 4n), ['k']),
      ),
    ).toEqual([]);
    // 100,000 gwei: gas = 450k · 1e-4 ETH... = 45 ETH · $4 = $180 > $102.2.
    const pricey = market(2, 4n, { gasPriceGwei: 100_000 });
    expect(
      gasAwareKeeper({ id: 'k', minProfitUsd: 0 }).decide(makerKeeperView(d.state, 2, pricey, ['k'])),
    ).toEqual([]);
  });

  test('behavior: takes a discounted sale and abstains when the discount is below gas + ε', () => {
    const d = liq2();
    d.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
    fund(d, 'k', 200n * RAD, 2);
    // At 722 the price is 4; the keeper sells at 6. 40 ETH would cost 160 > tab 110: owe 110 buys
    // 110 / 4 = 27.5 ETH worth 165: profit $55.
    const v = makerKeeperView(d.state, 722, market(722, 6n), ['k']);
    expect(gasAwareKeeper({ id: 'k', minProfitUsd: 55 }).decide(v)).toEqual([]);
    const actions = gasAwareKeeper({ id: 'k', minProfitUsd: 54 }).decide(v);
    expect(commands(actions)).toEqual([
      { type: 'take', ilk: 'ETH-A', id: 1, amtWad: 40n * WAD, maxRay: 4n * RAY, keeper: 'k' },
    ]);
    applyAll(d, actions, 722);
    expect(d.bal('wallet:k', 'ETH')).toBe(275n * 10n ** 17n);
    expect(d.bal('wallet:k', DAI)).toBe(90n * RAD);
    // The rest, 12.5 ETH, goes back to alice.
    expect(d.bal('wallet:alice', 'ETH')).toBe(125n * 10n ** 17n);
  });

  test('behavior: no take when the auction price is above its price (net of discount)', () => {
    const d = liq2();
    d.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
    fund(d, 'k', 200n * RAD, 2);
    // Price 4 at 722; market 4 with 1 % discount: keeper price 3.96 < 4.
    expect(
      gasAwareKeeper({ id: 'k', minProfitUsd: 0 }).decide(
        makerKeeperView(d.state, 722, market(722, 4n), ['k']),
      ),
    ).toEqual([]);
  });

  test('behavior: liquidation 1.2 pays no bite reward, so a gas-aware keeper does not bite', () => {
    const d = liq1();
    expect(
      gasAwareKeeper({ id: 'k', minProfitUsd: 0 }).decide(makerKeeperView(d.state, 2, market(2, 4n), ['k'])),
    ).toEqual([]);
  });
});

describe('flashKeeper', () => {
  test('default: takes the whole lot with zero DAI, paid from the sale of the slice', () => {
    const d = liq2();
    d.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
    expect(d.bal('wallet:f', DAI)).toBe(0n);
    const actions = flashKeeper({ id: 'f' }).decide(makerKeeperView(d.state, 722, market(722, 6n), ['f']));
    expect(commands(actions)).toEqual([
      {
        type: 'take',
        ilk: 'ETH-A',
        id: 1,
        amtWad: 40n * WAD,
        maxRay: 4n * RAY,
        keeper: 'f',
        flash: { sellTo: 'market', priceRay: 6n * RAY },
      },
    ]);
    expect(actions[0]?.gasUnits).toBe(350_000n);
    applyAll(d, actions, 722);
    // 27.5 ETH sold at 6 = 165 DAI, 110 paid: 55 DAI left, no ETH kept.
    expect(d.bal('wallet:f', DAI)).toBe(55n * RAD);
    expect(d.bal('wallet:f', 'ETH')).toBe(0n);
    expect(d.state.ext.clips['ETH-A']?.sales.size).toBe(0);
  });

  test('behavior: slippage that eats the discount stops it', () => {
    const d = liq2();
    d.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
    // Net price 6 · (1 − 35 %) = 3.9 < 4.
    const v = makerKeeperView(d.state, 722, market(722, 6n, { slippageBps: 3500n }), ['f']);
    expect(flashKeeper({ id: 'f' }).decide(v)).toEqual([]);
  });

  test('behavior: in liquidation 1.2 it has nothing to bid with', () => {
    const d = liq1();
    d.run({ type: 'bite', account: 'alice' }, 2);
    expect(
      flashKeeper({ id: 'f', kicks: 'always' }).decide(makerKeeperView(d.state, 10, market(10, 6n), ['f'])),
    ).toEqual([]);
  });
});

describe('capitalLimitedKeeper', () => {
  test('default: buys only what its capital pays for', () => {
    const d = liq2();
    d.run({ type: 'bark', account: 'alice', keeper: 'b' }, 2);
    fund(d, 'c', 200n * RAD, 2);
    const k = capitalLimitedKeeper({ id: 'c', capitalDaiRad: 40n * RAD });
    const actions = k.decide(makerKeeperView(d.state, 722, market(722, 6n), ['c']));
    // 40 DAI at 4 buys 10 ETH; tab left 70 ≥ chost 22, so the purchase stands as asked.
    expect(commands(actions)).toEqual([
      { type: 'take', ilk: 'ETH-A', id: 1, amtWad: 10n * WAD, maxRay: 4n * RAY, keeper: 'c' },
    ]);
    applyAll(d, actions, 722);
    expect(200n * RAD - d.bal('wallet:c', DAI)).toBe(40n * RAD);
    expect(d.bal('wallet:c', 'ETH')).toBe(10n * WAD);
  });

  test('behavior: in 1.2 a locked bid counts against its capital', () => {
    const d = liq1(true);
    d.run({ type: 'bite', account: 'alice' }, 2);
    d.run({ type: 'bite', account: 'bob' }, 2);
    fund(d, 'c', 500n * RAD, 2);
    const k = capitalLimitedKeeper({ id: 'c', capitalDaiRad: 50n * RAD });
    const first = k.decide(makerKeeperView(d.state, 10, market(10, 6n), ['c']));
    // Alice's lot is worth 240 at 5.94: it would bid the tab 110 but has 50; bob's auction gets nothing.
    expect(commands(first)).toEqual([
      { type: 'tend', ilk: 'ETH-A', id: 1, bidder: 'c', lotWad: 40n * WAD, bidRad: 50n * RAD },
    ]);
    applyAll(d, first, 10);
    expect(k.decide(makerKeeperView(d.state, 11, market(11, 6n), ['c']))).toEqual([]);
  });

  test('error: negative capital is refused', () => {
    expect(() => capitalLimitedKeeper({ id: 'c', capitalDaiRad: -1n })).toThrow(InvalidParameterError);
  });
});

describe('liquidation 1.2 bidding', () => {
  test('default: tend at the keeper price (capped at the tab), a rival dents, the winner deals', () => {
    const d = liq1();
    d.run({ type: 'bite', account: 'alice' }, 2);
    fund(d, 'a', 200n * RAD, 2);
    fund(d, 'b', 200n * RAD, 2);
    const a = gasAwareKeeper({ id: 'a', minProfitUsd: 0 });
    const tend = a.decide(makerKeeperView(d.state, 10, market(10, 6n), ['a']));
    // 40 ETH at 5.94 = 237.6 > tab 110: bid the tab.
    expect(commands(tend)).toEqual([
      { type: 'tend', ilk: 'ETH-A', id: 1, bidder: 'a', lotWad: 40n * WAD, bidRad: 110n * RAD },
    ]);
    applyAll(d, tend, 10);
    expect(a.decide(makerKeeperView(d.state, 11, market(11, 6n), ['a']))).toEqual([]);
    const b = gasAwareKeeper({ id: 'b', minProfitUsd: 0 });
    const dent = b.decide(makerKeeperView(d.state, 20, market(20, 6n), ['b']));
    // ceil(110 / 5.94 ETH) = 18.518518518518518519 ETH; 1.05 · that ≤ 40.
    expect(commands(dent)).toEqual([
      { type: 'dent', ilk: 'ETH-A', id: 1, bidder: 'b', lotWad: 18518518518518518519n, bidRad: 110n * RAD },
    ]);
    applyAll(d, dent, 20);
    expect(d.bal('wallet:a', DAI)).toBe(200n * RAD);
    // ttl 600: the bid expires at 620.
    const deal = b.decide(makerKeeperView(d.state, 621, market(621, 6n), ['b']));
    expect(commands(deal)).toEqual([{ type: 'deal', ilk: 'ETH-A', id: 1 }]);
    applyAll(d, deal, 621);
    expect(d.bal('wallet:b', 'ETH')).toBe(18518518518518518519n);
    expect(d.bal('protocol', DAI)).toBe(110n * RAD);
  });

  test('behavior: abstains from a tend whose margin is below ε', () => {
    const d = liq1();
    d.run({ type: 'bite', account: 'alice' }, 2);
    fund(d, 'a', 200n * RAD, 2);
    // profit 240 − 110 = $130 < ε 200.
    expect(
      gasAwareKeeper({ id: 'a', minProfitUsd: 200 }).decide(
        makerKeeperView(d.state, 10, market(10, 6n), ['a']),
      ),
    ).toEqual([]);
  });
});

describe('zeroBidKeeper', () => {
  test('default: alone, a 1e-45 DAI bid wins the whole lot and leaves bad debt in the Vow', () => {
    const d = liq1();
    const z = zeroBidKeeper({ id: 'z' });
    fund(d, 'z', RAD, 2);
    const bite = z.decide(makerKeeperView(d.state, 2, market(2, 4n), ['z']));
    expect(commands(bite)).toEqual([{ type: 'bite', account: 'alice', ilk: 'ETH-A' }]);
    applyAll(d, bite, 2);
    const bid = z.decide(makerKeeperView(d.state, 10, market(10, 4n), ['z']));
    expect(commands(bid)).toEqual([
      { type: 'tend', ilk: 'ETH-A', id: 1, bidder: 'z', lotWad: 40n * WAD, bidRad: 1n },
    ]);
    applyAll(d, bid, 10);
    // Nobody else bids; the bid expires at 610.
    const deal = z.decide(makerKeeperView(d.state, 611, market(611, 4n), ['z']));
    expect(commands(deal)).toEqual([{ type: 'deal', ilk: 'ETH-A', id: 1 }]);
    applyAll(d, deal, 611);
    expect(d.bal('wallet:z', 'ETH')).toBe(40n * WAD);
    expect(d.bal('wallet:z', DAI)).toBe(RAD - 1n);
    // The Vow raised 1e-45 DAI against 100 DAI of sin: bad debt 100 DAI − 1e-45.
    expect(d.bal('protocol', DAI)).toBe(1n);
    expect(d.bal('sysdebt', SIN)).toBe(100n * RAD);
    expect(d.state.ext.litterRad).toBe(0n);
  });

  test('behavior: does not bid once someone else has bid; a real bid beats the zero bid', () => {
    const d = liq1();
    d.run({ type: 'bite', account: 'alice' }, 2);
    fund(d, 'z', RAD, 2);
    fund(d, 'a', 200n * RAD, 2);
    const z = zeroBidKeeper({ id: 'z' });
    applyAll(d, z.decide(makerKeeperView(d.state, 10, market(10, 6n), ['z'])), 10);
    const outbid = gasAwareKeeper({ id: 'a', minProfitUsd: 0 }).decide(
      makerKeeperView(d.state, 20, market(20, 6n), ['a']),
    );
    expect(commands(outbid).map((c) => c.bidRad)).toEqual([110n * RAD]);
    applyAll(d, outbid, 20);
    expect(z.decide(makerKeeperView(d.state, 30, market(30, 6n), ['z']))).toEqual([]);
    // The zero bidder got its 1e-45 DAI back.
    expect(d.bal('wallet:z', DAI)).toBe(RAD);
  });

  test('behavior: gas-aware zero bidder abstains when gas exceeds the lot value', () => {
    const d = liq1();
    d.run({ type: 'bite', account: 'alice' }, 2);
    fund(d, 'z', RAD, 2);
    // Lot worth 40 · $4 = $160; tend gas 100k at 1e6 gwei · $4 = $400.
    const v = makerKeeperView(d.state, 10, market(10, 4n, { gasPriceGwei: 1_000_000 }), ['z']);
    expect(zeroBidKeeper({ id: 'z', minProfitUsd: 0, kicks: 'never' }).decide(v)).toEqual([]);
    expect(commands(zeroBidKeeper({ id: 'z', kicks: 'never' }).decide(v)).map((c) => c.type)).toEqual([
      'tend',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Debt auctions
// ---------------------------------------------------------------------------------------------

/** A market for debt-auction bidders: gas 50 gwei, ETH $150, MKR at `mkrUsd`, no slippage. */
function flopMarket(nowSeconds: number, mkrUsd: bigint, over: Partial<MarketContext> = {}): MarketContext {
  return {
    nowSeconds,
    gasPriceGwei: 50,
    ethPriceUsd: 150,
    collateralPriceUsdWad: 150n * WAD,
    collateralPricesUsdWad: { [MKR]: mkrUsd * WAD },
    slippageBps: 0n,
    ...over,
  };
}

/** 20-DAI debt auctions starting at 10 MKR (beg 5 %, pad 1.5, ttl 600 s, tau 3600 s) on 100 DAI of bad debt. */
function smallFlops(kicks: number) {
  const d = vowWithBadDebt(100n, {
    dumpWad: (10n * WAD).toString(),
    sumpRad: (20n * RAD).toString(),
    begWad: ((105n * WAD) / 100n).toString(),
    padWad: ((15n * WAD) / 10n).toString(),
    ttlSeconds: 600,
    tauSeconds: 3600,
  });
  for (let i = 0; i < kicks; i++) d.run({ type: 'flop' }, 3602);
  for (const who of ['a', 'b']) fund(d, who, 1000n * RAD, 3602);
  return d;
}

describe('makerFlopView', () => {
  test("default: the Flopper, its auctions with their status, the bidders' DAI and MKR", () => {
    const d = smallFlops(2);
    const v = makerFlopView(d.state, 3700, flopMarket(3700, 5n), ['a']);
    expect(v.house).toEqual({
      begWad: (105n * WAD) / 100n,
      padWad: (15n * WAD) / 10n,
      ttlSeconds: 600,
      tauSeconds: 3600,
    });
    expect(v.flops.map((f) => [f.id, f.lotWad, f.guy, f.status])).toEqual([
      [1, 10n * WAD, 'vow', 'open'],
      [2, 10n * WAD, 'vow', 'open'],
    ]);
    expect(v.wallets).toEqual({ a: { daiRad: 1000n * RAD, mkrWad: 0n } });
    expect(makerFlopView(d.state, 3602 + 3601, flopMarket(3602 + 3601, 5n)).flops[0]?.status).toBe(
      'tickable',
    );
  });
  test('behavior: without debt auctions there is no house', () => {
    const d = liq1();
    expect(makerFlopView(d.state, 3, flopMarket(3, 5n)).house).toBeUndefined();
  });
  test('error: a time mismatch', () => {
    expect(() => makerFlopView(smallFlops(0).state, 5, flopMarket(4, 5n))).toThrow(InvalidParameterError);
  });
});

describe('flopBidder', () => {
  test('default: bids its reservation lot, refunding nobody at the first bid, and deals its win', () => {
    const d = smallFlops(1);
    // MKR $4, 20 % discount: worth 3.2 DAI; 20 / 3.2 = 6.25 MKR ≤ 10 / 1.05 = 9.52.
    const k = flopBidder({ id: 'a', minDiscountBps: 2000n });
    const actions = k.decide(makerFlopView(d.state, 3700, flopMarket(3700, 4n), ['a']));
    expect(commands(actions)).toEqual([
      { type: 'flopDent', id: 1, bidder: 'a', lotWad: 625n * (WAD / 100n), bidRad: 20n * RAD },
    ]);
    // profit 6.25 · 4 − 20 = 5 DAI
    expect(actions[0]?.expectedProfitUsd).toBe(5);
    applyAll(d, actions, 3700);
    expect(d.bal('wallet:a', DAI)).toBe(980n * RAD);
    expect(d.bal('sysdebt', SIN)).toBe(100n * RAD - 1n - 20n * RAD);
    // It leads: no new bid; after ttl it deals and is minted its MKR.
    expect(k.decide(makerFlopView(d.state, 3800, flopMarket(3800, 4n), ['a']))).toEqual([]);
    const deal = k.decide(makerFlopView(d.state, 4301, flopMarket(4301, 4n), ['a']));
    expect(commands(deal)).toEqual([{ type: 'flopDeal', id: 1 }]);
    applyAll(d, deal, 4301);
    expect(d.bal('wallet:a', MKR)).toBe(625n * (WAD / 100n));
  });
  test('behavior: a bidder valuing MKR higher outbids and refunds the leader; an equal one cannot', () => {
    const d = smallFlops(1);
    const view = (id: string, now: number) => makerFlopView(d.state, now, flopMarket(now, 4n), [id]);
    applyAll(d, flopBidder({ id: 'a', minDiscountBps: 2000n }).decide(view('a', 3700)), 3700);
    // b at the same value: 6.25 MKR is more than 6.25 / 1.05, nothing to bid.
    expect(flopBidder({ id: 'b', minDiscountBps: 2000n }).decide(view('b', 3710))).toEqual([]);
    // b wanting 5 %: worth 3.8 DAI, ceil(20 / 3.8) = 5.263157894736842106 MKR ≤ 6.25 / 1.05 = 5.95.
    const b = flopBidder({ id: 'b', minDiscountBps: 500n }).decide(view('b', 3710));
    expect(commands(b)).toEqual([
      { type: 'flopDent', id: 1, bidder: 'b', lotWad: 5_263_157_894_736_842_106n, bidRad: 20n * RAD },
    ]);
    applyAll(d, b, 3710);
    expect(d.bal('wallet:a', DAI)).toBe(1000n * RAD);
    expect(d.bal('wallet:b', DAI)).toBe(980n * RAD);
    // The Vow was kissed once, by a's first bid.
    expect(d.bal('sysdebt', SIN)).toBe(100n * RAD - 1n - 20n * RAD);
  });
  test('behavior: too little value for the starting lot: no bid; it ticks when it would then bid', () => {
    const d = smallFlops(1);
    const m = (now: number, cents: bigint) =>
      flopMarket(now, 0n, { collateralPricesUsdWad: { [MKR]: (cents * WAD) / 100n } });
    // MKR $1.80, 10 % discount: worth 1.62; 20 / 1.62 = 12.35 MKR > 10 / 1.05 = 9.52: nothing now.
    const k = flopBidder({ id: 'a', minDiscountBps: 1000n });
    expect(k.decide(makerFlopView(d.state, 3700, m(3700, 180n), ['a']))).toEqual([]);
    // After tau: restarted at 15 MKR, 15 / 1.05 = 14.29 ≥ 12.35, and 12.35 · 1.8 − 20 = $2.22 beats
    // the gas of tick + dent (140k × 50 gwei × $150 = $1.05): it ticks, then bids.
    const at = 3602 + 3601;
    const tick = k.decide(makerFlopView(d.state, at, m(at, 180n), ['a']));
    expect(commands(tick)).toEqual([{ type: 'flopTick', id: 1 }]);
    applyAll(d, tick, at);
    const bid = k.decide(makerFlopView(d.state, at, m(at, 180n), ['a']));
    // ceil(20 / 1.62) at the wei: 12.345679012345679013 MKR.
    expect(commands(bid)).toEqual([
      { type: 'flopDent', id: 1, bidder: 'a', lotWad: 12_345_679_012_345_679_013n, bidRad: 20n * RAD },
    ]);
    applyAll(d, bid, at);
    // MKR $1.10: worth 0.99, 20.2 MKR needed, more than the restarted 15 / 1.05: no tick.
    expect(k.decide(makerFlopView(smallFlops(1).state, at, m(at, 110n), ['a']))).toEqual([]);
  });
  test('behavior: abstains above its gas cap, when gas + ε beats the discount, or without an MKR price', () => {
    const d = smallFlops(1);
    const view = (over: Partial<MarketContext>) =>
      makerFlopView(d.state, 3700, flopMarket(3700, 4n, over), ['a']);
    expect(flopBidder({ id: 'a', minDiscountBps: 2000n, maxGasPriceGwei: 40 }).decide(view({}))).toEqual([]);
    // profit $5; gas 100k × 50 gwei × $150 = $0.75; ε $4.30 leaves $5.05 > $5.
    expect(flopBidder({ id: 'a', minDiscountBps: 2000n, minProfitUsd: 4.3 }).decide(view({}))).toEqual([]);
    expect(flopBidder({ id: 'a', minDiscountBps: 2000n, minProfitUsd: 4.2 }).decide(view({}))).toHaveLength(
      1,
    );
    expect(flopBidder({ id: 'a' }).decide(view({ collateralPricesUsdWad: {} }))).toEqual([]);
    // Not enough DAI for the bid.
    const poor = flopBidder({ id: 'zero', minDiscountBps: 2000n });
    expect(poor.decide(makerFlopView(d.state, 3700, flopMarket(3700, 4n), ['zero']))).toEqual([]);
  });
  test('error: a bad configuration or a view without its wallet', () => {
    expect(() => flopBidder({ id: '' })).toThrow(InvalidParameterError);
    expect(() => flopBidder({ id: 'a', minDiscountBps: 10_000n })).toThrow(InvalidParameterError);
    expect(() => flopBidder({ id: 'a', minProfitUsd: -1 })).toThrow(InvalidParameterError);
    expect(() => flopBidder({ id: 'a', gasUnits: { flopDent: -1n } })).toThrow(InvalidParameterError);
    const d = smallFlops(1);
    expect(() => flopBidder({ id: 'a' }).decide(makerFlopView(d.state, 3700, flopMarket(3700, 4n)))).toThrow(
      InvalidParameterError,
    );
  });
});

/** Enough digits for 45-decimal amounts. */
const Decimal = DecimalBase.clone({ precision: 80 });

/**
 * history.md §1 check 3 through the model and the bidder: a Vow with ~5.3M DAI of uncovered sin
 * (5,300,001 DAI: the 1e-45 DAI zero bid keeps it just above 106 lots), the 2020 lot terms
 * (50,000 DAI, 250 MKR, +20 % per restart), two competitive bidders at MKR $300 wanting 15 %
 * below it. Expected, derived independently with decimal.js: 106 auctions × ceil(50,000 / 255)
 * MKR = 20,784.3 MKR, within 1 % of the published 20,980; 5.3M DAI of sin retired.
 */
describe('debt auctions of March 2020 (history.md §1 check 3)', () => {
  test('behavior: ~5.3M DAI of bad debt needs about 21k MKR at MKR $300 and a 15 % discount', () => {
    const d = vowWithBadDebt(5_300_001n);
    const badBefore = d.bal('sysdebt', SIN) - d.bal('protocol', DAI);
    let kicks = 0;
    for (;;) {
      try {
        d.run({ type: 'flop' }, 3602);
        kicks += 1;
      } catch (e) {
        if (e instanceof Error && 'reason' in e && e.reason === 'Vow/insufficient-debt') break;
        throw e;
      }
    }
    expect(kicks).toBe(106);
    const bidders = ['paradigm', 'syndicate'];
    for (const b of bidders) fund(d, b, 10_000_000n * RAD, 3602);
    const policies = bidders.map((id) => flopBidder({ id, minDiscountBps: 1500n }));
    for (const now of [3700, 3700 + 10_801]) {
      for (const p of policies)
        applyAll(d, p.decide(makerFlopView(d.state, now, flopMarket(now, 300n), [p.id])), now);
    }
    const minted = bidders.reduce((sum, b) => sum + d.bal(`wallet:${b}`, MKR), 0n);
    const perLot = new Decimal(50_000).div(255).toDecimalPlaces(18, Decimal.ROUND_UP);
    const expected = perLot.times(106);
    expect(new Decimal(minted.toString()).div(new Decimal(10).pow(18)).toString()).toBe(expected.toString());
    expect(Math.abs(expected.toNumber() / 20_980 - 1)).toBeLessThan(0.01);
    // Every auction settled, and the bad debt fell by what they raised: 106 × 50,000 DAI.
    expect(d.state.ext.core.vow.flopper?.bids.size).toBe(0);
    expect(badBefore - (d.bal('sysdebt', SIN) - d.bal('protocol', DAI))).toBe(5_300_000n * RAD);
    expect(d.bal('wallet:paradigm', DAI) + d.bal('wallet:syndicate', DAI)).toBe(
      20_000_000n * RAD - 5_300_000n * RAD,
    );
  });
});

describe('netSellPriceRay', () => {
  const at = (over: Partial<MarketContext>): MarketContext => ({
    nowSeconds: 0,
    gasPriceGwei: 0,
    ethPriceUsd: 0,
    collateralPriceUsdWad: 1_086n * 10n ** 18n,
    slippageBps: 0n,
    ...over,
  });
  test('default: USD per unit as DAI per unit (RAY) at par, less slippage, floored', () => {
    expect(netSellPriceRay(at({}), 'ETH')).toBe(1_086n * 10n ** 27n);
    // 1,086 × 0.97 = 1,053.42
    expect(netSellPriceRay(at({ slippageBps: 300n }), 'ETH')).toBe(105_342n * 10n ** 25n);
  });
  test('behavior: with DAI at $1.086 the USD proceeds buy back 1,000 DAI; at exactly $1 nothing changes', () => {
    expect(netSellPriceRay(at({ daiPriceUsdWad: 1_086n * 10n ** 15n }), 'ETH')).toBe(1_000n * 10n ** 27n);
    // 1,086 × 0.97 / 1.2 = 877.85: one floor of the exact quotient.
    expect(netSellPriceRay(at({ slippageBps: 300n, daiPriceUsdWad: 12n * 10n ** 17n }), 'ETH')).toBe(
      (1_086n * 10n ** 45n * 9_700n) / (10_000n * 12n * 10n ** 17n),
    );
    expect(netSellPriceRay(at({ slippageBps: 300n, daiPriceUsdWad: 10n ** 18n }), 'ETH')).toBe(
      netSellPriceRay(at({ slippageBps: 300n }), 'ETH'),
    );
  });
  test('error: a DAI price that is not positive', () => {
    expect(() => validateMarket(at({ daiPriceUsdWad: 0n }))).toThrow(/daiPriceUsdWad/);
  });
});
