/**
 * The engine: one state shape shared by every protocol model (assets, oracle, ledger, and a
 * model-specific part), and `createEngine(model)` which turns a protocol model into a Decider.
 * The engine handles the commands every protocol shares (listing assets, oracle publication,
 * funding the insurance fund); the model decides the rest.
 */
import { assert } from '../math/errors.js';
import {
  CircuitBreakerError,
  InvalidParameterError,
  UnknownAssetError,
  UnknownCommandError,
} from './errors.js';
import { readBigint, readInt, readString } from './fields.js';
import {
  applyMove,
  applyMoves,
  balanceOf,
  type Ledger,
  type Moved,
  moved,
  requireMovesFeasible,
} from './ledger.js';
import type { Command, Decider, EngineEvent, Recorded } from './machine.js';
import type { MarginAccount } from './margin.js';
import {
  decideOracle,
  emptyOracleState,
  evolveOracle,
  isOracleEvent,
  ORACLE_COMMANDS,
  type OracleAssetState,
  type OracleCommand,
  type OracleState,
  oracleStatus,
} from './oracle.js';

/** A listed asset. */
export interface AssetInfo {
  /** Decimals of the token's smallest unit (18 for ETH, 6 for USDC). */
  readonly decimals: number;
}

/** The state of an engine running protocol model with model-specific state `X`. */
export interface EngineState<X = unknown> {
  /** Id of the protocol model (`maker-liq2`, `aave-v3.3`, ...). */
  readonly protocol: string;
  /** Sequence number of the last event applied. */
  readonly seq: number;
  /** Time of the last command applied, in seconds. */
  readonly timeSeconds: number;
  readonly assets: Readonly<Record<string, AssetInfo>>;
  readonly oracle: OracleState;
  /** Where every unit of every asset is (see ledger.ts for bucket names). */
  readonly ledger: Ledger;
  /** The model's own state (parameters, vaults, auctions, reserves, ...). */
  readonly ext: X;
}

/** Health of one account as the model's own rule sees it. */
export interface AccountHealth {
  readonly accountId: string;
  /** Health on a 1e18 scale, 1e18 = at the threshold (the model's own notion). */
  readonly healthWad: bigint;
  /** Whether the model would allow a liquidation now (strict rule of the protocol). */
  readonly liquidatable: boolean;
  /** Collateral value in USD, 1e18 scale (floor). */
  readonly collateralValueWad: bigint;
  /** Debt value in USD, 1e18 scale (ceil). */
  readonly debtValueWad: bigint;
}

/** An invariant beyond ledger conservation that a model states about its own state. */
export interface InvariantCheck {
  readonly name: string;
  readonly holds: boolean;
  readonly detail: string;
}

/** A protocol model: the protocol-specific commands, events and state on top of the engine. */
export interface ProtocolModel<X = unknown> {
  /** Stable id (`maker-liq2`, `aave-v3.3`, `compound-v3`). */
  readonly id: string;
  /** One line on what is modelled. */
  readonly title: string;
  /** Repositories and files the model is ported from. */
  readonly sources: readonly string[];
  /** Command types the model decides. */
  readonly commands: readonly string[];
  /** Model state of an empty engine (before any configuration event). */
  initialExt(): X;
  /** Events a model command causes; throws a typed SolventError to refuse it. */
  decide(state: EngineState<X>, command: Command, nowSeconds: number): readonly EngineEvent[];
  /** Folds one of the model's own events into its state (engine events never reach it). */
  evolve(state: EngineState<X>, recorded: Recorded): X;
  /** Ids of every account (vault, position) the model holds, sorted. */
  accountIds(state: EngineState<X>): readonly string[];
  /** Health of one account at `nowSeconds` (prices from the oracle as the protocol reads them). */
  health(state: EngineState<X>, accountId: string, nowSeconds: number): AccountHealth;
  /** Model invariants to check after every command in property tests. */
  invariants(state: EngineState<X>): readonly InvariantCheck[];
  /**
   * The account a command liquidates (Maker `bark`/`bite`, Aave `liquidationCall`, Comet
   * `absorb`), or undefined for any other command. The contract test uses it to prove that no
   * healthy account is ever liquidated.
   */
  liquidationTarget(command: Command): string | undefined;
  /**
   * The account and asset a command borrows (Aave `borrow`, Comet `borrow`, Maker `draw`), or
   * undefined. The engine refuses it while an oracle breaker pauses borrowing of that asset or
   * of any collateral the account holds.
   */
  /**
   * The account as the engine's margin calculus sees it (collateral lines with their liquidation
   * threshold and initial LTV, debt lines, oracle prices), for liquidation prices and distances to
   * liquidation. Absent for models whose threshold is not a per-asset LTV (Maker's `mat`).
   */
  marginAccount?(state: EngineState<X>, accountId: string, nowSeconds: number): MarginAccount;
  borrowRequest?(
    state: EngineState<X>,
    command: Command,
  ): { readonly account: string; readonly asset: string } | undefined;
}

