/**
 * Crash test on the SQLite journal (`npm run test:service`): CRASH_ITERATIONS SIGKILLs (default
 * 100) of the built server under concurrent clients; see crash.ts for what is checked.
 * CRASH_SEED repeats a kill schedule.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findProtocol } from '../../src/protocols/catalog.js';
import { openSqliteJournal } from '../../src/service/journalSqlite.js';
import { OPERATOR_KEY, runCrashTest } from './crash.js';
import { aaveSetup, tempDir } from './support.js';

const { dir, cleanup } = tempDir('solvent-crash-');
afterAll(cleanup);

const iterations = Number(process.env.CRASH_ITERATIONS ?? 100);
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

describe('crash test (SQLite)', () => {
  test('default', async () => {
    const db = join(dir, 'crash.sqlite');
    const keysPath = join(dir, 'keys.json');
    const initPath = join(dir, 'init.json');
    writeFileSync(keysPath, JSON.stringify([{ key: OPERATOR_KEY, role: 'operator', name: 'operator' }]));
    writeFileSync(initPath, JSON.stringify({ commands: aaveSetup() }));
    const entry = findProtocol('aave-v3.3');
    const withJournal = async <T>(work: (j: Awaited<ReturnType<typeof openSqliteJournal>>) => Promise<T>) => {
      const journal = await openSqliteJournal({ path: db, protocol: entry.model.id });
      try {
        return await work(journal);
      } finally {
        await journal.close();
      }
    };
    console.log(`crash test (SQLite): ${iterations} iterations, CRASH_SEED=${seed}`);
    const report = await runCrashTest(
      {
        journalArgs: ['--db', db],
        readJournal: () => withJournal((j) => j.read(1, Number.MAX_SAFE_INTEGER)),
      },
      { iterations, clients: 4, keysPath, initPath, seed, log: (line) => console.log(line) },
    );
    console.log(`crash test (SQLite) report: ${JSON.stringify(report)}`);
    expect(report.kills).toBe(iterations);
    // The run was not vacuous: commands were acknowledged, and some crashes left requests in doubt.
    expect(report.acked).toBeGreaterThan(iterations);
    expect(report.retriedAfterCrash).toBeGreaterThan(0);
  });
});
