/**
 * The engine's batched fold (`evolveAll`, used by `apply`) against the event-by-event fold: for
 * random commands mixing runs of ledger moves (new buckets, emptied buckets, moves to the same
 * bucket, several assets, thousands of accounts so shards and tries split and merge) with model,
 * oracle and listing events, both give deep-equal states with the same canonical JSON and hash,
 * a model event sees the ledger as the sequential fold shows it, and the input state is untouched.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createEngine, type EngineState, type ProtocolModel } from './engine.js';
import { InvalidParameterError } from './errors.js';
import { balanceOf, type Moved } from './ledger.js';
import {
  apply,
  type Command,
  canonicalJson,
  type Decider,
  type EngineEvent,
  type Recorded,
  replay,
  stateHash,
} from './machine.js';

/** What the toy model keeps: every `Noted` event's view of the ledger and the sequence number. */
interface Ext {
  readonly notes: readonly string[];
}

/** One step of a `batch` command, turned into one event by the toy model's decide. */
type Step =
  | {
      readonly kind: 'move';
      readonly asset: string;
      readonly from: string;
      readonly to: string;
      readonly amount: bigint;
    }
  | { readonly kind: 'drain'; readonly asset: string; readonly bucket: string }
  | { readonly kind: 'note'; readonly asset: string; readonly bucket: string }
  | { readonly kind: 'idle' };

/** `0` sorts before the others in a record's own keys (an integer-like key). */
const ASSETS = ['ETH', 'DAI', 'wstETH', '0'] as const;

/**
 * A model whose only command, `batch`, emits one event per step: `Moved` events built directly
 * (also from a bucket to itself, which `moved()` never builds), a whole-balance `drain` that
 * empties a bucket, `Noted` events whose fold reads the ledger and the state's seq, and `Idle`
 * events that leave the model's state as it was.
 */
const toy: ProtocolModel<Ext> = {
  id: 'toy-batch',
  title: 'toy model for the batched fold',
  sources: [],
  commands: ['batch'],
  initialExt: () => ({ notes: [] }),
  decide(state, command) {
    const steps = command.steps as readonly Step[];
    if (steps.length === 0) throw new InvalidParameterError('steps', 'expected at least one step');
    return steps.map((s): EngineEvent => {
      if (s.kind === 'move') {
        const m: Moved = {
          type: 'Moved',
          asset: s.asset,
          from: s.from,
          to: s.to,
          amount: s.amount,
          reason: 't',
        };
        return m;
      }
      if (s.kind === 'drain') {
        // The balance before the command: later steps may make it infeasible (a refusal).
        const amount = balanceOf(state.ledger, s.bucket, s.asset);
        const m: Moved = { type: 'Moved', asset: s.asset, from: s.bucket, to: 'world', amount, reason: 'd' };
        return amount > 0n ? m : { type: 'Idle' };
      }
      if (s.kind === 'note') return { type: 'Noted', asset: s.asset, bucket: s.bucket } as EngineEvent;
      return { type: 'Idle' };
    });
  },
  evolve(state, recorded) {
    const e = recorded.event as EngineEvent & { readonly asset?: string; readonly bucket?: string };
    if (e.type !== 'Noted' || e.asset === undefined || e.bucket === undefined) return state.ext;
    const seen = `${state.seq}:${e.bucket}=${balanceOf(state.ledger, e.bucket, e.asset)}`;
    return { notes: [...state.ext.notes, seen] };
  },
  accountIds: () => [],
  health: (_s, accountId) => ({
    accountId,
    healthWad: 0n,
    liquidatable: false,
    collateralValueWad: 0n,
    debtValueWad: 0n,
  }),
  invariants: () => [],
  liquidationTarget: () => undefined,
};

const engine = createEngine(toy);

/** The same decider without its batched fold: `apply` then folds one event at a time. */
const { evolveAll: _batched, ...sequential } = engine;
const oneByOne: Decider<EngineState<Ext>, Command, EngineEvent> = sequential;

/** Few hot buckets (signed ones included) and many account buckets spread over the shards. */
const bucket = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('world', 'mint', 'protocol', 'insurance', 'acct:a', 'acct:b') },
  { weight: 4, arbitrary: fc.nat({ max: 4_000 }).map((n) => `acct:${n}`) },
);
const asset = fc.constantFrom(...ASSETS);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      asset,
      from: fc.oneof(fc.constantFrom('world', 'mint'), bucket),
      to: bucket,
      amount: fc.bigInt({ min: 1n, max: 1_000n }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(asset, bucket, fc.bigInt({ min: 1n, max: 50n }))
      .map(([a, b, amount]): Step => ({ kind: 'move', asset: a, from: b, to: b, amount })),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drain' as const), asset, bucket }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('note' as const), asset, bucket }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'idle' as const }) },
);
/** Engine commands that make oracle and listing events between the model's. */
const engineCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.constantFrom<Command>(
    { type: 'listAsset', asset: 'ETH', decimals: 18 },
    { type: 'listAsset', asset: 'DAI', decimals: 18 },
    {
      type: 'configureOracle',
      asset: 'ETH',
      config: {
        priceDecimals: 8,
        sources: ['a'],
        minSources: 1,
        staleAfterSeconds: 3600,
        maxSpreadBps: 0n,
        twapWindowSeconds: 0,
        delaySeconds: 0,
      },
    },
  ),
  fc
    .bigInt({ min: 1n, max: 10n ** 12n })
    .map((price): Command => ({ type: 'publishPrice', asset: 'ETH', source: 'a', price })),
  fc
    .bigInt({ min: 1n, max: 100n })
    .map((amount): Command => ({ type: 'fundWallet', actor: 'k', asset: 'ETH', amount })),
);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.array(step, { minLength: 1, maxLength: 10 }).map((steps) => ({ type: 'batch', steps })),
  },
  { weight: 1, arbitrary: engineCommand },
);

