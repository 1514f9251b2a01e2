/**
 * Worker threads for the stress lab: a pool of node:worker_threads that runs sweep work units
 * (`runWorkUnit` of src/sim/sweep.ts: a parameter point × a range of Monte Carlo paths, with the
 * run's overrides and knob values carried as JSON), merged deterministically whatever order the
 * workers finish in. `solvent stress --paths`, `sweep`, `optimize` and `compare --paths` run on it,
 * with a progress line on stderr when it is a terminal.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MonteCarloSummary } from '../sim/montecarlo.js';
import type { ReplayScenario } from '../sim/replay.js';
import {
  mergeSweep,
  planSweep,
  runWorkUnit,
  type StressRunOverrides,
  type SweepResult,
  type SweepSpec,
  type UnitResult,
  type WorkUnit,
} from '../sim/sweep.js';

/** A message to a worker: a spec to keep under an id, a unit of a kept spec to run, or specs to drop. */
export type StressWorkerRequest =
  | { readonly kind: 'spec'; readonly specId: number; readonly spec: SweepSpec }
  | { readonly kind: 'unit'; readonly specId: number; readonly unit: WorkUnit }
  | { readonly kind: 'forget'; readonly specIds: readonly number[] };

/** A worker's answer to a unit: its result, or the error that stopped it. */
export type StressWorkerReply =
  | { readonly kind: 'result'; readonly specId: number; readonly result: UnitResult }
  | { readonly kind: 'failed'; readonly specId: number; readonly name: string; readonly message: string };

/** One sweep's units to run. */
export interface SweepJob {
  readonly spec: SweepSpec;
  readonly units: readonly WorkUnit[];
}

/** Reports paths done so far out of the total (over every job of a run). */
export type ProgressCallback = (done: number, total: number) => void;

/** A pool of stress worker threads; run one batch of jobs at a time, then close it. */
export interface StressWorkerPool {
  /** Threads in the pool. */
  readonly size: number;
  /**
   * Runs every unit of every job and returns each job's unit results (in completion order: merge
   * them with `mergeSweep`). Units are handed out as workers become free.
   * Rejects when a worker fails or stops.
   */
  run(jobs: readonly SweepJob[], onProgress?: ProgressCallback): Promise<UnitResult[][]>;
  /** Stops every thread. */
  close(): Promise<void>;
}

/** The worker file beside this one (in dist/ after the build). */
const WORKER_URL = new URL('./stress-worker.js', import.meta.url);

/** Most threads a pool may have. */
export const WORKERS_MAX = 1024;

/** Worker threads to use: the asked count, else the CPUs, never more than there is work for. */
export function poolSize(workers: number | undefined, units: number): number {
  return Math.max(1, Math.min(workers ?? availableParallelism(), units, WORKERS_MAX));
}

/**
 * Starts `size` stress worker threads (dist/src/cli/stress-worker.js).
 * @throws Error when size is not a whole number in [1, {@link WORKERS_MAX}] (a bug of the caller).
 */
export function createStressWorkerPool(size: number): StressWorkerPool {
  if (!Number.isSafeInteger(size) || size < 1 || size > WORKERS_MAX) {
    throw new Error(`a worker pool needs 1 to ${WORKERS_MAX} threads, got ${size}`);
  }
  const threads = Array.from({ length: size }, () => new Worker(WORKER_URL));
  let nextSpecId = 0;
  let busy = false;
  return {
    size,
    async run(jobs, onProgress) {
      if (busy) throw new Error('a stress worker pool runs one batch of jobs at a time');
      busy = true;
      const specIds = jobs.map(() => nextSpecId++);
      const firstId = specIds[0] ?? 0;
      const queue = jobs.flatMap((job, j) =>
        job.units.map((unit) => ({ specId: specIds[j] as number, unit })),
      );
      const total = queue.reduce((sum, q) => sum + q.unit.seedCount, 0);
      const results: UnitResult[][] = jobs.map(() => []);
      for (const thread of threads) {
        jobs.forEach((job, j) => {
          const request: StressWorkerRequest = { kind: 'spec', specId: specIds[j] as number, spec: job.spec };
          thread.postMessage(request);
        });
      }
      let next = 0;
      let done = 0;
      const listeners: (() => void)[] = [];
      try {
        await new Promise<void>((resolve, reject) => {
          let outstanding = 0;
          const feed = (thread: Worker): void => {
            const item = queue[next];
            if (item === undefined) {
              if (outstanding === 0) resolve();
              return;
            }
            next += 1;
            outstanding += 1;
            const request: StressWorkerRequest = { kind: 'unit', specId: item.specId, unit: item.unit };
            thread.postMessage(request);
          };
          for (const thread of threads) {
            const onMessage = (reply: StressWorkerReply): void => {
              outstanding -= 1;
              if (reply.kind === 'failed') {
                reject(new Error(`a stress worker failed: ${reply.name}: ${reply.message}`));
                return;
              }
              results[reply.specId - firstId]?.push(reply.result);
              done += reply.result.seedCount;
              onProgress?.(done, total);
              feed(thread);
            };
            const onError = (error: Error): void => reject(error);
            const onExit = (code: number): void =>
              reject(new Error(`a stress worker stopped with exit code ${code}`));
            thread.on('message', onMessage);
            thread.on('error', onError);
            thread.on('exit', onExit);
            listeners.push(() => {
              thread.off('message', onMessage);
              thread.off('error', onError);
              thread.off('exit', onExit);
            });
          }
          for (const thread of threads) feed(thread);
        });
      } finally {
        for (const remove of listeners) remove();
        const forget: StressWorkerRequest = { kind: 'forget', specIds };
        for (const thread of threads) thread.postMessage(forget);
        busy = false;
      }
      return results;
    },
    async close() {
      await Promise.all(threads.map((thread) => thread.terminate()));
    },
  };
}

