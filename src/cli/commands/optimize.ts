/**
 * `solvent optimize`: searches one knob's range by bisection for the value at which p99 bad debt
 * (over `--paths` Monte Carlo paths) just meets a target, assuming bad debt is monotone in the knob
 * and checking that on every evaluated value; prints each evaluation, the answer and which side of
 * it is more conservative.
 */
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import { MONTE_CARLO_PATHS_MAX } from '../../sim/montecarlo.js';
import { STRESS_PROTOCOLS, type StressOptions } from '../../sim/stress.js';
import {
  applyStressKnob,
  type BadDebtTrend,
  defaultOptimizeTolerance,
  knobTakesWholeValues,
  nextOptimizeValue,
  type OptimizeProbe,
  type OptimizeSpec,
  optimizeOutcome,
  STRESS_KNOBS,
  type SweepPoint,
  type SweepSpec,
} from '../../sim/sweep.js';
import type { CommandContext } from '../context.js';
import {
  addQueueOptions,
  type QueueFlags,
  queuePathsPerUnit,
  readQueueFlags,
  runSweepsOnQueue,
} from '../queue.js';
import {
  createStressWorkerPool,
  pathsPerUnitFor,
  poolSize,
  runSweeps,
  type StressWorkerPool,
  WORKERS_MAX,
} from '../workers.js';
import {
  addMarketOptions,
  asFlagError,
  isKnobName,
  loadMarket,
  type MarketFlags,
  marketWords,
  readNumberFlag,
  readProtocolFlag,
  readWholeFlag,
  shellWord,
} from './sweep.js';

interface OptimizeFlags extends MarketFlags, QueueFlags {
  readonly protocol: string[];
  readonly knob?: string;
  readonly min?: string;
  readonly max?: string;
  readonly targetP99BadDebt?: string;
  readonly tolerance?: string;
  readonly direction: string;
  readonly book: string;
  readonly seed: string;
  readonly paths: string;
  readonly workers?: string;
  readonly json?: true;
}

const HELP_AFTER = `
The search evaluates --min and --max first. If exactly one meets the target it bisects between
the last value that met it and the last that did not until they are --tolerance apart (default 1 %
of the range; whole-valued knobs probe whole values). The answer is the boundary value that meets
the target: the smallest such value when bad debt falls as the knob rises (larger values are more
conservative), the largest when it rises. --direction states which way bad debt moves (default
auto: read from the ends); pairs of evaluated values that move against it are reported as
monotonicity violations. If neither end meets the target the command fails (exit 2) listing both.
With one path (the default) p99 and p50 are the run's own bad debt; use --paths for a distribution.
Knobs as for solvent sweep (see solvent sweep --help).
--queue redis://HOST:PORT runs each evaluation's paths as work units on \`solvent worker\` processes
(any number of machines); the evaluations, and so the search, are the same as a local run's.`;

/** An evaluation with the statistics printed beside it. */
interface Evaluation {
  readonly probe: OptimizeProbe;
  readonly point: SweepPoint;
}

function requiredFlag(value: string | undefined, flag: string): string {
  if (value === undefined) throw new InvalidParameterError(flag, 'is required');
  return value;
}

