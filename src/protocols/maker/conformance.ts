/**
 * Conformance handlers of system `makerdao-dss`: each reads a vector's `inputs` (decimal strings),
 * runs the project's own Maker formulas (./math) and returns every field a vector may expect.
 * Reverts surface as ProtocolRevertError with the dss revert string; malformed inputs as
 * InvalidParameterError naming `inputs.<field>`.
 */
import { InvalidParameterError } from '../../engine/errors.js';
import { readBigint } from '../../engine/fields.js';
import { rpow } from '../../math/maker.js';
import { RAY } from '../../math/units.js';
import type { HandlerTable, VectorHandler, VectorObject, VectorValue } from '../conformance-types.js';
import { auctionPrice, parseCalc } from './math/abaci.js';
import { biteAmounts } from './math/cat.js';
import {
  auctionStatus,
  breakerTrips,
  chost,
  kickIncentive,
  redoIncentive,
  type TakeOutcome,
  takeAmounts,
} from './math/clipper.js';
import { barkAmounts, type GrabAmounts, type UrnAmounts } from './math/dog.js';
import { dentRefusal, tendRefusal } from './math/flipper.js';

/** The outcome strings of `Clipper.take` vectors. */
export const TAKE_OUTCOME_TEXT: Readonly<Record<TakeOutcome, string>> = {
  continues: 'auction continues',
  tabCovered: 'auction closed: tab covered, leftover lot returned to usr',
  lotExhausted: 'auction closed: lot exhausted (any residual tab is dropped; dog.digs(tab+owe))',
};

/** Reads an unsigned integer input given as a decimal string (or number/bigint). */
function num(inputs: VectorObject, key: string): bigint {
  return readBigint(inputs, key, `inputs.${key}`);
}

function str(inputs: VectorObject, key: string): string {
  const v = inputs[key];
  if (typeof v !== 'string' || v.length === 0) {
    throw new InvalidParameterError(
      `inputs.${key}`,
      `expected a non-empty string, got ${JSON.stringify(v ?? null)}`,
    );
  }
  return v;
}

const linearPrice: VectorHandler = (inputs) => {
  const tauSeconds = num(inputs, 'tau_s');
  const priceRay = auctionPrice(
    { kind: 'LinearDecrease', tauSeconds },
    num(inputs, 'top_ray'),
    num(inputs, 'dur_s'),
  );
  return { price_ray: priceRay.toString() };
};

const stairstepPrice: VectorHandler = (inputs) => {
  const stepSeconds = num(inputs, 'step_s');
  if (stepSeconds === 0n) throw new InvalidParameterError('inputs.step_s', 'expected seconds > 0, got 0');
  const cutRay = requireCut(inputs);
  const curve = { kind: 'StairstepExponentialDecrease', cutRay, stepSeconds } as const;
  return { price_ray: auctionPrice(curve, num(inputs, 'top_ray'), num(inputs, 'dur_s')).toString() };
};

const exponentialPrice: VectorHandler = (inputs) => {
  const curve = { kind: 'ExponentialDecrease', cutRay: requireCut(inputs) } as const;
  return { price_ray: auctionPrice(curve, num(inputs, 'top_ray'), num(inputs, 'dur_s')).toString() };
};

function requireCut(inputs: VectorObject): bigint {
  const cutRay = num(inputs, 'cut_ray');
  // dss abaci.sol file(): `require((cut = data) <= RAY, "...cut-gt-RAY")`: no such curve exists.
  if (cutRay > RAY) {
    throw new InvalidParameterError('inputs.cut_ray', `expected a RAY ≤ 1e27 (cut-gt-RAY), got ${cutRay}`);
  }
  return cutRay;
}

const rpowHandler: VectorHandler = (inputs) => ({
  z: rpow(num(inputs, 'x'), num(inputs, 'n'), num(inputs, 'b')).toString(),
});

/** The vault and ilk inputs of the `Dog.bark` and `Cat.bite` vectors, read in the vectors' order. */
function urnInputs(inputs: VectorObject): UrnAmounts & { readonly dustRad: bigint } {
  return {
    inkWad: num(inputs, 'ink'),
    artWad: num(inputs, 'art'),
    rateRay: num(inputs, 'rate'),
    spotRay: num(inputs, 'spot'),
    dustRad: num(inputs, 'dust'),
  };
}

/** The outputs both `Dog.bark` and `Cat.bite` vectors expect (each adds its budget after the call). */
function grabOutputs(out: GrabAmounts): Record<string, VectorValue> {
  return {
    dart: out.dartWad.toString(),
    dink: out.dinkWad.toString(),
    due: out.dueRad.toString(),
    tab: out.tabRad.toString(),
    ink_after: out.inkAfterWad.toString(),
    art_after: out.artAfterWad.toString(),
  };
}

