/**
 * The Liquity v1 model's own state (troves with stakes and reward snapshots, the redistribution
 * sums L_ETH / L_LUSDDebt with their carried errors, the Stability Pool's P/S/epoch/scale and its
 * deposits, the base rate), its events, the fold of those events, and the read helpers every
 * command shares (the price as PriceFeed returns it, a trove's entire debt and collateral with
 * pending rewards, the system totals, troves in ICR order). Reads cost O(1) or what they return,
 * not the book: the troves are a PersistentMap, the ActivePool totals are carried by the fold
 * beside the state, and the riskiest troves are selected without sorting them all.
 *
 * Ledger buckets (assets `<coll>` = ETH, `<debt>` = LUSD and `<debt>.debt` = debt claims):
 * `acct:<id>` ETH = the trove's recorded `coll` (its share of the ActivePool); `debt:<id>` claims =
 * its recorded `debt`; `defaultPool` = DefaultPool ETH and debt claims (redistributed, not yet
 * applied to troves); `stabilityPool` = SP LUSD deposits (totalLUSDDeposits) and SP ETH gains;
 * `gasPool` = the escrowed 200 LUSD per trove; `surplus:<id>` = CollSurplusPool ETH of a borrower;
 * `protocol` = borrowing fees (the LQTY staking contract); `wallet:<actor>` = tokens an actor holds;
 * `mint` issues LUSD and debt claims.
 */
import { debtClaimAsset, type EngineState } from '../../engine/engine.js';
import { NotConfiguredError, StaleOraclePriceError } from '../../engine/errors.js';
import { balanceOf, sumByPrefix } from '../../engine/ledger.js';
import type { EngineEvent } from '../../engine/machine.js';
import { spotPrice } from '../../engine/oracle.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { assert } from '../../math/errors.js';
import {
  compoundedStake,
  computeCR,
  DECIMAL_PRECISION,
  type DepositSnapshot,
  ethGainFromSnapshots,
  type LiquidationAmounts,
  pendingReward,
  type RecoveryBranch,
  scalePriceToWad,
} from './math.js';
import type { LiquityParams } from './params.js';

/** Bucket of the DefaultPool (redistributed collateral and debt not yet applied to troves). */
export const DEFAULT_POOL = 'defaultPool';
/** Bucket of the Stability Pool (LUSD deposits and the ETH they gained). */
export const STABILITY_POOL = 'stabilityPool';
/** Bucket of the Gas Pool (the 200 LUSD escrowed per trove). */
export const GAS_POOL = 'gasPool';
/** Bucket of the LQTY staking contract, which receives borrowing fees. */
export const LQTY_STAKING = 'protocol';
/** Bucket of a trove's collateral (ActivePool share). */
export const accountBucket = (id: string): string => `acct:${id}`;
/** Bucket of a trove's recorded debt claims. */
export const debtBucket = (id: string): string => `debt:${id}`;
/** Bucket of a borrower's claimable collateral in the CollSurplusPool. */
export const surplusBucket = (id: string): string => `surplus:${id}`;
/** Bucket of an actor's tokens. */
export const walletBucket = (id: string): string => `wallet:${id}`;

/** One active trove (TroveManager `Troves[_borrower]` and `rewardSnapshots[_borrower]`). */
export interface Trove {
  /** Recorded debt, LUSD wei (incl. the gas compensation and fees, excl. pending rewards). */
  readonly debt: bigint;
  /** Recorded collateral, wei (excl. pending rewards). */
  readonly coll: bigint;
  /** Stake in redistributions. */
  readonly stake: bigint;
  /** `rewardSnapshots.ETH`: L_ETH when rewards were last applied. */
  readonly snapshotETH: bigint;
  /** `rewardSnapshots.LUSDDebt`: L_LUSDDebt when rewards were last applied. */
  readonly snapshotLUSDDebt: bigint;
}

/** A Stability Pool deposit (`deposits[_depositor].initialValue` and `depositSnapshots`). */
export interface SpDeposit {
  /** The deposit as of its last update, LUSD wei. */
  readonly initialValue: bigint;
  readonly snapshot: DepositSnapshot;
}

/** The Stability Pool's bookkeeping (the LUSD and ETH themselves are in the ledger). */
export interface StabilityPoolState {
  /** Running product P, 1e18-scaled. */
  readonly P: bigint;
  readonly currentScale: bigint;
  readonly currentEpoch: bigint;
  /** `epochToScaleToSum`, keyed `<epoch>:<scale>` (absent = 0). */
  readonly sums: Readonly<Record<string, bigint>>;
  readonly lastETHError_Offset: bigint;
  readonly lastLUSDLossError_Offset: bigint;
  /** Non-zero deposits by depositor. */
  readonly deposits: Readonly<Record<string, SpDeposit>>;
}

