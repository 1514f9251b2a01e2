/**
 * Worker-thread entry of `solvent stress --paths`: receives the run's job once (workerData), then
 * batches of path indices, runs each path through every protocol with its own seed, and posts back
 * the figures the Monte Carlo statistics need. Compiled to dist/ and started by workers.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runStress } from '../sim/stress.js';
import type { PathBatch, PathBatchResult, StressPathJob } from './workers.js';

const job = workerData as StressPathJob;
const port = parentPort;
if (port === null) throw new Error('stress-worker.js must run in a worker thread');

port.on('message', (batch: PathBatch) => {
  const paths: PathBatchResult['paths'][number][] = [];
  for (let pathIndex = batch.start; pathIndex < batch.start + batch.count; pathIndex++) {
    const seed = job.seeds[pathIndex] as number;
    const byProtocol = job.protocols.map((protocol) => {
      const { summary } = runStress({
        protocol,
        ...(job.replay === undefined ? { scenario: job.scenario as string } : { replay: job.replay }),
        seed,
        book: job.book,
      });
      return { badDebtUsd: summary.badDebtUsd, liquidatedDebtUsd: summary.liquidatedDebtUsd };
    });
    paths.push({ pathIndex, seed, byProtocol });
  }
  const result: PathBatchResult = { start: batch.start, paths };
  port.postMessage(result);
});
