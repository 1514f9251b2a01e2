/**
 * The stress lab's Liquity v1 adapter (`liquity-v1`): ETH driven by the scenario's ETH path through
 * an undelayed feed (Liquity's PriceFeed reads Chainlink directly), the book opened as troves (LUSD
 * debt including the borrowing fee and the 200 LUSD gas compensation), a Stability Pool deposit
 * sized to an assumption, and keepers of the generic `liquidator` preset calling `liquidate` /
 * `batchLiquidateTroves` for the gas compensation (src/keepers/liquity.ts).
 *
 * What the summary's figures mean for Liquity (LUSD counted at $1 throughout, an ASSUMPTION):
 * - `liquidations`: troves liquidated (one per `TroveLiquidated`; a batch counts each trove).
 * - `liquidatedDebtUsd`: the troves' entire debt at liquidation (recorded + pending redistributed
 *   debt, the 200 LUSD gas compensation included), offset and redistributed parts together.
 * - `auctions`, `zeroBidAuctions`, `auctionsLiveAtEnd`: 0 (no auctions).
 * - `badDebtUsd`: see {@link liquityBadDebtUsd}: LUSD the whole system's collateral no longer covers.
 * - `insuranceFundDrawUsd`: LUSD the Stability Pool burned against liquidated debt (Σ
 *   `debtToOffset`); its depositors received the troves' collateral for it. The series'
 *   `insuranceFundUsd` is the pool's LUSD, so with one deposit and no withdrawal the initial
 *   deposit minus the final pool equals this draw.
 * - `socializedLossUsd`: debt redistributed to the other troves by stake (Σ `debtToRedistribute`),
 *   which happens when the pool cannot absorb a trove (empty pool, or ICR ≤ 100 % in Recovery Mode).
 * - `adlVolumeUsd`: 0.
 * - Clearings: each offset, the collateral sent to the Stability Pool for the debt it burned (the
 *   pool is the buyer; its discount is the liquidation's).
 * - `keeperProfitUsd`: LUSD gas compensation received (+ LUSD wallet change) + proceeds of selling
 *   the ETH compensation − gas.
 * - `borrowerLossUsd`: from the troves' entire collateral (+ CollSurplusPool surplus) and entire
 *   debt, so redistribution received counts as a loss of the receiving borrowers.
 *
 * Per step the keepers' view, the borrowers' totals and the health buckets read a run-local index
 * of the troves (liquityIndex.ts) that follows the state by what changed; they equal the full
 * scans of every trove exactly.
 */

import { type AccountHealth, createEngine, type EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Command, Decider, EngineEvent } from '../../engine/machine.js';
import { liquityKeeperView } from '../../keepers/liquity.js';
import { liquityPresetPolicy } from '../../keepers/presets.js';
import type { MarketContext } from '../../keepers/types.js';
import { assert } from '../../math/errors.js';
import { mulDiv, Rounding } from '../../math/mulDiv.js';
import { BPS, MAX_UINT256, WAD } from '../../math/units.js';
import { toJsonValue } from '../../protocols/catalog.js';
import {
  borrowingFee,
  borrowingRate,
  computeCR,
  DECIMAL_PRECISION,
  decayedBaseRate,
  mulDivFloor,
  SECONDS_IN_ONE_MINUTE,
} from '../../protocols/liquity-v1/math.js';
import { LIQUITY_V1_ID, liquityV1Model } from '../../protocols/liquity-v1/model.js';
import {
  DEFAULT_LIQUITY_PARAMS,
  type LiquityParams,
  liquityParamsToJson,
  parseLiquityParams,
} from '../../protocols/liquity-v1/params.js';
import {
  entireDebtAndColl,
  type LiquityExt,
  liquityPriceWad,
  requireParams,
  STABILITY_POOL,
  systemTotals,
  type TroveLiquidated,
  tcrOf,
  totalLUSDDeposits,
  walletBucket,
} from '../../protocols/liquity-v1/state.js';
import type { Book, BookCommands, OpenedPosition, SkippedAccount, SkipReason } from '../book.js';
import { countSkipsByReason, floatToUnits, readClampToleranceBps, withinClampTolerance } from './bookKit.js';
import {
  applyAll,
  type OpenedStress,
  openOnce,
  type StressAdapter,
  type StressSetup,
  sharedView,
  stressBook,
  stressFeed,
  wadToFloat,
  wholeUnits,
} from './core.js';
import { liquityBookIndex } from './liquityIndex.js';
import { DEFAULT_GAS_CAP_GWEI, DEFAULT_KEEPER_WALLET_DAI } from './types.js';

