/**
 * The Maker book index against the full scans it replaces, on random Maker states built through
 * the model (vaults of two ilks opened, prices moved, vaults barked, auctions taken, fees dripped,
 * vaults frobbed), read at random moments so that each reading follows several changes: the
 * unsafe set (candidates ⊇ the vaults the model would let a keeper bark), the keeper view's sorted
 * unsafe list, the borrowers' totals and the health buckets must equal the scans exactly.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command } from '../../engine/machine.js';
import { makerKeeperView } from '../../keepers/maker.js';
import type { MarketContext } from '../../keepers/types.js';
import { SolventError } from '../../math/errors.js';
import { RAD, RAY, WAD } from '../../math/units.js';
import { makerLiq2Model } from '../../protocols/maker/liq2/model.js';
import type { Liq2Ext } from '../../protocols/maker/liq2/state.js';
import { drive, ethOracle, ethPrice, testParams } from '../../protocols/maker/testkit.js';
import { DAI, ilkPrice, urnHealth, walletBucket } from '../../protocols/maker/vat.js';
import { healthBuckets, type OpenedStress } from './core.js';
import { type MakerBookIndex, makerBookIndex } from './makerIndex.js';

const ILKS = ['ETH-A', 'ETH-B'] as const;
const ACCOUNTS = Array.from({ length: 24 }, (_, i) => `v${i}`);
/** The book: every account but the last four (their vaults are not borrowers of the run). */
const BOOK = ACCOUNTS.slice(0, 20);

function params() {
  const base = testParams({}, { HoleRad: 3_000n * RAD });
  const a = base.ilks['ETH-A'];
  // ETH-B: a tighter ratio, a fee that accrues (rate moves on drip), a larger hole.
  return {
    ...base,
    ilks: {
      'ETH-A': { ...a, holeRad: 1_500n * RAD },
      'ETH-B': { ...a, matRay: (15n * RAY) / 10n, dutyRay: RAY + 10n ** 19n, holeRad: 2_000n * RAD },
    },
  };
}

type Action =
  | {
      readonly kind: 'open';
      readonly who: number;
      readonly ilk: number;
      readonly inkWhole: number;
      readonly ratio: number;
    }
  | { readonly kind: 'price'; readonly usd: number }
  | { readonly kind: 'bark'; readonly who: number }
  | { readonly kind: 'take'; readonly ilk: number; readonly pick: number }
  | { readonly kind: 'drip'; readonly ilk: number }
  | { readonly kind: 'frob'; readonly who: number; readonly dinkWhole: number; readonly dartWhole: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('bark' as const), who: fc.nat({ max: 99 }) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      who: fc.nat({ max: ACCOUNTS.length - 1 }),
      ilk: fc.nat({ max: 1 }),
      inkWhole: fc.integer({ min: 0, max: 40 }),
      ratio: fc.double({ min: 1.5, max: 4, noNaN: true }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('price' as const), usd: fc.integer({ min: 20, max: 400 }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('take' as const), ilk: fc.nat({ max: 1 }), pick: fc.nat() }),
    weight: 2,
  },
  fc.record({ kind: fc.constant('drip' as const), ilk: fc.nat({ max: 1 }) }),
  fc.record({
    kind: fc.constant('frob' as const),
    who: fc.nat({ max: ACCOUNTS.length - 1 }),
    dinkWhole: fc.integer({ min: -5, max: 5 }),
    dartWhole: fc.integer({ min: -200, max: 200 }),
  }),
);

/** The vaults the model would let a keeper bark now, by id. */
function liquidatable(state: EngineState<Liq2Ext>, nowSeconds: number): string[] {
  return state.ext.core.urns.keys().filter((id) => {
    try {
      return makerLiq2Model.health(state, id, nowSeconds).liquidatable;
    } catch (e) {
      if (e instanceof SolventError) return false;
      throw e;
    }
  });
}

