/**
 * End-to-end tests of the oracle feed flags of `solvent stress`, `compare` and `sweep`
 * (--oracle-heartbeat, --oracle-deviation, --oracle-delay, --oracle-noise, --osm-hop,
 * --oracle-spike, --oracle-outage): a manipulated spike liquidates where the market alone does not,
 * the printed reproduce command (flags normalised) gives the same output byte for byte, the flags
 * reach the Monte Carlo workers (the same JSON on 1 and 3 workers, path k the run of its seed), and
 * a bad flag exits 2 naming it with nothing written. Needs `npm run build` first.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { pathSeeds } from '../src/sim/montecarlo.js';
import { type CliResult, solvent } from './support.js';

const temp = mkdtempSync(join(tmpdir(), 'solvent-oracle-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

// May 2021 runs 4 h from 2021-05-19T12:10Z (unix 1621426200). The spike: 13:10 to 13:40 UTC,
// where the sources report 70 % of the market.
const SPIKE_FROM = 1_621_426_200 + 3600;
const SPIKE_TO = SPIKE_FROM + 1800;
const SPIKE = '2021-05-19T13:10Z..2021-05-19T13:40Z:0.7';
const MARKET = ['--protocol', 'aave-v3.3', '--scenario', 'may-2021', '--book', '40', '--seed', '7'];

function ok(run: CliResult): CliResult {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run;
}

/** The `reproduce:` line of a text output, as argv without the program name. */
function reproduceArgs(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith('reproduce: '));
  expect(line).toBeDefined();
  const words = (line as string).slice('reproduce: '.length).split(' ');
  expect(words[0]).toBe('solvent');
  return words.slice(1);
}

