/**
 * A perpetuals market composed from the perps core's stages: margin tiers, the venue a liquidation
 * closes into (order book or AMM, with slippage), partial liquidation toward a target, the loss
 * waterfall (insurance fund, backstop vault, socialization, auto-deleveraging with a chosen
 * ranking), and optionally a cross-margin stage: `portfolioMargin` (the worst loss over a grid of
 * correlated shocks, src/engine/perps/portfolio.ts) or `netting` (requirement on the net exposure
 * per underlying, src/engine/perps/netting.ts). The configuration is the `perps-generic`
 * parameters plus `kind: perp`, an `id` and an optional `title`; the model is `perps-generic`
 * under that id.
 */
import type { ProtocolModel } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { readObject, readString } from '../../engine/fields.js';
import { type PerpsGenericExt, perpsGenericModel } from '../../engine/perps/model.js';
import { type PerpsGenericParams, parsePerpsGenericParams } from '../../engine/perps/params.js';

/** A composed perp market: its id and title, and the perps core parameters it runs with. */
export interface ComposedPerpConfig {
  readonly kind: 'perp';
  readonly id: string;
  readonly title: string;
  readonly params: PerpsGenericParams;
}

/**
 * Validates a composed perp configuration (parsed JSON or YAML).
 * @throws InvalidParameterError naming the dotted field (`config.markets[0].marginTiers[1]...`).
 */
export function parseComposedPerpConfig(raw: unknown, path = 'config'): ComposedPerpConfig {
  const { kind, id: _id, title, ...rest } = readObject(raw, path);
  if (kind !== 'perp') throw new InvalidParameterError(`${path}.kind`, 'expected perp');
  const id = readString(readObject(raw, path), 'id', `${path}.id`);
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(id)) {
    throw new InvalidParameterError(`${path}.id`, 'use lower-case letters, digits, dots and dashes');
  }
  return {
    kind: 'perp',
    id,
    title: typeof title === 'string' ? title : `Composed perp market ${id}`,
    params: parsePerpsGenericParams(rest, path),
  };
}

const MODELS = new Map<string, ProtocolModel<PerpsGenericExt>>();

/** The perps core model under the composed market's id and title. */
export function composedPerpModelFor(config: ComposedPerpConfig): ProtocolModel<PerpsGenericExt> {
  const key = `${config.id}\u0000${config.title}`;
  const cached = MODELS.get(key);
  if (cached !== undefined) return cached;
  const model: ProtocolModel<PerpsGenericExt> = { ...perpsGenericModel, id: config.id, title: config.title };
  MODELS.set(key, model);
  return model;
}
