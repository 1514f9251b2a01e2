/**
 * The stress lab's adapter for composed lending markets (`kind: lending` configurations, see
 * src/protocols/composed/config.ts): the model comes from `resolveProtocol(options.protocolConfig)`,
 * its path collateral (ETH or WETH) follows the scenario's ETH path through an undelayed feed, the
 * debt asset is held at $1 through a fixed feed, the pool is supplied with the book's debt, an
 * insurance fund is seeded when the waterfall has one, and keepers of the generic `liquidator`
 * preset liquidate, start, reset and buy auctions as the configuration's stages allow
 * (src/keepers/composed.ts).
 *
 * What the summary's figures mean for a composed market (the debt asset counted at $1, an
 * ASSUMPTION: a USD stablecoin):
 * - `liquidations`: accepted `liquidate` calls (`ComposedLiquidated` for a sale or write-off,
 *   `ComposedAuctionStarted` for an auction).
 * - `liquidatedDebtUsd`: a sale's debt repaid by the liquidator (any shortfall written off in the
 *   same call goes to the waterfall figures below); an auction's debt claims moved into it.
 * - `auctions`: Dutch auctions started; `auctionsLiveAtEnd`: still running; `zeroBidAuctions`: 0
 *   (Dutch auctions have no bids).
 * - Clearings: a sale's collateral kept by the liquidator (protocol fee excluded) against the debt
 *   it repaid; each auction `take`, its slice against what the buyer paid.
 * - `badDebtUsd`: see {@link composedBadDebtUsd}: claims parked in the `deficit` bucket.
 * - `insuranceFundDrawUsd`: debt-asset tokens the waterfall's `reserves` and `insurance` steps paid
 *   to the pool; the series' `insuranceFundUsd` is the balance of those buffers (the steps the
 *   configuration lists).
 * - `socializedLossUsd`: claims the waterfall's `socialize` step wrote off against suppliers.
 * - `adlVolumeUsd`: 0.
 * - `keeperProfitUsd`: debt-asset wallet change (repayments, auction payments, keeper rewards) +
 *   proceeds of selling the collateral received − gas.
 * - `borrowerLossUsd`: from the accounts' collateral (`acct:`) and debt claims (`debt:`): collateral
 *   and claims moved into an auction leave the borrower at the kick; a leftover lot comes back.
 *
 * With the optional risk stages (`volatility`, `predictive`, `dynamicIncentive`, `riskOracle`),
 * the upkeep sends `updateRisk` every step (after the debt asset's fixed price), carrying the
 * step's gas price and the ETH market price when the market has a dynamicIncentive; keepers also
 * de-leverage the accounts the predictive stage allows. Their figures:
 * - `softMarginCalls`: `SoftMarginCalled` events; `deleveragedDebtUsd`: debt repaid by
 *   `Deleveraged` steps (not counted as liquidations; their collateral is a clearing the keeper
 *   sells); `parameterUpdates`: `RiskParameterUpdated` and `GasPricePublished` events.
 */

import { createEngine, debtClaimAsset, type EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Command, Decider, EngineEvent } from '../../engine/machine.js';
import { accountValues, type MarginAccount } from '../../engine/margin.js';
import { composedKeeperView } from '../../keepers/composed.js';
import { composedPresetPolicy } from '../../keepers/presets.js';
import type { MarketContext } from '../../keepers/types.js';
import { assert } from '../../math/errors.js';
import { mulDiv, Rounding } from '../../math/mulDiv.js';
import { BPS, pow10, WAD } from '../../math/units.js';
import { resolveProtocol } from '../../protocols/catalog.js';
import {
  type ComposedLendingConfig,
  composedLendingConfigToJson,
  parseComposedLendingConfig,
} from '../../protocols/composed/config.js';
import type { ComposedLendingEvent, ComposedLendingExt } from '../../protocols/composed/lending.js';
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
import { FIXED_USD_ORACLE, FIXED_USD_REPUBLISH_SECONDS, USD8 } from './lending.js';
import { DEFAULT_GAS_CAP_GWEI, DEFAULT_KEEPER_WALLET_DAI } from './types.js';

const decimalsOf = bookTokenDecimals;
/** Collaterals the scenario's ETH path may drive, in order of preference. */
const PATH_COLLATERALS: readonly string[] = ['ETH', 'WETH'];

/**
 * Insurance fund seeded at the start when the configuration's waterfall has an `insurance` step,
 * bps of the book's debt: an ASSUMPTION (2 %), so a moderate shortfall is covered and a crash's
 * reaches the later steps. Reserves start empty and fill from the protocol's share of premiums.
 */
