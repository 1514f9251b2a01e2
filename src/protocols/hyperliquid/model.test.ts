/**
 * End-to-end tests of the hyperliquid model through createEngine/apply: a book liquidation, a 20 %
 * chunk then the cooldown's whole order, the HLP backstop below ⅔ MM (cross and isolated), ADL at
 * the previous oracle price with the deficit split, and refusals by class. Numbers by hand.
 */
import { describe, expect, test } from 'vitest';
import {
  InsufficientMarginError,
  InvalidParameterError,
  NotConfiguredError,
  PositionNotLiquidatableError,
  StaleOraclePriceError,
  UnknownAccountError,
} from '../../engine/errors.js';
import { apply, type Command } from '../../engine/machine.js';
import { hyperliquidModel } from './model.js';
import { DEFAULT_HYPERLIQUID_PARAMS } from './params.js';
import {
  bal,
  btcPrice,
  type HlState,
  hlEngine,
  mbtc,
  run,
  setupCommands,
  step,
  TEST_HL_PARAMS,
  usd,
} from './testkit.js';

const T0 = 1_000;
const M = 'BTC-PERP';
const liquidate = (account: string, extra: Record<string, unknown> = {}): Command => ({
  type: 'liquidate',
  account,
  liquidator: 'keeper',
  ...extra,
});
const position = (s: HlState, account: string) => s.ext.book?.markets[M]?.positions.get(account);
const open = (account: string, sizeBase: bigint, extra: Record<string, unknown> = {}): Command => ({
  type: 'openPosition',
  account,
  market: M,
  sizeBase,
  ...extra,
});
function refusal(s: HlState, command: Command, now = T0): unknown {
  try {
    apply(hlEngine, s, command, now);
  } catch (error) {
    return error;
  }
  throw new Error(`${command.type} was not refused`);
}
const eventsOf = (s: HlState, command: Command, now: number) =>
  apply(hlEngine, s, command, now).events.map((r) => r.event);
const base = () => run(hlEngine.initial(), setupCommands(), T0);

