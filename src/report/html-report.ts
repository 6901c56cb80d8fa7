// report.html: one self-contained page an SRE opens from disk after a game day.
// The verdict first, then the timelines (uPlot, whose minified JS and CSS are
// read from node_modules at render time and inlined), then every assertion and
// every checker. Data travels as JSON in a <script type="application/json">
// with <, > and & escaped, so no value can close the script or open a comment.
// A Content-Security-Policy of default-src 'none' keeps the page off the network.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RunInfo } from '../run/run-directory.ts';
import { rollbackLine } from '../verdict/rollback-decision.ts';
import type { AssertionResult, Verdict } from '../verdict/verdict-schema.ts';
import {
  formatEvidence,
  formatMeasured,
  formatMs,
  formatNumber,
  keyFigures,
  redactSecrets,
  unassertedViolations,
} from './report-format.ts';
import type { RunTimeline } from './run-timeline.ts';

export interface HtmlReportInput {
  readonly verdict: Verdict;
  readonly run?: RunInfo | undefined;
  readonly scenario?: { readonly name?: string; readonly description?: string } | undefined;
  /** Absent when no history could be read; `timelineError` then says why. */
  readonly timeline?: RunTimeline | undefined;
  readonly timelineError?: string | undefined;
  /** Things the reader must know about this report (missing files, partial data). */
  readonly notes?: readonly string[];
}

export interface HtmlReportOptions {
  /** Replaced wherever they appear in the page (the charting library excepted). */
  readonly secrets?: readonly string[];
}

interface Assets {
  readonly js: string;
  readonly css: string;
}

let assets: Assets | undefined;

/** uPlot's minified build, read once from node_modules (a dependency, so it is there wherever peakdrill runs). */
function uplotAssets(): Assets {
  if (assets !== undefined) return assets;
  const require = createRequire(import.meta.url);
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  assets = { js: inlineSafe(js, 'script'), css: inlineSafe(css, 'style') };
  return assets;
}

