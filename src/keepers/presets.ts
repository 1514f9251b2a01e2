/**
 * The named keeper presets (`gasCapped`, `aaveLiquidator`, `liquidator`, ...) as policies of a
 * model family, with the same option mapping as the stress lab's adapters, so a live bot
 * (`solvent keeper`) decides with the very policies the lab measures.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { RAD } from '../math/units.js';
import { type ComposedKeeperView, composedLiquidator } from './composed.js';
import { type CrvusdKeeperView, crvusdArbitrageur, crvusdLiquidator } from './crvusd.js';
import { type EulerKeeperView, eulerLiquidator } from './euler.js';
import {
  type AaveLiquidatorPolicy,
  aaveLiquidator,
  type CometKeeperView,
  cometAbsorber,
  cometBuyer,
} from './lending.js';
import { type LiquityKeeperView, liquityLiquidator } from './liquity.js';
import {
  capitalLimitedKeeper,
  flashKeeper,
  gasAwareKeeper,
  gasCappedKeeper,
  type MakerKeeperView,
  zeroBidKeeper,
} from './maker.js';
import { type PerpsLiquidatorPolicy, perpsLiquidator } from './perps.js';
import type { KeeperPolicy } from './types.js';

/**
 * The keeper view families the service serves (`GET /v1/keeper-view` answers `family`): each has
 * its own view shape and presets.
 */
export type KeeperFamily =
  | 'maker-liq2'
  | 'maker-liq1'
  | 'aave'
  | 'compound'
  | 'euler'
  | 'liquity'
  | 'crvusd'
  | 'composed'
  | 'perps';

/** Every {@link KeeperFamily}. */
export const KEEPER_FAMILIES: readonly KeeperFamily[] = [
  'maker-liq2',
  'maker-liq1',
  'aave',
  'compound',
  'euler',
  'liquity',
  'crvusd',
  'composed',
  'perps',
];

/** Whether `value` names a {@link KeeperFamily}. Never throws. */
export function isKeeperFamily(value: unknown): value is KeeperFamily {
  return typeof value === 'string' && (KEEPER_FAMILIES as readonly string[]).includes(value);
}

/**
 * A keeper preset with the fields that shape its decisions (the lab's `StressKeeperPreset` is
 * assignable to it; its wallet funding and network fields only matter to the simulation). USD
 * amounts and gwei are floats ≥ 0; `capitalDai` is whole DAI.
 */
export type KeeperPresetSpec =
  | {
      readonly preset: 'aaveLiquidator';
      readonly id: string;
      readonly minProfitUsd: number;
      readonly maxGasPriceGwei?: number;
    }
  | { readonly preset: 'cometAbsorber'; readonly id: string; readonly maxGasPriceGwei?: number }
  | {
      readonly preset: 'cometBuyer';
      readonly id: string;
      readonly minProfitUsd: number;
      readonly maxGasPriceGwei?: number;
    }
  | {
      readonly preset: 'gasCapped';
      readonly id: string;
      readonly maxGasPriceGwei: number;
      readonly kicksAboveCap?: boolean;
    }
  | { readonly preset: 'gasAware'; readonly id: string; readonly minProfitUsd: number }
  | { readonly preset: 'flash'; readonly id: string; readonly minProfitUsd?: number }
  | { readonly preset: 'capitalLimited'; readonly id: string; readonly capitalDai: number }
  | {
      readonly preset: 'zeroBid';
      readonly id: string;
      readonly maxGasPriceGwei?: number;
      readonly minProfitUsd?: number;
    }
  | {
      readonly preset: 'liquidator';
      readonly id: string;
      readonly minProfitUsd?: number;
      readonly maxGasPriceGwei?: number;
    }
  | { readonly preset: 'arbitrageur'; readonly id: string; readonly minProfitUsd?: number };

/** Suffix of a crvUSD arbitrageur's inventory actor (`<id>.inventory`), as the lab funds it. */
export const ARBITRAGEUR_INVENTORY_SUFFIX = '.inventory';

