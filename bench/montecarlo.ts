/**
 * `npm run bench` (second part): the stress lab's Monte Carlo on 1 worker thread and on 2, the
 * same paths and book, written as JSON (bench-results/montecarlo.json unless --out). The baseline
 * is the single-thread run in the same process; the results of both must be identical (checked
 * before anything is written), so the speed-up is for the same work.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runMonteCarlo } from '../src/cli/workers.js';

interface Timed {
  readonly workers: number;
  readonly ms: number;
  readonly json: string;
}

async function timed(workers: number, options: { paths: number; accounts: number }): Promise<Timed> {
  const started = process.hrtime.bigint();
  const blocks = await runMonteCarlo({
    runs: [{ protocol: 'maker-liq2' }, { protocol: 'aave-v3.3' }],
    source: { scenario: 'black-thursday-2020' },
    seed: 7,
    accounts: options.accounts,
    paths: options.paths,
    workers,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { workers, ms, json: JSON.stringify(blocks) };
}

/**
 * `--target [--paths N]`: the issue 4/5 shape, maker-liq2 on black-thursday-2020 at 90 s steps
 * (1,443 steps, the scenario's 36 hours), 10k accounts, N paths (default 40) on 2 worker threads,
 * projected linearly to 1,000 paths. Linear is pessimistic: each unit opens its book once, and
 * 1,000 paths spread the openings over more paths per unit.
 */
