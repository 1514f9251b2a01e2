/** Aave v3 (versions 3.3, 3.5–3.6, 3.7) as engine protocol models, with its math and conformance handlers. */
import type { ProtocolModel } from '../../engine/engine.js';
import { aaveV33Model, aaveV35Model, aaveV37Model } from './model.js';
import type { AaveExt } from './state.js';

export { aaveConformance } from './conformance.js';
export * from './liquidation.js';
export * from './math.js';
export {
  AAVE_COMMANDS,
  AAVE_MODEL_IDS,
  AAVE_REVERTS,
  aaveV33Model,
  aaveV35Model,
  aaveV37Model,
  createAaveModel,
  MAX_GRACE_PERIOD_SECONDS,
} from './model.js';
export * from './params.js';
export type { AaveAccount, AaveEvent, AaveExt, AavePosition, AaveReserveState } from './state.js';

/** The three Aave v3 models, oldest version first. */
export const aaveProtocols: readonly ProtocolModel<AaveExt>[] = [aaveV33Model, aaveV35Model, aaveV37Model];
