/**
 * The web dashboard `solvent serve` answers at `/`: one self-contained page (markup, inline CSS
 * and script, no network beyond this server) showing markets and prices, the distance to
 * liquidation, the accounts most at risk, live auctions with their price curves, the insurance
 * fund and deficit, and the live event feed. The page carries no data and needs no key; its
 * script asks for one and sends it on every API call.
 */
import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT } from './dashboardScript.js';
import { DASHBOARD_CSS } from './dashboardStyle.js';
import type { RouteSpec } from './openapi.js';

/** Path of the dashboard. */
export const DASHBOARD_PATH = '/';

/** The dashboard's route in the server's route table: public, like /health, since it holds no data. */
export const DASHBOARD_ROUTE: RouteSpec = {
  method: 'GET',
  path: DASHBOARD_PATH,
  operationId: 'dashboard',
  summary: 'The web dashboard (HTML, no data): it asks for an API key and reads the API with it.',
  description:
    'Open `/#key=<reader key>` (the fragment never reaches the server) or enter a key in the form; the page keeps it in sessionStorage and sends `Authorization: Bearer` on its requests and `access_token` on the WebSocket stream.',
  tag: 'operations',
  access: { kind: 'public' },
  roles: [],
  response: { description: 'The dashboard page.', schema: { type: 'string' }, contentType: 'text/html' },
};

/** `'sha256-…'` CSP source of an inline element's exact text. */
function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page's markup: static sections the script fills in. */
const BODY = `<header class="top">
  <div class="brand"><span class="logo">&#9670;</span><span>Solvent</span><span id="protocol">&mdash;</span><span id="protocol-title" class="title"></span></div>
  <div class="chips">
    <span class="chip conn" id="conn" data-state="offline">offline</span>
    <span class="chip" id="seq">event seq &mdash;</span>
    <span class="chip" id="clock">server time &mdash;</span>
    <span class="chip" id="hash">state &mdash;</span>
    <button id="forget" type="button" title="Remove the key from this tab">Forget key</button>
  </div>
</header>
<div id="banner" class="banner" role="alert" hidden></div>
<form id="key-form" class="keyform" hidden autocomplete="off">
  <h2>API key</h2>
  <p>This dashboard reads the engine&rsquo;s API. Paste a key (a <code>reader</code> key is enough), or open
  <code>/#key=&lt;key&gt;</code> as <code>solvent serve</code> prints it. The key stays in this tab&rsquo;s session storage.</p>
  <div class="row"><input id="key-input" type="password" placeholder="API key" aria-label="API key"><button type="submit">Connect</button></div>
  <p id="key-error" class="error" hidden></p>
</form>
<main class="grid" id="main" hidden>
  <section class="panel span-8" id="prices" data-testid="section-prices">
    <h2>Markets &amp; prices <small>oracle price the protocol uses vs the feed</small></h2>
    <div id="prices-body"><p class="empty">Loading&hellip;</p></div>
  </section>
  <section class="panel span-4" id="funds" data-testid="section-funds">
    <h2>Insurance fund &amp; deficit <small>system buckets by asset</small></h2>
    <div id="funds-body"><p class="empty">Loading&hellip;</p></div>
  </section>
  <section class="panel span-5" id="histogram" data-testid="section-histogram">
    <h2>Distance to liquidation <small>accounts with debt, by bps of collateral price drop</small></h2>
    <div id="histogram-body"><p class="empty">Loading&hellip;</p></div>
  </section>
  <section class="panel span-7" id="at-risk" data-testid="section-at-risk">
    <h2>Accounts most at risk <small id="at-risk-count"></small></h2>
    <div id="at-risk-body"><p class="empty">Loading&hellip;</p></div>
  </section>
  <section class="panel span-7" id="auctions" data-testid="section-auctions">
    <h2>Live auctions <small id="auctions-kind"></small></h2>
    <div id="auctions-body"><p class="empty">Loading&hellip;</p></div>
  </section>
  <section class="panel span-5" id="feed" data-testid="section-feed">
    <h2>Event feed <small>live over the WebSocket stream, newest first</small> <small id="feed-last"></small></h2>
    <div class="feed">
      <table><thead><tr><th class="num">Seq</th><th class="num">Time (UTC)</th><th>Event</th><th>Fields</th></tr></thead>
      <tbody id="feed-rows"></tbody></table>
      <p id="feed-empty" class="empty">No event yet.</p>
    </div>
  </section>
</main>
<footer>Solvent engine service &middot; amounts are exact integers shown as decimals, truncated for display &middot; charts drawn by this page from the API&rsquo;s numbers &middot; <a href="/openapi.json">OpenAPI document</a></footer>`;

/** The whole page. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Solvent dashboard</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_CSS}</style>
</head>
<body>
${BODY}
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;

/**
 * Headers sent with the page. The Content-Security-Policy allows only the page's own inline
 * script and style (by hash), and connections (fetch, WebSocket) to this origin: even an injected
 * string could not load or send anything elsewhere.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': [
    "default-src 'none'",
    `script-src ${cspHash(DASHBOARD_SCRIPT)}`,
    `style-src ${cspHash(DASHBOARD_CSS)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'cache-control': 'no-cache',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};
