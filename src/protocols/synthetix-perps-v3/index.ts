/** Synthetix perps v3: the protocol model, its liquidation stages, formulas and parameters. */
import type { ProtocolModel } from '../../engine/engine.js';
import { synthetixPerpsV3Model } from './model.js';
import type { SynthetixExt } from './state.js';

export * from './conformance.js';
export * from './liquidation.js';
export * from './math.js';
export * from './model.js';
export * from './params.js';
export * from './state.js';

/** Every protocol model of this directory (one: `synthetix-perps-v3`). */
export const synthetixProtocols: readonly ProtocolModel<SynthetixExt>[] = [synthetixPerpsV3Model];
