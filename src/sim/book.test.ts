/**
 * Tests of the stress lab's books: synthetic books (determinism by seed, distribution checks with
 * fixed seeds against closed forms derived by hand), the `solvent-book/1` snapshot parser (tables of
 * good and bad files, errors by class and field), and the protocol adapters, whose commands are
 * applied through createEngine/apply on each supported model.
 */
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState, type ProtocolModel } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { apply, type Command } from '../engine/machine.js';
import { feedOracleCommand } from '../engine/testkit.js';
import { RAD, RAY, WAD } from '../math/units.js';
import { aaveV33Model, aaveV35Model, aaveV37Model } from '../protocols/aave-v3/model.js';
import type { AaveExt } from '../protocols/aave-v3/state.js';
import { testMarket } from '../protocols/aave-v3/testkit.js';
import { compoundV3Model } from '../protocols/compound-v3/model.js';
import { DEFAULT_COMPOUND_PARAMS } from '../protocols/compound-v3/params.js';
import { makerLiq1Model } from '../protocols/maker/liq1/model.js';
import { makerLiq2Model } from '../protocols/maker/liq2/model.js';
import { DEFAULT_MAKER_PARAMS } from '../protocols/maker/params.js';
import { ethOracle, ethPrice } from '../protocols/maker/testkit.js';
import type { WithCore } from '../protocols/maker/vat.js';
import {
  type Book,
  bookCommands,
  bookFromSnapshot,
  DEFAULT_HEALTH_DISTRIBUTION,
  type HealthDistribution,
  parseBookSnapshot,
  type SyntheticBookOptions,
  syntheticBook,
} from './book.js';
import { createRng } from './rng.js';

const ETH = { accounts: 20_000, collateralAsset: 'ETH', collateralPriceUsd: 2000 } as const;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

/** Share of accounts whose collateral ratio is below `ratio` (collateral valued at `priceUsd`). */
function shareBelow(book: Book, priceUsd: number, ratio: number): number {
  let n = 0;
  for (const a of book.accounts) {
    const c = a.collateral[0]?.amountWhole ?? 0;
    if ((c * priceUsd) / a.debtUsd < ratio) n++;
  }
  return n / book.accounts.length;
}

/** The mixture's CDF written out from its definition: P(r < R) = Σ w·(1 − exp(−(R/m − 1 − floor)/mean)). */
function mixtureShareBelow(health: HealthDistribution, minRatio: number, ratio: number): number {
  const total = health.components.reduce((s, c) => s + c.weight, 0);
  let p = 0;
  for (const c of health.components) {
    const x = ratio / minRatio - 1 - c.floorExcess;
    if (x > 0) p += (c.weight / total) * (1 - Math.exp(-x / c.meanExcess));
  }
  return p;
}

/** Binomial 4-sigma band around p for n draws. */
const band = (p: number, n: number): number => 4 * Math.sqrt((p * (1 - p)) / n) + 1e-9;

