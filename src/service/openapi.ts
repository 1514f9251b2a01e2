/**
 * The route table's shape and the OpenAPI 3.1 document generated from it: every route the server
 * registers is described once, and both the server and `/openapi.json` read that description, so
 * the document cannot miss a route.
 */
import { CATEGORY_ROLES, type CommandCategory, type Role } from './commands.js';

/** A JSON Schema (draft 2020-12, as OpenAPI 3.1 and fastify's ajv read it). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** Who may call a route. */
export type Access =
  /** Anyone, no key (health, the OpenAPI document). */
  | { readonly kind: 'public' }
  /** Any valid key (`reader` and above). */
  | { readonly kind: 'read' }
  /** A command: the roles of its category (commands.ts); `commandType` absent = given in the body. */
  | { readonly kind: 'command'; readonly commandType?: string; readonly category?: CommandCategory };

/** One route of the API. */
export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  /** Path in OpenAPI form (`/v1/accounts/{id}`). */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly access: Access;
  /** Roles allowed (empty for public routes). */
  readonly roles: readonly Role[];
  readonly params?: Readonly<Record<string, JsonSchema>>;
  readonly query?: Readonly<Record<string, JsonSchema>>;
  readonly body?: JsonSchema;
  /** The success response (200). */
  readonly response: {
    readonly description: string;
    readonly schema: JsonSchema;
    readonly contentType?: string;
  };
  /** A WebSocket upgrade route. */
  readonly websocket?: boolean;
  /** Extra headers the route reads (e.g. `Idempotency-Key`). */
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: JsonSchema }>>;
}

/** The path in fastify form (`/v1/accounts/:id`). */
export function fastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** Roles a category allows, as the route table lists them. */
export function rolesOf(category: CommandCategory): readonly Role[] {
  return CATEGORY_ROLES[category];
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable error code (InvalidParameter, ProtocolRevert, ...).' },
        field: { type: 'string', description: 'Dotted path of the offending field, for InvalidParameter.' },
        message: { type: 'string', description: 'One sentence on what happened.' },
        hint: { type: 'string', description: 'What to do about it.' },
        details: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
};

const ERROR_STATUSES: Readonly<Record<string, string>> = {
  '400': 'Malformed request: a field is missing or invalid (`field` names it).',
  '401': 'Missing or unknown API key.',
  '403': 'The key’s role (or account list) does not allow this.',
  '404': 'No such resource.',
  '409':
    'The engine refuses the command in the current state (`code`: ProtocolRevert, StaleOraclePrice, ...).',
  '422': 'The idempotency key was used for another command.',
  '503': 'The journal is unavailable; retry after the server restarts.',
};

function errorStatusesFor(route: RouteSpec): string[] {
  if (route.access.kind === 'public') return [];
  const statuses = ['400', '401'];
  if (route.access.kind === 'command') statuses.push('403', '409', '422', '503');
  if (route.params !== undefined) statuses.push('404');
  return statuses;
}

/**
 * The OpenAPI 3.1 document of `routes`.
 * @param info title, version and description of the API.
 */
export function openApiDocument(
  routes: readonly RouteSpec[],
  info: { readonly title: string; readonly version: string; readonly description: string },
): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(route.params ?? {})) {
      parameters.push({ name, in: 'path', required: true, schema });
    }
    for (const [name, schema] of Object.entries(route.query ?? {})) {
      parameters.push({ name, in: 'query', required: false, schema });
    }
    for (const [name, header] of Object.entries(route.headers ?? {})) {
      parameters.push({
        name,
        in: 'header',
        required: false,
        description: header.description,
        schema: header.schema,
      });
    }
    const responses: Record<string, unknown> = {
      [route.websocket === true ? '101' : '200']: {
        description: route.response.description,
        ...(route.websocket === true
          ? {}
          : {
              content: {
                [route.response.contentType ?? 'application/json']: { schema: route.response.schema },
              },
            }),
      },
    };
    for (const status of errorStatusesFor(route)) {
      responses[status] = {
        description: ERROR_STATUSES[status],
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: [route.tag],
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(route.body === undefined
        ? {}
        : { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }),
      responses,
      security: route.access.kind === 'public' ? [] : [{ bearer: [] }],
      'x-roles': route.roles,
      ...(route.access.kind === 'command' && route.access.category !== undefined
        ? { 'x-command-category': route.access.category }
        : {}),
    };
    const entry = paths[route.path] ?? {};
    entry[route.method.toLowerCase()] = operation;
    paths[route.path] = entry;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from the server’s keys file: `Authorization: Bearer <key>`.',
        },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
  };
}