/** The model's part of the engine state. */
export interface LiquityExt {
  /** Parameters, or null before `configure`. */
  readonly params: LiquityParams | null;
  /**
   * Active troves by owner: a persistent map, so that opening, adjusting or closing one trove
   * copies O(log n) nodes, not the book (its canonical JSON is the plain record of troves).
   */
  readonly troves: PersistentMap<Trove>;
  readonly totalStakes: bigint;
  readonly totalStakesSnapshot: bigint;
  readonly totalCollateralSnapshot: bigint;
  readonly L_ETH: bigint;
  readonly L_LUSDDebt: bigint;
  readonly lastETHError_Redistribution: bigint;
  readonly lastLUSDDebtError_Redistribution: bigint;
  /** TroveManager `baseRate`, 1e18-scaled. */
  readonly baseRate: bigint;
  /** TroveManager `lastFeeOperationTime`, seconds. */
  readonly lastFeeOperationTime: number;
  readonly sp: StabilityPoolState;
}

/** The Stability Pool of a fresh deployment: P = 1e18, epoch and scale 0. */
export const INITIAL_STABILITY_POOL: StabilityPoolState = {
  P: DECIMAL_PRECISION,
  currentScale: 0n,
  currentEpoch: 0n,
  sums: {},
  lastETHError_Offset: 0n,
  lastLUSDLossError_Offset: 0n,
  deposits: {},
};

/** The state of an engine with no configuration. */
export function initialLiquityExt(): LiquityExt {
  return {
    params: null,
    troves: PersistentMap.empty<Trove>(),
    totalStakes: 0n,
    totalStakesSnapshot: 0n,
    totalCollateralSnapshot: 0n,
    L_ETH: 0n,
    L_LUSDDebt: 0n,
    lastETHError_Redistribution: 0n,
    lastLUSDDebtError_Redistribution: 0n,
    baseRate: 0n,
    lastFeeOperationTime: 0,
    sp: INITIAL_STABILITY_POOL,
  };
}

// --- Events -----------------------------------------------------------------------------------

/** `configure`. */
export interface LiquityConfigured {
  readonly type: 'LiquityConfigured';
  readonly params: LiquityParams;
  readonly baseRate: bigint;
  readonly lastFeeOperationTime: number;
}

/** TroveManager `decayBaseRateFromBorrowing` (BaseRateUpdated, LastFeeOpTimeUpdated). */
export interface BaseRateUpdated {
  readonly type: 'BaseRateUpdated';
  readonly baseRate: bigint;
  readonly lastFeeOperationTime: number;
}

/** A trove's new recorded values (open, adjust, pending rewards applied). */
export interface TroveUpdated {
  readonly type: 'TroveUpdated';
  readonly account: string;
  readonly operation: 'openTrove' | 'adjustTrove' | 'applyPendingRewards';
  readonly debt: bigint;
  readonly coll: bigint;
  readonly stake: bigint;
  readonly snapshotETH: bigint;
  readonly snapshotLUSDDebt: bigint;
  /** totalStakes afterwards. */
  readonly totalStakes: bigint;
  /** Borrowing fee charged by this operation, LUSD wei. */
  readonly LUSDFee: bigint;
}

/** A trove closed by its owner. */
export interface TroveClosed {
  readonly type: 'TroveClosed';
  readonly account: string;
  readonly totalStakes: bigint;
}

/** Where a liquidated trove went (TroveManager `TroveLiquidated` with its `LiquidationValues`). */
export interface TroveLiquidated extends LiquidationAmounts {
  readonly type: 'TroveLiquidated';
  readonly account: string;
  /** Mode the trove was liquidated under (a recovery-mode batch may switch to normal). */
  readonly mode: 'normal' | 'recovery';
  /** `normal` in normal mode, else the recovery-mode branch. */
  readonly branch: 'normal' | RecoveryBranch;
  readonly ICR: bigint;
  /** TCR used for the decision (recovery mode), 1e18-scaled; 0 in normal mode. */
  readonly TCR: bigint;
  readonly entireDebt: bigint;
  readonly entireColl: bigint;
  readonly pendingDebt: bigint;
  readonly pendingColl: bigint;
  /** totalStakes after the trove's stake was removed. */
  readonly totalStakes: bigint;
}

