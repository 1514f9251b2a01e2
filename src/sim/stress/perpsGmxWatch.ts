/**
 * The perps adapter's run-local watch over a GMX v2 book (see perpsWatch.ts for the perps-core
 * one): which positions may be liquidatable at a step, the bad debt and the borrowers' totals, at a
 * cost proportional to what changed and to the positions near the edge. It follows whatever state
 * it is given by diffing the positions (a persistent map) and the owners' wallets against the last
 * state it saw, and its answers are exactly those of the full scans.
 *
 * Price certificates. GMX's liquidation check (src/protocols/gmx-v2/orders.ts positionLiquidation)
 * reads remaining = collateral + PnL + capped impact − closing costs, and the position is
 * liquidatable when remaining is ≤ 0 or below max(MIN_COLLATERAL_USD, size · MIN_COLLATERAL_FACTOR_
 * FOR_LIQUIDATION). Whatever the market's pools and open interest, remaining is at least
 * collateral + min(0, uncapped PnL) − size·maxImpactFactorForLiquidations − size·max(position fee
 * factors) − size·(B − the position's borrowing factor): the trader cap only scales a profit
 * down (never below 0), the impact is capped at that factor, fees and borrowing round down into
 * collateral units, and B bounds the side's cumulative borrowing factor (a budget the watch sets a
 * few hours of accrual ahead and renews, dropping every certificate, when the factor passes it).
 * That bound is linear in the index price, so each position is safe from liquidation above (a long)
 * or below (a short) one exact price, and its remaining collateral is not negative past another;
 * the watch keeps those prices in ladders and re-reads a position only when the price crosses its
 * one, the position or its owner's wallet changed, or it is "hot" (near or past the edge).
 */
import type { EngineState } from '../../engine/engine.js';
import { diffBalances } from '../../engine/ledger.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { SolventError } from '../../math/errors.js';
import { divRound, Rounding } from '../../math/mulDiv.js';
import { accruedView } from '../../protocols/gmx-v2/liquidation.js';
import { type MarketView, poolUsd, sideReservedUsd } from '../../protocols/gmx-v2/market.js';
import { applyFactor, borrowingFactorPerSecond } from '../../protocols/gmx-v2/math.js';
import type { GmxParams } from '../../protocols/gmx-v2/params.js';
import { type GmxExt, type GmxPosition, type GmxState, sideOf } from '../../protocols/gmx-v2/state.js';
import { Ladder } from './ladder.js';
import type { PerpsRig } from './perpsRigs.js';
import { type PerpsWatch, perpsBadDebtUsd } from './perpsWatch.js';

/** Seconds of accrual at the current rate a borrowing budget reaches ahead (6 h). */
const BUDGET_SECONDS = 21_600n;

/** A price interval [lo, hi] of the index price (null: unbounded), or `hot`: read at every step. */
type Certificate = { readonly lo: bigint | null; readonly hi: bigint | null } | 'hot';

interface Entry {
  readonly id: string;
  readonly index: number;
  liquidation: Certificate | undefined;
  solvency: Certificate | undefined;
  worth: { readonly sizeWad: bigint; readonly debtUsd: number } | undefined;
}

interface Ladders {
  readonly below: Ladder;
  readonly above: Ladder;
  readonly hot: Set<string>;
  readonly stale: Set<string>;
}

const ladders = (): Ladders => ({
  below: new Ladder(),
  above: new Ladder(),
  hot: new Set(),
  stale: new Set(),
});

/** What the certificates assume of the market: parameters, collateral prices, borrowing budgets. */
interface Basis {
  readonly params: GmxParams;
  readonly long: bigint;
  readonly short: bigint;
  readonly budget: { readonly long: bigint; readonly short: bigint };
}

/**
 * A watch over `accounts` (the run's GMX position keys, in their order, each once) of the GMX rig;
 * undefined for another rig or a list with a repeated id.
 */
export function gmxWatch(rig: PerpsRig, accounts: readonly string[]): PerpsWatch | undefined {
  if (rig.kind !== 'gmx' || new Set(accounts).size !== accounts.length) return undefined;
  return new GmxWatch(rig, accounts);
}

const gmxOf = (state: EngineState<unknown>): GmxState => state as GmxState;

class GmxWatch implements PerpsWatch {
  private readonly entries = new Map<string, Entry>();
  private readonly order: Entry[] = [];
  /** Positions by owner (a wallet change moves their worth). */
  private readonly byOwner = new Map<string, Entry[]>();
  private readonly liq = ladders();
  private readonly sol = ladders();
  private last: GmxExt | undefined;
  private lastLedger: EngineState<unknown>['ledger'] | undefined;
  private basis: Basis | undefined;
  private cachedSizeWad = 0n;
  private readonly debts: Float64Array;

