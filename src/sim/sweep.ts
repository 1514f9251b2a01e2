/**
 * Parameter sweeps and searches of the stress lab, pure: knobs that change one setting of a stress
 * run, sweeps planned as work units (parameter points × ranges of Monte Carlo paths) that any worker
 * can run and that merge into the same result whatever order they finish in, and the bisection
 * behind `solvent optimize` (which value of a knob keeps p99 bad debt under a target).
 */

import { InvalidParameterError } from '../engine/errors.js';
import { SolventError } from '../math/errors.js';
import { resolveProtocol } from '../protocols/catalog.js';
import { type Book, syntheticBook } from './book.js';
import {
  MONTE_CARLO_PATHS_MAX,
  type MonteCarloSummary,
  pathSeeds,
  percentile,
  summarizeMonteCarlo,
} from './montecarlo.js';
import type { ReplayScenario } from './replay.js';
import { createRng, split } from './rng.js';
import { getScenario, scenarioPaths } from './scenarios.js';
import { createStressOpenCache } from './stress/core.js';
import {
  DEFAULT_STRESS_VENUE,
  defaultStressKeepers,
  defaultStressParamsJson,
  runStress,
  STRESS_PROTOCOLS,
  type StressKeeperSpec,
  type StressNetwork,
  type StressOptions,
  type StressOracle,
  type StressSummary,
  type StressVenue,
} from './stress.js';

// ---------------------------------------------------------------------------------------------
// Knobs

/**
 * The knobs {@link applyStressKnob} turns. `params.<dotted path>` stands for any field of the
 * model's raw parameters JSON (see `defaultStressParamsJson`), e.g. `params.ilks.ETH-A.chopWad`;
 * array elements are named by index (`params.assets.2.liquidationFactor`).
 */
export const STRESS_KNOBS: readonly string[] = [
  'params.<dotted path>',
  'keepers.gasCapGwei',
  'keepers.minProfitUsd',
  'venue.depthUsd',
  'venue.impactHalfLifeSeconds',
  'book.accounts',
  'gas.flatGwei',
  'oracle.heartbeatSeconds',
  'oracle.deviationBps',
  'oracle.delaySeconds',
  'oracle.osmDelaySeconds',
];

/** A knob's value: a number, or text (exact whole numbers beyond 2^53 such as `1.05e18`, or words). */
export type KnobValue = number | string;

/** Largest synthetic book a knob may ask for (accounts), as `solvent stress --book` allows. */
export const BOOK_ACCOUNTS_MAX = 100_000;

/**
 * Largest oracle heartbeat, reporting delay or OSM hop a knob (or an `--oracle-*` flag) takes,
 * seconds: 30 days, well inside the engine's 366-day oracle windows.
 */
export const ORACLE_SECONDS_MAX = 30 * 86_400;

/** Largest oracle deviation trigger or noise a knob (or an `--oracle-*` flag) takes, bps (100 %). */
export const ORACLE_BPS_MAX = 10_000;

/** The presets of {@link StressKeeperSpec} whose type has the field `F`. */
type PresetsWith<F extends PropertyKey, S = StressKeeperSpec> = S extends { readonly preset: infer P }
  ? F extends keyof S
    ? P
    : never
  : never;

/**
 * `true` exactly for the presets whose type has the field: the mapped type makes the compiler
 * refuse these tables when a preset is added to {@link StressKeeperSpec} without updating them.
 */
type PresetTable<F extends PropertyKey> = {
  readonly [P in StressKeeperSpec['preset']]: P extends PresetsWith<F> ? true : false;
};

const HAS_GAS_CAP: PresetTable<'maxGasPriceGwei'> = {
  aaveLiquidator: true,
  cometAbsorber: true,
  cometBuyer: true,
  gasCapped: true,
  gasAware: false,
  flash: false,
  capitalLimited: false,
  zeroBid: true,
  liquidator: true,
  arbitrageur: false,
};

const HAS_MIN_PROFIT: PresetTable<'minProfitUsd'> = {
  aaveLiquidator: true,
  cometAbsorber: false,
  cometBuyer: true,
  gasCapped: false,
  gasAware: true,
  flash: true,
  capitalLimited: false,
  zeroBid: true,
  liquidator: true,
  arbitrageur: true,
};

/** A decimal number as text: sign, digits with an optional fraction, optional exponent. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The same, split into sign, whole digits, fraction digits and exponent. */
const DECIMAL_PARTS = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** A bigint written as a decimal string, as the parameters JSON holds them. */
const BIGINT_TEXT = /^-?\d+$/;
/** Largest decimal exponent {@link exactWhole} expands (keeps the bigint small). */
const EXPONENT_MAX = 80;

/**
 * The whole number a decimal text denotes, exactly (`1.05e18` → 1050000000000000000n), or
 * undefined when the text is not a decimal or not whole (`1.5`, `1e-3`). Never throws.
 */
export function exactWhole(text: string): bigint | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const m = DECIMAL_PARTS.exec(text);
  if (m === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = m;
  const exponent = Number(exponentText) - fraction.length;
  if (Math.abs(exponent) > EXPONENT_MAX) return undefined;
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '') || '0';
  let value: bigint;
  if (exponent >= 0) value = BigInt(digits) * 10n ** BigInt(exponent);
  else {
    const cut = digits.length + exponent;
    const dropped = cut <= 0 ? digits : digits.slice(cut);
    if (/[1-9]/.test(dropped)) return undefined;
    value = cut <= 0 ? 0n : BigInt(digits.slice(0, cut));
  }
  return sign === '-' ? -value : value;
}

/** Shows a knob value in a message. */
const shown = (value: KnobValue): string =>
  typeof value === 'string' ? JSON.stringify(value) : String(value);

interface NumberRule {
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  readonly max?: number;
  readonly whole?: boolean;
}

/** A knob value as a finite number obeying `rule`; text must be a decimal number. */
function knobNumber(knob: string, value: KnobValue, rule: NumberRule): number {
  let x: number;
  if (typeof value === 'number') x = value;
  else if (DECIMAL.test(value)) x = Number(value);
  else throw new InvalidParameterError(knob, `expected a number, got ${shown(value)}`);
  const bounds = [
    rule.min === undefined ? undefined : `≥ ${rule.min}`,
    rule.above === undefined ? undefined : `> ${rule.above}`,
    rule.max === undefined ? undefined : `≤ ${rule.max}`,
  ].filter((b) => b !== undefined);
  const wanted = `${rule.whole === true ? 'a whole number' : 'a finite number'}${bounds.length === 0 ? '' : ` ${bounds.join(' and ')}`}`;
  const ok =
    Number.isFinite(x) &&
    (rule.whole !== true || Number.isSafeInteger(x)) &&
    (rule.min === undefined || x >= rule.min) &&
    (rule.above === undefined || x > rule.above) &&
    (rule.max === undefined || x <= rule.max);
  if (!ok) throw new InvalidParameterError(knob, `expected ${wanted}, got ${shown(value)}`);
  return x;
}

