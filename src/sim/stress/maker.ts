/**
 * The stress lab's Maker adapter (`maker-liq2`, `maker-liq1`): the Vat configured with ETH-A, the
 * ETH feed behind the OSM hop of the scenario's oracle suggestion, keeper wallets funded in DAI,
 * the book opened as vaults, and the readings of Vow sin, auctions and vaults.
 */
import { createEngine, type EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { balanceOf } from '../../engine/ledger.js';
import type { Command, Decider, EngineEvent } from '../../engine/machine.js';
import {
  capitalLimitedKeeper,
  flashKeeper,
  gasAwareKeeper,
  gasCappedKeeper,
  type MakerKeeperView,
  makerKeeperView,
  zeroBidKeeper,
} from '../../keepers/maker.js';
import { type KeeperPolicy, type MarketContext, radToUsd } from '../../keepers/types.js';
import { RAD } from '../../math/units.js';
import { toJsonValue } from '../../protocols/catalog.js';
import { MAKER_LIQ1_ID, makerLiq1Model } from '../../protocols/maker/liq1/model.js';
import type { Liq1Ext } from '../../protocols/maker/liq1/state.js';
import { MAKER_LIQ2_ID, makerLiq2Model } from '../../protocols/maker/liq2/model.js';
import type { Liq2Ext } from '../../protocols/maker/liq2/state.js';
import { DEFAULT_MAKER_PARAMS, makerParamsToJson, parseMakerParams } from '../../protocols/maker/params.js';
import { DAI, SIN, SIN_BUCKET, VOW_BUCKET, walletBucket } from '../../protocols/maker/vat.js';
import { bookCommands } from '../book.js';
import {
  applyAll,
  FEED_PRICE_DECIMALS,
  type OpenedStress,
  openOnce,
  type StressAdapter,
  type StressSetup,
  sharedView,
  stressBook,
  stressFeed,
  wadToFloat,
  wholeUnits,
} from './core.js';
import { makerBookIndex } from './makerIndex.js';
import { DEFAULT_GAS_CAP_GWEI, DEFAULT_KEEPER_WALLET_DAI, type StressKeeperSpec } from './types.js';

/** A Maker engine state of either model. */
export type MakerEngineState = EngineState<Liq2Ext> | EngineState<Liq1Ext>;

/** A winning Flipper bid below this (1 DAI, RAD) counts as a zero bid. */
const ZERO_BID_RAD = RAD;

/**
 * Uncovered Vow sin, RAD: max(0, SIN in the Vow's sin bucket − DAI in the Vow's bucket).
 * Never throws.
 */
export function badDebtRad(state: MakerEngineState): bigint {
  const sin = balanceOf(state.ledger, SIN_BUCKET, SIN);
  const dai = balanceOf(state.ledger, VOW_BUCKET, DAI);
  return sin > dai ? sin - dai : 0n;
}

/** Auctions running in a Maker state: active Clipper sales (liq2) or Flipper bids (liq1). Never throws. */
export function auctionsLive(state: MakerEngineState): number {
  if ('clips' in state.ext) {
    let n = 0;
    for (const clip of Object.values(state.ext.clips)) n += clip.active.length;
    return n;
  }
  let n = 0;
  for (const flip of Object.values(state.ext.flips)) n += flip.bids.size;
  return n;
}

function keeperPolicy(spec: StressKeeperSpec): KeeperPolicy<MakerKeeperView> {
  switch (spec.preset) {
    case 'gasCapped':
      return gasCappedKeeper({
        id: spec.id,
        maxGasPriceGwei: spec.maxGasPriceGwei,
        ...(spec.kicksAboveCap === undefined ? {} : { kicksAboveCap: spec.kicksAboveCap }),
      });
    case 'gasAware':
      return gasAwareKeeper({ id: spec.id, minProfitUsd: spec.minProfitUsd });
    case 'flash':
      return flashKeeper({
        id: spec.id,
        ...(spec.minProfitUsd === undefined ? {} : { minProfitUsd: spec.minProfitUsd }),
      });
    case 'capitalLimited':
      return capitalLimitedKeeper({
        id: spec.id,
        capitalDaiRad: wholeUnits(spec.capitalDai, 'capitalDai') * RAD,
      });
    case 'zeroBid':
      return zeroBidKeeper({
        id: spec.id,
        ...(spec.maxGasPriceGwei === undefined ? {} : { maxGasPriceGwei: spec.maxGasPriceGwei }),
        ...(spec.minProfitUsd === undefined ? {} : { minProfitUsd: spec.minProfitUsd }),
      });
    default:
      throw new InvalidParameterError(
        'keepers[].preset',
        `preset ${spec.preset} is not a Maker keeper`,
        'Maker runs take gasCapped, gasAware, flash, capitalLimited and zeroBid keepers.',
      );
  }
}

/**
 * Borrowers' collateral (locked ink plus ETH returned to `wallet:<urn>`), WAD, and debt, USD, by
 * a scan of every book vault (the reference of the index's running sums).
 */
function borrowerTotals(state: MakerEngineState, urns: readonly string[]) {
  let collateral = 0n;
  let debtRad = 0n;
  const core = state.ext.core;
  for (const id of urns) {
    const u = core.urns.get(id);
    if (u === undefined) continue;
    collateral += u.inkWad + balanceOf(state.ledger, walletBucket(id), 'ETH');
    debtRad += u.artWad * (core.ilks[u.ilk]?.rateRay ?? 0n);
  }
  return { collateral, debtUsd: radToUsd(debtRad) };
}

/** How the Maker adapter reads its book each step. */
export interface MakerAdapterOptions {
  /**
   * True (the default adapter): keepers screen only the vaults a liquidation-price ladder finds
   * unsafe, and the borrowers' totals and health buckets come from running sums and the ladder
   * (makerIndex.ts). False: every vault is scanned each time (the reference; same results, O(book)
   * per keeper per step).
   */
  readonly indexed: boolean;
}

/**
 * Maker in the stress lab. Set-up at `start − 2·max(hop, step)` (the OSM needs one hop of
 * history): `configure` (lists ETH and DAI), `configureOracle` from the scenario's (or replay's)
 * OSM suggestion, the feed's first prices, keeper wallets funded in DAI (flash keepers none); at
 * the start the book is opened with `bookCommands`. `options.indexed` chooses how the book is read
 * (see {@link MakerAdapterOptions}); the results are the same either way.
 */
export function createMakerStressAdapter(adapterOptions: MakerAdapterOptions): StressAdapter {
  return {
    protocols: [MAKER_LIQ2_ID, MAKER_LIQ1_ID],
    /**
     * `maker-liq2`: a gas-capped keeper (cap {@link DEFAULT_GAS_CAP_GWEI}) and a gas-aware one (ε $10);
     * `maker-liq1`: a gas-capped bidder and a zero-bid keeper.
     */
    defaultKeepers(protocol) {
      return protocol === MAKER_LIQ2_ID
        ? [
            { preset: 'gasCapped', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
            { preset: 'gasAware', id: 'keeper-aware', minProfitUsd: 10 },
          ]
        : [
            { preset: 'gasCapped', id: 'keeper-capped', maxGasPriceGwei: DEFAULT_GAS_CAP_GWEI },
            { preset: 'zeroBid', id: 'keeper-zero' },
          ];
    },
    defaultParamsJson: () => toJsonValue(makerParamsToJson(DEFAULT_MAKER_PARAMS)),
    open(setup: StressSetup): OpenedStress<unknown> {
      const { options, source, rng, specs, start } = setup;
      const params =
        options.protocolParams !== undefined
          ? parseMakerParams(options.protocolParams)
          : (options.makerParams ?? DEFAULT_MAKER_PARAMS);
      const policies = specs.map(keeperPolicy);
      const hop =
        options.oracle?.osmDelaySeconds ?? (source.oracle.kind === 'osm' ? source.oracle.delaySeconds : 0);
      const feed = stressFeed(rng, source, 'ETH', options.oracle, hop);
      const setupAt = start - 2 * Math.max(hop, source.stepSeconds);
      const decider = (options.protocol === MAKER_LIQ2_ID
        ? createEngine(makerLiq2Model)
        : createEngine(makerLiq1Model)) as unknown as Decider<MakerEngineState, Command, EngineEvent>;
      const setupCommands: { command: Command; atSeconds: number }[] = [
        { command: { type: 'configure', params: makerParamsToJson(params) }, atSeconds: setupAt },
        { command: { type: 'configureOracle', asset: 'ETH', config: feed.oracleConfig }, atSeconds: setupAt },
        ...feed.first.map((c) => ({ command: c.command, atSeconds: setupAt })),
      ];
      const funded: Record<string, bigint> = {};
      for (const s of specs) {
        const dai =
          s.preset === 'flash'
            ? 0
            : 'walletDai' in s && s.walletDai !== undefined
              ? s.walletDai
              : DEFAULT_KEEPER_WALLET_DAI;
        funded[s.id] = wholeUnits(dai, 'walletDai') * RAD;
        if (dai > 0) {
          setupCommands.push({
            command: { type: 'fundWallet', actor: s.id, asset: DAI, amount: funded[s.id] },
            atSeconds: setupAt,
          });
        }
      }
      // The OSM reads one hop back: the start's prices again at start − hop, so a heartbeat shorter
      // than the hop still leaves a fresh reading for the book to open on.
      if (hop > 0) {
        for (const c of feed.first) setupCommands.push({ command: c.command, atSeconds: start - hop });
      }
      // The set-up commands carry every input of the opening but the book (parameters, feed, wallets).
      const book = openOnce(options, { setupCommands, start }, () => {
        const opening = bookCommands(stressBook(options, rng, source.ethPath), options.protocol, {
          prices: { ETH: { price: feed.firstPrice, priceDecimals: FEED_PRICE_DECIMALS } },
          makerParams: params,
        });
        const all = [...setupCommands, ...opening.commands.map((command) => ({ command, atSeconds: start }))];
        return {
          state: applyAll(decider, decider.initial(), all),
          opened: opening.opened,
          skipped: opening.skipped,
        };
      });
      const state = book.state;
      const urns = book.opened.map((o) => o.account);
      const keeperIds = specs.map((s) => s.id);
      const model = options.protocol === MAKER_LIQ2_ID ? makerLiq2Model : makerLiq1Model;
      const index = adapterOptions.indexed ? makerBookIndex(urns, 'ETH') : undefined;

      const view = sharedView((s: MakerEngineState, market: MarketContext) =>
        makerKeeperView(
          s,
          market.nowSeconds,
          market,
          keeperIds,
          index === undefined ? {} : { unsafeVaults: (ilks) => index.unsafeVaults(s, ilks) },
        ),
      );
      const opened: OpenedStress<MakerEngineState> = {
        decider,
        state,
        feed: feed.feed,
        accounts: urns,
        skipped: book.skipped.length,
        collateralAsset: 'ETH',
        keepers: policies.map((policy) => ({
          id: policy.id,
          decide: (s, market) => policy.decide(view(s, market)),
        })),
        classify(e) {
          if (e.type === 'DogBarked' || e.type === 'CatBitten') {
            return { liquidationUsd: radToUsd(e.dueRad as bigint) };
          }
          if (e.type === 'ClipKicked' || e.type === 'FlipKicked') return { auction: true };
          if (e.type === 'ClipTaken') {
            return {
              clearing: {
                collateral: wadToFloat(e.sliceWad as bigint),
                paidUsd: radToUsd(e.oweRad as bigint),
              },
            };
          }
          if (e.type === 'FlipDealt') {
            const bid = e.bidRad as bigint;
            return {
              clearing: { collateral: wadToFloat(e.lotWad as bigint), paidUsd: radToUsd(bid) },
              ...(bid < ZERO_BID_RAD ? { zeroBid: true as const } : {}),
            };
          }
          return undefined;
        },
        heldCollateral: (s, id) => balanceOf(s.ledger, walletBucket(id), 'ETH'),
        keeperCashDeltaUsd: (s, id) =>
          radToUsd(balanceOf(s.ledger, walletBucket(id), DAI) - (funded[id] ?? 0n)),
        borrowerTotals(s) {
          if (index === undefined) return borrowerTotals(s, urns);
          const totals = index.borrowerTotals(s);
          return { collateral: totals.collateralWad, debtUsd: radToUsd(totals.debtRad) };
        },
        ...(index === undefined
          ? {}
          : { healthCounts: (s: MakerEngineState, t: number) => index.healthCounts(s, t) }),
        badDebtUsd: (s) => radToUsd(badDebtRad(s)),
        // The Vow's DAI surplus is Maker's buffer against bad debt.
        insuranceFundUsd: (s) => radToUsd(balanceOf(s.ledger, VOW_BUCKET, DAI)),
        auctionsLive,
        health(s, id, t) {
          const u = s.ext.core.urns.get(id);
          if (u === undefined || u.artWad === 0n) return undefined;
          return (
            model.health as (st: MakerEngineState, a: string, n: number) => ReturnType<typeof model.health>
          )(s, id, t);
        },
        oracle: (s) => s.oracle,
      };
      return opened as unknown as OpenedStress<unknown>;
    },
  };
}

/** The Maker adapter the stress lab registers: indexed (see {@link createMakerStressAdapter}). */
export const makerStressAdapter: StressAdapter = createMakerStressAdapter({ indexed: true });
