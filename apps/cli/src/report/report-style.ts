/**
 * The report's stylesheet, inlined: the file must show the same offline, on a phone and on
 * paper. Colours come from custom properties so dark mode and print only swap them.
 */
export const REPORT_CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--bg:#fff;--panel:#f5f7fa;--line:#d9dee7;--bad:#b42318;--bad-bg:#fdecea;--good:#1a7f37;--good-bg:#e8f5ec;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#9aa3b2;--bg:#14171c;--panel:#1d2128;--line:#343a45;--bad:#ff8a80;--bad-bg:#3a1d1b;--good:#7ee2a0;--good-bg:#173323}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1160px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0}
h2{font-size:1.15rem;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.25em}
h3{font-size:1rem;margin:.8em 0 .3em}
p,li{max-width:75ch}
.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px;break-inside:avoid}
.card .label{color:var(--muted);font-size:.85rem}
.card .value{font-size:1.45rem;font-weight:600;font-variant-numeric:tabular-nums}
.card .delta{font-size:.85rem}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:.85rem;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td.msg{word-break:break-word;min-width:14em}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
.pass{color:var(--good);font-weight:600}
.fail{color:var(--bad);font-weight:600}
tr.regression td{background:var(--bad-bg)}
.regression{color:var(--bad);font-weight:600}
.improvement{color:var(--good)}
.charts.single{max-width:760px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:14px}
figure{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:8px;break-inside:avoid}
figcaption{font-weight:600;font-size:.9rem;margin-bottom:4px}
svg.chart{display:block;width:100%;height:auto}
svg .grid{stroke:var(--line);stroke-width:1}
svg .axis{stroke:var(--muted);stroke-width:1}
svg .tick{fill:var(--muted);font-size:15px;font-family:system-ui,sans-serif}
svg .bar{fill:#4e79a7}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.85rem;margin:2px 0 6px;padding:0;list-style:none}
.swatch{display:inline-block;width:12px;height:4px;border-radius:2px;margin-right:5px;vertical-align:middle}
.banner{padding:8px 12px;border-radius:8px;margin:10px 0;border:1px solid var(--line)}
.banner.regression{background:var(--bad-bg);border-color:var(--bad)}
.banner.ok{background:var(--good-bg)}
footer{margin-top:2em;font-size:.85rem;color:var(--muted)}
@media (max-width:600px){body{font-size:14px}main{padding:10px}.card .value{font-size:1.2rem}th,td{padding:4px 5px}}
@media print{
:root{--fg:#000;--muted:#444;--bg:#fff;--panel:#fff;--line:#bbb;--bad:#a00;--bad-bg:#fde8e8;--good:#060;--good-bg:#fff}
body{font-size:10pt}main{max-width:none;padding:0}
.table-wrap{overflow:visible}
section,figure,table,.card{break-inside:avoid}
h2{break-after:avoid}
.charts{grid-template-columns:1fr 1fr}
a{color:inherit;text-decoration:none}
}
@page{margin:14mm}
`;