/**
 * `options` with one setting changed: the knob `knob` set to `value`. Knobs (see
 * {@link STRESS_KNOBS}):
 * - `params.<dotted path>`: one field of the model's raw parameters JSON, starting from
 *   `options.protocolParams ?? defaultStressParamsJson(protocol, protocolConfig)` (a composed
 *   protocol's parameters are its configuration). The field keeps its JSON type:
 *   a bigint field (a decimal string in the JSON, e.g. `chopWad`) takes a whole number, exactly
 *   (a number that is an integer, or text such as `1130000000000000000` or `1.13e18`) and is
 *   written as a decimal string; a number field takes a finite number; a boolean field `true` or
 *   `false`; a text field any text. The new parameters are checked by the model's own parser.
 * - `keepers.gasCapGwei` (gwei ≥ 0): `maxGasPriceGwei` of every keeper of `options.keepers ??
 *   defaultStressKeepers(protocol)` whose preset has a gas cap (aaveLiquidator, cometAbsorber,
 *   cometBuyer, gasCapped, zeroBid).
 * - `keepers.minProfitUsd` (USD ≥ 0): ε of every keeper whose preset has one (aaveLiquidator,
 *   cometBuyer, gasAware, flash, zeroBid).
 * - `venue.depthUsd` (USD > 0): `depthQuoteAtReference` of the depth-curve venue (`options.venue ??
 *   DEFAULT_STRESS_VENUE`); `venue.impactHalfLifeSeconds` (seconds > 0).
 * - `book.accounts`: synthetic book size, a whole number in [1, {@link BOOK_ACCOUNTS_MAX}].
 * - `gas.flatGwei` (gwei ≥ 0): `flatGasGwei`, the gas price of scenarios without a gas regime.
 * - `oracle.heartbeatSeconds` (whole seconds in [1, {@link ORACLE_SECONDS_MAX}]),
 *   `oracle.deviationBps` (whole bps in [0, {@link ORACLE_BPS_MAX}]), `oracle.delaySeconds` and
 *   `oracle.osmDelaySeconds` (whole seconds in [0, {@link ORACLE_SECONDS_MAX}]): that field of
 *   `options.oracle` (the simulated feed; its other fields kept).
 * Pure: `options` is not mutated.
 * @throws InvalidParameterError whose field is the knob: unknown knob, unknown parameter path (the
 * message names the path and lists the fields that exist at that level), a value of the wrong
 * kind or out of range, parameters the model's parser refuses, no keeper with the field, a venue
 * that is not a depth curve, `book.accounts` on a run with an explicit book; (field `protocol`) for
 * a protocol the stress lab does not run.
 */
export function applyStressKnob(options: StressOptions, knob: string, value: KnobValue): StressOptions {
  if (knob === 'params' || knob.startsWith('params.')) return withParam(options, knob, value);
  switch (knob) {
    case 'keepers.gasCapGwei': {
      const cap = knobNumber(knob, value, { min: 0 });
      return withKeepers(options, knob, (s) => HAS_GAS_CAP[s.preset], { maxGasPriceGwei: cap });
    }
    case 'keepers.minProfitUsd': {
      const usd = knobNumber(knob, value, { min: 0 });
      return withKeepers(options, knob, (s) => HAS_MIN_PROFIT[s.preset], { minProfitUsd: usd });
    }
    case 'venue.depthUsd': {
      const depth = knobNumber(knob, value, { above: 0 });
      const current = options.venue ?? DEFAULT_STRESS_VENUE;
      if (current.venue.kind !== 'depthCurve') {
        throw new InvalidParameterError(
          knob,
          `the run's venue is a ${current.venue.kind} venue, which has no depth at a reference move`,
          'venue.depthUsd sets depthQuoteAtReference of a depthCurve venue.',
        );
      }
      const venue: StressVenue = { ...current, venue: { ...current.venue, depthQuoteAtReference: depth } };
      return { ...options, venue };
    }
    case 'venue.impactHalfLifeSeconds': {
      const seconds = knobNumber(knob, value, { above: 0 });
      return {
        ...options,
        venue: { ...(options.venue ?? DEFAULT_STRESS_VENUE), impactHalfLifeSeconds: seconds },
      };
    }
    case 'book.accounts': {
      const accounts = knobNumber(knob, value, { min: 1, max: BOOK_ACCOUNTS_MAX, whole: true });
      if (options.book !== undefined) {
        throw new InvalidParameterError(
          knob,
          'the run opens a given book, so its size is fixed',
          'book.accounts sizes the synthetic book; drop `book` to use it.',
        );
      }
      return { ...options, accounts };
    }
    case 'gas.flatGwei':
      return { ...options, flatGasGwei: knobNumber(knob, value, { min: 0 }) };
    case 'oracle.heartbeatSeconds':
    case 'oracle.deviationBps':
    case 'oracle.delaySeconds':
    case 'oracle.osmDelaySeconds': {
      const field = knob.slice('oracle.'.length) as OracleKnobField;
      const x = knobNumber(knob, value, ORACLE_KNOB_RULES[field]);
      const oracle: StressOracle = { ...(options.oracle ?? {}), [field]: x };
      return { ...options, oracle };
    }
    default:
      throw new InvalidParameterError(
        knob,
        'not a knob of the stress lab',
        `Knobs: ${STRESS_KNOBS.join(', ')} (params paths as \`solvent protocols <id>\` shows the parameters).`,
      );
  }
}

/**
 * Whether the knob takes whole values only (so a search rounds its probes): `book.accounts`, and a
 * `params.` field that is a bigint string or an integer number in the starting parameters.
 * @throws InvalidParameterError as {@link applyStressKnob} for an unknown knob or path.
 */
export function knobTakesWholeValues(options: StressOptions, knob: string): boolean {
  if (knob === 'book.accounts' || knob.startsWith('oracle.')) {
    applyStressKnob(options, knob, 1); // refuses unknown knobs
    return true;
  }
  if (knob === 'params' || knob.startsWith('params.')) {
    const leaf = paramLeaf(options, knob);
    return (typeof leaf === 'string' && BIGINT_TEXT.test(leaf)) || Number.isInteger(leaf);
  }
  applyStressKnob(options, knob, 1); // refuses unknown knobs
  return false;
}

/** The fields of {@link StressOracle} an `oracle.` knob sets. */
type OracleKnobField = Extract<
  keyof StressOracle,
  'heartbeatSeconds' | 'deviationBps' | 'delaySeconds' | 'osmDelaySeconds'
>;

/** The range of each oracle knob's field (all whole numbers). */
const ORACLE_KNOB_RULES: { readonly [F in OracleKnobField]: NumberRule } = {
  heartbeatSeconds: { min: 1, max: ORACLE_SECONDS_MAX, whole: true },
  deviationBps: { min: 0, max: ORACLE_BPS_MAX, whole: true },
  delaySeconds: { min: 0, max: ORACLE_SECONDS_MAX, whole: true },
  osmDelaySeconds: { min: 0, max: ORACLE_SECONDS_MAX, whole: true },
};

function withKeepers(
  options: StressOptions,
  knob: string,
  has: (spec: StressKeeperSpec) => boolean,
  patch: Readonly<Record<string, number>>,
): StressOptions {
  const specs = options.keepers ?? defaultStressKeepers(options.protocol);
  if (!specs.some(has)) {
    throw new InvalidParameterError(
      knob,
      `no keeper of this run has that field (presets: ${[...new Set(specs.map((s) => s.preset))].join(', ')})`,
      'Give keepers whose preset has it, or turn another knob.',
    );
  }
  return { ...options, keepers: specs.map((s) => (has(s) ? ({ ...s, ...patch } as StressKeeperSpec) : s)) };
}

