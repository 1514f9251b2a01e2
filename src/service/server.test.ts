import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { WebSocket } from 'ws';
import { bearer, startTestServer, type TestServer, tempDir } from '../../test/service/support.js';
import { units } from '../protocols/aave-v3/testkit.js';
import { CATEGORY_ROLES, categoryOf, ROLES, type Role } from './commands.js';
import { commandTypes, errorResponse } from './server.js';

const { dir, cleanup } = tempDir('solvent-server-');
afterAll(cleanup);

/** A body for a command that names identity fields the test user and keeper are allowed. */
function ownBody(type: string): Record<string, unknown> {
  const category = categoryOf(type);
  if (category === 'account') return { account: 'alice' };
  if (category === 'keeper') return { liquidator: 'liquidator' };
  if (category === 'oracle') return { source: 'feed' };
  return {};
}

describe('buildServer: auth, route by route', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dir);
    await server.host.submit({
      command: { type: 'deposit', account: 'alice', asset: 'WETH', amount: '1' },
      actor: 'op',
    });
  });
  afterAll(() => server.close());

  const inject = (method: string, url: string, headers: Record<string, string>, body?: unknown) =>
    server.app.inject({
      method: method as 'GET' | 'POST',
      url,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  const urlOf = (path: string) => path.replace('{id}', 'alice').replace('{bucket}', 'wallet:alice');

  test('default', () => {
    // The table covers the queries, the generic command route and one route per command type.
    const paths = server.routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of ['GET /health', 'GET /v1/at-risk', 'GET /v1/stream', 'POST /v1/commands']) {
      expect(paths).toContain(expected);
    }
    for (const type of commandTypes(server.host)) expect(paths).toContain(`POST /v1/commands/${type}`);
    expect(paths).not.toContain('GET /');
  });

  test('behavior: every non-public route refuses a missing or unknown key with 401', async () => {
    for (const route of server.routes) {
      const body = route.method === 'POST' ? { type: 'deposit' } : undefined;
      const none = await inject(route.method, urlOf(route.path), {}, body);
      const unknown = await inject(
        route.method,
        urlOf(route.path),
        { authorization: 'Bearer not-a-key-at-all' },
        body,
      );
      const malformed = await inject(route.method, urlOf(route.path), { authorization: 'Basic abc' }, body);
      const expected = route.access.kind === 'public' ? [200, 200, 200] : [401, 401, 401];
      expect([none.statusCode, unknown.statusCode, malformed.statusCode], route.path).toEqual(expected);
      if (route.access.kind !== 'public') expect(none.json().error.code).toBe('Unauthorized');
    }
  });

  test('behavior: read routes answer every role', async () => {
    for (const route of server.routes.filter((r) => r.access.kind === 'read' && r.websocket !== true)) {
      for (const role of ROLES) {
        const res = await inject(route.method, urlOf(route.path), bearer(role));
        expect(res.statusCode, `${role} ${route.path}: ${res.body}`).toBe(200);
      }
    }
  });

  test('behavior: every command route refuses the roles its category does not allow with 403', async () => {
    let checked = 0;
    for (const route of server.routes.filter((r) => r.access.kind === 'command')) {
      const types =
        route.access.kind === 'command' && route.access.commandType !== undefined
          ? [route.access.commandType]
          : commandTypes(server.host);
      for (const type of types) {
        const allowed = CATEGORY_ROLES[categoryOf(type)];
        expect(
          route.access.kind === 'command' && route.access.commandType === undefined ? true : route.roles,
        ).toEqual(route.access.kind === 'command' && route.access.commandType === undefined ? true : allowed);
        for (const role of ROLES) {
          const body =
            route.access.kind === 'command' && route.access.commandType === undefined
              ? { type, ...ownBody(type) }
              : ownBody(type);
          const res = await inject('POST', route.path, bearer(role), body);
          if (allowed.includes(role)) expect(res.statusCode, `${role} ${type} ${res.body}`).not.toBe(403);
          else expect([res.statusCode, res.json().error.code], `${role} ${type}`).toEqual([403, 'Forbidden']);
          checked += 1;
        }
      }
    }
    // Each command type twice (own route and the generic one) for each of the five roles.
    expect(checked).toBe(commandTypes(server.host).length * 2 * ROLES.length);
  });

  test('behavior: a user may act only for its own accounts; a keeper only as its listed actor', async () => {
    const deposit = { asset: 'WETH', amount: '1' };
    const own = await inject('POST', '/v1/commands/deposit', bearer('user'), {
      ...deposit,
      account: 'alice',
    });
    expect(own.statusCode).toBe(200);
    const other = await inject('POST', '/v1/commands/deposit', bearer('user'), {
      ...deposit,
      account: 'bob',
    });
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'Forbidden']);
    const none = await inject('POST', '/v1/commands', bearer('user'), { type: 'supply', ...deposit });
    expect(none.statusCode).toBe(403);
    const payForOther = await inject('POST', '/v1/commands/repay', bearer('user'), {
      account: 'alice',
      payer: 'bob',
      asset: 'USDC',
      amount: '1',
    });
    expect(payForOther.statusCode).toBe(403);
    const keeperAsOther = await inject('POST', '/v1/commands/liquidationCall', bearer('keeper'), {
      account: 'alice',
      liquidator: 'someone-else',
    });
    expect(keeperAsOther.statusCode).toBe(403);
  });

  test('behavior: the OpenAPI document lists every route of the table with its roles', async () => {
    const doc = (await inject('GET', '/openapi.json', {})).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const route of server.routes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, route.path).toBeDefined();
      expect(op['x-roles']).toEqual(route.roles);
      expect(op.security).toEqual(route.access.kind === 'public' ? [] : [{ bearer: [] }]);
    }
    const count = Object.values(doc.paths as Record<string, object>).reduce(
      (n, p) => n + Object.keys(p).length,
      0,
    );
    expect(count).toBe(server.routes.length);
  });
});