function toCommand(
  state: EngineState<Liq2Ext>,
  a: Action,
  nowSeconds: number,
  priceUsd: number,
): Command | undefined {
  switch (a.kind) {
    case 'open': {
      const ilk = ILKS[a.ilk] as string;
      const existing = state.ext.core.urns.get(ACCOUNTS[a.who] as string);
      const account = ACCOUNTS[a.who] as string;
      if (existing !== undefined && existing.ilk !== ilk) return undefined;
      // At price p and mat 2 (or 1.5), a vault of `ink` ETH may owe ink·p/mat; open at `ratio`·mat.
      const debtWhole = Math.floor((a.inkWhole * priceUsd) / (2 * a.ratio)) + 25;
      return {
        type: 'frob',
        account,
        ilk,
        dinkWad: BigInt(a.inkWhole) * WAD,
        dartWad: BigInt(debtWhole) * WAD,
      };
    }
    case 'price':
      return ethPrice(BigInt(a.usd));
    case 'bark': {
      // Mostly an unsafe vault (so auctions start), sometimes any (a refusal).
      const unsafe = liquidatable(state, nowSeconds);
      const account =
        unsafe.length > 0 && a.who % 4 !== 0
          ? unsafe[a.who % unsafe.length]
          : ACCOUNTS[a.who % ACCOUNTS.length];
      return { type: 'bark', account: account as string, keeper: 'keeper' };
    }
    case 'take': {
      const ilk = ILKS[a.ilk] as string;
      const clip = state.ext.clips[ilk];
      if (clip === undefined || clip.active.length === 0) return undefined;
      const id = clip.active[a.pick % clip.active.length] as number;
      return { type: 'take', ilk, id, amtWad: 10n ** 30n, maxRay: 10n ** 40n, keeper: 'keeper' };
    }
    case 'drip':
      return { type: 'drip', ilk: ILKS[a.ilk] as string };
    case 'frob':
      if (a.dinkWhole === 0 && a.dartWhole === 0) return undefined;
      return {
        type: 'frob',
        account: ACCOUNTS[a.who] as string,
        dinkWad: BigInt(a.dinkWhole) * WAD,
        dartWad: BigInt(a.dartWhole) * WAD,
      };
  }
}

function market(nowSeconds: number): MarketContext {
  return {
    nowSeconds,
    gasPriceGwei: 20,
    ethPriceUsd: 100,
    collateralPriceUsdWad: 100n * WAD,
    slippageBps: 0n,
  };
}

