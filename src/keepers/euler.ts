/**
 * Keepers for the Euler v2 model (`euler-v2`): a plain view built from an engine state (accounts in
 * violation with the repay and yield the model's own trigger and sizing give for each collateral;
 * a caller may narrow the accounts screened and keep a memo of the dry runs between states) and a
 * pure liquidator policy that takes the debt over, repays it from its wallet in the same batch, and
 * acts when the discount on the collateral beats gas (I > C_gas + ε).
 */
import type { EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { balanceOf } from '../engine/ledger.js';
import { spotPrice } from '../engine/oracle.js';
import { SolventError } from '../math/errors.js';
import { mulDiv, Rounding } from '../math/mulDiv.js';
import { BPS, pow10, WAD } from '../math/units.js';
import { eulerSizing, eulerTrigger } from '../protocols/euler-v2/liquidation.js';
import { currentLtvBps, isInLiquidationCoolOff, isInViolation } from '../protocols/euler-v2/math.js';
import { type EulerAccount, type EulerExt, liquidationLiquidity, own } from '../protocols/euler-v2/state.js';
import { clearsGas, gasAboveCap, requireGasCap, requireNonNegative, requireViewTime } from './gate.js';
import { gasCostUsd, type KeeperAction, type KeeperPolicy, type MarketContext } from './types.js';

/**
 * Gas units the Euler keeper assumes. ASSUMPTION (no measured figure in the repository's
 * references): 600k for an EVC batch of `liquidate` (two liquidity calculations over the
 * violator's collaterals with oracle reads, the debt and collateral transfers) plus `repay` and the
 * deferred account status checks.
 */
export const EULER_GAS_UNITS = { liquidate: 600_000n } as const;

/** Liquidator id of the view's dry runs (never a book id: those start with a letter or digit). */
const PREVIEW_LIQUIDATOR = '~preview';

/** One liquidation an Euler keeper could send: the model's trigger and sizing with `repayAssets: max`. */
export interface EulerCandidateView {
  readonly violator: string;
  readonly collateral: string;
  readonly collateralDecimals: number;
  /** Euler's health score, WAD (≤ 1e18: in violation). */
  readonly healthScoreWad: bigint;
  /** 1 − discount, WAD. */
  readonly discountFactorWad: bigint;
  /** The violator's whole debt, asset units. */
  readonly liability: bigint;
  /** Most debt one call takes over (`repayAssets: max`), asset units. */
  readonly maxRepay: bigint;
  /** Collateral that call moves to the liquidator, collateral units. */
  readonly maxYield: bigint;
}

/** What an Euler keeper sees. */
export interface EulerKeeperView {
  readonly nowSeconds: number;
  readonly market: MarketContext;
  /** The controller vault's asset (what debt is repaid in) and its decimals. */
  readonly asset: string;
  readonly assetDecimals: number;
  /** Liquidations the model accepts now, largest repay first, then by violator and collateral. */
  readonly candidates: readonly EulerCandidateView[];
  /** Keepers' wallets: asset → smallest units (the vault's asset). */
  readonly wallets: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
}

/**
 * A run-local memo of {@link eulerKeeperView}'s per-account work (see {@link EulerViewOptions.memo}):
 * each account's pairs with what they were computed from. Made by {@link createEulerViewMemo};
 * the view updates it in place, and it never changes what the view returns.
 */
export interface EulerViewMemo {
  /** The vault settings the entries were computed under (any change empties the memo). */
  settings: readonly unknown[];
  readonly entries: Map<string, EulerMemoEntry>;
}

/** One account in an {@link EulerViewMemo}. */
export interface EulerMemoEntry {
  /** The account object the pairs were computed from (the state's, compared by identity). */
  readonly account: EulerAccount;
  /** Whether it was in its liquidation cool-off. */
  readonly coolOff: boolean;
  /** What the model read of the debt asset and of each enabled collateral, in that order. */
  readonly reads: readonly EulerAssetRead[];
  readonly pairs: readonly EulerCandidateView[];
}

/**
 * What the model's trigger and sizing read of one asset at a time: its token decimals, its oracle
 * price (undefined when the oracle refuses) and, for a collateral, its liquidation LTV in force
 * (undefined when the vault does not recognise it).
 */
export interface EulerAssetRead {
  readonly decimals: number | undefined;
  readonly price: bigint | undefined;
  readonly priceDecimals: number | undefined;
  readonly ltvBps: bigint | undefined;
}

/** An empty {@link EulerViewMemo}. Never throws. */
export function createEulerViewMemo(): EulerViewMemo {
  return { settings: [], entries: new Map() };
}

/** Options of {@link eulerKeeperView}. */
export interface EulerViewOptions {
  /**
   * The accounts to screen, each once (default every account of the state): any list holding
   * every account the full screen would list (e.g. from src/sim/stress/eulerIndex.ts) gives the
   * same view for less work. Unknown ids are ignored.
   */
  readonly accounts?: readonly string[];
  /**
   * A memo kept from call to call (one run's states): an account whose object, cool-off status
   * and reads (decimals, oracle prices, LTVs in force of its assets) are those of its entry gets
   * the entry's pairs instead of a new dry run. The model's trigger and sizing read nothing else,
   * so the view is the same as without it.
   */
  readonly memo?: EulerViewMemo;
}

/** The pairs the model accepts for one account that owes (see {@link eulerKeeperView}). */
function pairsOf(
  state: EngineState<EulerExt>,
  id: string,
  account: EulerAccount,
  nowSeconds: number,
): EulerCandidateView[] {
  try {
    // Screen first (no exception on the healthy majority), then the model's own stages.
    const liquidity = liquidationLiquidity(state, account, nowSeconds);
    if (!isInViolation(liquidity.collateralAdjustedValue, liquidity.liabilityValue)) return [];
  } catch (e) {
    if (e instanceof SolventError) return [];
    throw e;
  }
  const pairs: EulerCandidateView[] = [];
  for (const collateral of account.enabledCollaterals) {
    if ((own(account.collateral, collateral) ?? 0n) === 0n) continue;
    try {
      const request = {
        violator: id,
        liquidator: PREVIEW_LIQUIDATOR,
        collateral,
        repayAssets: 'max' as const,
        minYieldBalance: 0n,
        repayFromWallet: true,
        nowSeconds,
      };
      const triggered = eulerTrigger(state, request);
      const size = eulerSizing(state, request, triggered);
      pairs.push({
        violator: id,
        collateral,
        collateralDecimals: state.assets[collateral]?.decimals ?? 18,
        healthScoreWad: triggered.healthScoreWad,
        discountFactorWad: size.discountFactorWad,
        liability: triggered.liability,
        maxRepay: size.repayAssets,
        maxYield: size.yieldAssets,
      });
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
  }
  return pairs;
}

function sameRead(a: EulerAssetRead, b: EulerAssetRead | undefined): boolean {
  return (
    b !== undefined &&
    a.decimals === b.decimals &&
    a.price === b.price &&
    a.priceDecimals === b.priceDecimals &&
    a.ltvBps === b.ltvBps
  );
}

/**
 * The view an Euler keeper decides on: every account that owes and is in violation at liquidation
 * LTVs (mid prices), and for each enabled collateral it holds, the model's own trigger and sizing
 * of `liquidate {repayAssets: max}` (refusals such as the cool-off or a stale price leave the pair
 * out). The liquidator's own account check is not run: a keeper that repays from its wallet in the
 * same batch owes nothing afterwards, so it always passes.
 * @param state a configured `euler-v2` engine state.
 * @param nowSeconds decision time, seconds (must equal `market.nowSeconds`).
 * @param keepers ids whose wallets the view includes.
 * @param options which accounts to screen, and a memo (see {@link EulerViewOptions}).
 * @throws InvalidParameterError for a bad market, a time mismatch or an unconfigured model.
 */
export function eulerKeeperView(
  state: EngineState<EulerExt>,
  nowSeconds: number,
  market: MarketContext,
  keepers: readonly string[] = [],
  options: EulerViewOptions = {},
): EulerKeeperView {
  requireViewTime(market, nowSeconds);
  const vault = state.ext.vault;
  if (vault === null) throw new InvalidParameterError('state', 'the Euler model is not configured yet');
  const memo = options.memo;
  if (memo !== undefined) {
    const settings = [
      vault.ltv,
      vault.asset,
      vault.unitOfAccountDecimals,
      vault.liquidationCoolOffSeconds,
      vault.maxLiquidationDiscountBps,
    ];
    if (settings.length !== memo.settings.length || settings.some((x, i) => x !== memo.settings[i])) {
      memo.entries.clear();
      memo.settings = settings;
    }
  }
  /** This call's reads, by asset (each asset read once). */
  const reads = new Map<string, EulerAssetRead>();
  const assetReadOf = (asset: string): EulerAssetRead => {
    let read = reads.get(asset);
    if (read !== undefined) return read;
    let price: bigint | undefined;
    let priceDecimals: number | undefined;
    try {
      const reading = spotPrice(state.oracle, asset, nowSeconds);
      price = reading.price;
      priceDecimals = reading.priceDecimals;
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
    }
    const config = own(vault.ltv, asset);
    read = {
      decimals: state.assets[asset]?.decimals,
      price,
      priceDecimals,
      ltvBps: config === undefined ? undefined : currentLtvBps(config, true, nowSeconds),
    };
    reads.set(asset, read);
    return read;
  };
  const candidates: EulerCandidateView[] = [];
  for (const id of options.accounts ?? state.ext.accounts.keys()) {
    const account = state.ext.accounts.get(id);
    if (account === undefined || account.owed === 0n) continue;
    if (memo === undefined) {
      candidates.push(...pairsOf(state, id, account, nowSeconds));
      continue;
    }
    const coolOff = isInLiquidationCoolOff({
      nowSeconds,
      lastStatusCheckSeconds: account.lastStatusCheckSeconds,
      coolOffSeconds: vault.liquidationCoolOffSeconds,
    });
    const accountReads = [vault.asset, ...account.enabledCollaterals].map(assetReadOf);
    const entry = memo.entries.get(id);
    if (
      entry !== undefined &&
      entry.account === account &&
      entry.coolOff === coolOff &&
      accountReads.every((r, i) => sameRead(r, entry.reads[i]))
    ) {
      candidates.push(...entry.pairs);
      continue;
    }
    const pairs = pairsOf(state, id, account, nowSeconds);
    memo.entries.set(id, { account, coolOff, reads: accountReads, pairs });
    candidates.push(...pairs);
  }
  candidates.sort((a, b) =>
    a.maxRepay !== b.maxRepay
      ? a.maxRepay > b.maxRepay
        ? -1
        : 1
      : a.violator !== b.violator
        ? a.violator < b.violator
          ? -1
          : 1
        : a.collateral < b.collateral
          ? -1
          : a.collateral > b.collateral
            ? 1
            : 0,
  );
  const wallets: Record<string, Record<string, bigint>> = {};
  for (const id of keepers)
    wallets[id] = { [vault.asset]: balanceOf(state.ledger, `wallet:${id}`, vault.asset) };
  return { nowSeconds, market, asset: vault.asset, assetDecimals: vault.assetDecimals, candidates, wallets };
}

/** Options of {@link eulerLiquidator}. */
export interface EulerLiquidatorOptions {
  readonly id: string;
  /** ε of `I > C_gas + ε`, USD (≥ 0, default 0). */
  readonly minProfitUsd?: number;
  /** Above this gas price (gwei) the keeper sends nothing; default none. */
  readonly maxGasPriceGwei?: number;
  /** Gas units of one liquidation batch (default {@link EULER_GAS_UNITS}). */
  readonly gasUnits?: bigint;
}

/** An Euler liquidator: its policy, and when it could act at all. */
export interface EulerLiquidatorPolicy extends KeeperPolicy<EulerKeeperView> {
  /**
   * Whether it could send anything at `market` holding `walletUnits` of the vault's asset: false
   * while gas is above its cap or its wallet is empty, when it returns no action whatever the
   * view's candidates are (so a view for keepers none of which could act needs to list none).
   * Never throws.
   */
  couldAct(market: MarketContext, walletUnits: bigint): boolean;
}

/** Whether `policy` is an {@link EulerLiquidatorPolicy} (has `couldAct`). Never throws. */
export function isEulerLiquidatorPolicy(
  policy: KeeperPolicy<EulerKeeperView>,
): policy is EulerLiquidatorPolicy {
  return typeof (policy as Partial<EulerLiquidatorPolicy>).couldAct === 'function';
}

/** USD (float, screen only) of `amount` smallest units at `priceWad`, net of `slippageBps`. */
function usdOf(amount: bigint, decimals: number, priceWad: bigint, slippageBps = 0n): number {
  // Floor: the keeper never overstates what it would receive.
  return Number(mulDiv(amount, priceWad * (BPS - slippageBps), pow10(decimals) * BPS, Rounding.Down)) / 1e18;
}

/**
 * An Euler liquidator. For each candidate (largest repay first, one per violator) it takes over
 * min(wallet, max repay) of debt — `repayAssets: 'max'` when the wallet covers it, else the wallet,
 * with the yield scaled as Euler scales it (repay · maxYield / maxRepay, floored) — repays it from
 * its wallet in the same batch (`repayFromWallet`) and asks for at least that yield
 * (`minYieldBalance`). It acts when I = yield × market price × (1 − slippage) − repay × debt
 * price (`market.collateralPricesUsdWad[asset]`, else $1) exceeds the gas cost plus `minProfitUsd`; the discount (1 − health score, capped by the
 * vault's maximum) is its whole incentive. Cash spent by earlier actions of the same decision is
 * not reused. With `maxGasPriceGwei`, nothing is sent while gas is above the cap.
 * @throws InvalidParameterError for a negative ε or cap (when built), a view without its wallet.
 */
export function eulerLiquidator(options: EulerLiquidatorOptions): EulerLiquidatorPolicy {
  const minProfitUsd = options.minProfitUsd ?? 0;
  requireNonNegative(minProfitUsd, 'minProfitUsd');
  requireGasCap(options.maxGasPriceGwei);
  const gasUnits = options.gasUnits ?? EULER_GAS_UNITS.liquidate;
  return {
    id: options.id,
    couldAct: (market, walletUnits) => walletUnits > 0n && !gasAboveCap(market, options.maxGasPriceGwei),
    decide(view) {
      const wallet = view.wallets[options.id];
      if (wallet === undefined) {
        throw new InvalidParameterError('view.wallets', `the view has no wallet for keeper ${options.id}`);
      }
      const m = view.market;
      if (gasAboveCap(m, options.maxGasPriceGwei)) return [];
      const gasUsd = gasCostUsd(gasUnits, m);
      const priceOf = (asset: string): bigint => m.collateralPricesUsdWad?.[asset] ?? m.collateralPriceUsdWad;
      // The vault's asset at its listed price, else $1 (a USD stablecoin).
      const debtPriceWad = m.collateralPricesUsdWad?.[view.asset] ?? WAD;
      let cash = wallet[view.asset] ?? 0n;
      const done = new Set<string>();
      const actions: KeeperAction[] = [];
      for (const c of view.candidates) {
        if (done.has(c.violator) || c.maxRepay === 0n || cash <= 0n) continue;
        const repay = cash < c.maxRepay ? cash : c.maxRepay;
        // Euler scaleToDesiredRepay: desired · maxYield / maxRepay, floor (the model's own rounding).
        const yieldBalance =
          repay === c.maxRepay ? c.maxYield : mulDiv(repay, c.maxYield, c.maxRepay, Rounding.Down);
        const incentiveUsd =
          usdOf(yieldBalance, c.collateralDecimals, priceOf(c.collateral), m.slippageBps) -
          usdOf(repay, view.assetDecimals, debtPriceWad);
        if (!clearsGas(incentiveUsd, gasUsd, minProfitUsd)) continue;
        cash -= repay;
        done.add(c.violator);
        actions.push({
          command: {
            type: 'liquidate',
            violator: c.violator,
            liquidator: options.id,
            collateral: c.collateral,
            repayAssets: repay === c.maxRepay ? 'max' : repay,
            minYieldBalance: yieldBalance,
            repayFromWallet: true,
          },
          gasUnits,
          reason: `liquidate ${c.violator}: I $${incentiveUsd.toFixed(2)} > gas $${gasUsd.toFixed(2)} + ε`,
          expectedProfitUsd: incentiveUsd,
        });
      }
      return actions;
    },
  };
}
