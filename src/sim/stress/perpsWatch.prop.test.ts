/**
 * The perps watch against the full scans it replaces, on random runs of every perps-core model
 * opened by the adapter (a synthetic book on the ETH market), then driven through random actions
 * (oracle moves, liquidations by the run's keeper, partial closes, deposits, funding, Synthetix's
 * keeper gas price, time passing) and read after each: the accounts it screens in must include
 * every one the model's health reports liquidatable (and those it leaves out as paying nothing
 * must have a reward bound of 0), and the bad debt and the borrowers' totals must equal the scans
 * exactly (the same floats, bit for bit).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { apply, type Command } from '../../engine/machine.js';
import { perpsLiquidateCommand, perpsRewardBoundQuote } from '../../keepers/perps.js';
import { SolventError } from '../../math/errors.js';
import type { GmxExt } from '../../protocols/gmx-v2/state.js';
import { createRng } from '../rng.js';
import { FEED_SOURCES, type OpenedStress, stressSource } from './core.js';
import { type PerpsOpenedInfo, perpsStressAdapter } from './perps.js';
import { gmxWatch } from './perpsGmxWatch.js';
import type { PerpsRig } from './perpsRigs.js';
import { perpsBadDebtUsd, perpsWatch } from './perpsWatch.js';
import type { StressOptions } from './types.js';

type AnyState = EngineState<unknown>;

/** The perps-core models (perpsWatch) and GMX (gmxWatch). */
const MODELS = [
  'perps-generic',
  'dydx-v4',
  'synthetix-perps-v3',
  'drift-v2',
  'hyperliquid',
  'gmx-v2',
] as const;

type Action =
  | { readonly kind: 'price'; readonly move: number }
  | { readonly kind: 'liquidate'; readonly who: number }
  | { readonly kind: 'reduce'; readonly who: number; readonly part: number }
  | { readonly kind: 'deposit'; readonly who: number; readonly usd: number }
  | { readonly kind: 'funding'; readonly ratePpm: number }
  | { readonly kind: 'gas'; readonly usdPerGas: number }
  | { readonly kind: 'wait'; readonly seconds: number }
  /** The price moved to `move` away in 12 equal steps, read after each. */
  | { readonly kind: 'sweep'; readonly move: number };

