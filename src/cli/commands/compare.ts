/**
 * `solvent compare`: runs several mechanisms through the same scenario with the same book and
 * seed and prints the key figures side by side: catalogue protocols (maker-liq1's English auctions
 * against maker-liq2's Dutch ones, say), composed protocol files, and variants of one protocol with
 * other parameters (`--variant label=params.json`); with --paths, p50/p95/p99 of bad debt and
 * liquidated debt too; --out writes JSON, CSV and an HTML report with grouped bar charts. Every
 * input is read and checked, and every run done, before anything is written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import { resolveProtocol } from '../../protocols/catalog.js';
import { COMPARE_FIELDS, type CompareRun, compareReportHtml } from '../../report/compare.js';
import { MONTE_CARLO_PATHS_MAX, type MonteCarloSummary } from '../../sim/montecarlo.js';
import {
  defaultStressParamsJson,
  runStress,
  STRESS_PROTOCOLS,
  type StressOptions,
  type StressOracle,
  type StressSummary,
} from '../../sim/stress.js';
import type { StressRunOverrides } from '../../sim/sweep.js';
import type { CommandContext } from '../context.js';
import { readStructuredFile } from '../files.js';
import { addQueueOptions, type QueueFlags, readQueueFlags, runMonteCarloOnQueue } from '../queue.js';
import {
  addOracleOptions,
  composedConfigId,
  isStructuredFileName,
  ORACLE_HELP,
  type OracleFlags,
  oracleWords,
  readOracleFlags,
  requireBookPerPathInputs,
  requireOracleWindowsInMarket,
  withConfigFileFields,
  withFileFields,
} from '../stress-inputs.js';
import {
  monteCarloBookNote,
  monteCarloTextRows,
  runMonteCarlo,
  ttyProgress,
  WORKERS_MAX,
} from '../workers.js';
import {
  addMarketOptions,
  loadMarket,
  type MarketFlags,
  marketWords,
  readWholeFlag,
  requireStressProtocol,
  shellWord,
} from './sweep.js';

interface CompareFlags extends MarketFlags, OracleFlags, QueueFlags {
  readonly protocol: string[];
  /** `label=params file`, one per --variant flag. */
  readonly variant: string[];
  readonly book: string;
  readonly seed: string;
  readonly paths: string;
  readonly bookPerPath?: true;
  readonly workers?: string;
  readonly json?: true;
  readonly out?: string;
}

const HELP_AFTER = `
--protocol takes a model id or a composed protocol file (.json/.yaml/.yml, as solvent stress
reads it). --variant <label>=<params file> (repeatable) adds a run of the FIRST --protocol with
the raw parameters of that file (JSON/YAML, the shape solvent protocols <id> shows; for a composed
protocol, a whole configuration), shown under its label: compare one protocol against variants of
itself with one --protocol and one or more --variant, e.g.
  solvent compare --protocol maker-liq2 --variant chop-1.20=chop120.json
Every run has the same market, the same synthetic book (drawn from the seed) and the same seed,
with its protocol's default keepers (solvent stress shows them). With --paths N every run also
runs the same N Monte Carlo paths, and the table adds p50/p95/p99 of bad debt and liquidated debt;
--book-per-path makes each path draw its own synthetic book from its seed (the same book for every
run on that path), instead of every path opening the book of --seed.
${ORACLE_HELP}
Every run (and every path) sees that feed.
--out DIR writes compare.json, compare.csv and compare.html (table and grouped bar charts; offline).
With --paths N (N ≥ 2), --queue redis://HOST:PORT runs the Monte Carlo paths of every run as work
units on \`solvent worker\` processes; the single runs stay here. The result is a local run's.`;

/** Run labels: 1–64 characters [A-Za-z0-9._-], starting with a letter or digit. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** One compared run: a protocol (or composed configuration), optionally with other parameters. */
interface RunInput {
  /** Shown in the table, the charts and the JSON (`label`): the protocol id or the variant label. */
  readonly label: string;
  /** The protocol id (a composed configuration's `id`). */
  readonly protocol: string;
  /** The composed configuration file and what it holds. */
  readonly config?: { readonly path: string; readonly raw: unknown };
  /** A variant's parameters file and what it holds. */
  readonly params?: { readonly path: string; readonly raw: unknown };
}

