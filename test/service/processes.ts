/**
 * Child processes of the service suite: the built `solvent serve` started as a user would (and
 * killed with SIGKILL by the crash tests), and small JSON HTTP calls against it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root. */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** A running `solvent serve`. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything written to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `node bin/solvent.js serve ...args` and resolves once it prints `listening on <url>`.
 * @throws when the process exits first or does not listen within `timeoutMs`.
 */
export function spawnServer(args: readonly string[], timeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['bin/solvent.js', 'serve', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const server = (url: string): ServerProcess => ({
    child,
    url,
    stderr: () => stderr,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  });
  return new Promise((resolveServer, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`solvent serve did not listen within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolveServer(server(match[1] as string));
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`solvent serve exited with ${code} before listening\n${stderr}`));
    });
  });
}

/** Spawns a process that is killed with SIGKILL after `afterMs`, whatever it is doing. */
export async function spawnAndKill(args: readonly string[], afterMs: number): Promise<void> {
  const child = spawn(process.execPath, ['bin/solvent.js', 'serve', ...args], {
    cwd: repoRoot,
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  setTimeout(() => child.kill('SIGKILL'), afterMs);
  await exited;
}

/** `solvent serve ... --replay-only` in a fresh process: the journal's clean replay. */
export function replayInFreshProcess(args: readonly string[]): {
  readonly commandSeq: number;
  readonly eventSeq: number;
  readonly stateHash: string;
} {
  const result = spawnSync(process.execPath, ['bin/solvent.js', 'serve', ...args, '--replay-only'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`replay failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A JSON request; resolves with status and parsed body (network errors reject). */
export async function call(
  url: string,
  options: {
    readonly method?: string;
    readonly key?: string;
    readonly body?: unknown;
    readonly headers?: Record<string, string>;
  } = {},
): Promise<{ readonly status: number; readonly body: unknown }> {
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}