/** The raw parameters JSON a `params.` knob starts from. */
function startingParams(options: StressOptions, knob: string): unknown {
  if (options.protocolParams !== undefined) return options.protocolParams;
  if (options.makerParams !== undefined) {
    throw new InvalidParameterError(
      knob,
      'the run gives makerParams, which a params knob cannot edit',
      'Give the parameters as protocolParams (raw JSON, see defaultStressParamsJson) instead.',
    );
  }
  return defaultStressParamsJson(options.protocol, options.protocolConfig);
}

function isRecord(node: unknown): node is Readonly<Record<string, unknown>> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** The fields of a group, for messages (at most 40 named). */
function fieldsOf(node: unknown): string {
  const keys = Array.isArray(node) ? node.map((_, i) => String(i)) : isRecord(node) ? Object.keys(node) : [];
  const listed = keys.slice(0, 40).join(', ');
  return keys.length > 40 ? `${listed}, … (${keys.length} in all)` : listed;
}

/** The path segments of a `params.` knob. */
function paramPath(knob: string): string[] {
  const segments = knob === 'params' ? [] : knob.slice('params.'.length).split('.');
  if (segments.length === 0 || segments.some((s) => s === '')) {
    throw new InvalidParameterError(
      knob,
      'a params knob names one field by its dotted path, e.g. params.ilks.ETH-A.chopWad',
    );
  }
  return segments;
}

/** Follows `segments` from `root`, refusing unknown fields; returns the child at each step. */
function walk(root: unknown, segments: readonly string[], knob: string): unknown[] {
  const nodes: unknown[] = [root];
  let node = root;
  segments.forEach((key, depth) => {
    const here = ['params', ...segments.slice(0, depth)].join('.');
    let child: unknown;
    if (Array.isArray(node)) {
      const index = /^\d+$/.test(key) ? Number(key) : -1;
      if (index < 0 || index >= node.length) {
        throw new InvalidParameterError(
          knob,
          `${here} is a list of ${node.length}; "${key}" is not an index of it`,
          `Indices there: ${fieldsOf(node)}.`,
        );
      }
      child = node[index];
    } else if (isRecord(node)) {
      if (!Object.hasOwn(node, key)) {
        throw new InvalidParameterError(
          knob,
          `unknown parameter path: ${here} has no field "${key}"`,
          `Fields at ${here}: ${fieldsOf(node)}.`,
        );
      }
      child = node[key];
    } else {
      throw new InvalidParameterError(
        knob,
        `unknown parameter path: ${here} is a value, not a group of fields`,
      );
    }
    nodes.push(child);
    node = child;
  });
  return nodes;
}

/** The current value of a `params.` knob's field (a leaf: never a group). */
function paramLeaf(options: StressOptions, knob: string): unknown {
  const segments = paramPath(knob);
  const nodes = walk(startingParams(options, knob), segments, knob);
  const leaf = nodes[nodes.length - 1];
  if (Array.isArray(leaf) || isRecord(leaf)) {
    throw new InvalidParameterError(
      knob,
      `${knob} is a group of fields; name one inside it`,
      `Fields there: ${fieldsOf(leaf)}.`,
    );
  }
  return leaf;
}

/** The new JSON value of a parameter field, keeping the field's JSON type (see {@link applyStressKnob}). */
function leafValue(knob: string, current: unknown, value: KnobValue): unknown {
  if (typeof current === 'string' && BIGINT_TEXT.test(current)) {
    const whole =
      typeof value === 'number' ? (Number.isInteger(value) ? BigInt(value) : undefined) : exactWhole(value);
    if (whole === undefined) {
      throw new InvalidParameterError(
        knob,
        `expected a whole number (the field is an integer, e.g. ${current}), got ${shown(value)}`,
        'Write it in full or as an exact whole decimal such as 1.13e18.',
      );
    }
    return whole.toString();
  }
  if (typeof current === 'number') return knobNumber(knob, value, {});
  if (typeof current === 'boolean') {
    if (value === 'true' || value === 'false') return value === 'true';
    throw new InvalidParameterError(knob, `expected true or false, got ${shown(value)}`);
  }
  if (typeof current === 'string') return String(value);
  throw new InvalidParameterError(knob, `the field holds ${String(current)}, which a knob cannot set`);
}

/** `node` with the value at `segments` replaced (copies along the path; nothing mutated). */
function replaced(node: unknown, segments: readonly string[], value: unknown): unknown {
  const [key, ...rest] = segments;
  if (key === undefined) return value;
  if (Array.isArray(node)) {
    const copy: unknown[] = [...node];
    copy[Number(key)] = replaced(node[Number(key)], rest, value);
    return copy;
  }
  const record = node as Readonly<Record<string, unknown>>;
  return { ...record, [key]: replaced(record[key], rest, value) };
}

function withParam(options: StressOptions, knob: string, value: KnobValue): StressOptions {
  const segments = paramPath(knob);
  const root = startingParams(options, knob);
  const current = paramLeaf(options, knob);
  const protocolParams = replaced(root, segments, leafValue(knob, current, value));
  try {
    resolveProtocol(options.protocolConfig ?? options.protocol).parseParams(protocolParams);
  } catch (e) {
    if (!(e instanceof SolventError)) throw e;
    throw new InvalidParameterError(
      knob,
      `${shown(value)} is refused by ${options.protocol}'s parameter parser: ${e.shortMessage}`,
      e.metaMessages.join(' ') || undefined,
    );
  }
  return { ...options, protocolParams };
}

// ---------------------------------------------------------------------------------------------
// Sweeps as work units

/** The market of a sweep: a built-in scenario id or a replay of real series. */
export type SweepSource = { readonly scenario: string } | { readonly replay: ReplayScenario };

/** Settings of a run that a sweep fixes for every point, before the knobs (all JSON). */
export interface StressRunOverrides {
  /**
   * A composed protocol's configuration (parsed JSON or YAML, see `StressOptions.protocolConfig`):
   * the sweep's `protocol` is then the configuration's id. Plain JSON, so it travels to workers.
   */
  readonly protocolConfig?: unknown;
  /** Raw parameters JSON (see `StressOptions.protocolParams`). */
  readonly protocolParams?: unknown;
  readonly keepers?: readonly StressKeeperSpec[];
  readonly venue?: StressVenue;
  /** Gas price without a gas regime, gwei. */
  readonly flatGasGwei?: number;
  /** Priority gas auctions, dropped transactions and block space (see `StressOptions.network`). */
  readonly network?: StressNetwork;
  /** The simulated oracle feed (see `StressOptions.oracle`); `oracle.*` knobs change its fields. */
  readonly oracle?: StressOracle;
  /**
   * A book to open instead of the synthetic one (every path opens it; `accounts` and the
   * `book.accounts` knob are then not used).
   */
  readonly book?: Book;
  /** Simulation step of a built-in scenario, seconds (default the scenario's; see `StressOptions.stepSeconds`). */
  readonly stepSeconds?: number;
}

