/** dYdX v4: the protocol model, its liquidation stages, formulas and parameters. */
import type { ProtocolModel } from '../../engine/engine.js';
import { dydxV4Model } from './model.js';
import type { DydxExt } from './state.js';

export * from './conformance.js';
export * from './liquidation.js';
export * from './math.js';
export * from './model.js';
export * from './params.js';
export * from './rational.js';
export * from './state.js';

/** Every protocol model of this directory (one: `dydx-v4`). */
export const dydxProtocols: readonly ProtocolModel<DydxExt>[] = [dydxV4Model];
