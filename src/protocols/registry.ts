/**
 * Conformance handlers of every modelled protocol. A `(system, function)` pair missing here is
 * reported as unsupported by `solvent conform`.
 */
import { aaveConformance } from './aave-v3/conformance.js';
import { compoundConformance } from './compound-v3/conformance.js';
import type { HandlerTable, VectorHandler } from './conformance-types.js';
import { makerConformance } from './maker/conformance.js';

/** Every handler table, one per system. */
export const HANDLER_TABLES: readonly HandlerTable[] = [
  makerConformance,
  aaveConformance,
  compoundConformance,
];

/** The handler for a vector's `(system, function)`, or undefined when it is not modelled. */
export function findHandler(system: string, fn: string): VectorHandler | undefined {
  for (const table of HANDLER_TABLES) {
    if (table.system === system) return table.handlers[fn];
  }
  return undefined;
}