async function target(paths: number, out: string): Promise<void> {
  const started = process.hrtime.bigint();
  const blocks = await runMonteCarlo({
    runs: [{ protocol: 'maker-liq2', base: { stepSeconds: 90 } }],
    source: { scenario: 'black-thursday-2020' },
    seed: 7,
    accounts: 10_000,
    paths,
    workers: 2,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const block = blocks[0];
  if (block === undefined) throw new Error('no Monte Carlo block');
  const result = {
    machine: { cpus: availableParallelism(), node: process.version },
    work: {
      protocol: 'maker-liq2',
      scenario: 'black-thursday-2020 at 90 s steps (1,443 steps)',
      accounts: 10_000,
      paths,
      workers: 2,
    },
    wallMs: Math.round(ms),
    msPerPathTwoWorkers: Math.round(ms / paths),
    projected1000PathsSeconds: Math.round((ms / paths) * 1000) / 1000,
    targetSeconds: 60,
    badDebtUsdP50: block.badDebtUsd.p50,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `Monte Carlo target shape: ${paths} paths × 1,443 steps × 10k accounts on 2 workers in ${(ms / 1000).toFixed(1)} s (${result.msPerPathTwoWorkers} ms per path); 1,000 paths ≈ ${result.projected1000PathsSeconds.toFixed(0)} s (target 60 s); wrote ${out}`,
  );
}

/** One protocol's path in a survey: CPU ms per path and the outcomes (to compare builds). */
interface SurveyRow {
  readonly protocol: string;
  readonly cpuMsPerPath: number;
  readonly outcomes: string;
}

/** The exports of a build the survey runs (this one, or an older one given by `--baseline`). */
interface SurveyBuild {
  readonly runWorkUnit: typeof import('../src/sim/sweep.js').runWorkUnit;
  readonly STRESS_PROTOCOLS: readonly string[];
}

/** Runs `paths` paths of each protocol in this thread (one work unit each), timing CPU. */
function surveyRows(build: SurveyBuild, protocols: readonly string[], accounts: number, paths: number) {
  const rows: SurveyRow[] = [];
  for (const protocol of protocols) {
    const spec = {
      protocol,
      source: { scenario: 'black-thursday-2020' },
      seed: 7,
      accounts,
      paths,
      knobs: [],
      base: { stepSeconds: 90 },
    };
    const before = process.cpuUsage();
    const unit = build.runWorkUnit({ pointIndex: 0, knobValues: [], seedStart: 0, seedCount: paths }, spec);
    const used = process.cpuUsage(before);
    rows.push({
      protocol,
      cpuMsPerPath: Math.round((used.user + used.system) / 1000 / paths),
      outcomes: JSON.stringify(unit.outcomes),
    });
    console.log(`  ${protocol}: ${rows.at(-1)?.cpuMsPerPath} ms CPU per path`);
  }
  return rows;
}

/**
 * `--survey [--accounts N] [--paths N] [--protocols a,b] [--baseline DIR]`: CPU per Monte Carlo path
 * of every stress protocol (black-thursday-2020 at 90 s steps, 1,443 steps; default 1,000
 * accounts, 1 path), in this thread. With `--baseline DIR` (the root of another build of Solvent,
 * e.g. a git worktree of an older commit after `npx tsc`), the same paths run on that build in the
 * same process, and the outcomes must be identical.
 */
async function survey(args: readonly string[], out: string): Promise<void> {
  const value = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const accounts = Number(value('--accounts') ?? 1000);
  const paths = Number(value('--paths') ?? 1);
  if (!Number.isSafeInteger(accounts) || accounts < 1)
    throw new Error('--accounts must be a whole number ≥ 1');
  if (!Number.isSafeInteger(paths) || paths < 1) throw new Error('--paths must be a whole number ≥ 1');
  const current = (await import('../src/sim/sweep.js')) as unknown as SurveyBuild;
  const protocols = value('--protocols')?.split(',') ?? current.STRESS_PROTOCOLS;
  const baselineRoot = value('--baseline');
  console.log(`Monte Carlo survey: ${accounts} accounts, ${paths} path(s) each, this build`);
  const now = surveyRows(current, protocols, accounts, paths);
  let before: SurveyRow[] | undefined;
  if (baselineRoot !== undefined) {
    const url = pathToFileURL(resolve(baselineRoot, 'dist/src/sim/sweep.js')).href;
    console.log(`baseline build: ${baselineRoot}`);
    before = surveyRows((await import(url)) as SurveyBuild, protocols, accounts, paths);
    const differ = now.filter((r, i) => r.outcomes !== before?.[i]?.outcomes).map((r) => r.protocol);
    if (differ.length > 0)
      throw new Error(`outcomes differ from the baseline build for ${differ.join(', ')}`);
  }
  const result = {
    machine: { cpus: availableParallelism(), node: process.version },
    work: { scenario: 'black-thursday-2020 at 90 s steps (1,443 steps)', accounts, paths },
    ...(baselineRoot === undefined ? {} : { baseline: baselineRoot, identicalOutcomes: true }),
    protocols: now.map((r, i) => ({
      protocol: r.protocol,
      cpuMsPerPath: r.cpuMsPerPath,
      ...(before === undefined ? {} : { baselineCpuMsPerPath: before[i]?.cpuMsPerPath }),
    })),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--survey')) {
    const outAt = args.indexOf('--out');
    await survey(args, outAt >= 0 ? (args[outAt + 1] ?? '') : 'bench-results/montecarlo-survey.json');
    return;
  }
  if (args.includes('--target')) {
    const at = args.indexOf('--paths');
    const paths = at >= 0 ? Number(args[at + 1]) : 40;
    if (!Number.isSafeInteger(paths) || paths < 2) throw new Error('--paths must be a whole number ≥ 2');
    const outAt = args.indexOf('--out');
    await target(paths, outAt >= 0 ? (args[outAt + 1] ?? '') : 'bench-results/montecarlo-target.json');
    return;
  }
  const quick = args.includes('--quick');
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? (args[outAt + 1] ?? '') : 'bench-results/montecarlo.json';
  const flag = (name: string, fallback: number): number => {
    const at = args.indexOf(name);
    const value = at >= 0 ? Number(args[at + 1]) : fallback;
    if (!Number.isSafeInteger(value) || value < 2) throw new Error(`${name} must be a whole number ≥ 2`);
    return value;
  };
  // Each worker thread is its own V8 isolate and compiles the hot code again: about 1.5 s of CPU
  // per protocol per thread before it runs at speed. The default is sized so that this warm-up is a
  // small part of the run (at 16 paths × 200 accounts it was most of it, and 2 workers measured
  // ×0.83–0.94 of 1); about 40 s in all on 2 cores.
  const size = {
    paths: flag('--paths', quick ? 4 : 64),
    accounts: flag('--accounts', quick ? 50 : 1000),
  };
  // Warm-up of the main thread (module loading, the merge), not timed; the workers warm up inside
  // each timed run, as they would for a user.
  await timed(1, { paths: 2, accounts: 20 });
  const one = await timed(1, size);
  const two = await timed(2, size);
  if (one.json !== two.json) {
    throw new Error('Monte Carlo results differ between 1 and 2 workers: the merge is not deterministic');
  }
  const result = {
    machine: { cpus: availableParallelism(), node: process.version },
    work: {
      protocols: ['maker-liq2', 'aave-v3.3'],
      scenario: 'black-thursday-2020 (433 five-minute steps)',
      paths: size.paths,
      accounts: size.accounts,
      pathRuns: size.paths * 2,
    },
    oneWorkerMs: Math.round(one.ms),
    twoWorkersMs: Math.round(two.ms),
    speedup: Number((one.ms / two.ms).toFixed(2)),
    pathRunsPerSecondTwoWorkers: Number(((size.paths * 2) / (two.ms / 1000)).toFixed(2)),
    identicalResults: true,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `Monte Carlo ${size.paths} paths × 2 protocols × ${size.accounts} accounts: 1 worker ${result.oneWorkerMs} ms, 2 workers ${result.twoWorkersMs} ms, ×${result.speedup} (identical results); wrote ${out}`,
  );
}

await main();
