/** Liquity v1: the protocol model, its liquidation stages, formulas, parameters and conformance handlers. */
import type { ProtocolModel } from '../../engine/engine.js';
import { liquityV1Model } from './model.js';
import type { LiquityExt } from './state.js';

export * from './conformance.js';
export * from './liquidation.js';
export * from './math.js';
export * from './model.js';
export * from './params.js';
export * from './state.js';

/** Every protocol model of this directory (one: `liquity-v1`). */
export const liquityProtocols: readonly ProtocolModel<LiquityExt>[] = [liquityV1Model];
