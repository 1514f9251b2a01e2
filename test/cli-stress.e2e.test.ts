/**
 * End-to-end tests of `solvent stress`: the summary, its reproducibility, the comparison, book
 * snapshot files, keeper specs, network and gas flags, parameter and protocol files, the files --out
 * writes (CSVs, report, PNG charts) and bad flags.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { pngDimensions } from '../src/report/png.js';
import { percentile } from '../src/sim/montecarlo.js';
import { defaultStressParamsJson } from '../src/sim/stress.js';
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
      't,marketPriceUsd,oraclePriceUsd,gasGwei,liquidationsStarted,auctionsLive,badDebtUsd,cumulativeLiquidatedDebtUsd,' +
        'keeperTransactions,keeperFailures,insuranceFundUsd,' +
        'healthBelow1,health1to1.1,health1.1to1.25,health1.25to1.5,health1.5to2,healthFrom2',
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

/** Splits a command line as a POSIX shell does for plain words, single quotes and backslashes. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (ch === "'") {
      const end = command.indexOf("'", i + 1);
      current += command.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '\\') {
      current += command[i + 1] ?? '';
      inWord = true;
      i++;
    } else if (ch === ' ') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** The argv of a printed `reproduce` command, without the program name. */
function reproduceArgs(command: string): string[] {
  const words = shellWords(command);
  expect(words[0]).toBe('solvent');
  return words.slice(1);
}

/** Runs solvent expecting a refusal: exit 2, `error: ` with every text, no stack trace. */
function refused(args: readonly string[], texts: readonly string[]): string {
  const run = solvent(['stress', ...args]);
  expect(run.code, args.join(' ')).toBe(2);
  expect(run.stderr).toMatch(/^error: /);
  for (const text of texts) expect(run.stderr, args.join(' ')).toContain(text);
  expect(run.stderr).not.toContain('    at ');
  expect(run.stdout).toBe('');
  return run.stderr;
}

type Summary = Record<string, unknown> & { readonly reproduce: string };

function json(args: readonly string[]): Summary {
  const run = solvent(['stress', ...args, '--json']);
  expect(run.stderr, args.join(' ')).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Summary;
}

/** CSV rows (header first) as cells. */
function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
}

