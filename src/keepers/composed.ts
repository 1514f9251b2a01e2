/**
 * Keepers for composed lending markets (`kind: lending` configurations run by
 * src/protocols/composed/lending.ts): a plain view built from an engine state (accounts the model
 * would liquidate now, with a dry run of `liquidate` through the model's own stages; running
 * auctions with their current price) and one generic liquidator policy over whatever stages the
 * configuration chose — a fixed-discount sale, or a Dutch auction it starts, resets and buys from —
 * acting when the incentive beats gas (I > C_gas + ε).
 */
import type { EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { isLiquidatable } from '../engine/margin.js';
import { runLiquidation } from '../engine/pipeline.js';
import { type DeleverageReason, deleverageReason } from '../engine/stages/predictive.js';
import { SolventError } from '../math/errors.js';
import { divRound, mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, pow10, RAY, WAD } from '../math/units.js';
import {
  COMPOSED_DELEVERAGE_STAGES,
  COMPOSED_LENDING_STAGES,
  type ComposedLendingEvent,
  type ComposedLendingExt,
  composedMarginAccount,
  composedPredictiveReading,
  composedRedoReward,
} from '../protocols/composed/lending.js';
import { auctionStatus } from '../protocols/maker/math/clipper.js';
import { clearsGas, gasAboveCap, requireGasCap, requireNonNegative, requireViewTime } from './gate.js';
import { LENDING_GAS_UNITS } from './lending.js';
import { DEFAULT_MIN_DISCOUNT_BPS, MAKER_GAS_UNITS } from './maker.js';
import { gasCostUsd, type KeeperAction, type KeeperPolicy, type MarketContext } from './types.js';

/**
 * Gas units the composed keeper assumes, borrowed from the nearest real contracts: a
 * fixed-discount `liquidate` as an Aave `liquidationCall` ({@link LENDING_GAS_UNITS}, an
 * ASSUMPTION), an auction start as a Maker `bark` (450k, published: makerdao/lockstake README.md),
 * `take` and `redo` as Maker's (ASSUMPTIONS, see {@link MAKER_GAS_UNITS}), a de-leveraging step
 * (a Morpho `preLiquidate`) as a liquidation call (an ASSUMPTION).
 */
export const COMPOSED_GAS_UNITS = {
  sale: LENDING_GAS_UNITS.liquidationCall,
  kick: MAKER_GAS_UNITS.bark,
  take: MAKER_GAS_UNITS.take,
  redo: MAKER_GAS_UNITS.redo,
  deleverage: LENDING_GAS_UNITS.liquidationCall,
} as const;

/** Liquidator id of the view's dry runs (never a book id: those start with a letter or digit). */
const PREVIEW_LIQUIDATOR = '~preview';

/** An account `liquidate {account}` would liquidate now, with the dry run's amounts. */
export interface ComposedCandidateView {
  readonly account: string;
  /** Health factor, WAD (< 1e18). */
  readonly healthWad: bigint;
  /** What the call does: a sale to the caller, an auction start, or a write-off (no collateral left). */
  readonly kind: 'sale' | 'auction' | 'writeOff';
  /** Collateral sold or put up for auction ('' for a write-off) and its decimals. */
  readonly asset: string;
  readonly assetDecimals: number;
  /** Sale: debt units the caller pays from its wallet. 0 otherwise. */
  readonly repay: bigint;
  /** Sale: collateral the caller keeps (seized less the protocol's fee); auction: the lot. */
  readonly collateral: bigint;
  /** Auction: the keeper reward paid from reserves at the start, debt units. 0 otherwise. */
  readonly keeperReward: bigint;
}

/** A running auction as a keeper sees it. */
export interface ComposedAuctionView {
  readonly id: number;
  readonly asset: string;
  readonly assetDecimals: number;
  /** Collateral left, smallest units; debt units still to raise. */
  readonly lot: bigint;
  readonly tab: bigint;
  /** Current price, RAY whole debt tokens per whole collateral token. */
  readonly priceRay: bigint;
  /** True when the auction must be reset (`redo`) before anyone can take. */
  readonly needsRedo: boolean;
  /** The flat keeper tip a `redo` pays (from reserves, capped by them), debt units. */
  readonly redoReward: bigint;
}

/** An account `deleverage {account}` would de-leverage now (predictive markets), with the dry run's amounts. */
export interface ComposedDeleverageView {
  readonly account: string;
  /** Health factor, WAD (≥ 1e18). */
  readonly healthWad: bigint;
  /** Below the pre-liquidation health, or within the soft-call band. */
  readonly reason: DeleverageReason;
  /** Collateral sold and its decimals. */
  readonly asset: string;
  readonly assetDecimals: number;
  /** Debt units the keeper pays from its wallet. */
  readonly repay: bigint;
  /** Collateral the keeper receives. */
  readonly collateral: bigint;
}

/** What a composed-market keeper sees. */
export interface ComposedKeeperView {
  readonly nowSeconds: number;
  readonly market: MarketContext;
  readonly debtAsset: string;
  readonly debtDecimals: number;
  readonly candidates: readonly ComposedCandidateView[];
  /** Accounts a de-leveraging step may act on now (empty without a predictive section). */
  readonly deleverages: readonly ComposedDeleverageView[];
  readonly auctions: readonly ComposedAuctionView[];
  /** Keepers' wallets: asset → smallest units (the debt asset). */
  readonly wallets: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
}

/**
 * The view a composed-market keeper decides on: every account with debt whose health is below 1 at
 * the oracle's prices, with the events of a dry run of `liquidate {account}` through the model's
 * stages (refusals such as an oracle breaker, a grace period or an empty lot leave it out); and
 * every running auction with its current price and whether it needs a reset; on markets with a
 * predictive section, every account a `deleverage` step may act on now (dry run of its stages).
 * @param state a configured composed-lending engine state.
 * @param nowSeconds decision time, seconds (must equal `market.nowSeconds`).
 * @param keepers ids whose wallets the view includes.
 * @throws InvalidParameterError for a bad market, a time mismatch or an unconfigured model.
 */
export function composedKeeperView(
  state: EngineState<ComposedLendingExt>,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[] = [],
): ComposedKeeperView {
  requireViewTime(market, nowSeconds);
  const config = state.ext.config;
  if (config === null) throw new InvalidParameterError('state', 'the composed market is not configured yet');
  const decimalsOf = (asset: string): number => state.assets[asset]?.decimals ?? 18;
  const candidates: ComposedCandidateView[] = [];
  const deleverages: ComposedDeleverageView[] = [];
  for (const account of Object.keys(state.ext.accounts).sort()) {
    try {
      const margin = composedMarginAccount(state, account, nowSeconds);
      if (margin.debt.length === 0) continue;
      if (!isLiquidatable(margin)) {
        const step =
          config.predictive === undefined ? undefined : deleverageView(state, account, margin, nowSeconds);
        if (step !== undefined) deleverages.push(step);
        continue;
      }
      const run = runLiquidation(COMPOSED_LENDING_STAGES, state, {
        account,
        liquidator: PREVIEW_LIQUIDATOR,
        collateralAsset: undefined,
        nowSeconds,
      });
      const events = run.events as readonly (ComposedLendingEvent | { readonly type: 'Moved' })[];
      const base = { account, healthWad: run.triggered.healthWad };
      for (const e of events) {
        if (e.type === 'ComposedLiquidated') {
          candidates.push({
            ...base,
            kind: e.asset === '' ? 'writeOff' : 'sale',
            asset: e.asset,
            assetDecimals: e.asset === '' ? 0 : decimalsOf(e.asset),
            repay: e.repaid,
            collateral: e.seized - e.protocolFee,
            keeperReward: 0n,
          });
        } else if (e.type === 'ComposedAuctionStarted') {
          candidates.push({
            ...base,
            kind: 'auction',
            asset: e.auction.asset,
            assetDecimals: decimalsOf(e.auction.asset),
            repay: 0n,
            collateral: e.auction.lot,
            keeperReward: e.keeperReward,
          });
        }
      }
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
  }
  const auctions: ComposedAuctionView[] = [];
  const exec = config.execution;
  if (exec.kind === 'dutchAuction') {
    const ids = Object.values(state.ext.auctions)
      .map((a) => a.id)
      .sort((a, b) => a - b);
    for (const id of ids) {
      const a = state.ext.auctions[String(id)];
      if (a === undefined) continue;
      // The model's own status (composed/lending.ts statusOf: Maker clip.sol status).
      const status = auctionStatus({
        curve: exec.curve,
        topRay: a.topRay,
        durSeconds: BigInt(nowSeconds - a.startedAtSeconds),
        tailSeconds: exec.tailSeconds,
        // Exact (RAY is a multiple of BPS), as the model's own conversion.
        cuspRay: (exec.cuspBps * RAY) / BPS,
      });
      auctions.push({
        id,
        asset: a.asset,
        assetDecimals: decimalsOf(a.asset),
        lot: a.lot,
        tab: a.tab,
        priceRay: status.priceRay,
        needsRedo: status.done,
        redoReward: composedRedoReward(state, a, nowSeconds),
      });
    }
  }
  const wallets: Record<string, Record<string, bigint>> = {};
  for (const id of keepers) {
    wallets[id] = { [config.debtAsset]: balanceOf(state.ledger, `wallet:${id}`, config.debtAsset) };
  }
  return {
    nowSeconds,
    market,
    debtAsset: config.debtAsset,
    debtDecimals: decimalsOf(config.debtAsset),
    candidates,
    deleverages,
    auctions,
    wallets,
  };
}

/**
 * The de-leveraging step `deleverage {account}` would take now, from a dry run through the model's
 * stages, or undefined (outside both bands, cooling down, refused by the oracle). Screened first
 * with one comparison (health against the pre-liquidation health and the soft-call health).
 */
function deleverageView(
  state: EngineState<ComposedLendingExt>,
  account: string,
  margin: ReturnType<typeof composedMarginAccount>,
  nowSeconds: number,
): ComposedDeleverageView | undefined {
  const predictive = state.ext.config?.predictive;
  const reading = composedPredictiveReading(state, margin);
  if (predictive === undefined || reading === undefined) return undefined;
  const screened = deleverageReason({
    healthWad: reading.healthWad,
    preHealthWad: predictive.preHealthWad,
    softCallHealthWad: reading.softCallHealthWad,
  });
  if (screened === undefined) return undefined;
  const run = runLiquidation(COMPOSED_DELEVERAGE_STAGES, state, {
    account,
    liquidator: PREVIEW_LIQUIDATOR,
    collateralAsset: undefined,
    nowSeconds,
  });
  const d = run.outcome.detail;
  return {
    account,
    healthWad: reading.healthWad,
    reason: d.reason,
    asset: d.asset,
    assetDecimals: state.assets[d.asset]?.decimals ?? 18,
    repay: d.repaid,
    collateral: d.seized,
  };
}

/** Options of {@link composedLiquidator}. */
export interface ComposedLiquidatorOptions {
  readonly id: string;
  /** ε of `I > C_gas + ε`, USD (≥ 0, default 0). */
  readonly minProfitUsd?: number;
  /** Above this gas price (gwei) the keeper sends nothing; default none. */
  readonly maxGasPriceGwei?: number;
  /**
   * Discount below its net sell price the keeper wants before it takes from an auction, bps (0–10,000,
   * default {@link DEFAULT_MIN_DISCOUNT_BPS}); also the margin it counts on when it starts or resets
   * an auction (see {@link composedLiquidator}).
   */
  readonly minDiscountBps?: bigint;
  /** Gas units (default {@link COMPOSED_GAS_UNITS}; `deleverage` defaults to `sale`). */
  readonly gasUnits?: {
    readonly sale: bigint;
    readonly kick: bigint;
    readonly take: bigint;
    readonly redo: bigint;
    readonly deleverage?: bigint;
  };
}

/** USD (float, screen only) of `amount` smallest units at `priceWad`, net of `slippageBps`. */
function usdOf(amount: bigint, decimals: number, priceWad: bigint, slippageBps = 0n): number {
  // Floor: the keeper never overstates what it would receive.
  return Number(mulDiv(amount, priceWad * (BPS - slippageBps), pow10(decimals) * BPS, Rounding.Down)) / 1e18;
}

/**
 * A generic liquidator of composed lending markets, in this order each decision:
 * 1. takes from running auctions (lowest id first) whose price is at or below its net sell price
 *    (market × (1 − slippage)) less `minDiscountBps`, buying the whole lot or what its wallet pays
 *    for, with the model's own rounding (owe = ⌈slice × price⌉, capped at the tab), when
 *    I = slice × net price − owe exceeds gas + ε;
 * 2. resets (`redo`) auctions that need it when I = tip + lot × net price × minDiscount exceeds gas + ε;
 * 3. liquidates candidates (lowest health first): a sale when I = collateral kept × net price −
 *    repay exceeds gas + ε and its wallet covers the repay; an auction start when
 *    I = on-chain reward + lot × net price × minDiscount exceeds gas + ε (an ASSUMPTION: a keeper
 *    that also buys counts on taking the lot at its minimum discount later); write-offs pay nothing
 *    and are left alone;
 * 4. on predictive markets, de-leverages the accounts the view lists (lowest health first, each
 *    account once per decision) when I = collateral received × net price − repay exceeds gas + ε
 *    and its wallet covers the repay.
 * The debt asset is priced at `market.collateralPricesUsdWad[debt]`, else $1. Cash committed by
 * earlier actions of the same decision is not reused; each account and auction is acted on once.
 * With `maxGasPriceGwei`, nothing is sent while gas is above the cap.
 * @throws InvalidParameterError for a negative ε or cap, a discount outside 0–10,000 bps (when
 * built), a view without its wallet.
 */
export function composedLiquidator(options: ComposedLiquidatorOptions): KeeperPolicy<ComposedKeeperView> {
  const minProfitUsd = options.minProfitUsd ?? 0;
  requireNonNegative(minProfitUsd, 'minProfitUsd');
  requireGasCap(options.maxGasPriceGwei);
  const minDiscountBps = options.minDiscountBps ?? DEFAULT_MIN_DISCOUNT_BPS;
  if (minDiscountBps < 0n || minDiscountBps > BPS) {
    throw new InvalidParameterError('minDiscountBps', 'must be between 0 and 10000');
  }
  const gas = options.gasUnits ?? COMPOSED_GAS_UNITS;
  return {
    id: options.id,
    decide(view) {
      const wallet = view.wallets[options.id];
      if (wallet === undefined) {
        throw new InvalidParameterError('view.wallets', `the view has no wallet for keeper ${options.id}`);
      }
      const m = view.market;
      if (gasAboveCap(m, options.maxGasPriceGwei)) return [];
      const priceOf = (asset: string): bigint => m.collateralPricesUsdWad?.[asset] ?? m.collateralPriceUsdWad;
      const debtPriceWad = m.collateralPricesUsdWad?.[view.debtAsset] ?? WAD;
      const debtUsd = (units: bigint): number => usdOf(units, view.debtDecimals, debtPriceWad);
      /** What the keeper expects to make on a lot it buys at its minimum discount. */
      const marginUsd = (lot: bigint, asset: string, decimals: number): number =>
        (usdOf(lot, decimals, priceOf(asset), m.slippageBps) * Number(minDiscountBps)) / Number(BPS);
      const worth = (incentiveUsd: number, gasUnits: bigint): boolean =>
        clearsGas(incentiveUsd, gasCostUsd(gasUnits, m), minProfitUsd);
      let cash = wallet[view.debtAsset] ?? 0n;
      const actions: KeeperAction[] = [];
      const debtScale = pow10(view.debtDecimals);

      for (const a of view.auctions) {
        if (a.needsRedo || a.lot === 0n || cash <= 0n) continue;
        // The highest price it pays: its net sell price less the discount it wants, RAY per whole token.
        const netWad = mulDiv(
          priceOf(a.asset),
          (BPS - m.slippageBps) * (BPS - minDiscountBps),
          BPS * BPS,
          Rounding.Down,
        );
        const limitRay = mulDiv(netWad, RAY, debtPriceWad, Rounding.Down);
        if (a.priceRay > limitRay) continue;
        const scale = pow10(a.assetDecimals) * RAY;
        // The model's take: owe = ⌈slice × price⌉ (favours the auction), capped at the tab with the
        // slice floored; a wallet short of the owe buys ⌊cash / price⌋ (never more than it can pay).
        let amount = a.lot;
        const oweFor = (slice: bigint): bigint =>
          divRound(slice * a.priceRay * debtScale, scale, Rounding.Up);
        if (a.priceRay > 0n && oweFor(amount) > cash) {
          amount = divRound(cash * scale, a.priceRay * debtScale, Rounding.Down);
          if (amount > a.lot) amount = a.lot;
        }
        if (amount === 0n) continue;
        let slice = amount;
        let owe = oweFor(slice);
        if (owe > a.tab) {
          owe = a.tab;
          const capped =
            a.priceRay === 0n ? a.lot : divRound(owe * scale, a.priceRay * debtScale, Rounding.Down);
          slice = capped < a.lot ? capped : a.lot;
        }
        const incentiveUsd = usdOf(slice, a.assetDecimals, priceOf(a.asset), m.slippageBps) - debtUsd(owe);
        if (owe > cash || !worth(incentiveUsd, gas.take)) continue;
        cash -= owe;
        actions.push({
          command: { type: 'take', id: a.id, buyer: options.id, amount, maxPriceRay: a.priceRay },
          gasUnits: gas.take,
          reason: `take auction ${a.id}: I $${incentiveUsd.toFixed(2)} > gas + ε`,
          expectedProfitUsd: incentiveUsd,
        });
      }

      for (const a of view.auctions) {
        if (!a.needsRedo) continue;
        const incentiveUsd = debtUsd(a.redoReward) + marginUsd(a.lot, a.asset, a.assetDecimals);
        if (!worth(incentiveUsd, gas.redo)) continue;
        actions.push({
          command: { type: 'redo', id: a.id, keeper: options.id },
          gasUnits: gas.redo,
          reason: `redo auction ${a.id}: I $${incentiveUsd.toFixed(2)} > gas + ε`,
          expectedProfitUsd: incentiveUsd,
        });
      }

      const ordered = [...view.candidates].sort((x, y) =>
        x.healthWad !== y.healthWad ? (x.healthWad < y.healthWad ? -1 : 1) : x.account < y.account ? -1 : 1,
      );
      const done = new Set<string>();
      for (const c of ordered) {
        if (done.has(c.account) || c.kind === 'writeOff') continue;
        if (c.kind === 'sale') {
          if (c.repay > cash) continue;
          const incentiveUsd =
            usdOf(c.collateral, c.assetDecimals, priceOf(c.asset), m.slippageBps) - debtUsd(c.repay);
          if (!worth(incentiveUsd, gas.sale)) continue;
          cash -= c.repay;
          done.add(c.account);
          actions.push({
            command: {
              type: 'liquidate',
              account: c.account,
              liquidator: options.id,
              collateralAsset: c.asset,
            },
            gasUnits: gas.sale,
            reason: `liquidate ${c.account}: I $${incentiveUsd.toFixed(2)} > gas + ε`,
            expectedProfitUsd: incentiveUsd,
          });
          continue;
        }
        const incentiveUsd = debtUsd(c.keeperReward) + marginUsd(c.collateral, c.asset, c.assetDecimals);
        if (!worth(incentiveUsd, gas.kick)) continue;
        done.add(c.account);
        actions.push({
          command: {
            type: 'liquidate',
            account: c.account,
            liquidator: options.id,
            collateralAsset: c.asset,
          },
          gasUnits: gas.kick,
          reason: `start an auction of ${c.account}: I $${incentiveUsd.toFixed(2)} > gas + ε`,
          expectedProfitUsd: incentiveUsd,
        });
      }

      const steps = [...view.deleverages].sort((x, y) =>
        x.healthWad !== y.healthWad ? (x.healthWad < y.healthWad ? -1 : 1) : x.account < y.account ? -1 : 1,
      );
      const deleverageGas = gas.deleverage ?? gas.sale;
      for (const d of steps) {
        if (done.has(d.account) || d.repay > cash) continue;
        const incentiveUsd =
          usdOf(d.collateral, d.assetDecimals, priceOf(d.asset), m.slippageBps) - debtUsd(d.repay);
        if (!worth(incentiveUsd, deleverageGas)) continue;
        cash -= d.repay;
        done.add(d.account);
        actions.push({
          command: { type: 'deleverage', account: d.account, keeper: options.id, collateralAsset: d.asset },
          gasUnits: deleverageGas,
          reason: `de-leverage ${d.account} (${d.reason}): I $${incentiveUsd.toFixed(2)} > gas + ε`,
          expectedProfitUsd: incentiveUsd,
        });
      }
      return actions;
    },
  };
}
