/**
 * End-to-end tests of `solvent sweep`, `solvent optimize` and `solvent compare` on the built CLI:
 * grids checked against `solvent stress` with the same settings, worker-count independence, the
 * optimize answer against its own evaluations, the liq1/liq2 comparison, and refused flags.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { defaultStressParamsJson } from '../src/sim/stress.js';
import { solvent } from './support.js';

const temp = mkdtempSync(join(tmpdir(), 'solvent-sweep-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** maker-liq1's default parameters with chop 1.05 instead of 1.13, for `solvent stress --params`. */
const chop105 = join(temp, 'chop105.json');
const params = defaultStressParamsJson('maker-liq1') as { ilks: Record<string, Record<string, unknown>> };
writeFileSync(
  chop105,
  JSON.stringify({
    ...params,
    ilks: { 'ETH-A': { ...params.ilks['ETH-A'], chopWad: '1050000000000000000' } },
  }),
);

interface Stats {
  readonly p50: number;
  readonly p99: number;
}
interface SweepJson {
  readonly protocol: string;
  readonly paths: number;
  readonly knobs: { knob: string; values: (number | string)[] }[];
  readonly points: {
    pointIndex: number;
    knobValues: (number | string)[];
    metrics: Record<string, Stats>;
    monteCarlo?: unknown;
  }[];
  readonly reproduce: string;
}
interface StressJson {
  readonly protocol: string;
  readonly badDebtUsd: number;
  readonly liquidatedDebtUsd: number;
  readonly keeperProfitUsd: number;
  readonly borrowerLossUsd: number;
  readonly zeroBidAuctions: number;
  readonly monteCarlo?: unknown;
}

