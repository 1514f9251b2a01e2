/**
 * Property: every action a perps keeper policy returns is accepted by the model in the state it
 * saw. Random model, book seed, two successive price falls and gas: the run is opened by the
 * adapter, the ETH feed republished at the fallen price, each keeper decides, and every one of its
 * commands is dry-run against that same state; the first round's actions are then applied so the
 * second round sees inherited positions (Drift's liquidator, Hyperliquid's vault) and ADL flags.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { EngineState } from '../../engine/engine.js';
import { apply, type Command } from '../../engine/machine.js';
import type { MarketContext } from '../../keepers/types.js';
import { SolventError } from '../../math/errors.js';
import { createRng } from '../rng.js';
import { FEED_SOURCES, type OpenedStress, stressSource } from './core.js';
import { PERPS_STRESS_PROTOCOLS, perpsStressAdapter } from './perps.js';
import type { StressOptions } from './types.js';

/** Publishes ETH (and GMX's WETH) at `usd` from every feed source. */
function publish(state: EngineState<unknown>, usd: number): Command[] {
  const decimals = state.oracle.assets.ETH?.config.priceDecimals ?? 8;
  const price = BigInt(Math.round(usd * 10 ** decimals));
  const assets = Object.hasOwn(state.oracle.assets, 'WETH') ? ['ETH', 'WETH'] : ['ETH'];
  return assets.flatMap((asset) =>
    FEED_SOURCES.map((source) => ({ type: 'publishPrice', asset, source, price })),
  );
}

describe('perps keepers', () => {
  test('property: every action a policy returns is accepted by the model in the state it saw', () => {
    const byType: Record<string, number> = {};
    fc.assert(
      fc.property(
        fc.constantFrom(...PERPS_STRESS_PROTOCOLS),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0.05, max: 0.4, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.double({ min: 1, max: 300, noNaN: true }),
        (protocol, seed, fall1, fall2, gasGwei) => {
          const options: StressOptions = {
            protocol,
            scenario: 'oct-2025',
            seed,
            accounts: 24,
            stepSeconds: 300,
          };
          const source = stressSource(options);
          const start = source.ethPath[0]!.tSeconds;
          const opened = perpsStressAdapter.open({
            options,
            source,
            rng: createRng(seed),
            specs: perpsStressAdapter.defaultKeepers(protocol),
            start,
          }) as OpenedStress<EngineState<unknown>>;
          const p0 = source.ethPath[0]!.price;
          let state = opened.state;
          for (const [round, usd] of [
            [1, p0 * (1 - fall1)],
            [2, p0 * (1 - fall1) * (1 - fall2)],
          ] as const) {
            const t = start + 60 * round;
            for (const c of publish(state, usd)) state = apply(opened.decider, state, c, t).state;
            for (const c of opened.maintenance?.(state, t, usd, 0) ?? [])
              state = apply(opened.decider, state, c, t).state;
            const market: MarketContext = {
              nowSeconds: t,
              gasPriceGwei: gasGwei,
              ethPriceUsd: usd,
              collateralPriceUsdWad: BigInt(Math.round(usd * 1e6)) * 10n ** 12n,
              slippageBps: 0n,
            };
            const seen = state;
            const actions = opened.keepers.flatMap((k) => k.decide(seen, market));
            for (const a of actions) {
              expect(
                () => opened.decider.decide(seen, a.command, t),
                `${protocol} ${a.reason}`,
              ).not.toThrow();
              byType[a.command.type] = (byType[a.command.type] ?? 0) + 1;
            }
            for (const a of actions) {
              try {
                state = apply(opened.decider, state, a.command, t).state;
              } catch (e) {
                if (!(e instanceof SolventError)) throw e; // an earlier action changed the state
              }
            }
          }
        },
      ),
      { numRuns: 60 },
    );
    // The property ran on real decisions: liquidations, and the unwinds that follow takeovers.
    expect(byType.liquidate ?? 0).toBeGreaterThan(20);
  });
});
