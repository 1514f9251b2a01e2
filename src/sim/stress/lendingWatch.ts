/**
 * The lending adapter's run-local watch over Aave v3 and Compound v3 books: an incremental
 * liquidation detector (src/engine/detect) fed with every account's positions, so that a keeper view
 * re-checks only the accounts a price move may have made liquidatable instead of every account at
 * every step, and the borrowers' running totals. It follows whatever state it is given by diffing
 * that state's ledger and account maps against the last one it saw, so it costs what changed.
 *
 * The detector decides on the exact rational rule Σ amount·price·LT < Σ debt·price. The protocols
 * round (Aave: collateral value floored per asset in USD·1e8, the average threshold floored to a
 * bps, half-up percentMul and wadDiv; Comet: mulPrice and mulFactor floored), so the watch hands the
 * detector a debt inflated by {@link DEBT_MARGIN_BPS} plus one smallest unit: every account the
 * protocol could call liquidatable is then flagged (a superset), and the view decides each flagged
 * account with the protocol's own math. The rounding errors are at most a few USD·1e-8 per line and
 * 1/LT relative for Aave's averaged threshold (≤ 0.125 % at LT ≥ 8 %), far inside the 1 % margin
 * for any debt worth at least {@link DUST_DEBT_USD8} USD·1e-8; smaller debts are always re-checked.
 */

import { createDetector, type Detector } from '../../engine/detect/detector.js';
import type { DetectAccount, DetectAsset } from '../../engine/detect/model.js';
import { debtClaimAsset, type EngineState } from '../../engine/engine.js';
import { UnknownAccountError } from '../../engine/errors.js';
import { diffBalances, type Ledger } from '../../engine/ledger.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { SolventError } from '../../math/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import type { AaveParams } from '../../protocols/aave-v3/params.js';
import {
  type AaveExt,
  effectiveRisk,
  eModeOf,
  positionOf,
  priceBase,
} from '../../protocols/aave-v3/state.js';
import { presentValue } from '../../protocols/compound-v3/math.js';
import type { CompoundMarket } from '../../protocols/compound-v3/params.js';
import { type CompoundAccount, type CompoundExt, cometPrice } from '../../protocols/compound-v3/state.js';

/** Relative margin added to every debt handed to the detector, bps (see the file comment). */
export const DEBT_MARGIN_BPS = 100n;
/** Debts worth less than this (USD·1e-8, at the price of the last sync) are re-checked every time. */
export const DUST_DEBT_USD8 = 10_000n;
/** Price decimals of both protocols' oracles (USD·1e8). */
const PRICE_DECIMALS = 8;
const BPS = 10_000n;
/** Comet factors are kept with 4 decimals (1e14 steps of a 1e18 factor): one step is one bps. */
const FACTOR_PER_BPS = 10n ** 14n;

/** What the watch reads of a lending state. */
export interface LendingWatch {
  /**
   * Accounts that may be liquidatable at `nowSeconds` (every one the protocol would call
   * liquidatable is among them), sorted; undefined when the watch cannot tell (an oracle refuses a
   * price: the caller then screens every account, as without the watch).
   */
  candidates(state: LendingState, nowSeconds: number): readonly string[] | undefined;
  /** Book accounts' collateral of the path asset (smallest units) and their net debt, debt smallest units. */
  borrowerTotals(state: LendingState): { readonly collateral: bigint; readonly netDebt: bigint };
}

/** An Aave v3 or Compound v3 engine state. */
export type LendingState = EngineState<AaveExt> | EngineState<CompoundExt>;

function isAave(state: LendingState): state is EngineState<AaveExt> {
  return 'liquidationCount' in state.ext;
}

/** The debt the detector sees: `debt·(1 + margin) + 1`, rounded up (it may only flag more). */
function inflatedDebt(amount: bigint): bigint {
  return amount + divRound(amount * DEBT_MARGIN_BPS, BPS, Rounding.Up) + 1n;
}

/** An Aave account's lines (collateral at its effective LT, debt inflated), or undefined without debt. */
function aaveLines(state: EngineState<AaveExt>, params: AaveParams, id: string): DetectAccount | undefined {
  const position = positionOf(state, params, id);
  const debtAssets = Object.keys(position.debt);
  if (debtAssets.length === 0) return undefined;
  const category = eModeOf(params, state.ext.accounts.get(id)?.eModeCategory ?? 0);
  const collateral = Object.entries(position.collateral).flatMap(([asset, amount]) => {
    const reserve = params.reserves[asset];
    if (reserve === undefined) return [];
    const lt = effectiveRisk(reserve, category, asset).liquidationThresholdBps;
    return lt === 0n ? [] : [{ asset, amount, liquidationThresholdBps: lt }];
  });
  const debt = debtAssets.map((asset) => ({ asset, amount: inflatedDebt(position.debt[asset] as bigint) }));
  return { id, collateral, debt };
}