describe('syntheticBook', () => {
  test('default: deterministic by seed, seed-stable ids, prefix-stable, ratios above the minimum', () => {
    const a = syntheticBook(createRng(7), { ...ETH, accounts: 500 });
    const b = syntheticBook(createRng(7), { ...ETH, accounts: 500 });
    const c = syntheticBook(createRng(8), { ...ETH, accounts: 500 });
    expect(b).toEqual(a);
    expect(c.accounts.map((x) => x.debtUsd)).not.toEqual(a.accounts.map((x) => x.debtUsd));
    expect(c.accounts.map((x) => x.id)).toEqual(a.accounts.map((x) => x.id));
    expect(a.accounts[0]?.id).toBe('acct-000000');
    expect(a.accounts[499]?.id).toBe('acct-000499');
    const small = syntheticBook(createRng(7), { ...ETH, accounts: 100 });
    expect(small.accounts).toEqual(a.accounts.slice(0, 100));
    for (const acct of a.accounts) {
      const line = acct.collateral[0];
      expect(line?.asset).toBe('ETH');
      expect(((line?.amountWhole ?? 0) * 2000) / acct.debtUsd).toBeGreaterThanOrEqual(1.5 * (1 - 1e-12));
    }
    expect(a.description).toContain('lognormal(median $50000, sigma 1.3)');
  });

  test('behavior: lognormal sizes: median and 99th percentile within sampling error', () => {
    const book = syntheticBook(createRng(11), ETH);
    const n = book.accounts.length;
    const debts = book.accounts.map((a) => a.debtUsd).sort((x, y) => x - y);
    // Median 50,000; its standard error is m·σ·sqrt(π/2)/sqrt(n) ≈ 0.012·m: allow 4 %.
    expect(Math.abs(quantile(debts, 0.5) / 50_000 - 1)).toBeLessThan(0.04);
    // P(debt > m·exp(σ·2.3263)) = 1 % (z of the 99th percentile).
    const p99 = 50_000 * Math.exp(1.3 * 2.3263);
    const above = debts.filter((d) => d > p99).length / n;
    expect(Math.abs(above - 0.01)).toBeLessThan(band(0.01, n));
    // Below Maker's 7,500 dust: Φ(ln(0.15)/1.3) = Φ(−1.4593) ≈ 0.0722.
    const dust = debts.filter((d) => d < 7_500).length / n;
    expect(Math.abs(dust - 0.0722)).toBeLessThan(band(0.0722, n));
  });

  test('behavior: pareto sizes: xmin is the floor, median xmin·2^(1/α), tail (xmin/x)^α', () => {
    const book = syntheticBook(createRng(12), {
      ...ETH,
      sizeDistribution: { kind: 'pareto', xminUsd: 10_000, alpha: 1.5 },
    });
    const n = book.accounts.length;
    const debts = book.accounts.map((a) => a.debtUsd).sort((x, y) => x - y);
    expect(debts[0]).toBeGreaterThanOrEqual(10_000);
    const belowMedian = debts.filter((d) => d < 10_000 * 2 ** (1 / 1.5)).length / n;
    expect(Math.abs(belowMedian - 0.5)).toBeLessThan(band(0.5, n));
    const tail = 10 ** -1.5; // P(debt > 10·xmin)
    const above = debts.filter((d) => d > 100_000).length / n;
    expect(Math.abs(above - tail)).toBeLessThan(band(tail, n));
  });

  test('behavior: health mixture: share below a ratio matches the closed form (and the header figures)', () => {
    const book = syntheticBook(createRng(13), ETH);
    const n = book.accounts.length;
    // A price fall of d liquidates ratios below 1.5/(1 − d).
    for (const [drop, byHand] of [
      [0.03, 0.0266],
      [0.12, 0.0743],
      [0.528, 0.68],
    ] as const) {
      const ratio = 1.5 / (1 - drop);
      const expected = mixtureShareBelow(DEFAULT_HEALTH_DISTRIBUTION, 1.5, ratio);
      expect(Math.abs(expected - byHand)).toBeLessThan(0.005); // the header's arithmetic
      expect(Math.abs(shareBelow(book, 2000, ratio) - expected)).toBeLessThan(band(expected, n));
    }
    // The typical and conservative components have floors: nobody of theirs below 1.5·1.15.
    const custom: HealthDistribution = {
      kind: 'excessMixture',
      components: [
        { weight: 1, floorExcess: 0.2, meanExcess: 0.3 },
        { weight: 3, floorExcess: 1, meanExcess: 0.5 },
      ],
    };
    const b2 = syntheticBook(createRng(14), { ...ETH, healthDistribution: custom, minCollateralRatio: 2 });
    expect(shareBelow(b2, 2000, 2 * 1.2 * (1 - 1e-12))).toBe(0);
    const p = mixtureShareBelow(custom, 2, 3); // 0.25·(1 − e^{−1/0.3}) ≈ 0.2411
    expect(Math.abs(shareBelow(b2, 2000, 3) - p)).toBeLessThan(band(p, n));
  });

  test('error: every parameter is validated, naming the field', () => {
    const base: SyntheticBookOptions = { accounts: 10, collateralAsset: 'ETH', collateralPriceUsd: 2000 };
    const cases: [Partial<Record<string, unknown>>, string][] = [
      [{ accounts: -1 }, 'accounts'],
      [{ accounts: 1.5 }, 'accounts'],
      [{ collateralAsset: '' }, 'collateralAsset'],
      [{ collateralPriceUsd: 0 }, 'collateralPriceUsd'],
      [{ collateralPriceUsd: Number.NaN }, 'collateralPriceUsd'],
      [{ sizeDistribution: { kind: 'lognormal', medianUsd: 0, sigma: 1 } }, 'sizeDistribution.medianUsd'],
      [{ sizeDistribution: { kind: 'lognormal', medianUsd: 1, sigma: -1 } }, 'sizeDistribution.sigma'],
      [{ sizeDistribution: { kind: 'pareto', xminUsd: 1, alpha: 0 } }, 'sizeDistribution.alpha'],
      [{ sizeDistribution: { kind: 'pareto', xminUsd: -1, alpha: 2 } }, 'sizeDistribution.xminUsd'],
      [{ sizeDistribution: { kind: 'uniform' } }, 'sizeDistribution.kind'],
      [{ healthDistribution: { kind: 'excessMixture', components: [] } }, 'healthDistribution.components'],
      [
        {
          healthDistribution: {
            kind: 'excessMixture',
            components: [
              { weight: 1, floorExcess: 0, meanExcess: 1 },
              { weight: -1, floorExcess: 0, meanExcess: 1 },
            ],
          },
        },
        'healthDistribution.components[1].weight',
      ],
      [
        {
          healthDistribution: {
            kind: 'excessMixture',
            components: [{ weight: 1, floorExcess: 0, meanExcess: 0 }],
          },
        },
        'healthDistribution.components[0].meanExcess',
      ],
      [
        {
          healthDistribution: {
            kind: 'excessMixture',
            components: [{ weight: 0, floorExcess: 0, meanExcess: 1 }],
          },
        },
        'healthDistribution.components',
      ],
      [{ minCollateralRatio: 0.9 }, 'minCollateralRatio'],
      [{ idPrefix: 'a b' }, 'idPrefix'],
    ];
    for (const [override, field] of cases) {
      const options = { ...base, ...override } as unknown as SyntheticBookOptions;
      expect(() => syntheticBook(createRng(1), options)).toThrow(InvalidParameterError);
      try {
        syntheticBook(createRng(1), options);
      } catch (e) {
        expect((e as InvalidParameterError).field).toBe(field);
      }
    }
  });
});