/** Steps of a `sweep`. */
const SWEEP_STEPS = 12;

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('price' as const),
      move: fc.double({ min: -0.3, max: 0.12, noNaN: true }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant('liquidate' as const), who: fc.nat({ max: 999 }) }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constant('reduce' as const),
      who: fc.nat({ max: 999 }),
      part: fc.double({ min: 0.05, max: 1, noNaN: true }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      who: fc.nat({ max: 999 }),
      usd: fc.integer({ min: 1, max: 5_000 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('funding' as const),
      ratePpm: fc.integer({ min: -300, max: 300 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('gas' as const),
      usdPerGas: fc.integer({ min: 1, max: 5_000 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 1, max: 7_200 }) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('sweep' as const),
      move: fc.double({ min: -0.3, max: 0.3, noNaN: true }),
    }),
    weight: 2,
  },
);

/** ETH (and GMX's WETH) from every feed source at `usd`. */
function publish(state: AnyState, usd: number): Command[] {
  const decimals = state.oracle.assets.ETH?.config.priceDecimals ?? 8;
  const price = BigInt(Math.max(1, Math.round(usd * 10 ** decimals)));
  const assets = Object.hasOwn(state.oracle.assets, 'WETH') ? ['ETH', 'WETH'] : ['ETH'];
  return assets.flatMap((asset) =>
    FEED_SOURCES.map((source) => ({ type: 'publishPrice', asset, source, price })),
  );
}

/** The command of an action in a model (undefined: the model has no such command). */
function commandOf(
  rig: PerpsRig,
  state: AnyState,
  a: Action,
  who: string,
  keeper: string,
): Command | undefined {
  const market = rig.market;
  if (rig.kind === 'gmx') {
    const p = (state as EngineState<GmxExt>).ext.positions.get(who);
    if (a.kind === 'liquidate') return perpsLiquidateCommand('gmx', who, market, keeper);
    if (p === undefined) return undefined;
    if (a.kind === 'reduce') {
      const sizeDeltaUsd = (p.sizeInUsd * BigInt(Math.max(1, Math.round(a.part * 1000)))) / 1000n;
      return {
        type: 'decreasePosition',
        account: p.account,
        market,
        collateralToken: p.collateralToken,
        isLong: p.isLong,
        sizeDeltaUsd,
      };
    }
    if (a.kind === 'deposit') {
      // More collateral: the wallet first, then an increase by collateral only (see the loop).
      return {
        type: 'fundWallet',
        actor: p.account,
        asset: p.collateralToken,
        amount: BigInt(a.usd) * 10n ** 6n,
      };
    }
    return undefined;
  }
  const book = (
    state.ext as {
      book: { markets: Record<string, { positions: { get(id: string): { sizeBase: bigint } | undefined } }> };
    }
  ).book;
  const size = book.markets[market]?.positions.get(who)?.sizeBase ?? 0n;
  switch (a.kind) {
    case 'liquidate':
      return perpsLiquidateCommand(rig.kind, who, market, keeper);
    case 'reduce': {
      if (size === 0n) return undefined;
      const abs = size < 0n ? -size : size;
      let part = BigInt(Math.max(1, Math.floor(Number(abs) * a.part)));
      if (part > abs) part = abs;
      if (rig.kind === 'dydx') {
        const step = 1_000_000n; // stepBaseQuantums of the default ETH-USD
        part = (part / step) * step;
        if (part === 0n) return undefined;
        return { type: 'placeOrder', account: who, market, sizeBase: size > 0n ? -part : part };
      }
      if (rig.kind === 'synthetix')
        return { type: 'trade', account: who, market, sizeDelta: size > 0n ? -part : part };
      if (rig.kind === 'drift') return { type: 'closePosition', account: who, market };
      return { type: 'closePosition', account: who, market, sizeBase: part };
    }
    case 'deposit':
      return { type: 'deposit', account: who, amount: BigInt(a.usd) * 10n ** BigInt(rig.quoteDecimals) };
    case 'funding':
      return rig.kind === 'generic' || rig.kind === 'dydx'
        ? { type: 'accrueFunding', market, ratePpm: a.ratePpm }
        : undefined;
    case 'gas':
      return rig.kind === 'synthetix'
        ? { type: 'setGasPrice', gasPriceUsdPerGasD18: BigInt(a.usdPerGas) * 10n ** 9n }
        : undefined;
    default:
      return undefined;
  }
}

function naiveTotals(rig: PerpsRig, state: AnyState, accounts: readonly string[]) {
  let collateral = 0n;
  let debtUsd = 0;
  for (const id of accounts) {
    const w = rig.worth(state, id);
    collateral += w.sizeWad;
    debtUsd += w.debtUsd;
  }
  return { collateral, debtUsd };
}

/** The borrowers with an open position the model's health reports liquidatable at `t`. */
function naiveLiquidatable(
  opened: OpenedStress<AnyState>,
  rig: PerpsRig,
  state: AnyState,
  t: number,
): string[] {
  const health = rig.model.health as (s: AnyState, id: string, now: number) => { liquidatable: boolean };
  const out: string[] = [];
  for (const id of opened.accounts) {
    if (!rig.isOpen(state, id)) continue;
    try {
      if (health(state, id, t).liquidatable) out.push(id);
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
    }
  }
  return out;
}

/** Counts of what the runs reached (so a property cannot pass on runs that never test anything). */
interface Seen {
  reads: number;
  liquidatable: number;
  screenedOut: number;
  unpaidOut: number;
  badDebt: number;
}

/**
 * The property over `protocols` and `actions`: one random run, read after every action.
 */
function watchMatchesScans(
  seen: Seen,
  protocols: readonly string[],
  actions: fc.Arbitrary<readonly Action[]>,
): fc.IPropertyWithHooks<[string, number, number, readonly Action[]]> {
  return fc.property(
    fc.constantFrom(...protocols),
    fc.integer({ min: 0, max: 1_000_000 }),
    fc.integer({ min: 6, max: 24 }),
    actions,
    (protocol, seed, accounts, actions) => {
      const options: StressOptions = { protocol, scenario: 'oct-2025', seed, accounts, stepSeconds: 300 };
      const source = stressSource(options);
      const start = source.ethPath[0]!.tSeconds;
      const specs = perpsStressAdapter.defaultKeepers(protocol);
      const opened = perpsStressAdapter.open({
        options,
        source,
        rng: createRng(seed),
        specs,
        start,
      }) as OpenedStress<AnyState> & { readonly info: PerpsOpenedInfo };
      const rig = opened.info.rig;
      const keeper = specs[0]!.id;
      const watch = rig.kind === 'gmx' ? gmxWatch(rig, opened.accounts) : perpsWatch(rig, opened.accounts);
      expect(watch).toBeDefined();
      let state = opened.state;
      let t = start;
      let usd = source.ethPath[0]!.price;
      const read = (): void => {
        seen.reads += 1;
        expect(watch!.badDebtUsd(state)).toBe(perpsBadDebtUsd(rig, state, opened.accounts));
        expect(watch!.borrowerTotals(state)).toEqual(naiveTotals(rig, state, opened.accounts));
        const due = naiveLiquidatable(opened, rig, state, t);
        const screened = watch!.liquidatable(state, t);
        const paying = watch!.liquidatable(state, t, true);
        seen.liquidatable += due.length;
        seen.badDebt += perpsBadDebtUsd(rig, state, opened.accounts) > 0 ? 1 : 0;
        if (screened === undefined || paying === undefined) return;
        seen.screenedOut += opened.accounts.length - screened.length;
        const inScreen = new Set(screened);
        const inPaying = new Set(paying);
        for (const id of due) {
          expect(inScreen.has(id), `${protocol} ${id} at ${t}`).toBe(true);
          if (inPaying.has(id)) continue;
          // Left out as paying nothing: only perps-generic, and its bound says so.
          seen.unpaidOut += 1;
          expect(rig.kind).toBe('generic');
          expect(perpsRewardBoundQuote(state, id, rig.market, t)).toBe(0n);
        }
      };
      read();
      for (const a of actions) {
        t += 60;
        const who = opened.accounts[('who' in a ? a.who : 0) % Math.max(1, opened.accounts.length)];
        let commands: Command[] = [];
        if (a.kind === 'sweep') {
          const factor = (1 + a.move) ** (1 / SWEEP_STEPS);
          for (let i = 1; i < SWEEP_STEPS; i++) {
            usd *= factor;
            for (const c of publish(state, usd)) state = apply(opened.decider, state, c, t).state;
            read();
            t += 60;
          }
          usd *= factor;
          commands = publish(state, usd);
        } else if (a.kind === 'price') {
          usd *= 1 + a.move;
          commands = publish(state, usd);
        } else if (a.kind === 'wait') t += a.seconds;
        else if (who !== undefined) {
          const c = commandOf(rig, state, a, who, keeper);
          if (c !== undefined) commands = [c];
          const p = (state as EngineState<GmxExt>).ext.positions?.get(who);
          if (c?.type === 'fundWallet' && p !== undefined) {
            commands.push({
              type: 'increasePosition',
              account: p.account,
              market: rig.market,
              collateralToken: p.collateralToken,
              isLong: p.isLong,
              collateralAmount: c.amount as bigint,
              sizeDeltaUsd: 0n,
            });
          }
        }
        for (const c of commands) {
          try {
            state = apply(opened.decider, state, c, t).state;
          } catch (e) {
            if (!(e instanceof SolventError)) throw e;
          }
        }
        read();
      }
    },
  );
}

const fresh = (): Seen => ({ reads: 0, liquidatable: 0, screenedOut: 0, unpaidOut: 0, badDebt: 0 });

describe('perpsWatch', () => {
  test('property: screens every liquidatable account and reads bad debt and totals exactly as the scans', () => {
    const seen = fresh();
    fc.assert(watchMatchesScans(seen, MODELS, fc.array(action, { minLength: 4, maxLength: 20 })), {
      numRuns: 100,
    });
    // The runs reached the cases the watch exists for.
    expect(seen.liquidatable).toBeGreaterThan(50);
    expect(seen.screenedOut).toBeGreaterThan(seen.reads);
    expect(seen.badDebt).toBeGreaterThan(10);
  });

  test('property: perps-generic accounts left out as paying nothing pay nothing, through crashes and recoveries', () => {
    // Deep falls leave accounts below zero equity that no paid keeper liquidates; recoveries then
    // lift some back to paying (the certificate must let go of them in time).
    const swing: fc.Arbitrary<Action> = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('price' as const),
          move: fc.double({ min: -0.4, max: 0.6, noNaN: true }),
        }),
        weight: 4,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant('sweep' as const),
          move: fc.double({ min: -0.4, max: 0.4, noNaN: true }),
        }),
        weight: 4,
      },
      {
        arbitrary: fc.record({ kind: fc.constant('liquidate' as const), who: fc.nat({ max: 999 }) }),
        weight: 1,
      },
    );
    const seen = fresh();
    fc.assert(watchMatchesScans(seen, ['perps-generic'], fc.array(swing, { minLength: 4, maxLength: 16 })), {
      numRuns: 150,
    });
    expect(seen.unpaidOut).toBeGreaterThan(50);
  });
});