/**
 * Share of the book's LUSD debt deposited in the Stability Pool at the start, bps: an ASSUMPTION
 * (40 %): large enough that the pool absorbs the first wave of liquidations, small enough that a
 * Black-Thursday-sized crash empties it and redistribution appears.
 */
export const LIQUITY_STABILITY_POOL_SHARE_BPS = 4_000n;

/** The Stability Pool's depositor (LUSD bought outside the simulated world, funded from `world`). */
export const LIQUITY_SP_DEPOSITOR = 'stability-depositor';

/** Options of {@link liquityBookCommands}. */
export interface LiquityBookOptions {
  /** Parameters the engine is configured with. */
  readonly params: LiquityParams;
  /** `fetchPrice()` when the troves open, USD·1e18 per ETH (> 0). */
  readonly priceWad: bigint;
  /** The base rate the first `openTrove` will use (decayed to the opening time), 1e18-scaled. */
  readonly baseRateWad: bigint;
  /** Entire system collateral (wei) and debt (LUSD wei) before the book opens (default 0). */
  readonly systemCollWei?: bigint;
  readonly systemDebtWei?: bigint;
  /** How far above the borrowing limit a book debt may be and still open, lowered to it (default 1 bp). */
  readonly clampToleranceBps?: number;
  /** Book asset that is the model's collateral (default `ETH`). */
  readonly bookCollateralAsset?: string;
}

/**
 * The `openTrove` commands that open a book in Liquity v1 at one time, in book order, after the
 * model's set-up (assets listed, oracle priced, `configure`). A book account's debt is the trove's
 * composite debt: `lusdAmount + fee + gas compensation ≤ debtUsd` (LUSD at $1), with
 * `lusdAmount = ⌊(debt − 200 LUSD) / (1 + borrowing rate)⌋`, so the trove's ICR is the book's
 * collateral ratio (up to rounding down). Skipped (counted, never thrown): more than one collateral
 * line or another asset (`unsupported-collateral`), collateral rounding to 0 (`zero-collateral`),
 * net debt (lusdAmount + fee) below MIN_NET_DEBT (`dust`), and a debt above the borrowing limit by
 * more than the tolerance (`collateral-ratio`): in Normal Mode ICR ≥ MCR and the new TCR ≥ CCR
 * (every earlier trove of the book counted), in Recovery Mode ICR ≥ CCR; within the tolerance it
 * is lowered to the limit (clamped). Pure: the book is not changed.
 * @throws InvalidParameterError for a price ≤ 0 or a bad `clampToleranceBps`.
 */
