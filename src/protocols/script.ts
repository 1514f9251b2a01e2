/**
 * Scripts: a protocol and a list of timed commands, run through the engine from empty. This is
 * how `solvent run` shows a model at work (every event, every refusal with its typed reason, the
 * health of every account at the end and the state hash), and how examples stay reproducible.
 *
 * Format (JSON): `{ "protocol": "<id>" | {composed configuration}, "commands": [ { "at": <seconds>,
 * "type": "...", ... } ] }`.
 * A `configure` command whose `params` is the string `"default"` gets the model's embedded
 * defaults. Integers may be JSON numbers (when safe) or decimal strings.
 */
import { type AccountHealth, createEngine, type EngineState, type ProtocolModel } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import { readInt, readObject, readString } from '../engine/fields.js';
import { apply, type Command, type Recorded, stateHash } from '../engine/machine.js';
import { distanceToLiquidationBps, liquidationPrice } from '../engine/margin.js';
import { SolventError } from '../math/errors.js';
import { resolveProtocol } from './catalog.js';

/** A refused command: its index in the script and the typed error the engine gave. */
export interface ScriptRefusal {
  readonly index: number;
  readonly atSeconds: number;
  readonly type: string;
  readonly error: SolventError;
}

/**
 * An account's risk as the engine's margin calculus sees it, for models that expose a margin view:
 * the liquidation price of each collateral holding the others fixed (in the oracle's price scale;
 * null when no price of that asset liquidates it) and the uniform collateral price drop, in bps,
 * that makes it liquidatable (null without debt).
 */
export interface AccountRisk {
  readonly accountId: string;
  readonly liquidationPrices: Readonly<
    Record<string, { readonly price: bigint | null; readonly priceDecimals: number }>
  >;
  readonly distanceToLiquidationBps: bigint | null;
}

/** Everything a script run produced. */
export interface ScriptRun {
  readonly protocol: string;
  readonly state: EngineState;
  readonly log: readonly Recorded[];
  readonly refusals: readonly ScriptRefusal[];
  /** Health of every account at the time of the last command. */
  readonly accounts: readonly AccountHealth[];
  /** Liquidation prices and distances (models with a margin view; accounts it cannot value are left out). */
  readonly risks: readonly AccountRisk[];
  readonly stateHash: string;
}

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  /** Stop at the first refusal and throw it (default: record it and go on). */
  readonly strict?: boolean;
}

/**
 * Runs a parsed script.
 * @throws InvalidParameterError naming the field (`commands[3].at`, `protocol`) for a malformed
 *   script; UnknownProtocolError; with `strict`, the first refusal.
 */
export function runScript(script: unknown, options: RunScriptOptions = {}): ScriptRun {
  const root = readObject(script, 'script');
  const entry = resolveProtocol(
    typeof root.protocol === 'string' ? readString(root, 'protocol') : root.protocol,
  );
  const commands = root.commands;
  if (!Array.isArray(commands)) throw new InvalidParameterError('commands', 'expected an array of commands');
  const engine = createEngine(entry.model);
  let state = engine.initial();
  const log: Recorded[] = [];
  const refusals: ScriptRefusal[] = [];
  let lastAt = 0;
  for (const [index, raw] of commands.entries()) {
    const path = `commands[${index}]`;
    const fields = readObject(raw, path);
    const atSeconds = readInt(fields, 'at', `${path}.at`);
    const type = readString(fields, 'type', `${path}.type`);
    const { at: _at, ...rest } = fields;
    let command: Command = { ...rest, type };
    if (type === 'configure' && fields.params === 'default') {
      command = { ...command, params: entry.defaultParams };
    }
    try {
      const result = apply(engine, state, command, atSeconds);
      state = result.state;
      log.push(...result.events);
    } catch (error) {
      if (!(error instanceof SolventError) || options.strict === true) throw error;
      refusals.push({ index, atSeconds, type, error });
    }
    lastAt = Math.max(lastAt, atSeconds);
  }
  const ids = entry.model.accountIds(state);
  const accounts = ids.map((id) => entry.model.health(state, id, lastAt));
  const risks = ids.flatMap((id) => riskOf(entry.model, state, id, lastAt));
  return { protocol: entry.model.id, state, log, refusals, accounts, risks, stateHash: stateHash(state) };
}

function riskOf(
  model: ProtocolModel,
  state: EngineState,
  accountId: string,
  nowSeconds: number,
): AccountRisk[] {
  if (model.marginAccount === undefined) return [];
  try {
    const account = model.marginAccount(state, accountId, nowSeconds);
    const liquidationPrices: Record<string, { price: bigint | null; priceDecimals: number }> = {};
    for (const line of account.collateral) {
      liquidationPrices[line.asset] = {
        price: liquidationPrice(account, line.asset),
        priceDecimals: line.priceDecimals,
      };
    }
    return [{ accountId, liquidationPrices, distanceToLiquidationBps: distanceToLiquidationBps(account) }];
  } catch (error) {
    // An account the calculus cannot value (an asset both posted and borrowed) gets no risk line.
    if (error instanceof SolventError) return [];
    throw error;
  }
}

/** One event as a line of text: `#seq t=<s> Type field=value ...` (Moved: `asset amount from → to (reason)`). */
export function formatEvent(recorded: Recorded): string {
  const { event } = recorded;
  const head = `#${recorded.seq} t=${recorded.atSeconds} ${event.type}`;
  const fields = event as unknown as Record<string, unknown>;
  if (event.type === 'Moved') {
    return `${head} ${fields.amount} ${fields.asset} ${fields.from} → ${fields.to} (${fields.reason})`;
  }
  const parts = Object.entries(fields)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return parts.length === 0 ? head : `${head} ${parts.join(' ')}`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}
