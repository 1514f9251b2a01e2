/** Conformance handlers of aave-v3 (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `aave-v3`. */
export const aaveConformance: HandlerTable = { system: 'aave-v3', handlers: {} };
