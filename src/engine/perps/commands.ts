/**
 * Small command-handling pieces the perpetuals protocol models share: reading amounts, close
 * sizes and funding rates from commands, opening accounts on first use, the initial-margin gate,
 * the account listing and liquidation target of a model, and the zero-sum checks of a market.
 */
import type { InvariantCheck } from '../engine.js';
import { InsufficientMarginError, InvalidParameterError, NotConfiguredError } from '../errors.js';
import { readBigint, readEnum, readString } from '../fields.js';
import type { Command, EngineEvent } from '../machine.js';
import type { MarginScope } from './margin.js';
import {
  type PerpAccountOpened,
  type PerpMarketState,
  type PerpsBook,
  type PerpsView,
  PPM_SCALE,
  positionOf,
} from './types.js';

/**
 * Reads a positive amount (smallest units) from `command[key]`.
 * @param expect what the error says is expected (e.g. `an amount > 0 (D18)`).
 * @throws InvalidParameterError naming `key` when it is missing, not an integer or not positive.
 */
export const readPositiveAmount = (command: Command, key = 'amount', expect = 'an amount > 0'): bigint =>
  readBigint(command, key, key, { min: 1n, expect });

/** `[PerpAccountOpened]` when the book has no account `account` yet, else no event. */
export function accountOpenedEvents(view: PerpsView, account: string): EngineEvent[] {
  if (view.book.accounts.has(account)) return [];
  const e: PerpAccountOpened = { type: 'PerpAccountOpened', account };
  return [e];
}

/**
 * Refuses a margin scope whose equity is below its initial margin (both in quote units).
 * @param what names the action in the error (e.g. `withdraw`).
 * @throws InsufficientMarginError.
 */
export function requireScopeInitialMargin(scope: MarginScope, account: string, what: string): void {
  if (scope.equityQuote < scope.initialQuote) {
    throw new InsufficientMarginError(
      account,
      `${what}: equity ${scope.equityQuote} < initial margin ${scope.initialQuote}`,
    );
  }
}

/** A close order read from a `closePosition` command. */
export interface CloseOrder {
  readonly account: string;
  readonly market: string;
  /** The signed trade that reduces the position (opposite sign to it), base smallest units. */
  readonly sizeBase: bigint;
}

/**
 * Reads `closePosition {account, market, sizeBase?}`: the trade that reduces the held position by
 * `|sizeBase|` base units (the whole position when absent).
 * @throws InvalidParameterError when the account holds no position in the market, or `sizeBase`
 *   is not in [1, |position|].
 */
export function readCloseOrder(book: PerpsBook, command: Command): CloseOrder {
  const account = readString(command, 'account');
  const market = readString(command, 'market');
  const held = positionOf(book, account, market)?.sizeBase ?? 0n;
  if (held === 0n) throw new InvalidParameterError('market', `${account} has no position in ${market}`);
  const whole = held < 0n ? -held : held;
  const amount =
    command.sizeBase === undefined
      ? whole
      : readBigint(command, 'sizeBase', 'sizeBase', {
          min: 1n,
          max: whole,
          expect: `a size in [1, ${whole}]`,
        });
  return { account, market, sizeBase: held > 0n ? -amount : amount };
}

/**
 * Whether a trade taking a position from `beforeBase` to `afterBase` (signed base units) only
 * reduces it: it closes it, or keeps its side with a smaller size.
 */
export function reducesPosition(beforeBase: bigint, afterBase: bigint): boolean {
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  return (
    beforeBase !== 0n &&
    (afterBase === 0n || (afterBase > 0n === beforeBase > 0n && abs(afterBase) < abs(beforeBase)))
  );
}

/**
 * Reads `ratePpm`, a funding rate in parts per million of the mark per base unit, within
 * [−1e6, 1e6].
 * @throws InvalidParameterError naming `ratePpm`.
 */
export const readFundingRatePpm = (command: Command): bigint =>
  readBigint(command, 'ratePpm', 'ratePpm', {
    min: -PPM_SCALE,
    max: PPM_SCALE,
    expect: 'a rate in [-1e6, 1e6] ppm',
  });

/** The ids of a book's accounts in ascending order (none before `configure`). */
export const perpsAccountIds = (book: PerpsBook | null): string[] =>
  book === null ? [] : book.accounts.keys();

/**
 * The account a liquidation command targets: `command.account` when the command's type is one of
 * `types` and the account is a string, else undefined.
 */
export function liquidationTargetOf(
  command: Command,
  types: readonly string[] = ['liquidate'],
): string | undefined {
  if (!types.includes(command.type)) return undefined;
  return typeof command.account === 'string' ? command.account : undefined;
}

/**
 * The zero-sum checks of one market: Σ size = 0, Σ entry = 0 (PnL is zero-sum) and long open
 * interest = short open interest.
 * @param sizeLabel what the check names the summed size (`size`, `base`).
 */
export function zeroSumMarketChecks(
  market: string,
  s: PerpMarketState,
  sizeLabel = 'size',
): InvariantCheck[] {
  let size = 0n;
  let entry = 0n;
  for (const p of s.positions.values()) {
    size += p.sizeBase;
    entry += p.entryQuote;
  }
  return [
    { name: `${market}: Σ ${sizeLabel} = 0`, holds: size === 0n, detail: `Σ ${sizeLabel} ${size}` },
    { name: `${market}: Σ entry = 0 (zero-sum PnL)`, holds: entry === 0n, detail: `Σ entry ${entry}` },
    {
      name: `${market}: long OI = short OI`,
      holds: s.longOpenInterestBase === s.shortOpenInterestBase,
      detail: `${s.longOpenInterestBase} vs ${s.shortOpenInterestBase}`,
    },
  ];
}

/**
 * Where a deposit comes from or a withdrawal goes: `command[key]` is `world` (the default when
 * absent) or `wallet`, read as the bucket `world` or `wallet:<account>`.
 * @throws InvalidParameterError naming `key` when it is another value.
 */
export function readFundsBucket(command: Command, key: string, account: string): string {
  return command[key] === undefined || readEnum(command, key, ['world', 'wallet']) === 'world'
    ? 'world'
    : `wallet:${account}`;
}

/**
 * The parameters and book of a configured perps model state.
 * @param modelId the model's id, named in the error.
 * @param command the command or query that needs them, named in the error.
 * @throws NotConfiguredError before `configure` (params or book still null).
 */
export function requireConfiguredBook<P>(
  ext: { readonly params: P | null; readonly book: PerpsBook | null },
  modelId: string,
  command: string,
): { params: P; book: PerpsBook } {
  const { params, book } = ext;
  if (params === null || book === null) throw new NotConfiguredError(modelId, command);
  return { params, book };
}

/**
 * The entry of `list` whose `market` is `market`.
 * @param noun what the error calls a market (`market`, `perpetual`).
 * @param field the field the error names (default `market`).
 * @throws InvalidParameterError listing the known markets when none matches.
 */
export function findMarketParams<M extends { readonly market: string }>(
  list: readonly M[],
  market: string,
  options: { readonly noun?: string; readonly field?: string } = {},
): M {
  const m = list.find((x) => x.market === market);
  if (m === undefined) {
    throw new InvalidParameterError(
      options.field ?? 'market',
      `unknown ${options.noun ?? 'market'} ${market}; known: ${list.map((x) => x.market).join(', ')}`,
    );
  }
  return m;
}
