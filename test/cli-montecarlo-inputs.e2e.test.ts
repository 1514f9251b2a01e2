/**
 * End-to-end tests of what `solvent stress --paths` hands to its workers beyond the defaults: the
 * network flags (--pga, --tx-failure-rate, --block-gas) and composed protocol files, each path
 * checked against `solvent stress --seed <path seed>` run alone; and --book-per-path on stress and
 * sweep, where path k is exactly the run of its seed with a book drawn from that seed. Every
 * Monte Carlo run gives the same JSON on 1 and 3 workers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { pathSeeds } from '../src/sim/montecarlo.js';
import { type CliResult, solvent } from './support.js';

const temp = mkdtempSync(join(tmpdir(), 'solvent-mc-inputs-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** As given on the command line (the tests run from the repository root). */
const COMPOSED = 'examples/composed-lending-auction.yaml';

/** A 10-vault snapshot: the same book whatever the seed, so a path can be rerun alone. */
const snapshot = join(temp, 'book.json');
writeFileSync(
  snapshot,
  JSON.stringify({
    format: 'solvent-book/1',
    asOf: '2020-03-12',
    prices: { DAI: '1', USDC: '1' },
    accounts: Array.from({ length: 10 }, (_, i) => ({
      id: `v${i}`,
      collateral: [{ asset: 'ETH', amount: String(60 + 6 * i) }],
      debt: [{ asset: 'DAI', amount: String(8000 + 150 * i) }],
    })),
  }),
);

interface MonteCarlo {
  readonly paths: number;
  readonly badDebtUsdByPath: number[];
  readonly liquidatedDebtUsdByPath: number[];
}
interface Summary {
  readonly protocol: string;
  readonly badDebtUsd: number;
  readonly liquidatedDebtUsd: number;
  readonly keeperFailures: number;
  readonly monteCarlo?: MonteCarlo;
  readonly bookPerPath?: boolean;
  readonly reproduce: string;
}

function ok(run: CliResult): CliResult {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run;
}

