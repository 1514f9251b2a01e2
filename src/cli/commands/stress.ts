/**
 * `solvent stress`: runs protocols (built-in models or composed configuration files) through a
 * built-in crash scenario or a replay of price and gas files, with a synthetic book or a book
 * snapshot file, keepers (presets, from a file or the inline shorthand) and a network (priority gas
 * auctions, dropped transactions, block space, latency) and an oracle feed (heartbeat, deviation,
 * delay, noise, OSM hop, spikes, outages), and prints the summary, or writes it with
 * the per-step series, keeper activity, clearings, an HTML report and its charts as PNG files.
 * Every input is read and checked, and every run done, before anything is written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import { stressReportCharts, stressReportHtml } from '../../report/html.js';
import { svgToPng } from '../../report/png.js';
import type { Book } from '../../sim/book.js';
import { MONTE_CARLO_PATHS_MAX, type MonteCarloSummary } from '../../sim/montecarlo.js';
import type { ReplayScenario } from '../../sim/replay.js';
import { getScenario, listScenarios } from '../../sim/scenarios.js';
import {
  defaultStressKeepers,
  HEALTH_BUCKET_BOUNDS,
  runStress,
  STRESS_PROTOCOLS,
  type StressKeeperSpec,
  type StressNetwork,
  type StressOptions,
  type StressOracle,
  type StressResult,
} from '../../sim/stress.js';
import type { StressRunOverrides } from '../../sim/sweep.js';
import type { CommandContext } from '../context.js';
import { readStructuredFile } from '../files.js';
import {
  addQueueOptions,
  type QueueFlags,
  type QueueTarget,
  readQueueFlags,
  runMonteCarloOnQueue,
} from '../queue.js';
import {
  addOracleOptions,
  composedConfigId,
  isStructuredFileName,
  KEEPER_LATENCY_STEPS_MAX,
  ORACLE_HELP,
  type OracleFlags,
  oracleWords,
  readBookFile,
  readKeepers,
  readOracleFlags,
  requireBookPerPathInputs,
  requireOracleWindowsInMarket,
  withConfigFileFields,
  withFileFields,
} from '../stress-inputs.js';
import { monteCarloBookNote, monteCarloTextRows, runMonteCarlo, ttyProgress } from '../workers.js';
import { loadMarket } from './sweep.js';

/** The flags as commander hands them over (strings as typed). */
interface StressFlags extends OracleFlags, QueueFlags {
  readonly protocol: string[];
  readonly scenario?: string;
  /** `ASSET=file.csv`, one per --prices flag. */
  readonly prices: string[];
  /** `file.csv[:column]`. */
  readonly gas?: string;
  /** A whole number (synthetic book size) or a snapshot file. */
  readonly book: string;
  readonly seed: string;
  readonly keepers?: string;
  readonly latency?: string;
  readonly pga?: true;
  readonly txFailureRate?: string;
  readonly blockGas?: string;
  readonly gasFlat?: string;
  readonly params?: string;
  readonly json?: true;
  readonly out?: string;
  readonly paths: string;
  readonly bookPerPath?: true;
  readonly workers?: string;
}

const HELP_AFTER = `
--protocol takes a model id or a composed protocol file (.json/.yaml/.yml); several --protocol
flags run the same scenario, book, keepers and seed through each and print them side by side.
--book takes a size (synthetic book) or a solvent-book/1 snapshot file (JSON or YAML).
--keepers takes a JSON/YAML file (a list of keeper specs) or the shorthand
  preset[:key=value]...[,preset...]   e.g. gasCapped:cap=100,gasAware:eps=10:latency=2
  keys: any spec field, or cap (maxGasPriceGwei), eps (minProfitUsd), wallet, capital, kicks,
  latency (latencySteps), fee (priorityFeeShare), id; "none" for no keeper at all.
Network: --pga (priority gas auction), --tx-failure-rate P, --block-gas N, --latency N.
${ORACLE_HELP}
--paths N adds N Monte Carlo paths, each with its own seed (pathSeeds of --seed) and so its own
market; every flag above applies to every path, protocol files too, and the result is the same
whatever --workers. By default every path opens the same book (the snapshot, or the synthetic book
of --seed), so the spread is the market's alone; --book-per-path makes each path draw its own
synthetic book from its seed (same size and distributions: path k opens exactly the book of
solvent stress --seed <its seed>), so the spread covers the book too. It needs --paths and a size.
--out DIR writes summary.json (every run), per protocol <id>.series.csv, <id>.keepers.csv and
<id>.clearings.csv, report.html (self-contained; opens offline) and each chart as <chart-id>.png.
Every run prints how to reproduce it; the same flags give the same output, byte for byte.`;

