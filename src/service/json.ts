/**
 * JSON as the service speaks it: bigints travel as decimal strings (the engine's field readers
 * accept them), and a command is journaled as canonical text (sorted keys) so the command a
 * replay applies is byte for byte the one the live server applied.
 */
import { InvalidParameterError } from '../engine/errors.js';
import { PersistentMap } from '../engine/persistentMap.js';

/**
 * A value JSON can carry: every bigint as its decimal string, a PersistentMap as the record it
 * stands for, `undefined` fields dropped. Object key order is kept (responses read naturally).
 */
export function toWire(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PersistentMap) return toWire(value.toRecord());
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties: a `__proto__` key stays a key, never a prototype.
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toWire(v)]),
    );
  }
  return value;
}

/** `JSON.stringify` of {@link toWire}. */
export function wireJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function canonical(value: unknown, path: string): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidParameterError(path, 'must be a finite number');
    return value;
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v, i) => canonical(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const entries: [string, unknown][] = [];
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) entries.push([key, canonical(v, path === '' ? key : `${path}.${key}`)]);
    }
    return Object.fromEntries(entries);
  }
  throw new InvalidParameterError(path === '' ? 'command' : path, `cannot be journaled (${typeof value})`);
}

/**
 * The canonical text of a command: keys sorted at every depth, bigints as decimal strings,
 * `undefined` dropped. Equal commands give equal text whatever order their fields were written in.
 * @throws InvalidParameterError naming the field for a value JSON cannot carry (NaN, a function).
 */
export function canonicalCommandText(command: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(canonical(command, ''));
}

/**
 * The canonical form of a command both as text and as the value that text parses back to (a fresh
 * JSON-shaped object: sorted keys, bigints as decimal strings), without parsing it again.
 * @throws as {@link canonicalCommandText}.
 */
export function canonicalCommand(command: Readonly<Record<string, unknown>>): {
  readonly text: string;
  readonly value: Readonly<Record<string, unknown>>;
} {
  const value = canonical(command, '') as Readonly<Record<string, unknown>>;
  return { text: JSON.stringify(value), value };
}

const TAGGED_BIGINT = /^-?\d+n$/;

/**
 * A value JSON can carry with bigints kept distinguishable: a bigint becomes `"<digits>n"`, and a
 * string that would read as one (or starts with `~`) gets a `~` prefix, so {@link fromTagged}
 * restores exactly the original value (bigints included). Used by `?bigint=tagged` on views that
 * programs decide on (the keeper view).
 */
export function toTagged(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string')
    return TAGGED_BIGINT.test(value) || value.startsWith('~') ? `~${value}` : value;
  if (value instanceof PersistentMap) return toTagged(value.toRecord());
  if (Array.isArray(value)) return value.map(toTagged);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toTagged(v)]),
    );
  }
  return value;
}

/** The inverse of {@link toTagged} on parsed JSON: `"<digits>n"` → bigint, `"~x"` → `"x"`. */
export function fromTagged(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('~')) return value.slice(1);
    return TAGGED_BIGINT.test(value) ? BigInt(value.slice(0, -1)) : value;
  }
  if (Array.isArray(value)) return value.map(fromTagged);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromTagged(v)]));
  }
  return value;
}
