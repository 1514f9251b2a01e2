/**
 * The keeper bot's Prometheus metrics (text exposition format 0.0.4): ticks, actions proposed,
 * sent, accepted and refused, stale-price skips, re-validation drops, failures and backoff, and a
 * small node:http server that serves them on `/metrics` beside a `/health` JSON.
 */
import { createServer, type Server } from 'node:http';

/** Escapes a label value for the exposition format. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A counter split by one label (`code`, `kind`). */
export class LabelledCounter {
  private readonly counts = new Map<string, number>();
  /** Adds `n` (default 1) under `key`. */
  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
  /** The count under `key` (0 when never added). */
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  /** The sum over every key. */
  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }
  /** `[key, count]` pairs sorted by key. */
  entries(): [string, number][] {
    return [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** Why an attempt failed: the kinds the `failures` counter is split by. */
export type KeeperFailureKind =
  | 'network'
  | 'server'
  | 'rateLimited'
  | 'refused'
  | 'client'
  | 'malformed'
  | 'policy';

/** The counters and gauges of one keeper bot; the bot updates them, {@link render} writes them. */
export class KeeperBotMetrics {
  /** Ticks run. */
  ticks = 0;
  /** Actions the policy proposed (first decision of each tick). */
  actionsProposed = 0;
  /** Dry run: actions logged instead of sent. */
  actionsWouldSend = 0;
  /** POSTs of commands (each attempt counts). */
  actionsSent = 0;
  /** Commands the server accepted (replays included). */
  actionsAccepted = 0;
  /** Accepted answers that were replays of an earlier send (same Idempotency-Key). */
  idempotentReplays = 0;
  /** Commands refused by the server (409 and other 4xx), by error code. */
  readonly refused = new LabelledCounter();
  /** Ticks (or sends) refused because a price was stale, refused or too old. */
  staleSkips = 0;
  /** Actions a fresh view no longer proposed. */
  revalidationDrops = 0;
  /** Failed requests and sends, by {@link KeeperFailureKind}. */
  readonly failures = new LabelledCounter();
  /** Sends given up after the most attempts with an unknown outcome. */
  abandoned = 0;
  /** Seconds slept in backoff, in total. */
  backoffSecondsTotal = 0;
  /** Unix seconds (fractional) of the start of the last tick; 0 before the first. */
  lastTickSeconds = 0;
  /** The current backoff delay, seconds (0 after a success). */
  backoffSeconds = 0;
  /** 1 when the bot sends commands, 0 in a dry run. */
  armed = 0;

  /** Actions refused by the server with `code` (the SolventError code, `RateLimited`, ...). */
  refusedBy(code: string): number {
    return this.refused.get(code);
  }

  /** Failures of one kind. */
  failuresOf(kind: KeeperFailureKind): number {
    return this.failures.get(kind);
  }

  /** Every failure, whatever its kind. */
  failuresTotal(): number {
    return this.failures.total();
  }

  /** The metrics in Prometheus text format. */
  render(): string {
    const lines: string[] = [];
    const counter = (name: string, help: string, value?: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      if (value !== undefined) lines.push(`${name} ${value}`);
    };
    const gauge = (name: string, help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    };
    counter('solvent_keeper_ticks_total', 'Ticks run (status, prices, view, decide).', this.ticks);
    counter('solvent_keeper_actions_proposed_total', 'Actions the policy proposed.', this.actionsProposed);
    counter(
      'solvent_keeper_actions_would_send_total',
      'Actions a dry run logged instead of sending.',
      this.actionsWouldSend,
    );
    counter('solvent_keeper_actions_sent_total', 'Commands sent (each attempt counts).', this.actionsSent);
    counter('solvent_keeper_actions_accepted_total', 'Commands the server accepted.', this.actionsAccepted);
    counter(
      'solvent_keeper_idempotent_replays_total',
      'Accepted answers replayed from an earlier send with the same Idempotency-Key.',
      this.idempotentReplays,
    );
    counter('solvent_keeper_actions_refused_total', 'Commands the server refused, by error code.');
    for (const [code, n] of this.refused.entries()) {
      lines.push(`solvent_keeper_actions_refused_total{code="${label(code)}"} ${n}`);
    }
    counter(
      'solvent_keeper_stale_price_skips_total',
      'Ticks or sends skipped because a price was stale, refused or older than the limit.',
      this.staleSkips,
    );
    counter(
      'solvent_keeper_revalidation_drops_total',
      'Actions dropped because a fresh view no longer proposed them.',
      this.revalidationDrops,
    );
    counter('solvent_keeper_failures_total', 'Failed requests and sends, by kind.');
    for (const [kind, n] of this.failures.entries()) {
      lines.push(`solvent_keeper_failures_total{kind="${label(kind)}"} ${n}`);
    }
    counter(
      'solvent_keeper_abandoned_sends_total',
      'Sends with an unknown outcome given up after the most attempts.',
      this.abandoned,
    );
    counter(
      'solvent_keeper_backoff_seconds_total',
      'Seconds slept backing off after failures.',
      this.backoffSecondsTotal,
    );
    gauge(
      'solvent_keeper_last_tick_timestamp_seconds',
      'Unix time of the start of the last tick.',
      this.lastTickSeconds,
    );
    gauge(
      'solvent_keeper_backoff_seconds',
      'Current backoff delay (0 after a success).',
      this.backoffSeconds,
    );
    gauge('solvent_keeper_armed', '1 when the bot sends commands, 0 in a dry run.', this.armed);
    return `${lines.join('\n')}\n`;
  }
}

/** A running metrics endpoint. */
export interface KeeperMetricsServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** Options of {@link startKeeperMetricsServer}. */
export interface KeeperMetricsServerOptions {
  readonly metrics: KeeperBotMetrics;
  /** Port (0 = any free one). */
  readonly port: number;
  /** Interface (default 127.0.0.1). */
  readonly host?: string;
  /** The `/health` body (default `{status: "ok"}`). */
  readonly health?: () => unknown;
}

/**
 * Serves `GET /metrics` (Prometheus text) and `GET /health` (JSON) with node:http; anything else
 * is 404.
 * @throws (rejects with) the listen error (port in use, permission).
 */
export function startKeeperMetricsServer(options: KeeperMetricsServerOptions): Promise<KeeperMetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(request.method === 'HEAD' ? undefined : options.metrics.render());
      return;
    }
    if (path === '/health') {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(options.health?.() ?? { status: 'ok' }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify({ error: { code: 'NotFound', message: 'GET /metrics or /health.' } }));
  });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      resolve({
        url: `http://${urlHost}:${port}`,
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
