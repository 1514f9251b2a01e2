/** Conformance handlers of drift-v2 (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `drift-v2`. */
export const driftConformance: HandlerTable = { system: 'drift-v2', handlers: {} };
