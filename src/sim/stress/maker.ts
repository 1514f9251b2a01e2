/**
 * The stress lab's Maker adapter (`maker-liq2`, `maker-liq1`): the Vat configured with ETH-A, the
 * ETH feed behind the OSM hop of the scenario's oracle suggestion, keeper wallets funded in DAI,
 * the book opened as vaults, and the readings of Vow sin, auctions and vaults. With
 * `params.vow.flop` the Vow's debt auctions run too: upkeep flogs, heals and flops each step, and
 * debt-auction bidders (outside buyers of MKR, valued at an assumed MKR price) bid and settle.
 */

import { createEngine, type EngineState } from '../../engine/engine.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { readObject, rejectUnknownKeys } from '../../engine/fields.js';
import { balanceOf } from '../../engine/ledger.js';
import { apply, type Command, type Decider, type EngineEvent } from '../../engine/machine.js';
import { debtAuctionStatus, debtAuctionsNeeded } from '../../engine/stages/debtAuction.js';
import { flopBidder, makerFlopView, makerKeeperView } from '../../keepers/maker.js';
import { makerPresetPolicy } from '../../keepers/presets.js';
import { type MarketContext, radToUsd } from '../../keepers/types.js';
import { SolventError } from '../../math/errors.js';
import { RAD } from '../../math/units.js';
import { toJsonValue } from '../../protocols/catalog.js';
import { flopperOf, unqueuedSinRad } from '../../protocols/maker/flop.js';
import { MAKER_LIQ1_ID, makerLiq1Model } from '../../protocols/maker/liq1/model.js';
import type { Liq1Ext } from '../../protocols/maker/liq1/state.js';
import { MAKER_LIQ2_ID, makerLiq2Model } from '../../protocols/maker/liq2/model.js';
import type { Liq2Ext } from '../../protocols/maker/liq2/state.js';
import {
  DEFAULT_MAKER_PARAMS,
  type MakerParams,
  makerParamsToJson,
  parseMakerParams,
} from '../../protocols/maker/params.js';
import { DAI, MKR, SIN, SIN_BUCKET, VOW_BUCKET, walletBucket } from '../../protocols/maker/vat.js';
import { bookCommands } from '../book.js';
import { volatilityGasSeries } from '../gas.js';
import { split } from '../rng.js';
import {
  applyAll,
  FEED_PRICE_DECIMALS,
  floatToWad,
  type OpenedStress,
  openOnce,
  type StressAdapter,
  type StressSetup,
  sharedView,
  stepPrice,
  stressBook,
  stressFeed,
  wadToFloat,
  wholeUnits,
} from './core.js';
import { type MakerBookIndex, makerBookIndex } from './makerIndex.js';
import { DEFAULT_GAS_CAP_GWEI, DEFAULT_KEEPER_WALLET_DAI, DEFAULT_VOLATILITY_GAS } from './types.js';

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

/** Book indexes brought to an opened state, by the opened book (openOnce's value). */
const PRIMED = new WeakMap<object, MakerBookIndex>();

/**
 * The index of an opened book, brought to its opened state once: paths that share the opening
 * (openOnce) fork it instead of each indexing every vault again.
 */
function primedIndex(opened: object, state: MakerEngineState, urns: readonly string[]): MakerBookIndex {
  let primed = PRIMED.get(opened);
  if (primed === undefined) {
    primed = makerBookIndex(urns, 'ETH');
    primed.prime(state);
    PRIMED.set(opened, primed);
  }
  return primed;
}

/**
 * Borrowers' collateral (locked ink plus ETH returned to `wallet:<urn>`), WAD, and debt, RAD, by a
 * scan of every book vault (the reference of the index's running sums).
 */
function borrowerTotals(
  state: MakerEngineState,
  urns: readonly string[],
): { readonly collateralWad: bigint; readonly debtRad: bigint } {
  let collateral = 0n;
  let debtRad = 0n;
  const core = state.ext.core;
  for (const id of urns) {
    const u = core.urns.get(id);
    if (u === undefined) continue;
    collateral += u.inkWad + balanceOf(state.ledger, walletBucket(id), 'ETH');
    debtRad += u.artWad * (core.ilks[u.ilk]?.rateRay ?? 0n);
  }
  return { collateralWad: collateral, debtRad };
}