/** One axis of a sweep: a knob (see {@link STRESS_KNOBS}) and the values it takes, in order. */
export interface SweepKnob {
  readonly knob: string;
  readonly values: readonly KnobValue[];
}

/**
 * A sweep: one protocol on one market, a grid of 0 to {@link SWEEP_KNOBS_MAX} knobs (the points are
 * every combination, the last knob varying fastest), and per point either the run of `seed` itself
 * (`paths` 1, as `solvent stress`) or `paths` Monte Carlo paths (seeds `pathSeeds(seed, paths)`, the
 * book of `seed` held fixed, as `solvent stress --paths`; with `bookPerPath`, each path draws its
 * own book from its seed, as `solvent stress --paths --book-per-path`). Plain JSON: it travels to
 * workers as is.
 */
export interface SweepSpec {
  readonly protocol: string;
  readonly source: SweepSource;
  /** Run seed, a safe integer ≥ 0. */
  readonly seed: number;
  /** Synthetic book size, accounts (a `book.accounts` knob overrides it per point). */
  readonly accounts: number;
  /** Paths per point, in [1, MONTE_CARLO_PATHS_MAX]. */
  readonly paths: number;
  readonly knobs: readonly SweepKnob[];
  /** Applied to every point before its knobs. */
  readonly base?: StressRunOverrides;
  /** Paths per work unit (default {@link DEFAULT_PATHS_PER_UNIT}); only how work is cut, never the result. */
  readonly pathsPerUnit?: number;
  /**
   * Monte Carlo paths draw their own synthetic book: path k opens the book `runStress` draws for
   * seed `pathSeeds(seed, paths)[k]` (same size and distributions as the run seed's), so the
   * spread covers the book as well as the market. Default false: every path opens the run seed's
   * book ({@link monteCarloBook}) and only the market varies. No effect with one path (the run of
   * the seed opens its own book either way); refused with a given book (`base.book`).
   */
  readonly bookPerPath?: boolean;
}

/**
 * A piece of a sweep any worker can run alone: point `pointIndex` (its knob values repeated so a
 * unit describes itself) over path indices `seedStart` .. `seedStart + seedCount − 1` (indices into
 * `pathSeeds(seed, paths)`; with one path, index 0 is the run seed itself).
 */
export interface WorkUnit {
  readonly pointIndex: number;
  readonly knobValues: readonly KnobValue[];
  readonly seedStart: number;
  readonly seedCount: number;
}

/** What one path of one point gave: the figures a sweep can show. USD as float64. */
export interface SweepPathOutcome {
  readonly pathIndex: number;
  /** The seed the path ran with. */
  readonly seed: number;
  readonly badDebtUsd: number;
  readonly liquidatedDebtUsd: number;
  readonly keeperProfitUsd: number;
  readonly borrowerLossUsd: number;
  readonly zeroBidAuctions: number;
}

/** What {@link runWorkUnit} returns: the unit and its paths' outcomes, in path order. Plain JSON. */
export interface UnitResult extends WorkUnit {
  readonly outcomes: readonly SweepPathOutcome[];
}

/** The figures a sweep shows, as `--metric` names them. */
export const SWEEP_METRICS = [
  'badDebtUsd',
  'liquidatedDebtUsd',
  'keeperProfitUsd',
  'borrowerLossUsd',
  'zeroBidAuctions',
] as const;

/** One of {@link SWEEP_METRICS}. */
export type SweepMetric = (typeof SWEEP_METRICS)[number];

/**
 * A metric over a point's paths, in its unit (USD or a count): percentiles by linear interpolation
 * (Hyndman–Fan 7, as `percentile`), mean, min and max. With one path every figure is that path's.
 */
export interface SweepMetricStats {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** One point of a merged sweep. */
export interface SweepPoint {
  readonly pointIndex: number;
  readonly knobValues: readonly KnobValue[];
  readonly metrics: Readonly<Record<SweepMetric, SweepMetricStats>>;
  /** With more than one path: the block `solvent stress --paths` prints for the same run (CIs included). */
  readonly monteCarlo?: MonteCarloSummary;
}

/** What {@link mergeSweep} returns. Plain JSON. */
export interface SweepResult {
  readonly protocol: string;
  /** The scenario id, or the replay's name. */
  readonly scenario: string;
  readonly seed: number;
  readonly accounts: number;
  readonly paths: number;
  /** Present (true) when each Monte Carlo path drew its own book (see {@link SweepSpec.bookPerPath}). */
  readonly bookPerPath?: true;
  readonly knobs: readonly SweepKnob[];
  /** Every point, in point order (the last knob varying fastest). */
  readonly points: readonly SweepPoint[];
}

/** Most knobs of one sweep. */
export const SWEEP_KNOBS_MAX = 2;
/** Most values one knob may take in a sweep. */
export const SWEEP_VALUES_MAX = 1_000;
/** Most points of one sweep. */
export const SWEEP_POINTS_MAX = 10_000;
/** Most work units of one sweep. */
export const SWEEP_UNITS_MAX = 1_000_000;
/** Default paths per work unit. */
export const DEFAULT_PATHS_PER_UNIT = 16;

function requireWhole(value: number, field: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(field, `must be a whole number in [${min}, ${max}], got ${value}`);
  }
}

/** The name of a sweep's market: the scenario id or the replay's name. */
function sourceName(source: SweepSource): string {
  return 'replay' in source ? source.replay.name : getScenario(source.scenario).id;
}

/** The options of a run of `spec` before any knob: protocol, market, seed, book size and base overrides. */
function baseOptions(spec: SweepSpec): StressOptions {
  const base = spec.base ?? {};
  return {
    protocol: spec.protocol,
    ...('replay' in spec.source ? { replay: spec.source.replay } : { scenario: spec.source.scenario }),
    seed: spec.seed,
    accounts: spec.accounts,
    ...(base.protocolConfig === undefined ? {} : { protocolConfig: base.protocolConfig }),
    ...(base.protocolParams === undefined ? {} : { protocolParams: base.protocolParams }),
    ...(base.keepers === undefined ? {} : { keepers: base.keepers }),
    ...(base.venue === undefined ? {} : { venue: base.venue }),
    ...(base.flatGasGwei === undefined ? {} : { flatGasGwei: base.flatGasGwei }),
    ...(base.network === undefined ? {} : { network: base.network }),
    ...(base.oracle === undefined ? {} : { oracle: base.oracle }),
    ...(base.book === undefined ? {} : { book: base.book }),
    ...(base.stepSeconds === undefined ? {} : { stepSeconds: base.stepSeconds }),
  };
}

/**
 * The run options of one point: the spec's base options with each knob set to its value in
 * `knobValues` (one per knob, in the spec's knob order). Pure.
 * @throws InvalidParameterError (field `knobValues`) for a wrong count, and as
 * {@link applyStressKnob} for a bad knob or value.
 */
export function sweepPointOptions(spec: SweepSpec, knobValues: readonly KnobValue[]): StressOptions {
  if (knobValues.length !== spec.knobs.length) {
    throw new InvalidParameterError(
      'knobValues',
      `expected ${spec.knobs.length} value(s), one per knob, got ${knobValues.length}`,
    );
  }
  let options = baseOptions(spec);
  spec.knobs.forEach((k, i) => {
    options = applyStressKnob(options, k.knob, knobValues[i] as KnobValue);
  });
  return options;
}

