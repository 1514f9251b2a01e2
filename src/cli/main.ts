/**
 * The `solvent` command line: parses arguments with commander, runs one subcommand and turns
 * every refusal into a short message and an exit code. No stack trace ever reaches the user.
 */
import { Command, CommanderError } from 'commander';
import { SolventError } from '../math/errors.js';
import { registerBench } from './commands/bench.js';
import { registerCompare } from './commands/compare.js';
import { registerConform } from './commands/conform.js';
import { registerKeeper } from './commands/keeper.js';
import { registerOptimize } from './commands/optimize.js';
import { registerProtocols } from './commands/protocols.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerStress } from './commands/stress.js';
import { registerSweep } from './commands/sweep.js';
import { registerWorker } from './commands/worker.js';
import { type CliEnvironment, EXIT_ERROR, EXIT_OK, type RegisterCommand } from './context.js';
import { readPackageVersion } from './files.js';

/**
 * Every subcommand, in the order `--help` lists them. A new command (`protocols`, `bench`, ...)
 * is a `RegisterCommand` in src/cli/commands/<name>.ts added to this list.
 */
const COMMANDS: readonly RegisterCommand[] = [
  registerConform,
  registerProtocols,
  registerRun,
  registerStress,
  registerSweep,
  registerOptimize,
  registerCompare,
  registerBench,
  registerWorker,
  registerServe,
  registerKeeper,
];

/**
 * The real process's streams. A reader that goes away early (`solvent conform ... | head`) closes
 * the pipe: output then stops quietly instead of crashing with EPIPE and a stack trace.
 */
function processEnvironment(): CliEnvironment {
  const open = { stdout: true, stderr: true };
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', (error: NodeJS.ErrnoException) => {
      open[name] = false;
      if (error.code !== 'EPIPE') process.exitCode = EXIT_ERROR;
    });
  }
  return {
    stdout: (text) => {
      if (open.stdout) process.stdout.write(text);
    },
    stderr: (text) => {
      if (open.stderr) process.stderr.write(text);
    },
  };
}

/**
 * Runs the CLI once.
 * @param argv the arguments after the program name (`process.argv.slice(2)`).
 * @param environment where output goes (and, for tests, which protocol models to check);
 *   defaults to the process's stdout/stderr and the project's registry.
 * @returns the exit code: 0 success (also `--help`, `--version`), 1 some check failed, 2 usage
 *   error or refused input (printed as `error: ...` on stderr).
 * @throws nothing: every error becomes a message and exit code 2.
 */
export async function main(
  argv: readonly string[],
  environment: CliEnvironment = processEnvironment(),
): Promise<number> {
  let exitCode = EXIT_OK;
  try {
    const program = new Command('solvent')
      .description(
        'Exact, deterministic liquidation engine and stress lab for lending and perpetuals protocols',
      )
      .version(readPackageVersion(), '-V, --version', 'print the version')
      .helpOption('-h, --help', 'show help')
      .configureOutput({ writeOut: environment.stdout, writeErr: environment.stderr })
      .showHelpAfterError('(run solvent --help for usage)')
      .exitOverride();
    const context = {
      ...environment,
      setExitCode: (code: number) => {
        exitCode = code;
      },
    };
    for (const register of COMMANDS) register(program, context);
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, environment);
  }
}

/** Prints an error the way users see every error, and gives its exit code. */
function reportError(error: unknown, environment: CliEnvironment): number {
  if (error instanceof CommanderError) {
    // commander has printed its own message (or the help/version text) already.
    return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
  }
  if (error instanceof SolventError) {
    environment.stderr(
      [`error: ${error.shortMessage}`, ...error.metaMessages].map((line) => `${line}\n`).join(''),
    );
    return EXIT_ERROR;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  environment.stderr(
    `error: unexpected failure: ${message}\nThis is a bug in solvent: please report it with the command you ran.\n`,
  );
  return EXIT_ERROR;
}
