/**
 * GMX v2 auto-deleveraging: `updateAdlState` (an ADL keeper flags a side whose PnL-to-pool factor
 * exceeds MAX_PNL_FACTOR_FOR_ADL) and `executeAdl` (an ADL keeper reduces a position it chose by
 * `sizeDeltaUsd` with a market decrease; the side's factor must then strictly fall and stay at or
 * above MIN_PNL_FACTOR_AFTER_ADL). GMX does not rank positions (its keeper chooses); the model's
 * keeper helper {@link adlCandidates} ranks them with the perps core's `rankForAdl` over a mirror
 * of the market in which the pool is the maker account.
 * Ported from gmx-io/gmx-synthetics contracts/adl/AdlUtils.sol and contracts/exchange/AdlHandler.sol.
 */
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import { readBigint, readBoolean, readString } from '../../engine/fields.js';
import { applyMove, type Ledger } from '../../engine/ledger.js';
import type { Command, EngineEvent } from '../../engine/machine.js';
import { type AdlRanking, rankForAdl } from '../../engine/perps/loss.js';
import {
  emptyPerpsBook,
  evolvePerpsBook,
  isolatedBucket,
  type PerpMarketConfig,
  type PerpPosition,
  type PerpPositionChanged,
  type PerpsView,
} from '../../engine/perps/types.js';
import { accruedView, type GmxInsolventClose } from './liquidation.js';
import { sidePnlToPoolFactor } from './market.js';
import { isPnlFactorExceeded, validateAdlOutcome } from './math.js';
import { movesOf, poolsAfter, processDecrease } from './orders.js';
import type { GmxParams } from './params.js';
import {
  type GmxMarketSet,
  type GmxPositionSet,
  type GmxState,
  marketPrices,
  poolAmounts,
  poolBucket,
  requireMarket,
  requireParams,
  requirePosition,
  sideOf,
  tokenPrice,
} from './state.js';

/** Record of `updateAdlState` (`AdlStateUpdated`). */
export interface GmxAdlStateUpdated {
  readonly type: 'GmxAdlStateUpdated';
  readonly market: string;
  readonly isLong: boolean;
  readonly pnlToPoolFactor: bigint;
  readonly maxPnlFactor: bigint;
  readonly shouldEnableAdl: boolean;
}

/** Record of an executed ADL order. */
export interface GmxAdlExecuted {
  readonly type: 'GmxAdlExecuted';
  readonly position: string;
  readonly keeper: string;
  readonly sizeDeltaUsd: bigint;
  readonly basePnlUsd: bigint;
  readonly pnlToPoolFactor: bigint;
  readonly nextPnlToPoolFactor: bigint;
}

function requireAdlKeeper(params: GmxParams, keeper: string): void {
  if (!params.adlKeepers.includes(keeper))
    throw new ProtocolRevertError('Unauthorized', `${keeper} does not hold ADL_KEEPER`, {
      account: keeper,
      role: 'ADL_KEEPER',
    });
}

/**
 * `updateAdlState {keeper, market, isLong}`: sets IS_ADL_ENABLED for the side to
 * `pnlToPoolFactor > MAX_PNL_FACTOR_FOR_ADL` and LATEST_ADL_AT to now.
 * @throws ProtocolRevertError `Unauthorized`; StaleOraclePriceError; NotConfiguredError.
 */
export function decideUpdateAdlState(state: GmxState, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const keeper = readString(command, 'keeper');
  requireAdlKeeper(params, keeper);
  const market = readString(command, 'market');
  const isLong = readBoolean(command, 'isLong');
  const { mp, ms } = requireMarket(state, params, market);
  const side = sideOf(isLong);
  const view = { mp, ms, pools: poolAmounts(state, mp), prices: marketPrices(state, mp, nowSeconds) };
  const factor = sidePnlToPoolFactor(view, side);
  const maxPnlFactor = mp.maxPnlFactorForAdl[side];
  const shouldEnableAdl = isPnlFactorExceeded(factor, maxPnlFactor);
  const marketSet: GmxMarketSet = {
    type: 'GmxMarketSet',
    market,
    state: {
      ...ms,
      adlEnabled: { ...ms.adlEnabled, [side]: shouldEnableAdl },
      latestAdlAtSeconds: { ...ms.latestAdlAtSeconds, [side]: nowSeconds },
    },
  };
  const record: GmxAdlStateUpdated = {
    type: 'GmxAdlStateUpdated',
    market,
    isLong,
    pnlToPoolFactor: factor,
    maxPnlFactor,
    shouldEnableAdl,
  };
  return [marketSet, record];
}