/** StabilityPool `offset`: the new P, S, scale and epoch and the carried errors. */
export interface StabilityPoolOffset {
  readonly type: 'StabilityPoolOffset';
  readonly debtToOffset: bigint;
  readonly collToAdd: bigint;
  readonly ETHGainPerUnitStaked: bigint;
  readonly LUSDLossPerUnitStaked: bigint;
  /** Key (`epoch:scale`) of the sum written and its new value. */
  readonly sumKey: string;
  readonly S: bigint;
  readonly P: bigint;
  readonly currentScale: bigint;
  readonly currentEpoch: bigint;
  readonly lastETHError_Offset: bigint;
  readonly lastLUSDLossError_Offset: bigint;
}

/** TroveManager `_redistributeDebtAndColl` (LTermsUpdated). */
export interface Redistributed {
  readonly type: 'Redistributed';
  readonly debt: bigint;
  readonly coll: bigint;
  readonly totalStakes: bigint;
  readonly L_ETH: bigint;
  readonly L_LUSDDebt: bigint;
  readonly lastETHError_Redistribution: bigint;
  readonly lastLUSDDebtError_Redistribution: bigint;
}

/** TroveManager `_updateSystemSnapshots_excludeCollRemainder` (SystemSnapshotsUpdated). */
export interface SystemSnapshotsUpdated {
  readonly type: 'SystemSnapshotsUpdated';
  readonly totalStakesSnapshot: bigint;
  readonly totalCollateralSnapshot: bigint;
}

/** TroveManager `Liquidation` event: the totals of one liquidation call. */
export interface LiquidationSummary {
  readonly type: 'Liquidation';
  readonly liquidator: string;
  readonly recoveryModeAtStart: boolean;
  readonly troves: readonly string[];
  readonly liquidatedDebt: bigint;
  /** Collateral less gas compensation and surplus (as the contract reports it). */
  readonly liquidatedColl: bigint;
  readonly collGasCompensation: bigint;
  readonly LUSDGasCompensation: bigint;
}

/** A Stability Pool deposit changed (`provideToSP`, `withdrawFromSP`). */
export interface DepositUpdated {
  readonly type: 'DepositUpdated';
  readonly depositor: string;
  readonly operation: 'provideToSP' | 'withdrawFromSP';
  /** New deposit (0 deletes it and its snapshots). */
  readonly initialValue: bigint;
  readonly snapshot: DepositSnapshot;
  /** ETH gain paid out with the update, wei. */
  readonly ETHGain: bigint;
  /** Compounded loss since the last update, LUSD wei (event log only). */
  readonly LUSDLoss: bigint;
}

/** CollSurplusPool `claimColl`. */
export interface CollateralClaimed {
  readonly type: 'CollateralClaimed';
  readonly account: string;
  readonly amount: bigint;
}

/** Every event of the Liquity model. */
export type LiquityEvent =
  | LiquityConfigured
  | BaseRateUpdated
  | TroveUpdated
  | TroveClosed
  | TroveLiquidated
  | StabilityPoolOffset
  | Redistributed
  | SystemSnapshotsUpdated
  | LiquidationSummary
  | DepositUpdated
  | CollateralClaimed;

/** Own-property lookup, so ids such as `constructor` are plain keys. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The ActivePool's two trackers (its `ETH` and `LUSDDebt` state variables). */
export interface ActivePoolTotals {
  /** ActivePool `getETH()`: Σ of the troves' recorded collateral, wei. */
  readonly coll: bigint;
  /** ActivePool `getLUSDDebt()`: Σ of the troves' recorded debt, LUSD wei. */
  readonly debt: bigint;
}

/**
 * The ActivePool totals of every troves map the fold built or a read met, by map identity. The
 * contract keeps them as two running variables (liquity/dev packages/contracts/contracts/
 * ActivePool.sol: `ETH` and `LUSDDebt`, moved by `sendETH`, `receive`, `increaseLUSDDebt` and
 * `decreaseLUSDDebt`); here they are a cache beside the state rather than fields of it, so the
 * state's canonical JSON (hence every state hash) is what it was. A map never changes, so its
 * entry can never go stale, and it dies with the map.
 */
const activePools = new WeakMap<PersistentMap<Trove>, ActivePoolTotals>();