/** @throws InvalidParameterError (field `bookPerPath`) when the spec also gives a book. */
function checkBookPerPath(spec: SweepSpec): void {
  if (spec.bookPerPath === true && spec.base?.book !== undefined) {
    throw new InvalidParameterError(
      'bookPerPath',
      'the sweep opens a given book, so no path can draw its own',
      'Drop base.book (a synthetic book of `accounts`) or bookPerPath.',
    );
  }
}

/** Checks the spec's fields (not the knob values) and returns its path range size. */
function checkSpec(spec: SweepSpec): number {
  const protocolConfig = spec.base?.protocolConfig;
  if (protocolConfig !== undefined) {
    // The configuration is checked by its model's parser here, before any work is handed out.
    defaultStressParamsJson(spec.protocol, protocolConfig);
  } else if (!STRESS_PROTOCOLS.includes(spec.protocol)) {
    throw new InvalidParameterError(
      'protocol',
      `${spec.protocol} is not supported by the stress lab yet`,
      `Supported so far: ${STRESS_PROTOCOLS.join(', ')}.`,
    );
  }
  checkBookPerPath(spec);
  sourceName(spec.source); // UnknownScenarioError for an unknown id
  requireWhole(spec.seed, 'seed', 0, Number.MAX_SAFE_INTEGER);
  requireWhole(spec.accounts, 'accounts', 1, BOOK_ACCOUNTS_MAX);
  requireWhole(spec.paths, 'paths', 1, MONTE_CARLO_PATHS_MAX);
  const perUnit = spec.pathsPerUnit ?? DEFAULT_PATHS_PER_UNIT;
  requireWhole(perUnit, 'pathsPerUnit', 1, MONTE_CARLO_PATHS_MAX);
  if (spec.knobs.length > SWEEP_KNOBS_MAX) {
    throw new InvalidParameterError('knobs', `at most ${SWEEP_KNOBS_MAX} knobs, got ${spec.knobs.length}`);
  }
  const names = new Set<string>();
  let points = 1;
  for (const k of spec.knobs) {
    if (names.has(k.knob)) throw new InvalidParameterError('knobs', `${k.knob} is given twice`);
    names.add(k.knob);
    if (k.values.length === 0 || k.values.length > SWEEP_VALUES_MAX) {
      throw new InvalidParameterError(
        k.knob,
        `a sweep takes 1 to ${SWEEP_VALUES_MAX} values per knob, got ${k.values.length}`,
      );
    }
    const seen = new Set<string>();
    for (const v of k.values) {
      if (seen.has(String(v)))
        throw new InvalidParameterError(k.knob, `the value ${shown(v)} is given twice`);
      seen.add(String(v));
    }
    points *= k.values.length;
  }
  if (points > SWEEP_POINTS_MAX) {
    throw new InvalidParameterError('knobs', `${points} points; a sweep takes at most ${SWEEP_POINTS_MAX}`);
  }
  const units = points * Math.ceil(spec.paths / Math.min(perUnit, spec.paths));
  if (units > SWEEP_UNITS_MAX) {
    throw new InvalidParameterError(
      'pathsPerUnit',
      `${units} work units; a sweep takes at most ${SWEEP_UNITS_MAX}`,
      'Put more paths in each unit.',
    );
  }
  return Math.min(perUnit, spec.paths);
}

/** The knob values of every point, in point order (the last knob varying fastest). */
export function sweepPoints(spec: SweepSpec): KnobValue[][] {
  let points: KnobValue[][] = [[]];
  for (const k of spec.knobs) points = points.flatMap((p) => k.values.map((v) => [...p, v]));
  return points;
}

/**
 * The work units of a sweep: for each point (see {@link sweepPoints}), its paths cut into ranges
 * of `pathsPerUnit`, in point order then path order. Every point's options are built first, so a
 * bad knob or value is refused here, before any work is handed out. Pure and deterministic.
 * @throws InvalidParameterError for a bad spec field (`protocol`: not a stress-lab protocol
 * without `base.protocolConfig`; `seed`, `accounts`, `paths`, `pathsPerUnit`, `bookPerPath` with a
 * given book, `knobs`: more than {@link SWEEP_KNOBS_MAX}, repeated, empty, repeated values, more
 * than {@link SWEEP_POINTS_MAX} points or {@link SWEEP_UNITS_MAX} units), for a composed
 * configuration its model refuses (fields `protocolConfig…`), and as {@link applyStressKnob}
 * (field: the knob); UnknownScenarioError.
 */
export function planSweep(spec: SweepSpec): WorkUnit[] {
  const perUnit = checkSpec(spec);
  const units: WorkUnit[] = [];
  sweepPoints(spec).forEach((knobValues, pointIndex) => {
    sweepPointOptions(spec, knobValues);
    for (let seedStart = 0; seedStart < spec.paths; seedStart += perUnit) {
      units.push({ pointIndex, knobValues, seedStart, seedCount: Math.min(perUnit, spec.paths - seedStart) });
    }
  });
  return units;
}

/**
 * The book every Monte Carlo path of a run opens: the synthetic book of the run seed (stream 2 of
 * its generator) at the market's first ETH price, the one `runStress` opens for the run seed
 * itself. Only the market varies between paths.
 * @throws InvalidParameterError for a bad seed or size; UnknownScenarioError.
 */
export function monteCarloBook(source: SweepSource, seed: number, accounts: number): Book {
  const eth =
    'replay' in source ? source.replay.assets.ETH : scenarioPaths(source.scenario, { seed }).assets.ETH;
  return syntheticBook(split(createRng(seed), 2), {
    accounts,
    collateralAsset: 'ETH',
    collateralPriceUsd: eth?.[0]?.price ?? 0,
  });
}

function outcomeOf(pathIndex: number, seed: number, s: StressSummary): SweepPathOutcome {
  return {
    pathIndex,
    seed,
    badDebtUsd: s.badDebtUsd,
    liquidatedDebtUsd: s.liquidatedDebtUsd,
    keeperProfitUsd: s.keeperProfitUsd,
    borrowerLossUsd: s.borrowerLossUsd,
    zeroBidAuctions: s.zeroBidAuctions,
  };
}

/**
 * Runs one work unit: the point's options (see {@link sweepPointOptions}); with one path, the run
 * of the spec's seed (exactly `solvent stress` with those settings); with more, path k runs with
 * seed `pathSeeds(seed, paths)[k]` on the base overrides' book, else {@link monteCarloBook} of the
 * point's book size (exactly a path of `solvent stress --paths`), or with `bookPerPath` on the
 * synthetic book of the point's size that `runStress` draws for the path's own seed (exactly
 * `solvent stress --seed <path seed>`). Pure; the result is plain JSON.
 * @throws InvalidParameterError (field `unit`) for a path range outside the spec, (field
 * `bookPerPath`) with a given book, and as {@link sweepPointOptions} and `runStress`.
 */
