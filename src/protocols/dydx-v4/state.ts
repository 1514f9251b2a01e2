/**
 * The `dydx-v4` model's state and its fold: the parameters, the perpetuals core's book (every
 * subaccount's positions), the per-block liquidation info of each subaccount, and the block at
 * which a negative-TNC subaccount was last seen; plus the subaccount risk (TNC, TIMR, TMMR) as
 * dYdX computes it and the book's resting prices in subticks.
 */
import type { EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import type { Recorded } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { findMarketParams, requireConfiguredBook } from '../../engine/perps/commands.js';
import { pendingFundingQuote } from '../../engine/perps/margin.js';
import {
  crossBucket,
  emptyPerpsBook,
  evolvePerpsBook,
  isPerpsBookEvent,
  marketIds,
  type PerpMarketConfig,
  type PerpMarks,
  type PerpsBook,
  type PerpsView,
  PPM_SCALE,
  positionOf,
  quoteBalance,
} from '../../engine/perps/types.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { divSigned, Rounding } from '../../math/mulDiv.js';
import { baseToQuoteQuantums, bigIntRoundToMultiple, marginRequirements } from './math.js';
import type { DydxParams, DydxPerpetualParams } from './params.js';

/** Decimals of the quote asset (USDC): one quote quantum is 1e-6. */
export const QUOTE_DECIMALS = 6;

/** What one subaccount has had liquidated in the current block (`SubaccountLiquidationInfo`). */
export interface SubaccountLiquidationInfo {
  /** Perpetuals liquidated this block (`PerpetualsLiquidated`). */
  readonly perpetualsLiquidated: readonly string[];
  /** Notional liquidated this block, quote quantums (`NotionalLiquidated`). */
  readonly notionalLiquidated: bigint;
  /** Insurance fund paid for it this block, quote quantums (`QuantumsInsuranceLost`). */
  readonly quantumsInsuranceLost: bigint;
}

/** The model's state. */
export interface DydxExt {
  readonly params: DydxParams | null;
  readonly book: PerpsBook | null;
  /** Block height `liquidationInfo` belongs to. */
  readonly block: number;
  /**
   * Per-subaccount liquidation info of block `block` (reset when the block changes): a persistent
   * map, so recording one more subaccount in a busy block copies O(log n) nodes, not the whole
   * block's record (it serializes as the plain record, keys sorted).
   */
  readonly liquidationInfo: PersistentMap<SubaccountLiquidationInfo>;
  /** Last block at which a liquidation saw a subaccount with negative TNC (gates withdrawals). */
  readonly negativeTncSeenAtBlock: number | null;
}

/** An empty model state (not configured). */
export const initialDydxExt = (): DydxExt => ({
  params: null,
  book: null,
  block: 0,
  liquidationInfo: PersistentMap.empty(),
  negativeTncSeenAtBlock: null,
});

/** `configure`: validated parameters. */
export interface DydxConfigured {
  readonly type: 'DydxConfigured';
  readonly params: DydxParams;
}

/** A liquidation attempt of (subaccount, perpetual) in a block, with what it consumed of the limits. */
export interface DydxLiquidationRecorded {
  readonly type: 'DydxLiquidationRecorded';
  readonly block: number;
  readonly account: string;
  readonly market: string;
  readonly notionalLiquidatedQuote: bigint;
  readonly insuranceLostQuote: bigint;
}

/** A liquidation saw a subaccount with negative TNC (`GateWithdrawalsIfNegativeTncSubaccountSeen`). */
export interface DydxNegativeTncSeen {
  readonly type: 'DydxNegativeTncSeen';
  readonly block: number;
  readonly account: string;
  readonly tncQuote: bigint;
}

type State = EngineState<DydxExt>;

/** Block height of a time: floor(time / blockSeconds). */
export const blockAt = (params: DydxParams, nowSeconds: number): number =>
  Math.floor(nowSeconds / params.blockSeconds);

/** The liquidation info of `account` in block `block` (empty when the stored info is older). */
export function liquidationInfoAt(ext: DydxExt, block: number, account: string): SubaccountLiquidationInfo {
  const info = ext.block === block ? ext.liquidationInfo.get(account) : undefined;
  return info ?? { perpetualsLiquidated: [], notionalLiquidated: 0n, quantumsInsuranceLost: 0n };
}

/** Folds one of the model's events. */
export function evolveDydx(state: State, recorded: Recorded): DydxExt {
  const ext = state.ext;
  const event = recorded.event;
  switch (event.type) {
    case 'DydxConfigured': {
      const params = (event as DydxConfigured).params;
      return {
        ...ext,
        params,
        book: emptyPerpsBook(params.quoteAsset, QUOTE_DECIMALS, params.perpetuals.map(coreMarketConfig)),
      };
    }
    case 'DydxLiquidationRecorded': {
      const e = event as DydxLiquidationRecorded;
      const info =
        e.block === ext.block ? ext.liquidationInfo : PersistentMap.empty<SubaccountLiquidationInfo>();
      const old = liquidationInfoAt({ ...ext, block: e.block, liquidationInfo: info }, e.block, e.account);
      const next: SubaccountLiquidationInfo = {
        perpetualsLiquidated: [...old.perpetualsLiquidated, e.market],
        notionalLiquidated: old.notionalLiquidated + e.notionalLiquidatedQuote,
        quantumsInsuranceLost: old.quantumsInsuranceLost + e.insuranceLostQuote,
      };
      return { ...ext, block: e.block, liquidationInfo: info.set(e.account, next) };
    }
    case 'DydxNegativeTncSeen': {
      const e = event as DydxNegativeTncSeen;
      const seen = ext.negativeTncSeenAtBlock;
      return { ...ext, negativeTncSeenAtBlock: seen === null || e.block > seen ? e.block : seen };
    }
    default:
      if (ext.book !== null && isPerpsBookEvent(event))
        return { ...ext, book: evolvePerpsBook(ext.book, event) };
      return ext;
  }
}

/**
 * The perpetuals core's market config of a perpetual: base decimals −atomicResolution, one margin
 * tier (IM = initialMarginPpm, MM = ceil(IM · maintenanceFraction)), the book as the venue, the
 * makers' subaccount as maker and settlement account, the fee cap as the liquidation fee.
 */
export function coreMarketConfig(perp: DydxPerpetualParams): PerpMarketConfig {
  return {
    market: perp.market,
    oracleAsset: perp.oracleAsset,
    baseDecimals: -perp.atomicResolution,
    priceDecimals: perp.priceDecimals,
    quoteDecimals: QUOTE_DECIMALS,
    marginTiers: [
      {
        upToNotionalQuote: null,
        initialMarginPpm: perp.initialMarginPpm,
        maintenanceMarginPpm: divSigned(
          perp.initialMarginPpm * perp.maintenanceFractionPpm,
          PPM_SCALE,
          Rounding.Up,
        ),
      },
    ],
    makerAccount: perp.makerAccount,
    venue: perp.book,
    takerFeePpm: perp.takerFeePpm,
    liquidationFeePpm: 0n,
  };
}

/** The parameters and book, or a typed refusal before `configure`. */
export function requireConfigured(state: State, command: string): { params: DydxParams; book: PerpsBook } {
  return requireConfiguredBook(state.ext, 'dydx-v4', command);
}

/** The book with the engine ledger. */
export const viewOf = (state: State, book: PerpsBook): PerpsView => ({ book, ledger: state.ledger });

/** A perpetual's parameters. @throws InvalidParameterError (`market`) for an unknown market. */
export function requirePerpetual(params: DydxParams, market: string): DydxPerpetualParams {
  return findMarketParams(params.perpetuals, market, { noun: 'perpetual' });
}

/**
 * Oracle prices of `markets` (default: every market with open interest), as the engine oracle's
 * integers. @throws StaleOraclePriceError; InvalidParameterError when the oracle's price decimals
 * differ from the perpetual's `priceDecimals`.
 */
export function oracleMarks(
  state: State,
  params: DydxParams,
  book: PerpsBook,
  nowSeconds: number,
  markets?: readonly string[],
): PerpMarks {
  const out: Record<string, bigint> = {};
  const wanted = markets ?? marketIds(book).filter((m) => (book.markets[m]?.longOpenInterestBase ?? 0n) > 0n);
  for (const market of wanted) {
    const perp = requirePerpetual(params, market);
    const reading = spotPrice(state.oracle, perp.oracleAsset, nowSeconds);
    if (reading.priceDecimals !== perp.priceDecimals) {
      throw new InvalidParameterError(
        `params.perpetuals.${market}.priceDecimals`,
        `is ${perp.priceDecimals} but the oracle publishes ${perp.oracleAsset} with ${reading.priceDecimals} decimals`,
      );
    }
    out[market] = reading.price;
  }
  return out;
}

/** A position's net notional and margin requirements at a size (dYdX `GetNetCollateralAndMarginRequirements`). */
export interface PositionRisk {
  /** PNNV: the size's net notional at the oracle price (signed, truncated toward zero). */
  readonly netNotionalQuote: bigint;
  /** PIMR. */
  readonly initialQuote: bigint;
  /** PMMR. */
  readonly maintenanceQuote: bigint;
}

/** {@link PositionRisk} of `sizeBase` in a perpetual at an oracle price. */
export function positionRisk(perp: DydxPerpetualParams, price: bigint, sizeBase: bigint): PositionRisk {
  const nc = baseToQuoteQuantums(sizeBase, perp.atomicResolution, price, -perp.priceDecimals);
  const abs = baseToQuoteQuantums(
    sizeBase < 0n ? -sizeBase : sizeBase,
    perp.atomicResolution,
    price,
    -perp.priceDecimals,
  );
  const m = marginRequirements(abs, perp.initialMarginPpm, perp.maintenanceFractionPpm);
  return {
    netNotionalQuote: nc,
    initialQuote: m.initialQuoteQuantums,
    maintenanceQuote: m.maintenanceQuoteQuantums,
  };
}

/** A subaccount's risk: TNC, TIMR, TMMR in quote quantums. */
export interface SubaccountRisk {
  /**
   * Total net collateral: the USDC balance dYdX would hold (collateral − Σ cost basis − pending
   * funding) plus Σ position net notionals.
   */
  readonly tncQuote: bigint;
  readonly timrQuote: bigint;
  readonly tmmrQuote: bigint;
}

/**
 * The subaccount's risk at `marks`. The perpetuals core keeps collateral and a cost basis per
 * position; dYdX keeps one signed USDC balance = collateral − Σ cost basis − funding owed, so
 * TNC = collateral + Σ (PNNV − entry − pending funding).
 * @throws InvalidParameterError when a mark of an open position is missing.
 */
export function subaccountRisk(
  view: PerpsView,
  params: DydxParams,
  account: string,
  marks: PerpMarks,
): SubaccountRisk {
  let tnc = quoteBalance(view, crossBucket(account));
  let timr = 0n;
  let tmmr = 0n;
  for (const market of marketIds(view.book)) {
    const position = positionOf(view.book, account, market);
    if (position === undefined) continue;
    const state = view.book.markets[market];
    if (state === undefined) continue;
    tnc -= position.entryQuote + pendingFundingQuote(position, state);
    if (position.sizeBase === 0n) continue;
    const price = Object.hasOwn(marks, market) ? marks[market] : undefined;
    if (price === undefined || price <= 0n)
      throw new InvalidParameterError(`marks.${market}`, 'expected the oracle price of an open position');
    const r = positionRisk(requirePerpetual(params, market), price, position.sizeBase);
    tnc += r.netNotionalQuote;
    timr += r.initialQuote;
    tmmr += r.maintenanceQuote;
  }
  return { tncQuote: tnc, timrQuote: timr, tmmrQuote: tmmr };
}

/** A taker's direction against the book. */
export type TakerSide = 'buy' | 'sell';

/**
 * The subticks of a resting level for a taker: the level's price oracle·(1 ∓ offset) in quote
 * quantums per base quantum, divided by 10^quantumConversionExponent, rounded to a tick away from
 * the taker (bids down, asks up: a maker never quotes better than its level), at least one tick.
 */
export function levelSubticks(
  perp: DydxPerpetualParams,
  offsetPpm: bigint,
  side: TakerSide,
  oraclePrice: bigint,
): bigint {
  const factor = side === 'sell' ? PPM_SCALE - offsetPpm : PPM_SCALE + offsetPpm;
  let num = oraclePrice * factor * 10n ** BigInt(QUOTE_DECIMALS);
  let den = PPM_SCALE * 10n ** BigInt(-perp.atomicResolution + perp.priceDecimals);
  const qce = perp.quantumConversionExponent;
  if (qce < 0) num *= 10n ** BigInt(-qce);
  else den *= 10n ** BigInt(qce);
  const roundUp = side === 'buy';
  const subticks = divSigned(num, den, roundUp ? Rounding.Up : Rounding.Down);
  const aligned = bigIntRoundToMultiple(subticks, perp.subticksPerTick, roundUp);
  return aligned < perp.subticksPerTick ? perp.subticksPerTick : aligned;
}