// ---------------------------------------------------------------------------------------------
// Debt auctions: the lab's assumptions (params.stress)
// ---------------------------------------------------------------------------------------------

/**
 * Default MKR price, USD: the middle of history.md §1's "MKR price of roughly $250–300" for the
 * March 2020 debt auctions. An ASSUMPTION for every other scenario (MKR traded far higher in
 * 2021–2022); set `stress.mkrPriceUsd` for them.
 */
export const DEFAULT_MKR_PRICE_USD = 275;

/** A bidder in the Vow's debt auctions (see flopBidder), with the DAI its wallet is funded with. */
export interface FlopBidderSpec {
  readonly id: string;
  /** Discount below the MKR price it requires, bps 0–9999 (default the policy's 500). */
  readonly minDiscountBps?: number;
  /** ε of `I > C_gas + ε`, USD (default 0). */
  readonly minProfitUsd?: number;
  /** Above this gas price (gwei) it does nothing (default none). */
  readonly maxGasPriceGwei?: number;
  /** Whole DAI funded into `wallet:<id>` at set-up (default 10,000,000). */
  readonly walletDai?: number;
}

/**
 * Default debt-auction bidders: two outside buyers of MKR wanting 5 % and 10 % below the market
 * (ASSUMPTIONS), 10M DAI each (history.md §1: Paradigm alone paid 3.6M DAI in 2020), no gas cap.
 */
export const DEFAULT_FLOP_BIDDERS: readonly FlopBidderSpec[] = [
  { id: 'flop-bidder-a', minDiscountBps: 500, walletDai: 10_000_000 },
  { id: 'flop-bidder-b', minDiscountBps: 1000, walletDai: 10_000_000 },
];

/** The lab's assumptions for Maker debt auctions (`params.stress`). */
export interface MakerStressAssumptions {
  /** MKR price at the run's start, USD > 0. */
  readonly mkrPriceUsd: number;
  /**
   * How MKR follows ETH: `MKR_t = mkrPriceUsd · (ETH_t / ETH_0)^mkrEthBeta`, ETH at the step's market
   * price (0, the default: a constant MKR price; 1: MKR falls with ETH in the crash).
   */
  readonly mkrEthBeta: number;
  readonly flopBidders: readonly FlopBidderSpec[];
}

const STRESS_KEYS = ['mkrPriceUsd', 'mkrEthBeta', 'flopBidders'];
const BIDDER_KEYS = ['id', 'minDiscountBps', 'minProfitUsd', 'maxGasPriceGwei', 'walletDai'];

function finite(
  obj: Readonly<Record<string, unknown>>,
  key: string,
  path: string,
  min: number,
): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new InvalidParameterError(`${path}.${key}`, `expected a finite number ≥ ${min}, got ${String(v)}`);
  }
  return v;
}

/**
 * Reads the `stress` section of raw Maker parameters: `mkrPriceUsd` (default
 * {@link DEFAULT_MKR_PRICE_USD}), `mkrEthBeta` (default 0) and `flopBidders` (a list of
 * {@link FlopBidderSpec}; default {@link DEFAULT_FLOP_BIDDERS}). The model itself ignores the
 * section (parseMakerParams only checks it is an object).
 * @param raw the whole raw parameters (or undefined).
 * @throws InvalidParameterError naming `params.stress.<field>`: unknown keys, a price ≤ 0, a
 * negative or non-finite number, a bidder without an id, ids repeated, a discount outside 0–9999.
 */
