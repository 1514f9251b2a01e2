/**
 * API keys and roles: the keys file (`[{key, role, accounts?, name?}]`), bearer authentication
 * compared in constant time, and the rule deciding whether a principal may read or send a given
 * command (see commands.ts for the category → roles table).
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidParameterError } from '../engine/errors.js';
import {
  CATEGORY_ROLES,
  type CommandCategory,
  categoryOf,
  IDENTITY_FIELDS,
  ROLES,
  type Role,
} from './commands.js';
import { ForbiddenError, UnauthorizedError } from './errors.js';

/** Shortest key accepted, in characters (a generated key has 32). */
export const MIN_KEY_LENGTH = 16;

/** One entry of the keys file. */
export interface ApiKey {
  /** The secret sent as `Authorization: Bearer <key>` (≥ {@link MIN_KEY_LENGTH} characters). */
  readonly key: string;
  readonly role: Role;
  /**
   * Ids the key may name: a user's accounts (required for `user`), a keeper's actor ids or an
   * oracle's source ids (optional: absent = any). Ignored for `operator` and `reader`.
   */
  readonly accounts?: readonly string[];
  /** Who the key is, written as the actor of every command it sends (default `<role>-<index>`). */
  readonly name: string;
}

/** An authenticated caller. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
  /** Ids it may name; undefined = any. */
  readonly accounts?: ReadonlySet<string>;
}

/**
 * Validates a parsed keys file.
 * @throws InvalidParameterError naming the field (`keys[2].role`) for a malformed entry, a short
 *   key, an unknown role, a user without accounts, or a key or name given twice.
 */
export function parseKeys(raw: unknown): ApiKey[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidParameterError('keys', 'expected a non-empty array of {key, role, accounts?, name?}');
  }
  const keys: ApiKey[] = [];
  const seenKeys = new Set<string>();
  const seenNames = new Set<string>();
  for (const [index, entry] of raw.entries()) {
    const path = `keys[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new InvalidParameterError(path, 'expected an object {key, role, accounts?, name?}');
    }
    const record = entry as Record<string, unknown>;
    for (const field of Object.keys(record)) {
      if (!['key', 'role', 'accounts', 'name'].includes(field)) {
        throw new InvalidParameterError(
          `${path}.${field}`,
          'is not a known field (key, role, accounts, name)',
        );
      }
    }
    const key = record.key;
    if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH) {
      throw new InvalidParameterError(
        `${path}.key`,
        `must be a string of at least ${MIN_KEY_LENGTH} characters`,
        'Generate one with: node -e "console.log(crypto.randomBytes(24).toString(\'base64url\'))"',
      );
    }
    const role = record.role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw new InvalidParameterError(`${path}.role`, `must be one of ${ROLES.join(', ')}`);
    }
    let accounts: string[] | undefined;
    if (record.accounts !== undefined) {
      if (!Array.isArray(record.accounts) || record.accounts.some((a) => typeof a !== 'string' || a === '')) {
        throw new InvalidParameterError(`${path}.accounts`, 'must be an array of non-empty strings');
      }
      accounts = record.accounts as string[];
    }
    if (role === 'user' && (accounts === undefined || accounts.length === 0)) {
      throw new InvalidParameterError(`${path}.accounts`, 'a user key must list the accounts it acts for');
    }
    const name = record.name ?? `${role}-${index}`;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.:@-]{1,64}$/.test(name)) {
      throw new InvalidParameterError(`${path}.name`, 'must be 1–64 characters of letters, digits and _.:@-');
    }
    if (seenKeys.has(key)) throw new InvalidParameterError(`${path}.key`, 'is given twice');
    if (seenNames.has(name)) throw new InvalidParameterError(`${path}.name`, `"${name}" is given twice`);
    seenKeys.add(key);
    seenNames.add(name);
    keys.push({ key, role: role as Role, name, ...(accounts === undefined ? {} : { accounts }) });
  }
  return keys;
}

/**
 * Fresh random keys, one per role except `user` (whose accounts only an operator can know):
 * 24 random bytes each, base64url.
 */
export function generateKeys(): ApiKey[] {
  return (['operator', 'oracle', 'keeper', 'reader'] as const).map((role) => ({
    key: randomBytes(24).toString('base64url'),
    role,
    name: role,
  }));
}

/** SHA-256 of a key (one-shot `crypto.hash`: no Hash object per request). */
const digest = (text: string): Buffer => hash('sha256', text, 'buffer');

/** The server's keys, checked in constant time. */
export class KeyRing {
  private readonly entries: readonly { readonly digest: Buffer; readonly principal: Principal }[];

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map((k) => ({
      digest: digest(k.key),
      principal: {
        name: k.name,
        role: k.role,
        ...(k.accounts === undefined || k.role === 'operator' || k.role === 'reader'
          ? {}
          : { accounts: new Set(k.accounts) }),
      },
    }));
  }

  /**
   * The principal behind an `Authorization` header. Every key's digest is compared (no early
   * exit), with `timingSafeEqual` on SHA-256 digests, so timing says nothing about the keys.
   * @throws UnauthorizedError when the header is missing, not `Bearer <key>`, or the key is unknown.
   */
  authenticate(authorization: string | undefined): Principal {
    if (authorization === undefined || authorization === '')
      throw new UnauthorizedError('no Authorization header');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) throw new UnauthorizedError('the Authorization header is not "Bearer <key>"');
    const presented = digest(match[1] as string);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.principal;
    }
    if (found === undefined) throw new UnauthorizedError('unknown API key');
    return found;
  }
}

/** Every role may read (`reader` is the least a key can be). */
export function requireRead(_principal: Principal): void {}

/**
 * Refuses a command the principal may not send: its role is not allowed for the command's
 * category, or (for a key that lists ids) the command names an id outside the list, or names none
 * at all where it must (a user's command always names one of its accounts).
 * @throws ForbiddenError.
 */
export function authorizeCommand(principal: Principal, command: Readonly<Record<string, unknown>>): void {
  const type = String(command.type);
  const category: CommandCategory = categoryOf(type);
  const allowed = CATEGORY_ROLES[category];
  if (!allowed.includes(principal.role)) {
    throw new ForbiddenError(principal.role, `send ${type} (${category} category)`, allowed);
  }
  const accounts = principal.accounts;
  if (accounts === undefined) return;
  let named = 0;
  for (const field of IDENTITY_FIELDS[category]) {
    if (!Object.hasOwn(command, field)) continue;
    const value = command[field];
    if ((field === 'to' || field === 'from') && (value === 'world' || value === 'wallet')) continue;
    if (typeof value !== 'string' || !accounts.has(value)) {
      throw new ForbiddenError(
        principal.role,
        `name ${field} ${typeof value === 'string' ? `"${value}"` : '(not a string)'} in ${type}`,
        [...accounts].map((a) => `${field} ${a}`),
      );
    }
    named += 1;
  }
  if (category === 'account' && named === 0) {
    throw new ForbiddenError(principal.role, `send ${type} without naming one of its accounts`, ['operator']);
  }
}
