/**
 * Tests of the loss side of perps: bankruptcy quotes, the ADL rankings (each kind, hand-ranked),
 * ADL execution split over counterparties at the bankruptcy quote, socialized loss through the
 * funding indexes, the shortfall waterfall (insurance, backstop vault, socialization) and a
 * backstop takeover. Scales: sizes in 0.001 ETH, prices ×1e8, USDC 6 decimals.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { balanceOf } from '../ledger.js';
import {
  type AdlRanking,
  autoDeleverage,
  backstopTakeover,
  bankruptcyQuote,
  coverBankruptcy,
  rankForAdl,
  socializeLoss,
} from './loss.js';
import { price8, testView, usdcUnits } from './testkit.js';
import { type PerpsView, positionOf } from './types.js';

const bal = (view: PerpsView, bucket: string) => balanceOf(view.ledger, bucket, 'USDC');
const pos = (view: PerpsView, account: string) => positionOf(view.book, account, 'ETH-PERP');
const entrySum = (view: PerpsView) =>
  view.book.markets['ETH-PERP']!.positions.values().reduce((s, p) => s + p.entryQuote, 0n);

describe('bankruptcyQuote', () => {
  test('default: a long bankrupt at the mark closes where its collateral is used up', () => {
    // Long 3 from 6014 with 696.993 at 1700: max(5100, 6014 − 696.993) = 5317.007 (1772.3356666… each).
    const view = testView({
      positions: [{ account: 'z', sizeBase: 3_000n, entryQuote: usdcUnits(6_014) }],
      balances: { 'acct:z': 696_993_000n },
    });
    expect(bankruptcyQuote(view, 'z', 'ETH-PERP', { 'ETH-PERP': price8(1_700) })).toEqual({
      sizeBase: 3_000n,
      quote: 5_317_007_000n,
      price: 177_233_566_666n,
      positionEquityQuote: -217_007_000n,
    });
  });

  test('behavior: a short pays at most entry + collateral; a solvent position closes at the mark', () => {
    // Short 2 from 4000 with 100 at 2100: max(−4200, −4100) = −4100 → 2050.
    const short = testView({
      positions: [{ account: 's', sizeBase: -2_000n, entryQuote: -usdcUnits(4_000) }],
      balances: { 'acct:s': usdcUnits(100) },
    });
    expect(bankruptcyQuote(short, 's', 'ETH-PERP', { 'ETH-PERP': price8(2_100) })).toMatchObject({
      quote: -usdcUnits(4_100),
      price: price8(2_050),
    });
    const solvent = testView({
      positions: [{ account: 'l', sizeBase: 1_000n, entryQuote: usdcUnits(2_000) }],
      balances: { 'acct:l': usdcUnits(1_000) },
    });
    expect(bankruptcyQuote(solvent, 'l', 'ETH-PERP', { 'ETH-PERP': price8(2_000) })).toMatchObject({
      quote: usdcUnits(2_000),
      positionEquityQuote: usdcUnits(1_000),
    });
  });

  test('error: no open position', () => {
    expect(() => bankruptcyQuote(testView(), 'z', 'ETH-PERP', { 'ETH-PERP': price8(1) })).toThrow(
      InvalidParameterError,
    );
  });
});

describe('rankForAdl', () => {
  // Shorts at 1000 (1 ETH = 1000 USDC). PnL%, leverage, PnL% × leverage by hand:
  // p: 1 ETH from 2000, +1000 (50 %), equity 10,000 → 0.1x  → 0.05
  // q: 2 ETH from 2400, +400 (16.7 %), equity 500   → 4x    → 0.667
  // r: 1 ETH from 1100, +100 (9.1 %), equity 150    → 6.67x → 0.606
  // t: the same as r (a tie: ids decide)
  // s: 1 ETH from 900, −100 (−11.1 %), equity 900   → 1.11x → −0.123
  // l: a long (never on the short side)
  const view = testView({
    positions: [
      { account: 'p', sizeBase: -1_000n, entryQuote: -usdcUnits(2_000) },
      { account: 'q', sizeBase: -2_000n, entryQuote: -usdcUnits(2_400) },
      { account: 'r', sizeBase: -1_000n, entryQuote: -usdcUnits(1_100) },
      { account: 't', sizeBase: -1_000n, entryQuote: -usdcUnits(1_100) },
      { account: 's', sizeBase: -1_000n, entryQuote: -usdcUnits(900) },
      { account: 'l', sizeBase: 6_000n, entryQuote: usdcUnits(6_000) },
    ],
    balances: {
      'acct:p': usdcUnits(9_000),
      'acct:q': usdcUnits(100),
      'acct:r': usdcUnits(50),
      'acct:t': usdcUnits(50),
      'acct:s': usdcUnits(1_000),
    },
  });
  const marks = { 'ETH-PERP': price8(1_000) };
  const order = (ranking: AdlRanking, exclude: string[] = []) =>
    rankForAdl(view, 'ETH-PERP', 'short', marks, ranking, { exclude }).map((c) => c.account);

  test('default: PnL % × leverage', () => {
    expect(order({ kind: 'pnlLeverage' })).toEqual(['q', 'r', 't', 'p', 's']);
    expect(rankForAdl(view, 'ETH-PERP', 'short', marks, { kind: 'pnlLeverage' })[0]).toEqual({
      account: 'q',
      sizeBase: -2_000n,
      unrealizedPnlQuote: usdcUnits(400),
      costBasisQuote: usdcUnits(2_400),
      notionalQuote: usdcUnits(2_000),
      equityQuote: usdcUnits(500),
    });
  });

  test('behavior: PnL, leverage, keeper-chosen, exclusions and the long side', () => {
    expect(order({ kind: 'pnl' })).toEqual(['p', 'q', 'r', 't', 's']);
    expect(order({ kind: 'leverage' })).toEqual(['r', 't', 'q', 's', 'p']);
    expect(order({ kind: 'keeperChosen', accounts: ['s', 'x', 'p', 's', 'l'] })).toEqual(['s', 'p']);
    expect(order({ kind: 'pnlLeverage' }, ['q', 'r'])).toEqual(['t', 'p', 's']);
    expect(rankForAdl(view, 'ETH-PERP', 'long', marks, { kind: 'pnl' }).map((c) => c.account)).toEqual(['l']);
  });

  test('behavior: random is a seeded shuffle by SHA-256 of seed:account', () => {
    const byHash = (seed: string) =>
      ['p', 'q', 'r', 's', 't'].sort((a, b) => {
        const ha = createHash('sha256').update(`${seed}:${a}`).digest('hex');
        const hb = createHash('sha256').update(`${seed}:${b}`).digest('hex');
        return ha < hb ? -1 : 1;
      });
    for (const seed of ['1', '2', 'seven']) expect(order({ kind: 'random', seed })).toEqual(byHash(seed));
    const orders = new Set(
      ['1', '2', '3', '4', '5', '6'].map((seed) => order({ kind: 'random', seed }).join()),
    );
    expect(orders.size).toBeGreaterThan(1);
  });
});

describe('autoDeleverage', () => {
  // z long 3 from 6014 with 696.993 is bankrupt at 1700 (quote 5317.007). Shorts by PnL at 1700:
  // a 2 from 4000 (+600), then b 2 from 3000 (−400). mm settles the residuals.
  const view = testView({
    positions: [
      { account: 'z', sizeBase: 3_000n, entryQuote: usdcUnits(6_014) },
      { account: 'a', sizeBase: -2_000n, entryQuote: -usdcUnits(4_000) },
      { account: 'b', sizeBase: -2_000n, entryQuote: -usdcUnits(3_000) },
    ],
    balances: {
      'acct:z': 696_993_000n,
      'acct:a': usdcUnits(1_000),
      'acct:b': usdcUnits(1_000),
      'acct:mm': usdcUnits(10_000),
    },
  });
  const marks = { 'ETH-PERP': price8(1_700) };

  test('default: the bankrupt long is closed against the ranked shorts at its bankruptcy quote', () => {
    const r = autoDeleverage(view, {
      bankruptAccount: 'z',
      market: 'ETH-PERP',
      sizeBase: 3_000n,
      bankruptcyQuote: 5_317_007_000n,
      ranking: { kind: 'pnl' },
      marks,
    });
    // a takes 2 for floor(5317.007 · 2/3) = 3544.671333; b the last 1 for the rest 1772.335667.
    expect(
      r.fills.map((f) => [f.counterparty, f.sizeBase, f.quoteAmount, f.counterpartyRealizedQuote]),
    ).toEqual([
      ['a', 2_000n, 3_544_671_333n, 455_328_667n], // −3544.671333 + 4000
      ['b', 1_000n, 1_772_335_667n, -272_335_667n], // −1772.335667 + 1500
    ]);
    expect(r).toMatchObject({ deleveragedBase: 3_000n, remainingBase: 0n, unpaidQuote: 0n });
    // z pays exactly its 696.993: removed ceil(6014·2/3) = 4009.333334 then 2004.666666.
    expect(bal(r.view, 'acct:z')).toBe(0n);
    expect(pos(r.view, 'z')).toBeUndefined();
    expect(pos(r.view, 'a')).toBeUndefined();
    expect(pos(r.view, 'b')).toMatchObject({ sizeBase: -1_000n, entryQuote: -usdcUnits(1_500) });
    expect(bal(r.view, 'acct:a')).toBe(usdcUnits(1_000) + 455_328_667n);
    expect(bal(r.view, 'acct:b')).toBe(usdcUnits(1_000) - 272_335_667n);
    // Residuals −(−464.662001 + 455.328667) = 9.333334 and −(−232.330999 − 272.335667) = 504.666666.
    expect(bal(r.view, 'acct:mm')).toBe(usdcUnits(10_000) + 514_000_000n);
    expect(pos(r.view, 'mm')).toMatchObject({ sizeBase: 0n, entryQuote: 514_000_000n });
    expect(entrySum(r.view)).toBe(entrySum(view));
  });

  test('behavior: a short keeper list leaves the rest open', () => {
    const r = autoDeleverage(view, {
      bankruptAccount: 'z',
      market: 'ETH-PERP',
      sizeBase: 3_000n,
      bankruptcyQuote: 5_317_007_000n,
      ranking: { kind: 'keeperChosen', accounts: ['b'] },
      marks,
    });
    expect(r).toMatchObject({ deleveragedBase: 2_000n, remainingBase: 1_000n });
    expect(pos(r.view, 'z')).toMatchObject({ sizeBase: 1_000n });
  });

  test('behavior: regression (property test): an isolated counterparty closed in full gets its margin back', () => {
    // z long 1 from 2000 with 100 at 1700 is bankrupt (quote 1900); i is short 1 from 2000 isolated
    // with 300: closed in full at 1900 (+100), its 400 returns to cross.
    const iso = testView({
      positions: [
        { account: 'z', sizeBase: 1_000n, entryQuote: usdcUnits(2_000) },
        { account: 'i', sizeBase: -1_000n, entryQuote: -usdcUnits(2_000), marginMode: 'isolated' },
      ],
      balances: {
        'acct:z': usdcUnits(100),
        'iso:i:ETH-PERP': usdcUnits(300),
        'acct:i': usdcUnits(5),
        'acct:mm': usdcUnits(1),
      },
    });
    const r = autoDeleverage(iso, {
      bankruptAccount: 'z',
      market: 'ETH-PERP',
      sizeBase: 1_000n,
      bankruptcyQuote: usdcUnits(1_900),
      ranking: { kind: 'pnl' },
      marks,
    });
    expect(bal(r.view, 'iso:i:ETH-PERP')).toBe(0n);
    expect(bal(r.view, 'acct:i')).toBe(usdcUnits(405));
    expect(bal(r.view, 'acct:z')).toBe(0n);
  });

  test('error: nothing to deleverage, or a size out of range', () => {
    const base = {
      bankruptAccount: 'z',
      market: 'ETH-PERP',
      sizeBase: 3_000n,
      bankruptcyQuote: 1n,
      ranking: { kind: 'pnl' as const },
      marks,
    };
    expect(() => autoDeleverage(view, { ...base, bankruptAccount: 'nobody' })).toThrow(InvalidParameterError);
    expect(() => autoDeleverage(view, { ...base, sizeBase: 3_001n })).toThrow(InvalidParameterError);
    expect(() => autoDeleverage(view, { ...base, sizeBase: 0n })).toThrow(InvalidParameterError);
  });
});

describe('socializeLoss', () => {
  const view = testView({
    positions: [
      { account: 'a', sizeBase: 3n, entryQuote: 0n },
      { account: 'b', sizeBase: -2n, entryQuote: 0n },
      { account: 'c', sizeBase: -1n, entryQuote: 0n },
    ],
  });

  test('default: every open position pays its share, rounded up, credited to the creditor', () => {
    // d = ceil(10·1e18 / 6) = 1,666,666,666,666,666,667: a pays ceil(5.000…001) = 6, b ceil(3.3̅) = 4, c ceil(1.6̅) = 2.
    const r = socializeLoss(view, { market: 'ETH-PERP', lossQuote: 10n, creditor: 'mm' });
    expect(r.chargedQuote).toBe(12n);
    expect(pos(r.view, 'a')).toMatchObject({
      entryQuote: 6n,
      fundingIndexSettled: 1_666_666_666_666_666_667n,
    });
    expect(pos(r.view, 'b')).toMatchObject({
      entryQuote: 4n,
      fundingIndexSettled: -1_666_666_666_666_666_667n,
    });
    expect(pos(r.view, 'c')).toMatchObject({ entryQuote: 2n });
    expect(pos(r.view, 'mm')).toMatchObject({ sizeBase: 0n, entryQuote: -12n });
    expect(balanceOf(r.view.ledger, 'socialized', 'USDC.debt')).toBe(10n);
    expect(entrySum(r.view)).toBe(0n);
  });

  test('behavior: with no open interest nothing is charged (the loss is still recorded)', () => {
    const r = socializeLoss(testView(), { market: 'ETH-PERP', lossQuote: 10n, creditor: 'mm' });
    expect(r.chargedQuote).toBe(0n);
    expect(balanceOf(r.view.ledger, 'socialized', 'USDC.debt')).toBe(10n);
    expect(socializeLoss(view, { market: 'ETH-PERP', lossQuote: 0n, creditor: 'mm' }).events).toEqual([]);
  });

  test('error: a negative loss', () => {
    expect(() => socializeLoss(view, { market: 'ETH-PERP', lossQuote: -1n, creditor: 'mm' })).toThrow(
      InvalidParameterError,
    );
  });
});

describe('coverBankruptcy', () => {
  const view = testView({
    positions: [
      { account: 'a', sizeBase: 5n, entryQuote: 0n },
      { account: 'b', sizeBase: -5n, entryQuote: 0n },
    ],
    balances: { insurance: 30n, 'acct:vault': 50n, 'acct:mm': 1n },
  });

  test('default: insurance down to its floor, then the backstop vault, then socialization', () => {
    const r = coverBankruptcy(view, {
      market: 'ETH-PERP',
      shortfallQuote: 100n,
      creditor: 'mm',
      steps: ['insurance', 'backstop', 'socialize'],
      backstopAccount: 'vault',
      insuranceFloorQuote: 1n,
    });
    expect(r).toMatchObject({
      fromInsuranceQuote: 29n,
      fromBackstopQuote: 50n,
      socializedQuote: 21n,
      uncoveredQuote: 0n,
    });
    expect(bal(r.view, 'insurance')).toBe(1n);
    expect(bal(r.view, 'acct:vault')).toBe(0n);
    expect(bal(r.view, 'acct:mm')).toBe(80n);
    // 21 over 10 base units: d = 2.1e18, each side pays ceil(10.5) = 11.
    expect(pos(r.view, 'mm')).toMatchObject({ entryQuote: -22n });
  });

  test('behavior: what no step pays stays with the creditor', () => {
    const r = coverBankruptcy(view, {
      market: 'ETH-PERP',
      shortfallQuote: 100n,
      creditor: 'mm',
      steps: ['insurance'],
    });
    expect(r).toMatchObject({ fromInsuranceQuote: 30n, uncoveredQuote: 70n });
  });

  test('error: a backstop step without a vault', () => {
    expect(() =>
      coverBankruptcy(view, { market: 'ETH-PERP', shortfallQuote: 1n, creditor: 'mm', steps: ['backstop'] }),
    ).toThrow(InvalidParameterError);
  });
});

describe('backstopTakeover', () => {
  test('default: cross positions and collateral merge into the vault', () => {
    const view = testView({
      positions: [
        { account: 'u', sizeBase: 2_000n, entryQuote: usdcUnits(4_000) },
        { account: 'vault', sizeBase: -500n, entryQuote: -usdcUnits(900) },
        { account: 'i', sizeBase: 1_000n, entryQuote: usdcUnits(2_000), marginMode: 'isolated' },
      ],
      balances: {
        'acct:u': usdcUnits(300),
        'acct:vault': usdcUnits(1_000),
        'iso:i:ETH-PERP': usdcUnits(50),
        'acct:i': usdcUnits(7),
      },
    });
    const r = backstopTakeover(view, { account: 'u', backstopAccount: 'vault', scope: 'cross' });
    // Sizes and entries add: 2 − 0.5 = 1.5 ETH at 4000 − 900 = 3100 (equity preserved at any price).
    expect(pos(r.view, 'vault')).toMatchObject({
      sizeBase: 1_500n,
      entryQuote: usdcUnits(3_100),
      marginMode: 'cross',
    });
    expect(pos(r.view, 'u')).toBeUndefined();
    expect(bal(r.view, 'acct:u')).toBe(0n);
    expect(bal(r.view, 'acct:vault')).toBe(usdcUnits(1_300));
    const iso = backstopTakeover(view, { account: 'i', backstopAccount: 'vault', scope: 'ETH-PERP' });
    expect(pos(iso.view, 'vault')).toMatchObject({ sizeBase: 500n, entryQuote: usdcUnits(1_100) });
    expect(bal(iso.view, 'acct:vault')).toBe(usdcUnits(1_050));
    expect(bal(iso.view, 'acct:i')).toBe(usdcUnits(7));
  });

  test('error: self takeover or nothing to take', () => {
    const view = testView({ positions: [{ account: 'u', sizeBase: 1n, entryQuote: 1n }] });
    expect(() => backstopTakeover(view, { account: 'u', backstopAccount: 'u', scope: 'cross' })).toThrow(
      InvalidParameterError,
    );
    expect(() => backstopTakeover(view, { account: 'x', backstopAccount: 'v', scope: 'ETH-PERP' })).toThrow(
      InvalidParameterError,
    );
  });
});