export function parseMakerStressAssumptions(raw: unknown): MakerStressAssumptions {
  const section =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? (raw as Record<string, unknown>).stress
      : undefined;
  if (section === undefined) {
    return { mkrPriceUsd: DEFAULT_MKR_PRICE_USD, mkrEthBeta: 0, flopBidders: DEFAULT_FLOP_BIDDERS };
  }
  const path = 'params.stress';
  const obj = readObject(section, path);
  rejectUnknownKeys(obj, STRESS_KEYS, path);
  const mkrPriceUsd = finite(obj, 'mkrPriceUsd', path, 0) ?? DEFAULT_MKR_PRICE_USD;
  if (!(mkrPriceUsd > 0)) throw new InvalidParameterError(`${path}.mkrPriceUsd`, 'expected a price > 0');
  let flopBidders = DEFAULT_FLOP_BIDDERS;
  if (obj.flopBidders !== undefined) {
    if (!Array.isArray(obj.flopBidders)) {
      throw new InvalidParameterError(`${path}.flopBidders`, 'expected a list of bidders');
    }
    const seen = new Set<string>();
    flopBidders = (obj.flopBidders as readonly unknown[]).map((entry, i) => {
      const at = `${path}.flopBidders[${i}]`;
      const b = readObject(entry, at);
      rejectUnknownKeys(b, BIDDER_KEYS, at);
      if (typeof b.id !== 'string' || b.id.length === 0 || seen.has(b.id)) {
        throw new InvalidParameterError(`${at}.id`, 'expected a non-empty id, different from the others');
      }
      seen.add(b.id);
      const discount = finite(b, 'minDiscountBps', at, 0);
      if (discount !== undefined && !(Number.isInteger(discount) && discount < 10_000)) {
        throw new InvalidParameterError(`${at}.minDiscountBps`, 'expected whole bps in 0–9999');
      }
      const eps = finite(b, 'minProfitUsd', at, 0);
      const cap = finite(b, 'maxGasPriceGwei', at, 0);
      const wallet = finite(b, 'walletDai', at, 0);
      return {
        id: b.id,
        ...(discount === undefined ? {} : { minDiscountBps: discount }),
        ...(eps === undefined ? {} : { minProfitUsd: eps }),
        ...(cap === undefined ? {} : { maxGasPriceGwei: cap }),
        ...(wallet === undefined ? {} : { walletDai: wallet }),
      };
    });
  }
  return { mkrPriceUsd, mkrEthBeta: finite(obj, 'mkrEthBeta', path, 0) ?? 0, flopBidders };
}

