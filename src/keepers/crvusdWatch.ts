/**
 * A run-local index over crvUSD engine states that tells the keeper view which loans may be
 * liquidatable at an oracle price without reading every loan: per loan, the two values of AMM
 * `get_x_down` that do not depend on the oracle price (loan untouched above the price, loan fully
 * converted below it), with the loans grouped by band range. It follows whatever state it is given
 * by diffing that state's loans and AMM users (persistent maps) and bands (a record of one entry per
 * price step) against the last state it saw, so a step costs what changed plus the loans whose
 * bands the oracle or the active band has reached, not the whole book; and it reports each loan's
 * debt and `get_sum_xy` as they change, for running sums (src/sim/stress/crvusdIndex.ts).
 */
import type { EngineState } from '../engine/engine.js';
import { PersistentMap } from '../engine/persistentMap.js';
import {
  type AmmConfig,
  type AmmState,
  ammPOracleUp,
  type Band,
  getSumXY,
  getXYUp,
  type UserTicks,
} from '../protocols/crvusd/amm.js';
import { controllerHealth } from '../protocols/crvusd/controller.js';
import { healthFromXDown, healthFullBonus } from '../protocols/crvusd/math.js';
import type { CrvusdMarket } from '../protocols/crvusd/params.js';
import type { CrvusdExt, LoanState } from '../protocols/crvusd/state.js';

/** What the watch reports of a loan: its debt (stablecoin units, 1e18) and AMM `get_sum_xy` (token units). */
export interface CrvusdLoanReading {
  readonly debt: bigint;
  /** Stablecoin in the loan's bands, token units. */
  readonly x: bigint;
  /** Collateral in the loan's bands, token units. */
  readonly y: bigint;
}

/**
 * Called once per loan whose reading changed during a sync (undefined: no open loan), in no
 * particular order. The first sync reports every loan (before undefined).
 */
export type CrvusdWatchListener = (
  account: string,
  before: CrvusdLoanReading | undefined,
  after: CrvusdLoanReading | undefined,
) => void;

/**
 * Where a loan's x_down does not depend on the oracle price:
 * - `above`: every band of the loan above the active band (collateral only) and the oracle above
 *   its top band: each band converts at its own geometric-mean price, and the `full` bonus
 *   (p_o − p_up)·y/debt is ≥ 0;
 * - `below`: every band below the active band (stablecoin only) and the oracle below p_o_down of
 *   each band: x_down is the stablecoin itself, and there is no bonus.
 */
type Regime = 'above' | 'below';

/** One open loan as the watch last read it; the lazy fields are filled on first use. */
interface Entry {
  readonly loan: LoanState;
  /** The loan's band range, or undefined for a loan without AMM ticks (always screened in). */
  readonly ticks: UserTicks | undefined;
  /** Debt and `get_sum_xy`. */
  xy: CrvusdLoanReading | undefined;
  /** x_down in each regime (undefined: not computed yet; null: the AMM refused, nothing proved). */
  above: bigint | null | undefined;
  below: bigint | null | undefined;
}

/** Key of the band range [n1, n2]. */
const bucketKey = (n1: number, n2: number): string => `${n1}:${n2}`;

/** The loans of one band range [n1, n2]. */
interface Bucket {
  readonly n1: number;
  readonly n2: number;
  /**
   * p_o_down of band n2 as AMM `get_xy_up` iterates it (p_oracle_up(n1) times (A−1)/A, floored
   * once per band): an oracle below it reaches every band of the range on the `p_o < p_o_down` path.
   */
  readonly pODownLast: bigint;
  readonly all: Set<string>;
  /**
   * Per regime, the loans not tried in it since they were read (tried the first time the regime
   * holds: most loans near the active band change before they reach either) and those tried and
   * not proved healthy.
   */
  readonly sets: Readonly<Record<Regime, RegimeSets>>;
}

/** See {@link Bucket}. */
interface RegimeSets {
  readonly untried: Set<string>;
  readonly risky: Set<string>;
}

const regimeSets = (): RegimeSets => ({ untried: new Set(), risky: new Set() });