/**
 * The ActivePool totals of a troves map: O(1) for a map the fold built (each fold carries its
 * predecessor's totals over in O(1)), one O(n) sum the first time any other map is read. Equal to
 * the ledger's Σ `acct:*` collateral and Σ `debt:*` claims by the model's `liquity-v1/troves`
 * invariant (each trove's buckets hold exactly its recorded values, and no other bucket has those
 * prefixes); {@link systemTotalsFromLedger} reads them that way. Never throws.
 */
export function activePoolTotals(troves: PersistentMap<Trove>): ActivePoolTotals {
  let totals = activePools.get(troves);
  if (totals === undefined) {
    let coll = 0n;
    let debt = 0n;
    troves.forEach((t) => {
      coll += t.coll;
      debt += t.debt;
    });
    totals = { coll, debt };
    activePools.set(troves, totals);
  }
  return totals;
}

/** `troves` with `id` set to `trove` (removed when undefined), its ActivePool totals carried over. */
function withTrove(troves: PersistentMap<Trove>, id: string, trove: Trove | undefined): PersistentMap<Trove> {
  const before = troves.get(id);
  const next = trove === undefined ? troves.delete(id) : troves.set(id, trove);
  if (next === troves) return troves;
  const totals = activePoolTotals(troves);
  activePools.set(next, {
    coll: totals.coll - (before?.coll ?? 0n) + (trove?.coll ?? 0n),
    debt: totals.debt - (before?.debt ?? 0n) + (trove?.debt ?? 0n),
  });
  return next;
}

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(record)) if (k !== key) out[k] = v;
  return out;
}

/** Key of `epochToScaleToSum[epoch][scale]`. */
export const sumKey = (epoch: bigint, scale: bigint): string => `${epoch}:${scale}`;

/** `epochToScaleToSum[epoch][scale]` (0 when never written). */
export function sumAt(sp: StabilityPoolState, epoch: bigint, scale: bigint): bigint {
  return own(sp.sums, sumKey(epoch, scale)) ?? 0n;
}

/** Folds one model event into the model state (input untouched). */
export function evolveLiquity(ext: LiquityExt, event: EngineEvent): LiquityExt {
  const e = event as LiquityEvent;
  switch (e.type) {
    case 'LiquityConfigured':
      return { ...ext, params: e.params, baseRate: e.baseRate, lastFeeOperationTime: e.lastFeeOperationTime };
    case 'BaseRateUpdated':
      return { ...ext, baseRate: e.baseRate, lastFeeOperationTime: e.lastFeeOperationTime };
    case 'TroveUpdated': {
      const trove: Trove = {
        debt: e.debt,
        coll: e.coll,
        stake: e.stake,
        snapshotETH: e.snapshotETH,
        snapshotLUSDDebt: e.snapshotLUSDDebt,
      };
      return { ...ext, troves: withTrove(ext.troves, e.account, trove), totalStakes: e.totalStakes };
    }
    case 'TroveClosed':
    case 'TroveLiquidated':
      return { ...ext, troves: withTrove(ext.troves, e.account, undefined), totalStakes: e.totalStakes };
    case 'StabilityPoolOffset':
      return {
        ...ext,
        sp: {
          ...ext.sp,
          P: e.P,
          currentScale: e.currentScale,
          currentEpoch: e.currentEpoch,
          sums: { ...ext.sp.sums, [e.sumKey]: e.S },
          lastETHError_Offset: e.lastETHError_Offset,
          lastLUSDLossError_Offset: e.lastLUSDLossError_Offset,
        },
      };
    case 'Redistributed':
      return {
        ...ext,
        L_ETH: e.L_ETH,
        L_LUSDDebt: e.L_LUSDDebt,
        lastETHError_Redistribution: e.lastETHError_Redistribution,
        lastLUSDDebtError_Redistribution: e.lastLUSDDebtError_Redistribution,
      };
    case 'SystemSnapshotsUpdated':
      return {
        ...ext,
        totalStakesSnapshot: e.totalStakesSnapshot,
        totalCollateralSnapshot: e.totalCollateralSnapshot,
      };
    case 'DepositUpdated': {
      const deposits =
        e.initialValue === 0n
          ? without(ext.sp.deposits, e.depositor)
          : { ...ext.sp.deposits, [e.depositor]: { initialValue: e.initialValue, snapshot: e.snapshot } };
      return { ...ext, sp: { ...ext.sp, deposits } };
    }
    case 'Liquidation':
    case 'CollateralClaimed':
      return ext; // event log only: the amounts live in the ledger
    default: {
      const unknown: { readonly type: string } = e;
      assert(false, `liquity-v1 cannot fold a ${unknown.type} event`);
    }
  }
}