/** Options of {@link runSweeps}. */
export interface RunSweepsOptions {
  /** Worker threads (default min(CPUs, units)); ignored when `pool` is given. */
  readonly workers?: number;
  /** A pool to run on (kept open); default a pool of its own, closed at the end. */
  readonly pool?: StressWorkerPool;
  readonly onProgress?: ProgressCallback;
}

/**
 * Plans, runs and merges sweeps: their work units on worker threads (or in this thread when there
 * is a single unit in all), each merged with `mergeSweep`, so the result is the same as
 * `runSweepLocally` for any worker count.
 * @throws as `planSweep` (before any thread starts); rejects when a worker fails.
 */
export async function runSweeps(
  specs: readonly SweepSpec[],
  options: RunSweepsOptions = {},
): Promise<SweepResult[]> {
  const jobs = specs.map((spec) => ({ spec, units: planSweep(spec) }));
  const units = jobs.reduce((sum, job) => sum + job.units.length, 0);
  if (units <= 1) {
    return jobs.map((job) => {
      const results = job.units.map((unit) => runWorkUnit(unit, job.spec));
      options.onProgress?.(job.spec.paths, job.spec.paths);
      return mergeSweep(job.spec, results);
    });
  }
  const pool = options.pool ?? createStressWorkerPool(poolSize(options.workers, units));
  try {
    const results = await pool.run(jobs, options.onProgress);
    return jobs.map((job, j) => mergeSweep(job.spec, results[j] ?? []));
  } finally {
    if (options.pool === undefined) await pool.close();
  }
}

/**
 * Paths per work unit for `paths` paths of `points` points on about `workers` threads: about four
 * units per thread, enough to balance uneven paths, few enough messages. Never changes a result.
 */
export function pathsPerUnitFor(paths: number, points: number, workers: number | undefined): number {
  const threads = workers ?? availableParallelism();
  return Math.max(1, Math.min(paths, Math.ceil((paths * points) / (threads * 4))));
}

/** One run of a Monte Carlo batch: a protocol and the settings it runs with (plain JSON). */
export interface MonteCarloRunSpec {
  /** A stress-lab protocol id, or a composed protocol's id with `base.protocolConfig`. */
  readonly protocol: string;
  /** Parameters, configuration, keepers, network, gas or a book, as `SweepSpec.base`. */
  readonly base?: StressRunOverrides;
}

/** Options of {@link runMonteCarlo}. */
export interface MonteCarloRunOptions {
  /** The runs, each a protocol with its settings; every one gets the same market, seed and paths. */
  readonly runs: readonly MonteCarloRunSpec[];
  readonly source: { readonly scenario: string } | { readonly replay: ReplayScenario };
  /** Run seed, a safe integer ≥ 0. */
  readonly seed: number;
  /** Synthetic book size (accounts); not used by runs whose base gives a book. */
  readonly accounts: number;
  /** Paths, ≥ 2. */
  readonly paths: number;
  /** Each path draws its own synthetic book from its seed (see `SweepSpec.bookPerPath`). */
  readonly bookPerPath?: boolean;
  /** Worker threads (default min(os.availableParallelism(), paths)). */
  readonly workers?: number;
  /** Called after each unit with the path runs done so far and the total (paths × runs). */
  readonly onProgress?: ProgressCallback;
}

