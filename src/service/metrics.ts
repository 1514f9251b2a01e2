/**
 * The server's Prometheus metrics, kept in process and written in the text exposition format
 * (version 0.0.4): commands accepted and refused by type, journal append latency and batch size
 * histograms, state and journal sequence numbers, WebSocket clients, HTTP responses by status.
 */

/** Upper bounds of the journal append latency histogram, seconds. */
export const APPEND_SECONDS_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];
/** Upper bounds of the batch size histogram (commands per journal transaction). */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** A cumulative histogram with fixed bucket bounds. */
class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    for (let i = 0; i < this.bounds.length; i++)
      if (value <= (this.bounds[i] as number)) this.counts[i]! += 1;
  }
}

/** Escapes a label value for the exposition format. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Gauges read when the metrics are written (sequence numbers, clients). */
export interface MetricGauges {
  /** Sequence number of the last event folded into the served state. */
  readonly stateSeq: () => number;
  /** Sequence number of the last journaled command. */
  readonly commandSeq: () => number;
  /** Connected WebSocket stream clients. */
  readonly wsClients: () => number;
}

/** Counters and histograms the server and the engine host update. */
export class Metrics {
  private readonly accepted = new Map<string, number>();
  private readonly refused = new Map<string, number>();
  private readonly responses = new Map<string, number>();
  private readonly appendSeconds = new Histogram(APPEND_SECONDS_BUCKETS);
  private readonly batchSize = new Histogram(BATCH_SIZE_BUCKETS);
  private idempotentReplays = 0;
  private gauges: MetricGauges | undefined;

  /** Sets the gauges read at exposition time. */
  setGauges(gauges: MetricGauges): void {
    this.gauges = gauges;
  }

  /** A command was applied and journaled. */
  commandAccepted(type: string): void {
    this.accepted.set(type, (this.accepted.get(type) ?? 0) + 1);
  }

  /** A command was refused (`code`: the SolventError code, e.g. `ProtocolRevert`). */
  commandRefused(type: string, code: string): void {
    const key = `${type}\u0000${code}`;
    this.refused.set(key, (this.refused.get(key) ?? 0) + 1);
  }

  /** A retried request was answered from the journal. */
  idempotentReplay(): void {
    this.idempotentReplays += 1;
  }

  /** One journal append (a group commit of `batchSize` commands) took `seconds`. */
  journalAppend(seconds: number, batchSize: number): void {
    this.appendSeconds.observe(seconds);
    this.batchSize.observe(batchSize);
  }

  /** An HTTP response was sent. */
  httpResponse(method: string, route: string, status: number): void {
    const key = `${method}\u0000${route}\u0000${status}`;
    this.responses.set(key, (this.responses.get(key) ?? 0) + 1);
  }

  /** The metrics in Prometheus text format. */
  render(): string {
    const lines: string[] = [];
    const counter = (name: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    };
    counter('solvent_commands_accepted_total', 'Commands applied and journaled, by type.');
    for (const [type, n] of [...this.accepted].sort()) {
      lines.push(`solvent_commands_accepted_total{type="${label(type)}"} ${n}`);
    }
    counter(
      'solvent_commands_refused_total',
      'Commands refused by the engine or the server, by type and code.',
    );
    for (const [key, n] of [...this.refused].sort()) {
      const [type, code] = key.split('\u0000') as [string, string];
      lines.push(`solvent_commands_refused_total{type="${label(type)}",code="${label(code)}"} ${n}`);
    }
    counter(
      'solvent_idempotent_replays_total',
      'Requests answered from an earlier one with the same idempotency key.',
    );
    lines.push(`solvent_idempotent_replays_total ${this.idempotentReplays}`);
    counter('solvent_http_responses_total', 'HTTP responses by method, route and status.');
    for (const [key, n] of [...this.responses].sort()) {
      const [method, route, status] = key.split('\u0000') as [string, string, string];
      lines.push(
        `solvent_http_responses_total{method="${label(method)}",route="${label(route)}",status="${status}"} ${n}`,
      );
    }
    const histogram = (name: string, help: string, h: Histogram): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      h.bounds.forEach((bound, i) => {
        lines.push(`${name}_bucket{le="${bound}"} ${h.counts[i]}`);
      });
      lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
    };
    histogram(
      'solvent_journal_append_seconds',
      'Time to make one batch of commands durable in the journal.',
      this.appendSeconds,
    );
    histogram(
      'solvent_journal_batch_size',
      'Commands per journal transaction (group commit).',
      this.batchSize,
    );
    const gauge = (name: string, help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    };
    const g = this.gauges;
    gauge('solvent_state_seq', 'Sequence number of the last event in the served state.', g?.stateSeq() ?? 0);
    gauge('solvent_command_seq', 'Sequence number of the last journaled command.', g?.commandSeq() ?? 0);
    gauge('solvent_ws_clients', 'Connected WebSocket stream clients.', g?.wsClients() ?? 0);
    return `${lines.join('\n')}\n`;
  }
}