/** A policy for one family and the keeper ids whose wallets its view must include. */
export interface FamilyPolicy {
  readonly family: KeeperFamily;
  /** Decides on the family's view (MakerKeeperView, AaveKeeperView, ...). */
  readonly policy: KeeperPolicy<unknown>;
  /** Ids to pass as the view's `keepers` (the keeper itself, and an inventory actor if any). */
  readonly wallets: readonly string[];
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

function refuse(field: string, preset: string, where: string, presets: string): never {
  throw new InvalidParameterError(
    field,
    `preset ${preset} does not run on ${where}`,
    `${where} takes ${presets}.`,
  );
}

/**
 * A Maker preset as a policy (liq2 and liq1): `gasCapped`, `gasAware`, `flash`, `capitalLimited`
 * (`capitalDai` whole DAI → RAD), `zeroBid`.
 * @param field how the preset is named in errors (`keepers[].preset`, `--policy`).
 * @throws InvalidParameterError (`field`) for a preset of another family; (`capitalDai`) for
 *   capital that is not a whole number ≥ 0; the preset's own option errors.
 */
export function makerPresetPolicy(
  spec: KeeperPresetSpec,
  field = 'keepers[].preset',
): KeeperPolicy<MakerKeeperView> {
  switch (spec.preset) {
    case 'gasCapped':
      return gasCappedKeeper({
        id: spec.id,
        maxGasPriceGwei: spec.maxGasPriceGwei,
        ...optional('kicksAboveCap', spec.kicksAboveCap),
      });
    case 'gasAware':
      return gasAwareKeeper({ id: spec.id, minProfitUsd: spec.minProfitUsd });
    case 'flash':
      return flashKeeper({ id: spec.id, ...optional('minProfitUsd', spec.minProfitUsd) });
    case 'capitalLimited':
      if (!Number.isSafeInteger(spec.capitalDai) || spec.capitalDai < 0) {
        throw new InvalidParameterError('capitalDai', `expected whole DAI ≥ 0, got ${spec.capitalDai}`);
      }
      return capitalLimitedKeeper({ id: spec.id, capitalDaiRad: BigInt(spec.capitalDai) * RAD });
    case 'zeroBid':
      return zeroBidKeeper({
        id: spec.id,
        ...optional('maxGasPriceGwei', spec.maxGasPriceGwei),
        ...optional('minProfitUsd', spec.minProfitUsd),
      });
    default:
      return refuse(
        field,
        spec.preset,
        'Maker',
        'gasCapped, gasAware, flash, capitalLimited and zeroBid keepers',
      );
  }
}

/**
 * The `aaveLiquidator` preset as a policy.
 * @throws InvalidParameterError (`field`) for another preset; the policy's option errors.
 */
export function aavePresetPolicy(spec: KeeperPresetSpec, field = 'keepers[].preset'): AaveLiquidatorPolicy {
  if (spec.preset !== 'aaveLiquidator') return refuse(field, spec.preset, 'Aave', 'aaveLiquidator keepers');
  return aaveLiquidator({
    id: spec.id,
    minProfitUsd: spec.minProfitUsd,
    ...optional('maxGasPriceGwei', spec.maxGasPriceGwei),
  });
}

/**
 * The `cometAbsorber` and `cometBuyer` presets as policies (Compound v3).
 * @throws InvalidParameterError (`field`) for another preset; the policies' option errors.
 */
export function cometPresetPolicy(
  spec: KeeperPresetSpec,
  field = 'keepers[].preset',
): KeeperPolicy<CometKeeperView> {
  if (spec.preset === 'cometAbsorber') {
    return cometAbsorber({ id: spec.id, ...optional('maxGasPriceGwei', spec.maxGasPriceGwei) });
  }
  if (spec.preset === 'cometBuyer') {
    return cometBuyer({
      id: spec.id,
      minProfitUsd: spec.minProfitUsd,
      ...optional('maxGasPriceGwei', spec.maxGasPriceGwei),
    });
  }
  return refuse(field, spec.preset, 'Compound v3', 'cometAbsorber and cometBuyer keepers');
}

/** ε and the gas cap of the generic `liquidator` preset, as the option objects take them. */
function liquidatorOptions(spec: Extract<KeeperPresetSpec, { preset: 'liquidator' }>) {
  return {
    id: spec.id,
    ...optional('minProfitUsd', spec.minProfitUsd),
    ...optional('maxGasPriceGwei', spec.maxGasPriceGwei),
  };
}

/**
 * The `liquidator` preset on Euler v2.
 * @throws InvalidParameterError (`field`) for another preset; the policy's option errors.
 */
export function eulerPresetPolicy(
  spec: KeeperPresetSpec,
  field = 'keepers[].preset',
): KeeperPolicy<EulerKeeperView> {
  if (spec.preset !== 'liquidator') return refuse(field, spec.preset, 'Euler v2', 'liquidator keepers');
  return eulerLiquidator(liquidatorOptions(spec));
}

/**
 * The `liquidator` preset on Liquity v1.
 * @throws InvalidParameterError (`field`) for another preset; the policy's option errors.
 */
export function liquityPresetPolicy(
  spec: KeeperPresetSpec,
  field = 'keepers[].preset',
): KeeperPolicy<LiquityKeeperView> {
  if (spec.preset !== 'liquidator') return refuse(field, spec.preset, 'Liquity v1', 'liquidator keepers');
  return liquityLiquidator(liquidatorOptions(spec));
}

/**
 * The `liquidator` preset on a composed lending market.
 * @throws InvalidParameterError (`field`) for another preset; the policy's option errors.
 */
export function composedPresetPolicy(
  spec: KeeperPresetSpec,
  field = 'keepers[].preset',
): KeeperPolicy<ComposedKeeperView> {
  if (spec.preset !== 'liquidator') {
    return refuse(field, spec.preset, 'a composed lending market', 'liquidator keepers');
  }
  return composedLiquidator(liquidatorOptions(spec));
}

/**
 * A perps liquidator (src/keepers/perps.ts) from a `liquidator` preset, for every perpetuals model
 * and composed perp market (where the protocol liquidates itself, the protocol's own engine).
 * `where` names the market in the refusal.
 * @throws InvalidParameterError naming `field` for another preset.
 */
export function perpsPresetPolicy(
  spec: KeeperPresetSpec,
  field = 'keepers[].preset',
  where = 'perpetuals',
): PerpsLiquidatorPolicy {
  if (spec.preset !== 'liquidator') {
    return refuse(
      field,
      spec.preset,
      where,
      'liquidator keepers (the protocol engine where the protocol liquidates itself)',
    );
  }
  return perpsLiquidator(liquidatorOptions(spec));
}

/** A crvUSD policy; an arbitrageur also names the actor holding its collateral inventory. */
export type CrvusdPresetPolicy =
  | {
      readonly kind: 'arbitrageur';
      readonly policy: KeeperPolicy<CrvusdKeeperView>;
      readonly inventory: string;
    }
  | { readonly kind: 'liquidator'; readonly policy: KeeperPolicy<CrvusdKeeperView> };

/**
 * The `arbitrageur` (inventory actor `<id>` + {@link ARBITRAGEUR_INVENTORY_SUFFIX}) and
 * `liquidator` presets on crvUSD.
 * @throws InvalidParameterError (`field`) for another preset; the policies' option errors.
 */
export function crvusdPresetPolicy(spec: KeeperPresetSpec, field = 'keepers[].preset'): CrvusdPresetPolicy {
  if (spec.preset === 'arbitrageur') {
    const inventory = `${spec.id}${ARBITRAGEUR_INVENTORY_SUFFIX}`;
    return {
      kind: 'arbitrageur',
      inventory,
      policy: crvusdArbitrageur({
        id: spec.id,
        inventoryActor: inventory,
        ...optional('minProfitUsd', spec.minProfitUsd),
      }),
    };
  }
  if (spec.preset === 'liquidator')
    return { kind: 'liquidator', policy: crvusdLiquidator(liquidatorOptions(spec)) };
  return refuse(field, spec.preset, 'crvUSD', 'arbitrageur and liquidator keepers');
}

/**
 * A preset as the policy of `family`, with the wallets its view needs.
 * @param field how the preset is named in errors.
 * @throws InvalidParameterError (`field`) when the preset does not run on the family; the
 *   preset's option errors.
 */
export function presetPolicyFor(
  family: KeeperFamily,
  spec: KeeperPresetSpec,
  field = 'keepers[].preset',
): FamilyPolicy {
  const own = (policy: KeeperPolicy<unknown>): FamilyPolicy => ({ family, policy, wallets: [spec.id] });
  switch (family) {
    case 'maker-liq2':
    case 'maker-liq1':
      return own(makerPresetPolicy(spec, field) as KeeperPolicy<unknown>);
    case 'aave':
      return own(aavePresetPolicy(spec, field) as KeeperPolicy<unknown>);
    case 'compound':
      return own(cometPresetPolicy(spec, field) as KeeperPolicy<unknown>);
    case 'euler':
      return own(eulerPresetPolicy(spec, field) as KeeperPolicy<unknown>);
    case 'liquity':
      return own(liquityPresetPolicy(spec, field) as KeeperPolicy<unknown>);
    case 'composed':
      return own(composedPresetPolicy(spec, field) as KeeperPolicy<unknown>);
    case 'perps':
      return own(perpsPresetPolicy(spec, field) as KeeperPolicy<unknown>);
    case 'crvusd': {
      const chosen = crvusdPresetPolicy(spec, field);
      return {
        family,
        policy: chosen.policy as KeeperPolicy<unknown>,
        wallets: chosen.kind === 'arbitrageur' ? [spec.id, chosen.inventory] : [spec.id],
      };
    }
  }
}