const bark: VectorHandler = (inputs) => {
  const out = barkAmounts({
    ...urnInputs(inputs),
    HoleRad: num(inputs, 'Hole'),
    DirtRad: num(inputs, 'Dirt'),
    holeRad: num(inputs, 'hole'),
    dirtRad: num(inputs, 'dirt'),
    chopWad: num(inputs, 'chop'),
  });
  return {
    ...grabOutputs(out),
    Dirt_after: out.DirtAfterRad.toString(),
    dirt_after: out.dirtAfterRad.toString(),
  };
};

const bite: VectorHandler = (inputs) => {
  const out = biteAmounts({
    ...urnInputs(inputs),
    boxRad: num(inputs, 'box'),
    litterRad: num(inputs, 'litter'),
    dunkRad: num(inputs, 'dunk'),
    chopWad: num(inputs, 'chop'),
  });
  return { ...grabOutputs(out), litter_after: out.litterAfterRad.toString() };
};

const kickCoin: VectorHandler = (inputs) => ({
  coin_rad: kickIncentive({
    tabRad: num(inputs, 'tab_rad'),
    tipRad: num(inputs, 'tip_rad'),
    chipWad: num(inputs, 'chip_wad'),
  }).toString(),
});

const upchost: VectorHandler = (inputs) => ({
  chost_rad: chost(num(inputs, 'dust_rad'), num(inputs, 'chop_wad')).toString(),
});

const take: VectorHandler = (inputs) => {
  const out = takeAmounts({
    tabRad: num(inputs, 'tab_rad'),
    lotWad: num(inputs, 'lot_wad'),
    priceRay: num(inputs, 'price_ray'),
    amtWad: num(inputs, 'amt_wad'),
    maxRay: num(inputs, 'max_ray'),
    chostRad: num(inputs, 'chost_rad'),
  });
  return {
    slice: out.sliceWad.toString(),
    owe: out.oweRad.toString(),
    tab_after: out.tabAfterRad.toString(),
    lot_after: out.lotAfterWad.toString(),
    outcome: TAKE_OUTCOME_TEXT[out.outcome],
    digs: out.digsRad.toString(),
    returned_to_usr: out.returnedToUsrWad.toString(),
  };
};

const status: VectorHandler = (inputs) => {
  const topRay = num(inputs, 'top_ray');
  if (topRay === 0n) throw new InvalidParameterError('inputs.top_ray', 'expected a starting price > 0');
  const out = auctionStatus({
    curve: parseCalc(str(inputs, 'calc'), 'inputs.calc'),
    topRay,
    durSeconds: num(inputs, 'dur_s'),
    tailSeconds: num(inputs, 'tail_s'),
    cuspRay: num(inputs, 'cusp_ray'),
  });
  return {
    price_ray: out.priceRay.toString(),
    price_over_top_ray: out.priceOverTopRay.toString(),
    done: out.done,
  };
};

const redoCoin: VectorHandler = (inputs) => ({
  coin_rad: redoIncentive({
    tabRad: num(inputs, 'tab_rad'),
    lotWad: num(inputs, 'lot_wad'),
    feedPriceRay: num(inputs, 'feedPrice_ray'),
    chostRad: num(inputs, 'chost_rad'),
    tipRad: num(inputs, 'tip_rad'),
    chipWad: num(inputs, 'chip_wad'),
  }).toString(),
});

function verdict(refusal: string | undefined): Record<string, VectorValue> {
  return refusal === undefined ? { accepted: true } : { accepted: false, reason: refusal };
}

const tend: VectorHandler = (inputs) =>
  verdict(
    tendRefusal({
      bid: num(inputs, 'bid'),
      prevBid: num(inputs, 'prev_bid'),
      tab: num(inputs, 'tab'),
      begWad: num(inputs, 'beg_wad'),
    }),
  );

const dent: VectorHandler = (inputs) =>
  verdict(
    dentRefusal({
      lot: num(inputs, 'lot'),
      prevLot: num(inputs, 'prev_lot'),
      begWad: num(inputs, 'beg_wad'),
    }),
  );

const tripBreaker: VectorHandler = (inputs) => ({
  trips: breakerTrips({
    curWad: num(inputs, 'cur'),
    nxtWad: num(inputs, 'nxt'),
    toleranceRay: num(inputs, 'tolerance_ray'),
  }),
});

/** Handlers for system `makerdao-dss`, keyed by the vectors' `function` strings. */
export const makerConformance: HandlerTable = {
  system: 'makerdao-dss',
  handlers: {
    'LinearDecrease.price(top,dur)': linearPrice,
    'StairstepExponentialDecrease.price(top,dur)': stairstepPrice,
    'ExponentialDecrease.price(top,dur)': exponentialPrice,
    'rpow(x,n,b)': rpowHandler,
    'Dog.bark': bark,
    'Cat.bite': bite,
    'Clipper.kick keeper incentive': kickCoin,
    'Clipper.upchost': upchost,
    'Clipper.take': take,
    'Clipper.take (2nd bid at dur=30)': take,
    'Clipper.status (needsRedo)': status,
    'Clipper.redo incentive eligibility': redoCoin,
    'Flipper.tend bid-increment check': tend,
    'Flipper.dent lot-decrement check': dent,
    'ClipperMom.tripBreaker': tripBreaker,
  },
};