describe('solvent stress --book <snapshot file>', () => {
  const dir = join(temp, 'books');
  mkdirSync(dir, { recursive: true });
  // Three vaults, each above Maker's 7,500 DAI dust and its 145 % ratio at Black Thursday's
  // starting ETH price (about $195): 100 ETH / 10,000 DAI ≈ 195 %, 80 / 8,000 ≈ 195 %, 60 / 7,600 ≈ 154 %.
  const snapshot = {
    format: 'solvent-book/1',
    asOf: '2020-03-12T00:00:00Z',
    prices: { DAI: '1' },
    accounts: [
      { id: 'v1', collateral: [{ asset: 'ETH', amount: '100' }], debt: [{ asset: 'DAI', amount: '10000' }] },
      { id: 'v2', collateral: [{ asset: 'ETH', amount: '80' }], debt: [{ asset: 'DAI', amount: '8000' }] },
      { id: 'v3', collateral: [{ asset: 'ETH', amount: '60' }], debt: [{ asset: 'DAI', amount: '7600' }] },
    ],
  };
  const bookJson = join(dir, 'book.json');
  writeFileSync(bookJson, JSON.stringify(snapshot, null, 2));
  const bookYaml = join(dir, 'book.yaml');
  writeFileSync(
    bookYaml,
    [
      'format: solvent-book/1',
      'asOf: "2020-03-12T00:00:00Z"',
      'prices: { DAI: "1" }',
      'accounts:',
      '  - { id: v1, collateral: [{ asset: ETH, amount: "100" }], debt: [{ asset: DAI, amount: "10000" }] }',
      '  - { id: v2, collateral: [{ asset: ETH, amount: "80" }], debt: [{ asset: DAI, amount: "8000" }] }',
      '  - { id: v3, collateral: [{ asset: ETH, amount: "60" }], debt: [{ asset: DAI, amount: "7600" }] }',
    ].join('\n'),
  );

  test('default: the snapshot’s accounts are opened and liquidated; the reproduce command names the file', () => {
    const summary = json(['--book', bookJson, '--seed', '3']);
    expect(summary.accounts).toBe(3);
    expect(summary.accountsSkipped).toBe(0);
    // ETH falls below $86 on Black Thursday: every vault (liquidation price ≤ $183) is liquidated.
    expect(summary.liquidations).toBe(3);
    expect(summary.liquidatedDebtUsd).toBeGreaterThanOrEqual(25_600);
    expect(summary.reproduce).toBe(
      `solvent stress --protocol maker-liq2 --scenario black-thursday-2020 --book ${bookJson} --seed 3`,
    );
  });

  test('behavior: YAML gives the same run as JSON', () => {
    const fromJson = json(['--book', bookJson, '--seed', '3']);
    const fromYaml = json(['--book', bookYaml, '--seed', '3']);
    expect({ ...fromYaml, reproduce: '' }).toEqual({ ...fromJson, reproduce: '' });
    expect(fromYaml.reproduce).toContain(`--book ${bookYaml}`);
  });

  test('error: a bad snapshot names the file and the field, exits 2 and writes nothing', () => {
    const variants: [string, unknown, string][] = [
      [
        'missing-field.json',
        { ...snapshot, accounts: [snapshot.accounts[0], { id: 'v2', debt: [] }] },
        'missing-field.json: accounts[1].collateral (line ',
      ],
      [
        'bad-number.json',
        {
          ...snapshot,
          accounts: [
            ...snapshot.accounts.slice(0, 3),
            { id: 'v4', collateral: [{ asset: 'ETH', amount: '12,5' }], debt: [] },
          ],
        },
        'bad-number.json: accounts[3].collateral[0].amount (line ',
      ],
      [
        'wrong-format.json',
        { ...snapshot, format: 'solvent-book/9' },
        'wrong-format.json: format (line 2): expected',
      ],
      ['json-number.json', { ...snapshot, prices: { DAI: 1 } }, 'json-number.json: prices.DAI (line '],
    ];
    for (const [name, content, text] of variants) {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(content, null, 2));
      const out = join(dir, `out-${name}`);
      refused(['--book', path, '--out', out], [text]);
      expect(existsSync(out), name).toBe(false);
    }
    const yaml = join(dir, 'bad.yaml');
    writeFileSync(
      yaml,
      'format: solvent-book/1\nasOf: "2020-03-12"\naccounts:\n  - id: v1\n    collateral: [{ asset: ETH, amount: 1.5 }]\n    debt: []\n',
    );
    refused(
      ['--book', yaml, '--out', join(dir, 'out-yaml')],
      ['bad.yaml: accounts[0].collateral[0].amount (line 5)'],
    );
    expect(existsSync(join(dir, 'out-yaml'))).toBe(false);
    refused(
      ['--book', join(dir, 'nope.json'), '--out', join(dir, 'out-nope')],
      ['No such file', 'nope.json'],
    );
    expect(existsSync(join(dir, 'out-nope'))).toBe(false);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"format": "solvent-book/1",');
    refused(['--book', broken], ['broken.json is not valid JSON']);
  });
});

describe('solvent stress --keepers', () => {
  const dir = join(temp, 'keepers');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'my keepers.yaml');
  writeFileSync(
    file,
    '- { preset: gasCapped, id: k1, maxGasPriceGwei: 50 }\n- preset: gasAware\n  id: k2\n  minProfitUsd: 10\n',
  );

  test('default: a YAML file and the same keepers inline give the same run; keepers.csv lists them', () => {
    const out = join(dir, 'out');
    const fromFile = json(['--book', '40', '--keepers', file, '--out', out]);
    const inline = json(['--book', '40', '--keepers', 'gasCapped:id=k1:cap=50,gasAware:id=k2:eps=10']);
    expect({ ...inline, reproduce: '' }).toEqual({ ...fromFile, reproduce: '' });
    expect(fromFile.reproduce).toContain(`--keepers '${file}'`);
    expect(inline.reproduce).toContain('--keepers gasCapped:id=k1:cap=50,gasAware:id=k2:eps=10');
    const rows = csvRows(join(out, 'maker-liq2.keepers.csv'));
    expect(rows[0]).toEqual(['keeper', 'transactions', 'failures', 'gasUsd', 'liquidations']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['k1', 'k2']);
    // Every liquidation is some keeper's: the keepers' liquidations add up to the run's.
    expect(rows.slice(1).reduce((n, r) => n + Number(r[4]), 0)).toBe(fromFile.liquidations);
  });

  test('behavior: no keeper at all leaves every unsafe vault unliquidated', () => {
    const none = json(['--book', '40', '--keepers', 'none']);
    expect(none.liquidations).toBe(0);
    expect(none.keeperTransactions).toBe(0);
  });

  test('error: a bad spec names the field (and the file and line), exits 2 and writes nothing', () => {
    const out = join(dir, 'bad-out');
    refused(['--keepers', 'gasCaped:cap=1', '--out', out], ['--keepers[0].preset', 'Presets:']);
    refused(['--keepers', 'flash,gasCapped:cap=lots', '--out', out], ['--keepers[1].maxGasPriceGwei']);
    refused(['--keepers', 'gasCapped', '--out', out], ['--keepers[0].maxGasPriceGwei', 'is missing']);
    refused(
      ['--keepers', 'flash:cap=1', '--out', out],
      ['--keepers[0].maxGasPriceGwei', 'not a field of the flash preset'],
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[\n  { "preset": "flash" },\n  { "preset": "gasAware", "minProfitUsd": -1 }\n]\n');
    refused(['--keepers', bad, '--out', out], ['bad.json: [1].minProfitUsd (line 3)']);
    // A preset of another family is refused by the protocol's adapter.
    refused(['--protocol', 'aave-v3.3', '--keepers', 'gasCapped:cap=1'], ['keepers[].preset']);
    expect(existsSync(out)).toBe(false);
  });
});

