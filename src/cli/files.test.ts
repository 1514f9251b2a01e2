/** Tests of the CLI's file edge: path expansion and reading of vector files. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { VectorFileError } from '../protocols/conformance.js';
import { NoVectorFilesError, PathNotFoundError } from './errors.js';
import { expandVectorPaths, readPackageVersion, readVectorFiles } from './files.js';

const root = mkdtempSync(join(tmpdir(), 'solvent-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const vector = { system: 's', function: 'f', inputs: {}, expected: { x: '1' } };
mkdirSync(join(root, 'dir', 'nested'), { recursive: true });
for (const name of ['b.json', 'a.json', 'B.json', 'nested/c.json']) {
  writeFileSync(join(root, 'dir', name), JSON.stringify([vector]));
}
writeFileSync(join(root, 'dir', 'notes.md'), '# not vectors');
mkdirSync(join(root, 'empty'));

describe('expandVectorPaths', () => {
  test('default', async () => {
    const dir = join(root, 'dir');
    // Code-unit order: upper case sorts before lower case; nested folders are not entered.
    expect(await expandVectorPaths([dir])).toEqual([
      join(dir, 'B.json'),
      join(dir, 'a.json'),
      join(dir, 'b.json'),
    ]);
  });

  test('behavior: files stay as given, in argument order, and a repeated file is kept once', async () => {
    const a = join(root, 'dir', 'a.json');
    const c = join(root, 'dir', 'nested', 'c.json');
    expect(await expandVectorPaths([c, a, join(root, 'dir')])).toEqual([
      c,
      a,
      join(root, 'dir', 'B.json'),
      join(root, 'dir', 'b.json'),
    ]);
  });

  test('error: missing path', async () => {
    await expect(expandVectorPaths([join(root, 'missing.json')])).rejects.toThrow(PathNotFoundError);
    await expect(expandVectorPaths([join(root, 'dir', 'a.json', 'x')])).rejects.toThrow(PathNotFoundError);
  });

  test('error: folder without vector files', async () => {
    await expect(expandVectorPaths([join(root, 'empty')])).rejects.toThrow(NoVectorFilesError);
  });
});

describe('readVectorFiles', () => {
  test('default', async () => {
    const a = join(root, 'dir', 'a.json');
    expect(await readVectorFiles([a])).toEqual([{ file: a, vectors: [vector] }]);
  });

  test('error: malformed file', async () => {
    writeFileSync(join(root, 'bad.json'), '{"not": "an array"}');
    await expect(readVectorFiles([join(root, 'bad.json')])).rejects.toThrow(VectorFileError);
  });
});

describe('readPackageVersion', () => {
  test('default', () => {
    expect(readPackageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
