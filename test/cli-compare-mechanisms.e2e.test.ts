/**
 * End-to-end tests of `solvent compare` on mechanisms beyond the catalogue ids: a variant of one
 * protocol with other parameters (`--variant label=params.json`), a composed protocol file against
 * a catalogue model, both with Monte Carlo paths on the workers (and --book-per-path); every run
 * checked against `solvent stress` with the same settings, and the refusals that name the flag, or
 * the file and the field.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { defaultStressParamsJson } from '../src/sim/stress.js';
import { type CliResult, solvent } from './support.js';

const temp = mkdtempSync(join(tmpdir(), 'solvent-compare-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** As given on the command line (the tests run from the repository root). */
const COMPOSED = 'examples/composed-lending-auction.yaml';

/** maker-liq2's default parameters (chop 1.13) with chop 1.30: a 30 % penalty instead of 13 %. */
const chop130 = join(temp, 'chop130.json');
const liq2 = defaultStressParamsJson('maker-liq2') as { ilks: Record<string, Record<string, unknown>> };
writeFileSync(
  chop130,
  JSON.stringify(
    { ...liq2, ilks: { 'ETH-A': { ...liq2.ilks['ETH-A'], chopWad: '1300000000000000000' } } },
    null,
    2,
  ),
);

interface Summary {
  readonly protocol: string;
  readonly liquidatedDebtUsd: number;
  readonly borrowerLossUsd: number;
  readonly badDebtUsd: number;
  readonly monteCarlo?: unknown;
  readonly reproduce?: string;
}
interface CompareJson {
  readonly bookPerPath?: boolean;
  readonly runs: {
    label: string;
    protocol: string;
    configFile?: string;
    paramsFile?: string;
    summary: Summary;
    monteCarlo?: unknown;
  }[];
  readonly reproduce: string;
}

function ok(run: CliResult): CliResult {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run;
}

/** `solvent stress ... --json` as a list of summaries without the reproduce command. */
function stress(args: readonly string[]): Summary[] {
  const parsed = JSON.parse(ok(solvent(['stress', ...args, '--json'])).stdout) as Summary | Summary[];
  return (Array.isArray(parsed) ? parsed : [parsed]).map(({ reproduce: _reproduce, ...rest }) => rest);
}

describe('solvent compare --variant', () => {
  const args = [
    '--protocol',
    'maker-liq2',
    '--variant',
    `chop-1.30=${chop130}`,
    '--book',
    '20',
    '--seed',
    '3',
  ];

  test('default: a higher chop takes more from borrowers; each run is solvent stress with its parameters', () => {
    const out = join(temp, 'variant');
    const compare = JSON.parse(
      ok(solvent(['compare', ...args, '--json', '--out', out])).stdout,
    ) as CompareJson;
    expect(compare.runs.map((r) => [r.label, r.protocol, r.paramsFile])).toEqual([
      ['maker-liq2', 'maker-liq2', undefined],
      ['chop-1.30', 'maker-liq2', chop130],
    ]);
    const [base, variant] = compare.runs;
    // The same vaults are liquidated (the book and market are the same), but each auction's tab is
    // the debt × chop, so with chop 1.30 more collateral is sold away from the borrowers.
    expect(variant?.summary.liquidatedDebtUsd).toBe(base?.summary.liquidatedDebtUsd);
    expect(variant?.summary.borrowerLossUsd).toBeGreaterThan(base?.summary.borrowerLossUsd ?? Infinity);
    const [plain] = stress(['--protocol', 'maker-liq2', '--book', '20', '--seed', '3']);
    const [withChop] = stress([
      '--protocol',
      'maker-liq2',
      '--params',
      chop130,
      '--book',
      '20',
      '--seed',
      '3',
    ]);
    expect(base?.summary).toEqual(plain);
    expect(variant?.summary).toEqual(withChop);
    expect(readFileSync(join(out, 'compare.json'), 'utf8')).toBe(`${JSON.stringify(compare, null, 2)}\n`);
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]?.startsWith('run,protocol,accounts,')).toBe(true);
    expect(csv[2]?.startsWith('chop-1.30,maker-liq2,')).toBe(true);
    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    expect(html).toContain('<th scope="col">maker-liq2</th><th scope="col">chop-1.30</th>');
  });

  test('behavior: the text table is headed by the labels, names the variant file and reproduces', () => {
    const run = ok(solvent(['compare', ...args]));
    expect(run.stdout).toMatch(/\s+maker-liq2\s+chop-1\.30\n/);
    expect(run.stdout).toContain(`chop-1.30: maker-liq2 with the parameters of ${chop130}\n`);
    const command = /reproduce: (.*)\n/.exec(run.stdout)?.[1] ?? '';
    expect(command).toBe(
      `solvent compare --protocol maker-liq2 --variant chop-1.30=${chop130} --scenario black-thursday-2020 --book 20 --seed 3`,
    );
    expect(solvent(command.split(' ').slice(1)).stdout).toBe(run.stdout);
  });

  test('behavior: with --paths and --book-per-path each run’s block is stress --paths --book-per-path', () => {
    const mc = ['--book', '12', '--seed', '3', '--paths', '2', '--book-per-path'];
    const compare = JSON.parse(
      ok(solvent(['compare', ...args.slice(0, 4), ...mc, '--json'])).stdout,
    ) as CompareJson;
    expect(compare.bookPerPath).toBe(true);
    expect(compare.reproduce).toContain('--paths 2 --book-per-path');
    const [withChop] = stress(['--protocol', 'maker-liq2', '--params', chop130, ...mc]);
    expect(compare.runs[1]?.monteCarlo).toEqual(withChop?.monteCarlo);
    expect(compare.runs[1]?.summary).toEqual({ ...withChop, monteCarlo: undefined, bookPerPath: undefined });
  });
});

