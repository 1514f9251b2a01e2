/**
 * Helpers of the browser suite: the built `solvent serve` started as a user would (resolving once
 * it prints both its `listening on` and `dashboard:` lines), headless Chromium from the system
 * (`/usr/bin/chromium`, never downloaded), and a PNG header check for screenshots.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** The repository root. */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** The system Chromium (Debian package `chromium`). */
export const CHROMIUM_PATH = process.env.SOLVENT_CHROMIUM ?? '/usr/bin/chromium';

/** A running `solvent serve` with its dashboard link. */
export interface DashboardServer {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The `dashboard:` line's link (`<url>/#key=<reader key>`). */
  readonly dashboardUrl: string;
  stderr(): string;
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (when still running) and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * Spawns `node bin/solvent.js serve ...args` and resolves once stdout holds the `listening on`
 * line and the `dashboard:` line after it.
 * @throws when the process exits first or does not print both within `timeoutMs`.
 */
export function spawnDashboardServer(args: readonly string[], timeoutMs = 30_000): Promise<DashboardServer> {
  const child = spawn(process.execPath, ['bin/solvent.js', 'serve', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolveServer, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`solvent serve did not print its dashboard link within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^listening on (http:\/\/\S+) .*\ndashboard: (\S+)\n/m.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      const url = match[1] as string;
      resolveServer({
        child,
        url,
        port: Number(new URL(url).port),
        dashboardUrl: match[2] as string,
        stderr: () => stderr,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`solvent serve exited with ${code} before printing its links\n${stdout}\n${stderr}`));
    });
  });
}

/**
 * Headless Chromium from the system, isolated from the network beyond what the page asks for.
 * @throws with install instructions when the executable is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install -y chromium) or set SOLVENT_CHROMIUM`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}

/** A JSON request; resolves with status and parsed body. */
export async function call(
  url: string,
  options: { readonly key: string; readonly body?: unknown },
): Promise<{ readonly status: number; readonly body: unknown }> {
  const response = await fetch(url, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${options.key}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Width and height of a PNG, read from its signature and IHDR chunk. @throws when it is not a PNG. */
export function pngSize(bytes: Buffer): { readonly width: number; readonly height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature)) throw new Error('not a PNG file');
  if (bytes.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('PNG without IHDR first');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
