/**
 * The conformance runner: parses vector files (the ../shared/conformance/README.md format), runs
 * every vector through the project's own protocol model and compares each expected field exactly.
 * Pure: the caller (src/cli) reads the files and prints the report.
 */

import { ProtocolRevertError } from '../engine/errors.js';
import { canonicalJson } from '../engine/machine.js';
import { SolventError } from '../math/errors.js';
import type { Vector, VectorHandler, VectorObject, VectorValue } from './conformance-types.js';
import { findHandler } from './registry.js';

/**
 * A vector file does not follow the vector format. Names the file, and where it applies the
 * element index (0-based, as in the JSON array) and the offending field.
 */
export class VectorFileError extends SolventError {
  override name = 'VectorFileError';
  /** The file name as the caller gave it. */
  readonly file: string;
  /** 0-based index of the offending element, when the problem is inside one. */
  readonly index?: number;
  /** The offending field of that element, when there is one. */
  readonly field?: string;
  constructor(
    file: string,
    problem: string,
    location: { readonly index?: number; readonly field?: string } = {},
  ) {
    const where =
      location.index === undefined
        ? ' '
        : `: [${location.index}]${location.field === undefined ? '' : `.${location.field}`} `;
    super('VectorFile', `Vector file ${file}${where}${problem}.`, {
      metaMessages: [
        'A vector file is a JSON array of { system, function, inputs, expected, source?, note?, obtained? }:',
        'system and function are strings, inputs and expected are objects, the rest are optional strings.',
      ],
      details: {
        file,
        problem,
        ...(location.index === undefined ? {} : { index: String(location.index) }),
        ...(location.field === undefined ? {} : { field: location.field }),
      },
    });
    this.file = file;
    if (location.index !== undefined) this.index = location.index;
    if (location.field !== undefined) this.field = location.field;
  }
}

/** Finds the model of a `(system, function)` pair; `undefined` when it is not modelled. */
export type HandlerLookup = (system: string, fn: string) => VectorHandler | undefined;

/** The vectors of one file, with the name the report should show for it. */
export interface VectorFile {
  readonly file: string;
  readonly vectors: readonly Vector[];
}

/** Outcome of one vector. `unsupported`: no model for its `(system, function)` pair. */
export type VectorStatus = 'passed' | 'failed' | 'unsupported';

/**
 * One expected field the model did not reproduce. `expected` is absent for an unexpected `revert`;
 * `actual` is absent when the model did not produce the field (e.g. an expected revert that did
 * not happen).
 */
export interface FieldMismatch {
  readonly field: string;
  readonly expected?: VectorValue;
  readonly actual?: VectorValue;
}

/** The result of one vector. `index` is its 0-based position in `file`. */
export interface VectorResult {
  readonly index: number;
  readonly file: string;
  readonly system: string;
  readonly function: string;
  readonly status: VectorStatus;
  readonly mismatches: readonly FieldMismatch[];
  /** Why the model could not give an answer (an error it threw, or a malformed result). */
  readonly error?: string;
}

/** How many vectors passed, failed and had no model. */
export interface StatusCounts {
  readonly passed: number;
  readonly failed: number;
  readonly unsupported: number;
}

/** Counts of one system. */
export interface SystemCounts extends StatusCounts {
  readonly system: string;
}

/** The whole run: every vector's result, counts per system (in order of first appearance), totals. */
export interface ConformanceReport {
  readonly results: readonly VectorResult[];
  readonly systems: readonly SystemCounts[];
  readonly totals: StatusCounts & { readonly vectors: number };
}

const OPTIONAL_STRING_FIELDS = ['source', 'note', 'obtained'] as const;

/**
 * Parses and validates one vector file.
 * @param text the file's content (JSON; a leading byte order mark is ignored).
 * @param fileName the name errors and reports show for the file.
 * @returns the vectors, holding only the fields of the format (unknown extra keys are dropped).
 * @throws VectorFileError when the text is not JSON, not an array, or an element lacks a field,
 *   has one of the wrong type, or has an empty `expected`.
 */
