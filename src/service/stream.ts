/**
 * The WebSocket event stream: one cursor per client walks the durable event log from the
 * requested sequence number, first in bounded chunks (catch-up) and then as commits land (live).
 * A single cursor serves both phases, so events committed during the catch-up are neither skipped
 * nor sent twice. Messages are JSON text frames:
 * - `{"kind":"hello","from":F,"headSeq":H,"protocol":P}` once, first;
 * - `{"kind":"event","seq":S,"atSeconds":T,"event":{...}}` per event, seq strictly +1 each time;
 * - `{"kind":"caughtUp","seq":S}` once the backlog is sent (later events are live);
 * - `{"kind":"error","code":"SlowConsumer","resumeFrom":S}` before the server closes a client that
 *   does not read fast enough (close code 1013): reconnect with `from=S`.
 */
import type { WebSocket } from 'ws';
import type { EngineHost } from './host.js';

/** Events sent per catch-up turn before yielding to other work. */
export const CATCH_UP_CHUNK_EVENTS = 500;
/** Bytes buffered for a client beyond which catch-up pauses. */
export const CATCH_UP_HIGH_WATER_BYTES = 1 << 20;
/** Bytes buffered for a live client beyond which it is disconnected (it can resume). */
export const LIVE_MAX_BUFFERED_BYTES = 16 << 20;
/** Interval of the server's ping frames, milliseconds. */
export const PING_INTERVAL_MS = 30_000;

/** Counts open streams for the metrics. */
export interface StreamRegistry {
  opened(): void;
  closed(): void;
}

/**
 * Serves one stream client from event `fromSeq` (1-based, inclusive; clamped to ≥ 1).
 * @param socket the accepted WebSocket.
 */
export function serveStream(options: {
  readonly socket: WebSocket;
  readonly host: EngineHost;
  readonly fromSeq: number;
  readonly registry?: StreamRegistry;
}): void {
  const { socket, host, registry } = options;
  let next = Math.max(1, Math.floor(options.fromSeq));
  let live = false;
  let closed = false;
  let pumpScheduled = false;
  registry?.opened();

  const send = (text: string): void => {
    socket.send(text);
  };

  /** Sends events from the cursor up to the head, at most `max` of them. */
  const sendUpTo = (max: number): number => {
    let sent = 0;
    const head = host.eventSeq;
    while (next <= head && sent < max) {
      // The cached wire form starts with '{'; the message adds its kind in front.
      send(`{"kind":"event",${host.eventJson(next).slice(1)}`);
      next += 1;
      sent += 1;
    }
    return sent;
  };

  const pump = (): void => {
    pumpScheduled = false;
    if (closed) return;
    if (socket.bufferedAmount > CATCH_UP_HIGH_WATER_BYTES) {
      // Let the socket drain before sending more of the backlog.
      setTimeout(schedulePump, 5);
      pumpScheduled = true;
      return;
    }
    sendUpTo(CATCH_UP_CHUNK_EVENTS);
    if (next > host.eventSeq) {
      live = true;
      send(JSON.stringify({ kind: 'caughtUp', seq: next - 1 }));
    } else schedulePump();
  };

  function schedulePump(): void {
    if (pumpScheduled || closed) return;
    pumpScheduled = true;
    setImmediate(pump);
  }

  const unsubscribe = host.subscribe(() => {
    // During catch-up the pump reaches new events itself: one cursor, no gap, no duplicate.
    if (!live || closed) return;
    sendUpTo(Number.POSITIVE_INFINITY);
    if (socket.bufferedAmount > LIVE_MAX_BUFFERED_BYTES) {
      send(JSON.stringify({ kind: 'error', code: 'SlowConsumer', resumeFrom: next }));
      socket.close(1013, 'slow consumer: reconnect with from=resumeFrom');
      finish();
    }
  });

  const ping = setInterval(() => {
    if (!closed) socket.ping();
  }, PING_INTERVAL_MS);
  ping.unref();

  function finish(): void {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    unsubscribe();
    registry?.closed();
  }

  socket.on('close', finish);
  socket.on('error', finish);
  // A client has nothing to say; whatever it sends is ignored.
  socket.on('message', () => undefined);
  send(JSON.stringify({ kind: 'hello', from: next, headSeq: host.eventSeq, protocol: host.entry.model.id }));
  pump();
}
