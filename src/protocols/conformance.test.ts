/** Tests of the conformance runner with small in-memory models, and of the vector file parser. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../engine/errors.js';
import {
  type ConformanceReport,
  conformancePassed,
  formatReportTable,
  type HandlerLookup,
  parseVectorFile,
  runVectors,
  VectorFileError,
} from './conformance.js';
import type { Vector, VectorHandler, VectorObject, VectorValue } from './conformance-types.js';

/** Reads a decimal-string input; the test models below are deliberately trivial. */
function int(inputs: VectorObject, key: string): bigint {
  const value = inputs[key];
  if (typeof value !== 'string') throw new InvalidParameterError(key, 'must be a decimal string');
  return BigInt(value);
}

/**
 * A toy protocol `toy`: `add` returns a + b; `withdraw` computes the balance left and refuses,
 * like a contract, with `Toy/insufficient` when it would go negative (reporting what it computed).
 */
const TOY_HANDLERS: Readonly<Record<string, VectorHandler>> = {
  add: (inputs) => ({ sum: (int(inputs, 'a') + int(inputs, 'b')).toString(), note: 'extra field' }),
  withdraw: (inputs) => {
    const left = int(inputs, 'balance') - int(inputs, 'amount');
    if (left < 0n)
      throw new ProtocolRevertError('Toy/insufficient', 'ask for less', { left: left.toString() });
    return { left: left.toString() };
  },
  shapes: () => ({ list: [1, 2, 3], obj: { b: 2, a: 1 }, flag: true, count: 7 }),
  crash: () => {
    throw new TypeError('cannot read x of undefined');
  },
  bigint: () => ({ sum: 5n }) as unknown as Record<string, VectorValue>,
  promise: () => Promise.resolve({ sum: '5' }) as unknown as Record<string, VectorValue>,
};

const toyLookup: HandlerLookup = (system, fn) => (system === 'toy' ? TOY_HANDLERS[fn] : undefined);

function vector(fn: string, inputs: VectorObject, expected: VectorObject, system = 'toy'): Vector {
  return { system, function: fn, inputs, expected };
}

function runOne(v: Vector): ConformanceReport['results'][number] {
  const result = runVectors([{ file: 'toy.json', vectors: [v] }], toyLookup).results[0];
  if (result === undefined) throw new Error('runVectors returned no result');
  return result;
}

