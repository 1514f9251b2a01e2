/** Conformance handlers of liquity-v1 (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `liquity-v1`. */
export const liquityConformance: HandlerTable = { system: 'liquity-v1', handlers: {} };
