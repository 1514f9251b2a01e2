import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { inlineProtocolFile, readStructuredFile } from '../cli/files.js';
import { createEngine, type EngineState } from '../engine/engine.js';
import { InvalidParameterError, UnknownAccountError } from '../engine/errors.js';
import { apply, type Command } from '../engine/machine.js';
import { marketSetup, units } from '../protocols/aave-v3/testkit.js';
import { findProtocol, resolveProtocol, toJsonValue } from '../protocols/catalog.js';
import { runScript } from '../protocols/script.js';
import {
  accountView,
  atRiskView,
  auctionsView,
  balancesView,
  fundsView,
  keeperView,
  pricesView,
} from './views.js';

const repo = join(import.meta.dirname, '..', '..');
const E18 = 10n ** 18n;
const RAY = 10n ** 27n;

/** Runs timed commands (`at` seconds) through a model from empty. */
function run(protocol: string, commands: readonly (Command & { readonly at: number })[]): EngineState {
  const entry = findProtocol(protocol);
  const engine = createEngine(entry.model);
  let state = engine.initial();
  for (const { at, ...rest } of commands) {
    const command = (
      rest.type === 'configure' && rest.params === 'default'
        ? { ...rest, params: toJsonValue(entry.defaultParams) }
        : rest
    ) as Command;
    state = apply(engine, state, command, at).state;
  }
  return state;
}

/** The Maker example script (examples/maker-liq2-osm-bark-take.json) up to its second bark. */
function makerAtBark(): EngineState {
  const script = JSON.parse(readFileSync(join(repo, 'examples/maker-liq2-osm-bark-take.json'), 'utf8')) as {
    commands: (Command & { at: number })[];
  };
  // Drop the refused first bark (t=7300) and stop after the accepted one (t=10900).
  const commands = script.commands.filter((c) => !(c.type === 'bark' && c.at === 7300));
  return run('maker-liq2', commands.slice(0, commands.findIndex((c) => c.type === 'bark') + 1));
}

describe('auctionsView', () => {
  test('default', () => {
    // The example: OSM price $1,300, buf 110 % → the sale starts at 1,430 DAI per ETH (RAY).
    const state = makerAtBark();
    const view = auctionsView(state, 10_900);
    expect(view.kind).toBe('clip');
    expect(view.auctions).toEqual([
      expect.objectContaining({
        ilk: 'ETH-A',
        id: 1,
        usr: 'alice',
        priceRay: 1_430n * RAY,
        needsRedo: false,
      }),
    ]);
  });

  test("behavior: Maker views carry each ilk's curve, so a client can draw the price path", () => {
    const view = auctionsView(makerAtBark(), 10_900);
    // The example's ETH-A Clipper: the price falls 1 % every 90 s, from buf 110 % of the OSM price.
    const ilk = view.ilks?.['ETH-A'] as { calc: Record<string, unknown> } | undefined;
    expect(ilk?.calc).toEqual(
      expect.objectContaining({ kind: 'StairstepExponentialDecrease', cutRay: (99n * RAY) / 100n }),
    );
    expect(Number(ilk?.calc.stepSeconds)).toBe(90);
  });

  test('behavior: the price is read at the asked time (1 % off every 90 s)', () => {
    const view = auctionsView(makerAtBark(), 10_990);
    // 1,430 × 0.99 = 1,415.7 DAI (RAY).
    expect(view.auctions).toEqual([expect.objectContaining({ priceRay: 14_157n * 10n ** 26n })]);
  });

  test('behavior: a model without auctions says so', () => {
    const state = run(
      'aave-v3.3',
      marketSetup().map((c) => ({ ...c, at: 0 })),
    );
    expect(auctionsView(state, 0)).toEqual({ kind: 'none', auctions: [] });
  });
});

describe('pricesView', () => {
  test('default', () => {
    // At t=7,300 the OSM still serves the price of one hop ago ($2,000) while the feed says $1,300.
    const script = JSON.parse(readFileSync(join(repo, 'examples/maker-liq2-osm-bark-take.json'), 'utf8')) as {
      commands: (Command & { at: number })[];
    };
    const state = run(
      'maker-liq2',
      script.commands.filter((c) => c.at <= 7_200),
    );
    const [eth] = pricesView(state, 7_300);
    expect(eth).toMatchObject({
      asset: 'ETH',
      priceDecimals: 18,
      spot: 1_300n * E18,
      used: 2_000n * E18,
      next: 1_300n * E18,
      delaySeconds: 3_600,
      stale: false,
      sources: [{ source: 'osm', price: 1_300n * E18, atSeconds: 7_200, fresh: true }],
    });
  });
});