describe('runVectors', () => {
  test('default', () => {
    const report = runVectors(
      [{ file: 'toy.json', vectors: [vector('add', { a: '2', b: '3' }, { sum: '5' })] }],
      toyLookup,
    );
    expect(report.results).toEqual([
      { index: 0, file: 'toy.json', system: 'toy', function: 'add', status: 'passed', mismatches: [] },
    ]);
    expect(report.systems).toEqual([{ system: 'toy', passed: 1, failed: 0, unsupported: 0 }]);
    expect(report.totals).toEqual({ vectors: 1, passed: 1, failed: 0, unsupported: 0 });
  });

  test('behavior: exact comparison beyond 2^53', () => {
    // 2^64 + 1 = 18446744073709551617, by hand; a float model would lose the final 1.
    const result = runOne(
      vector('add', { a: '18446744073709551616', b: '1' }, { sum: '18446744073709551617' }),
    );
    expect(result.status).toBe('passed');
  });

  test('behavior: a field mismatch names field, expected and actual', () => {
    const result = runOne(vector('add', { a: '2', b: '3' }, { sum: '6' }));
    expect(result.status).toBe('failed');
    expect(result.mismatches).toEqual([{ field: 'sum', expected: '6', actual: '5' }]);
  });

  test('behavior: an expected field the model does not produce is a mismatch without actual', () => {
    const result = runOne(vector('add', { a: '2', b: '3' }, { sum: '5', carry: '0' }));
    expect(result.status).toBe('failed');
    expect(result.mismatches).toEqual([{ field: 'carry', expected: '0' }]);
  });

  test('behavior: an expected revert the model produces passes', () => {
    const result = runOne(vector('withdraw', { balance: '1', amount: '3' }, { revert: 'Toy/insufficient' }));
    expect(result).toMatchObject({ status: 'passed', mismatches: [] });
  });

  test('behavior: a different revert reason is a mismatch on revert', () => {
    const result = runOne(vector('withdraw', { balance: '1', amount: '3' }, { revert: 'Toy/other' }));
    expect(result.mismatches).toEqual([
      { field: 'revert', expected: 'Toy/other', actual: 'Toy/insufficient' },
    ]);
  });

  test('behavior: an expected revert the model did not produce fails on revert', () => {
    const result = runOne(vector('withdraw', { balance: '5', amount: '3' }, { revert: 'Toy/insufficient' }));
    expect(result.status).toBe('failed');
    expect(result.mismatches).toEqual([{ field: 'revert', expected: 'Toy/insufficient' }]);
  });

  test('behavior: an unexpected revert fails on revert', () => {
    const result = runOne(vector('withdraw', { balance: '1', amount: '3' }, { left: '-2' }));
    expect(result.status).toBe('failed');
    // `left` was computed before the refusal (1 - 3 = -2), so only the revert itself differs.
    expect(result.mismatches).toEqual([{ field: 'revert', actual: 'Toy/insufficient' }]);
  });

  test('behavior: values computed before a revert are compared', () => {
    const good = runOne(
      vector('withdraw', { balance: '1', amount: '3' }, { revert: 'Toy/insufficient', left: '-2' }),
    );
    expect(good.status).toBe('passed');
    const bad = runOne(
      vector('withdraw', { balance: '1', amount: '3' }, { revert: 'Toy/insufficient', left: '-1' }),
    );
    expect(bad.status).toBe('failed');
    expect(bad.mismatches).toEqual([{ field: 'left', expected: '-1', actual: '-2' }]);
  });

  test('behavior: numbers, arrays and objects compare by canonical JSON, strings and booleans exactly', () => {
    const same = runOne(vector('shapes', {}, { list: [1, 2, 3], obj: { a: 1, b: 2 }, flag: true, count: 7 }));
    expect(same.status).toBe('passed');
    const typed = runOne(vector('shapes', {}, { flag: 'true', count: '7', list: [1, 2] }));
    expect(typed.mismatches.map((m) => m.field)).toEqual(['flag', 'count', 'list']);
  });

  test('behavior: no model for the pair is unsupported', () => {
    const result = runOne(vector('mint', {}, { x: '1' }));
    expect(result).toMatchObject({ status: 'unsupported', mismatches: [] });
    expect(runOne(vector('add', {}, { x: '1' }, 'other-system')).status).toBe('unsupported');
  });

  test('behavior: the default lookup is the project registry', () => {
    const report = runVectors([{ file: 'x.json', vectors: [vector('f', {}, { x: '1' }, 'no-such-system')] }]);
    expect(report.results[0]?.status).toBe('unsupported');
  });

  test('behavior: a SolventError from a model fails that vector with its shortMessage and the run goes on', () => {
    const bad = vector('add', { a: 2, b: '3' }, { sum: '5' });
    const report = runVectors(
      [{ file: 'toy.json', vectors: [bad, vector('add', { a: '1', b: '1' }, { sum: '2' })] }],
      toyLookup,
    );
    expect(report.results[0]?.status).toBe('failed');
    expect(report.results[0]?.error).toBe(
      new InvalidParameterError('a', 'must be a decimal string').shortMessage,
    );
    expect(report.results[1]?.status).toBe('passed');
  });

  test('behavior: any other exception fails the vector with its message', () => {
    const result = runOne(vector('crash', {}, { x: '1' }));
    expect(result.status).toBe('failed');
    expect(result.error).toContain('cannot read x of undefined');
  });

  test('behavior: a result that is not JSON (a bigint) fails the vector', () => {
    const result = runOne(vector('bigint', {}, { sum: '5' }));
    expect(result.status).toBe('failed');
    expect(result.error).toContain('bigint');
  });

  test('behavior: a result that is not a plain object (a Promise) fails the vector', () => {
    const result = runOne(vector('promise', {}, { sum: '5' }));
    expect(result.status).toBe('failed');
    expect(result.error).toContain('Promise');
  });

  test('behavior: index, file and counts per system in order of first appearance', () => {
    const report = runVectors(
      [
        {
          file: 'a.json',
          vectors: [vector('add', { a: '1', b: '1' }, { sum: '2' }), vector('f', {}, { x: '1' }, 'zeta')],
        },
        { file: 'b.json', vectors: [vector('add', { a: '1', b: '1' }, { sum: '3' })] },
      ],
      toyLookup,
    );
    expect(report.results.map((r) => [r.file, r.index, r.status])).toEqual([
      ['a.json', 0, 'passed'],
      ['a.json', 1, 'unsupported'],
      ['b.json', 0, 'failed'],
    ]);
    expect(report.systems).toEqual([
      { system: 'toy', passed: 1, failed: 1, unsupported: 0 },
      { system: 'zeta', passed: 0, failed: 0, unsupported: 1 },
    ]);
    expect(report.totals).toEqual({ vectors: 3, passed: 1, failed: 1, unsupported: 1 });
  });

  test('behavior: the vectors are not mutated', () => {
    const v = vector('withdraw', { balance: '1', amount: '3' }, { revert: 'Toy/insufficient', left: '-2' });
    const before = JSON.stringify(v);
    runOne(v);
    expect(JSON.stringify(v)).toBe(before);
  });
});