describe('solvent stress: network, gas, parameters and protocol files', () => {
  const dir = join(temp, 'network');
  mkdirSync(dir, { recursive: true });

  test('default: every transaction dropped means no liquidation; latency past the run means none lands', () => {
    const dropped = json(['--book', '40', '--tx-failure-rate', '1']);
    expect(dropped.liquidations).toBe(0);
    expect(dropped.keeperTransactions).toBeGreaterThan(0);
    expect(dropped.keeperFailures).toBe(dropped.keeperTransactions);
    expect(dropped.reproduce).toContain('--tx-failure-rate 1');
    const late = json(['--book', '40', '--latency', '10000']);
    expect(late.liquidations).toBe(0);
    expect(late.keeperTransactions).toBe(0);
    // A keeper's own latency wins over --latency.
    const own = json(['--book', '40', '--latency', '10000', '--keepers', 'gasAware:eps=10:latency=0']);
    expect(own.liquidations).toBeGreaterThan(0);
  });

  test('behavior: the reproduce command carries every flag and gives the same output byte for byte', () => {
    const params = join(dir, 'params.json');
    writeFileSync(params, JSON.stringify(defaultStressParamsJson('maker-liq2'), null, 2));
    const book = join(dir, 'book.json');
    writeFileSync(
      book,
      JSON.stringify({
        format: 'solvent-book/1',
        asOf: '2020-03-12',
        prices: { DAI: '1' },
        accounts: Array.from({ length: 12 }, (_, i) => ({
          id: `v${i}`,
          collateral: [{ asset: 'ETH', amount: String(60 + 5 * i) }],
          debt: [{ asset: 'DAI', amount: String(8000 + 100 * i) }],
        })),
      }),
    );
    const keepers = join(dir, 'two keepers.yaml');
    writeFileSync(keepers, '- { preset: gasAware, minProfitUsd: 0 }\n- { preset: flash, latencySteps: 1 }\n');
    const args = [
      'stress',
      '--book',
      book,
      '--seed',
      '11',
      '--keepers',
      keepers,
      '--latency',
      '2',
      '--pga',
      '--tx-failure-rate',
      '0.25',
      '--block-gas',
      '3000000',
      '--params',
      params,
    ];
    const text = solvent(args);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const command = /reproduce: (.*)\n/.exec(text.stdout)?.[1] ?? '';
    expect(command).toBe(
      `solvent stress --protocol maker-liq2 --scenario black-thursday-2020 --book ${book} --seed 11 --keepers '${keepers}' --latency 2 --pga --tx-failure-rate 0.25 --block-gas 3000000 --params ${params}`,
    );
    expect(solvent(reproduceArgs(command)).stdout).toBe(text.stdout);
    const first = solvent([...args, '--json']);
    const summary = JSON.parse(first.stdout) as Summary;
    expect(summary.reproduce).toBe(command);
    expect(solvent([...reproduceArgs(command), '--json']).stdout).toBe(first.stdout);
    // The flags took effect: auctions in a priority gas auction leave failed transactions.
    expect(summary.keeperFailures).toBeGreaterThan(0);
    expect(text.stdout).toMatch(/keeper failures\s+[1-9]\d*\n/);
    expect(text.stdout).toMatch(/insurance draw USD\s+0\.00\n/);
    expect(text.stdout).toMatch(/socialized loss USD\s+0\.00\n/);
    expect(text.stdout).toMatch(/ADL volume USD\s+0\.00\n/);
  });

  test('behavior: --gas-flat sets the gas of a scenario without gas; the default is the volatility model', () => {
    const flat = join(dir, 'flat');
    const modelled = join(dir, 'modelled');
    const summary = json(['--scenario', 'may-2021', '--book', '30', '--gas-flat', '0', '--out', flat]);
    expect(summary.reproduce).toContain('--scenario may-2021 --book 30 --seed 7 --gas-flat 0');
    const gas = (folder: string) =>
      csvRows(join(folder, 'maker-liq2.series.csv'))
        .slice(1)
        .map((r) => Number(r[3]));
    expect(new Set(gas(flat))).toEqual(new Set([0]));
    json(['--scenario', 'may-2021', '--book', '30', '--out', modelled]);
    expect(new Set(gas(modelled)).size).toBeGreaterThan(10);
    refused(['--gas-flat', '20'], ['--gas-flat', 'own gas series']);
    refused(['--scenario', 'may-2021', '--gas-flat', '-1'], ['--gas-flat']);
  });

  test('behavior: --params sets the model’s parameters; a bad one names the file, field and line', () => {
    const raw = defaultStressParamsJson('maker-liq2') as { ilks: Record<string, Record<string, unknown>> };
    // Dust of 10^12 DAI (a rad: × 10^45): no vault of the book reaches it, so every one is skipped.
    const huge = structuredClone(raw);
    (huge.ilks['ETH-A'] as Record<string, unknown>).dustRad = `1${'0'.repeat(57)}`;
    const dustFile = join(dir, 'dust.json');
    writeFileSync(dustFile, JSON.stringify(huge, null, 2));
    const dusty = json(['--book', '30', '--params', dustFile]);
    expect(dusty.accounts).toBe(0);
    expect(dusty.accountsSkipped).toBe(30);
    expect(dusty.reproduce).toContain(`--params ${dustFile}`);
    const bad = structuredClone(raw);
    (bad.ilks['ETH-A'] as Record<string, unknown>).chop = 1;
    const badFile = join(dir, 'bad-params.json');
    const badText = JSON.stringify(bad, null, 2);
    writeFileSync(badFile, badText);
    const line = badText.split('\n').findIndex((l) => l.includes('"chop"')) + 1;
    const out = join(dir, 'params-out');
    refused(['--params', badFile, '--out', out], [`bad-params.json: ilks.ETH-A.chop (line ${line})`]);
    expect(existsSync(out)).toBe(false);
    refused(['--protocol', 'maker-liq1', '--protocol', 'maker-liq2', '--params', badFile], ['--params']);
  });

  test('error: a protocol file without an id, a missing one, a protocol twice', () => {
    const noId = join(dir, 'no-id.yaml');
    writeFileSync(noId, 'kind: lending\ntitle: no id\n');
    refused(['--protocol', noId, '--out', join(dir, 'p-out')], ['no-id.yaml: id', 'is missing']);
    refused(['--protocol', join(dir, 'missing.yaml')], ['No such file', 'missing.yaml']);
    refused(['--protocol', 'maker-liq2', '--protocol', 'maker-liq2'], ['--protocol', 'twice']);
    refused(['--tx-failure-rate', '1.5'], ['--tx-failure-rate']);
    refused(['--block-gas', '0'], ['--block-gas']);
    refused(['--latency', 'soon'], ['--latency']);
    expect(existsSync(join(dir, 'p-out'))).toBe(false);
  });
});

