/**
 * Solvency bonds on the Black Thursday replay of VALIDATION.md §1 (maker-liq1 with 2020-like
 * parameters, the 1,000-vault book, two keepers gas-capped at 100 gwei and a zero bidder), without
 * and with the Vow's debt auctions (flop), for several Vow waits and bidder assumptions: the table
 * of VALIDATION.md §4.2. Needs ../shared/data and a build:
 *   npm run build && node scripts/flop-replay.js
 */
import { blackThursdayReplay, keepers2020, makerBook, makerParams2020 } from './validation.js';

const { runStress } = await import('../dist/src/sim/stress.js');
const replay = blackThursdayReplay();
const book = makerBook(replay);
const base = { replay, seed: 7, book, keepers: keepers2020(100), protocol: 'maker-liq1' };
const flop = (wait, stress = {}) => ({
  ...makerParams2020(),
  vowWaitSeconds: wait,
  vow: { flop: {} },
  stress,
});
const runs = [
  ['classic', makerParams2020()],
  ['flop, wait 6h10m', flop(6 * 3600 + 600)],
  [
    'flop, wait 6h10m, bidders 50M DAI each',
    flop(6 * 3600 + 600, {
      flopBidders: [
        { id: 'flop-bidder-a', minDiscountBps: 500, walletDai: 50_000_000 },
        { id: 'flop-bidder-b', minDiscountBps: 1000, walletDai: 50_000_000 },
      ],
    }),
  ],
  ['flop, wait 1h', flop(3600)],
  ['flop, wait 12h', flop(12 * 3600)],
  ['flop, wait 6h10m, MKR beta 1', flop(6 * 3600 + 600, { mkrEthBeta: 1 })],
];
console.log(
  '| run | bad debt | raised by flops | MKR minted | MKR minted + won, not yet dealt | DAI per MKR | sin still queued | Vow surplus |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, protocolParams] of runs) {
  const r = runStress({ ...base, protocolParams });
  const s = r.summary;
  const surplus = r.series.at(-1).insuranceFundUsd;
  const m = (x) => `$${(x / 1e6).toFixed(2)}M`;
  const vow = r.finalState.ext.core.vow;
  let wonWad = 0n;
  for (const a of vow.flopper?.bids.values() ?? []) if (a.ticSeconds !== 0) wonWad += a.lot;
  const committed = s.debtAuctionTokensIssued + Number(wonWad / 10n ** 12n) / 1e6;
  const per = committed > 0 ? (s.debtAuctionRaisedUsd / committed).toFixed(2) : '—';
  const queued = Number(vow.SinRad / 10n ** 39n) / 1e6;
  const n = (x) => Math.round(x).toLocaleString('en-US');
  console.log(
    `| ${name} | ${m(s.badDebtUsd)} | ${m(s.debtAuctionRaisedUsd)} | ${n(s.debtAuctionTokensIssued)} | ${n(committed)} | ${per} | ${m(queued)} | ${m(surplus)} |`,
  );
}
