/**
 * Keepers for the perpetuals models (`perps-generic` and composed perp markets, `dydx-v4`,
 * `synthetix-perps-v3`, `drift-v2`, `hyperliquid`, `gmx-v2`): a plain view built from an engine
 * state — the liquidatable positions with the model's own liquidation command, each checked by a
 * dry run of the model in that state (so the reward the call pays is read off the dry run's
 * events), the positions a keeper inherited and must close (Drift takeovers, Hyperliquid's
 * liquidator vault) and GMX's ADL orders — and one pure policy over it, the liquidator that acts
 * when the reward beats gas (I > C_gas + ε), or, where the protocol liquidates itself (Hyperliquid's
 * validators, dYdX's matching engine, GMX's keepers), acts on every liquidatable position. A
 * liquidator's `screen` says what it could act on at a market (nothing above its gas cap; else
 * rewards above its gate), and a view built with that gate (`rewardAboveUsd`) lists only those,
 * skipping the dry run of an account whose reward bound (perps-generic: {@link perpsRewardBoundQuote})
 * is not above it: the same decisions for a fraction of the work.
 */
import type { EngineState } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import type { Moved } from '../engine/ledger.js';
import type { Command, Decider, EngineEvent } from '../engine/machine.js';
import { spotPrice } from '../engine/oracle.js';
import { accountMargin, notionalQuote } from '../engine/perps/margin.js';
import { perpsMark } from '../engine/perps/model.js';
import { type PerpsBook, PPM_SCALE, positionOf } from '../engine/perps/types.js';
import { SolventError } from '../math/errors.js';
import { divSigned, Rounding } from '../math/mulDiv.js';
import { adlCandidates } from '../protocols/gmx-v2/adl.js';
import type { GmxExt } from '../protocols/gmx-v2/state.js';
import { clearsGas, gasAboveCap, requireGasCap, requireNonNegative, requireViewTime } from './gate.js';
import { gasCostUsd, type KeeperAction, type KeeperPolicy, type MarketContext } from './types.js';

/** The perpetuals model families a keeper view can read. */
export type PerpsKind = 'generic' | 'hyperliquid' | 'dydx' | 'synthetix' | 'drift' | 'gmx';

/** Every {@link PerpsKind}. */
export const PERPS_KINDS: readonly PerpsKind[] = [
  'generic',
  'hyperliquid',
  'dydx',
  'synthetix',
  'drift',
  'gmx',
];

/**
 * Whether the protocol itself liquidates (no reward, no profit gate): Hyperliquid (the validators
 * run liquidations as part of the clearinghouse), dYdX v4 (the protocol's liquidation daemon and
 * matching engine) and GMX v2 (its own LIQUIDATION_KEEPER / ADL_KEEPER bots, paid by execution fees
 * this model leaves out). The others are permissionless and paid: perps-generic (its fee share),
 * Synthetix (the keeper reward), Drift (the liquidator fee inside the takeover price).
 */
export const PERPS_PROTOCOL_RUN: Readonly<Record<PerpsKind, boolean>> = {
  generic: false,
  hyperliquid: true,
  dydx: true,
  synthetix: false,
  drift: false,
  gmx: true,
};

/**
 * Gas units of a perps keeper's transactions, priced at the run's (Ethereum) gas price. ASSUMPTIONS:
 * 500k for a perps-generic or composed market deployed on an L1 (a liquidation walks a book and
 * pays a fee: about an Aave liquidationCall plus a fill); 0 everywhere else, because those venues
 * do not pay Ethereum gas: Hyperliquid and dYdX v4 liquidate inside their own chains with no gas
 * market, Drift runs on Solana (fees of a few thousand lamports), Synthetix v3 perps on Base and
 * GMX v2 on Arbitrum (L2 gas of cents, and Synthetix's own keeper-cost oracle already prices it into
 * the reward).
 */
export const PERPS_GAS_UNITS: Readonly<Record<PerpsKind, bigint>> = {
  generic: 500_000n,
  hyperliquid: 0n,
  dydx: 0n,
  synthetix: 0n,
  drift: 0n,
  gmx: 0n,
};

/**
 * The keeper view kind of each catalogue perps model id. A composed perp market (a `kind: perp`
 * configuration, served under its own id) runs the perps-generic model and reads as `generic`.
 */
