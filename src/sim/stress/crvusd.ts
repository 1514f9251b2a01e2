/**
 * The stress lab's crvUSD adapter (`crvusd`): one mint market (Controller + LLAMMA) whose
 * collateral (WETH) follows the scenario's ETH path through an undelayed feed, the book opened as
 * loans of N bands, an arbitrageur trading LLAMMA against the outside market (soft liquidation on
 * the way down, de-liquidation on the way up) and a hard liquidator, with the readings of loans,
 * bands and unbacked debt the loop needs — kept as run-local running sums (crvusdIndex.ts) whose
 * watch also screens the liquidator's view, so a step costs what changed and what is near
 * liquidation rather than a read of every loan.
 *
 * How the arbitrageur meets the outside market (the venue of the run):
 * - After a fall LLAMMA sells borrowers' collateral below the market: the arbitrageur pays crvUSD
 *   from `wallet:<id>` and receives collateral there; that collateral is what
 *   {@link OpenedStress.heldCollateral} reports, so the loop sells it into the venue (proceeds
 *   counted, price pushed down): the real flow of soft liquidation — collateral dumped on the
 *   market as the price falls.
 * - After a rise LLAMMA buys collateral back above the market: the arbitrageur buys it on the
 *   venue and sells it into LLAMMA. The collateral comes from `wallet:<id>.inventory` (funded at
 *   set-up, an ASSUMPTION standing for the venue purchase) and the event's `venueFlowBase` is the
 *   negative of what it sold into LLAMMA, so the loop routes the purchase through the venue (price
 *   pushed up). The loop does not charge keepers for venue purchases: the adapter charges the
 *   collateral at the oracle price of each trade (in the event) in `keeperCashDeltaUsd`, an
 *   approximation that leaves out the venue's fee and impact on that leg.
 * crvUSD is taken at $1 throughout (an ASSUMPTION, as the model does): the keepers' crvUSD is cash.
 */