describe('atRiskView', () => {
  const base = marketSetup().map((c) => ({ ...c, at: 0 }));
  const deposit = (account: string, weth: bigint) => ({
    at: 10,
    type: 'deposit',
    account,
    asset: 'WETH',
    amount: units('WETH', weth),
  });
  const borrow = (account: string, usdc: bigint) => ({
    at: 10,
    type: 'borrow',
    account,
    asset: 'USDC',
    amount: units('USDC', usdc),
  });

  test('default', () => {
    // Same 10 WETH each; more debt = nearer liquidation. 'saver' has no debt and is not listed.
    const state = run('aave-v3.3', [
      ...base,
      deposit('low', 10n),
      borrow('low', 5_000n),
      deposit('high', 10n),
      borrow('high', 15_000n),
      deposit('mid', 10n),
      borrow('mid', 10_000n),
      deposit('saver', 10n),
    ]);
    const view = atRiskView(findProtocol('aave-v3.3').model, state, 10, 10);
    expect(view.orderedBy).toBe('distance');
    expect(view.accounts.map((a) => a.accountId)).toEqual(['high', 'mid', 'low']);
    expect(view.total).toBe(3);
    // 'high': 20,000 USD × 0.825 = 16,500 covers 15,000; a drop of 1 − 15,000/16,500 = 909.09 bps
    // leaves health at 1 (not liquidatable): the smallest whole drop that liquidates is 910 bps.
    expect(view.accounts[0]?.distanceToLiquidationBps).toBe(910n);
    expect(atRiskView(findProtocol('aave-v3.3').model, state, 10, 1).accounts).toHaveLength(1);
  });

  test('error: accountView refuses an account the model does not hold', () => {
    const state = run('aave-v3.3', base);
    expect(() => accountView(findProtocol('aave-v3.3').model, state, 'ghost', 0)).toThrow(
      UnknownAccountError,
    );
  });
});

describe('fundsView', () => {
  test('default', () => {
    const state = run('aave-v3.3', [
      ...base(),
      { at: 0, type: 'fundInsurance', asset: 'USDC', amount: units('USDC', 500n) },
    ]);
    expect(fundsView(state)).toEqual({
      insurance: { USDC: units('USDC', 500n) },
      deficit: {},
      socialized: {},
      protocol: {},
      sysdebt: {},
    });
    expect(balancesView(state, 'wallet:liquidator').WETH).toBe(units('WETH', 1_000_000n));
  });
  function base() {
    return marketSetup().map((c) => ({ ...c, at: 0 }));
  }
});

describe('keeperView', () => {
  test('default', () => {
    const state = makerAtBark();
    const market = {
      nowSeconds: 10_900,
      gasPriceGwei: 1,
      ethPriceUsd: 1_300,
      collateralPriceUsdWad: 1_300n * E18,
      slippageBps: 0n,
    };
    const { family, view } = keeperView(state, 10_900, market, ['keeper']);
    expect(family).toBe('maker-liq2');
    expect((view as { sales: unknown[] }).sales).toHaveLength(1);
  });
});