export const PERPS_KIND_OF_MODEL: Readonly<Record<string, PerpsKind>> = {
  'perps-generic': 'generic',
  hyperliquid: 'hyperliquid',
  'dydx-v4': 'dydx',
  'synthetix-perps-v3': 'synthetix',
  'drift-v2': 'drift',
  'gmx-v2': 'gmx',
};

/**
 * The perp markets of a configured state of `kind`, sorted: the book's markets, or GMX's configured
 * markets. @throws InvalidParameterError before the model is configured.
 */
export function perpMarketsOf(state: EngineState<unknown>, kind: PerpsKind): string[] {
  if (kind === 'gmx') {
    const params = (state.ext as GmxExt).params;
    if (params === null) throw new InvalidParameterError('state', 'the gmx-v2 model is not configured yet');
    return params.markets.map((m) => m.market).sort();
  }
  return Object.keys(coreOf(state).book.markets).sort();
}

/**
 * Hyperliquid's liquidator vault (`params.backstopAccount`), whose taken-over positions the
 * protocol unwinds; undefined for the other kinds or before `configure`.
 */
export function perpsBackstopAccount(state: EngineState<unknown>, kind: PerpsKind): string | undefined {
  if (kind !== 'hyperliquid') return undefined;
  const params = (state.ext as { readonly params: { readonly backstopAccount?: unknown } | null }).params;
  return typeof params?.backstopAccount === 'string' ? params.backstopAccount : undefined;
}

/** One liquidation a perps keeper could send now (the model accepted it in a dry run). */
export interface PerpsCandidate {
  /** The protocol's account id (GMX: the position key). */
  readonly account: string;
  readonly market: string;
  /** Signed size, the model's base smallest units. */
  readonly sizeBase: bigint;
  /** |size| at the oracle price, USD (float, a screen). */
  readonly notionalUsd: number;
  /** The model's health of the account, WAD (below 1e18 when liquidatable). */
  readonly healthWad: bigint;
  /** What the call pays this keeper, USD (read off the dry run's events; 0 where protocol-run). */
  readonly rewardUsd: number;
  /** The model's liquidation command, exactly as sent. */
  readonly command: Command;
}

/** A command a keeper sends without a reward screen (an unwind or an ADL order), checked by a dry run. */
export interface PerpsChore {
  readonly command: Command;
  readonly reason: string;
  /** Size it moves at the oracle price, USD (float, for reports). */
  readonly notionalUsd: number;
}

/** What a perps keeper sees. */
export interface PerpsKeeperView {
  readonly kind: PerpsKind;
  /** The keeper the view is for (its id is the liquidator or keeper of the commands). */
  readonly keeperId: string;
  readonly nowSeconds: number;
  readonly market: MarketContext;
  /** Whether the protocol itself liquidates ({@link PERPS_PROTOCOL_RUN}). */
  readonly protocolRun: boolean;
  /** Gas units of each transaction ({@link PERPS_GAS_UNITS}). */
  readonly gasUnits: bigint;
  /** Liquidations the model accepts now, lowest health first (ties by account id). */
  readonly candidates: readonly PerpsCandidate[];
  /** Positions to close first: what the keeper (Drift) or the protocol's vault (Hyperliquid) took over. */
  readonly unwinds: readonly PerpsChore[];
  /** GMX ADL orders (ADL_KEEPER role): `updateAdlState` when a side's flag is stale, else `executeAdl`. */
  readonly adl: readonly PerpsChore[];
}