const GOOD = {
  format: 'solvent-book/1',
  asOf: '2020-03-12T00:00:00Z',
  description: 'two vaults',
  prices: { DAI: '1', USDC: '0.5' },
  accounts: [
    {
      id: '0xabc',
      collateral: [{ asset: 'ETH', amount: '12.5' }],
      debt: [{ asset: 'DAI', amount: '1500.25' }],
    },
    {
      id: 'b-2',
      collateral: [
        { asset: 'ETH', amount: '0.000000000000000001' },
        { asset: 'WBTC', amount: '3' },
      ],
      debt: [
        { asset: 'DAI', amount: '10' },
        { asset: 'USDC', amount: '7' },
      ],
    },
    { id: 'c', collateral: [{ asset: 'ETH', amount: '1' }], debt: [] },
  ],
};

/** A deep copy of GOOD with `edit` applied. */
function variant(
  edit: (doc: Record<string, unknown> & { accounts: Record<string, unknown>[] }) => void,
): unknown {
  const doc = JSON.parse(JSON.stringify(GOOD));
  edit(doc);
  return doc;
}

describe('parseBookSnapshot', () => {
  test('default: reads every field exactly, from text or parsed JSON', () => {
    const snap = parseBookSnapshot(JSON.stringify(GOOD));
    expect(parseBookSnapshot(GOOD)).toEqual(snap);
    expect(snap.asOf).toBe('2020-03-12T00:00:00Z');
    expect(snap.pricesUsdWad).toEqual({ DAI: WAD, USDC: WAD / 2n });
    expect(snap.accounts[0]?.collateral).toEqual([{ asset: 'ETH', amountWad: 125n * 10n ** 17n }]);
    expect(snap.accounts[0]?.debt).toEqual([{ asset: 'DAI', amountWad: 150025n * 10n ** 16n }]);
    expect(snap.accounts[1]?.collateral[0]?.amountWad).toBe(1n);
    expect(snap.accounts[2]?.debt).toEqual([]);
  });

  test('behavior: bookFromSnapshot values debt at the prices (10 DAI + 7 USDC at $0.5 = $13.5)', () => {
    const book = bookFromSnapshot(parseBookSnapshot(GOOD));
    expect(book.accounts.map((a) => a.debtUsd)).toEqual([1500.25, 13.5, 0]);
    expect(book.accounts[0]?.collateral).toEqual([{ asset: 'ETH', amountWhole: 12.5 }]);
    expect(book.accounts[1]?.collateral[0]?.amountWhole).toBe(1e-18);
    expect(book.description).toContain('as of 2020-03-12T00:00:00Z, 3 accounts');
    const repriced = bookFromSnapshot(parseBookSnapshot(GOOD), { pricesUsdWad: { USDC: WAD } });
    expect(repriced.accounts[1]?.debtUsd).toBe(17);
    const noPrices = parseBookSnapshot(variant((d) => delete d.prices));
    expect(() => bookFromSnapshot(noPrices)).toThrow(InvalidParameterError);
    expect(fieldOf(() => bookFromSnapshot(noPrices))).toBe('accounts[0].debt[0].asset');
  });

  test('error: bad files name the field (all InvalidParameterError)', () => {
    const cases: [unknown, string][] = [
      ['{not json', 'snapshot'],
      [[], 'snapshot'],
      [variant((d) => (d.format = 'solvent-book/2')), 'format'],
      [variant((d) => delete d.format), 'format'],
      [variant((d) => (d.asOf = '2020-13-01')), 'asOf'],
      [variant((d) => (d.asOf = 1584000000)), 'asOf'],
      [variant((d) => (d.extra = 1)), 'extra'],
      [variant((d) => (d.prices = { DAI: 1 })), 'prices.DAI'],
      [variant((d) => delete (d as Record<string, unknown>).accounts), 'accounts'],
      [variant((d) => ((d as Record<string, unknown>).accounts = {})), 'accounts'],
      [variant((d) => ((d.accounts as unknown[])[1] = 'x')), 'accounts[1]'],
      [variant((d) => delete d.accounts[1]?.id), 'accounts[1].id'],
      [variant((d) => ((d.accounts[2] as Record<string, unknown>).id = '0xabc')), 'accounts[2].id'],
      [variant((d) => ((d.accounts[2] as Record<string, unknown>).id = 'has space')), 'accounts[2].id'],
      [variant((d) => ((d.accounts[0] as Record<string, unknown>).owner = 'x')), 'accounts[0].owner'],
      [
        variant((d) => ((d.accounts[0] as Record<string, unknown>).collateral = [])),
        'accounts[0].collateral',
      ],
      [variant((d) => delete (d.accounts[0] as Record<string, unknown>).debt), 'accounts[0].debt'],
    ];
    const amount = (value: unknown): unknown =>
      variant((d) => {
        const acct = d.accounts[3 - 3] as { collateral: Record<string, unknown>[] };
        (acct.collateral[0] as Record<string, unknown>).amount = value;
      });
    for (const bad of ['-1', '1e3', '1,000', ' 1', '0', '0.0000000000000000001', '']) {
      cases.push([amount(bad), 'accounts[0].collateral[0].amount']);
    }
    cases.push([amount(12.5), 'accounts[0].collateral[0].amount']);
    cases.push([
      variant((d) => {
        const acct = d.accounts[1] as { debt: Record<string, unknown>[] };
        (acct.debt[1] as Record<string, unknown>).asset = 'DAI';
      }),
      'accounts[1].debt[1].asset',
    ]);
    // accounts[3]: a fourth account with a bad collateral amount.
    cases.push([
      variant((d) => {
        d.accounts.push({ id: 'd', collateral: [{ asset: 'ETH', amount: 'ten' }], debt: [] });
      }),
      'accounts[3].collateral[0].amount',
    ]);
    for (const [raw, field] of cases) {
      expect(() => parseBookSnapshot(raw)).toThrow(InvalidParameterError);
      expect(fieldOf(() => parseBookSnapshot(raw))).toBe(field);
    }
  });
});