/** A library inlined into <script> or <style> must not contain its closing tag or a comment opener. */
function inlineSafe(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON that is safe inside a <script> element: no <, > or & characters, no JS line terminators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const esc = escapeHtml;

export function renderHtmlReport(input: HtmlReportInput, options: HtmlReportOptions = {}): string {
  const { verdict, timeline } = input;
  const lib = uplotAssets();
  const redact = (s: string) => redactSecrets(s, options.secrets ?? []);
  const title = `peakdrill ${verdict.status.toUpperCase()}: ${verdict.scenario}${verdict.runId ? ` (${verdict.runId})` : ''}`;
  const head = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${esc(title)}</title>`,
    '<style>',
  ].join('\n');
  const body = [
    '</style>',
    `<style>${PAGE_CSS}</style>`,
    '</head>',
    `<body class="status-${verdict.status}">`,
    '<main>',
    verdictSection(input),
    timelineSection(timeline, input.timelineError),
    assertionsSection(verdict),
    checkersSection(verdict),
    opsSection(timeline),
    `<footer>Generated ${esc(verdict.generatedAt)} by peakdrill${verdict.versions.peakdrill ? ` ${esc(verdict.versions.peakdrill)}` : ''}. This page is self-contained: it loads nothing from the network. Charts: uPlot.</footer>`,
    '</main>',
    `<script type="application/json" id="peakdrill-data">${scriptJson({ timeline: timeline ?? null })}</script>`,
    '<script>',
  ].join('\n');
  const tail = ['</script>', `<script>${CHART_SCRIPT}</script>`, '</body>', '</html>', ''].join('\n');
  // The library is left out of redaction: it holds no data, and rewriting code could break it.
  return `${redact(head)}\n${lib.css}\n${redact(body)}\n${lib.js}\n${tail}`;
}

function badge(result: string): string {
  return `<span class="badge b-${esc(result.replace(/[^a-z0-9]+/gi, '-'))}">${esc(result)}</span>`;
}

function verdictSection(input: HtmlReportInput): string {
  const { verdict, run, scenario } = input;
  const facts: [string, string][] = [];
  facts.push([
    'Scenario',
    `${esc(verdict.scenario)}${scenario?.description ? ` — ${esc(scenario.description)}` : ''}`,
  ]);
  facts.push(['Seed', esc(String(verdict.seed))]);
  if (verdict.runId !== null) facts.push(['Run', `<code>${esc(verdict.runId)}</code>`]);
  if (verdict.target !== undefined) facts.push(['Target', `<code>${esc(verdict.target)}</code>`]);
  for (const n of verdict.notExercised ?? [])
    facts.push([
      'Not exercised',
      `<code>${esc(n.op)}</code>${n.ops === undefined ? '' : ` (${esc(String(n.ops))} ops)`}: ${esc(n.why)}`,
    ]);
  if (run !== undefined) {
    facts.push([
      'Defect',
      run.defect === null ? 'none (the correct store)' : `<code>${esc(run.defect)}</code>`,
    ]);
    facts.push([
      'Engine',
      `${esc(run.engine)}, speed ${esc(formatNumber(run.speed))}×, ${esc(run.stack)} stack`,
    ]);
    const took =
      run.endedAt === undefined
        ? ''
        : ` (${esc(formatMs(Date.parse(run.endedAt) - Date.parse(run.startedAt)))})`;
    facts.push([
      'Started',
      `${esc(run.startedAt)}${run.endedAt ? ` — ended ${esc(run.endedAt)}${took}` : ''}`,
    ]);
  }
  const endReason = verdict.run.endReason ?? run?.reason;
  facts.push([
    'Run ended',
    `${badge(verdict.run.endStatus)}${endReason === undefined ? '' : ` ${esc(endReason)}`}`,
  ]);
  const versions = { ...(run?.versions ?? {}), ...verdict.versions };
  if (Object.keys(versions).length > 0)
    facts.push([
      'Versions',
      Object.entries(versions)
        .map(([k, v]) => `${esc(k)} <code>${esc(v)}</code>`)
        .join(', '),
    ]);
  const figures = keyFigures(verdict);
  const notes = input.notes ?? [];
  return [
    '<section id="verdict">',
    `<h1><span class="status s-${verdict.status}">${esc(verdict.status.toUpperCase())}</span> ${esc(verdict.scenario)}</h1>`,
    `<p class="summary">${esc(verdict.summary)}</p>`,
    verdict.rollback === undefined
      ? ''
      : `<p class="summary"><strong>${esc(rollbackLine(verdict.rollback))}</strong></p>`,
    notes.length > 0 ? `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '',
    '<table class="facts">',
    ...facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`),
    '</table>',
    figures.length > 0
      ? `<div class="figures">${figures
          .map(
            (f) =>
              `<div class="figure"><div class="fl">${esc(f.label)}</div><div class="fv">${esc(f.value)}</div></div>`,
          )
          .join('')}</div>`
      : '',
    '</section>',
  ].join('\n');
}

interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
}

function timelineSection(timeline: RunTimeline | undefined, error: string | undefined): string {
  if (timeline === undefined) {
    return [
      '<section id="timelines">',
      '<h2>Timelines</h2>',
      `<p class="empty">No timeline: ${esc(error ?? 'the run left no readable history')}.</p>`,
      '</section>',
    ].join('\n');
  }
  const charts: ChartSpec[] = [
    {
      id: 'chart-throughput',
      title: 'Throughput (ops/s by outcome)',
      caption:
        'Completions per second: ok, business rejections (e.g. out of stock: the system saying no, not failing), failures and unknown outcomes (info: timed out or cut off).',
    },
    {
      id: 'chart-latency',
      title: 'Latency percentiles (ms)',
      caption: 'p50, p95 and p99 of the ops completed in each second, from the scheduled send time.',
    },
    {
      id: 'chart-errors',
      title: 'Errors per second',
      caption: 'Failures that are not business rejections, unknown outcomes, and ops never sent (dropped).',
    },
  ];
  if (timeline.stock !== null && timeline.stock.skus.length > 0)
    charts.push({
      id: 'chart-stock',
      title: 'Stock of the hot SKUs (approximate)',
      caption:
        'All stores: initial stock − acknowledged checkout and applied offline-sale units + acknowledged return units, each order, return and sale counted once however often a retry was acknowledged. Unknown outcomes, webhooks and scans are not counted; the oracle’s final state is the truth.',
    });
  if (timeline.probes.regions.length > 0)
    charts.push({
      id: 'chart-probe',
      title: 'Checkout probe success per region (%)',
      caption:
        'Share of checkout-probe samples that succeeded in each second; a gap is a second without samples.',
    });
  if (timeline.propagation.samples > 0)
    charts.push({
      id: 'chart-propagation',
      title: 'Cross-region propagation (ms)',
      caption: 'How long a write in one region took to be visible in the other (mean and worst per second).',
    });
  if (timeline.cdc !== undefined)
    charts.push({
      id: 'chart-cdc',
      title: 'Migration: CDC lag and queued webhooks',
      caption:
        'Worst replay lag of green behind blue per second (ms; 0 once the cutover ended CDC), and marketplace webhooks answered “queued” during the freeze (per second, replayed into green by the cutover).',
    });
  const faultRows = timeline.faults.flatMap((f) => [
    `<tr><td><span class="swatch"></span>${esc(f.name)}</td><td>${esc(f.kind ?? '')}</td><td>${esc(f.target)}</td><td>${esc(formatMs(f.startMs))}</td><td>${esc(formatMs(f.endMs))}</td><td>${esc(formatMs(f.endMs - f.startMs))}</td><td>${f.healFailed ? badge('heal failed') : f.healed ? 'healed' : badge('never healed')}</td></tr>`,
    ...(f.phases === undefined ? [] : [`<tr class="phases"><td colspan="7">${esc(phaseLine(f))}</td></tr>`]),
  ]);
  const notes: string[] = [];
  if (timeline.bucketMs !== 1_000)
    notes.push(`Each point covers ${formatMs(timeline.bucketMs)}; rates are per second.`);
  if (timeline.clamped)
    notes.push('Entries past the last bucket were folded into it: the run ran longer than the report draws.');
  if (timeline.truncatedTail)
    notes.push('A history ended in a cut-off line (the run was killed mid-write); that line is left out.');
  return [
    '<section id="timelines">',
    '<h2>Timelines</h2>',
    `<p class="muted">Times are seconds since the run started${timeline.startedAt ? ` (${esc(timeline.startedAt)})` : ''}; shaded bands are fault windows.</p>`,
    notes.length > 0 ? `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '',
    timeline.faults.length > 0
      ? `<table class="faults"><thead><tr><th>Fault</th><th>Kind</th><th>Target</th><th>Start</th><th>End</th><th>Held</th><th></th></tr></thead><tbody>${faultRows.join('')}</tbody></table>`
      : '<p class="muted">No fault was injected.</p>',
    ...charts.map(
      (c) =>
        `<figure class="chart-box"><figcaption><h3>${esc(c.title)}</h3><p class="muted">${esc(c.caption)}</p></figcaption><div class="chart" id="${c.id}"></div></figure>`,
    ),
    '</section>',
  ].join('\n');
}

