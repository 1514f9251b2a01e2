/** The math layer: exact bigint fixed point with explicit rounding. Pure; imports nothing outer. */
export * from './aave.js';
export * from './decimal.js';
export * from './errors.js';
export * from './maker.js';
export * from './mulDiv.js';
export * from './rational.js';
export * from './units.js';
