/** Conformance handlers of makerdao-dss (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `makerdao-dss`. */
export const makerConformance: HandlerTable = { system: 'makerdao-dss', handlers: {} };
