/**
 * Property test of `maker-liq2`: random sequences of vault actions, price moves, time steps,
 * barks, takes (some flash), redos, yanks, breaker changes, drips and Vow settlement, run through
 * the engine contract (`runContract`): ledger conservation, the Vat/Dog/Clipper/Vow invariants, no
 * healthy vault barked, refusals that change nothing, exact replay. Liquidations must happen.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { runContract, type TimedCommand } from '../../../engine/contract.js';
import type { EngineState } from '../../../engine/engine.js';
import { balanceOf } from '../../../engine/ledger.js';
import type { Command } from '../../../engine/machine.js';
import { spotPrice } from '../../../engine/oracle.js';
import { SolventError } from '../../../math/errors.js';
import { concretize, ethOracle, ethPrice, RAD, RAY, testParams, WAD } from '../testkit.js';
import { DAI, ilkPrice, VOW_BUCKET } from '../vat.js';
import { saleStatus } from './clipper.js';
import { makerLiq2Model } from './model.js';
import type { Liq2Ext } from './state.js';

const ACCOUNTS = ['alice', 'bob', 'carol', 'dave'];
const KEEPERS = ['k1', 'k2'];
const ILK = 'ETH-A';
/** Kinds of intent, repeated to weigh them. */
const KINDS = [
  'deposit',
  'deposit',
  'deposit',
  'draw',
  'draw',
  'draw',
  'draw',
  'wipe',
  'withdraw',
  'price',
  'price',
  'price',
  'crash',
  'bark',
  'bark',
  'bark',
  'take',
  'take',
  'take',
  'take',
  'redo',
  'drip',
  'flog',
  'heal',
  'breaker',
  'trip',
  'file',
  'upchost',
  'fund',
  'yank',
] as const;

interface Intent {
  readonly kind: (typeof KINDS)[number];
  readonly who: number;
  /** A fraction in [0, 1e18]. */
  readonly x: bigint;
  readonly flag: number;
  readonly dtSeconds: number;
}

const intentArb: fc.Arbitrary<Intent> = fc.record({
  kind: fc.constantFrom(...KINDS),
  who: fc.nat(7),
  // mostly unbiased fractions (fast-check leans to tiny values otherwise), sometimes edge values
  x: fc.oneof(
    { weight: 4, arbitrary: fc.noBias(fc.bigInt({ min: 0n, max: WAD })) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: WAD }) },
  ),
  flag: fc.nat(9),
  dtSeconds: fc.nat(900),
});

const CALCS = [
  'LinearDecrease tau=3600',
  'StairstepExponentialDecrease cut=0.99 step=60',
  'ExponentialDecrease cut=0.9995',
];

const frac = (amount: bigint, x: bigint): bigint => (amount * x) / WAD;

