/** `solvent protocols [id]`: lists the protocol models, or shows one with its parameters and sources. */
import type { Command } from 'commander';
import {
  findProtocol,
  PROTOCOL_CATALOG,
  type ProtocolEntry,
  resolveProtocol,
  toJsonValue,
} from '../../protocols/catalog.js';
import type { CommandContext } from '../context.js';
import { readStructuredFile } from '../files.js';

interface ProtocolsOptions {
  readonly json?: true;
  readonly params?: string;
  readonly config?: string;
}

function describe(entry: ProtocolEntry, params: unknown) {
  return {
    id: entry.model.id,
    title: entry.model.title,
    commands: entry.model.commands,
    sources: entry.model.sources,
    params: toJsonValue(params),
  };
}

/** Registers `protocols` on the program. */
export function registerProtocols(program: Command, context: CommandContext): void {
  program
    .command('protocols')
    .description('list the protocol models, or show one with its parameters, commands and sources')
    .argument('[id]', 'a model id (e.g. maker-liq2, aave-v3.3, compound-v3)')
    .option('--json', 'print JSON')
    .option('--params <file>', 'validate a parameter file (JSON or YAML) for the model and show it as parsed')
    .option(
      '--config <file>',
      'validate a composed protocol (JSON or YAML: stages and parameters) and show it',
    )
    .action(async (id: string | undefined, options: ProtocolsOptions) => {
      if (options.config !== undefined) {
        const entry = resolveProtocol(await readStructuredFile(options.config));
        const d = describe(entry, entry.defaultParams);
        context.stdout(
          options.json === true
            ? `${JSON.stringify(d, null, 2)}\n`
            : `${d.id}: ${d.title} (valid)\n\ncommands: ${d.commands.join(', ')}\n\n${JSON.stringify(d.params, null, 2)}\n`,
        );
        return;
      }
      if (id === undefined) {
        const all = PROTOCOL_CATALOG.map((e) => describe(e, e.defaultParams));
        if (options.json === true) {
          context.stdout(`${JSON.stringify(all, null, 2)}\n`);
          return;
        }
        const width = Math.max(...all.map((p) => p.id.length));
        for (const p of all) context.stdout(`${p.id.padEnd(width)}  ${p.title}\n`);
        context.stdout('\nRun `solvent protocols <id>` for parameters, commands and sources.\n');
        return;
      }
      const entry = findProtocol(id);
      const params =
        options.params === undefined
          ? entry.defaultParams
          : entry.parseParams(await readStructuredFile(options.params));
      const d = describe(entry, params);
      if (options.json === true) {
        context.stdout(`${JSON.stringify(d, null, 2)}\n`);
        return;
      }
      context.stdout(`${d.id}: ${d.title}\n\ncommands: ${d.commands.join(', ')}\n\nsources:\n`);
      for (const s of d.sources) context.stdout(`  ${s}\n`);
      const label =
        options.params === undefined ? 'default parameters' : `parameters from ${options.params} (valid)`;
      context.stdout(`\n${label}:\n${JSON.stringify(d.params, null, 2)}\n`);
    });
}
