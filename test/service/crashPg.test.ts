/**
 * The crash test on the PostgreSQL journal (shorter: CRASH_PG_ITERATIONS, default 20): the same
 * driver and checks as the SQLite one (crash.ts), against SOLVENT_PG_URL or a throwaway cluster.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findProtocol } from '../../src/protocols/catalog.js';
import type { Journal } from '../../src/service/journal.js';
import { openPgJournal } from '../../src/service/journalPg.js';
import { OPERATOR_KEY, runCrashTest } from './crash.js';
import { startPostgres, type TestPostgres } from './pg.js';
import { aaveSetup, tempDir } from './support.js';

const { dir, cleanup } = tempDir('solvent-crash-pg-');
let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
  cleanup();
});

const iterations = Number(process.env.CRASH_PG_ITERATIONS ?? 20);
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

describe('crash test (PostgreSQL)', () => {
  test('default', async () => {
    const schema = `crash_${Date.now().toString(36)}`;
    const keysPath = join(dir, 'keys.json');
    const initPath = join(dir, 'init.json');
    writeFileSync(keysPath, JSON.stringify([{ key: OPERATOR_KEY, role: 'operator', name: 'operator' }]));
    writeFileSync(initPath, JSON.stringify({ commands: aaveSetup() }));
    const entry = findProtocol('aave-v3.3');
    const withJournal = async <T>(work: (j: Journal) => Promise<T>) => {
      const journal = await openPgJournal({ url: postgres.url, protocol: entry.model.id, schema });
      try {
        return await work(journal);
      } finally {
        await journal.close();
      }
    };
    console.log(`crash test (PostgreSQL): ${iterations} iterations, CRASH_SEED=${seed}`);
    const report = await runCrashTest(
      {
        journalArgs: ['--pg', postgres.url, '--pg-schema', schema],
        readJournal: () => withJournal((j) => j.read(1, Number.MAX_SAFE_INTEGER)),
      },
      { iterations, clients: 4, keysPath, initPath, seed, log: (line) => console.log(line) },
    );
    console.log(`crash test (PostgreSQL) report: ${JSON.stringify(report)}`);
    expect(report.kills).toBe(iterations);
    expect(report.acked).toBeGreaterThan(iterations);
  });
});
