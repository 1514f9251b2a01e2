/**
 * Tests of the inputs of `solvent stress`: keeper specs (file form and shorthand), the line of a
 * dotted field in JSON and YAML, book snapshot files and the errors that name file, field and line,
 * composed protocol files, the checks of --book-per-path, and the oracle feed flags (times,
 * windows, spikes, ranges, the normalised reproduce words).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { JsonFileError, PathNotFoundError } from './errors.js';
import {
  composedConfigId,
  fieldLine,
  fieldSegments,
  InputFileError,
  KEEPER_PRESETS,
  type OracleFlags,
  oracleTimeText,
  oracleWords,
  parseKeeperSpecs,
  parseKeepersShorthand,
  parseOracleSpike,
  parseOracleTime,
  parseOracleWindow,
  readBookFile,
  readKeepers,
  readOracleFlags,
  requireBookPerPathInputs,
  requireOracleWindowsInMarket,
  withConfigFileFields,
  withFileFields,
} from './stress-inputs.js';

const temp = mkdtempSync(join(tmpdir(), 'solvent-stress-inputs-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(temp, name);
  writeFileSync(path, text);
  return path;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** The error a function throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseKeeperSpecs', () => {
  test('default: presets with their fields, network fields, ids defaulting to <preset>-<n>', () => {
    expect(
      parseKeeperSpecs(
        [
          { preset: 'gasCapped', maxGasPriceGwei: 100, kicksAboveCap: true, latencySteps: 2 },
          { preset: 'gasAware', id: 'aware', minProfitUsd: 10, walletDai: 5000, priorityFeeShare: 0.25 },
          { preset: 'flash' },
        ],
        '',
      ),
    ).toEqual([
      { preset: 'gasCapped', id: 'gasCapped-1', maxGasPriceGwei: 100, kicksAboveCap: true, latencySteps: 2 },
      { preset: 'gasAware', id: 'aware', minProfitUsd: 10, walletDai: 5000, priorityFeeShare: 0.25 },
      { preset: 'flash', id: 'flash-3' },
    ]);
    expect(parseKeeperSpecs([], '--keepers')).toEqual([]);
  });

  test('behavior: every preset of the type is known, and its required fields are enforced', () => {
    expect(KEEPER_PRESETS).toEqual([
      'aaveLiquidator',
      'cometAbsorber',
      'cometBuyer',
      'gasCapped',
      'gasAware',
      'flash',
      'capitalLimited',
      'zeroBid',
      'liquidator',
      'arbitrageur',
    ]);
    // Required by the type: aaveLiquidator/cometBuyer/gasAware need minProfitUsd, gasCapped a cap,
    // capitalLimited its capital; the others need nothing.
    const required: Record<string, string | undefined> = {
      aaveLiquidator: 'minProfitUsd',
      cometAbsorber: undefined,
      cometBuyer: 'minProfitUsd',
      gasCapped: 'maxGasPriceGwei',
      gasAware: 'minProfitUsd',
      flash: undefined,
      capitalLimited: 'capitalDai',
      zeroBid: undefined,
      liquidator: undefined,
      arbitrageur: undefined,
    };
    for (const preset of KEEPER_PRESETS) {
      const need = required[preset];
      if (need === undefined) expect(parseKeeperSpecs([{ preset }], '')).toHaveLength(1);
      else {
        const error = thrown(() => parseKeeperSpecs([{ preset }], ''));
        expect(error).toBeInstanceOf(InvalidParameterError);
        expect((error as InvalidParameterError).field).toBe(`[0].${need}`);
      }
    }
  });

  test('error: each bad field is named with its position', () => {
    const cases: [unknown, string][] = [
      [{ preset: 'gasCapped' }, '--keepers'],
      [[{ maxGasPriceGwei: 1 }], '--keepers[0].preset'],
      [[{ preset: 'gasCaped', maxGasPriceGwei: 1 }], '--keepers[0].preset'],
      [[7], '--keepers[0]'],
      [[{ preset: 'flash' }, { preset: 'gasCapped', maxGasPriceGwei: -1 }], '--keepers[1].maxGasPriceGwei'],
      [[{ preset: 'gasCapped', maxGasPriceGwei: '100' }], '--keepers[0].maxGasPriceGwei'],
      [[{ preset: 'gasCapped', maxGasPriceGwei: 1, walletDai: 1.5 }], '--keepers[0].walletDai'],
      [[{ preset: 'gasCapped', maxGasPriceGwei: 1, kicksAboveCap: 'yes' }], '--keepers[0].kicksAboveCap'],
      [[{ preset: 'flash', minProfitUsd: 1, maxGasPriceGwei: 5 }], '--keepers[0].maxGasPriceGwei'],
      [[{ preset: 'flash', latencySteps: 10_001 }], '--keepers[0].latencySteps'],
      [[{ preset: 'flash', latencySteps: 0.5 }], '--keepers[0].latencySteps'],
      [[{ preset: 'flash', priorityFeeShare: 1.5 }], '--keepers[0].priorityFeeShare'],
      [[{ preset: 'flash', id: 'has space' }], '--keepers[0].id'],
      [
        [
          { preset: 'flash', id: 'k' },
          { preset: 'flash', id: 'k' },
        ],
        '--keepers[1].id',
      ],
      [[{ preset: 'flash', minProfitUsd: Number.POSITIVE_INFINITY }], '--keepers[0].minProfitUsd'],
    ];
    for (const [raw, field] of cases) {
      const error = thrown(() => parseKeeperSpecs(raw, '--keepers'));
      expect(error, field).toBeInstanceOf(InvalidParameterError);
      expect((error as InvalidParameterError).field, JSON.stringify(raw)).toBe(field);
    }
  });
});

describe('parseKeepersShorthand', () => {
  test('default: presets with settings, short names and full field names', () => {
    expect(parseKeepersShorthand('gasCapped:cap=100,gasAware:eps=10:latency=2:fee=0.3')).toEqual([
      { preset: 'gasCapped', id: 'gasCapped-1', maxGasPriceGwei: 100 },
      { preset: 'gasAware', id: 'gasAware-2', minProfitUsd: 10, latencySteps: 2, priorityFeeShare: 0.3 },
    ]);
  });

  test('behavior: wallet maps to the preset’s own wallet field; booleans, ids and none', () => {
    expect(
      parseKeepersShorthand(
        'gasCapped:maxGasPriceGwei=50:kicks=true:wallet=1000:id=capped,aaveLiquidator:eps=5:wallet=2000,liquidator:wallet=7,capitalLimited:capital=300',
      ),
    ).toEqual([
      { preset: 'gasCapped', id: 'capped', maxGasPriceGwei: 50, kicksAboveCap: true, walletDai: 1000 },
      { preset: 'aaveLiquidator', id: 'aaveLiquidator-2', minProfitUsd: 5, walletUsdc: 2000 },
      { preset: 'liquidator', id: 'liquidator-3', walletUsd: 7 },
      { preset: 'capitalLimited', id: 'capitalLimited-4', capitalDai: 300 },
    ]);
    expect(parseKeepersShorthand('none')).toEqual([]);
  });

  test('error: empty text or keeper, a setting without =, a key twice, bad values', () => {
    for (const [text, field] of [
      ['', '--keepers'],
      ['gasCapped:cap=1,', '--keepers[1]'],
      ['gasCapped:cap', '--keepers[0]'],
      ['gasCapped:cap=1:maxGasPriceGwei=2', '--keepers[0].maxGasPriceGwei'],
      ['gasCapped:cap=abc', '--keepers[0].maxGasPriceGwei'],
      ['flash,gasAware:eps=-3', '--keepers[1].minProfitUsd'],
      ['flash:wallet=5', '--keepers[0].wallet'],
      ['bogus:cap=1', '--keepers[0].preset'],
    ] as const) {
      const error = thrown(() => parseKeepersShorthand(text));
      expect(error, text).toBeInstanceOf(InvalidParameterError);
      expect((error as InvalidParameterError).field, text).toBe(field);
    }
  });
});

describe('fieldLine', () => {
  const json = [
    '{',
    '  "format": "solvent-book/1",',
    '  "accounts": [',
    '    { "id": "a", "collateral": [{ "asset": "ETH", "amount": "1" }], "debt": [] },',
    '    {',
    '      "id": "b",',
    '      "collateral": [',
    '        { "asset": "ETH", "amount": "-2" }',
    '      ]',
    '    }',
    '  ]',
    '}',
  ].join('\n');

  test('default: the line of a field in JSON, counted by hand', () => {
    expect(fieldLine(json, 'format')).toBe(2);
    expect(fieldLine(json, 'accounts[1].collateral[0].amount')).toBe(8);
    expect(fieldLine(json, 'accounts[0].debt')).toBe(4);
  });

  test('behavior: YAML too; a missing field points at its nearest enclosing value', () => {
    const yaml = [
      'format: solvent-book/1',
      'accounts:',
      '  - id: a',
      '    collateral:',
      '      - asset: ETH',
      '        amount: "x"',
    ].join('\n');
    expect(fieldLine(yaml, 'accounts[0].collateral[0].amount')).toBe(6);
    expect(fieldLine(yaml, 'accounts[0].debt')).toBe(3);
    expect(fieldLine(json, 'accounts[1].debt')).toBe(5);
    expect(fieldLine('{ not json', 'a')).toBeUndefined();
    expect(fieldSegments('accounts[3].collateral[0].amount')).toEqual([
      'accounts',
      3,
      'collateral',
      0,
      'amount',
    ]);
    expect(fieldSegments('ilks.ETH-A.chopWad')).toEqual(['ilks', 'ETH-A', 'chopWad']);
  });
});

const SNAPSHOT = {
  format: 'solvent-book/1',
  asOf: '2020-03-12T00:00:00Z',
  prices: { DAI: '1' },
  accounts: [
    { id: 'a1', collateral: [{ asset: 'ETH', amount: '100' }], debt: [{ asset: 'DAI', amount: '10000.5' }] },
    { id: 'a2', collateral: [{ asset: 'ETH', amount: '12.5' }], debt: [] },
  ],
};

describe('readBookFile', () => {
  test('default: a JSON snapshot becomes its book', async () => {
    const book = await readBookFile(file('book.json', JSON.stringify(SNAPSHOT, null, 2)));
    expect(book.accounts).toEqual([
      { id: 'a1', collateral: [{ asset: 'ETH', amountWhole: 100 }], debtUsd: 10000.5 },
      { id: 'a2', collateral: [{ asset: 'ETH', amountWhole: 12.5 }], debtUsd: 0 },
    ]);
  });

  test('behavior: YAML reads the same', async () => {
    const yaml = [
      'format: solvent-book/1',
      'asOf: "2020-03-12T00:00:00Z"',
      'prices: { DAI: "1" }',
      'accounts:',
      '  - { id: a1, collateral: [{ asset: ETH, amount: "100" }], debt: [{ asset: DAI, amount: "10000.5" }] }',
      '  - { id: a2, collateral: [{ asset: ETH, amount: "12.5" }], debt: [] }',
    ].join('\n');
    const fromJson = await readBookFile(file('same.json', JSON.stringify(SNAPSHOT)));
    expect(await readBookFile(file('book.yaml', yaml))).toEqual(fromJson);
  });

  test('error: the file, the field and its line are named; missing files and bad JSON have their own errors', async () => {
    const badAmount = {
      ...SNAPSHOT,
      accounts: [
        SNAPSHOT.accounts[0],
        { id: 'a2', collateral: [{ asset: 'ETH', amount: 'lots' }], debt: [] },
      ],
    };
    const cases: [string, unknown, string, number | undefined][] = [
      ['amount.json', badAmount, 'accounts[1].collateral[0].amount', undefined],
      ['format.json', { ...SNAPSHOT, format: 'solvent-book/2' }, 'format', 2],
      [
        'missing.json',
        { format: 'solvent-book/1', asOf: '2020-03-12', accounts: [{ id: 'x', debt: [] }] },
        'accounts[0].collateral',
        5,
      ],
      ['price.json', { ...SNAPSHOT, prices: {} }, 'accounts[0].debt[0].asset', undefined],
    ];
    for (const [name, content, field, line] of cases) {
      const path = file(name, JSON.stringify(content, null, 2));
      const error = await rejection(readBookFile(path));
      expect(error, name).toBeInstanceOf(InputFileError);
      const e = error as InputFileError;
      expect(e.path).toBe(path);
      expect(e.field).toBe(field);
      expect(e.shortMessage.startsWith(`${path}: ${field} (line `)).toBe(true);
      if (line !== undefined) expect(e.line, name).toBe(line);
    }
    expect(await rejection(readBookFile(join(temp, 'nope.json')))).toBeInstanceOf(PathNotFoundError);
    expect(await rejection(readBookFile(file('broken.json', '{"format": ')))).toBeInstanceOf(JsonFileError);
  });
});

describe('readKeepers', () => {
  test('default: a YAML file of specs, or the shorthand', async () => {
    const path = file(
      'keepers.yaml',
      '- preset: gasCapped\n  maxGasPriceGwei: 80\n- { preset: flash, id: f }\n',
    );
    expect(await readKeepers(path)).toEqual([
      { preset: 'gasCapped', id: 'gasCapped-1', maxGasPriceGwei: 80 },
      { preset: 'flash', id: 'f' },
    ]);
    expect(await readKeepers('flash')).toEqual([{ preset: 'flash', id: 'flash-1' }]);
  });

  test('error: a bad field names the file, the field and its line', async () => {
    const path = file('bad-keepers.yaml', '- preset: flash\n- preset: gasCapped\n  maxGasPriceGwei: lots\n');
    const error = await rejection(readKeepers(path));
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).field).toBe('[1].maxGasPriceGwei');
    expect((error as InputFileError).line).toBe(3);
    const notList = await rejection(readKeepers(file('object.json', '{"preset": "flash"}')));
    expect((notList as InputFileError).field).toBe('(top level)');
  });
});

describe('withFileFields', () => {
  test('default: the value of the work when it succeeds', async () => {
    expect(await withFileFields('x.json', 'params', () => 42)).toBe(42);
  });

  test('behavior: only errors of fields under the prefix are renamed into the file', async () => {
    const path = file('params.json', '{\n  "ilks": {\n    "ETH-A": { "chop": 1 }\n  }\n}\n');
    const renamed = await rejection(
      withFileFields(path, 'params', () => {
        throw new InvalidParameterError('params.ilks.ETH-A.chop', 'is not a known parameter');
      }),
    );
    expect(renamed).toBeInstanceOf(InputFileError);
    expect((renamed as InputFileError).shortMessage).toBe(
      `${path}: ilks.ETH-A.chop (line 3): is not a known parameter.`,
    );
    const other = await rejection(
      withFileFields(path, 'params', () => {
        throw new InvalidParameterError('seed', 'bad');
      }),
    );
    expect(other).toBeInstanceOf(InvalidParameterError);
  });
});

describe('composedConfigId', () => {
  test('default: the id of the configuration', async () => {
    expect(await composedConfigId('c.yaml', { kind: 'lending', id: 'eth-usdc' })).toBe('eth-usdc');
  });

  test('error: no id, or not an object', async () => {
    const path = file('noid.yaml', 'kind: lending\ntitle: x\n');
    const error = await rejection(composedConfigId(path, { kind: 'lending', title: 'x' }));
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).field).toBe('id');
    expect(await rejection(composedConfigId(path, [1]))).toBeInstanceOf(InputFileError);
    expect(await rejection(composedConfigId(path, { id: 5 }))).toBeInstanceOf(InputFileError);
  });
});

describe('withConfigFileFields', () => {
  test('default: the value of the work when it succeeds', async () => {
    expect(await withConfigFileFields('c.yaml', () => 'ok')).toBe('ok');
  });

  test('behavior: fields named protocolConfig… (the stress lab) or config… (the parser) are the file’s', async () => {
    const path = file(
      'composed.yaml',
      'kind: lending\nid: x\nexecution:\n  kind: dutchAuction\n  bufBps: -5\n',
    );
    for (const field of ['protocolConfig.execution.bufBps', 'config.execution.bufBps']) {
      const error = await rejection(
        withConfigFileFields(path, () => {
          throw new InvalidParameterError(field, 'expected bps in [10000, 50000]');
        }),
      );
      expect(error).toBeInstanceOf(InputFileError);
      expect((error as InputFileError).field).toBe('execution.bufBps');
      expect((error as InputFileError).line).toBe(5);
    }
    const other = await rejection(
      withConfigFileFields(path, () => {
        throw new InvalidParameterError('params.x', 'bad');
      }),
    );
    expect(other).toBeInstanceOf(InvalidParameterError);
    expect(other).not.toBeInstanceOf(InputFileError);
  });
});

describe('requireBookPerPathInputs', () => {
  test('default: Monte Carlo paths on a synthetic book are accepted', () => {
    expect(() => requireBookPerPathInputs(2, undefined)).not.toThrow();
  });

  test('error: one path, or a snapshot book, is refused naming --book-per-path', () => {
    for (const [paths, book] of [
      [1, undefined],
      [5, 'book.json'],
    ] as const) {
      let error: unknown;
      try {
        requireBookPerPathInputs(paths, book);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidParameterError);
      expect((error as InvalidParameterError).field).toBe('--book-per-path');
    }
  });
});

/** The InvalidParameterError thrown by `run` (fails the test when none is thrown). */
function refused(run: () => unknown): InvalidParameterError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return e as InvalidParameterError;
  }
  throw new Error('expected an InvalidParameterError');
}