function toCommand(state: EngineState<Liq2Ext>, i: Intent, before: number): TimedCommand | undefined {
  const now = before + i.dtSeconds;
  const account = ACCOUNTS[i.who % ACCOUNTS.length] as string;
  const keeper = KEEPERS[i.who % KEEPERS.length] as string;
  const core = state.ext.core;
  const urn = core.urns.get(account);
  const clip = state.ext.clips[ILK];
  const sale =
    clip === undefined || clip.active.length === 0 ? undefined : clip.active[i.who % clip.active.length];
  const at = (command: Command): TimedCommand => ({ command, nowSeconds: now });
  switch (i.kind) {
    case 'deposit':
      return at({ type: 'deposit', account, amountWad: 1n + frac(50n * WAD, i.x) });
    case 'draw': {
      let art = 1n + frac(300n * WAD, i.x);
      const rate = core.ilks[ILK]?.rateRay ?? RAY;
      if (urn !== undefined && i.flag < 7) {
        try {
          const room = (urn.inkWad * ilkPrice(state, ILK, now).spotRay) / rate - urn.artWad;
          // mostly close to the limit, so that price falls make vaults unsafe
          if (room > 0n) art = 1n + frac(room - 1n, (WAD * 9n) / 10n + i.x / 10n);
        } catch (e) {
          if (!(e instanceof SolventError)) throw e;
        }
      }
      return at({ type: 'draw', account, artWad: art });
    }
    case 'wipe':
      return at({
        type: 'wipe',
        account,
        artWad:
          urn === undefined || urn.artWad === 0n ? 1n : i.flag < 3 ? urn.artWad : 1n + frac(urn.artWad, i.x),
      });
    case 'withdraw':
      return at({
        type: 'withdraw',
        account,
        amountWad: urn === undefined || urn.inkWad === 0n ? 1n : 1n + frac(urn.inkWad - 1n, i.x),
      });
    case 'price':
    case 'crash': {
      // a random walk: × [0.75, 1.2] of the last published price, within [$1, $40]
      let last = 10n * WAD;
      try {
        last = spotPrice(state.oracle, 'ETH', now).price;
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
      }
      // a crash: × [0.5, 0.8]
      const factorWad =
        i.kind === 'crash'
          ? WAD / 2n + frac((3n * WAD) / 10n, i.x)
          : (3n * WAD) / 4n + frac((45n * WAD) / 100n, i.x);
      const next = (last * factorWad) / WAD;
      return at(ethPrice(next < WAD ? WAD : next > 40n * WAD ? 40n * WAD : next, true));
    }
    case 'bark': {
      // mostly an unsafe vault when there is one, sometimes any vault (refusals are tested too)
      const unsafe = ACCOUNTS.filter((a) => {
        try {
          return core.urns.get(a) !== undefined && makerLiq2Model.health(state, a, now).liquidatable;
        } catch (e) {
          if (!(e instanceof SolventError)) throw e;
          return false;
        }
      });
      const target = i.flag < 8 && unsafe.length > 0 ? (unsafe[i.who % unsafe.length] as string) : account;
      return at({ type: 'bark', account: target, keeper });
    }
    case 'take': {
      if (sale === undefined) return at({ type: 'take', ilk: ILK, id: 1, amtWad: WAD, maxRay: RAY, keeper });
      const s = clip?.sales.get(String(sale));
      if (s === undefined) return undefined;
      let maxRay = 10n ** 40n;
      try {
        const st = saleStatus(state, ILK, s, now);
        maxRay = i.flag === 0 ? st.priceRay / 2n : st.priceRay;
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
      }
      const amtWad = i.flag < 4 ? s.lotWad : 1n + frac(s.lotWad, i.x);
      const command: Command = { type: 'take', ilk: ILK, id: sale, amtWad, maxRay, keeper };
      return at(
        i.flag >= 6
          ? {
              ...command,
              keeper: `flash${i.who}`,
              flash: { sellTo: 'market', priceRay: maxRay + maxRay / 5n },
            }
          : command,
      );
    }
    case 'redo':
      return at({ type: 'redo', ilk: ILK, id: sale ?? 1, keeper });
    case 'yank':
      return i.flag === 0 && sale !== undefined ? at({ type: 'yank', ilk: ILK, id: sale }) : undefined;
    case 'drip':
      return at({ type: 'drip', ilk: ILK });
    case 'flog': {
      const eras = core.vow.sinByEra.keys().sort((a, b) => Number(a) - Number(b));
      return at({ type: 'flog', era: eras.length === 0 ? 0 : Number(eras[i.who % eras.length]) });
    }
    case 'heal': {
      const surplus = balanceOf(state.ledger, VOW_BUCKET, DAI);
      const healable = core.viceRad - core.vow.SinRad - core.vow.AshRad;
      const cap = surplus < healable ? surplus : healable;
      return at({ type: 'heal', amountRad: cap <= 0n ? 1n : 1n + frac(cap - 1n, i.x) });
    }
    case 'breaker':
      return at({
        type: 'setBreaker',
        ilk: ILK,
        level: i.flag < 8 ? 0 : i.flag - 6,
        delaySeconds: i.who * 60,
      });
    case 'trip':
      return at({ type: 'tripBreaker', ilk: ILK });
    case 'file':
      return at({
        type: 'file',
        ilk: ILK,
        what: 'dustRad',
        data: (10n * RAD + frac(20n * RAD, i.x)).toString(),
      });
    case 'upchost':
      return at({ type: 'upchost', ilk: ILK });
    case 'fund':
      return at({ type: 'fundWallet', actor: keeper, asset: DAI, amount: 500n * RAD });
  }
}

function setup(delaySeconds: number, calc: string, holeRad: bigint, dutyRay: bigint): TimedCommand[] {
  const at0 = (command: Command): TimedCommand => ({ command, nowSeconds: 0 });
  return [
    at0(ethOracle(delaySeconds)),
    at0(ethPrice(10n)),
    at0({ type: 'configure', params: testParams({ calc, dutyRay }, { HoleRad: holeRad }) }),
    ...KEEPERS.map((k) => at0({ type: 'fundWallet', actor: k, asset: DAI, amount: 1000n * RAD })),
  ];
}

describe('makerLiq2Model (property)', () => {
  test('behavior: random sessions keep the engine contract, and liquidations happen', () => {
    let accepted = 0;
    let liquidations = 0;
    let takes = 0;
    let redos = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(0, 0, 600),
        fc.constantFrom(...CALCS),
        fc.constantFrom(150n * RAD, 1000n * RAD, 10n ** 6n * RAD),
        fc.constantFrom(RAY, RAY + 10n ** 18n),
        fc.array(intentArb, { minLength: 70, maxLength: 90 }),
        (delay, calc, hole, duty, intents) => {
          const commands = concretize(makerLiq2Model, setup(delay, calc, hole, duty), intents, toCommand);
          const run = runContract(makerLiq2Model, commands);
          expect(run.violations).toEqual([]);
          accepted += run.accepted;
          liquidations += run.liquidations;
          takes += run.log.filter((r) => r.event.type === 'ClipTaken').length;
          redos += run.log.filter((r) => r.event.type === 'ClipRedone').length;
        },
      ),
      { numRuns: 50 },
    );
    expect(accepted).toBeGreaterThanOrEqual(1_800);
    expect(liquidations).toBeGreaterThan(0);
    expect(takes).toBeGreaterThan(0);
    expect(redos).toBeGreaterThan(0);
  });
});