export function runWorkUnit(unit: WorkUnit, spec: SweepSpec): UnitResult {
  const { seedStart, seedCount } = unit;
  if (
    !Number.isSafeInteger(seedStart) ||
    !Number.isSafeInteger(seedCount) ||
    seedStart < 0 ||
    seedCount < 1 ||
    seedStart + seedCount > spec.paths
  ) {
    throw new InvalidParameterError(
      'unit',
      `paths ${seedStart} .. ${seedStart + seedCount - 1} are outside the sweep's 0 .. ${spec.paths - 1}`,
    );
  }
  // A path's outcome is its summary alone: no health distribution series (it reads every account).
  const options: StressOptions = { ...sweepPointOptions(spec, unit.knobValues), healthSeries: false };
  const outcomes: SweepPathOutcome[] = [];
  if (spec.paths === 1) {
    outcomes.push(outcomeOf(0, spec.seed, runStress(options).summary));
  } else {
    const seeds = pathSeeds(spec.seed, spec.paths);
    checkBookPerPath(spec);
    if (spec.bookPerPath === true) {
      // No book is given: runStress draws each path's synthetic book from the path's own seed.
      for (let k = seedStart; k < seedStart + seedCount; k++) {
        const seed = seeds[k] as number;
        outcomes.push(outcomeOf(k, seed, runStress({ ...options, seed }).summary));
      }
    } else {
      const { accounts: _accounts, ...rest } = options;
      const book = options.book ?? monteCarloBook(spec.source, spec.seed, options.accounts ?? spec.accounts);
      // Every path opens the same book: open it once for the unit.
      const openCache = createStressOpenCache();
      for (let k = seedStart; k < seedStart + seedCount; k++) {
        const seed = seeds[k] as number;
        outcomes.push(outcomeOf(k, seed, runStress({ ...rest, seed, book, openCache }).summary));
      }
    }
  }
  return { pointIndex: unit.pointIndex, knobValues: unit.knobValues, seedStart, seedCount, outcomes };
}