describe('solvent stress --out', () => {
  test('default: PNG charts, keeper and clearing CSVs beside the report; the report has the new charts', () => {
    const dir = join(temp, 'png');
    const run = solvent([
      'stress',
      '--protocol',
      'maker-liq1',
      '--protocol',
      'maker-liq2',
      '--book',
      '40',
      '--out',
      dir,
    ]);
    expect(run.code).toBe(0);
    const ids = [
      'chart-price-1',
      'chart-price-2',
      'chart-gas',
      'chart-liquidations-1',
      'chart-liquidations-2',
      'chart-liquidated-debt',
      'chart-bad-debt',
      'chart-health-1',
      'chart-health-2',
      'chart-keepers-1',
      'chart-keepers-2',
      'chart-discounts',
      'chart-insurance-fund',
    ];
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const id of ids) {
      expect(html).toContain(`<figure class="chart-figure" id="${id}">`);
      const png = new Uint8Array(readFileSync(join(dir, `${id}.png`)));
      const { widthPx, heightPx } = pngDimensions(png);
      // The charts are 720 px wide SVGs, rendered at one pixel per unit.
      expect(widthPx, id).toBe(720);
      expect(heightPx, id).toBeGreaterThan(200);
    }
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.png'))
        .sort(),
    ).toEqual(ids.map((id) => `${id}.png`).sort());
    expect(html).toContain('<table id="keepers">');
    for (const protocol of ['maker-liq1', 'maker-liq2']) {
      const clearings = csvRows(join(dir, `${protocol}.clearings.csv`));
      expect(clearings[0]).toEqual(['t', 'collateral', 'paidUsd', 'marketValueUsd', 'discount']);
      expect(clearings.length).toBeGreaterThan(1);
      // Each discount is 1 − paid / market value.
      for (const [, , paid, market, discount] of clearings.slice(1)) {
        expect(Number(discount)).toBeCloseTo(1 - Number(paid) / Number(market), 9);
      }
      expect(csvRows(join(dir, `${protocol}.keepers.csv`)).length).toBeGreaterThan(1);
    }
  });

  test('behavior: with --paths the summary has each path’s bad debt and the report its histogram', () => {
    const dir = join(temp, 'paths');
    const run = solvent([
      'stress',
      '--protocol',
      'maker-liq1',
      '--book',
      '30',
      '--seed',
      '3',
      '--paths',
      '3',
      '--out',
      dir,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [summary] = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
      monteCarlo: {
        badDebtUsd: { p50: number; max: number };
        badDebtUsdByPath: number[];
        liquidatedDebtUsdByPath: number[];
      };
    }[];
    const mc = summary?.monteCarlo;
    expect(mc?.badDebtUsdByPath).toHaveLength(3);
    expect(mc?.liquidatedDebtUsdByPath).toHaveLength(3);
    expect(mc?.badDebtUsd.p50).toBe(percentile(mc?.badDebtUsdByPath ?? [], 0.5));
    expect(mc?.badDebtUsd.max).toBe(Math.max(...(mc?.badDebtUsdByPath ?? [])));
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('id="chart-bad-debt-paths"');
    expect(pngDimensions(new Uint8Array(readFileSync(join(dir, 'chart-bad-debt-paths.png')))).widthPx).toBe(
      720,
    );
    // --pga, --tx-failure-rate, --block-gas and protocol files now reach the Monte Carlo workers
    // (test/cli-montecarlo-inputs.e2e.test.ts); --book-per-path needs --paths.
    refused(['--book-per-path'], ['--book-per-path', '--paths']);
  });

  test('behavior: with --paths and a snapshot, every path opens the snapshot', () => {
    const book = join(temp, 'paths-book.json');
    // Two vaults, 10,000 + 8,000 DAI of debt, both liquidated below ETH $145 (10,000 · 1.45 / 100 and
    // 8,000 · 1.45 / 80): every path of the crash goes far below that, so each liquidates 18,000.
    writeFileSync(
      book,
      JSON.stringify({
        format: 'solvent-book/1',
        asOf: '2020-03-12',
        prices: { DAI: '1' },
        accounts: [
          {
            id: 'v1',
            collateral: [{ asset: 'ETH', amount: '100' }],
            debt: [{ asset: 'DAI', amount: '10000' }],
          },
          {
            id: 'v2',
            collateral: [{ asset: 'ETH', amount: '80' }],
            debt: [{ asset: 'DAI', amount: '8000' }],
          },
        ],
      }),
    );
    const summary = json(['--book', book, '--paths', '2']) as Summary & {
      monteCarlo: { liquidatedDebtUsdByPath: number[] };
    };
    expect(summary.accounts).toBe(2);
    expect(summary.reproduce).toContain(`--book ${book} --seed 7 --paths 2`);
    const byPath = summary.monteCarlo.liquidatedDebtUsdByPath;
    expect(byPath).toHaveLength(2);
    expect(byPath).toEqual([18_000, 18_000]);
  });
});
