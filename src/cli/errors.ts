/**
 * Typed refusals of the command line's own edge: paths that cannot be read. The CLI prints them
 * as `error: <shortMessage>` and exits 2.
 */
import { SolventError } from '../math/errors.js';

/** A path given on the command line does not exist. */
export class PathNotFoundError extends SolventError {
  override name = 'PathNotFoundError';
  /** The path as the user gave it. */
  readonly path: string;
  constructor(path: string) {
    super('PathNotFound', `No such file or folder: ${path}.`, {
      metaMessages: ['Check the path; it is read relative to the current folder.'],
      details: { path },
    });
    this.path = path;
  }
}

/** A path exists but cannot be read (permissions, a special file, an I/O error). */
export class PathReadError extends SolventError {
  override name = 'PathReadError';
  /** The path as the user gave it. */
  readonly path: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super('PathRead', `Cannot read ${path}: ${reason}.`, {
      metaMessages: ['Check that the file or folder is readable.'],
      details: { path, reason },
      cause,
    });
    this.path = path;
  }
}

/** A folder given to `solvent conform` holds no `*.json` file. */
export class NoVectorFilesError extends SolventError {
  override name = 'NoVectorFilesError';
  /** The folder as the user gave it. */
  readonly path: string;
  constructor(path: string) {
    super('NoVectorFiles', `Folder ${path} holds no .json vector file.`, {
      metaMessages: ['Pass a folder of vector files (*.json, read in name order) or the files themselves.'],
      details: { path },
    });
    this.path = path;
  }
}

/** The package's own package.json (for `--version`) cannot be found or read. */
export class PackageManifestError extends SolventError {
  override name = 'PackageManifestError';
  constructor(reason: string) {
    super('PackageManifest', `Cannot read solvent's package.json: ${reason}.`, {
      metaMessages: ['Reinstall the package: its files are incomplete.'],
      details: { reason },
    });
  }
}

/** A file given on the command line is not valid JSON (or YAML, for .yaml files). */
export class JsonFileError extends SolventError {
  override name = 'JsonFileError';
  /** The path as the user gave it. */
  readonly path: string;
  constructor(path: string, reason: string, format: 'JSON' | 'YAML' = 'JSON') {
    super('JsonFile', `${path} is not valid ${format}: ${reason}.`, {
      metaMessages: ['Fix the file; integers above 2^53 must be written as decimal strings.'],
      details: { path, reason },
    });
    this.path = path;
  }
}