/**
 * AMM `get_x_down(user)` in a regime, which the oracle price does not enter: the AMM's own
 * function run with the active band just outside the loan and an oracle that takes the regime's
 * branch for every band (just above the top band; 1 wei). null when the AMM refuses or the
 * arithmetic fails (a band grid out of range): nothing is proved then.
 */
function xDownIn(
  regime: Regime,
  amm: AmmState,
  cfg: AmmConfig,
  user: string,
  ticks: UserTicks,
): bigint | null {
  try {
    return regime === 'above'
      ? getXYUp({ ...amm, activeBand: ticks.n1 - 1 }, cfg, {
          user,
          useY: false,
          pOracleWad: ammPOracleUp(cfg, ticks.n1) + 1n,
        })
      : getXYUp({ ...amm, activeBand: ticks.n2 + 1 }, cfg, { user, useY: false, pOracleWad: 1n });
  } catch {
    return null;
  }
}

/**
 * The index. `screen` lists the loans whose health the view must compute at an oracle price (every
 * loan with health(full=True) < 0 is among them); `health` reads one loan's health(full=True) from
 * the cached x_down when a regime holds; the listener sees each loan's debt and `get_sum_xy`
 * change. Mutated in place by `sync`; its answers are functions of the state given.
 */
export class CrvusdWatch {
  #market: CrvusdMarket | null = null;
  #loans: PersistentMap<LoanState> = PersistentMap.empty();
  #users: PersistentMap<UserTicks> = PersistentMap.empty();
  #bands: Readonly<Record<string, Band>> = {};
  readonly #entries = new Map<string, Entry>();
  readonly #buckets = new Map<string, Bucket>();
  /** Band number → loans whose range covers it. */
  readonly #bandUsers = new Map<number, Set<string>>();
  /** Loans without AMM ticks. */
  readonly #noTicks = new Set<string>();
  readonly #listener: CrvusdWatchListener | undefined;

  /** @param listener told of every loan reading that changes (see {@link CrvusdWatchListener}). */
  constructor(listener?: CrvusdWatchListener) {
    this.#listener = listener;
  }

