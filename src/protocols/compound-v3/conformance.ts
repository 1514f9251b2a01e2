/** Conformance handlers of compound-v3 (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `compound-v3`. */
export const compoundConformance: HandlerTable = { system: 'compound-v3', handlers: {} };
