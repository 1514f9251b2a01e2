/**
 * The stress lab's Aave v3 (3.3/3.5/3.7) and Compound v3 adapter: WETH driven by the scenario's ETH
 * path through an undelayed feed (Aave and Comet read Chainlink directly: no OSM); USDC driven by
 * the source's USDC path when it has one (usdc-depeg-2023, or a replay's `--prices USDC=...`), else
 * fixed at $1; the pool supplied with the book's USDC debt by `lender`, keepers funded in USDC, and
 * the lending views and policies of src/keepers/lending.ts.
 */
import { createEngine, type EngineState } from '../../engine/engine.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Command, Decider, EngineEvent } from '../../engine/machine.js';
import {
  type AaveLiquidatorPolicy,
  aaveKeeperView,
  aaveMayPayAtAll,
  type CometKeeperView,
  cometKeeperView,
} from '../../keepers/lending.js';
import { aavePresetPolicy, cometPresetPolicy } from '../../keepers/presets.js';
import type { KeeperPolicy, MarketContext } from '../../keepers/types.js';
import { AAVE_MODEL_IDS, createAaveModel } from '../../protocols/aave-v3/model.js';
import { DEFAULT_AAVE_PARAMS } from '../../protocols/aave-v3/params.js';
import type { AaveExt } from '../../protocols/aave-v3/state.js';
import { findProtocol, toJsonValue } from '../../protocols/catalog.js';
import { presentValue } from '../../protocols/compound-v3/math.js';
import { COMPOUND_V3_ID, compoundV3Model, reservesOf } from '../../protocols/compound-v3/model.js';
import { DEFAULT_COMPOUND_PARAMS } from '../../protocols/compound-v3/params.js';
import type { CompoundExt } from '../../protocols/compound-v3/state.js';
import { bookCommands } from '../book.js';
import { split } from '../rng.js';
import {
  applyAll,
  debtValuedAsRepaid,
  FEED_PRICE_DECIMALS,
  floatToWad,
  mergedFeed,
  type OpenedStress,
  openOnce,
  type StressAdapter,
  type StressSetup,
  sharedView,
  stepPrice,
  stressBook,
  stressFeed,
  wholeUnits,
} from './core.js';
import { lendingWatch } from './lendingWatch.js';
import {
  DEFAULT_GAS_CAP_GWEI,
  DEFAULT_KEEPER_WALLET_DAI,
  type StressKeeperSpec,
  type StressOracle,
} from './types.js';

/** Aave model ids the stress lab runs. */
export const AAVE_IDS: readonly string[] = [
  AAVE_MODEL_IDS['3.3'],
  AAVE_MODEL_IDS['3.5'],
  AAVE_MODEL_IDS['3.7'],
];

/** Token decimals of the assets the lending runs list (the configured reserves / Comet assets). */
const LENDING_DECIMALS: Readonly<Record<string, number>> = {
  USDC: 6,
  WBTC: 8,
  WETH: 18,
  wstETH: 18,
  COMP: 18,
};
/** The collateral of a lending run: the scenario's ETH path drives WETH. */
const LENDING_COLLATERAL = 'WETH';
/** The debt (Aave) or base (Comet) asset, held at $1 (1e8 USD·1e8, re-published monthly). */
const LENDING_DEBT = 'USDC';
/** The fixed $1 price the lending, composed and Euler runs publish for their stablecoin, USD·1e8. */
export const USD8 = 10n ** 8n;
/** Re-publication period of the fixed $1 feed, seconds (well inside its staleness limit). */
export const FIXED_USD_REPUBLISH_SECONDS = 30 * 86_400;
/** A fixed feed for USDC: one source, fresh for 366 days (USDC at $1 throughout, an ASSUMPTION). */
export const FIXED_USD_ORACLE = {
  priceDecimals: 8,
  sources: ['fixed'],
  minSources: 1,
  staleAfterSeconds: 366 * 86_400,
  maxSpreadBps: 100,
  twapWindowSeconds: 60,
  delaySeconds: 0,
};
/** Random stream of the debt asset's feed when the source moves it (`split(rng, this)`). */
const DEBT_FEED_STREAM = 24;