/** Options of {@link perpsKeeperView}. */
export interface PerpsKeeperViewOptions {
  readonly kind: PerpsKind;
  /** The protocol's engine (`createEngine(model)`): dry runs go through its `decide`. */
  readonly decider: Decider<EngineState<unknown>, Command, EngineEvent>;
  /** The model's health reader (`model.health`). */
  readonly health: (
    state: EngineState<unknown>,
    accountId: string,
    nowSeconds: number,
  ) => {
    readonly healthWad: bigint;
    readonly liquidatable: boolean;
  };
  /** The keeper the view is for. */
  readonly keeperId: string;
  /**
   * Accounts to consider (the book's), sorted or not: any superset of those the model's health
   * reports liquidatable (with an open position) gives the same candidates, e.g. the stress lab's
   * watch (src/sim/stress/perpsWatch.ts).
   */
  readonly accounts: readonly string[];
  /** The perp market to act on (the core models' market id; GMX: the market of the positions). */
  readonly perpMarket: string;
  /** Hyperliquid: the liquidator vault whose taken-over positions the protocol unwinds. */
  readonly backstopAccount?: string;
  /**
   * perps-generic and composed markets only: consider every market an account holds (a cross
   * account with several legs), and send `liquidate` without a market so the model's trigger picks
   * the leg (under a cross-margin stage, the one that lowers the requirement). A candidate then
   * reports its largest leg's market and size, and the notional of all its legs. Default false:
   * `perpMarket` only.
   */
  readonly anyMarket?: boolean;
  /**
   * List only the candidates whose reward is above this, USD (absent: every candidate). The keeper
   * a view is for sends no candidate paying less than its `I > C_gas + ε` threshold
   * ({@link PerpsLiquidatorPolicy.screen}), so passing that threshold gives it the same decisions;
   * and where the reward has a bound known before the dry run (perps-generic: the liquidator's share
   * of the fee on the whole position, {@link perpsRewardBoundQuote}), an account whose bound is not
   * above it is left out without a dry run. Ignored where the protocol liquidates itself.
   */
  readonly rewardAboveUsd?: number;
}

interface CoreExt {
  readonly params: {
    readonly quoteAsset: string;
    readonly liquidation?: { readonly liquidatorSharePpm?: bigint };
  } | null;
  readonly book: PerpsBook | null;
}

/** Events that show a liquidation did something (a no-op call is not a candidate). */
const EFFECT_EVENTS: Readonly<Record<PerpsKind, readonly string[]>> = {
  generic: ['PerpLiquidated'],
  hyperliquid: ['HyperliquidLiquidated'],
  dydx: ['DydxLiquidationMatch', 'DydxDeleveraged'],
  synthetix: ['SynthetixPositionLiquidated', 'SynthetixAccountFlagged'],
  drift: ['DriftPerpLiquidated'],
  gmx: ['GmxPositionLiquidated'],
};

/** The events of `command` in `state`, or null when the model refuses it. */
function dryRun(
  decider: Decider<EngineState<unknown>, Command, EngineEvent>,
  state: EngineState<unknown>,
  command: Command,
  nowSeconds: number,
): readonly EngineEvent[] | null {
  try {
    return decider.decide(state, command, nowSeconds);
  } catch (e) {
    if (e instanceof SolventError) return null;
    throw e;
  }
}

/** The oracle price of `asset` as a float (USD per whole unit), 0 when the oracle refuses. */
function oracleUsd(state: EngineState<unknown>, asset: string, nowSeconds: number): number {
  try {
    const r = spotPrice(state.oracle, asset, nowSeconds);
    return Number(r.price) / 10 ** r.priceDecimals;
  } catch (e) {
    if (e instanceof SolventError) return 0;
    throw e;
  }
}

/** The liquidation command of a kind, as `keeperId` sends it. */
export function perpsLiquidateCommand(
  kind: PerpsKind,
  account: string,
  perpMarket: string,
  keeperId: string,
): Command {
  switch (kind) {
    case 'generic':
    case 'hyperliquid':
    case 'drift':
      return { type: 'liquidate', account, liquidator: keeperId, market: perpMarket };
    case 'dydx':
      return { type: 'liquidate', account, market: perpMarket };
    case 'synthetix':
      return { type: 'liquidate', account, keeper: keeperId };
    case 'gmx':
      return { type: 'liquidate', keeper: keeperId, position: account };
  }
}

/** Quote units paid to `wallet:<keeperId>` by `events`, plus Drift's fee inside the takeover price. */
function rewardQuote(events: readonly EngineEvent[], keeperId: string, quoteAsset: string): bigint {
  let out = 0n;
  const wallet = `wallet:${keeperId}`;
  for (const e of events) {
    if (e.type === 'Moved') {
      const m = e as Moved;
      if (m.to === wallet && m.asset === quoteAsset) out += m.amount;
    } else if (e.type === 'DriftPerpLiquidated') {
      out += (e as EngineEvent & { readonly liquidatorFeeQuote: bigint }).liquidatorFeeQuote;
    }
  }
  return out;
}