function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  return undefined;
}

/** Applies every command at `nowSeconds`, failing on the first refusal. */
function runAll<X>(
  model: ProtocolModel<X>,
  state: EngineState<X>,
  commands: readonly Command[],
  now: number,
) {
  const engine = createEngine(model);
  let s = state;
  for (const c of commands) s = apply(engine, s, c, now).state;
  return s;
}

/** Relative closeness of an integer amount (smallest units) to a float in whole units. */
function near(units: bigint, scale: bigint, expected: number, rel = 1e-12): boolean {
  return Math.abs(Number(units) / Number(scale) - expected) <= rel * expected + 1 / Number(scale);
}

const BOOK = syntheticBook(createRng(42), {
  accounts: 150,
  collateralAsset: 'ETH',
  collateralPriceUsd: 2000,
});
const ETH_2000 = { price: 2000n * WAD, priceDecimals: 18 };

describe('bookCommands: maker', () => {
  function makerSetup<X extends WithCore>(model: ProtocolModel<X>) {
    const engine = createEngine(model);
    return runAll(
      model,
      engine.initial(),
      [ethOracle(), ethPrice(2000n), { type: 'configure', params: DEFAULT_MAKER_PARAMS }],
      0,
    );
  }

  for (const model of [makerLiq2Model, makerLiq1Model] as ProtocolModel<WithCore>[]) {
    test(`default: ${model.id}: every command accepted, vaults match the book, dust skipped`, () => {
      const out = bookCommands(BOOK, model.id, { prices: { ETH: ETH_2000 } });
      const s = runAll(model, makerSetup(model), out.commands, 1);
      // Dust 7,500 DAI (ETH-A); ratio ≥ 1.5 > mat 1.45, so only dust skips.
      const small = BOOK.accounts.filter((a) => a.debtUsd < 7_500).map((a) => a.id);
      expect(out.skipped.map((x) => x.bookId)).toEqual(small);
      expect(out.skippedByReason.dust).toBe(small.length);
      expect(out.opened.length + out.skipped.length).toBe(BOOK.accounts.length);
      expect(out.clampedCount).toBe(0);
      expect(out.opened.length).toBeGreaterThan(120);
      expect(s.ext.core.urns.size).toBe(out.opened.length);
      for (const p of out.opened) {
        const acct = BOOK.accounts.find((a) => a.id === p.bookId);
        const urn = s.ext.core.urns.get(p.account);
        expect(urn?.inkWad).toBe(p.collateral[0]?.amount);
        expect(urn?.artWad).toBe(p.debtAmount);
        // Rounded down, within one wei of the book (rate 1: art is DAI).
        expect(near(urn?.inkWad ?? 0n, WAD, acct?.collateral[0]?.amountWhole ?? -1)).toBe(true);
        expect(Number(urn?.artWad ?? 0n) / 1e18).toBeLessThanOrEqual((acct?.debtUsd ?? 0) * (1 + 1e-15));
        expect(near(urn?.artWad ?? 0n, WAD, acct?.debtUsd ?? -1)).toBe(true);
        expect(model.health(s, p.account, 1).liquidatable).toBe(false);
      }
      expect(balanceOf(s.ledger, `acct:${out.opened[0]?.account ?? ''}`, 'ETH')).toBe(
        out.opened[0]?.collateral[0]?.amount,
      );
    });
  }

  test('behavior: hand-derived limit at ETH $2000, mat 1.45: accept, clamp within 1 bp, skip beyond', () => {
    const book: Book = {
      description: 'hand',
      accounts: [
        { id: 'ok', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: 12_000 },
        { id: 'edge', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: 13_794 },
        { id: 'over', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: 13_800 },
        { id: 'small', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: 7_499.99 },
        { id: 'btc', collateral: [{ asset: 'WBTC', amountWhole: 1 }], debtUsd: 10_000 },
        { id: 'none', collateral: [{ asset: 'ETH', amountWhole: 1e-19 }], debtUsd: 0 },
        { id: 'free', collateral: [{ asset: 'ETH', amountWhole: 0.1 }], debtUsd: 0 },
      ],
    };
    const out = bookCommands(book, 'maker-liq2', { prices: { ETH: ETH_2000 } });
    // spot = rdiv(2000e27, 1.45e27) = floor(2000e27·1e27 / 1.45e27); limit art = floor(10e18·spot / 1e27)
    const spot = (2000n * RAY * RAY) / ((145n * RAY) / 100n);
    const limit = (10n * WAD * spot) / RAY; // 13,793.10… DAI
    expect(limit / WAD).toBe(13_793n);
    expect(out.opened.map((p) => [p.bookId, p.debtAmount, p.clamped])).toEqual([
      ['ok', 12_000n * WAD, false],
      ['edge', limit, true], // 13,794 / 13,793.10 − 1 = 0.65 bp ≤ 1 bp
      ['free', 0n, false],
    ]);
    expect(out.skipped.map((x) => [x.bookId, x.reason])).toEqual([
      ['over', 'collateral-ratio'], // 4.99 bp above
      ['small', 'dust'],
      ['btc', 'unsupported-collateral'],
      ['none', 'zero-collateral'],
    ]);
    // One frob per vault with debt, a deposit for the one without.
    expect(out.commands.map((c) => [c.type, c.account])).toEqual([
      ['frob', 'ok'],
      ['frob', 'edge'],
      ['deposit', 'free'],
    ]);
    const s = runAll(makerLiq2Model, makerSetup(makerLiq2Model), out.commands, 1);
    expect(s.ext.core.urns.get('edge')?.artWad).toBe(limit);
    expect(makerLiq2Model.health(s, 'edge', 1).liquidatable).toBe(false);
    // One wei more than the limit is what the Vat refuses: the limit is exact.
    expect(() =>
      apply(createEngine(makerLiq2Model), s, { type: 'draw', account: 'edge', artWad: 1n }, 1),
    ).toThrow();
    expect(out.totals.debt).toEqual({ 'art:ETH-A': 12_000n * WAD + limit });
    expect(out.skippedByReason).toEqual({
      dust: 1,
      'collateral-ratio': 1,
      'unsupported-collateral': 1,
      'zero-collateral': 1,
      ceiling: 0,
      'supply-cap': 0,
    });
    // With no tolerance the edge account is skipped too.
    const strict = bookCommands(book, 'maker-liq2', { prices: { ETH: ETH_2000 }, clampToleranceBps: 0 });
    expect(strict.skipped.map((x) => x.bookId)).toContain('edge');
    // A ceiling: line 20,000 DAI lets only the first vault in.
    const ilks = { 'ETH-A': { ...DEFAULT_MAKER_PARAMS.ilks['ETH-A'], lineRad: 20_000n * RAD } };
    const capped = bookCommands(book, 'maker-liq2', {
      prices: { ETH: ETH_2000 },
      makerParams: { ...DEFAULT_MAKER_PARAMS, ilks } as typeof DEFAULT_MAKER_PARAMS,
    });
    expect(capped.skipped.find((x) => x.bookId === 'edge')?.reason).toBe('ceiling');
  });
});

