/**
 * The HTTP and WebSocket API of a live engine (fastify): one route table drives registration,
 * authentication and authorisation, and the OpenAPI document. Commands go to the engine host
 * (journaled before they are acknowledged); queries read its durable state. `GET /` serves the
 * web dashboard when asked (dashboard.ts).
 */
import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ENGINE_COMMANDS } from '../engine/engine.js';
import { InvalidParameterError } from '../engine/errors.js';
import type { MarketContext } from '../keepers/types.js';
import { DecimalParseError, InvalidDecimalsError, SolventError } from '../math/errors.js';
import { authorizeCommand, type KeyRing, type Principal, requireRead } from './auth.js';
import { categoryOf, ROLES, type Role } from './commands.js';
import { DASHBOARD_HEADERS, DASHBOARD_HTML, DASHBOARD_ROUTE } from './dashboard.js';
import {
  ForbiddenError,
  IdempotencyKeyConflictError,
  JournalUnavailableError,
  NotFoundError,
  UnauthorizedError,
} from './errors.js';
import type { FeedStatus } from './feed.js';
import type { EngineHost } from './host.js';
import { toTagged, toWire, wireJson } from './json.js';
import type { Metrics } from './metrics.js';
import { fastifyPath, type JsonSchema, openApiDocument, type RouteSpec, rolesOf } from './openapi.js';
import { serveStream } from './stream.js';
import {
  accountView,
  atRiskView,
  auctionsView,
  balancesView,
  fundsView,
  KeeperScreen,
  keeperView,
  pricesView,
} from './views.js';

/** Options of {@link buildServer}. */
export interface ServerOptions {
  readonly host: EngineHost;
  readonly keys: KeyRing;
  readonly metrics: Metrics;
  /** Structured JSON logs (pino): false = silent, or the level (`info` default). */
  readonly logger?: false | { readonly level: string };
  /** Status of the CSV price feeds, shown beside the oracle prices. */
  readonly feeds?: () => readonly FeedStatus[];
  /** Version of solvent, in the OpenAPI document and /v1/status. */
  readonly version: string;
  /** Serve the web dashboard at `GET /` (public: the page holds no data). Default false. */
  readonly dashboard?: boolean;
}

/** Largest page of accounts, events or at-risk entries one request may ask for. */
export const MAX_PAGE = 10_000;

const ALL_ROLES: readonly Role[] = ROLES;

const SEQ: JsonSchema = { type: 'integer', minimum: 0 };
const LIMIT = (fallback: number): JsonSchema => ({
  type: 'integer',
  minimum: 1,
  maximum: MAX_PAGE,
  default: fallback,
});
const OBJECT: JsonSchema = { type: 'object' };
const ID: JsonSchema = { type: 'string', minLength: 1, maxLength: 200 };
const BIGINT_STRING: JsonSchema = {
  type: 'string',
  pattern: '^-?[0-9]+$',
  description: 'An integer as a decimal string (token amounts in smallest units, prices, WAD/RAY values).',
};

const RECORDED_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['seq', 'atSeconds', 'event'],
  properties: {
    seq: { type: 'integer', description: 'Event sequence number (1-based, contiguous).' },
    atSeconds: { type: 'integer', description: 'Server time of the command that caused it.' },
    event: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
  },
};

const COMMAND_RESULT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['commandSeq', 'atSeconds', 'replayed', 'events'],
  properties: {
    commandSeq: { type: 'integer', description: 'Position of the command in the journal.' },
    atSeconds: { type: 'integer', description: 'Server time it was applied at (whole seconds).' },
    replayed: {
      type: 'boolean',
      description: 'True when this answers a retry with the same Idempotency-Key.',
    },
    events: { type: 'array', items: RECORDED_SCHEMA },
  },
};