export const COMPOSED_INSURANCE_SHARE_BPS = 200n;

/**
 * Whether `config` is a composed lending configuration the stress lab routes to
 * {@link composedLendingStressAdapter}: a non-null object with `kind: 'lending'` (the rest is
 * validated, naming the field, when the run opens). Never throws.
 */
export function isComposedLendingConfig(config: unknown): boolean {
  return config !== null && typeof config === 'object' && (config as { kind?: unknown }).kind === 'lending';
}

/** An oracle price as the engine holds it: `price / 10^priceDecimals` USD per whole token. */
export type ComposedBookPrice = BookPrice;

/** Options of {@link composedBookCommands}. */
export interface ComposedBookOptions {
  readonly config: ComposedLendingConfig;
  /** Oracle prices of the debt asset and of every collateral the book uses (> 0). */
  readonly prices: Readonly<Record<string, ComposedBookPrice>>;
  /** Book asset → market collateral (default none: the book's ids). */
  readonly assetMap?: Readonly<Record<string, string>>;
  /** How far above the borrowing limit a book debt may be and still open, lowered to it (default 1 bp). */
  readonly clampToleranceBps?: number;
}

/**
 * The commands that open a book in a composed lending market after its set-up (assets listed,
 * oracles priced, `configure`, the pool supplied with at least `totals.debt`): per account one
 * `deposit {account, asset, amount}` per collateral line, then `borrow {account, amount}` of the
 * debt asset (USD debt at its oracle price, floored). The borrow must keep the debt value at or
 * below the borrow capacity Σ value × initial LTV (the model's `accountValues`); a debt above it by
 * at most the tolerance is lowered to the limit (clamped), further above it is skipped
 * (`collateral-ratio`). Also skipped: collateral the market does not take, or that `prices` does
 * not price (`unsupported-collateral`), and collateral rounding to 0 (`zero-collateral`). Pure: the
 * book is not changed.
 * @throws InvalidParameterError for a missing debt-asset price (`prices.USDC`) or a bad
 * `clampToleranceBps`.
 */
export function composedBookCommands(book: Book, options: ComposedBookOptions): BookCommands {
  const { config } = options;
  const tol = readClampToleranceBps(options.clampToleranceBps);
  const priceOf = (asset: string): ComposedBookPrice => requireBookPrice(options.prices, asset);
  const debtAsset = config.debtAsset;
  const debtPrice = priceOf(debtAsset);
  const debtDecimals = decimalsOf(debtAsset);
  const debtLine = (amount: bigint) => ({
    asset: debtAsset,
    amount,
    decimals: debtDecimals,
    price: debtPrice.price,
    priceDecimals: debtPrice.priceDecimals,
  });
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
      asset: options.assetMap?.[c.asset] ?? c.asset,
      amountWhole: c.amountWhole,
    }));
    const unsupported = lines.find(
      (l) => !Object.hasOwn(config.collateral, l.asset) || !Object.hasOwn(options.prices, l.asset),
    );
    if (unsupported !== undefined || lines.length === 0) {
      skip(
        account.id,
        'unsupported-collateral',
        `${unsupported?.asset ?? 'nothing'} is not collateral of ${config.id} priced in this run`,
      );
      continue;
    }
    const collateral: MarginAccount['collateral'][number][] = [];
    for (const l of lines) {
      const amount = floatToUnits(l.amountWhole, decimalsOf(l.asset));
      if (amount === 0n) continue;
      const risk = config.collateral[l.asset];
      assert(risk !== undefined, 'collateral checked above');
      const p = priceOf(l.asset);
      collateral.push({
        asset: l.asset,
        amount,
        decimals: decimalsOf(l.asset),
        price: p.price,
        priceDecimals: p.priceDecimals,
        liquidationThresholdBps: risk.liquidationThresholdBps,
        initialLtvBps: risk.initialLtvBps,
      });
    }
    if (collateral.length === 0) {
      skip(account.id, 'zero-collateral', 'the collateral rounds to 0 units');
      continue;
    }
    const capacityWad = accountValues({ collateral, debt: [] }).borrowCapacityWad;
    // USD (1e8) floored, then tokens floored at the oracle price: never above the book.
    const bookDebt = usdToDebtUnits(account.debtUsd, debtDecimals, debtPrice);
    // The model refuses debt value > capacity; floor of the inverse, then checked by the model's own sum.
    let limit = mulDiv(
      capacityWad,
      pow10(debtDecimals + debtPrice.priceDecimals),
      debtPrice.price * WAD,
      Rounding.Down,
    );
    const fits = (amount: bigint): boolean =>
      amount === 0n || accountValues({ collateral, debt: [debtLine(amount)] }).debtValueWad <= capacityWad;
    while (limit > 0n && !fits(limit)) limit -= 1n;
    let debt = bookDebt;
    let clamped = false;
    if (!fits(debt)) {
      if (withinClampTolerance(debt, limit, tol)) {
        debt = limit;
        clamped = true;
      } else {
        skip(
          account.id,
          'collateral-ratio',
          `debt ${bookDebt} above the borrow limit ${limit} (${debtAsset} units)`,
        );
        continue;
      }
    }
    for (const c of collateral) totalsColl[c.asset] = (totalsColl[c.asset] ?? 0n) + c.amount;
    commands.push(...depositBorrowCommands(account.id, collateral, debt));
    totalDebt += debt;
    if (clamped) clampedCount += 1;
    opened.push({
      bookId: account.id,
      account: account.id,
      collateral: collateral.map((c) => ({ asset: c.asset, amount: c.amount })),
      debtAsset,
      debtAmount: debt,
      clamped,
    });
  }
  const skippedByReason = countSkipsByReason(skipped);
  return {
    protocol: config.id,
    commands,
    opened,
    skipped,
    skippedByReason,
    clampedCount,
    totals: { collateral: totalsColl, debt: totalDebt > 0n ? { [debtAsset]: totalDebt } : {} },
  };
}

