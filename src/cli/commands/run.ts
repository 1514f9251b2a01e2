/** `solvent run <script.json>`: runs a protocol script through the engine and prints what happened. */
import type { Command } from 'commander';
import { formatDecimal } from '../../math/decimal.js';
import { formatEvent, runScript } from '../../protocols/script.js';
import { type CommandContext, EXIT_OK } from '../context.js';
import { inlineProtocolFile, readStructuredFile } from '../files.js';

interface RunOptions {
  readonly json?: true;
  readonly strict?: true;
  readonly quiet?: true;
}

const HELP_AFTER = `
Script: {"protocol": "<id> | <config file>", "commands": [{"at": <seconds>, "type": "<command>", ...fields}]}.
A configure command with "params": "default" runs the model on its embedded parameters.
Event lines: #seq t=<seconds> Type fields...; a ledger move reads
"#seq t=<s> Moved <amount> <asset> <from> → <to> (<reason>)" in the asset's smallest units.
Refused commands print "refused #<index> <type>: <reason>" and the run goes on (--strict stops).`;

/** Registers `run` on the program. */
export function registerRun(program: Command, context: CommandContext): void {
  program
    .command('run')
    .description('run a script of timed commands through a protocol model; print events, refusals and health')
    .argument('<script>', 'script file (JSON, or YAML for .yaml/.yml)')
    .option('--json', 'print the events, refusals, accounts and state hash as JSON')
    .option('--strict', 'stop at the first refused command (exit 2)')
    .option('--quiet', 'omit the event lines')
    .addHelpText('after', HELP_AFTER)
    .action(async (file: string, options: RunOptions) => {
      const script = await inlineProtocolFile(await readStructuredFile(file), file);
      const run = runScript(script, { strict: options.strict === true });
      if (options.json === true) {
        const json = {
          protocol: run.protocol,
          events: run.log,
          refusals: run.refusals.map((r) => ({
            index: r.index,
            atSeconds: r.atSeconds,
            type: r.type,
            error: r.error.name,
            reason: r.error.shortMessage,
          })),
          accounts: run.accounts,
          risks: run.risks,
          stateHash: run.stateHash,
        };
        context.stdout(`${JSON.stringify(json, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
        context.setExitCode(EXIT_OK);
        return;
      }
      const lines: string[] = [];
      const byIndex = new Map(run.refusals.map((r) => [r.index, r]));
      if (options.quiet !== true) for (const r of run.log) lines.push(formatEvent(r));
      for (const r of byIndex.values()) lines.push(`refused #${r.index} ${r.type}: ${r.error.shortMessage}`);
      lines.push('', 'account  health  liquidatable  collateral USD  debt USD');
      for (const a of run.accounts) {
        lines.push(
          `${a.accountId}  ${a.debtValueWad === 0n ? 'no-debt' : formatDecimal(a.healthWad, 18)}  ${a.liquidatable}  ${formatDecimal(a.collateralValueWad, 18)}  ${formatDecimal(a.debtValueWad, 18)}`,
        );
      }
      if (run.risks.length > 0) {
        lines.push('', 'account  liquidation price (others fixed)  distance to liquidation');
        for (const r of run.risks) {
          const prices = Object.entries(r.liquidationPrices)
            .map(
              ([asset, p]) =>
                `${asset} ${p.price === null ? 'none' : formatDecimal(p.price, p.priceDecimals)}`,
            )
            .join(', ');
          const distance =
            r.distanceToLiquidationBps === null
              ? 'no debt'
              : `${formatDecimal(r.distanceToLiquidationBps, 2)}%`;
          lines.push(`${r.accountId}  ${prices || '-'}  ${distance}`);
        }
      }
      lines.push('', `${run.log.length} events, ${run.refusals.length} refused, state ${run.stateHash}`);
      context.stdout(`${lines.join('\n')}\n`);
    });
}
