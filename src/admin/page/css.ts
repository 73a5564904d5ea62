/** The status page's style sheet (served as /app.css). */
export const PAGE_CSS = `
:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2430; --muted: #6b7380; --line: #e2e5ea;
  --ok: #1f8a4c; --warn: #b7791f; --bad: #c53030; --bad-bg: #fff1f1; --accent: #2f5fd0;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .7rem 1.2rem;
  background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
header .title { display: flex; align-items: baseline; gap: .8rem; flex-wrap: wrap; }
h1 { font-size: 1.15rem; margin: 0; }
h2 { font-size: 1rem; margin: 0 0 .6rem; }
.headright { display: flex; align-items: center; gap: 1rem; }
select { font: inherit; padding: .2rem .4rem; }
main { padding: 1rem 1.2rem; display: grid; gap: 1rem; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1rem; min-width: 0; }
.muted { color: var(--muted); }
.small { font-size: .85rem; font-weight: normal; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
.live { font-size: .8rem; padding: .15rem .5rem; border-radius: 999px; background: #eef0f3; color: var(--muted); }
.live.on { background: #e6f5ec; color: var(--ok); }
.live.on::before { content: "\\25CF  "; }
.chips { display: flex; gap: .5rem; flex-wrap: wrap; }
.chip { border: 1px solid var(--line); border-radius: 999px; padding: .15rem .6rem; font-size: .85rem; }
.chip.down { border-color: var(--bad); color: var(--bad); }
#warnings:not(:empty) { margin-top: .6rem; }
.warning { background: #fffaeb; border: 1px solid #f3d58a; border-radius: 6px; padding: .35rem .6rem; margin-top: .3rem; font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: .8rem; align-items: start; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .7rem .8rem; display: grid; gap: .45rem; }
.card.state-failing, .card.state-refusing { border-color: var(--bad); }
.card.state-retrying { border-color: var(--warn); }
.card .head { display: flex; justify-content: space-between; align-items: center; gap: .5rem; }
.card .name { font-weight: 600; }
.badge { font-size: .75rem; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; padding: .1rem .5rem; border-radius: 999px; }
.badge.ok { background: #e6f5ec; color: var(--ok); }
.badge.retrying { background: #fdf3e1; color: var(--warn); }
.badge.refusing, .badge.failing { background: var(--bad-bg); color: var(--bad); }
.counts { display: flex; gap: 1rem; font-size: .9rem; }
.counts b { font-variant-numeric: tabular-nums; }
.queue { height: 6px; background: #eef0f3; border-radius: 3px; overflow: hidden; }
.queue > div { height: 100%; background: var(--accent); }
.lasterror { background: var(--bad-bg); color: var(--bad); border-radius: 6px; padding: .4rem .55rem; font-size: .85rem; overflow-wrap: anywhere; }
.lasterror .when { color: var(--muted); display: block; font-size: .78rem; margin-top: .2rem; }
.traces { display: grid; grid-template-columns: minmax(240px, 1fr) 3fr; gap: .8rem; min-height: 220px; }
.trace-list { border-right: 1px solid var(--line); padding-right: .6rem; max-height: 520px; overflow: auto; }
.trace-item { padding: .4rem .5rem; border-radius: 6px; cursor: pointer; display: grid; gap: .1rem; border-left: 3px solid transparent; }
.trace-item:hover { background: #f1f3f6; }
.trace-item.selected { background: #e9effc; }
.trace-item.error { border-left-color: var(--bad); }
.trace-item .root { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.trace-view { min-width: 0; }
.waterfall .wf-head { display: flex; justify-content: space-between; margin-bottom: .4rem; gap: .5rem; flex-wrap: wrap; }
.wf-row { display: grid; grid-template-columns: minmax(180px, 2fr) 5fr; align-items: center; gap: .5rem; padding: .15rem .2rem; cursor: pointer; border-radius: 4px; }
.wf-row:hover { background: #f1f3f6; }
.wf-row.selected { background: #e9effc; }
.wf-row.error .wf-name { color: var(--bad); font-weight: 600; }
.wf-name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: .88rem; }
.wf-svc { font-size: .72rem; padding: 0 .35rem; border-radius: 3px; color: #fff; margin-right: .3rem; }
.wf-track { position: relative; height: 16px; background: #f3f4f6; border-radius: 3px; }
.wf-bar { position: absolute; top: 2px; bottom: 2px; min-width: 2px; border-radius: 2px; }
.wf-bar.error { outline: 2px solid var(--bad); outline-offset: 0; background-image: repeating-linear-gradient(45deg, rgba(255,255,255,.35) 0 4px, transparent 4px 8px); }
.wf-dur { position: absolute; right: 4px; top: 0; font-size: .72rem; color: var(--muted); line-height: 16px; }
.span-details:not(:empty) { margin-top: .7rem; border-top: 1px solid var(--line); padding-top: .6rem; }
.kv { display: grid; grid-template-columns: minmax(140px, max-content) 1fr; gap: .15rem .8rem; font-size: .85rem; margin: .2rem 0 .6rem; }
.kv dt { color: var(--muted); overflow-wrap: anywhere; }
.kv dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
h3 { font-size: .9rem; margin: .5rem 0 .2rem; }
table { width: 100%; border-collapse: collapse; font-size: .88rem; }
th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); padding: .3rem .4rem; }
td { border-bottom: 1px solid #f0f1f4; padding: .3rem .4rem; vertical-align: top; overflow-wrap: anywhere; }
tr.error td { background: var(--bad-bg); }
tr.clickable { cursor: pointer; }
td.time { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
pre.stack { margin: .3rem 0 0; white-space: pre-wrap; font-size: .8rem; background: #fafafa; border: 1px solid var(--line); padding: .4rem; border-radius: 4px; max-height: 260px; overflow: auto; }
.sev { font-size: .75rem; font-weight: 600; padding: 0 .35rem; border-radius: 3px; background: #eef0f3; }
.sev.error { background: var(--bad); color: #fff; }
.sev.warn { background: #fdf3e1; color: var(--warn); }
a.link { color: var(--accent); cursor: pointer; text-decoration: underline; }
footer { padding: 0 1.2rem 1.2rem; }
@media (max-width: 800px) { .traces { grid-template-columns: 1fr; } .trace-list { border-right: 0; max-height: 240px; } }
`;