/**
 * A composed market's bad debt, whole units of the debt asset (USD at $1): the claims its loss
 * waterfall parked in `deficit` (recorded, not covered). Losses the waterfall covered from reserves
 * or insurance, or socialized, are not bad debt here (they are the draw and socialized figures).
 * Claims of auctions still running are not counted: what they may recover is unknown.
 * Never throws (0 before `configure`).
 */
export function composedBadDebtUsd(state: EngineState<ComposedLendingExt>): number {
  const config = state.ext.config;
  if (config === null) return 0;
  const deficit = balanceOf(state.ledger, 'deficit', debtClaimAsset(config.debtAsset));
  return Number(deficit) / 10 ** decimalsOf(config.debtAsset);
}

type ComposedState = EngineState<ComposedLendingExt>;

/** A float as a plain decimal string with at most `decimals` decimals (the engine reads it exactly). */
function decimalText(value: number, decimals: number): string {
  if (!(Number.isFinite(value) && value >= 0)) return '0';
  return value.toFixed(decimals);
}

/** Composed lending markets in the stress lab (see the file header). */
export const composedLendingStressAdapter: StressAdapter = {
  /** Empty: composed ids are not known in advance; route with {@link isComposedLendingConfig}. */
  protocols: [],
  /** A gas-capped liquidator (cap {@link DEFAULT_GAS_CAP_GWEI}, ε $0) and a gas-aware one (ε $10). */
  defaultKeepers: () => [
    { preset: 'liquidator', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
    { preset: 'liquidator', id: 'keeper-aware', minProfitUsd: 10 },
  ],
  /**
   * A composed market's parameters are its configuration, returned as given once it parses.
   * @throws InvalidParameterError (field `protocol`) without one; the configuration's field errors.
   */
  defaultParamsJson(protocol, protocolConfig) {
    if (protocolConfig === undefined) {
      throw new InvalidParameterError(
        'protocol',
        `${protocol} is a composed market: its parameters are its configuration file`,
        'Pass the configuration (protocolConfig).',
      );
    }
    parseComposedLendingConfig(protocolConfig, 'protocolConfig');
    return protocolConfig;
  },
  /**
   * Set-up at `start − 2·step`: the debt asset and every collateral listed, the path collateral's
   * feed and a fixed $1 feed for the debt asset, `configure` with the configuration (or
   * `protocolParams`, which replaces it: same shape), keeper wallets funded in the debt asset
   * (`walletUsd`, default {@link DEFAULT_KEEPER_WALLET_DAI}), the insurance fund seeded with
   * {@link COMPOSED_INSURANCE_SHARE_BPS} of the book's debt when the waterfall lists `insurance`.
   * At `start`: the pool supplied with the book's debt, then the book ({@link composedBookCommands}).
   * @throws InvalidParameterError (`protocolConfig`) without a lending configuration, or one with
   * neither ETH nor WETH as collateral; the configuration's own field errors.
   */
  open(setup: StressSetup): OpenedStress<unknown> {
    const { options, source, rng, specs, start } = setup;
    const raw = options.protocolParams ?? options.protocolConfig;
    if (!isComposedLendingConfig(raw)) {
      throw new InvalidParameterError(
        'protocolConfig',
        `${options.protocol} needs a composed lending configuration (kind: lending)`,
        'Pass the parsed YAML or JSON configuration as protocolConfig.',
      );
    }
    const config = parseComposedLendingConfig(raw, 'protocolConfig');
    const model = resolveProtocol(raw).model;
    const policies = specs.map((spec) => composedPresetPolicy(spec));
    const pathAsset = PATH_COLLATERALS.find((a) => Object.hasOwn(config.collateral, a));
    if (pathAsset === undefined) {
      throw new InvalidParameterError(
        'protocolConfig.collateral',
        `${config.id} takes neither ETH nor WETH`,
        'The stress lab drives ETH (or WETH) with the scenario ETH path: list one of them as collateral.',
      );
    }
    const debtAsset = config.debtAsset;
    const debtDecimals = decimalsOf(debtAsset);
    const feed = stressFeed(rng, source, pathAsset, options.oracle);
    const setupAt = start - 2 * source.stepSeconds;
    const decider = createEngine(model as never) as unknown as Decider<ComposedState, Command, EngineEvent>;
    const at = (command: Command, atSeconds = setupAt) => ({ command, atSeconds });
    const listed = [debtAsset, ...Object.keys(config.collateral)].sort();
    const commands = [
      ...listed.map((a) => at({ type: 'listAsset', asset: a, decimals: decimalsOf(a) })),
      at({ type: 'configureOracle', asset: pathAsset, config: feed.oracleConfig }),
      at({ type: 'configureOracle', asset: debtAsset, config: FIXED_USD_ORACLE }),
      at({ type: 'publishPrice', asset: debtAsset, source: 'fixed', price: USD8 }),
      ...feed.first.map((c) => at(c.command)),
      at({ type: 'configure', params: composedLendingConfigToJson(config) }),
    ];
    const funded: Record<string, bigint> = {};
    for (const s of specs) {
      const whole = 'walletUsd' in s && s.walletUsd !== undefined ? s.walletUsd : DEFAULT_KEEPER_WALLET_DAI;
      funded[s.id] = wholeUnits(whole, 'walletUsd') * pow10(debtDecimals);
      if ((funded[s.id] ?? 0n) > 0n) {
        commands.push(at({ type: 'fundWallet', actor: s.id, asset: debtAsset, amount: funded[s.id] }));
      }
    }
    const book = composedBookCommands(stressBook(options, rng, source.ethPath), {
      config,
      prices: {
        [pathAsset]: { price: feed.firstPrice, priceDecimals: FEED_PRICE_DECIMALS },
        [debtAsset]: { price: USD8, priceDecimals: 8 },
      },
      assetMap: { ETH: pathAsset },
    });
    const debt = book.totals.debt[debtAsset] ?? 0n;
    // floor: the fund never holds more than the assumed share.
    const insurance = config.lossWaterfall.includes('insurance')
      ? mulDiv(debt, COMPOSED_INSURANCE_SHARE_BPS, BPS, Rounding.Down)
      : 0n;
    if (insurance > 0n) commands.push(at({ type: 'fundInsurance', asset: debtAsset, amount: insurance }));
    if (debt > 0n) commands.push(at({ type: 'supply', amount: debt }, start));
    for (const c of book.commands) commands.push(at(c, start));
    const state = applyAll(decider, decider.initial(), commands);
    const accounts = book.opened.map((o) => o.account);
    const keeperIds = specs.map((s) => s.id);
    const claim = debtClaimAsset(debtAsset);
    const toUsd = (units: bigint): number => Number(units) / 10 ** debtDecimals;
    const pathDecimals = decimalsOf(pathAsset);
    const toWhole = (units: bigint): number => Number(units) / 10 ** pathDecimals;
    const buffers = [
      ...(config.lossWaterfall.includes('reserves') ? ['protocol'] : []),
      ...(config.lossWaterfall.includes('insurance') ? ['insurance'] : []),
    ];
    let usdPublishedAt = setupAt;
    const risky =
      config.volatility !== undefined ||
      config.predictive !== undefined ||
      config.dynamicIncentive !== undefined ||
      config.riskOracle !== undefined;
    const withPrices = (market: MarketContext): MarketContext => ({
      ...market,
      collateralPricesUsdWad: { [pathAsset]: floatToWad(market.ethPriceUsd), [debtAsset]: WAD },
    });
    const view = sharedView((s: ComposedState, market: MarketContext) =>
      composedKeeperView(s, market.nowSeconds, withPrices(market), keeperIds),
    );
    const opened: OpenedStress<ComposedState> = {
      decider,
      state,
      feed: feed.feed,
      accounts,
      skipped: book.skipped.length,
      collateralAsset: pathAsset,
      maintenance(_s, t, marketUsd, gasGwei) {
        const out: Command[] = [];
        if (t - usdPublishedAt >= FIXED_USD_REPUBLISH_SECONDS) {
          usdPublishedAt = t;
          out.push({ type: 'publishPrice', asset: debtAsset, source: 'fixed', price: USD8 });
        }
        if (risky) {
          const gas = config.dynamicIncentive === undefined ? undefined : gasGwei;
          out.push(
            gas === undefined
              ? { type: 'updateRisk' }
              : {
                  type: 'updateRisk',
                  gasPriceGwei: decimalText(gas, 9),
                  ethPriceUsd: decimalText(marketUsd, 8),
                },
          );
        }
        return out;
      },
      keepers: policies.map((policy) => ({
        id: policy.id,
        decide: (s, market) => policy.decide(view(s, market)),
      })),
      classify(e) {
        if (e.type === 'Moved') {
          // The waterfall's steps (src/engine/waterfall.ts absorbLoss): tokens paid by a buffer, or
          // claims written off to `socialized`.
          const reason = e.reason as string;
          if ((reason === 'loss:reserves' || reason === 'loss:insurance') && e.asset === debtAsset) {
            return { insuranceDrawUsd: toUsd(e.amount as bigint) };
          }
          if (reason === 'loss:socialize' && e.asset === claim)
            return { socializedUsd: toUsd(e.amount as bigint) };
          return undefined;
        }
        const c = e as unknown as ComposedLendingEvent;
        if (c.type === 'ComposedLiquidated') {
          return {
            liquidationUsd: toUsd(c.repaid),
            ...(c.asset === pathAsset && c.seized > 0n
              ? { clearing: { collateral: toWhole(c.seized - c.protocolFee), paidUsd: toUsd(c.repaid) } }
              : {}),
          };
        }
        if (c.type === 'ComposedAuctionStarted')
          return { liquidationUsd: toUsd(c.auction.claims), auction: true };
        // Every auction sells the path collateral: the book opens no other (composedBookCommands
        // skips collateral without a price, and only the path collateral is priced).
        if (c.type === 'ComposedAuctionTaken') {
          return { clearing: { collateral: toWhole(c.slice), paidUsd: toUsd(c.owe) } };
        }
        if (c.type === 'SoftMarginCalled') return { softMarginCall: true };
        if (c.type === 'Deleveraged') {
          return {
            deleveragedUsd: toUsd(c.repaid),
            ...(c.asset === pathAsset && c.seized > 0n
              ? { clearing: { collateral: toWhole(c.seized), paidUsd: toUsd(c.repaid) } }
              : {}),
          };
        }
        if (c.type === 'RiskParameterUpdated' || c.type === 'GasPricePublished')
          return { parameterUpdate: true };
        return undefined;
      },
      heldCollateral: (s, id) => balanceOf(s.ledger, `wallet:${id}`, pathAsset),
      keeperCashDeltaUsd: (s, id) =>
        toUsd(balanceOf(s.ledger, `wallet:${id}`, debtAsset) - (funded[id] ?? 0n)),
      borrowerTotals(s) {
        let collateral = 0n;
        let owed = 0n;
        for (const id of accounts) {
          collateral += balanceOf(s.ledger, `acct:${id}`, pathAsset);
          owed += balanceOf(s.ledger, `debt:${id}`, claim);
        }
        return { collateral, debtUsd: toUsd(owed) };
      },
      badDebtUsd: composedBadDebtUsd,
      insuranceFundUsd: (s) => buffers.reduce((sum, b) => sum + toUsd(balanceOf(s.ledger, b, debtAsset)), 0),
      auctionsLive: (s) => Object.keys(s.ext.auctions).length,
      health(s, id, t) {
        if (!Object.hasOwn(s.ext.accounts, id)) return undefined;
        const h = model.health(s as EngineState<unknown>, id, t);
        return h.debtValueWad === 0n ? undefined : h;
      },
      oracle: (s) => s.oracle,
    };
    return opened as unknown as OpenedStress<unknown>;
  },
};
