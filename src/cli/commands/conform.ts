/** `solvent conform <file-or-folder...>`: runs conformance vectors against the protocol models. */
import type { Command } from 'commander';
import { conformancePassed, formatReportTable, runVectors } from '../../protocols/conformance.js';
import { type CommandContext, EXIT_CHECKS_FAILED, EXIT_OK } from '../context.js';
import { readVectorFiles } from '../files.js';

interface ConformOptions {
  readonly json?: true;
  readonly allowUnsupported?: true;
}

const HELP_AFTER = `
Each vector is dispatched on (system, function) to the project's model and every expected field
is compared exactly. The report lists each failing field, then counts per system, then
"N passed, M failed" (vectors with no model count as failed).

Exit codes: 0 every vector passed, 1 some vector failed or had no model, 2 usage or input error.`;

/** Registers `conform` on the program. See {@link RegisterCommand}. */
export function registerConform(program: Command, context: CommandContext): void {
  program
    .command('conform')
    .description('check the protocol models against conformance vectors, field by field')
    .argument('<paths...>', 'vector files (.json) or folders (every *.json inside, in name order)')
    .option('--json', 'print the report as JSON instead of a table')
    .option(
      '--allow-unsupported',
      'vectors whose (system, function) has no model do not fail the run (failed vectors still do)',
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (paths: string[], options: ConformOptions) => {
      const allowUnsupported = options.allowUnsupported === true;
      const report = runVectors(await readVectorFiles(paths), context.lookup);
      context.stdout(
        options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReportTable(report),
      );
      if (allowUnsupported && report.totals.unsupported > 0 && report.totals.failed === 0) {
        context.stderr(
          `note: ${report.totals.unsupported} unsupported vector(s) do not fail the run (--allow-unsupported)\n`,
        );
      }
      context.setExitCode(conformancePassed(report, { allowUnsupported }) ? EXIT_OK : EXIT_CHECKS_FAILED);
    });
}