// --- Reads ------------------------------------------------------------------------------------

/** The parameters. @throws NotConfiguredError before `configure`. */
export function requireParams(state: EngineState<LiquityExt>, command: string): LiquityParams {
  if (state.ext.params === null) throw new NotConfiguredError(state.protocol, command);
  return state.ext.params;
}

/** Ledger asset of LUSD debt claims. */
export const claimAssetOf = (params: LiquityParams): string => debtClaimAsset(params.debtAsset);

/**
 * PriceFeed `fetchPrice()`: the engine oracle's spot price of the collateral, scaled to USD·1e18
 * as `_scaleChainlinkPriceByDigits` does. (The Chainlink/Tellor fallback and its freeze checks are
 * the engine oracle's job: a stale feed refuses, as a broken PriceFeed would.)
 * @throws StaleOraclePriceError without a fresh positive price.
 */
export function liquityPriceWad(state: EngineState<LiquityExt>, nowSeconds: number): bigint {
  const params = requireParams(state, 'fetchPrice');
  const reading = spotPrice(state.oracle, params.collateralAsset, nowSeconds);
  if (reading.price <= 0n) {
    throw new StaleOraclePriceError(
      params.collateralAsset,
      `the feed answered ${reading.price} (broken response)`,
    );
  }
  return scalePriceToWad(reading.price, reading.priceDecimals);
}

/** A trove's entire debt and collateral, with the pending redistribution rewards. */
export interface EntireTrove {
  readonly debt: bigint;
  readonly coll: bigint;
  readonly pendingDebt: bigint;
  readonly pendingColl: bigint;
}

/**
 * TroveManager `getEntireDebtAndColl`: recorded values plus `getPendingLUSDDebtReward` and
 * `getPendingETHReward`.
 */
export function entireDebtAndColl(ext: LiquityExt, trove: Trove): EntireTrove {
  const pendingDebt = pendingReward(trove.stake, ext.L_LUSDDebt, trove.snapshotLUSDDebt);
  const pendingColl = pendingReward(trove.stake, ext.L_ETH, trove.snapshotETH);
  return { debt: trove.debt + pendingDebt, coll: trove.coll + pendingColl, pendingDebt, pendingColl };
}

/** ActivePool and DefaultPool balances. */
export interface SystemTotals {
  /** ActivePool ETH: Σ troves' recorded collateral. */
  readonly activeColl: bigint;
  /** ActivePool LUSDDebt: Σ troves' recorded debt. */
  readonly activeDebt: bigint;
  readonly defaultColl: bigint;
  readonly defaultDebt: bigint;
  /** LiquityBase `getEntireSystemColl`. */
  readonly entireSystemColl: bigint;
  /** LiquityBase `getEntireSystemDebt`. */
  readonly entireSystemDebt: bigint;
}

function totalsOf(
  state: EngineState<LiquityExt>,
  params: LiquityParams,
  active: { readonly activeColl: bigint; readonly activeDebt: bigint },
): SystemTotals {
  const claim = claimAssetOf(params);
  const defaultColl = balanceOf(state.ledger, DEFAULT_POOL, params.collateralAsset);
  const defaultDebt = balanceOf(state.ledger, DEFAULT_POOL, claim);
  return {
    activeColl: active.activeColl,
    activeDebt: active.activeDebt,
    defaultColl,
    defaultDebt,
    entireSystemColl: active.activeColl + defaultColl,
    entireSystemDebt: active.activeDebt + defaultDebt,
  };
}

/**
 * The system totals: the ActivePool's from {@link activePoolTotals} (O(1) on states the fold
 * built) and the DefaultPool's balances from the ledger. Never throws.
 */
export function systemTotals(state: EngineState<LiquityExt>, params: LiquityParams): SystemTotals {
  const active = activePoolTotals(state.ext.troves);
  return totalsOf(state, params, { activeColl: active.coll, activeDebt: active.debt });
}

/**
 * Reference for {@link systemTotals} (the test oracle): the ActivePool read from the ledger, Σ of
 * the `acct:*` collateral and `debt:*` claim buckets, O(buckets · log buckets). Never throws.
 */
export function systemTotalsFromLedger(state: EngineState<LiquityExt>, params: LiquityParams): SystemTotals {
  return totalsOf(state, params, {
    activeColl: sumByPrefix(state.ledger, params.collateralAsset, 'acct:'),
    activeDebt: sumByPrefix(state.ledger, claimAssetOf(params), 'debt:'),
  });
}

