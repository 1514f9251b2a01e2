/**
 * The inputs of `solvent stress` beyond plain numbers: book snapshot files, keeper specs (a JSON or
 * YAML file, or the inline shorthand), parameter and composed protocol files, the error that names
 * the file, the field and its line when one of them is wrong, and the oracle feed flags that
 * stress, compare and sweep share. The file reading is here; the formats' rules live in
 * src/sim/book.ts and src/sim/stress/types.ts.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';
import { type Book, bookFromSnapshot, parseBookSnapshot } from '../sim/book.js';
import { getScenario } from '../sim/scenarios.js';
import type { StressKeeperPreset, StressKeeperSpec, StressOracle } from '../sim/stress.js';
import { ORACLE_BPS_MAX, ORACLE_SECONDS_MAX, type SweepSource } from '../sim/sweep.js';
import { readStructuredFile } from './files.js';

/** A field of a file given on the command line is missing or wrong. */
export class InputFileError extends SolventError {
  override name = 'InputFileError';
  /** The path as the user gave it. */
  readonly path: string;
  /** Dotted path of the field inside the file (`accounts[3].collateral[0].amount`). */
  readonly field: string;
  /** 1-based line of the field (or of the nearest enclosing value that exists), when known. */
  readonly line: number | undefined;
  constructor(
    path: string,
    field: string,
    reason: string,
    options: { readonly line?: number; readonly hint?: string; readonly cause?: unknown } = {},
  ) {
    const at = options.line === undefined ? '' : ` (line ${options.line})`;
    super('InputFile', `${path}: ${field}${at}: ${reason}.`, {
      metaMessages: options.hint === undefined ? ['Fix the file and run again.'] : [options.hint],
      details: {
        path,
        field,
        reason,
        ...(options.line === undefined ? {} : { line: String(options.line) }),
      },
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.path = path;
    this.field = field;
    this.line = options.line;
  }
}

/** `accounts[3].collateral[0].amount` → ['accounts', 3, 'collateral', 0, 'amount']. */
export function fieldSegments(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2]);
  }
  return out;
}

/**
 * The 1-based line of a dotted field in a JSON or YAML text (JSON is read as YAML, its superset
 * for our files): the line of the field's key, or of the deepest enclosing value that exists when
 * the field is missing. Undefined when the text does not parse or the field names nothing in it.
 * Never throws.
 */
export function fieldLine(text: string, field: string): number | undefined {
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length > 0) return undefined;
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as { range?: readonly number[] } | null)?.range?.[0];
  for (const segment of fieldSegments(field)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined || item === null) break;
      offset = (item as { range?: readonly number[] }).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

/**
 * An {@link InputFileError} for `field` of the file at `path`, with the field's line read from
 * the file (best effort: no line when it cannot be read again).
 */
export async function inputFileError(
  path: string,
  field: string,
  reason: string,
  hint?: string,
): Promise<InputFileError> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const line = text === undefined ? undefined : fieldLine(text, field);
  return new InputFileError(path, field, reason, {
    ...(line === undefined ? {} : { line }),
    ...(hint === undefined ? {} : { hint }),
  });
}

/**
 * Runs `work`; an InvalidParameterError whose field is `prefix` or starts with `prefix.` or
 * `prefix[` becomes an {@link InputFileError} of the file at `path`, naming the field inside the
 * file (the prefix dropped; `prefix` alone stands for the whole file). Other errors pass through.
 */
export async function withFileFields<T>(
  path: string,
  prefix: string | undefined,
  work: () => T | Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof InvalidParameterError)) throw error;
    const field = error.field;
    let inner: string | undefined;
    if (prefix === undefined) inner = field;
    else if (field === prefix) inner = '(top level)';
    else if (field.startsWith(`${prefix}.`)) inner = field.slice(prefix.length + 1);
    else if (field.startsWith(`${prefix}[`)) inner = field.slice(prefix.length);
    if (inner === undefined) throw error;
    throw await inputFileError(
      path,
      inner,
      error.details.reason ?? error.shortMessage,
      error.metaMessages[0],
    );
  }
}