export function parseVectorFile(text: string, fileName: string): Vector[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    throw new VectorFileError(
      fileName,
      `is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new VectorFileError(fileName, `must hold a JSON array of vectors, got ${describeJson(parsed)}`);
  }
  return parsed.map((element: unknown, index) => parseVector(element, fileName, index));
}

function parseVector(element: unknown, file: string, index: number): Vector {
  if (!isJsonObject(element)) {
    throw new VectorFileError(file, `must be an object, got ${describeJson(element)}`, { index });
  }
  const requireString = (field: 'system' | 'function'): string => {
    const value = element[field];
    if (typeof value !== 'string' || value.length === 0) {
      throw new VectorFileError(file, `must be a non-empty string, got ${describeJson(value)}`, {
        index,
        field,
      });
    }
    return value;
  };
  const requireObject = (field: 'inputs' | 'expected'): VectorObject => {
    const value = element[field];
    if (!isJsonObject(value)) {
      throw new VectorFileError(file, `must be an object, got ${describeJson(value)}`, { index, field });
    }
    return value;
  };
  const system = requireString('system');
  const fn = requireString('function');
  const inputs = requireObject('inputs');
  const expected = requireObject('expected');
  if (Object.keys(expected).length === 0) {
    throw new VectorFileError(file, 'must name at least one field to compare', { index, field: 'expected' });
  }
  let vector: Vector = { system, function: fn, inputs, expected };
  for (const field of OPTIONAL_STRING_FIELDS) {
    if (!Object.hasOwn(element, field)) continue;
    const value = element[field];
    if (typeof value !== 'string') {
      throw new VectorFileError(file, `must be a string when present, got ${describeJson(value)}`, {
        index,
        field,
      });
    }
    vector = { ...vector, [field]: value };
  }
  return vector;
}

/**
 * Runs every vector through its model and compares each field of `expected` exactly: strings and
 * booleans with `===`, numbers, arrays and objects by canonical JSON (keys sorted). A model that
 * throws `ProtocolRevertError` produced `{ ...err.computed, revert: err.reason }`; a `revert` the
 * vector expects but the model did not produce, or one it produced unexpectedly, is a mismatch on
 * field `revert`. Any other error thrown by a model, or a result that is not a JSON object, fails
 * that vector with a message; it never stops the run.
 * @param files the vectors, grouped by the file they came from.
 * @param lookup finds the model of a `(system, function)` pair; defaults to the project's registry.
 * @returns one result per vector in input order, counts per system and totals.
 * @throws nothing on its own (errors of models are caught and reported).
 */
export function runVectors(
  files: readonly VectorFile[],
  lookup: HandlerLookup = findHandler,
): ConformanceReport {
  const results: VectorResult[] = [];
  for (const { file, vectors } of files) {
    vectors.forEach((vector, index) => {
      results.push(runVector(vector, { file, index, lookup }));
    });
  }
  return { results, ...countResults(results) };
}

function runVector(
  vector: Vector,
  at: { readonly file: string; readonly index: number; readonly lookup: HandlerLookup },
): VectorResult {
  const base = { index: at.index, file: at.file, system: vector.system, function: vector.function };
  const handler = at.lookup(vector.system, vector.function);
  if (handler === undefined) return { ...base, status: 'unsupported', mismatches: [] };

  let actual: unknown;
  try {
    actual = handler(vector.inputs);
  } catch (error) {
    if (error instanceof ProtocolRevertError) {
      actual = { ...error.computed, revert: error.reason };
    } else {
      return { ...base, status: 'failed', mismatches: [], error: describeThrown(error) };
    }
  }
  const problem = checkResult(actual);
  if (problem !== undefined || !isJsonObject(actual)) {
    return {
      ...base,
      status: 'failed',
      mismatches: [],
      error: `the model returned ${problem ?? 'no object'}`,
    };
  }
  const mismatches = compareFields(vector.expected, actual);
  return { ...base, status: mismatches.length === 0 ? 'passed' : 'failed', mismatches };
}

/** Compares every expected field, plus `revert` whenever the model produced one. */
function compareFields(expected: VectorObject, actual: VectorObject): FieldMismatch[] {
  const fields = Object.keys(expected);
  if (Object.hasOwn(actual, 'revert') && !Object.hasOwn(expected, 'revert')) fields.push('revert');
  const mismatches: FieldMismatch[] = [];
  for (const field of fields) {
    const hasExpected = Object.hasOwn(expected, field);
    const hasActual = Object.hasOwn(actual, field);
    const expectedValue = expected[field];
    const actualValue = actual[field];
    if (hasExpected && hasActual && expectedValue !== undefined && actualValue !== undefined) {
      if (valuesEqual(expectedValue, actualValue)) continue;
    }
    mismatches.push({
      field,
      ...(hasExpected && expectedValue !== undefined ? { expected: expectedValue } : {}),
      ...(hasActual && actualValue !== undefined ? { actual: actualValue } : {}),
    });
  }
  return mismatches;
}

function valuesEqual(expected: VectorValue, actual: VectorValue): boolean {
  if (typeof expected === 'string' || typeof expected === 'boolean') return expected === actual;
  return canonicalJson(expected) === canonicalJson(actual);
}

/** Why a model's result is not a JSON object of JSON values, or undefined when it is one. */
function checkResult(result: unknown): string | undefined {
  if (!isPlainObject(result)) {
    const kind = typeof result === 'object' && result !== null ? result.constructor?.name : undefined;
    return kind === undefined ? describeJson(result) : `a ${kind} instead of a plain object`;
  }
  for (const [field, value] of Object.entries(result)) {
    const problem = checkJsonValue(value);
    if (problem !== undefined) return `${problem} in field ${field}`;
  }
  return undefined;
}

function checkJsonValue(value: unknown): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `the non-finite number ${value}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = checkJsonValue(item);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) {
      const problem = checkJsonValue(item);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  // bigint, undefined, functions, symbols, class instances: integers must be decimal strings.
  if (typeof value === 'object') return 'a non-plain object';
  return `a ${typeof value} (integers must be decimal strings)`;
}

function describeThrown(error: unknown): string {
  if (error instanceof SolventError) return error.shortMessage;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `threw ${String(error)}`;
}

function countResults(results: readonly VectorResult[]): Omit<ConformanceReport, 'results'> {
  const bySystem = new Map<string, { passed: number; failed: number; unsupported: number }>();
  const totals = { vectors: results.length, passed: 0, failed: 0, unsupported: 0 };
  for (const result of results) {
    let counts = bySystem.get(result.system);
    if (counts === undefined) {
      counts = { passed: 0, failed: 0, unsupported: 0 };
      bySystem.set(result.system, counts);
    }
    counts[result.status] += 1;
    totals[result.status] += 1;
  }
  const systems = [...bySystem].map(([system, counts]) => ({ system, ...counts }));
  return { systems, totals };
}

/**
 * Whether a run counts as a success: nothing failed, and nothing was unsupported unless
 * `allowUnsupported` says that vectors without a model yet may not fail the run.
 * @param report a report from {@link runVectors}.
 * @param options.allowUnsupported when true, unsupported vectors alone do not fail the run.
 */
export function conformancePassed(
  report: ConformanceReport,
  options: { readonly allowUnsupported: boolean },
): boolean {
  if (report.totals.failed > 0) return false;
  return options.allowUnsupported || report.totals.unsupported === 0;
}

/**
 * The report as text: one line per mismatched field of a failing vector
 * (`system  function  field  expected <v>  actual <v>  (file #index)`), one line per vector whose
 * model threw (`... error <message>`) and one per unsupported vector, then a table of counts per
 * system, then the closing line `N passed, M failed`, where unsupported vectors count as failed.
 * @param report a report from {@link runVectors}.
 * @returns the text, ending with a newline.
 */
export function formatReportTable(report: ConformanceReport): string {
  const rows: string[][] = [];
  for (const result of report.results) {
    const where = `(${result.file} #${result.index})`;
    const head = [result.system, result.function];
    if (result.status === 'unsupported') {
      rows.push([...head, 'unsupported', where]);
    } else if (result.error !== undefined) {
      rows.push([...head, 'error', `${oneLine(result.error)}  ${where}`]);
    } else {
      for (const mismatch of result.mismatches) {
        const values = `expected ${formatValue(mismatch.expected)}  actual ${formatValue(mismatch.actual)}`;
        rows.push([...head, mismatch.field, `${values}  ${where}`]);
      }
    }
  }
  const lines = alignColumns(rows, 3);
  if (lines.length > 0) lines.push('');

  const tableRows = [
    ['system', 'passed', 'failed', 'unsupported'],
    ...report.systems.map((s) => [s.system, String(s.passed), String(s.failed), String(s.unsupported)]),
    ['total', String(report.totals.passed), String(report.totals.failed), String(report.totals.unsupported)],
  ];
  const widths = [0, 1, 2, 3].map((column) =>
    Math.max(...tableRows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of tableRows) {
    lines.push(
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    );
  }
  lines.push('');
  const failed = report.totals.failed + report.totals.unsupported;
  lines.push(`${report.totals.passed} passed, ${failed} failed`);
  return `${lines.join('\n')}\n`;
}

/** Pads the first `padded` columns of every row to a common width and joins with two spaces. */
function alignColumns(rows: readonly (readonly string[])[], padded: number): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      if (column < padded) widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, column) =>
        column < padded && column < row.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell,
      )
      .join('  '),
  );
}

function formatValue(value: VectorValue | undefined): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return value === '' ? '""' : oneLine(value);
  return canonicalJson(value);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function isJsonObject(value: unknown): value is VectorObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}
