/** Conformance handlers of euler-v2 (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `euler-v2`. */
export const eulerConformance: HandlerTable = { system: 'euler-v2', handlers: {} };
