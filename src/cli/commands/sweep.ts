/**
 * `solvent sweep`: runs one protocol over a grid of one or two knobs (model parameters, keeper gas
 * caps, venue depth, book size, ...) on a scenario or replay, and prints the chosen metric as a
 * table (rows: the first knob, columns: the second), or writes it as JSON, CSV and an HTML heatmap.
 * Also the flags and readers the other stress-lab commands (`optimize`, `compare`) share.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import { SWEEP_METRIC_LABELS, sweepReportHtml } from '../../report/heatmap.js';
import { splitGasSpec } from '../../sim/gas.js';
import { MONTE_CARLO_PATHS_MAX } from '../../sim/montecarlo.js';
import { parsePriceSpec, replayNameFor, replayScenarioFromCsv } from '../../sim/replay.js';
import { listScenarios } from '../../sim/scenarios.js';
import { STRESS_PROTOCOLS } from '../../sim/stress.js';
import {
  exactWhole,
  type KnobValue,
  planSweep,
  STRESS_KNOBS,
  SWEEP_KNOBS_MAX,
  SWEEP_METRICS,
  SWEEP_VALUES_MAX,
  type SweepKnob,
  type SweepMetric,
  type SweepResult,
  type SweepSource,
  type SweepSpec,
  sweepPoints,
} from '../../sim/sweep.js';
import type { CommandContext } from '../context.js';
import { PathNotFoundError, PathReadError } from '../errors.js';
import {
  addQueueOptions,
  type QueueFlags,
  queuePathsPerUnit,
  readQueueFlags,
  runSweepsOnQueue,
} from '../queue.js';
import {
  addOracleOptions,
  ORACLE_HELP,
  type OracleFlags,
  oracleWords,
  readOracleFlags,
  requireBookPerPathInputs,
  requireOracleWindowsInMarket,
} from '../stress-inputs.js';
import { monteCarloBookNote, pathsPerUnitFor, runSweeps, ttyProgress, WORKERS_MAX } from '../workers.js';

// ---------------------------------------------------------------------------------------------
// Shared by sweep, optimize and compare

/** The scenario used when neither --scenario nor --prices is given. */
export const DEFAULT_SCENARIO = 'black-thursday-2020';

/** The market flags every stress-lab command takes. */
export interface MarketFlags {
  readonly scenario?: string;
  /** `ASSET=file.csv`, one per --prices flag. */
  readonly prices: string[];
  /** `file.csv[:column]`. */
  readonly gas?: string;
}

/** Adds --scenario, --prices and --gas to a command. */
export function addMarketOptions(command: Command): Command {
  return command
    .option(
      '--scenario <id>',
      `built-in scenario (${listScenarios()
        .map((s) => s.id)
        .join(', ')}; default ${DEFAULT_SCENARIO} unless --prices is given)`,
    )
    .option(
      '--prices <ASSET=file.csv>',
      'replay a timestamp,price file instead of a scenario; repeatable (ETH required)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--gas <file.csv[:column]>', 'gas prices in gwei for the replay (default column p60_gwei)');
}

/**
 * A whole-number flag in [min, max].
 * @throws InvalidParameterError naming the flag otherwise.
 */
