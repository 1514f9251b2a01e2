/**
 * `solvent stress`: runs a protocol through a built-in crash scenario (or a replay of price and gas
 * files given with --prices/--gas) with a book of accounts and keepers, and prints the summary (or
 * writes it with the per-step series). The first piece of the stress lab: Maker's two liquidation
 * systems on the built-in scenarios.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import { stressReportHtml } from '../../report/html.js';
import { splitGasSpec } from '../../sim/gas.js';
import { MONTE_CARLO_PATHS_MAX } from '../../sim/montecarlo.js';
import {
  parsePriceSpec,
  type ReplayScenario,
  replayNameFor,
  replayScenarioFromCsv,
} from '../../sim/replay.js';
import { listScenarios } from '../../sim/scenarios.js';
import { runStress, STRESS_PROTOCOLS, type StressResult } from '../../sim/stress.js';
import type { CommandContext } from '../context.js';
import { PathNotFoundError, PathReadError } from '../errors.js';
import { monteCarloTextRows, runMonteCarlo, ttyProgress } from '../workers.js';

interface StressOptions {
  readonly protocol: string[];
  readonly scenario?: string;
  /** `ASSET=file.csv`, one per --prices flag. */
  readonly prices: string[];
  /** `file.csv[:column]`. */
  readonly gas?: string;
  readonly book: string;
  readonly seed: string;
  readonly json?: true;
  readonly out?: string;
  readonly paths: string;
  readonly workers?: string;
}

const HELP_AFTER = `
Several --protocol flags run the same scenario, book, keepers and seed through each protocol and
print them side by side. --out DIR writes summary.json (every run), <protocol>.series.csv and
report.html (a self-contained HTML report with the summary table and charts; opens offline).
Every run prints how to reproduce it; the same seed gives the same numbers.`;

