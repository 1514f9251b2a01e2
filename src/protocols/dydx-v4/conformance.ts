/** Conformance handlers of dydx-v4 (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `dydx-v4`. */
export const dydxConformance: HandlerTable = { system: 'dydx-v4', handlers: {} };
