/** End-to-end tests of `solvent stress`: the summary, its reproducibility, the comparison and bad flags. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  describe('replay', () => {
    // 12 h of 10-minute ETH bars falling 200 → 100 over 6 h, and a gas file whose p60 column is
    // 20 gwei for 3 h and 300 gwei after (avg_gwei is a different column, to check the choice).
    const dir = join(temp, 'replay');
    mkdirSync(dir, { recursive: true });
    const t0 = 1_583_971_200;
    const eth = join(dir, 'eth.csv');
    const gas = join(dir, 'gas.csv');
    const steps = Array.from({ length: 73 }, (_, k) => k);
    writeFileSync(
      eth,
      [
        'timestamp,price',
        ...steps.map((k) => `${t0 + 600 * k},${k <= 36 ? 200 - (100 * k) / 36 : 100}`),
      ].join('\n'),
    );
    const p60 = (k: number) => (k < 18 ? 20 : 300);
    writeFileSync(
      gas,
      ['timestamp,avg_gwei,p60_gwei', ...steps.map((k) => `${t0 + 600 * k},${p60(k) + 7},${p60(k)}`)].join(
        '\n',
      ),
    );

    test('default: --prices and --gas replay the files and print how to reproduce it', () => {
      const args = [
        'stress',
        '--prices',
        `ETH=${eth}`,
        '--gas',
        `${gas}:p60_gwei`,
        '--book',
        '60',
        '--seed',
        '3',
      ];
      const run = solvent([...args, '--json', '--out', join(dir, 'out')]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const summary = JSON.parse(run.stdout) as Record<string, unknown>;
      for (const field of FIELDS) expect(summary).toHaveProperty(field);
      expect(summary.scenario).toBe('replay:eth.csv');
      expect(summary.steps).toBe(73);
      expect(summary.reproduce).toBe(
        `solvent stress --protocol maker-liq2 --prices ETH=${eth} --gas ${gas}:p60_gwei --book 60 --seed 3`,
      );
      // The series carries the file's p60 gas and its times.
      const rows = readFileSync(join(dir, 'out', 'maker-liq2.series.csv'), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(1);
      expect(rows.map((r) => Number(r.split(',')[0]))).toEqual(steps.map((k) => t0 + 600 * k));
      expect(rows.map((r) => Number(r.split(',')[3]))).toEqual(steps.map(p60));
      // The reproduce command gives the same summary.
      const again = solvent([...(summary.reproduce as string).split(' ').slice(1), '--json']);
      expect(again.stdout).toBe(run.stdout);
    });

    test('error: a missing file, a bad row, no ETH, --scenario with --prices, --gas alone exit 2', () => {
      const bad = join(dir, 'bad.csv');
      writeFileSync(bad, `timestamp,price\n${t0},200\n${t0 + 600},abc\n`);
      for (const [args, text] of [
        [['--prices', `ETH=${join(dir, 'nope.csv')}`], 'nope.csv'],
        [['--prices', `ETH=${bad}`], 'bad.csv:3 (price)'],
        [['--prices', `DAI=${eth}`], 'ETH'],
        [['--prices', 'eth.csv'], '--prices'],
        [['--prices', `ETH=${eth}`, '--scenario', 'may-2021'], '--scenario'],
        [['--gas', gas], '--gas'],
        [['--prices', `ETH=${eth}`, '--gas', `${gas}:p99_gwei`], 'p99_gwei'],
      ] as const) {
        const run = solvent(['stress', ...args]);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/^error: /);
        expect(run.stderr).toContain(text);
        expect(run.stderr).not.toContain('    at ');
      }
    });
  });

  test('behavior: --out writes report.html with the summary table and says so', () => {
    const dir = join(temp, 'report');
    const run = solvent(['stress', '--protocol', 'maker-liq2', '--book', '40', '--seed', '7', '--out', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('report.html');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const table = html.slice(html.indexOf('<table id="summary">'), html.indexOf('</table>'));
    expect(table).toContain('<th scope="col">maker-liq2</th>');
    const summary = (
      JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>[]
    )[0];
    expect(table).toContain(
      `<tr data-field="liquidations"><th scope="row">liquidations</th><td>${summary?.liquidations}</td>`,
    );
    expect(html).toContain(
      '<pre id="reproduce"><code>solvent stress --protocol maker-liq2 --scenario black-thursday-2020 --book 40 --seed 7</code></pre>',
    );
    expect(html).not.toMatch(/https?:\/\/|<script/);
  });

  test('error: an unsupported protocol, an unknown scenario and a bad book size exit 2 naming the problem', () => {
    for (const [args, text] of [
      [['--protocol', 'morpho-blue'], 'protocol'],
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
