/**
 * The stress lab's Euler v2 adapter (`euler-v2`): one controller vault lending USDC (held at $1
 * through a fixed feed) against WETH driven by the scenario's ETH path through an undelayed feed,
 * the vault supplied with the book's USDC debt by `lender`, the book opened as accounts that deposit
 * WETH and borrow, and keepers of the generic `liquidator` preset that take debt over with
 * `liquidate`, repay it from their USDC wallet in the same batch and keep the discounted collateral
 * (src/keepers/euler.ts).
 *
 * What the summary's figures mean for Euler (USDC counted at $1, an ASSUMPTION):
 * - `liquidations`: accepted `liquidate` calls (one per `EulerLiquidated`).
 * - `liquidatedDebtUsd`: debt taken over by liquidators (Σ `repay`); debt socialized in the same
 *   call is not included (it is `socializedLossUsd`).
 * - `auctions`, `zeroBidAuctions`, `auctionsLiveAtEnd`: 0 (no auctions).
 * - Clearings: each liquidation's collateral moved to the liquidator against the debt it took over;
 *   the discount is Euler's health-scaled discount (capped by `maxLiquidationDiscountBps`).
 * - `badDebtUsd`: see {@link eulerBadDebtUsd} — the debt socialized so far plus any debt left on
 *   book accounts holding no collateral (only when socialization is off or below Euler's minimum).
 * - `insuranceFundDrawUsd`: 0 (Euler has no insurance fund); the series' `insuranceFundUsd` is 0.
 * - `socializedLossUsd`: Σ `DebtSocialized`: debt written off against the vault's depositors when a
 *   liquidation leaves the violator without collateral. With socialization on (the default) it
 *   equals `badDebtUsd`: socialization is Euler's only bad-debt path.
 * - `adlVolumeUsd`: 0.
 * - `keeperProfitUsd`: USDC wallet change (repayments) + proceeds of selling the seized WETH − gas.
 * - `borrowerLossUsd`: from the accounts' WETH and USDC debt; socialized debt counts as a gain of
 *   the violator (the depositors bear it).
 */

import { createEngine, debtClaimAsset, type EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Command, Decider, EngineEvent } from '../../engine/machine.js';
import { createEulerViewMemo, eulerKeeperView, isEulerLiquidatorPolicy } from '../../keepers/euler.js';
import { eulerPresetPolicy } from '../../keepers/presets.js';
import type { MarketContext } from '../../keepers/types.js';
import { assert } from '../../math/errors.js';
import { mulDiv, Rounding } from '../../math/mulDiv.js';
import { pow10 } from '../../math/units.js';
import { toJsonValue } from '../../protocols/catalog.js';
import { adjustedCollateralValue, quoteValue } from '../../protocols/euler-v2/math.js';
import { EULER_V2_ID, eulerV2Model } from '../../protocols/euler-v2/model.js';
import {
  DEFAULT_EULER_PARAMS,
  type EulerParams,
  eulerParamsToJson,
  parseEulerParams,
} from '../../protocols/euler-v2/params.js';
import { type EulerExt, hasNoCollateral, own } from '../../protocols/euler-v2/state.js';
import type { Book, BookCommands, OpenedPosition, SkippedAccount, SkipReason } from '../book.js';
import {
  type BookPrice,
  bookTokenDecimals,
  countSkipsByReason,
  depositBorrowCommands,
  floatToUnits,
  readClampToleranceBps,
  requireBookPrice,
  usdToDebtUnits,
  withinClampTolerance,
} from './bookKit.js';
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
import { eulerBookIndex } from './eulerIndex.js';
import { FIXED_USD_ORACLE, FIXED_USD_REPUBLISH_SECONDS, USD8 } from './lending.js';
import { DEFAULT_GAS_CAP_GWEI, DEFAULT_KEEPER_WALLET_DAI } from './types.js';

/** The collateral the scenario's ETH path drives. */
const EULER_COLLATERAL = 'WETH';
const decimalsOf = bookTokenDecimals;
/** Who supplies the vault's liquidity. */
const LENDER = 'lender';