/** Engine events: ledger moves, asset listings, and every oracle event. */
export interface AssetListed {
  readonly type: 'AssetListed';
  readonly asset: string;
  readonly decimals: number;
}

/** Commands every engine understands whatever the protocol. */
export const ENGINE_COMMANDS: readonly string[] = [
  'listAsset',
  'fundInsurance',
  'fundWallet',
  ...ORACLE_COMMANDS,
];

const ENGINE_EVENTS: ReadonlySet<string> = new Set(['Moved', 'AssetListed']);

/** The empty state of an engine running `model`. */
export function emptyEngineState<X>(model: ProtocolModel<X>): EngineState<X> {
  return {
    protocol: model.id,
    seq: 0,
    timeSeconds: 0,
    assets: {},
    oracle: emptyOracleState(),
    ledger: {},
    ext: model.initialExt(),
  };
}

/** The asset's info. @throws UnknownAssetError. */
export function requireAsset(state: EngineState<unknown>, asset: string): AssetInfo {
  const info = state.assets[asset];
  if (info === undefined) throw new UnknownAssetError(asset);
  return info;
}

function decideEngineCommand(
  state: EngineState<unknown>,
  command: Command,
  nowSeconds: number,
): EngineEvent[] {
  switch (command.type) {
    case 'listAsset': {
      const asset = readString(command, 'asset');
      const decimals = readInt(command, 'decimals', 'decimals', { min: 0, max: 77 });
      if (asset in Object.prototype) {
        // Records keyed by asset (assets, the ledger, oracles) would read the inherited member.
        throw new InvalidParameterError(
          'asset',
          `${asset} is reserved: every JavaScript object has a member of that name`,
          'Choose another asset id (for example a ticker such as WETH).',
        );
      }
      if (state.assets[asset] !== undefined) {
        throw new InvalidParameterError('asset', `${asset} is already listed`);
      }
      const listed: AssetListed = { type: 'AssetListed', asset, decimals };
      return [listed];
    }
    case 'fundInsurance': {
      const asset = readString(command, 'asset');
      requireAsset(state, asset);
      const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'an amount > 0' });
      return moved(asset, 'world', 'insurance', amount, 'fundInsurance');
    }
    case 'fundWallet': {
      // An actor (keeper, liquidator, user) brings tokens from outside the system.
      const actor = readString(command, 'actor');
      const asset = readString(command, 'asset');
      requireAsset(state, asset);
      const amount = readBigint(command, 'amount', 'amount', { min: 1n, expect: 'an amount > 0' });
      return moved(asset, 'world', `wallet:${actor}`, amount, 'fundWallet');
    }
    default:
      return [...decideOracle(state.oracle, command as unknown as OracleCommand, nowSeconds)];
  }
}