describe('bookCommands: aave-v3', () => {
  const options = {
    prices: {
      WETH: { price: 2000n * 10n ** 8n, priceDecimals: 8 },
      USDC: { price: 10n ** 8n, priceDecimals: 8 },
    },
    decimals: { WETH: 18, USDC: 6 },
    assetMap: { ETH: 'WETH' },
  };
  for (const model of [aaveV33Model, aaveV35Model, aaveV37Model]) {
    test(`default: ${model.id}: every command accepted, positions match the book within rounding`, () => {
      const out = bookCommands(BOOK, model.id, options);
      expect(out.skipped).toEqual([]); // ratio ≥ 1.5 > 1/0.8, and Aave has no minimum borrow
      expect(out.opened).toHaveLength(BOOK.accounts.length);
      expect(out.commands.filter((c) => c.type === 'borrow')).toHaveLength(BOOK.accounts.length);
      const market = testMarket(model);
      market.run({ type: 'supply', asset: 'USDC', amount: out.totals.debt.USDC ?? 1n }, 0);
      market.runAll(out.commands, 1);
      const s: EngineState<AaveExt> = market.state;
      for (const p of out.opened) {
        const acct = BOOK.accounts.find((a) => a.id === p.bookId);
        const weth = balanceOf(s.ledger, `acct:${p.account}`, 'WETH');
        const debt = balanceOf(s.ledger, `debt:${p.account}`, 'USDC.debt');
        expect(weth).toBe(p.collateral[0]?.amount);
        expect(debt).toBe(p.debtAmount);
        expect(near(weth, WAD, acct?.collateral[0]?.amountWhole ?? -1)).toBe(true);
        // USD·1e8 then USDC units, both floored: at most 1e-6 below the book, never above.
        expect(Number(debt) / 1e6).toBeLessThanOrEqual(acct?.debtUsd ?? 0);
        expect((acct?.debtUsd ?? 0) - Number(debt) / 1e6).toBeLessThan(1e-6 + (acct?.debtUsd ?? 0) * 1e-15);
        expect(model.health(s, p.account, 1).liquidatable).toBe(false);
      }
    });
  }

  test('behavior: LTV limit by hand: 10 WETH at $2000, LTV 80 % → 16,000 USDC; above 1 bp skipped', () => {
    const book: Book = {
      description: 'hand',
      accounts: [
        { id: 'edge', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: 16_001 }, // 0.625 bp over
        { id: 'over', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: 16_010 },
        { id: 'dai', collateral: [{ asset: 'DAI', amountWhole: 10 }], debtUsd: 1 },
      ],
    };
    const out = bookCommands(book, 'aave-v3.3', options);
    expect(out.opened.map((p) => [p.bookId, p.debtAmount, p.clamped])).toEqual([
      ['edge', 16_000n * 10n ** 6n, true],
    ]);
    expect(out.skipped.map((x) => [x.bookId, x.reason])).toEqual([
      ['over', 'collateral-ratio'],
      ['dai', 'unsupported-collateral'],
    ]);
    const market = testMarket(aaveV33Model);
    market.runAll(out.commands, 1);
    // The limit is tight: one more USDC unit is refused by the model.
    expect(() => market.run({ type: 'borrow', account: 'edge', asset: 'USDC', amount: 1n }, 1)).toThrow();
  });
});

