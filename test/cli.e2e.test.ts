/**
 * End-to-end tests of the built `solvent` command: spawns `node bin/solvent.js` from the repository
 * root the way a user runs it. `npm test` builds dist first (pretest).
 */
import { spawnSync } from 'node:child_process';
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
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { repoRoot, solvent } from './support.js';

const vectorsFolder = join(repoRoot, 'fixtures', 'vectors');

let temp = '';
beforeAll(() => {
  if (!existsSync(join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/src/cli/main.js is missing: run `npm run build` (npm test does it in pretest).');
  }
  temp = mkdtempSync(join(tmpdir(), 'solvent-e2e-'));
});
afterAll(() => {
  if (temp !== '') rmSync(temp, { recursive: true, force: true });
});

describe('solvent', () => {
  test('default', () => {
    const result = solvent(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+conform\b/m);
  });

  test('behavior: --version matches package.json', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(solvent(['--version'])).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  });

  test('behavior: conform --json over fixtures/vectors reports every vector', () => {
    const expectedCount = readdirSync(vectorsFolder)
      .filter((name) => name.endsWith('.json'))
      .reduce(
        (sum, name) =>
          sum + (JSON.parse(readFileSync(join(vectorsFolder, name), 'utf8')) as unknown[]).length,
        0,
      );
    const result = solvent(['conform', '--json', 'fixtures/vectors']);
    expect(result.code === 0 || result.code === 1).toBe(true);
    const report = JSON.parse(result.stdout) as {
      results: unknown[];
      totals: { vectors: number; passed: number; failed: number; unsupported: number };
    };
    expect(report.totals.vectors).toBe(expectedCount);
    expect(report.results).toHaveLength(expectedCount);
    expect(report.totals.passed + report.totals.failed + report.totals.unsupported).toBe(expectedCount);
  });

  test('behavior: the table ends with the closing line', () => {
    const result = solvent(['conform', 'fixtures/vectors', '--allow-unsupported']);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, \d+ failed$/);
    expect(result.stderr).not.toContain('    at ');
  });

  test('behavior: a reader that closes the pipe early gets no stack trace', () => {
    // Enough copies of a fixture for the JSON report to overflow the pipe buffer, then `head`.
    const folder = join(temp, 'many');
    mkdirSync(folder);
    // a system no model covers, so every vector is unsupported and the run exits 1
    const unsupported = (
      JSON.parse(readFileSync(join(vectorsFolder, 'dydx_v4.json'), 'utf8')) as object[]
    ).map((v) => ({ ...v, system: 'no-such-protocol' }));
    for (let i = 0; i < 40; i++) writeFileSync(join(folder, `v${i}.json`), JSON.stringify(unsupported));
    const stderrFile = join(temp, 'stderr.txt');
    const script = `"${process.execPath}" bin/solvent.js conform --json "${folder}" 2>"${stderrFile}" | head -c 1 >/dev/null`;
    const result = spawnSync('bash', ['-c', `${script}; exit \${PIPESTATUS[0]}`], { cwd: repoRoot });
    const stderr = readFileSync(stderrFile, 'utf8');
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toContain('    at ');
    expect(result.status).toBe(1);
  });

  test('error: a malformed vector file exits 2 without a stack trace', () => {
    writeFileSync(join(temp, 'bad.json'), JSON.stringify([{ system: 'x', function: 'f', inputs: {} }]));
    const result = solvent(['conform', temp]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).toContain('bad.json');
    expect(result.stderr).not.toContain('    at ');
  });

  test('error: a missing file exits 2 naming it', () => {
    const result = solvent(['conform', 'no/such/file.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .*no\/such\/file\.json/);
    expect(result.stderr).not.toContain('    at ');
  });

  test('error: a bad flag exits non-zero with a message', () => {
    const result = solvent(['conform', '--no-such-flag', 'fixtures/vectors']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown option '--no-such-flag'");
    expect(result.stderr).not.toContain('    at ');
  });
});