describe('buildServer: commands and queries', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dir);
  });
  afterAll(() => server.close());

  const post = (url: string, role: Role, body: unknown, headers: Record<string, string> = {}) =>
    server.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(role), ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const get = (url: string, role: Role = 'reader') =>
    server.app.inject({ method: 'GET', url, headers: bearer(role) });

  test('default', async () => {
    const res = await post('/v1/commands/deposit', 'user', {
      account: 'alice',
      asset: 'WETH',
      amount: units('WETH', 5n).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const body = res.json();
    expect(body.replayed).toBe(false);
    expect(body.events.at(-1).event).toEqual({
      type: 'Moved',
      asset: 'WETH',
      from: 'world',
      to: 'acct:alice',
      amount: '5000000000000000000',
      reason: 'deposit',
    });
    const account = (await get('/v1/accounts/alice')).json();
    expect(account).toMatchObject({
      accountId: 'alice',
      debtValueWad: '0',
      collateralValueWad: '10000000000000000000000',
    });
  });

  test('behavior: a borrow shows in at-risk with its liquidation price; a price drop makes it liquidatable', async () => {
    await post('/v1/commands/deposit', 'user', {
      account: 'alice',
      asset: 'WETH',
      amount: units('WETH', 1n).toString(),
    });
    const borrowed = await post('/v1/commands', 'user', {
      type: 'borrow',
      account: 'alice',
      asset: 'USDC',
      amount: units('USDC', 9_000n).toString(),
    });
    expect(borrowed.statusCode).toBe(200);
    const risk = (await get('/v1/at-risk?limit=5')).json();
    expect(risk.orderedBy).toBe('distance');
    expect(risk.accounts[0].accountId).toBe('alice');
    // 6 WETH × 0.825 threshold must cover 9,000 USDC: liquidation at 9000 / 4.95 = $1,818.18 (1e8).
    expect(risk.accounts[0].liquidationPrices.WETH).toEqual({ price: '181818181818', priceDecimals: 8 });
    const published = await post('/v1/commands/publishPrice', 'oracle', {
      asset: 'WETH',
      source: 'feed',
      price: (1_800n * 10n ** 8n).toString(),
    });
    expect(published.statusCode).toBe(200);
    const after = (await get('/v1/at-risk')).json();
    expect(after.accounts[0]).toMatchObject({ accountId: 'alice', liquidatable: true });
    const prices = (await get('/v1/prices')).json();
    const weth = prices.assets.find((a: { asset: string }) => a.asset === 'WETH');
    expect(weth).toMatchObject({ spot: '180000000000', used: '180000000000', stale: false });
    expect(weth.sources).toEqual([
      expect.objectContaining({ source: 'feed', price: '180000000000', fresh: true }),
    ]);
  });

  test('behavior: an idempotent retry answers the first result; another body with the key is 422', async () => {
    const body = { account: 'alice', asset: 'WETH', amount: '7' };
    const first = await post('/v1/commands/deposit', 'user', body, { 'idempotency-key': 'retry-1' });
    const again = await post('/v1/commands/deposit', 'user', body, { 'idempotency-key': 'retry-1' });
    expect(again.json()).toEqual({ ...first.json(), replayed: true });
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await post(
      '/v1/commands/deposit',
      'user',
      { ...body, amount: '8' },
      { 'idempotency-key': 'retry-1' },
    );
    expect([other.statusCode, other.json().error.code]).toEqual([422, 'IdempotencyKeyConflict']);
  });

  test('behavior: events page from a sequence number (from inclusive, after exclusive)', async () => {
    const head = server.host.eventSeq;
    const from = (await get(`/v1/events?from=${head - 2}&limit=2`)).json();
    expect(from.events.map((e: { seq: number }) => e.seq)).toEqual([head - 2, head - 1]);
    expect(from.nextFrom).toBe(head);
    const after = (await get(`/v1/events?after=${head - 1}`)).json();
    expect(after.events.map((e: { seq: number }) => e.seq)).toEqual([head]);
    expect(after.headSeq).toBe(head);
  });

  test('behavior: funds, balances, auctions, protocol, status and metrics answer', async () => {
    expect((await get('/v1/funds')).json()).toMatchObject({ insurance: {}, deficit: {} });
    expect((await get('/v1/balances/wallet:liquidator')).json().balances.USDC).toBe(
      units('USDC', 1_000_000n).toString(),
    );
    expect((await get('/v1/auctions')).json()).toMatchObject({ kind: 'none', auctions: [] });
    const protocol = (await get('/v1/protocol')).json();
    expect(protocol.commands).toContainEqual({
      type: 'liquidationCall',
      category: 'keeper',
      roles: ['keeper', 'operator'],
      engine: false,
    });
    const status = (await get('/v1/status')).json();
    expect(status).toMatchObject({
      protocol: 'aave-v3.3',
      stateHash: server.host.stateHash(),
      failed: false,
    });
    const metrics = await get('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('solvent_commands_accepted_total{type="deposit"}');
    expect(metrics.body).toContain('solvent_journal_append_seconds_bucket{le="+Inf"}');
    expect(metrics.body).toMatch(/solvent_state_seq \d+/);
    const view = (await get('/v1/keeper-view?keepers=liquidator&bigint=tagged')).json();
    expect(view.family).toBe('aave');
    // The Aave view is screened by the incremental detector, not a scan of every account.
    expect(view.screen).toEqual(expect.objectContaining({ method: 'detector' }));
    expect(typeof view.view.wallets.liquidator.USDC).toBe('string');
    expect(view.view.wallets.liquidator.USDC).toMatch(/^\d+n$/);
  });

  test('error: bad bodies and queries are 400 naming the field', async () => {
    const noType = await post('/v1/commands', 'operator', { account: 'x' });
    expect([noType.statusCode, noType.json().error.field]).toEqual([400, 'type']);
    const unknownType = await post('/v1/commands', 'operator', { type: 'mint' });
    expect([unknownType.statusCode, unknownType.json().error.field]).toEqual([400, 'type']);
    const engineField = await post('/v1/commands/deposit', 'user', {
      account: 'alice',
      asset: 'WETH',
      amount: '-5',
    });
    expect([engineField.statusCode, engineField.json().error]).toEqual([
      400,
      expect.objectContaining({ code: 'InvalidParameter', field: 'amount' }),
    ]);
    const mismatched = await post('/v1/commands/deposit', 'user', { type: 'withdraw', account: 'alice' });
    expect([mismatched.statusCode, mismatched.json().error.field]).toEqual([400, 'type']);
    const badLimit = await get('/v1/at-risk?limit=0');
    expect([badLimit.statusCode, badLimit.json().error.field]).toEqual([400, 'limit']);
    const notJson = await server.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: { ...bearer('operator'), 'content-type': 'application/json' },
      payload: '{nope',
    });
    expect(notJson.statusCode).toBe(400);
  });

  test('error: engine refusals are 409 with the code; unknown things are 404', async () => {
    const healthy = await post('/v1/commands/liquidationCall', 'keeper', {
      account: 'bob-healthy',
      collateralAsset: 'WETH',
      debtAsset: 'USDC',
      liquidator: 'liquidator',
      debtToCover: '1',
      receiveAToken: false,
    });
    expect(healthy.statusCode).toBe(409);
    expect(typeof healthy.json().error.code).toBe('string');
    const missing = await get('/v1/accounts/nobody');
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'NotFound']);
    const route = await get('/v1/nothing-here');
    expect(route.statusCode).toBe(404);
  });
});