describe('solvent compare --protocol <file>', () => {
  test('default: a composed file against aave-v3.3: both printed; same as stress; 1 and 3 workers agree', () => {
    const args = [
      '--protocol',
      COMPOSED,
      '--protocol',
      'aave-v3.3',
      '--book',
      '12',
      '--seed',
      '3',
      '--paths',
      '2',
    ];
    const one = ok(solvent(['compare', ...args, '--workers', '1', '--json']));
    const out = join(temp, 'composed');
    const three = ok(solvent(['compare', ...args, '--workers', '3', '--out', out]));
    expect(readFileSync(join(out, 'compare.json'), 'utf8')).toBe(one.stdout);
    const compare = JSON.parse(one.stdout) as CompareJson;
    expect(compare.runs.map((r) => [r.label, r.protocol, r.configFile])).toEqual([
      ['eth-usdc-auction', 'eth-usdc-auction', COMPOSED],
      ['aave-v3.3', 'aave-v3.3', undefined],
    ]);
    // Same market, book and seed as solvent stress with both protocols, paths included.
    const runs = stress(args);
    compare.runs.forEach((r, i) => {
      const { monteCarlo, ...summary } = runs[i] as Summary;
      expect(r.summary).toEqual(summary);
      expect(r.monteCarlo).toEqual(monteCarlo);
    });
    expect(three.stdout).toMatch(/\s+eth-usdc-auction\s+aave-v3\.3\n/);
    expect(three.stdout).toMatch(/liquidated debt USD\s+\d+\.\d\d\s+\d+\.\d\d\n/);
    expect(three.stdout).toMatch(/bad debt p99 USD\s+\d+\.\d\d\s+\d+\.\d\d\n/);
    expect(three.stdout).toContain('Monte Carlo book: every path opens the same book');
    expect(three.stdout).toContain(`reproduce: solvent compare --protocol ${COMPOSED} --protocol aave-v3.3 `);
  });

  test('error: bad files and flags name the file and the field, or the flag; exit 2; nothing written', () => {
    const badMaker = join(temp, 'bad-chop.json');
    const badText = JSON.stringify(
      { ...liq2, ilks: { 'ETH-A': { ...liq2.ilks['ETH-A'], chop: 1 } } },
      null,
      2,
    );
    writeFileSync(badMaker, badText);
    const makerLine = badText.split('\n').findIndex((l) => l.includes('"chop"')) + 1;
    const composedText = readFileSync(COMPOSED, 'utf8').replace('bufBps: 11000', 'bufBps: -5');
    const badComposed = join(temp, 'bad-composed.yaml');
    writeFileSync(badComposed, composedText);
    const bufLine = composedText.split('\n').findIndex((l) => l.includes('bufBps: -5')) + 1;
    const out = join(temp, 'refused');
    for (const [args, expected] of [
      [
        ['--protocol', 'maker-liq2', '--variant', `x=${badMaker}`],
        `${badMaker}: ilks.ETH-A.chop (line ${makerLine})`,
      ],
      [
        ['--protocol', badComposed, '--protocol', 'aave-v3.3'],
        `${badComposed}: execution.bufBps (line ${bufLine})`,
      ],
      [
        ['--protocol', COMPOSED, '--variant', `cheap=${badComposed}`],
        `${badComposed}: execution.bufBps (line ${bufLine})`,
      ],
      [['--protocol', 'maker-liq2', '--variant', 'chop'], 'Invalid --variant'],
      [['--protocol', 'maker-liq2', '--variant', `-x=${chop130}`], 'Invalid --variant'],
      [
        ['--protocol', 'maker-liq2', '--variant', `maker-liq2=${chop130}`],
        'Invalid --variant: maker-liq2 is given twice',
      ],
      [['--variant', `a=${chop130}`, '--variant', `b=${chop130}`], 'Invalid --variant: needs a --protocol'],
      [['--protocol', 'maker-liq2', '--variant', `x=${join(temp, 'none.json')}`], 'none.json'],
      [['--protocol', 'maker-liq2'], 'Invalid --protocol: a comparison needs at least two runs'],
    ] as const) {
      const run = solvent(['compare', ...args, '--book', '10', '--out', out]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).toContain(expected);
      expect(run.stderr).not.toContain('    at ');
      expect(existsSync(out)).toBe(false);
    }
  });
});