export function readWholeFlag(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidParameterError(
      flag,
      `expected a whole number in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** A decimal number as text (sign, digits, fraction, exponent). */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A finite decimal number flag.
 * @throws InvalidParameterError naming the flag otherwise.
 */
export function readNumberFlag(value: string, flag: string): number {
  const x = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(x)) {
    throw new InvalidParameterError(flag, `expected a number, got ${JSON.stringify(value)}`);
  }
  return x;
}

/**
 * The protocol of a single-protocol command.
 * @throws InvalidParameterError (flag --protocol) for none, several, or one the stress lab does not run.
 */
export function readProtocolFlag(protocols: readonly string[]): string {
  if (protocols.length !== 1) {
    throw new InvalidParameterError('--protocol', `expected one protocol, got ${protocols.length}`);
  }
  return requireStressProtocol(protocols[0] as string);
}

/** @throws InvalidParameterError (flag --protocol) for a protocol the stress lab does not run. */
export function requireStressProtocol(protocol: string): string {
  if (!STRESS_PROTOCOLS.includes(protocol)) {
    throw new InvalidParameterError(
      '--protocol',
      `${protocol} is not supported by the stress lab`,
      `Supported: ${STRESS_PROTOCOLS.join(', ')}.`,
    );
  }
  return protocol;
}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: unknown) => {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PathNotFoundError(path);
    throw new PathReadError(path, error instanceof Error ? error.message : String(error), error);
  });
}

/**
 * The market of a command: the built-in scenario, or the replay built from the --prices and --gas
 * files (parsing and checks are the sim's).
 * @throws InvalidParameterError for --gas without --prices or --scenario with --prices;
 * PathNotFoundError, PathReadError, and the replay's own errors for bad files.
 */
export async function loadMarket(flags: MarketFlags): Promise<SweepSource> {
  if (flags.gas !== undefined && flags.prices.length === 0) {
    throw new InvalidParameterError('--gas', 'needs --prices', 'The built-in scenarios carry their own gas.');
  }
  if (flags.prices.length === 0) return { scenario: flags.scenario ?? DEFAULT_SCENARIO };
  if (flags.scenario !== undefined) {
    throw new InvalidParameterError(
      '--scenario',
      'cannot be combined with --prices',
      'Replay files or a scenario.',
    );
  }
  const specs = flags.prices.map(parsePriceSpec);
  const prices = [];
  for (const { asset, path } of specs) prices.push({ asset, text: await readText(path), sourceName: path });
  const gasSpec = flags.gas === undefined ? undefined : splitGasSpec(flags.gas);
  const gas =
    gasSpec === undefined
      ? undefined
      : {
          text: await readText(gasSpec.path),
          sourceName: gasSpec.path,
          ...(gasSpec.column === undefined ? {} : { column: gasSpec.column }),
        };
  const replay = replayScenarioFromCsv({
    prices,
    ...(gas === undefined ? {} : { gas }),
    name: replayNameFor(specs.map((s) => s.path)),
    requiredAssets: ['ETH'],
  });
  return { replay };
}

/** A shell word: as is when it is plain, else single-quoted. */
export const shellWord = (word: string): string =>
  /^[\w./:=@+,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;

/** The market flags of a reproduce command. */
export function marketWords(flags: MarketFlags): string {
  return flags.prices.length === 0
    ? `--scenario ${shellWord(flags.scenario ?? DEFAULT_SCENARIO)}`
    : [
        ...flags.prices.map((spec) => `--prices ${shellWord(spec)}`),
        ...(flags.gas === undefined ? [] : [`--gas ${shellWord(flags.gas)}`]),
      ].join(' ');
}

/** Whether a knob name is one the stress lab knows (`params.` paths are checked when applied). */
export function isKnobName(knob: string): boolean {
  return knob.startsWith('params.') || (STRESS_KNOBS.includes(knob) && !knob.includes('<'));
}

/**
 * Runs `body`, turning an InvalidParameterError about a knob (its field is one of `knobs`, or
 * `knobs`) into one naming the command-line flag, so the user sees which flag to fix.
 */
export function asFlagError<T>(flag: string, knobs: readonly string[], body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof InvalidParameterError && (knobs.includes(e.field) || e.field === 'knobs')) {
      throw new InvalidParameterError(
        flag,
        `${e.field}: ${e.details.reason ?? e.shortMessage}`,
        e.metaMessages.join(' ') || undefined,
      );
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Grids

/**
 * A value as typed on the command line: a number when it is a decimal a double holds exactly
 * enough (fractions, and whole numbers up to 2^53), else the text itself (whole numbers beyond 2^53
 * such as `1.13e18` stay exact; words such as a curve name stay words).
 */
export function knobValueOf(token: string): KnobValue {
  if (!DECIMAL.test(token)) return token;
  const whole = exactWhole(token);
  if (
    whole !== undefined &&
    (whole > BigInt(Number.MAX_SAFE_INTEGER) || whole < -BigInt(Number.MAX_SAFE_INTEGER))
  ) {
    return token;
  }
  return Number(token);
}

/** `from:to:step` as values: exact when all three are whole, else rounded to 12 significant digits. */
function rangeValues(flag: string, knob: string, text: string): KnobValue[] {
  const parts = text.split(':');
  if (parts.length !== 3 || parts.some((p) => !DECIMAL.test(p))) {
    throw new InvalidParameterError(
      flag,
      `${knob}: a range is from:to:step with three numbers, got "${text}"`,
    );
  }
  const [fromText, toText, stepText] = parts as [string, string, string];
  const wholes = parts.map(exactWhole);
  if (wholes.every((w) => w !== undefined)) {
    const [from, to, step] = wholes as [bigint, bigint, bigint];
    if (step <= 0n || from > to) {
      throw new InvalidParameterError(flag, `${knob}: a range needs from ≤ to and a step > 0, got "${text}"`);
    }
    const count = (to - from) / step + 1n;
    if (count > BigInt(SWEEP_VALUES_MAX)) {
      throw new InvalidParameterError(flag, `${knob}: ${count} values; at most ${SWEEP_VALUES_MAX} per knob`);
    }
    return Array.from({ length: Number(count) }, (_, i) => knobValueOf((from + BigInt(i) * step).toString()));
  }
  const [from, to, step] = [Number(fromText), Number(toText), Number(stepText)];
  if (!(step > 0) || !(from <= to) || ![from, to, step].every(Number.isFinite)) {
    throw new InvalidParameterError(flag, `${knob}: a range needs from ≤ to and a step > 0, got "${text}"`);
  }
  // The last value is `to` when it lies on the grid, allowing for float error in (to − from)/step.
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  if (count > SWEEP_VALUES_MAX) {
    throw new InvalidParameterError(flag, `${knob}: ${count} values; at most ${SWEEP_VALUES_MAX} per knob`);
  }
  return Array.from({ length: count }, (_, i) => Number((from + i * step).toPrecision(12)));
}

/**
 * One `--grid` flag: `<knob>=<v1>,<v2>,...` or `<knob>=<from>:<to>:<step>` (inclusive of `to` when
 * on the grid). The knob must be one of STRESS_KNOBS (values are checked when the sweep is planned).
 * @throws InvalidParameterError (flag `--grid`) for bad syntax, an unknown knob or an empty list.
 */
export function parseGridFlag(text: string, flag = '--grid'): SweepKnob {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new InvalidParameterError(
      flag,
      `expected <knob>=<v1>,<v2>,... or <knob>=<from>:<to>:<step>, got "${text}"`,
      'For example --grid keepers.gasCapGwei=50,100,200 or --grid params.ilks.ETH-A.chopWad=1.05e18:1.15e18:0.05e18.',
    );
  }
  const knob = text.slice(0, eq);
  const spec = text.slice(eq + 1);
  if (!isKnobName(knob)) {
    throw new InvalidParameterError(flag, `unknown knob "${knob}"`, `Knobs: ${STRESS_KNOBS.join(', ')}.`);
  }
  if (spec === '') throw new InvalidParameterError(flag, `${knob}: no values given`);
  if (/^[^,]*:[^,]*:[^,]*$/.test(spec) && spec.split(':').every((p) => DECIMAL.test(p))) {
    return { knob, values: rangeValues(flag, knob, spec) };
  }
  const tokens = spec.split(',');
  if (tokens.some((t) => t === '')) {
    throw new InvalidParameterError(
      flag,
      `${knob}: empty value in "${spec}"`,
      'Separate values with single commas.',
    );
  }
  return { knob, values: tokens.map(knobValueOf) };
}

// ---------------------------------------------------------------------------------------------
// The command

interface SweepFlags extends MarketFlags, OracleFlags, QueueFlags {
  readonly protocol: string[];
  readonly grid: string[];
  readonly metric: string;
  readonly book: string;
  readonly seed: string;
  readonly paths: string;
  readonly bookPerPath?: true;
  readonly workers?: string;
  readonly json?: true;
  readonly out?: string;
}

const HELP_AFTER = `
Grid: --grid <knob>=<v1>,<v2>,... or --grid <knob>=<from>:<to>:<step>, once or twice. Knobs:
  params.<dotted path>        a field of the model's parameters (see solvent protocols <id>),
                              e.g. params.ilks.ETH-A.chopWad=1.05e18,1.13e18 (bigint fields exact)
  keepers.gasCapGwei          gas cap of every keeper that has one
  keepers.minProfitUsd        profit margin ε of every keeper that has one
  venue.depthUsd              venue depth within ±2 % of the price, USD
  venue.impactHalfLifeSeconds half-life of the price impact
  book.accounts               synthetic book size
  gas.flatGwei                gas price of markets without a gas series
  oracle.heartbeatSeconds     feed heartbeat (whole seconds ≥ 1)
  oracle.deviationBps         feed deviation trigger (whole bps)
  oracle.delaySeconds         reporting delay of every feed round (whole seconds)
  oracle.osmDelaySeconds      the OSM hop (whole seconds; Maker)
With --paths N every point runs the same N Monte Carlo paths (as solvent stress --paths N) and
the table shows p99 and p50 of the metric; with one path, the run's own value. Every path opens
the book of --seed (only the market varies) unless --book-per-path, which makes each path draw its
own synthetic book of the point's size from its seed (the same books at every point).
${ORACLE_HELP}
They set the feed of every point; an oracle.* knob changes one field of it.
--out DIR writes sweep.json, sweep.csv and sweep.html (a heatmap for two knobs, a line chart for
one; offline).`;

/** A table cell: USD with cents; counts whole, or with two decimals when they are percentiles. */
function cellText(metric: SweepMetric, value: number): string {
  return SWEEP_METRIC_LABELS[metric].unit === 'USD' || !Number.isInteger(value)
    ? value.toFixed(2)
    : String(value);
}

/** The text table of one statistic: rows are the first knob's values, columns the second's. */
function table(result: SweepResult, metric: SweepMetric, stat: 'p50' | 'p99'): string[] {
  const [rowKnob, columnKnob] = result.knobs;
  if (rowKnob === undefined) return [];
  const at = (values: readonly KnobValue[]): string => {
    const point = result.points.find((p) => p.knobValues.every((v, i) => v === values[i]));
    return point === undefined ? '' : cellText(metric, point.metrics[metric][stat]);
  };
  const columns = columnKnob?.values ?? [];
  const header = [
    rowKnob.knob,
    ...(columnKnob === undefined
      ? [stat === 'p50' && result.paths === 1 ? 'value' : stat]
      : columns.map(String)),
  ];
  const rows = rowKnob.values.map((rv) => [
    String(rv),
    ...(columnKnob === undefined ? [at([rv])] : columns.map((cv) => at([rv, cv]))),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  const title = columnKnob === undefined ? [] : [`${' '.repeat(widths[0] ?? 0)}  ${columnKnob.knob} →`];
  return [...title, line(header), ...rows.map(line)];
}

const csvCell = (text: string): string => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** Every point as a CSV row: the knob values, then every metric (p50/p95/p99/mean with several paths). */
export function sweepCsv(result: SweepResult): string {
  const stats = result.paths > 1 ? (['p50', 'p95', 'p99', 'mean'] as const) : (['p50'] as const);
  const header = [
    ...result.knobs.map((k) => k.knob),
    ...SWEEP_METRICS.flatMap((m) => stats.map((s) => (result.paths > 1 ? `${m}_${s}` : m))),
  ];
  const rows = result.points.map((p) => [
    ...p.knobValues.map(String),
    ...SWEEP_METRICS.flatMap((m) => stats.map((s) => String(p.metrics[m][s]))),
  ]);
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** Registers `sweep` on the program. */
export function registerSweep(program: Command, context: CommandContext): void {
  const command = program
    .command('sweep')
    .description('run a protocol over a grid of one or two knobs; print a metric per point (table, heatmap)')
    .option(
      '--protocol <id>',
      `protocol model (${STRESS_PROTOCOLS.join(', ')})`,
      (value: string, previous: string[]) => [...previous, value],
      [],
    );
  addOracleOptions(addMarketOptions(command))
    .option(
      '--grid <knob=values>',
      'a knob and its values (v1,v2,... or from:to:step); once or twice',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--metric <name>', `figure to show (${SWEEP_METRICS.join(', ')})`, 'badDebtUsd')
    .option('--book <N>', 'synthetic book size (accounts)', '200')
    .option('--seed <S>', 'seed (integer)', '7')
    .option('--paths <N>', 'Monte Carlo paths per point (p99 and p50 shown when > 1)', '1')
    .option('--book-per-path', 'with --paths: each path draws its own synthetic book from its seed')
    .option('--workers <N>', 'worker threads (default min(CPUs, work units))')
    .option('--json', 'print the sweep as JSON')
    .option('--out <dir>', 'write sweep.json, sweep.csv and sweep.html into this folder');
  addQueueOptions(command)
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: SweepFlags) => {
      const protocol = readProtocolFlag(flags.protocol.length === 0 ? ['maker-liq2'] : flags.protocol);
      if (flags.grid.length === 0 || flags.grid.length > SWEEP_KNOBS_MAX) {
        throw new InvalidParameterError(
          '--grid',
          `expected 1 or ${SWEEP_KNOBS_MAX} grids, got ${flags.grid.length}`,
          'For example --grid keepers.gasCapGwei=50,100,200 --grid venue.depthUsd=5e6,2e7.',
        );
      }
      const knobs = flags.grid.map((g) => parseGridFlag(g));
      if (!(SWEEP_METRICS as readonly string[]).includes(flags.metric)) {
        throw new InvalidParameterError(
          '--metric',
          `unknown metric "${flags.metric}"`,
          `Metrics: ${SWEEP_METRICS.join(', ')}.`,
        );
      }
      const metric = flags.metric as SweepMetric;
      const accounts = readWholeFlag(flags.book, '--book', 1, 100_000);
      const seed = readWholeFlag(flags.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
      const paths = readWholeFlag(flags.paths, '--paths', 1, MONTE_CARLO_PATHS_MAX);
      const workers =
        flags.workers === undefined ? undefined : readWholeFlag(flags.workers, '--workers', 1, WORKERS_MAX);
      const queue = readQueueFlags(flags);
      const bookPerPath = flags.bookPerPath === true;
      if (bookPerPath) requireBookPerPathInputs(paths, undefined);
      const oracle = readOracleFlags(flags);
      const source = await loadMarket(flags);
      requireOracleWindowsInMarket(oracle, source);
      const points = knobs.reduce((n, k) => n * k.values.length, 1);
      const spec: SweepSpec = {
        protocol,
        source,
        seed,
        accounts,
        paths,
        knobs,
        pathsPerUnit:
          queue === undefined ? pathsPerUnitFor(paths, points, workers) : queuePathsPerUnit(paths, points),
        ...(bookPerPath ? { bookPerPath: true } : {}),
        ...(oracle === undefined ? {} : { base: { oracle } }),
      };
      const knobNames = knobs.map((k) => k.knob);
      asFlagError('--grid', knobNames, () => planSweep(spec));
      const progress = ttyProgress('sweep', 'path runs');
      const onProgress = progress === undefined ? {} : { onProgress: progress.onProgress };
      const [result] = await (queue === undefined
        ? runSweeps([spec], { ...(workers === undefined ? {} : { workers }), ...onProgress })
        : runSweepsOnQueue(queue, [spec], { ...onProgress, stderr: context.stderr })
      ).finally(() => progress?.clear());
      if (result === undefined) throw new Error('a sweep returned no result');
      const reproduce = [
        `solvent sweep --protocol ${protocol} ${marketWords(flags)}`,
        ...flags.grid.map((g) => `--grid ${shellWord(g)}`),
        `--metric ${metric} --book ${accounts} --seed ${seed}${paths > 1 ? ` --paths ${paths}` : ''}`,
        ...(bookPerPath ? ['--book-per-path'] : []),
        ...oracleWords(oracle).map(shellWord),
      ].join(' ');
      const json = { ...result, metric, reproduce };
      if (flags.out !== undefined) {
        await mkdir(flags.out, { recursive: true });
        await writeFile(join(flags.out, 'sweep.json'), `${JSON.stringify(json, null, 2)}\n`);
        await writeFile(join(flags.out, 'sweep.csv'), sweepCsv(result));
        const title = `Solvent sweep: ${protocol} on ${result.scenario}, ${SWEEP_METRIC_LABELS[metric].label}`;
        await writeFile(join(flags.out, 'sweep.html'), sweepReportHtml(result, { title, reproduce, metric }));
      }
      if (flags.json === true) {
        context.stdout(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      const { label, unit } = SWEEP_METRIC_LABELS[metric];
      const lines = [
        `sweep of ${protocol} on ${result.scenario}, ${accounts} accounts, seed ${seed}, ${sweepPoints(spec).length} points × ${paths} path${paths === 1 ? '' : 's'}`,
      ];
      for (const stat of paths > 1 ? (['p99', 'p50'] as const) : (['p50'] as const)) {
        lines.push(
          '',
          `${label} ${paths > 1 ? stat : '(the run of the seed)'}, ${unit}:`,
          ...table(result, metric, stat),
        );
      }
      if (paths > 1) lines.push('', monteCarloBookNote(bookPerPath));
      lines.push('', `reproduce: ${reproduce}`);
      if (flags.out !== undefined) lines.push(`wrote sweep.json, sweep.csv and sweep.html to ${flags.out}`);
      context.stdout(`${lines.join('\n')}\n`);
    });
}
