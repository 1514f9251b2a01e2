/**
 * Tests of the parts of the queue transport that need no Redis: the JSON codec (exact encodings by
 * hand, round trips by fast-check), the `redis://` URL reader, queue names, the `--queue` flags and
 * the unit size of a queued run. The Redis side is `npm run test:redis` (test/queue/).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../engine/errors.js';
import { planSweep, type SweepSpec } from '../sim/sweep.js';
import {
  checkQueueName,
  DEFAULT_QUEUE_NAME,
  decodeJson,
  encodeJson,
  parseQueueUrl,
  QUEUE_TLS_ENV,
  QueueConnectionError,
  QueueEncodingError,
  queuePathsPerUnit,
  queueTlsOptions,
  queueUrlText,
  readQueueFlags,
  specContentId,
} from './queue.js';

/** Whether a JSON value is written the same by JSON.stringify and encodeJson (no -0, no `$` key). */
function plainJson(value: unknown): boolean {
  if (typeof value === 'number') return !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(plainJson);
  if (typeof value === 'object' && value !== null) {
    return !Object.hasOwn(value, '$') && Object.values(value).every(plainJson);
  }
  return true;
}

describe('encodeJson', () => {
  test('default: plain JSON data is written exactly as JSON.stringify writes it', () => {
    expect(encodeJson({ protocol: 'maker-liq2', seed: 7, knobs: [{ knob: 'x', values: [1.5, 'a'] }] })).toBe(
      '{"protocol":"maker-liq2","seed":7,"knobs":[{"knob":"x","values":[1.5,"a"]}]}',
    );
    fc.assert(
      fc.property(fc.jsonValue().filter(plainJson), (value) => encodeJson(value) === JSON.stringify(value)),
    );
  });

  test('behavior: bigint, the numbers JSON cannot write, undefined and `$` keys are tagged', () => {
    expect(encodeJson(10n ** 30n)).toBe('{"$":"bigint","v":"1000000000000000000000000000000"}');
    expect(encodeJson({ debtWad: -1n })).toBe('{"debtWad":{"$":"bigint","v":"-1"}}');
    expect(encodeJson([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0])).toBe(
      '[{"$":"number","v":"NaN"},{"$":"number","v":"Infinity"},{"$":"number","v":"-Infinity"},{"$":"number","v":"-0"},0]',
    );
    expect(encodeJson({ a: undefined, b: [undefined] })).toBe(
      '{"a":{"$":"undefined"},"b":[{"$":"undefined"}]}',
    );
    // An object that looks like a tag is wrapped, so it cannot be read as one.
    expect(encodeJson({ $: 'bigint', v: '1' })).toBe('{"$":"object","v":{"$":"bigint","v":"1"}}');
  });

  test('error: what is not plain data is refused with where it is', () => {
    class Point {
      readonly x = 1;
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: [unknown, string][] = [
      [{ m: new Map() }, '$.m'],
      [[new Set()], '$[0]'],
      [{ at: new Date(0) }, '$.at'],
      [{ p: new Point() }, '$.p'],
      [{ f: () => 1 }, '$.f'],
      [Symbol('s'), '$'],
      [{ [Symbol('k')]: 1 }, '$'],
      [cycle, '$.self'],
      [new Uint8Array(2), '$'],
    ];
    for (const [value, path] of cases) {
      expect(() => encodeJson(value)).toThrow(QueueEncodingError);
      try {
        encodeJson(value);
      } catch (error) {
        expect((error as QueueEncodingError).path).toBe(path);
      }
    }
  });
});

describe('decodeJson', () => {
  test('default: gives back exactly what encodeJson took (fast-check)', () => {
    // Leaves include -0, NaN, ±Infinity, bigint and undefined; keys include the tag `$`, its `v`
    // and `__proto__`, so values that look like tags are generated often.
    const value = fc.anything({
      key: fc.oneof(fc.string(), fc.constantFrom('$', 'v', '__proto__')),
      values: [
        fc.double(),
        fc.constantFrom(-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
        fc.bigInt(),
        fc.integer(),
        fc.string(),
        fc.constantFrom('bigint', 'number', 'undefined', 'object', 'NaN', '-0'),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
      ],
    });
    fc.assert(
      fc.property(value, (v) => {
        expect(decodeJson(encodeJson(v))).toStrictEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  test('behavior: -0, NaN and bigint beyond 2^64 come back exactly; __proto__ stays an own key', () => {
    const value = decodeJson(encodeJson({ z: -0, n: Number.NaN, big: -(2n ** 200n) })) as Record<
      string,
      unknown
    >;
    expect(Object.is(value.z, -0)).toBe(true);
    expect(Number.isNaN(value.n)).toBe(true);
    expect(value.big).toBe(-(2n ** 200n));
    const proto = decodeJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.hasOwn(proto, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('behavior: a sweep spec round-trips and plans the same units; its content id is its sha256', () => {
    const spec: SweepSpec = {
      protocol: 'maker-liq2',
      source: { scenario: 'black-thursday-2020' },
      seed: 7,
      accounts: 40,
      paths: 6,
      knobs: [{ knob: 'params.ilks.ETH-A.chopWad', values: ['1.05e18', 1.13e18] }],
      base: {
        book: {
          accounts: [{ id: 'a', collateral: [{ asset: 'ETH', amountWhole: 1.5 }], debtUsd: 900 }],
          description: 'one',
        },
      },
    };
    const text = encodeJson(spec);
    expect(decodeJson(text)).toStrictEqual(spec);
    expect(planSweep(decodeJson(text) as SweepSpec)).toStrictEqual(planSweep(spec));
    // FIPS 180-2 test vector: sha256("abc").
    expect(specContentId('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('error: text that is not JSON, or a malformed tag, is refused', () => {
    for (const text of [
      '{',
      '{"$":"bigint","v":"1.5"}',
      '{"$":"bigint","v":1}',
      '{"$":"bigint","v":"1","w":2}',
      '{"$":"number","v":"5"}',
      '{"$":"object","v":[1]}',
      '{"$":"undefined","v":1}',
      '[{"$":"nope"}]',
    ]) {
      expect(() => decodeJson(text), text).toThrow(QueueEncodingError);
    }
  });
});

describe('parseQueueUrl', () => {
  test('default', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6379')).toEqual({ host: '127.0.0.1', port: 6379, db: 0 });
  });

  test('behavior: user, password (percent-decoded), database, default port, IPv6 and names', () => {
    expect(parseQueueUrl('redis://team:p%40ss%3Aw@redis.internal:7000/3')).toEqual({
      host: 'redis.internal',
      port: 7000,
      db: 3,
      username: 'team',
      password: 'p@ss:w',
    });
    expect(parseQueueUrl('redis://:secret@localhost/')).toEqual({
      host: 'localhost',
      port: 6379,
      db: 0,
      password: 'secret',
    });
    expect(parseQueueUrl('redis://[::1]:6380/1')).toEqual({ host: '::1', port: 6380, db: 1 });
  });

  test('behavior: rediss:// is TLS, and its text says so (the password hidden)', () => {
    const tls = parseQueueUrl('rediss://team:pw@redis.internal:6380/2');
    expect(tls).toEqual({
      host: 'redis.internal',
      port: 6380,
      db: 2,
      username: 'team',
      password: 'pw',
      tls: true,
    });
    expect(queueUrlText(tls)).toBe('rediss://team:***@redis.internal:6380/2');
    expect(queueUrlText(parseQueueUrl('redis://127.0.0.1'))).toBe('redis://127.0.0.1:6379/0');
  });

  test('error: other schemes, no host, bad ports, paths, queries: InvalidParameterError naming --queue', () => {
    for (const text of [
      'http://127.0.0.1:6379',
      'rediss://',
      '127.0.0.1:6379',
      'redis://',
      'redis://:6379',
      'redis://127.0.0.1:0',
      'redis://127.0.0.1:65536',
      'redis://127.0.0.1:port',
      'redis://127.0.0.1:6379/db',
      'redis://127.0.0.1:6379/1/2',
      'redis://127.0.0.1:6379?db=1',
      'redis://127.0.0.1:6379#x',
      '',
    ]) {
      expect(() => parseQueueUrl(text), text).toThrow(InvalidParameterError);
      try {
        parseQueueUrl(text);
      } catch (error) {
        expect((error as InvalidParameterError).field).toBe('--queue');
      }
    }
  });

  test('error: a refused URL does not repeat its password', () => {
    try {
      parseQueueUrl('redis://u:hunter2@127.0.0.1:6379/x');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidParameterError);
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });
});

describe('queueUrlText', () => {
  test('default: the URL with host, port and database; a password shown as ***', () => {
    expect(queueUrlText({ host: '127.0.0.1', port: 6379, db: 0 })).toBe('redis://127.0.0.1:6379/0');
    expect(queueUrlText({ host: 'h', port: 1, db: 2, username: 'u', password: 'secret' })).toBe(
      'redis://u:***@h:1/2',
    );
    expect(queueUrlText({ host: '::1', port: 6380, db: 0 })).toBe('redis://[::1]:6380/0');
  });

  test('behavior: reads back as the same connection when there is no password', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('127.0.0.1', 'localhost', 'redis.example', '::1'),
        fc.integer({ min: 1, max: 65_535 }),
        fc.integer({ min: 0, max: 1_000 }),
        (host, port, db) => {
          expect(parseQueueUrl(queueUrlText({ host, port, db }))).toEqual({ host, port, db });
        },
      ),
    );
  });
});

describe('checkQueueName', () => {
  test('default', () => {
    expect(checkQueueName(DEFAULT_QUEUE_NAME)).toBe('solvent-sweeps');
    expect(checkQueueName('team_a.v2')).toBe('team_a.v2');
  });

  test('error: empty, too long, or with characters Redis keys would mix up', () => {
    for (const name of ['', 'a:b', 'a b', 'x'.repeat(101), 'é']) {
      expect(() => checkQueueName(name), name).toThrow(InvalidParameterError);
    }
  });
});

describe('readQueueFlags', () => {
  test('default: no --queue, no queue', () => {
    expect(readQueueFlags({})).toBeUndefined();
  });

  test('behavior: --queue with its name and timeout', () => {
    expect(readQueueFlags({ queue: 'redis://h:1' })).toEqual({
      url: 'redis://h:1',
      queueName: 'solvent-sweeps',
    });
    expect(readQueueFlags({ queue: 'redis://h:1', queueName: 'mine', queueTimeout: '600' })).toEqual({
      url: 'redis://h:1',
      queueName: 'mine',
      timeoutSeconds: 600,
    });
  });

  test('error: --workers with --queue, queue flags without --queue, bad timeout or name', () => {
    const field = (flags: Parameters<typeof readQueueFlags>[0]): string => {
      try {
        readQueueFlags(flags);
      } catch (error) {
        if (error instanceof InvalidParameterError) return error.field;
        throw error;
      }
      throw new Error('not refused');
    };
    expect(field({ queue: 'redis://h:1', workers: '2' })).toBe('--workers');
    expect(field({ queueName: 'x' })).toBe('--queue-name');
    expect(field({ queueTimeout: '5' })).toBe('--queue-timeout');
    expect(field({ queue: 'redis://h:1', queueTimeout: '0' })).toBe('--queue-timeout');
    expect(field({ queue: 'redis://h:1', queueTimeout: '1.5' })).toBe('--queue-timeout');
    expect(field({ queue: 'redis://h:1', queueName: 'a:b' })).toBe('--queue-name');
    expect(field({ queue: 'http://h:1' })).toBe('--queue');
  });
});

describe('queuePathsPerUnit', () => {
  test('default: small runs get one path per unit; large ones about 256 units', () => {
    expect(queuePathsPerUnit(6, 3)).toBe(1);
    // 1000 paths × 1 point: ⌈1000/256⌉ = 4 paths per unit, so 250 units.
    expect(queuePathsPerUnit(1000, 1)).toBe(4);
    expect(queuePathsPerUnit(1, 10_000)).toBe(1);
  });

  test('behavior: between 1 and paths, and never more than 256 + points units when units hold several paths', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        (paths, points) => {
          const perUnit = queuePathsPerUnit(paths, points);
          expect(perUnit).toBeGreaterThanOrEqual(1);
          expect(perUnit).toBeLessThanOrEqual(paths);
          if (perUnit > 1) expect(points * Math.ceil(paths / perUnit)).toBeLessThanOrEqual(256 + points);
        },
      ),
    );
  });
});

describe('queueTlsOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'solvent-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('default: a host name is checked against the certificate; an IP address by Node itself', () => {
    expect(queueTlsOptions(parseQueueUrl('rediss://redis.internal'), {})).toEqual({
      servername: 'redis.internal',
    });
    expect(queueTlsOptions(parseQueueUrl('rediss://127.0.0.1'), {})).toEqual({});
  });

  test('behavior: the CA, certificate and key files the environment names are read', () => {
    const files = { ca: 'ca.pem', cert: 'client.pem', key: 'client.key' } as const;
    for (const [k, f] of Object.entries(files)) writeFileSync(join(dir, f), `${k} pem`);
    const env = {
      [QUEUE_TLS_ENV.ca]: join(dir, files.ca),
      [QUEUE_TLS_ENV.cert]: join(dir, files.cert),
      [QUEUE_TLS_ENV.key]: join(dir, files.key),
    };
    const options = queueTlsOptions(parseQueueUrl('rediss://h'), env);
    expect([options.ca, options.cert, options.key].map(String)).toEqual(['ca pem', 'cert pem', 'key pem']);
  });

  test('error: a file that cannot be read is named with its variable, as a connection error', () => {
    const missing = join(dir, 'missing.pem');
    try {
      queueTlsOptions(parseQueueUrl('rediss://h'), { [QUEUE_TLS_ENV.ca]: missing });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(QueueConnectionError);
      expect((error as Error).message).toContain(`${QUEUE_TLS_ENV.ca}=${missing} cannot be read`);
      expect((error as Error).message).toContain('rediss://h:6379/0');
    }
  });
});
