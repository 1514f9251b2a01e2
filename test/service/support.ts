/**
 * Helpers of the service tests: an in-process server on a temp SQLite journal (fastify inject),
 * keys for every role, and the Aave test market as init commands.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { marketSetup } from '../../src/protocols/aave-v3/testkit.js';
import { findProtocol, toJsonValue } from '../../src/protocols/catalog.js';
import { type ApiKey, KeyRing } from '../../src/service/auth.js';
import type { Role } from '../../src/service/commands.js';
import { EngineHost } from '../../src/service/host.js';
import { openSqliteJournal } from '../../src/service/journalSqlite.js';
import { Metrics } from '../../src/service/metrics.js';
import type { RouteSpec } from '../../src/service/openapi.js';
import { buildServer } from '../../src/service/server.js';

/** One key per role; the user may act for alice only, the keeper as `liquidator` only. */
export const TEST_KEYS: readonly ApiKey[] = [
  { key: 'operator-key-0123456789', role: 'operator', name: 'op' },
  { key: 'oracle-key-0123456789ab', role: 'oracle', name: 'oracle' },
  { key: 'keeper-key-0123456789ab', role: 'keeper', name: 'keeper', accounts: ['liquidator'] },
  { key: 'user-key-0123456789abcd', role: 'user', name: 'alice', accounts: ['alice'] },
  { key: 'reader-key-0123456789ab', role: 'reader', name: 'reader' },
];

/** The key of a role in {@link TEST_KEYS}. */
export function keyOf(role: Role): string {
  const found = TEST_KEYS.find((k) => k.role === role);
  if (found === undefined) throw new Error(`no test key for ${role}`);
  return found.key;
}

/** `Authorization` header of a role. */
export const bearer = (role: Role): Record<string, string> => ({ authorization: `Bearer ${keyOf(role)}` });

/** The Aave test market's setup commands as JSON (amounts as decimal strings). */
export const aaveSetup = (): unknown[] => marketSetup().map((c) => toJsonValue(c));

/** An in-process server and what a test needs to drive it. */
export interface TestServer {
  readonly app: FastifyInstance;
  readonly host: EngineHost;
  readonly routes: readonly RouteSpec[];
  readonly path: string;
  /** Moves the injected clock (milliseconds). */
  setClock(ms: number): void;
  close(): Promise<void>;
}

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix: string): { readonly dir: string; readonly cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A server running aave-v3.3 (or `protocol`) on a fresh SQLite journal in `dir`, with the Aave test
 * market applied (for aave ids) and the injected clock at `startMs`.
 */
export async function startTestServer(
  dir: string,
  options: { readonly protocol?: string; readonly init?: readonly unknown[]; readonly startMs?: number } = {},
): Promise<TestServer> {
  const entry = findProtocol(options.protocol ?? 'aave-v3.3');
  const path = join(dir, `server-${Math.random().toString(36).slice(2)}.sqlite`);
  let nowMs = options.startMs ?? 1_700_000_000_000;
  const journal = await openSqliteJournal({ path, protocol: entry.model.id });
  const metrics = new Metrics();
  const host = await EngineHost.open({ entry, journal, clock: () => nowMs, metrics });
  const init = options.init ?? (entry.model.id.startsWith('aave') ? aaveSetup() : []);
  if (init.length > 0) await host.bootstrap(init, 'init');
  const { app, routes } = await buildServer({
    host,
    keys: new KeyRing(TEST_KEYS),
    metrics,
    logger: false,
    version: 'test',
  });
  await app.ready();
  return {
    app,
    host,
    routes,
    path,
    setClock: (ms) => {
      nowMs = ms;
    },
    close: async () => {
      await app.close();
      await host.close();
    },
  };
}