function json<T>(run: { code: number | null; stdout: string; stderr: string }): T {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

describe('solvent sweep', () => {
  const grid = [
    'sweep',
    '--protocol',
    'maker-liq1',
    '--grid',
    'params.ilks.ETH-A.chopWad=1.05e18,1.13e18',
    '--grid',
    'venue.depthUsd=2e7,2e6',
    '--book',
    '20',
    '--seed',
    '3',
  ];

  test('default: a 2×2 grid; each point is the stress run with those settings; files written', () => {
    const out = join(temp, 'sweep');
    const sweep = json<SweepJson>(solvent([...grid, '--json', '--out', out]));
    expect(sweep.points.map((p) => p.knobValues)).toEqual([
      ['1.05e18', 20_000_000],
      ['1.05e18', 2_000_000],
      ['1.13e18', 20_000_000],
      ['1.13e18', 2_000_000],
    ]);
    // chop 1.05 at the default depth is `stress --params` with chop 1.05; chop 1.13 is the default run.
    const withChop = json<StressJson>(
      solvent([
        'stress',
        '--protocol',
        'maker-liq1',
        '--params',
        chop105,
        '--book',
        '20',
        '--seed',
        '3',
        '--json',
      ]),
    );
    const plain = json<StressJson>(
      solvent(['stress', '--protocol', 'maker-liq1', '--book', '20', '--seed', '3', '--json']),
    );
    for (const [point, run] of [
      [sweep.points[0], withChop],
      [sweep.points[2], plain],
    ] as const) {
      for (const m of [
        'badDebtUsd',
        'liquidatedDebtUsd',
        'keeperProfitUsd',
        'borrowerLossUsd',
        'zeroBidAuctions',
      ] as const) {
        expect(point?.metrics[m]?.p50).toBe(run[m]);
        expect(point?.metrics[m]?.p99).toBe(run[m]);
      }
    }
    // The knob matters: chop changes the auctions' lots, so bad debt differs.
    expect(withChop.badDebtUsd).not.toBe(plain.badDebtUsd);
    expect(readFileSync(join(out, 'sweep.json'), 'utf8')).toBe(`${JSON.stringify(sweep, null, 2)}\n`);
    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]?.startsWith('params.ilks.ETH-A.chopWad,venue.depthUsd,badDebtUsd,liquidatedDebtUsd,')).toBe(
      true,
    );
    expect(csv.length).toBe(5);
    expect(csv[1]?.startsWith(`1.05e18,20000000,${withChop.badDebtUsd},`)).toBe(true);
    const html = readFileSync(join(out, 'sweep.html'), 'utf8');
    const heatmap = /id="heatmap-value">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    expect(heatmap.match(/<g class="cell"/g)?.length).toBe(4);
    expect(heatmap).toContain(`data-row="0" data-column="0" data-value="${withChop.badDebtUsd}"`);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  test('behavior: the text table has a row per first-knob value and a column per second; it reproduces', () => {
    // A float range: 12.5, 25, 37.5.
    const args = [...grid.slice(0, 5), '--grid', 'gas.flatGwei=12.5:37.5:12.5', ...grid.slice(7)];
    const run = solvent(args);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('params.ilks.ETH-A.chopWad'));
    expect(lines[header - 1]).toMatch(/gas\.flatGwei →$/);
    expect(lines[header]?.trim().split(/\s+/)).toEqual(['params.ilks.ETH-A.chopWad', '12.5', '25', '37.5']);
    const row = (label: string): string[] =>
      lines
        .find((l) => l.startsWith(`${label} `))
        ?.trim()
        .split(/\s+/) ?? [];
    for (const label of ['1.05e18', '1.13e18']) {
      const cells = row(label);
      expect(cells.length).toBe(4);
      for (const cell of cells.slice(1)) expect(cell).toMatch(/^\d+\.\d\d$/);
    }
    // Chop changes liq1's bad debt on this book (see the default test), so the rows differ.
    expect(row('1.05e18')[1]).not.toBe(row('1.13e18')[1]);
    const command = /reproduce: (.*)\n/.exec(run.stdout)?.[1] ?? '';
    expect(command).toContain(
      '--grid params.ilks.ETH-A.chopWad=1.05e18,1.13e18 --grid gas.flatGwei=12.5:37.5:12.5',
    );
    expect(solvent(command.split(' ').slice(1)).stdout).toBe(run.stdout);
  });

  test('behavior: --paths gives the same JSON on 1 and 3 workers, equal to stress --paths with the settings', () => {
    const args = [
      'sweep',
      '--protocol',
      'maker-liq1',
      '--grid',
      'params.ilks.ETH-A.chopWad=1.05e18:1.2e18:0.15e18',
      '--book',
      '20',
      '--seed',
      '3',
      '--paths',
      '3',
      '--json',
    ];
    const one = solvent([...args, '--workers', '1']);
    const three = solvent([...args, '--workers', '3']);
    const sweep = json<SweepJson>(one);
    expect(three.stdout).toBe(one.stdout);
    expect(sweep.paths).toBe(3);
    // A whole range beyond 2^53 is kept exact, as decimal text.
    expect(sweep.knobs[0]?.values).toEqual(['1050000000000000000', '1200000000000000000']);
    const stress = json<StressJson>(
      solvent([
        'stress',
        '--protocol',
        'maker-liq1',
        '--params',
        chop105,
        '--book',
        '20',
        '--seed',
        '3',
        '--paths',
        '3',
        '--json',
      ]),
    );
    expect(sweep.points[0]?.monteCarlo).toEqual(stress.monteCarlo);
  });

  test('error: bad grids and flags exit 2 naming the flag, and write nothing', () => {
    const base = ['sweep', '--protocol', 'maker-liq1', '--book', '20'];
    for (const [args, flag] of [
      [['--grid', 'keepers.gasCapGwei'], '--grid'],
      [['--grid', 'keepers.gasCap=1,2'], '--grid'],
      [['--grid', 'keepers.gasCapGwei=1,,2'], '--grid'],
      [['--grid', 'keepers.gasCapGwei='], '--grid'],
      [['--grid', 'keepers.gasCapGwei=9:1:1'], '--grid'],
      [['--grid', 'keepers.gasCapGwei=-5,10'], '--grid'],
      [['--grid', 'params.ilks.ETH-A.chop=1'], '--grid'],
      [[], '--grid'],
      [['--grid', 'gas.flatGwei=1', '--grid', 'venue.depthUsd=1', '--grid', 'book.accounts=1'], '--grid'],
      [['--grid', 'gas.flatGwei=1', '--metric', 'loss'], '--metric'],
      [['--grid', 'gas.flatGwei=1', '--paths', '0'], '--paths'],
    ] as const) {
      const out = join(temp, `refused-${flag}-${args.length}`);
      const run = solvent([...base, ...args, '--out', out]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).toContain(flag);
      expect(run.stderr).not.toContain('    at ');
      expect(existsSync(out)).toBe(false);
    }
  });
});

