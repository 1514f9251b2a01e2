/**
 * The perps adapter's run-local watch over a perps-core book (perps-generic, composed markets,
 * dYdX, Synthetix, Drift, Hyperliquid): which accounts may be liquidatable at a step, the bad debt
 * and the borrowers' totals, at a cost proportional to what changed and to what is near the edge,
 * not to the book. It follows whatever state it is given by diffing it against the last one it saw
 * (the markets' positions and the ledger are persistent maps), and its answers are exactly those of
 * the full scans.
 *
 * Price certificates. An account whose only open position is in the rig's market has, for its
 * current state, an equity E(p) monotone in that market's price p in the position's direction and a
 * requirement R(p) that never falls as p rises (the probe, perpsRigs.ts). So it is not liquidatable
 * anywhere in [lo, hi] when E(lo) ≥ R(hi) (a long) or E(hi) ≥ R(hi) (a short, with lo = 0); where
 * the model pays its liquidator out of E (perps-generic), a liquidation pays nothing wherever
 * E ≤ −1, below some hi (a long) or above some lo (a short); and its bad-debt equity, a line
 * K + value(size, p), is not negative above lo (a long) or below hi (a short) when it is ≥ 0 there.
 * Each account keeps such intervals, found with a few exact readings (a linear guess from two of
 * them, checked, then bisected), in ladders keyed by their ends; a step re-reads only the accounts
 * whose interval no longer holds the price, the ones that changed, and the "hot" ones (liquidatable
 * and paying, negative equity, or not screened: several open markets, a Synthetix flag).
 */
import type { EngineState } from '../../engine/engine.js';
import { diffBalances } from '../../engine/ledger.js';
import { spotPrice } from '../../engine/oracle.js';
import { valueQuote } from '../../engine/perps/margin.js';
import type { PerpsBook } from '../../engine/perps/types.js';
import { PersistentMap } from '../../engine/persistentMap.js';
import { SolventError } from '../../math/errors.js';
import { Rounding } from '../../math/mulDiv.js';
import { Ladder } from './ladder.js';
import { type EquityLine, latestOraclePrice, type PerpsRig, type PerpsRigProbe } from './perpsRigs.js';

/**
 * Bad debt of a perps state, USD: Σ max(0, −equity) over `accounts` and the rig's house accounts
 * at the latest oracle price, in that order (GMX: the positions' remaining collateral, and the
 * pool's value for depositors). The full scan the watch's reading is checked against.
 * Never throws.
 */
export function perpsBadDebtUsd(
  rig: PerpsRig,
  state: EngineState<unknown>,
  accounts: readonly string[],
): number {
  let total = 0;
  for (const id of [...accounts, ...rig.houseAccounts])
    total = addNegative(total, () => rig.equityUsd(state, id));
  return total;
}

/** `total` less a reading when it is negative (a refusal of the model reads as nothing). */
function addNegative(total: number, read: () => number | undefined): number {
  let e: number | undefined;
  try {
    e = read();
  } catch (err) {
    if (err instanceof SolventError) return total;
    throw err;
  }
  return e !== undefined && e < 0 ? total - e : total;
}

/** How an account's price exposure is screened. */
type Exposure =
  /** No open position: nothing moves with the price. */
  | { readonly kind: 'none' }
  /** One open position, in the rig's market, of this sign. */
  | { readonly kind: 'one'; readonly long: boolean }
  /** Open positions elsewhere (a hedge leg): read at every step. */
  | { readonly kind: 'many' };

/**
 * A price interval [lo, hi] (null: unbounded on that side) over which a reading is known to stay
 * safe (`unpaid`: liquidatable but paying its liquidator nothing), or `hot`: read it at every step.
 */
type Certificate =
  | { readonly lo: bigint | null; readonly hi: bigint | null; readonly unpaid: boolean }
  | 'hot';

interface Entry {
  readonly id: string;
  /** Position in the borrowers' order (sums run in it). */
  readonly index: number;
  exposure: Exposure | undefined;
  /** Not liquidatable (or, `unpaid`, paying nothing) while the mark stays in it. */
  liquidation: Certificate | undefined;
  /** Equity ≥ 0 while the latest oracle price stays in it. */
  solvency: Certificate | undefined;
  /** The bad-debt equity as a line in the price (a `one` exposure; undefined: not read yet). */
  line: EquityLine | null | undefined;
  /** `rig.worth` (price-free unless the exposure is `many`). */
  worth: { readonly sizeWad: bigint; readonly debtUsd: number } | undefined;
}

