/** Conformance handlers of hyperliquid (being written: see the protocol's model files beside this one). */
import type { HandlerTable } from '../conformance-types.js';

/** Handlers for system `hyperliquid`. */
export const hyperliquidConformance: HandlerTable = { system: 'hyperliquid', handlers: {} };