/**
 * Runs `work`, naming a refused field inside the run's parameters file (a variant) or its
 * configuration file (a composed protocol). A variant's parameters replace a composed protocol's
 * configuration (same shape), so configuration fields refused then are the variant file's too.
 */
function inFiles<T>(run: RunInput, work: () => T): Promise<T> {
  const { config, params } = run;
  if (params !== undefined) {
    return withFileFields(params.path, 'params', () => withConfigFileFields(params.path, work));
  }
  return config === undefined ? Promise.resolve().then(work) : withConfigFileFields(config.path, work);
}

/** The protocols of the --protocol flags: ids checked against the stress lab, files read. */
async function readProtocols(given: readonly string[]): Promise<RunInput[]> {
  const runs: RunInput[] = [];
  for (const value of given) {
    if (isStructuredFileName(value)) {
      const raw = await readStructuredFile(value);
      const id = await composedConfigId(value, raw);
      // The configuration is checked by its model's parser now, before any run.
      await withConfigFileFields(value, () => defaultStressParamsJson(id, raw));
      runs.push({ label: id, protocol: id, config: { path: value, raw } });
    } else {
      const id = requireStressProtocol(value);
      runs.push({ label: id, protocol: id });
    }
  }
  return runs;
}

/** The variants of the --variant flags: runs of `first` with each file's parameters, checked. */
async function readVariants(values: readonly string[], first: RunInput | undefined): Promise<RunInput[]> {
  const runs: RunInput[] = [];
  for (const value of values) {
    const eq = value.indexOf('=');
    const label = eq < 0 ? '' : value.slice(0, eq);
    const path = eq < 0 ? '' : value.slice(eq + 1);
    if (!LABEL.test(label) || path === '') {
      throw new InvalidParameterError(
        '--variant',
        `expected <label>=<params file> with a label of 1–64 characters [A-Za-z0-9._-], got ${JSON.stringify(value)}`,
        'For example --variant chop-1.20=chop120.json.',
      );
    }
    if (first === undefined) {
      throw new InvalidParameterError(
        '--variant',
        'needs a --protocol: a variant runs the first --protocol with other parameters',
        'For example --protocol maker-liq2 --variant chop-1.20=chop120.json.',
      );
    }
    if (!isStructuredFileName(path)) {
      throw new InvalidParameterError(
        '--variant',
        `${label}: the parameters file must be JSON or YAML (.json, .yaml, .yml), got ${JSON.stringify(path)}`,
      );
    }
    const raw = await readStructuredFile(path);
    const run: RunInput = {
      label,
      protocol: first.protocol,
      ...(first.config === undefined ? {} : { config: first.config }),
      params: { path, raw },
    };
    // The model's own parser checks the parameters now, naming the file and the field.
    await inFiles(run, () => resolveProtocol(first.config?.raw ?? first.protocol).parseParams(raw));
    runs.push(run);
  }
  return runs;
}

/**
 * The settings a run adds to the shared market, book and seed, and the shared oracle feed (plain
 * JSON, for the workers too).
 */
function overrides(run: RunInput, oracle: StressOracle | undefined): StressRunOverrides {
  return {
    ...(run.config === undefined ? {} : { protocolConfig: run.config.raw }),
    ...(run.params === undefined ? {} : { protocolParams: run.params.raw }),
    ...(oracle === undefined ? {} : { oracle }),
  };
}

/** Every run as a CSV row: its label, protocol, the key summary fields and, with paths, the quantiles. */
function compareCsv(runs: readonly CompareRun[]): string {
  const mc = runs.every((r) => r.monteCarlo !== undefined);
  const quantiles = ['p50', 'p95', 'p99'] as const;
  const metrics = ['badDebtUsd', 'liquidatedDebtUsd'] as const;
  const header = [
    'run',
    'protocol',
    ...COMPARE_FIELDS.map((f) => f.field),
    ...(mc ? metrics.flatMap((m) => quantiles.map((q) => `${m}_${q}`)) : []),
  ];
  const rows = runs.map((r) => [
    r.label ?? r.summary.protocol,
    r.summary.protocol,
    ...COMPARE_FIELDS.map((f) => String(r.summary[f.field])),
    ...(mc ? metrics.flatMap((m) => quantiles.map((q) => String(r.monteCarlo?.[m][q]))) : []),
  ]);
  return `${[header, ...rows].map((r) => r.join(',')).join('\n')}\n`;
}

