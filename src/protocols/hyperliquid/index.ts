/** Hyperliquid perpetuals: the `hyperliquid` model, its parameters and its conformance handlers. */
import type { ProtocolModel } from '../../engine/engine.js';
import { hyperliquidModel } from './model.js';
import type { HyperliquidExt } from './state.js';

export { hyperliquidConformance } from './conformance.js';
export {
  HYPERLIQUID_LIQUIDATION_STAGES,
  hyperliquidAdlRanking,
  hyperliquidExecution,
  hyperliquidIncentive,
  hyperliquidLossWaterfall,
  hyperliquidSizing,
  hyperliquidTrigger,
} from './liquidation.js';
export { HYPERLIQUID_COMMANDS, HYPERLIQUID_ID, hyperliquidModel } from './model.js';
export {
  DEFAULT_HYPERLIQUID_PARAMS,
  type HyperliquidMarketParams,
  type HyperliquidParams,
  hyperliquidParamsToJson,
  parseHyperliquidParams,
} from './params.js';
export type { HyperliquidExt };

/** Every Hyperliquid model (one). */
export const hyperliquidProtocols: readonly ProtocolModel<HyperliquidExt>[] = [hyperliquidModel];
