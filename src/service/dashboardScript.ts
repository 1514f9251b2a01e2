/**
 * The dashboard's browser code, inlined into the page by dashboard.ts: it reads the API key from
 * the URL fragment or a form, fetches the read models with `Authorization: Bearer`, follows the
 * WebSocket event stream (resuming after the last sequence number it saw), re-fetches the read
 * models when events arrive, and draws its charts as inline SVG. Plain ES2020 in a string: the
 * browser runs it as is, so it must not contain a backtick or a dollar-brace.
 */

/** JavaScript of the dashboard page (one classic `<script>`; its hash goes into the CSP). */
export const DASHBOARD_SCRIPT = String.raw`
(() => {
  'use strict';
  const KEY_STORAGE = 'solvent.dashboard.key';
  /** Events kept in the feed, newest first. */
  const FEED_MAX = 200;
  /** Past events shown when the page first connects. */
  const FEED_BACKFILL = 100;
  /** Accounts read for the histogram (the server's largest page). */
  const AT_RISK_LIMIT = 10000;
  /** Rows of the at-risk table. */
  const TABLE_ROWS = 25;
  const REFRESH_DEBOUNCE_MS = 250;
  /** Re-read even without events: staleness and auction prices move with time alone. */
  const POLL_MS = 10000;
  const POLL_AUCTIONS_MS = 2000;
  const HISTORY_MAX = 240;
  /** Assets with a price chart (the table lists them all). */
  const MAX_PRICE_CHARTS = 4;
  /** Events scanned (1000 per request) for the Maker auction curve parameters. */
  const PARAM_SCAN_PAGES = 5;
  const WAD = 10n ** 18n;
  const BPS = 10000n;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const LIQUIDATION_EVENT = /Liquidat|Bark|Bitten|Kicked|Taken|Absorb|Deleverag|Offset|Redistribut|Seiz|Insolvent|Deficit|Socializ|WrittenOff|Redone|Yank|BadDebt|Backstop|Shortfall|Grabbed/;
  const PRICE_EVENT = /^Price|^Oracle|Breaker|FeedRecovered/;

  const state = {
    key: null,
    protocol: null,
    assets: {},
    priceDecimals: {},
    marketPrice: {},
    lastSeq: 0,
    headSeq: 0,
    ilkParams: null,
    paramsScanned: false,
    priceSeries: {},
    auctionSamples: {},
    ws: null,
    retryMs: 1000,
    refreshTimer: null,
    refreshing: false,
    refreshAgain: false,
    pollTimer: null,
    auctionsLive: false,
    started: false,
  };

  // ---------------------------------------------------------------------------------------------
  // DOM helpers (text only through textContent: ids and event fields never become markup)
  // ---------------------------------------------------------------------------------------------
  function fill(node, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = String(v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }
  const h = (tag, attrs, ...children) => fill(document.createElement(tag), attrs, children);
  const s = (tag, attrs, ...children) => fill(document.createElementNS(SVG_NS, tag), attrs, children);
  const byId = (id) => document.getElementById(id);
  function replace(id, ...children) {
    const node = byId(id);
    node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  // ---------------------------------------------------------------------------------------------
  // Numbers: the API sends integers as decimal strings; they are shown exactly (BigInt), truncated
  // toward zero to a few decimals. Charts use floating point (display only).
  // ---------------------------------------------------------------------------------------------
  function toBig(v) {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
    if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return BigInt(v);
    return null;
  }
  const group = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  /** An integer in units of 10^-decimals, as a grouped decimal with at most fracDigits decimals. */
  function fmtUnits(raw, decimals, fracDigits) {
    const v = toBig(raw);
    if (v === null) return String(raw);
    const negative = v < 0n;
    const a = negative ? -v : v;
    const base = 10n ** BigInt(decimals);
    const whole = a / base;
    const digits = fracDigits !== undefined ? fracDigits : whole >= 1000n ? 2 : whole >= 1n ? 4 : 6;
    let frac = decimals > 0 ? (a % base).toString().padStart(decimals, '0').slice(0, digits) : '';
    frac = frac.replace(/0+$/, '');
    return (negative ? '\u2212' : '') + group(whole.toString()) + (frac === '' ? '' : '.' + frac);
  }
  function toNumber(raw, decimals) {
    const v = toBig(raw);
    return v === null ? Number.NaN : Number(v) / 10 ** decimals;
  }
  /** Decimals implied by a field's unit suffix (dss scales), or null. */
  function scaleOf(name) {
    if (/(^w|W)ad$/.test(name)) return 18;
    if (/(^r|R)ay$/.test(name)) return 27;
    if (/(^r|R)ad$/.test(name)) return 45;
    return null;
  }
  const SUPERSCRIPT = '\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079';
  /** A long integer of unknown scale as m \u00d7 10^e (6 significant digits, truncated); short ones grouped. */
  function fmtRaw(raw) {
    const v = toBig(raw);
    if (v === null) return String(raw);
    const negative = v < 0n;
    const digits = (negative ? -v : v).toString();
    if (digits.length <= 15) return (negative ? '\u2212' : '') + group(digits);
    const mantissa = (digits[0] + '.' + digits.slice(1, 6)).replace(/\.?0+$/, '');
    const exponent = String(digits.length - 1).split('').map((d) => SUPERSCRIPT[Number(d)]).join('');
    return (negative ? '\u2212' : '') + mantissa + ' \u00d7 10' + exponent;
  }
  function isViewError(v) {
    return v !== null && typeof v === 'object' && typeof v.code === 'string';
  }
  /** A price cell: the value, or the oracle's refusal. */
  function priceNode(v, decimals) {
    if (v === undefined || v === null) return h('span', { class: 'muted', text: '\u2014' });
    if (isViewError(v)) return h('span', { class: 'err', title: v.message, text: v.code });
    return h('span', { text: fmtUnits(v, decimals) });
  }
  function fmtAmount(asset, raw) {
    const listed = state.assets[asset];
    if (listed && typeof listed.decimals === 'number') return fmtUnits(raw, listed.decimals);
    return null;
  }
  const pad2 = (n) => String(n).padStart(2, '0');
  function fmtClock(seconds) {
    const d = new Date(seconds * 1000);
    return pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds());
  }
  function fmtDateTime(seconds) {
    const d = new Date(seconds * 1000);
    return d.getUTCFullYear() + '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate()) + ' ' +
      fmtClock(seconds) + ' UTC';
  }
  function fmtDuration(seconds) {
    if (seconds < 120) return Math.round(seconds) + ' s';
    if (seconds < 7200) return Math.round(seconds / 60) + ' min';
    return (seconds / 3600).toFixed(1) + ' h';
  }
  /** A float for axis labels: 3 significant digits, grouped. */
  function fmtAxis(v) {
    if (!Number.isFinite(v)) return '';
    if (v === 0) return '0';
    const abs = Math.abs(v);
    if (abs >= 1000) return group(Math.round(v).toString());
    return Number(v.toPrecision(3)).toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Key and API
  // ---------------------------------------------------------------------------------------------
  class AuthError extends Error {}

  function readKey() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const fromFragment = fragment.get('key');
    if (fromFragment) {
      sessionStorage.setItem(KEY_STORAGE, fromFragment);
      // Keep the key out of the address bar and the history.
      history.replaceState(null, '', location.pathname + location.search);
      return fromFragment;
    }
    return sessionStorage.getItem(KEY_STORAGE);
  }

  async function api(path) {
    let response;
    try {
      response = await fetch(path, { headers: { authorization: 'Bearer ' + state.key }, cache: 'no-store' });
    } catch (error) {
      throw new Error('Cannot reach the server (' + (error && error.message ? error.message : error) + '); retrying.');
    }
    if (response.status === 401) throw new AuthError('The server refused this key (401).');
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = body && body.error ? body.error.code + ': ' + body.error.message : response.statusText;
      throw new Error('GET ' + path + ' answered ' + response.status + ' (' + error + ')');
    }
    return body;
  }

  function showBanner(text) {
    const banner = byId('banner');
    banner.textContent = text;
    banner.hidden = false;
  }
  function clearBanner() {
    byId('banner').hidden = true;
  }

  function showKeyForm(message) {
    byId('main').hidden = true;
    byId('key-form').hidden = false;
    const error = byId('key-error');
    error.textContent = message || '';
    error.hidden = !message;
    byId('key-input').focus();
  }

  function handleError(error) {
    if (error instanceof AuthError) {
      sessionStorage.removeItem(KEY_STORAGE);
      stop();
      showKeyForm(error.message + ' Enter another key.');
      return;
    }
    showBanner(String(error && error.message ? error.message : error));
  }

  // ---------------------------------------------------------------------------------------------
  // Header
  // ---------------------------------------------------------------------------------------------
  function setConnection(kind, text) {
    const chip = byId('conn');
    chip.dataset.state = kind;
    chip.textContent = text;
  }

  function renderStatus(status) {
    replace('seq', 'event seq ', h('b', { text: group(String(status.eventSeq)) }));
    replace('clock', 'server time ', h('b', { text: fmtDateTime(status.nowSeconds) }));
    replace('hash', 'state ', h('b', { class: 'mono', text: String(status.stateHash).slice(0, 10) }));
    if (status.failed) showBanner('The server\u2019s journal failed: it refuses commands until restarted.');
  }

  // ---------------------------------------------------------------------------------------------
  // Markets and prices
  // ---------------------------------------------------------------------------------------------
  /** Price history of an asset as this page saw it: raw integers, converted when drawn. */
  function seriesOf(asset) {
    return state.priceSeries[asset] || (state.priceSeries[asset] = { used: [], aggregated: [], observed: {} });
  }
  /** Inserts a point in time order (the stream's backlog may arrive after a newer reading). */
  function pushPoint(list, t, raw) {
    let i = list.length;
    while (i > 0 && list[i - 1].t > t) i--;
    const before = list[i - 1];
    if (before && before.t === t && before.raw === raw) return;
    list.splice(i, 0, { t, raw });
    if (list.length > HISTORY_MAX) list.shift();
  }
  /** Price events of the stream (the backlog too): what the sources published and the aggregate. */
  function notePriceEvent(event, atSeconds) {
    if (typeof event.asset !== 'string' || toBig(event.price) === null) return;
    const t = typeof event.atSeconds === 'number' ? event.atSeconds : atSeconds;
    const series = seriesOf(event.asset);
    if (event.type === 'PriceObserved' && typeof event.source === 'string') {
      pushPoint(series.observed[event.source] || (series.observed[event.source] = []), t, event.price);
    } else if (event.type === 'PriceAggregated') pushPoint(series.aggregated, t, event.price);
  }

  const SOURCE_COLORS = ['#3fb950', '#e3b341', '#f778ba', '#79c0ff', '#ffa657'];

  /** Used price (step line) vs the aggregate and each source's publications, over server time. */
  function priceChart(a, nowSeconds, width) {
    const dec = a.priceDecimals;
    const series = seriesOf(a.asset);
    const used = series.used.map((p) => ({ t: p.t, v: toNumber(p.raw, dec) }));
    const aggregated = series.aggregated.map((p) => ({ t: p.t, v: toNumber(p.raw, dec) }));
    const sources = Object.keys(series.observed).sort();
    const observed = sources.map((src) => series.observed[src].map((p) => ({ t: p.t, v: toNumber(p.raw, dec) })));
    const all = [used, aggregated, ...observed].flat();
    const height = 180;
    const m = { left: 64, right: 14, top: 26, bottom: 26 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const svg = s('svg', { viewBox: '0 0 ' + width + ' ' + height, width, height, class: 'price-chart',
      'data-asset': a.asset, role: 'img', 'aria-label': a.asset + ' price: protocol vs feed' });
    if (all.length === 0) {
      svg.append(s('text', { x: m.left, y: m.top + 20, text: 'No price seen yet.' }));
      return svg;
    }
    const t1 = Math.max(nowSeconds, ...all.map((p) => p.t));
    const t0 = Math.min(t1 - 30, ...all.map((p) => p.t));
    let lo = Math.min(...all.map((p) => p.v));
    let hi = Math.max(...all.map((p) => p.v));
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.02 || 1;
    lo = Math.max(0, lo - pad);
    hi += pad;
    const x = (t) => m.left + ((t - t0) / (t1 - t0)) * plotW;
    const y = (v) => m.top + plotH - ((v - lo) / (hi - lo)) * plotH;
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      svg.append(s('line', { x1: m.left, x2: m.left + plotW, y1: y(v), y2: y(v), class: i === 0 ? 'axis' : 'grid' }));
      svg.append(s('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', text: fmtAxis(v) }));
    }
    for (let i = 0; i <= 4; i++) {
      const t = t0 + ((t1 - t0) * i) / 4;
      svg.append(s('text', { x: x(t), y: height - 8, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle',
        text: fmtClock(Math.round(t)) }));
    }
    // A price holds until the next one: step lines, extended to now.
    const step = (points) => {
      if (points.length === 0) return '';
      let d = 'M' + x(points[0].t).toFixed(1) + ',' + y(points[0].v).toFixed(1);
      for (let i = 1; i < points.length; i++) d += 'H' + x(points[i].t).toFixed(1) + 'V' + y(points[i].v).toFixed(1);
      return d + 'H' + x(t1).toFixed(1);
    };
    if (aggregated.length > 0) svg.append(s('path', { d: step(aggregated), class: 'agg-line' }));
    if (used.length > 0) svg.append(s('path', { d: step(used), class: 'used-line' }));
    const legend = [
      { cls: 'used-line', text: 'used by protocol' },
      { cls: 'agg-line', text: 'feed aggregate' },
    ];
    sources.forEach((src, i) => {
      const color = SOURCE_COLORS[i % SOURCE_COLORS.length];
      for (const p of observed[i]) {
        svg.append(s('circle', { cx: x(p.t), cy: y(p.v), r: 3.5, fill: color, class: 'obs' },
          s('title', { text: src + ' ' + fmtAxis(p.v) + ' at ' + fmtClock(p.t) })));
      }
      legend.push({ color, text: 'source ' + src });
    });
    // Legend in one row above the plot.
    let lx = m.left;
    for (const item of legend) {
      const ly = 12;
      if (item.color) svg.append(s('circle', { cx: lx + 8, cy: ly - 4, r: 3.5, fill: item.color }));
      else svg.append(s('line', { x1: lx, x2: lx + 16, y1: ly - 4, y2: ly - 4, class: item.cls }));
      svg.append(s('text', { x: lx + 22, y: ly, text: item.text }));
      lx += 22 + item.text.length * 6.2 + 18;
    }
    return svg;
  }

  function renderPrices(prices) {
    const assets = prices.assets || [];
    for (const a of assets) {
      state.priceDecimals[a.asset] = a.priceDecimals;
      state.marketPrice[a.asset] = isViewError(a.used) ? null : toNumber(a.used, a.priceDecimals);
      const series = seriesOf(a.asset);
      if (!isViewError(a.used)) pushPoint(series.used, prices.nowSeconds, a.used);
      for (const src of a.sources) {
        const list = series.observed[src.source] || (series.observed[src.source] = []);
        pushPoint(list, src.atSeconds, String(src.price));
      }
    }
    if (assets.length === 0) {
      replace('prices-body', h('p', { class: 'empty', text: 'No oracle is configured yet (configureOracle).' }));
      return;
    }
    const dash = () => h('span', { class: 'muted', text: '\u2014' });
    const rows = assets.map((a) => {
      const dec = a.priceDecimals;
      let delta = dash();
      const used = toBig(a.used);
      const spot = toBig(a.spot);
      if (used !== null && spot !== null && spot !== 0n) {
        const bps = ((used - spot) * BPS) / spot;
        delta = h('span', {
          class: bps === 0n ? 'muted' : bps > 0n ? 'delta-up' : 'delta-down',
          text: (bps > 0n ? '+' : '') + bps.toString(),
        });
      }
      const sources = h(
        'div',
        { class: 'sources' },
        a.sources.length === 0
          ? h('span', { class: 'muted', text: 'no publication' })
          : a.sources.map((src) =>
              h(
                'span',
                { class: src.fresh ? '' : 'stale', 'data-source': src.source },
                h('span', { class: 'muted', text: src.source + ' ' }),
                fmtUnits(src.price, dec),
                h('span', {
                  class: 'muted',
                  text: ' \u00b7 ' + fmtDuration(Math.max(0, prices.nowSeconds - src.atSeconds)) + ' ago' +
                    (src.fresh ? '' : ' \u00b7 stale'),
                }),
              ),
            ),
      );
      const flags = [];
      if (a.stale) flags.push(h('span', { class: 'badge danger', text: 'STALE' }));
      if (a.liquidationsPaused) flags.push(h('span', { class: 'badge danger', text: 'LIQ. PAUSED' }));
      if (a.borrowingPaused) flags.push(h('span', { class: 'badge warn', text: 'BORROW PAUSED' }));
      if (a.inGracePeriod) flags.push(h('span', { class: 'badge warn', text: 'GRACE' }));
      if (a.delaySeconds > 0) flags.push(h('span', { class: 'badge info', text: 'OSM ' + fmtDuration(a.delaySeconds) }));
      if (flags.length === 0) flags.push(h('span', { class: 'badge ok', text: 'OK' }));
      return h(
        'tr',
        { 'data-asset': a.asset, class: a.stale || a.liquidationsPaused ? 'liq' : '' },
        h('td', {}, h('b', { text: a.asset })),
        h('td', { class: 'num strong', 'data-field': 'used' }, priceNode(a.used, dec)),
        h('td', { class: 'num', 'data-field': 'spot' }, priceNode(a.spot, dec)),
        h('td', { class: 'num', 'data-field': 'delta' }, delta),
        h('td', { class: 'num', 'data-field': 'twap' }, priceNode(a.twap, dec)),
        h('td', { class: 'num', 'data-field': 'next' }, a.next === undefined ? dash() : priceNode(a.next, dec)),
        h('td', { 'data-field': 'sources' }, sources),
        h('td', { class: 'flags', 'data-field': 'flags' }, flags),
      );
    });
    const table = h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { text: 'Asset' }),
          h('th', { class: 'num' }, 'Used ', h('span', { class: 'unit', text: '(protocol reads)' })),
          h('th', { class: 'num' }, 'Spot ', h('span', { class: 'unit', text: '(fresh median)' })),
          h('th', { class: 'num' }, 'Used\u2212spot ', h('span', { class: 'unit', text: '(bps)' })),
          h('th', { class: 'num' }, 'TWAP'),
          h('th', { class: 'num' }, 'Next ', h('span', { class: 'unit', text: '(OSM)' })),
          h('th', {}, 'Feed ', h('span', { class: 'unit', text: '(last price per source)' })),
          h('th', { text: 'Flags' }),
        ),
      ),
      h('tbody', {}, rows),
    );
    const feeds = (prices.feeds || []).map((f) =>
      h('p', {
        class: 'note',
        'data-feed': f.asset,
        text: 'CSV feed ' + f.asset + ' (source ' + f.source + '): ' + f.published + ' of ' + f.total + ' published' +
          (f.refused > 0 ? ', ' + f.refused + ' refused' + (f.lastError ? ' (' + f.lastError + ')' : '') : '') +
          (f.lastPrice === undefined ? '' : ', last ' + f.lastPrice) + (f.done ? ', done' : ', running') + '.',
      }),
    );
    // One chart across the panel, or two per row (drawn narrower so their text stays legible).
    const shown = assets.slice(0, MAX_PRICE_CHARTS);
    const chartWidth = shown.length === 1 ? 900 : 460;
    const charts = shown.map((a) =>
      h('div', { class: 'chart' }, h('div', { class: 'chart-title' }, h('b', { text: a.asset }),
        h('span', { class: 'muted', text: ' price, quote per unit, as this page saw it' })), priceChart(a, prices.nowSeconds, chartWidth)),
    );
    replace(
      'prices-body',
      h('div', { class: 'scroll' }, table),
      feeds,
      h('div', { class: 'charts' + (shown.length === 1 ? ' one' : '') }, charts),
      h('p', {
        class: 'note',
        text: 'Prices in the quote unit per one unit of the asset (the oracle\u2019s price scale, shown as decimals). ' +
          'Used = what the protocol reads (OSM-delayed when configured); spot = median of the fresh sources.',
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Insurance fund and deficit
  // ---------------------------------------------------------------------------------------------
  function amountLines(record) {
    const entries = Object.entries(record || {});
    if (entries.length === 0) return [h('div', { class: 'value' }, '0')];
    return entries.map(([asset, raw]) => {
      const formatted = fmtAmount(asset, raw);
      return formatted === null
        ? h('div', { class: 'value', 'data-raw': String(raw), title: String(raw) + ' (smallest units: ' + asset + ' is not listed with decimals)' },
            fmtRaw(raw), h('span', { class: 'asset', text: asset + ' raw units' }))
        : h('div', { class: 'value', 'data-raw': String(raw) }, formatted, h('span', { class: 'asset', text: asset }));
    });
  }

  function renderFunds(funds) {
    const deficitEntries = Object.entries(funds.deficit || {}).filter(([, v]) => toBig(v) !== 0n);
    const tile = (bucket, label, bad) =>
      h(
        'div',
        { class: 'tile' + (bad ? ' bad' : ''), 'data-bucket': bucket },
        h('div', { class: 'label', text: label }),
        amountLines(funds[bucket]),
      );
    replace(
      'funds-body',
      h(
        'div',
        { class: 'tiles' },
        tile('insurance', 'Insurance fund', false),
        tile('deficit', 'Deficit (bad debt)', deficitEntries.length > 0),
      ),
      h(
        'div',
        { class: 'tiles' },
        tile('socialized', 'Socialized loss', false),
        tile('protocol', 'Protocol reserves', false),
      ),
      h('div', { class: 'tiles' }, tile('sysdebt', 'System debt', false)),
      h('p', {
        class: 'note',
        text: 'Ledger buckets by asset, in each asset\u2019s own units. Deficit = bad debt recorded and not yet covered.',
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Accounts at risk and the histogram of distance to liquidation
  // ---------------------------------------------------------------------------------------------
  /**
   * Distance to liquidation in bps of a uniform collateral price drop: the server's own figure
   * (margin models), else derived from health as 1 - 1/health, exact when the collateral value is
   * proportional to one price (a Maker vault, a Liquity trove).
   */
  function distanceOf(account, orderedBy) {
    if (account.liquidatable) return 0n;
    const given = toBig(account.distanceToLiquidationBps);
    if (given !== null) return given;
    if (orderedBy === 'health') {
      const health = toBig(account.healthWad);
      if (health === null || health <= 0n) return null;
      return health <= WAD ? 0n : ((health - WAD) * BPS) / health;
    }
    return null;
  }

  const BUCKETS = [
    { label: 'liquid.', test: (a, d) => a.liquidatable, cls: 'liq' },
    { label: '0\u2013100', test: (a, d) => d !== null && d < 100n, cls: 'liq' },
    { label: '100\u2013250', test: (a, d) => d !== null && d < 250n, cls: 'near' },
    { label: '250\u2013500', test: (a, d) => d !== null && d < 500n, cls: 'near' },
    { label: '500\u20131k', test: (a, d) => d !== null && d < 1000n, cls: 'mid' },
    { label: '1k\u20132k', test: (a, d) => d !== null && d < 2000n, cls: 'mid' },
    { label: '2k\u20133k', test: (a, d) => d !== null && d < 3000n, cls: 'far' },
    { label: '3k\u20135k', test: (a, d) => d !== null && d < 5000n, cls: 'far' },
    { label: '\u2265 5k', test: (a, d) => d !== null, cls: 'far' },
    { label: 'n/a', test: () => true, cls: 'unpriced' },
  ];

  function renderHistogram(atRisk) {
    const counts = BUCKETS.map(() => 0);
    for (const account of atRisk.accounts) {
      const d = distanceOf(account, atRisk.orderedBy);
      const i = BUCKETS.findIndex((b) => b.test(account, d));
      counts[i] += 1;
    }
    counts[BUCKETS.length - 1] += (atRisk.unpriced || []).length;
    const width = 560;
    const height = 230;
    const m = { left: 40, right: 10, top: 16, bottom: 46 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const max = Math.max(1, ...counts);
    const ticks = max <= 5 ? max : 4;
    const svg = s('svg', { viewBox: '0 0 ' + width + ' ' + height, width, height, role: 'img',
      'aria-label': 'Histogram of distance to liquidation' });
    for (let i = 0; i <= ticks; i++) {
      const v = Math.round((max * i) / ticks);
      const y = m.top + plotH - (v / max) * plotH;
      svg.append(s('line', { x1: m.left, x2: width - m.right, y1: y, y2: y, class: i === 0 ? 'axis' : 'grid' }));
      svg.append(s('text', { x: m.left - 6, y: y + 4, 'text-anchor': 'end', text: String(v) }));
    }
    const slot = plotW / BUCKETS.length;
    BUCKETS.forEach((bucket, i) => {
      const barH = (counts[i] / max) * plotH;
      const x = m.left + i * slot + slot * 0.12;
      const y = m.top + plotH - barH;
      svg.append(
        s('rect', {
          x, y, width: slot * 0.76, height: Math.max(barH, counts[i] > 0 ? 1 : 0), rx: 2,
          class: 'bar ' + bucket.cls, 'data-bucket': bucket.label, 'data-count': counts[i],
        }, s('title', { text: bucket.label + ' bps: ' + counts[i] + ' account(s)' })),
      );
      if (counts[i] > 0) {
        svg.append(s('text', { x: x + slot * 0.38, y: y - 4, 'text-anchor': 'middle', class: 'count', text: String(counts[i]) }));
      }
      svg.append(s('text', { x: m.left + i * slot + slot / 2, y: m.top + plotH + 15, 'text-anchor': 'middle', text: bucket.label }));
    });
    svg.append(s('text', { x: m.left + plotW / 2, y: height - 8, 'text-anchor': 'middle',
      text: 'distance to liquidation (bps of collateral price drop)' }));
    svg.append(s('text', { x: 12, y: m.top + plotH / 2, 'text-anchor': 'middle',
      transform: 'rotate(-90 12 ' + (m.top + plotH / 2) + ')', text: 'accounts' }));
    const notes = [
      h('p', {
        class: 'note',
        text: atRisk.total + ' account(s) with debt' +
          (atRisk.total > atRisk.accounts.length ? ' (the ' + atRisk.accounts.length + ' nearest shown)' : '') +
          ((atRisk.unpriced || []).length > 0 ? '; ' + atRisk.unpriced.length + ' could not be valued (n/a)' : '') + '.',
      }),
    ];
    if (atRisk.orderedBy === 'health') {
      notes.push(h('p', {
        class: 'note',
        text: 'This model has no per-asset margin view: distance is derived from health as 1 \u2212 1/health (exact when the collateral value follows one price).',
      }));
    }
    replace('histogram-body', svg, notes);
  }

  function renderAtRisk(atRisk) {
    const accounts = atRisk.accounts.slice(0, TABLE_ROWS);
    byId('at-risk-count').textContent = atRisk.total + ' with debt, ' +
      atRisk.accounts.filter((a) => a.liquidatable).length + ' liquidatable';
    if (accounts.length === 0) {
      replace('at-risk-body', h('p', { class: 'empty', text: 'No account holds debt.' }));
      return;
    }
    // Liquidation prices exist for margin models only: no column of dashes for the others.
    const withPrices = accounts.some((a) => a.liquidationPrices !== undefined);
    const rows = accounts.map((a, i) => {
      const d = distanceOf(a, atRisk.orderedBy);
      const derived = a.distanceToLiquidationBps === undefined && !a.liquidatable;
      const near = !a.liquidatable && d !== null && d < 500n;
      const liqPrices = Object.entries(a.liquidationPrices || {})
        .filter(([, p]) => p.price !== null)
        .map(([asset, p]) => asset + ' ' + fmtUnits(p.price, p.priceDecimals))
        .join(', ');
      return h(
        'tr',
        { 'data-account': a.accountId, 'data-liquidatable': String(a.liquidatable), class: a.liquidatable ? 'liq' : near ? 'near' : '' },
        h('td', { class: 'num muted', text: String(i + 1) }),
        h('td', { class: 'mono', text: a.accountId }),
        h('td', { class: 'num', 'data-field': 'health', text: fmtUnits(a.healthWad, 18, 3) }),
        h('td', { class: 'num', 'data-field': 'distance', title: derived ? 'derived from health' : '' },
          d === null ? h('span', { class: 'muted', text: '\u2014' }) : group(d.toString()) + (derived ? '*' : '')),
        h('td', { class: 'num', text: fmtUnits(a.collateralValueWad, 18, 2) }),
        h('td', { class: 'num', text: fmtUnits(a.debtValueWad, 18, 2) }),
        withPrices ? h('td', { class: 'num muted', 'data-field': 'liquidation-prices', text: liqPrices || '\u2014' }) : null,
        h('td', { 'data-field': 'status' },
          a.liquidatable
            ? h('span', { class: 'badge danger', text: 'LIQUIDATABLE' })
            : near
              ? h('span', { class: 'badge warn', text: 'NEAR' })
              : h('span', { class: 'badge ok', text: 'SAFE' })),
      );
    });
    const table = h(
      'table',
      {},
      h('thead', {}, h('tr', {},
        h('th', { class: 'num', text: '#' }),
        h('th', { text: 'Account' }),
        h('th', { class: 'num' }, 'Health ', h('span', { class: 'unit', text: '(1 = threshold)' })),
        h('th', { class: 'num' }, 'Distance ', h('span', { class: 'unit', text: '(bps)' })),
        h('th', { class: 'num' }, 'Collateral ', h('span', { class: 'unit', text: '(quote)' })),
        h('th', { class: 'num' }, 'Debt ', h('span', { class: 'unit', text: '(quote)' })),
        withPrices ? h('th', { class: 'num' }, 'Liq. price ', h('span', { class: 'unit', text: '(per asset)' })) : null,
        h('th', { text: 'Status' }),
      )),
      h('tbody', {}, rows),
    );
    replace(
      'at-risk-body',
      h('div', { class: 'scroll' }, table),
      h('p', {
        class: 'note',
        text: 'Liquidatable first, then nearest to liquidation. Values in the model\u2019s quote unit. ' +
          (atRisk.orderedBy === 'health' ? '* distance derived from health.' : 'Distance: uniform collateral price drop that makes the account liquidatable.'),
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Auctions
  // ---------------------------------------------------------------------------------------------
  function noteParams(event) {
    if ((event.type === 'MakerConfigured' || event.type === 'MakerFiled') && event.params && event.params.ilks) {
      state.ilkParams = event.params.ilks;
    }
  }

  /** Finds the Maker ilk parameters (Clipper curve, tail, cusp) in the first events of the log. */
  async function scanParams() {
    state.paramsScanned = true;
    let from = 1;
    for (let page = 0; page < PARAM_SCAN_PAGES; page++) {
      const r = await api('/v1/events?from=' + from + '&limit=1000');
      for (const e of r.events) noteParams(e.event);
      if (r.events.length < 1000) return;
      from = r.nextFrom;
    }
  }

  /** Maker Abacus price at t seconds after the kick, as a fraction of top (dss abaci.sol; floats, display only). */
  function curveFactor(calc, t) {
    if (!calc) return null;
    const cut = Number(calc.cutRay) / 1e27;
    switch (calc.kind) {
      case 'LinearDecrease': {
        const tau = Number(calc.tauSeconds);
        return t >= tau ? 0 : (tau - t) / tau;
      }
      case 'ExponentialDecrease':
        return cut ** t;
      case 'StairstepExponentialDecrease':
        return cut ** Math.floor(t / Number(calc.stepSeconds));
      default:
        return null;
    }
  }

  function describeCalc(calc) {
    if (!calc) return 'curve unknown';
    const cut = calc.cutRay === undefined ? '' : (Number(calc.cutRay) / 1e27).toString();
    if (calc.kind === 'LinearDecrease') return 'linear to 0 in ' + fmtDuration(Number(calc.tauSeconds));
    if (calc.kind === 'ExponentialDecrease') return '\u00d7' + cut + ' per second';
    if (calc.kind === 'StairstepExponentialDecrease') return '\u00d7' + cut + ' every ' + calc.stepSeconds + ' s';
    return calc.kind;
  }

  function clipChart(sale, nowSeconds, params) {
    const width = 640;
    const height = 230;
    const m = { left: 62, right: 96, top: 14, bottom: 36 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const top = toNumber(sale.topRay, 27);
    const price = toNumber(sale.priceRay, 27);
    const elapsed = Math.max(0, nowSeconds - sale.ticSeconds);
    const tail = params ? Number(params.tailSeconds) : null;
    const cusp = params ? Number(params.cuspRay) / 1e27 : null;
    const calc = params ? params.calc : null;
    const gem = params ? params.gem : null;
    const market = gem !== null && state.marketPrice[gem] !== undefined ? state.marketPrice[gem] : null;
    const tMax = Math.max(tail !== null ? tail : 0, elapsed * 1.25, 60);
    const yMax = Math.max(top, market !== null && market < top * 2 ? market : 0) * 1.08;
    const x = (t) => m.left + (Math.min(t, tMax) / tMax) * plotW;
    const y = (v) => m.top + plotH - (Math.max(0, v) / yMax) * plotH;
    const svg = s('svg', { viewBox: '0 0 ' + width + ' ' + height, width, height, class: 'curve', role: 'img',
      'aria-label': 'Auction price against time since the kick' });
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      svg.append(s('line', { x1: m.left, x2: m.left + plotW, y1: y(v), y2: y(v), class: i === 0 ? 'axis' : 'grid' }));
      svg.append(s('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', text: fmtAxis(v) }));
    }
    for (let i = 0; i <= 5; i++) {
      const t = (tMax * i) / 5;
      svg.append(s('line', { x1: x(t), x2: x(t), y1: m.top + plotH, y2: m.top + plotH + 4, class: 'axis' }));
      svg.append(s('text', { x: x(t), y: m.top + plotH + 16, 'text-anchor': 'middle', text: fmtDuration(t) }));
    }
    svg.append(s('text', { x: m.left + plotW / 2, y: height - 4, 'text-anchor': 'middle', text: 'time since kick' }));
    svg.append(s('text', { x: 12, y: m.top + plotH / 2, 'text-anchor': 'middle',
      transform: 'rotate(-90 12 ' + (m.top + plotH / 2) + ')', text: 'price (DAI per unit)' }));
    if (calc) {
      const steps = calc.kind === 'StairstepExponentialDecrease' ? Math.ceil(tMax / Number(calc.stepSeconds)) : 0;
      let d = '';
      if (steps > 0 && steps <= 2000) {
        const step = Number(calc.stepSeconds);
        for (let k = 0; k <= steps; k++) {
          const t0 = k * step;
          const v = top * curveFactor(calc, t0);
          d += (k === 0 ? 'M' : 'V') + (k === 0 ? x(0).toFixed(1) + ',' : '') + y(v).toFixed(1) + 'H' + x(Math.min(t0 + step, tMax)).toFixed(1);
        }
      } else {
        for (let i = 0; i <= 400; i++) {
          const t = (tMax * i) / 400;
          d += (i === 0 ? 'M' : 'L') + x(t).toFixed(1) + ',' + y(top * curveFactor(calc, t)).toFixed(1);
        }
      }
      svg.append(s('path', { d, class: 'curve-line' }));
    } else {
      // No curve parameters: join the two points the API gives (top at the kick, the price now).
      svg.append(s('path', { d: 'M' + x(0) + ',' + y(top) + 'L' + x(elapsed) + ',' + y(price), class: 'sample-line' }));
    }
    // Prices this page read for the sale (each refresh).
    for (const p of state.auctionSamples[sale.ilk + ':' + sale.id] || []) {
      svg.append(s('circle', { cx: x(p.t - sale.ticSeconds), cy: y(p.v), r: 2, class: 'now-dot', opacity: 0.45 }));
    }
    if (cusp !== null) {
      svg.append(s('line', { x1: m.left, x2: m.left + plotW, y1: y(top * cusp), y2: y(top * cusp), class: 'cusp' }));
      svg.append(s('text', { x: m.left + plotW + 4, y: y(top * cusp) + 4, class: 'lbl-cusp', text: 'cusp ' + Math.round(cusp * 100) + '%' }));
    }
    if (tail !== null && tail <= tMax) {
      svg.append(s('line', { x1: x(tail), x2: x(tail), y1: m.top, y2: m.top + plotH, class: 'tail' }));
      svg.append(s('text', { x: x(tail) - 4, y: m.top + plotH - 6, 'text-anchor': 'end', class: 'lbl-tail', text: 'tail: redo after' }));
    }
    if (market !== null && market <= yMax) {
      svg.append(s('line', { x1: m.left, x2: m.left + plotW, y1: y(market), y2: y(market), class: 'market' }));
      svg.append(s('text', { x: m.left + plotW + 4, y: y(market) + 4, class: 'lbl-market', text: 'oracle ' + fmtAxis(market) }));
    }
    svg.append(s('line', { x1: x(elapsed), x2: x(elapsed), y1: m.top, y2: m.top + plotH, class: 'now-line' }));
    svg.append(s('circle', { cx: x(elapsed), cy: y(price), r: 4.5, class: 'now-dot' }));
    svg.append(s('text', { x: m.left + plotW + 4, y: y(price) - 6, class: 'lbl-now', text: 'now ' + fmtAxis(price) }));
    return svg;
  }

  function recordAuctionSample(sale, nowSeconds) {
    const key = sale.ilk + ':' + sale.id;
    const samples = state.auctionSamples[key] || (state.auctionSamples[key] = []);
    const last = samples[samples.length - 1];
    if (last && last.t >= nowSeconds) return;
    samples.push({ t: nowSeconds, v: toNumber(sale.priceRay, 27) });
    if (samples.length > HISTORY_MAX) samples.shift();
  }

  function renderClip(view) {
    const sales = view.auctions;
    if (sales.length === 0) {
      return [h('p', { class: 'empty', 'data-empty': 'auctions', text: 'No live Clipper sale. A bark of an unsafe vault starts one.' })];
    }
    return sales.map((sale) => {
      recordAuctionSample(sale, view.nowSeconds);
      const params = state.ilkParams ? state.ilkParams[sale.ilk] || null : null;
      const gem = params ? params.gem : 'collateral';
      const elapsed = Math.max(0, view.nowSeconds - sale.ticSeconds);
      const stat = (label, value) => h('div', {}, h('span', { text: label }), value);
      return h(
        'div',
        { class: 'auction', 'data-auction': sale.ilk + ':' + sale.id },
        h('div', { class: 'head' },
          h('b', { text: sale.ilk + ' #' + sale.id }),
          h('span', { class: 'muted', text: 'vault ' + sale.usr }),
          sale.needsRedo ? h('span', { class: 'badge danger', text: 'NEEDS REDO' }) : h('span', { class: 'badge info', text: 'RUNNING' }),
          h('span', { class: 'muted', text: describeCalc(params ? params.calc : null) })),
        h('div', { class: 'stats' },
          stat('Price now (DAI/' + gem + ')', h('b', { 'data-field': 'price', text: fmtUnits(sale.priceRay, 27) })),
          stat('Top (DAI/' + gem + ')', fmtUnits(sale.topRay, 27)),
          stat('Tab to raise (DAI)', fmtUnits(sale.tabRad, 45, 2)),
          stat('Lot left (' + gem + ')', fmtUnits(sale.lotWad, 18)),
          stat('Running for', fmtDuration(elapsed))),
        clipChart(sale, view.nowSeconds, params),
        params ? null : h('p', { class: 'note', text: 'The Clipper curve parameters were not found in the first events of the log: the line joins top and the price now.' }),
      );
    });
  }

  function renderGenericAuctions(view) {
    if (view.auctions.length === 0) return [h('p', { class: 'empty', 'data-empty': 'auctions', text: 'No live auction.' })];
    const columns = [];
    for (const a of view.auctions) for (const k of Object.keys(a)) if (!columns.includes(k)) columns.push(k);
    const cell = (k, v) => {
      if (v === null || v === undefined) return h('td', { class: 'muted', text: '\u2014' });
      if (typeof v === 'object') return h('td', { class: 'muted', text: JSON.stringify(v).slice(0, 60) });
      const scale = scaleOf(k);
      if (scale !== null && toBig(v) !== null) return h('td', { class: 'num', text: fmtUnits(v, scale) });
      return h('td', { class: typeof v === 'number' ? 'num' : '', text: String(v) });
    };
    return [
      h('div', { class: 'scroll' }, h('table', {},
        h('thead', {}, h('tr', {}, columns.map((k) => h('th', { text: k })))),
        h('tbody', {}, view.auctions.map((a, i) => h('tr', { 'data-auction': String(a.id !== undefined ? a.id : i) }, columns.map((k) => cell(k, a[k]))))))),
      h('p', { class: 'note', text: 'Fields ending in Wad/Ray/Rad are shown at 1e18/1e27/1e45.' }),
    ];
  }

  function renderAuctions(view) {
    state.auctionsLive = view.auctions.length > 0;
    const kinds = {
      clip: 'Maker Clipper Dutch auctions: price falls along the ilk\u2019s Abacus curve',
      flip: 'Maker Flipper English auctions (liquidation 1.2)',
      storefront: 'Comet collateral reserves for sale at a discount',
      dutch: 'Composed Dutch auctions',
      none: '',
    };
    byId('auctions-kind').textContent = view.kind in kinds ? kinds[view.kind] : view.kind;
    if (view.kind === 'none') {
      const id = state.protocol ? state.protocol.id : 'This model';
      replace('auctions-body', h('p', { class: 'empty', 'data-empty': 'auctions',
        text: id + ' runs no auctions: a liquidation settles in one step (see the event feed).' }));
      return;
    }
    replace('auctions-body', view.kind === 'clip' ? renderClip(view) : renderGenericAuctions(view));
  }

  // ---------------------------------------------------------------------------------------------
  // Event feed
  // ---------------------------------------------------------------------------------------------
  function summarize(event) {
    const parts = [];
    for (const [k, v] of Object.entries(event)) {
      if (k === 'type' || k === 'atSeconds') continue;
      let text;
      if (v !== null && typeof v === 'object') text = Array.isArray(v) ? '[' + v.length + ']' : '{\u2026}';
      else if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) {
        let scale = scaleOf(k);
        if (k === 'price' && state.priceDecimals[event.asset] !== undefined) scale = state.priceDecimals[event.asset];
        else if (k === 'amount' && state.assets[event.asset]) scale = state.assets[event.asset].decimals;
        text = scale === null || scale === undefined ? (/Seconds$/.test(k) ? v : fmtRaw(v)) : fmtUnits(v, scale);
      } else text = String(v);
      parts.push(k + '=' + text);
    }
    const line = parts.join('  ');
    return line.length > 220 ? line.slice(0, 219) + '\u2026' : line;
  }

  function addFeed(message, live) {
    const type = String(message.event && message.event.type);
    const cls = LIQUIDATION_EVENT.test(type) ? 'liq' : PRICE_EVENT.test(type) ? 'price' : '';
    const row = h(
      'tr',
      { 'data-seq': message.seq, 'data-type': type, class: cls + (live ? ' fresh' : '') },
      h('td', { class: 'num muted', text: String(message.seq) }),
      h('td', { class: 'num muted', text: fmtClock(message.atSeconds) }),
      h('td', { class: 'type', text: type }),
      h('td', { class: 'summary mono', text: summarize(message.event || {}) }),
    );
    const body = byId('feed-rows');
    body.prepend(row);
    while (body.childElementCount > FEED_MAX) body.lastElementChild.remove();
    byId('feed-empty').hidden = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Refresh and stream
  // ---------------------------------------------------------------------------------------------
  function scheduleRefresh(delayMs) {
    if (state.refreshTimer !== null) return;
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = null;
      void refresh();
    }, delayMs === undefined ? REFRESH_DEBOUNCE_MS : delayMs);
  }

  async function refresh() {
    if (!state.started) return;
    if (state.refreshing) {
      state.refreshAgain = true;
      return;
    }
    state.refreshing = true;
    try {
      const [status, prices, atRisk, auctions, funds] = await Promise.all([
        api('/v1/status'),
        api('/v1/prices'),
        api('/v1/at-risk?limit=' + AT_RISK_LIMIT),
        api('/v1/auctions'),
        api('/v1/funds'),
      ]);
      if (!state.started) return;
      // The server sends each ilk's current parameters; older servers did not: read the log then.
      if (auctions.ilks) state.ilkParams = auctions.ilks;
      else if (auctions.kind === 'clip' && !state.paramsScanned) await scanParams();
      state.headSeq = Math.max(state.headSeq, status.eventSeq);
      renderStatus(status);
      renderPrices(prices);
      renderFunds(funds);
      renderHistogram(atRisk);
      renderAtRisk(atRisk);
      renderAuctions(auctions);
      document.body.dataset.refreshedAtSeq = String(status.eventSeq);
      if (!status.failed) clearBanner();
    } catch (error) {
      handleError(error);
    } finally {
      state.refreshing = false;
      if (state.refreshAgain) {
        state.refreshAgain = false;
        scheduleRefresh();
      }
    }
  }

  function poll() {
    if (!state.started) return;
    scheduleRefresh(0);
    state.pollTimer = setTimeout(poll, state.auctionsLive ? POLL_AUCTIONS_MS : POLL_MS);
  }

  function connect() {
    if (!state.started) return;
    // First connection: the last FEED_BACKFILL events; later ones resume after the last seq seen.
    const cursor = state.lastSeq > 0
      ? 'after=' + state.lastSeq
      : 'from=' + Math.max(1, state.headSeq - FEED_BACKFILL + 1);
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/stream?' + cursor +
      '&access_token=' + encodeURIComponent(state.key);
    setConnection(state.lastSeq > 0 ? 'reconnecting' : 'connecting', state.lastSeq > 0 ? 'resuming after ' + state.lastSeq : 'connecting');
    const ws = new WebSocket(url);
    state.ws = ws;
    let caughtUp = false;
    ws.onopen = () => {
      state.retryMs = 1000;
      setConnection('catching-up', 'catching up');
    };
    ws.onmessage = (frame) => {
      let message;
      try {
        message = JSON.parse(frame.data);
      } catch {
        return;
      }
      if (message.kind === 'event') {
        if (message.seq <= state.lastSeq) return;
        if (state.lastSeq > 0 && message.seq !== state.lastSeq + 1) {
          // A gap: drop this connection and resume from the last event seen.
          ws.close(4000, 'gap');
          return;
        }
        state.lastSeq = message.seq;
        noteParams(message.event || {});
        notePriceEvent(message.event || {}, message.atSeconds);
        addFeed(message, caughtUp);
        byId('feed-last').textContent = 'last seq ' + message.seq;
        scheduleRefresh();
      } else if (message.kind === 'caughtUp') {
        caughtUp = true;
        if (message.seq > state.lastSeq && state.lastSeq === 0) state.lastSeq = message.seq;
        setConnection('live', 'live');
        scheduleRefresh();
      } else if (message.kind === 'error' && typeof message.resumeFrom === 'number') {
        state.lastSeq = Math.min(state.lastSeq, message.resumeFrom - 1);
      }
    };
    ws.onclose = () => {
      if (state.ws !== ws) return;
      state.ws = null;
      if (!state.started) return;
      setConnection('reconnecting', 'reconnecting in ' + Math.round(state.retryMs / 1000) + ' s');
      setTimeout(connect, state.retryMs);
      state.retryMs = Math.min(state.retryMs * 2, 10000);
      // A refused key shows up as a failed fetch; check it while waiting.
      scheduleRefresh(0);
    };
  }

  function stop() {
    state.started = false;
    if (state.ws) {
      const ws = state.ws;
      state.ws = null;
      ws.close();
    }
    clearTimeout(state.pollTimer);
    setConnection('offline', 'offline');
  }

  async function start() {
    state.key = readKey();
    if (!state.key) {
      showKeyForm('');
      return;
    }
    byId('key-form').hidden = true;
    byId('main').hidden = false;
    state.started = true;
    try {
      const [protocol, status] = await Promise.all([api('/v1/protocol'), api('/v1/status')]);
      state.protocol = protocol;
      state.assets = protocol.assets || {};
      state.headSeq = status.eventSeq;
      byId('protocol').textContent = protocol.id;
      byId('protocol-title').textContent = protocol.title;
      document.title = 'Solvent \u00b7 ' + protocol.id;
      renderStatus(status);
      await refresh();
      connect();
      state.pollTimer = setTimeout(poll, POLL_MS);
    } catch (error) {
      handleError(error);
    }
  }

  byId('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = byId('key-input').value.trim();
    if (key === '') return;
    sessionStorage.setItem(KEY_STORAGE, key);
    byId('key-input').value = '';
    void start();
  });
  byId('forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    stop();
    showKeyForm('');
  });
  void start();
})();
`;