describe('conformancePassed', () => {
  const report = (failed: number, unsupported: number): ConformanceReport => ({
    results: [],
    systems: [],
    totals: { vectors: 1 + failed + unsupported, passed: 1, failed, unsupported },
  });

  test('default', () => {
    expect(conformancePassed(report(0, 0), { allowUnsupported: false })).toBe(true);
  });

  test('behavior: unsupported fails unless allowed; failed always fails', () => {
    expect(conformancePassed(report(0, 2), { allowUnsupported: false })).toBe(false);
    expect(conformancePassed(report(0, 2), { allowUnsupported: true })).toBe(true);
    expect(conformancePassed(report(1, 0), { allowUnsupported: true })).toBe(false);
    expect(conformancePassed(report(1, 2), { allowUnsupported: true })).toBe(false);
  });
});

describe('formatReportTable', () => {
  const report = runVectors(
    [
      {
        file: 'toy.json',
        vectors: [
          vector('add', { a: '2', b: '3' }, { sum: '5' }),
          vector('add', { a: '2', b: '3' }, { sum: '6' }),
          vector('mint', {}, { x: '1' }),
          vector('crash', {}, { x: '1' }),
        ],
      },
    ],
    toyLookup,
  );
  const lines = formatReportTable(report).trimEnd().split('\n');

  test('default', () => {
    // 1 passed; 2 failed + 1 unsupported, which counts as failed.
    expect(lines.at(-1)).toBe('1 passed, 3 failed');
  });

  test('behavior: one line per failing field with system, function, field, expected and actual', () => {
    const line = lines.find((l) => l.includes(' sum '));
    expect(line?.split(/\s{2,}/)).toEqual(['toy', 'add', 'sum', 'expected 6', 'actual 5', '(toy.json #1)']);
  });

  test('behavior: unsupported and erroring vectors get a line each', () => {
    expect(lines.find((l) => l.includes('mint'))?.split(/\s{2,}/)).toEqual([
      'toy',
      'mint',
      'unsupported',
      '(toy.json #2)',
    ]);
    expect(lines.find((l) => l.startsWith('toy') && l.includes('crash'))).toContain('error');
    expect(lines.filter((l) => l.includes('(toy.json #0)'))).toEqual([]);
  });

  test('behavior: a table of counts per system', () => {
    expect(lines.find((l) => l.startsWith('system'))?.split(/\s+/)).toEqual([
      'system',
      'passed',
      'failed',
      'unsupported',
    ]);
    expect(lines.find((l) => /^toy\s+\d/.test(l))?.split(/\s+/)).toEqual(['toy', '1', '2', '1']);
    expect(lines.find((l) => l.startsWith('total'))?.split(/\s+/)).toEqual(['total', '1', '2', '1']);
  });
});