// Reference instants, independent of the code under test: Black Thursday's scenario starts at
// 2020-03-12T00:00:00Z = 1583971200 (18333 days × 86400 since 1970-01-01; 18333 = 50 years with
// 12 leap days up to 2019 = 18262, + 31 (Jan) + 29 (Feb 2020) + 11).
const BT_MIDNIGHT = 18_333 * 86_400;

describe('parseOracleTime', () => {
  test('default: unix seconds are read as they are', () => {
    expect(parseOracleTime('1583971200', '--oracle-outage')).toBe(1_583_971_200);
    expect(parseOracleTime('0', '--oracle-outage')).toBe(0);
  });

  test('behavior: ISO-8601 UTC dates and date-times, to the minute or the second', () => {
    expect(BT_MIDNIGHT).toBe(1_583_971_200);
    expect(parseOracleTime('2020-03-12', '--oracle-spike')).toBe(BT_MIDNIGHT);
    expect(parseOracleTime('2020-03-12T00:00Z', '--oracle-spike')).toBe(BT_MIDNIGHT);
    expect(parseOracleTime('2020-03-12T10:00Z', '--oracle-spike')).toBe(BT_MIDNIGHT + 10 * 3600);
    expect(parseOracleTime('2020-03-12T10:07:30Z', '--oracle-spike')).toBe(BT_MIDNIGHT + 36_000 + 450);
    // A leap day exists in 2020: the day before the 1st of March.
    expect(parseOracleTime('2020-02-29', '--oracle-spike')).toBe(BT_MIDNIGHT - 12 * 86_400);
    expect(parseOracleTime('1970-01-01T00:00Z', '--oracle-spike')).toBe(0);
  });

  test('error: other zones, impossible dates, fractions and junk are refused naming the flag', () => {
    for (const text of [
      '2020-03-12T10:00',
      '2020-03-12T10:00+01:00',
      '2020-03-12T10:00:00.5Z',
      '2021-02-29',
      '2020-13-01',
      '2020-03-12T24:00Z',
      '2020-03-12T10:60Z',
      '1969-12-31T23:59Z',
      '-5',
      '1.5',
      '',
      'soon',
      '253402300800',
    ]) {
      expect(refused(() => parseOracleTime(text, '--oracle-outage')).field).toBe('--oracle-outage');
    }
  });
});