function metricStats(values: readonly number[]): SweepMetricStats {
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    mean: sum / sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

function sameValues(a: readonly KnobValue[], b: readonly KnobValue[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Merges the results of a sweep's work units (any order, any cut into units) into its result:
 * outcomes grouped by point and sorted by path index, each point checked to hold paths
 * 0 .. paths − 1 exactly once with the expected seeds, then every metric's statistics and, with
 * more than one path, the Monte Carlo block of `summarizeMonteCarlo` (as `solvent stress --paths`).
 * The same results in any order give the same bytes. Pure; inputs not mutated.
 * @throws InvalidParameterError (field `results`) for a result of an unknown point or with other
 * knob values, a path outside its unit, a missing or repeated path, or a wrong seed; and as
 * {@link planSweep} for a bad spec.
 */
export function mergeSweep(spec: SweepSpec, results: readonly UnitResult[]): SweepResult {
  planSweep(spec);
  const points = sweepPoints(spec);
  const byPoint: SweepPathOutcome[][] = points.map(() => []);
  for (const r of results) {
    const expected = points[r.pointIndex];
    if (!Number.isSafeInteger(r.pointIndex) || expected === undefined) {
      throw new InvalidParameterError('results', `point ${r.pointIndex} is not a point of the sweep`);
    }
    if (!sameValues(r.knobValues, expected)) {
      throw new InvalidParameterError(
        'results',
        `point ${r.pointIndex} has knob values ${JSON.stringify(r.knobValues)}, the sweep ${JSON.stringify(expected)}`,
      );
    }
    for (const o of r.outcomes) {
      if (o.pathIndex < r.seedStart || o.pathIndex >= r.seedStart + r.seedCount) {
        throw new InvalidParameterError(
          'results',
          `path ${o.pathIndex} is outside its unit ${r.seedStart} .. ${r.seedStart + r.seedCount - 1}`,
        );
      }
    }
    (byPoint[r.pointIndex] as SweepPathOutcome[]).push(...r.outcomes);
  }
  const seeds = spec.paths === 1 ? [spec.seed] : pathSeeds(spec.seed, spec.paths);
  const merged = byPoint.map((outcomes, pointIndex): SweepPoint => {
    const sorted = [...outcomes].sort((a, b) => a.pathIndex - b.pathIndex);
    if (sorted.length !== spec.paths) {
      throw new InvalidParameterError(
        'results',
        `point ${pointIndex} has ${sorted.length} path outcomes, expected ${spec.paths}`,
        'Each path 0 .. paths-1 of each point must appear exactly once.',
      );
    }
    sorted.forEach((o, k) => {
      if (o.pathIndex !== k || o.seed !== seeds[k]) {
        throw new InvalidParameterError(
          'results',
          `point ${pointIndex}: expected path ${k} with seed ${seeds[k]}, got path ${o.pathIndex} with seed ${o.seed}`,
          'Each path 0 .. paths-1 of each point must appear exactly once.',
        );
      }
    });
    const metrics = Object.fromEntries(
      SWEEP_METRICS.map((m) => [m, metricStats(sorted.map((o) => o[m]))]),
    ) as Record<SweepMetric, SweepMetricStats>;
    return {
      pointIndex,
      knobValues: points[pointIndex] as KnobValue[],
      metrics,
      ...(spec.paths > 1 ? { monteCarlo: summarizeMonteCarlo(spec.seed, sorted) } : {}),
    };
  });
  return {
    protocol: spec.protocol,
    scenario: sourceName(spec.source),
    seed: spec.seed,
    accounts: spec.accounts,
    paths: spec.paths,
    ...(spec.bookPerPath === true && spec.paths > 1 ? { bookPerPath: true as const } : {}),
    knobs: spec.knobs,
    points: merged,
  };
}

/**
 * Plans, runs and merges a sweep in this thread: `mergeSweep(spec, planSweep(spec).map(runWorkUnit))`.
 * Worker pools give the same result (see src/cli/workers.ts).
 * @throws as {@link planSweep} and {@link runWorkUnit}.
 */
export function runSweepLocally(spec: SweepSpec): SweepResult {
  return mergeSweep(
    spec,
    planSweep(spec).map((unit) => runWorkUnit(unit, spec)),
  );
}

// ---------------------------------------------------------------------------------------------
// Search for a target

/** How p99 bad debt moves as a knob rises. */
export type BadDebtTrend = 'increasing' | 'decreasing';

/** What {@link nextOptimizeValue} and {@link optimizeOutcome} search. */
export interface OptimizeSpec {
  readonly knob: string;
  /** Search range, in the knob's unit; minValue < maxValue. */
  readonly minValue: number;
  readonly maxValue: number;
  /** A value meets the target when its p99 bad debt ≤ this, USD ≥ 0. */
  readonly targetP99BadDebtUsd: number;
  /** Stop when the bracket is this narrow, knob units > 0 (see {@link defaultOptimizeTolerance}). */
  readonly tolerance: number;
  /** How p99 bad debt moves as the knob rises; `auto` infers it from the two ends. */
  readonly direction: 'auto' | BadDebtTrend;
  /** Probe whole values only (see {@link knobTakesWholeValues}). */
  readonly wholeValues: boolean;
  /** Most evaluations, in [2, {@link OPTIMIZE_EVALUATIONS_MAX}] (default 64). */
  readonly maxEvaluations?: number;
}

/** One evaluated value: p99 and p50 of bad debt over its paths, USD. */
export interface OptimizeProbe {
  readonly value: number;
  readonly p99BadDebtUsd: number;
  readonly p50BadDebtUsd: number;
}

/** Two evaluated values, adjacent in value, whose p99 bad debt moves against the trend. */
export interface MonotonicityViolation {
  readonly lowerValue: number;
  readonly upperValue: number;
  readonly lowerP99BadDebtUsd: number;
  readonly upperP99BadDebtUsd: number;
}

/** What {@link optimizeOutcome} concludes. */
export interface OptimizeOutcome {
  readonly knob: string;
  readonly targetP99BadDebtUsd: number;
  /**
   * `found`: one end meets the target and the other does not, and `answer` is the boundary value
   * found; `allMeetTarget`: both ends meet it (answer: the least conservative end when the trend is
   * known, else null).
   */
  readonly status: 'found' | 'allMeetTarget';
  readonly answer: number | null;
  /** The trend used: as declared, else inferred from the ends; `flat` when both ends are equal. */
  readonly trend: BadDebtTrend | 'flat';
  readonly trendSource: 'declared' | 'inferred';
  /** The last bracket: a value that met the target and one that did not (null unless `found`). */
  readonly bracket: { readonly meets: number; readonly fails: number } | null;
  /** Why the search stopped. */
  readonly stoppedBy: 'tolerance' | 'maxEvaluations' | 'ends';
  /** One paragraph on what the answer means and which side of it is safer. */
  readonly explanation: string;
  /** Every evaluated value in the order evaluated. */
  readonly evaluations: readonly OptimizeProbe[];
  /** Adjacent evaluated values (sorted by value) whose p99 moves against the trend. */
  readonly monotonicityViolations: readonly MonotonicityViolation[];
}

/** Most evaluations a search may make. */
export const OPTIMIZE_EVALUATIONS_MAX = 64;

/** The target cannot be met anywhere in the searched range: both ends exceed it. */
export class SweepTargetUnreachableError extends SolventError {
  override name = 'SweepTargetUnreachableError';
  readonly knob: string;
  readonly targetP99BadDebtUsd: number;
  readonly evaluations: readonly OptimizeProbe[];
  constructor(knob: string, targetP99BadDebtUsd: number, evaluations: readonly OptimizeProbe[]) {
    super(
      'SweepTargetUnreachable',
      `No value of ${knob} in the range keeps p99 bad debt ≤ ${targetP99BadDebtUsd} USD: both ends exceed it.`,
      {
        metaMessages: [
          ...evaluations.map(
            (p) =>
              `  ${knob} = ${p.value}: p99 bad debt ${p.p99BadDebtUsd.toFixed(2)} USD, p50 ${p.p50BadDebtUsd.toFixed(2)} USD`,
          ),
          'Widen the range (--min/--max), raise the target, or turn another knob.',
        ],
        details: { knob, targetP99BadDebtUsd: String(targetP99BadDebtUsd) },
      },
    );
    this.knob = knob;
    this.targetP99BadDebtUsd = targetP99BadDebtUsd;
    this.evaluations = evaluations;
  }
}

/**
 * Default bracket width of a search: 1 % of the range (so about 7 bisections after the two ends),
 * at least 1 for whole-valued knobs.
 */
export function defaultOptimizeTolerance(minValue: number, maxValue: number, wholeValues: boolean): number {
  const width = (maxValue - minValue) / 100;
  return wholeValues ? Math.max(1, Math.round(width)) : width;
}

function checkOptimizeSpec(spec: OptimizeSpec): number {
  if (
    !Number.isFinite(spec.minValue) ||
    !Number.isFinite(spec.maxValue) ||
    !(spec.minValue < spec.maxValue)
  ) {
    throw new InvalidParameterError(
      'minValue',
      `expected finite minValue < maxValue, got ${spec.minValue} and ${spec.maxValue}`,
    );
  }
  if (!(Number.isFinite(spec.targetP99BadDebtUsd) && spec.targetP99BadDebtUsd >= 0)) {
    throw new InvalidParameterError(
      'targetP99BadDebtUsd',
      `expected USD ≥ 0, got ${spec.targetP99BadDebtUsd}`,
    );
  }
  if (!(Number.isFinite(spec.tolerance) && spec.tolerance > 0)) {
    throw new InvalidParameterError('tolerance', `expected a number > 0, got ${spec.tolerance}`);
  }
  const max = spec.maxEvaluations ?? OPTIMIZE_EVALUATIONS_MAX;
  requireWhole(max, 'maxEvaluations', 2, OPTIMIZE_EVALUATIONS_MAX);
  return max;
}

const meets = (spec: OptimizeSpec, p: OptimizeProbe): boolean => p.p99BadDebtUsd <= spec.targetP99BadDebtUsd;

/** Where a search stands: ends not yet evaluated, both meeting or failing the target, or a bracket. */
type SearchState =
  | { readonly kind: 'ends'; readonly atMin?: OptimizeProbe; readonly atMax?: OptimizeProbe }
  | { readonly kind: 'all'; readonly atMin: OptimizeProbe; readonly atMax: OptimizeProbe }
  | { readonly kind: 'none'; readonly atMin: OptimizeProbe; readonly atMax: OptimizeProbe }
  | {
      readonly kind: 'bracket';
      readonly atMin: OptimizeProbe;
      readonly atMax: OptimizeProbe;
      /** The last value that met the target, and the last that did not. */
      readonly good: number;
      readonly bad: number;
      /** The trend the ends show. */
      readonly trend: BadDebtTrend;
    };

/** Where the search stands after `probes`: the bracket replayed from the two ends. */
function searchState(spec: OptimizeSpec, probes: readonly OptimizeProbe[]): SearchState {
  const atMin = probes.find((p) => p.value === spec.minValue);
  const atMax = probes.find((p) => p.value === spec.maxValue);
  if (atMin === undefined || atMax === undefined) {
    return {
      kind: 'ends',
      ...(atMin === undefined ? {} : { atMin }),
      ...(atMax === undefined ? {} : { atMax }),
    };
  }
  const minMeets = meets(spec, atMin);
  if (minMeets === meets(spec, atMax)) {
    return minMeets ? { kind: 'all', atMin, atMax } : { kind: 'none', atMin, atMax };
  }
  let good = minMeets ? atMin.value : atMax.value;
  let bad = minMeets ? atMax.value : atMin.value;
  for (const p of probes) {
    if (p === atMin || p === atMax) continue;
    // Only probes inside the current bracket narrow it (others are ignored, so any history replays).
    if (!(p.value > Math.min(good, bad) && p.value < Math.max(good, bad))) continue;
    if (meets(spec, p)) good = p.value;
    else bad = p.value;
  }
  return { kind: 'bracket', atMin, atMax, good, bad, trend: minMeets ? 'increasing' : 'decreasing' };
}

/** The midpoint to probe in (good, bad), or undefined when none is strictly inside. */
function midpoint(spec: OptimizeSpec, good: number, bad: number): number | undefined {
  const raw = good + (bad - good) / 2;
  const mid = spec.wholeValues ? good + Math.trunc((bad - good) / 2) : raw;
  return mid > Math.min(good, bad) && mid < Math.max(good, bad) ? mid : undefined;
}

/**
 * The next value a bisection should evaluate, given the probes so far (in evaluation order), or
 * undefined when the search is done: first `minValue`, then `maxValue`; if exactly one end meets
 * the target, the midpoint of the bracket (the last value that met it and the last that did not,
 * replayed from the probes) until it is at most `tolerance` wide, no midpoint is left (whole
 * values) or `maxEvaluations` is reached. It assumes p99 bad debt is monotone in the knob; the
 * outcome checks that on the probes (see {@link optimizeOutcome}). Pure, so a search can resume
 * from any history.
 * @throws InvalidParameterError for a bad spec (`minValue`, `targetP99BadDebtUsd`, `tolerance`,
 * `maxEvaluations`).
 */
export function nextOptimizeValue(spec: OptimizeSpec, probes: readonly OptimizeProbe[]): number | undefined {
  const max = checkOptimizeSpec(spec);
  const state = searchState(spec, probes);
  if (state.kind === 'ends') return state.atMin === undefined ? spec.minValue : spec.maxValue;
  if (state.kind !== 'bracket' || probes.length >= max) return undefined;
  if (Math.abs(state.good - state.bad) <= spec.tolerance) return undefined;
  return midpoint(spec, state.good, state.bad);
}

function violations(probes: readonly OptimizeProbe[], trend: BadDebtTrend | 'flat'): MonotonicityViolation[] {
  const sorted = [...probes].sort((a, b) => a.value - b.value);
  const out: MonotonicityViolation[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const lo = sorted[i - 1] as OptimizeProbe;
    const hi = sorted[i] as OptimizeProbe;
    const against =
      trend === 'increasing'
        ? hi.p99BadDebtUsd < lo.p99BadDebtUsd
        : trend === 'decreasing'
          ? hi.p99BadDebtUsd > lo.p99BadDebtUsd
          : hi.p99BadDebtUsd !== lo.p99BadDebtUsd;
    if (against) {
      out.push({
        lowerValue: lo.value,
        upperValue: hi.value,
        lowerP99BadDebtUsd: lo.p99BadDebtUsd,
        upperP99BadDebtUsd: hi.p99BadDebtUsd,
      });
    }
  }
  return out;
}

/**
 * What a finished search concludes (see {@link nextOptimizeValue}). When one end meets the target:
 * `answer` is the value of the last bracket that met it, the boundary value: with p99 bad debt
 * falling as the knob rises it is the smallest value found that meets the target (larger values are
 * more conservative), with p99 rising it is the largest (smaller values are more conservative).
 * When both ends meet it the answer is the least conservative end (`minValue` if p99 falls with the
 * knob, `maxValue` if it rises, null if the ends are equal and no trend was declared). The trend is
 * the declared `direction`, else the one the ends show. Every pair of adjacent evaluated values
 * whose p99 moves against the trend is reported as a monotonicity violation (a declared direction
 * the ends contradict shows up there too). Pure.
 * @throws SweepTargetUnreachableError when neither end meets the target; InvalidParameterError for a
 * bad spec, or (field `probes`) when the ends were not evaluated.
 */
export function optimizeOutcome(spec: OptimizeSpec, probes: readonly OptimizeProbe[]): OptimizeOutcome {
  const max = checkOptimizeSpec(spec);
  const state = searchState(spec, probes);
  if (state.kind === 'ends') {
    throw new InvalidParameterError('probes', 'both ends of the range must be evaluated first');
  }
  if (state.kind === 'none')
    throw new SweepTargetUnreachableError(spec.knob, spec.targetP99BadDebtUsd, probes);
  const { atMin, atMax } = state;
  const endsTrend: BadDebtTrend | 'flat' =
    atMin.p99BadDebtUsd > atMax.p99BadDebtUsd
      ? 'decreasing'
      : atMin.p99BadDebtUsd < atMax.p99BadDebtUsd
        ? 'increasing'
        : 'flat';
  const trend =
    spec.direction === 'auto' ? (state.kind === 'bracket' ? state.trend : endsTrend) : spec.direction;
  const trendSource = spec.direction === 'auto' ? 'inferred' : 'declared';
  const found = violations(probes, trend);
  const target = `p99 bad debt ≤ ${spec.targetP99BadDebtUsd} USD`;
  const caveat =
    found.length === 0
      ? `The ${probes.length} evaluated values are consistent with that trend.`
      : `WARNING: ${found.length} pair(s) of evaluated values move against that trend, so p99 bad debt is not monotone in ${spec.knob} here: the answer is a boundary between evaluated values only, not a guarantee for the values in between.`;
  const trendText = (t: BadDebtTrend | 'flat'): string =>
    t === 'decreasing'
      ? `p99 bad debt falls as ${spec.knob} rises (${trendSource})`
      : t === 'increasing'
        ? `p99 bad debt rises with ${spec.knob} (${trendSource})`
        : `p99 bad debt is the same at both ends (${trendSource})`;
  if (state.kind === 'all') {
    const answer = trend === 'decreasing' ? spec.minValue : trend === 'increasing' ? spec.maxValue : null;
    const explanation =
      answer === null
        ? `Both ends meet ${target} and ${trendText(trend)}: every evaluated value meets the target and there is no boundary inside [${spec.minValue}, ${spec.maxValue}]. ${caveat}`
        : `Both ends meet ${target}; ${trendText(trend)}, so the least conservative value in the range, ${answer}, already meets it: the boundary lies beyond the range. ${caveat}`;
    return {
      knob: spec.knob,
      targetP99BadDebtUsd: spec.targetP99BadDebtUsd,
      status: 'allMeetTarget',
      answer,
      trend,
      trendSource,
      bracket: null,
      stoppedBy: 'ends',
      explanation,
      evaluations: probes,
      monotonicityViolations: found,
    };
  }
  const { good, bad } = state;
  const width = Math.abs(good - bad);
  const stoppedBy =
    width <= spec.tolerance || midpoint(spec, good, bad) === undefined ? 'tolerance' : 'maxEvaluations';
  const side =
    good < bad
      ? `the largest value found that meets ${target}: smaller values are more conservative, and ${bad} did not meet it`
      : `the smallest value found that meets ${target}: larger values are more conservative, and ${bad} did not meet it`;
  const disagree =
    spec.direction !== 'auto' && spec.direction !== state.trend
      ? ` The ends disagree with the declared direction (${spec.direction}): the bracket follows the ends.`
      : '';
  const stop =
    stoppedBy === 'tolerance'
      ? `the boundary lies between ${Math.min(good, bad)} and ${Math.max(good, bad)} (width ${width} ≤ tolerance ${spec.tolerance}${spec.wholeValues ? ', whole values' : ''})`
      : `the search stopped after ${max} evaluations with the boundary between ${Math.min(good, bad)} and ${Math.max(good, bad)} (wider than the tolerance ${spec.tolerance})`;
  return {
    knob: spec.knob,
    targetP99BadDebtUsd: spec.targetP99BadDebtUsd,
    status: 'found',
    answer: good,
    trend,
    trendSource,
    bracket: { meets: good, fails: bad },
    stoppedBy,
    explanation: `${trendText(trend)}. The answer ${good} is ${side}; ${stop}.${disagree} ${caveat}`,
    evaluations: probes,
    monotonicityViolations: found,
  };
}
