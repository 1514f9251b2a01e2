/**
 * The README's service example works as written: `examples/serve-aave-init.json` seeds an empty
 * journal with the Aave test market, then the README's deposit, a borrow, a price drop and a
 * liquidation go through the HTTP API with the role keys.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, startTestServer, type TestServer, tempDir } from './service/support.js';

const init = JSON.parse(
  readFileSync(new URL('../examples/serve-aave-init.json', import.meta.url), 'utf8'),
) as {
  commands: unknown[];
};

describe('examples/serve-aave-init.json', () => {
  const { dir, cleanup } = tempDir('solvent-serve-example-');
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dir, { protocol: 'aave-v3.3', init: init.commands });
  });
  afterAll(async () => {
    await server.close();
    cleanup();
  });

  const post = (type: string, role: 'user' | 'oracle' | 'keeper', body: Record<string, unknown>) =>
    server.app.inject({
      method: 'POST',
      url: `/v1/commands/${type}`,
      headers: { ...bearer(role), 'content-type': 'application/json' },
      payload: body,
    });

  test('behavior: the README deposit, a borrow, a price drop and a liquidation', async () => {
    const deposit = await post('deposit', 'user', {
      account: 'alice',
      asset: 'WETH',
      amount: '5000000000000000000',
    });
    expect(deposit.statusCode).toBe(200);
    // 5 WETH at $2,000 (the init's price) = $10,000; borrow $7,500 of USDC (75 %, under the LTV).
    const borrow = await post('borrow', 'user', { account: 'alice', asset: 'USDC', amount: '7500000000' });
    expect(borrow.statusCode).toBe(200);
    const healthy = (
      await server.app.inject({ method: 'GET', url: '/v1/at-risk?limit=10', headers: bearer('reader') })
    ).json();
    expect(healthy.accounts.map((a: { accountId: string; liquidatable: boolean }) => a.liquidatable)).toEqual(
      [false],
    );
    // WETH to $1,500: collateral $7,500 × LT < debt $7,500, so alice is liquidatable.
    const drop = await post('publishPrice', 'oracle', {
      asset: 'WETH',
      source: 'feed',
      price: '150000000000',
    });
    expect(drop.statusCode).toBe(200);
    const atRisk = (
      await server.app.inject({ method: 'GET', url: '/v1/at-risk?limit=10', headers: bearer('reader') })
    ).json();
    expect(atRisk.accounts[0]).toEqual(expect.objectContaining({ accountId: 'alice', liquidatable: true }));
    const liquidation = await post('liquidationCall', 'keeper', {
      liquidator: 'liquidator',
      account: 'alice',
      collateralAsset: 'WETH',
      debtAsset: 'USDC',
      debtToCover: 'max',
    });
    expect(liquidation.statusCode).toBe(200);
    const types = (liquidation.json().events as { event: { type: string } }[]).map((e) => e.event.type);
    expect(types).toContain('AaveLiquidationCall');
  });
});
