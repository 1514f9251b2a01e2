/**
 * The detector's contract as a property: over random books (isolated, cross, static and
 * near-threshold accounts; assets with different token and price decimals; amounts up to 1e30) and
 * random sequences of price moves (small, large, batched, exactly at an account's threshold) and
 * account updates (new accounts, deposits, borrows, repays, removals), the detector's liquidatable
 * set equals naiveScan's after every step, and each step's reported change is the difference of the
 * sets before and after it.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createDetector, type Detector, type TickResult } from './detector.js';
import { type DetectAccount, type DetectAsset, naiveScan } from './model.js';

/** One asset's spec: token decimals, price decimals, starting price. */
const assetArb = fc.record({
  decimals: fc.oneof(fc.constantFrom(0, 6, 8, 18), fc.integer({ min: 0, max: 30 })),
  priceDecimals: fc.oneof(fc.constantFrom(0, 8, 18), fc.integer({ min: 0, max: 24 })),
  price: fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 27n })),
});

const amountArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 30n }),
  fc.bigInt({ min: 0n, max: 10n ** 9n }),
  fc.constantFrom(0n, 1n, 10n ** 18n, 10n ** 30n),
);
const ltArb = fc.oneof(fc.bigInt({ min: 0n, max: 10_000n }), fc.constantFrom(0n, 1n, 8_250n, 10_000n));

/** An account shape by asset indices (resolved against the book's assets when applied). */
const linesArb = fc.record({
  collateral: fc.array(fc.record({ asset: fc.nat(), amount: amountArb, lt: ltArb }), { maxLength: 4 }),
  debt: fc.array(fc.record({ asset: fc.nat(), amount: amountArb }), { maxLength: 3 }),
});

/**
 * How an account is made: `random` lines as drawn; `isolated` one collateral and one other debt;
 * `near` lines as drawn, then one debt line solved at the current prices so that the exact margin
 * is 0 or a few units away (the float screen cannot tell those apart).
 */
const accountSpecArb = fc.oneof(
  fc.record({ type: fc.constant('random' as const), lines: linesArb }),
  fc.record({
    type: fc.constant('isolated' as const),
    collateral: fc.nat(),
    debtOffset: fc.nat(),
    amount: amountArb,
    debt: amountArb,
    lt: ltArb,
  }),
  fc.record({
    type: fc.constant('near' as const),
    lines: linesArb,
    debtAsset: fc.nat(),
    delta: fc.constantFrom(-2n, -1n, 0n, 1n, 2n),
  }),
  fc.record({
    type: fc.constant('headroom' as const),
    lines: linesArb,
    debtAsset: fc.nat(),
    headroomBps: fc.integer({ min: -2_000, max: 2_000 }),
  }),
  fc.record({
    // Collateral in two assets, debt in a third, a few percent of headroom: the account whose
    // status a move of either collateral can flip once the other has drifted.
    type: fc.constant('spread' as const),
    first: fc.nat(),
    amounts: fc.tuple(amountArb, amountArb),
    lts: fc.tuple(ltArb, ltArb),
    headroomBps: fc.integer({ min: 0, max: 1_500 }),
  }),
);

type AccountSpec = typeof accountSpecArb extends fc.Arbitrary<infer T> ? T : never;

const stepArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('move' as const),
      asset: fc.nat(),
      bps: fc.integer({ min: -300, max: 300 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constantFrom('jump' as const, 'drift' as const),
      asset: fc.nat(),
      bps: fc.oneof(fc.integer({ min: -9_000, max: 20_000 }), fc.integer({ min: -1_200, max: 1_200 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('batch' as const),
      moves: fc.array(fc.record({ asset: fc.nat(), bps: fc.integer({ min: -2_000, max: 2_000 }) }), {
        minLength: 2,
        maxLength: 4,
      }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('boundary' as const),
      account: fc.nat(),
      delta: fc.constantFrom(-1n, 0n, 1n),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('upsert' as const),
      spec: accountSpecArb,
      replace: fc.option(fc.nat()),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('amend' as const),
      account: fc.nat(),
      bps: fc.integer({ min: -10_000, max: 10_000 }),
      debt: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('remove' as const), account: fc.nat() }) },
);

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

/** The test's own model of the book: assets, prices and accounts, as plain data. */
interface Model {
  readonly assets: readonly DetectAsset[];
  readonly prices: Record<string, bigint>;
  readonly accounts: Map<string, DetectAccount>;
  nextId: number;
}

/** 10^(max(dec + pdec) − dec − pdec): the common scale, derived here independently. */
function scaleOf(model: Model, asset: string): bigint {
  const common = Math.max(...model.assets.map((a) => a.decimals + a.priceDecimals));
  const a = model.assets.find((x) => x.asset === asset) as DetectAsset;
  return 10n ** BigInt(common - a.decimals - a.priceDecimals);
}

function nameOf(model: Model, index: number): string {
  return (model.assets[index % model.assets.length] as DetectAsset).asset;
}

function buildAccount(model: Model, id: string, spec: AccountSpec): DetectAccount {
  if (spec.type === 'spread') {
    const n = model.assets.length;
    const [c1, c2, d] = [spec.first % n, (spec.first + 1) % n, (spec.first + 2) % n];
    if (n < 3) return { id, collateral: [], debt: [] };
    const collateral = [
      { asset: nameOf(model, c1), amount: spec.amounts[0], liquidationThresholdBps: spec.lts[0] },
      { asset: nameOf(model, c2), amount: spec.amounts[1], liquidationThresholdBps: spec.lts[1] },
    ];
    const value = (asset: string, amount: bigint) =>
      amount * (model.prices[asset] as bigint) * scaleOf(model, asset);
    const margin = collateral.reduce(
      (acc, l) => acc + value(l.asset, l.amount) * l.liquidationThresholdBps,
      0n,
    );
    const perUnit = value(nameOf(model, d), 1n) * 10_000n;
    const amount = (margin * BigInt(10_000 - spec.headroomBps)) / (10_000n * perUnit);
    return { id, collateral, debt: amount > 0n ? [{ asset: nameOf(model, d), amount }] : [] };
  }
  if (spec.type === 'isolated') {
    const c = spec.collateral % model.assets.length;
    const d = (c + 1 + (spec.debtOffset % (model.assets.length - 1))) % model.assets.length;
    return {
      id,
      collateral: [{ asset: nameOf(model, c), amount: spec.amount, liquidationThresholdBps: spec.lt }],
      debt: [{ asset: nameOf(model, d), amount: spec.debt }],
    };
  }
  const collateral = spec.lines.collateral.map((l) => ({
    asset: nameOf(model, l.asset),
    amount: l.amount,
    liquidationThresholdBps: l.lt,
  }));
  const debt = spec.lines.debt.map((l) => ({ asset: nameOf(model, l.asset), amount: l.amount }));
  if (spec.type === 'random') return { id, collateral, debt };
  // near: weighted collateral minus the other debts, in units of the common scale × bps.
  const value = (asset: string, amount: bigint) =>
    amount * (model.prices[asset] as bigint) * scaleOf(model, asset);
  let margin = 0n;
  for (const l of collateral) margin += value(l.asset, l.amount) * l.liquidationThresholdBps;
  for (const l of debt) margin -= value(l.asset, l.amount) * 10_000n;
  const debtAsset = nameOf(model, spec.debtAsset);
  const perUnit = value(debtAsset, 1n) * 10_000n;
  if (margin <= 0n) return { id, collateral, debt };
  // near: the largest debt keeping the margin ≥ 0, shifted by delta units (−: healthier, +:
  // liquidatable). headroom: a debt leaving about headroomBps of the margin (negative: short).
  const amount =
    spec.type === 'near'
      ? margin / perUnit + spec.delta
      : (margin * BigInt(10_000 - spec.headroomBps)) / (10_000n * perUnit);
  return { id, collateral, debt: amount > 0n ? [...debt, { asset: debtAsset, amount }] : debt };
}

function moved(price: bigint, bps: number): bigint {
  const p = (price * BigInt(10_000 + bps)) / 10_000n;
  return p > 0n ? p : 1n;
}

function ids(model: Model): string[] {
  return [...model.accounts.keys()];
}

function pickId(model: Model, index: number): string | undefined {
  const all = ids(model);
  return all.length === 0 ? undefined : all[index % all.length];
}

/** Checks the detector against the naive scan, and the reported change against the two sets. */
function check(model: Model, detector: Detector, before: readonly string[], tick?: TickResult): string[] {
  const expected = naiveScan({ assets: model.assets, accounts: [...model.accounts.values()] }, model.prices);
  expect(detector.liquidatable()).toEqual(expected);
  if (tick !== undefined) {
    const was = new Set(before);
    const now = new Set(expected);
    expect(tick.newlyLiquidatable).toEqual(expected.filter((id) => !was.has(id)));
    expect(tick.newlyHealthy).toEqual(before.filter((id) => !now.has(id)));
    expect(tick.liquidatableCount).toBe(expected.length);
  }
  return expected;
}

let uncertainSeen = 0;
let crossingsSeen = 0;

function applyStep(model: Model, detector: Detector, step: Step, before: readonly string[]): string[] {
  switch (step.type) {
    case 'move':
    case 'drift':
    case 'jump': {
      const asset = nameOf(model, step.asset);
      model.prices[asset] = moved(model.prices[asset] as bigint, step.bps);
      const tick = detector.setPrice(asset, model.prices[asset] as bigint);
      uncertainSeen += tick.work.crossUncertain;
      crossingsSeen += tick.work.ladderCrossings;
      return check(model, detector, before, tick);
    }
    case 'batch': {
      const update: Record<string, bigint> = {};
      for (const m of step.moves) {
        const asset = nameOf(model, m.asset);
        update[asset] = moved(update[asset] ?? (model.prices[asset] as bigint), m.bps);
      }
      Object.assign(model.prices, update);
      const tick = detector.setPrices(update);
      uncertainSeen += tick.work.crossUncertain;
      return check(model, detector, before, tick);
    }
    case 'boundary': {
      // Put the collateral price of an isolated account exactly at (or one unit off) its threshold.
      const id = pickId(model, step.account);
      const account = id === undefined ? undefined : model.accounts.get(id);
      if (account === undefined || account.collateral.length !== 1 || account.debt.length !== 1)
        return [...before];
      const c = account.collateral[0] as DetectAccount['collateral'][number];
      const d = account.debt[0] as DetectAccount['debt'][number];
      const a = c.amount * c.liquidationThresholdBps * scaleOf(model, c.asset);
      const b = d.amount * 10_000n * scaleOf(model, d.asset);
      if (c.asset === d.asset || a === 0n || b === 0n) return [...before];
      // Liquidatable iff P_c·a < P_d·b; the smallest healthy P_c is ⌈P_d·b / a⌉.
      const pd = model.prices[d.asset] as bigint;
      const threshold = (pd * b + a - 1n) / a + step.delta;
      model.prices[c.asset] = threshold > 0n ? threshold : 1n;
      const tick = detector.setPrice(c.asset, model.prices[c.asset] as bigint);
      const after = check(model, detector, before, tick);
      const healthy = (model.prices[c.asset] as bigint) * a >= pd * b;
      expect(detector.isLiquidatable(account.id)).toBe(!healthy);
      return after;
    }
    case 'upsert': {
      const existing = step.replace === null ? undefined : pickId(model, step.replace);
      const id = existing ?? `acct-${model.nextId++}`;
      const account = buildAccount(model, id, step.spec);
      model.accounts.set(id, account);
      const status = detector.upsert(account);
      const after = check(model, detector, before);
      expect(status.liquidatable).toBe(after.includes(id));
      expect(status.wasLiquidatable).toBe(before.includes(id));
      return after;
    }
    case 'amend': {
      // A deposit or withdrawal (collateral) or a borrow or repay (debt) of one line.
      const id = pickId(model, step.account);
      const account = id === undefined ? undefined : model.accounts.get(id);
      if (account === undefined) return [...before];
      const scale = (amount: bigint) => (amount * BigInt(10_000 + step.bps)) / 10_000n;
      const next: DetectAccount = step.debt
        ? { ...account, debt: account.debt.map((l, i) => (i === 0 ? { ...l, amount: scale(l.amount) } : l)) }
        : {
            ...account,
            collateral: account.collateral.map((l, i) => (i === 0 ? { ...l, amount: scale(l.amount) } : l)),
          };
      model.accounts.set(account.id, next);
      detector.upsert(next);
      return check(model, detector, before);
    }
    case 'remove': {
      const id = pickId(model, step.account);
      if (id === undefined) return [...before];
      model.accounts.delete(id);
      const status = detector.remove(id);
      expect(status.wasLiquidatable).toBe(before.includes(id));
      return check(model, detector, before);
    }
  }
}

describe('createDetector (property)', () => {
  test('behavior: the liquidatable set equals naiveScan after every price move and account update', () => {
    uncertainSeen = 0;
    crossingsSeen = 0;
    fc.assert(
      fc.property(
        fc.array(assetArb, { minLength: 2, maxLength: 5 }),
        fc.array(accountSpecArb, { maxLength: 25 }),
        fc.array(stepArb, { minLength: 1, maxLength: 25 }),
        fc.constantFrom(undefined, 0, 2),
        (assetSpecs, accountSpecs, steps, crossRebuildThreshold) => {
          const assets = assetSpecs.map((a, i) => ({
            asset: `T${i}`,
            decimals: a.decimals,
            priceDecimals: a.priceDecimals,
          }));
          const model: Model = {
            assets,
            prices: Object.fromEntries(assetSpecs.map((a, i) => [`T${i}`, a.price])),
            accounts: new Map(),
            nextId: 0,
          };
          for (const spec of accountSpecs) {
            const id = `acct-${model.nextId++}`;
            model.accounts.set(id, buildAccount(model, id, spec));
          }
          const detector = createDetector({
            assets,
            prices: model.prices,
            accounts: [...model.accounts.values()],
            ...(crossRebuildThreshold === undefined ? {} : { crossRebuildThreshold }),
          });
          let current = check(model, detector, []);
          for (const step of steps) current = applyStep(model, detector, step, current);
          const audit = detector.reevaluateAll();
          expect(audit.newlyLiquidatable).toEqual([]);
          expect(audit.newlyHealthy).toEqual([]);
        },
      ),
      { numRuns: 1_000 },
    );
    // The runs must have exercised the two paths that matter: ladder range queries and the
    // screen's uncertain band (near-threshold cross accounts).
    expect(crossingsSeen).toBeGreaterThan(0);
    expect(uncertainSeen).toBeGreaterThan(0);
  });
});
