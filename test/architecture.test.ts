/**
 * The architecture as a test: imports only point inwards (math < engine < protocols < keepers <
 * sim < report < service < cli), and the pure layers never read the clock, randomness, the process,
 * files or the network. Sources are parsed with the TypeScript compiler, so comments and strings
 * never count and aliased or multi-line imports do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..');

/** Layers from the innermost out; a file may import its own layer or any layer before it. */
const LAYERS = ['math', 'engine', 'protocols', 'keepers', 'sim', 'report', 'service', 'cli'] as const;

/** Layers that must stay pure: no clock, randomness, process, files or network. */
const PURE_LAYERS: ReadonlySet<string> = new Set(['math', 'engine', 'protocols', 'keepers', 'sim']);

/** Modules a pure layer may not import (with or without the `node:` prefix, and their subpaths). */
const BANNED_MODULES: readonly string[] = [
  'fs',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'child_process',
  'os',
  'worker_threads',
  'cluster',
  'dgram',
  'dns',
  'perf_hooks',
  'process',
  'timers',
  'readline',
  'undici',
];

/** The only names a pure layer may import from node:crypto (hashing is deterministic). */
const ALLOWED_CRYPTO_NAMES: ReadonlySet<string> = new Set([
  'createHash',
  'createHmac',
  'Hash',
  'Hmac',
  'BinaryLike',
]);

/** Globals a pure layer may not touch at all (`process.env`, `performance.now()`, ...). */
const BANNED_GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['process', 'performance']);
/** `object.member` pairs a pure layer may not touch. */
const BANNED_MEMBERS: ReadonlySet<string> = new Set([
  'Date.now',
  'Math.random',
  'crypto.getRandomValues',
  'crypto.randomUUID',
  'globalThis.process',
  'globalThis.performance',
  'globalThis.setTimeout',
  'globalThis.setInterval',
]);
/** Global functions a pure layer may not call or pass around. */
const BANNED_GLOBAL_FUNCTIONS: ReadonlySet<string> = new Set(['setTimeout', 'setInterval', 'setImmediate']);

/** One broken rule, with the file and line where it happens. */
interface Violation {
  readonly file: string;
  readonly line: number;
  readonly rule: 'layer' | 'purity';
  readonly message: string;
}

/** The layer of a path relative to the repository root (`src/<layer>/...`), or undefined. */
function layerOf(repoPath: string): string | undefined {
  const parts = repoPath.split('/');
  if (parts[0] !== 'src' || parts.length < 3) return undefined;
  return parts[1];
}

function layerRank(layer: string): number {
  return (LAYERS as readonly string[]).indexOf(layer);
}

/**
 * Checks one source file against both rules.
 * @param repoPath the file's path relative to the repository root, with forward slashes
 *   (`src/engine/oracle.ts`); it decides the file's layer and resolves relative imports.
 * @param content the file's TypeScript source.
 */
