import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { aaveSetup, startTestServer, TEST_KEYS, tempDir } from '../../test/service/support.js';
import { findProtocol } from '../protocols/catalog.js';
import { DASHBOARD_HTML, DASHBOARD_PATH } from './dashboard.js';
import { routeTable } from './server.js';
import { type RunningService, startService } from './service.js';

const { dir, cleanup } = tempDir('solvent-dashboard-');
afterAll(cleanup);

/** A listening service as `solvent serve` starts it (dashboard on by default). */
function serve(protocol: string, init: readonly unknown[], name: string): Promise<RunningService> {
  return startService({
    entry: findProtocol(protocol),
    journal: { kind: 'sqlite', path: join(dir, `${name}.sqlite`) },
    port: 0,
    keys: TEST_KEYS,
    init,
    logLevel: false,
    version: 'test',
  });
}

/** The text between the first `<tag>` and `</tag>`. */
function inline(html: string, tag: 'script' | 'style'): string {
  const start = html.indexOf(`<${tag}>`);
  const end = html.indexOf(`</${tag}>`, start);
  expect(start).toBeGreaterThan(0);
  return html.slice(start + tag.length + 2, end);
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');

describe('dashboard route', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await serve('aave-v3.3', aaveSetup(), 'aave');
  });
  afterAll(() => service.close());

  test('default', async () => {
    // No Authorization header at all: the page is public, like /health.
    const res = await service.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body.startsWith('<!doctype html>')).toBe(true);
    for (const section of ['prices', 'funds', 'histogram', 'at-risk', 'auctions', 'feed']) {
      expect(res.body, section).toContain(`<section class="panel span-`);
      expect(res.body, section).toContain(`data-testid="section-${section}"`);
    }
    for (const heading of [
      'Markets &amp; prices',
      'Insurance fund &amp; deficit',
      'Distance to liquidation',
      'Accounts most at risk',
      'Live auctions',
      'Event feed',
    ]) {
      expect(res.body).toContain(heading);
    }
    // The script reads the API it is served by, with the key it was given.
    for (const call of ['/v1/prices', '/v1/at-risk?limit=', '/v1/auctions', '/v1/funds', '/v1/stream?']) {
      expect(res.body).toContain(call);
    }
    expect(res.body).toContain("authorization: 'Bearer '");
    expect(res.body).toContain('access_token=');
  });

  test('behavior: the route is in the route table and the OpenAPI document, public', async () => {
    const table = routeTable(service.host, { dashboard: true });
    const route = table.find((r) => r.method === 'GET' && r.path === DASHBOARD_PATH);
    expect(route?.access).toEqual({ kind: 'public' });
    expect(route?.roles).toEqual([]);
    expect(routeTable(service.host).some((r) => r.path === DASHBOARD_PATH)).toBe(false);
    const doc = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const op = doc.paths['/']?.get;
    expect(op.operationId).toBe('dashboard');
    expect(op.security).toEqual([]);
    expect(op['x-roles']).toEqual([]);
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/html']);
  });

  test('behavior: the page is self-contained and its CSP allows exactly its inline script and style', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/' });
    const csp = String(res.headers['content-security-policy']);
    const script = inline(res.body, 'script');
    const style = inline(res.body, 'style');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'sha256-${sha256(script)}'`);
    expect(csp).toContain(`style-src 'sha256-${sha256(style)}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // One inline script and one inline style, nothing loaded from elsewhere.
    expect(res.body.split('<script').length).toBe(2);
    expect(res.body.split('<style').length).toBe(2);
    expect(res.body).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|@import|url\(/);
    // The only absolute URL is the SVG namespace (a name, never fetched).
    expect([...new Set(res.body.match(/https?:\/\/[^\s'"<>)]+/g))]).toEqual(['http://www.w3.org/2000/svg']);
    // The script is valid JavaScript (parsed, not run).
    expect(() => new Function(script)).not.toThrow();
  });

  test('behavior: the page holds no data (the same bytes for another model and state)', async () => {
    const other = await serve('maker-liq2', [], 'maker');
    try {
      const a = await service.app.inject({ method: 'GET', url: '/' });
      const b = await other.app.inject({ method: 'GET', url: '/' });
      expect(b.body).toBe(a.body);
      expect(a.body).toBe(DASHBOARD_HTML);
      for (const key of TEST_KEYS) expect(a.body).not.toContain(key.key);
      expect(a.body).not.toContain('aave-v3.3');
    } finally {
      await other.close();
    }
  });

  test('behavior: a server built without the option serves no page at /', async () => {
    const server = await startTestServer(dir);
    try {
      const res = await server.app.inject({ method: 'GET', url: '/' });
      expect([res.statusCode, res.json().error.code]).toEqual([404, 'NotFound']);
    } finally {
      await server.close();
    }
  });
});