function coreOf(state: EngineState<unknown>): { quoteAsset: string; quoteDecimals: number; book: PerpsBook } {
  const ext = state.ext as CoreExt;
  if (ext.params === null || ext.book === null) {
    throw new InvalidParameterError('state', 'the perps model is not configured yet');
  }
  return {
    quoteAsset: ext.params.quoteAsset,
    quoteDecimals: ext.book.quoteDecimals,
    book: ext.book,
  };
}

/** Size and notional of an account's position in the market (undefined when flat). */
function positionLine(
  state: EngineState<unknown>,
  kind: PerpsKind,
  account: string,
  perpMarket: string,
  nowSeconds: number,
): { sizeBase: bigint; notionalUsd: number; market: string } | undefined {
  if (kind === 'gmx') {
    const ext = state.ext as GmxExt;
    const p = ext.positions.get(account);
    if (p === undefined) return undefined;
    const mp = ext.params?.markets.find((m) => m.market === p.market);
    const decimals = mp === undefined ? 18 : (state.assets[mp.indexToken]?.decimals ?? 18);
    const price = mp === undefined ? 0 : oracleUsd(state, mp.indexToken, nowSeconds);
    return {
      sizeBase: p.isLong ? p.sizeInTokens : -p.sizeInTokens,
      notionalUsd: (Number(p.sizeInTokens) / 10 ** decimals) * price,
      market: p.market,
    };
  }
  const { book } = coreOf(state);
  const m = Object.hasOwn(book.markets, perpMarket) ? book.markets[perpMarket] : undefined;
  const p = positionOf(book, account, perpMarket);
  if (m === undefined || p === undefined || p.sizeBase === 0n) return undefined;
  const abs = p.sizeBase < 0n ? -p.sizeBase : p.sizeBase;
  const price = oracleUsd(state, m.config.oracleAsset, nowSeconds);
  return {
    sizeBase: p.sizeBase,
    notionalUsd: (Number(abs) / 10 ** m.config.baseDecimals) * price,
    market: perpMarket,
  };
}

/**
 * An upper bound on what a perps-generic (or composed market) liquidation of `account` pays its
 * liquidator, quote units, read before any dry run: over the markets the call may close (`market`,
 * or every open leg when undefined), ⌊max(0, min(⌈N · liquidationFeePpm/1e6⌉, E + 1)) ·
 * liquidatorSharePpm/1e6⌋ with N the whole position's notional at the mark and E its margin
 * scope's equity now. Why (src/engine/perps/liquidation.ts): perpsIncentive pays
 * ⌊charged · share/1e6⌋ with charged ≤ max(0, min(fee, equity after the close)), the fee is
 * ⌈closed notional · fee/1e6⌉ and a close never exceeds the position; and the close cannot raise
 * the scope's equity by a whole unit, since the venue never pays a seller more (nor charges a buyer
 * less, but for the AMM's one-unit floor) than the size at the mark, while the position left is
 * valued rounded down (a shortfall, which cross profits may cover, pays nothing). Undefined when
 * it cannot be read (another model's state, an unreadable mark): then nothing may be left out.
 * @param state a perps-generic engine state (any other gives undefined).
 */
export function perpsRewardBoundQuote(
  state: EngineState<unknown>,
  account: string,
  market: string | undefined,
  nowSeconds: number,
): bigint | undefined {
  const ext = state.ext as CoreExt;
  const share = ext.params?.liquidation?.liquidatorSharePpm;
  const book = ext.book;
  if (book === null || share === undefined) return undefined;
  const legs: string[] = [];
  const marks: Record<string, bigint> = {};
  for (const id of Object.keys(book.markets).sort()) {
    const m = book.markets[id]!;
    if ((positionOf(book, account, id)?.sizeBase ?? 0n) === 0n) continue;
    try {
      marks[id] = perpsMark(state, m.config, nowSeconds);
    } catch (e) {
      if (e instanceof SolventError) return undefined;
      throw e;
    }
    if (market === undefined || id === market) legs.push(id);
  }
  const margin = accountMargin({ book, ledger: state.ledger }, account, marks);
  let bound = 0n;
  for (const id of legs) {
    const m = book.markets[id]!;
    const p = positionOf(book, account, id)!;
    const scope = p.marginMode === 'cross' ? margin : margin.isolated[id];
    if (scope === undefined) return undefined;
    // Up then Down, as the incentive stage rounds the fee and the share: never below the payout.
    const fee = divSigned(
      notionalQuote(p.sizeBase, marks[id]!, m.config) * m.config.liquidationFeePpm,
      PPM_SCALE,
      Rounding.Up,
    );
    const room = scope.equityQuote + 1n;
    const charged = room < fee ? room : fee;
    const paid = charged <= 0n ? 0n : divSigned(charged * share, PPM_SCALE, Rounding.Down);
    if (paid > bound) bound = paid;
  }
  return bound;
}

