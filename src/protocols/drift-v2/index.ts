/** Drift v2 perpetuals: the `drift-v2` model, its parameters and its conformance handlers. */
import type { ProtocolModel } from '../../engine/engine.js';
import { driftV2Model } from './model.js';

export { driftConformance } from './conformance.js';
export {
  DRIFT_LIQUIDATION_STAGES,
  driftExecution,
  driftIncentive,
  driftLossWaterfall,
  driftSizing,
  driftTrigger,
  resolvePerpBankruptcy,
  socializeDriftLoss,
} from './liquidation.js';
export { DRIFT_COMMANDS, DRIFT_V2_ID, driftV2Model } from './model.js';
export {
  DEFAULT_DRIFT_PARAMS,
  type DriftMarketParams,
  type DriftParams,
  driftParamsToJson,
  parseDriftParams,
} from './params.js';

import type { DriftExt } from './state.js';

export type { DriftExt };

/** Every Drift model (one). */
export const driftProtocols: readonly ProtocolModel<DriftExt>[] = [driftV2Model];
