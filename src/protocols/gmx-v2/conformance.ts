/** Conformance handlers of gmx-v2 (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `gmx-v2`. */
export const gmxConformance: HandlerTable = { system: 'gmx-v2', handlers: {} };
