/**
 * The dashboard's stylesheet, inlined into the page by dashboard.ts: a dark grid of panels with
 * tabular numbers, so the page needs nothing beyond the server that serves it.
 */

/** CSS of the dashboard page (inlined in a `<style>` element; its hash goes into the CSP). */
export const DASHBOARD_CSS = `
:root {
  --bg: #0d1117; --panel: #151b23; --panel-2: #1b2330; --line: #263041; --text: #d8dee8;
  --muted: #8a97a8; --accent: #58a6ff; --accent-2: #a371f7; --ok: #3fb950; --warn: #d29922;
  --danger: #f85149; --danger-bg: rgba(248, 81, 73, 0.13); --warn-bg: rgba(210, 153, 34, 0.13);
  color-scheme: dark;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; background: var(--bg); color: var(--text); }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.num, td.num, th.num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.muted { color: var(--muted); }
header.top {
  display: flex; align-items: center; justify-content: space-between; gap: 16px; flex-wrap: wrap;
  padding: 12px 20px; border-bottom: 1px solid var(--line); background: #0b0f14;
  position: sticky; top: 0; z-index: 2;
}
.brand { display: flex; align-items: baseline; gap: 10px; font-size: 16px; font-weight: 650; }
.brand .logo { color: var(--accent); }
.brand .title { font-size: 12px; font-weight: 400; color: var(--muted); max-width: 60ch;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chips { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.chip { border: 1px solid var(--line); border-radius: 999px; padding: 2px 10px; color: var(--muted);
  background: var(--panel); white-space: nowrap; }
.chip b { color: var(--text); font-weight: 600; }
.chip.conn::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%;
  margin-right: 6px; background: var(--muted); vertical-align: 0; }
.chip.conn[data-state="live"]::before { background: var(--ok); box-shadow: 0 0 6px var(--ok); }
.chip.conn[data-state="catching-up"]::before, .chip.conn[data-state="connecting"]::before { background: var(--warn); }
.chip.conn[data-state="reconnecting"]::before, .chip.conn[data-state="offline"]::before { background: var(--danger); }
button { font: inherit; color: var(--text); background: var(--panel-2); border: 1px solid var(--line);
  border-radius: 6px; padding: 4px 12px; cursor: pointer; }
button:hover { border-color: var(--accent); }
.banner { margin: 12px 20px 0; padding: 8px 12px; border: 1px solid var(--danger); border-radius: 6px;
  background: var(--danger-bg); color: #ffb3ad; }
.keyform { max-width: 520px; margin: 48px auto; padding: 20px; background: var(--panel);
  border: 1px solid var(--line); border-radius: 10px; }
.keyform h2 { margin: 0 0 6px; font-size: 16px; }
.keyform p { color: var(--muted); margin: 0 0 14px; }
.keyform .row { display: flex; gap: 8px; }
.keyform input { flex: 1; font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; padding: 6px 10px; }
.keyform .error { color: var(--danger); margin-top: 10px; }
main.grid { display: grid; grid-template-columns: repeat(12, minmax(0, 1fr)); gap: 14px; padding: 14px 20px 20px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px;
  min-width: 0; display: flex; flex-direction: column; }
.panel h2 { margin: 0 0 10px; font-size: 13px; font-weight: 650; letter-spacing: 0.02em; text-transform: uppercase;
  color: #c3cdd9; display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.panel h2 small { text-transform: none; letter-spacing: 0; font-weight: 400; color: var(--muted); font-size: 12px; }
.span-4 { grid-column: span 4; } .span-5 { grid-column: span 5; } .span-7 { grid-column: span 7; }
.span-8 { grid-column: span 8; } .span-12 { grid-column: span 12; }
@media (max-width: 1100px) { .span-4, .span-5, .span-7, .span-8 { grid-column: span 12; } }
.scroll { overflow: auto; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 11px; text-transform: uppercase;
  letter-spacing: 0.03em; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th .unit { display: block; text-transform: none; letter-spacing: 0; font-weight: 400; }
td { padding: 5px 8px; border-bottom: 1px solid #1e2633; vertical-align: middle; }
tbody tr:hover { background: #18202b; }
tr.liq td { background: var(--danger-bg); }
tr.liq td:first-child { box-shadow: inset 3px 0 0 var(--danger); }
tr.near td:first-child { box-shadow: inset 3px 0 0 var(--warn); }
.badge { display: inline-block; padding: 0 7px; border-radius: 4px; font-size: 11px; font-weight: 650;
  letter-spacing: 0.02em; border: 1px solid transparent; white-space: nowrap; }
.badge.danger { background: var(--danger); color: #fff; }
.badge.warn { color: var(--warn); border-color: var(--warn); }
.badge.ok { color: var(--ok); border-color: rgba(63, 185, 80, 0.5); }
.badge.info { color: var(--accent); border-color: rgba(88, 166, 255, 0.5); }
.err { color: var(--danger); }
.empty { color: var(--muted); margin: 6px 0; }
.note { color: var(--muted); font-size: 11.5px; margin: 8px 0 0; }
.sources { display: flex; flex-direction: column; gap: 1px; }
.sources .stale { color: var(--danger); }
.delta-up { color: var(--ok); } .delta-down { color: var(--danger); }
.tiles { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; margin-bottom: 10px; }
.tile { background: var(--panel-2); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.tile .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: 0.03em; }
.tile .value { font-size: 18px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px;
  overflow-wrap: anywhere; }
.tile .value .asset { font-size: 12px; color: var(--muted); font-weight: 500; margin-left: 4px; }
.tile.bad { border-color: var(--danger); background: var(--danger-bg); }
svg { display: block; max-width: 100%; height: auto; }
svg text { fill: var(--muted); font-size: 11px; font-family: inherit; }
svg .axis { stroke: var(--line); }
svg .grid { stroke: #1f2835; }
svg .bar { fill: var(--accent); }
svg .bar.liq { fill: var(--danger); } svg .bar.near { fill: var(--warn); } svg .bar.mid { fill: #e3b341; }
svg .bar.far { fill: var(--ok); } svg .bar.unpriced { fill: var(--muted); }
svg text.count { fill: var(--text); font-weight: 600; }
svg .curve-line { fill: none; stroke: var(--accent-2); stroke-width: 2; }
svg .sample-line { fill: none; stroke: var(--accent-2); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .cusp { stroke: var(--warn); stroke-dasharray: 5 4; }
svg .tail { stroke: var(--warn); stroke-dasharray: 5 4; }
svg .market { stroke: var(--accent); stroke-dasharray: 2 3; stroke-width: 1.5; }
svg .now-line { stroke: var(--danger); stroke-width: 1; opacity: 0.6; }
svg .now-dot { fill: var(--danger); stroke: #fff; stroke-width: 1.5; }
svg text.lbl-cusp, svg text.lbl-tail { fill: var(--warn); }
svg text.lbl-market { fill: var(--accent); }
svg text.lbl-now { fill: #ffb3ad; font-weight: 600; }
svg .used-line { fill: none; stroke: var(--accent); stroke-width: 2.2; }
svg .agg-line { fill: none; stroke: var(--accent-2); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg circle.obs { stroke: var(--panel); stroke-width: 1; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 10px; margin-top: 10px; }
.charts.one { grid-template-columns: minmax(0, 1fr); }
.chart { background: var(--panel-2); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px 4px; }
.chart-title { font-size: 12px; margin-bottom: 2px; }
td.strong { font-weight: 650; color: #fff; }
td.flags { white-space: normal; }
td.flags .badge { margin: 1px 2px 1px 0; }
.auction { border: 1px solid var(--line); border-radius: 8px; padding: 10px; margin-bottom: 10px; background: var(--panel-2); }
.auction .head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; margin-bottom: 6px; }
.auction .head b { font-size: 14px; }
.auction .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 4px 14px; margin-bottom: 6px; }
.auction .stats div span { display: block; color: var(--muted); font-size: 11px; }
.feed { max-height: 560px; overflow: auto; }
.feed table td { padding: 3px 6px; font-size: 12px; }
.feed td.summary { color: #b8c2cf; overflow-wrap: anywhere; }
.feed tr.liq td.type { color: var(--danger); font-weight: 650; }
.feed tr.price td.type { color: var(--accent); }
.feed tr.fresh td { animation: flash 1.5s ease-out; }
@keyframes flash { from { background: rgba(88, 166, 255, 0.22); } to { background: transparent; } }
footer { color: var(--muted); font-size: 11.5px; padding: 0 20px 20px; }
footer a { color: inherit; }
`;