/** LiquityBase `_getTCR(price)`. */
export function tcrOf(totals: SystemTotals, priceWad: bigint): bigint {
  return computeCR(totals.entireSystemColl, totals.entireSystemDebt, priceWad);
}

/** The Stability Pool's `totalLUSDDeposits` (the LUSD it holds). */
export function totalLUSDDeposits(state: EngineState<LiquityExt>, params: LiquityParams): bigint {
  return balanceOf(state.ledger, STABILITY_POOL, params.debtAsset);
}

/** An active trove with its entire debt and collateral: one row of the risk order. */
export interface RiskRow {
  readonly id: string;
  readonly entire: EntireTrove;
}

/**
 * The risk order of two rows: ascending current collateral ratio (entire coll / entire debt,
 * compared exactly by cross products; debts of active troves are > 0), ties by id. A total order,
 * so any sort of any subset lists it as {@link trovesByRisk} lists those troves. Never throws.
 */
export function compareRisk(a: RiskRow, b: RiskRow): number {
  const left = a.entire.coll * b.entire.debt;
  const right = b.entire.coll * a.entire.debt;
  if (left !== right) return left < right ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The risk row of an active trove. */
export function riskRow(ext: LiquityExt, id: string, trove: Trove): RiskRow {
  return { id, entire: entireDebtAndColl(ext, trove) };
}

/**
 * Active troves in ascending order of their current collateral ratio ({@link compareRisk}):
 * SortedTroves walked from `getLast()` (the riskiest) upward. The reference order, sorting every
 * trove (O(n log n)); {@link riskiestTroves} reads only its first rows.
 */
export function trovesByRisk(ext: LiquityExt): RiskRow[] {
  const rows: RiskRow[] = [];
  ext.troves.forEach((trove, id) => {
    rows.push(riskRow(ext, id, trove));
  });
  return rows.sort(compareRisk);
}

/** Above this share of the troves (k·8 ≥ n), {@link riskiestTroves} sorts them all. */
const PARTIAL_SHARE = 8;

/**
 * The first `k` rows of {@link trovesByRisk} (every row when k ≥ the number of troves): one pass
 * over the troves that keeps the k riskiest met so far in order, O(n·log k) comparisons instead of
 * a sort of the whole book (a whole sort when k is a large share of it). Never throws.
 * @param k rows wanted (≤ 0: none).
 */
export function riskiestTroves(ext: LiquityExt, k: number): RiskRow[] {
  if (!(k > 0)) return [];
  const n = ext.troves.size;
  if (k * PARTIAL_SHARE >= n) return trovesByRisk(ext).slice(0, k);
  const best: RiskRow[] = [];
  ext.troves.forEach((trove, id) => {
    const row = riskRow(ext, id, trove);
    if (best.length === k && compareRisk(row, best[k - 1] as RiskRow) >= 0) return;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareRisk(best[mid] as RiskRow, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, row);
    if (best.length > k) best.pop();
  });
  return best;
}

/** A depositor's compounded deposit and ETH gain now (StabilityPool `getCompoundedLUSDDeposit`, `getDepositorETHGain`). */
export function depositPosition(
  sp: StabilityPoolState,
  depositor: string,
): { readonly initialValue: bigint; readonly compounded: bigint; readonly ETHGain: bigint } {
  const deposit = own(sp.deposits, depositor);
  if (deposit === undefined || deposit.initialValue === 0n)
    return { initialValue: 0n, compounded: 0n, ETHGain: 0n };
  const compounded = compoundedStake(deposit.initialValue, deposit.snapshot, sp);
  const ETHGain = ethGainFromSnapshots(deposit.initialValue, deposit.snapshot, {
    sumAtSnapshotScale: sumAt(sp, deposit.snapshot.epoch, deposit.snapshot.scale),
    sumAtNextScale: sumAt(sp, deposit.snapshot.epoch, deposit.snapshot.scale + 1n),
  });
  return { initialValue: deposit.initialValue, compounded, ETHGain };
}

/** The snapshot a deposit takes now (StabilityPool `_updateDepositAndSnapshots`). */
export function currentDepositSnapshot(sp: StabilityPoolState): DepositSnapshot {
  return {
    P: sp.P,
    S: sumAt(sp, sp.currentEpoch, sp.currentScale),
    scale: sp.currentScale,
    epoch: sp.currentEpoch,
  };
}
