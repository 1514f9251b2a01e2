/**
 * An immutable string-keyed map whose `set` and `delete` copy O(log₃₂ n) small nodes instead of the
 * whole map (a hash array mapped trie), for per-account state that changes one account at a time.
 * Its shape depends only on its contents, never on the order keys were added or removed, and it
 * serializes (canonicalJson, JSON.stringify) as the plain record it stands for, keys sorted.
 */

/** Bits of the hash consumed per level (32 children per branch). */
const BITS = 5;
const MASK = (1 << BITS) - 1;

/** A key with its value and its hash. */
interface Leaf<V> {
  readonly kind: 0;
  readonly hash: number;
  readonly key: string;
  readonly value: V;
}

/** Keys whose 32-bit hashes are equal, sorted by key (at least two). */
interface Collision<V> {
  readonly kind: 1;
  readonly hash: number;
  readonly leaves: readonly Leaf<V>[];
}

/** An interior node: `bitmap` marks which of the 32 slots hold a child; `children` in slot order. */
interface Branch<V> {
  readonly kind: 2;
  readonly bitmap: number;
  readonly children: readonly TrieNode<V>[];
}

type TrieNode<V> = Leaf<V> | Collision<V> | Branch<V>;

/**
 * FNV-1a (32-bit, unsigned) over the UTF-16 code units of `key`: the first half of {@link keyHash},
 * exported so that a caller that also needs FNV of the key for something else (the ledger's shard)
 * hashes the string once and finishes with {@link mixHash}. Never throws.
 */