function checkSource(repoPath: string, content: string): Violation[] {
  const violations: Violation[] = [];
  const sourceFile = ts.createSourceFile(repoPath, content, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const add = (node: ts.Node, rule: Violation['rule'], message: string): void => {
    const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
    violations.push({ file: repoPath, line: line + 1, rule, message });
  };
  const layer = layerOf(repoPath);
  if (layer !== undefined && layerRank(layer) < 0) {
    violations.push({
      file: repoPath,
      line: 1,
      rule: 'layer',
      message: `src/${layer} is not a known layer; add it to LAYERS in test/architecture.test.ts in its place`,
    });
  }
  const pure = layer !== undefined && PURE_LAYERS.has(layer);

  const checkImport = (node: ts.Node, specifier: string, importedNames: readonly string[] | 'all'): void => {
    if (specifier.startsWith('.')) {
      const target = posix.normalize(posix.join(posix.dirname(repoPath), specifier));
      if (!target.startsWith('src/')) {
        add(node, 'layer', `imports ${specifier}, outside src (resolves to ${target})`);
        return;
      }
      const targetLayer = layerOf(target);
      if (layer === undefined) return; // files directly in src/ (the package entry) may import any layer
      if (targetLayer === undefined) {
        add(
          node,
          'layer',
          `imports ${specifier}: files directly in src/ are the outermost entry, not a layer`,
        );
        return;
      }
      const from = layerRank(layer);
      const to = layerRank(targetLayer);
      if (from >= 0 && (to < 0 || to > from)) {
        add(
          node,
          'layer',
          `${layer} imports ${targetLayer} (${specifier}): a layer may import only itself or inner layers`,
        );
      }
      return;
    }
    if (!pure) return;
    const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
    const root = bare.split('/')[0] ?? bare;
    if (BANNED_MODULES.includes(root)) {
      add(node, 'purity', `imports ${specifier}: the ${layer} layer must not do I/O or read the clock`);
    }
    if (root === 'crypto') {
      const refused =
        importedNames === 'all'
          ? ['* (whole module)']
          : importedNames.filter((name) => !ALLOWED_CRYPTO_NAMES.has(name));
      if (refused.length > 0) {
        add(
          node,
          'purity',
          `imports ${refused.join(', ')} from ${specifier}: only hashing is allowed in ${layer}`,
        );
      }
    }
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      checkImport(node, node.moduleSpecifier.text, importedNamesOf(node));
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const names =
        node.exportClause && ts.isNamedExports(node.exportClause)
          ? node.exportClause.elements.map((e) => (e.propertyName ?? e.name).text)
          : 'all';
      checkImport(node, node.moduleSpecifier.text, names);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      checkImport(node, node.moduleReference.expression.text, 'all');
    } else if (ts.isCallExpression(node)) {
      const [argument] = node.arguments;
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isDynamicImport || isRequire) && argument !== undefined) {
        if (ts.isStringLiteralLike(argument)) checkImport(node, argument.text, 'all');
        else if (pure) add(node, 'purity', 'imports a computed module name, which cannot be checked');
      }
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) {
        checkImport(node, argument.literal.text, 'all');
      }
    }
    if (pure) checkPurity(node, (n, message) => add(n, 'purity', message));
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return violations;
}

function importedNamesOf(node: ts.ImportDeclaration): readonly string[] | 'all' {
  const clause = node.importClause;
  if (clause === undefined) return []; // side-effect import: `import 'x'`
  if (clause.name !== undefined) return 'all'; // default import: the whole module
  const bindings = clause.namedBindings;
  if (bindings === undefined) return [];
  if (ts.isNamespaceImport(bindings)) return 'all';
  return bindings.elements.map((e) => (e.propertyName ?? e.name).text);
}

/** Flags reads of the clock, randomness, the process and timers in an expression. */
function checkPurity(node: ts.Node, flag: (node: ts.Node, message: string) => void): void {
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
    const member = `${node.expression.text}.${node.name.text}`;
    if (BANNED_MEMBERS.has(member)) flag(node, `uses ${member}: pass time and randomness in as arguments`);
  } else if (
    ts.isNewExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'Date'
  ) {
    flag(node, 'uses new Date(...): pass the time in as an argument');
  } else if (
    ts.isCallExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'Date'
  ) {
    flag(node, 'calls Date(): it reads the clock');
  } else if (ts.isIdentifier(node) && isValueReference(node)) {
    if (BANNED_GLOBAL_OBJECTS.has(node.text)) flag(node, `uses ${node.text}: a pure layer must not read it`);
    if (BANNED_GLOBAL_FUNCTIONS.has(node.text))
      flag(node, `uses ${node.text}: a pure layer must not use timers`);
  }
}

/** True when an identifier is read as a value (not a property name or a declaration's own name). */
function isValueReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent)) && parent.name === node)
    return false;
  if (ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent)) return parent.name !== node;
  return true;
}

