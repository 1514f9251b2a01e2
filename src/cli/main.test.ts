/** In-process tests of the `solvent` CLI: commands, output, exit codes and error mapping. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../engine/errors.js';
import type { ConformanceReport, HandlerLookup } from '../protocols/conformance.js';
import { main } from './main.js';

/** `toy.double` returns 2x; `toy.refuse` always reverts; `toy.crash` throws a plain bug. */
const lookup: HandlerLookup = (system, fn) => {
  if (system !== 'toy') return undefined;
  if (fn === 'double') return (inputs) => ({ y: (BigInt(String(inputs.x)) * 2n).toString() });
  if (fn === 'refuse')
    return () => {
      throw new ProtocolRevertError('Toy/no', 'never');
    };
  if (fn === 'crash')
    return () => {
      throw new RangeError('boom');
    };
  return undefined;
};

async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    lookup,
  });
  return { code, stdout, stderr };
}

const root = mkdtempSync(join(tmpdir(), 'solvent-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeVectors(name: string, vectors: unknown): string {
  const path = join(root, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof vectors === 'string' ? vectors : JSON.stringify(vectors));
  return path;
}

const pass = { system: 'toy', function: 'double', inputs: { x: '21' }, expected: { y: '42' } };
const fail = { system: 'toy', function: 'double', inputs: { x: '21' }, expected: { y: '43' } };
const revert = { system: 'toy', function: 'refuse', inputs: {}, expected: { revert: 'Toy/no' } };
const unsupported = { system: 'elsewhere', function: 'f', inputs: {}, expected: { y: '1' } };

describe('main', () => {
  test('default', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+conform\b/m);
  });

  test('behavior: --version prints the version of package.json', async () => {
    const manifest = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    const result = await run(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });

  test('behavior: conform --help documents --allow-unsupported and the exit codes', async () => {
    const result = await run(['conform', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--allow-unsupported');
    expect(result.stdout).toContain('Exit codes');
  });

  test('behavior: conform exits 0 when every vector passes', async () => {
    const result = await run(['conform', writeVectors('pass.json', [pass, revert])]);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('2 passed, 0 failed');
  });

  test('behavior: conform exits 1 on a failing vector and prints the failing field', async () => {
    const file = writeVectors('fail.json', [pass, fail]);
    const result = await run(['conform', file]);
    expect(result.code).toBe(1);
    const line = result.stdout.split('\n').find((l) => l.startsWith('toy'));
    expect(line?.split(/\s{2,}/)).toEqual(['toy', 'double', 'y', 'expected 43', 'actual 42', `(${file} #1)`]);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
    expect((await run(['conform', '--allow-unsupported', file])).code).toBe(1);
  });

  test('behavior: unsupported fails the run unless --allow-unsupported', async () => {
    const file = writeVectors('unsupported.json', [pass, unsupported]);
    const strict = await run(['conform', file]);
    expect(strict.code).toBe(1);
    expect(strict.stdout.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
    const allowed = await run(['conform', file, '--allow-unsupported']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('unsupported');
  });

  test('behavior: a model that crashes fails its vector, not the run', async () => {
    const crash = { system: 'toy', function: 'crash', inputs: {}, expected: { y: '1' } };
    const result = await run(['conform', writeVectors('crash.json', [crash, pass])]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('boom');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
  });

  test('behavior: --json prints the report as JSON', async () => {
    const result = await run(['conform', '--json', writeVectors('json.json', [pass, fail, unsupported])]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as ConformanceReport;
    expect(report.totals).toEqual({ vectors: 3, passed: 1, failed: 1, unsupported: 1 });
    expect(report.results.map((r) => r.status)).toEqual(['passed', 'failed', 'unsupported']);
  });

  test('behavior: a folder runs every *.json inside in name order', async () => {
    writeVectors('folder/b.json', [fail]);
    writeVectors('folder/a.json', [pass]);
    writeVectors('folder/readme.txt', 'not vectors');
    const result = await run(['conform', '--json', join(root, 'folder')]);
    const report = JSON.parse(result.stdout) as ConformanceReport;
    expect(report.results.map((r) => r.file)).toEqual([
      join(root, 'folder', 'a.json'),
      join(root, 'folder', 'b.json'),
    ]);
  });

  test('error: a missing path exits 2 naming it', async () => {
    const missing = join(root, 'nope.json');
    const result = await run(['conform', missing]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toMatch(/^error: /);
    expect(result.stderr).toContain(missing);
  });

  test('error: a malformed vector file exits 2 with file, index and field', async () => {
    const file = writeVectors('bad.json', [pass, { ...pass, inputs: 'x' }]);
    const result = await run(['conform', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(/^error: /);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain('[1].inputs');
    expect(result.stderr).not.toContain('    at ');
  });

  test('error: a folder without vector files exits 2', async () => {
    mkdirSync(join(root, 'empty'), { recursive: true });
    const result = await run(['conform', join(root, 'empty')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: /);
  });

  test('error: usage errors exit 2 with commander message', async () => {
    for (const argv of [['--bogus'], ['conform'], ['conform', '--bogus', 'x'], ['frobnicate'], []]) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr.length, argv.join(' ')).toBeGreaterThan(0);
    }
    expect((await run(['--bogus'])).stderr).toContain("unknown option '--bogus'");
  });
});