/** Registers `optimize` on the program. */
export function registerOptimize(program: Command, context: CommandContext): void {
  const command = program
    .command('optimize')
    .description('find the value of a knob that keeps p99 bad debt under a target (bisection)')
    .option(
      '--protocol <id>',
      `protocol model (${STRESS_PROTOCOLS.join(', ')})`,
      (value: string, previous: string[]) => [...previous, value],
      [],
    );
  addMarketOptions(command)
    .option('--knob <knob>', 'the knob to search (as solvent sweep --grid names them)')
    .option('--min <value>', 'low end of the range')
    .option('--max <value>', 'high end of the range')
    .option('--target-p99-bad-debt <USD>', 'p99 bad debt to stay at or under, USD')
    .option(
      '--tolerance <value>',
      'stop when the bracket is this narrow, knob units (default 1 % of the range)',
    )
    .option('--direction <auto|increasing|decreasing>', 'how bad debt moves as the knob rises', 'auto')
    .option('--book <N>', 'synthetic book size (accounts)', '200')
    .option('--seed <S>', 'seed (integer)', '7')
    .option('--paths <N>', 'Monte Carlo paths per evaluated value', '1')
    .option('--workers <N>', 'worker threads (default min(CPUs, work units))');
  addQueueOptions(command)
    .option('--json', 'print the search as JSON')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: OptimizeFlags) => {
      const protocol = readProtocolFlag(flags.protocol.length === 0 ? ['maker-liq2'] : flags.protocol);
      const knob = requiredFlag(flags.knob, '--knob');
      if (!isKnobName(knob)) {
        throw new InvalidParameterError(
          '--knob',
          `unknown knob "${knob}"`,
          `Knobs: ${STRESS_KNOBS.join(', ')}.`,
        );
      }
      const minValue = readNumberFlag(requiredFlag(flags.min, '--min'), '--min');
      const maxValue = readNumberFlag(requiredFlag(flags.max, '--max'), '--max');
      if (!(minValue < maxValue)) {
        throw new InvalidParameterError('--min', `must be below --max, got ${minValue} and ${maxValue}`);
      }
      const target = readNumberFlag(
        requiredFlag(flags.targetP99BadDebt, '--target-p99-bad-debt'),
        '--target-p99-bad-debt',
      );
      if (target < 0)
        throw new InvalidParameterError('--target-p99-bad-debt', `must be ≥ 0 USD, got ${target}`);
      if (!['auto', 'increasing', 'decreasing'].includes(flags.direction)) {
        throw new InvalidParameterError(
          '--direction',
          `expected auto, increasing or decreasing, got "${flags.direction}"`,
        );
      }
      const direction = flags.direction as 'auto' | BadDebtTrend;
      const accounts = readWholeFlag(flags.book, '--book', 1, 100_000);
      const seed = readWholeFlag(flags.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
      const paths = readWholeFlag(flags.paths, '--paths', 1, MONTE_CARLO_PATHS_MAX);
      const workers =
        flags.workers === undefined ? undefined : readWholeFlag(flags.workers, '--workers', 1, WORKERS_MAX);
      const queue = readQueueFlags(flags);
      const source = await loadMarket(flags);
      const base: StressOptions = {
        protocol,
        ...('replay' in source ? { replay: source.replay } : { scenario: source.scenario }),
        seed,
        accounts,
      };
      const wholeValues = asFlagError('--knob', [knob], () => knobTakesWholeValues(base, knob));
      for (const [flag, value] of [
        ['--min', minValue],
        ['--max', maxValue],
      ] as const) {
        if (wholeValues && !Number.isInteger(value)) {
          throw new InvalidParameterError(flag, `${knob} takes whole values, got ${value}`);
        }
        asFlagError(flag, [knob], () => applyStressKnob(base, knob, value));
      }
      const tolerance =
        flags.tolerance === undefined
          ? defaultOptimizeTolerance(minValue, maxValue, wholeValues)
          : readNumberFlag(flags.tolerance, '--tolerance');
      if (!(tolerance > 0)) throw new InvalidParameterError('--tolerance', `must be > 0, got ${tolerance}`);
      const search: OptimizeSpec = {
        knob,
        minValue,
        maxValue,
        targetP99BadDebtUsd: target,
        tolerance,
        direction,
        wholeValues,
      };
      // Units never change a result (the merge is deterministic), so the queue may cut them finer.
      const pathsPerUnit =
        queue === undefined ? pathsPerUnitFor(paths, 1, workers) : queuePathsPerUnit(paths, 1);
      const specOf = (value: number): SweepSpec => ({
        protocol,
        source,
        seed,
        accounts,
        paths,
        knobs: [{ knob, values: [value] }],
        pathsPerUnit,
      });
      const unitsPerValue = Math.ceil(paths / pathsPerUnit);
      const pool: StressWorkerPool | undefined =
        queue === undefined && unitsPerValue > 1
          ? createStressWorkerPool(poolSize(workers, unitsPerValue))
          : undefined;
      const evaluations: Evaluation[] = [];
      try {
        const probes = (): OptimizeProbe[] => evaluations.map((e) => e.probe);
        for (
          let value = nextOptimizeValue(search, []);
          value !== undefined;
          value = nextOptimizeValue(search, probes())
        ) {
          const [result] = await (queue === undefined
            ? runSweeps([specOf(value)], pool === undefined ? {} : { pool })
            : runSweepsOnQueue(queue, [specOf(value)], { stderr: context.stderr }));
          const point = result?.points[0];
          if (point === undefined) throw new Error('an evaluation returned no point');
          const stats = point.metrics.badDebtUsd;
          evaluations.push({ probe: { value, p99BadDebtUsd: stats.p99, p50BadDebtUsd: stats.p50 }, point });
        }
      } finally {
        await pool?.close();
      }
      const outcome = optimizeOutcome(
        search,
        evaluations.map((e) => e.probe),
      );
      const scenario = 'replay' in source ? source.replay.name : source.scenario;
      const reproduce = [
        `solvent optimize --protocol ${protocol} ${marketWords(flags)} --knob ${shellWord(knob)}`,
        `--min ${minValue} --max ${maxValue} --target-p99-bad-debt ${target}`,
        `--tolerance ${tolerance} --direction ${direction} --book ${accounts} --seed ${seed}`,
        ...(paths > 1 ? [`--paths ${paths}`] : []),
      ].join(' ');
      if (flags.json === true) {
        const json = {
          protocol,
          scenario,
          accounts,
          seed,
          paths,
          minValue,
          maxValue,
          tolerance,
          direction,
          ...outcome,
          evaluations: evaluations.map((e) => ({
            ...e.probe,
            meetsTarget: e.probe.p99BadDebtUsd <= target,
            badDebtUsd: e.point.metrics.badDebtUsd,
            ...(e.point.monteCarlo === undefined ? {} : { monteCarlo: e.point.monteCarlo }),
          })),
          reproduce,
        };
        context.stdout(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      const header = ['#', knob, 'p99 bad debt USD', 'p50 bad debt USD', 'meets target'];
      const rows = evaluations.map((e, i) => [
        String(i + 1),
        String(e.probe.value),
        e.probe.p99BadDebtUsd.toFixed(2),
        e.probe.p50BadDebtUsd.toFixed(2),
        e.probe.p99BadDebtUsd <= target ? 'yes' : 'no',
      ]);
      const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
      const line = (cells: readonly string[]): string =>
        cells.map((cell, c) => (c === 4 ? cell : cell.padStart(widths[c] ?? 0))).join('  ');
      const violations = outcome.monotonicityViolations.map(
        (v) =>
          `  ${knob} ${v.lowerValue} → ${v.upperValue}: p99 bad debt ${v.lowerP99BadDebtUsd.toFixed(2)} → ${v.upperP99BadDebtUsd.toFixed(2)} USD`,
      );
      const lines = [
        `optimize ${knob} for ${protocol} on ${scenario}, ${accounts} accounts, seed ${seed}, ${paths} path${paths === 1 ? '' : 's'} per value`,
        `target: p99 bad debt ≤ ${target.toFixed(2)} USD; range [${minValue}, ${maxValue}]; tolerance ${tolerance}${paths === 1 ? ' (one path: p99 and p50 are the run’s own bad debt)' : ''}`,
        '',
        line(header),
        ...rows.map(line),
        '',
        `answer: ${outcome.answer === null ? 'none (no boundary in the range)' : `${knob} = ${outcome.answer}`}`,
        outcome.explanation,
        `monotonicity violations: ${violations.length === 0 ? 'none' : violations.length}`,
        ...violations,
        '',
        `reproduce: ${reproduce}`,
      ];
      context.stdout(`${lines.join('\n')}\n`);
    });
}
