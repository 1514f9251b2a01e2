/**
 * Worker-thread entry of the stress lab's pool (workers.ts): keeps the sweep specs it is sent (plain
 * JSON: protocol, market, seed, book size, paths, whether each path draws its own book, base
 * overrides such as a composed protocol's configuration, protocolParams, keepers, venue, flat gas
 * and the network, and the knobs), runs each work unit it receives with `runWorkUnit` and posts
 * back the unit's path outcomes, or the error that stopped it. Compiled to dist/ and started by
 * workers.ts.
 */
import { parentPort } from 'node:worker_threads';
import { runWorkUnit, type SweepSpec } from '../sim/sweep.js';
import type { StressWorkerReply, StressWorkerRequest } from './workers.js';

const port = parentPort;
if (port === null) throw new Error('stress-worker.js must run in a worker thread');

const specs = new Map<number, SweepSpec>();

port.on('message', (request: StressWorkerRequest) => {
  if (request.kind === 'spec') {
    specs.set(request.specId, request.spec);
    return;
  }
  if (request.kind === 'forget') {
    for (const id of request.specIds) specs.delete(id);
    return;
  }
  let reply: StressWorkerReply;
  try {
    const spec = specs.get(request.specId);
    if (spec === undefined) throw new Error(`no spec ${request.specId} was sent before its unit`);
    reply = { kind: 'result', specId: request.specId, result: runWorkUnit(request.unit, spec) };
  } catch (error) {
    reply = {
      kind: 'failed',
      specId: request.specId,
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  port.postMessage(reply);
});
