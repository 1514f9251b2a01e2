/**
 * Conformance handlers of every modelled protocol. A `(system, function)` pair missing here is
 * reported as unsupported by `solvent conform`.
 */
import { aaveConformance } from './aave-v3/conformance.js';
import { compoundConformance } from './compound-v3/conformance.js';
import type { HandlerTable, VectorHandler } from './conformance-types.js';
import { crvusdConformance } from './crvusd/conformance.js';
import { driftConformance } from './drift-v2/conformance.js';
import { dydxConformance } from './dydx-v4/conformance.js';
import { eulerConformance } from './euler-v2/conformance.js';
import { gmxConformance } from './gmx-v2/conformance.js';
import { hyperliquidConformance } from './hyperliquid/conformance.js';
import { liquityConformance } from './liquity-v1/conformance.js';
import { makerConformance } from './maker/conformance.js';
import { synthetixConformance } from './synthetix-perps-v3/conformance.js';

/** Every handler table, one per system. */
export const HANDLER_TABLES: readonly HandlerTable[] = [
  makerConformance,
  aaveConformance,
  compoundConformance,
  liquityConformance,
  eulerConformance,
  crvusdConformance,
  dydxConformance,
  synthetixConformance,
  driftConformance,
  hyperliquidConformance,
  gmxConformance,
];

/** The handler for a vector's `(system, function)`, or undefined when it is not modelled. */
export function findHandler(system: string, fn: string): VectorHandler | undefined {
  for (const table of HANDLER_TABLES) {
    if (table.system === system) return table.handlers[fn];
  }
  return undefined;
}