  constructor(
    private readonly rig: PerpsRig,
    accounts: readonly string[],
  ) {
    for (const [index, id] of accounts.entries()) {
      const e: Entry = { id, index, liquidation: undefined, solvency: undefined, worth: undefined };
      this.entries.set(id, e);
      this.order.push(e);
      const owner = id.split(':')[0] ?? id;
      const list = this.byOwner.get(owner);
      if (list === undefined) this.byOwner.set(owner, [e]);
      else list.push(e);
      this.liq.stale.add(id);
      this.sol.stale.add(id);
    }
    this.debts = new Float64Array(accounts.length);
  }

  // -------------------------------------------------------------------------------------------
  // Following states

  private dropCertificates(e: Entry): void {
    GmxWatch.drop(this.liq, e, e.liquidation);
    GmxWatch.drop(this.sol, e, e.solvency);
    e.liquidation = undefined;
    e.solvency = undefined;
    this.liq.stale.add(e.id);
    this.sol.stale.add(e.id);
  }

  private dropWorth(e: Entry): void {
    if (e.worth !== undefined) this.cachedSizeWad -= e.worth.sizeWad;
    e.worth = undefined;
  }

  private dropAll(): void {
    for (const e of this.order) {
      this.dropCertificates(e);
      this.dropWorth(e);
    }
  }

  /** Brings the watch to `state`: positions that changed, and owners whose wallets did. */
  private sync(state: EngineState<unknown>): void {
    const ext = gmxOf(state).ext;
    const before = this.last;
    const ledger = this.lastLedger;
    this.last = ext;
    this.lastLedger = state.ledger;
    if (before === undefined || ledger === undefined || before.params !== ext.params) {
      this.basis = undefined;
      this.dropAll();
      return;
    }
    if (before.positions !== ext.positions) {
      PersistentMap.diff(before.positions, ext.positions, (id) => {
        const e = this.entries.get(id);
        if (e === undefined) return;
        this.dropCertificates(e);
        this.dropWorth(e);
      });
    }
    if (ledger === state.ledger) return;
    const mp = this.marketParams(ext);
    const assets = mp === undefined ? [] : [...new Set([mp.longToken, mp.shortToken])];
    for (const asset of assets) {
      diffBalances(ledger, state.ledger, asset, (bucket) => {
        if (!bucket.startsWith('wallet:')) return;
        for (const e of this.byOwner.get(bucket.slice(7)) ?? []) this.dropWorth(e);
      });
    }
  }

  private marketParams(ext: GmxExt) {
    return ext.params?.markets.find((m) => m.market === this.rig.market);
  }

  /**
   * The market view at `nowSeconds` (undefined when the model cannot read it), with the basis
   * renewed (every certificate dropped) when its parameters or collateral prices moved or a side's
   * borrowing factor passed its budget.
   */
  private viewAt(state: EngineState<unknown>, nowSeconds: number): MarketView | undefined {
    const s = gmxOf(state);
    const params = s.ext.params;
    if (params === null) return undefined;
    let view: MarketView;
    try {
      view = accruedView(s, params, this.rig.market, nowSeconds);
    } catch (err) {
      if (err instanceof SolventError) return undefined;
      throw err;
    }
    const b = this.basis;
    const cum = view.ms.cumulativeBorrowingFactor;
    if (
      b !== undefined &&
      b.params === params &&
      b.long === view.prices.long &&
      b.short === view.prices.short &&
      cum.long <= b.budget.long &&
      cum.short <= b.budget.short
    ) {
      return view;
    }
    for (const e of this.order) this.dropCertificates(e);
    const ahead = (side: 'long' | 'short'): bigint => {
      let rate = 0n;
      try {
        rate = borrowingFactorPerSecond({
          reservedUsd: sideReservedUsd(view, side),
          poolUsd: poolUsd(view, side),
          borrowingFactor: view.mp.borrowingFactor[side],
          borrowingExponentFactor: view.mp.borrowingExponentFactor[side],
        });
      } catch (err) {
        if (!(err instanceof SolventError)) throw err;
      }
      return cum[side] + rate * BUDGET_SECONDS + 1n;
    };
    this.basis = {
      params,
      long: view.prices.long,
      short: view.prices.short,
      budget: { long: ahead('long'), short: ahead('short') },
    };
    return view;
  }

  // -------------------------------------------------------------------------------------------
  // Certificates

  private static drop(l: Ladders, e: Entry, c: Certificate | undefined): void {
    if (c === undefined) return;
    if (c === 'hot') {
      l.hot.delete(e.id);
      return;
    }
    if (c.lo !== null) l.below.delete(c.lo, e.id);
    if (c.hi !== null) l.above.delete(-c.hi, e.id);
  }

  private static put(l: Ladders, e: Entry, c: Certificate): Certificate {
    if (c === 'hot') l.hot.add(e.id);
    else {
      if (c.lo !== null) l.below.insert(c.lo, e.id);
      if (c.hi !== null) l.above.insert(-c.hi, e.id);
    }
    return c;
  }

