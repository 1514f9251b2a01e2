/**
 * The library in one file: an Aave v3.3 market driven through the engine, a liquidation after a
 * price drop, and the event log replayed to the same state hash. `test/examples.test.ts` runs it.
 */
import { createEngine } from '../src/engine/engine.js';
import { balanceOf } from '../src/engine/ledger.js';
import { apply, type Command, type Recorded, replay, stateHash } from '../src/engine/machine.js';
import { aaveV33Model } from '../src/protocols/aave-v3/model.js';
import { DEFAULT_AAVE_PARAMS } from '../src/protocols/aave-v3/params.js';

export function liquidateOnAave() {
  const engine = createEngine(aaveV33Model); // any ProtocolModel works the same way
  let state = engine.initial();
  const log: Recorded[] = [];
  const run = (command: Command, nowSeconds: number) => {
    const result = apply(engine, state, command, nowSeconds); // a refusal throws a typed SolventError
    state = result.state;
    log.push(...result.events);
  };

  // Assets and their oracles (USD·1e8, one source), then the protocol's parameters.
  const prices = {
    USDC: 100_000_000n,
    WETH: 200_000_000_000n,
    WBTC: 6_000_000_000_000n,
    wstETH: 230_000_000_000n,
  };
  const decimals = { USDC: 6, WETH: 18, WBTC: 8, wstETH: 18 };
  for (const [asset, price] of Object.entries(prices)) {
    run({ type: 'listAsset', asset, decimals: decimals[asset as keyof typeof decimals] }, 0);
    const config = {
      priceDecimals: 8,
      sources: ['feed'],
      minSources: 1,
      staleAfterSeconds: 86_400,
      maxSpreadBps: 100n,
      twapWindowSeconds: 3_600,
      delaySeconds: 0,
    };
    run({ type: 'configureOracle', asset, config }, 0);
    run({ type: 'publishPrice', asset, source: 'feed', price }, 0);
  }
  run({ type: 'configure', params: DEFAULT_AAVE_PARAMS }, 0);

  // Lenders supply USDC; alice borrows 8,000 USDC on 5 WETH ($10,000, LT 82.5%).
  run({ type: 'supply', asset: 'USDC', amount: 1_000_000_000_000n }, 0);
  run({ type: 'deposit', account: 'alice', asset: 'WETH', amount: 5n * 10n ** 18n }, 60);
  run({ type: 'borrow', account: 'alice', asset: 'USDC', amount: 8_000_000_000n }, 60);

  // WETH falls to $1,900: health 0.9797, so bob may repay half the debt for WETH plus a 5% bonus.
  run({ type: 'publishPrice', asset: 'WETH', source: 'feed', price: 190_000_000_000n }, 120);
  run({ type: 'fundWallet', actor: 'bob', asset: 'USDC', amount: 10_000_000_000n }, 120);
  run(
    {
      type: 'liquidationCall',
      account: 'alice',
      liquidator: 'bob',
      collateralAsset: 'WETH',
      debtAsset: 'USDC',
      debtToCover: 'max',
      receiveAToken: false,
    },
    130,
  );

  return {
    bobWethWei: balanceOf(state.ledger, 'wallet:bob', 'WETH'),
    treasuryWethWei: balanceOf(state.ledger, 'protocol', 'WETH'),
    aliceDebtUsdc: balanceOf(state.ledger, 'debt:alice', 'USDC.debt'),
    health: aaveV33Model.health(state, 'alice', 130),
    replayedHashMatches: stateHash(replay(engine, log)) === stateHash(state),
  };
}