/** Ladders of one certificate kind: lower ends (broken when p < lo) and negated upper ends. */
interface Ladders {
  readonly below: Ladder;
  readonly above: Ladder;
  readonly hot: Set<string>;
  readonly unpaid: Set<string>;
}

const ladders = (): Ladders => ({
  below: new Ladder(),
  above: new Ladder(),
  hot: new Set(),
  unpaid: new Set(),
});

/** What {@link perpsWatch} answers. */
export interface PerpsWatch {
  /**
   * A superset of the borrowers the model's health reports liquidatable at `nowSeconds` with an
   * open position (every account it leaves out is not liquidatable or has nothing open), in no
   * particular order; with `payingOnly`, less those whose liquidation pays its liquidator nothing
   * (for a view whose keeper acts only on a reward above a non-negative floor). Undefined when it
   * cannot screen at this state (the market's price is unreadable: read every account).
   */
  liquidatable(state: EngineState<unknown>, nowSeconds: number, payingOnly?: boolean): string[] | undefined;
  /** {@link perpsBadDebtUsd} of the borrowers and the house, exactly. */
  badDebtUsd(state: EngineState<unknown>): number;
  /** Σ `rig.worth` over the borrowers in their order (sizes exact, debts summed in that order). */
  borrowerTotals(state: EngineState<unknown>): { collateral: bigint; debtUsd: number };
}

/** Relative step of the second reading a linear guess is drawn from (1/64 of the price). */
const PROBE_STEP_SHIFT = 6n;
/** How far above the mark a long's certificate reaches first (1/16 of the price). */
const LONG_REACH_SHIFT = 4n;
/** Bisection steps after a failed guess (the interval found is valid, not always the widest). */
const BISECT_STEPS = 12;

const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * Some x in [from, passAt] with `pass(x)`, as low as a guess and a short bisection find, for a
 * predicate `pass` monotone in x (false below a threshold, true from it on) with `pass(passAt)`.
 */
function lowPass(pass: (x: bigint) => boolean, from: bigint, passAt: bigint, guess: bigint): bigint {
  let fail = from - 1n;
  let ok = passAt;
  const g = guess < from ? from : guess > passAt ? passAt : guess;
  if (g < ok) {
    if (pass(g)) ok = g;
    else fail = g;
  }
  for (let i = 0; i < BISECT_STEPS && ok - fail > 1n; i++) {
    const mid = fail + (ok - fail) / 2n;
    if (pass(mid)) ok = mid;
    else fail = mid;
  }
  return ok;
}

/** Mirror of {@link lowPass}: some x ≥ passAt with `pass(x)` for `pass` true up to a threshold. */
function highPass(pass: (x: bigint) => boolean, passAt: bigint, guess: bigint): bigint {
  let ok = passAt;
  if (guess <= ok) return ok;
  if (pass(guess)) return guess;
  let fail = guess;
  for (let i = 0; i < BISECT_STEPS && fail - ok > 1n; i++) {
    const mid = ok + (fail - ok) / 2n;
    if (pass(mid)) ok = mid;
    else fail = mid;
  }
  return ok;
}

/**
 * Where a reading f, known at p0 (f0) and at p1 ≠ p0 (f1), reaches `target` on a straight line,
 * as a bigint price (a guess only: every interval end is checked with an exact reading). Null when
 * the line does not reach it at a positive price.
 */
function crossing(p0: bigint, f0: bigint, p1: bigint, f1: bigint, target: bigint): bigint | null {
  const slope = Number(f1 - f0) / Number(p1 - p0);
  if (!Number.isFinite(slope) || slope === 0) return null;
  const x = Number(p0) + Number(target - f0) / slope;
  if (!Number.isFinite(x) || x <= 0 || x > 2 ** 200) return null;
  return BigInt(Math.floor(x));
}

/** A guess nudged 1/1024 of its distance from `p` (plus a unit) back toward `p`: the safe side. */
function towards(p: bigint, guess: bigint | null): bigint {
  if (guess === null) return p;
  return guess < p ? guess + (p - guess) / 1024n + 1n : guess - (guess - p) / 1024n - 1n;
}

/** The equity of a line at price `p`, quote units (as the rig's reading computes it). */
const lineAt = (l: EquityLine, p: bigint): bigint =>
  l.constantQuote + valueQuote(l.sizeBase, p, l.scales, Rounding.Down);

/**
 * A watch over `accounts` (the run's borrowers, in their order, each once) of a rig with a probe;
 * undefined for a rig without one (GMX) or a list with a repeated id, whose readings stay full
 * scans.
 */