/** The scans the index replaces, straight from the state. */
function scans(state: EngineState<Liq2Ext>, nowSeconds: number) {
  const core = state.ext.core;
  const unsafe: string[] = [];
  for (const [id, u] of core.urns.entries()) {
    let spotRay: bigint;
    try {
      spotRay = ilkPrice(state, u.ilk, nowSeconds).spotRay;
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
    const rateRay = core.ilks[u.ilk]?.rateRay ?? 0n;
    if (u.artWad !== 0n && spotRay > 0n && u.inkWad * spotRay < u.artWad * rateRay) unsafe.push(id);
  }
  let collateralWad = 0n;
  let debtRad = 0n;
  for (const id of BOOK) {
    const u = core.urns.get(id);
    if (u === undefined) continue;
    collateralWad += u.inkWad + balanceOf(state.ledger, walletBucket(id), 'ETH');
    debtRad += u.artWad * (core.ilks[u.ilk]?.rateRay ?? 0n);
  }
  const opened = {
    accounts: BOOK,
    health: (s: EngineState<Liq2Ext>, id: string, t: number) => {
      const u = s.ext.core.urns.get(id);
      return u === undefined || u.artWad === 0n ? undefined : urnHealth(s, id, t);
    },
  } as unknown as OpenedStress<EngineState<Liq2Ext>>;
  return {
    unsafe: unsafe.sort(),
    collateralWad,
    debtRad,
    buckets: healthBuckets(opened, state, nowSeconds),
  };
}

/** A liquidation 2.0 driver configured with the two ilks, ETH at $300 and a funded keeper. */
function configuredDriver() {
  const d = drive(makerLiq2Model);
  d.run({ type: 'configure', params: params() }, 0);
  d.run(ethOracle(), 0);
  d.run(ethPrice(300n), 0);
  d.run({ type: 'fundWallet', actor: 'keeper', asset: DAI, amount: 10n ** 9n * RAD }, 0);
  return d;
}

type Step = { readonly action: Action; readonly check: boolean; readonly dt: number };

/** Every reading of `index` at `state` equals the full scans. */
function expectScans(index: MakerBookIndex, state: EngineState<Liq2Ext>, now: number): void {
  const want = scans(state, now);
  expect([...index.unsafe(state, now)].sort()).toEqual(want.unsafe);
  const full = makerKeeperView(state, now, market(now), ['keeper']);
  const indexed = makerKeeperView(state, now, market(now), ['keeper'], {
    unsafeVaults: (ilks) => index.unsafeVaults(state, ilks),
  });
  expect(indexed).toEqual(full);
  expect(index.borrowerTotals(state)).toEqual({ collateralWad: want.collateralWad, debtRad: want.debtRad });
  expect(index.healthCounts(state, now)).toEqual(want.buckets);
}

/** Applies `steps` from `from` (refusals skipped), checking `index` where a step asks; the end. */
function follow(
  index: MakerBookIndex,
  from: { state: EngineState<Liq2Ext>; now: number; priceUsd: number },
  steps: readonly Step[],
): { state: EngineState<Liq2Ext>; now: number; priceUsd: number } {
  const engine = createEngine(makerLiq2Model);
  let { state, now, priceUsd } = from;
  for (const s of steps) {
    now += s.dt;
    const command = toCommand(state, s.action, now, priceUsd);
    if (s.action.kind === 'price') priceUsd = s.action.usd;
    if (command !== undefined) {
      try {
        state = apply(engine, state, command, now).state;
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
      }
    }
    if (s.check) expectScans(index, state, now);
  }
  return { state, now, priceUsd };
}

describe('makerBookIndex (properties)', () => {
  test('behavior: a fork follows its own states as a fresh index would, and leaves the original intact', () => {
    const steps = fc.array(fc.record({ action, check: fc.boolean(), dt: fc.integer({ min: 0, max: 400 }) }), {
      minLength: 5,
      maxLength: 40,
    });
    fc.assert(
      fc.property(steps, steps, steps, (prefix, mine, theirs) => {
        const d = configuredDriver();
        const index = makerBookIndex(BOOK, 'ETH');
        const at = follow(index, { state: d.state, now: 1, priceUsd: 300 }, prefix);
        index.prime(at.state);
        const fork = index.fork();
        // The fork runs first: anything it shared with the original would then break the original.
        const forkEnd = follow(fork, at, theirs);
        expectScans(fork, forkEnd.state, forkEnd.now);
        const end = follow(index, at, mine);
        expectScans(index, end.state, end.now);
        // And the fork still answers for its own state afterwards.
        expectScans(fork, forkEnd.state, forkEnd.now);
      }),
      { numRuns: 60 },
    );
  });

  test('behavior: every reading equals the full scan, however many changes it follows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ action, check: fc.boolean(), dt: fc.integer({ min: 0, max: 400 }) }), {
          minLength: 10,
          maxLength: 80,
        }),
        (steps) => {
          const d = configuredDriver();
          const index = makerBookIndex(BOOK, 'ETH');
          let now = 1;
          let priceUsd = 300;
          let checks = 0;
          for (const s of steps) {
            now += s.dt;
            const command = toCommand(d.state, s.action, now, priceUsd);
            if (s.action.kind === 'price') priceUsd = s.action.usd;
            if (command !== undefined) {
              try {
                d.run(command, now);
              } catch (e) {
                if (!(e instanceof SolventError)) throw e;
              }
            }
            if (!s.check) continue;
            checks += 1;
            const state = d.state;
            const want = scans(state, now);
            const candidates = index.unsafe(state, now);
            // The candidates cover every vault the model would bark (here: exactly those).
            expect([...candidates].sort()).toEqual(want.unsafe);
            for (const id of want.unsafe) {
              expect(makerLiq2Model.health(state, id, now).liquidatable).toBe(true);
            }
            const full = makerKeeperView(state, now, market(now), ['keeper']);
            const indexed = makerKeeperView(state, now, market(now), ['keeper'], {
              unsafeVaults: (ilks) => index.unsafeVaults(state, ilks),
            });
            const viaCandidates = makerKeeperView(state, now, market(now), ['keeper'], { candidates });
            expect(indexed).toEqual(full);
            expect(viaCandidates).toEqual(full);
            expect(index.borrowerTotals(state)).toEqual({
              collateralWad: want.collateralWad,
              debtRad: want.debtRad,
            });
            expect(index.healthCounts(state, now)).toEqual(want.buckets);
          }
          return checks >= 0;
        },
      ),
      { numRuns: 150 },
    );
  });
});
