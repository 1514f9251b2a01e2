/**
 * The built package runs on its dependencies alone: no module the build emits under `dist/src`
 * (the library, the CLI and the service) imports a devDependency such as fast-check. Test helpers
 * that need one are left out of the build (`tsconfig.build.json`). Reads the build's own file list
 * from the config and the JavaScript `npm test` has just built (`pretest`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Bare package name of an import specifier (`@scope/name/x` → `@scope/name`), undefined when relative. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Every static and dynamic import specifier of an ES module's text. */
function specifiersOf(js: string): string[] {
  const out: string[] = [];
  for (const m of js.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g))
    out.push(m[1] as string);
  for (const m of js.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1] as string);
  for (const m of js.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
  return out;
}

/** The `.ts` files `tsconfig.build.json` compiles from `src` (after its include and exclude). */
function builtSources(): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (parsed === undefined) throw new Error('tsconfig.build.json did not parse');
  return parsed.fileNames.filter((f) => relative(ROOT, f).startsWith('src/'));
}

describe('the built package', () => {
  test('behavior: no module under dist/src imports a package outside dependencies and Node built-ins', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const sources = builtSources();
    const offending: string[] = [];
    let bare = 0;
    for (const source of sources) {
      const js = join(ROOT, 'dist', relative(ROOT, source)).replace(/\.ts$/, '.js');
      expect(existsSync(js), `${js} was not built`).toBe(true);
      for (const specifier of specifiersOf(readFileSync(js, 'utf8'))) {
        const name = packageOf(specifier.replace(/^node:/, ''));
        if (name === undefined) continue;
        bare += 1;
        if (!allowed.has(name)) offending.push(`${relative(ROOT, source)} imports ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
    // The scan saw the build: hundreds of modules and their package imports (commander, fastify…).
    expect(sources.length).toBeGreaterThan(200);
    expect(bare).toBeGreaterThan(30);
  });

  test('behavior: the test helpers that import fast-check are not in the build', () => {
    const sources = new Set(builtSources().map((f) => relative(ROOT, f)));
    expect(sources.has('src/protocols/liquity-v1/testkit.ts')).toBe(false);
    expect(sources.has('src/protocols/crvusd/testkit.ts')).toBe(false);
    // The ones the benches and the perps index import stay.
    expect(sources.has('src/protocols/aave-v3/testkit.ts')).toBe(true);
    expect(sources.has('src/engine/perps/testkit.ts')).toBe(true);
  });
});
