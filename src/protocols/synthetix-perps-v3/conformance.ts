/** Conformance handlers of synthetix-perps-v3 (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `synthetix-perps-v3`. */
export const synthetixConformance: HandlerTable = { system: 'synthetix-perps-v3', handlers: {} };
