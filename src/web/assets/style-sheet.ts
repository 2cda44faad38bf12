// The page's only stylesheet, served from /assets/style.css. Kept in a module so the build
// (tsc) ships it without a copy step. System fonts, including CJK ones; no web fonts (no network).
export const StyleSheet = String.raw`
:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #5b6472; --line: #dfe3ea;
  --accent: #2456d6; --accent-text: #fff; --danger: #b42318; --ok: #067647; --warn: #b54708;
  --radius: 10px; --shadow: 0 1px 2px rgba(16,24,40,.06), 0 1px 3px rgba(16,24,40,.1);
  color-scheme: light dark;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #111418; --panel: #1a1f26; --text: #e7eaf0; --muted: #a2abb8; --line: #2c333d; --accent: #7aa2ff; --accent-text: #0b1020; --danger: #ff8a80; --ok: #6ee7b7; --warn: #fbbf24; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible, iframe:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px;
}
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1.5rem; padding: .75rem 1.25rem; background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 5; }
.brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; color: var(--text); }
.logo { color: var(--accent); }
.menu { display: flex; gap: .25rem; }
.menu a { text-decoration: none; color: var(--text); padding: .4rem .8rem; border-radius: 999px; }
.menu a:hover { background: var(--bg); }
.menu a[aria-current="page"] { background: var(--accent); color: var(--accent-text); }
.tools { margin-left: auto; display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; }
.tools form { display: flex; align-items: center; gap: .4rem; margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 1.25rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .6rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.25rem 1.5rem; box-shadow: var(--shadow); }
.narrow { max-width: 640px; margin: 1rem auto; }
.lede { color: var(--muted); }
.stack { display: grid; gap: .4rem; }
.stack label { font-weight: 600; margin-top: .5rem; }
.stack small { color: var(--muted); }
.stack .check { font-weight: 400; display: flex; gap: .5rem; align-items: center; }
input[type=text], input[type=search], input[type=password], select {
  font: inherit; padding: .55rem .7rem; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); color: var(--text); min-width: 0;
}
button { font: inherit; cursor: pointer; border: 0; border-radius: 8px; padding: .55rem 1rem; background: var(--accent); color: var(--accent-text); font-weight: 600; }
button.secondary { background: var(--bg); color: var(--text); border: 1px solid var(--line); font-weight: 500; }
button.danger { background: transparent; color: var(--danger); border: 1px solid currentColor; font-weight: 500; }
button.link { background: none; color: var(--accent); padding: 0; font-weight: 400; text-decoration: underline; }
button[disabled] { opacity: .6; cursor: progress; }
.error-text { color: var(--danger); font-weight: 600; }
.warning { color: var(--warn); }
.note, .empty { color: var(--muted); }
.progress { margin-top: 1.25rem; }
.steps { list-style: none; display: flex; gap: .5rem; padding: 0; margin: 0 0 .5rem; }
.steps li { flex: 1; text-align: center; padding: .4rem; border-radius: 8px; background: var(--bg); color: var(--muted); border: 1px solid var(--line); }
.steps li.reached { background: var(--accent); color: var(--accent-text); border-color: var(--accent); }
.steps li.failed { background: var(--danger); color: #fff; }
.result-card { display: grid; grid-template-columns: 160px 1fr; gap: 1rem; align-items: center; margin-top: 1rem; padding: 1rem; border: 1px solid var(--line); border-radius: var(--radius); }
.result-card img { width: 100%; border-radius: 6px; border: 1px solid var(--line); }
.links-layout { display: grid; grid-template-columns: 1fr 240px; gap: 1.5rem; align-items: start; }
.search { display: flex; gap: .5rem; margin-bottom: 1rem; }
.search input { flex: 1; }
.filters { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.grid { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); overflow: hidden; box-shadow: var(--shadow); display: flex; flex-direction: column; }
.card.removing { opacity: .4; }
.thumb { display: block; aspect-ratio: 8 / 5; background: var(--bg); border-bottom: 1px solid var(--line); }
.thumb img { width: 100%; height: 100%; object-fit: cover; object-position: top; display: block; }
.placeholder { display: grid; place-items: center; height: 100%; font-size: 2.5rem; color: var(--muted); }
.card-body { padding: .75rem .9rem .9rem; display: grid; gap: .35rem; }
.card-title { font-size: 1rem; margin: 0; line-height: 1.35; overflow-wrap: anywhere; }
.card-title a { color: var(--text); text-decoration: none; }
.card-title a:hover { text-decoration: underline; }
.meta { margin: 0; color: var(--muted); font-size: .85rem; }
.url { margin: 0; font-size: .8rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.url a { color: var(--muted); }
.badge { display: inline-block; font-size: .75rem; padding: .05rem .45rem; border-radius: 999px; border: 1px solid currentColor; margin-left: .25rem; }
.status-done { color: var(--ok); } .status-failed, .dead { color: var(--danger); } .status-queued, .status-capturing { color: var(--warn); }
.conversation { list-style: none; padding: 0; margin: 0; }
.conversation .who { margin: .6rem 0 .2rem; color: var(--muted, #666); font-size: .9em; }
.conversation blockquote { margin: 0; padding: .3rem .8rem; border-inline-start: 3px solid currentColor; white-space: pre-wrap; overflow-wrap: anywhere; }
.tags { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .3rem; }
.tag { display: inline-flex; align-items: center; background: var(--bg); border: 1px solid var(--line); border-radius: 999px; font-size: .85rem; }
.tag a { text-decoration: none; padding: .1rem .2rem .1rem .6rem; }
.tag:not(:has(a)) { padding: .1rem .6rem; }
.tag-remove { background: none; color: var(--muted); padding: .1rem .5rem; font-weight: 400; }
.tag-remove:hover { color: var(--danger); }
.card-actions { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem; margin-top: .25rem; }
.tag-add { display: flex; gap: .3rem; margin: 0; }
.tag-add input { width: 8.5rem; padding: .3rem .5rem; }
.tag-add button, .card-actions .delete { padding: .3rem .7rem; }
.tag-list { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: .5rem 1rem 1rem; position: sticky; top: 5rem; }
.tag-list h2 { margin-top: .5rem; }
.tag-list ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .35rem; }
.chip { display: inline-block; padding: .2rem .6rem; border-radius: 999px; background: var(--bg); border: 1px solid var(--line); text-decoration: none; font-size: .9rem; }
.chip.active { background: var(--accent); color: var(--accent-text); border-color: var(--accent); }
.count { color: var(--muted); font-size: .8rem; }
.chip.active .count { color: inherit; }
.pager { display: flex; justify-content: space-between; margin-top: 1.25rem; }
.snapshot { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.25rem 1.5rem; box-shadow: var(--shadow); }
.snapshot h1 { overflow-wrap: anywhere; }
.original, .final { overflow-wrap: anywhere; margin: .2rem 0; }
.pending { color: var(--warn); font-weight: 600; }
.screenshot { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
iframe.archive { width: 100%; height: 75vh; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
iframe.replay { width: 100%; height: 75vh; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.tabs { display: flex; gap: .25rem; border-bottom: 1px solid var(--line); margin-bottom: .75rem; }
.tabs [role=tab] { background: none; color: var(--muted); border: 0; border-bottom: 3px solid transparent; border-radius: 0; padding: .5rem .9rem; font: inherit; cursor: pointer; }
.tabs [role=tab][aria-selected=true] { color: var(--text); border-bottom-color: var(--accent); font-weight: 600; }
/* The web page's frame around the replay viewer (/s/:id/replay): the viewer fills it. */
body.replay-frame { margin: 0; height: 100vh; background: #fff; }
body.replay-frame iframe { display: block; width: 100%; height: 100%; border: 0; }
.readable .text { white-space: pre-wrap; max-height: 70vh; overflow: auto; padding: 1rem; background: var(--bg); border-radius: 6px; font-size: 1rem; line-height: 1.7; }
.readable summary { cursor: pointer; color: var(--accent); }
.meta-table { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
.meta-table dt { color: var(--muted); }
.meta-table dd { margin: 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
.files { border-collapse: collapse; width: 100%; font-size: .9rem; }
.files th, .files td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.hash { word-break: break-all; font-size: .8rem; }
.versions { padding-left: 1.25rem; }
.site-foot { color: var(--muted); font-size: .8rem; margin-top: 2rem; }
.add-panel { margin-bottom: 1.5rem; }
.add-panel h1 { font-size: 1.25rem; margin-bottom: .5rem; }
.add-row { display: grid; grid-template-columns: 2fr 1fr auto; gap: .3rem .75rem; align-items: start; }
.add-row .field { display: grid; gap: .25rem; min-width: 0; }
.add-row .field label { font-weight: 600; }
.add-row small { color: var(--muted); }
.add-row button { align-self: center; margin-top: .4rem; }
.add-row .check { grid-column: 1 / -1; display: flex; gap: .5rem; align-items: center; }
.results > h2 { margin-top: 0; font-size: 1.4rem; }
.quick-filters { margin: 0 0 .75rem; }
.chip.dead-filter { color: var(--danger); }
.chip.dead-filter.active { background: var(--danger); border-color: var(--danger); color: #fff; }
.card.is-dead .thumb { filter: grayscale(1); }
.badge.dead { overflow-wrap: anywhere; }
.badge.watched { color: var(--accent); }
.dead-notice { border: 1px solid var(--danger); color: var(--danger); border-radius: 8px; padding: .5rem .8rem; overflow-wrap: anywhere; }
.change { margin: .4rem 0; }
.change.changed { color: var(--warn); font-weight: 600; }
.change.same, .change.first { color: var(--muted); }
.watch-form, .compare { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: end; margin: .5rem 0; }
.watch-form .field { display: grid; gap: .25rem; }
.watch-form label, .compare label { font-weight: 600; }
.watch-form small { color: var(--muted); }
.watching { font-weight: 600; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.side-by-side figure { margin: 0; min-width: 0; }
.side-by-side figcaption { color: var(--muted); margin-bottom: .3rem; }
table.diff { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: .9rem; }
table.diff col.num { width: 3.5rem; }
table.diff th, table.diff td { border: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top; text-align: left; }
table.diff td { white-space: pre-wrap; overflow-wrap: anywhere; }
table.diff td.num { color: var(--muted); text-align: right; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .8rem; }
table.diff .hunk-head th { background: var(--bg); color: var(--muted); font-weight: 500; }
table.diff td.del { background: rgba(180, 35, 24, .12); }
table.diff td.add { background: rgba(6, 118, 71, .12); }
table.diff td.blank { background: var(--bg); }
table.diff del, table.diff ins { text-decoration: none; }
@media (max-width: 800px) {
  .links-layout { grid-template-columns: 1fr; }
  .tag-list { position: static; order: -1; }
  .top { position: static; }
  .tools { margin-left: 0; }
  main { padding: .75rem; }
  .snapshot, .panel { padding: 1rem; }
  .result-card { grid-template-columns: 1fr; }
  .add-row { grid-template-columns: 1fr; }
  .side-by-side { grid-template-columns: 1fr; }
  table.diff col.num { width: 2.5rem; }
  .meta-table { grid-template-columns: 1fr; }
  .meta-table dd { margin-bottom: .5rem; }
}
`;
