/** Euler v2 (Euler Vault Kit): the protocol model, its liquidation stages, formulas and parameters. */
import type { ProtocolModel } from '../../engine/engine.js';
import { eulerV2Model } from './model.js';
import type { EulerExt } from './state.js';

export { eulerConformance } from './conformance.js';
export * from './liquidation.js';
export * from './math.js';
export { EULER_COMMANDS, EULER_V2_ID, eulerV2Model } from './model.js';
export * from './params.js';
export * from './state.js';

/** Every protocol model of this directory (one: `euler-v2`). */
export const eulerProtocols: readonly ProtocolModel<EulerExt>[] = [eulerV2Model];
