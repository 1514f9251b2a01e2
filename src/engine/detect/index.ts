/**
 * Liquidation detection: the incremental, exact detector (createDetector) and the reference full
 * scan it is checked against (naiveScan), with the model they share. See detector.ts for the design.
 */
export {
  type AccountKind,
  type AccountStatus,
  createDetector,
  type Detector,
  type DetectorOptions,
  type DetectorStats,
  type LiquidationPrice,
  type TickResult,
  type TickWork,
} from './detector.js';
export {
  generateSyntheticBook,
  SYNTHETIC_ASSETS,
  type SyntheticBook,
  type SyntheticBookOptions,
} from './generate.js';
export {
  ASSETS_MAX,
  type DetectAccount,
  type DetectAsset,
  type DetectBook,
  type DetectCollateral,
  type DetectDebt,
  type DetectPrices,
  isLiquidatableExact,
  naiveScan,
} from './model.js';