/**
 * The feed settings a moving debt asset's feed takes from the run's oracle: its cadence (heartbeat,
 * deviation, reporting delay, noise). Outages and manipulated spikes describe the collateral's feed
 * and stay there.
 */
function debtFeedOracle(oracle: StressOracle | undefined): StressOracle | undefined {
  if (oracle === undefined) return undefined;
  const { outages: _outages, spikes: _spikes, ...cadence } = oracle;
  return cadence;
}

/** Who supplies the pool's USDC liquidity (Comet needs an account; Aave supplies from `world`). */
const LENDER = 'lender';

type LendingState = EngineState<AaveExt> | EngineState<CompoundExt>;

type LendingPolicy =
  | { readonly kind: 'aave'; readonly policy: AaveLiquidatorPolicy }
  | { readonly kind: 'comet'; readonly policy: KeeperPolicy<CometKeeperView> };

/** The lab's keeper preset as a policy: the same mapping the live bot uses (src/keepers/presets.ts). */
function lendingPolicy(spec: StressKeeperSpec, aave: boolean): LendingPolicy {
  return aave
    ? { kind: 'aave', policy: aavePresetPolicy(spec) }
    : { kind: 'comet', policy: cometPresetPolicy(spec) };
}

const usdcToUsd = (units: bigint): number => Number(units) / 1e6;

/**
 * Bad debt of a lending state, USD: Aave the sum of the reserves' deficits (USDC at `usdcPriceUsd`,
 * WETH at `wethPriceUsd`, others at $1); Comet its negative reserves, max(0, −getReserves()), in
 * USDC at `usdcPriceUsd`. Never throws.
 */
export function lendingBadDebtUsd(state: LendingState, wethPriceUsd: number, usdcPriceUsd = 1): number {
  if ('liquidationCount' in state.ext) {
    let usd = 0;
    for (const [asset, r] of Object.entries((state as EngineState<AaveExt>).ext.reserves)) {
      if (r.deficit === 0n) continue;
      const whole = Number(r.deficit) / 10 ** (LENDING_DECIMALS[asset] ?? 18);
      usd +=
        asset === LENDING_COLLATERAL
          ? whole * wethPriceUsd
          : asset === LENDING_DEBT
            ? whole * usdcPriceUsd
            : whole;
    }
    return usd;
  }
  const comet = state as EngineState<CompoundExt>;
  if (comet.ext.market === null) return 0;
  const reserves = reservesOf(comet, comet.ext.market);
  return reserves < 0n ? usdcToUsd(-reserves) * usdcPriceUsd : 0;
}

/** Borrowers' WETH collateral and net USDC debt (debt − supply credit), both in smallest units. */
function lendingBorrowerDebtUnits(
  state: LendingState,
  accounts: readonly string[],
): { readonly collateral: bigint; readonly netDebt: bigint } {
  let collateral = 0n;
  let netDebt = 0n;
  if ('liquidationCount' in state.ext) {
    for (const id of accounts) {
      collateral += balanceOf(state.ledger, `acct:${id}`, LENDING_COLLATERAL);
      netDebt += balanceOf(state.ledger, `debt:${id}`, `${LENDING_DEBT}.debt`);
    }
    return { collateral, netDebt };
  }
  const comet = state as EngineState<CompoundExt>;
  for (const id of accounts) {
    const a = comet.ext.accounts.get(id);
    if (a === undefined) continue;
    collateral += a.collateral[LENDING_COLLATERAL] ?? 0n;
    netDebt -= presentValue(a.principal, comet.ext.indexes);
  }
  return { collateral, netDebt };
}

/** How the lending adapter reads its book each step. */
export interface LendingAdapterOptions {
  /**
   * True (the default adapter): keeper views re-check only the accounts an incremental liquidation
   * detector flags (lendingWatch.ts), and the borrowers' totals are running sums. False: every
   * account is screened at every view and summed at every step (the reference; same results).
   */
  readonly indexed: boolean;
}