import { createEngine, type EngineState } from '../../engine/engine.js';
import { InsufficientBalanceError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../../engine/machine.js';
import { crvusdKeeperView, crvusdSumXY } from '../../keepers/crvusd.js';
import { ARBITRAGEUR_INVENTORY_SUFFIX, crvusdPresetPolicy } from '../../keepers/presets.js';
import type { MarketContext } from '../../keepers/types.js';
import { SolventError } from '../../math/errors.js';
import { mulDiv, Rounding } from '../../math/mulDiv.js';
import { pow10, WAD } from '../../math/units.js';
import { findProtocol, toJsonValue } from '../../protocols/catalog.js';
import { getXYUp } from '../../protocols/crvusd/amm.js';
import { CRVUSD_ID, crvusdModel } from '../../protocols/crvusd/model.js';
import {
  type CrvusdParams,
  crvusdParamsToJson,
  DEFAULT_CRVUSD_PARAMS,
} from '../../protocols/crvusd/params.js';
import { type CrvusdExt, oraclePriceWad } from '../../protocols/crvusd/state.js';
import type { Book } from '../book.js';
import {
  applyAll,
  FEED_PRICE_DECIMALS,
  floatToWad,
  type OpenedStress,
  type StressAdapter,
  type StressSetup,
  sharedView,
  stressBook,
  stressFeed,
  wholeUnits,
} from './core.js';
import { crvusdBookIndex, crvusdDeficit } from './crvusdIndex.js';
import { DEFAULT_GAS_CAP_GWEI, DEFAULT_KEEPER_WALLET_DAI } from './types.js';

/** A crvUSD engine state. */
export type CrvusdEngineState = EngineState<CrvusdExt>;

/**
 * Bands per loan (`N` of `create_loan`). An ASSUMPTION: 10, as in examples/crvusd.json; the
 * Controller accepts 4 to 50, and borrowers choose (fewer bands: a higher liquidation range and
 * more loss per band crossed; more: a wider, lower range).
 */
export const CRVUSD_STRESS_BANDS = 10;

/** Suffix of the actor whose wallet holds an arbitrageur's collateral inventory (see the file header). */
export const CRVUSD_INVENTORY_SUFFIX = ARBITRAGEUR_INVENTORY_SUFFIX;

/** Decimals of both assets of a crvUSD run (the stablecoin must have 18; the collateral is WETH). */
const DECIMALS = 18;

/** Why the book adapter left an account out (the reasons of src/sim/book.ts that apply). */
export type CrvusdSkipReason =
  | 'unsupported-collateral'
  | 'zero-collateral'
  | 'dust'
  | 'collateral-ratio'
  | 'ceiling';

/** What {@link openCrvusdBook} did. */
export interface CrvusdBookOpened {
  /** The state after the loans it opened. */
  readonly state: CrvusdEngineState;
  /** Loans opened: account, collateral deposited (token units) and debt (crvUSD units). */
  readonly opened: readonly {
    readonly account: string;
    readonly collateral: bigint;
    readonly debt: bigint;
  }[];
  /** Accounts left out, with the reason and the model's refusal (error code) when there was one. */
  readonly skipped: readonly {
    readonly account: string;
    readonly reason: CrvusdSkipReason;
    readonly detail: string;
  }[];
}

/**
 * Opens a book as crvUSD loans: each account with exactly one collateral line of `bookAsset`
 * borrows its USD debt in crvUSD (crvUSD at $1) against that collateral over `bands` bands
 * (`createLoan`, collateral from `world`), both amounts rounded down to token units (never more
 * than the book: 1e-9 of a token or dollar truncated). The protocol decides: a loan it refuses is
 * skipped and counted — `Debt too high` (the book's collateral ratio is below what N bands at the
 * loan discount allow) as `collateral-ratio`, the Controller out of crvUSD as `ceiling`,
 * `Amount too low` or no debt as `dust` — never thrown. Book accounts keep their ids.
 * @param decider the crvUSD engine; @param state a configured market with a fresh oracle price.
 * @param at time of the commands, unix seconds.
 * @throws whatever is not a refusal of the model (a bug).
 */
export function openCrvusdBook(
  decider: Decider<CrvusdEngineState, Command, EngineEvent>,
  state: CrvusdEngineState,
  input: { readonly book: Book; readonly bookAsset: string; readonly bands: number; readonly at: number },
): CrvusdBookOpened {
  let s = state;
  const opened: { account: string; collateral: bigint; debt: bigint }[] = [];
  const skipped: { account: string; reason: CrvusdSkipReason; detail: string }[] = [];
  for (const a of input.book.accounts) {
    const line = a.collateral[0];
    if (a.collateral.length !== 1 || line === undefined || line.asset !== input.bookAsset) {
      skipped.push({
        account: a.id,
        reason: 'unsupported-collateral',
        detail: `a loan takes ${input.bookAsset} only`,
      });
      continue;
    }
    const collateral = floatToWad(line.amountWhole); // truncated: never more than the book
    const debt = floatToWad(a.debtUsd); // truncated: never more than the book
    if (collateral === 0n) {
      skipped.push({ account: a.id, reason: 'zero-collateral', detail: `${line.amountWhole} rounds to 0` });
      continue;
    }
    if (debt === 0n) {
      skipped.push({ account: a.id, reason: 'dust', detail: 'no debt: a crvUSD loan needs one ("No loan")' });
      continue;
    }
    const command: Command = {
      type: 'createLoan',
      account: a.id,
      collateral,
      debt,
      N: input.bands,
      source: 'world',
    };
    try {
      s = apply(decider, s, command, input.at).state;
      opened.push({ account: a.id, collateral, debt });
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
      const reason: CrvusdSkipReason =
        e instanceof InsufficientBalanceError
          ? 'ceiling'
          : /Amount too low/.test(e.message)
            ? 'dust'
            : 'collateral-ratio';
      skipped.push({ account: a.id, reason, detail: `${e.code}: ${e.message}` });
    }
  }
  return { state: s, opened, skipped };
}

/**
 * Bad debt of a crvUSD market, USD (crvUSD at $1): the debt no asset covers, marked to the market —
 * Σ over open loans of max(0, debt − x − y·`marketUsd`) (x the loan's crvUSD in its bands, y its
 * collateral, AMM `get_sum_xy`), plus the debt written off into `deficit` (the model's
 * `writeOffBadDebt`; the stress lab sends none). A hard liquidation never leaves bad debt (the
 * liquidator pays debt − x in full), so this is the debt of loans that nobody can liquidate at a
 * profit: their crvUSD plus collateral is worth less than what they owe. Never throws.
 * @param marketUsd collateral price, USD per whole token (float ≥ 0).
 */
export function crvusdBadDebtUsd(state: CrvusdEngineState, marketUsd: number): number {
  const m = state.ext.market;
  if (m === null) return 0;
  const priceWad = floatToWad(Math.max(0, marketUsd));
  const scale = pow10(state.assets[m.params.collateralAsset]?.decimals ?? DECIMALS);
  let uncovered = balanceOf(state.ledger, 'deficit', `${m.params.stablecoin}.debt`);
  for (const [account, loan] of state.ext.loans.entries()) {
    const { x, y } = crvusdSumXY(state.ext.amm, m.amm, account);
    // Floor: the collateral is never over-valued, so bad debt is never under-stated.
    const value = x + mulDiv(y, priceWad, scale, Rounding.Down);
    if (loan.debt > value) uncovered += loan.debt - value;
  }
  return Number(uncovered) / 1e18;
}

/**
 * Soft-liquidation loss of the loans still open, USD: Σ over `deposits` with an open loan of
 * max(0, deposited − y_up)·`marketUsd`, where y_up is LLAMMA's `get_y_up(user)` at the oracle
 * price at `nowSeconds` — the collateral the position would hold if the price rose back above its
 * bands, each band traded to the oracle price on its own curve and converted at its geometric mean
 * (AMM.vy `get_xy_up(user, True)`). Deposited − y_up is the collateral lost to LLAMMA's trades so
 * far (arbitrage at prices worse than the bands', less the fees the bands earned) and to those the
 * current oracle price implies for bands not traded yet (a band the oracle has passed is valued as
 * the arbitrage would convert it now). Loans closed by a hard liquidation are not counted (their
 * loss is in the summary's borrower loss). Token units: the collateral's decimals.
 * @param deposits account → collateral deposited at opening, token units.
 * @param marketUsd collateral price, USD per whole token (float ≥ 0).
 * @throws StaleOraclePriceError when the oracle has no fresh price at `nowSeconds`;
 *   NotConfiguredError before `configure`.
 */
export function crvusdSoftLiquidationLossUsd(
  state: CrvusdEngineState,
  input: {
    readonly deposits: Readonly<Record<string, bigint>>;
    readonly marketUsd: number;
    readonly nowSeconds: number;
  },
): number {
  const m = state.ext.market;
  if (m === null) return 0;
  const pOracleWad = oraclePriceWad(state, m, input.nowSeconds);
  const decimals = state.assets[m.params.collateralAsset]?.decimals ?? DECIMALS;
  let lost = 0n;
  for (const [account, deposited] of Object.entries(input.deposits)) {
    if (!state.ext.loans.has(account)) continue;
    const yUp = getXYUp(state.ext.amm, m.amm, { user: account, useY: true, pOracleWad });
    if (deposited > yUp) lost += deposited - yUp;
  }
  return (Number(lost) / 10 ** decimals) * Math.max(0, input.marketUsd);
}

/** An opened crvUSD run: the loop's readings plus the soft-liquidation loss (see the helper). */
export type CrvusdOpenedStress = OpenedStress<CrvusdEngineState> & {
  /** {@link crvusdSoftLiquidationLossUsd} of the run's loans (deposits as opened). */
  softLiquidationLossUsd(state: CrvusdEngineState, marketUsd: number, nowSeconds: number): number;
  /** Collateral each opened loan deposited, token units. */
  readonly deposits: Readonly<Record<string, bigint>>;
};

/**
 * crvUSD in the stress lab. Set-up at `start − 2·step`: crvUSD and WETH listed (18 decimals), the
 * WETH feed (undelayed: LLAMMA reads its price oracle directly), `configure` (the base price is
 * the oracle's at set-up), keepers funded — every keeper `walletUsd` crvUSD (default
 * {@link DEFAULT_KEEPER_WALLET_DAI}), an arbitrageur also floor(walletUsd / first price) whole WETH
 * in its inventory actor (an ASSUMPTION: as much collateral as crvUSD, never the binding limit);
 * at the start the book is opened with {@link openCrvusdBook} over {@link CRVUSD_STRESS_BANDS}
 * bands. Events: a hard liquidation is a liquidation (its debt) and a clearing (collateral for
 * debt − x − surplus); an arbitrageur's purchase of collateral from LLAMMA is a clearing (collateral
 * converted, crvUSD paid: its discount to the market is the borrowers' loss on it); its sale into
 * LLAMMA is venue flow (bought outside). No auctions, no insurance fund.
 */
export const crvusdStressAdapter: StressAdapter = {
  protocols: [CRVUSD_ID],
  /** An arbitrageur (ε $10) and a gas-capped liquidator (cap {@link DEFAULT_GAS_CAP_GWEI}). */
  defaultKeepers() {
    return [
      { preset: 'arbitrageur', id: 'keeper-arb', minProfitUsd: 10 },
      { preset: 'liquidator', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
    ];
  },
  defaultParamsJson: () => toJsonValue(findProtocol(CRVUSD_ID).defaultParams),
  open(setup: StressSetup): OpenedStress<unknown> {
    const { options, source, rng, specs, start } = setup;
    const params: CrvusdParams =
      options.protocolParams !== undefined
        ? (findProtocol(CRVUSD_ID).parseParams(options.protocolParams) as CrvusdParams)
        : DEFAULT_CRVUSD_PARAMS;
    const { collateralAsset: collateral, stablecoin: stable } = params;
    const policies = specs.map((spec) => crvusdPresetPolicy(spec));
    const feed = stressFeed(rng, source, collateral, options.oracle);
    const setupAt = start - 2 * source.stepSeconds;
    const decider = createEngine(crvusdModel);
    const at = (command: Command) => ({ command, atSeconds: setupAt });
    const commands = [
      at({ type: 'listAsset', asset: stable, decimals: DECIMALS }),
      at({ type: 'listAsset', asset: collateral, decimals: DECIMALS }),
      at({ type: 'configureOracle', asset: collateral, config: feed.oracleConfig }),
      ...feed.first.map((c) => at(c.command)),
      at({ type: 'configure', params: crvusdParamsToJson(params) }),
    ];
    const firstPriceUsd = Number(feed.firstPrice) / 10 ** FEED_PRICE_DECIMALS;
    const funded: Record<string, bigint> = {};
    for (const [k, s] of specs.entries()) {
      const whole = 'walletUsd' in s && s.walletUsd !== undefined ? s.walletUsd : DEFAULT_KEEPER_WALLET_DAI;
      funded[s.id] = wholeUnits(whole, 'walletUsd') * WAD;
      if ((funded[s.id] ?? 0n) > 0n) {
        commands.push(at({ type: 'fundWallet', actor: s.id, asset: stable, amount: funded[s.id] }));
      }
      const p = policies[k];
      if (p?.kind === 'arbitrageur' && firstPriceUsd > 0) {
        const inventory = BigInt(Math.floor(Number(wholeUnits(whole, 'walletUsd')) / firstPriceUsd)) * WAD;
        if (inventory > 0n) {
          commands.push(at({ type: 'fundWallet', actor: p.inventory, asset: collateral, amount: inventory }));
        }
      }
    }
    const configured = applyAll(decider, decider.initial(), commands);
    const book = openCrvusdBook(decider, configured, {
      book: stressBook(options, rng, source.ethPath),
      bookAsset: 'ETH',
      bands: CRVUSD_STRESS_BANDS,
      at: start,
    });
    const accounts = book.opened.map((o) => o.account);
    const deposits: Record<string, bigint> = Object.fromEntries(
      book.opened.map((o) => [o.account, o.collateral]),
    );
    // Actors whose wallets the views include, and which keeper each trades for.
    const keeperOf: Record<string, string> = {};
    for (const [k, s] of specs.entries()) {
      keeperOf[s.id] = s.id;
      const p = policies[k];
      if (p?.kind === 'arbitrageur') keeperOf[p.inventory] = s.id;
    }
    const actors = Object.keys(keeperOf).sort();
    /**
     * Collateral bought outside for de-liquidation trades, at the trades' oracle prices, USD, by
     * keeper: accumulated by `classify` as the loop lands them (once per landed event), so
     * `keeperCashDeltaUsd` reads it for the run's latest state only (as the loop does).
     */
    const boughtOutsideUsd: Record<string, number> = {};
    const wad = (units: bigint) => Number(units) / 1e18;

    // Borrowers' totals, bad debt and health buckets from running sums (equal to the scans above:
    // crvusdIndex.prop.test.ts); its watch also screens the view's loans. The collateral's decimals
    // are fixed once listed.
    const index = crvusdBookIndex(accounts, pow10(book.state.assets[collateral]?.decimals ?? DECIMALS));
    const viewWith = (candidates: boolean) =>
      sharedView((s: CrvusdEngineState, market: MarketContext) =>
        crvusdKeeperView(s, market.nowSeconds, market, actors, { candidates, watch: index.watch }),
      );
    const liquidatorView = viewWith(true);
    const traderView = viewWith(false);
    const opened: CrvusdOpenedStress = {
      decider,
      state: book.state,
      feed: feed.feed,
      accounts,
      skipped: book.skipped.length,
      collateralAsset: collateral,
      deposits,
      keepers: policies.map((p) => ({
        id: p.policy.id,
        decide: (s, market) =>
          p.policy.decide((p.kind === 'liquidator' ? liquidatorView : traderView)(s, market)),
      })),
      classify(e) {
        if (e.type === 'CrvusdLiquidated' && e.liquidator !== e.account) {
          // Net crvUSD the liquidator put in for the collateral (negative: it took a surplus too).
          const net = (e.paidByLiquidator as bigint) - (e.surplusToLiquidator as bigint);
          const y = e.y as bigint;
          return {
            liquidationUsd: wad(e.debtRepaid as bigint),
            ...(y > 0n ? { clearing: { collateral: wad(y), paidUsd: wad(net) } } : {}),
          };
        }
        if (e.type === 'CrvusdExchanged') {
          const trader = e.trader as string;
          if ((e.outAmount as bigint) === 0n) return undefined;
          if (e.i === 0) {
            // Collateral LLAMMA sold (soft liquidation) for the crvUSD paid in.
            return {
              clearing: { collateral: wad(e.outAmount as bigint), paidUsd: wad(e.inAmount as bigint) },
            };
          }
          // Collateral sold into LLAMMA was bought outside: through the venue, charged at the oracle.
          const keeper = keeperOf[trader] ?? trader;
          const inAmount = e.inAmount as bigint;
          const costWad = mulDiv(inAmount, e.pOracleWad as bigint, WAD, Rounding.Up); // up: cost never under-stated
          boughtOutsideUsd[keeper] = (boughtOutsideUsd[keeper] ?? 0) + wad(costWad);
          return { venueFlowBase: -wad(inAmount) };
        }
        return undefined;
      },
      heldCollateral: (s, id) => balanceOf(s.ledger, `wallet:${id}`, collateral),
      keeperCashDeltaUsd(s, id) {
        let cash = -(funded[id] ?? 0n);
        for (const actor of actors) {
          if (keeperOf[actor] === id) cash += balanceOf(s.ledger, `wallet:${actor}`, stable);
        }
        return wad(cash) - (boughtOutsideUsd[id] ?? 0);
      },
      borrowerTotals(s) {
        const totals = index.borrowerTotals(s);
        return { collateral: totals.collateral, debtUsd: wad(totals.owed) };
      },
      badDebtUsd(s, marketUsd) {
        const priceWad = floatToWad(Math.max(0, marketUsd));
        return Number(crvusdDeficit(s) + index.uncoveredDebt(s, priceWad)) / 1e18;
      },
      insuranceFundUsd: () => 0,
      auctionsLive: () => 0,
      health(s, id, t) {
        if (!s.ext.loans.has(id)) return undefined;
        return crvusdModel.health(s, id, t);
      },
      healthCounts: (s, t) => index.healthCounts(s, t),
      oracle: (s) => s.oracle,
      softLiquidationLossUsd: (s, marketUsd, nowSeconds) =>
        crvusdSoftLiquidationLossUsd(s, { deposits, marketUsd, nowSeconds }),
    };
    return opened as unknown as OpenedStress<unknown>;
  },
};
