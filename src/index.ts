/**
 * Solvent's public library API: the exact math, the engine (state machine, ledger, oracle, margin
 * calculus, liquidation pipeline, loss waterfall) and the protocol models with their catalogue.
 */
export * from './engine/contract.js';
export * from './engine/engine.js';
export * from './engine/errors.js';
export * from './engine/fields.js';
export * from './engine/ledger.js';
export * from './engine/machine.js';
export * from './engine/margin.js';
export * from './engine/oracle.js';
export * from './engine/pipeline.js';
export * from './engine/waterfall.js';
export * from './math/index.js';
export * as aaveV3 from './protocols/aave-v3/index.js';
export * from './protocols/catalog.js';
export * as compoundV3 from './protocols/compound-v3/index.js';
export * from './protocols/conformance.js';
export type * from './protocols/conformance-types.js';
export * as maker from './protocols/maker/index.js';
export * from './protocols/script.js';