const IDEMPOTENCY_HEADER = {
  'Idempotency-Key': {
    description:
      'Client-chosen key (1–200 printable ASCII characters). A retry with the same key and body returns the first result without applying the command again, also across restarts.',
    schema: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

/** Every command type the loaded model accepts (engine commands first), sorted within each group. */
export function commandTypes(host: EngineHost): string[] {
  return [...new Set([...ENGINE_COMMANDS, ...host.entry.model.commands])];
}

/**
 * The route table of a server running `host`'s model: every route, with who may call it. The
 * tests iterate it, so a new route is checked for 401/403 without anyone remembering to.
 * `options.dashboard` adds the public dashboard page `GET /` (dashboard.ts).
 */
export function routeTable(host: EngineHost, options: { readonly dashboard?: boolean } = {}): RouteSpec[] {
  const read = { kind: 'read' } as const;
  const routes: RouteSpec[] = [
    ...(options.dashboard === true ? [DASHBOARD_ROUTE] : []),
    {
      method: 'GET',
      path: '/health',
      operationId: 'health',
      summary: 'Liveness: ok, or failed after a journal error (503).',
      tag: 'operations',
      access: { kind: 'public' },
      roles: [],
      response: { description: 'The server is up.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This document.',
      tag: 'operations',
      access: { kind: 'public' },
      roles: [],
      response: { description: 'OpenAPI 3.1.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics (text format 0.0.4).',
      tag: 'operations',
      access: read,
      roles: ALL_ROLES,
      response: { description: 'Metrics.', schema: { type: 'string' }, contentType: 'text/plain' },
    },
    {
      method: 'GET',
      path: '/v1/status',
      operationId: 'status',
      summary: 'Protocol, sequence numbers, state hash, journal, replay report and price feeds.',
      tag: 'operations',
      access: read,
      roles: ALL_ROLES,
      response: { description: 'Server status.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/protocol',
      operationId: 'protocol',
      summary:
        'The loaded model: id, title, sources, listed assets, and every command with its category and roles.',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      response: { description: 'The protocol.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/accounts',
      operationId: 'listAccounts',
      summary: 'Account ids, sorted, paged.',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      query: { offset: { type: 'integer', minimum: 0, default: 0 }, limit: LIMIT(1000) },
      response: { description: '`{total, accounts: [id]}`.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/accounts/{id}',
      operationId: 'account',
      summary: 'An account’s health (model rule), values, liquidation prices and distance to liquidation.',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      params: { id: ID },
      response: { description: 'The account (WAD values as decimal strings).', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/at-risk',
      operationId: 'atRisk',
      summary: 'Accounts with debt, liquidatable first, then by distance to liquidation (or health).',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      query: { limit: LIMIT(50) },
      response: { description: '`{orderedBy, total, accounts, unpriced}`.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/auctions',
      operationId: 'auctions',
      summary: 'Live auctions with their current price (Maker clip/flip, Comet storefront, composed Dutch).',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      response: {
        description: "`{kind, auctions, ilks?}`: Maker views add each ilk's parameters (curve, tail, cusp).",
        schema: OBJECT,
      },
    },
    {
      method: 'GET',
      path: '/v1/prices',
      operationId: 'prices',
      summary:
        'Oracle prices per asset (spot, used by the protocol, OSM next, TWAP), each source’s last publication, breakers, and the CSV feeds.',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      response: { description: '`{nowSeconds, assets, feeds}`.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/funds',
      operationId: 'funds',
      summary:
        'Insurance fund, deficit (bad debt), socialized loss, protocol reserves and system debt, by asset.',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      response: { description: 'Buckets by asset.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/balances/{bucket}',
      operationId: 'balances',
      summary: 'Balances of one ledger bucket (`wallet:<actor>`, `acct:<id>`, `insurance`, ...) by asset.',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      params: { bucket: ID },
      response: { description: '`{bucket, balances}`.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/keeper-view',
      operationId: 'keeperView',
      summary: 'The keeper view the lab’s policies decide on (src/keepers), for this model and market.',
      description:
        'Market fields default to zero. `bigint=tagged` writes bigints as "123n" (strings that look like one get a "~" prefix) so a client can restore them exactly.',
      tag: 'queries',
      access: read,
      roles: ALL_ROLES,
      query: {
        keepers: {
          type: 'string',
          description:
            'Comma-separated keeper ids whose wallets to include (perps: the one keeper the view is for).',
        },
        market: {
          type: 'string',
          description:
            'Perps: the market to act on (default: every market; perps-generic and composed perp markets read every leg of an account, the other models merge one view per market).',
        },
        gasPriceGwei: { type: 'number', minimum: 0, default: 0 },
        ethPriceUsd: { type: 'number', minimum: 0, default: 0 },
        collateralPriceUsdWad: { ...BIGINT_STRING, default: '0' },
        slippageBps: { type: 'integer', minimum: 0, maximum: 10_000, default: 0 },
        bigint: { type: 'string', enum: ['string', 'tagged'], default: 'string' },
      },
      response: {
        description:
          '`{nowSeconds, family, view, screen}`: `screen` says whether the incremental detector chose the accounts checked (Aave, Comet) or every account was scanned.',
        schema: OBJECT,
      },
    },
    {
      method: 'GET',
      path: '/v1/events',
      operationId: 'events',
      summary: 'The durable event log from a sequence number.',
      description:
        '`from` is the first seq wanted (inclusive, default 1); `after` the last one seen (exclusive).',
      tag: 'events',
      access: read,
      roles: ALL_ROLES,
      query: { from: SEQ, after: SEQ, limit: LIMIT(1000) },
      response: { description: '`{events, headSeq, nextFrom}`.', schema: OBJECT },
    },
    {
      method: 'GET',
      path: '/v1/stream',
      operationId: 'stream',
      summary:
        'WebSocket: every event from `from` (inclusive; or `after`, exclusive), then live ones, no gap.',
      description:
        'Messages: hello, event (seq +1 each), caughtUp, error (SlowConsumer, resumeFrom). Browsers may pass the key as `access_token`.',
      tag: 'events',
      access: read,
      roles: ALL_ROLES,
      query: { from: SEQ, after: SEQ, access_token: { type: 'string' } },
      response: { description: 'Switching to the WebSocket protocol.', schema: OBJECT },
      websocket: true,
    },
    {
      method: 'POST',
      path: '/v1/commands',
      operationId: 'command',
      summary: 'Any command of the model, `{type, ...fields}`; roles by the command’s category.',
      description: `Categories → roles: ${(['account', 'keeper', 'oracle', 'operator'] as const)
        .map((c) => `${c}: ${rolesOf(c).join(', ')}`)
        .join('; ')}. Amounts are decimal strings (or safe integers).`,
      tag: 'commands',
      access: { kind: 'command' },
      roles: ['operator', 'oracle', 'keeper', 'user'],
      body: {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string', enum: commandTypes(host) } },
        additionalProperties: true,
      },
      headers: IDEMPOTENCY_HEADER,
      response: { description: 'Applied and durable.', schema: COMMAND_RESULT_SCHEMA },
    },
  ];
  for (const type of commandTypes(host)) {
    const category = categoryOf(type);
    routes.push({
      method: 'POST',
      path: `/v1/commands/${type}`,
      operationId: `command_${type}`,
      summary: `${type} (${category} command).`,
      description:
        'The body holds the command’s fields as the model reads them (the engine names any bad field in a 400).',
      tag: `${category} commands`,
      access: { kind: 'command', commandType: type, category },
      roles: rolesOf(category),
      body: { type: 'object', properties: { type: { const: type } }, additionalProperties: true },
      headers: IDEMPOTENCY_HEADER,
      response: { description: 'Applied and durable.', schema: COMMAND_RESULT_SCHEMA },
    });
  }
  return routes;
}

/** The status code and JSON body of an error, the one mapping every route uses. */
export function errorResponse(error: unknown): { readonly status: number; readonly body: unknown } {
  if (error instanceof SolventError) {
    const status =
      error instanceof UnauthorizedError
        ? 401
        : error instanceof ForbiddenError
          ? 403
          : error instanceof NotFoundError
            ? 404
            : error instanceof IdempotencyKeyConflictError
              ? 422
              : error instanceof JournalUnavailableError
                ? 503
                : error instanceof InvalidParameterError ||
                    error.code === 'UnknownCommand' ||
                    error instanceof DecimalParseError ||
                    error instanceof InvalidDecimalsError
                  ? 400
                  : 409;
    const hint = error.metaMessages.join(' ');
    return {
      status,
      body: {
        error: {
          code: error.code,
          ...(error instanceof InvalidParameterError ? { field: error.field } : {}),
          message: error.shortMessage,
          ...(hint === '' ? {} : { hint }),
          details: error.details,
        },
      },
    };
  }
  const fastifyError = error as {
    readonly validation?: readonly {
      readonly instancePath?: string;
      readonly params?: Readonly<Record<string, unknown>>;
      readonly message?: string;
    }[];
    readonly validationContext?: string;
    readonly statusCode?: number;
    readonly code?: string;
    readonly message?: string;
  };
  if (fastifyError.validation !== undefined) {
    const first = fastifyError.validation[0];
    const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const missing = first?.params?.missingProperty;
    const field = typeof missing === 'string' ? (path === '' ? missing : `${path}.${missing}`) : path;
    const where = fastifyError.validationContext ?? 'request';
    return {
      status: 400,
      body: {
        error: {
          code: 'InvalidParameter',
          field: field === '' ? where : field,
          message: `Invalid ${where}${field === '' ? '' : ` field ${field}`}: ${first?.message ?? 'invalid'}.`,
          hint: 'GET /openapi.json describes every route.',
        },
      },
    };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      status,
      body: {
        error: { code: fastifyError.code ?? 'BadRequest', message: fastifyError.message ?? 'bad request' },
      },
    };
  }
  return { status: 500, body: { error: { code: 'Internal', message: 'Unexpected server error (logged).' } } };
}

function queryNumber(query: unknown, name: string): number | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'number' ? value : undefined;
}

/** The first event seq a request asks for: `from` (inclusive) or `after + 1`; `fallback` otherwise. */
function fromSeqOf(query: unknown, fallback: number): number {
  const from = queryNumber(query, 'from');
  const after = queryNumber(query, 'after');
  if (from !== undefined && after !== undefined) {
    throw new InvalidParameterError('from', 'give either from or after, not both');
  }
  if (from !== undefined) return Math.max(1, from);
  if (after !== undefined) return after + 1;
  return fallback;
}

/** Removes `access_token` from a URL before it is logged. */
function redactUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&]*/g, '$1***');
}

/**
 * Builds the fastify app (not listening yet): every route of {@link routeTable}, auth hooks, the
 * error mapping, request ids (`x-request-id`, echoed), JSON logs and the WebSocket stream.
 * @throws nothing itself; fastify plugin errors propagate.
 */
export async function buildServer(
  options: ServerOptions,
): Promise<{ readonly app: FastifyInstance; readonly routes: readonly RouteSpec[] }> {
  const { host, keys, metrics } = options;
  const level = options.logger === false ? undefined : (options.logger?.level ?? 'info');
  const app = Fastify({
    logger:
      level === undefined
        ? false
        : {
            level,
            serializers: {
              req: (req: FastifyRequest) => ({
                method: req.method,
                url: redactUrl(req.url),
                hostname: req.hostname,
                remoteAddress: req.ip,
                remotePort: req.socket?.remotePort ?? 0,
              }),
            },
          },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: 1 << 20,
  });
  const principals = new WeakMap<FastifyRequest, Principal>();
  // A keep-alive connection sends the same header again and again: remember the last one that
  // authenticated on each socket (compared with what that same client sent, never with a key).
  const socketPrincipals = new WeakMap<object, { readonly header: string; readonly principal: Principal }>();
  let wsClients = 0;
  metrics.setGauges({
    stateSeq: () => host.eventSeq,
    commandSeq: () => host.commandSeq,
    wsClients: () => wsClients,
  });

  app.setReplySerializer((payload) => wireJson(payload));
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorResponse(error);
    if (status >= 500 && !(error instanceof JournalUnavailableError))
      request.log.error({ err: error }, 'request failed');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = errorResponse(
      new NotFoundError(`Route ${request.method} ${request.url.split('?')[0]}`),
    );
    void reply.status(status).send(body);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpResponse(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    done();
  });

  await app.register(websocket, { options: { maxPayload: 1 << 16 } });

  const routes = routeTable(host, { dashboard: options.dashboard === true });
  const document = openApiDocument(routes, {
    title: 'Solvent engine service',
    version: options.version,
    description: `A live ${host.entry.model.id} engine: commands are journaled before they are acknowledged.`,
  });

  const principalOf = (request: FastifyRequest): Principal => {
    const principal = principals.get(request);
    if (principal === undefined) throw new UnauthorizedError('no API key');
    return principal;
  };

  const authenticate = (spec: RouteSpec) => async (request: FastifyRequest) => {
    if (spec.access.kind === 'public') return;
    let header = request.headers.authorization;
    if (header === undefined && spec.websocket === true) {
      const token = (request.query as Record<string, unknown> | undefined)?.access_token;
      if (typeof token === 'string') header = `Bearer ${token}`;
    }
    // Injected requests (tests) have no socket.
    const raw = request.raw.socket as object | null | undefined;
    const socket = typeof raw === 'object' && raw !== null ? raw : undefined;
    const cached = socket === undefined ? undefined : socketPrincipals.get(socket);
    let principal: Principal;
    if (cached !== undefined && header !== undefined && cached.header === header)
      principal = cached.principal;
    else {
      principal = keys.authenticate(header);
      if (socket !== undefined && header !== undefined) socketPrincipals.set(socket, { header, principal });
    }
    principals.set(request, principal);
    if (spec.access.kind === 'read') requireRead(principal);
    else if (spec.access.kind === 'command' && spec.access.category !== undefined) {
      if (!spec.roles.includes(principal.role)) {
        throw new ForbiddenError(
          principal.role,
          `send ${spec.access.commandType} (${spec.access.category} category)`,
          spec.roles,
        );
      }
    }
  };

  const submit = async (request: FastifyRequest, reply: FastifyReply, type: string | undefined) => {
    const body = request.body as Readonly<Record<string, unknown>>;
    const command = type === undefined ? body : { ...body, type };
    const principal = principalOf(request);
    try {
      authorizeCommand(principal, command);
    } catch (error) {
      if (error instanceof SolventError) metrics.commandRefused(String(command.type), error.code);
      throw error;
    }
    const header = request.headers['idempotency-key'];
    if (Array.isArray(header)) throw new InvalidParameterError('Idempotency-Key', 'give the header once');
    const result = await host.submit({
      command,
      actor: principal.name,
      ...(header === undefined ? {} : { idempotencyKey: header }),
    });
    void reply.header('idempotent-replayed', String(result.replayed));
    // Written by hand from each event's cached wire form (the stream sends the same text).
    const events = result.events.map((e) => host.eventJson(e.seq)).join(',');
    return reply
      .type('application/json; charset=utf-8')
      .send(
        `{"commandSeq":${result.commandSeq},"atSeconds":${result.atSeconds},"replayed":${result.replayed},"events":[${events}]}`,
      );
  };

  // The incremental liquidation detector behind the keeper views (one per server: it follows the
  // host's state by diffing what changed since the last view).
  const keeperScreen = new KeeperScreen();
  const handlers: Record<string, (request: FastifyRequest, reply: FastifyReply) => unknown> = {
    health: (_request, reply) => {
      if (host.failed) void reply.status(503);
      return {
        status: host.failed ? 'failed' : 'ok',
        protocol: host.entry.model.id,
        commandSeq: host.commandSeq,
        eventSeq: host.eventSeq,
      };
    },
    openapi: () => document,
    dashboard: (_request, reply) => reply.headers(DASHBOARD_HEADERS).send(DASHBOARD_HTML),
    metrics: (_request, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()),
    status: () => ({
      protocol: host.entry.model.id,
      version: options.version,
      commandSeq: host.commandSeq,
      eventSeq: host.eventSeq,
      timeSeconds: host.state.timeSeconds,
      nowSeconds: host.nowSeconds(),
      stateHash: host.stateHash(),
      failed: host.failed,
      journal: host.journal.info,
      replay: host.replayReport,
      feeds: options.feeds?.() ?? [],
    }),
    protocol: () => {
      const model = host.entry.model;
      return {
        id: model.id,
        title: model.title,
        sources: model.sources,
        assets: host.state.assets,
        marginView: model.marginAccount !== undefined,
        commands: commandTypes(host).map((type) => ({
          type,
          category: categoryOf(type),
          roles: rolesOf(categoryOf(type)),
          engine: ENGINE_COMMANDS.includes(type),
        })),
      };
    },
    listAccounts: (request) => {
      const ids = host.entry.model.accountIds(host.state);
      const offset = queryNumber(request.query, 'offset') ?? 0;
      const limit = queryNumber(request.query, 'limit') ?? 1000;
      return { total: ids.length, accounts: ids.slice(offset, offset + limit) };
    },
    account: (request) => {
      const id = (request.params as { id: string }).id;
      if (!host.entry.model.accountIds(host.state).includes(id)) throw new NotFoundError(`Account ${id}`);
      return accountView(host.entry.model, host.state, id, host.nowSeconds());
    },
    atRisk: (request) =>
      atRiskView(host.entry.model, host.state, host.nowSeconds(), queryNumber(request.query, 'limit') ?? 50),
    auctions: () => {
      const nowSeconds = host.nowSeconds();
      return { nowSeconds, ...auctionsView(host.state, nowSeconds) };
    },
    prices: () => {
      const nowSeconds = host.nowSeconds();
      return { nowSeconds, assets: pricesView(host.state, nowSeconds), feeds: options.feeds?.() ?? [] };
    },
    funds: () => fundsView(host.state),
    balances: (request) => {
      const bucket = (request.params as { bucket: string }).bucket;
      return { bucket, balances: balancesView(host.state, bucket) };
    },
    keeperView: (request) => {
      const q = request.query as Record<string, unknown>;
      const nowSeconds = host.nowSeconds();
      const market: MarketContext = {
        nowSeconds,
        gasPriceGwei: (q.gasPriceGwei as number | undefined) ?? 0,
        ethPriceUsd: (q.ethPriceUsd as number | undefined) ?? 0,
        collateralPriceUsdWad: BigInt((q.collateralPriceUsdWad as string | undefined) ?? '0'),
        slippageBps: BigInt((q.slippageBps as number | undefined) ?? 0),
      };
      const keepers = typeof q.keepers === 'string' && q.keepers !== '' ? q.keepers.split(',') : [];
      const state = host.state;
      const { accounts, info } = keeperScreen.screen(state, nowSeconds);
      const view = {
        nowSeconds,
        ...keeperView(state, nowSeconds, market, keepers, {
          model: host.entry.model,
          ...(accounts === undefined ? {} : { accounts }),
          ...(typeof q.market === 'string' && q.market !== '' ? { perpMarket: q.market } : {}),
        }),
        screen: info,
      };
      return q.bigint === 'tagged' ? toTagged(view) : toWire(view);
    },
    events: (request) => {
      const from = fromSeqOf(request.query, 1);
      const limit = queryNumber(request.query, 'limit') ?? 1000;
      const events = host.eventsFrom(from, limit);
      const last = events[events.length - 1];
      return { events, headSeq: host.eventSeq, nextFrom: last === undefined ? from : last.seq + 1 };
    },
    command: (request, reply) => submit(request, reply, undefined),
  };

  for (const spec of routes) {
    const url = fastifyPath(spec.path);
    const schema: Record<string, unknown> = {};
    if (spec.body !== undefined) schema.body = spec.body;
    if (spec.query !== undefined) {
      schema.querystring = { type: 'object', properties: spec.query, additionalProperties: false };
    }
    if (spec.params !== undefined) {
      schema.params = { type: 'object', properties: spec.params, required: Object.keys(spec.params) };
    }
    const onRequest = authenticate(spec);
    if (spec.websocket === true) {
      app.get(url, { websocket: true, schema, onRequest }, (socket, request) => {
        let fromSeq: number;
        try {
          fromSeq = fromSeqOf(request.query, host.eventSeq + 1);
        } catch (error) {
          socket.close(1008, error instanceof SolventError ? error.shortMessage : 'bad request');
          return;
        }
        serveStream({
          socket,
          host,
          fromSeq,
          registry: {
            opened: () => {
              wsClients += 1;
            },
            closed: () => {
              wsClients -= 1;
            },
          },
        });
      });
      continue;
    }
    const commandType = spec.access.kind === 'command' ? spec.access.commandType : undefined;
    const handler =
      commandType === undefined
        ? handlers[spec.operationId]
        : (request: FastifyRequest, reply: FastifyReply) => submit(request, reply, commandType);
    if (handler === undefined)
      throw new Error(`Solvent invariant broken: no handler for ${spec.operationId}`);
    app.route({
      method: spec.method,
      url,
      schema,
      onRequest,
      handler: async (request, reply) => handler(request, reply),
    });
  }
  return { app, routes };
}