describe('hyperliquidModel', () => {
  test('default: a book liquidation of the whole position; the rest stays with the trader', () => {
    let s = run(
      base(),
      [{ type: 'deposit', account: 'alice', amount: usd(1_000) }, open('alice', mbtc(300))],
      T0,
    );
    // 0.3 BTC at $100k: IM 2.5 % = 750 ≤ 1,000.
    expect(position(s, 'alice')).toMatchObject({ sizeBase: 300n, entryQuote: usd(30_000) });
    // $97,900: equity 1,000 − 630 = 370 ≥ MM 29,370·1.25 % = 367.125: healthy.
    s = step(s, btcPrice(97_900), T0 + 1);
    expect(hyperliquidModel.health(s, 'alice', T0 + 1).liquidatable).toBe(false);
    expect(refusal(s, liquidate('alice'), T0 + 1)).toBeInstanceOf(PositionNotLiquidatableError);
    // $97,800: equity 340 < 366.75, ≥ ⅔ of it (244.5): a book order for the whole 0.3 BTC at the mark.
    s = step(s, btcPrice(97_800), T0 + 2);
    expect(hyperliquidModel.health(s, 'alice', T0 + 2).liquidatable).toBe(true);
    const events = eventsOf(s, liquidate('alice'), T0 + 2);
    s = step(s, liquidate('alice'), T0 + 2);
    expect(events.find((e) => e.type === 'HyperliquidLiquidated')).toMatchObject({
      kind: 'book',
      scope: 'cross',
      equityQuote: usd(340),
      maintenanceQuote: 366_750_000n,
      filledBase: 300n,
      quoteAmount: usd(29_340),
    });
    expect(position(s, 'alice')).toBeUndefined();
    expect(bal(s, 'acct:alice')).toBe(usd(340)); // no clearance fee
    expect(bal(s, 'acct:book')).toBe(usd(10_000_000) + usd(660));
  });

  test('behavior: above $100k only 20 % goes first; within 30 s the next order is for the whole position', () => {
    let s = run(
      base(),
      [{ type: 'deposit', account: 'bob', amount: usd(10_000) }, open('bob', mbtc(4_000))],
      T0,
    );
    // $98,700: equity 10,000 − 5,200 = 4,800 < MM 394,800·1.25 % = 4,935; notional > $100k → 0.8 BTC.
    s = step(s, btcPrice(98_700), T0 + 1);
    s = step(s, liquidate('bob'), T0 + 1);
    expect(position(s, 'bob')).toMatchObject({ sizeBase: 3_200n, entryQuote: usd(320_000) });
    expect(bal(s, 'acct:bob')).toBe(usd(10_000 - 1_040));
    expect(s.ext.lastPartialLiquidationSeconds.get('bob')).toBe(T0 + 1);
    expect(hyperliquidModel.health(s, 'bob', T0 + 1).liquidatable).toBe(false); // 4,800 ≥ 3,948
    // $98,300 ten seconds later: equity 8,960 − 5,440 = 3,520 < 3,932: the whole 3.2 BTC (cooldown).
    s = step(s, btcPrice(98_300), T0 + 11);
    s = step(s, liquidate('bob'), T0 + 11);
    expect(position(s, 'bob')).toBeUndefined();
    expect(bal(s, 'acct:bob')).toBe(usd(3_520));
  });

  test('behavior: after the cooldown a large position is chunked again', () => {
    let s = run(
      base(),
      [{ type: 'deposit', account: 'bob', amount: usd(10_000) }, open('bob', mbtc(4_000))],
      T0,
    );
    s = run(s, [btcPrice(98_700), liquidate('bob')], T0 + 1);
    s = step(s, btcPrice(98_300), T0 + 31);
    s = step(s, liquidate('bob'), T0 + 31);
    // 20 % of 3.2 BTC = 0.64 BTC; realized 0.64·(−1,700) = −1,088.
    expect(position(s, 'bob')?.sizeBase).toBe(2_560n);
    expect(bal(s, 'acct:bob')).toBe(usd(8_960 - 1_088));
    expect(s.ext.lastPartialLiquidationSeconds.get('bob')).toBe(T0 + 31);
  });

  test('behavior: below ⅔ of maintenance the vault takes the positions and the margin', () => {
    let s = run(
      base(),
      [{ type: 'deposit', account: 'carol', amount: usd(1_000) }, open('carol', mbtc(300))],
      T0,
    );
    // $97,000: equity 1,000 − 900 = 100 < ⅔·363.75 = 242.5.
    s = step(s, btcPrice(97_000), T0 + 1);
    const events = eventsOf(s, liquidate('carol'), T0 + 1);
    s = step(s, liquidate('carol'), T0 + 1);
    expect(events.find((e) => e.type === 'HyperliquidLiquidated')).toMatchObject({ kind: 'backstop' });
    expect(position(s, 'carol')).toBeUndefined();
    expect(bal(s, 'acct:carol')).toBe(0n); // the maintenance margin is not returned
    expect(position(s, 'hlp')).toMatchObject({ sizeBase: 300n, entryQuote: usd(30_000) });
    expect(bal(s, 'acct:hlp')).toBe(usd(1_001_000));
  });

  test('behavior: an isolated position is backstopped alone; cross margin untouched', () => {
    let s = run(
      base(),
      [
        { type: 'deposit', account: 'ivy', amount: usd(5_000) },
        open('ivy', mbtc(300), { marginMode: 'isolated', isolatedMargin: usd(1_000) }),
      ],
      T0,
    );
    expect(bal(s, 'iso:ivy:BTC-PERP')).toBe(usd(1_000));
    expect(bal(s, 'acct:ivy')).toBe(usd(4_000));
    s = run(s, [btcPrice(97_000), liquidate('ivy')], T0 + 1);
    expect(position(s, 'ivy')).toBeUndefined();
    expect(bal(s, 'iso:ivy:BTC-PERP')).toBe(0n);
    expect(bal(s, 'acct:ivy')).toBe(usd(4_000));
    expect(bal(s, 'acct:hlp')).toBe(usd(1_001_000));
  });

  test('behavior: negative equity → ADL at the previous oracle price, deficit split, no bad debt', () => {
    let s = run(
      base(),
      [
        { type: 'deposit', account: 'dave', amount: usd(1_000) },
        { type: 'deposit', account: 'erin', amount: usd(10_000) },
        { type: 'deposit', account: 'frank', amount: usd(1_000) },
        open('dave', mbtc(300)),
        open('erin', -mbtc(200)),
        open('frank', -mbtc(100)),
      ],
      T0,
    );
    s = step(s, btcPrice(96_000), T0 + 1);
    s = step(s, btcPrice(95_000), T0 + 2);
    // Mark $95k: dave's equity 1,000 − 1,500 < 0. Previous oracle price $96k: still underwater
    // (28,800 < entry − collateral = 29,000), so the shorts buy at 29,000 (the bankruptcy quote).
    // Rank at $96k, key = entry / account value: frank 10,000/1,400 > erin 20,000/10,800.
    const events = eventsOf(s, liquidate('dave'), T0 + 2);
    s = step(s, liquidate('dave'), T0 + 2);
    expect(events.find((e) => e.type === 'HyperliquidAutoDeleveraged')).toMatchObject({
      previousOraclePrice: 96_000_000_000n,
      bankruptcyQuote: usd(29_000),
      counterparties: ['frank', 'erin'],
      deleveragedBase: 300n,
    });
    // frank: floor(29,000·1/3) = 9,666.666666 for 0.1 BTC sold short at 10,000 → +333.333334.
    expect(bal(s, 'acct:frank')).toBe(usd(1_000) + 333_333_334n);
    // erin: the remaining 19,333.333334 for 0.2 BTC → +666.666666.
    expect(bal(s, 'acct:erin')).toBe(usd(10_000) + 666_666_666n);
    expect(bal(s, 'acct:dave')).toBe(0n);
    expect(position(s, 'dave')).toBeUndefined();
    expect(position(s, 'erin')).toBeUndefined();
    expect(position(s, 'frank')).toBeUndefined();
    expect(bal(s, 'acct:book')).toBe(usd(10_000_000)); // nobody else paid
    expect(bal(s, 'acct:hlp')).toBe(usd(1_000_000));
  });

  test('behavior: funding, isolated margin in and out, closing', () => {
    const s = run(
      base(),
      [
        { type: 'deposit', account: 'gus', amount: usd(10_000) },
        open('gus', -mbtc(1_000), { marginMode: 'isolated', isolatedMargin: usd(5_000) }),
        { type: 'addIsolatedMargin', account: 'gus', market: M, amount: usd(1_000) },
        { type: 'removeIsolatedMargin', account: 'gus', market: M, amount: usd(500) },
        // 0.01 % of $100k per BTC: 1 BTC short receives $10.
        { type: 'accrueFunding', market: M, ratePpm: 100 },
        { type: 'closePosition', account: 'gus', market: M },
      ],
      T0,
    );
    expect(position(s, 'gus')).toBeUndefined();
    expect(bal(s, 'iso:gus:BTC-PERP')).toBe(0n);
    expect(bal(s, 'acct:gus')).toBe(usd(10_010));
  });

  test('error: refusals by class', () => {
    expect(refusal(hlEngine.initial(), { type: 'deposit', account: 'a', amount: 1 })).toBeInstanceOf(
      NotConfiguredError,
    );
    let s = run(base(), [{ type: 'deposit', account: 'alice', amount: usd(1_000) }], T0);
    expect(refusal(s, { type: 'configure', params: TEST_HL_PARAMS })).toBeInstanceOf(InvalidParameterError);
    expect(refusal(s, open('alice', mbtc(500)))).toBeInstanceOf(InsufficientMarginError); // IM 1,250 > 1,000
    expect(refusal(s, open('alice', mbtc(100), { market: 'ETH-PERP' }))).toBeInstanceOf(
      InvalidParameterError,
    );
    s = step(s, open('alice', mbtc(300)), T0);
    expect(refusal(s, { type: 'withdraw', account: 'alice', amount: usd(300) })).toBeInstanceOf(
      InsufficientMarginError,
    );
    expect(refusal(s, liquidate('nobody'))).toBeInstanceOf(UnknownAccountError);
    expect(refusal(s, liquidate('book'))).toBeInstanceOf(PositionNotLiquidatableError);
    expect(refusal(s, liquidate('hlp'))).toBeInstanceOf(PositionNotLiquidatableError);
    expect(refusal(s, liquidate('alice'), T0 + 2_000_000)).toBeInstanceOf(StaleOraclePriceError);
  });

  test('behavior: the default parameters configure and trade', () => {
    let s = run(hlEngine.initial(), setupCommands(DEFAULT_HYPERLIQUID_PARAMS), T0);
    s = run(
      s,
      [
        { type: 'deposit', account: 'bob', amount: usd(10_000) },
        open('bob', 100_000n),
        { type: 'closePosition', account: 'bob', market: M },
      ],
      T0,
    );
    expect(position(s, 'bob')).toBeUndefined();
    expect(bal(s, 'acct:bob')).toBeLessThan(usd(10_000)); // spread and 0.045 % fees
  });
});