describe('oracleTimeText', () => {
  test('default: ISO minutes in UTC, seconds only when not zero; read back to the same instant', () => {
    expect(oracleTimeText(BT_MIDNIGHT + 10 * 3600)).toBe('2020-03-12T10:00Z');
    expect(oracleTimeText(BT_MIDNIGHT + 36_000 + 450)).toBe('2020-03-12T10:07:30Z');
    for (const t of [0, BT_MIDNIGHT, BT_MIDNIGHT + 59, 1_621_426_200, 253_402_300_799]) {
      expect(parseOracleTime(oracleTimeText(t), '--oracle-spike')).toBe(t);
    }
  });
});

describe('parseOracleWindow', () => {
  test('default: <from>..<to> in either time form', () => {
    expect(parseOracleWindow('2020-03-12T10:00Z..1584010800', '--oracle-outage')).toEqual({
      fromSeconds: BT_MIDNIGHT + 36_000,
      toSeconds: BT_MIDNIGHT + 39_600,
    });
  });

  test('error: a missing end, a window that does not move forward, or a bad time names the flag', () => {
    for (const text of [
      '2020-03-12T10:00Z',
      '2020-03-12T10:00Z..',
      '..2020-03-12T10:00Z',
      '1..2..3',
      '100..100',
      '200..100',
      '2020-03-12T10:00Z..tomorrow',
    ]) {
      expect(refused(() => parseOracleWindow(text, '--oracle-outage')).field).toBe('--oracle-outage');
    }
  });
});

