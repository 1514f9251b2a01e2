/**
 * The ADL keeper helper over the perps core: the mirror of a GMX market (the pool as maker
 * account) and the ranking of profitable positions. Numbers derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { unrealizedPnlQuote } from '../../engine/perps/margin.js';
import type { PerpPosition } from '../../engine/perps/types.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { adlCandidates, mirrorMarket } from './adl.js';
import { ethPrice, MARKET, open, pid, run, type S, usd, usdc, weth, withAlice } from './testkit.js';

const NOW = 1_000;

/** alice long $10k and bob long $4k at $2000, carol short $6k at $2000, dave long $2k at $2500. */
function book(): S {
  let s = withAlice();
  s = open(s, { account: 'bob', isLong: true, token: 'WETH', collateral: weth(1n), sizeUsd: usd(4000n) });
  s = open(s, {
    account: 'carol',
    isLong: false,
    token: 'USDC',
    collateral: usdc(1000n),
    sizeUsd: usd(6000n),
  });
  s = run(s, ethPrice(2500n));
  s = open(s, { account: 'dave', isLong: true, token: 'USDC', collateral: usdc(1000n), sizeUsd: usd(2000n) });
  return run(s, ethPrice(2400n));
}

describe('mirrorMarket', () => {
  test('default: positions mirrored in USD·1e30 with the pool holding the other side', () => {
    const s = book();
    const { view, marks } = mirrorMarket(s, MARKET, NOW);
    const market = view.book.markets[MARKET];
    const positions = market?.positions ?? PersistentMap.empty<PerpPosition>();
    let net = 0n;
    positions.forEach((p) => {
      net += p.sizeBase;
    });
    expect(net).toBe(0n);
    // alice: 5 ETH for $10k at $2400 → +$2000, the same as GMX's PnL
    const alice = positions.get(pid('alice', 'USDC', true));
    expect(alice).toMatchObject({ sizeBase: 5n * 10n ** 18n, entryQuote: usd(10_000n) });
    if (alice === undefined || market === undefined) throw new Error('missing');
    expect(unrealizedPnlQuote(alice, marks[MARKET] ?? 0n, market.config)).toBe(usd(2000n));
    // carol's short: −3 ETH, entry −$6000
    expect(positions.get(pid('carol', 'USDC', false))).toMatchObject({
      sizeBase: -3n * 10n ** 18n,
      entryQuote: -usd(6000n),
    });
  });
});

describe('adlCandidates', () => {
  test('default: profitable longs, largest PnL first (the core ranking `pnl`)', () => {
    // alice +$2000, bob 2 ETH +$800, dave 0.8 ETH bought at $2500 → −$80 (left out)
    expect(adlCandidates(book(), MARKET, true, NOW)).toEqual([
      pid('alice', 'USDC', true),
      pid('bob', 'WETH', true),
    ]);
    // carol's short is −$1200: no short candidate
    expect(adlCandidates(book(), MARKET, false, NOW)).toEqual([]);
  });

  test('behavior: a keeper-chosen order is kept', () => {
    const chosen = [pid('bob', 'WETH', true), pid('alice', 'USDC', true)];
    expect(adlCandidates(book(), MARKET, true, NOW, { kind: 'keeperChosen', accounts: chosen })).toEqual(
      chosen,
    );
  });

  test('error: a keeper list naming no position of the side', () => {
    expect(() =>
      adlCandidates(book(), MARKET, false, NOW, { kind: 'keeperChosen', accounts: ['nobody'] }),
    ).toThrow(InvalidParameterError);
  });
});
