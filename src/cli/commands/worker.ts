/**
 * `solvent worker`: runs the sweep and Monte Carlo work units that `solvent sweep --queue` and
 * `solvent stress --paths N --queue` put on a Redis queue, on this machine, logging one line per unit
 * on stderr, until stopped (Ctrl-C or SIGTERM finish the current units first), idle or done.
 */
import type { Command } from 'commander';
import { InvalidParameterError } from '../../engine/errors.js';
import type { CommandContext } from '../context.js';
import {
  DEFAULT_QUEUE_NAME,
  parseQueueUrl,
  QUEUE_TIMEOUT_MAX_SECONDS,
  runQueueWorker,
  WORKER_CONCURRENCY_MAX,
} from '../queue.js';

interface WorkerFlags {
  readonly queue?: string;
  readonly queueName?: string;
  readonly concurrency: string;
  readonly idleExit?: string;
  readonly maxUnits?: string;
  readonly lockSeconds?: string;
}

const HELP_AFTER = `
Start Redis somewhere every machine can reach, then on each machine as many workers as it has cores
(or one with --concurrency N: each unit runs on its own thread), all with the same solvent version:
  solvent worker --queue redis://HOST:6379
and run the sweep anywhere with the same --queue (and --queue-name). The sweep's settings, replay
series included, travel in Redis: workers need no files. A worker that dies mid-unit loses nothing:
after --lock-seconds another worker runs the unit again, with the same result.
Ctrl-C or SIGTERM: take no new unit, finish the current ones, exit; a second Ctrl-C exits at once.`;

/** A whole-number flag in [min, max]. @throws InvalidParameterError naming the flag otherwise. */
function readWhole(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidParameterError(
      flag,
      `expected a whole number in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** How long a stopped worker's process may linger before it exits anyway, ms. */
const EXIT_GRACE_MS = 5_000;

/** Exit code of a worker stopped at once by a second interrupt (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

/** Registers `worker` on the program. */
export function registerWorker(program: Command, context: CommandContext): void {
  program
    .command('worker')
    .description('run queued sweep and Monte Carlo units from Redis (start one per core on each machine)')
    .option('--queue <redis-url>', 'the Redis the sweeps queue on: redis://[user:password@]host[:port][/db]')
    .option('--queue-name <name>', `the BullMQ queue (default ${DEFAULT_QUEUE_NAME})`)
    .option('--concurrency <N>', 'units run at once, each on its own thread', '1')
    .option('--idle-exit <seconds>', 'exit after this long without a unit')
    .option('--max-units <N>', 'exit after taking this many units')
    .option('--lock-seconds <S>', 'how long a unit waits for a worker that stopped answering (default 30)')
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: WorkerFlags) => {
      if (flags.queue === undefined) {
        throw new InvalidParameterError(
          '--queue',
          'is required',
          'For example --queue redis://127.0.0.1:6379.',
        );
      }
      parseQueueUrl(flags.queue);
      const concurrency = readWhole(flags.concurrency, '--concurrency', 1, WORKER_CONCURRENCY_MAX);
      const idleExitSeconds =
        flags.idleExit === undefined
          ? undefined
          : readWhole(flags.idleExit, '--idle-exit', 1, QUEUE_TIMEOUT_MAX_SECONDS);
      const maxUnits =
        flags.maxUnits === undefined
          ? undefined
          : readWhole(flags.maxUnits, '--max-units', 1, Number.MAX_SAFE_INTEGER);
      const lockSeconds =
        flags.lockSeconds === undefined
          ? undefined
          : readWhole(flags.lockSeconds, '--lock-seconds', 1, 3_600);
      const controller = new AbortController();
      const onSignal = (): void => {
        if (!controller.signal.aborted) {
          context.stderr('finishing the current units; interrupt again to exit at once\n');
          controller.abort();
          return;
        }
        // The units still locked by this worker are run again elsewhere once their locks expire.
        process.exit(EXIT_INTERRUPTED);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await runQueueWorker(flags.queue, {
          concurrency,
          ...(flags.queueName === undefined ? {} : { queueName: flags.queueName }),
          ...(idleExitSeconds === undefined ? {} : { idleExitSeconds }),
          ...(maxUnits === undefined ? {} : { maxUnits }),
          ...(lockSeconds === undefined ? {} : { lockSeconds }),
          log: (line) => context.stderr(`${line}\n`),
          signal: controller.signal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        // Every connection and thread is closed by now; should a library still hold a timer or a
        // socket (Redis went away mid-close), leave anyway. unref: it never keeps the process up.
        setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
      }
    });
}