describe('parseOracleSpike', () => {
  test('default: the multiple follows the last colon (ISO times hold colons too)', () => {
    expect(parseOracleSpike('2020-03-12T10:00Z..2020-03-12T10:30:15Z:0.6')).toEqual({
      fromSeconds: BT_MIDNIGHT + 36_000,
      toSeconds: BT_MIDNIGHT + 36_000 + 1815,
      multiple: 0.6,
    });
    expect(parseOracleSpike('100..200:1.5e0')).toEqual({ fromSeconds: 100, toSeconds: 200, multiple: 1.5 });
  });

  test('error: no multiple, a multiple out of (0, 1000], or a bad window names --oracle-spike', () => {
    for (const text of [
      '2020-03-12T10:00Z..2020-03-12T10:30Z',
      '100..200',
      '100..200:',
      '100..200:0',
      '100..200:-0.5',
      '100..200:1001',
      '100..200:x',
      '200..100:0.5',
      '100:0.5',
    ]) {
      expect(refused(() => parseOracleSpike(text)).field).toBe('--oracle-spike');
    }
  });
});

const noOracleFlags: OracleFlags = { oracleSpike: [], oracleOutage: [] };

describe('readOracleFlags', () => {
  test('default: no flag gives no feed settings (the run keeps its default feed)', () => {
    expect(readOracleFlags(noOracleFlags)).toBeUndefined();
  });

  test('behavior: every flag sets its field; spikes and outages keep their order', () => {
    const oracle = readOracleFlags({
      oracleHeartbeat: '600',
      oracleDeviation: '0',
      oracleDelay: '30',
      oracleNoise: '2.5',
      osmHop: '3600',
      oracleSpike: ['300..600:0.5', '100..200:2'],
      oracleOutage: ['1000..2000'],
    });
    expect(oracle).toEqual({
      heartbeatSeconds: 600,
      deviationBps: 0,
      delaySeconds: 30,
      noiseBps: 2.5,
      osmDelaySeconds: 3600,
      spikes: [
        { fromSeconds: 300, toSeconds: 600, multiple: 0.5 },
        { fromSeconds: 100, toSeconds: 200, multiple: 2 },
      ],
      outages: [{ fromSeconds: 1000, toSeconds: 2000 }],
    });
  });

  test('error: each value out of range or of the wrong kind is refused naming its flag', () => {
    const cases: [Partial<OracleFlags>, string][] = [
      [{ oracleHeartbeat: '0' }, '--oracle-heartbeat'],
      [{ oracleHeartbeat: '2592001' }, '--oracle-heartbeat'],
      [{ oracleHeartbeat: '60.5' }, '--oracle-heartbeat'],
      [{ oracleDeviation: '10001' }, '--oracle-deviation'],
      [{ oracleDeviation: '-1' }, '--oracle-deviation'],
      [{ oracleDelay: 'soon' }, '--oracle-delay'],
      [{ oracleNoise: '10000.5' }, '--oracle-noise'],
      [{ oracleNoise: '-1' }, '--oracle-noise'],
      [{ osmHop: '1e3' }, '--osm-hop'],
      [{ oracleSpike: ['100..200:0.5', '100..200'] }, '--oracle-spike'],
      [{ oracleOutage: ['5..1'] }, '--oracle-outage'],
    ];
    for (const [flags, flag] of cases) {
      expect(refused(() => readOracleFlags({ ...noOracleFlags, ...flags })).field).toBe(flag);
    }
  });
});