describe('bookCommands: compound-v3', () => {
  const E8 = 10n ** 8n;
  const options = {
    prices: { WETH: { price: 2000n * E8, priceDecimals: 8 }, USDC: { price: E8, priceDecimals: 8 } },
    decimals: { WETH: 18, USDC: 6, WBTC: 8, COMP: 18 },
    assetMap: { ETH: 'WETH' },
  };
  const oracle = (asset: string): Command => feedOracleCommand(asset, 86_400, { maxSpreadBps: 100 });
  function market(liquidity: bigint) {
    const engine = createEngine(compoundV3Model);
    return runAll(
      compoundV3Model,
      engine.initial(),
      [
        { type: 'listAsset', asset: 'USDC', decimals: 6 },
        { type: 'listAsset', asset: 'WETH', decimals: 18 },
        { type: 'listAsset', asset: 'WBTC', decimals: 8 },
        { type: 'listAsset', asset: 'COMP', decimals: 18 },
        { type: 'configure', params: DEFAULT_COMPOUND_PARAMS },
        oracle('USDC'),
        oracle('WETH'),
        { type: 'publishPrice', asset: 'USDC', source: 'feed', price: E8 },
        { type: 'publishPrice', asset: 'WETH', source: 'feed', price: 2000n * E8 },
        { type: 'supply', account: 'lena', amount: liquidity },
      ],
      0,
    );
  }

  test('default: every command accepted, positions match the book within rounding', () => {
    const out = bookCommands(BOOK, 'compound-v3', options);
    const small = BOOK.accounts.filter((a) => a.debtUsd < 100).map((a) => a.id);
    expect(out.skipped.map((x) => x.bookId)).toEqual(small); // baseBorrowMin 100 USDC only
    expect(out.opened.length + small.length).toBe(BOOK.accounts.length);
    expect(out.opened.length).toBeGreaterThan(140);
    const s = runAll(compoundV3Model, market(out.totals.debt.USDC ?? 1n), out.commands, 1);
    for (const p of out.opened) {
      const acct = BOOK.accounts.find((a) => a.id === p.bookId);
      expect(s.ext.accounts.get(p.account)?.collateral.WETH).toBe(p.collateral[0]?.amount);
      expect(s.ext.accounts.get(p.account)?.principal).toBe(-p.debtAmount);
      expect(near(p.collateral[0]?.amount ?? 0n, WAD, acct?.collateral[0]?.amountWhole ?? -1)).toBe(true);
      expect(Number(p.debtAmount) / 1e6).toBeLessThanOrEqual(acct?.debtUsd ?? 0);
      expect((acct?.debtUsd ?? 0) - Number(p.debtAmount) / 1e6).toBeLessThan(
        1e-6 + (acct?.debtUsd ?? 0) * 1e-15,
      );
      expect(compoundV3Model.health(s, p.account, 1).liquidatable).toBe(false);
    }
  });

  test('behavior: borrow CF by hand: 10 WETH at $2000 · 0.825 = 16,500 USDC; dust below 100', () => {
    const book: Book = {
      description: 'hand',
      accounts: [
        { id: 'edge', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: 16_501 }, // 0.6 bp over
        { id: 'over', collateral: [{ asset: 'ETH', amountWhole: 10 }], debtUsd: 16_600 },
        { id: 'small', collateral: [{ asset: 'ETH', amountWhole: 1 }], debtUsd: 99.99 },
      ],
    };
    const out = bookCommands(book, 'compound-v3', options);
    expect(out.opened.map((p) => [p.bookId, p.debtAmount, p.clamped])).toEqual([
      ['edge', 16_500n * 10n ** 6n, true],
    ]);
    expect(out.skipped.map((x) => [x.bookId, x.reason])).toEqual([
      ['over', 'collateral-ratio'],
      ['small', 'dust'],
    ]);
    const s = runAll(compoundV3Model, market(100_000n * 10n ** 6n), out.commands, 1);
    expect(() =>
      apply(createEngine(compoundV3Model), s, { type: 'borrow', account: 'edge', amount: 1n }, 1),
    ).toThrow();
  });
});