  /**
   * The index prices over which a position's remaining collateral stays ≥ `floor` (see the file
   * header), given the basis; `hot` when even a price move in its favour cannot show it.
   */
  private certificate(
    position: GmxPosition | undefined,
    floor: (p: GmxPosition) => bigint,
    price: bigint,
  ): Certificate {
    if (position === undefined) return { lo: null, hi: null };
    const b = this.basis as Basis;
    const mp = b.params.markets.find((m) => m.market === position.market);
    const tokens = position.sizeInTokens;
    const side = sideOf(position.isLong);
    if (mp === undefined || tokens <= 0n || position.borrowingFactor > b.budget[side]) return 'hot';
    const size = position.sizeInUsd;
    const token = position.collateralToken;
    const collateralPrice = token === mp.longToken ? b.long : token === mp.shortToken ? b.short : undefined;
    if (collateralPrice === undefined) return 'hot';
    const feeFactor =
      mp.positionFeeFactorForPositiveImpact > mp.positionFeeFactorForNegativeImpact
        ? mp.positionFeeFactorForPositiveImpact
        : mp.positionFeeFactorForNegativeImpact;
    const slack =
      position.collateralAmount * collateralPrice -
      applyFactor(size, mp.maxPositionImpactFactorForLiquidations) -
      applyFactor(size, feeFactor) -
      applyFactor(size, b.budget[side] - position.borrowingFactor) -
      floor(position);
    if (slack < 0n) return 'hot';
    let c: Certificate;
    if (position.isLong) {
      // tokens · P − size ≥ −slack: P ≥ ⌈(size − slack) / tokens⌉ (up: the certificate's safe side).
      const need = size - slack;
      c = { lo: need <= 0n ? null : divRound(need, tokens, Rounding.Up), hi: null };
    } else {
      // size − tokens · P ≥ −slack: P ≤ ⌊(size + slack) / tokens⌋ (down: the certificate's safe side).
      c = { lo: null, hi: divRound(size + slack, tokens, Rounding.Down) };
    }
    const inside = (c.lo === null || price >= c.lo) && (c.hi === null || price <= c.hi);
    return inside ? c : 'hot';
  }

  /** Re-reads the certificates due at `price` (stale, broken, hot) of one kind. */
  private refresh(
    state: EngineState<unknown>,
    l: Ladders,
    kind: 'liquidation' | 'solvency',
    price: bigint,
  ): void {
    const due = new Set<string>(l.stale);
    l.stale.clear();
    const broken: string[] = [];
    l.below.idsAbove(price, broken);
    l.above.idsAbove(-price, broken);
    for (const id of broken) due.add(id);
    for (const id of l.hot) due.add(id);
    const positions = gmxOf(state).ext.positions;
    const params = (this.basis as Basis).params;
    const floor =
      kind === 'solvency'
        ? () => 0n
        : (p: GmxPosition) => {
            const mp = params.markets.find((m) => m.market === p.market);
            const byLeverage =
              mp === undefined ? 0n : applyFactor(p.sizeInUsd, mp.minCollateralFactorForLiquidation);
            const most = byLeverage > params.minCollateralUsd ? byLeverage : params.minCollateralUsd;
            return most > 1n ? most : 1n; // remaining ≤ 0 is liquidatable too
          };
    for (const id of due) {
      const e = this.entries.get(id);
      if (e === undefined) continue;
      GmxWatch.drop(l, e, e[kind]);
      e[kind] = GmxWatch.put(l, e, this.certificate(positions.get(id), floor, price));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Readings

  liquidatable(state: EngineState<unknown>, nowSeconds: number): string[] | undefined {
    this.sync(state);
    const view = this.viewAt(state, nowSeconds);
    if (view === undefined) return undefined;
    this.refresh(state, this.liq, 'liquidation', view.prices.index);
    return [...this.liq.hot];
  }

  badDebtUsd(state: EngineState<unknown>): number {
    this.sync(state);
    // The rig reads each position's remaining collateral at the state's own time.
    const view = this.viewAt(state, state.timeSeconds);
    if (view === undefined)
      return perpsBadDebtUsd(
        this.rig,
        state,
        this.order.map((e) => e.id),
      );
    this.refresh(state, this.sol, 'solvency', view.prices.index);
    const hot = [...this.sol.hot]
      .map((id) => this.entries.get(id) as Entry)
      .sort((x, y) => x.index - y.index);
    return perpsBadDebtUsd(
      this.rig,
      state,
      hot.map((e) => e.id),
    );
  }

  borrowerTotals(state: EngineState<unknown>): { collateral: bigint; debtUsd: number } {
    this.sync(state);
    let debtUsd = 0;
    for (const e of this.order) {
      if (e.worth === undefined) {
        e.worth = this.rig.worth(state, e.id);
        this.cachedSizeWad += e.worth.sizeWad;
        this.debts[e.index] = e.worth.debtUsd;
      }
      debtUsd += this.debts[e.index] as number;
    }
    return { collateral: this.cachedSizeWad, debtUsd };
  }
}