/**
 * Runs `work` for a composed protocol configuration file: an InvalidParameterError whose field
 * is `protocolConfig…` or `config…` (the names the composed models and their parsers use) becomes
 * an {@link InputFileError} of the file at `path` naming the field inside it (see
 * {@link withFileFields}). Other errors pass through.
 */
export async function withConfigFileFields<T>(path: string, work: () => T | Promise<T>): Promise<T> {
  return withFileFields(path, 'protocolConfig', () => withFileFields(path, 'config', work));
}

/**
 * Checks `--book-per-path` against the other flags: it needs Monte Carlo paths and a synthetic
 * book (each path draws its own; a snapshot is the same book on every path).
 * @param paths the `--paths` count.
 * @param bookFile the `--book` snapshot file, when one is given.
 * @throws InvalidParameterError (flag `--book-per-path`) with fewer than two paths or a snapshot.
 */
export function requireBookPerPathInputs(paths: number, bookFile: string | undefined): void {
  if (paths < 2) {
    throw new InvalidParameterError(
      '--book-per-path',
      'needs Monte Carlo paths (--paths N with N ≥ 2)',
      'Without --paths the run of the seed already opens the book drawn from its seed.',
    );
  }
  if (bookFile !== undefined) {
    throw new InvalidParameterError(
      '--book-per-path',
      `the book is the snapshot ${bookFile}, which every path opens as it is`,
      'Give --book a size (a synthetic book) to draw one per path, or drop --book-per-path.',
    );
  }
}

/**
 * Reads a `solvent-book/1` snapshot (JSON, or YAML for .yaml/.yml) and builds its book.
 * @throws PathNotFoundError, PathReadError, JsonFileError (not JSON/YAML); InputFileError naming
 * the file and the field (with its line) for anything the snapshot format refuses.
 */
export async function readBookFile(path: string): Promise<Book> {
  const raw = await readStructuredFile(path);
  return withFileFields(path, undefined, () => bookFromSnapshot(parseBookSnapshot(raw)));
}

// ---------------------------------------------------------------------------------------------
// Keeper specs

type Preset = StressKeeperPreset['preset'];
/** The fields of preset `P` besides `preset` and `id`. */
type FieldsOf<P extends Preset> = Exclude<
  keyof Extract<StressKeeperPreset, { readonly preset: P }>,
  'preset' | 'id'
>;
/** Every preset field of any preset. */
type AnyField = { [P in Preset]: FieldsOf<P> }[Preset];

/**
 * For each preset, each of its fields and whether it is required: the mapped type makes the
 * compiler refuse this table when a preset or a field is added to StressKeeperPreset without it,
 * or when a field's required/optional mark is wrong.
 */
const PRESET_FIELDS: {
  readonly [P in Preset]: {
    readonly [F in FieldsOf<P>]-?: undefined extends Extract<StressKeeperPreset, { readonly preset: P }>[F]
      ? 'optional'
      : 'required';
  };
} = {
  aaveLiquidator: { minProfitUsd: 'required', maxGasPriceGwei: 'optional', walletUsdc: 'optional' },
  cometAbsorber: { maxGasPriceGwei: 'optional' },
  cometBuyer: { minProfitUsd: 'required', maxGasPriceGwei: 'optional', walletUsdc: 'optional' },
  gasCapped: { maxGasPriceGwei: 'required', kicksAboveCap: 'optional', walletDai: 'optional' },
  gasAware: { minProfitUsd: 'required', walletDai: 'optional' },
  flash: { minProfitUsd: 'optional' },
  capitalLimited: { capitalDai: 'required', walletDai: 'optional' },
  zeroBid: { maxGasPriceGwei: 'optional', minProfitUsd: 'optional', walletDai: 'optional' },
  liquidator: { minProfitUsd: 'optional', maxGasPriceGwei: 'optional', walletUsd: 'optional' },
  arbitrageur: { minProfitUsd: 'optional', walletUsd: 'optional' },
};

/** The keeper presets, in the order of the type. */
export const KEEPER_PRESETS: readonly Preset[] = Object.keys(PRESET_FIELDS) as Preset[];

