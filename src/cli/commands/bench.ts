/**
 * `solvent bench detect`: measures the incremental liquidation detector (src/engine/detect) on a
 * seeded synthetic book, beside the naive exact full scan in the same run, and checks that both
 * find the same accounts. Also {@link runDetectBench}, which bench/detect.ts runs as well.
 */
import { writeFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Command } from 'commander';
import { createDetector, type Detector } from '../../engine/detect/detector.js';
import { generateSyntheticBook, type SyntheticBook } from '../../engine/detect/generate.js';
import {
  createAssetRegistry,
  type DetectAccount,
  naiveScan,
  netPosition,
  pricesByIndex,
} from '../../engine/detect/model.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { createRng, withRng } from '../../sim/rng.js';
import type { CommandContext } from '../context.js';

/** What to measure. */
export interface DetectBenchOptions {
  /** Accounts in the book (≥ 1). */
  readonly accounts: number;
  /** Seed of the book and of the price moves. */
  readonly seed: number;
  /** Timed single-asset ticks (≥ 20 recommended; 10 untimed warm-up ticks come first). */
  readonly ticks: number;
  /** Share of cross-margin accounts, in [0, 1]. */
  readonly crossShare: number;
  /** Share of accounts with a health factor in [1.00, 1.05) (see generateSyntheticBook). */
  readonly nearShare: number;
  /** Repetitions of the naive full scan (its median is reported); default 3 from 300k accounts, else 7. */
  readonly naiveRuns?: number;
  /** Repetitions of the full re-evaluation (median reported); default 5. */
  readonly reevalRuns?: number;
  /** Receives progress lines (to stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

/** What was measured (times in milliseconds, memory in bytes). */
export interface DetectBenchResult {
  readonly accounts: number;
  readonly seed: number;
  readonly crossShare: number;
  readonly nearShare: number;
  readonly isolatedAccounts: number;
  readonly crossAccounts: number;
  readonly staticAccounts: number;
  readonly assets: number;
  readonly ticks: number;
  /** Median time of one single-asset price update to the exact change of the liquidatable set. */
  readonly tickMsMedian: number;
  readonly tickMsP90: number;
  readonly tickMsMax: number;
  /** Median over the ticks of the accounts whose status flipped (the size of the answer). */
  readonly tickFlipsMedian: number;
  /** Median over the ticks of the cross accounts screened and of the exact bigint checks. */
  readonly tickCrossScreenedMedian: number;
  readonly tickExactChecksMedian: number;
  /** Ticks that rebuilt the cross-margin index (a full cross re-evaluation inside the tick). */
  readonly tickRebuilds: number;
  /** Median time of `naiveScan` (validates and checks every account in exact bigint, sorts). */
  readonly naiveMsMedian: number;
  readonly naiveRuns: number;
  /** Median time of a lean exact full scan: pre-netted accounts, Σ price·N in bigint, no validation. */
  readonly naiveLeanMsMedian: number;
  /** naiveMsMedian / tickMsMedian. */
  readonly speedup: number;
  /** naiveLeanMsMedian / tickMsMedian. */
  readonly speedupVsLean: number;
  /**
   * Median time of `reevaluateCross`: every cross-margin account screened, confirmed in bigint where
   * the screen does not settle it, and the cross index rebuilt.
   */
  readonly fullReevalMs: number;
  readonly fullReevalCrossAccounts: number;
  /** Exact checks one full re-evaluation needed (cross accounts the screen could not prove healthy). */
  readonly fullReevalExactChecks: number;
  /** Median time of `reevaluateAll`: the above plus every ladder entry and static account audited. */
  readonly auditAllMs: number;
  /** Liquidatable accounts at the end of the ticks, and the time to list them sorted. */
  readonly liquidatableCount: number;
  readonly liquidatableListMs: number;
  /** Time to build the detector from the book (bulk load). */
  readonly buildMs: number;
  /** Mean time of one account update (upsert of a changed debt), in microseconds. */
  readonly upsertUsMean: number;
  /** Heap + array buffers held by the detector alone (book dropped, measured after GC). */
  readonly detectorBytes: number;
  readonly bytesPerAccount: number;
  /** Whether a GC could be forced around the memory measurement (else the figure includes garbage). */
  readonly memoryMeasuredAfterGc: boolean;
  /** Resident set size of the process at the end. */
  readonly rssBytes: number;
  /** The detector's set equalled naiveScan's after the ticks and after the account updates. */
  readonly checkedAgainstNaive: boolean;
  readonly node: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >>> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** A forced garbage collection, when V8 lets us expose it at run time. */
function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function timed<T>(body: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = body();
  return { value, ms: performance.now() - start };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Untimed ticks before the timed ones, so the timings see optimized code. */
const WARM_UP_TICKS = 10;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Builds the book, times the detector and the naive scan, and checks them against each other.
 * @throws InvalidParameterError for bad options; Error if the detector and the naive scan disagree
 *   (a bug: the benchmark refuses to report numbers for a wrong answer).
 */
export function runDetectBench(options: DetectBenchOptions): DetectBenchResult {
  if (!Number.isSafeInteger(options.accounts) || options.accounts < 1) {
    throw new InvalidParameterError('--accounts', `must be a positive integer, got ${options.accounts}`);
  }
  if (!Number.isSafeInteger(options.ticks) || options.ticks < 1) {
    throw new InvalidParameterError('--ticks', `must be a positive integer, got ${options.ticks}`);
  }
  const say = options.progress ?? (() => {});
  const gc = gcFunction();
  const collect = () => gc?.();
  const makeBook = (): SyntheticBook =>
    withRng(createRng(options.seed), (draw) =>
      generateSyntheticBook(
        { accounts: options.accounts, crossShare: options.crossShare, nearShare: options.nearShare },
        () => draw.uniform(),
      ),
    ).value;

  // Memory: what the detector alone holds once the book is gone.
  say(`generating ${options.accounts} accounts (seed ${options.seed})`);
  collect();
  const heapBefore = heapBytes();
  let book: SyntheticBook | undefined = makeBook();
  say('building the detector');
  const built = timed(() =>
    createDetector({ assets: book!.assets, prices: book!.prices, accounts: book!.accounts }),
  );
  const detector: Detector = built.value;
  book = undefined;
  collect();
  const detectorBytes = heapBytes() - heapBefore;
  say(`built in ${round3(built.ms)} ms; regenerating the book for the naive scan`);
  const fresh = makeBook();
  const accounts: DetectAccount[] = [...fresh.accounts];
  const assets = fresh.assets;
  const prices: Record<string, bigint> = { ...fresh.prices };
  const stats = detector.stats();

  // Ticks: a random asset moves by ±0.5–3 % (integer bps, floor: the move is a test input).
  const tickRng = createRng(BigInt(options.seed) + 1n);
  const moves = withRng(tickRng, (draw) =>
    Array.from({ length: options.ticks + WARM_UP_TICKS }, () => ({
      asset: (assets[Math.floor(draw.uniform() * assets.length)] as { asset: string }).asset,
      bps: (draw.uniform() < 0.5 ? -1 : 1) * (50 + Math.floor(draw.uniform() * 251)),
    })),
  ).value;
  const tickMs: number[] = [];
  const screened: number[] = [];
  const exact: number[] = [];
  const flips: number[] = [];
  let rebuilds = 0;
  say(`ticking ${options.ticks} times`);
  moves.forEach((move, i) => {
    const next = ((prices[move.asset] as bigint) * BigInt(10_000 + move.bps)) / 10_000n;
    prices[move.asset] = next > 0n ? next : 1n;
    const t = timed(() => detector.setPrice(move.asset, prices[move.asset] as bigint));
    if (i >= WARM_UP_TICKS) {
      tickMs.push(t.ms);
      screened.push(t.value.work.crossScreened);
      exact.push(t.value.work.exactChecks);
      flips.push(t.value.newlyLiquidatable.length + t.value.newlyHealthy.length);
      if (t.value.work.rebuilt) rebuilds += 1;
    }
  });

  // The naive scan on the same book and prices, and the check.
  const naiveRuns = options.naiveRuns ?? (options.accounts >= 300_000 ? 3 : 7);
  say(`naive scan × ${naiveRuns}`);
  const naiveMs: number[] = [];
  let naive: string[] = [];
  for (let r = 0; r < naiveRuns; r++) {
    const t = timed(() => naiveScan({ assets, accounts }, prices));
    naiveMs.push(t.ms);
    naive = t.value;
  }
  const listed = timed(() => detector.liquidatable());
  if (!sameList(listed.value, naive)) {
    throw new Error(`detector and naive scan disagree: ${listed.value.length} vs ${naive.length} accounts`);
  }
  // The lean baseline: the same exact rule over pre-netted accounts, nothing else.
  const registry = createAssetRegistry(assets);
  const nets = accounts.map((a) => netPosition(registry, a));
  const leanMs: number[] = [];
  for (let r = 0; r < naiveRuns; r++) {
    const exactPrices = pricesByIndex(registry, prices);
    const t = timed(() => {
      const out: number[] = [];
      nets.forEach((net, i) => {
        let margin = 0n;
        for (let j = 0; j < net.assets.length; j++) {
          margin += (exactPrices[net.assets[j] as number] as bigint) * (net.coefs[j] as bigint);
        }
        if (margin < 0n) out.push(i);
      });
      return out;
    });
    leanMs.push(t.ms);
    if (t.value.length !== naive.length) throw new Error('lean naive scan disagrees with naiveScan');
  }

  // Full re-evaluation.
  const reevalRuns = options.reevalRuns ?? 5;
  say(`full re-evaluation × ${reevalRuns}`);
  const reevalMs: number[] = [];
  let reevalExact = 0;
  detector.reevaluateCross(); // warm-up
  for (let r = 0; r < reevalRuns; r++) {
    const t = timed(() => detector.reevaluateCross());
    if (t.value.newlyLiquidatable.length + t.value.newlyHealthy.length !== 0) {
      throw new Error('full re-evaluation found a difference with the maintained set');
    }
    reevalMs.push(t.ms);
    reevalExact = t.value.work.exactChecks;
  }

  const auditMs: number[] = [];
  for (let r = 0; r < reevalRuns; r++) {
    const t = timed(() => detector.reevaluateAll());
    if (t.value.newlyLiquidatable.length + t.value.newlyHealthy.length !== 0) {
      throw new Error('the audit found a difference with the maintained set');
    }
    auditMs.push(t.ms);
  }

  // Account updates: borrow 1 % more on 1,000 accounts (or all, if fewer), then check again.
  const updates = Math.min(1_000, accounts.length);
  const step = Math.max(1, Math.floor(accounts.length / updates));
  let upsertMs = 0;
  for (let k = 0; k < updates; k++) {
    const i = (k * step) % accounts.length;
    const a = accounts[i] as DetectAccount;
    const changed: DetectAccount = {
      ...a,
      debt: a.debt.map((l) => ({ ...l, amount: (l.amount * 101n) / 100n + 1n })),
    };
    accounts[i] = changed;
    upsertMs += timed(() => detector.upsert(changed)).ms;
  }
  if (!sameList(detector.liquidatable(), naiveScan({ assets, accounts }, prices))) {
    throw new Error('detector and naive scan disagree after account updates');
  }

  const tickMedian = median(tickMs);
  return {
    accounts: options.accounts,
    seed: options.seed,
    crossShare: options.crossShare,
    nearShare: options.nearShare,
    isolatedAccounts: stats.isolated,
    crossAccounts: stats.cross,
    staticAccounts: stats.never + stats.always,
    assets: assets.length,
    ticks: tickMs.length,
    tickMsMedian: round3(tickMedian),
    tickMsP90: round3(quantile(tickMs, 0.9)),
    tickMsMax: round3(Math.max(...tickMs)),
    tickFlipsMedian: median(flips),
    tickCrossScreenedMedian: median(screened),
    tickExactChecksMedian: median(exact),
    tickRebuilds: rebuilds,
    naiveMsMedian: round3(median(naiveMs)),
    naiveRuns,
    naiveLeanMsMedian: round3(median(leanMs)),
    speedup: Math.round(median(naiveMs) / tickMedian),
    speedupVsLean: Math.round(median(leanMs) / tickMedian),
    fullReevalMs: round3(median(reevalMs)),
    fullReevalCrossAccounts: stats.cross,
    fullReevalExactChecks: reevalExact,
    auditAllMs: round3(median(auditMs)),
    liquidatableCount: naive.length,
    liquidatableListMs: round3(listed.ms),
    buildMs: round3(built.ms),
    upsertUsMean: round3((upsertMs * 1000) / updates),
    detectorBytes,
    bytesPerAccount: Math.round(detectorBytes / options.accounts),
    memoryMeasuredAfterGc: gc !== undefined,
    rssBytes: process.memoryUsage().rss,
    checkedAgainstNaive: true,
    node: process.version,
  };
}

/** The result as aligned `name  value` lines for people. */
export function formatDetectBench(r: DetectBenchResult): string {
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const rows: [string, string][] = [
    [
      'accounts',
      `${r.accounts} (${r.isolatedAccounts} isolated, ${r.crossAccounts} cross, ${r.staticAccounts} static)`,
    ],
    [
      'single-asset tick, median',
      `${r.tickMsMedian} ms (p90 ${r.tickMsP90} ms, max ${r.tickMsMax} ms, ${r.ticks} ticks, ${r.tickRebuilds} rebuilt)`,
    ],
    [
      'flips per tick, median',
      `${r.tickFlipsMedian} (cross screened ${r.tickCrossScreenedMedian}, exact ${r.tickExactChecksMedian})`,
    ],
    [
      'naive exact scan, median',
      `${r.naiveMsMedian} ms (${r.naiveRuns} runs); lean ${r.naiveLeanMsMedian} ms`,
    ],
    ['speedup', `${r.speedup}× (${r.speedupVsLean}× vs the lean scan)`],
    [
      'full re-evaluation',
      `${r.fullReevalMs} ms (${r.fullReevalCrossAccounts} cross accounts, ${r.fullReevalExactChecks} exact checks); audit of all ${r.auditAllMs} ms`,
    ],
    ['liquidatable', `${r.liquidatableCount} (listed in ${r.liquidatableListMs} ms)`],
    ['build', `${r.buildMs} ms`],
    ['account update', `${r.upsertUsMean} µs`],
    ['memory', `${mb(r.detectorBytes)} detector, ${r.bytesPerAccount} B/account; rss ${mb(r.rssBytes)}`],
    ['checked against naiveScan', r.checkedAgainstNaive ? 'yes' : 'no'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

interface DetectFlags {
  readonly accounts: string;
  readonly seed: string;
  readonly ticks: string;
  readonly crossShare: string;
  readonly nearShare: string;
  readonly json?: true;
  readonly out?: string;
}

function integerFlag(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidParameterError(flag, `must be an integer ≥ ${min}, got "${text}"`);
  }
  return value;
}

/** Registers `bench` (with its subcommand `detect`) on the program. */
export function registerBench(program: Command, context: CommandContext): void {
  const bench = program
    .command('bench')
    .description('benchmarks, each beside a naive baseline in the same run');
  bench
    .command('detect')
    .description(
      'time the incremental liquidation detector against the naive exact full scan on a seeded synthetic book',
    )
    .option('--accounts <n>', 'accounts in the book', '100000')
    .option('--seed <s>', 'seed of the book and the price moves', '7')
    .option('--ticks <n>', 'timed single-asset price updates', '30')
    .option('--cross-share <x>', 'share of cross-margin accounts, 0 to 1', '0.3')
    .option('--near-share <x>', 'share of accounts with a health factor in [1.00, 1.05), 0 to 0.45', '0.01')
    .option('--json', 'print the result as JSON')
    .option('--out <file>', 'also write the JSON result to a file')
    .action(async (flags: DetectFlags) => {
      const crossShare = Number(flags.crossShare);
      if (!(crossShare >= 0 && crossShare <= 1)) {
        throw new InvalidParameterError(
          '--cross-share',
          `must be a number in [0, 1], got "${flags.crossShare}"`,
        );
      }
      const nearShare = Number(flags.nearShare);
      if (!(nearShare >= 0 && nearShare <= 0.45)) {
        throw new InvalidParameterError(
          '--near-share',
          `must be a number in [0, 0.45], got "${flags.nearShare}"`,
        );
      }
      const result = runDetectBench({
        accounts: integerFlag('--accounts', flags.accounts, 1),
        seed: integerFlag('--seed', flags.seed, 0),
        ticks: integerFlag('--ticks', flags.ticks, 1),
        crossShare,
        nearShare,
        progress: (line) => context.stderr(`bench: ${line}\n`),
      });
      const json = `${JSON.stringify(result, null, 2)}\n`;
      if (flags.out !== undefined) await writeFile(flags.out, json);
      context.stdout(flags.json === true ? json : formatDetectBench(result));
    });
}