/**
 * `executeAdl {keeper, position, sizeDeltaUsd}`: `AdlUtils.validateAdl` (the side is flagged and
 * the oracle price is not older than LATEST_ADL_AT), `isPnlFactorExceeded` again, then a market
 * decrease of the chosen position (an insolvent full close is allowed, the pool absorbing the
 * rest), then `validateAdlOutcome`.
 * @throws ProtocolRevertError `Unauthorized`, `AdlNotEnabled`, `OracleTimestampsAreSmallerThanRequired`,
 *   `AdlNotRequired`, `InvalidSizeDeltaForAdl`, `InvalidAdl`, `PnlOvercorrected`, and the decrease's
 *   own refusals; UnknownAccountError; InvalidParameterError for a zero size.
 */
export function decideExecuteAdl(state: GmxState, command: Command, nowSeconds: number): EngineEvent[] {
  const params = requireParams(state, command.type);
  const keeper = readString(command, 'keeper');
  requireAdlKeeper(params, keeper);
  const position = requirePosition(state, readString(command, 'position'));
  const sizeDeltaUsd = readBigint(command, 'sizeDeltaUsd', 'sizeDeltaUsd', {
    min: 1n,
    expect: 'a USD·1e30 size > 0',
  });
  const side = sideOf(position.isLong);
  const view = accruedView(state, params, position.market, nowSeconds);
  if (!view.ms.adlEnabled[side])
    throw new ProtocolRevertError(
      'AdlNotEnabled',
      `ADL is not enabled for ${side}s of ${position.market}; run updateAdlState`,
    );
  if (view.prices.indexObservedAtSeconds < view.ms.latestAdlAtSeconds[side])
    throw new ProtocolRevertError(
      'OracleTimestampsAreSmallerThanRequired',
      'the oracle price is older than the latest ADL state update',
      {
        oracleTimestamp: String(view.prices.indexObservedAtSeconds),
        latestAdlAt: String(view.ms.latestAdlAtSeconds[side]),
      },
    );
  const pnlToPoolFactor = sidePnlToPoolFactor(view, side);
  const maxPnlFactor = view.mp.maxPnlFactorForAdl[side];
  if (!isPnlFactorExceeded(pnlToPoolFactor, maxPnlFactor))
    throw new ProtocolRevertError(
      'AdlNotRequired',
      'the PnL-to-pool factor is within MAX_PNL_FACTOR_FOR_ADL',
      {
        pnlToPoolFactor: pnlToPoolFactor.toString(),
        maxPnlFactorForAdl: maxPnlFactor.toString(),
      },
    );
  if (sizeDeltaUsd > position.sizeInUsd)
    throw new ProtocolRevertError('InvalidSizeDeltaForAdl', 'the ADL size exceeds the position', {
      sizeDeltaUsd: sizeDeltaUsd.toString(),
      sizeInUsd: position.sizeInUsd.toString(),
    });
  const result = processDecrease(params, view, position, {
    sizeDeltaUsd,
    collateralDeltaAmount: 0n,
    kind: 'adl',
  });
  const after = { ...view, ms: result.marketState, pools: poolsAfter(view.mp, view.pools, result.flows) };
  const nextPnlToPoolFactor = sidePnlToPoolFactor(after, side);
  validateAdlOutcome({
    pnlToPoolFactor,
    nextPnlToPoolFactor,
    minPnlFactorAfterAdl: view.mp.minPnlFactorAfterAdl[side],
  });
  const positionSet: GmxPositionSet = { type: 'GmxPositionSet', id: position.id, position: result.position };
  const marketSet: GmxMarketSet = {
    type: 'GmxMarketSet',
    market: position.market,
    state: result.marketState,
  };
  const record: GmxAdlExecuted = {
    type: 'GmxAdlExecuted',
    position: position.id,
    keeper,
    sizeDeltaUsd: result.sizeDeltaUsd,
    basePnlUsd: result.basePnlUsd,
    pnlToPoolFactor,
    nextPnlToPoolFactor,
  };
  const events: EngineEvent[] = [...movesOf(result.flows), positionSet, marketSet, record];
  if (result.insolvent !== null) {
    const insolvent: GmxInsolventClose = {
      type: 'GmxInsolventClose',
      position: position.id,
      market: position.market,
      step: result.insolvent.step,
      remainingCostUsd: result.insolvent.remainingCostUsd,
    };
    events.push(insolvent);
  }
  return events;
}

/** The quote pseudo-asset of the mirror book: USD·1e30. */
const MIRROR_QUOTE = 'USD·1e30';