/** Per-step liquidations of a series CSV, by time. */
function liquidationsByTime(path: string): Map<number, number> {
  const [header = '', ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header.split(',');
  const t = columns.indexOf('t');
  const started = columns.indexOf('liquidationsStarted');
  return new Map(
    rows.map((row) => {
      const cells = row.split(',');
      return [Number(cells[t]), Number(cells[started])];
    }),
  );
}

interface Summary {
  readonly liquidations: number;
  readonly liquidatedDebtUsd: number;
  readonly badDebtUsd: number;
  readonly reproduce: string;
  readonly monteCarlo?: { readonly liquidatedDebtUsdByPath: number[]; readonly badDebtUsdByPath: number[] };
}

describe('solvent stress --oracle-spike', () => {
  test('behavior: a downward spike of the feed liquidates more than the market alone, starting in its window', () => {
    const plainDir = join(temp, 'plain');
    const spikeDir = join(temp, 'spike');
    const plain = JSON.parse(
      ok(solvent(['stress', ...MARKET, '--json', '--out', plainDir])).stdout,
    ) as Summary;
    const wick = JSON.parse(
      ok(solvent(['stress', ...MARKET, '--oracle-spike', SPIKE, '--json', '--out', spikeDir])).stdout,
    ) as Summary;
    expect(wick.liquidations).toBeGreaterThan(plain.liquidations);
    expect(wick.liquidatedDebtUsd).toBeGreaterThan(plain.liquidatedDebtUsd);
    expect(wick.reproduce).toBe(`solvent stress ${MARKET.join(' ')} --oracle-spike ${SPIKE}`);
    // Until the spike both runs liquidate the same; the first step where the spiked one liquidates
    // more lies inside the window (or the step after its end, when the last reading is acted on).
    const before = liquidationsByTime(join(plainDir, 'aave-v3.3.series.csv'));
    const after = liquidationsByTime(join(spikeDir, 'aave-v3.3.series.csv'));
    const first = [...after].find(([t, n]) => n > (before.get(t) ?? 0));
    expect(first).toBeDefined();
    const [t] = first as [number, number];
    expect(t).toBeGreaterThanOrEqual(SPIKE_FROM);
    expect(t).toBeLessThanOrEqual(SPIKE_TO + 900);
  });
});

describe('reproduce with oracle flags', () => {
  // Written un-normalised: leading zeros, exponents, unix seconds, trailing zeros.
  const flags = [
    '--oracle-heartbeat',
    '03600',
    '--oracle-deviation',
    '25',
    '--oracle-noise',
    '1e1',
    '--osm-hop',
    '0600',
    '--oracle-spike',
    `${SPIKE_FROM}..2021-05-19T13:40Z:0.70`,
    '--oracle-outage',
    '2021-05-19T14:30Z..1621438200',
    '--oracle-spike',
    '2021-05-19T15:00:30Z..2021-05-19T15:10Z:1.5',
  ];
  const normalised =
    '--oracle-heartbeat 3600 --oracle-deviation 25 --oracle-noise 10 --osm-hop 600 ' +
    `--oracle-spike ${SPIKE} --oracle-spike 2021-05-19T15:00:30Z..2021-05-19T15:10Z:1.5 ` +
    '--oracle-outage 2021-05-19T14:30Z..2021-05-19T15:30Z';

  test('default: stress prints the normalised flags, and the printed command gives the same output byte for byte', () => {
    const first = ok(solvent(['stress', ...MARKET, ...flags]));
    const args = reproduceArgs(first.stdout);
    expect(args.join(' ')).toBe(`stress ${MARKET.join(' ')} ${normalised}`);
    expect(ok(solvent(args)).stdout).toBe(first.stdout);
    // The flags change the run: without them the output differs.
    expect(ok(solvent(['stress', ...MARKET])).stdout).not.toBe(first.stdout);
  });

  test('behavior: compare and sweep print them too and reproduce byte for byte', () => {
    const compare = ok(
      solvent([
        'compare',
        '--protocol',
        'aave-v3.3',
        '--protocol',
        'aave-v3.5',
        '--scenario',
        'may-2021',
        '--book',
        '10',
        ...flags,
      ]),
    );
    const compareArgs = reproduceArgs(compare.stdout);
    expect(compareArgs.join(' ')).toBe(
      `compare --protocol aave-v3.3 --protocol aave-v3.5 --scenario may-2021 --book 10 --seed 7 ${normalised}`,
    );
    expect(ok(solvent(compareArgs)).stdout).toBe(compare.stdout);

    const sweep = ok(
      solvent([
        'sweep',
        '--protocol',
        'aave-v3.3',
        '--scenario',
        'may-2021',
        '--grid',
        'oracle.deviationBps=10,100',
        '--book',
        '10',
        ...flags,
      ]),
    );
    const sweepArgs = reproduceArgs(sweep.stdout);
    expect(sweepArgs.join(' ')).toBe(
      `sweep --protocol aave-v3.3 --scenario may-2021 --grid oracle.deviationBps=10,100 --metric badDebtUsd --book 10 --seed 7 ${normalised}`,
    );
    expect(ok(solvent(sweepArgs)).stdout).toBe(sweep.stdout);
  });
});

describe('--paths with oracle flags', () => {
  const args = [
    '--protocol',
    'aave-v3.3',
    '--scenario',
    'may-2021',
    '--book',
    '10',
    '--seed',
    '5',
    '--oracle-spike',
    SPIKE,
    '--oracle-heartbeat',
    '1800',
  ];

  test('default: stress gives the same JSON on 1 and 3 workers; path k is the run of its seed with the flags', () => {
    const mc = ['--paths', '3', '--book-per-path', '--json'];
    const one = ok(solvent(['stress', ...args, ...mc, '--workers', '1']));
    const three = ok(solvent(['stress', ...args, ...mc, '--workers', '3']));
    expect(three.stdout).toBe(one.stdout);
    const summary = JSON.parse(one.stdout) as Summary;
    const byPath = summary.monteCarlo?.liquidatedDebtUsdByPath ?? [];
    expect(byPath).toHaveLength(3);
    // With --book-per-path path k opens exactly the book of its seed: rerun path 0 alone.
    const [seed0] = pathSeeds(5, 3);
    const withSeed = (seed: number, extra: readonly string[]): Summary =>
      JSON.parse(
        ok(solvent(['stress', ...args.slice(0, 7), String(seed), ...extra, '--json'])).stdout,
      ) as Summary;
    const alone = withSeed(seed0 as number, args.slice(8));
    expect(byPath[0]).toBe(alone.liquidatedDebtUsd);
    // The flags reached the workers: without them path 0 liquidates less.
    expect(withSeed(seed0 as number, []).liquidatedDebtUsd).toBeLessThan(byPath[0] as number);
  });

  test('behavior: compare and sweep give the same JSON on 1 and 3 workers', () => {
    const compareArgs = ['compare', ...args, '--protocol', 'aave-v3.5', '--paths', '3', '--json'];
    expect(ok(solvent([...compareArgs, '--workers', '3'])).stdout).toBe(
      ok(solvent([...compareArgs, '--workers', '1'])).stdout,
    );
    const sweepArgs = ['sweep', ...args, '--grid', 'oracle.deviationBps=10,100', '--paths', '3', '--json'];
    const sweepOne = ok(solvent([...sweepArgs, '--workers', '1'])).stdout;
    expect(ok(solvent([...sweepArgs, '--workers', '3'])).stdout).toBe(sweepOne);
    expect(JSON.parse(sweepOne).reproduce).toContain(`--oracle-heartbeat 1800 --oracle-spike ${SPIKE}`);
  });
});

describe('bad oracle flags', () => {
  test('error: exit 2 naming the flag, nothing printed on stdout and no folder written', () => {
    const cases: [string, readonly string[], string][] = [
      ['stress', ['--oracle-spike', '2021-05-19T13:10Z..2021-05-19T13:40Z'], '--oracle-spike'],
      ['stress', ['--oracle-outage', '2021-02-30T00:00Z..2021-05-19T13:00Z'], '--oracle-outage'],
      ['stress', ['--oracle-outage', '2020-05-19T13:00Z..2020-05-19T14:00Z'], '--oracle-outage'],
      ['stress', ['--oracle-heartbeat', '0'], '--oracle-heartbeat'],
      ['compare', ['--protocol', 'aave-v3.5', '--oracle-deviation', '2.5'], '--oracle-deviation'],
      ['sweep', ['--grid', 'gas.flatGwei=10', '--oracle-noise', 'loud'], '--oracle-noise'],
      ['sweep', ['--grid', 'oracle.heartbeatSeconds=0,60'], '--grid'],
      ['stress', ['--oracle-delay', '1.5'], '--oracle-delay'],
    ];
    cases.forEach(([command, extra, flag], i) => {
      const out = join(temp, `bad-${i}`);
      const run = solvent([command, ...MARKET, ...extra, '--out', out]);
      expect(run.code, extra.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).toContain(flag);
      expect(run.stderr).not.toContain('    at ');
      expect(run.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    });
  });
});