describe('bookCommands', () => {
  test('error: unsupported protocol, missing price or decimals, bad tolerance, malformed book', () => {
    const prices = { ETH: ETH_2000 };
    const cases: [() => unknown, string][] = [
      [() => bookCommands(BOOK, 'gmx-v2', { prices }), 'protocolId'],
      [() => bookCommands(BOOK, 'maker-liq2', { prices: {} }), 'prices.ETH'],
      [() => bookCommands(BOOK, 'maker-liq2', { prices, clampToleranceBps: -1 }), 'clampToleranceBps'],
      [() => bookCommands(BOOK, 'maker-liq2', { prices, ilk: 'WBTC-A' }), 'ilk'],
      [() => bookCommands(BOOK, 'maker-liq2', { prices, rateRay: 1n }), 'rateRay'],
      [
        () => bookCommands(BOOK, 'aave-v3.3', { prices: { USDC: { price: 10n ** 8n, priceDecimals: 8 } } }),
        'decimals.USDC',
      ],
      [
        () => bookCommands(BOOK, 'aave-v3.3', { prices: { USDC: { price: WAD, priceDecimals: 18 } } }),
        'prices.USDC.priceDecimals',
      ],
      [() => bookCommands(BOOK, 'aave-v3.3', { prices, debtAsset: 'DAI' }), 'debtAsset'],
      [
        () =>
          bookCommands(
            { description: '', accounts: [{ id: 'a', collateral: [], debtUsd: Number.NaN }] },
            'maker-liq2',
            { prices },
          ),
        'book.accounts[0].debtUsd',
      ],
    ];
    for (const [f, field] of cases) {
      expect(f).toThrow(InvalidParameterError);
      expect(fieldOf(f)).toBe(field);
    }
  });

  test('behavior: pure: the same book and options give the same commands; floats round down exactly', () => {
    const book: Book = {
      description: 'tiny',
      accounts: [{ id: 'x', collateral: [{ asset: 'ETH', amountWhole: 1.23456789e-7 }], debtUsd: 0 }],
    };
    const a = bookCommands(book, 'maker-liq2', { prices: { ETH: ETH_2000 } });
    expect(bookCommands(book, 'maker-liq2', { prices: { ETH: ETH_2000 } })).toEqual(a);
    // 1.23456789e-7 ETH = 123456789000 wei exactly (the shortest decimal of the double).
    expect(a.opened[0]?.collateral[0]?.amount).toBe(123_456_789_000n);
    const big = bookCommands(
      {
        description: '',
        accounts: [{ id: 'y', collateral: [{ asset: 'ETH', amountWhole: 1.5e21 }], debtUsd: 0 }],
      },
      'maker-liq2',
      { prices: { ETH: ETH_2000 } },
    );
    expect(big.opened[0]?.collateral[0]?.amount).toBe(15n * 10n ** 38n);
  });
});