/** An oracle price as the engine holds it: `price / 10^priceDecimals` USD per whole token. */
export type EulerBookPrice = BookPrice;

/** Options of {@link eulerBookCommands}. */
export interface EulerBookOptions {
  readonly params: EulerParams;
  /** Oracle prices of the vault's asset and of every collateral the book uses (> 0). */
  readonly prices: Readonly<Record<string, EulerBookPrice>>;
  /** Book asset → Euler collateral (default `{ ETH: 'WETH' }`). */
  readonly assetMap?: Readonly<Record<string, string>>;
  /** How far above the borrowing limit a book debt may be and still open, lowered to it (default 1 bp). */
  readonly clampToleranceBps?: number;
}

/**
 * The commands that open a book in Euler v2 after the model's set-up (assets listed, oracles
 * priced, `configure`, the vault supplied with at least `totals.debt`): per account one `deposit
 * {account, asset, amount}` per collateral line, then `borrow {account, amount}` of the vault's
 * asset (USD debt at the asset's oracle price, floored). The borrow must pass Euler's account
 * status check: Σ value × borrow LTV (each floored, LiquidityUtils `getCollateralValue`) strictly
 * above the liability's value (`checkLiquidity`); a debt above that limit by at most the tolerance
 * is lowered to the largest debt that passes (clamped), further above it is skipped
 * (`collateral-ratio`). Also skipped: collateral the vault does not recognise
 * (`unsupported-collateral`) and collateral rounding to 0 (`zero-collateral`). Euler has no minimum
 * debt. Pure: the book is not changed.
 * @throws InvalidParameterError for a missing price (`prices.USDC`) or a bad `clampToleranceBps`.
 */
export function eulerBookCommands(book: Book, options: EulerBookOptions): BookCommands {
  const { params } = options;
  const tol = readClampToleranceBps(options.clampToleranceBps);
  const priceOf = (asset: string): EulerBookPrice => requireBookPrice(options.prices, asset);
  const unit = params.unitOfAccountDecimals;
  const quote = (asset: string, amount: bigint): bigint => {
    const p = priceOf(asset);
    return quoteValue({
      amount,
      decimals: decimalsOf(asset),
      price: p.price,
      priceDecimals: p.priceDecimals,
      unitDecimals: unit,
    });
  };
  const debtPrice = priceOf(params.asset);
  const debtDecimals = decimalsOf(params.asset);
  const assetMap = options.assetMap ?? { ETH: EULER_COLLATERAL };
  const commands: Command[] = [];
  const opened: OpenedPosition[] = [];
  const skipped: SkippedAccount[] = [];
  const totalsColl: Record<string, bigint> = {};
  let totalDebt = 0n;
  let clampedCount = 0;
  const skip = (bookId: string, reason: SkipReason, detail: string) =>
    skipped.push({ bookId, reason, detail });

  for (const account of book.accounts) {
    const lines = account.collateral.map((c) => ({
      asset: assetMap[c.asset] ?? c.asset,
      amountWhole: c.amountWhole,
    }));
    const unsupported = lines.find((l) => own(params.collaterals, l.asset) === undefined);
    if (unsupported !== undefined || lines.length === 0) {
      skip(
        account.id,
        'unsupported-collateral',
        `${unsupported?.asset ?? 'nothing'} is not collateral of this vault`,
      );
      continue;
    }
    const collateral: { asset: string; amount: bigint }[] = [];
    let adjusted = 0n;
    for (const l of lines) {
      const amount = floatToUnits(l.amountWhole, decimalsOf(l.asset));
      if (amount === 0n) continue;
      const ltv = own(params.collaterals, l.asset)?.borrowLtvBps ?? 0n;
      adjusted += adjustedCollateralValue(quote(l.asset, amount), ltv);
      collateral.push({ asset: l.asset, amount });
    }
    if (collateral.length === 0) {
      skip(account.id, 'zero-collateral', 'the collateral rounds to 0 units');
      continue;
    }
    // USD (1e8) floored, then tokens floored at the oracle price: never above the book.
    const bookDebt = usdToDebtUnits(account.debtUsd, debtDecimals, debtPrice);
    // checkLiquidity passes iff quote(debt) < adjusted: the largest such debt is
    // ⌊(adjusted − 1) · 10^(dec + pd) / (price · 10^unit)⌋ (quote floors, so it is below adjusted).
    const limit =
      adjusted === 0n
        ? 0n
        : mulDiv(
            adjusted - 1n,
            pow10(debtDecimals + debtPrice.priceDecimals),
            debtPrice.price * pow10(unit),
            Rounding.Down,
          );
    let debt = bookDebt;
    let clamped = false;
    if (debt > limit) {
      if (withinClampTolerance(debt, limit, tol)) {
        debt = limit;
        clamped = true;
      } else {
        skip(
          account.id,
          'collateral-ratio',
          `debt ${bookDebt} above the borrow-LTV limit ${limit} (${params.asset} units)`,
        );
        continue;
      }
    }
    assert(debt === 0n || quote(params.asset, debt) < adjusted, 'the borrow passes the account status check');
    for (const c of collateral) totalsColl[c.asset] = (totalsColl[c.asset] ?? 0n) + c.amount;
    commands.push(...depositBorrowCommands(account.id, collateral, debt));
    totalDebt += debt;
    if (clamped) clampedCount += 1;
    opened.push({
      bookId: account.id,
      account: account.id,
      collateral,
      debtAsset: params.asset,
      debtAmount: debt,
      clamped,
    });
  }
  const skippedByReason = countSkipsByReason(skipped);
  return {
    protocol: EULER_V2_ID,
    commands,
    opened,
    skipped,
    skippedByReason,
    clampedCount,
    totals: { collateral: totalsColl, debt: totalDebt > 0n ? { [params.asset]: totalDebt } : {} },
  };
}

