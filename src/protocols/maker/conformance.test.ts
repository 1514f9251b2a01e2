/** Runs every makerdao-dss vector of fixtures/vectors/makerdao.json through the Maker handler table. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { parseVectorFile, runVectors } from '../conformance.js';
import { makerConformance } from './conformance.js';

const FILE = new URL('../../../fixtures/vectors/makerdao.json', import.meta.url);

function lookup(system: string, fn: string) {
  return system === makerConformance.system ? makerConformance.handlers[fn] : undefined;
}

describe('makerConformance', () => {
  test('default: every makerdao.json vector passes, field by field', () => {
    const vectors = parseVectorFile(readFileSync(FILE, 'utf8'), 'makerdao.json');
    expect(vectors.length).toBeGreaterThanOrEqual(53);
    const report = runVectors([{ file: 'makerdao.json', vectors }], lookup);
    const failures = report.results.filter((r) => r.status !== 'passed');
    expect(failures).toEqual([]);
    expect(report.totals.passed).toBe(vectors.length);
  });

  test('behavior: system name is makerdao-dss', () => {
    expect(makerConformance.system).toBe('makerdao-dss');
  });

  test('error: a malformed calc names inputs.calc', () => {
    const handler = makerConformance.handlers['Clipper.status (needsRedo)'];
    expect(handler).toBeDefined();
    const inputs = { top_ray: '1000', dur_s: '1', tail_s: '10', cusp_ray: '0' };
    for (const calc of [
      'LinearDecrease',
      'LinearDecrease tau=0',
      'LinearDecrease tau=36.5',
      'LinearDecrease  tau=3600',
      'LinearDecrease tau=3600 step=1',
      'StairstepExponentialDecrease cut=1.01 step=90',
      'StairstepExponentialDecrease cut=0.99',
      'StairstepExponentialDecrease cut=0.99 cut=0.98 step=9',
      'ExponentialDecrease cut=99%',
      'QuadraticDecrease tau=1',
    ]) {
      try {
        handler?.({ ...inputs, calc });
        expect.unreachable(`accepted ${calc}`);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).field).toBe('inputs.calc');
      }
    }
  });

  test('error: a non-integer input names its field', () => {
    const handler = makerConformance.handlers['Dog.bark'];
    expect(() => handler?.({ ink: '1.5' })).toThrow(InvalidParameterError);
  });
});
