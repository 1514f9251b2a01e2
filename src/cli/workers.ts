/**
 * Monte Carlo over worker threads for `solvent stress --paths`: a pool of node:worker_threads
 * running batches of paths (each path with its own seed from `pathSeeds`), results put back in path
 * order whatever order the workers finish in, and a progress line on stderr when it is a terminal.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Book } from '../sim/book.js';
import { syntheticBook } from '../sim/book.js';
import {
  type MonteCarloSummary,
  type PathOutcome,
  pathSeeds,
  summarizeMonteCarlo,
} from '../sim/montecarlo.js';
import type { ReplayScenario } from '../sim/replay.js';
import { createRng, split } from '../sim/rng.js';
import { scenarioPaths } from '../sim/scenarios.js';

/** What every worker receives once: the protocols, the source, the fixed book and all path seeds. */
export interface StressPathJob {
  readonly protocols: readonly string[];
  /** A built-in scenario id; absent when `replay` is given. */
  readonly scenario?: string;
  readonly replay?: ReplayScenario;
  /** The book every path opens (held fixed: only the market varies between paths). */
  readonly book: Book;
  /** Seed of path k at index k. */
  readonly seeds: readonly number[];
}

/** A batch of consecutive paths: `start` .. `start + count − 1`. */
export interface PathBatch {
  readonly start: number;
  readonly count: number;
}

/** A worker's answer to a {@link PathBatch}: per path, the figures of each protocol in job order. */
export interface PathBatchResult {
  readonly start: number;
  readonly paths: readonly {
    readonly pathIndex: number;
    readonly seed: number;
    readonly byProtocol: readonly { readonly badDebtUsd: number; readonly liquidatedDebtUsd: number }[];
  }[];
}

/** Options of {@link runMonteCarlo}. */
export interface MonteCarloRunOptions {
  readonly protocols: readonly string[];
  readonly source: { readonly scenario: string } | { readonly replay: ReplayScenario };
  /** Run seed, a safe integer ≥ 0. */
  readonly seed: number;
  /** Synthetic book size (accounts). */
  readonly accounts: number;
  /** Paths, ≥ 1. */
  readonly paths: number;
  /** Worker threads (default min(os.availableParallelism(), paths)). */
  readonly workers?: number;
  /** Called after each batch with the paths done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The book of a Monte Carlo run: the synthetic book of the run seed at the source's start price,
 * the same one `runStress` opens for the run seed itself, so every path shares it.
 */
function fixedBook(options: MonteCarloRunOptions): Book {
  const eth =
    'replay' in options.source
      ? options.source.replay.assets.ETH
      : scenarioPaths(options.source.scenario, { seed: options.seed }).assets.ETH;
  return syntheticBook(split(createRng(options.seed), 2), {
    accounts: options.accounts,
    collateralAsset: 'ETH',
    collateralPriceUsd: eth?.[0]?.price ?? 0,
  });
}

/** The worker file beside this one (in dist/ after the build). */
const WORKER_URL = new URL('./stress-worker.js', import.meta.url);

/**
 * Runs `paths` Monte Carlo paths of every protocol on a worker pool and returns each protocol's
 * Monte Carlo block (in `protocols` order). Path k uses seed `pathSeeds(seed, paths)[k]` and the
 * run seed's book whatever the worker count, and outcomes are merged by path index, so the result
 * is the same for any `workers`. Batches are handed out as workers become free.
 * @throws InvalidParameterError for bad seeds or path counts (from `pathSeeds`); rejects with the
 * worker's error when a path fails.
 */
export async function runMonteCarlo(options: MonteCarloRunOptions): Promise<MonteCarloSummary[]> {
  const seeds = pathSeeds(options.seed, options.paths);
  const job: StressPathJob = {
    protocols: options.protocols,
    ...('replay' in options.source
      ? { replay: options.source.replay }
      : { scenario: options.source.scenario }),
    book: fixedBook(options),
    seeds,
  };
  const total = options.paths;
  const size = Math.max(1, Math.min(options.workers ?? availableParallelism(), total));
  // About four batches per worker: enough to balance uneven paths, few enough messages.
  const batchSize = Math.max(1, Math.ceil(total / (size * 4)));
  const batches: PathBatch[] = [];
  for (let start = 0; start < total; start += batchSize) {
    batches.push({ start, count: Math.min(batchSize, total - start) });
  }
  const outcomes: PathOutcome[][] = options.protocols.map(() => []);
  let next = 0;
  let done = 0;
  const pool = Array.from({ length: size }, () => new Worker(WORKER_URL, { workerData: job }));
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const feed = (worker: Worker): void => {
        const batch = batches[next];
        if (batch === undefined) {
          finished += 1;
          if (finished === pool.length) resolve();
          return;
        }
        next += 1;
        worker.postMessage(batch);
      };
      for (const worker of pool) {
        worker.on('message', (result: PathBatchResult) => {
          for (const path of result.paths) {
            path.byProtocol.forEach((figures, i) => {
              outcomes[i]?.push({ pathIndex: path.pathIndex, seed: path.seed, ...figures });
            });
          }
          done += result.paths.length;
          options.onProgress?.(done, total);
          feed(worker);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`a stress worker stopped with exit code ${code}`));
        });
        feed(worker);
      }
    });
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  return outcomes.map((o) => summarizeMonteCarlo(options.seed, o));
}

/**
 * A progress callback writing `paths done/total` on one rewritten stderr line, or undefined when
 * stderr is not a terminal (pipes and tests get no progress, so output stays byte-identical).
 * Call the returned `clear` after the run to erase the line.
 */
export function ttyProgress():
  | { readonly onProgress: (done: number, total: number) => void; readonly clear: () => void }
  | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  return {
    onProgress: (done, total) => {
      process.stderr.write(`\rMonte Carlo: ${done}/${total} paths (${Math.floor((100 * done) / total)} %)`);
    },
    clear: () => {
      process.stderr.write('\r\x1b[K');
    },
  };
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