/** Registers `compare` on the program. */
export function registerCompare(program: Command, context: CommandContext): void {
  const command = program
    .command('compare')
    .description(
      'run several protocols, protocol files or parameter variants through the same scenario and book; print them side by side',
    )
    .option(
      '--protocol <id | config file>',
      `protocol model or composed protocol file, repeatable (${STRESS_PROTOCOLS.join(', ')})`,
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option(
      '--variant <label=params file>',
      'the first --protocol with the parameters of a JSON/YAML file, shown as <label>; repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [],
    );
  addOracleOptions(addMarketOptions(command))
    .option('--book <N>', 'synthetic book size (accounts)', '200')
    .option('--seed <S>', 'seed (integer)', '7')
    .option('--paths <N>', 'Monte Carlo paths: adds p50/p95/p99 of bad debt and liquidated debt', '1')
    .option('--book-per-path', 'with --paths: each path draws its own synthetic book from its seed')
    .option('--workers <N>', 'worker threads for --paths (default min(CPUs, work units))');
  addQueueOptions(command)
    .option('--json', 'print the comparison as JSON')
    .option('--out <dir>', 'write compare.json, compare.csv and compare.html into this folder')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: CompareFlags) => {
      const accounts = readWholeFlag(flags.book, '--book', 1, 100_000);
      const seed = readWholeFlag(flags.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
      const paths = readWholeFlag(flags.paths, '--paths', 1, MONTE_CARLO_PATHS_MAX);
      const workers =
        flags.workers === undefined ? undefined : readWholeFlag(flags.workers, '--workers', 1, WORKERS_MAX);
      const queue = readQueueFlags(flags);
      if (queue !== undefined && paths < 2) {
        throw new InvalidParameterError(
          '--queue',
          'needs --paths N with N ≥ 2',
          "Only Monte Carlo paths are queued; each run's single path runs here.",
        );
      }
      const bookPerPath = flags.bookPerPath === true;
      if (bookPerPath) requireBookPerPathInputs(paths, undefined);
      const oracle = readOracleFlags(flags);
      const total = flags.protocol.length + flags.variant.length;
      if (total < 2) {
        throw new InvalidParameterError(
          '--protocol',
          `a comparison needs at least two runs (protocols and variants), got ${total}`,
          'For example --protocol maker-liq1 --protocol maker-liq2, or --protocol maker-liq2 --variant high-chop=params.json.',
        );
      }
      const protocols = await readProtocols(flags.protocol);
      const variants = await readVariants(flags.variant, protocols[0]);
      const inputs = [...protocols, ...variants];
      const seen = new Set<string>();
      inputs.forEach((run, i) => {
        if (seen.has(run.label)) {
          throw new InvalidParameterError(
            i < protocols.length ? '--protocol' : '--variant',
            `${run.label} is given twice`,
            'Name each protocol and each variant once (variant labels must differ from protocol ids).',
          );
        }
        seen.add(run.label);
      });
      const source = await loadMarket(flags);
      requireOracleWindowsInMarket(oracle, source);

      const summaries: StressSummary[] = [];
      for (const run of inputs) {
        const options: StressOptions = {
          protocol: run.protocol,
          ...source,
          seed,
          accounts,
          ...overrides(run, oracle),
        };
        summaries.push((await inFiles(run, () => runStress(options))).summary);
      }
      const progress = paths > 1 ? ttyProgress() : undefined;
      const monteCarloOptions = {
        runs: inputs.map((run) => ({ protocol: run.protocol, base: overrides(run, oracle) })),
        source,
        seed,
        accounts,
        paths,
        bookPerPath,
        ...(progress === undefined ? {} : { onProgress: progress.onProgress }),
      };
      const monteCarlo: readonly MonteCarloSummary[] | undefined =
        paths > 1
          ? await (queue === undefined
              ? runMonteCarlo({ ...monteCarloOptions, ...(workers === undefined ? {} : { workers }) })
              : runMonteCarloOnQueue(queue, monteCarloOptions, context.stderr)
            ).finally(() => progress?.clear())
          : undefined;
      const labels = inputs.map((run) => run.label);
      const runs: CompareRun[] = summaries.map((summary, i) => {
        const block = monteCarlo?.[i];
        const label = labels[i] as string;
        return block === undefined ? { label, summary } : { label, summary, monteCarlo: block };
      });
      const scenario = summaries[0]?.scenario ?? '';
      const reproduce = [
        'solvent compare',
        ...flags.protocol.map((p) => `--protocol ${shellWord(p)}`),
        ...flags.variant.map((v) => `--variant ${shellWord(v)}`),
        marketWords(flags),
        `--book ${accounts} --seed ${seed}`,
        ...oracleWords(oracle).map(shellWord),
        ...(paths > 1 ? [`--paths ${paths}`] : []),
        ...(bookPerPath ? ['--book-per-path'] : []),
      ].join(' ');
      const json = {
        scenario,
        accounts,
        seed,
        paths,
        ...(bookPerPath ? { bookPerPath: true } : {}),
        runs: runs.map((r, i) => {
          const input = inputs[i] as RunInput;
          return {
            label: r.label,
            protocol: r.summary.protocol,
            ...(input.config === undefined ? {} : { configFile: input.config.path }),
            ...(input.params === undefined ? {} : { paramsFile: input.params.path }),
            summary: r.summary,
            ...(r.monteCarlo === undefined ? {} : { monteCarlo: r.monteCarlo }),
          };
        }),
        reproduce,
      };
      if (flags.out !== undefined) {
        const title = `Solvent compare: ${labels.join(' vs ')} on ${scenario}, ${accounts} accounts, seed ${seed}`;
        const html = compareReportHtml(runs, { title, reproduce });
        await mkdir(flags.out, { recursive: true });
        await writeFile(join(flags.out, 'compare.json'), `${JSON.stringify(json, null, 2)}\n`);
        await writeFile(join(flags.out, 'compare.csv'), compareCsv(runs));
        await writeFile(join(flags.out, 'compare.html'), html);
      }
      if (flags.json === true) {
        context.stdout(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      const rows: [string, string[]][] = COMPARE_FIELDS.map((f) => [
        `${f.label}${f.unit === 'USD' ? ' USD' : ''}`,
        summaries.map((s) => (f.unit === 'USD' ? s[f.field].toFixed(2) : String(s[f.field]))),
      ]);
      if (monteCarlo !== undefined) rows.push(...monteCarloTextRows(monteCarlo));
      const width = Math.max(...rows.map(([label]) => label.length));
      const columns = labels.map((l, i) =>
        Math.max(16, l.length, ...rows.map(([, cells]) => (cells[i] ?? '').length)),
      );
      const lines = [
        `compare on ${scenario}, ${accounts} accounts, seed ${seed} (same book and seed for every run)`,
        '',
      ];
      lines.push(`${''.padEnd(width)}  ${labels.map((l, i) => l.padStart(columns[i] ?? 16)).join('  ')}`);
      for (const [label, cells] of rows) {
        lines.push(`${label.padEnd(width)}  ${cells.map((c, i) => c.padStart(columns[i] ?? 16)).join('  ')}`);
      }
      if (variants.length > 0) {
        lines.push(
          '',
          ...variants.map((v) => `${v.label}: ${v.protocol} with the parameters of ${v.params?.path}`),
        );
      }
      if (monteCarlo !== undefined) lines.push('', monteCarloBookNote(bookPerPath));
      const ranked = runs
        .map((r) => ({ label: r.label as string, badDebtUsd: r.summary.badDebtUsd }))
        .sort((a, b) => a.badDebtUsd - b.badDebtUsd);
      const low = ranked[0];
      const high = ranked[ranked.length - 1];
      if (low !== undefined && high !== undefined) {
        lines.push(
          '',
          low.badDebtUsd === high.badDebtUsd
            ? `bad debt: the same for every run (${low.badDebtUsd.toFixed(2)} USD)`
            : `bad debt: lowest ${low.label} (${low.badDebtUsd.toFixed(2)} USD), highest ${high.label} (${high.badDebtUsd.toFixed(2)} USD)`,
        );
      }
      lines.push('', `reproduce: ${reproduce}`);
      if (flags.out !== undefined)
        lines.push(`wrote compare.json, compare.csv and compare.html to ${flags.out}`);
      context.stdout(`${lines.join('\n')}\n`);
    });
}