export function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The murmur3 32-bit finalizer of an FNV-1a hash: `keyHash(k) === mixHash(fnv1a(k))`. Never throws. */
export function mixHash(fnv: number): number {
  let h = fnv;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The 32-bit hash a {@link PersistentMap} files `key` under: FNV-1a over its UTF-16 code units, then
 * the murmur3 finalizer so that every bit (the trie reads five at a time) depends on every
 * character. Exported so tests can find keys that collide. Never throws.
 */
export function keyHash(key: string): number {
  return mixHash(fnv1a(key));
}

/** Number of set bits of a 32-bit integer. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

const EMPTY_BRANCH: Branch<never> = Object.freeze({ kind: 2, bitmap: 0, children: Object.freeze([]) });

function leafOf<V>(hash: number, key: string, value: V): Leaf<V> {
  return { kind: 0, hash, key, value };
}

/** The 5-bit slot of `hash` at `shift` (shifts run 0, 5, …, 30; the last level reads 2 bits). */
const slotOf = (hash: number, shift: number): number => (hash >>> shift) & MASK;

/**
 * The node holding two entries with different hashes, starting at `shift`: a branch with both, or
 * (while their slots agree) a chain of one-child branches down to where they differ.
 */
function pair<V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): Branch<V> {
  const sa = slotOf(a.hash, shift);
  const sb = slotOf(b.hash, shift);
  if (sa === sb) return { kind: 2, bitmap: 1 << sa, children: [pair(a, b, shift + BITS)] };
  return {
    kind: 2,
    bitmap: (1 << sa) | (1 << sb),
    children: sa < sb ? [a, b] : [b, a],
  };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether the last {@link insert} added a new key (rather than replacing a value). A module-level
 * flag instead of a result object per trie level: insert runs synchronously and the flag is read
 * right after it returns, so nothing else can see or change it in between.
 */
let insertAdded = false;

/** The node with `leaf` inserted (the same node when it already holds that very value); sets {@link insertAdded}. */
function insert<V>(node: TrieNode<V>, shift: number, leaf: Leaf<V>): TrieNode<V> {
  if (node.kind === 2) {
    const bit = 1 << slotOf(leaf.hash, shift);
    const index = popcount(node.bitmap & (bit - 1));
    const old = node.children;
    if ((node.bitmap & bit) === 0) {
      const children = old.slice();
      children.splice(index, 0, leaf);
      insertAdded = true;
      return { kind: 2, bitmap: node.bitmap | bit, children };
    }
    const child = old[index] as TrieNode<V>;
    const next = insert(child, shift + BITS, leaf);
    if (next === child) return node;
    const children = old.slice();
    children[index] = next;
    return { kind: 2, bitmap: node.bitmap, children };
  }
  if (node.kind === 0) {
    if (node.key === leaf.key) {
      insertAdded = false;
      return Object.is(node.value, leaf.value) ? node : leaf;
    }
    insertAdded = true;
    if (node.hash === leaf.hash) {
      const leaves = compareKeys(node.key, leaf.key) < 0 ? [node, leaf] : [leaf, node];
      return { kind: 1, hash: node.hash, leaves };
    }
    return pair(node, leaf, shift);
  }
  if (node.hash !== leaf.hash) {
    insertAdded = true;
    return pair(node, leaf, shift);
  }
  const at = node.leaves.findIndex((l) => compareKeys(l.key, leaf.key) >= 0);
  const leaves = node.leaves.slice();
  const found = at >= 0 ? (leaves[at] as Leaf<V>) : undefined;
  if (found !== undefined && found.key === leaf.key) {
    insertAdded = false;
    if (Object.is(found.value, leaf.value)) return node;
    leaves[at] = leaf;
    return { kind: 1, hash: node.hash, leaves };
  }
  leaves.splice(at < 0 ? leaves.length : at, 0, leaf);
  insertAdded = true;
  return { kind: 1, hash: node.hash, leaves };
}

/**
 * Removes `key`; returns the same node when it is absent, undefined when nothing is left. A branch
 * left with a single leaf or collision is replaced by it, so the shape stays canonical.
 */
function remove<V>(node: TrieNode<V>, shift: number, hash: number, key: string): TrieNode<V> | undefined {
  if (node.kind === 0) return node.key === key ? undefined : node;
  if (node.kind === 1) {
    if (node.hash !== hash) return node;
    const leaves = node.leaves.filter((l) => l.key !== key);
    if (leaves.length === node.leaves.length) return node;
    return leaves.length === 1 ? leaves[0] : { kind: 1, hash, leaves };
  }
  const bit = 1 << slotOf(hash, shift);
  if ((node.bitmap & bit) === 0) return node;
  const index = popcount(node.bitmap & (bit - 1));
  const child = node.children[index] as TrieNode<V>;
  const next = remove(child, shift + BITS, hash, key);
  if (next === child) return node;
  if (next === undefined) {
    const bitmap = node.bitmap & ~bit;
    if (bitmap === 0) return undefined;
    const children = node.children.filter((_, i) => i !== index);
    const only = children[0] as TrieNode<V>;
    if (children.length === 1 && only.kind !== 2) return only;
    return { kind: 2, bitmap, children };
  }
  if (node.children.length === 1 && next.kind !== 2) return next;
  const children = node.children.slice();
  children[index] = next;
  return { kind: 2, bitmap: node.bitmap, children };
}

function lookup<V>(root: Branch<V>, hash: number, key: string): Leaf<V> | undefined {
  let node: TrieNode<V> = root;
  let shift = 0;
  for (;;) {
    if (node.kind === 2) {
      const bit = 1 << slotOf(hash, shift);
      if ((node.bitmap & bit) === 0) return undefined;
      node = node.children[popcount(node.bitmap & (bit - 1))] as TrieNode<V>;
      shift += BITS;
      continue;
    }
    if (node.kind === 0) return node.key === key ? node : undefined;
    if (node.hash !== hash) return undefined;
    return node.leaves.find((l) => l.key === key);
  }
}

function walk<V>(node: TrieNode<V>, visit: (leaf: Leaf<V>) => void): void {
  if (node.kind === 0) visit(node);
  else if (node.kind === 1) for (const l of node.leaves) visit(l);
  else for (const c of node.children) walk(c, visit);
}

/**
 * An immutable map from strings to `V`. Every method leaves the map untouched; `set` and `delete`
 * return a new map sharing all but O(log₃₂ n) nodes with the old one (the same map when nothing
 * changes). Keys are compared as strings, so `__proto__` or `constructor` are ordinary keys.
 * Two maps with the same entries have the same internal shape (a deep-equality check sees them
 * equal) and the same canonical JSON, however they were built.
 */
export class PersistentMap<V> {
  /** Number of entries. */
  readonly size: number;
  /** The trie (internal; a plain property so that deep-equality checks compare contents). */
  private readonly root: Branch<V>;

  private constructor(root: Branch<V>, size: number) {
    this.root = root;
    this.size = size;
  }

  /** The empty map. */
  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(EMPTY_BRANCH as Branch<V>, 0);
  }

  /** A map of the given entries (a later duplicate key wins). */
  static fromEntries<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [k, v] of entries) map = map.set(k, v);
    return map;
  }

  /** A map of a record's own enumerable entries. */
  static fromRecord<V>(record: Readonly<Record<string, V>>): PersistentMap<V> {
    return PersistentMap.fromEntries(Object.entries(record));
  }

  /** The value of `key`, or undefined when absent. */
  get(key: string): V | undefined {
    return lookup(this.root, keyHash(key), key)?.value;
  }

  /**
   * {@link get} with the key's hash already computed (`hash` must be `keyHash(key)`; a wrong hash
   * reads as absent). For callers that derive other things from the same FNV pass (the ledger).
   */
  getHashed(key: string, hash: number): V | undefined {
    return lookup(this.root, hash, key)?.value;
  }

  /** Whether `key` is present (also when its value is undefined). */
  has(key: string): boolean {
    return lookup(this.root, keyHash(key), key) !== undefined;
  }

  /** A map with `key` set to `value` (this map when it already holds that very value). */
  set(key: string, value: V): PersistentMap<V> {
    return this.setHashed(key, keyHash(key), value);
  }

  /** {@link set} with `hash` = `keyHash(key)` already computed (a wrong hash corrupts the map). */
  setHashed(key: string, hash: number, value: V): PersistentMap<V> {
    const root = insert(this.root, 0, leafOf(hash, key, value));
    if (root === this.root) return this;
    return new PersistentMap(root as Branch<V>, insertAdded ? this.size + 1 : this.size);
  }

  /** A map without `key` (this map when it is absent). */
  delete(key: string): PersistentMap<V> {
    return this.deleteHashed(key, keyHash(key));
  }

  /** {@link delete} with `hash` = `keyHash(key)` already computed (a wrong hash deletes nothing). */
  deleteHashed(key: string, hash: number): PersistentMap<V> {
    const bit = 1 << slotOf(hash, 0);
    if ((this.root.bitmap & bit) === 0) return this;
    const index = popcount(this.root.bitmap & (bit - 1));
    const child = this.root.children[index] as TrieNode<V>;
    const next = remove(child, BITS, hash, key);
    if (next === child) return this;
    const children = this.root.children.slice();
    let bitmap = this.root.bitmap;
    if (next === undefined) {
      children.splice(index, 1);
      bitmap &= ~bit;
    } else children[index] = next;
    return new PersistentMap<V>({ kind: 2, bitmap, children }, this.size - 1);
  }

  /** Calls `visit` on every entry in the map's internal order (deterministic, not sorted). Cheapest walk. */
  forEach(visit: (value: V, key: string) => void): void {
    walk(this.root, (l) => visit(l.value, l.key));
  }

  /** Every key, sorted (by UTF-16 code units, as `Array.prototype.sort`). */
  keys(): string[] {
    const out: string[] = [];
    walk(this.root, (l) => out.push(l.key));
    return out.sort();
  }

  /** Every `[key, value]`, sorted by key. */
  entries(): [string, V][] {
    const out: [string, V][] = [];
    walk(this.root, (l) => out.push([l.key, l.value]));
    return out.sort((a, b) => compareKeys(a[0], b[0]));
  }

  /** Every value, in key order. */
  values(): V[] {
    return this.entries().map(([, v]) => v);
  }

  /** The plain record this map stands for (own properties, keys inserted in sorted order). */
  toRecord(): Record<string, V> {
    return Object.fromEntries(this.entries());
  }

  /** JSON.stringify writes the map as its record. */
  toJSON(): Record<string, V> {
    return this.toRecord();
  }

  /**
   * Calls `change(key, before, after)` for every key whose value differs (`!==`, so bigints
   * compare by value) between `before` and `after`; undefined stands for absent. Subtrees the two
   * maps share are skipped, so the cost is proportional to what changed, not to the size.
   */
  static diff<V>(
    before: PersistentMap<V>,
    after: PersistentMap<V>,
    change: (key: string, before: V | undefined, after: V | undefined) => void,
  ): void {
    diffNodes(before.root, after.root, change);
  }
}

