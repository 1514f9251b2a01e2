/**
 * Helpers of the Redis suite (`npm run test:redis`): a private redis-server on a random loopback
 * port, the built `solvent` CLI run asynchronously (so workers and a sweep run side by side), and
 * `solvent worker` processes whose stderr is collected line by line.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The repository root (where bin/ and dist/ are). */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** A redis-server this suite started. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>/0`, or `rediss://...` for a TLS server. */
  readonly url: string;
  stop(): Promise<void>;
}

/** PEM files of a private CA, a server certificate for 127.0.0.1 it signed, and a client one. */
export interface TlsFiles {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * Makes a throwaway CA and, signed by it, a server certificate for IP 127.0.0.1 and a client
 * certificate, in `dir` (the openssl command line; valid for a day).
 * @throws Error when openssl is missing or fails.
 */
export function makeTlsFiles(dir: string): TlsFiles {
  const f = (name: string) => resolve(dir, name);
  const openssl = (args: readonly string[]): void => {
    const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: dir });
    if (r.error !== undefined || r.status !== 0) {
      throw new Error(
        `openssl ${args[0]} failed (${r.error?.message ?? r.stderr}); the TLS test needs the openssl command (apt-get install openssl).`,
      );
    }
  };
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=solvent test CA',
  ]);
  for (const who of ['server', 'client']) {
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f(`${who}.key`),
      '-out',
      f(`${who}.csr`),
      '-subj',
      `/CN=solvent test ${who}`,
    ]);
    openssl([
      'x509',
      '-req',
      '-in',
      f(`${who}.csr`),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${who}.pem`),
      '-days',
      '1',
      ...(who === 'server' ? ['-extfile', f('server.ext')] : []),
    ]);
  }
  return {
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
  };
}

/** The redis-server binary: `$REDIS_SERVER`, else `redis-server` on PATH. */
function redisServerBinary(): string {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `The Redis suite needs redis-server, and ${JSON.stringify(binary)} cannot be run (${probe.error?.message ?? `exit ${probe.status}`}). ` +
        'Install it (apt-get install redis-server) or point REDIS_SERVER at the binary.',
    );
  }
  return binary;
}

/**
 * Starts redis-server on 127.0.0.1 at a random port in [20000, 40000) (retrying another port when
 * one is taken), without persistence; with `tls`, that port speaks only TLS and asks clients for a
 * certificate signed by the CA.
 * @throws Error when redis-server is missing or does not start.
 */
export async function startRedis(tls?: TlsFiles): Promise<RedisServer> {
  const binary = redisServerBinary();
  let lastOutput = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const listen =
      tls === undefined
        ? ['--port', String(port)]
        : [
            '--port',
            '0',
            '--tls-port',
            String(port),
            '--tls-cert-file',
            tls.serverCert,
            '--tls-key-file',
            tls.serverKey,
            '--tls-ca-cert-file',
            tls.ca,
            '--tls-auth-clients',
            'yes',
          ];
    const child = spawn(binary, [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const ready = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), 10_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          done(true);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', () => {
        clearTimeout(timer);
        done(false);
      });
    });
    if (ready) {
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      return {
        port,
        url: `${tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${port}/0`,
        stop: () => stopProcess(child),
      };
    }
    lastOutput = output;
    await stopProcess(child);
  }
  throw new Error(`redis-server did not start on 10 random ports; its last output:\n${lastOutput}`);
}

/** Sends SIGTERM (then SIGKILL after 5 s) to a child this suite started, and waits for it. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** What a finished `solvent` process printed. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `solvent` process with its output so far. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves when stderr has a line matching `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when the process exits. */
  readonly done: Promise<CliRun>;
}

/**
 * Starts `node bin/solvent.js ...args` (dist must be built) in `cwd` (default the repository root),
 * with `env` added to this process's environment.
 */
export function startSolvent(
  args: readonly string[],
  cwd = repoRoot,
  env: Readonly<Record<string, string>> = {},
): CliProcess {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/solvent.js'), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const done = new Promise<CliRun>((done) => {
    child.once('close', (code) => {
      for (const listener of listeners) listener();
      done({ code, stdout, stderr });
    });
  });
  return {
    child,
    stderr: () => stderr,
    done,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolveWait, rejectWait) => {
        const check = (): void => {
          if (pattern.test(stderr)) {
            finish();
            resolveWait();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            rejectWait(new Error(`solvent ${args[0]} exited before printing ${pattern}:\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          rejectWait(new Error(`no ${pattern} from solvent ${args[0]} within ${timeoutMs} ms:\n${stderr}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Runs `solvent ...args` to the end (with `env` added). */
export function runSolvent(
  args: readonly string[],
  cwd = repoRoot,
  env: Readonly<Record<string, string>> = {},
): Promise<CliRun> {
  return startSolvent(args, cwd, env).done;
}

/** Starts `solvent worker --queue url ...extra` (with `env` added) and waits until it listens for units. */
export async function startWorker(
  url: string,
  extra: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<CliProcess> {
  const worker = startSolvent(['worker', '--queue', url, ...extra], repoRoot, env);
  await worker.waitFor(/waiting for units/);
  return worker;
}

/** The unit numbers (1-based, as logged) a worker's stderr says it finished, in order. */
export function unitsDone(stderr: string): number[] {
  return [...stderr.matchAll(/: unit (\d+)\/\d+ \([^)]*\) done: /g)].map((m) => Number(m[1]));
}