/**
 * Runs `paths` Monte Carlo paths of every run on a worker pool and returns each run's Monte Carlo
 * block (in `runs` order): a sweep without knobs per run, so path k uses seed
 * `pathSeeds(seed, paths)[k]` and the run seed's book (or, with `bookPerPath`, the book of its own
 * seed) whatever the worker count, and outcomes are merged by path index: the result is the same
 * for any `workers`.
 * @throws InvalidParameterError for bad seeds, sizes, path counts or configurations (from
 * `planSweep`, before any thread starts); rejects with the worker's error when a path fails.
 */
export async function runMonteCarlo(options: MonteCarloRunOptions): Promise<MonteCarloSummary[]> {
  const pathsPerUnit = pathsPerUnitFor(options.paths, options.runs.length, options.workers);
  const results = await runSweeps(monteCarloSpecs(options, pathsPerUnit), {
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return monteCarloBlocks(results);
}

/**
 * The sweeps of a Monte Carlo batch: one spec without knobs per run, cut into units of
 * `pathsPerUnit` paths (how work is cut never changes a result). Pure.
 */
export function monteCarloSpecs(
  options: Omit<MonteCarloRunOptions, 'workers' | 'onProgress'>,
  pathsPerUnit: number,
): SweepSpec[] {
  return options.runs.map((run) => ({
    protocol: run.protocol,
    source: options.source,
    seed: options.seed,
    accounts: options.accounts,
    paths: options.paths,
    knobs: [],
    pathsPerUnit,
    ...(options.bookPerPath === true ? { bookPerPath: true } : {}),
    ...(run.base === undefined || Object.keys(run.base).length === 0 ? {} : { base: run.base }),
  }));
}

/** Each merged sweep's Monte Carlo block, in run order. @throws Error for a sweep of one path (a bug). */
export function monteCarloBlocks(results: readonly SweepResult[]): MonteCarloSummary[] {
  return results.map((r) => {
    const block = r.points[0]?.monteCarlo;
    if (block === undefined) throw new Error('a Monte Carlo run of one path has no Monte Carlo block');
    return block;
  });
}

/**
 * A progress callback writing `label: done/total (n %)` on one rewritten stderr line, or undefined
 * when stderr is not a terminal (pipes and tests get no progress, so output stays byte-identical).
 * Call the returned `clear` after the run to erase the line.
 */
export function ttyProgress(
  label = 'Monte Carlo',
  unit = 'paths',
): { readonly onProgress: (done: number, total: number) => void; readonly clear: () => void } | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  return {
    onProgress: (done, total) => {
      process.stderr.write(`\r${label}: ${done}/${total} ${unit} (${Math.floor((100 * done) / total)} %)`);
    },
    clear: () => {
      process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * The line under a Monte Carlo table saying which book the paths opened: each its own synthetic
 * book drawn from its seed (`bookPerPath`), or all the same book, so only the market varies.
 */
export function monteCarloBookNote(bookPerPath: boolean): string {
  return bookPerPath
    ? 'Monte Carlo book: each path draws its own synthetic book from its seed (same size and distributions)'
    : 'Monte Carlo book: every path opens the same book; only the market varies (--book-per-path to vary it)';
}

/**
 * Text rows of the Monte Carlo blocks for the stress table: label, then one cell per protocol
 * (USD with cents; intervals as `low..high`).
 */
export function monteCarloTextRows(blocks: readonly MonteCarloSummary[]): [string, string[]][] {
  const usd = (x: number): string => x.toFixed(2);
  const rows: [string, string[]][] = [['Monte Carlo paths', blocks.map((b) => String(b.paths))]];
  for (const [metric, name] of [
    ['badDebtUsd', 'bad debt'],
    ['liquidatedDebtUsd', 'liquidated debt'],
  ] as const) {
    for (const q of ['p50', 'p95', 'p99'] as const) {
      rows.push([`${name} ${q} USD`, blocks.map((b) => usd(b[metric][q]))]);
    }
    rows.push([`${name} p99 95% CI USD`, blocks.map((b) => b[metric].ci95.p99.map(usd).join('..'))]);
    rows.push([`${name} mean USD`, blocks.map((b) => usd(b[metric].mean))]);
  }
  return rows;
}