/** A cutover's playbook on one line: each step with when it ended, then what the replay did. */
function phaseLine(f: RunTimeline['faults'][number]): string {
  const steps = (f.phases ?? []).map((p) => `${p.name} ${formatMs(p.atMs)}`).join(' → ');
  const o = f.outcome ?? {};
  const replay =
    o.webhooksQueued === undefined
      ? ''
      : ` · webhooks queued ${o.webhooksQueued}, replayed ${o.webhooksReplayed ?? 0}, failed ${o.replayFailures ?? 0}`;
  return `${steps}${replay}`;
}

function evidenceList(evidence: readonly AssertionResult['evidence'][number][]): string {
  if (evidence.length === 0) return '';
  return `<ul class="evidence">${evidence.map((e) => `<li>${esc(formatEvidence(e))}</li>`).join('')}</ul>`;
}

function assertionsSection(verdict: Verdict): string {
  if (verdict.assertions.length === 0)
    return '<section id="assertions"><h2>Assertions</h2><p class="empty">The scenario declares no assertions; only the checkers judged this run.</p></section>';
  const rows = verdict.assertions.map((a) =>
    [
      `<tr class="r-${a.result}">`,
      `<td><strong>${esc(a.name)}</strong>${a.checker ? `<div class="muted">${esc(a.checker)}${a.figure ? ` · ${esc(a.figure)}` : ''}</div>` : ''}</td>`,
      `<td><code>${esc(a.threshold)}</code></td>`,
      `<td class="num">${esc(formatMeasured(a))}</td>`,
      `<td>${badge(a.result)}</td>`,
      `<td>${esc(a.explanation)}${evidenceList(a.evidence)}</td>`,
      '</tr>',
    ].join(''),
  );
  return [
    '<section id="assertions">',
    '<h2>Assertions</h2>',
    '<table class="assertions"><thead><tr><th>Assertion</th><th>Threshold</th><th>Measured</th><th>Result</th><th>Explanation and evidence</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table>`,
    '</section>',
  ].join('\n');
}