/**
 * The market as the perps core sees it: quote = USD·1e30 (30 decimals), each GMX position an
 * isolated position (size ±sizeInTokens, entry ±sizeInUsd, margin = its collateral's USD worth),
 * and the pool the maker account holding the opposite of every position, so Σ sizeBase = 0.
 * Prices are GMX's USD·1e30 per smallest unit, i.e. `priceDecimals` 30 per whole unit.
 * @returns the view and the marks (index price per whole token × 1e30).
 * @throws StaleOraclePriceError; UnknownAssetError.
 */
export function mirrorMarket(
  state: GmxState,
  market: string,
  nowSeconds: number,
): { readonly view: PerpsView; readonly marks: Readonly<Record<string, bigint>> } {
  const params = requireParams(state, 'adlCandidates');
  const { mp } = requireMarket(state, params, market);
  const prices = marketPrices(state, mp, nowSeconds);
  const baseDecimals = state.assets[mp.indexToken]?.decimals ?? 0;
  const maker = poolBucket(market);
  const toPpm = (factor: bigint): bigint => (factor + 10n ** 24n - 1n) / 10n ** 24n; // 1e30 → ppm, up
  const config: PerpMarketConfig = {
    market,
    oracleAsset: mp.indexToken,
    baseDecimals,
    priceDecimals: 30,
    quoteDecimals: 30,
    marginTiers: [
      {
        upToNotionalQuote: null,
        initialMarginPpm: toPpm(mp.minCollateralFactor),
        maintenanceMarginPpm: toPpm(mp.minCollateralFactorForLiquidation),
      },
    ],
    makerAccount: maker,
    venue: { kind: 'book', levels: [] },
    takerFeePpm: toPpm(mp.positionFeeFactorForNegativeImpact),
    liquidationFeePpm: toPpm(mp.liquidationFeeFactor),
  };
  let book = emptyPerpsBook(MIRROR_QUOTE, 30, [config]);
  let ledger: Ledger = {};
  let makerSize = 0n;
  let makerEntry = 0n;
  for (const [id, p] of state.ext.positions.entries()) {
    if (p === undefined || p.market !== market) continue;
    const sign = p.isLong ? 1n : -1n;
    const position: PerpPosition = {
      sizeBase: sign * p.sizeInTokens,
      entryQuote: sign * p.sizeInUsd,
      fundingIndexSettled: 0n,
      marginMode: 'isolated',
    };
    makerSize -= position.sizeBase;
    makerEntry -= position.entryQuote;
    const changed: PerpPositionChanged = { type: 'PerpPositionChanged', market, account: id, position };
    book = evolvePerpsBook(book, changed);
    const marginUsd = p.collateralAmount * tokenPrice(mp, prices, p.collateralToken);
    if (marginUsd > 0n)
      ledger = applyMove(ledger, {
        type: 'Moved',
        asset: MIRROR_QUOTE,
        from: 'world',
        to: isolatedBucket(id, market),
        amount: marginUsd,
        reason: 'mirror',
      });
  }
  const makerPosition: PerpPosition = {
    sizeBase: makerSize,
    entryQuote: makerEntry,
    fundingIndexSettled: 0n,
    marginMode: 'cross',
  };
  const makerChanged: PerpPositionChanged = {
    type: 'PerpPositionChanged',
    market,
    account: maker,
    position: makerPosition,
  };
  book = evolvePerpsBook(book, makerChanged);
  return { view: { book, ledger }, marks: { [market]: prices.index * 10n ** BigInt(baseDecimals) } };
}

/**
 * An ADL keeper's choice: the position ids of one side of a market, best ADL candidates first,
 * ranked by the perps core's `rankForAdl` (default `pnl`: unrealised PnL, largest first; ties by
 * id). Only positions in profit are returned (ADL exists to cut pending profit).
 * @throws StaleOraclePriceError; InvalidParameterError for a `keeperChosen` list naming nothing.
 */
export function adlCandidates(
  state: GmxState,
  market: string,
  isLong: boolean,
  nowSeconds: number,
  ranking: AdlRanking = { kind: 'pnl' },
): string[] {
  const { view, marks } = mirrorMarket(state, market, nowSeconds);
  const ranked = rankForAdl(view, market, isLong ? 'long' : 'short', marks, ranking, {
    exclude: [poolBucket(market)],
  });
  if (ranking.kind === 'keeperChosen' && ranking.accounts.length > 0 && ranked.length === 0)
    throw new InvalidParameterError('ranking.accounts', 'names no open position on that side');
  return ranked.filter((c) => c.unrealizedPnlQuote > 0n).map((c) => c.account);
}
