/** End-to-end tests of `solvent stress --paths`: Monte Carlo over worker threads, reproducible by seed. */
import { describe, expect, test } from 'vitest';
import { solvent } from './support.js';

interface Stats {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly ci95: Record<'p50' | 'p95' | 'p99' | 'mean', [number, number]>;
}
interface Summary {
  readonly protocol: string;
  readonly monteCarlo: {
    readonly paths: number;
    readonly badDebtUsd: Stats;
    readonly liquidatedDebtUsd: Stats;
  };
  readonly reproduce: string;
}

const base = ['stress', '--protocol', 'maker-liq1', '--book', '30', '--seed', '3', '--paths', '6'];

describe('solvent stress --paths', () => {
  test('default: the same JSON with 1 and 3 workers; VaR and LaR percentiles with intervals', () => {
    const one = solvent([...base, '--workers', '1', '--json']);
    const three = solvent([...base, '--workers', '3', '--json']);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(three.stdout).toBe(one.stdout);
    const summary = JSON.parse(one.stdout) as Summary;
    expect(summary.reproduce).toBe(
      'solvent stress --protocol maker-liq1 --scenario black-thursday-2020 --book 30 --seed 3 --paths 6',
    );
    expect(summary.monteCarlo.paths).toBe(6);
    for (const stats of [summary.monteCarlo.badDebtUsd, summary.monteCarlo.liquidatedDebtUsd]) {
      expect(stats.min).toBeLessThanOrEqual(stats.p50);
      expect(stats.p50).toBeLessThanOrEqual(stats.p95);
      expect(stats.p95).toBeLessThanOrEqual(stats.p99);
      expect(stats.p99).toBeLessThanOrEqual(stats.max);
      for (const q of ['p50', 'p95', 'p99', 'mean'] as const) {
        const [lo, hi] = stats.ci95[q];
        expect(lo).toBeLessThanOrEqual(hi);
        expect(lo).toBeGreaterThanOrEqual(stats.min);
        expect(hi).toBeLessThanOrEqual(stats.max);
      }
    }
    // Each path has its own seed: the scenario's prices differ, so maker-liq1's bad debt does too.
    expect(summary.monteCarlo.badDebtUsd.min).toBeLessThan(summary.monteCarlo.badDebtUsd.max);
  });

  test('behavior: the text table adds the Monte Carlo rows; the reproduce command gives the same output', () => {
    const run = solvent([
      'stress',
      '--protocol',
      'maker-liq2',
      '--book',
      '30',
      '--seed',
      '4',
      '--paths',
      '3',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Monte Carlo paths\s+3\n/);
    expect(run.stdout).toMatch(/bad debt p99 USD\s+\d+\.\d\d\n/);
    expect(run.stdout).toMatch(/liquidated debt p99 95% CI USD\s+\d+\.\d\d\.\.\d+\.\d\d\n/);
    const command = /reproduce: (.*)\n/.exec(run.stdout)?.[1] ?? '';
    expect(command).toContain('--paths 3');
    expect(solvent([...command.split(' ').slice(1), '--workers', '2']).stdout).toBe(run.stdout);
  });

  test('error: a bad --paths or --workers exits 2 naming the flag', () => {
    for (const [args, flag] of [
      [['--paths', '0'], '--paths'],
      [['--paths', 'many'], '--paths'],
      [['--paths', '4', '--workers', '0'], '--workers'],
      [['--paths', '4', '--workers', '1.5'], '--workers'],
    ] as const) {
      const run = solvent(['stress', '--book', '30', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).toContain(flag);
      expect(run.stderr).not.toContain('    at ');
    }
  });
});