/**
 * Euler's bad debt, whole units of the vault's asset (USD for USDC at $1): the debt socialized so
 * far (the vault's `socializedDebt`, written off against depositors when a liquidation leaves the
 * violator without collateral) plus the debt still owed by `accounts` that hold no recognised
 * collateral (left with the violator when socialization is off — `dontSocializeDebt` — or the
 * liability was below Euler's MIN_SOCIALIZATION_LIABILITY_VALUE). Debt of accounts that still hold
 * collateral is not counted, even when underwater: Euler has not recognised a loss on it yet.
 * Never throws (0 before `configure`).
 */
export function eulerBadDebtUsd(state: EngineState<EulerExt>, accounts: readonly string[]): number {
  const vault = state.ext.vault;
  if (vault === null) return 0;
  let units = vault.socializedDebt;
  for (const id of accounts) {
    const a = state.ext.accounts.get(id);
    if (a !== undefined && a.owed > 0n && hasNoCollateral(vault, a)) units += a.owed;
  }
  return Number(units) / 10 ** vault.assetDecimals;
}

/**
 * The borrowers' totals the stress summary reads, by a scan of `accounts`: their `acct:<id>`
 * balances of `collateralAsset` (smallest units) and their `debt:<id>` claims on `debtAsset`
 * (asset units). The reference the run-local index (src/sim/stress/eulerIndex.ts) must match.
 * Never throws.
 */
export function eulerBorrowerTotals(
  state: EngineState<EulerExt>,
  accounts: readonly string[],
  assets: { readonly collateral: string; readonly debt: string },
): { readonly collateral: bigint; readonly owed: bigint } {
  let collateral = 0n;
  let owed = 0n;
  for (const id of accounts) {
    collateral += balanceOf(state.ledger, `acct:${id}`, assets.collateral);
    owed += balanceOf(state.ledger, `debt:${id}`, debtClaimAsset(assets.debt));
  }
  return { collateral, owed };
}

type EulerState = EngineState<EulerExt>;