describe('keeperView on perps models', () => {
  /**
   * An example script up to the first liquidation the model accepts (examples also show refused
   * ones, which are dropped), and that liquidation.
   */
  function atFirstLiquidation(file: string) {
    const script = JSON.parse(readFileSync(join(repo, 'examples', file), 'utf8')) as {
      protocol: string;
      commands: (Command & { at: number })[];
    };
    const kept: (Command & { at: number })[] = [];
    for (const c of script.commands) {
      if (c.type === 'liquidate') {
        const before = run(script.protocol, kept);
        const { at, ...command } = c;
        try {
          apply(createEngine(findProtocol(script.protocol).model), before, command as Command, at);
        } catch {
          continue; // refused in the example too
        }
        return { protocol: script.protocol, state: before, liquidation: c };
      }
      kept.push(c);
    }
    throw new Error(`${file} has no accepted liquidation`);
  }
  const marketAt = (nowSeconds: number) => ({
    nowSeconds,
    gasPriceGwei: 0,
    ethPriceUsd: 0,
    collateralPriceUsdWad: 0n,
    slippageBps: 0n,
  });

  test.each([
    ['hyperliquid.json', 'hyperliquid', true],
    ['dydx-v4.json', 'dydx', true],
    ['synthetix-perps-v3.json', 'synthetix', false],
    ['drift-v2.json', 'drift', false],
    ['gmx-v2.json', 'gmx', true],
  ] as const)(
    'behavior: %s — the account the example liquidates is a candidate, and its command is accepted',
    (file, kind, protocolRun) => {
      const { protocol, state, liquidation } = atFirstLiquidation(file);
      const keeper = String(liquidation.keeper ?? liquidation.liquidator ?? 'protocol');
      const model = findProtocol(protocol).model;
      const { family, view } = keeperView(state, liquidation.at, marketAt(liquidation.at), [keeper], {
        model,
      });
      expect(family).toBe('perps');
      const v = view as {
        kind: string;
        keeperId: string;
        protocolRun: boolean;
        candidates: { account: string; command: Command }[];
      };
      expect(v).toMatchObject({ kind, keeperId: keeper, protocolRun });
      const target = String(liquidation.position ?? liquidation.account);
      const candidate = v.candidates.find((c) => c.account === target);
      expect(candidate).toBeDefined();
      // The view's command is the model's own liquidation, accepted now, as the example's is.
      const engine = createEngine(model);
      const applied = apply(engine, state, (candidate as { command: Command }).command, liquidation.at);
      expect(applied.events.length).toBeGreaterThan(0);
      // Before the price that makes it liquidatable there is nothing to do.
      const opened = run(protocol, []);
      expect(() => keeperView(opened, 0, marketAt(0), [keeper], { model })).toThrow(InvalidParameterError);
    },
  );

  test('behavior: a composed perp market (perps-generic, served under its own id) reads as perps', async () => {
    const path = join(repo, 'examples', 'composed-perp-adl.run.yaml');
    const script = (await inlineProtocolFile(await readStructuredFile(path), path)) as {
      protocol: unknown;
      commands: (Command & { at: number })[];
    };
    // Up to the accepted liquidation of dave at $1,800 (t = 4).
    const upTo = script.commands.findIndex((c) => c.type === 'liquidate' && c.at === 4);
    const { state } = runScript({ ...script, commands: script.commands.slice(0, upTo) });
    const model = resolveProtocol(script.protocol).model;
    expect(state.protocol).not.toBe('perps-generic');
    const { family, view } = keeperView(state, 4, marketAt(4), ['liq'], { model });
    expect(family).toBe('perps');
    const v = view as { kind: string; candidates: { account: string; command: Command }[] };
    expect(v.kind).toBe('generic');
    // At $1,800 alice (3 ETH long on $700) is under maintenance too, with the lower health.
    expect(v.candidates.map((c) => c.account)).toEqual(['alice', 'dave']);
    expect(v.candidates[1]?.command).toEqual({
      type: 'liquidate',
      account: 'dave',
      liquidator: 'liq',
      market: 'ETH-PERP',
    });
  });

  test('error: no model, not exactly one keeper, an unknown market', () => {
    const { protocol, state, liquidation } = atFirstLiquidation('drift-v2.json');
    const model = findProtocol(protocol).model;
    const t = liquidation.at;
    const field = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return e instanceof InvalidParameterError ? e.field : 'other';
      }
      return 'none';
    };
    expect(field(() => keeperView(state, t, marketAt(t), ['liq']))).toBe('model');
    expect(field(() => keeperView(state, t, marketAt(t), [], { model }))).toBe('keepers');
    expect(field(() => keeperView(state, t, marketAt(t), ['liq', 'other'], { model }))).toBe('keepers');
    expect(field(() => keeperView(state, t, marketAt(t), ['liq'], { model, perpMarket: 'NOPE-PERP' }))).toBe(
      'market',
    );
    expect(field(() => keeperView(state, t, marketAt(t), ['liq'], { model, perpMarket: 'SOL-PERP' }))).toBe(
      'none',
    );
  });
});