/** Default DAI of a debt-auction bidder's wallet, whole DAI. */
const DEFAULT_FLOP_BIDDER_WALLET_DAI = 10_000_000;

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
 * With `params.vow.flop` (debt auctions): the debt-auction bidders of `params.stress` (see
 * {@link parseMakerStressAssumptions}) are funded in DAI at set-up, each step's upkeep runs the Vow
 * and the bidders (flopUpkeep), and `classify` maps `VowKissed` (the DAI an auction raised at its
 * first bid, when the Vow retires that much sin) to `debtAuctionRaisedUsd` and `FlopDealt` to
 * `debtAuctionTokens` (MKR minted, whole tokens). Without it there is no upkeep at all.
 * @throws InvalidParameterError naming `params.stress.*` for a bad stress section, or a bidder id
 * that is also a keeper's.
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
      const policies = specs.map((spec) => makerPresetPolicy(spec));
      // Validated whether or not debt auctions are on, so a bad section never passes silently.
      const assumptions = parseMakerStressAssumptions(options.protocolParams);
      const flopOn = params.vow?.flop !== undefined;
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
      if (flopOn) {
        for (const [i, b] of assumptions.flopBidders.entries()) {
          if (specs.some((k) => k.id === b.id)) {
            throw new InvalidParameterError(
              `params.stress.flopBidders[${i}].id`,
              `${b.id} is also a keeper`,
              'Give debt-auction bidders their own ids.',
            );
          }
          const dai = b.walletDai ?? DEFAULT_FLOP_BIDDER_WALLET_DAI;
          if (dai > 0) {
            setupCommands.push({
              command: {
                type: 'fundWallet',
                actor: b.id,
                asset: DAI,
                amount: wholeUnits(dai, 'params.stress.flopBidders[].walletDai') * RAD,
              },
              atSeconds: setupAt,
            });
          }
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
      const index = adapterOptions.indexed ? primedIndex(book, state, urns).fork() : undefined;

      // DAI follows the source's DAI path when it has one (Black Thursday's premium, up to $1.086):
      // keepers pay in DAI and sell for USD, so they decide, and their DAI is marked, at DAI's
      // market price. The protocol's own figures (debt, bad debt, surplus, debt auctions, what
      // borrowers were relieved of) stay in DAI counted at par, as Maker accounts and as
      // history.md publishes them.
      const daiPath = source.assets[DAI];
      const dai = stepPrice(daiPath);
      /** The step's market with DAI's price in it, one object per market (so views stay shared). */
      let priced: { readonly from: MarketContext; readonly to: MarketContext } | undefined;
      const withDai = (market: MarketContext): MarketContext => {
        if (daiPath === undefined) return market;
        if (priced?.from !== market) {
          priced = { from: market, to: { ...market, daiPriceUsdWad: floatToWad(dai.usd) } };
        }
        return priced.to;
      };
      const view = sharedView((s: MakerEngineState, market: MarketContext) =>
        makerKeeperView(
          s,
          market.nowSeconds,
          market,
          keeperIds,
          index === undefined ? {} : { unsafeVaults: (ilks) => index.unsafeVaults(s, ilks) },
        ),
      );
      const upkeep = flopOn
        ? flopUpkeep({ decider, params, assumptions, setup, gasGwei: stepGas(setup) })
        : undefined;
      const maintenance: OpenedStress<MakerEngineState>['maintenance'] =
        daiPath === undefined
          ? upkeep
          : (s, t, marketUsd) => {
              dai.moveTo(t);
              return upkeep?.(s, t, marketUsd) ?? [];
            };
      const opened: OpenedStress<MakerEngineState> = {
        ...(maintenance === undefined ? {} : { maintenance }),
        decider,
        state,
        feed: feed.feed,
        accounts: urns,
        skipped: book.skipped.length,
        collateralAsset: 'ETH',
        keepers: policies.map((policy) => ({
          id: policy.id,
          decide: (s, market) => policy.decide(view(s, withDai(market))),
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
          // Debt auctions: the DAI is raised (and the sin retired) at an auction's first bid, when
          // the Vow kisses it; the MKR is minted when the auction is dealt.
          if (e.type === 'VowKissed') return { debtAuctionRaisedUsd: radToUsd(e.rad as bigint) };
          if (e.type === 'FlopDealt') return { debtAuctionTokens: wadToFloat(e.lotWad as bigint) };
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
        // Marked at DAI's last price (exactly the par figure without a DAI path).
        keeperCashDeltaUsd: (s, id) =>
          radToUsd(balanceOf(s.ledger, walletBucket(id), DAI) - (funded[id] ?? 0n)) * dai.usd,
        borrowerTotals(s) {
          const totals = index === undefined ? borrowerTotals(s, urns) : index.borrowerTotals(s);
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

/**
 * The gas price of each step of the run, gwei, by step time: the source's series, else the flat
 * gas, else the volatility model on stream 3 of the run's generator — the series the loop's
 * keepers see (the same rule as src/sim/stress/core.ts).
 */
function stepGas(setup: StressSetup): ReadonlyMap<number, number> {
  const { source, options, rng } = setup;
  const path = source.ethPath;
  let gas: readonly number[];
  if (source.gas !== null) gas = path.map((_, k) => source.gas?.[k]?.price ?? 0);
  else if (options.flatGasGwei !== undefined) gas = path.map(() => options.flatGasGwei as number);
  else
    gas = volatilityGasSeries(split(rng, 3), path, DEFAULT_VOLATILITY_GAS).series.map((p) => p.gasPriceGwei);
  return new Map(path.map((p, k) => [p.tSeconds, gas[k] ?? 0]));
}

/**
 * The Vow's upkeep and the debt-auction bidders, one step (the lab's `maintenance` when
 * `params.vow.flop` is on). In order, each command applied before the next is chosen (so every
 * returned command is accepted in order): deal the auctions whose bid expired and restart the unbid
 * ones that ended (`flopDeal`, `flopTick`: anyone may call them); `flog` every era whose `wait` has
 * passed; `heal` the Vow's dai against its unqueued sin; `flop` while the Vow holds no dai and its
 * unqueued sin covers a lot (vow.sol's two conditions; all permissionless, so no keeper is needed);
 * then each bidder decides on the state so far with the step's market: ETH at `marketUsd`, MKR at
 * `mkrPriceUsd·(marketUsd / ETH_0)^mkrEthBeta`, the step's gas, no slippage (the bidder's discount
 * covers it). Bidders are outside buyers of MKR, not keepers: their gas and MKR are not in the
 * keepers' figures, and they do not change the keepers' turn order.
 */
function flopUpkeep(input: {
  readonly decider: Decider<MakerEngineState, Command, EngineEvent>;
  readonly params: MakerParams;
  readonly assumptions: MakerStressAssumptions;
  readonly setup: StressSetup;
  readonly gasGwei: ReadonlyMap<number, number>;
}): (state: MakerEngineState, t: number, marketUsd: number) => readonly Command[] {
  const { decider, params, assumptions, setup, gasGwei } = input;
  const flop = params.vow?.flop;
  const eth0 = setup.source.ethPath[0]?.price ?? 0;
  const bidders = assumptions.flopBidders.map((b) =>
    flopBidder({
      id: b.id,
      ...(b.minDiscountBps === undefined ? {} : { minDiscountBps: BigInt(b.minDiscountBps) }),
      ...(b.minProfitUsd === undefined ? {} : { minProfitUsd: b.minProfitUsd }),
      ...(b.maxGasPriceGwei === undefined ? {} : { maxGasPriceGwei: b.maxGasPriceGwei }),
    }),
  );
  const mkrPriceUsd = (ethUsd: number): number =>
    assumptions.mkrEthBeta === 0 || !(eth0 > 0)
      ? assumptions.mkrPriceUsd
      : assumptions.mkrPriceUsd * (ethUsd / eth0) ** assumptions.mkrEthBeta;
  return (state, t, marketUsd) => {
    if (flop === undefined) return [];
    const out: Command[] = [];
    let s = state;
    const send = (command: Command): boolean => {
      try {
        s = apply(decider, s, command, t).state;
      } catch (e) {
        if (!(e instanceof SolventError)) throw e;
        return false;
      }
      out.push(command);
      return true;
    };
    for (const [id, a] of flopperOf(s.ext.core).bids.entries()) {
      const status = debtAuctionStatus(a, t);
      if (status === 'dealable') send({ type: 'flopDeal', id: Number(id) });
      else if (status === 'tickable') send({ type: 'flopTick', id: Number(id) });
    }
    const eras = s.ext.core.vow.sinByEra
      .keys()
      .map(Number)
      .filter((era) => era + params.vowWaitSeconds <= t)
      .sort((a, b) => a - b);
    for (const era of eras) send({ type: 'flog', era });
    const surplusRad = balanceOf(s.ledger, VOW_BUCKET, DAI);
    const healRad = surplusRad < unqueuedSinRad(s.ext.core) ? surplusRad : unqueuedSinRad(s.ext.core);
    if (healRad > 0n) send({ type: 'heal', amountRad: healRad });
    if (balanceOf(s.ledger, VOW_BUCKET, DAI) === 0n && unqueuedSinRad(s.ext.core) >= flop.sumpRad) {
      // Bounded: one flop per whole lot of unqueued sin (each adds sump to Ash).
      const { auctions } = debtAuctionsNeeded(unqueuedSinRad(s.ext.core), flop.sumpRad);
      for (let i = 0n; i < auctions; i++) if (!send({ type: 'flop' })) break;
    }
    const market = {
      nowSeconds: t,
      gasPriceGwei: gasGwei.get(t) ?? 0,
      ethPriceUsd: marketUsd,
      collateralPriceUsdWad: floatToWad(marketUsd),
      collateralPricesUsdWad: { [MKR]: floatToWad(mkrPriceUsd(marketUsd)) },
      slippageBps: 0n,
    };
    for (const b of bidders) {
      for (const action of b.decide(makerFlopView(s, t, market, [b.id]))) send(action.command);
    }
    return out;
  };
}

/** The Maker adapter the stress lab registers: indexed (see {@link createMakerStressAdapter}). */
export const makerStressAdapter: StressAdapter = createMakerStressAdapter({ indexed: true });
