/**
 * The stress lab's single run: a built-in scenario or a replay of real data through a protocol
 * model with a book, keepers, an oracle feed, a network and a liquidity venue whose price impact
 * feeds back into the market price, so liquidation cascades can emerge and be measured. The loop is
 * src/sim/stress/core.ts; each protocol family is an adapter (src/sim/stress/<family>.ts).
 * Deterministic for a seed: no clock, no Math.random; floats are used only for the market and reporting.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { composedLendingStressAdapter } from './stress/composedLending.js';
import { runWithAdapter, type StressAdapter } from './stress/core.js';
import { crvusdStressAdapter } from './stress/crvusd.js';
import { eulerStressAdapter } from './stress/euler.js';
import { lendingStressAdapter } from './stress/lending.js';
import { liquityStressAdapter } from './stress/liquity.js';
import { makerStressAdapter } from './stress/maker.js';
import { composedPerpStressAdapter, perpsStressAdapter } from './stress/perps.js';
import type { StressKeeperSpec, StressOptions, StressResult } from './stress/types.js';

export type { EventEffect, OpenedStress, StressAdapter, StressSetup } from './stress/core.js';
export { lendingBadDebtUsd } from './stress/lending.js';
export { auctionsLive, badDebtRad, type MakerEngineState } from './stress/maker.js';
export * from './stress/types.js';

/** Every protocol family the stress lab runs, in the order `STRESS_PROTOCOLS` lists them. */
const ADAPTERS: readonly StressAdapter[] = [
  makerStressAdapter,
  lendingStressAdapter,
  liquityStressAdapter,
  eulerStressAdapter,
  crvusdStressAdapter,
  perpsStressAdapter,
];

/** Adapters of composed protocols, by the configuration's `kind`. */
const COMPOSED_ADAPTERS: Readonly<Record<string, StressAdapter>> = {
  lending: composedLendingStressAdapter,
  perp: composedPerpStressAdapter,
};

/** Protocol ids {@link runStress} supports. */
export const STRESS_PROTOCOLS: readonly string[] = ADAPTERS.flatMap((a) => a.protocols);

function adapterFor(protocol: string, protocolConfig?: unknown): StressAdapter {
  if (protocolConfig !== undefined) {
    const kind =
      protocolConfig !== null && typeof protocolConfig === 'object'
        ? (protocolConfig as { kind?: unknown }).kind
        : undefined;
    const composed = typeof kind === 'string' ? COMPOSED_ADAPTERS[kind] : undefined;
    if (composed === undefined) {
      throw new InvalidParameterError(
        'protocolConfig.kind',
        `expected one of ${Object.keys(COMPOSED_ADAPTERS).join(', ')}, got ${JSON.stringify(kind)}`,
        'A composed protocol file names its kind: `kind: lending` or `kind: perp`.',
      );
    }
    return composed;
  }
  const found = ADAPTERS.find((a) => a.protocols.includes(protocol));
  if (found === undefined) {
    throw new InvalidParameterError(
      'protocol',
      `${protocol} is not supported by the stress lab`,
      `Supported: ${STRESS_PROTOCOLS.join(', ')}.`,
    );
  }
  return found;
}

/**
 * Default keepers of a protocol's stress runs (see each adapter's `defaultKeepers`).
 * @throws InvalidParameterError (field `protocol`) for an unsupported protocol.
 */
export function defaultStressKeepers(
  protocol: string,
  protocolConfig?: unknown,
): readonly StressKeeperSpec[] {
  return adapterFor(protocol, protocolConfig).defaultKeepers(protocol);
}

/**
 * The parameters a stress run of `protocol` configures by default, as raw JSON (bigints as decimal
 * strings): the starting point for `protocolParams` overrides (sweeps set one dotted path in it).
 * @throws InvalidParameterError (field `protocol`) for a protocol the stress lab does not run.
 */
export function defaultStressParamsJson(protocol: string, protocolConfig?: unknown): unknown {
  return adapterFor(protocol, protocolConfig).defaultParamsJson(protocol, protocolConfig);
}

/**
 * Runs one scenario or replay through a protocol (see src/sim/stress/core.ts for the steps and the
 * adapters for each family's set-up). The summary's `scenario` is the built-in id or the replay's name.
 * @throws InvalidParameterError (field `protocol`) for a protocol not in {@link STRESS_PROTOCOLS},
 * (field `keepers[].preset`) for a keeper preset of another protocol family, (field `scenario`)
 * when neither or both of `scenario` and `replay` are given, (field `stepSeconds`) for a step that
 * differs from the replay's grid, and for bad options (`accounts`, `network.*`, keeper fields);
 * UnknownScenarioError; ReplayMissingAssetError for a replay without ETH.
 */
export function runStress(options: StressOptions): StressResult {
  return runWithAdapter(adapterFor(options.protocol, options.protocolConfig), options);
}