const DEFAULT_SCENARIO = 'black-thursday-2020';
const DEFAULT_PROTOCOL = 'maker-liq2';
/** Largest synthetic book, accounts. */
const BOOK_ACCOUNTS_MAX = 100_000;
/** Largest block space per step, gas units (far above any real block). */
const BLOCK_GAS_MAX = 1e12;
/** Largest flat gas price, gwei. */
const GAS_FLAT_MAX_GWEI = 1e6;

function readWhole(value: string, field: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidParameterError(
      field,
      `expected a whole number in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

function readNumber(value: string, field: string, min: number, max: number): number {
  const x = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(x >= min && x <= max)) {
    throw new InvalidParameterError(
      field,
      `expected a number in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return x;
}

/** A shell word: as is when it is plain, else single-quoted. */
const shellWord = (word: string): string =>
  /^[\w./:=@+,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;

/** One protocol to run: a model id, or a composed configuration file and what it holds. */
interface ProtocolInput {
  /** As given on the command line (the id or the file path). */
  readonly given: string;
  readonly id: string;
  readonly config?: { readonly path: string; readonly raw: unknown };
}

/** Everything the flags ask for, read and checked. */
interface StressInputs {
  readonly protocols: readonly ProtocolInput[];
  readonly source: { readonly scenario: string } | { readonly replay: ReplayScenario };
  readonly seed: number;
  /** Synthetic book size, or the snapshot's book. */
  readonly book: { readonly accounts: number } | { readonly path: string; readonly book: Book };
  readonly keepers?: readonly StressKeeperSpec[];
  readonly latencySteps?: number;
  readonly network?: StressNetwork;
  readonly flatGasGwei?: number;
  /** The simulated feed the oracle flags ask for (none given: the default feed). */
  readonly oracle?: StressOracle;
  readonly params?: { readonly path: string; readonly raw: unknown };
  readonly paths: number;
  /** Each Monte Carlo path draws its own synthetic book (see SweepSpec.bookPerPath). */
  readonly bookPerPath: boolean;
  readonly workers?: number;
  /** Run the Monte Carlo paths on `solvent worker` processes through Redis (--queue). */
  readonly queue?: QueueTarget;
  /** The command that reproduces the run. */
  readonly reproduce: string;
}

/** The reproduce command: every flag that shapes the output, values as normalized, paths as given. */
function reproduceCommand(flags: StressFlags, inputs: Omit<StressInputs, 'reproduce'>): string {
  const words: string[] = ['solvent', 'stress'];
  for (const p of inputs.protocols) words.push('--protocol', shellWord(p.given));
  if (flags.prices.length === 0) words.push('--scenario', shellWord(flags.scenario ?? DEFAULT_SCENARIO));
  else {
    for (const spec of flags.prices) words.push('--prices', shellWord(spec));
    if (flags.gas !== undefined) words.push('--gas', shellWord(flags.gas));
  }
  words.push('--book', 'path' in inputs.book ? shellWord(inputs.book.path) : String(inputs.book.accounts));
  words.push('--seed', String(inputs.seed));
  if (flags.keepers !== undefined) words.push('--keepers', shellWord(flags.keepers));
  if (inputs.latencySteps !== undefined) words.push('--latency', String(inputs.latencySteps));
  if (inputs.network?.priorityGasAuction === true) words.push('--pga');
  if (inputs.network?.txFailureRate !== undefined)
    words.push('--tx-failure-rate', String(inputs.network.txFailureRate));
  if (inputs.network?.blockGasPerStep !== undefined)
    words.push('--block-gas', String(inputs.network.blockGasPerStep));
  if (inputs.flatGasGwei !== undefined) words.push('--gas-flat', String(inputs.flatGasGwei));
  words.push(...oracleWords(inputs.oracle).map(shellWord));
  if (inputs.params !== undefined) words.push('--params', shellWord(inputs.params.path));
  if (inputs.paths > 1) words.push('--paths', String(inputs.paths));
  if (inputs.bookPerPath) words.push('--book-per-path');
  return words.join(' ');
}

/** Reads every flag and file; nothing is run or written. */
async function readInputs(flags: StressFlags): Promise<StressInputs> {
  const seed = readWhole(flags.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
  const paths = readWhole(flags.paths, '--paths', 1, MONTE_CARLO_PATHS_MAX);
  const workers = flags.workers === undefined ? undefined : readWhole(flags.workers, '--workers', 1, 1024);
  const queue = readQueueFlags(flags);
  if (queue !== undefined && paths < 2) {
    throw new InvalidParameterError(
      '--queue',
      'needs --paths N with N ≥ 2',
      'Only Monte Carlo paths are queued.',
    );
  }
  if (flags.gas !== undefined && flags.prices.length === 0) {
    throw new InvalidParameterError('--gas', 'needs --prices', 'The built-in scenarios carry their own gas.');
  }

  const given = flags.protocol.length === 0 ? [DEFAULT_PROTOCOL] : flags.protocol;
  const protocols: ProtocolInput[] = [];
  for (const value of given) {
    if (isStructuredFileName(value)) {
      const raw = await readStructuredFile(value);
      protocols.push({ given: value, id: await composedConfigId(value, raw), config: { path: value, raw } });
    } else protocols.push({ given: value, id: value });
  }
  const seen = new Set<string>();
  for (const p of protocols) {
    if (seen.has(p.id)) {
      throw new InvalidParameterError('--protocol', `${p.id} is given twice`, 'Name each protocol once.');
    }
    seen.add(p.id);
  }

  const book = /^\d+$/.test(flags.book)
    ? { accounts: readWhole(flags.book, '--book', 1, BOOK_ACCOUNTS_MAX) }
    : { path: flags.book, book: await readBookFile(flags.book) };
  if ('book' in book && book.book.accounts.length === 0) {
    throw new InvalidParameterError(
      '--book',
      `${book.path} holds no account`,
      'A book needs at least one account.',
    );
  }

  const keepers = flags.keepers === undefined ? undefined : await readKeepers(flags.keepers);
  const latencySteps =
    flags.latency === undefined
      ? undefined
      : readWhole(flags.latency, '--latency', 0, KEEPER_LATENCY_STEPS_MAX);
  const network: StressNetwork = {
    ...(flags.pga === true ? { priorityGasAuction: true } : {}),
    ...(flags.txFailureRate === undefined
      ? {}
      : { txFailureRate: readNumber(flags.txFailureRate, '--tx-failure-rate', 0, 1) }),
    ...(flags.blockGas === undefined
      ? {}
      : { blockGasPerStep: readWhole(flags.blockGas, '--block-gas', 1, BLOCK_GAS_MAX) }),
  };
  const flatGasGwei =
    flags.gasFlat === undefined ? undefined : readNumber(flags.gasFlat, '--gas-flat', 0, GAS_FLAT_MAX_GWEI);
  const oracle = readOracleFlags(flags);

  const params =
    flags.params === undefined
      ? undefined
      : { path: flags.params, raw: await readStructuredFile(flags.params) };
  if (params !== undefined && protocols.length > 1) {
    throw new InvalidParameterError(
      '--params',
      `applies to one protocol, got ${protocols.length}`,
      'Run each protocol with its own --params, or use solvent compare.',
    );
  }

  const market = await loadMarket(flags);
  const source = 'replay' in market ? market : { scenario: getScenario(market.scenario).id };
  if (flatGasGwei !== undefined) {
    const hasGas =
      'replay' in source ? source.replay.gas !== null : getScenario(source.scenario).gas !== null;
    if (hasGas) {
      throw new InvalidParameterError(
        '--gas-flat',
        'the source has its own gas series',
        'Flat gas replaces the volatility gas model of sources without gas; drop --gas-flat (or --gas).',
      );
    }
  }

  requireOracleWindowsInMarket(oracle, source);

  const bookPerPath = flags.bookPerPath === true;
  if (bookPerPath) requireBookPerPathInputs(paths, 'path' in book ? book.path : undefined);

  const inputs = {
    protocols,
    source,
    seed,
    book,
    ...(keepers === undefined ? {} : { keepers }),
    ...(latencySteps === undefined ? {} : { latencySteps }),
    ...(Object.keys(network).length === 0 ? {} : { network }),
    ...(flatGasGwei === undefined ? {} : { flatGasGwei }),
    ...(oracle === undefined ? {} : { oracle }),
    ...(params === undefined ? {} : { params }),
    paths,
    bookPerPath,
    ...(workers === undefined ? {} : { workers }),
    ...(queue === undefined ? {} : { queue }),
  };
  return { ...inputs, reproduce: reproduceCommand(flags, inputs) };
}

/** The keepers of one protocol's run: the given ones or its defaults, with --latency where they have none. */
function keepersFor(inputs: StressInputs, protocol: ProtocolInput): readonly StressKeeperSpec[] | undefined {
  const latency = inputs.latencySteps;
  if (latency === undefined) return inputs.keepers;
  const specs =
    inputs.keepers ?? (protocol.config === undefined ? defaultStressKeepers(protocol.id) : undefined);
  if (specs === undefined) {
    throw new InvalidParameterError(
      '--latency',
      `needs --keepers for the composed protocol ${protocol.id}`,
      'Give its keepers with --keepers.',
    );
  }
  return specs.map((s) => (s.latencySteps === undefined ? { ...s, latencySteps: latency } : s));
}

/** The runStress options of one protocol. */
function runOptions(inputs: StressInputs, protocol: ProtocolInput): StressOptions {
  const keepers = keepersFor(inputs, protocol);
  return {
    protocol: protocol.id,
    ...(protocol.config === undefined ? {} : { protocolConfig: protocol.config.raw }),
    ...inputs.source,
    seed: inputs.seed,
    ...('path' in inputs.book ? { book: inputs.book.book } : { accounts: inputs.book.accounts }),
    ...(keepers === undefined ? {} : { keepers }),
    ...(inputs.network === undefined ? {} : { network: inputs.network }),
    ...(inputs.flatGasGwei === undefined ? {} : { flatGasGwei: inputs.flatGasGwei }),
    ...(inputs.oracle === undefined ? {} : { oracle: inputs.oracle }),
    ...(inputs.params === undefined ? {} : { protocolParams: inputs.params.raw }),
  };
}

/**
 * Runs one protocol; refusals of `config.…` fields are named in its configuration file, those of
 * `params.…` fields in the --params file.
 */
async function runOne(inputs: StressInputs, protocol: ProtocolInput): Promise<StressResult> {
  const options = runOptions(inputs, protocol);
  const params = inputs.params;
  const withParams = (): StressResult | Promise<StressResult> =>
    params === undefined
      ? runStress(options)
      : withFileFields(params.path, 'params', () => runStress(options));
  return protocol.config === undefined
    ? withParams()
    : withConfigFileFields(protocol.config.path, withParams);
}

/** The Monte Carlo block of each protocol, on the worker pool or the queue. */
async function monteCarloBlocks(
  inputs: StressInputs,
  stderr: (text: string) => void,
): Promise<MonteCarloSummary[]> {
  // With a snapshot every path opens it and the size is not used (but must still be a valid size).
  const accounts =
    'accounts' in inputs.book
      ? inputs.book.accounts
      : Math.min(Math.max(1, inputs.book.book.accounts.length), BOOK_ACCOUNTS_MAX);
  const runs = inputs.protocols.map((protocol) => {
    const keepers = keepersFor(inputs, protocol);
    const base: StressRunOverrides = {
      ...(protocol.config === undefined ? {} : { protocolConfig: protocol.config.raw }),
      ...(inputs.params === undefined ? {} : { protocolParams: inputs.params.raw }),
      ...(keepers === undefined ? {} : { keepers }),
      ...(inputs.flatGasGwei === undefined ? {} : { flatGasGwei: inputs.flatGasGwei }),
      ...(inputs.network === undefined ? {} : { network: inputs.network }),
      ...(inputs.oracle === undefined ? {} : { oracle: inputs.oracle }),
      ...('book' in inputs.book ? { book: inputs.book.book } : {}),
    };
    return { protocol: protocol.id, base };
  });
  const progress = ttyProgress();
  const options = {
    runs,
    source: inputs.source,
    seed: inputs.seed,
    accounts,
    paths: inputs.paths,
    bookPerPath: inputs.bookPerPath,
    ...(progress === undefined ? {} : { onProgress: progress.onProgress }),
  };
  return (
    inputs.queue === undefined
      ? runMonteCarlo({ ...options, ...(inputs.workers === undefined ? {} : { workers: inputs.workers }) })
      : runMonteCarloOnQueue(inputs.queue, options, stderr)
  ).finally(() => progress?.clear());
}

/** A CSV cell: as is, or double-quoted when it holds a comma, quote or line break. */
function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}

/** Column names of the health buckets: healthBelow1, health1to1.1, …, healthFrom2. */
function healthColumns(): string[] {
  const b = HEALTH_BUCKET_BOUNDS;
  return [
    `healthBelow${b[0]}`,
    ...b.slice(1).map((upper, i) => `health${b[i]}to${upper}`),
    `healthFrom${b[b.length - 1]}`,
  ];
}

/** The per-step series: one row per step; health columns empty on steps that were not sampled. */
function seriesCsv(result: StressResult): string {
  const header = [
    't',
    'marketPriceUsd',
    'oraclePriceUsd',
    'gasGwei',
    'liquidationsStarted',
    'auctionsLive',
    'badDebtUsd',
    'cumulativeLiquidatedDebtUsd',
    'keeperTransactions',
    'keeperFailures',
    'insuranceFundUsd',
    ...healthColumns(),
  ];
  const buckets = HEALTH_BUCKET_BOUNDS.length + 1;
  return csv(
    header,
    result.series.map((p) => [
      p.t,
      p.marketPriceUsd,
      p.oraclePriceUsd ?? '',
      p.gasGwei,
      p.liquidationsStarted,
      p.auctionsLive,
      p.badDebtUsd,
      p.cumulativeLiquidatedDebtUsd,
      p.keeperTransactions,
      p.keeperFailures,
      p.insuranceFundUsd,
      ...Array.from({ length: buckets }, (_, b) =>
        p.healthBuckets === null ? '' : (p.healthBuckets[b] ?? 0),
      ),
    ]),
  );
}

/** Each keeper's activity over the run. */
function keepersCsv(result: StressResult): string {
  return csv(
    ['keeper', 'transactions', 'failures', 'gasUsd', 'liquidations'],
    result.keepers.map((k) => [k.id, k.transactions, k.failures, k.gasUsd, k.liquidations]),
  );
}

/** Every clearing in order. */
function clearingsCsv(result: StressResult): string {
  return csv(
    ['t', 'collateral', 'paidUsd', 'marketValueUsd', 'discount'],
    result.clearings.map((c) => [c.t, c.collateral, c.paidUsd, c.marketValueUsd, c.discount]),
  );
}

/** A protocol id as a file name part. */
const fileStem = (protocol: string): string => protocol.replace(/[^\w.-]/g, '_');

const ROWS: readonly [string, (s: StressResult['summary']) => string][] = [
  ['accounts', (s) => String(s.accounts)],
  ['liquidations', (s) => String(s.liquidations)],
  ['liquidated debt USD', (s) => s.liquidatedDebtUsd.toFixed(2)],
  ['auctions', (s) => String(s.auctions)],
  ['zero-bid auctions', (s) => String(s.zeroBidAuctions)],
  ['bad debt USD', (s) => s.badDebtUsd.toFixed(2)],
  ['insurance draw USD', (s) => s.insuranceFundDrawUsd.toFixed(2)],
  ['socialized loss USD', (s) => s.socializedLossUsd.toFixed(2)],
  ['ADL volume USD', (s) => s.adlVolumeUsd.toFixed(2)],
  ['keeper profit USD', (s) => s.keeperProfitUsd.toFixed(2)],
  ['keeper failures', (s) => String(s.keeperFailures)],
  ['borrower loss USD', (s) => s.borrowerLossUsd.toFixed(2)],
  ['max cascade depth', (s) => String(s.maxCascadeDepth)],
];

/** Registers `stress` on the program. */
export function registerStress(program: Command, context: CommandContext): void {
  const command = program
    .command('stress')
    .description('run protocols through a crash scenario with a book and keepers; print what each lost')
    .option(
      '--protocol <id | config file>',
      `protocol model or composed protocol file, repeatable to compare (${STRESS_PROTOCOLS.join(', ')}; default ${DEFAULT_PROTOCOL})`,
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
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
    .option('--gas <file.csv[:column]>', 'gas prices in gwei for the replay (default column p60_gwei)')
    .option('--book <N | snapshot file>', 'synthetic book size (accounts), or a solvent-book/1 file', '200')
    .option('--seed <S>', 'seed (integer)', '7')
    .option(
      '--keepers <file | shorthand>',
      'keepers: a JSON/YAML list of specs, or e.g. gasCapped:cap=100,gasAware:eps=10',
    )
    .option(
      '--latency <N>',
      'steps between a keeper deciding and its transaction landing (keepers without their own)',
    )
    .option('--pga', 'priority gas auction: keepers bid a share of profit; the losers fail and pay gas')
    .option('--tx-failure-rate <p>', 'probability that a keeper transaction is dropped (0–1)')
    .option('--block-gas <N>', 'gas units per step the keepers may use together')
    .option(
      '--gas-flat <G>',
      'flat gas price, gwei, for sources without gas (default: the volatility gas model)',
    )
    .option(
      '--params <file>',
      "the protocol's raw parameters (JSON/YAML, as `solvent protocols <id>` shows)",
    );
  addOracleOptions(command)
    .option('--json', 'print the summaries as JSON')
    .option('--paths <N>', 'Monte Carlo paths: adds p50/p95/p99 of bad debt and liquidated debt', '1')
    .option('--book-per-path', 'with --paths: each path draws its own synthetic book from its seed')
    .option('--workers <N>', 'worker threads for --paths (default min(CPUs, paths))')
    .option('--out <dir>', 'write summary.json, CSVs, report.html and the charts as PNG into this folder');
  addQueueOptions(command)
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: StressFlags) => {
      const inputs = await readInputs(flags);
      const results: StressResult[] = [];
      for (const protocol of inputs.protocols) results.push(await runOne(inputs, protocol));
      const monteCarlo = inputs.paths > 1 ? await monteCarloBlocks(inputs, context.stderr) : undefined;
      const summaries = results.map((r, i) => ({
        ...r.summary,
        ...(monteCarlo === undefined ? {} : { monteCarlo: monteCarlo[i] }),
        ...(inputs.bookPerPath ? { bookPerPath: true } : {}),
        reproduce: inputs.reproduce,
      }));
      const accounts = results[0]?.summary.accounts ?? 0;
      const bookText =
        'path' in inputs.book
          ? `book ${inputs.book.path} (${accounts} accounts opened)`
          : `${inputs.book.accounts} accounts`;
      const heading = `${results[0]?.summary.scenario}, ${bookText}, seed ${inputs.seed}`;
      if (flags.out !== undefined) {
        // Everything is rendered in memory first: a failure leaves no folder behind.
        const files = new Map<string, string | Uint8Array>();
        files.set('summary.json', `${JSON.stringify(summaries, null, 2)}\n`);
        for (const r of results) {
          const stem = fileStem(r.summary.protocol);
          files.set(`${stem}.series.csv`, seriesCsv(r));
          files.set(`${stem}.keepers.csv`, keepersCsv(r));
          files.set(`${stem}.clearings.csv`, clearingsCsv(r));
        }
        const reportOptions = monteCarlo === undefined ? {} : { monteCarlo };
        files.set(
          'report.html',
          stressReportHtml(results, {
            title: `Solvent stress: ${heading}`,
            reproduce: inputs.reproduce,
            ...reportOptions,
          }),
        );
        for (const chart of stressReportCharts(results, reportOptions)) {
          files.set(`${chart.id}.png`, svgToPng(chart.svg));
        }
        await mkdir(flags.out, { recursive: true });
        for (const [name, content] of files) await writeFile(join(flags.out, name), content);
      }
      if (flags.json === true) {
        context.stdout(`${JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2)}\n`);
        return;
      }
      const mcRows = monteCarlo === undefined ? [] : monteCarloTextRows(monteCarlo);
      const width = Math.max(...[...ROWS, ...mcRows].map(([label]) => label.length));
      const lines = [heading, ''];
      lines.push(`${''.padEnd(width)}  ${results.map((r) => r.summary.protocol.padStart(16)).join('  ')}`);
      for (const [label, cell] of ROWS) {
        lines.push(`${label.padEnd(width)}  ${results.map((r) => cell(r.summary).padStart(16)).join('  ')}`);
      }
      for (const [label, cells] of mcRows) {
        lines.push(`${label.padEnd(width)}  ${cells.map((c) => c.padStart(16)).join('  ')}`);
      }
      if (monteCarlo !== undefined) lines.push('', monteCarloBookNote(inputs.bookPerPath));
      lines.push('', `reproduce: ${inputs.reproduce}`);
      if (flags.out !== undefined)
        lines.push(`wrote summary.json, report.html, the CSVs and the PNG charts to ${flags.out}`);
      context.stdout(`${lines.join('\n')}\n`);
    });
}
