/**
 * File reading for the command line: expands the paths given to `solvent conform` into vector
 * files and reads the package's version. Everything here is I/O; the checking lives in
 * src/protocols/conformance.ts.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseVectorFile, type VectorFile } from '../protocols/conformance.js';
import {
  JsonFileError,
  NoVectorFilesError,
  PackageManifestError,
  PathNotFoundError,
  PathReadError,
} from './errors.js';

/**
 * Expands paths into vector file paths: a file stays as given; a folder becomes every `*.json`
 * file directly inside it, sorted by name. A file named twice is kept once (first position).
 * @param paths file or folder paths, relative to the current folder or absolute.
 * @throws PathNotFoundError when a path does not exist; PathReadError when it cannot be read;
 *   NoVectorFilesError when a folder holds no `*.json` file.
 */
export async function expandVectorPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const key = resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const path of paths) {
    const stats = await stat(path).catch((error: unknown) => {
      throw fileError(path, error);
    });
    if (!stats.isDirectory()) {
      add(path);
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true }).catch((error: unknown) => {
      throw fileError(path, error);
    });
    // Code-unit order, not locale order: the same run on every machine.
    const names = entries
      .filter((entry) => entry.name.endsWith('.json') && (entry.isFile() || entry.isSymbolicLink()))
      .map((entry) => entry.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (names.length === 0) throw new NoVectorFilesError(path);
    for (const name of names) add(join(path, name));
  }
  return files;
}

/**
 * Reads and validates every vector file under `paths` (see {@link expandVectorPaths}).
 * @returns one entry per file, named by its path as given (or folder + file name).
 * @throws PathNotFoundError, PathReadError, NoVectorFilesError; VectorFileError for a file that
 *   does not follow the vector format.
 */
export async function readVectorFiles(paths: readonly string[]): Promise<VectorFile[]> {
  const files: VectorFile[] = [];
  for (const file of await expandVectorPaths(paths)) {
    const text = await readFile(file, 'utf8').catch((error: unknown) => {
      throw fileError(file, error);
    });
    files.push({ file, vectors: parseVectorFile(text, file) });
  }
  return files;
}

/**
 * The `version` of the solvent package.json nearest above this module (the same walk works from
 * src/cli and from dist/src/cli).
 * @throws PackageManifestError when no such package.json is found or it has no version.
 */
export function readPackageVersion(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = readManifest(join(folder, 'package.json'));
    if (isSolventManifest(manifest)) return manifest.version;
    const parent = dirname(folder);
    if (parent === folder) throw new PackageManifestError('no package.json named solvent above the CLI');
    folder = parent;
  }
}

/** The parsed manifest at `path`, or undefined when there is none. */
function readManifest(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PackageManifestError(
      `${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

function isSolventManifest(value: unknown): value is { name: 'solvent'; version: string } {
  if (typeof value !== 'object' || value === null) return false;
  return (
    'name' in value && value.name === 'solvent' && 'version' in value && typeof value.version === 'string'
  );
}

function fileError(path: string, error: unknown): Error {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new PathNotFoundError(path);
  const reason = error instanceof Error ? error.message : String(error);
  return new PathReadError(path, reason, error);
}

/**
 * Reads and parses one JSON file.
 * @throws PathNotFoundError, PathReadError, JsonFileError (with the parser's reason).
 */
export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw fileError(path, error);
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new JsonFileError(path, error instanceof Error ? error.message : String(error));
  }
}

/**
 * YAML integers arrive as bigints so that no digit is lost; those within 2^53 become numbers again
 * (both forms are accepted wherever an integer is read, and counts and decimals want numbers).
 */
function safeIntegersAsNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (Array.isArray(value)) return value.map(safeIntegersAsNumbers);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeIntegersAsNumbers(v)]));
  }
  return value;
}

/**
 * Reads a configuration or script file: YAML for `.yaml`/`.yml` (integers past 2^53 read as bigints,
 * so token amounts keep every digit), JSON otherwise.
 * @throws PathNotFoundError, PathReadError, JsonFileError (also for YAML, with the parser's reason).
 */
export async function readStructuredFile(path: string): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  if (extension !== '.yaml' && extension !== '.yml') return readJsonFile(path);
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw fileError(path, error);
  });
  try {
    return safeIntegersAsNumbers(parseYaml(text, { intAsBigInt: true }));
  } catch (error) {
    throw new JsonFileError(path, error instanceof Error ? error.message : String(error), 'YAML');
  }
}

/**
 * A script whose `protocol` names a configuration file (`.json`, `.yaml`, `.yml`) gets that file's
 * content in its place, read relative to the script's folder.
 */
export async function inlineProtocolFile(script: unknown, scriptPath: string): Promise<unknown> {
  if (script === null || typeof script !== 'object' || Array.isArray(script)) return script;
  const protocol = (script as Record<string, unknown>).protocol;
  if (typeof protocol !== 'string' || !/\.(json|ya?ml)$/i.test(protocol)) return script;
  const config = await readStructuredFile(resolve(dirname(scriptPath), protocol));
  return { ...script, protocol: config };
}