describe('parseVectorFile', () => {
  const valid = {
    system: 'toy',
    function: 'add',
    inputs: { a: '2', b: '3' },
    expected: { sum: '5' },
    source: 'toy/toy.sol',
    note: 'a + b',
    obtained: 'computed',
  };

  function parseError(content: unknown): VectorFileError {
    try {
      parseVectorFile(typeof content === 'string' ? content : JSON.stringify(content), 'toy.json');
    } catch (error) {
      if (error instanceof VectorFileError) return error;
      throw error;
    }
    throw new Error('expected a VectorFileError');
  }

  test('default', () => {
    expect(parseVectorFile(JSON.stringify([valid]), 'toy.json')).toEqual([valid]);
  });

  test('behavior: optional fields may be absent and unknown keys are dropped', () => {
    const [parsed] = parseVectorFile(
      JSON.stringify([{ system: 's', function: 'f', inputs: {}, expected: { x: '1' }, extra: 1 }]),
      'x.json',
    );
    expect(parsed).toEqual({ system: 's', function: 'f', inputs: {}, expected: { x: '1' } });
  });

  test('behavior: reads every shipped fixture file', () => {
    const folder = join(import.meta.dirname, '..', '..', 'fixtures', 'vectors');
    for (const name of readdirSync(folder).filter((n) => n.endsWith('.json'))) {
      const text = readFileSync(join(folder, name), 'utf8');
      const count = (JSON.parse(text) as unknown[]).length;
      expect(parseVectorFile(text, name)).toHaveLength(count);
    }
  });

  test('error: not JSON', () => {
    expect(() => parseVectorFile('[{', 'toy.json')).toThrow(VectorFileError);
    expect(parseError('[{')).toMatchObject({ file: 'toy.json', index: undefined, field: undefined });
  });

  test('error: not an array', () => {
    expect(() => parseVectorFile('{"system":"x"}', 'toy.json')).toThrow(VectorFileError);
    expect(parseError({ system: 'x' }).file).toBe('toy.json');
  });

  test('error: an element that is not an object names its index', () => {
    expect(parseError([valid, 'oops'])).toMatchObject({ file: 'toy.json', index: 1, field: undefined });
    expect(parseError([null])).toMatchObject({ index: 0 });
  });

  test('error: a missing or mistyped field names index and field', () => {
    const { system: _system, ...noSystem } = valid;
    expect(parseError([valid, noSystem])).toMatchObject({ file: 'toy.json', index: 1, field: 'system' });
    expect(parseError([{ ...valid, function: 3 }])).toMatchObject({ index: 0, field: 'function' });
    expect(parseError([{ ...valid, system: '' }])).toMatchObject({ index: 0, field: 'system' });
    expect(parseError([{ ...valid, inputs: ['a'] }])).toMatchObject({ index: 0, field: 'inputs' });
    expect(parseError([{ ...valid, expected: null }])).toMatchObject({ index: 0, field: 'expected' });
    expect(parseError([{ ...valid, expected: {} }])).toMatchObject({ index: 0, field: 'expected' });
    expect(parseError([valid, valid, { ...valid, obtained: true }])).toMatchObject({
      index: 2,
      field: 'obtained',
    });
    expect(() => parseVectorFile(JSON.stringify([{ ...valid, note: null }]), 'toy.json')).toThrow(
      VectorFileError,
    );
  });
});
