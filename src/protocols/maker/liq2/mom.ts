/**
 * The ClipperMom (makerdao/clipper-mom src/ClipperMom.sol): governance sets a Clipper's breaker
 * level with a lock, and anyone may trip level 2 when the OSM's queued next price falls below
 * `tolerance` of the current one.
 */
import type { EngineState } from '../../../engine/engine.js';
import { ProtocolRevertError, StaleOraclePriceError } from '../../../engine/errors.js';
import { readInt, readIntOr, readString } from '../../../engine/fields.js';
import type { Command, EngineEvent } from '../../../engine/machine.js';
import { delayedPrice, nextDelayedPrice } from '../../../engine/oracle.js';
import { breakerTrips } from '../math/clipper.js';
import { emit, readingToWad, requireIlkParams } from '../vat.js';
import { requireClip } from './dog.js';
import type { BreakerSet, Liq2Ext } from './state.js';

type State = EngineState<Liq2Ext>;

/**
 * `setBreaker {ilk, level, delaySeconds?}` (governance; ClipperMom.setBreaker): `level ≤ 3`
 * ("ClipperMom/nonexistent-level"); sets `stopped` and locks `tripBreaker` until
 * `now + delaySeconds` (default 0).
 * @throws ProtocolRevertError; InvalidParameterError for malformed fields.
 */
export function decideSetBreaker(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const ilk = readString(command, 'ilk');
  requireClip(state.ext, ilk);
  const level = readInt(command, 'level', 'level', { min: 0 });
  if (level > 3)
    throw new ProtocolRevertError('ClipperMom/nonexistent-level', 'Breaker levels are 0, 1, 2 and 3.');
  const delaySeconds = readIntOr(command, 'delaySeconds', 0, 'delaySeconds', { min: 0, max: 2 ** 48 });
  return [
    emit<BreakerSet>({
      type: 'BreakerSet',
      ilk,
      level,
      by: 'governance',
      lockedUntilSeconds: nowSeconds + delaySeconds,
    }),
  ];
}

/**
 * `tripBreaker {ilk}` (permissionless; ClipperMom.tripBreaker), checks in the contract's order:
 * `stopped < 2` ("ClipperMom/clipper-already-stopped"), `now > locked`
 * ("ClipperMom/temporary-locked"), the OSM's `cur` ("ClipperMom/invalid-cur-price") and `nxt`
 * ("ClipperMom/invalid-nxt-price") exist, and `nxt < rmul(cur, tolerance)`
 * ("ClipperMom/price-within-bounds"); then `stopped = 2` (no kick, no redo; takes continue).
 * `cur` is the engine oracle's delayed price and `nxt` its next delayed price, both as WADs.
 * @throws ProtocolRevertError.
 */
export function decideTripBreaker(state: State, command: Command, nowSeconds: number): EngineEvent[] {
  const ilk = readString(command, 'ilk');
  const clip = requireClip(state.ext, ilk);
  if (!(clip.stopped < 2))
    throw new ProtocolRevertError(
      'ClipperMom/clipper-already-stopped',
      'The breaker is already at level ≥ 2.',
    );
  if (!(nowSeconds > clip.momLockedUntilSeconds)) {
    throw new ProtocolRevertError(
      'ClipperMom/temporary-locked',
      `Governance locked the breaker until ${clip.momLockedUntilSeconds}.`,
    );
  }
  const p = requireIlkParams(state.ext.core, ilk);
  let curWad: bigint;
  try {
    curWad = readingToWad(delayedPrice(state.oracle, p.gem, nowSeconds));
  } catch (e) {
    if (e instanceof StaleOraclePriceError)
      throw new ProtocolRevertError('ClipperMom/invalid-cur-price', e.shortMessage);
    throw e;
  }
  const nxt = nextDelayedPrice(state.oracle, p.gem, nowSeconds);
  if (nxt === undefined)
    throw new ProtocolRevertError('ClipperMom/invalid-nxt-price', 'The OSM has no next price queued.');
  const nxtWad = readingToWad(nxt);
  if (!breakerTrips({ curWad, nxtWad, toleranceRay: p.toleranceRay })) {
    throw new ProtocolRevertError(
      'ClipperMom/price-within-bounds',
      'The next OSM price is within tolerance of the current one.',
      {
        curWad: curWad.toString(),
        nxtWad: nxtWad.toString(),
      },
    );
  }
  return [emit<BreakerSet>({ type: 'BreakerSet', ilk, level: 2, by: 'tripBreaker' })];
}
