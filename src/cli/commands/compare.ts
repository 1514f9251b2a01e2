/**
 * `solvent compare`: runs several protocols (or mechanisms: maker-liq1's English auctions against
 * maker-liq2's Dutch ones, say) through the same scenario with the same book and seed, each with
 * its default keepers, and prints the key figures side by side; with --paths, p50/p95/p99 of bad
 * debt and liquidated debt too; --out writes JSON, CSV and an HTML report with grouped bar charts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import { COMPARE_FIELDS, type CompareRun, compareReportHtml } from '../../report/compare.js';
import { MONTE_CARLO_PATHS_MAX, type MonteCarloSummary } from '../../sim/montecarlo.js';
import { runStress, STRESS_PROTOCOLS } from '../../sim/stress.js';
import type { CommandContext } from '../context.js';
import { monteCarloTextRows, runMonteCarlo, ttyProgress, WORKERS_MAX } from '../workers.js';
import {
  addMarketOptions,
  loadMarket,
  type MarketFlags,
  marketWords,
  readWholeFlag,
  requireStressProtocol,
} from './sweep.js';

interface CompareFlags extends MarketFlags {
  readonly protocol: string[];
  readonly book: string;
  readonly seed: string;
  readonly paths: string;
  readonly workers?: string;
  readonly json?: true;
  readonly out?: string;
}

const HELP_AFTER = `
Every protocol runs the same market, the same synthetic book (drawn from the seed) and the same
seed, with its own default keepers (solvent stress shows them). With --paths N every protocol also
runs the same N Monte Carlo paths, and the table adds p50/p95/p99 of bad debt and liquidated debt.
--out DIR writes compare.json, compare.csv and compare.html (table and grouped bar charts; offline).`;

/** Every run as a CSV row: the protocol, the key summary fields and, with paths, the quantiles. */
function compareCsv(runs: readonly CompareRun[]): string {
  const mc = runs.every((r) => r.monteCarlo !== undefined);
  const quantiles = ['p50', 'p95', 'p99'] as const;
  const metrics = ['badDebtUsd', 'liquidatedDebtUsd'] as const;
  const header = [
    'protocol',
    ...COMPARE_FIELDS.map((f) => f.field),
    ...(mc ? metrics.flatMap((m) => quantiles.map((q) => `${m}_${q}`)) : []),
  ];
  const rows = runs.map((r) => [
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
    .description('run several protocols through the same scenario and book; print them side by side')
    .option(
      '--protocol <id>',
      `protocol model, at least two (${STRESS_PROTOCOLS.join(', ')})`,
      (value: string, previous: string[]) => [...previous, value],
      [],
    );
  addMarketOptions(command)
    .option('--book <N>', 'synthetic book size (accounts)', '200')
    .option('--seed <S>', 'seed (integer)', '7')
    .option('--paths <N>', 'Monte Carlo paths: adds p50/p95/p99 of bad debt and liquidated debt', '1')
    .option('--workers <N>', 'worker threads for --paths (default min(CPUs, work units))')
    .option('--json', 'print the comparison as JSON')
    .option('--out <dir>', 'write compare.json, compare.csv and compare.html into this folder')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: CompareFlags) => {
      if (flags.protocol.length < 2) {
        throw new InvalidParameterError(
          '--protocol',
          `a comparison needs at least two protocols, got ${flags.protocol.length}`,
          'For example --protocol maker-liq1 --protocol maker-liq2.',
        );
      }
      const protocols = flags.protocol.map(requireStressProtocol);
      const repeated = protocols.find((p, i) => protocols.indexOf(p) !== i);
      if (repeated !== undefined) throw new InvalidParameterError('--protocol', `${repeated} is given twice`);
      const accounts = readWholeFlag(flags.book, '--book', 1, 100_000);
      const seed = readWholeFlag(flags.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
      const paths = readWholeFlag(flags.paths, '--paths', 1, MONTE_CARLO_PATHS_MAX);
      const workers =
        flags.workers === undefined ? undefined : readWholeFlag(flags.workers, '--workers', 1, WORKERS_MAX);
      const source = await loadMarket(flags);
      const summaries = protocols.map(
        (protocol) => runStress({ protocol, ...source, seed, accounts }).summary,
      );
      const progress = paths > 1 ? ttyProgress() : undefined;
      const monteCarlo: readonly MonteCarloSummary[] | undefined =
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
      const runs: CompareRun[] = summaries.map((summary, i) => {
        const block = monteCarlo?.[i];
        return block === undefined ? { summary } : { summary, monteCarlo: block };
      });
      const scenario = summaries[0]?.scenario ?? '';
      const reproduce = `solvent compare ${protocols.map((p) => `--protocol ${p}`).join(' ')} ${marketWords(flags)} --book ${accounts} --seed ${seed}${paths > 1 ? ` --paths ${paths}` : ''}`;
      const json = {
        scenario,
        accounts,
        seed,
        paths,
        runs: runs.map((r) => ({ protocol: r.summary.protocol, ...r })),
        reproduce,
      };
      if (flags.out !== undefined) {
        await mkdir(flags.out, { recursive: true });
        await writeFile(join(flags.out, 'compare.json'), `${JSON.stringify(json, null, 2)}\n`);
        await writeFile(join(flags.out, 'compare.csv'), compareCsv(runs));
        const title = `Solvent compare: ${protocols.join(' vs ')} on ${scenario}, ${accounts} accounts, seed ${seed}`;
        await writeFile(join(flags.out, 'compare.html'), compareReportHtml(runs, { title, reproduce }));
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
      const columns = protocols.map((p, i) =>
        Math.max(16, p.length, ...rows.map(([, cells]) => (cells[i] ?? '').length)),
      );
      const lines = [
        `compare on ${scenario}, ${accounts} accounts, seed ${seed} (same book and seed for every protocol)`,
        '',
      ];
      lines.push(`${''.padEnd(width)}  ${protocols.map((p, i) => p.padStart(columns[i] ?? 16)).join('  ')}`);
      for (const [label, cells] of rows) {
        lines.push(`${label.padEnd(width)}  ${cells.map((c, i) => c.padStart(columns[i] ?? 16)).join('  ')}`);
      }
      const ranked = [...summaries].sort((a, b) => a.badDebtUsd - b.badDebtUsd);
      const low = ranked[0];
      const high = ranked[ranked.length - 1];
      if (low !== undefined && high !== undefined) {
        lines.push(
          '',
          low.badDebtUsd === high.badDebtUsd
            ? `bad debt: the same for every protocol (${low.badDebtUsd.toFixed(2)} USD)`
            : `bad debt: lowest ${low.protocol} (${low.badDebtUsd.toFixed(2)} USD), highest ${high.protocol} (${high.badDebtUsd.toFixed(2)} USD)`,
        );
      }
      lines.push('', `reproduce: ${reproduce}`);
      if (flags.out !== undefined)
        lines.push(`wrote compare.json, compare.csv and compare.html to ${flags.out}`);
      context.stdout(`${lines.join('\n')}\n`);
    });
}
