/**
 * The batched fold on the real protocol models: every JSON example script (Maker, Aave, Compound,
 * Liquity, crvUSD, Euler, the perps models) and random subsets of its commands, run through
 * `apply` (which folds with the engine's `evolveAll`), must give the state that folding the same
 * log one event at a time (`replay`) rebuilds: deep-equal, same canonical JSON, same hash.
 * (A test may reach past the engine layer; the architecture test checks sources only.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createEngine } from '../engine/engine.js';
import { apply, type Command, canonicalJson, type Recorded, replay, stateHash } from '../engine/machine.js';
import { SolventError } from '../math/errors.js';
import { resolveProtocol } from './catalog.js';

const examplesDir = resolve(import.meta.dirname, '../../examples');

interface Script {
  readonly protocol: string;
  readonly commands: readonly unknown[];
}

/** The example scripts with a protocol id and a command list (not the composed YAML ones). */
const scripts: readonly (readonly [string, Script])[] = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(examplesDir, f), 'utf8')) as Partial<Script>] as const)
  .filter((entry): entry is readonly [string, Script] => {
    const s = entry[1];
    return typeof s.protocol === 'string' && Array.isArray(s.commands) && s.commands.length > 0;
  });

/**
 * Applies the script's commands (as `solvent run` reads them: `at` is the time, `params:
 * "default"` the model's defaults) with `apply`, refusals skipped, and checks that the
 * event-by-event replay of the log rebuilds the state. Returns the number of events.
 */
function expectReplayEqual(script: Script): number {
  const entry = resolveProtocol(script.protocol);
  const engine = createEngine(entry.model);
  let state = engine.initial();
  const log: Recorded[] = [];
  for (const raw of script.commands) {
    const { at, ...fields } = raw as { readonly at: number; readonly type: string };
    const command: Command =
      fields.type === 'configure' && (fields as { params?: unknown }).params === 'default'
        ? { ...fields, params: entry.defaultParams }
        : fields;
    try {
      const r = apply(engine, state, command, at);
      state = r.state;
      log.push(...r.events);
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
    }
  }
  const rebuilt = replay(engine, log);
  expect(rebuilt).toEqual(state);
  expect(canonicalJson(rebuilt)).toBe(canonicalJson(state));
  expect(stateHash(rebuilt)).toBe(stateHash(state));
  return log.length;
}

describe('createEngine evolveAll on the protocol models', () => {
  test('default: there are example scripts of several protocols to check', () => {
    expect(new Set(scripts.map(([, s]) => s.protocol)).size).toBeGreaterThanOrEqual(8);
  });

  test.each(scripts.map(([file, script]) => [file, script] as const))(
    'behavior: %s gives the state its log replays to',
    (_file, script) => {
      expect(expectReplayEqual(script)).toBeGreaterThan(0);
    },
  );

  test('behavior: random subsets of an example script give the state their log replays to', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: scripts.length - 1 }).chain((i) => {
          const script = (scripts[i] as readonly [string, Script])[1];
          return fc
            .array(fc.boolean(), { minLength: script.commands.length, maxLength: script.commands.length })
            .map((keep) => ({ ...script, commands: script.commands.filter((_, k) => keep[k] !== false) }));
        }),
        (script) => {
          expectReplayEqual(script);
        },
      ),
      { numRuns: 80 },
    );
  });
});