/**
 * Refuses `action` while a tripped oracle breaker on `asset` pauses it. Engine-wide, whatever the
 * model: the operator's breaker outranks the protocol. The outage grace period is not applied
 * here: it is a protocol rule (Aave's sentinel), applied by the models that have one.
 */
function requireNoBreakerOnAsset(
  state: EngineState<unknown>,
  asset: string,
  action: 'Liquidation' | 'Borrowing',
  nowSeconds: number,
): void {
  if (!Object.hasOwn(state.oracle.assets, asset)) return;
  const status = oracleStatus(state.oracle, asset, nowSeconds);
  const paused = action === 'Liquidation' ? status.liquidationsPaused : status.breakerPausesBorrowing;
  if (paused)
    throw new CircuitBreakerError(action, asset, 'an oracle breaker is tripped; an operator must reset it');
}

/** {@link requireNoBreakerOnAsset} for every asset the account has posted as collateral. */
function requireNoBreakerOnAccount(
  state: EngineState<unknown>,
  accountId: string,
  action: 'Liquidation' | 'Borrowing',
  nowSeconds: number,
): void {
  // No breaker tripped for this action on any asset (the usual case): nothing can refuse it.
  const paused = (a: OracleAssetState): boolean =>
    action === 'Liquidation' ? a.breaker.liquidationsPaused : a.breaker.borrowingPaused;
  if (!Object.values(state.oracle.assets).some(paused)) return;
  const bucket = `acct:${accountId}`;
  for (const asset of Object.keys(state.oracle.assets).sort()) {
    if (balanceOf(state.ledger, bucket, asset) > 0n) {
      requireNoBreakerOnAsset(state, asset, action, nowSeconds);
    }
  }
}

/** Own keys of every state the engine builds ({@link emptyEngineState}), in that order. */
const STATE_KEYS: readonly string[] = ['protocol', 'seq', 'timeSeconds', 'assets', 'oracle', 'ledger', 'ext'];

/**
 * Whether `state`'s own enumerable keys are exactly {@link STATE_KEYS} in order (and it has no
 * symbol keys): then an object literal naming the seven fields is the same object a spread of it
 * would be, at a small fraction of the cost (a spread of a state is the engine's dearest step).
 * States built by anyone else (extra fields, another order) keep being copied by spreads.
 */
function hasEngineShape(state: object): boolean {
  const keys = Object.keys(state);
  if (keys.length !== STATE_KEYS.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== STATE_KEYS[i]) return false;
  return Object.getOwnPropertySymbols(state).length === 0;
}

/** The parts of a state an event may replace. */
interface StatePatch<X> {
  readonly assets?: EngineState<X>['assets'];
  readonly oracle?: OracleState;
  readonly ledger?: Ledger;
  readonly ext?: X;
}

/**
 * `{ ...state, seq, timeSeconds, ...patch }`: written out field by field when `plain` (the state
 * has the engine's shape, {@link hasEngineShape}), else a spread; the same state either way.
 */
function nextState<X>(
  state: EngineState<X>,
  plain: boolean,
  seq: number,
  timeSeconds: number,
  patch: StatePatch<X>,
): EngineState<X> {
  if (!plain) return { ...state, seq, timeSeconds, ...patch };
  return {
    protocol: state.protocol,
    seq,
    timeSeconds,
    assets: patch.assets ?? state.assets,
    oracle: patch.oracle ?? state.oracle,
    ledger: patch.ledger ?? state.ledger,
    ext: patch.ext === undefined ? state.ext : patch.ext,
  };
}