/** How a field's value is read: a number ≥ 0, a whole number ≥ 0, a fraction in [0, 1], a boolean. */
type FieldKind = 'amount' | 'whole' | 'fraction' | 'boolean' | 'latency';

const FIELD_KINDS: { readonly [F in AnyField | 'latencySteps' | 'priorityFeeShare']-?: FieldKind } = {
  minProfitUsd: 'amount',
  maxGasPriceGwei: 'amount',
  walletUsdc: 'whole',
  walletDai: 'whole',
  walletUsd: 'whole',
  capitalDai: 'whole',
  kicksAboveCap: 'boolean',
  latencySteps: 'latency',
  priorityFeeShare: 'fraction',
};

/** Fields every keeper may have besides its preset's. */
const COMMON_FIELDS = ['preset', 'id', 'latencySteps', 'priorityFeeShare'] as const;

/** Most steps a keeper's transactions may wait (as the stress loop allows). */
export const KEEPER_LATENCY_STEPS_MAX = 10_000;

/** Keeper ids: 1–64 characters [A-Za-z0-9._-], starting with a letter or digit. */
const KEEPER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function describeValue(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'bigint'
      ? `${value}`
      : String(value);
}

function readField(kind: FieldKind, value: unknown, field: string): number | boolean {
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') {
      throw new InvalidParameterError(field, `expected true or false, got ${describeValue(value)}`);
    }
    return value;
  }
  const wanted = {
    amount: 'a finite number ≥ 0',
    whole: `a whole number in [0, ${Number.MAX_SAFE_INTEGER}]`,
    fraction: 'a number in [0, 1]',
    latency: `a whole number of steps in [0, ${KEEPER_LATENCY_STEPS_MAX}]`,
  }[kind];
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= 0 &&
    (kind !== 'whole' || Number.isSafeInteger(value)) &&
    (kind !== 'fraction' || value <= 1) &&
    (kind !== 'latency' || (Number.isSafeInteger(value) && value <= KEEPER_LATENCY_STEPS_MAX));
  if (!ok) throw new InvalidParameterError(field, `expected ${wanted}, got ${describeValue(value)}`);
  return value as number;
}

/**
 * Validates a list of keeper specs (parsed JSON/YAML, or built from the shorthand) field by field.
 * Each entry is an object with `preset` (one of {@link KEEPER_PRESETS}), an optional `id` (default
 * `<preset>-<n>`, n its 1-based position; ids unique, 1–64 characters [A-Za-z0-9._-]), the
 * preset's fields (see `StressKeeperSpec`), and the network fields `latencySteps` (whole, 0 to
 * {@link KEEPER_LATENCY_STEPS_MAX}) and `priorityFeeShare` (0–1). Amounts in USD and gwei are
 * numbers ≥ 0, wallets and capital whole numbers ≥ 0, `kicksAboveCap` a boolean. Pure.
 * @param prefix how the list is named in errors (`--keepers`, or '' for a file's top level).
 * @throws InvalidParameterError whose field is `<prefix>[i].<field>` (`<prefix>` alone when the
 * value is not a list): not a list, not an object, missing or unknown preset, a field the preset
 * does not have, a required field missing, a value of the wrong kind or out of range, a bad or
 * repeated id.
 */