export function perpsWatch(rig: PerpsRig, accounts: readonly string[]): PerpsWatch | undefined {
  const probe = rig.probe;
  if (probe === undefined || new Set(accounts).size !== accounts.length) return undefined;
  return new Watch(rig, probe, accounts);
}

class Watch implements PerpsWatch {
  private readonly entries = new Map<string, Entry>();
  private readonly order: Entry[] = [];
  private readonly stale = { liquidation: new Set<string>(), solvency: new Set<string>() };
  private readonly liq = ladders();
  private readonly sol = ladders();
  private last: EngineState<unknown> | undefined;
  /** Σ sizes of the accounts whose worth is cached. */
  private cachedSizeWad = 0n;
  /** Each account's latest worth debt, USD, by borrower index. */
  private readonly debts: Float64Array;

  constructor(
    private readonly rig: PerpsRig,
    private readonly probe: PerpsRigProbe,
    accounts: readonly string[],
  ) {
    for (const [index, id] of accounts.entries()) {
      const e: Entry = {
        id,
        index,
        exposure: undefined,
        liquidation: undefined,
        solvency: undefined,
        line: undefined,
        worth: undefined,
      };
      this.entries.set(id, e);
      this.order.push(e);
    }
    this.debts = new Float64Array(accounts.length);
  }

  // -------------------------------------------------------------------------------------------
  // Following states

  private invalidateAll(): void {
    for (const e of this.entries.values()) this.invalidate(e);
  }

  /** Forgets what was read of an account: it is read again when next asked. */
  private invalidate(e: Entry): void {
    e.exposure = undefined;
    e.line = undefined;
    Watch.drop(this.liq, e, e.liquidation);
    Watch.drop(this.sol, e, e.solvency);
    e.liquidation = undefined;
    e.solvency = undefined;
    if (e.worth !== undefined) this.cachedSizeWad -= e.worth.sizeWad;
    e.worth = undefined;
    this.stale.liquidation.add(e.id);
    this.stale.solvency.add(e.id);
  }

  private invalidateId(id: string): void {
    const e = this.entries.get(id);
    if (e !== undefined) this.invalidate(e);
  }

  /** Brings the watch to `state`: every account whose inputs differ from the last state is stale. */
  private sync(state: EngineState<unknown>): void {
    const before = this.last;
    if (before === state) return;
    this.last = state;
    if (before === undefined) {
      this.invalidateAll();
      return;
    }
    let a: PerpsBook;
    let b: PerpsBook;
    try {
      a = this.probe.book(before);
      b = this.probe.book(state);
    } catch (err) {
      if (!(err instanceof SolventError)) throw err;
      this.invalidateAll();
      return;
    }
    if (this.probe.extChanged(before, state, (id) => this.invalidateId(id))) {
      this.invalidateAll();
      return;
    }
    const markets = Object.keys(b.markets);
    if (a !== b) {
      if (markets.length !== Object.keys(a.markets).length || a.marginStage !== b.marginStage) {
        this.invalidateAll();
        return;
      }
      PersistentMap.diff(a.accounts, b.accounts, (id) => this.invalidateId(id));
      for (const market of markets) {
        const x = a.markets[market];
        const y = b.markets[market];
        if (x === y) continue;
        if (
          x === undefined ||
          y === undefined ||
          x.config !== y.config ||
          x.fundingIndexLong !== y.fundingIndexLong ||
          x.fundingIndexShort !== y.fundingIndexShort
        ) {
          this.invalidateAll();
          return;
        }
        PersistentMap.diff(x.positions, y.positions, (id) => this.invalidateId(id));
      }
    }
    diffBalances(before.ledger, state.ledger, b.quoteAsset, (bucket) => {
      if (bucket.startsWith('acct:')) {
        this.invalidateId(bucket.slice(5));
        return;
      }
      if (!bucket.startsWith('iso:')) return;
      for (const market of markets) {
        if (bucket.endsWith(`:${market}`))
          this.invalidateId(bucket.slice(4, bucket.length - market.length - 1));
      }
    });
  }

  /** The exposure of an account in `state` (kept until it changes). */
  private exposureOf(state: EngineState<unknown>, e: Entry): Exposure {
    if (e.exposure !== undefined) return e.exposure;
    const book = this.probe.book(state);
    let open = 0;
    let long = false;
    let elsewhere = false;
    for (const market of Object.keys(book.markets)) {
      const size = book.markets[market]?.positions.get(e.id)?.sizeBase ?? 0n;
      if (size === 0n) continue;
      open += 1;
      if (market === this.rig.market) long = size > 0n;
      else elsewhere = true;
    }
    e.exposure =
      open === 0 ? { kind: 'none' } : open === 1 && !elsewhere ? { kind: 'one', long } : { kind: 'many' };
    return e.exposure;
  }

