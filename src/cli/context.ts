/** What every subcommand of the `solvent` CLI receives: where to write and how to report its exit code. */
import type { Command } from 'commander';
import type { HandlerLookup } from '../protocols/conformance.js';

/** The outside world the CLI talks to; tests pass their own to run it in process. */
export interface CliEnvironment {
  /** Writes text (already newline-terminated) to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes text (already newline-terminated) to standard error. */
  readonly stderr: (text: string) => void;
  /** The protocol models `solvent conform` checks; defaults to the project's registry. */
  readonly lookup?: HandlerLookup;
}

/** A {@link CliEnvironment} plus the way a command sets the process exit code. */
export interface CommandContext extends CliEnvironment {
  /** Sets the exit code `main` returns (0 success, 1 checks failed; errors are thrown instead). */
  readonly setExitCode: (code: number) => void;
}

/**
 * Adds one subcommand to the program. It must create it with `program.command(...)`, so that the
 * program's output and error settings carry over, and throw a SolventError for any refusal.
 */
export type RegisterCommand = (program: Command, context: CommandContext) => void;

/** Exit code when the command did its job and every check passed. */
export const EXIT_OK = 0;
/** Exit code when the command ran but some check failed (a conformance vector, say). */
export const EXIT_CHECKS_FAILED = 1;
/** Exit code for a usage error or an input the command refuses (a SolventError). */
export const EXIT_ERROR = 2;
