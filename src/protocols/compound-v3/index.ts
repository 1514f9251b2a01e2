/** Compound v3 (Comet): the protocol model, its liquidation stages, formulas and parameters. */
import type { ProtocolModel } from '../../engine/engine.js';
import { compoundV3Model } from './model.js';
import type { CompoundExt } from './state.js';

export * from './absorb.js';
export * from './books.js';
export * from './conformance.js';
export * from './math.js';
export * from './model.js';
export * from './params.js';
export * from './state.js';

/** Every protocol model of this directory (one: `compound-v3`). */
export const compoundProtocols: readonly ProtocolModel<CompoundExt>[] = [compoundV3Model];