/** Turns a protocol model into the engine's Decider. */
export function createEngine<X>(model: ProtocolModel<X>): Decider<EngineState<X>, Command, EngineEvent> {
  const modelCommands = new Set(model.commands);
  const engineCommands = new Set(ENGINE_COMMANDS);
  /**
   * The state after one event; `plain` says the state has the engine's shape (then copies are
   * literals, else spreads: the same state either way).
   */
  const fold = (state: EngineState<X>, recorded: Recorded, plain: boolean): EngineState<X> => {
    const event = recorded.event;
    const seq = recorded.seq;
    const timeSeconds = recorded.atSeconds;
    if (event.type === 'Moved') {
      return nextState(state, plain, seq, timeSeconds, { ledger: applyMove(state.ledger, event as Moved) });
    }
    if (event.type === 'AssetListed') {
      const e = event as AssetListed;
      const assets = { ...state.assets, [e.asset]: { decimals: e.decimals } };
      return nextState(state, plain, seq, timeSeconds, { assets });
    }
    if (isOracleEvent(event)) {
      return nextState(state, plain, seq, timeSeconds, { oracle: evolveOracle(state.oracle, event) });
    }
    if (ENGINE_EVENTS.has(event.type)) assert(false, `engine event ${event.type} not folded`);
    // The model sees the state with the new seq and time; its result needs a second copy.
    const base = nextState(state, plain, seq, timeSeconds, {});
    const ext = model.evolve(base, recorded);
    return ext === base.ext ? base : nextState(base, plain, seq, timeSeconds, { ext });
  };
  return {
    initial: () => emptyEngineState(model),
    seqOf: (s) => s.seq,
    timeOf: (s) => s.timeSeconds,
    decide(state, command, nowSeconds) {
      let events: readonly EngineEvent[];
      if (engineCommands.has(command.type)) events = decideEngineCommand(state, command, nowSeconds);
      else if (modelCommands.has(command.type)) events = model.decide(state, command, nowSeconds);
      else throw new UnknownCommandError(model.id, command.type, [...ENGINE_COMMANDS, ...model.commands]);
      const target = model.liquidationTarget(command);
      if (target !== undefined) requireNoBreakerOnAccount(state, target, 'Liquidation', nowSeconds);
      const borrow = model.borrowRequest?.(state, command);
      if (borrow !== undefined) {
        requireNoBreakerOnAsset(state, borrow.asset, 'Borrowing', nowSeconds);
        requireNoBreakerOnAccount(state, borrow.account, 'Borrowing', nowSeconds);
      }
      // A refusal must change nothing: prove every move is affordable before anything is folded.
      requireMovesFeasible(
        state.ledger,
        events.filter((e): e is Moved => e.type === 'Moved'),
      );
      return events;
    },
    evolve: (state, recorded) => fold(state, recorded, hasEngineShape(state)),
    evolveAll(state, recorded) {
      // Runs of `Moved` events (most of a command's events) are folded with one copy of the state,
      // the ledger record and each touched shard array per run; anything else goes through `fold`,
      // so a model always sees the state the sequential fold would show it. Every state built
      // here from a state of the engine's shape has that shape too, so one check serves them all.
      const plain = hasEngineShape(state);
      let next = state;
      let i = 0;
      while (i < recorded.length) {
        const first = recorded[i] as Recorded;
        let end = i + 1;
        if (first.event.type === 'Moved') {
          while (end < recorded.length && (recorded[end] as Recorded).event.type === 'Moved') end += 1;
        }
        if (end - i === 1) next = fold(next, first, plain);
        else {
          const moves: Moved[] = [];
          for (let k = i; k < end; k++) moves.push((recorded[k] as Recorded).event as Moved);
          const last = recorded[end - 1] as Recorded;
          next = nextState(next, plain, last.seq, last.atSeconds, { ledger: applyMoves(next.ledger, moves) });
        }
        i = end;
      }
      return next;
    },
  };
}

/** Convenience for models: the ledger balance of a bucket. */
export function balance(state: EngineState<unknown>, bucket: string, asset: string): bigint {
  return balanceOf(state.ledger, bucket, asset);
}

/** Ledger asset that holds debt claims on `asset` (what borrowers owe, in `asset` units). */
export function debtClaimAsset(asset: string): string {
  return `${asset}.debt`;
}
