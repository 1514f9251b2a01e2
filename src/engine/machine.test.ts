import { describe, expect, test } from 'vitest';
import { ClockWentBackwardsError, InvalidParameterError } from './errors.js';
import {
  apply,
  type Command,
  canonicalJson,
  type Decider,
  type Recorded,
  replay,
  stateHash,
} from './machine.js';

interface Counter {
  readonly seq: number;
  readonly t: number;
  readonly total: bigint;
  readonly history: readonly bigint[];
}
type Added = { readonly type: 'Added'; readonly amount: bigint };

const counter: Decider<Counter, Command, Added> = {
  initial: () => ({ seq: 0, t: 0, total: 0n, history: [] }),
  seqOf: (s) => s.seq,
  timeOf: (s) => s.t,
  decide(state, command) {
    const amount = BigInt(command.amount as string);
    if (state.total + amount < 0n) throw new InvalidParameterError('amount', 'total would go negative');
    return amount === 0n
      ? []
      : [
          { type: 'Added', amount },
          { type: 'Added', amount: 0n },
        ];
  },
  evolve: (s, r: Recorded<Added>) => ({
    seq: r.seq,
    t: r.atSeconds,
    total: s.total + r.event.amount,
    history: [...s.history, r.event.amount],
  }),
};

describe('apply', () => {
  test('default: events are numbered, stamped and folded', () => {
    const { state, events } = apply(counter, counter.initial(), { type: 'add', amount: '5' }, 10);
    expect(events.map((e) => [e.seq, e.atSeconds])).toEqual([
      [1, 10],
      [2, 10],
    ]);
    expect(state.total).toBe(5n);
  });
  test('behavior: a refusal leaves the input state as it was', () => {
    const s0 = apply(counter, counter.initial(), { type: 'add', amount: '5' }, 1).state;
    const before = stateHash(s0);
    expect(() => apply(counter, s0, { type: 'add', amount: '-9' }, 2)).toThrow(InvalidParameterError);
    expect(stateHash(s0)).toBe(before);
  });
  test('error: time may not go backwards, and must be whole seconds', () => {
    const s1 = apply(counter, counter.initial(), { type: 'add', amount: '1' }, 100).state;
    expect(() => apply(counter, s1, { type: 'add', amount: '1' }, 99)).toThrow(ClockWentBackwardsError);
    expect(() => apply(counter, s1, { type: 'add', amount: '1' }, 100.5)).toThrow(InvalidParameterError);
  });
});

describe('replay', () => {
  test('default: the log rebuilds a state with the same hash', () => {
    let s = counter.initial();
    const log: Recorded<Added>[] = [];
    for (const [i, a] of ['3', '4', '-2', '0', '10'].entries()) {
      const r = apply(counter, s, { type: 'add', amount: a }, i * 7);
      s = r.state;
      log.push(...r.events);
    }
    const rebuilt = replay(counter, log);
    expect(stateHash(rebuilt)).toBe(stateHash(s));
    expect(rebuilt.total).toBe(15n);
  });
});

describe('canonicalJson', () => {
  test('default: key order does not matter, bigints are tagged', () => {
    expect(canonicalJson({ b: 1n, a: [2n, 'x'] })).toBe('{"a":["2n","x"],"b":"1n"}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
  test('behavior: a bigint and its decimal string hash differently', () => {
    expect(stateHash({ x: 1n })).not.toBe(stateHash({ x: '1' }));
  });
  test('behavior: undefined fields are dropped', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});
