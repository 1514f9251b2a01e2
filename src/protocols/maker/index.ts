/**
 * Maker (dss) protocol models: liquidations 2.0 (`maker-liq2`: Dog + Clipper + Abacus +
 * ClipperMom) and 1.2 (`maker-liq1`: Cat + Flipper), both on the same Vat/Vow core (with the Vow's
 * optional debt auctions, `params.vow.flop`), plus their parameters, formulas and conformance
 * handlers.
 */
import type { ProtocolModel } from '../../engine/engine.js';
import { makerLiq1Model } from './liq1/model.js';
import { makerLiq2Model } from './liq2/model.js';

export { makerConformance } from './conformance.js';
export {
  decideFlopCommand,
  FLOP_COMMANDS,
  type FlopDealt,
  type FlopDented,
  type FlopEvent,
  type FlopperState,
  type FlopTicked,
  flopHouse,
  flopperOf,
  unqueuedSinRad,
  VOW_GUY,
  type VowFlopped,
  type VowKissed,
} from './flop.js';
export { BITE_STAGES, type BiteRequest, decideBite } from './liq1/cat.js';
export { LIQ1_COMMANDS, MAKER_LIQ1_ID, makerLiq1Model } from './liq1/model.js';
export type { FlipBid, Liq1Ext } from './liq1/state.js';
export type { ClipperCall, ClipperCallee, MarketSellCallback } from './liq2/clipper.js';
export { BARK_STAGES, type BarkRequest, decideBark } from './liq2/dog.js';
export { LIQ2_COMMANDS, MAKER_LIQ2_ID, makerLiq2Model } from './liq2/model.js';
export type { ClipState, Liq2Ext, Sale } from './liq2/state.js';
export * from './math/abaci.js';
export * from './math/cat.js';
export * from './math/clipper.js';
export * from './math/dog.js';
export * from './math/flipper.js';
export * from './params.js';
export {
  artAsset,
  auctionBucket,
  DAI,
  DAI_DECIMALS,
  debtBucket,
  type MakerCore,
  MKR,
  SIN,
  SIN_BUCKET,
  urnBucket,
  VOW_BUCKET,
  walletBucket,
} from './vat.js';

/** Every Maker protocol model, for registries. */
export const makerProtocols: readonly ProtocolModel[] = [makerLiq2Model, makerLiq1Model];
