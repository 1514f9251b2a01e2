/**
 * The perpetuals core: positions, margin tiers, venues, settlement, the loss waterfall with
 * insurance, backstop, socialized loss and auto-deleveraging, the cross-margin stages (portfolio
 * margin, netting per underlying), the generic liquidation stages and the `perps-generic`
 * protocol model built from them.
 */
export * from './commands.js';
export * from './liquidation.js';
export * from './loss.js';
export * from './margin.js';
export * from './model.js';
export * from './nets.js';
export * from './netting.js';
export * from './paramReaders.js';
export * from './params.js';
export * from './portfolio.js';
export * from './settle.js';
export * from './testkit.js';
export * from './types.js';
export * from './venue.js';