  // -------------------------------------------------------------------------------------------
  // Certificates

  private static drop(l: Ladders, e: Entry, c: Certificate | undefined): void {
    if (c === undefined) return;
    if (c === 'hot') {
      l.hot.delete(e.id);
      return;
    }
    if (c.unpaid) l.unpaid.delete(e.id);
    if (c.lo !== null) l.below.delete(c.lo, e.id);
    if (c.hi !== null) l.above.delete(-c.hi, e.id);
  }

  private static put(l: Ladders, e: Entry, c: Certificate): Certificate {
    if (c === 'hot') {
      l.hot.add(e.id);
      return c;
    }
    if (c.unpaid) l.unpaid.add(e.id);
    if (c.lo !== null) l.below.insert(c.lo, e.id);
    if (c.hi !== null) l.above.insert(-c.hi, e.id);
    return c;
  }

  /** Ids whose certificate does not hold `price`, the stale ones and the hot ones, each once. */
  private static due(l: Ladders, staleIds: Set<string>, price: bigint): Set<string> {
    const out = new Set<string>(staleIds);
    staleIds.clear();
    const broken: string[] = [];
    l.below.idsAbove(price, broken);
    l.above.idsAbove(-price, broken);
    for (const id of broken) out.add(id);
    for (const id of l.hot) out.add(id);
    return out;
  }

  /** The liquidation certificate of an account at mark `p` (see the file header). */
  private liquidationCertificate(state: EngineState<unknown>, e: Entry, p: bigint): Certificate {
    const x = this.exposureOf(state, e);
    if (x.kind === 'none') return { lo: null, hi: null, unpaid: false };
    if (x.kind === 'many') return 'hot';
    const at = (price: bigint) => this.probe.liquidationMargin(state, e.id, price);
    const m0 = at(p);
    if (m0 === null || m0.other) return 'hot';
    const step = maxBig(1n, p >> PROBE_STEP_SHIFT);
    if (m0.equityQuote < m0.requirementQuote) {
      if (this.probe.paysFromEquity !== true || m0.equityQuote > -1n) return 'hot';
      // Liquidatable but paying nothing (E ≤ −1): up to where E climbs to −1 (a long), or from it.
      const unpaid = (price: bigint): boolean => {
        const m = at(price);
        return m !== null && m.equityQuote <= -1n;
      };
      const q = x.long ? p + step : p - step;
      const m1 = q >= 1n ? at(q) : null;
      const guess = m1 === null ? null : crossing(p, m0.equityQuote, q, m1.equityQuote, -1n);
      return x.long
        ? { lo: null, hi: highPass(unpaid, p, towards(p, guess)), unpaid: true }
        : { lo: lowPass(unpaid, 1n, p, towards(p, guess)), hi: null, unpaid: true };
    }
    if (x.long) {
      // [lo, hi]: E(lo) ≥ R(hi). First the reach above, then how far below E stays above R(hi).
      let hi = p + maxBig(1n, p >> LONG_REACH_SHIFT);
      let need = m0.requirementQuote;
      while (hi > p) {
        const r = at(hi)?.requirementQuote;
        if (r !== undefined && m0.equityQuote >= r) {
          need = r;
          break;
        }
        hi = p + (hi - p) / 2n;
      }
      const pass = (price: bigint): boolean => {
        const m = at(price);
        return m !== null && m.equityQuote >= need;
      };
      const m1 = p - step >= 1n ? at(p - step) : null;
      const guess = m1 === null ? null : crossing(p, m0.equityQuote, p - step, m1.equityQuote, need);
      return { lo: lowPass(pass, 1n, p, towards(p, guess)), hi, unpaid: false };
    }
    // A short: E falls and R rises with the price; the largest hi with E(hi) ≥ R(hi) covers [0, hi].
    const pass = (price: bigint): boolean => {
      const m = at(price);
      return m !== null && m.equityQuote >= m.requirementQuote;
    };
    const m1 = at(p + step);
    const guess =
      m1 === null
        ? null
        : crossing(
            p,
            m0.equityQuote - m0.requirementQuote,
            p + step,
            m1.equityQuote - m1.requirementQuote,
            0n,
          );
    return { lo: null, hi: highPass(pass, p, towards(p, guess)), unpaid: false };
  }