/** Every open leg of an account in a perps-core book: the largest's market and size, Σ notional. */
function crossLine(
  state: EngineState<unknown>,
  account: string,
  nowSeconds: number,
): { sizeBase: bigint; notionalUsd: number; market: string } | undefined {
  const { book } = coreOf(state);
  let best: { sizeBase: bigint; notionalUsd: number; market: string } | undefined;
  let total = 0;
  for (const market of Object.keys(book.markets).sort()) {
    const line = positionLine(state, 'generic', account, market, nowSeconds);
    if (line === undefined) continue;
    total += line.notionalUsd;
    if (best === undefined || line.notionalUsd > best.notionalUsd) best = line;
  }
  return best === undefined ? undefined : { ...best, notionalUsd: total };
}

/** Closes of the positions `holder` carries in the market (checked by a dry run). */
function unwindsOf(
  state: EngineState<unknown>,
  options: PerpsKeeperViewOptions,
  holder: string,
  nowSeconds: number,
  reason: string,
): PerpsChore[] {
  const line = positionLine(state, options.kind, holder, options.perpMarket, nowSeconds);
  if (line === undefined) return [];
  const command: Command = { type: 'closePosition', account: holder, market: options.perpMarket };
  if (dryRun(options.decider, state, command, nowSeconds) === null) return [];
  return [{ command, reason, notionalUsd: line.notionalUsd }];
}

/** Halvings of a size an ADL order tries, largest first. */
const ADL_SIZE_TRIES = 6;

/**
 * GMX ADL orders of one market for an ADL keeper: per side, `updateAdlState` when the model would
 * change the side's flag; else, with the flag on, `executeAdl` on the most profitable position
 * (the model's `adlCandidates`, PnL ranking) for the largest of its size, ½, ¼, ... the model
 * accepts (GMX refuses an order that overcorrects the PnL-to-pool factor).
 */