export function liquityBookCommands(book: Book, options: LiquityBookOptions): BookCommands {
  const { params, priceWad } = options;
  if (priceWad <= 0n) throw new InvalidParameterError('priceWad', 'expected a price > 0');
  const tol = readClampToleranceBps(options.clampToleranceBps);
  const gasComp = params.gasCompensation;
  const bookAsset = options.bookCollateralAsset ?? 'ETH';
  let systemColl = options.systemCollWei ?? 0n;
  let systemDebt = options.systemDebtWei ?? 0n;
  const commands: Command[] = [];
  const opened: OpenedPosition[] = [];
  const skipped: SkippedAccount[] = [];
  let clampedCount = 0;
  let totalColl = 0n;
  let totalDebt = 0n;
  const skip = (bookId: string, reason: SkipReason, detail: string) =>
    skipped.push({ bookId, reason, detail });

  for (const account of book.accounts) {
    const line = account.collateral[0];
    if (account.collateral.length !== 1 || line === undefined || line.asset !== bookAsset) {
      skip(account.id, 'unsupported-collateral', `a trove holds ${bookAsset} only`);
      continue;
    }
    const coll = floatToUnits(line.amountWhole, 18);
    if (coll === 0n) {
      skip(account.id, 'zero-collateral', `${line.amountWhole} ${bookAsset} rounds to 0 wei`);
      continue;
    }
    // BorrowerOperations openTrove: Recovery Mode charges no fee and needs ICR ≥ CCR.
    const recovery = computeCR(systemColl, systemDebt, priceWad) < params.ccrWad;
    const rateWad = recovery ? 0n : borrowingRate(options.baseRateWad, params);
    /** The largest lusdAmount whose composite debt fits `composite`: floor (never above the book). */
    const lusdFor = (composite: bigint): bigint =>
      composite <= gasComp
        ? 0n
        : mulDiv(composite - gasComp, DECIMAL_PRECISION, DECIMAL_PRECISION + rateWad, Rounding.Down);
    // Limits on the composite debt d: ICR = ⌊coll·p/d⌋ ≥ MCR ⟺ d ≤ ⌊coll·p/MCR⌋ (MCR an integer);
    // the new TCR likewise. Floor: the limit never lets a refused trove through.
    const icrLimit = mulDiv(coll, priceWad, recovery ? params.ccrWad : params.mcrWad, Rounding.Down);
    const tcrRoom = mulDiv(systemColl + coll, priceWad, params.ccrWad, Rounding.Down) - systemDebt;
    const limit = recovery ? icrLimit : icrLimit < tcrRoom ? icrLimit : tcrRoom;
    const bookDebt = floatToUnits(account.debtUsd, 18);
    let lusd = lusdFor(bookDebt);
    let composite = lusd + borrowingFee(rateWad, lusd) + gasComp;
    let clamped = false;
    if (composite > limit) {
      if (limit > 0n && withinClampTolerance(bookDebt, limit, tol)) {
        lusd = lusdFor(limit);
        composite = lusd + borrowingFee(rateWad, lusd) + gasComp;
        clamped = true;
      } else {
        skip(
          account.id,
          'collateral-ratio',
          `composite debt ${composite} above the limit ${limit} (LUSD wei)`,
        );
        continue;
      }
    }
    const netDebt = composite - gasComp;
    if (netDebt < params.minNetDebt) {
      skip(account.id, 'dust', `net debt ${netDebt} below MIN_NET_DEBT ${params.minNetDebt} (LUSD wei)`);
      continue;
    }
    assert(composite <= limit, 'a trove within its limit');
    systemColl += coll;
    systemDebt += composite;
    totalColl += coll;
    totalDebt += composite;
    if (clamped) clampedCount += 1;
    commands.push({ type: 'openTrove', account: account.id, collDeposit: coll, lusdAmount: lusd });
    opened.push({
      bookId: account.id,
      account: account.id,
      collateral: [{ asset: params.collateralAsset, amount: coll }],
      debtAsset: params.debtAsset,
      debtAmount: composite,
      clamped,
    });
  }
  const skippedByReason = countSkipsByReason(skipped);
  return {
    protocol: LIQUITY_V1_ID,
    commands,
    opened,
    skipped,
    skippedByReason,
    clampedCount,
    totals: {
      collateral: totalColl > 0n ? { [params.collateralAsset]: totalColl } : {},
      debt: totalDebt > 0n ? { [params.debtAsset]: totalDebt } : {},
    },
  };
}

/**
 * Liquity's bad debt, USD: the LUSD the whole system's collateral does not cover at the market
 * price, max(0, entire system debt − entire system collateral × `ethPriceUsd`) (ActivePool and
 * DefaultPool together; LUSD at $1). Liquity records no deficit: the model never leaves debt
 * without a trove (the last trove cannot be liquidated, and redistribution needs other troves), so
 * debt a liquidation cannot cover is either burnt against the Stability Pool (its depositors' loss)
 * or redistributed to the other troves. Because every trove's loss ends on the others, the system
 * as a whole is the right netting: bad debt appears only once the collateral of every trove
 * together is worth less than all the LUSD they owe. Never throws (0 before `configure`).
 */
export function liquityBadDebtUsd(state: EngineState<LiquityExt>, ethPriceUsd: number): number {
  const params = state.ext.params;
  if (params === null) return 0;
  const totals = systemTotals(state, params);
  const uncovered = wadToFloat(totals.entireSystemDebt) - wadToFloat(totals.entireSystemColl) * ethPriceUsd;
  return uncovered > 0 ? uncovered : 0;
}

type LiquityState = EngineState<LiquityExt>;

/** What every trove's health shares in one state at one time (see {@link liquityTroveHealth}). */
interface SystemReading {
  readonly nowSeconds: number;
  readonly priceWad: bigint;
  readonly tcrWad: bigint;
  readonly spLUSD: bigint;
  readonly troveCount: number;
}
const readings = new WeakMap<object, SystemReading>();

/**
 * A trove's health exactly as the model's `health` computes it (src/protocols/liquity-v1/model.ts
 * `healthOf`: ICR against MCR, or against the TCR when a Recovery Mode capped offset is possible;
 * `liquidatable` as `liquidate` would decide), with the system's price, TCR, pool and trove count
 * read once per state and time instead of once per trove (the stress loop samples every trove of
 * a state). Undefined for an account without an active trove.
 * @throws NotConfiguredError, StaleOraclePriceError (as the model's).
 */