describe('oracleWords', () => {
  test('default: nothing for the default feed', () => {
    expect(oracleWords(undefined)).toEqual([]);
  });

  test('behavior: normalised words that read back to the same feed', () => {
    const flags: OracleFlags = {
      oracleHeartbeat: '0600',
      oracleNoise: '1e1',
      osmHop: '0',
      oracleSpike: ['1583971200..2020-03-12T00:30Z:0.70'],
      oracleOutage: ['2020-03-12T01:00:05Z..1583978400'],
    };
    const oracle = readOracleFlags(flags);
    const words = oracleWords(oracle);
    expect(words).toEqual([
      '--oracle-heartbeat',
      '600',
      '--oracle-noise',
      '10',
      '--osm-hop',
      '0',
      '--oracle-spike',
      '2020-03-12T00:00Z..2020-03-12T00:30Z:0.7',
      '--oracle-outage',
      '2020-03-12T01:00:05Z..2020-03-12T02:00Z',
    ]);
    // Read the words back as commander would hand them over.
    const back: Record<string, string | string[]> = { oracleSpike: [], oracleOutage: [] };
    const names: Record<string, keyof OracleFlags> = {
      '--oracle-heartbeat': 'oracleHeartbeat',
      '--oracle-noise': 'oracleNoise',
      '--osm-hop': 'osmHop',
      '--oracle-spike': 'oracleSpike',
      '--oracle-outage': 'oracleOutage',
    };
    for (let i = 0; i < words.length; i += 2) {
      const name = names[words[i] as string] as string;
      const value = words[i + 1] as string;
      const current = back[name];
      back[name] = Array.isArray(current) ? [...current, value] : value;
    }
    expect(readOracleFlags(back as unknown as OracleFlags)).toEqual(oracle);
  });
});