  /** The solvency certificate of an account at the latest price `p` (equity ≥ 0 in it). */
  private solvencyCertificate(state: EngineState<unknown>, e: Entry, p: bigint): Certificate {
    const x = this.exposureOf(state, e);
    if (x.kind === 'many') return 'hot';
    if (e.line === undefined) e.line = this.probe.equityLine(state, e.id) ?? null;
    const line = e.line;
    if (line === null) return { lo: null, hi: null, unpaid: false }; // never counted (no account)
    if (lineAt(line, p) < 0n) return 'hot';
    if (x.kind === 'none' || line.sizeBase === 0n) return { lo: null, hi: null, unpaid: false };
    const solvent = (price: bigint): boolean => lineAt(line, price) >= 0n;
    const step = maxBig(1n, p >> PROBE_STEP_SHIFT);
    const q = x.long ? p - step : p + step;
    const guess = q >= 1n ? crossing(p, lineAt(line, p), q, lineAt(line, q), 0n) : null;
    return x.long
      ? { lo: lowPass(solvent, 1n, p, towards(p, guess)), hi: null, unpaid: false }
      : { lo: null, hi: highPass(solvent, p, towards(p, guess)), unpaid: false };
  }

  /** Re-reads an account's certificate of one kind at `p` (a refusal of the model: hot). */
  private refresh(state: EngineState<unknown>, e: Entry, p: bigint, kind: 'liquidation' | 'solvency'): void {
    const l = kind === 'liquidation' ? this.liq : this.sol;
    Watch.drop(l, e, e[kind]);
    let c: Certificate;
    try {
      c =
        kind === 'liquidation'
          ? this.liquidationCertificate(state, e, p)
          : this.solvencyCertificate(state, e, p);
    } catch (err) {
      if (!(err instanceof SolventError)) throw err;
      c = 'hot';
    }
    e[kind] = Watch.put(l, e, c);
  }

  // -------------------------------------------------------------------------------------------
  // Readings

  /** The oracle asset of the rig's market (its config in the book). */
  private oracleAsset(state: EngineState<unknown>): string {
    return this.probe.book(state).markets[this.rig.market]?.config.oracleAsset ?? '';
  }

  liquidatable(state: EngineState<unknown>, nowSeconds: number, payingOnly = false): string[] | undefined {
    this.sync(state);
    let p: bigint;
    try {
      const reading = spotPrice(state.oracle, this.oracleAsset(state), nowSeconds);
      if (reading.priceDecimals !== this.rig.priceDecimals) return undefined;
      p = reading.price;
    } catch (err) {
      if (err instanceof SolventError) return undefined;
      throw err;
    }
    for (const id of Watch.due(this.liq, this.stale.liquidation, p)) {
      const e = this.entries.get(id);
      if (e !== undefined) this.refresh(state, e, p, 'liquidation');
    }
    return payingOnly ? [...this.liq.hot] : [...this.liq.hot, ...this.liq.unpaid];
  }

  badDebtUsd(state: EngineState<unknown>): number {
    this.sync(state);
    const p = latestOraclePrice(state, this.oracleAsset(state));
    if (p === undefined)
      return perpsBadDebtUsd(
        this.rig,
        state,
        this.order.map((e) => e.id),
      );
    for (const id of Watch.due(this.sol, this.stale.solvency, p)) {
      const e = this.entries.get(id);
      if (e !== undefined) this.refresh(state, e, p, 'solvency');
    }
    // Only hot accounts can be below zero: their equities in the borrowers' order (a line's is
    // exactly the rig's reading), then the house's.
    const hot = [...this.sol.hot]
      .map((id) => this.entries.get(id) as Entry)
      .sort((x, y) => x.index - y.index);
    const equityUsd = (e: Entry): number | undefined =>
      e.line === undefined || e.line === null
        ? this.rig.equityUsd(state, e.id)
        : Number(lineAt(e.line, p)) / 10 ** this.rig.quoteDecimals;
    // One running total in the full scan's order (a float sum depends on it).
    let total = 0;
    for (const e of hot) total = addNegative(total, () => equityUsd(e));
    for (const id of this.rig.houseAccounts) total = addNegative(total, () => this.rig.equityUsd(state, id));
    return total;
  }

  borrowerTotals(state: EngineState<unknown>): { collateral: bigint; debtUsd: number } {
    this.sync(state);
    let extra = 0n;
    let debtUsd = 0;
    for (const e of this.order) {
      let w = e.worth;
      if (w === undefined) {
        w = this.rig.worth(state, e.id);
        if (this.exposureOf(state, e).kind === 'many') extra += w.sizeWad;
        else {
          e.worth = w;
          this.cachedSizeWad += w.sizeWad;
        }
        this.debts[e.index] = w.debtUsd;
      }
      debtUsd += this.debts[e.index] as number;
    }
    return { collateral: this.cachedSizeWad + extra, debtUsd };
  }
}