export function liquityTroveHealth(
  state: LiquityState,
  accountId: string,
  nowSeconds: number,
): AccountHealth | undefined {
  const trove = state.ext.troves.get(accountId);
  if (trove === undefined) return undefined;
  const params = requireParams(state, 'health');
  let r = readings.get(state);
  if (r === undefined || r.nowSeconds !== nowSeconds) {
    const priceWad = liquityPriceWad(state, nowSeconds);
    r = {
      nowSeconds,
      priceWad,
      tcrWad: tcrOf(systemTotals(state, params), priceWad),
      spLUSD: totalLUSDDeposits(state, params),
      troveCount: state.ext.troves.size,
    };
    readings.set(state, r);
  }
  const entire = entireDebtAndColl(state.ext, trove);
  const icr = computeCR(entire.coll, entire.debt, r.priceWad);
  const recovery = r.tcrWad < params.ccrWad;
  const cappedPossible = recovery && r.spLUSD > 0n && entire.debt <= r.spLUSD && r.tcrWad > params.mcrWad;
  const threshold = cappedPossible ? r.tcrWad : params.mcrWad;
  const liquidatable = r.troveCount > 1 && (icr < params.mcrWad || (cappedPossible && icr < r.tcrWad));
  // Floors as the model's (health and collateral value never overstated).
  const healthWad = icr === MAX_UINT256 ? MAX_UINT256 : mulDivFloor(icr, DECIMAL_PRECISION, threshold);
  return {
    accountId,
    healthWad: healthWad > MAX_UINT256 ? MAX_UINT256 : healthWad,
    liquidatable,
    collateralValueWad: mulDivFloor(entire.coll, r.priceWad, DECIMAL_PRECISION),
    debtValueWad: entire.debt,
  };
}