  /**
   * Brings the index to `state`: the loans whose loan, ticks or bands differ from the last state
   * seen are read again (all of them on the first call or when the market object changes), and
   * the listener told of their new readings. Never throws.
   */
  sync(state: EngineState<CrvusdExt>): void {
    const ext = state.ext;
    const market = ext.market;
    if (market !== this.#market) {
      for (const account of [...this.#entries.keys()]) {
        const xy = this.#detach(account)?.xy;
        if (xy !== undefined) this.#listener?.(account, xy, undefined);
      }
      this.#market = market;
      this.#loans = PersistentMap.empty();
      this.#users = PersistentMap.empty();
      this.#bands = {};
    }
    if (market === null) return;
    const amm = ext.amm;
    if (ext.loans === this.#loans && amm.users === this.#users && amm.bands === this.#bands) return;
    const dirty = new Set<string>();
    const add = (account: string) => {
      dirty.add(account);
    };
    PersistentMap.diff(this.#loans, ext.loans, add);
    PersistentMap.diff(this.#users, amm.users, add);
    if (amm.bands !== this.#bands) {
      const before = this.#bands;
      const touch = (key: string) => {
        for (const account of this.#bandUsers.get(Number(key)) ?? []) dirty.add(account);
      };
      for (const key of Object.keys(amm.bands)) if (before[key] !== amm.bands[key]) touch(key);
      for (const key of Object.keys(before)) if (!Object.hasOwn(amm.bands, key)) touch(key);
    }
    this.#loans = ext.loans;
    this.#users = amm.users;
    this.#bands = amm.bands;
    for (const account of dirty) this.#read(account, amm, market.amm);
  }

  /**
   * Loans whose health(full=True) at `pOracleWad` the view must compute, sorted: every loan but
   * those in a regime (see {@link Regime}; `below` also needs the oracle 1e-9 under the loan's
   * bottom band, the screen the view has always used) whose health from the regime's x_down is
   * ≥ 0 — health(full=True) is at least that. The per-step cost is one comparison per band range
   * plus the loans screened in.
   * @param pOracleWad the oracle price LLAMMA reads (1e18-scaled crvUSD per collateral, > 0).
   */
  screen(state: EngineState<CrvusdExt>, pOracleWad: bigint): string[] {
    this.sync(state);
    const market = state.ext.market;
    if (market === null) return [];
    const amm = state.ext.amm;
    const out: string[] = [...this.#noTicks];
    for (const b of this.#buckets.values()) {
      const regime = regimeOf(b, amm.activeBand, pOracleWad, market.amm);
      const chosen = regime === null ? b.all : this.#risky(b.sets[regime], regime, amm, market.amm);
      for (const account of chosen) out.push(account);
    }
    return out.sort();
  }

  /**
   * Controller `_health(account, debt, full=True, liquidation_discount)` of an open loan at
   * `pOracleWad`, 1e18-scaled and signed: from the cached x_down (plus the `full` bonus) while a
   * regime holds, else the Controller's own computation. Exactly what `controllerHealth` returns.
   * @param pOracleWad the oracle price LLAMMA reads (1e18-scaled crvUSD per collateral, > 0).
   * @returns undefined when the account has no open loan (or no market is configured).
   * @throws ProtocolRevertError as `controllerHealth` does.
   */
  health(state: EngineState<CrvusdExt>, account: string, pOracleWad: bigint): bigint | undefined {
    this.sync(state);
    const market = state.ext.market;
    const entry = this.#entries.get(account);
    if (market === null || entry === undefined) return undefined;
    const cfg = market.amm;
    const amm = state.ext.amm;
    const { loan, ticks } = entry;
    const exact = () =>
      controllerHealth(amm, cfg, {
        user: account,
        debt: loan.debt,
        full: true,
        liquidationDiscountWad: loan.liquidationDiscountWad,
        pOracleWad,
      });
    if (ticks === undefined) return exact();
    const b = this.#buckets.get(bucketKey(ticks.n1, ticks.n2));
    const regime = b === undefined ? null : regimeOf(b, amm.activeBand, pOracleWad, cfg);
    if (regime === null) return exact();
    const xDown = this.#xDown(entry, regime, account, amm, cfg);
    if (xDown === null) return exact();
    const health = healthFromXDown({
      xDown,
      debt: loan.debt,
      liquidationDiscountWad: loan.liquidationDiscountWad,
    });
    if (regime === 'below') return health; // n1 ≤ n2 < active band: no `full` bonus
    return (
      health +
      healthFullBonus({
        pOracleWad,
        pUpWad: ammPOracleUp(cfg, ticks.n1),
        collateral: this.#xy(entry, account, amm, cfg).y,
        collateralPrecision: cfg.collateralPrecision,
        debt: loan.debt,
      })
    );
  }

  /** The regime's risky loans, after trying the loans not tried in it yet. */
  #risky(sets: RegimeSets, regime: Regime, amm: AmmState, cfg: AmmConfig): Set<string> {
    for (const account of sets.untried) {
      const entry = this.#entries.get(account);
      if (entry === undefined) continue; // never: a bucket's loans have entries
      const xDown = this.#xDown(entry, regime, account, amm, cfg);
      let safe = false;
      try {
        safe =
          xDown !== null &&
          healthFromXDown({
            xDown,
            debt: entry.loan.debt,
            liquidationDiscountWad: entry.loan.liquidationDiscountWad,
          }) >= 0n;
      } catch {
        safe = false; // a refusal proves nothing: the view reads the loan
      }
      if (!safe) sets.risky.add(account);
    }
    sets.untried.clear();
    return sets.risky;
  }

  /** The entry's x_down in `regime`, computed once (the entry's bands are those of `amm`). */
  #xDown(entry: Entry, regime: Regime, account: string, amm: AmmState, cfg: AmmConfig): bigint | null {
    const ticks = entry.ticks;
    if (ticks === undefined) return null;
    let x = regime === 'above' ? entry.above : entry.below;
    if (x === undefined) {
      x = xDownIn(regime, amm, cfg, account, ticks);
      if (regime === 'above') entry.above = x;
      else entry.below = x;
    }
    return x;
  }

  /** The entry's debt and `get_sum_xy`, computed once. */
  #xy(entry: Entry, account: string, amm: AmmState, cfg: AmmConfig): CrvusdLoanReading {
    if (entry.xy === undefined) {
      const { x, y } = getSumXY(amm, cfg, account);
      entry.xy = { debt: entry.loan.debt, x, y };
    }
    return entry.xy;
  }

  /** Drops a loan from every structure; returns the entry it had. */
  #detach(account: string): Entry | undefined {
    const entry = this.#entries.get(account);
    if (entry === undefined) return undefined;
    this.#entries.delete(account);
    this.#noTicks.delete(account);
    const t = entry.ticks;
    if (t === undefined) return entry;
    const key = bucketKey(t.n1, t.n2);
    const b = this.#buckets.get(key);
    if (b !== undefined) {
      b.all.delete(account);
      for (const sets of [b.sets.above, b.sets.below]) {
        sets.untried.delete(account);
        sets.risky.delete(account);
      }
      if (b.all.size === 0) this.#buckets.delete(key);
    }
    for (let n = t.n1; n <= t.n2; n++) {
      const users = this.#bandUsers.get(n);
      if (users === undefined) continue;
      users.delete(account);
      if (users.size === 0) this.#bandUsers.delete(n);
    }
    return entry;
  }

  /** Reads one loan again from `amm` (its entry, bucket sets and band cover) and reports the change. */
  #read(account: string, amm: AmmState, cfg: AmmConfig): void {
    const before = this.#detach(account)?.xy;
    const loan = this.#loans.get(account);
    if (loan === undefined) {
      if (before !== undefined) this.#listener?.(account, before, undefined);
      return;
    }
    const ticks = amm.users.get(account);
    const entry: Entry = { loan, ticks, xy: undefined, above: undefined, below: undefined };
    this.#entries.set(account, entry);
    if (ticks === undefined) this.#noTicks.add(account);
    else {
      const b = this.#bucket(cfg, ticks.n1, ticks.n2);
      b.all.add(account);
      b.sets.above.untried.add(account);
      b.sets.below.untried.add(account);
      for (let n = ticks.n1; n <= ticks.n2; n++) {
        let users = this.#bandUsers.get(n);
        if (users === undefined) {
          users = new Set();
          this.#bandUsers.set(n, users);
        }
        users.add(account);
      }
    }
    if (this.#listener === undefined) return;
    const after = this.#xy(entry, account, amm, cfg);
    if (before === undefined || before.debt !== after.debt || before.x !== after.x || before.y !== after.y)
      this.#listener(account, before, after);
  }

  /** The bucket of range [n1, n2], created on first use. */
  #bucket(cfg: AmmConfig, n1: number, n2: number): Bucket {
    const key = bucketKey(n1, n2);
    let b = this.#buckets.get(key);
    if (b === undefined) {
      const c = cfg.constants;
      let pODown = ammPOracleUp(cfg, n1);
      for (let n = n1; n <= n2; n++) pODown = (pODown * c.aMinus1) / c.A; // floor, as get_xy_up
      b = {
        n1,
        n2,
        pODownLast: pODown,
        all: new Set(),
        sets: { above: regimeSets(), below: regimeSets() },
      };
      this.#buckets.set(key, b);
    }
    return b;
  }
}

/**
 * The regime of the loans of bucket `b` at this active band and oracle price, or null. `above`:
 * n1 above the active band and p_o > p_oracle_up(n1), so every band's p_o_up (floored down from
 * it) is below p_o too. `below`: n2 below the active band, p_o·(1 + 1e-9) < p_oracle_up(n2 + 1)
 * (the view's long-standing screen) and p_o < p_o_down of band n2 as `get_xy_up` floors it.
 */
function regimeOf(b: Bucket, activeBand: number, pOracleWad: bigint, cfg: AmmConfig): Regime | null {
  if (b.n1 > activeBand && pOracleWad > ammPOracleUp(cfg, b.n1)) return 'above';
  if (
    b.n2 < activeBand &&
    pOracleWad + pOracleWad / 10n ** 9n < ammPOracleUp(cfg, b.n2 + 1) &&
    pOracleWad < b.pODownLast
  )
    return 'below';
  return null;
}