describe('requireOracleWindowsInMarket', () => {
  // Black Thursday runs 36 h from 2020-03-12T00:00Z.
  const source = { scenario: 'black-thursday-2020' };
  const end = BT_MIDNIGHT + 36 * 3600;

  test('default: windows inside the market, or overlapping either end after the start, pass', () => {
    const oracle = {
      spikes: [
        { fromSeconds: BT_MIDNIGHT - 600, toSeconds: BT_MIDNIGHT + 600, multiple: 0.5 },
        { fromSeconds: end, toSeconds: end + 600, multiple: 2 },
      ],
      outages: [{ fromSeconds: BT_MIDNIGHT + 300, toSeconds: end + 3600 }],
    };
    expect(() => requireOracleWindowsInMarket(oracle, source)).not.toThrow();
    expect(() => requireOracleWindowsInMarket(undefined, source)).not.toThrow();
  });

  test('error: a window wholly outside the market, or an outage over its start, names the flag', () => {
    const cases: [Parameters<typeof requireOracleWindowsInMarket>[0], string][] = [
      [{ spikes: [{ fromSeconds: 0, toSeconds: BT_MIDNIGHT, multiple: 0.5 }] }, '--oracle-spike'],
      [{ spikes: [{ fromSeconds: end + 1, toSeconds: end + 60, multiple: 0.5 }] }, '--oracle-spike'],
      [
        { outages: [{ fromSeconds: BT_MIDNIGHT - 365 * 86_400, toSeconds: BT_MIDNIGHT - 86_400 }] },
        '--oracle-outage',
      ],
      [{ outages: [{ fromSeconds: BT_MIDNIGHT, toSeconds: BT_MIDNIGHT + 60 }] }, '--oracle-outage'],
      [{ outages: [{ fromSeconds: BT_MIDNIGHT - 60, toSeconds: BT_MIDNIGHT + 1 }] }, '--oracle-outage'],
    ];
    for (const [oracle, flag] of cases) {
      const error = refused(() => requireOracleWindowsInMarket(oracle, source));
      expect(error.field).toBe(flag);
    }
    const message = refused(() => requireOracleWindowsInMarket(cases[2]?.[0], source)).message;
    expect(message).toContain('2020-03-12T00:00Z');
    expect(message).toContain('2020-03-13T12:00Z');
  });
});