function gmxAdlOrders(state: EngineState<unknown>, options: PerpsKeeperViewOptions, nowSeconds: number) {
  const ext = state.ext as GmxExt;
  const params = ext.params;
  const ms = Object.hasOwn(ext.markets, options.perpMarket) ? ext.markets[options.perpMarket] : undefined;
  if (params === null || ms === undefined || !params.adlKeepers.includes(options.keeperId)) return [];
  const out: PerpsChore[] = [];
  for (const isLong of [true, false]) {
    const side = isLong ? 'long' : 'short';
    const update: Command = {
      type: 'updateAdlState',
      keeper: options.keeperId,
      market: options.perpMarket,
      isLong,
    };
    const events = dryRun(options.decider, state, update, nowSeconds);
    const flag = events?.find((e) => e.type === 'GmxAdlStateUpdated') as
      | (EngineEvent & { readonly shouldEnableAdl: boolean })
      | undefined;
    if (flag !== undefined && flag.shouldEnableAdl !== ms.adlEnabled[side]) {
      out.push({ command: update, reason: `flag ${side} ADL ${flag.shouldEnableAdl}`, notionalUsd: 0 });
      continue;
    }
    if (!ms.adlEnabled[side]) continue;
    let ids: string[];
    try {
      ids = adlCandidates(state as EngineState<GmxExt>, options.perpMarket, isLong, nowSeconds);
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
    const top = ids[0];
    const position = top === undefined ? undefined : ext.positions.get(top);
    if (top === undefined || position === undefined) continue;
    let size = position.sizeInUsd;
    for (let i = 0; i < ADL_SIZE_TRIES && size > 0n; i++, size /= 2n) {
      const command: Command = {
        type: 'executeAdl',
        keeper: options.keeperId,
        position: top,
        sizeDeltaUsd: size,
      };
      if (dryRun(options.decider, state, command, nowSeconds) === null) continue;
      out.push({
        command,
        reason: `ADL ${top} by ${size} USD·1e30`,
        notionalUsd: Number(size) / 1e30,
      });
      break;
    }
  }
  return out;
}

/**
 * The view a perps keeper decides on: for each of `options.accounts` the model says is
 * liquidatable, the model's liquidation command as this keeper would send it, kept only when a dry
 * run through the model's engine accepts it and it does something (a fill, a takeover, a flag, a
 * deleveraging), with the reward the dry run pays the keeper; the keeper's own inherited positions
 * to close (Drift), the liquidator vault's (Hyperliquid, with `backstopAccount`), and GMX's ADL
 * orders when the keeper holds ADL_KEEPER.
 * @param state a configured engine state of a perps model of `options.kind`.
 * @param nowSeconds decision time (must equal `market.nowSeconds`).
 * @param market gas and ETH prices (floats) the reward screen uses.
 * @param keeperIds every keeper of the run: never treated as liquidation targets.
 * @throws InvalidParameterError for a bad market, a time mismatch or an unconfigured model.
 */
export function perpsKeeperView(
  state: EngineState<unknown>,
  nowSeconds: number,
  market: MarketContext,
  keeperIds: readonly string[],
  options: PerpsKeeperViewOptions,
): PerpsKeeperView {
  requireViewTime(market, nowSeconds);
  const kind = options.kind;
  let quoteAsset = '';
  let quoteDecimals = 0;
  if (kind !== 'gmx') {
    const core = coreOf(state);
    quoteAsset = core.quoteAsset;
    quoteDecimals = core.quoteDecimals;
  } else if ((state.ext as GmxExt).params === null) {
    throw new InvalidParameterError('state', 'the gmx-v2 model is not configured yet');
  }
  const protocolRun = PERPS_PROTOCOL_RUN[kind];
  const skip = new Set(keeperIds);
  const candidates: PerpsCandidate[] = [];
  const floorUsd = protocolRun ? undefined : options.rewardAboveUsd;
  for (const account of [...options.accounts].sort()) {
    if (skip.has(account)) continue;
    const anyMarket = options.anyMarket === true && kind === 'generic';
    const line = anyMarket
      ? crossLine(state, account, nowSeconds)
      : positionLine(state, kind, account, options.perpMarket, nowSeconds);
    if (line === undefined) continue;
    let h: { readonly healthWad: bigint; readonly liquidatable: boolean };
    try {
      h = options.health(state, account, nowSeconds);
    } catch (e) {
      if (e instanceof SolventError) continue;
      throw e;
    }
    if (!h.liquidatable) continue;
    if (floorUsd !== undefined && kind === 'generic') {
      // The keeper would not send a call paying at most the bound: skip its dry run.
      const bound = perpsRewardBoundQuote(state, account, anyMarket ? undefined : line.market, nowSeconds);
      if (bound !== undefined && !(Number(bound) / 10 ** quoteDecimals > floorUsd)) continue;
    }
    const command: Command = anyMarket
      ? { type: 'liquidate', account, liquidator: options.keeperId }
      : perpsLiquidateCommand(kind, account, line.market, options.keeperId);
    const events = dryRun(options.decider, state, command, nowSeconds);
    if (events === null || !events.some((e) => EFFECT_EVENTS[kind].includes(e.type))) continue;
    const reward = protocolRun ? 0n : rewardQuote(events, options.keeperId, quoteAsset);
    if (floorUsd !== undefined && !(Number(reward) / 10 ** quoteDecimals > floorUsd)) continue;
    candidates.push({
      account,
      market: line.market,
      sizeBase: line.sizeBase,
      notionalUsd: line.notionalUsd,
      healthWad: h.healthWad,
      rewardUsd: Number(reward) / 10 ** quoteDecimals,
      command,
    });
  }
  candidates.sort((a, b) =>
    a.healthWad !== b.healthWad ? (a.healthWad < b.healthWad ? -1 : 1) : a.account < b.account ? -1 : 1,
  );
  const unwinds: PerpsChore[] = [];
  if (kind === 'drift') {
    unwinds.push(...unwindsOf(state, options, options.keeperId, nowSeconds, 'close the taken-over position'));
  }
  if (kind === 'hyperliquid' && options.backstopAccount !== undefined) {
    unwinds.push(
      ...unwindsOf(state, options, options.backstopAccount, nowSeconds, 'the liquidator vault unwinds'),
    );
  }
  return {
    kind,
    keeperId: options.keeperId,
    nowSeconds,
    market,
    protocolRun,
    gasUnits: PERPS_GAS_UNITS[kind],
    candidates,
    unwinds,
    adl: kind === 'gmx' ? gmxAdlOrders(state, options, nowSeconds) : [],
  };
}

/** Options of {@link perpsLiquidator}. */
export interface PerpsLiquidatorOptions {
  readonly id: string;
  /** ε of `I > C_gas + ε`, USD (≥ 0, default 0). Ignored where the protocol liquidates itself. */
  readonly minProfitUsd?: number;
  /** Above this gas price (gwei) the keeper sends nothing; default none. */
  readonly maxGasPriceGwei?: number;
}

/** What a perps liquidator could act on at a market ({@link PerpsLiquidatorPolicy.screen}). */
export type PerpsKeeperScreen =
  /** Nothing: it sends no transaction at all (gas above its cap), whatever the view holds. */
  | { readonly sends: false }
  /**
   * It sends the view's chores and its candidates paying more than `rewardAboveUsd` (USD), every
   * candidate when that is absent (the protocol liquidates itself).
   */
  | { readonly sends: true; readonly rewardAboveUsd?: number };

/** A perps liquidator, with the screen of what it could act on. */
export interface PerpsLiquidatorPolicy extends KeeperPolicy<PerpsKeeperView> {
  /**
   * What this keeper could send at `market` for a model of `kind`: nothing above its gas cap;
   * else candidates whose reward beats the gas of {@link PERPS_GAS_UNITS} plus ε (the same float
   * `C_gas + ε` its decisions compare with), or all where the protocol liquidates itself. A view
   * built with `rewardAboveUsd` from it ({@link PerpsKeeperViewOptions.rewardAboveUsd}), or no view
   * at all when it sends nothing, gives the same actions.
   */
  screen(market: MarketContext, kind: PerpsKind): PerpsKeeperScreen;
}

/**
 * A perps liquidator. Above `maxGasPriceGwei` it sends nothing. Otherwise it sends, in order, the
 * view's unwinds and ADL orders, then every candidate (lowest health first) whose reward beats the
 * gas cost plus `minProfitUsd` (I > C_gas + ε, strict), or every candidate where the protocol runs
 * its own liquidations (the view's `protocolRun`: no reward to weigh).
 * @throws InvalidParameterError for a negative ε or cap (when built), or a view for another keeper.
 */
export function perpsLiquidator(options: PerpsLiquidatorOptions): PerpsLiquidatorPolicy {
  const epsilon = options.minProfitUsd ?? 0;
  requireNonNegative(epsilon, 'minProfitUsd');
  requireGasCap(options.maxGasPriceGwei);
  return {
    id: options.id,
    screen(market, kind) {
      if (gasAboveCap(market, options.maxGasPriceGwei)) return { sends: false };
      if (PERPS_PROTOCOL_RUN[kind]) return { sends: true };
      // The threshold clearsGas compares with: reward > gasUsd + ε.
      return { sends: true, rewardAboveUsd: gasCostUsd(PERPS_GAS_UNITS[kind], market) + epsilon };
    },
    decide(view) {
      if (view.keeperId !== options.id) {
        throw new InvalidParameterError(
          'view.keeperId',
          `the view is for ${view.keeperId}, not ${options.id}`,
        );
      }
      const m = view.market;
      if (gasAboveCap(m, options.maxGasPriceGwei)) return [];
      const gasUsd = gasCostUsd(view.gasUnits, m);
      const actions: KeeperAction[] = [];
      for (const chore of [...view.unwinds, ...view.adl]) {
        actions.push({ command: chore.command, gasUnits: view.gasUnits, reason: chore.reason });
      }
      for (const c of view.candidates) {
        if (!view.protocolRun && !clearsGas(c.rewardUsd, gasUsd, epsilon)) continue;
        actions.push({
          command: c.command,
          gasUnits: view.gasUnits,
          reason: `liquidate ${c.account} (health ${(Number(c.healthWad) / 1e18).toFixed(4)}, $${c.notionalUsd.toFixed(0)})`,
          ...(view.protocolRun ? {} : { expectedProfitUsd: c.rewardUsd - gasUsd }),
        });
      }
      return actions;
    },
  };
}