/** Seeds the ledger with many funded accounts so that tries are several levels deep. */
function funded(): Command[] {
  const steps: Step[] = [];
  for (let i = 0; i < 3_000; i += 1) {
    steps.push({
      kind: 'move',
      asset: i % 3 === 0 ? 'DAI' : 'ETH',
      from: 'world',
      to: `acct:${i}`,
      amount: 500n,
    });
  }
  return [{ type: 'batch', steps }];
}

/** Applies `command` both ways and checks the results agree; returns the batched result. */
function applyBoth(state: EngineState<Ext>, command: Command, nowSeconds: number) {
  const before = canonicalJson(state);
  let batched: ReturnType<typeof apply<EngineState<Ext>, Command, EngineEvent>> | undefined;
  let batchedError: unknown;
  try {
    batched = apply(engine, state, command, nowSeconds);
  } catch (e) {
    batchedError = e;
  }
  let folded: ReturnType<typeof apply<EngineState<Ext>, Command, EngineEvent>> | undefined;
  let foldedError: unknown;
  try {
    folded = apply(oneByOne, state, command, nowSeconds);
  } catch (e) {
    foldedError = e;
  }
  expect(canonicalJson(state)).toBe(before);
  if (batched === undefined || folded === undefined) {
    expect(batched).toBeUndefined();
    expect(folded).toBeUndefined();
    expect(String(batchedError)).toBe(String(foldedError));
    return undefined;
  }
  expect(batched.events).toEqual(folded.events);
  expect(batched.state).toEqual(folded.state);
  expect(canonicalJson(batched.state)).toBe(canonicalJson(folded.state));
  expect(stateHash(batched.state)).toBe(stateHash(folded.state));
  return batched;
}

describe('createEngine evolveAll (properties)', () => {
  test('behavior: batched apply gives the states and hashes of the event-by-event fold', () => {
    const start = applyBoth(engine.initial(), funded()[0] as Command, 0);
    if (start === undefined) throw new Error('funding was refused');
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 25 }), (commands) => {
        let state = start.state;
        const log: Recorded[] = [...start.events];
        let accepted = 0;
        for (const [i, c] of commands.entries()) {
          const r = applyBoth(state, c, 1 + i);
          if (r === undefined) continue;
          accepted += 1;
          state = r.state;
          log.push(...r.events);
        }
        const rebuilt = replay(engine, log);
        expect(rebuilt).toEqual(state);
        expect(stateHash(rebuilt)).toBe(stateHash(state));
        return accepted >= 0;
      }),
      { numRuns: 60 },
    );
  });

  test('behavior: a model event sees the moves before it in the same command', () => {
    const r = apply(
      engine,
      engine.initial(),
      {
        type: 'batch',
        steps: [
          { kind: 'move', asset: 'ETH', from: 'world', to: 'acct:x', amount: 7n },
          { kind: 'move', asset: 'ETH', from: 'acct:x', to: 'acct:y', amount: 2n },
          { kind: 'note', asset: 'ETH', bucket: 'acct:x' },
          { kind: 'move', asset: 'ETH', from: 'acct:x', to: 'acct:y', amount: 5n },
          { kind: 'note', asset: 'ETH', bucket: 'acct:x' },
          { kind: 'note', asset: 'ETH', bucket: 'acct:y' },
        ],
      },
      3,
    );
    // 7 in, 2 out: 5 at the first note (event 3); emptied by event 4; y holds 2 + 5.
    expect(r.state.ext.notes).toEqual(['3:acct:x=5', '5:acct:x=0', '6:acct:y=7']);
    expect(r.state.seq).toBe(6);
    expect(r.state.timeSeconds).toBe(3);
  });

  test('behavior: a state with extra or reordered fields keeps them (copied by spreads)', () => {
    const base = engine.initial();
    const { protocol, ...rest } = base;
    const shapes = [
      { ...base, note: 'kept' },
      { ...rest, protocol },
    ];
    const batch: Command = {
      type: 'batch',
      steps: [
        { kind: 'move', asset: 'ETH', from: 'world', to: 'acct:x', amount: 3n },
        { kind: 'move', asset: 'DAI', from: 'mint', to: 'acct:x', amount: 4n },
        { kind: 'note', asset: 'ETH', bucket: 'acct:x' },
      ],
    };
    for (const shaped of shapes) {
      const batched = apply(engine, shaped, batch, 1);
      const folded = apply(oneByOne, shaped, batch, 1);
      expect(batched.state).toEqual(folded.state);
      expect(Object.keys(batched.state)).toEqual(Object.keys(folded.state));
      expect(Object.keys(batched.state)).toEqual(Object.keys(shaped));
      expect(balanceOf(batched.state.ledger, 'acct:x', 'DAI')).toBe(4n);
    }
    expect((apply(engine, shapes[0] as EngineState<Ext>, batch, 1).state as { note?: string }).note).toBe(
      'kept',
    );
  });
});