function diffNodes<V>(
  a: TrieNode<V> | undefined,
  b: TrieNode<V> | undefined,
  change: (key: string, before: V | undefined, after: V | undefined) => void,
): void {
  if (a === b) return;
  if (a !== undefined && b !== undefined && a.kind === 2 && b.kind === 2) {
    if (a.bitmap === b.bitmap) {
      // Same slots (the usual case): children line up; descend only where they differ.
      for (let i = 0; i < a.children.length; i++) {
        const ca = a.children[i];
        const cb = b.children[i];
        if (ca !== cb) diffNodes(ca, cb, change);
      }
      return;
    }
    let bits = a.bitmap | b.bitmap;
    while (bits !== 0) {
      const bit = bits & -bits;
      bits ^= bit;
      const ca = (a.bitmap & bit) === 0 ? undefined : a.children[popcount(a.bitmap & (bit - 1))];
      const cb = (b.bitmap & bit) === 0 ? undefined : b.children[popcount(b.bitmap & (bit - 1))];
      if (ca !== cb) diffNodes(ca, cb, change);
    }
    return;
  }
  if (a !== undefined && b !== undefined && a.kind === 0 && b.kind === 0) {
    // Two leaves (the common case: one key's value changed).
    if (a.key === b.key) {
      if (a.value !== b.value) change(a.key, a.value, b.value);
    } else {
      change(a.key, a.value, undefined);
      change(b.key, undefined, b.value);
    }
    return;
  }
  // One side absent (a key or subtree added or removed): report it whole, in walk order.
  if (a === undefined) {
    if (b !== undefined) walk(b, (l) => change(l.key, undefined, l.value));
    return;
  }
  if (b === undefined) {
    walk(a, (l) => change(l.key, l.value, undefined));
    return;
  }
  // A single leaf before (the commonest remaining case: a slot's only key, then a branch or
  // collision holding it and the keys that joined it): b's entries in walk order, then a's key if
  // it is gone. The general case below reports the same changes in the same order.
  if (a.kind === 0) {
    let seen = false;
    walk(b, (l) => {
      if (l.key === a.key) {
        seen = true;
        if (a.value !== l.value) change(l.key, a.value, l.value);
      } else change(l.key, undefined, l.value);
    });
    if (!seen) change(a.key, a.value, undefined);
    return;
  }
  // A single leaf after (a slot's keys but one removed): its change first, then a's other keys.
  if (b.kind === 0) {
    let had = false;
    let old: V | undefined;
    walk(a, (l) => {
      if (l.key === b.key) {
        had = true;
        old = l.value;
      }
    });
    if (!had || old !== b.value) change(b.key, old, b.value);
    walk(a, (l) => {
      if (l.key !== b.key) change(l.key, l.value, undefined);
    });
    return;
  }
  // Collisions against collisions or branches: compare the (small) entry sets.
  const left = new Map<string, V>();
  walk(a, (l) => left.set(l.key, l.value));
  walk(b, (l) => {
    const had = left.has(l.key);
    const old = left.get(l.key);
    left.delete(l.key);
    if (!had || old !== l.value) change(l.key, had ? old : undefined, l.value);
  });
  for (const [key, old] of left) change(key, old, undefined);
}