/** A Comet account's lines (collateral at its liquidateCollateralFactor), or undefined unless it borrows. */
function cometLines(state: EngineState<CompoundExt>, market: CompoundMarket, id: string, a: CompoundAccount) {
  if (a.principal >= 0n) return undefined;
  const owed = -presentValue(a.principal, state.ext.indexes);
  const collateral = market.assets.flatMap((info) => {
    const amount = a.collateral[info.asset] ?? 0n;
    // Packed factors are whole bps; floor anyway (less collateral: it may only flag more).
    const lt = info.liquidateCollateralFactor / FACTOR_PER_BPS;
    return amount === 0n ? [] : [{ asset: info.asset, amount, liquidationThresholdBps: lt }];
  });
  return { id, collateral, debt: [{ asset: market.params.baseAsset, amount: inflatedDebt(owed) }] };
}

/**
 * Assets of the detector: every listed asset with an oracle configured (USD·1e8). An account holding
 * any other asset cannot be priced by the protocol either; the watch re-checks it every time.
 */
function watchAssets(state: LendingState): DetectAsset[] {
  return Object.entries(state.assets)
    .filter(([asset]) => Object.hasOwn(state.oracle.assets, asset))
    .map(([asset, info]) => ({ asset, decimals: info.decimals, priceDecimals: PRICE_DECIMALS }))
    .sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
}

/**
 * A fresh watch over a lending run whose book accounts are `book` (ids) and whose path asset is
 * `collateralAsset` (the borrowers' totals count it and the debt asset `debtAsset`).
 */
