/** Conformance handlers of crvusd-llamma (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `crvusd-llamma`. */
export const crvusdConformance: HandlerTable = { system: 'crvusd-llamma', handlers: {} };
