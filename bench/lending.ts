/**
 * `npm run bench:lending`: the stress lab's Aave v3.3 and Compound v3 runs with the incremental
 * detector (src/sim/stress/lendingWatch.ts) against the full-scan adapter in the same process, on
 * the same book, market and seed (the two must give the same summary: checked before anything is
 * written), then the indexed run alone on a larger book. Writes bench-results/lending.json unless
 * --out. Flags: --accounts N (the compared size, default 1,000), --large N (default 10,000).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runWithAdapter, type StressAdapter } from '../src/sim/stress/core.js';
import { createLendingStressAdapter, lendingStressAdapter } from '../src/sim/stress/lending.js';
import type { StressOptions } from '../src/sim/stress/types.js';

function timed(adapter: StressAdapter, options: StressOptions) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = runWithAdapter(adapter, options);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return {
    summary: result.summary,
    figures: {
      accounts: result.summary.accounts,
      steps: result.summary.steps,
      liquidations: result.summary.liquidations,
      wallSeconds: Number((wallMs / 1000).toFixed(2)),
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    },
  };
}

function flag(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  return value;
}

function main(): void {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? (args[outAt + 1] ?? '') : 'bench-results/lending.json';
  const accounts = flag(args, '--accounts', 1_000);
  const large = flag(args, '--large', 10_000);
  const naive = createLendingStressAdapter({ indexed: false });
  const rows = ['aave-v3.3', 'compound-v3'].map((protocol) => {
    // The health series reads every account by design; Monte Carlo paths run without it.
    const options: StressOptions = {
      protocol,
      scenario: 'black-thursday-2020',
      seed: 7,
      accounts,
      healthSeries: false,
    };
    const scanned = timed(naive, options);
    const indexed = timed(lendingStressAdapter, options);
    if (JSON.stringify(scanned.summary) !== JSON.stringify(indexed.summary)) {
      throw new Error(`${protocol}: the indexed and full-scan runs disagree: the watch is not exact`);
    }
    const bigger = timed(lendingStressAdapter, { ...options, accounts: large });
    return {
      protocol,
      baselineFullScan: scanned.figures,
      indexed: indexed.figures,
      speedup: Number((scanned.figures.cpuSeconds / indexed.figures.cpuSeconds).toFixed(1)),
      indexedLarge: bigger.figures,
    };
  });
  const result = {
    node: process.version,
    scenario: 'black-thursday-2020',
    seed: 7,
    summariesEqual: true,
    rows,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  for (const r of rows) {
    console.log(
      `${r.protocol.padEnd(12)} ${r.indexed.accounts} accounts: full scan cpu ${r.baselineFullScan.cpuSeconds} s, indexed ${r.indexed.cpuSeconds} s (×${r.speedup}); ${r.indexedLarge.accounts} accounts indexed cpu ${r.indexedLarge.cpuSeconds} s, ${r.indexedLarge.liquidations} liquidations`,
    );
  }
  console.log(`wrote ${out}`);
}

main();