export function lendingWatch(
  book: readonly string[],
  collateralAsset: string,
  debtAsset: string,
): LendingWatch {
  const inBook = new Set(book);
  let detector: Detector | undefined;
  /** What the detector was built from: rebuilt when parameters, indexes or listed assets change. */
  let builtFor: unknown[] = [];
  let ledger: Ledger = {};
  let accounts: PersistentMap<unknown> = PersistentMap.empty();
  /** Accounts whose debt is dust: re-checked every time. */
  const dust = new Set<string>();
  /** The ledger the Aave totals were last brought to (empty: the first call sums every bucket). */
  let totalsLedger: Ledger = {};
  let totalsAccounts: PersistentMap<CompoundAccount> | undefined;
  let totalsIndexes: unknown;
  let collateral = 0n;
  let netDebt = 0n;
  const cometDebt = new Map<string, { collateral: bigint; debt: bigint }>();

  const linesOf = (state: LendingState, id: string): DetectAccount | undefined => {
    if (isAave(state)) {
      const params = state.ext.params;
      return params === null ? undefined : aaveLines(state, params, id);
    }
    const market = state.ext.market;
    const a = state.ext.accounts.get(id);
    return market === null || a === undefined ? undefined : cometLines(state, market, id, a);
  };

  const debtValueUsd8 = (d: DetectAccount, prices: Readonly<Record<string, bigint>>, state: LendingState) => {
    let usd8 = 0n;
    for (const line of d.debt) {
      const decimals = state.assets[line.asset]?.decimals ?? 18;
      // Floor: a smaller value can only put the account among the always re-checked ones.
      usd8 += divRound(line.amount * (prices[line.asset] ?? 0n), pow10(decimals), Rounding.Down);
    }
    return usd8;
  };

  const drop = (det: Detector, id: string): void => {
    try {
      det.remove(id);
    } catch (e) {
      if (!(e instanceof UnknownAccountError)) throw e; // never held: nothing to remove
    }
  };

  const place = (
    det: Detector,
    state: LendingState,
    id: string,
    prices: Readonly<Record<string, bigint>>,
  ) => {
    const lines = linesOf(state, id);
    dust.delete(id);
    if (lines === undefined) {
      drop(det, id);
      return;
    }
    const priced = (line: { readonly asset: string }) => prices[line.asset] !== undefined;
    if (!lines.collateral.every(priced) || !lines.debt.every(priced)) {
      // An asset without a feed: the protocol cannot price the account either; re-check it always.
      dust.add(id);
      drop(det, id);
      return;
    }
    if (debtValueUsd8(lines, prices, state) < DUST_DEBT_USD8) dust.add(id);
    det.upsert(lines);
  };

  const pricesAt = (state: LendingState, nowSeconds: number): Record<string, bigint> | undefined => {
    const prices: Record<string, bigint> = {};
    for (const { asset } of watchAssets(state)) {
      try {
        prices[asset] = isAave(state)
          ? priceBase(state, asset, nowSeconds)
          : cometPrice(state, asset, nowSeconds);
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
        return undefined;
      }
      if ((prices[asset] as bigint) <= 0n) return undefined;
    }
    return prices;
  };

  const keyOf = (state: LendingState): unknown[] => {
    const feeds = Object.keys(state.oracle.assets).sort().join(',');
    return isAave(state)
      ? [state.ext.params, state.assets, feeds]
      : [state.ext.market, state.ext.indexes, state.assets, feeds];
  };

  const sync = (state: LendingState, prices: Record<string, bigint>): Detector => {
    const key = keyOf(state);
    const stateAccounts = state.ext.accounts as PersistentMap<unknown>;
    if (detector === undefined || key.length !== builtFor.length || key.some((k, i) => k !== builtFor[i])) {
      detector = createDetector({ assets: watchAssets(state), prices });
      dust.clear();
      for (const id of stateAccounts.keys()) place(detector, state, id, prices);
      builtFor = key;
      ledger = state.ledger;
      accounts = stateAccounts;
      return detector;
    }
    const det = detector;
    det.setPrices(prices);
    const touched = new Set<string>();
    if (accounts !== stateAccounts) PersistentMap.diff(accounts, stateAccounts, (id) => touched.add(id));
    if (ledger !== state.ledger && isAave(state)) {
      const assets = Object.keys(state.assets);
      for (const asset of assets) {
        for (const a of [asset, debtClaimAsset(asset)]) {
          diffBalances(ledger, state.ledger, a, (bucket) => {
            if (bucket.startsWith('acct:')) touched.add(bucket.slice(5));
            else if (bucket.startsWith('debt:')) touched.add(bucket.slice(5));
          });
        }
      }
    }
    for (const id of [...touched].sort()) place(det, state, id, prices);
    ledger = state.ledger;
    accounts = stateAccounts;
    return det;
  };

  return {
    candidates(state, nowSeconds) {
      const prices = pricesAt(state, nowSeconds);
      if (prices === undefined) return undefined;
      const det = sync(state, prices);
      const flagged = new Set(det.liquidatable());
      for (const id of dust) flagged.add(id);
      return [...flagged].sort();
    },
    borrowerTotals(state) {
      if (isAave(state)) {
        const debtClaim = debtClaimAsset(debtAsset);
        const count = (bucket: string, prefix: string) =>
          bucket.startsWith(prefix) && inBook.has(bucket.slice(prefix.length));
        diffBalances(totalsLedger, state.ledger, collateralAsset, (bucket, before, after) => {
          if (count(bucket, 'acct:')) collateral += after - before;
        });
        diffBalances(totalsLedger, state.ledger, debtClaim, (bucket, before, after) => {
          if (count(bucket, 'debt:')) netDebt += after - before;
        });
        totalsLedger = state.ledger;
        return { collateral, netDebt };
      }
      // Comet: present values depend on the indexes, so a change of indexes recounts every account.
      const stateAccounts = state.ext.accounts;
      if (totalsIndexes !== state.ext.indexes || totalsAccounts === undefined) {
        cometDebt.clear();
        collateral = 0n;
        netDebt = 0n;
        totalsAccounts = PersistentMap.empty();
        totalsIndexes = state.ext.indexes;
      }
      PersistentMap.diff(totalsAccounts, stateAccounts, (id, _before, after) => {
        if (!inBook.has(id)) return;
        const old = cometDebt.get(id);
        if (old !== undefined) {
          collateral -= old.collateral;
          netDebt -= old.debt;
          cometDebt.delete(id);
        }
        if (after === undefined) return;
        const now = {
          collateral: after.collateral[collateralAsset] ?? 0n,
          debt: -presentValue(after.principal, state.ext.indexes),
        };
        collateral += now.collateral;
        netDebt += now.debt;
        cometDebt.set(id, now);
      });
      totalsAccounts = stateAccounts;
      return { collateral, netDebt };
    },
  };
}