interface OptimizeJson {
  readonly status: string;
  readonly answer: number;
  readonly trend: string;
  readonly tolerance: number;
  readonly bracket: { meets: number; fails: number };
  readonly evaluations: {
    value: number;
    p99BadDebtUsd: number;
    p50BadDebtUsd: number;
    meetsTarget: boolean;
  }[];
  readonly monotonicityViolations: unknown[];
}

describe('solvent optimize', () => {
  const args = [
    'optimize',
    '--protocol',
    'maker-liq1',
    '--knob',
    'keepers.gasCapGwei',
    '--min',
    '10',
    '--max',
    '300',
    '--target-p99-bad-debt',
    '50000',
    '--tolerance',
    '20',
    '--book',
    '30',
    // A book and seed whose bad debt falls with the cap at every evaluated value (single paths of
    // a small book need not be monotone; the text test below asserts no violation).
    '--seed',
    '9',
  ];

  test('default: a higher gas cap means less bad debt: the answer is the smallest cap meeting the target', () => {
    const out = json<OptimizeJson>(solvent([...args, '--json']));
    expect(out.status).toBe('found');
    expect(out.trend).toBe('decreasing');
    expect(out.tolerance).toBe(20);
    expect(out.monotonicityViolations).toEqual([]);
    const [first, second] = out.evaluations;
    expect([first?.value, second?.value]).toEqual([10, 300]);
    expect(first?.meetsTarget).toBe(false);
    expect(second?.meetsTarget).toBe(true);
    // The answer's side, checked on the evaluated points: every cap at or above it met the target,
    // every cap below it did not.
    for (const e of out.evaluations) {
      expect(e.meetsTarget).toBe(e.p99BadDebtUsd <= 50_000);
      expect(e.meetsTarget).toBe(e.value >= out.answer);
    }
    expect(out.bracket.meets).toBe(out.answer);
    expect(out.bracket.fails).toBeLessThan(out.answer);
    expect(out.answer - out.bracket.fails).toBeLessThanOrEqual(20);
    expect(out.evaluations.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(290 / 20)));
    // The answer's evaluation is what a sweep at that cap gives.
    const atAnswer = json<SweepJson>(
      solvent([
        'sweep',
        '--protocol',
        'maker-liq1',
        '--grid',
        `keepers.gasCapGwei=${out.answer}`,
        '--book',
        '30',
        '--seed',
        '9',
        '--json',
      ]),
    );
    const evaluated = out.evaluations.find((e) => e.value === out.answer);
    expect(atAnswer.points[0]?.metrics.badDebtUsd?.p99).toBe(evaluated?.p99BadDebtUsd);
  });

  test('behavior: the text output lists every evaluation, the answer and its explanation', () => {
    const run = solvent(args);
    expect(run.code).toBe(0);
    const rows = run.stdout
      .split('\n')
      .filter((l) => /^\s*\d+\s+[\d.]+\s+\d+\.\d\d\s+\d+\.\d\d\s+(yes|no)$/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(run.stdout).toMatch(/answer: keepers\.gasCapGwei = [\d.]+\n/);
    expect(run.stdout).toContain('larger values are more conservative');
    expect(run.stdout).toContain('monotonicity violations: none');
  });

  test('error: an unreachable target and bad flags exit 2 naming what to fix', () => {
    const unreachable = solvent([
      ...args.slice(0, args.indexOf('--max')),
      '--max',
      '50',
      '--target-p99-bad-debt',
      '1000',
      '--book',
      '30',
      '--seed',
      '3',
    ]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/^error: No value of keepers\.gasCapGwei/);
    expect(unreachable.stderr).toContain('keepers.gasCapGwei = 10: p99 bad debt');
    expect(unreachable.stderr).toContain('keepers.gasCapGwei = 50: p99 bad debt');
    const flags = ['optimize', '--protocol', 'maker-liq1', '--book', '20'];
    for (const [extra, flag] of [
      [['--knob', 'keepers.gasCap', '--min', '1', '--max', '2', '--target-p99-bad-debt', '1'], '--knob'],
      [['--knob', 'keepers.gasCapGwei', '--min', '5', '--max', '5', '--target-p99-bad-debt', '1'], '--min'],
      [
        ['--knob', 'keepers.gasCapGwei', '--min', '1', '--max', '5', '--target-p99-bad-debt', 'lots'],
        '--target-p99-bad-debt',
      ],
      [['--knob', 'keepers.gasCapGwei', '--min', '-1', '--max', '5', '--target-p99-bad-debt', '1'], '--min'],
      [['--knob', 'keepers.gasCapGwei', '--min', '1', '--max', '5'], '--target-p99-bad-debt'],
      [
        [
          '--knob',
          'keepers.gasCapGwei',
          '--min',
          '1',
          '--max',
          '5',
          '--target-p99-bad-debt',
          '1',
          '--direction',
          'up',
        ],
        '--direction',
      ],
    ] as const) {
      const run = solvent([...flags, ...extra]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).toContain(flag);
      expect(run.stderr).not.toContain('    at ');
    }
  });
});