/** Euler v2 in the stress lab (see the file header). */
export const eulerStressAdapter: StressAdapter = {
  protocols: [EULER_V2_ID],
  /** A gas-capped liquidator (cap {@link DEFAULT_GAS_CAP_GWEI}, ε $0) and a gas-aware one (ε $10). */
  defaultKeepers: () => [
    { preset: 'liquidator', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
    { preset: 'liquidator', id: 'keeper-aware', minProfitUsd: 10 },
  ],
  defaultParamsJson: () => toJsonValue(eulerParamsToJson(DEFAULT_EULER_PARAMS)),
  /**
   * Set-up at `start − 2·step`: the vault's asset and collaterals listed, the WETH feed and a fixed
   * $1 feed for the vault's asset, `configure`, keeper wallets funded in the vault's asset
   * (`walletUsd`, default {@link DEFAULT_KEEPER_WALLET_DAI}). At `start`: `lender` supplies the
   * book's debt, then the book opens ({@link eulerBookCommands}).
   * @throws InvalidParameterError (`protocolParams.collaterals`) when WETH is not a collateral.
   */
  open(setup: StressSetup): OpenedStress<unknown> {
    const { options, source, rng, specs, start } = setup;
    const policies = specs.map((spec) => eulerPresetPolicy(spec));
    const params =
      options.protocolParams !== undefined ? parseEulerParams(options.protocolParams) : DEFAULT_EULER_PARAMS;
    if (own(params.collaterals, EULER_COLLATERAL) === undefined) {
      throw new InvalidParameterError(
        'protocolParams.collaterals',
        `${EULER_COLLATERAL} is not a collateral of the vault`,
        'The stress lab drives WETH with the scenario ETH path: keep WETH among the collaterals.',
      );
    }
    const asset = params.asset;
    const assetDecimals = decimalsOf(asset);
    const feed = stressFeed(rng, source, EULER_COLLATERAL, options.oracle);
    const setupAt = start - 2 * source.stepSeconds;
    const decider = createEngine(eulerV2Model) as unknown as Decider<EulerState, Command, EngineEvent>;
    const at = (command: Command, atSeconds = setupAt) => ({ command, atSeconds });
    const listed = [asset, ...Object.keys(params.collaterals)].sort();
    const commands = [
      ...listed.map((a) => at({ type: 'listAsset', asset: a, decimals: decimalsOf(a) })),
      at({ type: 'configureOracle', asset: EULER_COLLATERAL, config: feed.oracleConfig }),
      at({ type: 'configureOracle', asset, config: FIXED_USD_ORACLE }),
      at({ type: 'publishPrice', asset, source: 'fixed', price: USD8 }),
      ...feed.first.map((c) => at(c.command)),
      at({ type: 'configure', params: eulerParamsToJson(params) }),
    ];
    const funded: Record<string, bigint> = {};
    for (const s of specs) {
      const whole = 'walletUsd' in s && s.walletUsd !== undefined ? s.walletUsd : DEFAULT_KEEPER_WALLET_DAI;
      funded[s.id] = wholeUnits(whole, 'walletUsd') * pow10(assetDecimals);
      if ((funded[s.id] ?? 0n) > 0n) {
        commands.push(at({ type: 'fundWallet', actor: s.id, asset, amount: funded[s.id] }));
      }
    }
    const book = eulerBookCommands(stressBook(options, rng, source.ethPath), {
      params,
      prices: {
        [EULER_COLLATERAL]: { price: feed.firstPrice, priceDecimals: FEED_PRICE_DECIMALS },
        [asset]: { price: USD8, priceDecimals: 8 },
      },
    });
    const liquidity = book.totals.debt[asset] ?? 0n;
    if (liquidity > 0n) commands.push(at({ type: 'supply', account: LENDER, amount: liquidity }, start));
    for (const c of book.commands) commands.push(at(c, start));
    const state = applyAll(decider, decider.initial(), commands);
    const accounts = book.opened.map((o) => o.account);
    const keeperIds = specs.map((s) => s.id);
    const toUsd = (units: bigint): number => Number(units) / 10 ** assetDecimals;
    const collateralDecimals = decimalsOf(EULER_COLLATERAL);
    let usdPublishedAt = setupAt;
    const withPrices = (market: MarketContext): MarketContext => ({
      ...market,
      collateralPricesUsdWad: { [EULER_COLLATERAL]: floatToWad(market.ethPriceUsd), [asset]: 10n ** 18n },
    });
    // Run-local: the accounts the view screens, the health buckets, the borrowers' totals and the
    // bad debt, each followed from state to state at the cost of what changed (equal to the scans).
    // The view's memo: an account untouched since the last view, at the same oracle prices, keeps
    // its dry run.
    const index = eulerBookIndex(accounts, { collateral: EULER_COLLATERAL, debt: asset });
    const memo = createEulerViewMemo();
    // Keepers none of which could act (gas above their caps, empty wallets) decide nothing on any
    // view: theirs lists no account then.
    const screened = (s: EulerState, market: MarketContext): readonly string[] => {
      const couldAct = policies.some(
        (p) =>
          !isEulerLiquidatorPolicy(p) || p.couldAct(market, balanceOf(s.ledger, `wallet:${p.id}`, asset)),
      );
      return couldAct ? index.screen(s, market.nowSeconds) : [];
    };
    const view = sharedView((s: EulerState, market: MarketContext) => {
      const priced = withPrices(market);
      return eulerKeeperView(s, market.nowSeconds, priced, keeperIds, {
        accounts: screened(s, priced),
        memo,
      });
    });
    const opened: OpenedStress<EulerState> = {
      decider,
      state,
      feed: feed.feed,
      accounts,
      skipped: book.skipped.length,
      collateralAsset: EULER_COLLATERAL,
      maintenance(_s, t) {
        if (t - usdPublishedAt < FIXED_USD_REPUBLISH_SECONDS) return [];
        usdPublishedAt = t;
        return [{ type: 'publishPrice', asset, source: 'fixed', price: USD8 }];
      },
      keepers: policies.map((policy) => ({
        id: policy.id,
        decide: (s, market) => policy.decide(view(s, market)),
      })),
      classify(e) {
        if (e.type === 'EulerLiquidated') {
          const repay = e.repay as bigint;
          return {
            liquidationUsd: toUsd(repay),
            ...(e.collateral === EULER_COLLATERAL
              ? {
                  clearing: {
                    collateral: Number(e.yieldBalance as bigint) / 10 ** collateralDecimals,
                    paidUsd: toUsd(repay),
                  },
                }
              : {}),
          };
        }
        if (e.type === 'EulerDebtSocialized') return { socializedUsd: toUsd(e.amount as bigint) };
        return undefined;
      },
      // Seized WETH sits in the keeper's collateral account (it owes nothing after repaying).
      heldCollateral: (s, id) =>
        balanceOf(s.ledger, `acct:${id}`, EULER_COLLATERAL) +
        balanceOf(s.ledger, `wallet:${id}`, EULER_COLLATERAL),
      keeperCashDeltaUsd: (s, id) => toUsd(balanceOf(s.ledger, `wallet:${id}`, asset) - (funded[id] ?? 0n)),
      borrowerTotals(s) {
        const totals = index.borrowerTotals(s);
        return { collateral: totals.collateral, debtUsd: toUsd(totals.owed) };
      },
      badDebtUsd(s) {
        const vault = s.ext.vault;
        // As eulerBadDebtUsd converts its units.
        return vault === null ? 0 : Number(index.badDebtUnits(s)) / 10 ** vault.assetDecimals;
      },
      insuranceFundUsd: () => 0,
      auctionsLive: () => 0,
      healthCounts: (s, t) => index.healthCounts(s, t),
      health(s, id, t) {
        const a = s.ext.accounts.get(id);
        if (a === undefined || a.owed === 0n) return undefined;
        return eulerV2Model.health(s, id, t);
      },
      oracle: (s) => s.oracle,
    };
    return opened as unknown as OpenedStress<unknown>;
  },
};