describe('errorResponse', () => {
  test('default', () => {
    expect(errorResponse(new Error('boom'))).toEqual({
      status: 500,
      body: { error: { code: 'Internal', message: 'Unexpected server error (logged).' } },
    });
  });
});

describe('stream', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dir);
    // A backlog several catch-up chunks long.
    await Promise.all(
      Array.from({ length: 20_000 }, (_, i) =>
        server.host.submit({
          command: { type: 'fundWallet', actor: `w${i}`, asset: 'USDC', amount: String(i + 1) },
          actor: 'op',
        }),
      ),
    );
  });
  afterAll(() => server.close());

  /** Opens a stream and collects its messages. */
  async function open(url: string): Promise<{ ws: WebSocket; messages: Record<string, unknown>[] }> {
    const messages: Record<string, unknown>[] = [];
    const ws = await server.app.injectWS(
      url,
      { headers: bearer('reader') },
      {
        onInit: (socket) => socket.on('message', (m) => messages.push(JSON.parse(String(m)))),
      },
    );
    return { ws, messages };
  }

  const until = async (check: () => boolean, timeoutMs = 10_000): Promise<void> => {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  test('default', async () => {
    const { ws, messages } = await open('/v1/stream?from=1');
    await until(() => messages.some((m) => m.kind === 'caughtUp'));
    expect(messages[0]).toMatchObject({ kind: 'hello', from: 1, protocol: 'aave-v3.3' });
    const seqs = messages.filter((m) => m.kind === 'event').map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: server.host.eventSeq }, (_, i) => i + 1));
    ws.terminate();
  });

  test('behavior: events committed during the catch-up arrive once each, in order, with no gap', async () => {
    const { ws, messages } = await open('/v1/stream?after=0');
    // Commit more events while the backlog is still being sent.
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          server.host.submit({
            command: { type: 'fundWallet', actor: `late${round}-${i}`, asset: 'WETH', amount: '1' },
            actor: 'op',
          }),
        ),
      );
    }
    const head = server.host.eventSeq;
    await until(() => messages.filter((m) => m.kind === 'event').length >= head);
    const seqs = messages.filter((m) => m.kind === 'event').map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    const caughtUp = messages.filter((m) => m.kind === 'caughtUp');
    expect(caughtUp).toHaveLength(1);
    // Commits did land while the backlog was being sent: the catch-up ended past the head at hello.
    expect(caughtUp[0]?.seq as number).toBeGreaterThan(messages[0]?.headSeq as number);
    ws.terminate();
  });

  test('behavior: a client resuming from a sequence number gets only what follows', async () => {
    const head = server.host.eventSeq;
    const { ws, messages } = await open(`/v1/stream?from=${head - 1}`);
    await until(() => messages.some((m) => m.kind === 'caughtUp'));
    await server.host.submit({
      command: { type: 'fundWallet', actor: 'live', asset: 'WETH', amount: '2' },
      actor: 'op',
    });
    await until(() => messages.filter((m) => m.kind === 'event').length === 3);
    expect(messages.filter((m) => m.kind === 'event').map((m) => m.seq)).toEqual([head - 1, head, head + 1]);
    ws.terminate();
  });
});