/** `solvent stress ... --json` as a list of summaries (one per protocol). */
function summaries(args: readonly string[]): Summary[] {
  const parsed = JSON.parse(ok(solvent(['stress', ...args, '--json'])).stdout) as Summary | Summary[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

describe('solvent stress --paths with network flags and protocol files', () => {
  const network = ['--pga', '--tx-failure-rate', '0.5', '--block-gas', '400000'];
  const args = ['--protocol', COMPOSED, '--protocol', 'maker-liq1', '--book', snapshot, '--seed', '3'];

  test('default: the same JSON on 1 and 3 workers; path k is the run of its seed with every flag', () => {
    const one = ok(solvent(['stress', ...args, ...network, '--paths', '2', '--workers', '1', '--json']));
    const three = ok(solvent(['stress', ...args, ...network, '--paths', '2', '--workers', '3', '--json']));
    expect(three.stdout).toBe(one.stdout);
    const mc = JSON.parse(one.stdout) as Summary[];
    expect(mc.map((s) => s.protocol)).toEqual(['eth-usdc-auction', 'maker-liq1']);
    expect(mc[0]?.reproduce).toBe(
      `solvent stress --protocol ${COMPOSED} --protocol maker-liq1 --scenario black-thursday-2020 --book ${snapshot} --seed 3 --pga --tx-failure-rate 0.5 --block-gas 400000 --paths 2`,
    );
    // Every path opens the snapshot, so path k is `solvent stress --seed <its seed>` with the same flags.
    const seeds = pathSeeds(3, 2);
    seeds.forEach((seed, k) => {
      const alone = summaries([...args.slice(0, -1), String(seed), ...network]);
      alone.forEach((run, p) => {
        expect(mc[p]?.monteCarlo?.badDebtUsdByPath[k]).toBe(run.badDebtUsd);
        expect(mc[p]?.monteCarlo?.liquidatedDebtUsdByPath[k]).toBe(run.liquidatedDebtUsd);
      });
    });
    // Half the transactions dropped still leaves liquidations on every path of both protocols.
    for (const run of mc) expect(run.monteCarlo?.liquidatedDebtUsdByPath.every((usd) => usd > 0)).toBe(true);
    // The flags matter on this book: path 1 of maker-liq1 run alone without them ends otherwise.
    const [, plain] = summaries([...args.slice(0, -1), String(seeds[1])]);
    expect(plain?.badDebtUsd).not.toBe(mc[1]?.monteCarlo?.badDebtUsdByPath[1]);
  });

  test('behavior: every keeper transaction dropped leaves nothing liquidated on any path, either protocol', () => {
    const mc = summaries([...args, '--tx-failure-rate', '1', '--paths', '2']);
    for (const run of mc) {
      expect(run.liquidatedDebtUsd).toBe(0);
      expect(run.monteCarlo?.liquidatedDebtUsdByPath).toEqual([0, 0]);
    }
    // (With half of them dropped the same paths do liquidate: see the test above.)
  });

  test('error: a bad protocol file with --paths names the file and the field, exits 2, writes nothing', () => {
    const bad = join(temp, 'bad-composed.yaml');
    const text = readFileSync(COMPOSED, 'utf8').replace('bufBps: 11000', 'bufBps: -5');
    writeFileSync(bad, text);
    const line = text.split('\n').findIndex((l) => l.includes('bufBps: -5')) + 1;
    const out = join(temp, 'bad-out');
    const run = solvent(['stress', '--protocol', bad, '--book', '10', '--paths', '2', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${bad}: execution.bufBps (line ${line}): `);
    expect(run.stderr).not.toContain('    at ');
    expect(existsSync(out)).toBe(false);
  });
});

describe('--book-per-path', () => {
  test('default: stress: path k opens the book of its own seed; same JSON on 1 and 3 workers', () => {
    const args = ['--protocol', 'maker-liq1', '--book', '12', '--seed', '3', '--paths', '2'];
    const one = ok(solvent(['stress', ...args, '--book-per-path', '--workers', '1', '--json']));
    const three = ok(solvent(['stress', ...args, '--book-per-path', '--workers', '3', '--json']));
    expect(three.stdout).toBe(one.stdout);
    const mc = JSON.parse(one.stdout) as Summary;
    expect(mc.bookPerPath).toBe(true);
    expect(mc.reproduce).toBe(
      'solvent stress --protocol maker-liq1 --scenario black-thursday-2020 --book 12 --seed 3 --paths 2 --book-per-path',
    );
    // Path k is `solvent stress --seed <its seed> --book 12`: that run draws its book from its seed.
    pathSeeds(3, 2).forEach((seed, k) => {
      const [alone] = summaries(['--protocol', 'maker-liq1', '--book', '12', '--seed', String(seed)]);
      expect(mc.monteCarlo?.badDebtUsdByPath[k]).toBe(alone?.badDebtUsd);
      expect(mc.monteCarlo?.liquidatedDebtUsdByPath[k]).toBe(alone?.liquidatedDebtUsd);
    });
    // The books differ from the run seed's, which every path opens by default: the liquidated debt
    // (all of this small book on Black Thursday) differs from the run of the seed on some path.
    expect(mc.monteCarlo?.liquidatedDebtUsdByPath.some((usd) => usd !== mc.liquidatedDebtUsd)).toBe(true);
    const text = ok(solvent(['stress', ...args, '--book-per-path'])).stdout;
    expect(text).toContain('Monte Carlo book: each path draws its own synthetic book from its seed');
  });

  test('behavior: sweep --book-per-path gives at each point what stress --paths --book-per-path gives', () => {
    const sweepArgs = [
      'sweep',
      '--protocol',
      'maker-liq1',
      '--grid',
      'gas.flatGwei=20',
      '--scenario',
      'may-2021',
      '--book',
      '8',
      '--seed',
      '5',
      '--paths',
      '2',
      '--book-per-path',
      '--json',
    ];
    const one = ok(solvent([...sweepArgs, '--workers', '1']));
    expect(ok(solvent([...sweepArgs, '--workers', '3'])).stdout).toBe(one.stdout);
    const sweep = JSON.parse(one.stdout) as {
      bookPerPath?: boolean;
      points: { monteCarlo?: MonteCarlo }[];
      reproduce: string;
    };
    expect(sweep.bookPerPath).toBe(true);
    expect(sweep.reproduce).toContain('--paths 2 --book-per-path');
    const [stress] = summaries([
      '--protocol',
      'maker-liq1',
      '--scenario',
      'may-2021',
      '--gas-flat',
      '20',
      '--book',
      '8',
      '--seed',
      '5',
      '--paths',
      '2',
      '--book-per-path',
    ]);
    expect(sweep.points[0]?.monteCarlo).toEqual(stress?.monteCarlo);
  });

  test('error: without --paths, or with a snapshot book, it is refused naming the flag', () => {
    for (const args of [
      ['stress', '--book', '10', '--book-per-path'],
      ['stress', '--book', snapshot, '--paths', '2', '--book-per-path'],
      ['sweep', '--grid', 'gas.flatGwei=1', '--book', '10', '--book-per-path'],
      ['compare', '--protocol', 'maker-liq1', '--protocol', 'maker-liq2', '--book', '10', '--book-per-path'],
    ]) {
      const run = solvent(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: Invalid --book-per-path: /);
    }
  });
});
