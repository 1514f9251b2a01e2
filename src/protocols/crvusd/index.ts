/** crvUSD mint market (Controller + LLAMMA): the protocol model, its liquidation stages, formulas and parameters. */
import type { ProtocolModel } from '../../engine/engine.js';
import { crvusdModel } from './model.js';
import type { CrvusdExt } from './state.js';

export * from './amm.js';
export * from './conformance.js';
export * from './controller.js';
export * from './liquidation.js';
export * from './math.js';
export * from './model.js';
export * from './params.js';
export * from './state.js';

/** Every protocol model of this directory (one: `crvusd`). */
export const crvusdProtocols: readonly ProtocolModel<CrvusdExt>[] = [crvusdModel];