/** Aave v3 and Compound v3 in the stress lab (see the file header and {@link LendingAdapterOptions}). */
export function createLendingStressAdapter(adapterOptions: LendingAdapterOptions): StressAdapter {
  return {
    protocols: [...AAVE_IDS, COMPOUND_V3_ID],
    /**
     * Aave: a gas-capped liquidator (cap {@link DEFAULT_GAS_CAP_GWEI}, ε $0) and a gas-aware one (ε $10);
     * Comet: a gas-capped absorber (same cap) and a gas-aware buyer of collateral (ε $10).
     */
    defaultKeepers(protocol) {
      if (protocol === COMPOUND_V3_ID) {
        return [
          { preset: 'cometAbsorber', id: 'keeper-absorber', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
          { preset: 'cometBuyer', id: 'keeper-buyer', minProfitUsd: 10 },
        ];
      }
      return [
        {
          preset: 'aaveLiquidator',
          id: 'keeper-capped',
          minProfitUsd: 0,
          maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI,
        },
        { preset: 'aaveLiquidator', id: 'keeper-aware', minProfitUsd: 10 },
      ];
    },
    defaultParamsJson: (protocol) => toJsonValue(findProtocol(protocol).defaultParams),
    open(setup: StressSetup): OpenedStress<unknown> {
      const { options, source, rng, specs, start } = setup;
      const aave = AAVE_IDS.includes(options.protocol);
      const policies = specs.map((s) => lendingPolicy(s, aave));
      const feed = stressFeed(rng, source, LENDING_COLLATERAL, options.oracle);
      // USDC follows the source's path when it has one (a depeg), through a feed of its own.
      const debtPath = source.assets[LENDING_DEBT];
      const debtFeed =
        debtPath === undefined
          ? undefined
          : stressFeed(
              split(rng, DEBT_FEED_STREAM),
              { ethPath: debtPath, stepSeconds: source.stepSeconds },
              LENDING_DEBT,
              debtFeedOracle(options.oracle),
            );
      const debtFirstPrice = debtFeed?.firstPrice ?? USD8;
      const setupAt = start - 2 * source.stepSeconds;
      const version = (Object.keys(AAVE_MODEL_IDS) as (keyof typeof AAVE_MODEL_IDS)[]).find(
        (v) => AAVE_MODEL_IDS[v] === options.protocol,
      );
      const model = version !== undefined ? createAaveModel(version) : compoundV3Model;
      const decider = createEngine(model as never) as unknown as Decider<LendingState, Command, EngineEvent>;
      const params =
        options.protocolParams !== undefined
          ? findProtocol(options.protocol).parseParams(options.protocolParams)
          : aave
            ? DEFAULT_AAVE_PARAMS
            : DEFAULT_COMPOUND_PARAMS;
      const listed = aave
        ? Object.keys(DEFAULT_AAVE_PARAMS.reserves)
        : [DEFAULT_COMPOUND_PARAMS.baseAsset, ...DEFAULT_COMPOUND_PARAMS.assets.map((a) => a.asset)];
      const at = (command: Command, atSeconds = setupAt) => ({ command, atSeconds });
      const commands = [
        ...[...listed]
          .sort()
          .map((asset) => at({ type: 'listAsset', asset, decimals: LENDING_DECIMALS[asset] ?? 18 })),
        at({ type: 'configureOracle', asset: LENDING_COLLATERAL, config: feed.oracleConfig }),
        ...(debtFeed === undefined
          ? [
              at({ type: 'configureOracle', asset: LENDING_DEBT, config: FIXED_USD_ORACLE }),
              at({ type: 'publishPrice', asset: LENDING_DEBT, source: 'fixed', price: USD8 }),
            ]
          : [
              at({ type: 'configureOracle', asset: LENDING_DEBT, config: debtFeed.oracleConfig }),
              ...debtFeed.first.map((c) => at(c.command)),
            ]),
        ...feed.first.map((c) => at(c.command)),
        at({ type: 'configure', params }),
      ];
      const funded: Record<string, bigint> = {};
      for (const s of specs) {
        const whole =
          'walletUsdc' in s && s.walletUsdc !== undefined ? s.walletUsdc : DEFAULT_KEEPER_WALLET_DAI;
        funded[s.id] = s.preset === 'cometAbsorber' ? 0n : wholeUnits(whole, 'walletUsdc') * 10n ** 6n;
        if ((funded[s.id] ?? 0n) > 0n) {
          commands.push(at({ type: 'fundWallet', actor: s.id, asset: LENDING_DEBT, amount: funded[s.id] }));
        }
      }
      // The set-up commands carry every input of the opening but the book (listings, feeds,
      // parameters, wallets): paths of a Monte Carlo unit that share the book share the opened state.
      const book = openOnce(options, { setupCommands: commands, start }, () => {
        const opening = bookCommands(stressBook(options, rng, source.ethPath), options.protocol, {
          prices: {
            [LENDING_COLLATERAL]: { price: feed.firstPrice, priceDecimals: FEED_PRICE_DECIMALS },
            [LENDING_DEBT]: { price: debtFirstPrice, priceDecimals: FEED_PRICE_DECIMALS },
          },
          decimals: LENDING_DECIMALS,
          assetMap: { ETH: LENDING_COLLATERAL },
        });
        const all = [...commands];
        const liquidity = opening.totals.debt[LENDING_DEBT] ?? 0n;
        if (liquidity > 0n) {
          all.push(
            at(
              aave
                ? { type: 'supply', asset: LENDING_DEBT, amount: liquidity }
                : { type: 'supply', account: LENDER, amount: liquidity },
              start,
            ),
          );
        }
        for (const c of opening.commands) all.push(at(c, start));
        return {
          state: applyAll(decider, decider.initial(), all),
          opened: opening.opened,
          skipped: opening.skipped,
        };
      });
      const state = book.state;
      const accounts = book.opened.map((o) => o.account);
      const keeperIds = specs.map((s) => s.id);
      let usdPublishedAt = setupAt;
      /** USDC's market price at the step being run ($1 without a path; maintenance moves it). */
      const usdc = stepPrice(debtPath);
      const debtUsdOf = debtValuedAsRepaid();

      const withPrices = (market: MarketContext): MarketContext => ({
        ...market,
        collateralPricesUsdWad: {
          [LENDING_COLLATERAL]: floatToWad(market.ethPriceUsd),
          [LENDING_DEBT]: floatToWad(usdc.usd),
        },
      });
      const watch = adapterOptions.indexed
        ? lendingWatch(accounts, LENDING_COLLATERAL, LENDING_DEBT)
        : undefined;
      /** The accounts a view screens: the watch's candidates, or every account. */
      const screened = (s: LendingState, nowSeconds: number) => {
        const candidates = watch?.candidates(s, nowSeconds);
        return candidates === undefined ? {} : { accounts: candidates };
      };
      /**
       * Debt assets some keeper could repay now, and the lowest incentive any such keeper needs:
       * the view lists no other pair (same decisions). Indexed runs only pass the incentive
       * floor; the full-scan reference dry-runs every pair.
       */
      const repayable = (s: LendingState, market: MarketContext) => {
        const debtAssets = new Set<string>();
        let floorUsd = Number.POSITIVE_INFINITY;
        const reserves = (s as EngineState<AaveExt>).ext.params?.reserves ?? {};
        for (const pol of policies) {
          if (pol.kind !== 'aave') continue;
          const wallet: Record<string, bigint> = {};
          for (const a of Object.keys(reserves))
            wallet[a] = balanceOf(s.ledger, `wallet:${pol.policy.id}`, a);
          const assets = pol.policy.repayableAssets(market, wallet);
          for (const a of assets) debtAssets.add(a);
          if (assets.length > 0) floorUsd = Math.min(floorUsd, pol.policy.incentiveAboveUsd(market));
        }
        return { debtAssets, floorUsd };
      };
      const aaveView = sharedView((s: LendingState, market: MarketContext) => {
        const priced = withPrices(market);
        const { debtAssets, floorUsd } = repayable(s, priced);
        const aaveState = s as EngineState<AaveExt>;
        const floor = watch !== undefined && Number.isFinite(floorUsd) ? floorUsd : undefined;
        // Nobody can repay anything, or (indexed) not even the whole debt could pay a keeper
        // enough: no account needs screening.
        const nobody =
          debtAssets.size === 0 ||
          (floor !== undefined && !aaveMayPayAtAll(aaveState, market.nowSeconds, priced, floor, debtAssets));
        return aaveKeeperView(aaveState, market.nowSeconds, priced, keeperIds, {
          ...(nobody ? { accounts: [] } : screened(s, market.nowSeconds)),
          debtAssets,
          ...(floor === undefined ? {} : { incentiveAboveUsd: floor }),
        });
      });
      const cometView = sharedView((s: LendingState, market: MarketContext) =>
        cometKeeperView(
          s as EngineState<CompoundExt>,
          market.nowSeconds,
          withPrices(market),
          keeperIds,
          screened(s, market.nowSeconds),
        ),
      );
      const opened: OpenedStress<LendingState> = {
        decider,
        state,
        feed: debtFeed === undefined ? feed.feed : mergedFeed(feed.feed, debtFeed.feed),
        accounts,
        skipped: book.skipped.length,
        collateralAsset: LENDING_COLLATERAL,
        maintenance(_s, t) {
          if (debtFeed !== undefined) {
            usdc.moveTo(t);
            return [];
          }
          if (t - usdPublishedAt < FIXED_USD_REPUBLISH_SECONDS) return [];
          usdPublishedAt = t;
          return [{ type: 'publishPrice', asset: LENDING_DEBT, source: 'fixed', price: USD8 }];
        },
        keepers: policies.map((pol) => ({
          id: pol.policy.id,
          decide: (s, market) =>
            pol.kind === 'aave'
              ? pol.policy.decide(aaveView(s, market))
              : pol.policy.decide(cometView(s, market)),
        })),
        classify(e) {
          if (e.type === 'AaveLiquidationCall') {
            return {
              liquidationUsd: usdcToUsd(e.debtToCover as bigint),
              clearing: {
                collateral: Number(e.liquidatedCollateralAmount as bigint) / 1e18,
                paidUsd: usdcToUsd(e.debtToCover as bigint),
              },
            };
          }
          if (e.type === 'CompoundAbsorbed') {
            const old = e.oldBalance as bigint;
            return { liquidationUsd: old < 0n ? usdcToUsd(-old) : 0 };
          }
          if (e.type === 'CompoundCollateralBought' && e.asset === LENDING_COLLATERAL) {
            return {
              clearing: {
                collateral: Number(e.collateralAmount as bigint) / 1e18,
                paidUsd: usdcToUsd(e.baseAmount as bigint),
              },
            };
          }
          return undefined;
        },
        heldCollateral: (s, id) => balanceOf(s.ledger, `wallet:${id}`, LENDING_COLLATERAL),
        // Marked at USDC's last price (exactly the unit figure without a USDC path).
        keeperCashDeltaUsd: (s, id) =>
          usdcToUsd(balanceOf(s.ledger, `wallet:${id}`, LENDING_DEBT) - (funded[id] ?? 0n)) * usdc.usd,
        /** With a USDC path, debt repaid in a step is valued at that step's price (debtValuedAsRepaid). */
        borrowerTotals(s) {
          const totals =
            watch === undefined ? lendingBorrowerDebtUnits(s, accounts) : watch.borrowerTotals(s);
          if (debtFeed === undefined)
            return { collateral: totals.collateral, debtUsd: usdcToUsd(totals.netDebt) };
          return {
            collateral: totals.collateral,
            debtUsd: debtUsdOf(totals.netDebt, usdcToUsd, usdc.usd),
          };
        },
        badDebtUsd: (s, wethPriceUsd) => lendingBadDebtUsd(s, wethPriceUsd, usdc.usd),
        insuranceFundUsd(s) {
          if ('liquidationCount' in s.ext) return 0;
          const comet = s as EngineState<CompoundExt>;
          if (comet.ext.market === null) return 0;
          const reserves = reservesOf(comet, comet.ext.market);
          return reserves > 0n ? usdcToUsd(reserves) : 0;
        },
        auctionsLive: () => 0,
        health(s, id, t) {
          const h = (
            model.health as (st: LendingState, a: string, n: number) => ReturnType<typeof model.health>
          )(s, id, t);
          return h.debtValueWad === 0n ? undefined : h;
        },
        oracle: (s) => s.oracle,
      };
      return opened as unknown as OpenedStress<unknown>;
    },
  };
}

/** The lab's lending adapter: indexed (see {@link LendingAdapterOptions}). */
export const lendingStressAdapter: StressAdapter = createLendingStressAdapter({ indexed: true });
