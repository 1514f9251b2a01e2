/** End-to-end tests of `solvent stress`: the summary, its reproducibility, the comparison and bad flags. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { solvent } from './support.js';

const temp = mkdtempSync(join(tmpdir(), 'solvent-stress-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const FIELDS = [
  'protocol',
  'scenario',
  'seed',
  'steps',
  'accounts',
  'liquidations',
  'liquidatedDebtUsd',
  'auctions',
  'zeroBidAuctions',
  'badDebtUsd',
  'insuranceFundDrawUsd',
  'socializedLossUsd',
  'adlVolumeUsd',
  'keeperProfitUsd',
  'borrowerLossUsd',
  'maxCascadeDepth',
  'reproduce',
];

describe('solvent stress', () => {
  test('default: --json prints every summary field and the command that reproduces it', () => {
    const run = solvent(['stress', '--protocol', 'maker-liq2', '--book', '60', '--seed', '3', '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    for (const field of FIELDS) expect(summary).toHaveProperty(field);
    expect(summary.reproduce).toBe(
      'solvent stress --protocol maker-liq2 --scenario black-thursday-2020 --book 60 --seed 3',
    );
    expect(typeof summary.badDebtUsd).toBe('number');
    expect(summary.liquidations).toBeGreaterThan(0);
  });

  test('behavior: the same seed gives the same output byte for byte; the comparison writes files', () => {
    const args = [
      'stress',
      '--protocol',
      'maker-liq1',
      '--protocol',
      'maker-liq2',
      '--book',
      '60',
      '--seed',
      '5',
    ];
    const one = solvent([...args, '--out', join(temp, 'a')]);
    const two = solvent([...args, '--out', join(temp, 'b')]);
    expect(one.code).toBe(0);
    expect(one.stdout.replace(join(temp, 'a'), '')).toBe(two.stdout.replace(join(temp, 'b'), ''));
    expect(one.stdout).toMatch(/zero-bid auctions\s+\d+\s+0\n/);
    const a = readFileSync(join(temp, 'a', 'summary.json'), 'utf8');
    expect(readFileSync(join(temp, 'b', 'summary.json'), 'utf8')).toBe(a);
    expect((JSON.parse(a) as unknown[]).length).toBe(2);
    const csv = readFileSync(join(temp, 'a', 'maker-liq2.series.csv'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(csv[0]).toBe(
      't,marketPriceUsd,oraclePriceUsd,gasGwei,liquidationsStarted,auctionsLive,badDebtUsd,cumulativeLiquidatedDebtUsd',
    );
    expect(csv.length).toBeGreaterThan(100);
  });

  test('error: an unsupported protocol, an unknown scenario and a bad book size exit 2 naming the problem', () => {
    for (const [args, text] of [
      [['--protocol', 'aave-v3.3'], 'protocol'],
      [['--scenario', 'tulip-1637'], 'tulip-1637'],
      [['--book', '0'], '--book'],
    ] as const) {
      const run = solvent(['stress', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).toContain(text);
      expect(run.stderr).not.toContain('    at ');
    }
  });
});
