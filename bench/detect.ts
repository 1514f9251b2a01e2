/**
 * `node dist/bench/detect.js [--accounts N] [--seed S] [--ticks T] [--cross-share X]
 * [--near-share X] [--out FILE]`:
 * the liquidation detector benchmark as a standalone script (the same measurement as
 * `solvent bench detect`), written as JSON to bench-results/detect.json unless --out is given.
 * Defaults: 1,000,000 accounts, seed 7, 30 ticks, 30 % cross-margin accounts, 1 % of accounts
 * with a health factor in [1.00, 1.05).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatDetectBench, runDetectBench } from '../src/cli/commands/bench.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  return value ?? fallback;
}

const out = flag('--out', 'bench-results/detect.json');
const result = runDetectBench({
  accounts: Number(flag('--accounts', '1000000')),
  seed: Number(flag('--seed', '7')),
  ticks: Number(flag('--ticks', '30')),
  crossShare: Number(flag('--cross-share', '0.3')),
  nearShare: Number(flag('--near-share', '0.01')),
  progress: (line) => process.stderr.write(`bench: ${line}\n`),
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(formatDetectBench(result));
process.stdout.write(`written to ${out}\n`);