interface CompareJson {
  readonly runs: { protocol: string; summary: StressJson; monteCarlo?: unknown }[];
  readonly reproduce: string;
}

describe('solvent compare', () => {
  test('default: liq1 vs liq2 on the same book: liq1 ends with more bad debt; same figures as stress', () => {
    const out = join(temp, 'compare');
    const args = [
      '--protocol',
      'maker-liq1',
      '--protocol',
      'maker-liq2',
      '--book',
      '30',
      '--seed',
      '3',
      '--paths',
      '3',
    ];
    const compare = json<CompareJson>(solvent(['compare', ...args, '--json', '--out', out]));
    const stress = json<StressJson[]>(solvent(['stress', ...args, '--json']));
    expect(compare.runs.map((r) => r.protocol)).toEqual(['maker-liq1', 'maker-liq2']);
    const [liq1, liq2] = compare.runs;
    expect(liq1?.summary.badDebtUsd).toBeGreaterThan(liq2?.summary.badDebtUsd ?? Number.POSITIVE_INFINITY);
    compare.runs.forEach((r, i) => {
      const {
        monteCarlo,
        reproduce: _reproduce,
        ...summary
      } = stress[i] as StressJson & { reproduce: string };
      expect(r.summary).toEqual(summary);
      expect(r.monteCarlo).toEqual(monteCarlo);
    });
    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    for (const id of [
      'chart-outcomes',
      'chart-counts',
      'chart-bad-debt-quantiles',
      'chart-liquidated-debt-quantiles',
    ]) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain('<tr data-field="badDebtUsd">');
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trimEnd().split('\n');
    expect(csv.length).toBe(3);
    expect(csv[1]?.startsWith('maker-liq1,')).toBe(true);
  });

  test('behavior: the text table puts the protocols side by side and names the lowest bad debt', () => {
    const run = solvent([
      'compare',
      '--protocol',
      'maker-liq1',
      '--protocol',
      'maker-liq2',
      '--book',
      '30',
      '--seed',
      '3',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\s+maker-liq1\s+maker-liq2\n/);
    expect(run.stdout).toMatch(/bad debt USD\s+\d+\.\d\d\s+0\.00\n/);
    expect(run.stdout).toMatch(/bad debt: lowest maker-liq2 \(0\.00 USD\), highest maker-liq1/);
  });

  test('error: fewer than two protocols or an unknown one exit 2 naming --protocol', () => {
    for (const protocols of [['maker-liq1'], ['maker-liq1', 'maker-liq9'], ['maker-liq1', 'maker-liq1']]) {
      const run = solvent(['compare', ...protocols.flatMap((p) => ['--protocol', p]), '--book', '20']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: Invalid --protocol/);
    }
  });
});