/** Liquity v1 in the stress lab (see the file header). */
export const liquityStressAdapter: StressAdapter = {
  protocols: [LIQUITY_V1_ID],
  /** A gas-capped liquidator (cap {@link DEFAULT_GAS_CAP_GWEI}, ε $0) and a gas-aware one (ε $10). */
  defaultKeepers: () => [
    { preset: 'liquidator', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
    { preset: 'liquidator', id: 'keeper-aware', minProfitUsd: 10 },
  ],
  defaultParamsJson: () => toJsonValue(liquityParamsToJson(DEFAULT_LIQUITY_PARAMS)),
  /**
   * Set-up at `start − 2·step`: ETH and LUSD listed (18 decimals), the ETH feed's oracle and first
   * prices, `configure`, keeper wallets funded in LUSD (`walletUsd`, default
   * {@link DEFAULT_KEEPER_WALLET_DAI}, as the preset says; liquidating takes no capital in Liquity, so
   * it stays untouched and only sets the baseline of `keeperCashDeltaUsd`). At `start`: the book's troves ({@link liquityBookCommands}),
   * then {@link LIQUITY_SP_DEPOSITOR} funded with {@link LIQUITY_STABILITY_POOL_SHARE_BPS} of their
   * composite debt, which it provides to the Stability Pool. With `options.openCache` and a given
   * book, paths of the same set-up share the opened state (openOnce); each run has its own index.
   */
  open(setup: StressSetup): OpenedStress<unknown> {
    const { options, source, rng, specs, start } = setup;
    const policies = specs.map((spec) => liquityPresetPolicy(spec));
    const params =
      options.protocolParams !== undefined
        ? parseLiquityParams(options.protocolParams)
        : DEFAULT_LIQUITY_PARAMS;
    const coll = params.collateralAsset;
    const lusd = params.debtAsset;
    const feed = stressFeed(rng, source, coll, options.oracle);
    const setupAt = start - 2 * source.stepSeconds;
    const decider = createEngine(liquityV1Model) as unknown as Decider<LiquityState, Command, EngineEvent>;
    const at = (command: Command, atSeconds = setupAt) => ({ command, atSeconds });
    const commands = [
      at({ type: 'listAsset', asset: coll, decimals: 18 }),
      at({ type: 'listAsset', asset: lusd, decimals: 18 }),
      at({ type: 'configureOracle', asset: coll, config: feed.oracleConfig }),
      ...feed.first.map((c) => at(c.command)),
      at({ type: 'configure', params: liquityParamsToJson(params) }),
    ];
    const funded: Record<string, bigint> = {};
    for (const s of specs) {
      const whole = 'walletUsd' in s && s.walletUsd !== undefined ? s.walletUsd : DEFAULT_KEEPER_WALLET_DAI;
      funded[s.id] = wholeUnits(whole, 'walletUsd') * WAD;
      if ((funded[s.id] ?? 0n) > 0n) {
        commands.push(at({ type: 'fundWallet', actor: s.id, asset: lusd, amount: funded[s.id] }));
      }
    }
    // The set-up commands carry every input of the opening but the book (listings, the feed's
    // configuration and first prices, parameters, keeper wallets): paths of a Monte Carlo unit that
    // share the book share the opened state.
    const { state, accounts, skipped } = openOnce(options, { setupCommands: commands, start }, () => {
      const configured = applyAll(decider, decider.initial(), commands);
      // TroveManager decayBaseRateFromBorrowing at the first openTrove: whole minutes since configure.
      const minutes = BigInt(
        Math.floor((start - configured.ext.lastFeeOperationTime) / SECONDS_IN_ONE_MINUTE),
      );
      const book = liquityBookCommands(stressBook(options, rng, source.ethPath), {
        params,
        priceWad: liquityPriceWad(configured, start),
        baseRateWad: decayedBaseRate(configured.ext.baseRate, minutes, params.minuteDecayFactorWad),
      });
      const openings = book.commands.map((c) => at(c, start));
      const debt = book.totals.debt[lusd] ?? 0n;
      // floor: the pool never holds more than the assumed share.
      const deposit = mulDiv(debt, LIQUITY_STABILITY_POOL_SHARE_BPS, BPS, Rounding.Down);
      if (deposit > 0n) {
        openings.push(
          at({ type: 'fundWallet', actor: LIQUITY_SP_DEPOSITOR, asset: lusd, amount: deposit }, start),
          at({ type: 'provideToSP', account: LIQUITY_SP_DEPOSITOR, amount: deposit }, start),
        );
      }
      return {
        state: applyAll(decider, configured, openings),
        accounts: book.opened.map((o) => o.account),
        skipped: book.skipped.length,
      };
    });
    const keeperIds = specs.map((s) => s.id);
    const withPrices = (market: MarketContext): MarketContext => ({
      ...market,
      collateralPricesUsdWad: { [coll]: market.collateralPriceUsdWad, [lusd]: WAD },
    });
    // The run's index over the troves: the view screens only the troves it names (a superset of
    // those below the view's ceiling), the borrowers' totals are running sums, the health buckets
    // binary searches.
    const index = liquityBookIndex(accounts, coll);
    const view = sharedView((s: LiquityState, market: MarketContext) =>
      liquityKeeperView(s, market.nowSeconds, withPrices(market), keeperIds, {
        candidatesBelow: (ceilingIcrWad, priceWad) => index.below(s, ceilingIcrWad, priceWad),
      }),
    );
    const opened: OpenedStress<LiquityState> = {
      decider,
      state,
      feed: feed.feed,
      accounts,
      skipped,
      collateralAsset: coll,
      keepers: policies.map((policy) => ({
        id: policy.id,
        decide: (s, market) => policy.decide(view(s, market)),
      })),
      classify(e) {
        if (e.type !== 'TroveLiquidated') return undefined;
        const t = e as unknown as TroveLiquidated;
        return {
          liquidationUsd: wadToFloat(t.entireDebt),
          ...(t.debtToOffset > 0n
            ? {
                insuranceDrawUsd: wadToFloat(t.debtToOffset),
                clearing: { collateral: wadToFloat(t.collToSendToSP), paidUsd: wadToFloat(t.debtToOffset) },
              }
            : {}),
          ...(t.debtToRedistribute > 0n ? { socializedUsd: wadToFloat(t.debtToRedistribute) } : {}),
        };
      },
      heldCollateral: (s, id) => balanceOf(s.ledger, walletBucket(id), coll),
      keeperCashDeltaUsd: (s, id) =>
        wadToFloat(balanceOf(s.ledger, walletBucket(id), lusd) - (funded[id] ?? 0n)),
      borrowerTotals(s) {
        const totals = index.borrowerTotals(s);
        return { collateral: totals.collateralWei, debtUsd: wadToFloat(totals.debtWei) };
      },
      badDebtUsd: liquityBadDebtUsd,
      insuranceFundUsd: (s) => wadToFloat(balanceOf(s.ledger, STABILITY_POOL, lusd)),
      auctionsLive: () => 0,
      health: liquityTroveHealth,
      healthCounts: (s, t) => index.healthCounts(s, t),
      oracle: (s) => s.oracle,
    };
    return opened as unknown as OpenedStress<unknown>;
  },
};