function readWhole(value: string, field: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidParameterError(
      field,
      `expected a whole number in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

const DEFAULT_SCENARIO = 'black-thursday-2020';

/** A shell word: as is when it is plain, else single-quoted. */
const shellWord = (word: string): string =>
  /^[\w./:=@+,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;

function reproduce(options: StressOptions, accounts: number, seed: number): string {
  const protocols = options.protocol.map((p) => `--protocol ${p}`).join(' ');
  const source =
    options.prices.length === 0
      ? `--scenario ${options.scenario ?? DEFAULT_SCENARIO}`
      : [
          ...options.prices.map((spec) => `--prices ${shellWord(spec)}`),
          ...(options.gas === undefined ? [] : [`--gas ${shellWord(options.gas)}`]),
        ].join(' ');
  const paths = Number(options.paths) > 1 ? ` --paths ${Number(options.paths)}` : '';
  return `solvent stress ${protocols} ${source} --book ${accounts} --seed ${seed}${paths}`;
}

async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: unknown) => {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new PathNotFoundError(path);
    throw new PathReadError(path, error instanceof Error ? error.message : String(error), error);
  });
}

/** Reads the --prices and --gas files and builds the replay (parsing and checks are the sim's). */
async function loadReplay(options: StressOptions): Promise<ReplayScenario> {
  if (options.scenario !== undefined) {
    throw new InvalidParameterError(
      '--scenario',
      'cannot be combined with --prices',
      'Replay files or a scenario.',
    );
  }
  const specs = options.prices.map(parsePriceSpec);
  const prices = [];
  for (const { asset, path } of specs) prices.push({ asset, text: await readText(path), sourceName: path });
  const gasSpec = options.gas === undefined ? undefined : splitGasSpec(options.gas);
  const gas =
    gasSpec === undefined
      ? undefined
      : {
          text: await readText(gasSpec.path),
          sourceName: gasSpec.path,
          ...(gasSpec.column === undefined ? {} : { column: gasSpec.column }),
        };
  return replayScenarioFromCsv({
    prices,
    ...(gas === undefined ? {} : { gas }),
    name: replayNameFor(specs.map((s) => s.path)),
    requiredAssets: ['ETH'],
  });
}

function seriesCsv(result: StressResult): string {
  const header =
    't,marketPriceUsd,oraclePriceUsd,gasGwei,liquidationsStarted,auctionsLive,badDebtUsd,cumulativeLiquidatedDebtUsd';
  const rows = result.series.map((p) =>
    [
      p.t,
      p.marketPriceUsd,
      p.oraclePriceUsd ?? '',
      p.gasGwei,
      p.liquidationsStarted,
      p.auctionsLive,
      p.badDebtUsd,
      p.cumulativeLiquidatedDebtUsd,
    ].join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

const ROWS: readonly [string, (s: StressResult['summary']) => string][] = [
  ['accounts', (s) => String(s.accounts)],
  ['liquidations', (s) => String(s.liquidations)],
  ['liquidated debt USD', (s) => s.liquidatedDebtUsd.toFixed(2)],
  ['auctions', (s) => String(s.auctions)],
  ['zero-bid auctions', (s) => String(s.zeroBidAuctions)],
  ['bad debt USD', (s) => s.badDebtUsd.toFixed(2)],
  ['keeper profit USD', (s) => s.keeperProfitUsd.toFixed(2)],
  ['borrower loss USD', (s) => s.borrowerLossUsd.toFixed(2)],
  ['max cascade depth', (s) => String(s.maxCascadeDepth)],
];

/** Registers `stress` on the program. */
export function registerStress(program: Command, context: CommandContext): void {
  program
    .command('stress')
    .description('run protocols through a crash scenario with a book and keepers; print what each lost')
    .option(
      '--protocol <id>',
      `protocol model, repeatable to compare (${STRESS_PROTOCOLS.join(', ')} so far)`,
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
    .option('--book <N>', 'synthetic book size (accounts)', '200')
    .option('--seed <S>', 'seed (integer)', '7')
    .option('--json', 'print the summaries as JSON')
    .option('--paths <N>', 'Monte Carlo paths: adds p50/p95/p99 of bad debt and liquidated debt', '1')
    .option('--workers <N>', 'worker threads for --paths (default min(CPUs, paths))')
    .option('--out <dir>', 'write summary.json, a per-step CSV per protocol and report.html into this folder')
    .addHelpText('after', HELP_AFTER)
    .action(async (options: StressOptions) => {
      const protocols = options.protocol.length === 0 ? ['maker-liq2'] : options.protocol;
      const accounts = readWhole(options.book, '--book', 1, 100_000);
      const seed = readWhole(options.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
      const paths = readWhole(options.paths, '--paths', 1, MONTE_CARLO_PATHS_MAX);
      const workers =
        options.workers === undefined ? undefined : readWhole(options.workers, '--workers', 1, 1024);
      const command = reproduce({ ...options, protocol: protocols }, accounts, seed);
      if (options.gas !== undefined && options.prices.length === 0) {
        throw new InvalidParameterError(
          '--gas',
          'needs --prices',
          'The built-in scenarios carry their own gas.',
        );
      }
      const source =
        options.prices.length === 0
          ? { scenario: options.scenario ?? DEFAULT_SCENARIO }
          : { replay: await loadReplay(options) };
      const results = protocols.map((protocol) => runStress({ protocol, ...source, seed, accounts }));
      const progress = paths > 1 ? ttyProgress() : undefined;
      const monteCarlo =
        paths > 1
          ? await runMonteCarlo({
              protocols,
              source,
              seed,
              accounts,
              paths,
              ...(workers === undefined ? {} : { workers }),
              ...(progress === undefined ? {} : { onProgress: progress.onProgress }),
            }).finally(() => progress?.clear())
          : undefined;
      const summaries = results.map((r, i) => ({
        ...r.summary,
        ...(monteCarlo === undefined ? {} : { monteCarlo: monteCarlo[i] }),
        reproduce: command,
      }));
      if (options.out !== undefined) {
        await mkdir(options.out, { recursive: true });
        await writeFile(join(options.out, 'summary.json'), `${JSON.stringify(summaries, null, 2)}\n`);
        for (const r of results)
          await writeFile(join(options.out, `${r.summary.protocol}.series.csv`), seriesCsv(r));
        const title = `Solvent stress: ${results[0]?.summary.scenario ?? 'run'}, ${accounts} accounts, seed ${seed}`;
        await writeFile(
          join(options.out, 'report.html'),
          stressReportHtml(results, { title, reproduce: command }),
        );
      }
      if (options.json === true) {
        context.stdout(`${JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2)}\n`);
        return;
      }
      const mcRows = monteCarlo === undefined ? [] : monteCarloTextRows(monteCarlo);
      const width = Math.max(...[...ROWS, ...mcRows].map(([label]) => label.length));
      const lines = [`${results[0]?.summary.scenario}, ${accounts} accounts, seed ${seed}`, ''];
      lines.push(`${''.padEnd(width)}  ${protocols.map((p) => p.padStart(16)).join('  ')}`);
      for (const [label, cell] of ROWS) {
        lines.push(`${label.padEnd(width)}  ${results.map((r) => cell(r.summary).padStart(16)).join('  ')}`);
      }
      for (const [label, cells] of mcRows) {
        lines.push(`${label.padEnd(width)}  ${cells.map((c) => c.padStart(16)).join('  ')}`);
      }
      lines.push('', `reproduce: ${command}`);
      if (options.out !== undefined)
        lines.push(`wrote summary.json, report.html and the per-step CSVs to ${options.out}`);
      context.stdout(`${lines.join('\n')}\n`);
    });
}