/** Every non-test TypeScript file under src, as repository-relative paths with forward slashes. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (
        entry.name.endsWith('.ts') &&
        !entry.name.endsWith('.d.ts') &&
        !/\.(test|bench)\.ts$/.test(entry.name)
      ) {
        files.push(relative(repoRoot, path).split(sep).join('/'));
      }
    }
  };
  walk(join(repoRoot, 'src'));
  return files.sort();
}

function describeViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line} [${v.rule}] ${v.message}`).join('\n');
}

describe('architecture', () => {
  const files = sourceFiles();
  const violations = files.flatMap((file) => checkSource(file, readFileSync(join(repoRoot, file), 'utf8')));

  test('default', () => {
    // The scan sees the real tree: at least the math core and this runner.
    expect(files).toContain('src/math/mulDiv.ts');
    expect(files).toContain('src/protocols/conformance.ts');
    expect(files.some((f) => /\.test\.ts$/.test(f))).toBe(false);
  });

  test('behavior: imports only point inwards', () => {
    const layerViolations = violations.filter((v) => v.rule === 'layer');
    expect(layerViolations, describeViolations(layerViolations)).toEqual([]);
  });

  test('behavior: pure layers read no clock, randomness, process, files or network', () => {
    const purityViolations = violations.filter((v) => v.rule === 'purity');
    expect(purityViolations, describeViolations(purityViolations)).toEqual([]);
  });
});

describe('checkSource', () => {
  const messages = (path: string, content: string): string[] =>
    checkSource(path, content).map((v) => v.message);

  test('default', () => {
    const clean = [
      "import { mulDiv } from '../math/mulDiv.js';",
      "import type { Ledger } from './ledger.js';",
      "import { createHash } from 'node:crypto';",
      '// Date.now() and Math.random() in a comment, and new Date( in a string, do not count:',
      "export const text = 'new Date( process.env';",
      'export const options = { setTimeout: 1 };',
    ].join('\n');
    expect(checkSource('src/engine/clean.ts', clean)).toEqual([]);
  });

  test('behavior: an outward import is flagged with its line', () => {
    const content =
      "import { x } from '../math/x.js';\nimport { findHandler } from '../protocols/registry.js';\n";
    const found = checkSource('src/engine/bad.ts', content);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ file: 'src/engine/bad.ts', line: 2, rule: 'layer' });
  });

  test('behavior: every outward form counts: type imports, re-exports, dynamic imports, multi-line', () => {
    const content = [
      "import type { Report } from '../report/types.js';",
      "export * from '../cli/main.js';",
      "const later = await import('../sim/run.js');",
      'import {',
      '  a,',
      '  b,',
      "} from '../keepers/policy.js';",
    ].join('\n');
    expect(checkSource('src/protocols/bad.ts', content).map((v) => v.line)).toEqual([1, 2, 3, 4]);
  });

  test('behavior: keepers may import engine and protocols; cli may import every layer', () => {
    const keeper = "import '../engine/x.js';\nimport '../protocols/y.js';\nimport '../math/z.js';\n";
    expect(checkSource('src/keepers/keeper.ts', keeper)).toEqual([]);
    expect(checkSource('src/keepers/keeper.ts', "import '../sim/world.js';\n")).toHaveLength(1);
    const cli = LAYERS.map((l) => `import '../${l}/index.js';`).join('\n');
    expect(checkSource('src/cli/main.ts', cli)).toEqual([]);
  });

  test('behavior: an unknown layer folder is flagged', () => {
    expect(messages('src/utils/x.ts', '')).toHaveLength(1);
  });

  test('behavior: clock, randomness, process and timers are flagged in pure layers only', () => {
    const impure = [
      'export const a = Date.now();',
      'export const b = new Date();',
      'export const c = Math.random();',
      'export const d = performance.now();',
      'export const e = process.env.HOME;',
      'setTimeout(() => {}, 1);',
      'export const f = setInterval;',
      "export const g = process['argv'];",
      'export const h = crypto.randomUUID();',
    ].join('\n');
    expect(checkSource('src/sim/bad.ts', impure).map((v) => v.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(checkSource('src/cli/ok.ts', impure)).toEqual([]);
    expect(checkSource('src/report/ok.ts', impure)).toEqual([]);
  });

  test('behavior: I/O modules and random crypto are flagged in pure layers', () => {
    const content = [
      "import { readFileSync } from 'node:fs';",
      "import { readFile } from 'fs/promises';",
      "import * as net from 'node:net';",
      "import { request } from 'undici';",
      "import { randomBytes, createHash } from 'node:crypto';",
      "import { randomUUID } from 'crypto';",
      "import { spawn } from 'node:child_process';",
      "import { cpus } from 'node:os';",
      "import { Worker } from 'node:worker_threads';",
      "import https from 'node:https';",
      "import http from 'node:http';",
      "import dgram from 'node:dgram';",
      "import dns from 'node:dns';",
    ].join('\n');
    const found = checkSource('src/protocols/bad.ts', content);
    expect(found.map((v) => v.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(found[4]?.message).toContain('randomBytes');
    expect(found[4]?.message).not.toContain('createHash');
    expect(checkSource('src/cli/files.ts', content)).toEqual([]);
  });
});
