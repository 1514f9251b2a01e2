/**
 * The catalogue of protocol models: each model with its embedded default parameters and its
 * parameter parser, so the CLI, the stress lab and the service can pick a protocol by id.
 */
import type { ProtocolModel } from '../engine/engine.js';
import { perpsGenericModel } from '../engine/perps/model.js';
import { DEFAULT_PERPS_GENERIC_PARAMS, parsePerpsGenericParams } from '../engine/perps/params.js';
import { SolventError } from '../math/errors.js';
import { aaveV33Model, aaveV35Model, aaveV37Model } from './aave-v3/model.js';
import { DEFAULT_AAVE_PARAMS, parseAaveParams } from './aave-v3/params.js';
import { parseComposedLendingConfig } from './composed/config.js';
import { composedLendingModelFor } from './composed/lending.js';
import { composedPerpModelFor, parseComposedPerpConfig } from './composed/perp.js';
import { compoundV3Model } from './compound-v3/model.js';
import { DEFAULT_COMPOUND_PARAMS, parseCompoundParams } from './compound-v3/params.js';
import { crvusdModel } from './crvusd/model.js';
import { DEFAULT_CRVUSD_PARAMS, parseCrvusdParams } from './crvusd/params.js';
import { driftV2Model } from './drift-v2/model.js';
import { DEFAULT_DRIFT_PARAMS, parseDriftParams } from './drift-v2/params.js';
import { dydxV4Model } from './dydx-v4/model.js';
import { DEFAULT_DYDX_PARAMS, parseDydxParams } from './dydx-v4/params.js';
import { eulerV2Model } from './euler-v2/model.js';
import { DEFAULT_EULER_PARAMS, parseEulerParams } from './euler-v2/params.js';
import { gmxV2Model } from './gmx-v2/model.js';
import { DEFAULT_GMX_PARAMS, parseGmxParams } from './gmx-v2/params.js';
import { hyperliquidModel } from './hyperliquid/model.js';
import { DEFAULT_HYPERLIQUID_PARAMS, parseHyperliquidParams } from './hyperliquid/params.js';
import { liquityV1Model } from './liquity-v1/model.js';
import { DEFAULT_LIQUITY_PARAMS, parseLiquityParams } from './liquity-v1/params.js';
import { makerLiq1Model } from './maker/liq1/model.js';
import { makerLiq2Model } from './maker/liq2/model.js';
import { DEFAULT_MAKER_PARAMS, parseMakerParams } from './maker/params.js';
import { synthetixPerpsV3Model } from './synthetix-perps-v3/model.js';
import { DEFAULT_SYNTHETIX_PARAMS, parseSynthetixParams } from './synthetix-perps-v3/params.js';

/** One protocol model as the outside world picks it. */
export interface ProtocolEntry {
  readonly model: ProtocolModel;
  /** The parameters the model runs with when none are given (documented in its params.ts). */
  readonly defaultParams: unknown;
  /**
   * Validates raw parameters (parsed JSON/YAML) into the model's typed form.
   * @throws InvalidParameterError naming the dotted field (e.g. `params.ilks.ETH-A.chop`).
   */
  readonly parseParams: (raw: unknown) => unknown;
}

/** Every protocol model Solvent ships, in the order `solvent protocols` lists them. */
export const PROTOCOL_CATALOG: readonly ProtocolEntry[] = [
  { model: makerLiq2Model, defaultParams: DEFAULT_MAKER_PARAMS, parseParams: (raw) => parseMakerParams(raw) },
  { model: makerLiq1Model, defaultParams: DEFAULT_MAKER_PARAMS, parseParams: (raw) => parseMakerParams(raw) },
  ...[aaveV33Model, aaveV35Model, aaveV37Model].map((model) => ({
    model,
    defaultParams: DEFAULT_AAVE_PARAMS,
    parseParams: (raw: unknown) => parseAaveParams(raw),
  })),
  {
    model: compoundV3Model,
    defaultParams: DEFAULT_COMPOUND_PARAMS,
    parseParams: (raw) => parseCompoundParams(raw),
  },
  {
    model: liquityV1Model,
    defaultParams: DEFAULT_LIQUITY_PARAMS,
    parseParams: (raw) => parseLiquityParams(raw),
  },
  { model: eulerV2Model, defaultParams: DEFAULT_EULER_PARAMS, parseParams: (raw) => parseEulerParams(raw) },
  { model: crvusdModel, defaultParams: DEFAULT_CRVUSD_PARAMS, parseParams: (raw) => parseCrvusdParams(raw) },
  { model: dydxV4Model, defaultParams: DEFAULT_DYDX_PARAMS, parseParams: (raw) => parseDydxParams(raw) },
  {
    model: synthetixPerpsV3Model,
    defaultParams: DEFAULT_SYNTHETIX_PARAMS,
    parseParams: (raw) => parseSynthetixParams(raw),
  },
  { model: driftV2Model, defaultParams: DEFAULT_DRIFT_PARAMS, parseParams: (raw) => parseDriftParams(raw) },
  {
    model: hyperliquidModel,
    defaultParams: DEFAULT_HYPERLIQUID_PARAMS,
    parseParams: (raw) => parseHyperliquidParams(raw),
  },
  { model: gmxV2Model, defaultParams: DEFAULT_GMX_PARAMS, parseParams: (raw) => parseGmxParams(raw) },
  {
    model: perpsGenericModel,
    defaultParams: DEFAULT_PERPS_GENERIC_PARAMS,
    parseParams: (raw) => parsePerpsGenericParams(raw),
  },
];

/** No model has the requested id. */
export class UnknownProtocolError extends SolventError {
  override name = 'UnknownProtocolError';
  readonly protocol: string;
  constructor(protocol: string, known: readonly string[]) {
    super('UnknownProtocol', `Unknown protocol "${protocol}".`, {
      metaMessages: [`Known protocols: ${known.join(', ')}.`, 'Run `solvent protocols` to see them all.'],
      details: { protocol },
    });
    this.protocol = protocol;
  }
}

/** The catalogue entry with id `id`. @throws UnknownProtocolError. */
export function findProtocol(id: string): ProtocolEntry {
  const entry = PROTOCOL_CATALOG.find((e) => e.model.id === id);
  if (entry === undefined)
    throw new UnknownProtocolError(
      id,
      PROTOCOL_CATALOG.map((e) => e.model.id),
    );
  return entry;
}

/**
 * The protocol a script or command names: a catalogue id, or a composed protocol's configuration
 * (parsed JSON or YAML, `kind: lending` or `kind: perp`), whose own `id` names the model.
 * @throws UnknownProtocolError; InvalidParameterError naming the configuration's field.
 */
export function resolveProtocol(spec: unknown): ProtocolEntry {
  if (typeof spec === 'string') return findProtocol(spec);
  if (spec !== null && typeof spec === 'object' && (spec as { kind?: unknown }).kind === 'perp') {
    const perp = parseComposedPerpConfig(spec, 'protocol');
    return {
      model: composedPerpModelFor(perp),
      defaultParams: perp.params,
      parseParams: (raw) => parsePerpsGenericParams(raw),
    };
  }
  const config = parseComposedLendingConfig(spec, 'protocol');
  return {
    model: composedLendingModelFor(config.id),
    defaultParams: config,
    parseParams: (raw) => parseComposedLendingConfig(raw),
  };
}

/** A value with every bigint written as its decimal string: parameters as JSON shows them. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}