export function parseKeeperSpecs(raw: unknown, prefix: string): StressKeeperSpec[] {
  if (!Array.isArray(raw)) {
    throw new InvalidParameterError(
      prefix === '' ? '(top level)' : prefix,
      'expected a list of keepers',
      'Each keeper is an object such as {"preset": "gasCapped", "maxGasPriceGwei": 100}.',
    );
  }
  const ids = new Set<string>();
  return raw.map((entry: unknown, i): StressKeeperSpec => {
    const at = `${prefix}[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InvalidParameterError(at, `expected an object, got ${describeValue(entry)}`);
    }
    const record = entry as Readonly<Record<string, unknown>>;
    const preset = record.preset;
    if (preset === undefined) {
      throw new InvalidParameterError(`${at}.preset`, 'is missing', `Presets: ${KEEPER_PRESETS.join(', ')}.`);
    }
    if (typeof preset !== 'string' || !Object.hasOwn(PRESET_FIELDS, preset)) {
      throw new InvalidParameterError(
        `${at}.preset`,
        `unknown preset ${describeValue(preset)}`,
        `Presets: ${KEEPER_PRESETS.join(', ')}.`,
      );
    }
    const rules = PRESET_FIELDS[preset as Preset] as Readonly<Record<string, 'required' | 'optional'>>;
    const known = [...COMMON_FIELDS, ...Object.keys(rules)];
    for (const key of Object.keys(record)) {
      if (!known.includes(key)) {
        throw new InvalidParameterError(
          `${at}.${key}`,
          `is not a field of the ${preset} preset`,
          `Its fields: ${known.join(', ')}.`,
        );
      }
    }
    const id = record.id ?? `${preset}-${i + 1}`;
    if (typeof id !== 'string' || !KEEPER_ID.test(id)) {
      throw new InvalidParameterError(
        `${at}.id`,
        `expected 1–64 characters [A-Za-z0-9._-] starting with a letter or digit, got ${describeValue(id)}`,
      );
    }
    if (ids.has(id)) throw new InvalidParameterError(`${at}.id`, `${id} is given twice`);
    ids.add(id);
    const spec: Record<string, unknown> = { preset, id };
    for (const [field, need] of Object.entries(rules)) {
      const value = record[field];
      if (value === undefined) {
        if (need === 'required') {
          throw new InvalidParameterError(`${at}.${field}`, `is missing (the ${preset} preset needs it)`);
        }
        continue;
      }
      spec[field] = readField(FIELD_KINDS[field as AnyField], value, `${at}.${field}`);
    }
    for (const field of ['latencySteps', 'priorityFeeShare'] as const) {
      if (record[field] !== undefined)
        spec[field] = readField(FIELD_KINDS[field], record[field], `${at}.${field}`);
    }
    // Every field was checked against the preset's table above, which the compiler ties to the type.
    return spec as unknown as StressKeeperSpec;
  });
}

/** Short names of the shorthand, and the field each stands for. */
const SHORTHAND_ALIASES: Readonly<Record<string, string>> = {
  cap: 'maxGasPriceGwei',
  eps: 'minProfitUsd',
  capital: 'capitalDai',
  kicks: 'kicksAboveCap',
  latency: 'latencySteps',
  fee: 'priorityFeeShare',
};

/** A decimal number as the shorthand writes it. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads the inline keeper shorthand of `--keepers`: keepers separated by `,`, each a preset
 * followed by `:key=value` settings, e.g. `gasCapped:cap=100,gasAware:eps=10:latency=2`, or `none`
 * for no keeper at all. Keys are the spec's field names or the short names `cap`
 * (maxGasPriceGwei), `eps` (minProfitUsd), `wallet` (the preset's walletDai, walletUsdc or
 * walletUsd), `capital` (capitalDai), `kicks` (kicksAboveCap), `latency` (latencySteps), `fee`
 * (priorityFeeShare) and `id`. Values: decimal numbers, `true`/`false`, or text (ids). The result is
 * validated by {@link parseKeeperSpecs}. Pure.
 * @throws InvalidParameterError whose field is `--keepers` (empty text, an empty keeper) or
 * `--keepers[i].<field>` (a setting without `=`, a key given twice, and as parseKeeperSpecs).
 */
export function parseKeepersShorthand(text: string): StressKeeperSpec[] {
  const trimmed = text.trim();
  if (trimmed === 'none') return [];
  const hint =
    'Write keepers as preset[:key=value]... separated by commas, e.g. gasCapped:cap=100,gasAware:eps=10.';
  if (trimmed === '') throw new InvalidParameterError('--keepers', 'is empty', hint);
  const entries = trimmed.split(',').map((part, i) => {
    const [preset = '', ...settings] = part.trim().split(':');
    if (preset === '') throw new InvalidParameterError(`--keepers[${i}]`, 'is empty', hint);
    const rules = Object.hasOwn(PRESET_FIELDS, preset)
      ? (PRESET_FIELDS[preset as Preset] as Readonly<Record<string, unknown>>)
      : {};
    const walletField = ['walletDai', 'walletUsdc', 'walletUsd'].find((f) => Object.hasOwn(rules, f));
    const entry: Record<string, unknown> = { preset };
    for (const setting of settings) {
      const eq = setting.indexOf('=');
      if (eq <= 0) {
        throw new InvalidParameterError(
          `--keepers[${i}]`,
          `expected key=value, got ${JSON.stringify(setting)}`,
          hint,
        );
      }
      const key = setting.slice(0, eq).trim();
      const field = key === 'wallet' ? (walletField ?? key) : (SHORTHAND_ALIASES[key] ?? key);
      if (Object.hasOwn(entry, field)) {
        throw new InvalidParameterError(`--keepers[${i}].${field}`, 'is given twice');
      }
      const valueText = setting.slice(eq + 1).trim();
      entry[field] =
        valueText === 'true'
          ? true
          : valueText === 'false'
            ? false
            : DECIMAL.test(valueText)
              ? Number(valueText)
              : valueText;
    }
    return entry;
  });
  return parseKeeperSpecs(entries, '--keepers');
}

/** Whether a `--keepers`, `--protocol` or `--params` value names a JSON or YAML file. */
export const isStructuredFileName = (value: string): boolean => /\.(json|ya?ml)$/i.test(value);

/**
 * The keepers of `--keepers`: a JSON or YAML file (a value ending in .json, .yaml or .yml) holding
 * a list of keeper specs, else the inline shorthand ({@link parseKeepersShorthand}).
 * @throws PathNotFoundError, PathReadError, JsonFileError; InputFileError naming the file, the
 * field (`[2].maxGasPriceGwei`) and its line; InvalidParameterError (field `--keepers…`) for the
 * shorthand.
 */
export async function readKeepers(value: string): Promise<StressKeeperSpec[]> {
  if (!isStructuredFileName(value)) return parseKeepersShorthand(value);
  const raw = await readStructuredFile(value);
  return withFileFields(value, undefined, () => parseKeeperSpecs(raw, ''));
}

/**
 * The `id` of a composed protocol configuration file (parsed JSON or YAML); the rest is checked
 * by the model when the run starts.
 * @throws InputFileError (field `id`, or `(top level)`) when the file is not an object or has no
 * text id.
 */
export async function composedConfigId(path: string, raw: unknown): Promise<string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw await inputFileError(
      path,
      '(top level)',
      'expected a protocol configuration object (kind, id, ...)',
    );
  }
  const id = (raw as Readonly<Record<string, unknown>>).id;
  if (id === undefined) throw await inputFileError(path, 'id', 'is missing');
  if (typeof id !== 'string' || id === '') {
    throw await inputFileError(path, 'id', `expected the model id as text, got ${describeValue(id)}`);
  }
  return id;
}

// ---------------------------------------------------------------------------------------------
// Oracle feed flags (stress, compare, sweep)

/** The oracle flags as commander hands them over (strings as typed). */
export interface OracleFlags {
  readonly oracleHeartbeat?: string;
  readonly oracleDeviation?: string;
  readonly oracleDelay?: string;
  readonly oracleNoise?: string;
  readonly osmHop?: string;
  /** `<from>..<to>:<multiple>`, one per --oracle-spike flag. */
  readonly oracleSpike: string[];
  /** `<from>..<to>`, one per --oracle-outage flag. */
  readonly oracleOutage: string[];
}

/** Largest spike multiple a flag takes (×1000 of the market). */
export const ORACLE_SPIKE_MULTIPLE_MAX = 1000;

/** Latest time a flag takes: 9999-12-31T23:59:59Z, unix seconds. */
export const ORACLE_TIME_MAX_SECONDS = 253_402_300_799;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds the oracle feed flags (--oracle-heartbeat ... --oracle-outage) to a command. */
export function addOracleOptions(command: Command): Command {
  return command
    .option('--oracle-heartbeat <s>', 'feed heartbeat, whole seconds (default 3600)')
    .option('--oracle-deviation <bps>', 'feed deviation trigger, whole bps (default 50)')
    .option('--oracle-delay <s>', 'reporting delay of every feed round, whole seconds (default 0)')
    .option('--oracle-noise <bps>', 'per-source noise, bps of the price (default 0)')
    .option('--osm-hop <s>', "the protocol's OSM hop, whole seconds (Maker; default the scenario's)")
    .option(
      '--oracle-spike <from..to:multiple>',
      'the sources see multiple × the market in [from, to) (unix seconds or 2020-03-12T10:00Z); repeatable',
      collect,
      [],
    )
    .option(
      '--oracle-outage <from..to>',
      'no feed round lands in [from, to) (unix seconds or ISO-8601 UTC); repeatable',
      collect,
      [],
    );
}

/** Help text on the oracle flags, for a command's `addHelpText('after', …)`. */
export const ORACLE_HELP = `Oracle feed: --oracle-heartbeat S, --oracle-deviation BPS, --oracle-delay S, --oracle-noise BPS,
--osm-hop S (Maker's OSM), and, repeatable, --oracle-spike FROM..TO:MULTIPLE (the sources see
MULTIPLE × the market; 0.6 is a −40 % wick) and --oracle-outage FROM..TO (no round lands). Times
are unix seconds or ISO-8601 UTC (2020-03-12, 2020-03-12T10:00Z, 2020-03-12T10:00:30Z); windows
are [from, to), e.g. --oracle-spike 2020-03-12T10:00Z..2020-03-12T10:30Z:0.6.`;

/** `YYYY-MM-DD`, optionally followed by `THH:MM[:SS]Z`. */
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?Z)?$/;

/**
 * A time of an oracle flag as unix seconds: whole unix seconds (`1583971200`) or an ISO-8601 UTC
 * date or date-time (`2020-03-12`, `2020-03-12T10:00Z`, `2020-03-12T10:00:30Z`), from 1970 to
 * 9999. Pure.
 * @throws InvalidParameterError naming `flag` for anything else (other zones, impossible dates
 * such as 2021-02-30, fractions of a second).
 */
export function parseOracleTime(text: string, flag: string): number {
  const hint = 'Write unix seconds (1583971200) or an ISO-8601 UTC time such as 2020-03-12T10:00Z.';
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    if (seconds > ORACLE_TIME_MAX_SECONDS) {
      throw new InvalidParameterError(flag, `time ${text} is after 9999-12-31T23:59:59Z`, hint);
    }
    return seconds;
  }
  const m = ISO_UTC.exec(text);
  if (m !== null) {
    const [year, month, day, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const ms = Date.UTC(year, month - 1, day, hour, minute, second);
    const back = new Date(ms);
    const exact =
      back.getUTCFullYear() === year &&
      back.getUTCMonth() === month - 1 &&
      back.getUTCDate() === day &&
      back.getUTCHours() === hour &&
      back.getUTCMinutes() === minute &&
      back.getUTCSeconds() === second;
    if (!exact) {
      throw new InvalidParameterError(flag, `${JSON.stringify(text)} is not a real date and time`, hint);
    }
    if (year < 1970) throw new InvalidParameterError(flag, `${JSON.stringify(text)} is before 1970`, hint);
    return ms / 1000;
  }
  throw new InvalidParameterError(flag, `expected a time, got ${JSON.stringify(text)}`, hint);
}

/**
 * Unix seconds as the reproduce command writes them: ISO-8601 UTC to the minute
 * (`2020-03-12T10:00Z`), with seconds only when they are not zero. {@link parseOracleTime} reads it back.
 */
export function oracleTimeText(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const secondsPart = iso.slice(17, 19);
  return `${iso.slice(0, 16)}${secondsPart === '00' ? '' : `:${secondsPart}`}Z`;
}

/**
 * A window of an oracle flag, `<from>..<to>` (times as {@link parseOracleTime}), from < to. Pure.
 * @throws InvalidParameterError naming `flag`: no `..`, a bad time, or to ≤ from.
 */
export function parseOracleWindow(
  text: string,
  flag: string,
): { readonly fromSeconds: number; readonly toSeconds: number } {
  const parts = text.split('..');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new InvalidParameterError(
      flag,
      `expected <from>..<to>, got ${JSON.stringify(text)}`,
      'For example 2020-03-12T10:00Z..2020-03-12T11:00Z or 1583996400..1584000000.',
    );
  }
  const fromSeconds = parseOracleTime(parts[0] as string, flag);
  const toSeconds = parseOracleTime(parts[1] as string, flag);
  if (!(toSeconds > fromSeconds)) {
    throw new InvalidParameterError(flag, `${JSON.stringify(text)}: the window must end after it starts`);
  }
  return { fromSeconds, toSeconds };
}

/**
 * A spike of `--oracle-spike`, `<from>..<to>:<multiple>`: in [from, to) the sources see
 * `multiple` × the market (a number in (0, {@link ORACLE_SPIKE_MULTIPLE_MAX}]; 0.6 is a −40 %
 * wick). Pure.
 * @throws InvalidParameterError (flag `--oracle-spike`) for a bad window or multiple.
 */
export function parseOracleSpike(text: string): {
  readonly fromSeconds: number;
  readonly toSeconds: number;
  readonly multiple: number;
} {
  const flag = '--oracle-spike';
  const colon = text.lastIndexOf(':');
  const multipleText = colon < 0 ? '' : text.slice(colon + 1);
  if (colon < 0 || !text.slice(0, colon).includes('..') || !UNSIGNED_DECIMAL.test(multipleText)) {
    throw new InvalidParameterError(
      flag,
      `expected <from>..<to>:<multiple>, got ${JSON.stringify(text)}`,
      'For example 2020-03-12T10:00Z..2020-03-12T10:30Z:0.6 (the sources see 60 % of the market).',
    );
  }
  const multiple = Number(multipleText);
  if (!(multiple > 0 && multiple <= ORACLE_SPIKE_MULTIPLE_MAX)) {
    throw new InvalidParameterError(
      flag,
      `the multiple must be in (0, ${ORACLE_SPIKE_MULTIPLE_MAX}], got ${multipleText}`,
    );
  }
  return { ...parseOracleWindow(text.slice(0, colon), flag), multiple };
}

/** A decimal number without sign. */
const UNSIGNED_DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function oracleWhole(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidParameterError(
      flag,
      `expected a whole number in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/**
 * The feed the oracle flags ask for, or undefined when none is given (the run keeps
 * DEFAULT_STRESS_ORACLE). Heartbeat whole seconds in [1, {@link ORACLE_SECONDS_MAX}], deviation
 * whole bps in [0, {@link ORACLE_BPS_MAX}], delay and OSM hop whole seconds in [0,
 * {@link ORACLE_SECONDS_MAX}], noise bps in [0, {@link ORACLE_BPS_MAX}]; spikes and outages as
 * {@link parseOracleSpike} and {@link parseOracleWindow}, in the order given. Pure.
 * @throws InvalidParameterError naming the flag (`--oracle-heartbeat`, ..., `--oracle-outage`).
 */
export function readOracleFlags(flags: OracleFlags): StressOracle | undefined {
  const oracle: StressOracle = {
    ...(flags.oracleHeartbeat === undefined
      ? {}
      : {
          heartbeatSeconds: oracleWhole(flags.oracleHeartbeat, '--oracle-heartbeat', 1, ORACLE_SECONDS_MAX),
        }),
    ...(flags.oracleDeviation === undefined
      ? {}
      : { deviationBps: oracleWhole(flags.oracleDeviation, '--oracle-deviation', 0, ORACLE_BPS_MAX) }),
    ...(flags.oracleDelay === undefined
      ? {}
      : { delaySeconds: oracleWhole(flags.oracleDelay, '--oracle-delay', 0, ORACLE_SECONDS_MAX) }),
    ...(flags.oracleNoise === undefined ? {} : { noiseBps: oracleNoise(flags.oracleNoise) }),
    ...(flags.osmHop === undefined
      ? {}
      : { osmDelaySeconds: oracleWhole(flags.osmHop, '--osm-hop', 0, ORACLE_SECONDS_MAX) }),
    ...(flags.oracleSpike.length === 0 ? {} : { spikes: flags.oracleSpike.map(parseOracleSpike) }),
    ...(flags.oracleOutage.length === 0
      ? {}
      : { outages: flags.oracleOutage.map((w) => parseOracleWindow(w, '--oracle-outage')) }),
  };
  return Object.keys(oracle).length === 0 ? undefined : oracle;
}

function oracleNoise(value: string): number {
  const x = UNSIGNED_DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!(x >= 0 && x <= ORACLE_BPS_MAX)) {
    throw new InvalidParameterError(
      '--oracle-noise',
      `expected a number of bps in [0, ${ORACLE_BPS_MAX}], got ${JSON.stringify(value)}`,
    );
  }
  return x;
}

/**
 * The oracle flags of a reproduce command, normalised (numbers as JavaScript prints them, times as
 * {@link oracleTimeText}), in a fixed order; none for undefined. Reading them back with
 * {@link readOracleFlags} gives the same feed.
 */
export function oracleWords(oracle: StressOracle | undefined): string[] {
  if (oracle === undefined) return [];
  const words: string[] = [];
  const add = (flag: string, value: number | undefined): void => {
    if (value !== undefined) words.push(flag, String(value));
  };
  add('--oracle-heartbeat', oracle.heartbeatSeconds);
  add('--oracle-deviation', oracle.deviationBps);
  add('--oracle-delay', oracle.delaySeconds);
  add('--oracle-noise', oracle.noiseBps);
  add('--osm-hop', oracle.osmDelaySeconds);
  const window = (w: { readonly fromSeconds: number; readonly toSeconds: number }): string =>
    `${oracleTimeText(w.fromSeconds)}..${oracleTimeText(w.toSeconds)}`;
  for (const s of oracle.spikes ?? []) words.push('--oracle-spike', `${window(s)}:${s.multiple}`);
  for (const o of oracle.outages ?? []) words.push('--oracle-outage', window(o));
  return words;
}

/**
 * Checks that every spike and outage window overlaps the run's market (a window outside it would
 * change nothing, most likely a mistyped date) and that no outage covers its start (the book is
 * opened at the feed's first prices): a scenario spans [start, start + duration], a replay its
 * first to its last grid time.
 * @throws InvalidParameterError (flag `--oracle-spike` or `--oracle-outage`) naming the window and
 * the market's span.
 */
export function requireOracleWindowsInMarket(oracle: StressOracle | undefined, source: SweepSource): void {
  if (oracle === undefined) return;
  let startSeconds: number;
  let endSeconds: number;
  if ('replay' in source) {
    const times = source.replay.timesUnixSeconds;
    startSeconds = times[0] ?? 0;
    endSeconds = times[times.length - 1] ?? 0;
  } else {
    const scenario = getScenario(source.scenario);
    startSeconds = scenario.startUnixSeconds;
    endSeconds = scenario.startUnixSeconds + scenario.durationSeconds;
  }
  const check = (
    flag: string,
    windows: readonly { readonly fromSeconds: number; readonly toSeconds: number }[] | undefined,
  ): void => {
    for (const w of windows ?? []) {
      if (w.toSeconds <= startSeconds || w.fromSeconds > endSeconds) {
        throw new InvalidParameterError(
          flag,
          `${oracleTimeText(w.fromSeconds)}..${oracleTimeText(w.toSeconds)} lies outside the market, which runs from ${oracleTimeText(startSeconds)} to ${oracleTimeText(endSeconds)}`,
          'Give a window inside the scenario or replay.',
        );
      }
    }
  };
  check('--oracle-spike', oracle.spikes);
  check('--oracle-outage', oracle.outages);
  for (const w of oracle.outages ?? []) {
    if (w.fromSeconds <= startSeconds && startSeconds < w.toSeconds) {
      throw new InvalidParameterError(
        '--oracle-outage',
        `${oracleTimeText(w.fromSeconds)}..${oracleTimeText(w.toSeconds)} covers the market's start (${oracleTimeText(startSeconds)}), where the book is opened at the feed's first prices`,
        'Start the outage after the market starts.',
      );
    }
  }
}