function checkersSection(verdict: Verdict): string {
  const rank = (v: boolean | 'unknown') => (v === false ? 0 : v === 'unknown' ? 1 : 2);
  const unasserted = new Set(unassertedViolations(verdict).map((c) => c.name));
  const sorted = [...verdict.checkers].sort((a, b) => rank(a.valid) - rank(b.valid));
  const blocks = sorted.map((c) => {
    const result = c.valid === true ? 'valid' : c.valid === false ? 'violation' : 'unknown';
    const figures = Object.entries(c.figures);
    return [
      `<details class="checker c-${result}"${c.valid === true ? '' : ' open'}>`,
      `<summary>${badge(result)} <strong>${esc(c.name)}</strong> — ${esc(c.explanation)}${unasserted.has(c.name) ? ' <em>(no assertion covers this; the verdict fails on it)</em>' : ''}</summary>`,
      figures.length > 0
        ? `<dl class="kv">${figures.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(formatNumber(v))}</dd></div>`).join('')}</dl>`
        : '<p class="muted">No figures.</p>',
      c.evidence.length > 0 ? `<h4>Evidence</h4>${evidenceList(c.evidence)}` : '',
      '</details>',
    ].join('\n');
  });
  return ['<section id="checkers">', '<h2>Checkers</h2>', ...blocks, '</section>'].join('\n');
}

function opsSection(timeline: RunTimeline | undefined): string {
  if (timeline === undefined) return '';
  const entries = Object.entries(timeline.totals.byF);
  if (entries.length === 0) return '';
  const row = (name: string, t: RunTimeline['totals']) =>
    `<tr><td>${name}</td>${[t.ok, t.rejected, t.fail, t.info, t.dropped].map((n) => `<td class="num">${esc(formatNumber(n))}</td>`).join('')}</tr>`;
  return [
    '<section id="ops">',
    '<h2>Ops by function</h2>',
    '<table class="ops"><thead><tr><th>Function</th><th>ok</th><th>rejected</th><th>failed</th><th>unknown (info)</th><th>dropped</th></tr></thead><tbody>',
    ...entries.map(([f, t]) => row(esc(f), { ...t, byF: {} })),
    row('<strong>all</strong>', timeline.totals),
    '</tbody></table>',
    '</section>',
  ].join('\n');
}

const PAGE_CSS = `
:root { --fg:#1b1f24; --muted:#5c6670; --line:#d8dee4; --bg:#fff; --pass:#1a7f37; --fail:#cf222e; --error:#9a6700; --unknown:#6e40c9; }
* { box-sizing: border-box; }
body { margin:0; background:#f6f8fa; color:var(--fg); font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1200px; margin:0 auto; padding:24px; }
section { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin-bottom:20px; }
h1 { margin:0 0 8px; font-size:24px; } h2 { margin:0 0 12px; font-size:18px; } h3 { margin:0; font-size:15px; } h4 { margin:12px 0 4px; }
.status { display:inline-block; padding:2px 12px; border-radius:6px; color:#fff; }
.s-pass { background:var(--pass); } .s-fail { background:var(--fail); } .s-error { background:var(--error); }
.summary { font-size:16px; margin:0 0 12px; }
.muted { color:var(--muted); margin:2px 0 8px; }
.empty { color:var(--muted); font-style:italic; }
.notes { background:#fff8c5; border:1px solid #d4a72c; border-radius:6px; padding:8px 8px 8px 28px; }
table { border-collapse:collapse; width:100%; margin:8px 0; }
th, td { text-align:left; vertical-align:top; padding:6px 8px; border-bottom:1px solid var(--line); }
table.facts th { width:130px; color:var(--muted); font-weight:600; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
code { font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; background:#eff2f5; padding:1px 4px; border-radius:4px; }
.figures { display:flex; flex-wrap:wrap; gap:12px; margin-top:12px; }
.figure { border:1px solid var(--line); border-radius:6px; padding:8px 12px; min-width:160px; }
.fl { color:var(--muted); font-size:12px; } .fv { font-size:16px; font-weight:600; }
.badge { display:inline-block; padding:0 8px; border-radius:10px; font-size:12px; font-weight:600; border:1px solid currentColor; white-space:nowrap; }
.b-pass, .b-valid, .b-completed { color:var(--pass); } .b-fail, .b-violation, .b-never-healed, .b-heal-failed { color:var(--fail); }
.b-error, .b-aborted, .b-missing { color:var(--error); } .b-unknown { color:var(--unknown); }
tr.r-fail td, tr.r-error td { background:#fff5f5; } tr.r-unknown td { background:#f8f5ff; }
.evidence { margin:6px 0 0; padding-left:18px; font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
.chart-box { margin:16px 0 8px; }
.chart { width:100%; min-height:260px; }
.swatch { display:inline-block; width:12px; height:12px; background:rgba(207,34,46,.18); border:1px solid rgba(207,34,46,.5); margin-right:6px; vertical-align:-1px; }
details.checker { border:1px solid var(--line); border-radius:6px; padding:8px 12px; margin:8px 0; }
details.checker summary { cursor:pointer; }
dl.kv { display:grid; grid-template-columns:repeat(auto-fill, minmax(280px, 1fr)); gap:0 24px; margin:8px 0; }
dl.kv div { display:flex; justify-content:space-between; gap:12px; border-bottom:1px solid var(--line); padding:3px 0; }
dl.kv dt { font:12px/1.6 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; color:var(--muted); overflow-wrap:anywhere; }
dl.kv dd { margin:0; font-variant-numeric:tabular-nums; white-space:nowrap; }
footer { color:var(--muted); font-size:12px; text-align:center; }
.uplot { width:100%; } .u-legend { font-size:12px; }
`;

// Browser code (plain ES2017, no modules): draws the charts from the embedded JSON.
const CHART_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('peakdrill-data').textContent);
  var t = data.timeline;
  if (!t || typeof uPlot !== 'function') return;
  var xs = [];
  for (var i = 0; i < t.buckets; i++) xs.push((i * t.bucketMs) / 1000);
  var perS = 1000 / t.bucketMs;
  var rate = function (a) { return a.map(function (v) { return v * perS; }); };
  var PALETTE = ['#0969da', '#bc4c00', '#1a7f37', '#8250df', '#cf222e', '#9a6700', '#1b7c83', '#bf3989'];
  var charts = [];

  function faultBands(u) {
    if (!t.faults.length) return;
    var ctx = u.ctx, dpr = window.devicePixelRatio || 1, b = u.bbox;
    ctx.save();
    t.faults.forEach(function (f) {
      var x0 = u.valToPos(f.startMs / 1000, 'x', true);
      var x1 = u.valToPos(f.endMs / 1000, 'x', true);
      var left = Math.max(b.left, Math.min(x0, x1));
      var right = Math.min(b.left + b.width, Math.max(x0, x1, left + 2 * dpr));
      if (right <= left) return;
      ctx.fillStyle = f.healed ? 'rgba(207, 34, 46, 0.10)' : 'rgba(207, 34, 46, 0.18)';
      ctx.fillRect(left, b.top, right - left, b.height);
      ctx.fillStyle = 'rgba(150, 20, 30, 0.9)';
      ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
      ctx.fillText(f.name, left + 4 * dpr, b.top + 13 * dpr);
    });
    ctx.restore();
  }

  function fmt(digits, unit) {
    return function (u, v) { return v == null ? '–' : v.toFixed(digits) + (unit || ''); };
  }

  function chart(id, yLabel, series, ys, scale) {
    var el = document.getElementById(id);
    if (!el) return;
    var opts = {
      width: Math.max(320, el.clientWidth || 900),
      height: 260,
      scales: { x: { time: false }, y: scale || {} },
      series: [{ label: 'second', value: fmt(1, ' s') }].concat(series.map(function (s) {
        return {
          label: s.label,
          stroke: s.color,
          width: 1.5,
          fill: s.fill || undefined,
          points: { show: false },
          value: s.value || fmt(1),
        };
      })),
      axes: [
        { label: 'seconds since start', stroke: '#5c6670', grid: { stroke: '#eef1f4' } },
        { label: yLabel, size: 64, stroke: '#5c6670', grid: { stroke: '#eef1f4' } },
      ],
      hooks: { drawClear: [faultBands] },
    };
    charts.push({ el: el, u: new uPlot(opts, [xs].concat(ys), el) });
  }

  chart('chart-throughput', 'ops/s', [
    { label: 'ok', color: '#1a7f37' },
    { label: 'rejected (business)', color: '#bf8700' },
    { label: 'failed', color: '#cf222e' },
    { label: 'unknown (info)', color: '#8250df' },
  ], [rate(t.ops.ok), rate(t.ops.rejected), rate(t.ops.fail), rate(t.ops.info)], { range: function (u, min, max) { return [0, Math.max(1, max)]; } });

  chart('chart-latency', 'ms', [
    { label: 'p50', color: '#0969da', value: fmt(1, ' ms') },
    { label: 'p95', color: '#bc4c00', value: fmt(1, ' ms') },
    { label: 'p99', color: '#cf222e', value: fmt(1, ' ms') },
  ], [t.latency.p50, t.latency.p95, t.latency.p99], { range: function (u, min, max) { return [0, Math.max(1, max == null ? 1 : max)]; } });

  chart('chart-errors', 'per second', [
    { label: 'errors (failed + unknown)', color: '#cf222e', fill: 'rgba(207, 34, 46, 0.08)' },
    { label: 'dropped (never sent)', color: '#57606a' },
  ], [rate(t.errors), rate(t.ops.dropped)], { range: function (u, min, max) { return [0, Math.max(1, max)]; } });

  if (t.stock && t.stock.skus.length) {
    chart('chart-stock', 'units', t.stock.skus.map(function (sku, i) {
      return { label: sku, color: PALETTE[i % PALETTE.length], value: fmt(0) };
    }), t.stock.skus.map(function (sku) { return t.stock.series[sku]; }));
  }

  if (t.probes.regions.length) {
    chart('chart-probe', '% ok', t.probes.regions.map(function (r, i) {
      return { label: 'region ' + r, color: PALETTE[i % PALETTE.length], value: fmt(0, ' %') };
    }), t.probes.regions.map(function (r) {
      return t.probes.success[r].map(function (v) { return v == null ? null : v * 100; });
    }), { range: [0, 105] });
  }

  if (t.propagation.samples > 0) {
    chart('chart-propagation', 'ms', [
      { label: 'mean', color: '#0969da', value: fmt(1, ' ms') },
      { label: 'worst', color: '#cf222e', value: fmt(1, ' ms') },
    ], [t.propagation.avgMs, t.propagation.maxMs], { range: function (u, min, max) { return [0, Math.max(1, max == null ? 1 : max)]; } });
  }

  if (t.cdc) {
    chart('chart-cdc', 'ms / per s', [
      { label: 'CDC lag (ms)', color: '#8250df', value: fmt(1, ' ms') },
      { label: 'webhooks queued', color: '#bf8700', value: fmt(0) },
    ], [t.cdc.lagMs, rate(t.cdc.queuedWebhooks)], { range: function (u, min, max) { return [0, Math.max(1, max == null ? 1 : max)]; } });
  }

  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      charts.forEach(function (c) { c.u.setSize({ width: Math.max(320, c.el.clientWidth), height: 260 }); });
    });
  });
})();
`;
