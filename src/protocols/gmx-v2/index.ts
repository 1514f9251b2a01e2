/** GMX v2 (gmx-synthetics): the protocol model, its liquidation stages, ADL, formulas and parameters. */
import type { ProtocolModel } from '../../engine/engine.js';
import { gmxV2Model } from './model.js';
import type { GmxExt } from './state.js';

export * from './adl.js';
export * from './conformance.js';
export * from './liquidation.js';
export * from './liquidity.js';
export * from './market.js';
export * from './math.js';
export * from './model.js';
export * from './orders.js';
export * from './params.js';
export * from './state.js';

/** Every protocol model of this directory (one: `gmx-v2`). */
export const gmxProtocols: readonly ProtocolModel<GmxExt>[] = [gmxV2Model];
