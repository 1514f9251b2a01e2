/**
 * Keepers: pure policies that watch an engine state and send the protocol's own commands when it
 * pays (I > C_gas + ε), with the market context they see. Used by the stress lab and the service.
 */
export * from './composed.js';
export * from './crvusd.js';
export * from './euler.js';
export * from './lending.js';
export * from './liquity.js';
export * from './maker.js';
export * from './perps.js';
export * from './types.js';
